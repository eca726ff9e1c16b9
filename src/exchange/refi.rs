//! REFI-QDA export: a codebook and coded documents in, the exchange files QDA tools read out —
//! a project (`.qdpx`: `project.qde` plus the sources, and the documents' variables as
//! `Variables` and `Cases`), a codebook (`.qdc`), and a CSV codebook for Taguette.
//!
//! The speakers of transcripts are cases, as NVivo's coding by speaker makes them: each
//! speaker's name (one case for every document it speaks in) is a `Case` whose `SelectionRef`s
//! point at its turns, each turn an uncoded `PlainTextSelection` of its source from the turn's
//! first paragraph to its last.
//!
//! Sources are stored as plain text with LF line endings and no byte-order mark, and every
//! position is counted in Unicode characters of that stored text, because tools disagree about
//! CRLF and BOMs. GUIDs are derived from the content (name-based), so the same input gives the
//! same GUIDs run after run.

pub mod read;

use crate::codebook::{Code, Codebook};
use crate::coding::{CodedDocument, SegmentRow};
use crate::escape;
use crate::read::table::{Kind, Variables};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;

/// A coded document with the text it was read from, for export.
pub struct ExportDocument<'a> {
    pub coded: &'a CodedDocument,
    /// The decoded text (BOM removed) that the coded document's positions refer to.
    pub text: &'a str,
}

/// The `origin` and user name written into every file.
const ORIGIN: &str = concat!("qualcode ", env!("CARGO_PKG_VERSION"));

/// Distinct colours, one per code in codebook order (repeated after ten codes).
const PALETTE: &[&str] = &[
    "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
    "#BCBD22", "#17BECF",
];

/// A name-based GUID (the layout of a version-5 UUID, hashed with SHA-256).
pub fn guid(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"qualcode REFI-QDA\0");
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let mut b = [0u8; 16];
    b.copy_from_slice(&hasher.finalize()[..16]);
    b[6] = (b[6] & 0x0F) | 0x50;
    b[8] = (b[8] & 0x3F) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Escapes text for XML content and attributes, dropping characters XML 1.0 cannot carry.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Ends every code description written, followed by the code's id.
pub const ID_MARKER: &str = "qualcode id: ";

/// The description a QDA tool shows for a code: definition and usage notes.
fn code_description(code: &Code) -> String {
    let mut parts = vec![code.definition.trim().to_string()];
    for (label, text) in [
        ("Use when", &code.use_when),
        ("Do not use when", &code.do_not_use_when),
        ("Example", &code.example),
    ] {
        if !text.trim().is_empty() {
            parts.push(format!("{label}: {}", text.trim()));
        }
    }
    parts.retain(|p| !p.is_empty());
    // Lets `codebook import` and `agree --gold` recognise the code whatever its name became.
    parts.push(format!("{ID_MARKER}{}", code.id));
    parts.join("\n\n")
}

fn code_guid(codebook: &Codebook, code: &Code) -> String {
    guid(&["code", &codebook.name, &code.id])
}

/// The codebook as `<Codes>`, child codes nested in their parents, in codebook order.
fn write_codes(out: &mut String, codebook: &Codebook) {
    fn write_code(out: &mut String, codebook: &Codebook, i: usize) {
        let code = &codebook.codes[i];
        let _ = write!(
            out,
            "<Code guid=\"{}\" name=\"{}\" isCodable=\"true\" color=\"{}\"><Description>{}</Description>",
            code_guid(codebook, code),
            xml(&code.label),
            PALETTE[i % PALETTE.len()],
            xml(&code_description(code)),
        );
        for child in (0..codebook.codes.len()).filter(|&c| codebook.codes[c].parent == Some(i)) {
            out.push('\n');
            write_code(out, codebook, child);
        }
        out.push_str("</Code>\n");
    }
    out.push_str("<Codes>\n");
    for top in (0..codebook.codes.len()).filter(|&c| codebook.codes[c].parent.is_none()) {
        write_code(out, codebook, top);
    }
    out.push_str("</Codes>\n");
}

