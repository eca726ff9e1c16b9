//! Command line: arguments in, a validated [`RunSettings`], the command run, an exit code out.
//!
//! Progress goes to stderr (a bar only when stderr is a terminal); nothing is printed on
//! stdout by `run`, so the command can sit in scripts and pipelines; the inspection commands
//! (`check`, `kwic`, `explain`, `agree`) print their findings on stdout.

use crate::exchange::{import, refi};
use crate::output;
use crate::pipeline::{execute, load_codebook_for, unit_name, unix_now, Batch, RunSettings};
use crate::read::table::{TableFormat, TableSpec};
use crate::segment::UnitLevel;
use crate::tables::variables::By;

mod diff;
mod report;
mod validation;
mod workbench;
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

/// Exit codes: the contract with scripts and schedulers.
pub mod exit {
    /// Finished, every file coded (empty files included).
    pub const OK: u8 = 0;
    /// Finished, but some files were skipped (see the warnings and the manifest).
    pub const SKIPPED_FILES: u8 = 1;
    /// Nothing written: bad codebook, unreadable corpus folder, unwritable output, bad arguments.
    pub const FATAL: u8 = 2;

    /// The code of a command that finished, having skipped `skipped` files.
    pub fn finished(skipped: usize) -> u8 {
        if skipped > 0 {
            SKIPPED_FILES
        } else {
            OK
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "qualcode",
    version,
    about = "Rule-based qualitative coding of a folder of documents, with tables for notebooks",
    long_about = "qualcode splits every document of a corpus folder into paragraphs (or sentences), \
applies the rules of a TOML codebook to each of them, and writes the coded units, every rule \
match, and code frequency, code-by-document and co-occurrence tables as Parquet files that \
Python (polars, pandas), R (arrow) and DuckDB read directly.\n\n\
Exit codes: 0 all files coded; 1 finished but some files were skipped (listed on stderr and in \
manifest.json); 2 nothing written (bad codebook, missing corpus folder, unwritable output)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Code every document of the corpus folder and write the tables.
    Run(RunArgs),
    /// Export to REFI-QDA (NVivo, ATLAS.ti, MAXQDA, QualCoder) or Taguette.
    Export(ExportArgs),
    /// Measure the codebook against hand coding: per code, confusion matrix, precision,
    /// recall, F1, Cohen's kappa, Krippendorff's alpha and Brennan-Prediger, per unit.
    Agree(AgreeArgs),
    /// Validate the codebook and lint it against the corpus: rules that never match, never
    /// count or match too much, exclusions that never veto, terms in two codes.
    Check(CheckArgs),
    /// Keyword in context: every counted match of a code or rule with the words around it.
    Kwic(KwicArgs),
    /// Why a unit got its codes: every rule that matched there, what counted, each decision.
    Explain(ExplainArgs),
    /// Candidate rules and exclusions for a code, learned from hand coding, each with the
    /// kappa it would give (tried for real, as `agree` would measure it).
    Suggest(SuggestArgs),
    /// Query by example: the units most like those carrying a code that the code's rules did
    /// not code, with the words that make them alike.
    Similar(SimilarArgs),
    /// Draw a probability sample of a run's units for hand coding: a sheet (CSV) with an
    /// empty column per code, and its design beside it.
    Sample(validation::SampleArgs),
    /// From a hand-coded sample: each code's share of units a coder would code in the whole
    /// corpus with its interval, and the rules' precision and recall.
    Estimate(validation::EstimateArgs),
    /// What a codebook edit changed: two runs of the same corpus compared, per code the
    /// units gained and lost, with examples and the rules responsible.
    Diff(diff::DiffArgs),
    /// Combine the output folders of `run --shard K/N` (all N of them) into the tables of a
    /// single run.
    Merge(MergeArgs),
    /// One self-contained HTML page of a finished run: frequencies, code × document,
    /// co-occurrence, each code's units with matches highlighted, documents with coding stripes.
    Report(report::ReportArgs),
    /// A chart of a finished run as an SVG file, for papers.
    Plot(report::PlotArgs),
    /// Work with codebooks of other tools.
    Codebook {
        #[command(subcommand)]
        command: CodebookCommand,
    },
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' output folders, in any order.
    #[arg(value_name = "SHARD_OUT", required = true)]
    pub shards: Vec<PathBuf>,
    /// Folder for the merged tables and manifest.json.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
}

/// A finished run to read instead of coding the corpus again.
#[derive(Debug, Clone, clap::Args)]
pub struct FromArgs {
    /// Read this finished run's tables instead of coding the corpus again: the run's corpus,
    /// unit and encoding are used, and it must have been coded with this --codebook, byte for
    /// byte (a changed codebook is refused).
    #[arg(long, value_name = "RUN_DIR")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Warn about rules that count in more than this share of units.
    #[arg(long, value_name = "SHARE", default_value_t = 0.3)]
    pub max_share: f64,
    #[command(flatten)]
    pub coding: CodingArgs,
    #[command(flatten)]
    pub reuse: FromArgs,
}

#[derive(Debug, clap::Args)]
pub struct KwicArgs {
    /// A code id (its matches) or a rule id (that rule's).
    #[arg(value_name = "CODE_OR_RULE")]
    pub target: String,
    /// Words of context on each side (within the unit).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub context: usize,
    /// Show at most this many lines.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Which matches: counted (the default), vetoed, no_near_term, near_not_near_term,
    /// negated, overlapped, rejected (all that did not count) or all; repeat or separate by
    /// commas.
    #[arg(long, value_name = "STATUS", value_delimiter = ',')]
    pub status: Vec<String>,
    /// Also write the lines to a .csv or .parquet file.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub coding: CodingArgs,
    #[command(flatten)]
    pub reuse: FromArgs,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The document, as named in the tables (its path in the corpus folder).
    #[arg(value_name = "DOCUMENT")]
    pub document: String,
    /// The segment number (the `segment` column of the tables).
    #[arg(
        value_name = "SEGMENT",
        required_unless_present_any = ["line", "speakers"],
        conflicts_with_all = ["line", "speakers"]
    )]
    pub segment: Option<usize>,
    /// Explain the unit(s) on this line of the file instead.
    #[arg(long, value_name = "N", conflicts_with = "speakers")]
    pub line: Option<usize>,
    /// Whether the document was read as a transcript, and why: its speaker labels and turns.
    #[arg(long)]
    pub speakers: bool,
    #[command(flatten)]
    pub coding: CodingArgs,
    #[command(flatten)]
    pub reuse: FromArgs,
}

