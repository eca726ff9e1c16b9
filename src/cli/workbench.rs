//! The workbench commands: validated settings in; a finished run read a slice of rows at a time
//! (`--from`'s, or the corpus coded now into a temporary run), the workbench's findings
//! printed on stdout and its tables written, an exit code out.

use super::{exit, ExplainArgs, KwicArgs, SimilarArgs, SuggestArgs};
use crate::codebook;
use crate::coding::{self, CodedDocument, Matcher};
use crate::output::from_run::{self, FinishedRun};
use crate::output::{self, Listing, ListingFormat};
use crate::pipeline::{load_codebook_for, skipping_speakers, RunSettings};
use crate::read;
use crate::segment;
use crate::tables;
use crate::workbench::{self, agree};
use anyhow::{bail, Context, Result};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The run a command reads: `--from`'s, or the corpus coded now into a temporary run folder
/// (streamed a batch at a time, as `run` codes it, so memory does not grow with the corpus),
/// which is removed when the returned [`TemporaryRun`] is dropped.
pub(super) fn finished_run(
    from: Option<&Path>,
    settings: &RunSettings,
) -> Result<(FinishedRun, Option<TemporaryRun>)> {
    match from {
        Some(dir) => Ok((FinishedRun::open(dir, &settings.codebook)?, None)),
        None => {
            let temporary = TemporaryRun::code(settings)?;
            let run = FinishedRun::open(&temporary.dir, &settings.codebook)?;
            Ok((run, Some(temporary)))
        }
    }
}

/// A run coded into a folder of the system's temporary folder, removed when dropped: how the
/// workbench commands code a corpus with `run`'s bounded memory.
pub(super) struct TemporaryRun {
    dir: PathBuf,
}

impl TemporaryRun {
    fn code(settings: &RunSettings) -> Result<TemporaryRun> {
        let dir = std::env::temp_dir().join(format!("qualcode-run-{}", std::process::id()));
        let temporary = TemporaryRun { dir };
        let settings = RunSettings {
            out: temporary.dir.clone(),
            ..settings.clone()
        };
        crate::pipeline::execute(&settings).with_context(|| {
            format!(
                "cannot code the corpus into the temporary run {} (give --from RUN_DIR to read a finished run instead)",
                temporary.dir.display()
            )
        })?;
        Ok(temporary)
    }
}

impl Drop for TemporaryRun {
    fn drop(&mut self) {
        if !self.dir.exists() {
            return;
        }
        if let Err(err) = std::fs::remove_dir_all(&self.dir) {
            errln!(
                "warning: cannot remove the temporary run {}: {err}",
                self.dir.display()
            );
        }
    }
}

/// The run's documents as hand coding is read against them: every document of the run, in
/// run order, but only those the hand codings at `gold` name with their rows (and, for a
/// `.qdpx`, their texts); the others by id alone, which is all that matching needs. Memory
/// follows the documents named, not the corpus.
fn documents_for_gold(
    run: &FinishedRun,
    codebook: &codebook::Codebook,
    gold: &[PathBuf],
) -> Result<Vec<(CodedDocument, Option<String>)>> {
    let listed = from_run::document_list(run)?;
    let ids: Vec<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    let mut named = std::collections::BTreeSet::new();
    for path in gold {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        named.extend(agree::documents_named(&bytes, is_project(path), &ids));
    }
    let mut documents: Vec<(CodedDocument, Option<String>)> = listed
        .iter()
        .map(|(id, layout)| {
            let stub = CodedDocument {
                id: id.clone(),
                layout: *layout,
                bom_len: 0,
                segments: Vec::new(),
                matches: Vec::new(),
                rejected: Vec::new(),
                codings: Vec::new(),
                vetoed: 0,
            };
            (stub, None)
        })
        .collect();
    // Only a project's sources are compared with the documents' texts.
    let with_text = gold.iter().any(|path| is_project(path));
    from_run::for_each_document(
        run,
        codebook,
        |d| named.contains(&d),
        with_text,
        |d, document, text| {
            documents[d] = (document, text);
            Ok(())
        },
    )?;
    Ok(documents)
}

/// A hand coding given as a `.qdpx` project (else a CSV).
fn is_project(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdpx"))
}

