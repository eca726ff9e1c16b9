//! Word documents (`.docx`, Office Open XML): the file's bytes in; its paragraphs, headings
//! and footnotes as blocks ([`TextBlocks`]) out, or the reason it cannot be read.
//!
//! A `.docx` is a zip archive of XML parts. `word/document.xml` holds the body; each `w:p` is
//! a paragraph, a heading when its style (`w:pStyle`, looked up in `word/styles.xml`) is a
//! title or heading style or carries an outline level. List items are paragraphs of their own;
//! a table cell is one paragraph (its paragraphs joined). Text is what Word shows with changes
//! accepted: tracked insertions (`w:ins`) are in, tracked deletions (`w:del`, `w:moveFrom`) are
//! out, and comments (`word/comments.xml`) are not read. Field codes (`w:instrText`) are left
//! out; their results are text. Tabs and line breaks are spaces. A footnote
//! (`word/footnotes.xml`) becomes a `footnote` block after the paragraph that refers to it;
//! endnotes (`word/endnotes.xml`) follow the body, in the order they are referred to.
//!
//! Transcripts in Word name their speakers in a bold run that opens a paragraph
//! (**Interviewer:** …, **R** → …) or in a table column (a row per turn: the speaker's cell,
//! the utterance's cell, perhaps a time cell first). Both are passed on as hints
//! ([`Conversation::Hinted`]): whether the document is a transcript is decided, as for text,
//! by whether the names recur and alternate (`crate::segment`). A speaker table's time and
//! name cells are one block, the utterance's cells the next.

use super::structured::{BlockKind, Conversation, GivenTurn, TextBlocks};
use super::xml::parse;
use roxmltree::{Document as Xml, Node};
use std::collections::BTreeMap;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const MC: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Reads a `.docx` file's text, or says why it cannot be read.
pub fn read(data: &[u8]) -> Result<TextBlocks, String> {
    let mut archive = super::zipped::Archive::open(data, "Word document")?;
    let document = archive.text("word/document.xml")?.ok_or_else(|| {
        "not a Word document: the archive has no word/document.xml (is it another format renamed .docx?)".to_string()
    })?;
    let styles = archive.text("word/styles.xml")?;
    let footnotes = archive.text("word/footnotes.xml")?;
    let endnotes = archive.text("word/endnotes.xml")?;
    let headings = match &styles {
        Some(xml) => heading_styles(&parse(xml, "word/styles.xml")?),
        None => BTreeMap::new(),
    };
    let notes =
        |xml: &Option<String>, name: &str, tag: &str| -> Result<BTreeMap<String, String>, String> {
            match xml {
                Some(xml) => Ok(notes_of(&parse(xml, name)?, tag)),
                None => Ok(BTreeMap::new()),
            }
        };
    let footnotes = notes(&footnotes, "word/footnotes.xml", "footnote")?;
    let endnotes = notes(&endnotes, "word/endnotes.xml", "endnote")?;
    let xml = parse(&document, "word/document.xml")?;
    let body = xml
        .root_element()
        .children()
        .find(|n| is_w(n, "body"))
        .ok_or("word/document.xml has no body")?;
    let mut reader = Reader {
        headings: &headings,
        footnotes: &footnotes,
        blocks: TextBlocks::default(),
        endnotes_referred: Vec::new(),
    };
    reader.container(body);
    let mut blocks = reader.blocks;
    for id in reader.endnotes_referred {
        if let Some(text) = endnotes.get(&id) {
            blocks.push(BlockKind::Footnote, text);
        }
    }
    Ok(blocks)
}

fn is_w(node: &Node, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(W)
}

fn w_attr<'a>(node: &Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute((W, name))
}

