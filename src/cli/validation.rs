//! `sample` and `estimate`: a finished run's folder in; a coding sheet and its design file
//! out (`sample`), or, with the sheet coded, the estimates printed on stdout and written as
//! `estimates.parquet` and `estimate_cells.parquet` with `estimates.json` (`estimate`).

use crate::output::{self, run_tables};
use crate::tables;
use crate::tables::variables::{value_order, values_by_document, By};
use crate::workbench::agree::text_key;
use crate::workbench::validation::design::{self, DesignKind, Population, PopulationUnit};
use crate::workbench::validation::estimate::{self, EstimateRow, Variable};
use crate::workbench::validation::interval::Estimate;
use crate::workbench::validation::sheet::{self, Blanks, DesignFile, DrawnUnit, RunIdentity};
use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The finished run to draw from (its coded units are the population).
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub from: PathBuf,
    /// How many units to draw.
    #[arg(short = 'n', long, value_name = "N")]
    pub n: u64,
    /// Seed of the draw: the same seed and run give the same sample [default: taken from the
    /// clock, and recorded in the design file].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// stratified: by the rules' coding (units with any code / none), square-root allocation;
    /// simple: every unit alike.
    #[arg(long, value_enum, default_value_t = Design::Stratified)]
    pub design: Design,
    /// The coding sheet to write: .csv for a spreadsheet, or .qdpx for a QDA tool (QualCoder,
    /// MAXQDA, ATLAS.ti, NVivo: one source per unit); its design is written beside it as
    /// NAME.design.json.
    #[arg(short, long, value_name = "FILE")]
    pub out: PathBuf,
    /// The run's codebook, for the code definitions of a .qdpx sheet [default: the file the
    /// run's manifest names].
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Replace an existing sheet (a filled sheet would be lost).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Design {
    Stratified,
    Simple,
}

#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    /// The finished run the sample was drawn from.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub from: PathBuf,
    /// The coded sheet, .csv or .qdpx (its NAME.design.json beside it).
    #[arg(long, value_name = "SHEET")]
    pub gold: PathBuf,
    /// Also estimate per value of this document variable (repeatable; year:NAME, month:NAME
    /// for dates; `speaker` for the speakers of transcripts), with the rules' error rates of
    /// the whole sample.
    #[arg(long, value_name = "NAME")]
    pub by: Vec<String>,
    /// Confidence level of the intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub level: f64,
    /// A blank code cell means no, also in a row with no mark at all (the coder read every
    /// row); needed for a .qdpx sheet, where a unit without codes looks like one not read.
    #[arg(long)]
    pub blank_means_no: bool,
    /// The coder stopped early: use the rows coded from the top of the sheet (its order is
    /// random, so they are a smaller random sample of each stratum).
    #[arg(long, conflicts_with = "blank_means_no")]
    pub partial: bool,
    /// Folder for estimates.parquet, estimate_cells.parquet and estimates.json [default: the
    /// run's folder].
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The run's population and the identity a design records.
fn population_of(dir: &Path) -> Result<(Population, run_tables::CodedUnitTable, RunIdentity)> {
    let manifest = output::read_manifest(dir)?;
    if let Some(shard) = manifest.shard {
        bail!(
            "{} holds shard {}/{} of a corpus: merge the shards (`qualcode merge`) and sample the whole",
            dir.display(),
            shard.k,
            shard.n
        );
    }
    let table = run_tables::read_coded_units(dir)?;
    let population = population_of_table(table.clone());
    let manifest_bytes = std::fs::read(dir.join("manifest.json"))
        .with_context(|| format!("cannot read {}", dir.join("manifest.json").display()))?;
    let identity = RunIdentity {
        folder: dir.display().to_string(),
        manifest_sha256: crate::read::sha256_hex(&manifest_bytes),
        codebook_sha256: manifest.codebook.sha256.clone(),
        population_sha256: population.fingerprint(&manifest.codebook.sha256),
        unit: manifest.parameters.unit.clone(),
        units: population.units.len() as u64,
    };
    Ok((population, table, identity))
}

/// The population of a run's coded units, with the rules' codes of each.
pub(super) fn population_of_table(table: run_tables::CodedUnitTable) -> Population {
    Population {
        codes: table.codes,
        documents: table.documents,
        units: table
            .units
            .into_iter()
            .zip(table.unit_codes)
            .map(|((document, segment), codes)| PopulationUnit {
                document,
                segment,
                codes,
            })
            .collect(),
    }
}

