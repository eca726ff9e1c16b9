//! A finished run read back: an output folder's manifest and Parquet tables in, plain rows
//! out, for views of a run that must not code again (`report`, `plot`). Columns are read by
//! name, so tables written by other versions that add columns still read; a table or column
//! that is missing is an error naming it.

use super::{read_manifest, Manifest};
use anyhow::{bail, Context, Result};
use polars::prelude::{Column, DataFrame, DataType, ParquetReader, SerReader};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A code's row of `code_frequency`.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencyRow {
    pub code: String,
    pub label: String,
    pub parent: Option<String>,
    pub level: u32,
    pub units: u32,
    pub share: f64,
    pub documents: u32,
    pub hits: u32,
}

/// A document's row of `documents`.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    pub document: String,
    pub status: String,
    pub reason: Option<String>,
    /// `None` for a file that was not segmented (`empty` or `skipped`); always there for a
    /// `coded` one.
    pub segments: Option<u32>,
    pub units: Option<u32>,
    pub warning: Option<String>,
}

/// A row of `code_by_document`.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeByDocumentRow {
    pub code: String,
    pub document: String,
    pub units: u32,
    pub hits: u32,
    pub document_units: u32,
    pub share: f64,
}

/// A row of `code_by_variable` (runs with `--by`).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeByVariableRow {
    pub code: String,
    pub variable: String,
    /// `None` for the documents without a value.
    pub value: Option<String>,
    pub units: u32,
    pub hits: u32,
    pub documents: u32,
    pub value_units: u32,
    pub share: Option<f64>,
}

/// A row of `cooccurrence`.
#[derive(Debug, Clone, PartialEq)]
pub struct CooccurrenceRow {
    pub code_a: String,
    pub code_b: String,
    pub n12: u32,
    pub n1: u32,
    pub n2: u32,
    pub jaccard: Option<f64>,
}

/// A row of `segments` without its positions in the source. Its `text` is empty until
/// [`fill_texts`] reads it: a large run's texts are about the size of its corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    pub document: String,
    pub segment: u32,
    pub kind: String,
    pub coded: bool,
    pub line_start: u32,
    pub text: String,
}

/// A row of `matches`, placed in its segment's text.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    pub document: String,
    pub segment: u32,
    pub code: String,
    pub rule: String,
    pub pattern: String,
    /// Character offsets in the segment's text.
    pub text_start: u32,
    pub text_end: u32,
    pub negated: bool,
    pub applied: bool,
}

/// A row of `codings`.
#[derive(Debug, Clone, PartialEq)]
pub struct CodingRow {
    pub document: String,
    pub segment: u32,
    pub code: String,
    pub direct: bool,
}

/// A row of `agreement`: one code, the reference against the compared coding.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementRow {
    pub reference: String,
    pub compared: String,
    pub code: String,
    pub units: u32,
    pub both_yes: u32,
    pub compared_only: u32,
    pub reference_only: u32,
    pub both_no: u32,
    pub kappa: Option<f64>,
    pub kappa_low: Option<f64>,
    pub kappa_high: Option<f64>,
}

/// A unit and code of `agreement_units`: the machine's decision and the first hand coder's.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementUnitRow {
    pub document: String,
    pub segment: u32,
    pub code: String,
    pub machine: bool,
    pub hand: Option<bool>,
}

/// What `agree` wrote into the folder, when it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub rows: Vec<AgreementRow>,
    pub units: Vec<AgreementUnitRow>,
}

/// A row of `estimates` (from `qualcode estimate`).
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRow {
    pub code: String,
    pub code_b: Option<String>,
    pub variable: Option<String>,
    pub value: Option<String>,
    pub machine_share: Option<f64>,
    pub share: Option<f64>,
    pub share_low: Option<f64>,
    pub share_high: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub n_sampled: u32,
    pub n_sampled_coded: u32,
}

/// The estimates in a run's folder, when `qualcode estimate` wrote them there.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimates {
    pub rows: Vec<EstimateRow>,
    pub level: f64,
    /// Hand-coded units behind them.
    pub sampled: u32,
    /// The folder's run is not the one they were estimated on (it was run again since).
    pub stale: bool,
}

