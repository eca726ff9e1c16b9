//! Output: tables and run facts in, Parquet files and `manifest.json` out.
//!
//! Tables and the new manifest are written in a hidden folder inside the output folder and
//! flushed to disk; only then is the previous manifest removed, the tables renamed into place
//! and the manifest renamed in last. A run that crashes, is interrupted or runs out of disk
//! therefore never leaves a manifest beside tables it did not finish, and a failure while
//! writing leaves the previous run whole: the manifest is the mark of a complete run. A run holds
//! the output folder's lock file (`.qualcode-lock`) while it writes (and `agree`, which writes
//! into a run's folder, holds it too), so two runs never write into one folder, and only a dead
//! run's staging folders are removed. A single file written by another command
//! ([`write_atomic`]) goes under a temporary name beside it, removed again if the write fails.

use anyhow::{Context, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

pub mod from_run;
pub mod run_tables;

pub const MANIFEST: &str = "manifest.json";

/// The version of the tables' layout, in the manifest as `schema_version`. It goes up when a
/// table or column a reader may rely on is removed or renamed, or changes type or meaning;
/// adding a table or a column does not change it (docs/output.md, "Stability").
/// 1: integer columns signed (Int32 counts and indexes, Int64 offsets and sizes).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    /// [`SCHEMA_VERSION`] of the run's tables; 0 in manifests written before it was recorded.
    #[serde(default)]
    pub schema_version: u32,
    pub run: RunInfo,
    pub parameters: Parameters,
    /// Set when the run coded one share of the corpus (`--shard K/N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Set for a shard run (and kept by `merge`): the whole corpus the shard was cut from,
    /// so that `merge` can refuse shards cut from different corpora.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus_listing: Option<CorpusListing>,
    /// Set when the tables were merged from shard runs: their output folders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// What the walk of the corpus folder left out or changed, in words: links to folders
    /// already read, qualcode output folders, how ids were made of names that are not UTF-8.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corpus_notes: Vec<String>,
    pub codebook: CodebookInfo,
    pub counts: Counts,
    /// Every file of a corpus of up to [`MANIFEST_FILES`]; of a larger one, only the files
    /// skipped, empty or without units, up to that many ([`listed_files`]).
    pub files: Vec<FileInfo>,
    /// The files not in `files` (the `documents` table has every file).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files_not_listed: usize,
    pub tables: Vec<TableInfo>,
    /// Set when the documents have variables: a table corpus's other columns, or `--metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<VariablesInfo>,
}

/// Where the document variables come from, what they are, and what did not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariablesInfo {
    /// `table` (the other columns of a table corpus) or `metadata` (`--metadata FILE`).
    pub from: String,
    /// The table corpus or metadata file, and the SHA-256 of its bytes.
    pub path: String,
    pub sha256: String,
    /// Rows in the file (all of them, also in a shard run).
    pub rows: usize,
    pub variables: Vec<VariableInfo>,
    /// Metadata rows whose `document` names no document of the corpus (of this shard's).
    pub unmatched_rows: Vec<String>,
    /// Documents of the corpus without a metadata row: their variables are null.
    pub documents_without: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableInfo {
    pub name: String,
    /// `string`, `integer`, `float`, `boolean` or `date`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A corpus, told apart from another without reading it: its documents (files of a folder,
/// rows of a table) and the SHA-256 of their ids and sizes in corpus order (each id, a NUL,
/// the size in bytes as decimal digits, a newline). The same folder copied to another machine
/// has the same listing; a file added, removed, renamed or changed in size changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusListing {
    pub documents: usize,
    pub sha256: String,
}