/// A sheet's kind, by its extension.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SheetKind {
    Csv,
    Qdpx,
}

fn sheet_kind(path: &Path) -> Result<SheetKind> {
    match path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Ok(SheetKind::Csv),
        Some("qdpx") => Ok(SheetKind::Qdpx),
        _ => bail!(
            "{}: a sheet is a .csv (for a spreadsheet) or a .qdpx (for QualCoder, MAXQDA, ATLAS.ti, NVivo)",
            path.display()
        ),
    }
}

pub fn sample(args: &SampleArgs) -> Result<u8> {
    let kind_of_sheet = sheet_kind(&args.out)?;
    let design_path = sheet::design_path(&args.out);
    for path in [&args.out, &design_path] {
        if path.exists() && !args.force {
            bail!(
                "{} exists (a coded sheet would be lost): choose another name, or pass --force",
                path.display()
            );
        }
    }
    let (population, _, identity) = population_of(&args.from)?;
    let kind = match args.design {
        Design::Stratified => DesignKind::Stratified,
        Design::Simple => DesignKind::Simple,
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let drawn = design::draw(&population, kind, args.n, seed)?;
    let wanted: BTreeSet<(String, u32)> = drawn
        .rows
        .iter()
        .map(|&(u, _)| {
            let unit = &population.units[u];
            (
                population.documents[unit.document as usize].clone(),
                unit.segment,
            )
        })
        .collect();
    let found = run_tables::unit_texts(&args.from, &wanted)?;
    let mut texts = BTreeMap::new();
    let mut keys = BTreeMap::new();
    let mut units = Vec::new();
    for (row, &(u, stratum)) in drawn.rows.iter().enumerate() {
        let unit = &population.units[u];
        let document = population.documents[unit.document as usize].clone();
        let text = found
            .get(&(document.clone(), unit.segment))
            .with_context(|| {
                format!(
                    "segments has no text for {document} segment {}",
                    unit.segment
                )
            })?;
        keys.insert(u, text_key(text));
        texts.insert(u, text.clone());
        units.push(DrawnUnit {
            row: row + 1,
            document,
            segment: unit.segment,
            unit: keys[&u].clone(),
            stratum: drawn.strata[stratum].id.clone(),
        });
    }
    let bytes = match kind_of_sheet {
        SheetKind::Csv => sheet::write_sheet(&population, &drawn, &texts, &keys)
            .context("cannot write the sheet")?,
        SheetKind::Qdpx => {
            let codebook = run_codebook(&args.from, args.codebook.as_deref())?;
            let sources: Vec<(String, String)> = units
                .iter()
                .zip(&drawn.rows)
                .map(|(u, (unit, _))| {
                    (
                        sheet::source_name(u.row, units.len(), &u.document, u.segment),
                        texts[unit].clone(),
                    )
                })
                .collect();
            let project = crate::exchange::refi::sample_project(
                &codebook,
                &sources,
                &output::rfc3339(crate::pipeline::unix_now()),
            );
            crate::exchange::refi::qdpx_bytes(&project).context("cannot write the project")?
        }
    };
    let file = DesignFile {
        format: sheet::FORMAT.to_string(),
        version: 1,
        tool: format!("qualcode {}", env!("CARGO_PKG_VERSION")),
        created: output::rfc3339(crate::pipeline::unix_now()),
        run: identity,
        design: kind,
        allocation: match kind {
            DesignKind::Stratified => "square root of stratum size, at least 2 per stratum",
            DesignKind::Simple => "all units alike",
        }
        .to_string(),
        seed,
        codes: population.codes.clone(),
        strata: drawn.strata.clone(),
        sheet: args
            .out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        units,
    };
    let json = serde_json::to_string_pretty(&file).context("cannot serialise the design")?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    output::write_atomic(&design_path, (json + "\n").as_bytes())?;
    output::write_atomic(&args.out, &bytes)?;
    let strata: Vec<String> = drawn
        .strata
        .iter()
        .map(|s| format!("{} of {} {}", s.sampled, s.population, s.holds))
        .collect();
    errln!(
        "qualcode: drew {} of {} coded units (seed {seed}): {} -> {} (design: {})",
        drawn.rows.len(),
        population.units.len(),
        strata.join("; "),
        args.out.display(),
        design_path.display()
    );
    match kind_of_sheet {
        SheetKind::Csv => errln!(
            "qualcode: code every row: 1 (or x, yes) in the column of each code the unit carries, \
             0 (or no) in the others; the sheet shows no rules' coding, keep it that way"
        ),
        SheetKind::Qdpx => errln!(
            "qualcode: open it in a QDA tool and code each source (one unit each) with every code \
             it carries; read every source, then export the project as .qdpx"
        ),
    }
    Ok(super::exit::OK)
}

pub fn estimate(args: &EstimateArgs) -> Result<u8> {
    if !(args.level > 0.5 && args.level < 1.0) {
        bail!(
            "--level takes a confidence level between 0.5 and 1, such as 0.95, not {}",
            args.level
        );
    }
    let design_path = sheet::design_path(&args.gold);
    let design_text = std::fs::read_to_string(&design_path).with_context(|| {
        format!(
            "cannot read {}, the design file `qualcode sample` wrote beside the sheet",
            design_path.display()
        )
    })?;
    let design: DesignFile = serde_json::from_str(&design_text).with_context(|| {
        format!(
            "{} is not a design file of qualcode sample",
            design_path.display()
        )
    })?;
    if design.format != sheet::FORMAT {
        bail!(
            "{} is not a design file of qualcode sample",
            design_path.display()
        );
    }
    let (population, table, identity) = population_of(&args.from)?;
    if identity.population_sha256 != design.run.population_sha256 {
        let why = if identity.codebook_sha256 != design.run.codebook_sha256 {
            "the run was coded with another codebook than the one the sample was drawn under"
        } else if identity.units != design.run.units {
            "the run has other units than the one the sample was drawn from"
        } else {
            "the rules coded the run's units differently"
        };
        bail!(
            "the sample in {} was drawn from another run ({why}): estimates need the run it was drawn from ({}, {} units), or a new sample of this one",
            args.gold.display(),
            design.run.folder,
            design.run.units
        );
    }
    let bytes = std::fs::read(&args.gold)
        .with_context(|| format!("cannot read {}", args.gold.display()))?;
    let blanks = if args.blank_means_no {
        Blanks::MeanNo
    } else if args.partial {
        Blanks::Partial
    } else {
        Blanks::Refuse
    };
    let filled = match sheet_kind(&args.gold)? {
        SheetKind::Csv => sheet::read_sheet(
            &args.gold.display().to_string(),
            &bytes,
            &design,
            &population,
            blanks,
        )?,
        SheetKind::Qdpx => sheet::read_qdpx_sheet(
            &args.gold.display().to_string(),
            &bytes,
            &design,
            &population,
            &table.labels,
            args.blank_means_no,
        )?,
    };
    let mut coded = filled.coded;
    for unit in &mut coded {
        roll_up(&table.parents, &mut unit.codes);
    }
    let mut strata = design.strata.clone();
    for (s, n) in strata.iter_mut().zip(&filled.coded_per_stratum) {
        s.sampled = *n;
    }
    let variables = read_variables(&args.from, &args.by, &population)?;
    let seed = 0x0e57_1a7e;
    let rows = estimate::estimate_all(&estimate::Input {
        population: &population,
        kind: design.design,
        strata: &strata,
        coded: &coded,
        variables: &variables,
        level: args.level,
        seed,
        pairs: true,
        precision_recall: true,
        draws: crate::workbench::validation::interval::DRAWS,
    });
    crate::escape::print_lines(&render(
        &rows,
        &design,
        &strata,
        filled.left_out,
        args.level,
    ));
    let out = args.out.clone().unwrap_or_else(|| args.from.clone());
    let mut estimates = tables::estimates::estimates(&rows, args.level)
        .context("cannot build the estimates table")?;
    let mut cells = tables::estimates::estimate_cells(&rows)
        .context("cannot build the estimate_cells table")?;
    output::write_table(&out, "estimates", &mut estimates)?;
    output::write_table(&out, "estimate_cells", &mut cells)?;
    let provenance = serde_json::json!({
        "tool": format!("qualcode {}", env!("CARGO_PKG_VERSION")),
        "created": output::rfc3339(crate::pipeline::unix_now()),
        "run": identity,
        "sheet": args.gold.display().to_string(),
        "sheet_sha256": crate::read::sha256_hex(&bytes),
        "design": design.design,
        "seed_of_sample": design.seed,
        "strata": strata,
        "rows_left_out": filled.left_out,
        "level": args.level,
        "method": "post-stratified by the rules' coding; stratified Clopper-Pearson intervals by simulation",
        "draws": crate::workbench::validation::interval::DRAWS,
        "seed_of_draws": seed,
        "by": args.by,
    });
    output::write_atomic(
        &out.join("estimates.json"),
        (serde_json::to_string_pretty(&provenance)? + "\n").as_bytes(),
    )?;
    errln!(
        "qualcode: estimates of {} rows -> {}",
        rows.len(),
        out.join("estimates.parquet").display()
    );
    Ok(super::exit::OK)
}

/// The codebook a run was coded with: the file its manifest names (or `given`), refused if it
/// changed since.
fn run_codebook(dir: &Path, given: Option<&Path>) -> Result<crate::codebook::Codebook> {
    let manifest = output::read_manifest(dir)?;
    let path = given.map_or_else(|| PathBuf::from(&manifest.codebook.path), Path::to_path_buf);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read the run's codebook {} (give it with --codebook)",
            path.display()
        )
    })?;
    if crate::read::sha256_hex(&bytes) != manifest.codebook.sha256 {
        bail!(
            "{} is not the codebook the run was coded with (its SHA-256 differs from the manifest's)",
            path.display()
        );
    }
    crate::pipeline::load_codebook(&path)
}

