//! A finished run reused (`--from RUN_DIR` of the workbench commands): the run's folder and the
//! codebook in; the coded documents out, as coding the corpus again would give them
//! ([`CodedDocument`], read back from `segments`, `matches`, `rejected_matches`, `codings` and
//! `documents`), or only the rows one command needs (one code's matches with their units' texts
//! for `kwic`, one document's segments for `explain`).
//!
//! A run is reused only with the codebook it was coded with: the codebook given must have the
//! SHA-256 the manifest records, else the run is refused with the reason. Codes, rules,
//! patterns and exclusions are found again by their ids and text as written, so a row that
//! names something the codebook does not have is an error, never a silently wrong index.

use super::run_tables::{maybe_texts, Slices};
use super::{read_manifest, read_table, Manifest};
use crate::codebook::Codebook;
use crate::coding::{CodedDocument, CodingRow, MatchRow, RejectedRow, SegmentRow, Status};
use crate::segment::{BlockTurn, Layout, SegmentKind};
use anyhow::{bail, Context, Result};
use polars::prelude::{col, lit, DataFrame, DataType, Expr, LazyFrame, PlRefPath, ScanArgsParquet};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A finished run's folder, checked against the codebook about to read it.
pub struct FinishedRun {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl FinishedRun {
    /// Opens `dir` (it must hold a complete run) and refuses it unless it was coded with the
    /// codebook at `codebook_path`, byte for byte.
    pub fn open(dir: &Path, codebook_path: &Path) -> Result<FinishedRun> {
        let manifest = read_manifest(dir)?;
        let bytes = std::fs::read(codebook_path)
            .with_context(|| format!("cannot read codebook {}", codebook_path.display()))?;
        let now = crate::read::sha256_hex(&bytes);
        if now != manifest.codebook.sha256 {
            bail!(
                "--from {}: the run was coded with codebook {} of SHA-256 {}…, and {} is now {}…: the codebook changed since that run, so its tables are not what this codebook codes. Run `qualcode run` again, or leave out --from to code the corpus now",
                dir.display(),
                manifest.codebook.path,
                &manifest.codebook.sha256[..manifest.codebook.sha256.len().min(12)],
                codebook_path.display(),
                &now[..12]
            );
        }
        Ok(FinishedRun {
            dir: dir.to_path_buf(),
            manifest,
        })
    }
}

/// The codebook's codes, rules, patterns and exclusions by the names the tables use.
struct Names<'c> {
    codebook: &'c Codebook,
    codes: BTreeMap<&'c str, usize>,
}

impl<'c> Names<'c> {
    fn new(codebook: &'c Codebook) -> Self {
        let codes = codebook
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        Names { codebook, codes }
    }

    fn code(&self, id: &str) -> Result<usize> {
        self.codes
            .get(id)
            .copied()
            .with_context(|| format!("the run names code {id:?}, which the codebook has not"))
    }

    /// The rule with `id` of `code`, and the index of its `pattern` as written.
    fn rule(&self, code: usize, id: &str, pattern: &str) -> Result<(usize, usize)> {
        let rules = &self.codebook.codes[code].rules;
        let r = rules
            .iter()
            .position(|r| r.id == id)
            .with_context(|| format!("the run names rule {id:?}, which the codebook has not"))?;
        let p = rules[r]
            .patterns
            .iter()
            .position(|p| p.source == pattern)
            .with_context(|| {
                format!(
                    "the run names pattern {pattern:?} of rule {id:?}, which the codebook has not"
                )
            })?;
        Ok((r, p))
    }

    /// The status of a rejected match, from the table's `status`, `exclusion` and `vetoed_by`.
    fn status(
        &self,
        code: usize,
        key: &str,
        exclusion: Option<&str>,
        vetoed_by: Option<&str>,
    ) -> Result<Status> {
        Ok(match key {
            "vetoed" => {
                let (Some(exclusion), Some(vetoed_by)) = (exclusion, vetoed_by) else {
                    bail!("a vetoed match of the run names no exclusion");
                };
                let exclusions = &self.codebook.codes[code].exclusions;
                let e = exclusions
                    .iter()
                    .position(|e| e.id == exclusion)
                    .with_context(|| {
                        format!("the run names exclusion {exclusion:?}, which the codebook has not")
                    })?;
                let p = exclusions[e]
                    .patterns
                    .iter()
                    .position(|p| p.source == vetoed_by)
                    .with_context(|| format!("the run names pattern {vetoed_by:?} of exclusion {exclusion:?}, which the codebook has not"))?;
                Status::Vetoed {
                    exclusion: e,
                    pattern: p,
                }
            }
            "no_near_term" => Status::NotNear,
            "near_not_near_term" => Status::NearExcluded,
            "negated" => Status::Negated,
            "overlapped" => Status::Overlapped,
            other => bail!("the run has a rejected match of status {other:?}"),
        })
    }
}

