//! Document variables in tables: the variables of each document (from a table corpus's other
//! columns or a `--metadata` file) in, the `document_variables` table out (each variable with
//! its type); and with the codings' tally, `code_by_variable` (`--by`): per code and value of a
//! variable, the units coded, their hits, the documents, all units with that value and the
//! share. `--by speaker` groups the units by the speaker of their turn instead (units without
//! a speaker are the missing value), from the speakers' tally ([`super::speakers`]).

use super::speakers::SpeakerTally;
use super::{col_str, frame, i32s, CodeInfo, Tally};
use crate::read::table::{days_from_date, Kind, Variables};
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// How a `--by` variable's values are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// Each value is a group.
    Value,
    /// Dates by year (`2020`).
    Year,
    /// Dates by month (`2020-03`).
    Month,
    /// Not a variable: the speaker of each unit's turn (`--by speaker`).
    Speaker,
}

/// One `--by`: a variable and how its values are grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct By {
    pub variable: String,
    pub grouping: Grouping,
}

impl By {
    /// Parses `NAME`, `year:NAME` or `month:NAME`; `speaker` is the speakers of transcripts.
    pub fn parse(text: &str) -> Result<By, String> {
        let (grouping, variable) = match text.split_once(':') {
            Some(("year", name)) => (Grouping::Year, name),
            Some(("month", name)) => (Grouping::Month, name),
            _ if text == "speaker" => (Grouping::Speaker, text),
            _ => (Grouping::Value, text),
        };
        if variable.is_empty() {
            return Err(format!("--by {text:?} names no variable"));
        }
        Ok(By {
            variable: variable.to_string(),
            grouping,
        })
    }

    /// Groups by speaker, not by a document variable.
    pub fn is_speaker(&self) -> bool {
        self.grouping == Grouping::Speaker
    }

    /// As given on the command line, and in the `variable` column of `code_by_variable`.
    pub fn name(&self) -> String {
        match self.grouping {
            Grouping::Value | Grouping::Speaker => self.variable.clone(),
            Grouping::Year => format!("year:{}", self.variable),
            Grouping::Month => format!("month:{}", self.variable),
        }
    }
}

/// The `document_variables` table: `document` and a column per variable, typed (string,
/// Int64, Float64, Boolean, Date).
pub fn document_variables(variables: &Variables) -> PolarsResult<DataFrame> {
    let mut columns = vec![col_str("document", variables.documents.iter())];
    for ((name, kind), values) in variables
        .names
        .iter()
        .zip(variables.kinds())
        .zip(&variables.columns)
    {
        if name == "document" {
            return Err(PolarsError::Duplicate(
                "a variable is called \"document\", the name of the documents' column: rename it"
                    .into(),
            ));
        }
        let bad = |value: &str| {
            PolarsError::ComputeError(
                format!("variable {name:?}: {value:?} is not a {}", kind.name()).into(),
            )
        };
        let column = match kind {
            Kind::Text => Column::new(name.into(), values),
            Kind::Integer => {
                let parsed: Result<Vec<Option<i64>>, _> = values
                    .iter()
                    .map(|v| {
                        v.as_deref()
                            .map(|v| v.trim().parse::<i64>().map_err(|_| bad(v)))
                            .transpose()
                    })
                    .collect();
                Column::new(name.into(), parsed?)
            }
            Kind::Float => {
                let parsed: Result<Vec<Option<f64>>, _> = values
                    .iter()
                    .map(|v| {
                        v.as_deref()
                            .map(|v| v.trim().parse::<f64>().map_err(|_| bad(v)))
                            .transpose()
                    })
                    .collect();
                Column::new(name.into(), parsed?)
            }
            Kind::Boolean => {
                let parsed: Result<Vec<Option<bool>>, _> = values
                    .iter()
                    .map(|v| {
                        v.as_deref()
                            .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                                "true" => Ok(true),
                                "false" => Ok(false),
                                _ => Err(bad(v)),
                            })
                            .transpose()
                    })
                    .collect();
                Column::new(name.into(), parsed?)
            }
            Kind::Date => {
                let parsed: Result<Vec<Option<i32>>, _> = values
                    .iter()
                    .map(|v| {
                        v.as_deref()
                            .map(|v| days_from_date(v.trim()).ok_or_else(|| bad(v)))
                            .transpose()
                    })
                    .collect();
                Column::new(name.into(), parsed?).cast(&DataType::Date)?
            }
        };
        columns.push(column);
    }
    frame(columns)
}

/// A value's place in the order of `code_by_variable`: numbers by size, then text, missing
/// last.
pub fn value_order(a: &Option<String>, b: &Option<String>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => a.cmp(b),
        },
    }
}

