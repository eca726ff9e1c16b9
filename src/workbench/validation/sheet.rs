//! The coding sheet of a validation sample and the file that records its design: a drawn
//! [`Sample`] with the units' texts in, a CSV sheet for the coder (one row per unit, an empty
//! column per code, never the rules' codes) and a `.design.json` beside it out; a filled sheet
//! in, the coder's decisions per unit ([`CodedUnit`]) out, or every problem of the sheet.

use super::design::{DesignKind, Population, Sample, Stratum};
use super::estimate::CodedUnit;
use crate::escape;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the design file records: enough to refuse a sheet from another run or codebook and
/// to weight each unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DesignFile {
    /// Always "qualcode validation sample".
    pub format: String,
    pub version: u32,
    pub tool: String,
    pub created: String,
    pub run: RunIdentity,
    pub design: DesignKind,
    pub allocation: String,
    pub seed: u64,
    pub codes: Vec<String>,
    pub strata: Vec<Stratum>,
    /// The sheet's file name (beside this file).
    pub sheet: String,
    pub units: Vec<DrawnUnit>,
}

/// The run a sample was drawn from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunIdentity {
    /// The run's folder, as given to `sample`.
    pub folder: String,
    pub manifest_sha256: String,
    pub codebook_sha256: String,
    /// [`Population::fingerprint`]: the coded units and the rules' codes of each.
    pub population_sha256: String,
    /// `paragraph` or `sentence`.
    pub unit: String,
    /// Coded units in the run (the population).
    pub units: u64,
}

/// A unit of the sample, in the sheet's order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DrawnUnit {
    pub row: usize,
    pub document: String,
    pub segment: u32,
    /// `sha256:` + 16 hex digits of the unit's text, whitespace squeezed (as `agree` keys units).
    pub unit: String,
    pub stratum: String,
}

pub const FORMAT: &str = "qualcode validation sample";

/// The design file that belongs to a sheet: `sample.csv` → `sample.design.json`.
pub fn design_path(sheet: &Path) -> PathBuf {
    let stem = sheet
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    sheet.with_file_name(format!("{stem}.design.json"))
}

/// The weight of a unit of `stratum`: the units it stands for.
pub fn weight(stratum: &Stratum) -> f64 {
    stratum.population as f64 / stratum.sampled as f64
}

/// The sheet's columns before the codes.
const LEAD: [&str; 5] = ["row", "document", "segment", "unit", "text"];