fn kind(name: &str) -> Result<&'static str> {
    [
        SegmentKind::Paragraph,
        SegmentKind::Sentence,
        SegmentKind::Heading,
        SegmentKind::Footnote,
        SegmentKind::Boilerplate,
    ]
    .into_iter()
    .map(SegmentKind::as_str)
    .find(|k| *k == name)
    .with_context(|| format!("the run has a segment of kind {name:?}"))
}

fn layout(name: &str) -> Result<Layout> {
    [Layout::Lines, Layout::Wrapped, Layout::Markup]
        .into_iter()
        .find(|l| l.as_str() == name)
        .with_context(|| format!("the run has a document of layout {name:?}"))
}

/// A column's cells as whole numbers (nulls as `None`), whatever integer type it was written in.
fn wholes(df: &DataFrame, name: &str) -> Result<Vec<Option<usize>>> {
    Ok(whole_ms(df, name)?
        .into_iter()
        .map(|v| v.and_then(|v| usize::try_from(v).ok()))
        .collect())
}

/// A column of signed whole numbers such as milliseconds (nulls as `None`).
fn whole_ms(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let column = df
        .column(name)
        .with_context(|| format!("a table of the run has no column {name:?}"))?
        .cast(&DataType::Int64)
        .with_context(|| format!("column {name:?} is not a number"))?;
    Ok(column.i64()?.iter().collect())
}

fn flags(df: &DataFrame, name: &str) -> Result<Vec<Option<bool>>> {
    Ok(df
        .column(name)
        .with_context(|| format!("a table of the run has no column {name:?}"))?
        .bool()
        .with_context(|| format!("column {name:?} is not boolean"))?
        .iter()
        .collect())
}

fn some<T>(value: Option<T>, table: &str, column: &str) -> Result<T> {
    value.with_context(|| format!("{table}.parquet has an empty {column}"))
}

/// The rows of the `segments` table, by document, in run order.
fn segments(df: &DataFrame) -> Result<Vec<(String, SegmentRow)>> {
    let (document, kind_, text) = (
        maybe_texts(df, "document")?,
        maybe_texts(df, "kind")?,
        maybe_texts(df, "text")?,
    );
    let coded = flags(df, "coded")?;
    let n = |c| wholes(df, c);
    let (segment, block, byte_start, byte_end) =
        (n("segment")?, n("block")?, n("byte_start")?, n("byte_end")?);
    let (char_start, char_end, line_start, line_end, word_count, page) = (
        n("char_start")?,
        n("char_end")?,
        n("line_start")?,
        n("line_end")?,
        n("word_count")?,
        n("page")?,
    );
    let t = "segments";
    // A transcript's columns (runs of versions before them have none: no turns).
    let has = |name: &str| df.column(name).is_ok();
    let (speaker, turn, time_start, time_end, label_chars) = if has("speaker") {
        (
            maybe_texts(df, "speaker")?,
            n("turn")?,
            whole_ms(df, "time_start_ms")?,
            whole_ms(df, "time_end_ms")?,
            n("label_chars")?,
        )
    } else {
        let height = df.height();
        (
            vec![None; height],
            vec![None; height],
            vec![None; height],
            vec![None; height],
            vec![None; height],
        )
    };
    (0..df.height())
        .map(|i| {
            let text = some(text[i].clone(), t, "text")?;
            let turn =
                (speaker[i].is_some() || turn[i].is_some() || time_start[i].is_some()).then(|| {
                    std::sync::Arc::new(BlockTurn {
                        speaker: speaker[i].as_deref().map(std::sync::Arc::from),
                        turn: turn[i].map(|t| t as u32),
                        time_start_ms: time_start[i],
                        time_end_ms: time_end[i],
                    })
                });
            // The label's characters as bytes of the text.
            let label = label_chars[i].map_or(0, |chars| {
                text.char_indices()
                    .nth(chars)
                    .map_or(text.len(), |(b, _)| b)
            });
            Ok((
                some(document[i].clone(), t, "document")?,
                SegmentRow {
                    turn,
                    label,
                    segment: some(segment[i], t, "segment")?,
                    block: some(block[i], t, "block")?,
                    kind: kind(&some(kind_[i].clone(), t, "kind")?)?,
                    coded: some(coded[i], t, "coded")?,
                    byte_start: some(byte_start[i], t, "byte_start")?,
                    byte_end: some(byte_end[i], t, "byte_end")?,
                    char_start: some(char_start[i], t, "char_start")?,
                    char_end: some(char_end[i], t, "char_end")?,
                    line_start: some(line_start[i], t, "line_start")?,
                    line_end: some(line_end[i], t, "line_end")?,
                    word_count: some(word_count[i], t, "word_count")?,
                    page: page[i].map(|p| p as u32),
                    text,
                },
            ))
        })
        .collect()
}