/// Everything a view of the run needs, as plain rows.
#[derive(Debug)]
pub struct RunTables {
    pub manifest: Manifest,
    pub frequency: Vec<FrequencyRow>,
    pub documents: Vec<DocumentRow>,
    pub by_document: Vec<CodeByDocumentRow>,
    /// Empty when the run had no `--by`.
    pub by_variable: Vec<CodeByVariableRow>,
    pub cooccurrence: Vec<CooccurrenceRow>,
    pub segments: Vec<SegmentRow>,
    pub matches: Vec<MatchRow>,
    pub codings: Vec<CodingRow>,
    pub agreement: Option<Agreement>,
    pub estimates: Option<Estimates>,
}

/// How much of the run to read: the summaries always; the unit-level tables (the text of
/// every segment, every match) only for views that show units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Summaries,
    Units,
}

/// Reads the run in `dir`. A folder without a manifest holds no finished run, and is refused.
pub fn read_run(dir: &Path, depth: Depth) -> Result<RunTables> {
    let manifest = read_manifest(dir)?;
    let frequency = {
        let df = read(dir, "code_frequency", &[])?;
        let (codes, labels, parents) = (
            texts(&df, "code")?,
            texts(&df, "label")?,
            maybe_texts(&df, "parent")?,
        );
        let (levels, units, docs, hits) = (
            whole(&df, "level")?,
            whole(&df, "units")?,
            whole(&df, "documents")?,
            whole(&df, "hits")?,
        );
        let shares = reals(&df, "share")?;
        (0..df.height())
            .map(|i| FrequencyRow {
                code: codes[i].clone(),
                label: labels[i].clone(),
                parent: parents[i].clone(),
                level: levels[i],
                units: units[i],
                share: shares[i].unwrap_or(0.0),
                documents: docs[i],
                hits: hits[i],
            })
            .collect()
    };
    let documents = {
        let df = read(dir, "documents", &[])?;
        let (ids, statuses, reasons, warnings) = (
            texts(&df, "document")?,
            texts(&df, "status")?,
            maybe_texts(&df, "reason")?,
            maybe_texts(&df, "warning")?,
        );
        // Empty and skipped files were not segmented: their counts are null.
        let (segments, units) = (maybe_whole(&df, "segments")?, maybe_whole(&df, "units")?);
        (0..df.height())
            .map(|i| {
                if statuses[i] == "coded" && (segments[i].is_none() || units[i].is_none()) {
                    bail!(
                        "documents.parquet: the coded document {:?} has no count of segments or units",
                        ids[i]
                    );
                }
                Ok(DocumentRow {
                    document: ids[i].clone(),
                    status: statuses[i].clone(),
                    reason: reasons[i].clone(),
                    segments: segments[i],
                    units: units[i],
                    warning: warnings[i].clone(),
                })
            })
            .collect::<Result<_>>()?
    };
    let by_document = {
        let df = read(dir, "code_by_document", &[])?;
        let (codes, docs) = (texts(&df, "code")?, texts(&df, "document")?);
        let (units, hits, doc_units) = (
            whole(&df, "units")?,
            whole(&df, "hits")?,
            whole(&df, "document_units")?,
        );
        let shares = reals(&df, "share")?;
        (0..df.height())
            .map(|i| CodeByDocumentRow {
                code: codes[i].clone(),
                document: docs[i].clone(),
                units: units[i],
                hits: hits[i],
                document_units: doc_units[i],
                share: shares[i].unwrap_or(0.0),
            })
            .collect()
    };
    let cooccurrence = {
        let df = read(dir, "cooccurrence", &[])?;
        let (a, b) = (texts(&df, "code_a")?, texts(&df, "code_b")?);
        let (n12, n1, n2) = (whole(&df, "n12")?, whole(&df, "n1")?, whole(&df, "n2")?);
        let jaccard = reals(&df, "jaccard")?;
        (0..df.height())
            .map(|i| CooccurrenceRow {
                code_a: a[i].clone(),
                code_b: b[i].clone(),
                n12: n12[i],
                n1: n1[i],
                n2: n2[i],
                jaccard: jaccard[i],
            })
            .collect()
    };
    let (segments, matches, codings) = match depth {
        Depth::Summaries => Default::default(),
        Depth::Units => (read_segments(dir)?, read_matches(dir)?, read_codings(dir)?),
    };
    let agreement = read_agreement(dir)?;
    let by_variable = read_by_variable(dir)?;
    let estimates = read_estimates(dir)?;
    Ok(RunTables {
        manifest,
        frequency,
        documents,
        by_document,
        by_variable,
        cooccurrence,
        segments,
        matches,
        codings,
        agreement,
        estimates,
    })
}

