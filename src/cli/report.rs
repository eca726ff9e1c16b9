//! `qualcode report` and `qualcode plot`: a run's output folder in, an HTML page or a figure
//! (SVG or PDF) out. Nothing is coded again: the views read the tables the run wrote.

use crate::codebook;
use crate::output::run_tables::{fill_texts, read_run, Depth, RunTables};
use crate::output::write_atomic;
use crate::read::sha256_hex;
use crate::report::charts::Fit;
use crate::report::{self, CodeText, Figure, Limits, Look};
use anyhow::{bail, Result};
use clap::ValueEnum;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The run's output folder.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub from: PathBuf,
    /// The HTML file to write [default: report.html in the run's folder].
    #[arg(short, long, value_name = "FILE.html")]
    pub out: Option<PathBuf>,
    /// Units listed under each code (evenly spaced through the corpus when there are more).
    #[arg(long, value_name = "N", default_value_t = Limits::default().units_per_code)]
    pub units_per_code: usize,
    /// Documents shown whole, with their coding stripes.
    #[arg(long, value_name = "N", default_value_t = Limits::default().documents)]
    pub documents: usize,
    /// Codes in the charts, matrices and lists of units: those with the most units (the
    /// frequency table lists every code).
    #[arg(long, value_name = "N", default_value_t = Limits::default().codes)]
    pub codes: usize,
    /// Name codes by their ids in the charts instead of their labels.
    #[arg(long)]
    pub ids: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlotKind {
    /// Units per code, as bars.
    Frequency,
    /// Units with both codes, as a heat map (shade: Jaccard).
    Cooccurrence,
    /// Units per code and document, as a heat map (at most 40 documents, evenly spaced).
    ByDocument,
    /// Units per code by the values of a `--by` variable, as a heat map.
    ByVariable,
}

/// Figure widths for journals, in points.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Size {
    /// One column of a two-column page: 240 pt (85 mm).
    Column,
    /// The width of a page's text: 500 pt (176 mm).
    Page,
}