/// The rows of a `matches` or `rejected_matches` table, by document, with the status of each
/// (counted for `matches`).
fn matches(df: &DataFrame, names: &Names, table: &str) -> Result<Vec<(String, MatchRow, Status)>> {
    let (document, code, rule, pattern, text) = (
        maybe_texts(df, "document")?,
        maybe_texts(df, "code")?,
        maybe_texts(df, "rule")?,
        maybe_texts(df, "pattern")?,
        maybe_texts(df, "text")?,
    );
    let n = |c| wholes(df, c);
    let (segment, byte_start, byte_end, char_start, char_end) = (
        n("segment")?,
        n("byte_start")?,
        n("byte_end")?,
        n("char_start")?,
        n("char_end")?,
    );
    let (text_start, text_end, line) = (n("text_start")?, n("text_end")?, n("line")?);
    let (applied, negated) = (flags(df, "applied")?, flags(df, "negated")?);
    let rejected = table == "rejected_matches";
    let (status, exclusion, vetoed_by) = if rejected {
        (
            maybe_texts(df, "status")?,
            maybe_texts(df, "exclusion")?,
            maybe_texts(df, "vetoed_by")?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    (0..df.height())
        .map(|i| {
            let c = names.code(&some(code[i].clone(), table, "code")?)?;
            let (r, p) = names.rule(
                c,
                &some(rule[i].clone(), table, "rule")?,
                &some(pattern[i].clone(), table, "pattern")?,
            )?;
            let status = if rejected {
                names.status(
                    c,
                    &some(status[i].clone(), table, "status")?,
                    exclusion[i].as_deref(),
                    vetoed_by[i].as_deref(),
                )?
            } else {
                Status::Counted
            };
            Ok((
                some(document[i].clone(), table, "document")?,
                MatchRow {
                    segment: some(segment[i], table, "segment")?,
                    code: c,
                    rule: r,
                    pattern: p,
                    text: some(text[i].clone(), table, "text")?,
                    byte_start: some(byte_start[i], table, "byte_start")?,
                    byte_end: some(byte_end[i], table, "byte_end")?,
                    char_start: some(char_start[i], table, "char_start")?,
                    char_end: some(char_end[i], table, "char_end")?,
                    text_start: some(text_start[i], table, "text_start")?,
                    text_end: some(text_end[i], table, "text_end")?,
                    line: some(line[i], table, "line")?,
                    applied: some(applied[i], table, "applied")?,
                    negated: some(negated[i], table, "negated")?,
                },
                status,
            ))
        })
        .collect()
}

/// The documents the run read and did not skip (coded or empty), in run order, each with its
/// layout: what the workbench numbers documents by (a [`crate::workbench::agree::UnitKey`]'s
/// first part is an index into this list).
pub fn document_list(run: &FinishedRun) -> Result<Vec<(String, Layout)>> {
    let documents = super::run_tables::read(&run.dir, "documents", &["document", "layout"])?;
    let (ids, layouts) = (
        maybe_texts(&documents, "document")?,
        maybe_texts(&documents, "layout")?,
    );
    let mut listed = Vec::new();
    for (id, layout_) in ids.into_iter().zip(layouts) {
        // A skipped file has no layout and no rows.
        if let (Some(id), Some(layout_)) = (id, layout_) {
            listed.push((id, layout(&layout_)?));
        }
    }
    Ok(listed)
}

/// Each listed document's place in the list, by id.
fn places(listed: &[(String, Layout)]) -> BTreeMap<&str, usize> {
    listed
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect()
}

/// How a slice of a table's rows becomes rows by document.
type ParseRows<'a, T> = Box<dyn Fn(&DataFrame) -> Result<Vec<(String, T)>> + 'a>;

/// One table of a run read a slice of rows at a time and handed out a document at a time, in
/// the order of the run's documents table (the order every table of a run, sharded and merged
/// or not, lists its rows in): memory follows a slice and a document, not the table.
struct DocumentRows<'a, T> {
    slices: Slices,
    parse: ParseRows<'a, T>,
    pending: std::collections::VecDeque<(String, T)>,
}

impl<'a, T> DocumentRows<'a, T> {
    fn open(
        run: &FinishedRun,
        table: &str,
        parse: impl Fn(&DataFrame) -> Result<Vec<(String, T)>> + 'a,
    ) -> Self {
        DocumentRows {
            slices: Slices::open(&run.dir, table, None),
            parse: Box::new(parse),
            pending: Default::default(),
        }
    }

    /// Reads the next slice into `pending`; false after the last.
    fn read_slice(&mut self) -> Result<bool> {
        let Some(df) = self.slices.next()? else {
            return Ok(false);
        };
        let rows = (self.parse)(&df)
            .with_context(|| format!("cannot read {}", self.slices.path.display()))?;
        self.pending.extend(rows);
        Ok(true)
    }

    /// Refuses rows left after the run's last document: they name documents out of order.
    fn none_left(&mut self) -> Result<()> {
        if self.pending.is_empty() && !self.read_slice()? {
            return Ok(());
        }
        match self.pending.front() {
            Some((d, _)) => bail!(
                "{} lists document {d:?} where the run's documents table does not: the folder was changed after its run",
                self.slices.path.display()
            ),
            None => Ok(()),
        }
    }

    /// The rows of `document`, the `at`-th document of the run (`order` gives every
    /// document's place). Rows of a document that came before it are an error: the table is
    /// not in the run's order, and reading on would hand rows to the wrong documents.
    fn take(&mut self, document: &str, at: usize, order: &BTreeMap<&str, usize>) -> Result<Vec<T>> {
        let mut rows = Vec::new();
        loop {
            if self.pending.is_empty() && !self.read_slice()? {
                return Ok(rows);
            }
            match self.pending.pop_front() {
                Some((d, row)) if d == document => rows.push(row),
                Some((d, row)) => {
                    if order.get(d.as_str()).is_none_or(|&place| place < at) {
                        bail!(
                            "{} lists document {d:?} where the run's documents table does not (after {document:?}): the folder was changed after its run",
                            self.slices.path.display()
                        );
                    }
                    self.pending.push_front((d, row));
                    return Ok(rows);
                }
                None => return Ok(rows),
            }
        }
    }
}

/// Calls `each` with every document the run read (coded or empty), in run order, as coding
/// it again would give it, with its index in [`document_list`] and, when `with_text`, the text
/// its positions refer to ([`TextSource`]). Documents for which `wanted` is false are passed
/// over (their rows read and dropped). Only one document and a slice of each table's rows are
/// held at a time.
pub fn for_each_document(
    run: &FinishedRun,
    codebook: &Codebook,
    wanted: impl Fn(usize) -> bool,
    with_text: bool,
    mut each: impl FnMut(usize, CodedDocument, Option<String>) -> Result<()>,
) -> Result<()> {
    let names = Names::new(codebook);
    let listed = document_list(run)?;
    let order = places(&listed);
    let mut segment_rows = DocumentRows::open(run, "segments", segments);
    let mut match_rows = DocumentRows::open(run, "matches", |df| {
        Ok(matches(df, &names, "matches")?
            .into_iter()
            .map(|(d, row, _)| (d, row))
            .collect())
    });
    let mut rejected_rows = DocumentRows::open(run, "rejected_matches", |df| {
        Ok(matches(df, &names, "rejected_matches")?
            .into_iter()
            .map(|(d, matched, status)| (d, RejectedRow { matched, status }))
            .collect())
    });
    let mut coding_rows = DocumentRows::open(run, "codings", |df| codings(df, &names));
    let mut texts = if with_text {
        Some(TextSource::new(run)?)
    } else {
        None
    };
    for (at, (id, layout)) in listed.iter().enumerate() {
        let segments = segment_rows.take(id, at, &order)?;
        let matches = match_rows.take(id, at, &order)?;
        let rejected = rejected_rows.take(id, at, &order)?;
        let codings = coding_rows.take(id, at, &order)?;
        let text = match &mut texts {
            Some(source) => source.text(id, at, &order, wanted(at))?,
            None => None,
        };
        // Every position is looked up by segment number: rows that do not fit together are
        // refused, never handed on.
        let fits = segments.iter().enumerate().all(|(i, s)| s.segment == i)
            && matches
                .iter()
                .chain(rejected.iter().map(|r| &r.matched))
                .all(|m| m.segment < segments.len())
            && codings.iter().all(|c| c.segment < segments.len());
        if !fits {
            bail!(
                "{}: the rows of document {id:?} in segments, matches, rejected_matches and codings do not fit together (out of order, or missing): the folder was changed after its run; run `qualcode run` again",
                run.dir.display()
            );
        }
        if !wanted(at) {
            continue;
        }
        let vetoed = rejected
            .iter()
            .filter(|r| matches!(r.status, Status::Vetoed { .. }))
            .count();
        let document = CodedDocument {
            id: id.clone(),
            layout: *layout,
            bom_len: 0,
            segments,
            matches,
            rejected,
            codings,
            vetoed,
        };
        each(at, document, text)?;
    }
    segment_rows.none_left()?;
    match_rows.none_left()?;
    rejected_rows.none_left()?;
    coding_rows.none_left()
}

/// The rows of a `codings` table, by document.
fn codings(df: &DataFrame, names: &Names) -> Result<Vec<(String, CodingRow)>> {
    let t = "codings";
    let (document, code) = (maybe_texts(df, "document")?, maybe_texts(df, "code")?);
    let (segment, hits, direct) = (
        wholes(df, "segment")?,
        wholes(df, "hits")?,
        flags(df, "direct")?,
    );
    (0..df.height())
        .map(|i| {
            Ok((
                some(document[i].clone(), t, "document")?,
                CodingRow {
                    segment: some(segment[i], t, "segment")?,
                    code: names.code(&some(code[i].clone(), t, "code")?)?,
                    hits: some(hits[i], t, "hits")?,
                    direct: some(direct[i], t, "direct")?,
                },
            ))
        })
        .collect()
}

/// Where the texts a run's positions refer to are found again: a document read from its
/// markup (HTML, Word, OpenDocument, PDF) in the run's `texts` table; a row of a table corpus
/// in the table, read again in order a batch at a time; any other in its file in the run's
/// corpus folder, decoded again as the run decoded it. Its SHA-256 must still be the one the
/// run recorded.
struct TextSource<'r> {
    run: &'r FinishedRun,
    kept: DocumentRows<'static, String>,
    /// A table corpus, with the rows read and not yet handed out.
    table: Option<(
        crate::read::table::TableReader,
        std::collections::VecDeque<crate::read::table::Row>,
    )>,
    listed: BTreeMap<String, PathBuf>,
    files: BTreeMap<&'r str, &'r super::FileInfo>,
    decoding: crate::read::Decoding,
}