/// Each document's value of a `--by` (grouped), as text; null when it has none.
pub fn values_by_document(
    variables: &DataFrame,
    by: &By,
) -> PolarsResult<HashMap<String, Option<String>>> {
    let documents = variables.column("document")?.str()?;
    let column = variables.column(&by.variable).map_err(|_| {
        let names: Vec<String> = variables
            .get_column_names()
            .iter()
            .skip(1)
            .map(|n| n.to_string())
            .collect();
        PolarsError::ColumnNotFound(
            format!(
                "--by {}: there is no document variable {:?} (the variables: {})",
                by.name(),
                by.variable,
                names.join(", ")
            )
            .into(),
        )
    })?;
    if by.grouping != Grouping::Value
        && !matches!(column.dtype(), DataType::Date | DataType::String)
    {
        return Err(PolarsError::ComputeError(
            format!(
                "--by {}: {:?} holds {} values, not dates",
                by.name(),
                by.variable,
                column.dtype()
            )
            .into(),
        ));
    }
    let text = column.cast(&DataType::String)?;
    let mut out = HashMap::with_capacity(variables.height());
    for (document, value) in documents.iter().zip(text.str()?.iter()) {
        let document = document.unwrap_or_default().to_string();
        let grouped = match (value, by.grouping) {
            (None, _) => None,
            (Some(v), Grouping::Value | Grouping::Speaker) => Some(v.to_string()),
            (Some(v), grouping) => {
                if days_from_date(v.trim()).is_none() {
                    return Err(PolarsError::ComputeError(
                        format!(
                            "--by {}: {document}'s value {v:?} is not a date (YYYY-MM-DD)",
                            by.name()
                        )
                        .into(),
                    ));
                }
                let len = if grouping == Grouping::Year { 4 } else { 7 };
                Some(v.trim()[..len].to_string())
            }
        };
        out.insert(document, grouped);
    }
    Ok(out)
}

/// `code_by_variable`: for each `--by`, every code with every value of the variable (in
/// value order, missing last): units coded, their hits, documents with the code, all units of
/// documents with the value (`value_units`) and `share` = units / value_units. A parent code
/// counts its children's units, as in `code_by_document`. For `--by speaker` the values are the
/// speakers' names (over all transcripts), a unit's value its turn's speaker, and the units
/// without a speaker (other documents, text before a transcript's first turn) the missing
/// value; `variables` may then be `None`.
pub fn code_by_variable(
    codes: &[CodeInfo],
    documents: &[(String, usize)],
    tally: &Tally,
    variables: Option<&DataFrame>,
    by: &[By],
    speakers: &SpeakerTally,
) -> PolarsResult<DataFrame> {
    let (mut out_code, mut out_level, mut out_variable, mut out_value) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut out_units, mut out_hits, mut out_documents, mut out_value_units) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for spec in by {
        if spec.is_speaker() {
            let rows = speaker_rows(codes, documents, tally, speakers)?;
            for (c, value, coded, hits, docs, value_units) in rows {
                out_code.push(codes[c].id.as_str());
                out_level.push(codes[c].level as usize);
                out_variable.push(spec.name());
                out_value.push(value);
                out_units.push(coded);
                out_hits.push(hits);
                out_documents.push(docs);
                out_value_units.push(value_units);
            }
            continue;
        }
        let Some(variables) = variables else {
            return Err(PolarsError::ComputeError(
                format!("--by {}: there are no document variables", spec.name()).into(),
            ));
        };
        let values = values_by_document(variables, spec)?;
        let value_of = |document: &str| values.get(document).cloned().flatten();
        let mut value_units: Vec<(Option<String>, usize)> = Vec::new();
        {
            // Every value of a document's variables is a group, also one whose documents are
            // all empty (no units).
            let mut sums: BTreeMap<Option<String>, usize> =
                values.values().map(|v| (v.clone(), 0)).collect();
            for (document, units) in documents {
                *sums.entry(value_of(document)).or_default() += units;
            }
            value_units.extend(sums);
            value_units.sort_by(|a, b| value_order(&a.0, &b.0));
        }
        let position: HashMap<Option<String>, usize> = value_units
            .iter()
            .enumerate()
            .map(|(i, (v, _))| (v.clone(), i))
            .collect();
        // Per code and value: units, hits, documents.
        let mut counts = vec![[0usize; 3]; codes.len() * value_units.len()];
        tally_cells(codes, tally, |c, document, units, hits| {
            // A document that was not read (skipped) has no cells; every cell's document has
            // a value group.
            if let Some(&v) = position.get(&value_of(document)) {
                let cell = &mut counts[c * value_units.len() + v];
                cell[0] += units;
                cell[1] += hits;
                cell[2] += 1;
            }
        })?;
        for (c, code) in codes.iter().enumerate() {
            for (v, (value, units)) in value_units.iter().enumerate() {
                let [coded, hits, docs] = counts[c * value_units.len() + v];
                out_code.push(code.id.as_str());
                out_level.push(code.level as usize);
                out_variable.push(spec.name());
                out_value.push(value.clone());
                out_units.push(coded);
                out_hits.push(hits);
                out_documents.push(docs);
                out_value_units.push(*units);
            }
        }
    }
    let share: Vec<Option<f64>> = out_units
        .iter()
        .zip(&out_value_units)
        .map(|(&u, &all)| (all > 0).then(|| u as f64 / all as f64))
        .collect();
    frame(vec![
        col_str("code", out_code),
        Column::new("level".into(), i32s(out_level.into_iter())?),
        col_str("variable", out_variable),
        Column::new("value".into(), out_value),
        Column::new("units".into(), i32s(out_units.into_iter())?),
        Column::new("hits".into(), i32s(out_hits.into_iter())?),
        Column::new("documents".into(), i32s(out_documents.into_iter())?),
        Column::new("value_units".into(), i32s(out_value_units.into_iter())?),
        Column::new("share".into(), share),
    ])
}