#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// The code to suggest rules for.
    #[arg(value_name = "CODE")]
    pub code: String,
    /// Hand coding of some units (CSV or .qdpx, as for `agree`).
    #[arg(long, value_name = "FILE")]
    pub gold: PathBuf,
    /// Show at most this many candidates (the --out file has them all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// A candidate must occur in at least this many units of the group it speaks for.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub min_units: usize,
    /// Also write every candidate tried to a .csv or .parquet file.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub coding: CodingArgs,
    #[command(flatten)]
    pub reuse: FromArgs,
}

#[derive(Debug, clap::Args)]
pub struct SimilarArgs {
    /// The code whose units are the examples.
    #[arg(value_name = "CODE")]
    pub code: String,
    /// Take the examples from this hand coding (CSV or .qdpx) instead of the run's codings.
    #[arg(long, value_name = "FILE")]
    pub gold: Option<PathBuf>,
    /// How many units to list.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Leave out the units the --gold file has already judged: list only units to code next.
    #[arg(long, requires = "gold")]
    pub unjudged: bool,
    /// Also write the list to a .csv or .parquet file.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub coding: CodingArgs,
    #[command(flatten)]
    pub reuse: FromArgs,
}

#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// Turn another tool's codebook into a codebook.toml: a REFI-QDA codebook (.qdc, or the
    /// codebook of a .qdpx project: codes, hierarchy, descriptions, no rules), a LIWC
    /// dictionary (.dic), a quanteda-style YAML dictionary (.yml) or a CSV of code,term.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file to import (.qdc, .qdpx, .dic, .yml/.yaml or .csv).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where to write the codebook [default: print it on stdout].
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct AgreeArgs {
    /// Hand coding: a CSV (`document,unit,code` or `document,unit,<code>...`) or a REFI-QDA
    /// project (.qdpx) coded in a QDA tool. Give it once per coder: with several, the coders
    /// are also compared with each other and as a group (Fleiss' kappa, Krippendorff's alpha).
    #[arg(long, value_name = "FILE", required = true)]
    pub gold: Vec<PathBuf>,
    /// Resamples of the units for the 95% intervals of kappa (0: no intervals).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub bootstrap: usize,
    /// Folder for agreement.parquet and agreement_units.parquet (a run's other files are kept).
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    #[command(flatten)]
    pub coding: CodingArgs,
    #[command(flatten)]
    pub reuse: FromArgs,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// qdpx: a project with the coded documents (runs the coding first);
    /// qdc: the codebook alone; codebook-csv: a codebook for Taguette's "Import codebook".
    #[arg(value_enum)]
    pub format: ExportFormat,
    /// File to write.
    #[arg(short, long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: CodingArgs,
    #[command(flatten)]
    pub reuse: FromArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Qdpx,
    Qdc,
    CodebookCsv,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub coding: CodingArgs,
    /// Folder for the Parquet tables and manifest.json (created if missing; earlier tables replaced).
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Code only shard K of N (K from 1): a fixed share of the documents, chosen by a hash of
    /// each document's path, for array jobs; combine the N outputs with `qualcode merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Memory control: code at most this many MB of files at a time; a larger file is coded
    /// this many MB at a time [default: 16].
    #[arg(long, value_name = "MB", hide_short_help = true)]
    pub batch_mb: Option<u64>,
    /// Memory control: code at most this many files at a time [default: 4096].
    #[arg(long, value_name = "N", hide_short_help = true)]
    pub batch_files: Option<usize>,
    /// Add a code_by_variable table over this document variable (repeatable); dates grouped
    /// with year:NAME or month:NAME.
    #[arg(long, value_name = "NAME")]
    pub by: Vec<String>,
}