/// Shard `k` of `n` (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RunInfo {
    /// UTC, RFC 3339.
    pub started: String,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Parameters {
    pub corpus: String,
    pub codebook: String,
    pub out: String,
    pub unit: String,
    /// The encoding forced with `--encoding`; `None` when each file's was detected.
    #[serde(default)]
    pub encoding: Option<String>,
    pub threads: usize,
    /// A table corpus's text and id columns (`--text-column`, `--id-column`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_column: Option<String>,
    /// `--metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// `--by`, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<String>,
    /// `--skip-speaker`, as given (the codebook's `[units] skip_speakers` are in the codebook).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_speakers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodebookInfo {
    pub path: String,
    pub sha256: String,
    pub name: String,
    pub version: String,
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub coded: usize,
    pub empty: usize,
    pub skipped: usize,
    pub segments: usize,
    /// Segments that are coding units (paragraphs, or sentences with `--unit sentence`).
    pub units: usize,
    /// Units that received at least one code.
    pub units_with_codes: usize,
    pub codings: usize,
    pub matches: usize,
    /// Matches removed by exclusion rules.
    pub vetoed: usize,
    /// Matches found that did not count, by status: the rows of `rejected_matches`.
    #[serde(default)]
    pub rejected: RejectedCounts,
    /// Documents read in which no segment is a unit to code (each is warned about).
    #[serde(default)]
    pub without_units: usize,
    /// Documents read as transcripts (speaker turns found), and their turns.
    #[serde(default)]
    pub transcripts: usize,
    #[serde(default)]
    pub turns: usize,
    /// Paragraphs (or sentences) of skipped speakers (`skip_speakers`): in `segments`, not
    /// coded, and not among `units`.
    #[serde(default)]
    pub skipped_speaker_units: usize,
}

impl Counts {
    /// Adds the counts of another part of the corpus (a batch, a shard).
    pub fn add(&mut self, other: &Counts) {
        self.files += other.files;
        self.coded += other.coded;
        self.empty += other.empty;
        self.skipped += other.skipped;
        self.segments += other.segments;
        self.units += other.units;
        self.units_with_codes += other.units_with_codes;
        self.codings += other.codings;
        self.matches += other.matches;
        self.vetoed += other.vetoed;
        self.rejected.add(&other.rejected);
        self.without_units += other.without_units;
        self.transcripts += other.transcripts;
        self.turns += other.turns;
        self.skipped_speaker_units += other.skipped_speaker_units;
    }
}

/// Rows of `rejected_matches` by status, named as in its `status` column.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct RejectedCounts {
    pub vetoed: usize,
    pub no_near_term: usize,
    pub near_not_near_term: usize,
    pub negated: usize,
    pub overlapped: usize,
}