/// A REFI-QDA codebook (`.qdc`).
pub fn codebook_qdc(codebook: &Codebook) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"{ORIGIN}\">"
    );
    write_codes(&mut out, codebook);
    out.push_str("</CodeBook>\n");
    out
}

/// A codebook CSV with the columns Taguette's "Import codebook" reads (`tag`, `description`),
/// its cells neutralised for spreadsheets ([`escape::csv_cell`]).
pub fn codebook_csv(codebook: &Codebook) -> Result<Vec<u8>, csv::Error> {
    let mut writer = escape::csv_writer(Vec::new());
    writer.write_record(["tag", "description"])?;
    for code in &codebook.codes {
        writer.write_record([
            escape::csv_cell(&code.label).as_ref(),
            escape::csv_cell(&code_description(code)).as_ref(),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|err| csv::Error::from(err.into_error()))
}

/// Plain text as stored in a project: LF line endings, and for every character offset of the
/// decoded text the offset in the stored text.
pub struct StoredText {
    pub text: String,
    /// `lf_offset[c]` for every character offset `c` of the decoded text, up to its length.
    lf_offset: Vec<usize>,
}

impl StoredText {
    pub fn new(decoded: &str) -> Self {
        let mut text = String::with_capacity(decoded.len());
        let mut lf_offset = Vec::with_capacity(decoded.len() + 1);
        let mut stored = 0;
        let mut chars = decoded.chars().peekable();
        while let Some(c) = chars.next() {
            lf_offset.push(stored);
            if c == '\r' && chars.peek() == Some(&'\n') {
                continue; // CRLF is stored as LF: the CR takes no place.
            }
            text.push(c);
            stored += 1;
        }
        lf_offset.push(stored);
        StoredText { text, lf_offset }
    }

    /// The stored-text position of a character offset of the decoded text.
    pub fn position(&self, char_offset: usize) -> usize {
        self.lf_offset[char_offset.min(self.lf_offset.len() - 1)]
    }
}

/// The `project.qde` XML and the stored sources (`sources/<guid>.txt`, text).
pub struct Project {
    pub qde: String,
    pub sources: Vec<(String, String)>,
}

/// The GUID of a document's source: from its name and text.
fn source_guid(doc: &ExportDocument) -> String {
    guid(&[
        "source",
        &doc.coded.id,
        &crate::read::sha256_hex(doc.text.as_bytes()),
    ])
}

/// A turn of a transcript: its speaker, number and span in characters of the decoded text.
struct Turn<'a> {
    speaker: &'a str,
    number: u32,
    span: (usize, usize),
}

/// The turns of a document with a speaker, in order.
fn turns_of(coded: &CodedDocument) -> Vec<Turn<'_>> {
    let mut turns: Vec<Turn> = Vec::new();
    for segment in &coded.segments {
        let Some(turn) = &segment.turn else {
            continue;
        };
        let (Some(speaker), Some(number)) = (turn.speaker.as_deref(), turn.turn) else {
            continue;
        };
        match turns.last_mut() {
            Some(last) if last.number == number => {
                last.span.0 = last.span.0.min(segment.char_start);
                last.span.1 = last.span.1.max(segment.char_end);
            }
            _ => turns.push(Turn {
                speaker,
                number,
                span: (segment.char_start, segment.char_end),
            }),
        }
    }
    turns
}

fn turn_guid(source_guid: &str, number: u32) -> String {
    guid(&["turn", source_guid, &number.to_string()])
}

/// The speakers of the transcripts exported so far: per name, in order of first appearance,
/// the GUIDs of the turns it speaks and the number of documents it speaks in.
#[derive(Default)]
struct Speakers(Vec<(String, Vec<String>, usize)>);

impl Speakers {
    fn add(&mut self, coded: &CodedDocument, source_guid: &str) {
        let mut seen_here: Vec<&str> = Vec::new();
        for turn in turns_of(coded) {
            let at = match self.0.iter().position(|(name, _, _)| name == turn.speaker) {
                Some(at) => at,
                None => {
                    self.0.push((turn.speaker.to_string(), Vec::new(), 0));
                    self.0.len() - 1
                }
            };
            self.0[at].1.push(turn_guid(source_guid, turn.number));
            if !seen_here.contains(&turn.speaker) {
                seen_here.push(turn.speaker);
                self.0[at].2 += 1;
            }
        }
    }

