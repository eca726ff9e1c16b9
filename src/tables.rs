//! Tables: coded documents in, polars [`DataFrame`]s out — the unit-level tables
//! (`documents`, `segments`, `matches`, `codings`) and the summaries computed from them with
//! polars (`code_frequency`, `code_by_document`, `cooccurrence`); and `agree`'s comparisons
//! in, the `agreement` and `agreement_units` tables out.
//!
//! This is one of the two modules that use polars (with `output`); everything before it
//! passes plain Rust values.

use crate::codebook::Codebook;
use crate::coding::{CodedDocument, DocumentFacts};
use crate::read::{FileRecord, FileStatus};
use crate::workbench::agree::weighted::Weighted;
use crate::workbench::agree::{Coder, Comparison, Confusion, GroupAgreement, Pooled, UnitKey};
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

pub mod estimates;
pub mod rejected;
pub mod speakers;
pub mod variables;

fn frame(columns: Vec<Column>) -> PolarsResult<DataFrame> {
    let height = columns.first().map_or(0, |c| c.len());
    DataFrame::new(height, columns)
}

/// Indexes, line numbers and counts are stored as signed 32-bit integers (Int32), offsets as
/// Int64: analysts subtract them (`segment - 1`, `units - hits`), and R has no unsigned 64-bit
/// integer (docs/output.md). A value that does not fit is an error, never a silently wrong
/// number.
fn i32s(values: impl Iterator<Item = usize>) -> PolarsResult<Vec<i32>> {
    // Collecting into a `Result` would not size the vector from the iterator's length.
    let mut out = Vec::with_capacity(values.size_hint().0);
    for v in values {
        out.push(int32(v)?);
    }
    Ok(out)
}

/// One count as an Int32 cell, or the error that names it.
fn int32(v: usize) -> PolarsResult<i32> {
    i32::try_from(v).map_err(|_| {
        PolarsError::ComputeError(format!("value {v} does not fit an Int32 column").into())
    })
}

/// Offsets as Int64 cells: a file would need 8 EB to overflow one.
fn i64s(values: impl Iterator<Item = usize>) -> Vec<i64> {
    values.map(|v| v as i64).collect()
}

/// The rows of a unit-level table: every item of one kind (segment, match, coding) of every
/// document, with the document. Unlike a bare `flat_map`, it says how many rows are left, so
/// each column is allocated once at its full size instead of grown by doubling.
struct Rows<I> {
    rows: I,
    left: usize,
}

/// The [`Rows`] of the items that `items` picks from each document.
fn rows_of<'a, T: 'a>(
    documents: &'a [CodedDocument],
    items: fn(&CodedDocument) -> &[T],
) -> Rows<impl Iterator<Item = (&'a CodedDocument, &'a T)>> {
    Rows {
        rows: documents
            .iter()
            .flat_map(move |d| items(d).iter().map(move |item| (d, item))),
        left: documents.iter().map(|d| items(d).len()).sum(),
    }
}

impl<I: Iterator> Iterator for Rows<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let row = self.rows.next()?;
        self.left -= 1;
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// A string column, built straight from borrowed strings: no copy of each value first.
fn col_str<S: AsRef<str>>(name: &str, values: impl IntoIterator<Item = S>) -> Column {
    StringChunked::from_iter_values(name.into(), values.into_iter()).into_column()
}

/// What the summary tables need to know of a code: taken from the codebook in a run, from a
/// shard's `code_frequency` table in a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInfo {
    pub id: String,
    pub label: String,
    pub parent: Option<String>,
    pub level: u32,
}

impl CodeInfo {
    pub fn of(codebook: &Codebook) -> Vec<CodeInfo> {
        codebook
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| CodeInfo {
                id: c.id.clone(),
                label: c.label.clone(),
                parent: c.parent.map(|p| codebook.codes[p].id.clone()),
                level: codebook.level(i) as u32,
            })
            .collect()
    }

    /// Reads the codes back from a `code_frequency` table, in its (codebook) order.
    pub fn from_frequency(frequency: &DataFrame) -> PolarsResult<Vec<CodeInfo>> {
        let strs = |name: &str| -> PolarsResult<Vec<Option<String>>> {
            Ok(frequency
                .column(name)?
                .str()?
                .iter()
                .map(|v| v.map(String::from))
                .collect())
        };
        let (ids, labels, parents) = (strs("code")?, strs("label")?, strs("parent")?);
        let levels: Vec<Option<u32>> = frequency
            .column("level")?
            .i32()?
            .iter()
            .map(|v| v.and_then(|v| u32::try_from(v).ok()))
            .collect();
        let missing =
            || PolarsError::ComputeError("code_frequency has an empty code, label or level".into());
        (0..frequency.height())
            .map(|i| {
                Ok(CodeInfo {
                    id: ids[i].clone().ok_or_else(missing)?,
                    label: labels[i].clone().ok_or_else(missing)?,
                    parent: parents[i].clone(),
                    level: levels[i].ok_or_else(missing)?,
                })
            })
            .collect()
    }
}

/// The code hierarchy numbered in pre-order: code `a` is an ancestor of code `d` when `d`'s
/// number falls within `a`'s subtree, so each of a million pairs is answered at once (a
/// search up the parents for each pair took minutes for a chain of 1,000 codes).
struct Hierarchy {
    enter: Vec<usize>,
    /// One past the last number in the code's subtree.
    exit: Vec<usize>,
}

impl Hierarchy {
    fn of(codes: &[CodeInfo]) -> Hierarchy {
        let n = codes.len();
        let at = index_of(codes.iter().map(|c| c.id.as_str()));
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            match code.parent.as_deref().and_then(|p| at.get(p).copied()) {
                Some(p) if p != i => children[p].push(i),
                _ => roots.push(i),
            }
        }
        // Depth first without recursion (a chain of codes is as deep as it is long). Codes
        // on a cycle, which a valid codebook has not, are never reached and have no
        // ancestors.
        let (mut enter, mut exit) = (vec![0; n], vec![0; n]);
        let mut clock = 0;
        let mut stack: Vec<(usize, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
        while let Some((code, finished)) = stack.pop() {
            if finished {
                exit[code] = clock;
                continue;
            }
            enter[code] = clock;
            clock += 1;
            stack.push((code, true));
            stack.extend(children[code].iter().rev().map(|&c| (c, false)));
        }
        Hierarchy { enter, exit }
    }