impl<'r> TextSource<'r> {
    fn new(run: &'r FinishedRun) -> Result<Self> {
        let parameters = &run.manifest.parameters;
        let corpus = PathBuf::from(&parameters.corpus);
        let table = match &parameters.text_column {
            None => None,
            Some(text_column) => {
                let format = crate::read::table::TableFormat::of(&corpus).with_context(|| {
                    format!("the run's corpus {} is not a table", corpus.display())
                })?;
                let spec = crate::read::table::TableSpec {
                    path: corpus.clone(),
                    format,
                    text_column: Some(text_column.clone()),
                    id_column: parameters.id_column.clone(),
                };
                let reader = crate::read::table::TableReader::open(spec).with_context(|| {
                    format!(
                        "--from {}: cannot read the run's table corpus again for its texts",
                        run.dir.display()
                    )
                })?;
                Some((reader, Default::default()))
            }
        };
        let decoding = match &parameters.encoding {
            Some(label) => {
                crate::read::Decoding::from_label(label).context("the run's --encoding")?
            }
            None => crate::read::Decoding::Detect,
        };
        let listed = if table.is_some() {
            BTreeMap::new()
        } else {
            crate::read::list_files(&corpus)
                .with_context(|| {
                    format!(
                        "--from {}: cannot read the run's corpus {} again for its texts",
                        run.dir.display(),
                        corpus.display()
                    )
                })?
                .into_iter()
                .collect()
        };
        let kept = DocumentRows::open(run, "texts", |df: &DataFrame| {
            Ok(maybe_texts(df, "document")?
                .into_iter()
                .zip(maybe_texts(df, "text")?)
                .filter_map(|(d, t)| Some((d?, t?)))
                .collect())
        });
        Ok(TextSource {
            run,
            kept,
            table,
            listed,
            files: run
                .manifest
                .files
                .iter()
                .map(|f| (f.document.as_str(), f))
                .collect(),
            decoding,
        })
    }