/// `estimates.parquet` with `estimates.json`, when the folder has them; `stale` when the
/// run in the folder is not the one `estimate` read (its manifest changed since).
fn read_estimates(dir: &Path) -> Result<Option<Estimates>> {
    if !dir.join("estimates.parquet").exists() {
        return Ok(None);
    }
    let info_path = dir.join("estimates.json");
    let info: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(&info_path)
            .with_context(|| format!("cannot read {}", info_path.display()))?,
    )
    .with_context(|| format!("{} is not JSON", info_path.display()))?;
    let manifest = fs::read(dir.join(super::MANIFEST))
        .with_context(|| format!("cannot read {}", dir.join(super::MANIFEST).display()))?;
    let stale = info["run"]["manifest_sha256"].as_str()
        != Some(crate::read::sha256_hex(&manifest).as_str());
    let df = read(dir, "estimates", &[])?;
    let (codes, codes_b, variables, values) = (
        texts(&df, "code")?,
        maybe_texts(&df, "code_b")?,
        maybe_texts(&df, "variable")?,
        maybe_texts(&df, "value")?,
    );
    let r = |name| reals(&df, name);
    let (machine, share, low, high, precision, recall) = (
        r("machine_share")?,
        r("share")?,
        r("share_low")?,
        r("share_high")?,
        r("precision")?,
        r("recall")?,
    );
    let (n, coded) = (whole(&df, "n_sampled")?, whole(&df, "n_sampled_coded")?);
    let rows: Vec<EstimateRow> = (0..df.height())
        .map(|i| EstimateRow {
            code: codes[i].clone(),
            code_b: codes_b[i].clone(),
            variable: variables[i].clone(),
            value: values[i].clone(),
            machine_share: machine[i],
            share: share[i],
            share_low: low[i],
            share_high: high[i],
            precision: precision[i],
            recall: recall[i],
            n_sampled: n[i],
            n_sampled_coded: coded[i],
        })
        .collect();
    let sampled = rows.first().map_or(0, |r| r.n_sampled);
    Ok(Some(Estimates {
        rows,
        level: info["level"].as_f64().unwrap_or(0.95),
        sampled,
        stale,
    }))
}

fn read_segments(dir: &Path) -> Result<Vec<SegmentRow>> {
    let df = read(
        dir,
        "segments",
        &["document", "segment", "kind", "coded", "line_start"],
    )?;
    let (docs, kinds) = (texts(&df, "document")?, texts(&df, "kind")?);
    let (segs, lines, coded) = (
        whole(&df, "segment")?,
        whole(&df, "line_start")?,
        flags(&df, "coded")?,
    );
    Ok((0..df.height())
        .map(|i| SegmentRow {
            document: docs[i].clone(),
            segment: segs[i],
            kind: kinds[i].clone(),
            coded: coded[i],
            line_start: lines[i],
            text: String::new(),
        })
        .collect())
}

/// Rows of the `segments` table read at a time when looking for some units' texts.
const TEXT_SLICE_ROWS: usize = 1 << 16;