/// What to code and how: shared by every command that codes the corpus.
#[derive(Debug, Clone, clap::Args)]
pub struct CodingArgs {
    /// Folder of documents, searched recursively, hidden files ignored: plain text (.txt, .text,
    /// no extension), Markdown (.md, .markdown), HTML (.html, .htm, .xhtml), Word (.docx),
    /// OpenDocument (.odt), PDF with a text layer (.pdf, read with poppler's pdftotext); or a
    /// table with one document per row (.csv, .tsv, .jsonl, .parquet).
    #[arg(long, value_name = "DIR|FILE", default_value = "corpus")]
    pub corpus: PathBuf,
    /// The column of a table corpus holding the documents' text [default: text].
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// The column of a table corpus naming the documents [default: id if there is one, else
    /// the row number].
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Document variables for a folder corpus: a .csv, .tsv, .jsonl or .parquet file with a
    /// `document` column (paths as in the tables) and a column per variable.
    #[arg(long, value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Codebook: codes, their definitions and their rules.
    #[arg(long, value_name = "FILE", default_value = "codebook.toml")]
    pub codebook: PathBuf,
    /// What a coded unit is: a paragraph, or a sentence of a paragraph (finer co-occurrence).
    #[arg(long, value_enum, default_value_t = Unit::Paragraph)]
    pub unit: Unit,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Read every file in this encoding (utf-8, utf-16le, gbk, gb18030, big5, shift_jis,
    /// euc-kr, windows-1252, ...) [default: detected per file].
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Leave this speaker's turns uncoded (repeatable; with the codebook's [units]
    /// skip_speakers): kept in segments, out of every count and share.
    #[arg(long, value_name = "NAME")]
    pub skip_speaker: Vec<String>,
}

impl CodingArgs {
    /// The files and folder the coding reads, named as the options name them.
    fn inputs(&self) -> Vec<(&'static str, &Path)> {
        let mut inputs = vec![
            ("corpus", self.corpus.as_path()),
            ("codebook", &self.codebook),
        ];
        if let Some(metadata) = &self.metadata {
            inputs.push(("metadata", metadata));
        }
        inputs
    }
}

/// Refuses to write over something the command reads: one convention for every command
/// (docs/commands.md, "Where output goes"). An output that does not exist yet is no input.
fn refuse_input_as_output(out: &Path, inputs: &[(&str, &Path)]) -> Result<()> {
    let Ok(target) = out.canonicalize() else {
        return Ok(());
    };
    for (what, input) in inputs {
        if input.canonicalize().is_ok_and(|input| input == target) {
            bail!(
                "--out {} is the {what} this command reads: write to another {}",
                out.display(),
                if target.is_dir() { "folder" } else { "file" }
            );
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Unit {
    Paragraph,
    Sentence,
}

/// Worker threads beyond this many per core only cost memory (a stack each); a number in
/// the thousands cannot be started at all.
const MAX_THREADS_PER_CORE: usize = 8;

/// `--threads N`, capped with a warning at [`MAX_THREADS_PER_CORE`] per core.
fn capped_threads(asked: usize, cores: usize) -> usize {
    let most = cores.max(1) * MAX_THREADS_PER_CORE;
    if asked > most {
        errln!(
            "warning: --threads {asked} capped at {most} ({MAX_THREADS_PER_CORE} per core; this machine has {cores})"
        );
        most
    } else {
        asked
    }
}

/// The lines of an error report: the error, then each cause that adds something. A cause
/// whose text the line before already ends with (an OS error quoted in the context) is left
/// out.
pub fn error_lines(err: &anyhow::Error) -> Vec<String> {
    let mut lines = vec![format!("error: {err}")];
    let mut previous = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !previous.ends_with(&text) {
            lines.push(format!("  caused by: {text}"));
        }
        previous = text;
    }
    lines
}

/// Parses `K/N` with 1 <= K <= N.
fn parse_shard(text: &str) -> Result<output::Shard> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((k, n)) if k >= 1 && k <= n => Ok(output::Shard { k, n }),
        _ => bail!("--shard takes K/N with 1 <= K <= N (such as 3/8), not {text:?}"),
    }
}

impl RunSettings {
    pub fn from_args(args: CodingArgs, out: PathBuf) -> Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => capped_threads(n, cores),
            None => cores,
        };
        let table = match TableFormat::of(&args.corpus) {
            Some(format) if !args.corpus.is_dir() => Some(TableSpec {
                path: args.corpus.clone(),
                format,
                text_column: Some(args.text_column.unwrap_or_else(|| "text".to_string())),
                id_column: args.id_column,
            }),
            _ => {
                if args.text_column.is_some() || args.id_column.is_some() {
                    bail!("--text-column and --id-column are for a table corpus (--corpus FILE.csv|.tsv|.jsonl|.parquet), and {} is not one", args.corpus.display());
                }
                None
            }
        };
        if table.is_some() && args.encoding.is_some() {
            bail!("--encoding is for a folder corpus: a table corpus's texts are read as UTF-8");
        }
        let metadata = match args.metadata {
            None => None,
            Some(_) if table.is_some() => bail!(
                "--metadata is for a folder corpus: a table corpus's variables are its other columns"
            ),
            Some(path) => match TableFormat::of(&path) {
                Some(format) => Some(TableSpec {
                    path,
                    format,
                    text_column: None,
                    id_column: Some("document".to_string()),
                }),
                None => bail!(
                    "--metadata takes a .csv, .tsv, .jsonl or .parquet file, not {}",
                    path.display()
                ),
            },
        };
        if let Some(empty) = args.skip_speaker.iter().find(|n| n.trim().is_empty()) {
            bail!("--skip-speaker {empty:?} names no speaker");
        }
        Ok(RunSettings {
            table,
            metadata,
            by: Vec::new(),
            skip_speakers: args
                .skip_speaker
                .iter()
                .map(|n| n.trim().to_string())
                .collect(),
            corpus: args.corpus,
            codebook: args.codebook,
            out,
            unit: match args.unit {
                Unit::Paragraph => UnitLevel::Paragraph,
                Unit::Sentence => UnitLevel::Sentence,
            },
            decoding: match args.encoding.as_deref() {
                None => crate::read::Decoding::Detect,
                Some(label) => crate::read::Decoding::from_label(label).context("--encoding")?,
            },
            threads,
            shard: None,
            batch: Batch::default(),
        })
    }
}