/// Style ids of heading styles: titles, `heading N`, and styles with an outline level.
fn heading_styles(styles: &Xml) -> BTreeMap<String, ()> {
    let mut out = BTreeMap::new();
    for style in styles.descendants().filter(|n| is_w(n, "style")) {
        if w_attr(&style, "type") != Some("paragraph") {
            continue;
        }
        let Some(id) = w_attr(&style, "styleId") else {
            continue;
        };
        let name = style
            .children()
            .find(|n| is_w(n, "name"))
            .and_then(|n| w_attr(&n, "val"))
            .unwrap_or(id)
            .to_lowercase();
        let outline = style.descendants().any(|n| is_w(&n, "outlineLvl"));
        if outline || name == "title" || name == "subtitle" || name.starts_with("heading") {
            out.insert(id.to_string(), ());
        }
    }
    out
}

/// The text of each footnote or endnote by id, separators left out.
fn notes_of(xml: &Xml, tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for note in xml.descendants().filter(|n| is_w(n, tag)) {
        if w_attr(&note, "type").is_some_and(|t| t != "normal") {
            continue;
        }
        let Some(id) = w_attr(&note, "id") else {
            continue;
        };
        let mut text = String::new();
        for p in note.descendants().filter(|n| is_w(n, "p")) {
            let mut refs = Vec::new();
            paragraph_text(p, &mut text, &mut refs);
            text.push(' ');
        }
        out.insert(id.to_string(), text);
    }
    out
}

struct Reader<'a> {
    headings: &'a BTreeMap<String, ()>,
    footnotes: &'a BTreeMap<String, String>,
    blocks: TextBlocks,
    endnotes_referred: Vec<String>,
}

/// A reference to a note from the body.
enum NoteRef {
    Footnote(String),
    Endnote(String),
}

impl Reader<'_> {
    /// Paragraphs and tables of the body, of a cell, or of a content control.
    fn container(&mut self, node: Node) {
        for child in node.children() {
            if is_w(&child, "p") {
                self.paragraph(child);
            } else if is_w(&child, "tbl") {
                self.table(child);
            } else if is_w(&child, "sdt") {
                if let Some(content) = child.children().find(|n| is_w(n, "sdtContent")) {
                    self.container(content);
                }
            } else if is_w(&child, "ins") || is_w(&child, "customXml") {
                // Inserted paragraphs, and paragraphs wrapped in custom markup.
                self.container(child);
            }
        }
    }

    fn paragraph(&mut self, p: Node) {
        let style = p.children().find(|n| is_w(n, "pPr")).map(|ppr| {
            let outline = ppr.children().any(|n| is_w(&n, "outlineLvl"));
            let style = ppr
                .children()
                .find(|n| is_w(n, "pStyle"))
                .and_then(|n| w_attr(&n, "val"));
            (outline, style)
        });
        let heading = style.is_some_and(|(outline, style)| {
            outline || style.is_some_and(|s| self.headings.contains_key(s))
        });
        let mut text = String::new();
        let mut refs = Vec::new();
        paragraph_text(p, &mut text, &mut refs);
        let kind = if heading {
            BlockKind::Heading
        } else {
            BlockKind::Paragraph
        };
        match leading_bold(p).filter(|_| !heading) {
            // A bold run opening the paragraph may name its speaker.
            Some(bold) => {
                let label = bold.split_whitespace().collect::<Vec<_>>().join(" ");
                let name = label.trim_end_matches([':', '：']).trim_end().to_string();
                let turn = GivenTurn {
                    starts: Some((Some(name), label.len())),
                    time_ms: None,
                };
                self.blocks
                    .push_turn(kind, &text, turn, Conversation::Hinted);
            }
            None => self.blocks.push(kind, &text),
        }
        self.notes(refs);
    }

    fn notes(&mut self, refs: Vec<NoteRef>) {
        for note in refs {
            match note {
                NoteRef::Footnote(id) => {
                    if let Some(text) = self.footnotes.get(&id) {
                        self.blocks.push(BlockKind::Footnote, text);
                    }
                }
                NoteRef::Endnote(id) => self.endnotes_referred.push(id),
            }
        }
    }

    /// A table: each cell one paragraph, its paragraphs (and nested tables' text) joined. In a
    /// table of speakers ([`speaker_column`]), a row's time and speaker cells are one block,
    /// passed on as the speaker's label, and its other cells the next.
    fn table(&mut self, table: Node) {
        let rows: Vec<Vec<(String, Vec<NoteRef>)>> = table
            .children()
            .filter(|n| is_w(n, "tr"))
            .map(|row| {
                row.children()
                    .filter(|n| is_w(n, "tc"))
                    .map(|cell| {
                        let mut text = String::new();
                        let mut refs = Vec::new();
                        for p in cell.descendants().filter(|n| is_w(n, "p")) {
                            paragraph_text(p, &mut text, &mut refs);
                            text.push(' ');
                        }
                        (text, refs)
                    })
                    .collect()
            })
            .collect();
        let speakers = speaker_column(&rows);
        for (r, row) in rows.into_iter().enumerate() {
            let header = speakers.is_some_and(|(_, _, header)| header && r == 0);
            let turn = speakers.filter(|&(name_at, _, _)| row.len() > name_at + 1 && !header);
            match turn {
                Some((name_at, time_at, _)) => self.speaker_row(row, name_at, time_at),
                // A speaker table's header row heads its columns.
                None if header => {
                    for (text, refs) in row {
                        self.blocks.push(BlockKind::Heading, &text);
                        self.notes(refs);
                    }
                }
                None => {
                    for (text, refs) in row {
                        self.blocks.push(BlockKind::Paragraph, &text);
                        self.notes(refs);
                    }
                }
            }
        }
    }

    /// A row of a table of speakers: its time and speaker cells one block, passed on as the
    /// speaker's label, its other cells the next.
    fn speaker_row(
        &mut self,
        row: Vec<(String, Vec<NoteRef>)>,
        name_at: usize,
        time_at: Option<usize>,
    ) {
        let collapsed = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = collapsed(&row[name_at].0);
        let time = time_at.map(|t| collapsed(&row[t].0));
        let label = match &time {
            Some(time) => format!("{time} {name}"),
            None => name.clone(),
        };
        let turn = GivenTurn {
            starts: Some((Some(name), label.len())),
            time_ms: time.as_deref().and_then(clock_ms).map(|ms| (ms, None)),
        };
        self.blocks
            .push_turn(BlockKind::Paragraph, &label, turn, Conversation::Hinted);
        let mut said = String::new();
        let mut refs = Vec::new();
        for (i, (text, cell_refs)) in row.into_iter().enumerate() {
            if i != name_at && Some(i) != time_at {
                said.push_str(&text);
                said.push(' ');
                refs.extend(cell_refs);
            }
        }
        self.blocks.push(BlockKind::Paragraph, &said);
        self.notes(refs);
    }
}