/// The texts of some rows of `segments` (ascending row numbers), in order, read a slice of rows
/// at a time and only the slices that hold one, so memory stays bounded by the slice and the
/// rows asked for, not the corpus.
fn texts_of_rows(dir: &Path, rows: &[usize]) -> Result<Vec<(usize, String)>> {
    let path = dir.join("segments.parquet");
    let mut slices: Vec<usize> = rows.iter().map(|r| r / TEXT_SLICE_ROWS).collect();
    slices.dedup();
    let mut out = Vec::with_capacity(rows.len());
    for slice in slices {
        let offset = slice * TEXT_SLICE_ROWS;
        let file =
            fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let df = ParquetReader::new(file)
            .with_columns(Some(vec!["text".to_string()]))
            .with_slice(Some((offset, TEXT_SLICE_ROWS)))
            .finish()
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let column = column(&df, "text")?
            .str()
            .context("column \"text\" is not text")?;
        for &row in rows.iter().filter(|r| *r / TEXT_SLICE_ROWS == slice) {
            let text = column
                .get(row - offset)
                .with_context(|| format!("segments.parquet row {row} has no text"))?;
            out.push((row, text.to_string()));
        }
    }
    Ok(out)
}

/// Reads the text of the `wanted` units (document, segment) into `run.segments`, a slice of
/// rows at a time and only the slices that hold one, so memory stays bounded by the slice
/// and the units kept, not the corpus.
pub fn fill_texts(dir: &Path, run: &mut RunTables, wanted: &BTreeSet<(String, u32)>) -> Result<()> {
    let rows: Vec<usize> = run
        .segments
        .iter()
        .enumerate()
        .filter(|(_, s)| wanted.contains(&(s.document.clone(), s.segment)))
        .map(|(i, _)| i)
        .collect();
    for (row, text) in texts_of_rows(dir, &rows)? {
        run.segments[row].text = text;
    }
    Ok(())
}

fn read_matches(dir: &Path) -> Result<Vec<MatchRow>> {
    let columns = [
        "document",
        "segment",
        "code",
        "rule",
        "pattern",
        "text_start",
        "text_end",
        "negated",
        "applied",
    ];
    let df = read(dir, "matches", &columns)?;
    let (docs, codes, rules, patterns) = (
        texts(&df, "document")?,
        texts(&df, "code")?,
        texts(&df, "rule")?,
        texts(&df, "pattern")?,
    );
    let (segs, starts, ends) = (
        whole(&df, "segment")?,
        whole(&df, "text_start")?,
        whole(&df, "text_end")?,
    );
    let (negated, applied) = (flags(&df, "negated")?, flags(&df, "applied")?);
    Ok((0..df.height())
        .map(|i| MatchRow {
            document: docs[i].clone(),
            segment: segs[i],
            code: codes[i].clone(),
            rule: rules[i].clone(),
            pattern: patterns[i].clone(),
            text_start: starts[i],
            text_end: ends[i],
            negated: negated[i],
            applied: applied[i],
        })
        .collect())
}

fn read_codings(dir: &Path) -> Result<Vec<CodingRow>> {
    let df = read(dir, "codings", &["document", "segment", "code", "direct"])?;
    let (docs, codes) = (texts(&df, "document")?, texts(&df, "code")?);
    let (segs, direct) = (whole(&df, "segment")?, flags(&df, "direct")?);
    Ok((0..df.height())
        .map(|i| CodingRow {
            document: docs[i].clone(),
            segment: segs[i],
            code: codes[i].clone(),
            direct: direct[i],
        })
        .collect())
}

fn read_by_variable(dir: &Path) -> Result<Vec<CodeByVariableRow>> {
    if !dir.join("code_by_variable.parquet").exists() {
        return Ok(Vec::new());
    }
    let df = read(dir, "code_by_variable", &[])?;
    let (codes, variables, values) = (
        texts(&df, "code")?,
        texts(&df, "variable")?,
        maybe_texts(&df, "value")?,
    );
    let (units, hits, docs, value_units) = (
        whole(&df, "units")?,
        whole(&df, "hits")?,
        whole(&df, "documents")?,
        whole(&df, "value_units")?,
    );
    let shares = reals(&df, "share")?;
    Ok((0..df.height())
        .map(|i| CodeByVariableRow {
            code: codes[i].clone(),
            variable: variables[i].clone(),
            value: values[i].clone(),
            units: units[i],
            hits: hits[i],
            documents: docs[i],
            value_units: value_units[i],
            share: shares[i],
        })
        .collect())
}