    /// The speakers' `Case`s.
    fn cases(&self) -> String {
        let mut out = String::new();
        for (name, selections, documents) in &self.0 {
            let _ = writeln!(
                out,
                "<Case guid=\"{}\" name=\"{}\"><Description>{}</Description>",
                guid(&["speaker", name]),
                xml(name),
                xml(&format!(
                    "Speaker in transcripts: {} turns in {documents} document{} (speaker turns found by qualcode)",
                    selections.len(),
                    if *documents == 1 { "" } else { "s" }
                ))
            );
            for selection in selections {
                let _ = writeln!(out, "<SelectionRef targetGUID=\"{selection}\"/>");
            }
            out.push_str("</Case>\n");
        }
        out
    }
}

/// The project's `Variables` (one per document variable) and `Cases`: one per exported
/// document with variables, named as the document, holding its values and its source; and one
/// per speaker of the transcripts ([`Speakers`]). `sources` are the exported documents' ids
/// and source GUIDs, in order.
fn write_cases(
    out: &mut String,
    variables: Option<&Variables>,
    sources: &[(String, String)],
    speakers: &Speakers,
) {
    let speakers = speakers.cases();
    let variables = variables.filter(|v| !v.names.is_empty());
    let Some(variables) = variables else {
        if !speakers.is_empty() {
            out.push_str("<Cases>\n");
            out.push_str(&speakers);
            out.push_str("</Cases>\n");
        }
        return;
    };
    let kinds = variables.kinds();
    let variable_guids: Vec<String> = variables
        .names
        .iter()
        .map(|name| guid(&["variable", name]))
        .collect();
    out.push_str("<Variables>\n");
    for ((name, kind), variable_guid) in variables.names.iter().zip(&kinds).zip(&variable_guids) {
        let type_of = match kind {
            Kind::Text => "Text",
            Kind::Integer => "Integer",
            Kind::Float => "Float",
            Kind::Boolean => "Boolean",
            Kind::Date => "Date",
        };
        let _ = writeln!(
            out,
            "<Variable guid=\"{variable_guid}\" name=\"{}\" typeOfVariable=\"{type_of}\"/>",
            xml(name)
        );
    }
    out.push_str("</Variables>\n");
    let row_of: std::collections::HashMap<&str, usize> = variables
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i))
        .collect();
    let mut cases = String::new();
    for (id, source_guid) in sources {
        // A document without a value (no metadata row) is no case.
        let Some(&row) = row_of
            .get(id.as_str())
            .filter(|&&row| variables.columns.iter().any(|c| c[row].is_some()))
        else {
            continue;
        };
        let _ = writeln!(
            cases,
            "<Case guid=\"{}\" name=\"{}\">",
            guid(&["case", id]),
            xml(id)
        );
        for (column, (kind, variable_guid)) in kinds.iter().zip(&variable_guids).enumerate() {
            let Some(value) = variables.columns[column][row].as_deref().map(str::trim) else {
                continue;
            };
            let element = match kind {
                Kind::Text => Some(("TextValue", value.to_string())),
                Kind::Integer => Some(("IntegerValue", value.to_string())),
                // xsd:decimal: no exponent, no infinity; f64's Display writes neither.
                Kind::Float => value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|v| ("FloatValue", v.to_string())),
                Kind::Boolean => Some(("BooleanValue", value.to_ascii_lowercase())),
                Kind::Date => value.get(..10).map(|d| ("DateValue", d.to_string())),
            };
            if let Some((element, value)) = element {
                let _ = writeln!(
                    cases,
                    "<VariableValue><VariableRef targetGUID=\"{variable_guid}\"/><{element}>{}</{element}></VariableValue>",
                    xml(&value)
                );
            }
        }
        let _ = writeln!(cases, "<SourceRef targetGUID=\"{source_guid}\"/>");
        cases.push_str("</Case>\n");
    }
    cases.push_str(&speakers);
    if !cases.is_empty() {
        out.push_str("<Cases>\n");
        out.push_str(&cases);
        out.push_str("</Cases>\n");
    }
}