/// In a table of a transcript, the column of speakers' names, the column of times before it if
/// there is one, and whether the first row is a header (`Time | Speaker | Text`): a column (not
/// the last) whose cells below the first row are all short names (at most five words, no
/// sentence punctuation), one of them in two rows, with a column of longer text after it.
fn speaker_column(rows: &[Vec<(String, Vec<NoteRef>)>]) -> Option<(usize, Option<usize>, bool)> {
    let body = rows.get(1..).filter(|b| b.len() >= 2)?;
    let width = body.iter().map(Vec::len).min()?;
    let cell = |row: &Vec<(String, Vec<NoteRef>)>, i: usize| -> String {
        row.get(i)
            .map(|c| c.0.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let is_name = |t: &str| {
        !t.is_empty()
            && t.len() <= 48
            && t.split_whitespace().count() <= 5
            && !t.contains(['?', '!', ';', ','])
            && !t.ends_with('.')
            && clock_ms(t).is_none()
    };
    let is_header = |t: &str| {
        matches!(
            t.to_lowercase().as_str(),
            "speaker"
                | "speakers"
                | "name"
                | "who"
                | "person"
                | "participant"
                | "发言人"
                | "说话人"
                | "发言者"
                | "姓名"
        )
    };
    for column in 0..width.saturating_sub(1) {
        let names: Vec<String> = body.iter().map(|r| cell(r, column)).collect();
        let recurs = names
            .iter()
            .enumerate()
            .any(|(i, n)| names[..i].contains(n));
        let longer = body
            .iter()
            .any(|r| cell(r, column + 1).split_whitespace().count() > 5);
        if !(names.iter().all(|n| is_name(n)) && recurs && longer) {
            continue;
        }
        let time = column
            .checked_sub(1)
            .filter(|&t| body.iter().all(|r| clock_ms(&cell(r, t)).is_some()));
        let first = cell(&rows[0], column);
        let header = !is_name(&first)
            || is_header(&first)
            || time.is_some_and(|t| clock_ms(&cell(&rows[0], t)).is_none());
        return Some((column, time, header));
    }
    None
}

/// `h:mm:ss`, `mm:ss` (with `.fff` or `,fff`), as milliseconds.
fn clock_ms(t: &str) -> Option<i64> {
    let t = t.trim_matches(['[', ']', '(', ')']);
    let (clock, fraction) = t.split_once(['.', ',']).unwrap_or((t, "0"));
    let fields: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&fields.len())
        || fields
            .iter()
            .any(|f| f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()))
        || fraction.len() > 3
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let seconds = fields
        .iter()
        .fold(0i64, |acc, f| acc * 60 + f.parse::<i64>().unwrap_or(0));
    let millis = fraction.parse::<i64>().unwrap_or(0) * 10i64.pow(3 - fraction.len() as u32);
    Some(seconds * 1000 + millis)
}