/// `agree`'s tables, when the folder has them. The first reference against the machine is
/// the one shown; `agreement_units` names the hand coder `gold1`.
fn read_agreement(dir: &Path) -> Result<Option<Agreement>> {
    if !dir.join("agreement.parquet").exists() {
        return Ok(None);
    }
    let df = read(dir, "agreement", &[])?;
    let (refs, compared, codes) = (
        texts(&df, "reference")?,
        texts(&df, "compared")?,
        texts(&df, "code")?,
    );
    let counts = [
        whole(&df, "units")?,
        whole(&df, "both_yes")?,
        whole(&df, "compared_only")?,
        whole(&df, "reference_only")?,
        whole(&df, "both_no")?,
    ];
    let (kappa, low, high) = (
        reals(&df, "cohen_kappa")?,
        reals(&df, "kappa_low")?,
        reals(&df, "kappa_high")?,
    );
    let rows = (0..df.height())
        .map(|i| AgreementRow {
            reference: refs[i].clone(),
            compared: compared[i].clone(),
            code: codes[i].clone(),
            units: counts[0][i],
            both_yes: counts[1][i],
            compared_only: counts[2][i],
            reference_only: counts[3][i],
            both_no: counts[4][i],
            kappa: kappa[i],
            kappa_low: low[i],
            kappa_high: high[i],
        })
        .collect();
    let units = if dir.join("agreement_units.parquet").exists() {
        let df = read(dir, "agreement_units", &[])?;
        let (docs, codes) = (texts(&df, "document")?, texts(&df, "code")?);
        let segs = whole(&df, "segment")?;
        let machine = flags(&df, "machine")?;
        let hand: Vec<Option<bool>> = df
            .column("gold1")
            .context("agreement_units has no column gold1")?
            .bool()
            .context("agreement_units: gold1 is not boolean")?
            .iter()
            .collect();
        (0..df.height())
            .map(|i| AgreementUnitRow {
                document: docs[i].clone(),
                segment: segs[i],
                code: codes[i].clone(),
                machine: machine[i],
                hand: hand[i],
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(Agreement { rows, units }))
}

/// A table of a run read a slice of rows at a time, each slice sized from the one before to
/// hold about [`SLICE_BYTES`] (a table's rows differ only by their texts' lengths): memory
/// follows the slice, not the table, whether its units are lines or whole books.
pub(super) struct Slices {
    pub(super) path: PathBuf,
    columns: Option<Vec<String>>,
    offset: usize,
    rows: usize,
    done: bool,
}

/// About how much of a table a slice holds, decoded: half a run's batch of text.
const SLICE_BYTES: usize = 8 << 20;

impl Slices {
    pub(super) fn open(dir: &Path, table: &str, columns: Option<&[&str]>) -> Slices {
        Slices {
            path: dir.join(format!("{table}.parquet")),
            columns: columns.map(|c| c.iter().map(|c| c.to_string()).collect()),
            offset: 0,
            // The first slice is small: its rows' size sets the next one's.
            rows: 1024,
            done: false,
        }
    }

    /// The next slice, `None` after the last row.
    pub(super) fn next(&mut self) -> Result<Option<DataFrame>> {
        if self.done {
            return Ok(None);
        }
        let context = || format!("cannot read {}", self.path.display());
        let file = std::fs::File::open(&self.path).with_context(context)?;
        let df = ParquetReader::new(file)
            .with_columns(self.columns.clone())
            .with_slice(Some((self.offset, self.rows)))
            .finish()
            .map_err(anyhow::Error::from)
            .with_context(context)?;
        self.done = df.height() < self.rows;
        self.offset += df.height();
        if df.height() == 0 {
            return Ok(None);
        }
        // Texts are what makes rows long (and a Parquet reader's size estimate of a column of
        // repeated texts counts each once): their bytes, and a few words a cell.
        let text_bytes: usize = df
            .columns()
            .iter()
            .filter_map(|c| c.str().ok())
            .map(|texts| texts.iter().flatten().map(str::len).sum::<usize>())
            .sum();
        let per_row = text_bytes / df.height() + 16 * df.width();
        self.rows = (SLICE_BYTES / per_row).clamp(64, 1 << 16);
        Ok(Some(df))
    }
}

/// Reads `<dir>/<name>.parquet`, only `columns` when given.
pub(super) fn read(dir: &Path, name: &str, columns: &[&str]) -> Result<DataFrame> {
    let path = dir.join(format!("{name}.parquet"));
    let file = fs::File::open(&path).with_context(|| {
        format!(
            "cannot open {}: the run's folder is incomplete",
            path.display()
        )
    })?;
    let mut reader = ParquetReader::new(file);
    if !columns.is_empty() {
        reader = reader.with_columns(Some(columns.iter().map(|c| c.to_string()).collect()));
    }
    reader
        .finish()
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot read {}", path.display()))
}

fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name)
        .with_context(|| format!("a table has no column {name:?}"))
}