/// The sheet as CSV: per unit, its row, document, segment, key and text, an empty column per
/// code, then its stratum label and weight (after the codes, out of the coder's way).
pub fn write_sheet(
    population: &Population,
    sample: &Sample,
    texts: &BTreeMap<usize, String>,
    keys: &BTreeMap<usize, String>,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header: Vec<String> = LEAD.iter().map(|s| s.to_string()).collect();
    header.extend(population.codes.iter().cloned());
    header.extend(["stratum".to_string(), "weight".to_string()]);
    out.write_record(&header)?;
    for (row, &(unit, stratum)) in sample.rows.iter().enumerate() {
        let u = &population.units[unit];
        let mut record = vec![
            (row + 1).to_string(),
            // Text cells as a spreadsheet shows them, not runs them (OWASP).
            escape::csv_cell(&population.documents[u.document as usize]).into_owned(),
            u.segment.to_string(),
            keys.get(&unit).cloned().unwrap_or_default(),
            escape::csv_cell(texts.get(&unit).map(String::as_str).unwrap_or("")).into_owned(),
        ];
        record.extend(population.codes.iter().map(|_| String::new()));
        let s = &sample.strata[stratum];
        record.push(s.id.clone());
        record.push(format!("{:.6}", weight(s)));
        out.write_record(&record)?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// How to read cells left blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blanks {
    /// A row with every code cell blank was not coded: refused.
    Refuse,
    /// The coder read every row: a blank cell is a no.
    MeanNo,
    /// The coder stopped early: rows with every cell blank after the last coded row are left
    /// out (a random subsample of each stratum); a blank row before it is refused.
    Partial,
}

/// A filled sheet, read.
#[derive(Debug)]
pub struct FilledSheet {
    pub coded: Vec<CodedUnit>,
    /// Sampled units per stratum that were coded (fewer than drawn for a partial sheet).
    pub coded_per_stratum: Vec<u64>,
    /// Rows left out of a partial sheet.
    pub left_out: usize,
}

/// Every problem of a sheet, reported together.
#[derive(Debug, thiserror::Error)]
#[error("{}", render(.name, .problems))]
pub struct SheetError {
    pub name: String,
    pub problems: Vec<String>,
}

fn render(name: &str, problems: &[String]) -> String {
    crate::workbench::problem_list(&format!("the coding sheet {name}"), problems)
}

/// A coder's mark: yes (1, x, yes, y, true, ✓), no (0, no, n, false, -), or nothing written.
pub fn mark(text: &str) -> Result<Option<bool>, NotAMark> {
    let t = text.trim().to_lowercase();
    match t.as_str() {
        "" => Ok(None),
        "1" | "x" | "yes" | "y" | "true" | "✓" | "✔" => Ok(Some(true)),
        "0" | "no" | "n" | "false" | "-" => Ok(Some(false)),
        _ => Err(NotAMark),
    }
}

/// A cell that is neither a yes, a no nor blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAMark;

/// The field separator a spreadsheet saved the sheet with: a comma, or a semicolon or tab
/// where the header has those and no comma.
fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    if header.contains(',') {
        b','
    } else if header.contains(';') {
        b';'
    } else if header.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

/// Reads a filled sheet against its design: every drawn unit once, named as drawn, with its
/// text unchanged, each code cell a mark.
pub fn read_sheet(
    name: &str,
    bytes: &[u8],
    design: &DesignFile,
    population: &Population,
    blanks: Blanks,
) -> Result<FilledSheet, SheetError> {
    let fail = |problems| SheetError {
        name: name.to_string(),
        problems,
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|e| fail(vec![format!("not UTF-8 text ({e}): save it as CSV UTF-8")]))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(vec![format!("cannot read the header: {e}")]))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |w: &str| header.iter().position(|h| h == w);
    let mut problems = Vec::new();
    let (Some(row_col), Some(doc_col), Some(seg_col), Some(unit_col)) =
        (col("row"), col("document"), col("segment"), col("unit"))
    else {
        return Err(fail(vec![format!(
            "line 1: the header must keep the columns row, document, segment and unit of the sheet `qualcode sample` wrote (found: {})",
            header.join(", ")
        )]));
    };
    let code_cols: Vec<Option<usize>> = design.codes.iter().map(|c| col(c)).collect();
    let missing: Vec<&str> = design
        .codes
        .iter()
        .zip(&code_cols)
        .filter(|(_, c)| c.is_none())
        .map(|(c, _)| c.as_str())
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "line 1: no column for the code{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
    }
    let drawn: BTreeMap<(&str, u32), &DrawnUnit> = design
        .units
        .iter()
        .map(|u| ((u.document.as_str(), u.segment), u))
        .collect();
    let index = unit_index(population);
    // (drawn row, population unit, marks per code, line)
    let mut rows: BTreeMap<usize, (usize, Vec<Option<bool>>, usize)> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |c: usize| record.get(c).unwrap_or("").trim();
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let document = escape::csv_cell_text(get(doc_col));
        let Ok(segment) = get(seg_col).parse::<u32>() else {
            problems.push(format!(
                "line {line}: segment {:?} is not a number",
                get(seg_col)
            ));
            continue;
        };
        let Some(unit) = drawn.get(&(document, segment)) else {
            problems.push(format!(
                "line {line}: {document} segment {segment} is not a unit of this sample"
            ));
            continue;
        };
        if get(row_col) != unit.row.to_string() {
            problems.push(format!(
                "line {line}: {document} segment {segment} was drawn as row {}, the sheet says row {:?}",
                unit.row,
                get(row_col)
            ));
        }
        if get(unit_col) != unit.unit {
            problems.push(format!(
                "line {line}: the unit column of {document} segment {segment} was changed ({:?}, drawn as {})",
                get(unit_col),
                unit.unit
            ));
        }
        let mut marks = Vec::new();
        for (code, c) in design.codes.iter().zip(&code_cols) {
            let Some(c) = c else {
                marks.push(None);
                continue;
            };
            match mark(get(*c)) {
                Ok(m) => marks.push(m),
                Err(NotAMark) => {
                    problems.push(format!(
                        "line {line}, column {code}: {:?} is not a mark (1/0, x/blank, yes/no)",
                        get(*c)
                    ));
                    marks.push(None);
                }
            }
        }
        let Some(&population_unit) = index.get(&(document, segment)) else {
            problems.push(format!(
                "line {line}: {document} segment {segment} is not a coded unit of the run"
            ));
            continue;
        };
        if let Some((_, _, first)) = rows.get(&unit.row) {
            problems.push(format!(
                "line {line}: {document} segment {segment} again (first on line {first})"
            ));
            continue;
        }
        rows.insert(unit.row, (population_unit, marks, line));
    }
    problems.extend(absent_units(
        design,
        |row| rows.contains_key(&row),
        |u| format!("row {} ({} #{})", u.row, u.document, u.segment),
    ));
    let blank_rows: Vec<usize> = rows
        .iter()
        .filter(|(_, (_, marks, _))| marks.iter().all(Option::is_none))
        .map(|(row, _)| *row)
        .collect();
    let last_coded = rows
        .iter()
        .filter(|(_, (_, marks, _))| marks.iter().any(Option::is_some))
        .map(|(row, _)| *row)
        .max()
        .unwrap_or(0);
    let mut left_out = 0;
    match blanks {
        Blanks::MeanNo => {}
        Blanks::Refuse if !blank_rows.is_empty() => {
            problems.push(format!(
            "{} row{} no mark in any code column (rows {}): code {}, or, if every row was read \
             and a blank means no, pass --blank-means-no; if the coder stopped early, \
             --partial uses the rows coded from the top",
            blank_rows.len(),
            if blank_rows.len() == 1 { " has" } else { "s have" },
            ranges(&blank_rows),
            if blank_rows.len() == 1 { "it" } else { "them" }
        ))
        }
        Blanks::Refuse => {}
        Blanks::Partial => {
            let gaps: Vec<usize> = blank_rows
                .iter()
                .copied()
                .filter(|r| *r < last_coded)
                .collect();
            if !gaps.is_empty() {
                problems.push(format!(
                    "--partial: rows {} have no mark but rows after them do; a partial sheet \
                     must be coded from the top with no row skipped (a skipped row may be \
                     skipped for what it says), so code them",
                    ranges(&gaps)
                ));
            }
            left_out = blank_rows.len() - gaps.len();
            if last_coded == 0 {
                problems.push("--partial: no row is coded".to_string());
            }
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let strata_index: BTreeMap<&str, usize> = design
        .strata
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let stratum_of_row: BTreeMap<usize, usize> = design
        .units
        .iter()
        .map(|u| {
            (
                u.row,
                strata_index.get(u.stratum.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    let mut coded_per_stratum = vec![0u64; design.strata.len()];
    let mut coded = Vec::new();
    for (row, (unit, marks, _)) in rows {
        if blanks == Blanks::Partial && row > last_coded {
            continue;
        }
        coded_per_stratum[stratum_of_row[&row]] += 1;
        coded.push(CodedUnit {
            unit,
            codes: marks.iter().map(|m| m.unwrap_or(false)).collect(),
        });
    }
    Ok(FilledSheet {
        coded,
        coded_per_stratum,
        left_out,
    })
}

/// The population's units by (document, segment).
fn unit_index(population: &Population) -> BTreeMap<(&str, u32), usize> {
    population
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            (
                (
                    population.documents[u.document as usize].as_str(),
                    u.segment,
                ),
                i,
            )
        })
        .collect()
}

/// The drawn units a filled sheet lacks, as a problem, each as `name` calls it; `has_row` says
/// whether a row was found.
fn absent_units(
    design: &DesignFile,
    has_row: impl Fn(usize) -> bool,
    name: impl Fn(&DrawnUnit) -> String,
) -> Option<String> {
    let absent: Vec<String> = design
        .units
        .iter()
        .filter(|u| !has_row(u.row))
        .map(name)
        .collect();
    (!absent.is_empty()).then(|| {
        format!(
            "{} drawn unit{} missing: {}{}",
            absent.len(),
            if absent.len() == 1 { " is" } else { "s are" },
            absent
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if absent.len() > 10 { ", …" } else { "" }
        )
    })
}

/// The name of a unit's source in a `.qdpx` sheet: its row (padded, so that QDA tools list the
/// sources in the sheet's order), document and segment.
pub fn source_name(row: usize, rows: usize, document: &str, segment: u32) -> String {
    let width = rows.to_string().len();
    format!("{row:0width$} {document} #{segment}")
}

/// The codes of a QDA tool's project matched to the sample's codes: by the `qualcode id:`
/// line qualcode writes into each code's description, else by name as id or label.
fn project_codes(
    project: &crate::exchange::refi::read::Imported,
    codes: &[String],
    labels: &[String],
) -> Vec<Option<usize>> {
    project
        .codes
        .iter()
        .map(|code| {
            let marked = code
                .description
                .lines()
                .find_map(|l| l.trim().strip_prefix(crate::exchange::refi::ID_MARKER));
            let name = code.name.trim();
            marked
                .and_then(|id| codes.iter().position(|c| c == id.trim()))
                .or_else(|| codes.iter().position(|c| c == name))
                .or_else(|| {
                    labels
                        .iter()
                        .position(|l| l.trim().eq_ignore_ascii_case(name))
                })
        })
        .collect()
}

/// Reads a `.qdpx` sheet coded in a QDA tool: each source is a unit, and every code applied
/// anywhere in it is a code of the unit. A QDA tool cannot mark a unit read and found without
/// codes, so the caller must state that every source was read (`blank_means_no`).
pub fn read_qdpx_sheet(
    name: &str,
    bytes: &[u8],
    design: &DesignFile,
    population: &Population,
    labels: &[String],
    blank_means_no: bool,
) -> Result<FilledSheet, SheetError> {
    let fail = |problems| SheetError {
        name: name.to_string(),
        problems,
    };
    if !blank_means_no {
        return Err(fail(vec![
            "a QDA project cannot tell a unit the coder has not read from one read and found              without codes: once every source has been read, pass --blank-means-no"
                .to_string(),
        ]));
    }
    let project =
        crate::exchange::refi::read::project(bytes).map_err(|e| fail(vec![e.to_string()]))?;
    let map = project_codes(&project, &design.codes, labels);
    let rows = design.units.len();
    let by_name: BTreeMap<String, &DrawnUnit> = design
        .units
        .iter()
        .map(|u| (source_name(u.row, rows, &u.document, u.segment), u))
        .collect();
    let index = unit_index(population);
    let strata: BTreeMap<&str, usize> = design
        .strata
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    let mut found: BTreeMap<usize, CodedUnit> = BTreeMap::new();
    let mut coded_per_stratum = vec![0u64; design.strata.len()];
    for source in &project.sources {
        let Some(unit) = by_name.get(source.name.trim()) else {
            problems.push(format!(
                "source {:?} is not a unit of this sample (sources keep the names `qualcode sample` gave them)",
                source.name
            ));
            continue;
        };
        let Some(&i) = index.get(&(unit.document.as_str(), unit.segment)) else {
            problems.push(format!(
                "{} segment {} is not a coded unit of the run",
                unit.document, unit.segment
            ));
            continue;
        };
        let mut codes = vec![false; design.codes.len()];
        for selection in &source.selections {
            for &c in &selection.codes {
                match map.get(c).copied().flatten() {
                    Some(code) => codes[code] = true,
                    None => problems.push(format!(
                        "source {:?}: code {:?} is not a code of the sample",
                        source.name, project.codes[c].name
                    )),
                }
            }
        }
        if found
            .insert(unit.row, CodedUnit { unit: i, codes })
            .is_some()
        {
            problems.push(format!("source {:?} appears twice", source.name));
        }
        coded_per_stratum[strata.get(unit.stratum.as_str()).copied().unwrap_or(0)] += 1;
    }
    problems.extend(absent_units(
        design,
        |row| found.contains_key(&row),
        |u| source_name(u.row, rows, &u.document, u.segment),
    ));
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    Ok(FilledSheet {
        coded: found.into_values().collect(),
        coded_per_stratum,
        left_out: 0,
    })
}

/// `3–5, 9` for [3, 4, 5, 9].
fn ranges(rows: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1] == rows[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            rows[i].to_string()
        } else {
            format!("{}–{}", rows[i], rows[j])
        });
        i = j + 1;
    }
    if parts.len() > 12 {
        let n = parts.len();
        parts.truncate(12);
        parts.push(format!("… ({n} runs in all)"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks() {
        for yes in ["1", "x", "X", " yes ", "Y", "TRUE", "✓"] {
            assert_eq!(mark(yes), Ok(Some(true)), "{yes}");
        }
        for no in ["0", "no", "N", "false", "-"] {
            assert_eq!(mark(no), Ok(Some(false)), "{no}");
        }
        assert_eq!(mark("  "), Ok(None));
        assert_eq!(mark("maybe"), Err(NotAMark));
    }

    #[test]
    fn row_ranges() {
        assert_eq!(ranges(&[3, 4, 5, 9]), "3–5, 9");
        assert_eq!(ranges(&[1]), "1");
    }

    #[test]
    fn separators() {
        assert_eq!(separator("row,document\n"), b',');
        assert_eq!(separator("row;document;segment\n"), b';');
        assert_eq!(separator("row\tdocument\n"), b'\t');
    }
}