/// The opening of a project, through its codebook; and the GUID of its one user.
fn project_head(codebook: &Codebook, created: &str) -> (String, String) {
    let user = guid(&["user", "qualcode"]);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"{}\" origin=\"{ORIGIN}\" creatingUserGUID=\"{user}\" creationDateTime=\"{created}\">",
        xml(if codebook.name.is_empty() { "qualcode" } else { &codebook.name }),
    );
    let _ = writeln!(
        out,
        "<Users><User guid=\"{user}\" name=\"{ORIGIN}\"/></Users>\n<CodeBook>"
    );
    write_codes(&mut out, codebook);
    out.push_str("</CodeBook>\n");
    (out, user)
}

/// A project for hand coding a validation sample: the codebook (with each code's definition)
/// and one text source per unit, named as given, with no coding at all (the coder must not
/// see the rules' codes).
pub fn sample_project(codebook: &Codebook, units: &[(String, String)], created: &str) -> Project {
    let (mut out, user) = project_head(codebook, created);
    out.push_str("<Sources>\n");
    let mut sources = Vec::new();
    for (name, text) in units {
        let source_guid = sample_source_guid(name);
        let _ = writeln!(
            out,
            "<TextSource guid=\"{source_guid}\" name=\"{}\" plainTextPath=\"internal://{source_guid}.txt\" creatingUser=\"{user}\" creationDateTime=\"{created}\"></TextSource>",
            xml(name)
        );
        sources.push((
            format!("sources/{source_guid}.txt"),
            StoredText::new(text).text,
        ));
    }
    out.push_str("</Sources>\n</Project>\n");
    Project { qde: out, sources }
}

/// The GUID of a validation sample's source, from its name.
pub fn sample_source_guid(name: &str) -> String {
    guid(&["sample source", name])
}

/// A REFI-QDA project written a document at a time ([`QdpxWriter::add`]): every coded
/// document a text source, every coded unit a selection carrying one coding per code,
/// described by the rules that fired; the documents' variables as the project's `Variables`
/// and `Cases`. Each source's text goes into the archive as it comes and its selections to a
/// temporary file; `project.qde` is written last (its cases come before its sources and need
/// them all). Memory follows one document, not the corpus.
pub struct QdpxWriter<'a, W: std::io::Write + std::io::Seek> {
    zip: zip::ZipWriter<W>,
    codebook: &'a Codebook,
    variables: Option<&'a Variables>,
    created: String,
    user: String,
    head: String,
    /// The `<TextSource>` elements written so far.
    selections: std::io::BufWriter<std::fs::File>,
    /// Each exported document's id and source GUID, in order.
    sources: Vec<(String, String)>,
    speakers: Speakers,
}

fn archive_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // A fixed timestamp keeps the archive identical for identical input.
        .last_modified_time(zip::DateTime::default())
}

impl<'a, W: std::io::Write + std::io::Seek> QdpxWriter<'a, W> {
    pub fn new(
        out: W,
        codebook: &'a Codebook,
        variables: Option<&'a Variables>,
        created: &str,
    ) -> std::io::Result<Self> {
        let (head, user) = project_head(codebook, created);
        Ok(QdpxWriter {
            zip: zip::ZipWriter::new(out),
            codebook,
            variables,
            created: created.to_string(),
            user,
            head,
            selections: std::io::BufWriter::new(tempfile::tempfile()?),
            sources: Vec::new(),
            speakers: Speakers::default(),
        })
    }