/// Compares the machine's coding with any number of hand codings (and those with each other),
/// prints the tables on stdout and writes `agreement.parquet`, `agreement_pooled.parquet`,
/// `agreement_units.parquet` (and with several coders `agreement_coders.parquet`) into
/// `settings.out`.
pub fn agree(
    gold: &[PathBuf],
    bootstrap: &agree::Bootstrap,
    from: Option<&Path>,
    settings: &RunSettings,
) -> Result<u8> {
    let codebook = load_codebook_for(settings)?;
    // The folder is usually a run's: locked as a run locks it, so that neither writes while
    // the other does.
    std::fs::create_dir_all(&settings.out)
        .with_context(|| format!("cannot create output folder {}", settings.out.display()))?;
    let _lock = output::lock_output(&settings.out)?;
    let (finished, temporary) = finished_run(from, settings)?;
    let code = exit::finished(finished.manifest.counts.skipped);
    let documents = documents_for_gold(&finished, &codebook, gold)?;
    let run = agree::run_documents(&documents);
    let machine = agree::machine(&codebook, documents.iter().map(|(d, _)| d));
    let coders = read_gold(gold, &codebook, &run)?;
    let mut comparisons = Vec::new();
    let mut pooled = Vec::new();
    let pairs = coders.iter().map(|c| (c, &machine)).chain(
        coders
            .iter()
            .enumerate()
            .flat_map(|(i, a)| coders[i + 1..].iter().map(move |b| (a, b))),
    );
    let sample_weights = gold
        .iter()
        .map(|path| sample_weights(path, &finished, &documents))
        .collect::<Result<Vec<_>>>()?;
    drop(temporary);
    for (a, b) in pairs {
        let (mut per_code, all_codes) = agree::compare(&codebook, a, b, bootstrap);
        // A hand coder against the machine, on a validation sample: weighted to the corpus too.
        let gold_index = coders.iter().position(|c| std::ptr::eq(c, a));
        if let (Some(i), true) = (gold_index, std::ptr::eq(b, &machine)) {
            if let Some(weights) = &sample_weights[i] {
                let w = agree::weighted::weighted(codebook.codes.len(), a, b, weights);
                for row in &mut per_code {
                    row.weighted = Some(w[row.code]);
                }
            }
        }
        comparisons.extend(per_code);
        pooled.push(all_codes);
    }
    let mut groups = Vec::new();
    if coders.len() >= 2 {
        let hand: Vec<&agree::Coder> = coders.iter().collect();
        groups.extend(agree::group(&codebook, "hand coders", &hand, bootstrap));
        let all: Vec<&agree::Coder> = hand.iter().copied().chain([&machine]).collect();
        groups.extend(agree::group(
            &codebook,
            "hand coders and machine",
            &all,
            bootstrap,
        ));
    }
    crate::escape::print_lines(
        &agree::Report {
            codebook: &codebook,
            comparisons: &comparisons,
            pooled: &pooled,
            groups: &groups,
        }
        .to_string(),
    );
    let coded: Vec<&CodedDocument> = documents.iter().map(|(d, _)| d).collect();
    let mut columns: Vec<(String, &agree::Coder)> = vec![("machine".to_string(), &machine)];
    columns.extend(
        coders
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("gold{}", i + 1), c)),
    );
    let named: Vec<(&str, &agree::Coder)> = columns.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    let mut tables = vec![
        (
            "agreement",
            tables::agreement(&codebook, &comparisons)
                .context("cannot build the agreement table")?,
        ),
        (
            "agreement_pooled",
            tables::agreement_pooled(&pooled).context("cannot build the agreement_pooled table")?,
        ),
        (
            "agreement_units",
            tables::agreement_units(&codebook, &coded, &named)
                .context("cannot build the agreement_units table")?,
        ),
    ];
    if !groups.is_empty() {
        tables.push((
            "agreement_coders",
            tables::agreement_coders(&codebook, &groups)
                .context("cannot build the agreement_coders table")?,
        ));
    }
    for (name, df) in &mut tables {
        let path = output::write_table(&settings.out, name, df)?;
        errln!("qualcode: wrote {}", path.display());
    }
    Ok(code)
}