/// Parses arguments, runs the command, and returns the process exit code.
pub fn main_with_args(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Run(args) => {
            let shard = args.shard.as_deref().map(parse_shard).transpose()?;
            if args.batch_files == Some(0) {
                bail!("--batch-files must be at least 1");
            }
            let defaults = Batch::default();
            let bytes = match args.batch_mb {
                None => defaults.bytes,
                Some(mb @ 1..=1_000_000) => mb << 20,
                Some(_) => bail!("--batch-mb takes 1 to 1000000 (MB)"),
            };
            let by = args
                .by
                .iter()
                .map(|b| By::parse(b).map_err(anyhow::Error::msg))
                .collect::<Result<Vec<By>>>()?;
            let settings = RunSettings {
                by,
                shard,
                batch: Batch {
                    bytes,
                    files: args.batch_files.unwrap_or(defaults.files),
                },
                ..RunSettings::from_args(args.coding, args.out)?
            };
            refuse_input_as_output(&settings.out, &[("corpus", &settings.corpus)])?;
            run(&settings)
        }
        Command::Merge(args) => {
            let counts = crate::pipeline::merge(&args.shards, &args.out)?;
            errln!(
                "qualcode: merged {} shards: {} files, {} units, {} codings -> {}",
                args.shards.len(),
                counts.files,
                counts.units,
                counts.codings,
                args.out.display()
            );
            Ok(exit::finished(counts.skipped))
        }
        Command::Sample(args) => validation::sample(&args),
        Command::Estimate(args) => validation::estimate(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Report(args) => report::report(&args),
        Command::Plot(args) => report::plot(&args),
        Command::Export(args) => {
            let format = args.format;
            refuse_input_as_output(&args.out, &args.run.inputs())?;
            let from = args.reuse.from.clone();
            export(
                format,
                from.as_deref(),
                &RunSettings::from_args(args.run, args.out)?,
            )
        }
        Command::Agree(args) => {
            let bootstrap = crate::workbench::agree::Bootstrap {
                replicates: args.bootstrap,
                ..Default::default()
            };
            workbench::agree(
                &args.gold,
                &bootstrap,
                args.reuse.from.as_deref(),
                &RunSettings::from_args(args.coding, args.out)?,
            )
        }
        Command::Codebook {
            command: CodebookCommand::Import(args),
        } => import_codebook(&args),
        Command::Check(args) => {
            if !(args.max_share > 0.0 && args.max_share <= 1.0) {
                bail!(
                    "--max-share must be above 0 and at most 1, not {}",
                    args.max_share
                );
            }
            workbench::check(
                args.max_share,
                args.reuse.from.as_deref(),
                &RunSettings::from_args(args.coding, PathBuf::new())?,
            )
        }
        Command::Kwic(args) => {
            if let Some(out) = &args.out {
                refuse_input_as_output(out, &args.coding.inputs())?;
            }
            workbench::kwic(
                &args,
                args.out
                    .as_deref()
                    .map(output::ListingFormat::of)
                    .transpose()?,
                &RunSettings::from_args(args.coding.clone(), PathBuf::new())?,
            )
        }
        Command::Explain(args) => workbench::explain(
            &args,
            &RunSettings::from_args(args.coding.clone(), PathBuf::new())?,
        ),
        Command::Suggest(args) => {
            let format = args
                .out
                .as_deref()
                .map(output::ListingFormat::of)
                .transpose()?;
            if args.min_units == 0 {
                bail!("--min-units must be at least 1");
            }
            if let Some(out) = &args.out {
                let mut inputs = args.coding.inputs();
                inputs.push(("hand coding (--gold)", &args.gold));
                refuse_input_as_output(out, &inputs)?;
            }
            workbench::suggest(
                &args,
                format,
                &RunSettings::from_args(args.coding.clone(), PathBuf::new())?,
            )
        }
        Command::Similar(args) => {
            let format = args
                .out
                .as_deref()
                .map(output::ListingFormat::of)
                .transpose()?;
            if let Some(out) = &args.out {
                let mut inputs = args.coding.inputs();
                inputs.extend(
                    args.gold
                        .iter()
                        .map(|g| ("hand coding (--gold)", g.as_path())),
                );
                refuse_input_as_output(out, &inputs)?;
            }
            workbench::similar(
                &args,
                format,
                &RunSettings::from_args(args.coding.clone(), PathBuf::new())?,
            )
        }
    }
}