    /// Whether `ancestor` is a parent, grandparent, … of code `code`.
    fn has_ancestor(&self, code: usize, ancestor: usize) -> bool {
        ancestor != code
            && self.enter[ancestor] < self.enter[code]
            && self.enter[code] < self.exit[ancestor]
    }
}

/// The unit-level tables of a batch: `records` lists the files it finishes and `facts` the
/// ones of them that were coded; `rows` holds the rows of whole documents or of a part of one.
pub fn unit_tables(
    codebook: &Codebook,
    records: &[FileRecord],
    facts: &[DocumentFacts],
    rows: &[CodedDocument],
) -> PolarsResult<Vec<(&'static str, DataFrame)>> {
    let code_ids: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    Ok(vec![
        ("documents", documents_table(records, facts)?),
        ("segments", segments_table(rows)?),
        ("matches", matches_table(codebook, rows)?),
        (
            "rejected_matches",
            rejected::rejected_matches_table(codebook, rows)?,
        ),
        ("codings", codings_table(&code_ids, rows)?),
    ])
}

/// The table called `name` in a list of named tables.
pub fn named<'a>(
    tables: &'a [(&'static str, DataFrame)],
    name: &str,
) -> PolarsResult<&'a DataFrame> {
    tables
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, df)| df)
        .ok_or_else(|| PolarsError::ColumnNotFound(format!("no {name} table").into()))
}

/// What the summary tables are computed from: per code and document, the units coded and
/// their hits (`cells`); per ordered pair of different codes, the units coded with both
/// (`pairs`). Both are sums over units, so the tallies of a run's batches add up to the tally
/// of the run: each batch is tallied on the writer thread while the next is being coded,
/// which leaves only the small sums and the summaries to the end of a run.
pub struct Tally {
    cells: DataFrame,
    pairs: DataFrame,
}

impl Tally {
    /// Tallies the codings of coded documents (a batch of a run), in the codebook's codes.
    pub fn of_documents(code_ids: &[String], documents: &[CodedDocument]) -> PolarsResult<Tally> {
        let mut counter = Counter::new(code_ids.len());
        for document in documents {
            // A document's codings come unit by unit, in order.
            for unit in document.codings.chunk_by(|a, b| a.segment == b.segment) {
                let segment = u32::try_from(unit[0].segment).map_err(|_| {
                    PolarsError::ComputeError("a segment number does not fit a UInt32".into())
                })?;
                counter.unit(&document.id, segment, unit.iter().map(|c| (c.code, c.hits)))?;
            }
        }
        counter.finish(code_ids)
    }

    /// Tallies a `codings` table (of a whole merged run), whose codes are `code_ids`. Its rows
    /// must be in run order: a document's rows together, its units in ascending order.
    pub fn of_table(code_ids: &[String], codings: &DataFrame) -> PolarsResult<Tally> {
        let documents = codings.column("document")?.str()?;
        let segments = codings.column("segment")?.i32()?;
        let codes = codings.column("code")?.str()?;
        let hits = codings.column("hits")?.i32()?;
        let index: std::collections::BTreeMap<&str, usize> = code_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let null = || PolarsError::ComputeError("the codings table has an empty cell".into());
        let mut rows = Vec::with_capacity(codings.height());
        for (((document, segment), code), hits) in documents
            .iter()
            .zip(segments.iter())
            .zip(codes.iter())
            .zip(hits.iter())
        {
            let code = code.ok_or_else(null)?;
            let code = *index.get(code).ok_or_else(|| {
                PolarsError::ComputeError(
                    format!("the codings table has unknown code {code}").into(),
                )
            })?;
            let negative =
                || PolarsError::ComputeError("the codings table has a negative number".into());
            rows.push((
                document.ok_or_else(null)?,
                u32::try_from(segment.ok_or_else(null)?).map_err(|_| negative())?,
                code,
                usize::try_from(hits.ok_or_else(null)?).map_err(|_| negative())?,
            ));
        }
        let mut counter = Counter::new(code_ids.len());
        for unit in rows.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            counter.unit(unit[0].0, unit[0].1, unit.iter().map(|r| (r.2, r.3)))?;
        }
        // A document whose rows are not together has cells in two places: summed as the cells
        // of a document coded in parts are.
        Tally::sum(vec![counter.finish(code_ids)?])
    }

    /// The tally of all of `tallies`' units (there must be at least one). A document coded in
    /// parts (a file larger than a batch) has cells in several tallies; a unit is always in one.
    pub fn sum(tallies: Vec<Tally>) -> PolarsResult<Tally> {
        let (cells, pairs): (Vec<LazyFrame>, Vec<LazyFrame>) = tallies
            .into_iter()
            .map(|t| (t.cells.lazy(), t.pairs.lazy()))
            .unzip();
        let cells = concat(cells, UnionArgs::default())?
            .group_by([col("code"), col("document")])
            .agg([col("units").sum(), col("hits").sum()]);
        let pairs = concat(pairs, UnionArgs::default())?
            .group_by([col("code_a"), col("code_b")])
            .agg([col("n12").sum()]);
        Ok(Tally {
            cells: cells.collect()?,
            pairs: pairs.collect()?,
        })
    }
}

/// Counts units one at a time, in document order, into a [`Tally`]'s rows: a document's cells
/// when the next document starts, the pairs at the end. Plain counting by code number: the
/// polars group-by and self-join it replaces took 0.10-0.18 s of the writer thread's 0.75-1.0 s
/// on the 206 MB benchmark.
struct Counter<'a> {
    n_codes: usize,
    /// The document being counted, and its units and hits per code.
    current: Option<&'a str>,
    last_segment: u32,
    units: Vec<usize>,
    hits: Vec<usize>,
    /// Per ordered pair of codes (`a * n_codes + b`), the units coded with both; empty for a
    /// codebook of more than [`DENSE_CODES`] codes, whose pairs are counted in `sparse_pairs`.
    pairs: Vec<usize>,
    sparse_pairs: BTreeMap<(usize, usize), usize>,
    /// Finished cells: code, document, units, hits.
    cells: (Vec<usize>, Vec<&'a str>, Vec<usize>, Vec<usize>),
    /// The codes of the unit being counted.
    unit_codes: Vec<usize>,
}