fn texts(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    maybe_texts(df, name)?
        .into_iter()
        .map(|v| v.with_context(|| format!("column {name:?} has a null")))
        .collect()
}

/// A column's cells as text (nulls as `None`).
pub(super) fn maybe_texts(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    Ok(column(df, name)?
        .str()
        .with_context(|| format!("column {name:?} is not text"))?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

fn whole(df: &DataFrame, name: &str) -> Result<Vec<u32>> {
    maybe_whole(df, name)?
        .into_iter()
        .map(|v| v.with_context(|| format!("column {name:?} has a null")))
        .collect()
}

fn maybe_whole(df: &DataFrame, name: &str) -> Result<Vec<Option<u32>>> {
    let cast = column(df, name)?
        .cast(&DataType::UInt32)
        .with_context(|| format!("column {name:?} is not a count"))?;
    Ok(cast.u32()?.iter().collect())
}

fn reals(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    Ok(column(df, name)?
        .f64()
        .with_context(|| format!("column {name:?} is not a number"))?
        .iter()
        .collect())
}

fn flags(df: &DataFrame, name: &str) -> Result<Vec<bool>> {
    let values = column(df, name)?
        .bool()
        .with_context(|| format!("column {name:?} is not boolean"))?;
    if values.null_count() > 0 {
        bail!("column {name:?} has a null");
    }
    Ok(values.iter().map(|v| v.unwrap_or(false)).collect())
}

/// The run's coded units and the codes the rules gave each: what a validation sample is drawn
/// from and its estimates are computed on.
#[derive(Debug, Clone, Default)]
pub struct CodedUnitTable {
    /// Code ids in codebook order (the order of `code_frequency`).
    pub codes: Vec<String>,
    /// Each code's parent, by index into `codes`.
    pub parents: Vec<Option<usize>>,
    /// Each code's label.
    pub labels: Vec<String>,
    /// Document ids of the coded units, sorted.
    pub documents: Vec<String>,
    /// (index into `documents`, segment) of every coded unit, sorted.
    pub units: Vec<(u32, u32)>,
    /// Per unit, the indices of the codes the rules gave it, sorted.
    pub unit_codes: Vec<Vec<u32>>,
}

/// Reads [`CodedUnitTable`] from a run: `code_frequency`, the `document`, `segment` and
/// `coded` columns of `segments`, and `codings`. Memory: a few words per unit and coding,
/// never the texts.
pub fn read_coded_units(dir: &Path) -> Result<CodedUnitTable> {
    let frequency = read(dir, "code_frequency", &["code", "label", "parent"])?;
    let codes = texts(&frequency, "code")?;
    let labels = texts(&frequency, "label")?;
    let code_index: std::collections::HashMap<&str, usize> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let parents = maybe_texts(&frequency, "parent")?
        .iter()
        .map(|p| p.as_deref().and_then(|p| code_index.get(p).copied()))
        .collect();
    // Every document the run lists, sorted: units and codings are numbered by their
    // document's place here as they are read, a slice of rows at a time, so memory follows
    // the units (8 bytes each) and not the tables.
    let mut all: Vec<String> = texts(&read(dir, "documents", &["document"])?, "document")?;
    all.sort_unstable();
    all.dedup();
    let place = |table: &str, doc: &str| -> Result<u32> {
        let at = all.binary_search_by(|d| d.as_str().cmp(doc)).map_err(|_| {
            anyhow::anyhow!("{table}: document {doc:?} is not in the documents table")
        })?;
        Ok(at as u32)
    };
    let mut units: Vec<(u32, u32)> = Vec::new();
    let mut slices = Slices::open(dir, "segments", Some(&["document", "segment", "coded"]));
    while let Some(segments) = slices.next()? {
        let names = column(&segments, "document")?
            .str()
            .context("segments: column \"document\" is not text")?;
        let (numbers, coded) = (whole(&segments, "segment")?, flags(&segments, "coded")?);
        for (i, name) in names.iter().enumerate() {
            if coded[i] {
                let name = name.context("segments: column \"document\" has a null")?;
                units.push((place("segments", name)?, numbers[i]));
            }
        }
    }
    units.sort_unstable();
    // Only the documents with a coded unit, numbered anew.
    let mut renumbered: Vec<Option<u32>> = vec![None; all.len()];
    let mut documents: Vec<String> = Vec::new();
    for unit in &mut units {
        let d = unit.0 as usize;
        unit.0 = match renumbered[d] {
            Some(n) => n,
            None => {
                let n = documents.len() as u32;
                renumbered[d] = Some(n);
                documents.push(all[d].clone());
                n
            }
        };
    }
    let mut unit_codes: Vec<Vec<u32>> = vec![Vec::new(); units.len()];
    let mut slices = Slices::open(dir, "codings", Some(&["document", "segment", "code"]));
    while let Some(codings) = slices.next()? {
        let (coding_docs, coding_codes) = (
            column(&codings, "document")?
                .str()
                .context("codings: column \"document\" is not text")?,
            column(&codings, "code")?
                .str()
                .context("codings: column \"code\" is not text")?,
        );
        let coding_segments = whole(&codings, "segment")?;
        for (i, ((doc, code), segment)) in coding_docs
            .iter()
            .zip(coding_codes.iter())
            .zip(&coding_segments)
            .enumerate()
        {
            let (Some(doc), Some(code)) = (doc, code) else {
                bail!("codings: row {i} has a null");
            };
            let code = *code_index
                .get(code)
                .with_context(|| format!("codings: code {code:?} is not in code_frequency"))?;
            let d = renumbered[place("codings", doc)? as usize].with_context(|| {
                format!("codings: document {doc:?} has no coded unit in segments")
            })?;
            let u = units.binary_search(&(d, *segment)).ok().with_context(|| {
                format!("codings: {doc} segment {segment} is not a coded unit in segments")
            })?;
            unit_codes[u].push(code as u32);
        }
    }
    for codes in &mut unit_codes {
        codes.sort_unstable();
        codes.dedup();
    }
    Ok(CodedUnitTable {
        codes,
        parents,
        labels,
        documents,
        units,
        unit_codes,
    })
}

/// Each coded unit's (document, segment) speaker.
pub type UnitSpeakers = BTreeMap<(String, u32), Option<String>>;

/// The speaker of every coded unit (document, segment) of a run, null outside transcripts'
/// turns (the `speaker` column of `segments`); `None` for a run written before speakers were recorded.
pub fn unit_speakers(dir: &Path) -> Result<Option<UnitSpeakers>> {
    let path = dir.join("segments.parquet");
    let file = fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let schema = ParquetReader::new(file)
        .schema()
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !schema.contains("speaker") {
        return Ok(None);
    }
    let segments = read(
        dir,
        "segments",
        &["document", "segment", "coded", "speaker"],
    )?;
    let speakers = maybe_texts(&segments, "speaker")?;
    let documents = texts(&segments, "document")?;
    let numbers = whole(&segments, "segment")?;
    let coded = flags(&segments, "coded")?;
    Ok(Some(
        documents
            .into_iter()
            .zip(numbers)
            .zip(speakers)
            .zip(coded)
            .filter(|(_, coded)| *coded)
            .map(|(((document, segment), speaker), _)| ((document, segment), speaker))
            .collect(),
    ))
}

/// The texts of some units (document, segment), read a slice of `segments` at a time and only
/// the slices that hold one, so memory stays bounded by the slice and the units asked for.
pub fn unit_texts(
    dir: &Path,
    wanted: &BTreeSet<(String, u32)>,
) -> Result<BTreeMap<(String, u32), String>> {
    let keys = read(dir, "segments", &["document", "segment"])?;
    let docs = texts(&keys, "document")?;
    let segs = whole(&keys, "segment")?;
    let rows: Vec<(usize, (String, u32))> = docs
        .into_iter()
        .zip(segs)
        .enumerate()
        .filter(|(_, key)| wanted.contains(key))
        .collect();
    let numbers: Vec<usize> = rows.iter().map(|(r, _)| *r).collect();
    let mut found = BTreeMap::new();
    for ((_, key), (_, text)) in rows.into_iter().zip(texts_of_rows(dir, &numbers)?) {
        found.insert(key, text);
    }
    Ok(found)
}

/// What a run's rules did in each unit and code: the rules that counted there (with their
/// patterns) and those whose matches were rejected (with why), keyed by (document, segment,
/// code). For comparing two codings of the same units (`qualcode diff`).
#[derive(Debug, Default)]
pub struct RuleTrace {
    /// (rule, pattern) of the rules that counted.
    pub counted: BTreeMap<UnitCode, Vec<(String, String)>>,
    /// (rule, status, exclusion) of every rejected match.
    pub rejected: BTreeMap<UnitCode, Vec<(String, String, Option<String>)>>,
}

/// A code in a unit: (document, segment, code).
pub type UnitCode = (String, u32, String);

/// A run's units (document, segment, coded) and the codes the rules gave each.
pub type UnitCodings = (
    Vec<(String, u32, bool)>,
    BTreeMap<(String, u32), Vec<String>>,
);

pub fn read_rule_trace(dir: &Path) -> Result<RuleTrace> {
    let mut trace = RuleTrace::default();
    let m = read(
        dir,
        "matches",
        &["document", "segment", "code", "rule", "pattern"],
    )?;
    let (docs, segs, codes, rules, patterns) = (
        texts(&m, "document")?,
        whole(&m, "segment")?,
        texts(&m, "code")?,
        texts(&m, "rule")?,
        texts(&m, "pattern")?,
    );
    for i in 0..m.height() {
        let entry = trace
            .counted
            .entry((docs[i].clone(), segs[i], codes[i].clone()))
            .or_default();
        if !entry.iter().any(|(r, _)| r == &rules[i]) {
            entry.push((rules[i].clone(), patterns[i].clone()));
        }
    }
    if dir.join("rejected_matches.parquet").exists() {
        let r = read(
            dir,
            "rejected_matches",
            &["document", "segment", "code", "rule", "status", "exclusion"],
        )?;
        let (docs, segs, codes, rules, statuses, exclusions) = (
            texts(&r, "document")?,
            whole(&r, "segment")?,
            texts(&r, "code")?,
            texts(&r, "rule")?,
            texts(&r, "status")?,
            maybe_texts(&r, "exclusion")?,
        );
        for i in 0..r.height() {
            let entry = trace
                .rejected
                .entry((docs[i].clone(), segs[i], codes[i].clone()))
                .or_default();
            let item = (rules[i].clone(), statuses[i].clone(), exclusions[i].clone());
            if !entry.contains(&item) {
                entry.push(item);
            }
        }
    }
    Ok(trace)
}

/// A run's units (document, segment, coded) in table order and the codes the rules gave each.
pub fn read_unit_codings(dir: &Path) -> Result<UnitCodings> {
    let segments = read(dir, "segments", &["document", "segment", "coded"])?;
    let units: Vec<(String, u32, bool)> = texts(&segments, "document")?
        .into_iter()
        .zip(whole(&segments, "segment")?)
        .zip(flags(&segments, "coded")?)
        .map(|((d, s), c)| (d, s, c))
        .collect();
    let mut codes: BTreeMap<(String, u32), Vec<String>> = Default::default();
    for row in read_codings(dir)? {
        codes
            .entry((row.document, row.segment))
            .or_default()
            .push(row.code);
    }
    Ok((units, codes))
}