impl Size {
    pub fn points(self) -> f64 {
        match self {
            Size::Column => 240.0,
            Size::Page => 500.0,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Which chart.
    #[arg(value_enum)]
    pub kind: PlotKind,
    /// The run's output folder.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub from: PathBuf,
    /// The file to write: .svg, or .pdf (vector, in the standard PDF fonts: Western European
    /// characters only).
    #[arg(short, long, value_name = "FIG.svg|FIG.pdf")]
    pub out: PathBuf,
    /// With `by-variable`: the variable, as the run's `--by` named it [default: the first].
    #[arg(long, value_name = "NAME")]
    pub variable: Option<String>,
    /// Codes drawn: those with the most units (the title says how many were left out).
    #[arg(long, value_name = "N", default_value_t = Limits::default().codes)]
    pub codes: usize,
    /// The figure's width for a journal: a column (240 pt) or a page (500 pt) [default: page].
    #[arg(long, value_enum, conflicts_with = "width")]
    pub size: Option<Size>,
    /// The figure's width in points (100 to 5000) instead of --size.
    #[arg(long, value_name = "PT")]
    pub width: Option<f64>,
    /// The title drawn over the figure ("" for none: journals put it in the caption).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// The horizontal axis's title: under the bars, over a heat map's columns ("" for none).
    #[arg(long, value_name = "TEXT")]
    pub x_title: Option<String>,
    /// The vertical axis's title, at the left edge ("" for none).
    #[arg(long, value_name = "TEXT")]
    pub y_title: Option<String>,
    /// Name codes by their ids instead of their labels.
    #[arg(long)]
    pub ids: bool,
}

/// The file formats `plot` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FigureFormat {
    Svg,
    Pdf,
}

pub fn report(args: &ReportArgs) -> Result<u8> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.from.join("report.html"));
    if out.extension().and_then(|e| e.to_str()) != Some("html") {
        bail!("--out {}: the report is an .html file", out.display());
    }
    if args.codes == 0 {
        bail!("--codes must be at least 1");
    }
    let started = Instant::now();
    let mut run = read_run(&args.from, Depth::Units)?;
    let (texts, note) = code_texts(&run);
    if let Some(note) = note {
        errln!("qualcode: {note}");
    }
    let limits = Limits {
        units_per_code: args.units_per_code,
        documents: args.documents,
        codes: args.codes,
        ..Limits::default()
    };
    let shown = report::units_shown(&run, limits);
    fill_texts(&args.from, &mut run, &shown)?;
    let html = report::report(&run, &texts, limits, args.ids);
    write_atomic(&out, html.as_bytes())?;
    errln!(
        "qualcode: wrote {} ({:.1} MB) in {:.2}s",
        out.display(),
        html.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

pub fn plot(args: &PlotArgs) -> Result<u8> {
    let format = match args.out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("svg") => FigureFormat::Svg,
        Some(e) if e.eq_ignore_ascii_case("pdf") => FigureFormat::Pdf,
        _ => bail!(
            "--out {}: figures are written as .svg or .pdf",
            args.out.display()
        ),
    };
    let width = match (args.width, args.size) {
        (Some(w), _) => w,
        (None, Some(size)) => size.points(),
        (None, None) => Size::Page.points(),
    };
    if !(100.0..=5000.0).contains(&width) {
        bail!("--width takes 100 to 5000 points, not {width}");
    }
    if args.codes == 0 {
        bail!("--codes must be at least 1");
    }
    let run = read_run(&args.from, Depth::Summaries)?;
    let figure = match args.kind {
        PlotKind::Frequency => Figure::Frequency,
        PlotKind::Cooccurrence => Figure::Cooccurrence,
        PlotKind::ByDocument => Figure::ByDocument,
        PlotKind::ByVariable => {
            let known = report::variables(&run);
            match &args.variable {
                Some(v) if known.contains(&v.as_str()) => Figure::ByVariable(v.clone()),
                Some(v) => bail!(
                    "{} has no code_by_variable rows for {v:?}: its variables are {}",
                    args.from.display(),
                    if known.is_empty() {
                        "none (run with --by NAME)".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
                None => match known.first() {
                    Some(v) => Figure::ByVariable(v.to_string()),
                    None => bail!(
                        "{} has no document variables to plot: run with --by NAME",
                        args.from.display()
                    ),
                },
            }
        }
    };
    let look = Look {
        width,
        fit: Fit::Exact,
        ids: args.ids,
        title: args.title.clone(),
        x_title: args.x_title.clone(),
        y_title: args.y_title.clone(),
    };
    let (drawing, left_out) = report::figure(&run, figure, &look, args.codes)?;
    let bytes = match format {
        FigureFormat::Svg => drawing.svg().into_bytes(),
        FigureFormat::Pdf => report::pdf::pdf(&drawing)?,
    };
    write_atomic(&args.out, &bytes)?;
    if left_out > 0 {
        errln!(
            "qualcode: drew the {} codes with the most units; {left_out} left out (--codes N draws more)",
            args.codes
        );
    }
    errln!(
        "qualcode: wrote {} ({} x {} pt)",
        args.out.display(),
        drawing.width,
        drawing.height
    );
    Ok(0)
}

/// The codes' definitions from the codebook the run used, when that file is still there and
/// unchanged (by its hash in the manifest); otherwise none, and a note saying why.
fn code_texts(run: &RunTables) -> (BTreeMap<String, CodeText>, Option<String>) {
    let path = Path::new(&run.manifest.codebook.path);
    let Ok(bytes) = std::fs::read(path) else {
        return (
            BTreeMap::new(),
            Some(format!(
                "the run's codebook {} is not there: the report leaves out the codes' definitions",
                path.display()
            )),
        );
    };
    if sha256_hex(&bytes) != run.manifest.codebook.sha256 {
        return (
            BTreeMap::new(),
            Some(format!(
                "{} has changed since the run: the report leaves out the codes' definitions",
                path.display()
            )),
        );
    }
    match codebook::load(path) {
        Ok(book) => (
            book.codes
                .into_iter()
                .map(|c| {
                    (
                        c.id,
                        CodeText {
                            label: c.label,
                            definition: c.definition,
                            use_when: c.use_when,
                            do_not_use_when: c.do_not_use_when,
                        },
                    )
                })
                .collect(),
            None,
        ),
        Err(err) => (
            BTreeMap::new(),
            Some(format!(
                "cannot read {} ({err}): the report leaves out the codes' definitions",
                path.display()
            )),
        ),
    }
}