    /// Adds a document: its text to the archive, its selections to the project.
    pub fn add(&mut self, doc: &ExportDocument) -> zip::result::ZipResult<()> {
        let (codebook, user, created) = (self.codebook, &self.user, &self.created);
        let coded = doc.coded;
        let source_guid = source_guid(doc);
        let stored = StoredText::new(doc.text);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<TextSource guid=\"{source_guid}\" name=\"{}\" plainTextPath=\"internal://{source_guid}.txt\" creatingUser=\"{user}\" creationDateTime=\"{created}\">",
            xml(&coded.id)
        );
        // Codings come grouped by unit, in segment order; segment numbers index `segments`.
        // Only codes applied by their own rules are exported: QDA tools roll child codings
        // up to parents themselves.
        let direct: Vec<_> = coded.codings.iter().filter(|c| c.direct).collect();
        let interruptions = Interruptions::new(coded, doc.text);
        for codings in direct.chunk_by(|a, b| a.segment == b.segment) {
            let segment = &coded.segments[codings[0].segment];
            let pieces = interruptions.pieces(segment);
            for (part, &(char_start, char_end)) in pieces.iter().enumerate() {
                let (start, end) = (stored.position(char_start), stored.position(char_end));
                let selection_guid = guid(&[
                    "selection",
                    &source_guid,
                    &start.to_string(),
                    &end.to_string(),
                ]);
                let name = if pieces.len() == 1 {
                    format!("{} #{}", coded.id, segment.segment)
                } else {
                    format!(
                        "{} #{} (part {} of {})",
                        coded.id,
                        segment.segment,
                        part + 1,
                        pieces.len()
                    )
                };
                let _ = writeln!(
                    out,
                    "<PlainTextSelection guid=\"{selection_guid}\" name=\"{}\" startPosition=\"{start}\" endPosition=\"{end}\" creatingUser=\"{user}\" creationDateTime=\"{created}\">",
                    xml(&name)
                );
                let _ = writeln!(
                    out,
                    "<Description>{}</Description>",
                    xml(&fired_rules(codebook, coded, segment.segment))
                );
                for coding in codings {
                    let code = &codebook.codes[coding.code];
                    let _ = writeln!(
                        out,
                        "<Coding guid=\"{}\" creatingUser=\"{user}\" creationDateTime=\"{created}\"><CodeRef targetGUID=\"{}\"/></Coding>",
                        guid(&["coding", &selection_guid, &code.id]),
                        code_guid(codebook, code),
                    );
                }
                out.push_str("</PlainTextSelection>\n");
            }
        }
        // Each turn of a transcript, uncoded, for its speaker's case.
        for turn in turns_of(coded) {
            let (start, end) = (stored.position(turn.span.0), stored.position(turn.span.1));
            let _ = writeln!(
                out,
                "<PlainTextSelection guid=\"{}\" name=\"{}\" startPosition=\"{start}\" endPosition=\"{end}\" creatingUser=\"{user}\" creationDateTime=\"{created}\"><Description>{}</Description></PlainTextSelection>",
                turn_guid(&source_guid, turn.number),
                xml(&format!("{} turn {}: {}", coded.id, turn.number, turn.speaker)),
                xml(&format!("Turn of speaker {}", turn.speaker)),
            );
        }
        out.push_str("</TextSource>\n");
        self.selections.write_all(out.as_bytes())?;
        self.zip
            .start_file(format!("sources/{source_guid}.txt"), archive_options())?;
        self.zip.write_all(stored.text.as_bytes())?;
        self.speakers.add(coded, &source_guid);
        self.sources.push((coded.id.clone(), source_guid));
        Ok(())
    }

    /// Writes `project.qde` (codebook, cases, sources) and closes the archive.
    pub fn finish(mut self) -> zip::result::ZipResult<W> {
        let mut head = std::mem::take(&mut self.head);
        write_cases(&mut head, self.variables, &self.sources, &self.speakers);
        head.push_str("<Sources>\n");
        self.zip.start_file("project.qde", archive_options())?;
        self.zip.write_all(head.as_bytes())?;
        let mut selections = self
            .selections
            .into_inner()
            .map_err(|e| zip::result::ZipError::Io(e.into_error()))?;
        std::io::Seek::seek(&mut selections, std::io::SeekFrom::Start(0))?;
        std::io::copy(&mut selections, &mut self.zip)?;
        self.zip.write_all(b"</Sources>\n</Project>\n")?;
        self.zip.finish()
    }
}

/// The segments that are not units (footnote blocks, page numbers, running heads) of a
/// document, by where they start: a unit whose source they interrupt is exported as one
/// selection per piece around them, so that a QDA tool does not show the footnote as coded.
struct Interruptions<'a> {
    /// `(char_start, char_end, block)`, sorted.
    spans: Vec<(usize, usize, usize)>,
    text: &'a str,
}