/// A code given by the coder brings its ancestors, as the rules' coding does.
fn roll_up(parents: &[Option<usize>], codes: &mut [bool]) {
    for c in 0..codes.len() {
        if codes[c] {
            let mut p = parents[c];
            let mut steps = 0;
            while let Some(parent) = p {
                codes[parent] = true;
                p = parents[parent];
                steps += 1;
                if steps > parents.len() {
                    break;
                }
            }
        }
    }
}

/// The `--by` variables, each document's value and the values in order.
fn read_variables(dir: &Path, by: &[String], population: &Population) -> Result<Vec<Variable>> {
    let by: Vec<By> = by
        .iter()
        .map(|text| By::parse(text).map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    let frame = if by.iter().any(|b| !b.is_speaker()) {
        if !dir.join("document_variables.parquet").exists() {
            bail!(
                "--by needs document variables, and the run in {} has none (run with --metadata, or code a table corpus)",
                dir.display()
            );
        }
        Some(output::read_table(dir, "document_variables")?)
    } else {
        None
    };
    let mut out = Vec::new();
    for by in by {
        let values: Vec<Option<String>> = if by.is_speaker() {
            // Speakers are the units' own: each unit its turn's speaker, null outside turns.
            let speakers = run_tables::unit_speakers(dir)?.with_context(|| {
                format!(
                    "--by speaker: the run in {} was written before speakers were recorded; run it again",
                    dir.display()
                )
            })?;
            population
                .units
                .iter()
                .map(|u| {
                    let key = (population.documents[u.document as usize].clone(), u.segment);
                    speakers.get(&key).cloned().flatten()
                })
                .collect()
        } else {
            let frame = frame
                .as_ref()
                .context("the run's document variables were not read")?;
            let of_document = values_by_document(frame, &by).map_err(anyhow::Error::from)?;
            let of_documents: Vec<Option<String>> = population
                .documents
                .iter()
                .map(|d| of_document.get(d).cloned().flatten())
                .collect();
            population
                .units
                .iter()
                .map(|u| of_documents[u.document as usize].clone())
                .collect()
        };
        let mut order: Vec<Option<String>> = values.clone();
        order.sort_by(value_order);
        order.dedup();
        out.push(Variable {
            name: by.name(),
            values,
            order,
        });
    }
    Ok(out)
}

fn percent(x: Option<f64>) -> String {
    x.map_or("–".to_string(), |x| format!("{:.1}%", 100.0 * x))
}

fn interval(e: &Estimate, scale: impl Fn(Option<f64>) -> String) -> String {
    format!("[{}, {}]", scale(e.low), scale(e.high))
}

fn ratio(x: Option<f64>) -> String {
    x.map_or("–".to_string(), |x| format!("{x:.2}"))
}

/// The estimates as text tables.
fn render(
    rows: &[EstimateRow],
    design: &DesignFile,
    strata: &[design::Stratum],
    left_out: usize,
    level: f64,
) -> String {
    let mut out = String::new();
    let coded: u64 = strata.iter().map(|s| s.sampled).sum();
    let _ = writeln!(
        out,
        "Estimates from {coded} hand-coded units of {} ({} design{}), {:.0}% intervals:",
        design.run.units,
        match design.design {
            DesignKind::Stratified => "stratified",
            DesignKind::Simple => "simple random",
        },
        if left_out > 0 {
            format!(", {left_out} rows not yet coded left out")
        } else {
            String::new()
        },
        100.0 * level
    );
    for s in strata {
        let _ = writeln!(
            out,
            "  stratum {}: {} of {} {}",
            s.id, s.sampled, s.population, s.holds
        );
    }
    let _ = writeln!(
        out,
        "\nShare of units a coder would code, and the rules' precision and recall in the whole corpus:"
    );
    let name_of = |r: &EstimateRow| match &r.code_b {
        Some(b) => format!("{} & {b}", r.code),
        None => r.code.clone(),
    };
    let w = rows
        .iter()
        .map(|r| name_of(r).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<w$} {:>7} {:>9} {:<17} {:>6} {:<14} {:>6} {:<14} {:>8}",
        "code",
        "rules",
        "estimate",
        "interval",
        "prec.",
        "interval",
        "recall",
        "interval",
        "sample"
    );
    let line = |out: &mut String, r: &EstimateRow| {
        let _ = writeln!(
            out,
            "{:<w$} {:>7} {:>9} {:<17} {:>6} {:<14} {:>6} {:<14} {:>8}",
            name_of(r),
            percent(r.machine_share()),
            percent(r.share.value),
            interval(&r.share, percent),
            ratio(r.precision.value),
            interval(&r.precision, ratio),
            ratio(r.recall.value),
            interval(&r.recall, ratio),
            format!("{}/{}", r.sampled_positive, r.sampled),
        );
    };
    for r in rows
        .iter()
        .filter(|r| r.variable.is_none() && r.code_b.is_none())
    {
        line(&mut out, r);
    }
    let pairs: Vec<&EstimateRow> = rows
        .iter()
        .filter(|r| r.variable.is_none() && r.code_b.is_some())
        .collect();
    if !pairs.is_empty() {
        let _ = writeln!(out, "\nBoth codes in one unit:");
        for r in pairs {
            line(&mut out, r);
        }
    }
    let mut variables: Vec<&str> = rows.iter().filter_map(|r| r.variable.as_deref()).collect();
    variables.dedup();
    for variable in variables {
        let _ = writeln!(
            out,
            "\nBy {variable}: each value with the rules' error rates of the whole sample \
             (assumes the rules err alike in every value); `own` is the value's own sample alone:"
        );
        let _ = writeln!(
            out,
            "{:<w$} {:<12} {:>7} {:>9} {:<17} {:>8} {:<17}",
            "code", "value", "rules", "estimate", "interval", "own", "interval"
        );
        let mut disagree = 0;
        for r in rows
            .iter()
            .filter(|r| r.variable.as_deref() == Some(variable))
        {
            let own = r.direct.unwrap_or(Estimate::NONE);
            if let (Some(v), Some(lo), Some(hi)) = (r.share.value, own.low, own.high) {
                if v < lo || v > hi {
                    disagree += 1;
                }
            }
            let _ = writeln!(
                out,
                "{:<w$} {:<12} {:>7} {:>9} {:<17} {:>8} {:<17}",
                r.code,
                r.value.as_deref().unwrap_or("(none)"),
                percent(r.machine_share()),
                percent(r.share.value),
                interval(&r.share, percent),
                format!("{}/{}", r.sampled_positive, r.sampled),
                interval(&own, percent),
            );
        }
        if disagree > 0 {
            let _ = writeln!(
                out,
                "warning: in {disagree} row{} the estimate lies outside the value's own interval: \
                 the rules may err differently there; code more units of those values",
                if disagree == 1 { "" } else { "s" }
            );
        }
    }
    out
}
