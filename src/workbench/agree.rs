//! Agreement: the machine's coded documents and one or two hand codings in — a CSV filled in
//! a spreadsheet, or a `.qdpx` project coded in a QDA tool — and, per code and per pair of
//! coders, a confusion matrix with percent agreement, precision, recall, F1, Cohen's kappa,
//! Krippendorff's alpha and Brennan–Prediger's kappa out.
//!
//! Agreement is counted per unit (the run's paragraphs or sentences), never per character:
//! character-level agreement is inflated by all the text nobody coded. Only units and codes
//! that both coders judged are compared.

use crate::codebook::Codebook;
use crate::coding::{CodedDocument, SegmentRow};
use crate::exchange::refi::{self, read};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A unit: index of its document in the run, and its segment number.
pub type UnitKey = (usize, usize);

/// One coder's judgements: which units they looked at, which codes they considered, and the
/// codes they gave each unit (ancestors of a given code included).
#[derive(Debug, Clone)]
pub struct Coder {
    pub name: String,
    pub units: BTreeMap<UnitKey, BTreeSet<usize>>,
    /// Per code of the codebook: whether this coder considered it at all.
    pub judged_codes: Vec<bool>,
}

/// A coded document with the text its positions refer to.
pub struct RunDocument<'a> {
    pub coded: &'a CodedDocument,
    pub text: &'a str,
}

fn coded_units(doc: &CodedDocument) -> impl Iterator<Item = &SegmentRow> {
    doc.segments.iter().filter(|s| s.coded)
}

/// The machine judged every unit for every code.
pub fn machine(codebook: &Codebook, documents: &[RunDocument]) -> Coder {
    let mut units: BTreeMap<UnitKey, BTreeSet<usize>> = BTreeMap::new();
    for (d, doc) in documents.iter().enumerate() {
        for unit in coded_units(doc.coded) {
            units.insert((d, unit.segment), BTreeSet::new());
        }
        for coding in &doc.coded.codings {
            units
                .entry((d, coding.segment))
                .or_default()
                .insert(coding.code);
        }
    }
    Coder {
        name: "machine".to_string(),
        units,
        judged_codes: vec![true; codebook.codes.len()],
    }
}

/// Adds every ancestor of the codes given, as the machine does.
fn roll_up(codebook: &Codebook, codes: &mut BTreeSet<usize>) {
    let given: Vec<usize> = codes.iter().copied().collect();
    for code in given {
        codes.extend(codebook.ancestors(code));
    }
}

/// Problems found in a gold file, all reported together.
#[derive(Debug, thiserror::Error)]
#[error("{}", render(.name, .problems))]
pub struct GoldError {
    pub name: String,
    pub problems: Vec<String>,
}

