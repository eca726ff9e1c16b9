//! Hand coding in: a CSV filled in a spreadsheet (long or wide) or a `.qdpx` project coded in a
//! QDA tool, and the run's coded documents; one [`Coder`] (the units judged, the codes judged,
//! the codes given) out, or every problem of the file at once.

use super::{coded_units, roll_up, Coder, RunDocument, UnitKey};
use crate::codebook::Codebook;
use crate::coding::{CodedDocument, SegmentRow};
use crate::exchange::refi::{self, read};
use crate::workbench::validation::sheet::mark;
use std::collections::{BTreeMap, BTreeSet};

/// Problems found in a gold file, all reported together.
#[derive(Debug, thiserror::Error)]
#[error("{}", render(.name, .problems))]
pub struct GoldError {
    pub name: String,
    pub problems: Vec<String>,
}

fn render(name: &str, problems: &[String]) -> String {
    crate::workbench::problem_list(&format!("hand coding {name}"), problems)
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key that names a unit in hand coding without carrying its text: `sha256:` and the
/// first 16 hex digits of the SHA-256 of the unit's text with runs of whitespace squeezed.
pub fn text_key(text: &str) -> String {
    format!(
        "sha256:{}",
        &crate::read::sha256_hex(squash(text).as_bytes())[..16]
    )
}

/// Finds the unit a CSV row names:
/// - `chars:START-END` (character offsets in the source file, as in the `segments` table)
///   picks the unit it overlaps most;
/// - `sha256:HEX` ([`text_key`]; 8 or more hex digits) the unit whose text has that hash;
///   `paragraph`, the unit's number among the document's units counted from 1, chooses among
///   units of equal text and names the unit in the message when the text has changed;
/// - any other text is the unit's opening words and must name exactly one unit.
fn find_unit(
    doc: &CodedDocument,
    locator: &str,
    paragraph: Option<usize>,
    keys: &mut Option<Vec<(usize, String)>>,
) -> Result<usize, String> {
    let locator = locator.trim();
    if let Some(range) = locator.strip_prefix("chars:") {
        let parsed = range.split_once('-').and_then(|(a, b)| {
            Some((
                a.trim().parse::<usize>().ok()?,
                b.trim().parse::<usize>().ok()?,
            ))
        });
        let Some((start, end)) = parsed.filter(|(a, b)| a < b) else {
            return Err(format!(
                "{:?} is not a character range such as chars:120-480",
                shown(locator)
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
    if let Some(hex) = locator.strip_prefix("sha256:") {
        let hex = hex.trim().to_ascii_lowercase();
        if hex.len() < 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{:?} is not a text hash such as sha256:1f3a9c0b7d2e4f60",
                shown(locator)
            ));
        }
        // Hashed once per document, on its first hashed row.
        let keys = keys.get_or_insert_with(|| {
            coded_units(doc)
                .map(|u| (u.segment, text_key(&u.text)))
                .collect()
        });
        let found: Vec<(usize, usize)> = keys
            .iter()
            .enumerate()
            .filter(|(_, (_, key))| key["sha256:".len()..].starts_with(&hex))
            .map(|(ordinal, (segment, _))| (ordinal + 1, *segment))
            .collect();
        return match (found.as_slice(), paragraph) {
            ([(_, segment)], _) => Ok(*segment),
            ([], Some(n)) => Err(format!(
                "no unit of {} has the text hashed as {locator}: unit {n} of the document was coded by hand, and its text (or the segmentation) has changed since",
                doc.id
            )),
            ([], None) => Err(format!("no unit of {} has the text hashed as {locator}", doc.id)),
            (many, Some(n)) => many
                .iter()
                .find(|(ordinal, _)| *ordinal == n)
                .map(|(_, segment)| *segment)
                .ok_or_else(|| {
                    format!(
                        "{} units of {} have the text hashed as {locator}, none of them unit {n}",
                        many.len(),
                        doc.id
                    )
                }),
            (many, None) => Err(format!(
                "{} units of {} have the text hashed as {locator}: add a `paragraph` column with the unit's number",
                many.len(),
                doc.id
            )),
        };
    }
    let opening = squash(locator);
    if opening.is_empty() {
        return Err(
            "the unit is empty: give its opening words, chars:START-END or sha256:HASH".into(),
        );
    }
    let found: Vec<&SegmentRow> = coded_units(doc)
        .filter(|u| squash(&u.text).starts_with(&opening))
        .collect();
    match found.as_slice() {
        [unit] => Ok(unit.segment),
        [] => Err(format!(
            "no unit of {} starts with {:?}",
            doc.id,
            shown(&opening)
        )),
        many => Err(format!(
            "{} units of {} start with {:?} (at chars {}): give more words or chars:START-END",
            many.len(),
            doc.id,
            shown(&opening),
            many.iter()
                .map(|u| format!("{}-{}", u.char_start, u.char_end))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The columns a `qualcode sample` sheet has besides `document`, `unit` and the codes.
const SHEET_COLUMNS: [&str; 5] = ["row", "segment", "text", "stratum", "weight"];

/// The unit a row names by its `segment` number: a coded unit of the document, whose text
/// still has the row's `sha256:` key when it gives one.
fn sheet_unit(doc: &CodedDocument, segment: &str, key: &str) -> Result<usize, String> {
    let Ok(segment) = segment.parse::<usize>() else {
        return Err(format!("segment {segment:?} is not a segment number"));
    };
    let Some(unit) = coded_units(doc).find(|u| u.segment == segment) else {
        return Err(format!(
            "segment {segment} is not a coded unit of {}",
            doc.id
        ));
    };
    let key = key.trim();
    if key.starts_with("sha256:") && text_key(&unit.text) != key {
        return Err(format!(
            "the text of {} segment {segment} is not the one coded (its key is {}, the row says {key})",
            doc.id,
            text_key(&unit.text)
        ));
    }
    Ok(segment)
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
///
/// In both, an optional `paragraph` column numbers the unit among its document's units (see
/// [`find_unit`]'s `sha256:` units).
/// What a `--gold` file that is neither a CSV nor a `.qdpx` project is, and what to give
/// instead; `None` for anything that may be a CSV. A `.qdc` codebook, or any XML, holds no
/// coding; a zip archive under another name is a spreadsheet or a renamed project.
pub fn not_a_hand_coding(path: &std::path::Path, bytes: &[u8]) -> Option<String> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = &start[..start.len().min(512)];
    let text = String::from_utf8_lossy(start);
    let text = text.trim_start();
    if extension == "qdc" || text.starts_with("<?xml") || text.starts_with("<CodeBook") {
        return Some(
            "a REFI-QDA codebook (.qdc), which holds codes but no coded text: give the project \
             exported with its coding (.qdpx), or a CSV of document,unit,code"
                .to_string(),
        );
    }
    if text.starts_with('<') {
        return Some(
            "XML or HTML, not hand coding: give a CSV of document,unit,code or a REFI-QDA \
             project (.qdpx)"
                .to_string(),
        );
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(format!(
            "a zip archive ({}), not a CSV: a REFI-QDA project must be named .qdpx; a spreadsheet \
             must be saved as CSV",
            if extension.is_empty() {
                "no extension".to_string()
            } else {
                format!(".{extension}")
            }
        ));
    }
    None
}

/// A header or cell of a hand coding as an error message shows it: at most 60 characters.
fn shown(text: &str) -> String {
    crate::text::shorten(text, 60)
}

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
        let mut found: Vec<String> = header
            .iter()
            .take(8)
            .map(|h| format!("{:?}", shown(h)))
            .collect();
        if header.len() > 8 {
            found.push(format!("and {} more", header.len() - 8));
        }
        return Err(fail(vec![format!(
            "line 1: the header must name the columns `document` and `unit` (found {})",
            found.join(", ")
        )]));
    };
    let mut problems = Vec::new();
    // The code columns of the wide shape, or the one column of the long shape.
    let long = column("code");
    let paragraph_col = column("paragraph");
    let segment_col = column("segment");
    let mut wide: Vec<(usize, usize)> = Vec::new();
    let mut judged_codes = vec![long.is_some(); codebook.codes.len()];
    if long.is_none() {
        for (i, h) in header.iter().enumerate() {
            if i == doc_col || i == unit_col || Some(i) == paragraph_col {
                continue;
            }
            // The columns of a `qualcode sample` sheet beside the codes.
            if SHEET_COLUMNS.contains(&h.as_str()) && code_index(codebook, h).is_none() {
                continue;
            }
            match code_index(codebook, h) {
                Some(code) => {
                    wide.push((i, code));
                    judged_codes[code] = true;
                }
                None => problems.push(format!(
                    "line 1: column {:?} is not a code of the codebook (codes: {})",
                    shown(h),
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
    let mut hashed: BTreeMap<usize, Option<Vec<(usize, String)>>> = BTreeMap::new();
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
                shown(cell(doc_col))
            ));
            continue;
        };
        let paragraph = match paragraph_col.map(&cell).filter(|p| !p.is_empty()) {
            None => None,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    problems.push(format!(
                        "line {line}: paragraph {:?} is not a unit number (1, 2, ...)",
                        shown(text)
                    ));
                    continue;
                }
            },
        };
        let keys = hashed.entry(d).or_default();
        let segment = segment_col.map(&cell).filter(|s| !s.is_empty());
        let found = match segment {
            // A sheet names its unit by segment; its key must still match the text.
            Some(text) => sheet_unit(documents[d].coded, text, record.get(unit_col).unwrap_or("")),
            None => find_unit(
                documents[d].coded,
                record.get(unit_col).unwrap_or(""),
                paragraph,
                keys,
            ),
        };
        let segment = match found {
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
                            "line {line}: {:?} is not a code of the codebook",
                            shown(given)
                        )),
                    }
                }
            }
            None => {
                if let Some(first) = first_line.insert(key, line) {
                    problems.push(format!("line {line}: names the same unit as line {first}"));
                }
                for &(i, code) in &wide {
                    match mark(cell(i)) {
                        Ok(Some(true)) => {
                            codes.insert(code);
                        }
                        // An empty cell is a no here (unlike in `estimate`, which must tell
                        // a row not yet coded from one without codes).
                        Ok(_) => {}
                        Err(_) => problems.push(format!(
                            "line {line}: {:?} under {:?} is not 1 or 0",
                            shown(cell(i)),
                            shown(&header[i])
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
        let Some(d) = match_document(&source.name, documents.iter().map(|d| d.coded.id.as_str()))
        else {
            notes.push(format!(
                "source {:?} matches no coded document of the corpus; its coding was not used",
                source.name
            ));
            continue;
        };
        let doc = &documents[d];
        let Some(text) = doc.text else {
            problems.push(format!(
                "source {:?}: the text of {} was not read, so its positions cannot be mapped onto units",
                source.name, doc.coded.id
            ));
            continue;
        };
        let ours = refi::StoredText::new(text);
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

/// The document a `.qdpx` source names: the one of that id, else the only one whose file
/// name without extension is the source's.
fn match_document<'a>(source: &str, ids: impl Iterator<Item = &'a str> + Clone) -> Option<usize> {
    let stem = |s: &str| {
        let file = s.rsplit(['/', '\\']).next().unwrap_or(s);
        file.rsplit_once('.')
            .map_or(file, |(stem, _)| stem)
            .to_string()
    };
    let exact = ids.clone().position(|id| id == source);
    exact.or_else(|| {
        let candidates: Vec<usize> = ids
            .enumerate()
            .filter(|(_, id)| stem(id) == stem(source))
            .map(|(d, _)| d)
            .collect();
        (candidates.len() == 1).then(|| candidates[0])
    })
}

/// The documents (indices into `ids`, the run's documents in order) a hand coding names: the
/// `document` cells of a CSV, the matched sources of a `.qdpx`. Read before the run's
/// documents are, so that only these are loaded; a file that cannot be read names none (its
/// reading proper then says why).
pub fn documents_named(bytes: &[u8], is_project: bool, ids: &[&str]) -> BTreeSet<usize> {
    if is_project {
        let Ok(project) = read::project(bytes) else {
            return BTreeSet::new();
        };
        return project
            .sources
            .iter()
            .filter_map(|s| match_document(&s.name, ids.iter().copied()))
            .collect();
    }
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let Some(column) = reader
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|h| h.trim() == "document"))
    else {
        return BTreeSet::new();
    };
    reader
        .records()
        .filter_map(|r| index.get(r.ok()?.get(column)?.trim()).copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