    /// The text of `document`, the `at`-th of the run; read from its file only when `wanted`
    /// (the texts table is read in order either way).
    fn text(
        &mut self,
        document: &str,
        at: usize,
        order: &BTreeMap<&str, usize>,
        wanted: bool,
    ) -> Result<Option<String>> {
        if let Some(text) = self.kept.take(document, at, order)?.pop() {
            return Ok(Some(text));
        }
        let run = self.run;
        let (dir, corpus) = (run.dir.display(), &run.manifest.parameters.corpus);
        if let Some((reader, pending)) = &mut self.table {
            // Rows before this document's were skipped by the run: passed over.
            let row = loop {
                if pending.is_empty() {
                    match reader.next_batch(BATCH_TEXT_BYTES, TABLE_ROWS)? {
                        Some(rows) => pending.extend(rows),
                        None => bail!(
                            "--from {dir}: document {document} is no longer in the run's table corpus {corpus} (or not where it was)"
                        ),
                    }
                }
                match pending.pop_front() {
                    Some(row) if row.id == document => break row,
                    _ => continue,
                }
            };
            if !wanted {
                return Ok(None);
            }
            let text = crate::read::table::document(row)
                .map_err(|_| anyhow::anyhow!("--from {dir}: document {document} of the run's table corpus {corpus} is empty now"))?
                .text;
            self.check_unchanged(document, text.as_bytes(), corpus)?;
            return Ok(Some(text));
        }
        if !wanted {
            return Ok(None);
        }
        let path = self.listed.get(document).with_context(|| {
            format!("--from {dir}: {document} is no longer in the run's corpus {corpus}")
        })?;
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        self.check_unchanged(document, &bytes, &path.display().to_string())?;
        let loaded = crate::read::load(document, path, self.decoding).map_err(|record| {
            let why = match record.status {
                crate::read::FileStatus::Skipped { reason } => reason,
                _ => "it is empty now".to_string(),
            };
            anyhow::anyhow!("--from {dir}: cannot read {} again: {why}", path.display())
        })?;
        Ok(Some(loaded.text))
    }