/// For a hand coding that is a `qualcode sample` sheet (its design file beside it): each unit's
/// weight, the units of its stratum it stands for — when the corpus is coded as the sample's
/// run was, else a warning and no weights.
fn sample_weights(
    gold: &std::path::Path,
    run: &FinishedRun,
    documents: &[crate::pipeline::Coded],
) -> Result<Option<std::collections::BTreeMap<agree::UnitKey, f64>>> {
    use crate::workbench::validation::sheet;
    let design_path = sheet::design_path(gold);
    let Ok(text) = std::fs::read_to_string(&design_path) else {
        return Ok(None);
    };
    let design: sheet::DesignFile = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a design file of qualcode sample",
            design_path.display()
        )
    })?;
    let population = super::validation::population_of_table(
        crate::output::run_tables::read_coded_units(&run.dir)?,
    );
    if population.fingerprint(&run.manifest.codebook.sha256) != design.run.population_sha256 {
        errln!(
            "warning: {}: a validation sample of another coding (codebook or corpus changed since it was drawn): its figures are not weighted to the corpus",
            gold.display()
        );
        return Ok(None);
    }
    let index: std::collections::BTreeMap<&str, usize> = documents
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (d.id.as_str(), i))
        .collect();
    let weight: std::collections::BTreeMap<&str, f64> = design
        .strata
        .iter()
        .map(|s| (s.id.as_str(), sheet::weight(s)))
        .collect();
    Ok(Some(
        design
            .units
            .iter()
            .filter_map(|u| {
                let d = *index.get(u.document.as_str())?;
                Some(((d, u.segment as usize), *weight.get(u.stratum.as_str())?))
            })
            .collect(),
    ))
}

