//! The pipeline's part for table corpora and document variables: a table corpus's rows in,
//! coded batch by batch like a folder's files (read on a thread of their own while the previous
//! batch is coded); a table's other columns or a `--metadata` file in, the documents' variables
//! matched to the run's documents out, with what did not match.

use super::progress::Progress;
use super::{
    code_loaded, shard_of, Batched, Coded, CodedDocument, ListingHasher, Matcher, RunSettings,
};
use crate::output::{self, VariableInfo, VariablesInfo};
use crate::read::table::{self, Row, TableReader, TableSpec, Variables};
use crate::read::FileRecord;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::io::Read;
use std::thread::JoinHandle;

/// Where the run's document variables come from, opened (and checked) before coding starts.
pub(super) struct VariableSources {
    /// A table corpus, opened: its columns checked.
    pub table: Option<TableReader>,
    /// A `--metadata` file, read whole.
    pub metadata: Option<Variables>,
    /// The SHA-256 of the table corpus or metadata file, computed on a thread of its own.
    pub hashing: Option<JoinHandle<std::io::Result<String>>>,
}

impl VariableSources {
    pub fn open(settings: &RunSettings) -> Result<VariableSources> {
        let table = settings
            .table
            .clone()
            .map(TableReader::open)
            .transpose()
            .context("cannot read the table corpus")?;
        let metadata = match &settings.metadata {
            None => None,
            Some(spec) => Some(read_metadata(spec)?),
        };
        // The variables known before reading (all but a JSON Lines table's) are checked now,
        // so a mistyped --by costs nothing.
        let known = match (&table, &metadata) {
            (Some(reader), _) => Some(reader.variable_names().to_vec()),
            (None, Some(variables)) => Some(variables.names.clone()),
            (None, None) => None,
        };
        // `--by speaker` groups by the transcripts' speakers, which need no variables.
        let by_variables: Vec<_> = settings.by.iter().filter(|b| !b.is_speaker()).collect();
        if let Some(names) = &known {
            if settings.by.iter().any(|b| b.is_speaker()) && names.iter().any(|n| n == "speaker") {
                bail!("--by speaker groups units by the speakers of transcripts, but a document variable is called \"speaker\" too: rename that variable to group by it");
            }
        }
        match known {
            None if !by_variables.is_empty() => bail!(
                "--by needs document variables: a table corpus (--corpus FILE.csv|.tsv|.jsonl|.parquet) or --metadata FILE (only --by speaker needs none)"
            ),
            Some(names) if !names.is_empty() => {
                for by in by_variables {
                    if !names.contains(&by.variable) {
                        bail!(
                            "--by {}: there is no document variable {:?} (the variables: {})",
                            by.name(),
                            by.variable,
                            names.join(", ")
                        );
                    }
                }
            }
            _ => {}
        }
        let hashed = settings.table.as_ref().or(settings.metadata.as_ref());
        let hashing = hashed.map(|spec| {
            let path = spec.path.clone();
            std::thread::spawn(move || hash_file(&path))
        });
        Ok(VariableSources {
            table,
            metadata,
            hashing,
        })
    }
}

fn read_metadata(spec: &TableSpec) -> Result<Variables> {
    let mut reader = TableReader::open(spec.clone()).context("cannot read the metadata")?;
    while reader
        .next_batch(u64::MAX, usize::MAX)
        .context("cannot read the metadata")?
        .is_some()
    {}
    Ok(reader.variables)
}

/// SHA-256 of a file, read a megabyte at a time.
fn hash_file(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Codes a table corpus: its rows are read a batch at a time on a thread of their own (the
/// next batch while this one is coded), coded in parallel and sent to the writer. Returns the
/// reader, which holds the variables of every row; stops early when the writer has stopped.
pub(super) fn code_table(
    reader: TableReader,
    settings: &RunSettings,
    matcher: &Matcher,
    pool: &rayon::ThreadPool,
    progress: &Progress,
    send: &mut impl FnMut(Batched) -> bool,
) -> Result<(TableReader, Option<output::CorpusListing>)> {
    let mut listing = settings.shard.map(|_| ListingHasher::default());
    // Each batch with the bytes of the table read up to its end.
    let (batches, received) = std::sync::mpsc::sync_channel::<(Vec<Row>, u64)>(0);
    let batch = settings.batch;
    progress.expect(0, reader.size());
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || {
            let mut reader = reader;
            while let Some(rows) = reader.next_batch(batch.bytes, batch.files)? {
                if batches.send((rows, reader.bytes_read())).is_err() {
                    break;
                }
            }
            Ok::<_, table::TableError>(reader)
        });
        for (rows, read) in received.iter() {
            if let Some(listing) = listing.as_mut() {
                for row in &rows {
                    listing.add(&row.id, row.text.as_ref().map_or(0, |t| t.len() as u64));
                }
            }
            let rows: Vec<Row> = match settings.shard {
                Some(shard) => rows
                    .into_iter()
                    .filter(|r| shard_of(&r.id, shard.n) == shard.k)
                    .collect(),
                None => rows,
            };
            let (records, coded) = code_rows(rows, settings, matcher, pool, progress);
            progress.reach(read);
            let rows: Vec<CodedDocument> = coded.into_iter().map(|(d, _)| d).collect();
            let sent = send(Batched {
                facts: rows.iter().map(CodedDocument::facts).collect(),
                records,
                rows,
                // A table's texts are its cells, already in the table.
                texts: Vec::new(),
            });
            if !sent {
                break;
            }
        }
        // Dropping the receiver stops the reader if coding stopped first.
        drop(received);
        let reader = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .context("cannot read the table corpus")?;
        Ok((reader, listing.map(ListingHasher::finish)))
    })
}