    /// Refuses a document whose bytes are not those the run read.
    fn check_unchanged(&self, document: &str, bytes: &[u8], place: &str) -> Result<()> {
        if let Some(info) = self.files.get(document) {
            if info.sha256 != crate::read::sha256_hex(bytes) {
                bail!(
                    "--from {}: {document} in {place} changed since the run (its SHA-256 differs), so the run's positions no longer fit it: run `qualcode run` again",
                    self.run.dir.display()
                );
            }
        }
        Ok(())
    }
}

/// Bytes of text read from a table corpus at a time when finding its texts again.
const BATCH_TEXT_BYTES: u64 = 64 << 20;

/// The segments of one document of the run, in order, or `None` if the run has no such
/// document. Only that document's rows are kept.
pub fn document_segments(run: &FinishedRun, document: &str) -> Result<Option<Vec<SegmentRow>>> {
    let rows = segments(&scan(run, "segments", col("document").eq(lit(document)))?)?;
    let mine: Vec<SegmentRow> = rows.into_iter().map(|(_, s)| s).collect();
    Ok((!mine.is_empty()).then_some(mine))
}

/// The status of one document of the run's `documents` table (`coded`, `empty`, `skipped`)
/// with its reason, or `None` if the run has no such document: why a document has no
/// segments.
pub fn document_status(
    run: &FinishedRun,
    document: &str,
) -> Result<Option<(String, Option<String>)>> {
    let df = scan(run, "documents", col("document").eq(lit(document)))?;
    if df.height() == 0 {
        return Ok(None);
    }
    let text = |name: &str| -> Result<Option<String>> {
        df.column(name)
            .and_then(|c| c.str().map(|s| s.get(0).map(str::to_string)))
            .with_context(|| format!("documents.parquet: column {name:?} is not text"))
    };
    let status = text("status")?.context("documents.parquet: a document without a status")?;
    Ok(Some((status, text("reason")?)))
}