/// Each cell of the tally (a code in a document) as the code's place in `codes`, the document,
/// and the code's units and hits there.
fn tally_cells<'t>(
    codes: &[CodeInfo],
    tally: &'t Tally,
    mut each: impl FnMut(usize, &'t str, usize, usize),
) -> PolarsResult<()> {
    let cells = &tally.cells;
    let (cell_codes, cell_documents) = (
        cells.column("code")?.str()?,
        cells.column("document")?.str()?,
    );
    let (cell_units, cell_hits) = (cells.column("units")?.i32()?, cells.column("hits")?.i32()?);
    let code_index: HashMap<&str, usize> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let count = |n: i32| {
        usize::try_from(n)
            .map_err(|_| PolarsError::ComputeError("a tally cell has a negative count".into()))
    };
    for i in 0..cells.height() {
        let (Some(code), Some(document), Some(units), Some(hits)) = (
            cell_codes.get(i),
            cell_documents.get(i),
            cell_units.get(i),
            cell_hits.get(i),
        ) else {
            return Err(PolarsError::ComputeError("a tally cell is empty".into()));
        };
        let Some(&c) = code_index.get(code) else {
            return Err(PolarsError::ComputeError(
                format!("the codings name unknown code {code}").into(),
            ));
        };
        each(c, document, count(units)?, count(hits)?);
    }
    Ok(())
}

/// The rows of `--by speaker`: per code (in codebook order) and speaker name (in value
/// order, units without a speaker last), the code's units, hits and documents there, and all
/// units there.
type SpeakerRow = (usize, Option<String>, usize, usize, usize, usize);

fn speaker_rows(
    codes: &[CodeInfo],
    documents: &[(String, usize)],
    tally: &Tally,
    speakers: &SpeakerTally,
) -> PolarsResult<Vec<SpeakerRow>> {
    let mut names = speakers.by_name(codes.len());
    names.sort_by(|a, b| value_order(&Some(a.name.clone()), &Some(b.name.clone())));
    let by_document = speakers.by_document(codes.len());
    // Units without a speaker: every document's units but its speakers'.
    let all_units: usize = documents.iter().map(|(_, n)| n).sum();
    let with_speaker: usize = names.iter().map(|n| n.units).sum();
    let mut rest = vec![[0usize; 3]; codes.len()];
    tally_cells(codes, tally, |c, document, units, hits| {
        let (spoken_units, spoken_hits) = by_document
            .get(document)
            .map_or((0, 0), |(_, per_code)| per_code[c]);
        let units = units.saturating_sub(spoken_units);
        rest[c][0] += units;
        rest[c][1] += hits.saturating_sub(spoken_hits);
        rest[c][2] += usize::from(units > 0);
    })?;
    let mut rows = Vec::new();
    for (c, &[units, hits, docs]) in rest.iter().enumerate() {
        for name in &names {
            let [units, hits, docs] = name.codes[c];
            rows.push((c, Some(name.name.clone()), units, hits, docs, name.units));
        }
        rows.push((
            c,
            None,
            units,
            hits,
            docs,
            all_units.saturating_sub(with_speaker),
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_is_a_name_or_a_date_grouping() {
        let by = By::parse("year:published").expect("parse");
        assert_eq!(by.grouping, Grouping::Year);
        assert_eq!(by.variable, "published");
        assert_eq!(by.name(), "year:published");
        assert_eq!(
            By::parse("outlet").expect("parse").grouping,
            Grouping::Value
        );
        assert!(By::parse("month:").is_err());
    }

    #[test]
    fn values_sort_numbers_by_size_then_text_then_missing() {
        let mut values = vec![
            None,
            Some("b".to_string()),
            Some("10".to_string()),
            Some("9".to_string()),
            Some("a".to_string()),
        ];
        values.sort_by(value_order);
        assert_eq!(
            values,
            vec![
                Some("9".to_string()),
                Some("10".to_string()),
                Some("a".to_string()),
                Some("b".to_string()),
                None
            ]
        );
    }
}
