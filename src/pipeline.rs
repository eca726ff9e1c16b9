//! Pipeline: validated run settings in; the corpus read, segmented and coded in parallel out —
//! streamed batch by batch into the output tables (`execute`; a file larger than a batch in
//! parts), or merged from the outputs of shard runs (`merge`). A table corpus is read a batch
//! of rows at a time instead of a batch of files, and document variables join the tables at
//! the end ([`corpus_table`]).

use crate::codebook::{self, Codebook};
use crate::coding::{self, CodedDocument, DocumentFacts, Matcher, Status};
use crate::output::{self, Manifest};
use crate::read::{self, Decoding, Document, FileRecord, FileStatus};
use crate::segment::{self, Layout, SourceIndex, UnitLevel};
use crate::tables;
use crate::tables::variables::By;
use anyhow::{bail, Context, Result};
use corpus_table::{code_table, document_variables, VariableSources};
use progress::Progress;
use rayon::prelude::*;
use read::table::{TableReader, TableSpec};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

mod corpus_table;
mod notices;
pub mod progress;

/// Settings checked and resolved, ready to run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub corpus: PathBuf,
    pub codebook: PathBuf,
    pub out: PathBuf,
    pub unit: UnitLevel,
    /// How files are decoded: detected per file, or one encoding forced (`--encoding`).
    pub decoding: Decoding,
    pub threads: usize,
    pub shard: Option<output::Shard>,
    pub batch: Batch,
    /// A table corpus (`--corpus FILE.csv|.tsv|.jsonl|.parquet`): what to read of it.
    pub table: Option<TableSpec>,
    /// `--metadata`: document variables for a folder corpus.
    pub metadata: Option<TableSpec>,
    /// `--by`: the variables `code_by_variable` groups by.
    pub by: Vec<By>,
    /// `--skip-speaker`: speakers whose turns are not coded, besides the codebook's
    /// `[units] skip_speakers`.
    pub skip_speakers: Vec<String>,
}

/// How many files a batch holds at most: whichever limit is reached first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    pub bytes: u64,
    pub files: usize,
}

impl Default for Batch {
    /// 16 MB of text keeps both cores busy (one batch is coded while the previous one is
    /// written) and memory low. On the 206 MB benchmark corpus 64 MB batches took 1.62-2.16 s
    /// and 440-560 MB, 16 MB batches 1.45-1.62 s and 290-300 MB: fewer fresh pages per batch,
    /// and less of a run spent filling and draining the coding/writing overlap.
    fn default() -> Self {
        Batch {
            bytes: 16 << 20,
            files: 4096,
        }
    }
}

/// Which shard (from 1) of `n` a document belongs to: by a hash of its id, so a document's
/// shard does not depend on which other files the corpus holds.
pub fn shard_of(id: &str, n: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(n)) as u32 + 1
}

/// Builds an [`output::CorpusListing`] a document at a time.
#[derive(Default)]
pub struct ListingHasher {
    documents: usize,
    hasher: sha2::Sha256,
}

impl ListingHasher {
    pub fn add(&mut self, id: &str, bytes: u64) {
        use sha2::Digest;
        self.documents += 1;
        self.hasher.update(id.as_bytes());
        self.hasher.update(format!("\0{bytes}\n").as_bytes());
    }

    pub fn finish(self) -> output::CorpusListing {
        use sha2::Digest;
        output::CorpusListing {
            documents: self.documents,
            sha256: self
                .hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        }
    }
}

/// What a run produced, for the caller's summary and tests.
pub struct RunReport {
    pub counts: output::Counts,
    pub seconds: f64,
}

pub fn unit_name(unit: UnitLevel) -> &'static str {
    match unit {
        UnitLevel::Paragraph => "paragraph",
        UnitLevel::Sentence => "sentence",
    }
}