impl<'a> Interruptions<'a> {
    fn new(coded: &CodedDocument, text: &'a str) -> Self {
        let mut spans: Vec<(usize, usize, usize)> = coded
            .segments
            .iter()
            .filter(|s| !s.coded)
            .map(|s| (s.char_start, s.char_end, s.block))
            .collect();
        spans.sort_unstable();
        Interruptions { spans, text }
    }

    /// The unit's source as character ranges around what interrupts it, whitespace at their
    /// ends left out; the whole unit when nothing does.
    fn pieces(&self, unit: &SegmentRow) -> Vec<(usize, usize)> {
        let from = self.spans.partition_point(|s| s.0 < unit.char_start);
        let inside: Vec<(usize, usize)> = self.spans[from..]
            .iter()
            .take_while(|s| s.0 < unit.char_end)
            // Not the paragraph that holds a sentence unit (same block).
            .filter(|s| s.1 <= unit.char_end && s.2 != unit.block)
            .map(|s| (s.0, s.1))
            .collect();
        if inside.is_empty() {
            return vec![(unit.char_start, unit.char_end)];
        }
        let chars: Vec<char> = self.text.chars().collect();
        let mut pieces = Vec::new();
        let mut start = unit.char_start;
        for (gap_start, gap_end) in inside
            .into_iter()
            .chain(std::iter::once((unit.char_end, unit.char_end)))
        {
            let (mut a, mut b) = (start, gap_start.max(start));
            while a < b && chars[a].is_whitespace() {
                a += 1;
            }
            while b > a && chars[b - 1].is_whitespace() {
                b -= 1;
            }
            if a < b {
                pieces.push((a, b));
            }
            start = start.max(gap_end);
        }
        pieces
    }
}

/// "Coded by qualcode: trust (trust_terms: trust; credibility: legitimacy), fic_strategy (fic_acronym: FIC)"
fn fired_rules(codebook: &Codebook, coded: &CodedDocument, segment: usize) -> String {
    let mut per_code: std::collections::BTreeMap<usize, Vec<(String, String)>> = Default::default();
    // Matches are in segment order.
    let from = coded.matches.partition_point(|m| m.segment < segment);
    let to = coded.matches.partition_point(|m| m.segment <= segment);
    for m in coded.matches[from..to].iter().filter(|m| m.applied) {
        per_code.entry(m.code).or_default().push((
            codebook.codes[m.code].rules[m.rule].id.clone(),
            m.text.clone(),
        ));
    }
    let parts: Vec<String> = per_code
        .into_iter()
        .map(|(code, hits)| {
            let rules: Vec<String> = hits
                .iter()
                .map(|(rule, text)| format!("{rule}: {text}"))
                .collect();
            format!("{} ({})", codebook.codes[code].id, rules.join("; "))
        })
        .collect();
    format!("Coded by qualcode: {}", parts.join(", "))
}

/// A project as the bytes of a `.qdpx` zip.
pub fn qdpx_bytes(project: &Project) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("project.qde", archive_options())?;
    zip.write_all(project.qde.as_bytes())?;
    for (name, text) in &project.sources {
        zip.start_file(name.as_str(), archive_options())?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_and_well_formed() {
        let g = guid(&["code", "x"]);
        assert_eq!(g, guid(&["code", "x"]));
        assert_ne!(g, guid(&["code", "y"]));
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "5");
        assert!(g.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }

    #[test]
    fn stored_text_counts_crlf_as_one_character() {
        let stored = StoredText::new("a\r\nb “c” 中\r\nd");
        assert_eq!(stored.text, "a\nb “c” 中\nd");
        // Decoded offsets: a=0 \r=1 \n=2 b=3 ... 中=9 \r=10 \n=11 d=12.
        assert_eq!(stored.position(3), 2);
        assert_eq!(stored.position(12), 10);
        assert_eq!(stored.text.chars().nth(stored.position(9)), Some('中'));
        assert_eq!(stored.position(13), 11);
    }

    #[test]
    fn xml_escaping_drops_control_characters() {
        assert_eq!(
            xml("a<b & \"c\"\u{0C}'"),
            "a&lt;b &amp; &quot;c&quot;&apos;"
        );
    }
}