pub fn run(settings: &RunSettings) -> Result<u8> {
    let report = execute(settings)?;
    let c = &report.counts;
    // Skipped speakers are said only where there are some; the transcripts and their turns are
    // counted in the manifest and the documents table, not on this line (which stays the same
    // for a corpus with and without them).
    let mut skipped = String::new();
    if c.skipped_speaker_units > 0 {
        skipped = format!(
            ", {} {} units of skipped speakers not coded",
            c.skipped_speaker_units,
            unit_name(settings.unit)
        );
    }
    errln!(
        "qualcode: {} files ({} coded, {} empty, {} skipped){skipped}, {} segments, {} {} units, {} with codes, {} codings, {} matches in {:.2}s -> {}",
        c.files,
        c.coded,
        c.empty,
        c.skipped,
        c.segments,
        c.units,
        unit_name(settings.unit),
        c.units_with_codes,
        c.codings,
        c.matches,
        report.seconds,
        settings.out.display()
    );
    Ok(exit::finished(c.skipped))
}

/// Writes a REFI-QDA project or codebook, or a Taguette codebook CSV, to `settings.out`.
pub fn export(format: ExportFormat, from: Option<&Path>, settings: &RunSettings) -> Result<u8> {
    let codebook = load_codebook_for(settings)?;
    let (bytes, code) = match format {
        ExportFormat::Qdc => (refi::codebook_qdc(&codebook).into_bytes(), exit::OK),
        ExportFormat::CodebookCsv => (
            refi::codebook_csv(&codebook).context("cannot write the codebook CSV")?,
            exit::OK,
        ),
        ExportFormat::Qdpx => {
            // The corpus coded into a temporary run (or --from's), exported a document at a
            // time: memory follows the largest document.
            let (run, temporary) = workbench::finished_run(from, settings)?;
            let variables = output::from_run::variables(&run)?;
            let created = output::rfc3339(unix_now());
            output::write_atomic_with(&settings.out, |file| {
                let mut project = refi::QdpxWriter::new(
                    std::io::BufWriter::new(file),
                    &codebook,
                    variables.as_ref(),
                    &created,
                )?;
                output::from_run::for_each_document(
                    &run,
                    &codebook,
                    |_| true,
                    true,
                    |_, coded, text| {
                        let text =
                            text.with_context(|| format!("no text of {} to export", coded.id))?;
                        Ok(project.add(&refi::ExportDocument {
                            coded: &coded,
                            text: &text,
                        })?)
                    },
                )?;
                // The buffer's last bytes written now: a failure must fail the export, not
                // be lost when the buffer is dropped.
                project.finish()?.into_inner().map_err(|e| e.into_error())?;
                Ok(())
            })
            .context("cannot build the .qdpx archive")?;
            drop(temporary);
            errln!("qualcode: wrote {}", settings.out.display());
            return Ok(exit::finished(run.manifest.counts.skipped));
        }
    };
    output::write_atomic(&settings.out, &bytes)?;
    errln!("qualcode: wrote {}", settings.out.display());
    Ok(code)
}