/// The rows of `table` for which `wanted` holds, filtered while the file is scanned.
fn scan(run: &FinishedRun, table: &str, wanted: Expr) -> Result<DataFrame> {
    let path = run.dir.join(format!("{table}.parquet"));
    LazyFrame::scan_parquet(
        PlRefPath::from(path.to_str().context("a run folder's path must be UTF-8")?),
        ScanArgsParquet::default(),
    )
    .and_then(|scan| scan.filter(wanted).collect())
    .map_err(anyhow::Error::from)
    .with_context(|| format!("cannot read {}", path.display()))
}

/// For `kwic`: the run's matches of `code` (of its rule `rule` only, when given) whose status
/// is one of `statuses`, each with the normalised text of its unit, in run order. Only those
/// rows are kept: memory follows the matches shown, not the run.
pub fn target_matches(
    run: &FinishedRun,
    codebook: &Codebook,
    code: usize,
    rule: Option<usize>,
    statuses: &[&str],
) -> Result<Vec<(String, MatchRow, Status, String)>> {
    let names = Names::new(codebook);
    let code_id = codebook.codes[code].id.as_str();
    let mut found = Vec::new();
    let mut read = |table: &str| -> Result<()> {
        let mut wanted = col("code").eq(lit(code_id));
        if let Some(r) = rule {
            wanted = wanted.and(col("rule").eq(lit(codebook.codes[code].rules[r].id.as_str())));
        }
        let df = scan(run, table, wanted)?;
        for (document, row, status) in matches(&df, &names, table)? {
            if statuses.contains(&status.key()) {
                found.push((document, row, status));
            }
        }
        Ok(())
    };
    if statuses.contains(&"counted") {
        read("matches")?;
    }
    if statuses.iter().any(|s| *s != "counted") {
        read("rejected_matches")?;
    }
    let wanted: BTreeSet<(String, usize)> = found
        .iter()
        .map(|(d, m, _)| (d.clone(), m.segment))
        .collect();
    let unit_texts = unit_texts(run, &wanted)?;
    let order: BTreeMap<&str, usize> = run
        .manifest
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.document.as_str(), i))
        .collect();
    found.sort_by_key(|(d, m, _)| (order.get(d.as_str()).copied(), m.segment, m.char_start));
    Ok(found
        .into_iter()
        .map(|(d, m, s)| {
            let text = unit_texts
                .get(&(d.clone(), m.segment))
                .cloned()
                .unwrap_or_default();
            (d, m, s, text)
        })
        .collect())
}

/// Rows a table corpus is read again at a time, at most, when finding its texts.
const TABLE_ROWS: usize = 1 << 16;

/// The texts of the `wanted` units (document, segment), reading `segments.parquet` a slice of
/// rows at a time and keeping only those.
fn unit_texts(
    run: &FinishedRun,
    wanted: &BTreeSet<(String, usize)>,
) -> Result<BTreeMap<(String, usize), String>> {
    let mut found = BTreeMap::new();
    if wanted.is_empty() {
        return Ok(found);
    }
    let mut slices = Slices::open(&run.dir, "segments", Some(&["document", "segment", "text"]));
    while let Some(df) = slices.next()? {
        let (documents, segments, text) = (
            maybe_texts(&df, "document")?,
            wholes(&df, "segment")?,
            maybe_texts(&df, "text")?,
        );
        for i in 0..df.height() {
            if let (Some(d), Some(s), Some(t)) = (&documents[i], segments[i], &text[i]) {
                let key = (d.clone(), s);
                if wanted.contains(&key) {
                    found.insert(key, t.clone());
                }
            }
        }
        if found.len() == wanted.len() {
            break;
        }
    }
    Ok(found)
}