/// Codes rows of a table corpus in parallel, as `code_files` codes files; results in row order.
fn code_rows(
    rows: Vec<Row>,
    settings: &RunSettings,
    matcher: &Matcher,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> (Vec<FileRecord>, Vec<Coded>) {
    let results: Vec<(FileRecord, Option<Coded>)> = pool.install(|| {
        rows.into_par_iter()
            .map(|row| {
                let coded = code_loaded(table::document(row), settings, matcher);
                // The bytes move by the table read, a batch at a time.
                progress.file_done(0);
                coded
            })
            .collect()
    });
    let (records, documents): (Vec<FileRecord>, Vec<Option<Coded>>) = results.into_iter().unzip();
    (records, documents.into_iter().flatten().collect())
}

/// The run's document variables and what the manifest says of them: a table corpus's other
/// columns (this shard's rows), or the `--metadata` rows matched to the documents read, the
/// unmatched rows and the documents without a row reported on stderr. `None` without either.
pub(super) fn document_variables(
    settings: &RunSettings,
    table: Option<TableReader>,
    metadata: Option<Variables>,
    hashing: Option<JoinHandle<std::io::Result<String>>>,
    records: &[FileRecord],
) -> Result<Option<(Variables, VariablesInfo)>> {
    let in_shard = |document: &str| {
        settings
            .shard
            .is_none_or(|shard| shard_of(document, shard.n) == shard.k)
    };
    let (from, spec, rows, variables, unmatched, without) = match (table, metadata) {
        (Some(reader), _) => {
            let rows = reader.rows() as usize;
            let mut variables = reader.variables.typed();
            variables.retain(in_shard);
            let Some(spec) = &settings.table else {
                return Ok(None);
            };
            ("table", spec, rows, variables, Vec::new(), Vec::new())
        }
        (None, Some(metadata)) => {
            let Some(spec) = &settings.metadata else {
                return Ok(None);
            };
            let documents: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
            let (variables, mut unmatched, mut without) =
                metadata.for_documents(&documents, in_shard);
            // Sorted as a merge of shards sorts them.
            unmatched.sort();
            without.sort();
            report_unmatched(&spec.path, &unmatched, &without);
            (
                "metadata",
                spec,
                metadata.documents.len(),
                variables,
                unmatched,
                without,
            )
        }
        (None, None) => return Ok(None),
    };
    let sha256 = match hashing {
        Some(handle) => handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .with_context(|| format!("cannot read {}", spec.path.display()))?,
        None => String::new(),
    };
    let info = VariablesInfo {
        from: from.to_string(),
        path: spec.path.display().to_string(),
        sha256,
        rows,
        variables: variables
            .names
            .iter()
            .zip(variables.kinds())
            .map(|(name, kind)| VariableInfo {
                name: name.clone(),
                kind: kind.name().to_string(),
            })
            .collect(),
        unmatched_rows: unmatched,
        documents_without: without,
    };
    Ok(Some((variables, info)))
}

/// Reports metadata rows that name no document, and documents without a row, on stderr: a
/// few by name, all in the manifest.
fn report_unmatched(path: &std::path::Path, unmatched: &[String], without: &[String]) {
    const SHOWN: usize = 5;
    let some = |names: &[String]| {
        let mut shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("{n:?}")).collect();
        if names.len() > SHOWN {
            shown.push(format!("… ({} more in manifest.json)", names.len() - SHOWN));
        }
        shown.join(", ")
    };
    if !unmatched.is_empty() {
        errln!(
            "warning: {}: {} rows name no document of the corpus: {}",
            path.display(),
            unmatched.len(),
            some(unmatched)
        );
    }
    if !without.is_empty() {
        errln!(
            "warning: {}: {} documents have no row (their variables are null): {}",
            path.display(),
            without.len(),
            some(without)
        );
    }
}