/// The text of the bold runs that open a paragraph, when text that is not bold follows: where
/// Word transcripts put the speaker (**Interviewer:** Do you …).
fn leading_bold(p: Node) -> Option<String> {
    let mut bold = String::new();
    for run in p.children().filter(|n| is_w(n, "r")) {
        let mut text = String::new();
        for t in run.children() {
            if is_w(&t, "t") {
                text.push_str(t.text().unwrap_or(""));
            } else if is_w(&t, "tab") || is_w(&t, "br") {
                text.push(' ');
            }
        }
        let is_bold = run
            .children()
            .find(|n| is_w(n, "rPr"))
            .and_then(|rpr| rpr.children().find(|n| is_w(n, "b")))
            .is_some_and(|b| !matches!(w_attr(&b, "val"), Some("0" | "false" | "off")));
        if is_bold {
            bold.push_str(&text);
        } else if !text.trim().is_empty() {
            let words = bold.split_whitespace().count();
            return (words > 0 && words <= 6 && bold.trim().len() <= 60).then_some(bold);
        } else {
            bold.push_str(&text);
        }
    }
    None
}

/// The text of a paragraph as shown with changes accepted, and the notes it refers to.
fn paragraph_text(p: Node, text: &mut String, refs: &mut Vec<NoteRef>) {
    let mut stack: Vec<Node> = p.children().collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        if !node.is_element() {
            continue;
        }
        let name = node.tag_name().name();
        if node.tag_name().namespace() == Some(MC) {
            // Alternative content: the choice, not its fallback copy.
            if name == "Fallback" {
                continue;
            }
        } else if node.tag_name().namespace() == Some(W) {
            match name {
                "t" => {
                    text.push_str(node.text().unwrap_or(""));
                    continue;
                }
                "tab" | "br" | "cr" => {
                    text.push(' ');
                    continue;
                }
                "noBreakHyphen" => {
                    text.push('-');
                    continue;
                }
                // Deleted and moved-away text, field codes, nested paragraphs' properties.
                "del" | "moveFrom" | "delText" | "instrText" | "pPr" | "rPr" => continue,
                "footnoteReference" => {
                    if let Some(id) = w_attr(&node, "id") {
                        refs.push(NoteRef::Footnote(id.to_string()));
                    }
                    continue;
                }
                "endnoteReference" => {
                    if let Some(id) = w_attr(&node, "id") {
                        refs.push(NoteRef::Endnote(id.to_string()));
                    }
                    continue;
                }
                // A text box's paragraph inside a run: a word boundary before it.
                "p" => text.push(' '),
                _ => {}
            }
        }
        let at = stack.len();
        stack.extend(node.children());
        stack[at..].reverse();
    }
}