fn render(name: &str, problems: &[String]) -> String {
    let mut out = format!(
        "hand coding {name} has {} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(p);
    }
    out
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finds the unit a CSV row names: `chars:START-END` (character offsets in the source file,
/// as in the `segments` table) picks the unit it overlaps most; any other text is the unit's
/// opening words and must name exactly one unit of the document.
fn find_unit(doc: &CodedDocument, locator: &str) -> Result<usize, String> {
    if let Some(range) = locator.trim().strip_prefix("chars:") {
        let parsed = range.split_once('-').and_then(|(a, b)| {
            Some((
                a.trim().parse::<usize>().ok()?,
                b.trim().parse::<usize>().ok()?,
            ))
        });
        let Some((start, end)) = parsed.filter(|(a, b)| a < b) else {
            return Err(format!(
                "{locator:?} is not a character range such as chars:120-480"
            ));
        };
        return coded_units(doc)
            .map(|u| {
                (
                    u.char_end.min(end).saturating_sub(u.char_start.max(start)),
                    u,
                )
            })
            .filter(|(overlap, _)| *overlap > 0)
            // The largest overlap; the first unit on a tie.
            .max_by_key(|(overlap, u)| (*overlap, std::cmp::Reverse(u.segment)))
            .map(|(_, u)| u.segment)
            .ok_or_else(|| format!("{locator:?} overlaps no coded unit of {}", doc.id));
    }
    let opening = squash(locator);
    if opening.is_empty() {
        return Err("the unit is empty: give its opening words or chars:START-END".into());
    }
    let found: Vec<&SegmentRow> = coded_units(doc)
        .filter(|u| squash(&u.text).starts_with(&opening))
        .collect();
    match found.as_slice() {
        [unit] => Ok(unit.segment),
        [] => Err(format!("no unit of {} starts with {opening:?}", doc.id)),
        many => Err(format!(
            "{} units of {} start with {opening:?} (at chars {}): give more words or chars:START-END",
            many.len(),
            doc.id,
            many.iter()
                .map(|u| format!("{}-{}", u.char_start, u.char_end))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn code_index(codebook: &Codebook, name: &str) -> Option<usize> {
    codebook.codes.iter().position(|c| c.id == name.trim())
}

/// Reads a CSV of hand coding. Two shapes, told apart by the header:
/// - long: `document,unit,code` — one row per code given to a unit; a row with an empty code
///   says the unit was read and no code applies. Every code of the codebook counts as judged.
///   Other columns (notes) are ignored.
/// - wide: `document,unit,<code>,<code>…` — one row per unit, a column per code judged, with
///   `1`/`0` (also `yes`/`no`, `x`, `true`/`false`; an empty cell is `0`).
pub fn gold_csv(
    name: &str,
    bytes: &[u8],
    codebook: &Codebook,
    documents: &[RunDocument],
) -> Result<Coder, GoldError> {
    let fail = |problems| GoldError {
        name: name.to_string(),
        problems,
    };
    let text =
        std::str::from_utf8(bytes).map_err(|e| fail(vec![format!("not UTF-8 text: {e}")]))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(vec![format!("cannot read the header: {e}")]))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let column = |wanted: &str| header.iter().position(|h| h == wanted);
    let (Some(doc_col), Some(unit_col)) = (column("document"), column("unit")) else {
        return Err(fail(vec![format!(
            "line 1: the header must name the columns `document` and `unit` (found {})",
            header.join(", ")
        )]));
    };
    let mut problems = Vec::new();
    // The code columns of the wide shape, or the one column of the long shape.
    let long = column("code");
    let mut wide: Vec<(usize, usize)> = Vec::new();
    let mut judged_codes = vec![long.is_some(); codebook.codes.len()];
    if long.is_none() {
        for (i, h) in header.iter().enumerate() {
            if i == doc_col || i == unit_col {
                continue;
            }
            match code_index(codebook, h) {
                Some(code) => {
                    wide.push((i, code));
                    judged_codes[code] = true;
                }
                None => problems.push(format!(
                    "line 1: column {h:?} is not a code of the codebook (codes: {})",
                    codebook
                        .codes
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
    let doc_index: BTreeMap<&str, usize> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.coded.id.as_str(), i))
        .collect();
    let mut units: BTreeMap<UnitKey, BTreeSet<usize>> = BTreeMap::new();
    let mut first_line: BTreeMap<UnitKey, usize> = BTreeMap::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let Some(&d) = doc_index.get(cell(doc_col)) else {
            problems.push(format!(
                "line {line}: document {:?} is not a coded document of the corpus",
                cell(doc_col)
            ));
            continue;
        };
        let segment = match find_unit(documents[d].coded, record.get(unit_col).unwrap_or("")) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let key = (d, segment);
        let codes = units.entry(key).or_default();
        match long {
            Some(code_col) => {
                let given = cell(code_col);
                if !given.is_empty() {
                    match code_index(codebook, given) {
                        Some(code) => {
                            codes.insert(code);
                        }
                        None => problems.push(format!(
                            "line {line}: {given:?} is not a code of the codebook"
                        )),
                    }
                }
            }
            None => {
                if let Some(first) = first_line.insert(key, line) {
                    problems.push(format!("line {line}: names the same unit as line {first}"));
                }
                for &(i, code) in &wide {
                    match cell(i).to_ascii_lowercase().as_str() {
                        "1" | "yes" | "y" | "x" | "true" => {
                            codes.insert(code);
                        }
                        "0" | "no" | "n" | "false" | "" => {}
                        other => problems.push(format!(
                            "line {line}: {other:?} under {:?} is not 1 or 0",
                            header[i]
                        )),
                    }
                }
            }
        }
    }
    if units.is_empty() && problems.is_empty() {
        problems.push("no units are coded".to_string());
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    for codes in units.values_mut() {
        roll_up(codebook, codes);
    }
    Ok(Coder {
        name: name.to_string(),
        units,
        judged_codes,
    })
}

/// How a selection in a QDA tool decides the codes of a unit: it codes every unit it covers at
/// least half of, and the unit holding at least half of it (a phrase coded inside a paragraph
/// codes that paragraph).
fn selection_codes_unit(selection: (usize, usize), unit: (usize, usize)) -> bool {
    let overlap = selection
        .1
        .min(unit.1)
        .saturating_sub(selection.0.max(unit.0));
    overlap > 0 && (2 * overlap >= unit.1 - unit.0 || 2 * overlap >= selection.1 - selection.0)
}

/// Reads hand coding from a `.qdpx` project. Sources are matched to corpus documents by name
/// (the document's path, or its file name with or without extension), and their stored text
/// must be the document's text (line endings and a BOM aside). Codes are matched by the
/// `qualcode id` line qualcode writes into descriptions, then by id, then by label. Every unit
/// of a matched document, and every code, counts as judged. Returns notes on what was skipped.
pub fn gold_qdpx(
    name: &str,
    bytes: &[u8],
    codebook: &Codebook,
    documents: &[RunDocument],
) -> Result<(Coder, Vec<String>), GoldError> {
    let fail = |problems| GoldError {
        name: name.to_string(),
        problems,
    };
    let project = read::project(bytes).map_err(|e| fail(vec![e.to_string()]))?;
    let mut notes = project.notes.clone();
    let code_map: Vec<Option<usize>> = project
        .codes
        .iter()
        .map(|code| {
            let marked = code
                .description
                .lines()
                .find_map(|l| l.trim().strip_prefix(refi::ID_MARKER));
            marked
                .and_then(|id| code_index(codebook, id))
                .or_else(|| code_index(codebook, &code.name))
                .or_else(|| {
                    codebook
                        .codes
                        .iter()
                        .position(|c| c.label.trim().eq_ignore_ascii_case(code.name.trim()))
                })
        })
        .collect();
    let mut problems = Vec::new();
    let mut units: BTreeMap<UnitKey, BTreeSet<usize>> = BTreeMap::new();
    let mut unknown_codes: BTreeMap<&str, usize> = BTreeMap::new();
    for source in &project.sources {
        let Some(d) = match_document(&source.name, documents) else {
            notes.push(format!(
                "source {:?} matches no coded document of the corpus; its coding was not used",
                source.name
            ));
            continue;
        };
        let doc = &documents[d];
        let ours = refi::StoredText::new(doc.text);
        let theirs = refi::StoredText::new(&source.text);
        if ours.text.trim_end() != theirs.text.trim_end() {
            problems.push(format!(
                "source {:?}: its text differs from {} in the corpus, so its positions cannot be mapped onto units (was the document edited in the QDA tool?)",
                source.name, doc.coded.id
            ));
            continue;
        }
        let spans: Vec<(usize, (usize, usize))> = coded_units(doc.coded)
            .map(|u| {
                units.entry((d, u.segment)).or_default();
                (
                    u.segment,
                    (ours.position(u.char_start), ours.position(u.char_end)),
                )
            })
            .collect();
        for selection in &source.selections {
            // The source's own positions, with CRLF counted as one character like ours.
            let span = (
                theirs.position(selection.start),
                theirs.position(selection.end),
            );
            for &code in &selection.codes {
                let Some(ours_code) = code_map[code] else {
                    *unknown_codes
                        .entry(project.codes[code].name.as_str())
                        .or_default() += 1;
                    continue;
                };
                for (segment, unit) in &spans {
                    if selection_codes_unit(span, *unit) {
                        units.entry((d, *segment)).or_default().insert(ours_code);
                    }
                }
            }
        }
    }
    for (code, count) in unknown_codes {
        notes.push(format!(
            "code {code:?} is not in the codebook; its {count} coding{} were not used",
            if count == 1 { "" } else { "s" }
        ));
    }
    if units.is_empty() && problems.is_empty() {
        problems.push("no source of the project matches a document of the corpus".into());
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    for codes in units.values_mut() {
        roll_up(codebook, codes);
    }
    Ok((
        Coder {
            name: name.to_string(),
            units,
            judged_codes: vec![true; codebook.codes.len()],
        },
        notes,
    ))
}

fn match_document(source: &str, documents: &[RunDocument]) -> Option<usize> {
    let stem = |s: &str| {
        let file = s.rsplit(['/', '\\']).next().unwrap_or(s);
        file.rsplit_once('.')
            .map_or(file, |(stem, _)| stem)
            .to_string()
    };
    let exact = documents.iter().position(|d| d.coded.id == source);
    exact.or_else(|| {
        let candidates: Vec<usize> = (0..documents.len())
            .filter(|&d| stem(&documents[d].coded.id) == stem(source))
            .collect();
        (candidates.len() == 1).then(|| candidates[0])
    })
}

/// Two coders' decisions on one code over the units both judged. `a` is the reference (the
/// hand coding), `b` the coder compared with it (the machine): `fp` = b yes, a no.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Confusion {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    pub tn: u32,
}

impl Confusion {
    pub fn n(&self) -> u32 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    fn f(x: u32) -> f64 {
        f64::from(x)
    }

    pub fn percent_agreement(&self) -> Option<f64> {
        (self.n() > 0).then(|| Self::f(self.tp + self.tn) / Self::f(self.n()))
    }

    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0).then(|| Self::f(self.tp) / Self::f(self.tp + self.fp))
    }

    pub fn recall(&self) -> Option<f64> {
        (self.tp + self.fn_ > 0).then(|| Self::f(self.tp) / Self::f(self.tp + self.fn_))
    }

    pub fn f1(&self) -> Option<f64> {
        let denominator = 2 * self.tp + self.fp + self.fn_;
        (denominator > 0).then(|| Self::f(2 * self.tp) / Self::f(denominator))
    }

    /// Cohen's kappa: chance agreement from each coder's own marginals. Undefined when chance
    /// agreement is total (both coders gave one answer throughout).
    pub fn cohen_kappa(&self) -> Option<f64> {
        let n = Self::f(self.n());
        let po = self.percent_agreement()?;
        let (a_yes, b_yes) = (
            Self::f(self.tp + self.fn_) / n,
            Self::f(self.tp + self.fp) / n,
        );
        let pe = a_yes * b_yes + (1.0 - a_yes) * (1.0 - b_yes);
        (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
    }

    /// Krippendorff's alpha for two coders, nominal data, no missing values:
    /// `1 - (N - 1) * disagreements / (n0 * n1)` with N = 2n pairable values and n0, n1 how
    /// often each value was given. Undefined when only one value was ever given.
    pub fn krippendorff_alpha(&self) -> Option<f64> {
        let values = 2.0 * Self::f(self.n());
        let yes = Self::f(2 * self.tp + self.fp + self.fn_);
        let no = Self::f(2 * self.tn + self.fp + self.fn_);
        (yes * no > 0.0).then(|| 1.0 - (values - 1.0) * Self::f(self.fp + self.fn_) / (yes * no))
    }

    /// Brennan and Prediger's kappa: chance agreement 1/2 for two categories. Defined even when
    /// one category is never used, which is where Cohen's kappa and alpha are not.
    pub fn brennan_prediger(&self) -> Option<f64> {
        self.percent_agreement().map(|po| 2.0 * po - 1.0)
    }
}

/// One code compared between two coders.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub reference: String,
    pub compared: String,
    pub code: usize,
    pub confusion: Confusion,
}

/// Compares two coders on every code both judged, over the units both judged.
pub fn compare(codebook: &Codebook, a: &Coder, b: &Coder) -> Vec<Comparison> {
    let shared: Vec<(&BTreeSet<usize>, &BTreeSet<usize>)> = a
        .units
        .iter()
        .filter_map(|(key, codes_a)| b.units.get(key).map(|codes_b| (codes_a, codes_b)))
        .collect();
    (0..codebook.codes.len())
        .filter(|&code| a.judged_codes[code] && b.judged_codes[code])
        .map(|code| {
            let mut c = Confusion::default();
            for (codes_a, codes_b) in &shared {
                match (codes_a.contains(&code), codes_b.contains(&code)) {
                    (true, true) => c.tp += 1,
                    (false, true) => c.fp += 1,
                    (true, false) => c.fn_ += 1,
                    (false, false) => c.tn += 1,
                }
            }
            Comparison {
                reference: a.name.clone(),
                compared: b.name.clone(),
                code,
                confusion: c,
            }
        })
        .collect()
}

/// The comparisons printed as one block per pair of coders.
pub struct Report<'a> {
    pub codebook: &'a Codebook,
    pub comparisons: &'a [Comparison],
}

fn show(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .codebook
            .codes
            .iter()
            .map(|c| c.id.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        for block in self
            .comparisons
            .chunk_by(|x, y| (&x.reference, &x.compared) == (&y.reference, &y.compared))
        {
            writeln!(
                f,
                "{} (reference) vs {}",
                block[0].reference, block[0].compared
            )?;
            writeln!(
                f,
                "{:<width$} {:>5} {:>4} {:>4} {:>4} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
                "code", "units", "tp", "fp", "fn", "tn", "agree", "prec", "recall", "F1", "kappa", "alpha", "BP"
            )?;
            for row in block {
                let c = &row.confusion;
                writeln!(
                    f,
                    "{:<width$} {:>5} {:>4} {:>4} {:>4} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
                    self.codebook.codes[row.code].id,
                    c.n(),
                    c.tp,
                    c.fp,
                    c.fn_,
                    c.tn,
                    show(c.percent_agreement()),
                    show(c.precision()),
                    show(c.recall()),
                    show(c.f1()),
                    show(c.cohen_kappa()),
                    show(c.krippendorff_alpha()),
                    show(c.brennan_prediger()),
                )?;
            }
            writeln!(f)?;
        }
        self.side_by_side(f, width)
    }
}

impl Report<'_> {
    /// With more than one pair of coders: Cohen's kappa of every pair per code, in columns,
    /// so the machine can be read against the human-human agreement.
    fn side_by_side(&self, f: &mut fmt::Formatter<'_>, width: usize) -> fmt::Result {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for c in self.comparisons {
            if !pairs.contains(&(&c.reference, &c.compared)) {
                pairs.push((&c.reference, &c.compared));
            }
        }
        if pairs.len() < 2 {
            return Ok(());
        }
        writeln!(f, "Cohen's kappa side by side")?;
        for (i, (a, b)) in pairs.iter().enumerate() {
            writeln!(f, "  [{}] {a} vs {b}", i + 1)?;
        }
        write!(f, "{:<width$}", "code")?;
        for i in 0..pairs.len() {
            write!(f, " {:>7}", format!("[{}]", i + 1))?;
        }
        writeln!(f)?;
        for (code, spec) in self.codebook.codes.iter().enumerate() {
            write!(f, "{:<width$}", spec.id)?;
            for (a, b) in &pairs {
                let kappa = self.comparisons.iter().find(|c| {
                    c.code == code && (c.reference.as_str(), c.compared.as_str()) == (*a, *b)
                });
                let cell =
                    kappa.map_or_else(|| "-".to_string(), |c| show(c.confusion.cohen_kappa()));
                write!(f, " {cell:>7}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: Option<f64>, expected: f64) {
        let x = x.expect("defined");
        assert!((x - expected).abs() < 1e-12, "{x} != {expected}");
    }

    #[test]
    fn statistics_match_hand_computed_examples() {
        // po = 35/50 = 0.7; pe = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.4.
        // alpha: N = 100, n1 = 55, n0 = 45, disagreements 15: 1 - 99*15/2475 = 0.4.
        let c = Confusion {
            tp: 20,
            fp: 5,
            fn_: 10,
            tn: 15,
        };
        close(c.percent_agreement(), 0.7);
        close(c.cohen_kappa(), 0.4);
        close(c.krippendorff_alpha(), 0.4);
        close(c.brennan_prediger(), 0.4);
        close(c.precision(), 0.8);
        close(c.recall(), 2.0 / 3.0);
        close(c.f1(), 40.0 / 55.0);
        // Unequal marginals separate the three: po = 0.8, pe = 0.2*0.4 + 0.8*0.6 = 0.56,
        // kappa = 0.24/0.44; alpha = 1 - 99*10/(30*70); BP = 0.6.
        let c = Confusion {
            tp: 10,
            fp: 10,
            fn_: 0,
            tn: 30,
        };
        close(c.cohen_kappa(), 0.24 / 0.44);
        close(c.krippendorff_alpha(), 1.0 - 990.0 / 2100.0);
        close(c.brennan_prediger(), 0.6);
    }

    #[test]
    fn degenerate_cases() {
        // Perfect agreement with both answers used.
        let perfect = Confusion {
            tp: 3,
            fp: 0,
            fn_: 0,
            tn: 7,
        };
        close(perfect.cohen_kappa(), 1.0);
        close(perfect.krippendorff_alpha(), 1.0);
        close(perfect.f1(), 1.0);
        // A code nobody used: only percent agreement and Brennan–Prediger are defined.
        let unused = Confusion {
            tp: 0,
            fp: 0,
            fn_: 0,
            tn: 10,
        };
        assert_eq!(
            (
                unused.cohen_kappa(),
                unused.krippendorff_alpha(),
                unused.precision(),
                unused.recall(),
                unused.f1()
            ),
            (None, None, None, None, None)
        );
        close(unused.percent_agreement(), 1.0);
        close(unused.brennan_prediger(), 1.0);
        // The machine never says yes while the human does: kappa 0, alpha below 0.
        let never = Confusion {
            tp: 0,
            fp: 0,
            fn_: 5,
            tn: 5,
        };
        close(never.cohen_kappa(), 0.0);
        close(never.krippendorff_alpha(), 1.0 - 19.0 * 5.0 / (5.0 * 15.0));
        assert_eq!(never.precision(), None);
        close(never.recall(), 0.0);
        // No units at all.
        assert_eq!(Confusion::default().percent_agreement(), None);
    }

    #[test]
    fn selections_code_units_they_mostly_cover_or_sit_in() {
        let unit = (100, 200);
        assert!(selection_codes_unit((120, 140), unit)); // a phrase inside
        assert!(selection_codes_unit((90, 150), unit)); // half the unit
        assert!(!selection_codes_unit((60, 120), unit)); // a third of the selection, a fifth of the unit
        assert!(selection_codes_unit((0, 300), unit)); // a long selection covering it
        assert!(!selection_codes_unit((200, 260), unit)); // touching is not overlapping
    }
}