/// Writes a codebook.toml from another tool's codebook (a skeleton) or dictionary (with terms).
pub fn import_codebook(args: &ImportArgs) -> Result<u8> {
    if let Some(out) = &args.out {
        refuse_input_as_output(out, &[("file to import", &args.file)])?;
    }
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {name}"))?;
    let extension = args
        .file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let file_name = args
        .file
        .file_name()
        .map_or(name.clone(), |n| n.to_string_lossy().into_owned());
    let text = || {
        String::from_utf8(bytes.clone()).map_err(|_| {
            anyhow::anyhow!("{name} is not UTF-8 text: convert it first (for example with iconv)")
        })
    };
    let dictionary = |parsed: std::result::Result<import::Draft, String>| {
        parsed.map_err(|e| anyhow::anyhow!("cannot import {name}: {e}"))
    };
    let draft = match extension.as_deref() {
        Some("qdc") => import::from_refi(&refi::read::codebook(&bytes).with_context(|| format!("cannot import {name}"))?, &file_name),
        Some("qdpx") => import::from_refi(&refi::read::project(&bytes).with_context(|| format!("cannot import {name}"))?, &file_name),
        Some("dic") => dictionary(import::from_liwc(&text()?, &file_name))?,
        Some("yml" | "yaml") => dictionary(import::from_yaml(&text()?, &file_name))?,
        Some("csv") => dictionary(import::from_csv(&text()?, &file_name))?,
        _ => bail!("cannot import {name}: the format is told by the extension: .qdc (REFI-QDA codebook), .qdpx (REFI-QDA project), .dic (LIWC), .yml/.yaml (quanteda dictionary) or .csv (code,term)"),
    };
    let toml = import::to_toml(&draft);
    for note in &draft.notes {
        errln!("warning: {name}: {note}");
    }
    // What `run` would refuse in the codebook written (names that look alike), said now.
    if let Err(problems) = crate::codebook::parse(&toml) {
        for p in problems {
            errln!(
                "warning: {name}: the codebook written, line {}: {} (fix it before a run)",
                p.line,
                p.message
            );
        }
    }
    match &args.out {
        None => crate::escape::print_lines(&toml),
        Some(out) => {
            if out.exists() && !args.force {
                bail!(
                    "{} exists: choose another file or add --force to replace it",
                    out.display()
                );
            }
            output::write_atomic(out, toml.as_bytes())?;
        }
    }
    let terms: usize = draft
        .codes
        .iter()
        .map(|c| c.terms.len() + c.regexes.len())
        .sum();
    errln!(
        "qualcode: imported {} codes ({} nested) with {terms} patterns from {name}{}{}",
        draft.codes.len(),
        draft.codes.iter().filter(|c| c.parent.is_some()).count(),
        args.out
            .as_ref()
            .map_or(String::new(), |o| format!(" into {}", o.display())),
        if terms == 0 {
            "; the format has no rules: write [[codes.rules]] for each code before running"
        } else {
            ""
        },
    );
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_os_error_quoted_in_its_context_is_not_repeated() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = anyhow::Error::new(missing).context(format!(
            "cannot read codebook nope.toml: {}",
            std::io::Error::from(std::io::ErrorKind::NotFound)
        ));
        assert_eq!(error_lines(&err).len(), 1, "{:?}", error_lines(&err));
        let err =
            anyhow::anyhow!("corpus folder /x does not exist").context("cannot read the corpus");
        assert_eq!(
            error_lines(&err),
            [
                "error: cannot read the corpus",
                "  caused by: corpus folder /x does not exist"
            ]
        );
    }

    #[test]
    fn absurd_thread_counts_are_capped() {
        assert_eq!(capped_threads(3, 2), 3);
        assert_eq!(capped_threads(100_000, 2), 2 * MAX_THREADS_PER_CORE);
    }
}