impl RejectedCounts {
    pub fn add(&mut self, other: &RejectedCounts) {
        self.vetoed += other.vetoed;
        self.no_near_term += other.no_near_term;
        self.near_not_near_term += other.near_not_near_term;
        self.negated += other.negated;
        self.overlapped += other.overlapped;
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The most files a manifest lists: 10,000 entries are about 2.7 MB of JSON (a million made a
/// 271 MB manifest).
pub const MANIFEST_FILES: usize = 10_000;

/// What a manifest lists of a corpus's files, in corpus order, and how many it leaves out:
/// every file of a corpus of up to [`MANIFEST_FILES`]; of a larger one the files that were
/// not simply coded (skipped, empty, or without units to code), up to that many.
pub fn listed_files(files: Vec<FileInfo>) -> (Vec<FileInfo>, usize) {
    let total = files.len();
    if total <= MANIFEST_FILES {
        return (files, 0);
    }
    let listed: Vec<FileInfo> = files
        .into_iter()
        .filter(|f| f.status != "coded" || f.warning.is_some())
        .take(MANIFEST_FILES)
        .collect();
    let left_out = total - listed.len();
    (listed, left_out)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileInfo {
    pub document: String,
    pub bytes: u64,
    pub sha256: String,
    /// `coded`, `empty` or `skipped`.
    pub status: String,
    pub reason: Option<String>,
    /// The encoding the file was read in (`UTF-8`, `GBK`, `UTF-16LE`, …); null if skipped.
    #[serde(default)]
    pub encoding: Option<String>,
    /// How that was decided: `bom`, `valid` (valid UTF-8), `detected` or `forced`.
    #[serde(default)]
    pub encoding_from: Option<String>,
    /// Why a coded file has no units to code, if it has none.
    #[serde(default)]
    pub warning: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TableInfo {
    pub name: String,
    pub file: String,
    pub rows: usize,
    pub columns: Vec<String>,
}

/// Describes tables held in memory for the manifest.
pub fn table_infos(tables: &[(&'static str, DataFrame)]) -> Vec<TableInfo> {
    tables
        .iter()
        .map(|(name, df)| TableInfo {
            name: name.to_string(),
            file: format!("{name}.parquet"),
            rows: df.height(),
            columns: df
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect(),
        })
        .collect()
}

/// Writes all tables and then the manifest into `out`, replacing a previous run's files.
pub fn write(
    out: &Path,
    tables: &mut [(&'static str, DataFrame)],
    manifest: &Manifest,
) -> Result<()> {
    let mut staged = StagedTables::create(out)?;
    for (name, df) in tables.iter() {
        staged.append(name, df)?;
    }
    staged.finish(manifest)
}

const STAGING_PREFIX: &str = ".qualcode-partial-";

/// A run's tables being written: each table is a Parquet file in a hidden staging folder,
/// appended to batch by batch (one row group or more per batch, so memory holds one batch,
/// not the corpus), and moved into place by [`StagedTables::finish`] only when every table
/// is complete. Dropped unfinished, it removes its staging folder.
pub struct StagedTables {
    out: PathBuf,
    staging: PathBuf,
    tables: Vec<StagedTable>,
    /// Held until the run's files are in place (or it failed): released on drop.
    _lock: OutputLock,
}

/// The lock file of an output folder: a run writing into the folder holds it.
pub const LOCK_FILE: &str = ".qualcode-lock";

/// An output folder locked by this run: its lock file, removed on drop.
pub struct OutputLock {
    path: PathBuf,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// What a lock file says of the run that holds it: `pid@host`.
pub fn lock_record(pid: u32) -> String {
    format!("{pid}@{}", host_name())
}

fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// How long a lock file may stay without its holder's name before it is taken for the
/// leftover of a run that could not write it: its holder writes the name right after creating
/// the file.
const UNNAMED_LOCK_SECONDS: u64 = 10;

/// Locks `out` for this run (or another command that writes into a run's folder, `agree`):
/// creates its lock file, which must not exist. A lock left by a run on this machine whose
/// process is gone (killed) is taken over, and so is one left without its holder's name for
/// longer than a holder takes to write it; any other refuses with the holder's process and
/// machine, so two commands never write into one folder. A lock file that cannot be written
/// (a full disk) is removed again before the error is reported.
pub fn lock_output(out: &Path) -> Result<OutputLock> {
    use std::io::Write as _;
    let path = out.join(LOCK_FILE);
    let mine = lock_record(std::process::id());
    for _ in 0..2 {
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                if let Err(err) = file.write_all(mine.as_bytes()).and_then(|()| file.flush()) {
                    drop(file);
                    let _ = fs::remove_file(&path);
                    return Err(err).with_context(|| {
                        format!(
                            "cannot write the lock file {} (is the disk full?)",
                            path.display()
                        )
                    });
                }
                return Ok(OutputLock { path });
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                if parse_holder(holder.trim()).is_none() {
                    let age = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .map_or(0, |d| d.as_secs());
                    if age < UNNAMED_LOCK_SECONDS {
                        anyhow::bail!(
                            "output folder {} is being locked by another qualcode command ({} names no process yet); try again in a moment",
                            out.display(),
                            path.display()
                        );
                    }
                    errln!(
                        "note: {} was left without a process's name {age} s ago (by a command that could not write it, as on a full disk): taken over",
                        path.display()
                    );
                    let _ = fs::remove_file(&path);
                    continue;
                }
                if !holder_is_gone(holder.trim()) {
                    anyhow::bail!(
                        "output folder {} is being written by another qualcode run (process {}); wait for it to end, or delete {} if no run is going on",
                        out.display(),
                        holder.trim(),
                        path.display()
                    );
                }
                errln!(
                    "note: {} was left by a run that has ended (process {}): taken over",
                    path.display(),
                    holder.trim()
                );
                let _ = fs::remove_file(&path);
            }
            Err(err) => {
                return Err(err).with_context(|| format!("cannot create {}", path.display()))
            }
        }
    }
    anyhow::bail!("cannot lock output folder {}", out.display())
}

/// Whether the run that wrote `holder` (`pid@host`) has ended: only a process of this
/// machine can be looked up; a lock from another machine (a shared file system) is live.
fn holder_is_gone(holder: &str) -> bool {
    let Some((pid, host)) = parse_holder(holder) else {
        return false;
    };
    host == host_name() && pid > 0 && !process_exists(pid)
}

/// The process and machine of a lock file's `pid@host`.
fn parse_holder(holder: &str) -> Option<(i32, &str)> {
    let (pid, host) = holder.split_once('@')?;
    Some((pid.parse().ok()?, host))
}

#[cfg(unix)]
fn process_exists(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_exists(_pid: i32) -> bool {
    true
}

struct StagedTable {
    name: &'static str,
    tmp: PathBuf,
    /// Buffered: the writer emits many small pieces per row group (a write call each);
    /// finishing a table flushes it, so a failed write is still reported.
    writer: TableWriter,
    rows: usize,
    columns: Vec<String>,
}

/// Tables whose `text` column holds whole units (or documents): written with that column in
/// plain encoding.
const WHOLE_TEXT_TABLES: [&str; 2] = ["segments", "texts"];

/// Row groups of up to this many rows are always tried as dictionaries by polars' writer.
const FEW_ROWS: usize = 128;

/// How a table's row groups are written: by polars' batched writer (its columns encoded in
/// parallel, each string column tried as a dictionary), or, for the tables of
/// [`WHOLE_TEXT_TABLES`], by polars' Parquet writer underneath, with the `text` column of a
/// row group of few rows in plain encoding. polars tries a dictionary for every string column
/// of a row group of up to [`FEW_ROWS`] rows (of more, only when its values repeat), and the
/// batch that holds a unit of tens of MB has few rows: the attempt copied the unit twice more
/// (the dictionary's values and its page) before it was written plain anyway.
enum TableWriter {
    Polars(polars::io::parquet::write::BatchedWriter<std::io::BufWriter<fs::File>>),
    PlainText {
        writer: polars_parquet::write::FileWriter<std::io::BufWriter<fs::File>>,
        schema: ArrowSchema,
        encodings: Vec<Vec<polars_parquet::write::Encoding>>,
        /// The Arrow schema hint every table carries ([`parquet_writer`]).
        hint: polars_parquet::write::KeyValue,
    },
}

impl TableWriter {
    fn new(name: &str, file: fs::File, df: &DataFrame) -> PolarsResult<Self> {
        let sink = std::io::BufWriter::with_capacity(1 << 20, file);
        let schema = df.schema();
        if !WHOLE_TEXT_TABLES.contains(&name) {
            return Ok(TableWriter::Polars(
                parquet_writer(sink, df).batched(schema)?,
            ));
        }
        use polars_parquet::write::{FileWriter, StatisticsOptions, Version, WriteOptions};
        let arrow = schema.to_arrow(CompatLevel::newest());
        // The encodings and options polars' writer would use (`text` changed in `write`).
        let encodings = polars::io::parquet::write::get_encodings(&arrow)
            .iter()
            .map(|e| e.to_vec())
            .collect();
        let options = WriteOptions {
            statistics: StatisticsOptions::default(),
            compression: ParquetCompression::default().into(),
            version: Version::V1,
            data_page_size: None,
        };
        Ok(TableWriter::PlainText {
            writer: FileWriter::try_new(sink, arrow.clone(), options)?,
            schema: arrow,
            encodings,
            hint: polars_parquet::write::schema_to_metadata_key(
                &schema.to_arrow(CompatLevel::oldest()),
            ),
        })
    }

    /// Writes a frame (its columns in one chunk each) as one row group.
    fn write(&mut self, df: &DataFrame) -> PolarsResult<()> {
        match self {
            TableWriter::Polars(writer) => writer.write_batch(df),
            TableWriter::PlainText {
                writer,
                schema,
                encodings,
                ..
            } => {
                let fields = polars_parquet::write::to_parquet_schema(schema)?
                    .fields()
                    .to_vec();
                // Of many rows, polars decides as ever (a dictionary where texts repeat).
                let mut encodings = encodings.clone();
                if df.height() <= FEW_ROWS {
                    for (encoding, column) in encodings.iter_mut().zip(schema.iter_names()) {
                        if column.as_str() == "text" {
                            encoding.fill(polars_parquet::write::Encoding::Plain);
                        }
                    }
                }
                for batch in df.iter_chunks(CompatLevel::newest(), false) {
                    let rows = batch.len() as u64;
                    if rows == 0 {
                        continue;
                    }
                    let group = polars_parquet::write::row_group_iter(
                        batch,
                        encodings.clone().into(),
                        fields.clone(),
                        writer.options(),
                    );
                    writer.write(rows, group)?;
                }
                Ok(())
            }
        }
    }

    fn finish(&mut self) -> PolarsResult<()> {
        match self {
            TableWriter::Polars(writer) => writer.finish().map(|_| ()),
            TableWriter::PlainText { writer, hint, .. } => {
                writer.end(Some(vec![hint.clone()])).map(|_| ())
            }
        }
    }
}

impl StagedTables {
    pub fn create(out: &Path) -> Result<Self> {
        fs::create_dir_all(out)
            .with_context(|| format!("cannot create output folder {}", out.display()))?;
        // With the folder locked, any staging folder in it is a dead run's.
        let lock = lock_output(out)?;
        remove_stale_staging(out);
        let staging = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        fs::create_dir_all(&staging)
            .with_context(|| format!("cannot write to output folder {}", out.display()))?;
        Ok(StagedTables {
            out: out.to_path_buf(),
            staging,
            tables: Vec::new(),
            _lock: lock,
        })
    }

    /// Appends rows to a table, creating it (with this frame's schema) on first use.
    pub fn append(&mut self, name: &'static str, df: &DataFrame) -> Result<()> {
        let index = match self.tables.iter().position(|t| t.name == name) {
            Some(i) => i,
            None => {
                let tmp = self.staging.join(format!("{name}.parquet"));
                let file = fs::File::create(&tmp)
                    .with_context(|| format!("cannot create {}", tmp.display()))?;
                let writer = TableWriter::new(name, file, df)
                    .map_err(anyhow::Error::from)
                    .with_context(|| format!("cannot start table {name}"))?;
                self.tables.push(StagedTable {
                    name,
                    tmp,
                    writer,
                    rows: 0,
                    columns: df
                        .get_column_names()
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                });
                self.tables.len() - 1
            }
        };
        let table = &mut self.tables[index];
        let mut df = df.clone();
        // The batched writer needs each column in one chunk.
        df.rechunk_mut();
        table
            .writer
            .write(&df)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot write table {name}"))?;
        table.rows += df.height();
        Ok(())
    }

    /// What the manifest says of the tables written so far.
    pub fn infos(&self) -> Vec<TableInfo> {
        self.tables
            .iter()
            .map(|t| TableInfo {
                name: t.name.to_string(),
                file: format!("{}.parquet", t.name),
                rows: t.rows,
                columns: t.columns.clone(),
            })
            .collect()
    }

    /// Completes every table, moves them into place and writes the manifest last.
    ///
    /// Everything that takes space is written in the staging folder first, the new manifest
    /// included, and flushed to disk: a disk that fills up (or any write that fails) before
    /// that leaves the previous run untouched. What follows needs no space: the previous
    /// manifest is removed (from then on the folder holds no complete run), the tables are
    /// renamed into place, the previous run's tables that this run does not write are removed,
    /// and the new manifest is renamed in last.
    pub fn finish(mut self, manifest: &Manifest) -> Result<()> {
        for table in &mut self.tables {
            table
                .writer
                .finish()
                .map_err(anyhow::Error::from)
                .with_context(|| format!("cannot complete table {}", table.name))?;
            sync_file(&table.tmp)?;
        }
        let json =
            serde_json::to_string_pretty(manifest).context("cannot serialise the manifest")?;
        let staged_manifest = self.staging.join(MANIFEST);
        write_synced(&staged_manifest, (json + "\n").as_bytes())?;

        let manifest_path = self.out.join(MANIFEST);
        let previous_tables = previous_table_files(&self.out);
        if manifest_path.exists() {
            fs::remove_file(&manifest_path)
                .with_context(|| format!("cannot replace {}", manifest_path.display()))?;
        }
        for table in &self.tables {
            let target = self.out.join(format!("{}.parquet", table.name));
            fs::rename(&table.tmp, &target)
                .with_context(|| format!("cannot move table into {}", target.display()))?;
        }
        // A table of the previous run that this run does not write (say `code_by_variable`
        // of a run with `--by`) would otherwise sit beside the new tables as if it were theirs.
        for file in previous_tables {
            if !self
                .tables
                .iter()
                .any(|t| file == format!("{}.parquet", t.name))
            {
                let stale = self.out.join(&file);
                if let Err(err) = fs::remove_file(&stale) {
                    if err.kind() != std::io::ErrorKind::NotFound {
                        return Err(err).with_context(|| {
                            format!("cannot remove the previous run's {}", stale.display())
                        });
                    }
                }
            }
        }
        fs::rename(&staged_manifest, &manifest_path)
            .with_context(|| format!("cannot move manifest into {}", manifest_path.display()))?;
        sync_folder(&self.out);
        Ok(())
    }
}

/// The table files the manifest in `out` lists, if it has a readable one: only plain names
/// of Parquet files in the folder itself are taken, whatever the manifest says.
fn previous_table_files(out: &Path) -> Vec<String> {
    let Ok(previous) = read_manifest(out) else {
        return Vec::new();
    };
    previous
        .tables
        .into_iter()
        .map(|t| t.file)
        .filter(|file| {
            file.ends_with(".parquet")
                && !file.starts_with('.')
                && !file.contains(['/', '\\'])
                && file.as_str() != MANIFEST
        })
        .collect()
}

/// Flushes a written file to the disk, so a crash after the renames cannot leave a
/// manifest that names tables whose bytes were never written.
fn sync_file(path: &Path) -> Result<()> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {} to disk", path.display()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut file =
        fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Flushes a folder's entries (the renames), where the system allows it; a failure here
/// loses nothing that is not already in place, so it is not an error.
fn sync_folder(dir: &Path) {
    if let Ok(folder) = fs::File::open(dir) {
        let _ = folder.sync_all();
    }
}

impl Drop for StagedTables {
    fn drop(&mut self) {
        if self.staging.exists() {
            if let Err(err) = fs::remove_dir_all(&self.staging) {
                errln!("warning: cannot remove {}: {err}", self.staging.display());
            }
        }
    }
}

/// Removes what an interrupted run left behind; such files never carry a final name.
fn remove_stale_staging(out: &Path) {
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
        {
            if let Err(err) = fs::remove_dir_all(entry.path()) {
                errln!("warning: cannot remove {}: {err}", entry.path().display());
            }
        }
    }
}

fn write_parquet(writer: impl std::io::Write, df: &mut DataFrame) -> Result<()> {
    parquet_writer(writer, df).finish(df)?;
    Ok(())
}

/// A Parquet writer for `df` whose files every common reader opens. A Parquet file carries the
/// Arrow schema it was written from (`ARROW:schema`) as a hint for Arrow readers; polars writes
/// its strings' in-memory type there, Arrow's string view, which pyarrow before 15 (and the
/// readers built on it) refuse with `Unrecognized type: 24`. The hint written here is the
/// schema in Arrow's oldest layout (strings as `large_string`); the column data is the same.
fn parquet_writer<W: std::io::Write>(writer: W, df: &DataFrame) -> ParquetWriter<W> {
    let arrow = df.schema().to_arrow(CompatLevel::oldest());
    let hint = polars_parquet::write::schema_to_metadata_key(&arrow);
    let metadata = KeyValueMetadata::from_static(vec![(hint.key, hint.value.unwrap_or_default())]);
    ParquetWriter::new(writer).with_key_value_metadata(Some(metadata))
}

/// Writes one table as `<dir>/<name>.parquet`, atomically, leaving the run's other files and
/// manifest alone.
pub fn write_table(dir: &Path, name: &str, df: &mut DataFrame) -> Result<PathBuf> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let path = dir.join(format!("{name}.parquet"));
    write_parquet_file(&path, df)?;
    Ok(path)
}

/// Writes one table to a Parquet file, atomically.
pub fn write_parquet_file(path: &Path, df: &mut DataFrame) -> Result<()> {
    let mut bytes = Vec::new();
    write_parquet(&mut bytes, df).with_context(|| format!("cannot encode {}", path.display()))?;
    write_atomic(path, &bytes)
}

/// What a workbench listing given to `--out` is written as, told by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingFormat {
    Csv,
    Parquet,
}

impl ListingFormat {
    /// Checked before any work is done, so that a wrong name costs nothing.
    pub fn of(path: &Path) -> Result<Self> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv") => Ok(ListingFormat::Csv),
            Some("parquet") => Ok(ListingFormat::Parquet),
            _ => anyhow::bail!("--out must end in .csv or .parquet: {}", path.display()),
        }
    }
}

/// A column of a listing.
#[derive(Debug, Clone)]
pub enum Cells {
    Text(Vec<String>),
    /// Empty (null) where there is no value.
    OptionalText(Vec<Option<String>>),
    /// Whole numbers, signed (Int64) as every integer column qualcode writes.
    Whole(Vec<i64>),
    /// Empty (null) where a statistic is undefined.
    Real(Vec<Option<f64>>),
}

/// The rows of a workbench command (`kwic` lines, `suggest` candidates, `similar` units) as
/// named columns, written to CSV or Parquet alike.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub columns: Vec<(&'static str, Cells)>,
}

impl Listing {
    pub fn text(mut self, name: &'static str, values: impl IntoIterator<Item = String>) -> Self {
        self.columns
            .push((name, Cells::Text(values.into_iter().collect())));
        self
    }

    pub fn optional_text(
        mut self,
        name: &'static str,
        values: impl IntoIterator<Item = Option<String>>,
    ) -> Self {
        self.columns
            .push((name, Cells::OptionalText(values.into_iter().collect())));
        self
    }

    pub fn whole(mut self, name: &'static str, values: impl IntoIterator<Item = usize>) -> Self {
        let values = values.into_iter().map(|v| v as i64).collect();
        self.columns.push((name, Cells::Whole(values)));
        self
    }

    pub fn real(
        mut self,
        name: &'static str,
        values: impl IntoIterator<Item = Option<f64>>,
    ) -> Self {
        self.columns
            .push((name, Cells::Real(values.into_iter().collect())));
        self
    }

    /// The listing as a table, for Parquet.
    fn frame(&self) -> PolarsResult<DataFrame> {
        let columns: Vec<Column> = self
            .columns
            .iter()
            .map(|(name, cells)| match cells {
                Cells::Text(v) => Column::new((*name).into(), v.clone()),
                Cells::OptionalText(v) => Column::new((*name).into(), v.clone()),
                Cells::Whole(v) => Column::new((*name).into(), v.clone()),
                Cells::Real(v) => Column::new((*name).into(), v.clone()),
            })
            .collect();
        let height = columns.first().map_or(0, |c| c.len());
        DataFrame::new(height, columns)
    }

    /// The listing as CSV for spreadsheets: text cells through [`escape::csv_cell`] (a cell
    /// that would start a formula gets a `'` in front) and quoted; numbers as they are.
    ///
    /// [`escape::csv_cell`]: crate::escape::csv_cell
    fn csv(&self) -> Result<Vec<u8>> {
        use crate::escape::csv_cell;
        let mut writer = crate::escape::csv_writer(Vec::new());
        writer.write_record(self.columns.iter().map(|(name, _)| *name))?;
        let rows = self.columns.first().map_or(0, |(_, c)| match c {
            Cells::Text(v) => v.len(),
            Cells::OptionalText(v) => v.len(),
            Cells::Whole(v) => v.len(),
            Cells::Real(v) => v.len(),
        });
        for i in 0..rows {
            writer.write_record(self.columns.iter().map(|(_, cells)| {
                match cells {
                    Cells::Text(v) => csv_cell(&v[i]).into_owned(),
                    Cells::OptionalText(v) => v[i]
                        .as_deref()
                        .map_or_else(String::new, |t| csv_cell(t).into_owned()),
                    Cells::Whole(v) => v[i].to_string(),
                    Cells::Real(v) => v[i].map_or_else(String::new, |x| x.to_string()),
                }
            }))?;
        }
        writer.into_inner().context("cannot write CSV")
    }

    /// Writes the listing to `path`, atomically.
    pub fn write(&self, path: &Path, format: ListingFormat) -> Result<()> {
        match format {
            ListingFormat::Csv => write_atomic(path, &self.csv()?),
            ListingFormat::Parquet => {
                let mut df =
                    anyhow::Context::context(self.frame(), "cannot build the listing table")?;
                write_parquet_file(path, &mut df)
            }
        }
    }
}

/// Reads the manifest of a finished run; a folder without one holds no complete run.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "{} has no readable {MANIFEST}: it does not hold a finished run",
            dir.display()
        )
    })?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a qualcode manifest", path.display()))
}

/// Reads `<dir>/<name>.parquet`.
pub fn read_table(dir: &Path, name: &str) -> Result<DataFrame> {
    let path = dir.join(format!("{name}.parquet"));
    let file = fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot read {}", path.display()))
}

/// Writes a file under a temporary name beside it and renames it into place, so a reader
/// never sees a half-written file under the final name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |file| Ok(std::io::Write::write_all(file, bytes)?))
}

/// [`write_atomic`], the file written by `write` (which may seek in it).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = path.with_file_name(format!(
        "{STAGING_PREFIX}{}-{}",
        std::process::id(),
        name.to_string_lossy()
    ));
    // A write that fails (a full disk) or a rename that does removes what it left.
    let written = fs::File::create(&tmp)
        .map_err(anyhow::Error::from)
        .and_then(|mut file| write(&mut file))
        .with_context(|| format!("cannot write {}", path.display()))
        .and_then(|()| {
            fs::rename(&tmp, path)
                .with_context(|| format!("cannot move {} into place", path.display()))
        });
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Formats a Unix time as RFC 3339 UTC, without pulling in a date crate.
pub fn rfc3339(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_365_296), "2026-11-22T16:34:56Z");
    }
}