/// Runs the whole pipeline and writes the output; errors here are fatal.
pub fn execute(settings: &RunSettings) -> Result<RunReport> {
    let started = Instant::now();
    let started_at = unix_now();
    let codebook = load_codebook_for(settings)?;
    let matcher = Matcher::new(&codebook)?;
    // Drawn from now on: listing a large corpus takes a while too.
    let progress = Progress::start();
    let (files, corpus_notes, mut corpus_listing) = corpus_files(settings, &progress)?;
    let sources = VariableSources::open(settings)?;
    let pool = worker_pool(settings)?;
    let staged = output::StagedTables::create(&settings.out)?;
    // Batch by batch, so memory holds a batch being coded and one being written, not the
    // corpus; an empty corpus still gets its (empty) tables.
    let sizes = file_sizes(&files, &pool);
    progress.expect(files.len(), sizes.iter().sum());
    let mut work = work_items(&files, &sizes, settings.batch);
    if work.is_empty() {
        work.push(Work::Files(&files[..0]));
    }
    // Building and writing a batch's tables runs on its own thread while the workers code
    // the next batch: on the main thread it would leave the cores idle for a fifth of a run.
    // The hand-over waits for the writer, so no more than one coded batch queues up.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Batched>(0);
    let VariableSources {
        table,
        metadata,
        hashing,
    } = sources;
    let mut table_read: Result<Option<TableReader>> = Ok(None);
    // What is said of skipped, empty and unit-less files, as the writer receives them.
    let mut notices = notices::Notices::new(settings.corpus.clone(), settings.table.is_some());
    let written = std::thread::scope(|scope| {
        let writer =
            scope.spawn(|| write_batches(&codebook, staged, receiver, &mut notices, &progress));
        // A failed send means the writer failed; its error is reported below.
        let mut send = |batch: Batched| sender.send(batch).is_ok();
        if let Some(reader) = table {
            table_read = code_table(reader, settings, &matcher, &pool, &progress, &mut send).map(
                |(reader, listing)| {
                    corpus_listing = listing;
                    Some(reader)
                },
            );
        }
        // The next large file is read and decoded while this one is coded: its reading and
        // checking would otherwise leave a core idle between two large files.
        let mut next_large: Option<std::thread::ScopedJoinHandle<_>> = None;
        let decoding = settings.decoding;
        for (i, item) in work.iter().enumerate() {
            if let Work::Large((id, _)) = item {
                progress.on_file("reading", id);
            }
            let loaded = next_large.take().map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            if let (Work::Large(_), Some(Work::Large((id, path)))) = (item, work.get(i + 1)) {
                next_large = Some(scope.spawn(move || read::load(id, path, decoding)));
            }
            let sent = match *item {
                Work::Files(files) => {
                    let (records, coded) = code_files(files, settings, &matcher, &pool, &progress);
                    let (rows, texts): (Vec<CodedDocument>, Vec<Option<KeptText>>) = coded
                        .into_iter()
                        .map(|(d, text)| {
                            // Only documents read from markup keep their (extracted) text.
                            let kept = text
                                .filter(|_| d.layout == Layout::Markup)
                                .map(|text| (d.id.clone(), text));
                            (d, kept)
                        })
                        .unzip();
                    send(Batched {
                        facts: rows.iter().map(CodedDocument::facts).collect(),
                        records,
                        rows,
                        texts: texts.into_iter().flatten().collect(),
                    })
                }
                Work::Large(file) => code_in_parts(
                    file,
                    loaded,
                    settings,
                    (&matcher, &pool, &progress),
                    &mut send,
                ),
            };
            if !sent {
                break;
            }
        }
        drop(sender);
        writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    let table_read = table_read?;
    progress.finish();
    notices.finish();
    let Written {
        mut staged,
        records,
        units,
        tallies,
        speakers,
        counts,
    } = written;
    let tally = tables::Tally::sum(tallies).context("cannot sum the codings")?;
    let codes = tables::CodeInfo::of(&codebook);
    for (name, df) in tables::summaries(&codes, &units, &tally, &speakers)
        .context("cannot build the summary tables")?
    {
        staged.append(name, &df)?;
    }
    let variables = document_variables(settings, table_read, metadata, hashing, &records)?;
    let mut variables_df = None;
    if let Some((variables, _)) = &variables {
        let df = tables::variables::document_variables(variables)
            .context("cannot build the document_variables table")?;
        staged.append("document_variables", &df)?;
        variables_df = Some(df);
    }
    if !settings.by.is_empty() {
        let by = tables::variables::code_by_variable(
            &codes,
            &units,
            &tally,
            variables_df.as_ref(),
            &settings.by,
            &speakers,
        )
        .context("cannot build the code_by_variable table")?;
        staged.append("code_by_variable", &by)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut manifest = manifest(
        settings,
        &codebook,
        &records,
        staged.infos(),
        counts,
        started_at,
        seconds,
    );
    manifest.variables = variables.map(|(_, info)| info);
    manifest.corpus_notes = corpus_notes;
    manifest.corpus_listing = corpus_listing;
    staged.finish(&manifest)?;
    Ok(RunReport {
        counts: manifest.counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Rows on their way to the writer: the files a batch finishes (`records`, and `facts` for
/// the coded ones), the rows of whole documents or of one part of a large one, and the texts
/// of the documents read from markup, which their positions refer to.
struct Batched {
    records: Vec<FileRecord>,
    facts: Vec<DocumentFacts>,
    rows: Vec<CodedDocument>,
    texts: Vec<KeptText>,
}

/// A document's id and the text extracted from it.
type KeptText = (String, String);

/// What the writer keeps of all batches: what the summaries are computed from.
struct Written {
    staged: output::StagedTables,
    records: Vec<FileRecord>,
    units: Vec<(String, usize)>,
    tallies: Vec<tables::Tally>,
    speakers: tables::speakers::SpeakerTally,
    counts: output::Counts,
}

/// Appends each coded batch's unit-level tables to the staged output.
fn write_batches(
    codebook: &Codebook,
    mut staged: output::StagedTables,
    batches: std::sync::mpsc::Receiver<Batched>,
    notices: &mut notices::Notices,
    progress: &Progress,
) -> Result<Written> {
    let mut records = Vec::new();
    let mut units = Vec::new();
    let mut tallies = Vec::new();
    let mut speakers = tables::speakers::SpeakerTally::default();
    let mut counts = output::Counts::default();
    let code_ids: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    for batch in batches {
        progress.suspend(|| notices.report(&batch.records));
        let unit_tables = tables::unit_tables(codebook, &batch.records, &batch.facts, &batch.rows)
            .context("cannot build the tables")?;
        let texts = tables::texts_table(&batch.texts).context("cannot build the texts table")?;
        tallies.push(
            tables::Tally::of_documents(&code_ids, &batch.rows)
                .context("cannot tally the codings")?,
        );
        speakers.add_documents(&batch.rows);
        counts.add(&count(&batch.records, &batch.facts, &batch.rows));
        // The rows' texts are in the tables now: freed before the tables are encoded, which
        // holds a few more copies of each text (a huge unit's most of all).
        drop((batch.rows, batch.texts));
        for (name, df) in &unit_tables {
            staged.append(name, df)?;
        }
        staged.append("texts", &texts)?;
        units.extend(batch.facts.into_iter().map(|f| (f.id, f.units)));
        records.extend(batch.records);
    }
    Ok(Written {
        staged,
        records,
        units,
        tallies,
        speakers,
        counts,
    })
}

/// What the coding threads take on at a time.
enum Work<'a> {
    /// Files coded whole, in parallel.
    Files(&'a [(String, PathBuf)]),
    /// A file larger than a batch: read whole, but coded and written a batch's worth at a time,
    /// so a single huge file (a book without blank lines) holds memory to its text and one
    /// batch of rows, and is coded on every core.
    Large(&'a (String, PathBuf)),
}

/// Each file's size in bytes, looked up on every worker: on the main thread alone, with the
/// listing, the workers started 0.03-0.05 s into a 1 s run of 10,000 files; now 0.013 s.
/// A file whose size cannot be read counts as empty here; reading it reports why.
fn file_sizes(files: &[(String, PathBuf)], pool: &rayon::ThreadPool) -> Vec<u64> {
    pool.install(|| {
        files
            .par_iter()
            .map(|(_, path)| std::fs::metadata(path).map_or(0, |m| m.len()))
            .collect()
    })
}

/// Consecutive runs of files holding about `limit` bytes (or files) each; a file larger than
/// the limit is work of its own.
fn work_items<'a>(files: &'a [(String, PathBuf)], sizes: &[u64], limit: Batch) -> Vec<Work<'a>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, (file, &size)) in files.iter().zip(sizes).enumerate() {
        if size > limit.bytes {
            if start < i {
                out.push(Work::Files(&files[start..i]));
            }
            out.push(Work::Large(file));
            (start, bytes) = (i + 1, 0);
            continue;
        }
        bytes += size;
        if bytes >= limit.bytes || i + 1 - start >= limit.files {
            out.push(Work::Files(&files[start..=i]));
            (start, bytes) = (i + 1, 0);
        }
    }
    if start < files.len() {
        out.push(Work::Files(&files[start..]));
    }
    out
}

/// Parallel work is handed out in chunks of a sixteenth of a batch: enough chunks for the
/// threads to share a large document evenly, each large enough that handing it out costs
/// nothing next to coding it.
const CHUNKS_PER_BATCH: u64 = 16;

fn chunk_bytes(batch: Batch) -> usize {
    usize::try_from(batch.bytes / CHUNKS_PER_BATCH).unwrap_or(usize::MAX)
}

/// Codes a file larger than a batch, sending its rows a batch at a time; the last part carries
/// its record and facts. `loaded` is the file if it was read ahead. Returns false when the
/// writer has stopped.
fn code_in_parts(
    (id, path): &(String, PathBuf),
    loaded: Option<Result<Document, FileRecord>>,
    settings: &RunSettings,
    (matcher, pool, progress): (&Matcher, &rayon::ThreadPool, &Progress),
    send: &mut impl FnMut(Batched) -> bool,
) -> bool {
    // The bar moves by the file's bytes on disk as its chunks are coded, each chunk an equal
    // share: the first move comes with the first chunk, not at the end of a part.
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let mut counted = 0u64;
    // All parts but the last are sent while the file is being hashed; the last waits for its
    // record.
    let mut code = |doc: &Document| {
        let plan = segment::plan(doc, settings.unit);
        let index = SourceIndex::new(&doc.text);
        let chunks = plan.chunks(chunk_bytes(settings.batch));
        let mut facts = DocumentFacts::new(doc, plan.layout);
        let mut parts = chunks.chunks(CHUNKS_PER_BATCH as usize).peekable();
        // The bytes of the first `k` chunks.
        let share = |k: usize| (u128::from(size) * k as u128 / chunks.len().max(1) as u128) as u64;
        let mut coded_chunks = 0;
        loop {
            // A document of blank lines has no part: no rows, but its record and facts.
            let part = parts.next().unwrap_or(&[]);
            progress.on_file("coding", id);
            let first = coded_chunks;
            let chunk_done =
                |i: usize| progress.bytes_done(share(first + i + 1) - share(first + i));
            let mut rows =
                pool.install(|| code_chunks(doc, &plan, &index, part, matcher, &chunk_done));
            coded_chunks += part.len();
            counted = share(coded_chunks);
            rows.number_segments_from(facts.segments);
            facts.add(&rows);
            if parts.peek().is_none() {
                return Some((rows, facts));
            }
            let sent = send(Batched {
                records: Vec::new(),
                facts: Vec::new(),
                rows: vec![rows],
                texts: Vec::new(),
            });
            if !sent {
                return None;
            }
        }
    };
    let loaded = loaded.unwrap_or_else(|| read::load(id, path, settings.decoding));
    let (mut record, finished) = read::finish_with(loaded, &mut code);
    progress.file_done(size.saturating_sub(counted));
    let texts: Vec<KeptText> = match &finished {
        Some((doc, _)) if doc.structure.is_some() => vec![(doc.id.clone(), doc.text.clone())],
        _ => Vec::new(),
    };
    let (last, facts) = match finished {
        None => (None, None),
        Some((_, None)) => return false,
        Some((_, Some((rows, facts)))) => (Some(rows), Some(facts)),
    };
    if let Some(facts) = &facts {
        record.warning = no_units_warning(facts, settings.unit);
    }
    send(Batched {
        records: vec![record],
        facts: facts.into_iter().collect(),
        rows: last.into_iter().collect(),
        texts,
    })
}

/// Segments and codes a whole document; one larger than a chunk in chunks coded in parallel,
/// so that a corpus of a few large files keeps every core busy.
fn code_whole(
    doc: &Document,
    unit: UnitLevel,
    matcher: &Matcher,
    chunk_bytes: usize,
) -> CodedDocument {
    let plan = segment::plan(doc, unit);
    let index = SourceIndex::new(&doc.text);
    code_chunks(
        doc,
        &plan,
        &index,
        &plan.chunks(chunk_bytes),
        matcher,
        &|_| (),
    )
}

/// Codes consecutive ranges of a document's blocks in parallel into one part, its segments
/// numbered from 0; `chunk_done(i)` is called as the `i`th chunk of `chunks` is coded.
fn code_chunks(
    doc: &Document,
    plan: &segment::Plan,
    index: &SourceIndex,
    chunks: &[Range<usize>],
    matcher: &Matcher,
    chunk_done: &(dyn Fn(usize) + Sync),
) -> CodedDocument {
    let coded: Vec<CodedDocument> = chunks
        .par_iter()
        .enumerate()
        .map(|(i, blocks)| {
            let segments = plan.segments(blocks.clone());
            let coded = coding::code_segments(doc, index, plan.layout, segments, matcher);
            chunk_done(i);
            coded
        })
        .collect();
    let mut coded = coded.into_iter();
    let mut part = coded
        .next()
        .unwrap_or_else(|| CodedDocument::empty(doc, plan.layout));
    coded.for_each(|next| part.append(next));
    part
}

/// Merges shard outputs into `out`: the unit-level tables concatenated in corpus order, the
/// summaries recomputed, the manifest combined. Refuses shards of different runs. Returns the
/// merged counts.
pub fn merge(shards: &[PathBuf], out: &Path) -> Result<output::Counts> {
    let started = Instant::now();
    let started_at = unix_now();
    let same_folder = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(input) = shards.iter().find(|dir| same_folder(dir, out)) {
        bail!(
            "--out {} is one of the shards being merged ({}): merge into another folder",
            out.display(),
            input.display()
        );
    }
    let mut manifests = Vec::new();
    for dir in shards {
        manifests.push(output::read_manifest(dir)?);
    }
    let first = &manifests[0];
    let Some(shard) = first.shard else {
        bail!(
            "{} is not the output of a `run --shard K/N`",
            shards[0].display()
        );
    };
    let mut seen = vec![None; shard.n as usize];
    for (dir, m) in shards.iter().zip(&manifests) {
        let Some(s) = m.shard else {
            bail!("{} is not the output of a `run --shard K/N`", dir.display());
        };
        if s.n != shard.n {
            bail!("{} is shard {}/{} but {} is shard {}/{}: all shards must split the corpus the same way", dir.display(), s.k, s.n, shards[0].display(), shard.k, shard.n);
        }
        if let Some(other) = seen[s.k as usize - 1].replace(dir) {
            bail!(
                "{} and {} are both shard {}/{}",
                other.display(),
                dir.display(),
                s.k,
                s.n
            );
        }
        if m.schema_version != output::SCHEMA_VERSION {
            bail!(
                "{} holds tables of schema version {} and this qualcode writes version {}: rerun that shard with this qualcode",
                dir.display(),
                m.schema_version,
                output::SCHEMA_VERSION
            );
        }
        if m.codebook.sha256 != first.codebook.sha256
            || m.parameters.unit != first.parameters.unit
            || m.parameters.encoding != first.parameters.encoding
            || m.parameters.skip_speakers != first.parameters.skip_speakers
            || m.version != first.version
        {
            bail!("{} was coded with another codebook, unit, --encoding, --skip-speaker or qualcode version than {}: rerun the shards with the same settings", dir.display(), shards[0].display());
        }
        if m.corpus_listing != first.corpus_listing {
            let told = |l: &Option<output::CorpusListing>| match l {
                Some(l) => format!(
                    "{} documents, listing sha256 {}",
                    l.documents,
                    &l.sha256[..12]
                ),
                None => "a corpus it did not record".to_string(),
            };
            bail!(
                "{} was cut from another corpus than {} ({} against {}): the shards of one run must be coded from the same corpus; rerun them on one corpus",
                dir.display(),
                shards[0].display(),
                told(&m.corpus_listing),
                told(&first.corpus_listing),
            );
        }
        if m.parameters.by != first.parameters.by
            || m.variables.as_ref().map(|v| (&v.sha256, &v.variables))
                != first.variables.as_ref().map(|v| (&v.sha256, &v.variables))
        {
            bail!("{} was run with other document variables or --by than {}: rerun the shards with the same settings", dir.display(), shards[0].display());
        }
        if m.parameters.corpus != first.parameters.corpus {
            errln!(
                "note: {} coded corpus {}, {} coded {}: the same documents (by name and size)",
                dir.display(),
                m.parameters.corpus,
                shards[0].display(),
                first.parameters.corpus
            );
        }
    }
    let missing: Vec<String> = (1..=shard.n)
        .filter(|k| seen[*k as usize - 1].is_none())
        .map(|k| format!("{k}/{}", shard.n))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shards {} are missing: a merge needs all {} shards",
            missing.join(", "),
            shard.n
        );
    }
    let mut tables: Vec<(&'static str, polars::prelude::DataFrame)> = Vec::new();
    for name in [
        "documents",
        "segments",
        "matches",
        "rejected_matches",
        "codings",
        "texts",
    ] {
        let mut frames = Vec::new();
        for (dir, m) in shards.iter().zip(&manifests) {
            let frame = output::read_table(dir, name)?;
            // A table that is not the one its manifest describes (replaced, copied from
            // another shard, cut short) would merge silently into wrong counts.
            if let Some(info) = m.tables.iter().find(|t| t.name == name) {
                if info.rows != frame.height() {
                    bail!(
                        "{}: {name}.parquet has {} rows but the shard's manifest says {}: the folder was changed after its run; rerun that shard",
                        dir.display(),
                        frame.height(),
                        info.rows
                    );
                }
            }
            frames.push(frame);
        }
        let merged = tables::concat_by_document(frames)
            .with_context(|| format!("cannot merge the {name} tables"))?;
        tables.push((name, merged));
    }
    let codes =
        tables::CodeInfo::from_frequency(&output::read_table(&shards[0], "code_frequency")?)
            .context("cannot read the codes of the first shard")?;
    let documents = tables::coded_units(tables::named(&tables, "documents")?)
        .context("cannot read the merged documents table")?;
    let code_ids: Vec<String> = codes.iter().map(|c| c.id.clone()).collect();
    let tally = tables::Tally::of_table(&code_ids, tables::named(&tables, "codings")?)
        .context("cannot tally the merged codings")?;
    let speakers = tables::speakers::SpeakerTally::of_tables(
        &code_ids,
        tables::named(&tables, "segments")?,
        tables::named(&tables, "codings")?,
    )
    .context("cannot tally the merged speakers")?;
    let summaries = tables::summaries(&codes, &documents, &tally, &speakers)
        .context("cannot build the summary tables")?;
    tables.extend(summaries);
    let variables = merge_variables(shards, &manifests)?;
    let by = first
        .parameters
        .by
        .iter()
        .map(|b| By::parse(b).map_err(anyhow::Error::msg))
        .collect::<Result<Vec<By>>>()?;
    if let Some(df) = variables.as_ref().map(|(df, _)| df) {
        tables.push(("document_variables", df.clone()));
    }
    if !by.is_empty() {
        let df = variables.as_ref().map(|(df, _)| df);
        let table =
            tables::variables::code_by_variable(&codes, &documents, &tally, df, &by, &speakers)
                .context("cannot build the code_by_variable table")?;
        tables.push(("code_by_variable", table));
    }
    // From the merged documents table: a shard's manifest may list only some of its files.
    let (files, files_not_listed) = output::listed_files(
        file_infos(tables::named(&tables, "documents")?)
            .context("cannot read the merged documents table")?,
    );
    let mut counts = output::Counts::default();
    for m in &manifests {
        counts.add(&m.counts);
    }
    let manifest = Manifest {
        tool: first.tool.clone(),
        version: first.version.clone(),
        schema_version: output::SCHEMA_VERSION,
        run: output::RunInfo {
            started: output::rfc3339(started_at),
            seconds: started.elapsed().as_secs_f64(),
        },
        parameters: output::Parameters {
            out: out.display().to_string(),
            ..first.parameters.clone()
        },
        shard: None,
        corpus_listing: first.corpus_listing.clone(),
        merged_from: shards.iter().map(|d| d.display().to_string()).collect(),
        corpus_notes: first.corpus_notes.clone(),
        codebook: first.codebook.clone(),
        counts,
        files,
        files_not_listed,
        tables: output::table_infos(&tables),
        variables: variables.map(|(_, info)| info),
    };
    output::write(out, &mut tables, &manifest)?;
    Ok(manifest.counts)
}

/// The manifest's account of each file, from a `documents` table.
fn file_infos(
    documents: &polars::prelude::DataFrame,
) -> polars::prelude::PolarsResult<Vec<output::FileInfo>> {
    let text = |name: &str| -> polars::prelude::PolarsResult<Vec<Option<String>>> {
        Ok(documents
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let (ids, statuses, reasons) = (text("document")?, text("status")?, text("reason")?);
    let (sha256, encodings, from, warnings) = (
        text("sha256")?,
        text("encoding")?,
        text("encoding_from")?,
        text("warning")?,
    );
    let bytes = documents
        .column("bytes")?
        .cast(&polars::prelude::DataType::UInt64)?;
    let bytes = bytes.u64()?;
    let null = |column: &str, i: usize| polars::prelude::polars_err!(ComputeError: "documents table: row {i} has no {column}");
    (0..documents.height())
        .map(|i| {
            Ok(output::FileInfo {
                document: ids[i].clone().ok_or_else(|| null("document", i))?,
                bytes: bytes.get(i).ok_or_else(|| null("bytes", i))?,
                sha256: sha256[i].clone().ok_or_else(|| null("sha256", i))?,
                status: statuses[i].clone().ok_or_else(|| null("status", i))?,
                reason: reasons[i].clone(),
                encoding: encodings[i].clone(),
                encoding_from: from[i].clone(),
                warning: warnings[i].clone(),
            })
        })
        .collect()
}

/// The shards' `document_variables` tables in corpus order, and their manifests' account of
/// the variables with the unmatched rows and documents of every shard; `None` when the run had
/// no variables.
fn merge_variables(
    shards: &[PathBuf],
    manifests: &[Manifest],
) -> Result<Option<(polars::prelude::DataFrame, output::VariablesInfo)>> {
    let Some(first) = manifests[0].variables.clone() else {
        return Ok(None);
    };
    let mut frames = Vec::new();
    for dir in shards {
        frames.push(output::read_table(dir, "document_variables")?);
    }
    let df =
        tables::concat_by_document(frames).context("cannot merge the document_variables tables")?;
    let mut info = first;
    info.unmatched_rows = Vec::new();
    info.documents_without = Vec::new();
    for m in manifests.iter().filter_map(|m| m.variables.as_ref()) {
        info.unmatched_rows.extend(m.unmatched_rows.iter().cloned());
        info.documents_without
            .extend(m.documents_without.iter().cloned());
    }
    info.unmatched_rows.sort();
    info.documents_without.sort();
    Ok(Some((df, info)))
}

/// Loads the codebook a command codes with: the codebook, with the speakers of
/// `--skip-speaker` added to its `skip_speakers`.
pub fn load_codebook_for(settings: &RunSettings) -> Result<Codebook> {
    Ok(skipping_speakers(
        load_codebook(&settings.codebook)?,
        settings,
    ))
}

/// The codebook with the speakers of `--skip-speaker` added to its `skip_speakers`.
pub fn skipping_speakers(mut codebook: Codebook, settings: &RunSettings) -> Codebook {
    for name in &settings.skip_speakers {
        if !codebook.skip_speakers.contains(name) {
            codebook.skip_speakers.push(name.clone());
        }
    }
    codebook
}

/// Loads and validates the codebook, printing its warnings on stderr.
pub fn load_codebook(path: &Path) -> Result<Codebook> {
    let codebook = codebook::load(path)?;
    for w in &codebook.warnings {
        errln!(
            "warning: {}:{}:{}: {}",
            path.display(),
            w.line,
            w.column,
            w.message
        );
    }
    Ok(codebook)
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A coded document, with its decoded text when it was read from markup (for the `texts`
/// table).
pub type Coded = (CodedDocument, Option<String>);

/// One document of a table corpus, by id: read (or the record of an empty one), or `None`
/// when the table has no such row.
pub fn table_document(
    spec: &TableSpec,
    id: &str,
) -> Result<Option<std::result::Result<Document, FileRecord>>> {
    let mut reader = TableReader::open(spec.clone()).context("cannot read the table corpus")?;
    while let Some(rows) = reader
        .next_batch(Batch::default().bytes, Batch::default().files)
        .context("cannot read the table corpus")?
    {
        if let Some(row) = rows.into_iter().find(|r| r.id == id) {
            return Ok(Some(read::table::document(row)));
        }
    }
    Ok(None)
}

/// `(id, path)` of the files to read, in corpus order.
type CorpusFiles = Vec<(String, PathBuf)>;

/// The corpus's files in corpus order, or this shard's share of them, the walk's notes
/// (reported on stderr), and for a shard the listing of the whole corpus it is cut from.
fn corpus_files(
    settings: &RunSettings,
    progress: &Progress,
) -> Result<(CorpusFiles, Vec<String>, Option<output::CorpusListing>)> {
    if settings.table.is_some() {
        // A table corpus is read row by row (`corpus_table`), not file by file.
        return Ok((Vec::new(), Vec::new(), None));
    }
    let read::Walk { mut files, notes } =
        read::walk(&settings.corpus).context("cannot read the corpus")?;
    progress.suspend(|| {
        for note in &notes {
            errln!("note: {note}");
        }
    });
    let mut listing = None;
    if let Some(shard) = settings.shard {
        let mut hasher = ListingHasher::default();
        for (id, path) in &files {
            // An entry whose size cannot be read (reported when read) counts as 0 bytes.
            hasher.add(id, std::fs::metadata(path).map_or(0, |m| m.len()));
        }
        listing = Some(hasher.finish());
        files.retain(|(id, _)| shard_of(id, shard.n) == shard.k);
    }
    Ok((files, notes, listing))
}

fn worker_pool(settings: &RunSettings) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .context("cannot start worker threads")
}

/// Reads, segments and codes files in parallel. Results are in the order of `files` whatever
/// the thread timing.
fn code_files(
    files: &[(String, PathBuf)],
    settings: &RunSettings,
    matcher: &Matcher,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> (Vec<FileRecord>, Vec<Coded>) {
    let results: Vec<(FileRecord, Option<Coded>)> = pool.install(|| {
        files
            .par_iter()
            .map(|(id, path)| {
                let loaded = read::load(id, path, settings.decoding);
                let coded = code_loaded(loaded, settings, matcher);
                // Counted in its size on disk, as the total was.
                progress.file_done(std::fs::metadata(path).map_or(0, |m| m.len()));
                coded
            })
            .collect()
    });
    let (records, documents): (Vec<FileRecord>, Vec<Option<Coded>>) = results.into_iter().unzip();
    (records, documents.into_iter().flatten().collect())
}

/// Codes a loaded document (hashed meanwhile), or passes on the record of why there is none.
fn code_loaded(
    loaded: Result<Document, FileRecord>,
    settings: &RunSettings,
    matcher: &Matcher,
) -> (FileRecord, Option<Coded>) {
    let (mut record, document) = read::finish_with(loaded, |_| ());
    let coded = document.map(|(doc, ())| {
        let coded = code_whole(&doc, settings.unit, matcher, chunk_bytes(settings.batch));
        record.warning = no_units_warning(&coded.facts(), settings.unit);
        // A document read from markup keeps its text: it goes to the `texts` table.
        let keep = doc.structure.is_some();
        (coded, keep.then_some(doc.text))
    });
    (record, coded)
}

/// Why a document that was read has nothing coded: none of its segments is a unit.
fn no_units_warning(facts: &DocumentFacts, unit: UnitLevel) -> Option<String> {
    (facts.units == 0).then(|| {
        if facts.skipped_units > 0 {
            return format!(
                "no {} units to code: all {} are of speakers left uncoded (skip_speakers)",
                unit_name(unit),
                facts.skipped_units
            );
        }
        let segments = match facts.segments {
            1 => "its only segment is a heading, footnote or boilerplate".to_string(),
            n => format!("its {n} segments are all headings, footnotes or boilerplate"),
        };
        format!(
            "no {} units to code: {segments} (layout {})",
            unit_name(unit),
            facts.layout.as_str()
        )
    })
}

fn count(
    records: &[FileRecord],
    facts: &[DocumentFacts],
    documents: &[CodedDocument],
) -> output::Counts {
    let mut counts = output::Counts {
        files: records.len(),
        ..Default::default()
    };
    for f in facts {
        counts.transcripts += usize::from(f.turns > 0);
        counts.turns += f.turns;
        counts.skipped_speaker_units += f.skipped_units;
    }
    for record in records {
        counts.without_units += usize::from(record.warning.is_some());
        match record.status {
            FileStatus::Read => counts.coded += 1,
            FileStatus::Empty => counts.empty += 1,
            FileStatus::Skipped { .. } => counts.skipped += 1,
        }
    }
    for doc in documents {
        counts.segments += doc.segments.len();
        counts.units += doc.units();
        let mut coded_units: Vec<usize> = doc.codings.iter().map(|c| c.segment).collect();
        coded_units.dedup();
        counts.units_with_codes += coded_units.len();
        counts.codings += doc.codings.len();
        counts.matches += doc.matches.len();
        counts.vetoed += doc.vetoed;
        for r in &doc.rejected {
            let rejected = &mut counts.rejected;
            *match r.status {
                Status::Vetoed { .. } => &mut rejected.vetoed,
                Status::NotNear => &mut rejected.no_near_term,
                Status::NearExcluded => &mut rejected.near_not_near_term,
                Status::Negated => &mut rejected.negated,
                Status::Overlapped => &mut rejected.overlapped,
                // Counted matches are in `matches`, never here.
                Status::Counted => continue,
            } += 1;
        }
    }
    counts
}

fn manifest(
    settings: &RunSettings,
    codebook: &Codebook,
    records: &[FileRecord],
    tables: Vec<output::TableInfo>,
    counts: output::Counts,
    started_at: u64,
    seconds: f64,
) -> Manifest {
    let (files, files_not_listed) = output::listed_files(
        records
            .iter()
            .map(|r| output::FileInfo {
                document: r.id.clone(),
                bytes: r.bytes,
                sha256: r.sha256.clone(),
                status: tables::status_name(&r.status).to_string(),
                reason: match &r.status {
                    FileStatus::Skipped { reason } => Some(reason.clone()),
                    _ => None,
                },
                encoding: r.encoding.map(|e| e.name().to_string()),
                encoding_from: r.encoding.map(|e| e.by.as_str().to_string()),
                warning: r.warning.clone(),
            })
            .collect(),
    );
    Manifest {
        tool: "qualcode".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version: output::SCHEMA_VERSION,
        shard: settings.shard,
        corpus_listing: None,
        merged_from: Vec::new(),
        corpus_notes: Vec::new(),
        run: output::RunInfo {
            started: output::rfc3339(started_at),
            seconds,
        },
        parameters: output::Parameters {
            corpus: settings.corpus.display().to_string(),
            codebook: settings.codebook.display().to_string(),
            out: settings.out.display().to_string(),
            unit: unit_name(settings.unit).to_string(),
            encoding: settings.decoding.forced().map(str::to_string),
            threads: settings.threads,
            text_column: settings.table.as_ref().and_then(|t| t.text_column.clone()),
            id_column: settings.table.as_ref().and_then(|t| t.id_column.clone()),
            metadata: settings
                .metadata
                .as_ref()
                .map(|m| m.path.display().to_string()),
            by: settings.by.iter().map(By::name).collect(),
            skip_speakers: settings.skip_speakers.clone(),
        },
        codebook: output::CodebookInfo {
            path: codebook.path.display().to_string(),
            sha256: codebook.sha256.clone(),
            name: codebook.name.clone(),
            version: codebook.version.clone(),
            codes: codebook.codes.iter().map(|c| c.id.clone()).collect(),
        },
        counts,
        files,
        files_not_listed,
        tables,
        variables: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_without_units_are_warned_about_in_words() {
        let facts = |segments, units| DocumentFacts {
            id: "x.txt".into(),
            layout: segment::Layout::Lines,
            segments,
            units,
            turns: 0,
            speakers: Vec::new(),
            skipped_units: 0,
        };
        assert_eq!(no_units_warning(&facts(3, 1), UnitLevel::Paragraph), None);
        assert_eq!(
            no_units_warning(&facts(1, 0), UnitLevel::Paragraph).as_deref(),
            Some("no paragraph units to code: its only segment is a heading, footnote or boilerplate (layout lines)")
        );
        assert_eq!(
            no_units_warning(&facts(3, 0), UnitLevel::Sentence).as_deref(),
            Some("no sentence units to code: its 3 segments are all headings, footnotes or boilerplate (layout lines)")
        );
    }

    /// Coding a document in chunks of any size, parts numbered on, gives the rows of coding it
    /// whole.
    #[test]
    fn chunked_coding_equals_whole_coding() {
        let codebook = codebook::load(Path::new("codebook.toml")).expect("codebook");
        let matcher = Matcher::new(&codebook).expect("matcher");
        let mut texts = vec![(
            "crlf.txt".to_string(),
            "A first  line\r\nwrapped on.\r\n\r\nThe yibashou rotates. Trust.\r\n".to_string(),
        )];
        for (id, path) in read::list_files(Path::new("corpus")).expect("corpus") {
            texts.push((id, std::fs::read_to_string(path).expect("shipped text")));
        }
        for (id, text) in texts {
            let doc = Document::utf8(&id, read::Format::PlainText, text);
            for unit in [UnitLevel::Paragraph, UnitLevel::Sentence] {
                let segmented = segment::segment(&doc, unit);
                let whole =
                    coding::code_document(&doc, segmented.layout, segmented.segments, &matcher);
                let plan = segment::plan(&doc, unit);
                let index = SourceIndex::new(&doc.text);
                for bytes in [1, 700, 5000] {
                    let chunks = plan.chunks(bytes);
                    let starts = chunks.iter().map(|c| c.start);
                    let ends = std::iter::once(0).chain(chunks.iter().map(|c| c.end));
                    assert!(
                        starts.eq(ends.take(chunks.len())),
                        "chunks follow each other"
                    );
                    assert!(chunks.iter().all(|c| !c.is_empty()));
                    assert!(bytes > 1 || chunks.len() > 1, "{}", doc.id);
                    // Parts of three chunks, numbered on as `code_in_parts` does.
                    let mut joined = CodedDocument::empty(&doc, plan.layout);
                    let mut numbered = 0;
                    for part in chunks.chunks(3) {
                        let mut rows = code_chunks(&doc, &plan, &index, part, &matcher, &|_| ());
                        rows.number_segments_from(numbered);
                        numbered += rows.segments.len();
                        joined.segments.append(&mut rows.segments);
                        joined.matches.append(&mut rows.matches);
                        joined.rejected.append(&mut rows.rejected);
                        joined.codings.append(&mut rows.codings);
                        joined.vetoed += rows.vetoed;
                    }
                    let what = format!("{} {unit:?} in chunks of {bytes} bytes", doc.id);
                    assert_eq!(joined.segments, whole.segments, "{what}");
                    assert_eq!(joined.matches, whole.matches, "{what}");
                    assert_eq!(joined.rejected, whole.rejected, "{what}");
                    assert_eq!(joined.codings, whole.codings, "{what}");
                    assert_eq!(joined.vetoed, whole.vetoed, "{what}");
                    assert_eq!(joined.facts(), whole.facts(), "{what}");
                }
            }
        }
    }
}