/// Reads each hand coding (CSV or .qdpx), reporting on stderr what each covers and anything
/// that looks wrong with it.
fn read_gold(
    gold: &[PathBuf],
    codebook: &codebook::Codebook,
    run: &[agree::RunDocument],
) -> Result<Vec<agree::Coder>> {
    let mut coders = Vec::new();
    for path in gold {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
        let is_project = is_project(path);
        if !is_project {
            if let Some(what) = agree::not_a_hand_coding(path, &bytes) {
                bail!("{name} is {what}");
            }
        }
        let coder = if is_project {
            let (coder, notes) = agree::gold_qdpx(&name, &bytes, codebook, run)?;
            for note in notes {
                errln!("warning: {name}: {note}");
            }
            coder
        } else {
            let coder = agree::gold_csv(&name, &bytes, codebook, run)?;
            if let Some(warning) = agree::unit_level_warning(&coder, run) {
                errln!("warning: {name}: {warning}");
            }
            coder
        };
        errln!(
            "qualcode: {name}: {} units of {} documents hand-coded",
            coder.units.len(),
            coder
                .units
                .keys()
                .map(|(d, _)| d)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        coders.push(coder);
    }
    Ok(coders)
}

/// Lints the codebook against the corpus; prints the warnings on stdout.
pub fn check(max_share: f64, from: Option<&Path>, settings: &RunSettings) -> Result<u8> {
    // Its warnings are among the lints, on stdout.
    let codebook = skipping_speakers(codebook::load(&settings.codebook)?, settings);
    // The run's units are traced one slice of rows at a time.
    let (run, temporary) = finished_run(from, settings)?;
    let matcher = Matcher::new(&codebook)?;
    let mut stats = workbench::check::CorpusStats::new(&codebook);
    from_run::for_each_coded_unit(&run, |text| stats.add_unit(&matcher, text))?;
    let counts = &run.manifest.counts;
    let (code, documents) = (exit::finished(counts.skipped), counts.coded + counts.empty);
    drop(temporary);
    let lints = workbench::check::lint(&codebook, &stats, max_share);
    for lint in &lints {
        outln!(
            "{}:{}: warning: {}",
            settings.codebook.display(),
            lint.line,
            lint.message
        );
    }
    errln!(
        "qualcode: codebook {} is valid: {} codes, {} rules; {} warning{} on {} units of {} documents",
        settings.codebook.display(),
        codebook.codes.len(),
        codebook.codes.iter().map(|c| c.rules.len()).sum::<usize>(),
        lints.len(),
        if lints.len() == 1 { "" } else { "s" },
        stats.units,
        documents
    );
    Ok(code)
}

/// Prints keyword-in-context lines, and writes them to a file if asked.
pub fn kwic(args: &KwicArgs, format: Option<ListingFormat>, settings: &RunSettings) -> Result<u8> {
    let statuses = workbench::kwic::statuses(&args.status).map_err(anyhow::Error::msg)?;
    let codebook = load_codebook_for(settings)?;
    let Some(target) = workbench::kwic::target(&codebook, &args.target) else {
        let rules: Vec<&str> = codebook
            .codes
            .iter()
            .flat_map(|c| c.rules.iter().map(|r| r.id.as_str()))
            .collect();
        bail!(
            "{:?} is neither a code nor a rule of {} (codes: {}; rules: {})",
            args.target,
            settings.codebook.display(),
            codebook
                .codes
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            rules.join(", ")
        );
    };
    // Only the target's rows of the run and their units' texts are read: memory follows the
    // matches shown, not the corpus.
    let (run, temporary) = finished_run(args.reuse.from.as_deref(), settings)?;
    let (c, r) = match target {
        workbench::kwic::Target::Code(c) => (c, None),
        workbench::kwic::Target::Rule(c, r) => (c, Some(r)),
    };
    let rows = from_run::target_matches(&run, &codebook, c, r, &statuses)?;
    let lines = workbench::kwic::kwic_in_units(&codebook, &rows, args.context)
        .map_err(anyhow::Error::msg)?;
    let code = exit::finished(run.manifest.counts.skipped);
    drop(temporary);
    // Lines of other statuses than `counted` say which they are.
    let show_status = statuses != ["counted"];
    let total = lines.len();
    let shown = &lines[..args.limit.unwrap_or(total).min(total)];
    let colour = std::io::stdout().is_terminal();
    let width = shown
        .iter()
        .map(|l| l.left.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    // With other statuses than `counted`, each line starts with its status, padded so that the
    // matches stay in one column.
    let status_of = |l: &workbench::kwic::Kwic| match (show_status, &l.vetoed_by) {
        (false, _) => String::new(),
        (true, Some(pattern)) => format!("vetoed by {pattern:?}"),
        (true, None) => l.status.to_string(),
    };
    let status_width = shown
        .iter()
        .map(|l| status_of(l).chars().count() + 2)
        .max()
        .filter(|_| show_status)
        .unwrap_or(0);
    // The document's text and name are shown through `escape::terminal` (a control character
    // in them as an escape), so the only escape sequences printed are the highlight's own.
    let shown_text = |text: &str| crate::escape::terminal(text).into_owned();
    for l in shown {
        let left: String = {
            let n = l.left.chars().count();
            shown_text(
                &l.left
                    .chars()
                    .skip(n.saturating_sub(width))
                    .collect::<String>(),
            )
        };
        let matched = if colour {
            format!("\x1b[1;31m{}\x1b[0m", shown_text(&l.matched))
        } else {
            format!("[{}]", shown_text(&l.matched))
        };
        let status = crate::escape::terminal(&status_of(l)).into_owned();
        crate::escape::out_styled(&format!(
            "{}:{}: {status:<status_width$}{left:>width$}{matched}{}",
            shown_text(&l.document),
            l.line,
            shown_text(&l.right)
        ));
    }
    errln!(
        "qualcode: {total} match{} of {}{}{}",
        if total == 1 { "" } else { "es" },
        args.target,
        if show_status {
            format!(" ({})", args.status.join(", "))
        } else {
            String::new()
        },
        if shown.len() < total {
            format!(", {} shown", shown.len())
        } else {
            String::new()
        }
    );
    if let (Some(out), Some(format)) = (&args.out, format) {
        kwic_listing(&lines).write(out, format)?;
        errln!("qualcode: wrote {}", out.display());
    }
    Ok(code)
}

fn kwic_listing(lines: &[workbench::kwic::Kwic]) -> Listing {
    Listing::default()
        .text("document", lines.iter().map(|l| l.document.clone()))
        .whole("line", lines.iter().map(|l| l.line))
        .whole("segment", lines.iter().map(|l| l.segment))
        .text("code", lines.iter().map(|l| l.code.clone()))
        .text("rule", lines.iter().map(|l| l.rule.clone()))
        .text("left", lines.iter().map(|l| l.left.clone()))
        .text("match", lines.iter().map(|l| l.matched.clone()))
        .text("right", lines.iter().map(|l| l.right.clone()))
        .whole("char_start", lines.iter().map(|l| l.char_start))
        .whole("char_end", lines.iter().map(|l| l.char_end))
        .text("status", lines.iter().map(|l| l.status.to_string()))
        // Null (empty in CSV) unless the match was vetoed, as in `rejected_matches`.
        .optional_text("vetoed_by", lines.iter().map(|l| l.vetoed_by.clone()))
}

/// Prints the account of one unit (by segment number) or of the units on a line.
pub fn explain(args: &ExplainArgs, settings: &RunSettings) -> Result<u8> {
    let codebook = load_codebook_for(settings)?;
    let matcher = Matcher::new(&codebook)?;
    let (id, segments, document) = match args.reuse.from.as_deref() {
        // The document's segments as the run wrote them: nothing is read or segmented again.
        Some(dir) => {
            let run = FinishedRun::open(dir, &settings.codebook)?;
            let Some(segments) = from_run::document_segments(&run, &args.document)? else {
                // An empty or skipped file is in the run's documents table, without segments.
                match from_run::document_status(&run, &args.document)? {
                    Some((status, _)) if status == "coded" => bail!(
                        "{:?} of the run in {} has no segments",
                        args.document,
                        dir.display()
                    ),
                    Some((status, Some(reason))) => bail!(
                        "{:?} of the run in {} cannot be coded: {status}: {reason}",
                        args.document,
                        dir.display()
                    ),
                    Some((status, None)) => bail!(
                        "{:?} of the run in {} cannot be coded: {status}",
                        args.document,
                        dir.display()
                    ),
                    None => bail!(
                        "{:?} is not a document of the run in {} (documents are named as in its tables)",
                        args.document,
                        dir.display()
                    ),
                }
            };
            (args.document.clone(), segments, None)
        }
        None => {
            let (id, segments, document) = explain_segments(args, settings, &matcher)?;
            (id, segments, Some(document))
        }
    };
    if args.speakers {
        // The labels are weighed in the document's text, read now; the turns are the run's
        // (`--from`) or found now.
        let document = match document {
            Some(document) => document,
            None => explain_segments(args, settings, &matcher)?.2,
        };
        let evidence = segment::speaker_evidence(&document);
        crate::escape::print_lines(&workbench::explain::speakers(&id, &evidence, &segments));
        return Ok(exit::OK);
    }
    let id = id.as_str();
    let units: Vec<&coding::SegmentRow> = match (args.segment, args.line) {
        (Some(n), _) => {
            let row = segments.get(n).with_context(|| {
                format!(
                    "{id} has segments 0 to {}, not {n}",
                    segments.len().saturating_sub(1)
                )
            })?;
            vec![row]
        }
        (None, Some(line)) => segments
            .iter()
            .filter(|s| s.line_start <= line && line <= s.line_end)
            .collect(),
        (None, None) => bail!("give a SEGMENT number or --line N"),
    };
    if units.is_empty() {
        bail!("no segment of {id} covers line {}", args.line.unwrap_or(0));
    }
    for unit in units {
        if !unit.coded {
            let why = match unit.turn.as_ref().and_then(|t| t.speaker.as_deref()) {
                Some(speaker) if unit.skipped() => {
                    format!(" (its speaker {speaker} is one of skip_speakers)")
                }
                _ => String::new(),
            };
            outln!(
                "{id}, segment {}: a {} segment (lines {}-{}), which is not coded{why}",
                unit.segment,
                unit.kind,
                unit.line_start,
                unit.line_end
            );
            outln!("");
            continue;
        }
        // A speaker's label is not coded: blanked out, as the run does.
        let trace = matcher.trace_unit(&coding::matchable(&unit.text, unit.label));
        crate::escape::print_lines(&workbench::explain::explain(&codebook, id, unit, &trace));
        outln!("");
    }
    Ok(exit::OK)
}

/// The document `explain` names, read from the corpus now, and its segments.
fn explain_segments(
    args: &ExplainArgs,
    settings: &RunSettings,
    matcher: &Matcher,
) -> Result<(String, Vec<coding::SegmentRow>, read::Document)> {
    let (id, path, loaded) = match &settings.table {
        Some(spec) => {
            let Some(loaded) = crate::pipeline::table_document(spec, &args.document)? else {
                bail!(
                    "{:?} is not a document of {} (documents are named by the table's id column, as in the tables)",
                    args.document,
                    settings.corpus.display()
                );
            };
            let path = settings.corpus.join(&args.document);
            (args.document.clone(), path, loaded)
        }
        None => {
            let files = read::list_files(&settings.corpus).context("cannot read the corpus")?;
            let Some((id, path)) = files.iter().find(|(id, _)| *id == args.document) else {
                bail!(
                    "{:?} is not a document of {} (documents are named by their path in the corpus folder, as in the tables)",
                    args.document,
                    settings.corpus.display()
                );
            };
            (
                id.clone(),
                path.clone(),
                read::load(id, path, settings.decoding),
            )
        }
    };
    let document = match loaded {
        Ok(document) => document,
        Err(record) => match &record.status {
            read::FileStatus::Skipped { reason } => {
                bail!("{} cannot be coded: skipped: {reason}", path.display())
            }
            status => bail!(
                "{} cannot be coded: {}",
                path.display(),
                tables::status_name(status)
            ),
        },
    };
    let segmented = segment::segment(&document, settings.unit);
    let coded = coding::code_document(&document, segmented.layout, segmented.segments, matcher);
    Ok((id.to_string(), coded.segments, document))
}

/// The index of a code named on the command line, or an error listing the codes.
fn code_named(codebook: &codebook::Codebook, settings: &RunSettings, name: &str) -> Result<usize> {
    codebook
        .codes
        .iter()
        .position(|c| c.id == name)
        .with_context(|| {
            format!(
                "{name:?} is not a code of {} (codes: {})",
                settings.codebook.display(),
                codebook
                    .codes
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// The run's coded units by key, in run order.
fn unit_rows(documents: &[crate::pipeline::Coded]) -> Vec<(agree::UnitKey, &coding::SegmentRow)> {
    documents
        .iter()
        .enumerate()
        .flat_map(|(d, (doc, _))| {
            doc.segments
                .iter()
                .filter(|s| s.coded)
                .map(move |s| ((d, s.segment), s))
        })
        .collect()
}

fn show(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

/// Prints candidate rules and exclusions for a code with the kappa each would give, and the
/// best of them as TOML to paste; writes them all to `--out`.
pub fn suggest(
    args: &SuggestArgs,
    format: Option<ListingFormat>,
    settings: &RunSettings,
) -> Result<u8> {
    let codebook = load_codebook_for(settings)?;
    let code = code_named(&codebook, settings, &args.code)?;
    let (finished, temporary) = finished_run(args.reuse.from.as_deref(), settings)?;
    let exit_code = exit::finished(finished.manifest.counts.skipped);
    let documents = documents_for_gold(&finished, &codebook, std::slice::from_ref(&args.gold))?;
    drop(temporary);
    let run = agree::run_documents(&documents);
    let machine = agree::machine(&codebook, documents.iter().map(|(d, _)| d));
    let gold = read_gold(std::slice::from_ref(&args.gold), &codebook, &run)?
        .pop()
        .context("no hand coding read")?;
    let units: std::collections::BTreeMap<agree::UnitKey, &coding::SegmentRow> =
        unit_rows(&documents).into_iter().collect();
    let settings_ = workbench::suggest::Settings {
        min_units: args.min_units,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let suggestions =
        workbench::suggest::suggest(&codebook, code, &units, &gold, &machine, &settings_)?;
    let found = &suggestions.candidates;
    let id = &codebook.codes[code].id;
    let judged = gold.units.len();
    let coded = gold.units.values().filter(|c| c.contains(&code)).count();
    outln!(
        "{id}: {judged} units judged in {}, {coded} of them with the code; kappa now {}",
        args.gold.display(),
        show(suggestions.before.cohen_kappa())
    );
    if coded < FEW_EXAMPLES {
        errln!(
            "warning: only {coded} unit{} of {} carry {id}: candidates learned from so few are anecdotes,              and a kappa gained on them rarely holds on new documents; hand-code more units              (`qualcode sample` draws them) before adding rules",
            if coded == 1 { "" } else { "s" },
            args.gold.display()
        );
    }
    let shown = &found[..args.limit.min(found.len())];
    let width = shown
        .iter()
        .map(|s| s.term.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    outln!(
        "{:>4} {:<7} {:<width$} {:>7} {:>4} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7}",
        "rank",
        "kind",
        "term",
        "keyness",
        "for",
        "against",
        "+right",
        "+wrong",
        "-right",
        "-wrong",
        "kappa"
    );
    for (i, s) in shown.iter().enumerate() {
        outln!(
            "{:>4} {:<7} {:<width$} {:>7.2} {:>4} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7}",
            i + 1,
            s.kind.as_str(),
            s.term,
            s.keyness,
            s.units_for,
            s.units_against,
            s.adds_right,
            s.adds_wrong,
            s.removes_right,
            s.removes_wrong,
            show(s.kappa_after)
        );
    }
    let better: Vec<&workbench::suggest::Suggestion> = shown
        .iter()
        .filter(|s| {
            s.kappa_after.unwrap_or(f64::NEG_INFINITY) > s.kappa_before.unwrap_or(f64::NEG_INFINITY)
        })
        .take(5)
        .collect();
    if !better.is_empty() {
        crate::escape::print_lines(&format!(
            "\n# The best candidates, to paste under the [[codes]] table of {id:?}. Each was tried alone:\n# together they interact, so run `qualcode agree` again after adding them. Read their units\n# (`qualcode kwic`) first: a term that fits these units may not fit the next corpus."
        ));
        for (n, s) in better.iter().enumerate() {
            let table = match s.kind {
                workbench::suggest::Kind::Add => "codes.rules",
                workbench::suggest::Kind::Exclude => "codes.exclude",
            };
            crate::escape::print_lines(&format!(
                "# kappa {} -> {}: +{} right, +{} wrong, -{} right, -{} wrong\n[[{table}]]\nid = \"{id}_suggested_{}\"\nterms = [{}]",
                show(s.kappa_before),
                show(s.kappa_after),
                s.adds_right,
                s.adds_wrong,
                s.removes_right,
                s.removes_wrong,
                n + 1,
                crate::escape::toml_string(&s.term)
            ));
        }
    }
    errln!(
        "qualcode: {} candidates for {id} that change some decision, {} shown, in {:.2}s",
        found.len(),
        shown.len(),
        started.elapsed().as_secs_f64()
    );
    if let (Some(out), Some(format)) = (&args.out, format) {
        Listing::default()
            .text("term", found.iter().map(|s| s.term.clone()))
            .text("kind", found.iter().map(|s| s.kind.as_str().to_string()))
            .real("kappa_before", found.iter().map(|s| s.kappa_before))
            .real("kappa_after", found.iter().map(|s| s.kappa_after))
            .real("keyness", found.iter().map(|s| Some(s.keyness)))
            .whole("units_for", found.iter().map(|s| s.units_for))
            .whole("units_against", found.iter().map(|s| s.units_against))
            .whole("adds_right", found.iter().map(|s| s.adds_right))
            .whole("adds_wrong", found.iter().map(|s| s.adds_wrong))
            .whole("removes_right", found.iter().map(|s| s.removes_right))
            .whole("removes_wrong", found.iter().map(|s| s.removes_wrong))
            .write(out, format)?;
        errln!("qualcode: wrote {}", out.display());
    }
    Ok(exit_code)
}

/// The texts of the units for whose key `keep` holds.
fn texts_where(units: &[from_run::UnitRow], keep: impl Fn(agree::UnitKey) -> bool) -> Vec<&str> {
    units
        .iter()
        .filter(|u| keep((u.document, u.segment)))
        .map(|u| u.text.as_str())
        .collect()
}

/// Prints the units most like those carrying a code (by hand coding, or by the run) that the
/// run did not code with it; writes the list to `--out`.
/// Fewer hand-coded examples of a code than this, and `suggest`'s candidates are anecdotes.
const FEW_EXAMPLES: usize = 10;

pub fn similar(
    args: &SimilarArgs,
    format: Option<ListingFormat>,
    settings: &RunSettings,
) -> Result<u8> {
    let codebook = load_codebook_for(settings)?;
    let code = code_named(&codebook, settings, &args.code)?;
    let id = &codebook.codes[code].id;
    // The run's units are read three times, a slice of rows at a time: their terms' document
    // frequencies, the seeds' centroid, the ranking (only the best kept).
    let (finished, temporary) = finished_run(args.reuse.from.as_deref(), settings)?;
    let exit_code = exit::finished(finished.manifest.counts.skipped);
    let gold = match &args.gold {
        Some(path) => {
            let gold = std::slice::from_ref(path);
            let documents = documents_for_gold(&finished, &codebook, gold)?;
            read_gold(gold, &codebook, &agree::run_documents(&documents))?.pop()
        }
        None => None,
    };
    let with_code = |coder: &agree::Coder| -> std::collections::BTreeSet<agree::UnitKey> {
        coder
            .units
            .iter()
            .filter(|(_, codes)| codes.contains(&code))
            .map(|(key, _)| *key)
            .collect()
    };
    let listed = from_run::document_list(&finished)?;
    let coded_by_run = from_run::units_with_code(&finished, &listed, id)?;
    // Units left out of the list: those the run coded, and with --unjudged those already
    // hand-coded.
    let mut left_out = coded_by_run.clone();
    if args.unjudged {
        match &gold {
            Some(g) => left_out.extend(g.units.keys().copied()),
            None => bail!(
                "--unjudged leaves out the units of the hand coding given with --gold: give --gold"
            ),
        }
    }
    let (seeds, source) = match &gold {
        Some(g) => (
            with_code(g),
            args.gold
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string()),
        ),
        None => (coded_by_run, "the run".to_string()),
    };
    if seeds.is_empty() {
        bail!("no unit carries {id} in {source}: there is nothing to find units like");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .context("cannot start worker threads")?;
    let started = std::time::Instant::now();
    let mut vocabulary = workbench::similar::Vocabulary::default();
    pool.install(|| {
        from_run::for_each_unit_slice(&finished, &listed, |units| {
            vocabulary.add(&texts_where(&units, |_| true));
            Ok(())
        })
    })?;
    let units = vocabulary.units();
    let mut centroid = workbench::similar::Centroid::new(vocabulary);
    from_run::for_each_unit_slice(&finished, &listed, |units| {
        centroid.add(&texts_where(&units, |key| seeds.contains(&key)));
        Ok(())
    })?;
    let exclude = seeds.union(&left_out).copied().collect();
    let found = match centroid.ranking(exclude, args.limit, 5) {
        None => Vec::new(),
        Some(mut ranking) => {
            pool.install(|| {
                from_run::for_each_unit_slice(&finished, &listed, |units| {
                    ranking.add(
                        units
                            .into_iter()
                            .map(|u| {
                                let place = (u.line, u.char_start, u.char_end);
                                ((u.document, u.segment), u.text, place)
                            })
                            .collect(),
                    );
                    Ok(())
                })
            })?;
            ranking.finish()
        }
    };
    drop(temporary);
    let judged = |key: &agree::UnitKey| -> String {
        gold.as_ref()
            .and_then(|g| g.units.get(key))
            .map_or(String::new(), |codes| {
                if codes.contains(&code) {
                    "yes".into()
                } else {
                    "no".into()
                }
            })
    };
    outln!(
        "units most like the {} carrying {id} in {source} that the run did not code {id}:",
        seeds.len()
    );
    for (i, (n, text, (line, _, _))) in found.iter().enumerate() {
        let preview: String = text.chars().take(160).collect();
        let more = if text.chars().count() > 160 {
            "…"
        } else {
            ""
        };
        let hand = match judged(&n.key).as_str() {
            "" => String::new(),
            v => format!(" [hand coding: {v}]"),
        };
        outln!(
            "{:>3}. {:.3} {}:{line} (segment {}) — {}{hand}",
            i + 1,
            n.score,
            listed[n.key.0].0,
            n.key.1,
            n.words.join(", ")
        );
        outln!("     {preview}{more}");
    }
    errln!(
        "qualcode: {} units listed of {units} in {:.2}s",
        found.len(),
        started.elapsed().as_secs_f64()
    );
    if let (Some(out), Some(format)) = (&args.out, format) {
        Listing::default()
            .whole("rank", 1..=found.len())
            .text(
                "document",
                found.iter().map(|(n, _, _)| listed[n.key.0].0.clone()),
            )
            .whole("segment", found.iter().map(|(n, _, _)| n.key.1))
            .whole("line", found.iter().map(|(_, _, place)| place.0))
            .whole("char_start", found.iter().map(|(_, _, place)| place.1))
            .whole("char_end", found.iter().map(|(_, _, place)| place.2))
            .real("score", found.iter().map(|(n, _, _)| Some(n.score)))
            .text("words", found.iter().map(|(n, _, _)| n.words.join(" ")))
            .text("hand_coding", found.iter().map(|(n, _, _)| judged(&n.key)))
            .text("text", found.iter().map(|(_, text, _)| text.clone()))
            .write(out, format)?;
        errln!("qualcode: wrote {}", out.display());
    }
    Ok(exit_code)
}