impl<'a> Counter<'a> {
    fn new(n_codes: usize) -> Self {
        Counter {
            n_codes,
            current: None,
            last_segment: 0,
            units: vec![0; n_codes],
            hits: vec![0; n_codes],
            pairs: if n_codes <= DENSE_CODES {
                vec![0; n_codes * n_codes]
            } else {
                Vec::new()
            },
            sparse_pairs: BTreeMap::new(),
            cells: Default::default(),
            unit_codes: Vec::new(),
        }
    }

    /// Counts one unit: its document, its number, and each code it was coded with and the
    /// code's hits. A document's units must come together and in ascending order: a unit
    /// given in two places would be counted twice.
    fn unit(
        &mut self,
        document: &'a str,
        segment: u32,
        codes: impl Iterator<Item = (usize, usize)>,
    ) -> PolarsResult<()> {
        if self.current == Some(document) {
            if segment <= self.last_segment {
                return Err(PolarsError::ComputeError(
                    format!("the codings of {document} are not in unit order at unit {segment}")
                        .into(),
                ));
            }
        } else {
            self.finish_document();
            self.current = Some(document);
        }
        self.last_segment = segment;
        self.unit_codes.clear();
        for (code, hits) in codes {
            self.units[code] += 1;
            self.hits[code] += hits;
            self.unit_codes.push(code);
        }
        let dense = !self.pairs.is_empty();
        for &a in &self.unit_codes {
            for &b in &self.unit_codes {
                if a != b {
                    if dense {
                        self.pairs[a * self.n_codes + b] += 1;
                    } else {
                        *self.sparse_pairs.entry((a, b)).or_default() += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves the current document's counts into its cells.
    fn finish_document(&mut self) {
        let Some(document) = self.current else {
            return;
        };
        for code in 0..self.n_codes {
            if self.units[code] > 0 {
                self.cells.0.push(code);
                self.cells.1.push(document);
                self.cells.2.push(self.units[code]);
                self.cells.3.push(self.hits[code]);
            }
        }
        self.units.fill(0);
        self.hits.fill(0);
    }

    fn finish(mut self, code_ids: &[String]) -> PolarsResult<Tally> {
        self.finish_document();
        let (codes, documents, units, hits) = self.cells;
        let cells = frame(vec![
            col_str("code", codes.iter().map(|&c| code_ids[c].as_str())),
            col_str("document", documents),
            Column::new("units".into(), i32s(units.into_iter())?),
            Column::new("hits".into(), i32s(hits.into_iter())?),
        ])?;
        let coded_together: Vec<(usize, usize)> = if self.pairs.is_empty() {
            // In key order, which is the dense order below.
            self.sparse_pairs
                .iter()
                .map(|(&(a, b), &n)| (a * self.n_codes + b, n))
                .collect()
        } else {
            (0..self.pairs.len())
                .filter(|&i| self.pairs[i] > 0)
                .map(|i| (i, self.pairs[i]))
                .collect()
        };
        let pairs = frame(vec![
            col_str(
                "code_a",
                coded_together
                    .iter()
                    .map(|&(i, _)| code_ids[i / self.n_codes].as_str()),
            ),
            col_str(
                "code_b",
                coded_together
                    .iter()
                    .map(|&(i, _)| code_ids[i % self.n_codes].as_str()),
            ),
            Column::new("n12".into(), i32s(coded_together.iter().map(|&(_, n)| n))?),
        ])?;
        Ok(Tally { cells, pairs })
    }
}

/// The summary tables, from the codes, each coded document's number of units (in corpus
/// order), and the tallies of the codings and of the transcripts' speakers: what a run
/// computes, and what a merge of shards recomputes.
pub fn summaries(
    codes: &[CodeInfo],
    documents: &[(String, usize)],
    tally: &Tally,
    speakers: &speakers::SpeakerTally,
) -> PolarsResult<Vec<(&'static str, DataFrame)>> {
    let units: usize = documents.iter().map(|(_, n)| n).sum();
    let frequency = code_frequency(codes, &tally.cells, units)?;
    let by_document = code_by_document(codes, documents, &tally.cells)?;
    let cooccurrence = cooccurrence(codes, &tally.pairs, &frequency, units)?;
    Ok(vec![
        ("code_frequency", frequency),
        ("code_by_document", by_document),
        ("cooccurrence", cooccurrence),
        ("code_by_speaker", speakers.code_by_speaker(codes)?),
    ])
}

/// Each document that was read (coded or empty) with its number of units, in table order,
/// from a `documents` table: skipped files have no units.
pub fn coded_units(documents: &DataFrame) -> PolarsResult<Vec<(String, usize)>> {
    let ids = documents.column("document")?.str()?;
    let units = documents.column("units")?.i32()?;
    Ok(ids
        .iter()
        .zip(units.iter())
        .filter_map(|(id, units)| Some((id?.to_string(), units? as usize)))
        .collect())
}

/// The unit-level tables of a merge: each shard's rows, in corpus order. Shards hold disjoint
/// documents and keep each document's rows in run order, so a stable sort by document
/// restores exactly the order of a single run.
pub fn concat_by_document(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let lazy: Vec<LazyFrame> = frames.into_iter().map(|f| f.lazy()).collect();
    concat(lazy, UnionArgs::default())?
        .sort(
            ["document"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .collect()
}

fn documents_table(records: &[FileRecord], facts: &[DocumentFacts]) -> PolarsResult<DataFrame> {
    let by_id: std::collections::BTreeMap<&str, &DocumentFacts> =
        facts.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut layout = Vec::new();
    let mut segments = Vec::new();
    let mut units = Vec::new();
    let mut turns = Vec::new();
    let mut speakers: Vec<Option<Series>> = Vec::new();
    for record in records {
        let doc = by_id.get(record.id.as_str());
        layout.push(doc.map(|d| d.layout.as_str()));
        segments.push(doc.map(|d| int32(d.segments)).transpose()?);
        units.push(doc.map(|d| int32(d.units)).transpose()?);
        // Null unless the document was read as a transcript.
        let transcript = doc.filter(|d| d.turns > 0);
        turns.push(transcript.map(|d| int32(d.turns)).transpose()?);
        speakers.push(transcript.map(|d| {
            let names: Vec<&str> = d.speakers.iter().map(|s| &**s).collect();
            Series::new(PlSmallStr::EMPTY, names)
        }));
    }
    // Typed even when every document is null, so that the batches' tables concatenate.
    let speakers = ListChunked::from_iter(speakers)
        .into_series()
        .cast(&DataType::List(Box::new(DataType::String)))?;
    frame(vec![
        col_str("document", records.iter().map(|r| r.id.as_str())),
        col_str("status", records.iter().map(|r| status_name(&r.status))),
        Column::new(
            "reason".into(),
            records
                .iter()
                .map(|r| match &r.status {
                    FileStatus::Skipped { reason } => Some(reason.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "bytes".into(),
            records.iter().map(|r| r.bytes as i64).collect::<Vec<i64>>(),
        ),
        col_str("sha256", records.iter().map(|r| r.sha256.as_str())),
        Column::new(
            "encoding".into(),
            records
                .iter()
                .map(|r| r.encoding.map(|e| e.name()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "encoding_from".into(),
            records
                .iter()
                .map(|r| r.encoding.map(|e| e.by.as_str()))
                .collect::<Vec<_>>(),
        ),
        Column::new("layout".into(), layout),
        Column::new("segments".into(), segments),
        Column::new("units".into(), units),
        Column::new("turns".into(), turns),
        speakers.with_name("speakers".into()).into_column(),
        Column::new(
            "warning".into(),
            records
                .iter()
                .map(|r| r.warning.as_deref())
                .collect::<Vec<_>>(),
        ),
    ])
}

/// The texts of documents read from their markup (HTML, `.docx`, `.odt`), which their
/// segments' and matches' positions refer to: (document, text).
pub fn texts_table(texts: &[(String, String)]) -> PolarsResult<DataFrame> {
    frame(vec![
        col_str("document", texts.iter().map(|(id, _)| id.as_str())),
        col_str("text", texts.iter().map(|(_, text)| text.as_str())),
    ])
}

pub fn status_name(status: &FileStatus) -> &'static str {
    match status {
        FileStatus::Read => "coded",
        FileStatus::Empty => "empty",
        FileStatus::Skipped { .. } => "skipped",
    }
}

fn segments_table(documents: &[CodedDocument]) -> PolarsResult<DataFrame> {
    let rows = || rows_of(documents, |d| &d.segments);
    let mut columns = vec![
        col_str("document", rows().map(|(d, _)| d.id.as_str())),
        Column::new("segment".into(), i32s(rows().map(|(_, s)| s.segment))?),
        Column::new("block".into(), i32s(rows().map(|(_, s)| s.block))?),
        col_str("kind", rows().map(|(_, s)| s.kind)),
        Column::new(
            "coded".into(),
            rows().map(|(_, s)| s.coded).collect::<Vec<bool>>(),
        ),
        Column::new("byte_start".into(), i64s(rows().map(|(_, s)| s.byte_start))),
        Column::new("byte_end".into(), i64s(rows().map(|(_, s)| s.byte_end))),
        Column::new("char_start".into(), i64s(rows().map(|(_, s)| s.char_start))),
        Column::new("char_end".into(), i64s(rows().map(|(_, s)| s.char_end))),
        Column::new(
            "line_start".into(),
            i32s(rows().map(|(_, s)| s.line_start))?,
        ),
        Column::new("line_end".into(), i32s(rows().map(|(_, s)| s.line_end))?),
        Column::new(
            "word_count".into(),
            i32s(rows().map(|(_, s)| s.word_count))?,
        ),
        Column::new(
            "page".into(),
            rows()
                .map(|(_, s)| s.page.map(|p| int32(p as usize)).transpose())
                .collect::<PolarsResult<Vec<Option<i32>>>>()?,
        ),
    ];
    columns.extend(turn_columns(documents)?);
    columns.push(col_str("text", rows().map(|(_, s)| s.text.as_str())));
    frame(columns)
}

/// The segments' `speaker`, `turn`, `time_start_ms`, `time_end_ms` and `label_chars` columns:
/// in a batch without transcripts (most), columns of nulls made whole rather than row by row.
fn turn_columns(documents: &[CodedDocument]) -> PolarsResult<Vec<Column>> {
    let rows = || rows_of(documents, |d| &d.segments);
    let names = [
        "speaker",
        "turn",
        "time_start_ms",
        "time_end_ms",
        "label_chars",
    ];
    let types = [
        DataType::String,
        DataType::Int32,
        DataType::Int64,
        DataType::Int64,
        DataType::Int32,
    ];
    if !documents
        .iter()
        .any(|d| d.segments.iter().any(|s| s.turn.is_some()))
    {
        let height = rows().size_hint().0;
        return Ok(names
            .iter()
            .zip(types)
            .map(|(name, dtype)| Column::full_null((*name).into(), height, &dtype))
            .collect());
    }
    Ok(vec![
        Column::new(
            "speaker".into(),
            rows()
                .map(|(_, s)| s.turn.as_ref().and_then(|t| t.speaker.as_deref()))
                .collect::<Vec<Option<&str>>>(),
        ),
        Column::new(
            "turn".into(),
            rows()
                .map(|(_, s)| {
                    let turn = s.turn.as_ref().and_then(|t| t.turn);
                    turn.map(|t| int32(t as usize)).transpose()
                })
                .collect::<PolarsResult<Vec<Option<i32>>>>()?,
        ),
        Column::new(
            "time_start_ms".into(),
            rows()
                .map(|(_, s)| s.turn.as_ref().and_then(|t| t.time_start_ms))
                .collect::<Vec<Option<i64>>>(),
        ),
        Column::new(
            "time_end_ms".into(),
            rows()
                .map(|(_, s)| s.turn.as_ref().and_then(|t| t.time_end_ms))
                .collect::<Vec<Option<i64>>>(),
        ),
        // Characters, as polars slices text: `text.str.slice(label_chars)` is the utterance.
        Column::new(
            "label_chars".into(),
            rows()
                .map(|(_, s)| {
                    let chars = (s.label > 0).then(|| s.text[..s.label].chars().count());
                    chars.map(int32).transpose()
                })
                .collect::<PolarsResult<Vec<Option<i32>>>>()?,
        ),
    ])
}

fn matches_table(codebook: &Codebook, documents: &[CodedDocument]) -> PolarsResult<DataFrame> {
    let rows = || rows_of(documents, |d| &d.matches);
    let mut columns = match_columns(codebook, documents, |d| &d.matches, |m| m)?;
    columns.extend([
        Column::new(
            "weight".into(),
            rows()
                .map(|(_, m)| codebook.codes[m.code].rules[m.rule].weight)
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "negated".into(),
            rows().map(|(_, m)| m.negated).collect::<Vec<bool>>(),
        ),
        Column::new(
            "applied".into(),
            rows().map(|(_, m)| m.applied).collect::<Vec<bool>>(),
        ),
    ]);
    frame(columns)
}

/// The columns that `matches` and `rejected_matches` share, `document` to `line`: the rows
/// are `items` of each document, each holding its match as `matched` picks it.
fn match_columns<T>(
    codebook: &Codebook,
    documents: &[CodedDocument],
    items: fn(&CodedDocument) -> &[T],
    matched: fn(&T) -> &crate::coding::MatchRow,
) -> PolarsResult<Vec<Column>> {
    let rows = || rows_of(documents, items).map(|(d, item)| (d, matched(item)));
    let code = |m: &crate::coding::MatchRow| &codebook.codes[m.code];
    Ok(vec![
        col_str("document", rows().map(|(d, _)| d.id.as_str())),
        Column::new("segment".into(), i32s(rows().map(|(_, m)| m.segment))?),
        col_str("code", rows().map(|(_, m)| code(m).id.as_str())),
        col_str(
            "rule",
            rows().map(|(_, m)| code(m).rules[m.rule].id.as_str()),
        ),
        col_str(
            "pattern",
            rows().map(|(_, m)| code(m).rules[m.rule].patterns[m.pattern].source.as_str()),
        ),
        col_str("text", rows().map(|(_, m)| m.text.as_str())),
        Column::new("byte_start".into(), i64s(rows().map(|(_, m)| m.byte_start))),
        Column::new("byte_end".into(), i64s(rows().map(|(_, m)| m.byte_end))),
        Column::new("char_start".into(), i64s(rows().map(|(_, m)| m.char_start))),
        Column::new("char_end".into(), i64s(rows().map(|(_, m)| m.char_end))),
        Column::new(
            "text_start".into(),
            i32s(rows().map(|(_, m)| m.text_start))?,
        ),
        Column::new("text_end".into(), i32s(rows().map(|(_, m)| m.text_end))?),
        Column::new("line".into(), i32s(rows().map(|(_, m)| m.line))?),
    ])
}

fn codings_table(code_ids: &[String], documents: &[CodedDocument]) -> PolarsResult<DataFrame> {
    let rows = || rows_of(documents, |d| &d.codings);
    frame(vec![
        col_str("document", rows().map(|(d, _)| d.id.as_str())),
        Column::new("segment".into(), i32s(rows().map(|(_, c)| c.segment))?),
        col_str("code", rows().map(|(_, c)| code_ids[c.code].as_str())),
        Column::new("hits".into(), i32s(rows().map(|(_, c)| c.hits))?),
        Column::new(
            "direct".into(),
            rows().map(|(_, c)| c.direct).collect::<Vec<bool>>(),
        ),
    ])
}

/// Per code: its place in the hierarchy, units coded, their share of all units, documents,
/// hits. Every code gets a row, in codebook order, including codes that never applied; a
/// parent code counts the units of its children.
fn code_frequency(codes: &[CodeInfo], cells: &DataFrame, units: usize) -> PolarsResult<DataFrame> {
    let codes = frame(vec![
        col_str("code", codes.iter().map(|c| c.id.as_str())),
        col_str("label", codes.iter().map(|c| c.label.as_str())),
        Column::new(
            "parent".into(),
            codes.iter().map(|c| c.parent.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "level".into(),
            i32s(codes.iter().map(|c| c.level as usize))?,
        ),
        Column::new("order".into(), i32s(0..codes.len())?),
    ])?;
    // Every cell has at least one unit: a code's cells are the documents it was found in.
    let per_code = cells.clone().lazy().group_by([col("code")]).agg([
        col("units").sum(),
        len().alias("documents"),
        col("hits").sum(),
    ]);
    codes
        .lazy()
        .join(
            per_code,
            [col("code")],
            [col("code")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            count_or_zero("units"),
            count_or_zero("documents"),
            count_or_zero("hits"),
        ])
        .with_column(ratio(col("units"), lit(units as f64)).alias("share"))
        .sort(["order"], SortMultipleOptions::default())
        .select([
            col("code"),
            col("label"),
            col("parent"),
            col("level"),
            col("units"),
            col("share"),
            col("documents"),
            col("hits"),
        ])
        .collect()
}

fn count_or_zero(name: &str) -> Expr {
    col(name)
        .cast(DataType::Int32)
        .fill_null(lit(0i32))
        .alias(name)
}

/// `numerator / denominator` as a float, null where the denominator is zero.
fn ratio(numerator: Expr, denominator: Expr) -> Expr {
    let denominator = denominator.cast(DataType::Float64);
    when(denominator.clone().gt(lit(0.0)))
        .then(numerator.cast(DataType::Float64) / denominator)
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// Codebooks of up to this many codes get the dense `code_by_document` (every code with every
/// document) and `cooccurrence` (every ordered pair) tables; larger ones, such as dictionaries
/// of thousands of categories, get only the cells with units and the pairs that co-occur,
/// whose rows are the same: a dense grid of 10,000 codes would be 100 million pairs.
pub const DENSE_CODES: usize = 1_000;

/// Each id's position in `ids`.
fn index_of<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    ids.enumerate().map(|(i, id)| (id, i)).collect()
}

/// Calls `push` with the positions of each row's ids in two string columns of `frame`, each
/// column with its index ([`index_of`]); rows naming an id not indexed are passed over.
fn for_each_row_at(
    frame: &DataFrame,
    [(first, first_at), (second, second_at)]: [(&str, &HashMap<&str, usize>); 2],
    mut push: impl FnMut(usize, usize),
) -> PolarsResult<()> {
    let (firsts, seconds) = (frame.column(first)?.str()?, frame.column(second)?.str()?);
    for (x, y) in firsts.iter().zip(seconds.iter()) {
        if let (Some(&i), Some(&j)) = (
            x.and_then(|x| first_at.get(x)),
            y.and_then(|y| second_at.get(y)),
        ) {
            push(i, j);
        }
    }
    Ok(())
}

/// The code × document matrix in long form: every code with every coded document (only the
/// cells with units above [`DENSE_CODES`] codes).
fn code_by_document(
    codes: &[CodeInfo],
    documents: &[(String, usize)],
    cells: &DataFrame,
) -> PolarsResult<DataFrame> {
    let mut grid_code = Vec::new();
    let mut grid_level = Vec::new();
    let mut grid_doc = Vec::new();
    let mut grid_units = Vec::new();
    let mut grid_order = Vec::new();
    let mut push = |c: usize, d: usize| {
        let code = &codes[c];
        grid_code.push(code.id.clone());
        grid_level.push(code.level as usize);
        grid_doc.push(documents[d].0.clone());
        grid_units.push(documents[d].1);
        grid_order.push(c * documents.len() + d);
    };
    if codes.len() <= DENSE_CODES {
        for d in 0..documents.len() {
            for c in 0..codes.len() {
                push(c, d);
            }
        }
    } else {
        let code_at = index_of(codes.iter().map(|c| c.id.as_str()));
        let document_at = index_of(documents.iter().map(|(id, _)| id.as_str()));
        for_each_row_at(
            cells,
            [("code", &code_at), ("document", &document_at)],
            push,
        )?;
    }
    let grid = frame(vec![
        col_str("code", grid_code),
        Column::new("level".into(), i32s(grid_level.into_iter())?),
        col_str("document", grid_doc),
        Column::new("document_units".into(), i32s(grid_units.into_iter())?),
        Column::new("order".into(), i64s(grid_order.into_iter())),
    ])?;
    grid.lazy()
        .join(
            cells.clone().lazy(),
            [col("code"), col("document")],
            [col("code"), col("document")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([count_or_zero("units"), count_or_zero("hits")])
        .with_column(ratio(col("units"), col("document_units")).alias("share"))
        .sort(["order"], SortMultipleOptions::default())
        .select([
            col("code"),
            col("level"),
            col("document"),
            col("units"),
            col("hits"),
            col("document_units"),
            col("share"),
        ])
        .collect()
}

/// Every ordered pair of different codes: units coded with both (n12), with each (n1, n2),
/// all units (n), and the Jaccard, Dice and Ochiai coefficients. `nested` marks pairs where
/// one code is an ancestor of the other, which co-occur by construction.
fn cooccurrence(
    codes: &[CodeInfo],
    pairs_coded: &DataFrame,
    frequency: &DataFrame,
    units: usize,
) -> PolarsResult<DataFrame> {
    let n_codes = codes.len();
    let mut a = Vec::new();
    let mut b = Vec::new();
    let mut nested = Vec::new();
    let mut order = Vec::new();
    let hierarchy = Hierarchy::of(codes);
    let mut push = |i: usize, j: usize| {
        a.push(codes[i].id.clone());
        b.push(codes[j].id.clone());
        nested.push(hierarchy.has_ancestor(i, j) || hierarchy.has_ancestor(j, i));
        order.push(i * n_codes + j);
    };
    if n_codes <= DENSE_CODES {
        for i in 0..n_codes {
            for j in (0..n_codes).filter(|&j| j != i) {
                push(i, j);
            }
        }
    } else {
        let code_at = index_of(codes.iter().map(|c| c.id.as_str()));
        for_each_row_at(
            pairs_coded,
            [("code_a", &code_at), ("code_b", &code_at)],
            push,
        )?;
    }
    let pairs = frame(vec![
        col_str("code_a", a),
        col_str("code_b", b),
        Column::new("nested".into(), nested),
        Column::new("order".into(), i64s(order.into_iter())),
    ])?;
    let n_of = |name: &str| {
        frequency.clone().lazy().select([
            col("code").alias(format!("code_{name}")),
            col("units").alias(format!("n{}", if name == "a" { 1 } else { 2 })),
        ])
    };
    pairs
        .lazy()
        .join(
            pairs_coded.clone().lazy(),
            [col("code_a"), col("code_b")],
            [col("code_a"), col("code_b")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            n_of("a"),
            [col("code_a")],
            [col("code_a")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            n_of("b"),
            [col("code_b")],
            [col("code_b")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            count_or_zero("n12"),
            count_or_zero("n1"),
            count_or_zero("n2"),
        ])
        .with_column(lit(int32(units)?).alias("n"))
        .with_columns([
            ratio(col("n12"), col("n1") + col("n2") - col("n12")).alias("jaccard"),
            ratio(col("n12") * lit(2i32), col("n1") + col("n2")).alias("dice"),
            ratio(
                col("n12"),
                (col("n1").cast(DataType::Float64) * col("n2").cast(DataType::Float64)).sqrt(),
            )
            .alias("ochiai"),
        ])
        .sort(["order"], SortMultipleOptions::default())
        .select([
            col("code_a"),
            col("code_b"),
            col("nested"),
            col("n12"),
            col("n1"),
            col("n2"),
            col("n"),
            col("jaccard"),
            col("dice"),
            col("ochiai"),
        ])
        .collect()
}

/// `agree`'s summary: per pair of coders and code, the confusion counts and statistics.
pub fn agreement(codebook: &Codebook, comparisons: &[Comparison]) -> PolarsResult<DataFrame> {
    let stat = |name, f| per_comparison::<Option<f64>>(name, comparisons, f);
    let count = |name: &str, f: fn(&Confusion) -> u32| -> PolarsResult<Column> {
        Ok(Column::new(
            name.into(),
            i32s(comparisons.iter().map(|c| f(&c.confusion) as usize))?,
        ))
    };
    frame(vec![
        col_str(
            "reference",
            comparisons.iter().map(|c| c.reference.as_str()),
        ),
        col_str("compared", comparisons.iter().map(|c| c.compared.as_str())),
        col_str(
            "code",
            comparisons
                .iter()
                .map(|c| codebook.codes[c.code].id.as_str()),
        ),
        Column::new(
            "level".into(),
            i32s(comparisons.iter().map(|c| codebook.level(c.code)))?,
        ),
        count("units", Confusion::n)?,
        count("both_yes", |c| c.tp)?,
        count("compared_only", |c| c.fp)?,
        count("reference_only", |c| c.fn_)?,
        count("both_no", |c| c.tn)?,
        stat("percent_agreement", Confusion::percent_agreement),
        stat("precision", Confusion::precision),
        stat("recall", Confusion::recall),
        stat("f1", Confusion::f1),
        stat("cohen_kappa", Confusion::cohen_kappa),
        stat("krippendorff_alpha", Confusion::krippendorff_alpha),
        stat("brennan_prediger", Confusion::brennan_prediger),
        Column::new(
            "kappa_low".into(),
            comparisons
                .iter()
                .map(|c| c.kappa_interval.map(|i| i.0))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "kappa_high".into(),
            comparisons
                .iter()
                .map(|c| c.kappa_interval.map(|i| i.1))
                .collect::<Vec<_>>(),
        ),
        weighted("weighted_precision", comparisons, Weighted::precision),
        weighted("weighted_recall", comparisons, Weighted::recall),
        weighted("weighted_kappa", comparisons, Weighted::cohen_kappa),
    ])
}

/// A statistic of the confusion weighted to the corpus (null unless the reference is a
/// validation sample).
fn weighted(name: &str, comparisons: &[Comparison], f: fn(&Weighted) -> Option<f64>) -> Column {
    Column::new(
        name.into(),
        comparisons
            .iter()
            .map(|c| c.weighted.as_ref().and_then(f))
            .collect::<Vec<Option<f64>>>(),
    )
}

/// `agree`'s figure over all codes, one row per pair of coders: the pooled kappa with its
/// bootstrap interval, and the mean of the codes' kappas.
pub fn agreement_pooled(pooled: &[Pooled]) -> PolarsResult<DataFrame> {
    frame(vec![
        col_str("reference", pooled.iter().map(|p| p.reference.as_str())),
        col_str("compared", pooled.iter().map(|p| p.compared.as_str())),
        Column::new("codes".into(), i32s(pooled.iter().map(|p| p.codes))?),
        Column::new(
            "units".into(),
            i32s(pooled.iter().map(|p| p.units as usize))?,
        ),
        Column::new(
            "pooled_kappa".into(),
            pooled.iter().map(|p| p.kappa).collect::<Vec<_>>(),
        ),
        Column::new(
            "pooled_kappa_low".into(),
            pooled
                .iter()
                .map(|p| p.kappa_interval.map(|i| i.0))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "pooled_kappa_high".into(),
            pooled
                .iter()
                .map(|p| p.kappa_interval.map(|i| i.1))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "mean_kappa".into(),
            pooled.iter().map(|p| p.mean_kappa).collect::<Vec<_>>(),
        ),
    ])
}

/// `agree` with two or more hand coders: per group of coders and code (a null code: pooled over
/// the codes), Fleiss' kappa with its interval and Krippendorff's alpha for m coders.
pub fn agreement_coders(codebook: &Codebook, rows: &[GroupAgreement]) -> PolarsResult<DataFrame> {
    frame(vec![
        col_str("group", rows.iter().map(|r| r.group.as_str())),
        Column::new("coders".into(), i32s(rows.iter().map(|r| r.coders))?),
        Column::new(
            "code".into(),
            rows.iter()
                .map(|r| r.code.map(|c| codebook.codes[c].id.as_str()))
                .collect::<Vec<_>>(),
        ),
        Column::new("units".into(), i32s(rows.iter().map(|r| r.units as usize))?),
        Column::new(
            "fleiss_kappa".into(),
            rows.iter().map(|r| r.fleiss_kappa).collect::<Vec<_>>(),
        ),
        Column::new(
            "fleiss_kappa_low".into(),
            rows.iter()
                .map(|r| r.fleiss_interval.map(|i| i.0))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "fleiss_kappa_high".into(),
            rows.iter()
                .map(|r| r.fleiss_interval.map(|i| i.1))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "krippendorff_alpha".into(),
            rows.iter()
                .map(|r| r.krippendorff_alpha)
                .collect::<Vec<_>>(),
        ),
    ])
}

fn per_comparison<T>(name: &str, comparisons: &[Comparison], f: fn(&Confusion) -> T) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(
        name.into(),
        comparisons
            .iter()
            .map(|c| f(&c.confusion))
            .collect::<Vec<T>>(),
    )
}

/// `agree`'s detail: every unit a hand coder judged, for every code, with each coder's
/// decision (null where a coder did not judge that unit or code) — where to look for
/// disagreements.
pub fn agreement_units(
    codebook: &Codebook,
    documents: &[&CodedDocument],
    coders: &[(&str, &Coder)],
) -> PolarsResult<DataFrame> {
    // The units of the hand coders (every coder but the machine, which comes first).
    let units: std::collections::BTreeSet<UnitKey> = coders[1..]
        .iter()
        .flat_map(|(_, c)| c.units.keys().copied())
        .collect();
    let rows: Vec<(UnitKey, usize)> = units
        .iter()
        .flat_map(|&key| (0..codebook.codes.len()).map(move |code| (key, code)))
        .collect();
    let segment = |(d, s): UnitKey| &documents[d].segments[s];
    let mut columns = vec![
        col_str(
            "document",
            rows.iter().map(|((d, _), _)| documents[*d].id.as_str()),
        ),
        Column::new("segment".into(), i32s(rows.iter().map(|((_, s), _)| *s))?),
        Column::new(
            "char_start".into(),
            i64s(rows.iter().map(|(k, _)| segment(*k).char_start)),
        ),
        Column::new(
            "char_end".into(),
            i64s(rows.iter().map(|(k, _)| segment(*k).char_end)),
        ),
        col_str(
            "code",
            rows.iter().map(|(_, c)| codebook.codes[*c].id.as_str()),
        ),
    ];
    for (name, coder) in coders {
        columns.push(Column::new(
            (*name).into(),
            rows.iter()
                .map(|(key, code)| {
                    let codes = coder.units.get(key)?;
                    coder.judged_codes[*code].then(|| codes.contains(code))
                })
                .collect::<Vec<Option<bool>>>(),
        ));
    }
    frame(columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::CodingRow;
    use crate::segment::Layout;

    fn codes() -> Vec<String> {
        ["a", "b", "c"].map(String::from).to_vec()
    }

    /// Document, unit, code, hits; units in run order.
    const CODINGS: [(&str, usize, usize, usize); 7] = [
        ("d1", 0, 0, 2),
        ("d1", 0, 1, 1),
        ("d1", 0, 2, 1),
        ("d1", 3, 0, 1),
        ("d2", 1, 1, 4),
        ("d2", 1, 2, 1),
        ("d2", 2, 1, 1),
    ];

    fn documents() -> Vec<CodedDocument> {
        ["d1", "d2"]
            .map(|id| CodedDocument {
                id: id.to_string(),
                layout: Layout::Lines,
                bom_len: 0,
                segments: Vec::new(),
                matches: Vec::new(),
                rejected: Vec::new(),
                codings: CODINGS
                    .iter()
                    .filter(|row| row.0 == id)
                    .map(|&(_, segment, code, hits)| CodingRow {
                        segment,
                        code,
                        hits,
                        direct: true,
                    })
                    .collect(),
                vetoed: 0,
            })
            .to_vec()
    }

    #[test]
    fn rows_run_through_every_document_and_count_down_exactly() {
        // Documents without codings first, between and last.
        let mut documents = documents();
        let mut empty = documents[0].clone();
        empty.codings.clear();
        documents.insert(0, empty.clone());
        documents.insert(2, empty.clone());
        documents.push(empty);
        let mut rows = rows_of(&documents, |d| &d.codings);
        let mut seen = Vec::new();
        loop {
            let left = rows.size_hint();
            let Some((document, coding)) = rows.next() else {
                assert_eq!(left, (0, Some(0)));
                break;
            };
            assert_eq!(
                left,
                (CODINGS.len() - seen.len(), Some(CODINGS.len() - seen.len()))
            );
            seen.push((
                document.id.as_str(),
                coding.segment,
                coding.code,
                coding.hits,
            ));
        }
        assert_eq!(seen, CODINGS);
    }

    fn codings_table(rows: &[(&str, usize, usize, usize)]) -> DataFrame {
        let ids = codes();
        frame(vec![
            col_str("document", rows.iter().map(|r| r.0)),
            Column::new("segment".into(), i32s(rows.iter().map(|r| r.1)).unwrap()),
            col_str("code", rows.iter().map(|r| ids[r.2].as_str())),
            Column::new("hits".into(), i32s(rows.iter().map(|r| r.3)).unwrap()),
        ])
        .unwrap()
    }

    /// A tally's cells as (code, document, units, hits) and pairs as (a, b, n12), sorted.
    type Cells = Vec<(String, String, u32, u32)>;
    type Pairs = Vec<(String, String, u32)>;

    fn rows(tally: &Tally) -> (Cells, Pairs) {
        let s = |df: &DataFrame, c: &str| -> Vec<String> {
            let column = df.column(c).unwrap().str().unwrap();
            column.iter().map(|v| v.unwrap().to_string()).collect()
        };
        let n = |df: &DataFrame, c: &str| -> Vec<u32> {
            let column = df.column(c).unwrap().i32().unwrap();
            column.iter().map(|v| v.unwrap() as u32).collect()
        };
        let (c, p) = (&tally.cells, &tally.pairs);
        let mut cells: Cells = (0..c.height())
            .map(|i| {
                let (code, doc) = (s(c, "code"), s(c, "document"));
                let (units, hits) = (n(c, "units"), n(c, "hits"));
                (code[i].clone(), doc[i].clone(), units[i], hits[i])
            })
            .collect();
        let mut pairs: Pairs = (0..p.height())
            .map(|i| {
                (
                    s(p, "code_a")[i].clone(),
                    s(p, "code_b")[i].clone(),
                    n(p, "n12")[i],
                )
            })
            .collect();
        cells.sort();
        pairs.sort();
        (cells, pairs)
    }

    fn own(rows: &[(&str, &str, u32, u32)]) -> Cells {
        rows.iter()
            .map(|&(c, d, u, h)| (c.to_string(), d.to_string(), u, h))
            .collect()
    }

    #[test]
    fn tally_counts_units_hits_and_pairs_per_unit() {
        let expected_cells = own(&[
            ("a", "d1", 2, 3),
            ("b", "d1", 1, 1),
            ("b", "d2", 2, 5),
            ("c", "d1", 1, 1),
            ("c", "d2", 1, 1),
        ]);
        // d1 unit 0 has a, b, c; d2 unit 1 has b, c: b and c are together in two units.
        let expected_pairs: Pairs = [
            ("a", "b", 1),
            ("a", "c", 1),
            ("b", "a", 1),
            ("b", "c", 2),
            ("c", "a", 1),
            ("c", "b", 2),
        ]
        .iter()
        .map(|&(a, b, n)| (a.to_string(), b.to_string(), n))
        .collect();
        let from_rows = Tally::of_documents(&codes(), &documents()).unwrap();
        let from_table = Tally::of_table(&codes(), &codings_table(&CODINGS)).unwrap();
        assert_eq!(
            rows(&from_rows),
            (expected_cells.clone(), expected_pairs.clone())
        );
        assert_eq!(rows(&from_table), (expected_cells, expected_pairs));
    }

    #[test]
    fn a_document_in_two_places_is_summed_and_a_unit_out_of_order_is_refused() {
        // d1's second unit after d2's rows: its cells are added up with the first ones.
        let mut split = CODINGS.to_vec();
        let moved = split.remove(3);
        split.push(moved);
        let tally = Tally::of_table(&codes(), &codings_table(&split)).unwrap();
        assert_eq!(rows(&tally).0[0], own(&[("a", "d1", 2, 3)])[0]);
        // A unit whose rows are apart would be counted twice.
        let mut apart = CODINGS.to_vec();
        apart.swap(1, 3);
        let err = Tally::of_table(&codes(), &codings_table(&apart))
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("not in unit order at unit 0"),
            "{err}"
        );
    }
}