/// The run's document variables (`document_variables`, written with `--metadata` or from a
/// table corpus), as the commands that code the corpus would read them; `None` without.
pub fn variables(run: &FinishedRun) -> Result<Option<crate::read::table::Variables>> {
    if !run.dir.join("document_variables.parquet").is_file() {
        return Ok(None);
    }
    let df = read_table(&run.dir, "document_variables")?;
    let documents: Vec<String> = maybe_texts(&df, "document")?
        .into_iter()
        .flatten()
        .collect();
    let mut variables = crate::read::table::Variables {
        names: Vec::new(),
        declared: Vec::new(),
        documents,
        columns: Vec::new(),
    };
    for column in df.columns() {
        if column.name().as_str() == "document" {
            continue;
        }
        variables.names.push(column.name().to_string());
        variables
            .declared
            .push(Some(crate::read::table::Kind::of_dtype(column.dtype())));
        let cast = column.cast(&DataType::String)?;
        variables
            .columns
            .push(cast.str()?.iter().map(|v| v.map(str::to_string)).collect());
    }
    Ok(Some(variables))
}

/// The units (index of the document in [`document_list`], segment) the run coded with
/// `code` (by its rules or through a child code).
pub fn units_with_code(
    run: &FinishedRun,
    listed: &[(String, Layout)],
    code: &str,
) -> Result<BTreeSet<(usize, usize)>> {
    let index = places(listed);
    let df = scan(run, "codings", col("code").eq(lit(code)))?;
    let (document, segment) = (maybe_texts(&df, "document")?, wholes(&df, "segment")?);
    let t = "codings";
    document
        .iter()
        .zip(segment)
        .map(|(d, s)| {
            let id = some(d.as_deref(), t, "document")?;
            let d = index.get(id).with_context(|| {
                format!("codings.parquet names document {id:?}, which the run's documents table has not")
            })?;
            Ok((*d, some(s, t, "segment")?))
        })
        .collect()
}

/// A coded unit of a run, as the workbench lists it.
#[derive(Debug, Clone)]
pub struct UnitRow {
    /// Index of its document in [`document_list`].
    pub document: usize,
    pub segment: usize,
    pub line: usize,
    pub char_start: usize,
    pub char_end: usize,
    pub text: String,
}

/// Calls `each` with the run's coded units, in run order, a slice of `segments.parquet`'s rows
/// at a time: memory follows the slice, not the run. `listed` is the run's [`document_list`].
pub fn for_each_unit_slice(
    run: &FinishedRun,
    listed: &[(String, Layout)],
    mut each: impl FnMut(Vec<UnitRow>) -> Result<()>,
) -> Result<()> {
    let index = places(listed);
    let columns = [
        "document",
        "segment",
        "coded",
        "line_start",
        "char_start",
        "char_end",
        "text",
    ];
    let t = "segments";
    let mut slices = Slices::open(&run.dir, t, Some(&columns));
    while let Some(df) = slices.next()? {
        let (document, coded, text) = (
            maybe_texts(&df, "document")?,
            flags(&df, "coded")?,
            maybe_texts(&df, "text")?,
        );
        let (segment, line, char_start, char_end) = (
            wholes(&df, "segment")?,
            wholes(&df, "line_start")?,
            wholes(&df, "char_start")?,
            wholes(&df, "char_end")?,
        );
        drop(df);
        let mut units = Vec::new();
        for (i, text) in text.into_iter().enumerate() {
            if coded[i] != Some(true) {
                continue;
            }
            let id = some(document[i].as_deref(), t, "document")?;
            units.push(UnitRow {
                document: *index.get(id).with_context(|| {
                    format!("segments.parquet names document {id:?}, which the run's documents table has not")
                })?,
                segment: some(segment[i], t, "segment")?,
                line: some(line[i], t, "line_start")?,
                char_start: some(char_start[i], t, "char_start")?,
                char_end: some(char_end[i], t, "char_end")?,
                text: some(text, t, "text")?,
            });
        }
        each(units)?;
    }
    Ok(())
}

/// Calls `each` with the text of every coded unit of the run, in run order (see
/// [`for_each_unit_slice`]).
pub fn for_each_coded_unit(run: &FinishedRun, mut each: impl FnMut(&str)) -> Result<()> {
    for_each_unit_slice(run, &document_list(run)?, |units| {
        units.iter().for_each(|u| each(&u.text));
        Ok(())
    })
}
