//! The report: a finished run's tables in (read back from its output folder, no coding
//! again), one self-contained HTML page out — overview, code frequency, code × document,
//! co-occurrence, each code's units with their matches highlighted, documents with coding
//! stripes, and agreement with hand coding when `agree` wrote into the folder. Also the same
//! charts alone as SVG files for papers (`qualcode plot`).
//!
//! Counts are always exact (from the summary tables); only the lists of units and documents
//! are cut, evenly through the corpus, to keep the page usable for large runs, and the page
//! says where. A codebook of thousands of codes (a LIWC or WordStat dictionary) is shown by
//! its [`Limits::codes`] codes with the most units in the charts, matrices and unit lists
//! (the frequency table lists every code), and the page and figures say how many were left
//! out: a matrix of every pair of 1,500 codes took 1.6 GB to draw.

pub mod charts;
pub mod draw;
pub mod html;
pub mod metrics;
pub mod pdf;

use crate::output::run_tables::{
    Agreement, AgreementUnitRow, EstimateRow, MatchRow, RunTables, SegmentRow,
};
use charts::{Bar, Cell, Fit, Texts, TooNarrow, PALETTE};
use draw::Drawing;
use html::escape;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How much of a large run the page shows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Units listed under each code.
    pub units_per_code: usize,
    /// Documents shown whole, with coding stripes.
    pub documents: usize,
    /// Rows of the code × document table.
    pub table_documents: usize,
    /// Disagreeing units listed per code.
    pub disagreements: usize,
    /// Codes in the charts, the matrices and the lists of units: those with the most units.
    pub codes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            units_per_code: 40,
            documents: 20,
            table_documents: 300,
            disagreements: 30,
            codes: 50,
        }
    }
}

/// A code's description from the codebook file, when the file the run used is still there.
#[derive(Debug, Clone, Default)]
pub struct CodeText {
    pub label: String,
    pub definition: String,
    pub use_when: String,
    pub do_not_use_when: String,
}

/// The figures `qualcode plot` draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    Frequency,
    Cooccurrence,
    ByDocument,
    /// Code share by the values of a `--by` variable (as the run named it: `year:date`).
    ByVariable(String),
}

/// How a figure is drawn: its width in points, what happens when it cannot fit, whether codes
/// are named by their labels (the default) or their ids, and the texts around it when given
/// (`None`: the figure's own; `Some("")`: none).
#[derive(Debug, Clone)]
pub struct Look {
    pub width: f64,
    pub fit: Fit,
    pub ids: bool,
    pub title: Option<String>,
    pub x_title: Option<String>,
    pub y_title: Option<String>,
}

impl Look {
    /// The report page's charts: 760 points, wider when they need it, codes by label.
    pub fn page(ids: bool) -> Look {
        Look {
            width: 760.0,
            fit: Fit::Grow,
            ids,
            title: None,
            x_title: None,
            y_title: None,
        }
    }

    /// The texts of a chart whose own are `title`, `x` and `y`, with those given instead.
    fn texts(&self, title: String, x: &str, y: &str) -> Texts {
        let pick =
            |given: &Option<String>, own: &str| given.clone().unwrap_or_else(|| own.to_string());
        Texts {
            description: self
                .title
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| title.clone()),
            title: pick(&self.title, &title),
            x_title: pick(&self.x_title, x),
            y_title: pick(&self.y_title, y),
        }
    }
}

/// What the charts call each code: its label from the codebook (its id when it has none), or
/// its id when asked.
fn code_names(run: &RunTables, ids: bool) -> BTreeMap<&str, &str> {
    run.frequency
        .iter()
        .map(|f| {
            let name = if ids || f.label.trim().is_empty() {
                f.code.as_str()
            } else {
                f.label.as_str()
            };
            (f.code.as_str(), name)
        })
        .collect()
}

/// Which units of `n` to show when at most `limit` fit: all, or `limit` evenly spaced.
pub fn evenly(n: usize, limit: usize) -> Vec<usize> {
    if n <= limit {
        (0..n).collect()
    } else {
        (0..limit).map(|i| i * n / limit).collect()
    }
}

/// The codes shown, in codebook order, with their palette colour.
struct Codes<'a> {
    /// The codes drawn and listed: all, or the `limit` with the most units.
    order: Vec<&'a str>,
    /// Every code's place in the codebook (its colour does not depend on the limit).
    index: BTreeMap<&'a str, usize>,
    /// The same codes, to look up.
    shown: std::collections::HashSet<&'a str>,
    /// How many codes the run has.
    all: usize,
}

impl<'a> Codes<'a> {
    /// The run's codes, at most `limit` of them: those with the most units (the earlier in
    /// the codebook first among equals), kept in codebook order.
    fn new(run: &'a RunTables, limit: usize) -> Self {
        let all: Vec<&str> = run.frequency.iter().map(|f| f.code.as_str()).collect();
        let index: BTreeMap<&str, usize> = all.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let mut ranked: Vec<usize> = (0..all.len()).collect();
        ranked.sort_by_key(|&i| (std::cmp::Reverse(run.frequency[i].units), i));
        ranked.truncate(limit);
        ranked.sort_unstable();
        let order: Vec<&str> = ranked.into_iter().map(|i| all[i]).collect();
        Codes {
            shown: order.iter().copied().collect(),
            order,
            index,
            all: all.len(),
        }
    }

    fn is_shown(&self, code: &str) -> bool {
        self.shown.contains(code)
    }

    /// A title's note on the codes left out, empty when all are shown.
    fn left_out(&self) -> String {
        if self.order.len() < self.all {
            format!(
                " ({} of {} codes: those with the most units)",
                self.order.len(),
                self.all
            )
        } else {
            String::new()
        }
    }

    fn colour(&self, code: &str) -> &'static str {
        PALETTE[self.index.get(code).copied().unwrap_or(0) % PALETTE.len()]
    }

    fn chip(&self, code: &str) -> String {
        let colour = self.colour(code);
        let light = if matches!(colour, "#F0E442" | "#56B4E9" | "#E69F00") {
            " light"
        } else {
            ""
        };
        format!(
            r#"<span class="chip{light}" style="background:{colour}">{}</span>"#,
            escape(code)
        )
    }
}

/// One chart for a paper, drawn as `look` says, of at most `limit` codes (those with the most
/// units; the title says so when some are left out); also how many codes it left out.
pub fn figure(
    run: &RunTables,
    which: Figure,
    look: &Look,
    limit: usize,
) -> Result<(Drawing, usize), TooNarrow> {
    let codes = Codes::new(run, limit);
    let left_out = codes.all - codes.order.len();
    let drawing = match which {
        // With estimates from a hand-coded sample, the rules' share is drawn beside them.
        Figure::Frequency => match estimates_chart(run, look) {
            Some(chart) => chart,
            None => frequency_chart(run, &codes, look),
        },
        Figure::Cooccurrence => cooccurrence_map(run, &codes, look),
        Figure::ByDocument => {
            let docs: Vec<&str> = coded_documents(run);
            let shown: Vec<&str> = evenly(docs.len(), 40).iter().map(|&i| docs[i]).collect();
            by_document_map(run, &codes, &shown, look)
        }
        Figure::ByVariable(variable) => by_variable_map(run, &codes, &variable, look),
    }?;
    Ok((drawing, left_out))
}

/// A chart on the report's page: its SVG inline, wider than the page when it must be.
fn on_page(chart: Result<Drawing, TooNarrow>) -> String {
    match chart {
        Ok(drawing) => format!(
            r#"<div class="figure" style="max-width:{:.0}px">{}</div>"#,
            // Placed at 1.4 times its size in points: its text is sized for print.
            drawing.width * 1.4,
            drawing.svg()
        ),
        Err(err) => format!(r#"<p class="note">{}</p>"#, escape(&err.to_string())),
    }
}

/// The variables of the run's `code_by_variable` table, in the order the run gave them.
pub fn variables(run: &RunTables) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for r in &run.by_variable {
        if !seen.contains(&r.variable.as_str()) {
            seen.push(&r.variable);
        }
    }
    seen
}

/// Values × codes of one variable: units with the code, shaded by their share of the value's
/// units. Values in the table's order; documents without a value last, as "(none)".
fn by_variable_map(
    run: &RunTables,
    codes: &Codes,
    variable: &str,
    look: &Look,
) -> Result<Drawing, TooNarrow> {
    let rows: Vec<_> = run
        .by_variable
        .iter()
        .filter(|r| r.variable == variable)
        .collect();
    let mut values: Vec<Option<&str>> = Vec::new();
    for r in &rows {
        if !values.contains(&r.value.as_deref()) {
            values.push(r.value.as_deref());
        }
    }
    let cell: BTreeMap<(Option<&str>, &str), _> = rows
        .iter()
        .map(|r| ((r.value.as_deref(), r.code.as_str()), *r))
        .collect();
    let name = |v: Option<&str>| v.unwrap_or("(none)").to_string();
    let cells: Vec<Vec<Cell>> = values
        .iter()
        .map(|v| {
            codes
                .order
                .iter()
                .map(|c| match cell.get(&(*v, *c)) {
                    Some(r) => Cell {
                        shade: r.share.unwrap_or(0.0),
                        text: r.units.to_string(),
                        tip: format!(
                            "{variable} = {}, {c}: {} of {} units ({:.1}%), {} documents, {} hits",
                            name(*v),
                            r.units,
                            r.value_units,
                            100.0 * r.share.unwrap_or(0.0),
                            r.documents,
                            r.hits
                        ),
                    },
                    None => Cell {
                        shade: 0.0,
                        text: "0".into(),
                        tip: format!("{variable} = {}, {c}: none", name(*v)),
                    },
                })
                .collect()
        })
        .collect();
    let row_names: Vec<String> = values.iter().map(|v| name(*v)).collect();
    let names = code_names(run, look.ids);
    let columns: Vec<String> = codes.order.iter().map(|c| names[c].to_string()).collect();
    // The variable as the run named it (`year:date`), without its kind.
    let shown = variable.split(':').next().unwrap_or(variable);
    charts::heat_map(
        &look.texts(
            format!(
                "Units per code by {shown} (shade: share of the value's units){}",
                codes.left_out()
            ),
            "",
            shown,
        ),
        &row_names,
        &columns,
        &cells,
        look.width,
        look.fit,
    )
}

fn frequency_chart(run: &RunTables, codes: &Codes, look: &Look) -> Result<Drawing, TooNarrow> {
    let names = code_names(run, look.ids);
    let bars: Vec<Bar> = run
        .frequency
        .iter()
        .filter(|f| codes.is_shown(&f.code))
        .map(|f| {
            let full = format!(
                "{} units ({:.1}%), {} docs, {} hits",
                f.units,
                100.0 * f.share,
                f.documents,
                f.hits
            );
            Bar {
                label: names[f.code.as_str()].to_string(),
                level: f.level,
                value: f64::from(f.units),
                texts: vec![
                    full.clone(),
                    format!("{} units ({:.1}%)", f.units, 100.0 * f.share),
                    format!("{} ({:.1}%)", f.units, 100.0 * f.share),
                    f.units.to_string(),
                ],
                colour: codes.colour(&f.code),
                tip: format!("{}: {full}", f.code),
            }
        })
        .collect();
    charts::bar_chart(
        &look.texts(
            format!(
                "Units coded, of {} units in {} documents{}",
                run.manifest.counts.units,
                run.manifest.counts.coded,
                codes.left_out()
            ),
            "",
            "",
        ),
        &bars,
        look.width,
        look.fit,
    )
}

fn cooccurrence_map(run: &RunTables, codes: &Codes, look: &Look) -> Result<Drawing, TooNarrow> {
    let pair: BTreeMap<(&str, &str), _> = run
        .cooccurrence
        .iter()
        .filter(|r| codes.is_shown(&r.code_a) && codes.is_shown(&r.code_b))
        .map(|r| ((r.code_a.as_str(), r.code_b.as_str()), r))
        .collect();
    let units: BTreeMap<&str, u32> = run
        .frequency
        .iter()
        .map(|f| (f.code.as_str(), f.units))
        .collect();
    let cells: Vec<Vec<Cell>> = codes
        .order
        .iter()
        .map(|a| {
            codes
                .order
                .iter()
                .map(|b| {
                    if a == b {
                        let n = units.get(a).copied().unwrap_or(0);
                        return Cell {
                            shade: 0.0,
                            text: n.to_string(),
                            tip: format!("{a}: {n} units"),
                        };
                    }
                    match pair.get(&(*a, *b)).or_else(|| pair.get(&(*b, *a))) {
                        Some(r) => Cell {
                            shade: r.jaccard.unwrap_or(0.0),
                            text: r.n12.to_string(),
                            tip: format!(
                                "{a} & {b}: {} units together of {} and {}; Jaccard {}",
                                r.n12,
                                r.n1,
                                r.n2,
                                r.jaccard.map_or("n/a".into(), |j| format!("{j:.3}"))
                            ),
                        },
                        None => Cell {
                            shade: 0.0,
                            text: "0".into(),
                            tip: format!("{a} & {b}: never together"),
                        },
                    }
                })
                .collect()
        })
        .collect();
    let named = code_names(run, look.ids);
    let names: Vec<String> = codes.order.iter().map(|c| named[c].to_string()).collect();
    charts::heat_map(
        &look.texts(
            format!(
                "Co-occurrence: units with both codes (shade: Jaccard; diagonal: the code's units){}",
                codes.left_out()
            ),
            "",
            "",
        ),
        &names,
        &names,
        &cells,
        look.width,
        look.fit,
    )
}

fn coded_documents(run: &RunTables) -> Vec<&str> {
    run.documents
        .iter()
        .filter(|d| d.status == "coded")
        .map(|d| d.document.as_str())
        .collect()
}

fn by_document_map(
    run: &RunTables,
    codes: &Codes,
    documents: &[&str],
    look: &Look,
) -> Result<Drawing, TooNarrow> {
    let cell: BTreeMap<(&str, &str), _> = run
        .by_document
        .iter()
        .filter(|r| codes.is_shown(&r.code))
        .map(|r| ((r.document.as_str(), r.code.as_str()), r))
        .collect();
    let cells: Vec<Vec<Cell>> = documents
        .iter()
        .map(|d| {
            codes
                .order
                .iter()
                .map(|c| match cell.get(&(*d, *c)) {
                    Some(r) => Cell {
                        shade: r.share,
                        text: r.units.to_string(),
                        tip: format!(
                            "{d}, {c}: {} of {} units ({:.1}%), {} hits",
                            r.units,
                            r.document_units,
                            100.0 * r.share,
                            r.hits
                        ),
                    },
                    None => Cell {
                        shade: 0.0,
                        text: "0".into(),
                        tip: format!("{d}, {c}: none"),
                    },
                })
                .collect()
        })
        .collect();
    let rows: Vec<String> = documents.iter().map(|d| d.to_string()).collect();
    let names = code_names(run, look.ids);
    let columns: Vec<String> = codes.order.iter().map(|c| names[c].to_string()).collect();
    charts::heat_map(
        &look.texts(
            format!(
                "Units per code and document (shade: share of the document's units){}",
                codes.left_out()
            ),
            "",
            "",
        ),
        &rows,
        &columns,
        &cells,
        look.width,
        look.fit,
    )
}

/// The units whose text the page shows: each code's listed units, the shown documents'
/// segments and the listed disagreements. Chosen as the sections below choose them.
pub fn units_shown(run: &RunTables, limits: Limits) -> BTreeSet<(String, u32)> {
    let units = UnitIndex::new(run);
    let codes = Codes::new(run, limits.codes);
    let mut shown: BTreeSet<(String, u32)> = BTreeSet::new();
    for code in &codes.order {
        let coded = units.coded_with(code);
        for i in evenly(coded.len(), limits.units_per_code) {
            shown.insert((coded[i].0.to_string(), coded[i].1));
        }
    }
    let documents = shown_documents(run, limits);
    for s in &run.segments {
        if documents.contains(&s.document) {
            shown.insert((s.document.clone(), s.segment));
        }
    }
    if let Some(agreement) = &run.agreement {
        for code in &codes.order {
            let disagreeing = disagreements(agreement, code);
            for i in evenly(disagreeing.len(), limits.disagreements) {
                shown.insert((disagreeing[i].document.clone(), disagreeing[i].segment));
            }
        }
    }
    shown
}

/// The units of `code` where the hand coding and the machine differ.
fn disagreements<'a>(agreement: &'a Agreement, code: &str) -> Vec<&'a AgreementUnitRow> {
    agreement
        .units
        .iter()
        .filter(|u| u.code == code && u.hand.is_some_and(|h| h != u.machine))
        .collect()
}

/// The whole report page.
pub fn report(
    run: &RunTables,
    texts: &BTreeMap<String, CodeText>,
    limits: Limits,
    ids: bool,
) -> String {
    let codes = Codes::new(run, limits.codes);
    let look = Look::page(ids);
    let units = UnitIndex::new(run);
    let mut body = String::new();
    overview(&mut body, run);
    body.push_str(r#"<section id="frequency"><h2>Code frequency</h2>"#);
    if codes.order.len() < codes.all {
        let _ = write!(
            body,
            r#"<p class="note">The codebook has {} codes: the charts, the matrices and the lists of units show the {} with the most units, and {} are left out of them (<code>--codes N</code> shows more). The table below lists every code; every count is in <code>code_frequency.parquet</code>, <code>code_by_document.parquet</code> and <code>cooccurrence.parquet</code>.</p>"#,
            codes.all,
            codes.order.len(),
            codes.all - codes.order.len()
        );
    }
    body.push_str(&on_page(frequency_chart(run, &codes, &look)));
    frequency_table(&mut body, run, &codes);
    body.push_str("</section>");
    if run.estimates.is_some() {
        estimates_section(&mut body, run, &codes, &look);
    }
    code_by_document(&mut body, run, &codes, limits);
    let variables = variables(run);
    if !variables.is_empty() {
        body.push_str(r#"<section id="by-variable"><h2>Code × variable</h2><p class="note">Units coded with each code among the units of the documents with each value (<code>code_by_variable.parquet</code>, from <code>--by</code>); the shade is their share.</p>"#);
        for v in &variables {
            body.push_str(&on_page(by_variable_map(run, &codes, v, &look)));
        }
        body.push_str("</section>");
    }
    body.push_str(r#"<section id="cooccurrence"><h2>Co-occurrence</h2>"#);
    body.push_str(&on_page(cooccurrence_map(run, &codes, &look)));
    body.push_str(
        r#"<p class="note">Each cell: the number of units coded with both codes; the shade is their Jaccard coefficient (units with both ÷ units with either). All coefficients are in <code>cooccurrence.parquet</code>.</p></section>"#,
    );
    let shown_documents = shown_documents(run, limits);
    per_code(
        &mut body,
        run,
        &codes,
        &units,
        texts,
        &shown_documents,
        limits,
    );
    per_document(&mut body, run, &codes, &units, &shown_documents);
    let mut nav = vec![
        ("overview", "Overview"),
        ("frequency", "Frequency"),
        ("by-document", "Code × document"),
        ("cooccurrence", "Co-occurrence"),
        ("codes", "Codes"),
        ("documents", "Documents"),
    ];
    if !variables.is_empty() {
        nav.insert(3, ("by-variable", "Code × variable"));
    }
    if run.estimates.is_some() {
        nav.insert(2, ("estimates", "Estimates"));
    }
    if run.agreement.is_some() {
        agreement(&mut body, run, &codes, &units, limits);
        nav.push(("agreement", "Agreement"));
    }
    let title = format!(
        "qualcode report: {} {}",
        run.manifest.codebook.name, run.manifest.codebook.version
    );
    html::page(&title, &nav, &body)
}

/// The overall estimate of each code (no pairs, no variable values), in codebook order.
fn code_estimates(run: &RunTables) -> Vec<&EstimateRow> {
    let Some(estimates) = &run.estimates else {
        return Vec::new();
    };
    run.frequency
        .iter()
        .filter_map(|f| {
            estimates
                .rows
                .iter()
                .find(|r| r.code == f.code && r.code_b.is_none() && r.variable.is_none())
        })
        .collect()
}

fn percent(x: Option<f64>) -> String {
    x.map_or("–".to_string(), |x| format!("{:.1}%", 100.0 * x))
}

/// The rules' share of each code beside the estimate of what a coder would find, with its
/// interval, from a hand-coded sample (`qualcode estimate`).
pub fn estimates_chart(run: &RunTables, look: &Look) -> Option<Result<Drawing, TooNarrow>> {
    let estimates = run.estimates.as_ref().filter(|e| !e.stale)?;
    // Every code for its colour: the sample's codes are drawn, however many the run has.
    let codes = Codes::new(run, usize::MAX);
    let names = code_names(run, look.ids);
    let rows: Vec<charts::IntervalBar> = code_estimates(run)
        .into_iter()
        .map(|r| {
            let interval = format!(
                "{} [{}, {}]",
                percent(r.share),
                percent(r.share_low),
                percent(r.share_high)
            );
            charts::IntervalBar {
                label: names
                    .get(r.code.as_str())
                    .map_or_else(|| r.code.clone(), |n| n.to_string()),
                rules: r.machine_share.unwrap_or(0.0),
                estimate: r.share,
                low: r.share_low.unwrap_or(0.0),
                high: r.share_high.unwrap_or(1.0),
                texts: vec![
                    format!("{interval} · rules {}", percent(r.machine_share)),
                    interval,
                    percent(r.share),
                ],
                colour: codes.colour(&r.code),
            }
        })
        .collect();
    Some(charts::interval_chart(
        &look.texts(
            format!(
                "Share of units a coder would code ({:.0}% interval, {} hand-coded units) and the rules'",
                100.0 * estimates.level,
                estimates.sampled
            ),
            "",
            "",
        ),
        &rows,
        look.width,
        look.fit,
    ))
}

fn estimates_section(body: &mut String, run: &RunTables, codes: &Codes, look: &Look) {
    let Some(estimates) = &run.estimates else {
        return;
    };
    body.push_str(r#"<section id="estimates"><h2>What a coder would find</h2>"#);
    if estimates.stale {
        body.push_str(r#"<p class="note">This folder has estimates (<code>estimates.parquet</code>) of an earlier run: the run was done again since, so they are not shown. Run <code>qualcode estimate</code> again with the coded sample (if the units and codes are unchanged, the sample still holds).</p></section>"#);
        return;
    }
    let _ = write!(
        body,
        r#"<p class="note">The rules find only part of what a coder codes. From {} hand-coded units drawn at random (<code>qualcode sample</code>, <code>qualcode estimate</code>): the share of units a coder would code in the whole corpus, with its {:.0}% interval, beside the rules' share; the rules' precision (of the units they coded, the share a coder codes too) and recall (of the units a coder codes, the share the rules found). All rows, pairs of codes and values of variables are in <code>estimates.parquet</code>.</p>"#,
        estimates.sampled,
        100.0 * estimates.level
    );
    if let Some(chart) = estimates_chart(run, look) {
        body.push_str(&on_page(chart));
    }
    body.push_str(r#"<table class="sortable"><thead><tr><th><button>code</button></th><th class="n"><button>rules</button></th><th class="n"><button>estimate</button></th><th>interval</th><th class="n"><button>precision</button></th><th class="n"><button>recall</button></th><th class="n"><button>sample coded</button></th></tr></thead><tbody>"#);
    for r in code_estimates(run) {
        let ratio = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{x:.2}"));
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td><td>[{}, {}]</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{} of {}</td></tr>"#,
            codes.chip(&r.code),
            r.machine_share.unwrap_or(0.0),
            percent(r.machine_share),
            r.share.unwrap_or(0.0),
            percent(r.share),
            percent(r.share_low),
            percent(r.share_high),
            r.precision.unwrap_or(0.0),
            ratio(r.precision),
            r.recall.unwrap_or(0.0),
            ratio(r.recall),
            r.n_sampled_coded,
            r.n_sampled_coded,
            r.n_sampled
        );
    }
    body.push_str("</tbody></table></section>");
}

/// Units by place, their codes and their matches.
struct UnitIndex<'a> {
    segments: BTreeMap<(&'a str, u32), &'a SegmentRow>,
    codes: BTreeMap<(&'a str, u32), Vec<&'a str>>,
    matches: BTreeMap<(&'a str, u32), Vec<&'a MatchRow>>,
    /// Each document's position in the run, for corpus order.
    order: BTreeMap<&'a str, usize>,
}

impl<'a> UnitIndex<'a> {
    fn new(run: &'a RunTables) -> Self {
        let mut codes: BTreeMap<(&str, u32), Vec<&str>> = BTreeMap::new();
        for c in &run.codings {
            codes
                .entry((c.document.as_str(), c.segment))
                .or_default()
                .push(c.code.as_str());
        }
        let mut matches: BTreeMap<(&str, u32), Vec<&MatchRow>> = BTreeMap::new();
        for m in &run.matches {
            matches
                .entry((m.document.as_str(), m.segment))
                .or_default()
                .push(m);
        }
        UnitIndex {
            segments: run
                .segments
                .iter()
                .map(|s| ((s.document.as_str(), s.segment), s))
                .collect(),
            codes,
            matches,
            order: run
                .documents
                .iter()
                .enumerate()
                .map(|(i, d)| (d.document.as_str(), i))
                .collect(),
        }
    }

    /// The units coded with `code`, in corpus order.
    fn coded_with(&self, code: &str) -> Vec<(&'a str, u32)> {
        let mut units: Vec<(&str, u32)> = self
            .codes
            .iter()
            .filter(|(_, codes)| codes.contains(&code))
            .map(|(k, _)| *k)
            .collect();
        units.sort_by_key(|(d, s)| (self.order.get(d).copied().unwrap_or(usize::MAX), *s));
        units
    }
}

fn overview(body: &mut String, run: &RunTables) {
    let m = &run.manifest;
    let c = &m.counts;
    let _ = write!(
        body,
        r#"<section id="overview"><h2>Overview</h2><table><tbody>
<tr><th>Codebook</th><td>{} {} (<code>{}</code>, sha256 <code>{}</code>), {} codes</td></tr>
<tr><th>Corpus</th><td><code>{}</code>: {} files, {} coded, {} empty, {} skipped</td></tr>
<tr><th>Units</th><td>{} {}s, {} with codes ({:.1}%); {} codings, {} matches</td></tr>
<tr><th>Run</th><td>{} by qualcode {}, {:.2} s, {} threads{}</td></tr>
</tbody></table>"#,
        escape(&m.codebook.name),
        escape(&m.codebook.version),
        escape(&m.codebook.path),
        escape(&m.codebook.sha256[..m.codebook.sha256.len().min(12)]),
        m.codebook.codes.len(),
        escape(&m.parameters.corpus),
        c.files,
        c.coded,
        c.empty,
        c.skipped,
        c.units,
        escape(&m.parameters.unit),
        c.units_with_codes,
        if c.units > 0 {
            100.0 * c.units_with_codes as f64 / c.units as f64
        } else {
            0.0
        },
        c.codings,
        c.matches,
        escape(&m.run.started),
        escape(&m.version),
        m.run.seconds,
        m.parameters.threads,
        match &m.shard {
            Some(s) => format!(", shard {} of {}", s.k, s.n),
            None if !m.merged_from.is_empty() => {
                format!(", merged from {} shards", m.merged_from.len())
            }
            None => String::new(),
        },
    );
    let unusual: Vec<_> = run
        .documents
        .iter()
        .filter(|d| d.status != "coded" || d.warning.is_some())
        .collect();
    if !unusual.is_empty() {
        let _ = write!(
            body,
            r#"<h3>Documents skipped, empty or with warnings ({})</h3><div class="scroll"><table><thead><tr><th>document</th><th>status</th><th>reason or warning</th></tr></thead><tbody>"#,
            unusual.len()
        );
        for d in unusual.iter().take(500) {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&d.document),
                escape(&d.status),
                escape(d.reason.as_deref().or(d.warning.as_deref()).unwrap_or(""))
            );
        }
        body.push_str("</tbody></table></div>");
        if unusual.len() > 500 {
            let _ = write!(
                body,
                r#"<p class="note">The first 500 of {} are listed; all are in <code>documents.parquet</code>.</p>"#,
                unusual.len()
            );
        }
    }
    body.push_str("</section>");
}

fn frequency_table(body: &mut String, run: &RunTables, codes: &Codes) {
    body.push_str(r#"<table class="sortable"><thead><tr><th><button>code</button></th><th><button>label</button></th><th class="n"><button>units</button></th><th class="n"><button>share</button></th><th class="n"><button>documents</button></th><th class="n"><button>hits</button></th></tr></thead><tbody>"#);
    for f in &run.frequency {
        // A link to the code's section, when it has one.
        let name = if codes.is_shown(&f.code) {
            format!(r##"<a href="#code-{0}">{0}</a>"##, escape(&f.code))
        } else {
            escape(&f.code)
        };
        let _ = write!(
            body,
            r##"<tr><td style="padding-left:{}rem">{name}</td><td>{}</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{:.1}%</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td></tr>"##,
            0.4 + f64::from(f.level),
            escape(&f.label),
            f.units,
            f.units,
            f.share,
            100.0 * f.share,
            f.documents,
            f.documents,
            f.hits,
            f.hits
        );
    }
    body.push_str("</tbody></table>");
}

fn code_by_document(body: &mut String, run: &RunTables, codes: &Codes, limits: Limits) {
    let docs = coded_documents(run);
    let shown: Vec<&str> = evenly(docs.len(), limits.table_documents)
        .iter()
        .map(|&i| docs[i])
        .collect();
    let cell: BTreeMap<(&str, &str), _> = run
        .by_document
        .iter()
        .filter(|r| codes.is_shown(&r.code))
        .map(|r| ((r.document.as_str(), r.code.as_str()), r))
        .collect();
    let units: BTreeMap<&str, u32> = run
        .documents
        .iter()
        .filter_map(|d| Some((d.document.as_str(), d.units?)))
        .collect();
    body.push_str(r#"<section id="by-document"><h2>Code × document</h2><p class="note">Units coded with each code in each document; the shade is the share of the document's units. Press a column's name to sort by it.</p><div class="scroll"><table class="sortable heat"><thead><tr><th><button>document</button></th><th class="n"><button>units</button></th>"#);
    for c in &codes.order {
        let _ = write!(body, r#"<th class="n"><button>{}</button></th>"#, escape(c));
    }
    body.push_str("</tr></thead><tbody>");
    for d in &shown {
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td class="n" data-v="{n}">{n}</td>"#,
            escape(d),
            n = units.get(d).copied().unwrap_or(0)
        );
        for c in &codes.order {
            let (n, share, hits) = cell
                .get(&(*d, *c))
                .map_or((0, 0.0, 0), |r| (r.units, r.share, r.hits));
            let (fill, ink) = charts::heat(share);
            let _ = write!(
                body,
                r#"<td class="n" data-v="{n}" style="background:{fill};color:{ink}" title="{}, {}: {n} units ({:.1}%), {hits} hits">{n}</td>"#,
                escape(d),
                escape(c),
                100.0 * share
            );
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table></div>");
    if shown.len() < docs.len() {
        let _ = write!(
            body,
            r#"<p class="note">{} of {} coded documents shown, evenly spaced in corpus order; every cell is in <code>code_by_document.parquet</code>.</p>"#,
            shown.len(),
            docs.len()
        );
    }
    body.push_str("</section>");
}

fn shown_documents(run: &RunTables, limits: Limits) -> BTreeSet<String> {
    let docs = coded_documents(run);
    evenly(docs.len(), limits.documents)
        .into_iter()
        .map(|i| docs[i].to_string())
        .collect()
}

/// The anchor of a document's section.
fn document_anchor(run: &RunTables, document: &str) -> String {
    let i = run
        .documents
        .iter()
        .position(|d| d.document == document)
        .unwrap_or(0);
    format!("doc-{i}")
}

/// A unit's text with its matches (those for which `keep` holds) marked. Overlapping matches
/// are split into pieces, each marked once and naming every match that covers it.
fn marked_text(
    segment: &SegmentRow,
    matches: &[&MatchRow],
    keep: impl Fn(&MatchRow) -> bool,
) -> String {
    let chars: Vec<char> = segment.text.chars().collect();
    let kept: Vec<&MatchRow> = matches.iter().copied().filter(|m| keep(m)).collect();
    let mut cuts: Vec<usize> = vec![0, chars.len()];
    for m in &kept {
        cuts.push((m.text_start as usize).min(chars.len()));
        cuts.push((m.text_end as usize).min(chars.len()));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let piece: String = chars[a..b].iter().collect();
        let covering: Vec<&&MatchRow> = kept
            .iter()
            .filter(|m| (m.text_start as usize) <= a && b <= m.text_end as usize)
            .collect();
        if covering.is_empty() {
            out.push_str(&escape(&piece));
            continue;
        }
        let class = if covering.iter().all(|m| m.negated) {
            "negated"
        } else if covering.iter().all(|m| !m.applied) {
            "below"
        } else {
            "counted"
        };
        let tip: Vec<String> = covering
            .iter()
            .map(|m| {
                format!(
                    "{} · rule {} · {}{}{}",
                    m.code,
                    m.rule,
                    m.pattern,
                    if m.negated { " · negated" } else { "" },
                    if m.applied {
                        ""
                    } else {
                        " · code below its threshold here"
                    }
                )
            })
            .collect();
        let _ = write!(
            out,
            r#"<mark class="{class}" title="{}" data-codes="{}">{}</mark>"#,
            escape(&tip.join("\n")),
            escape(
                &covering
                    .iter()
                    .map(|m| m.code.as_str())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            escape(&piece)
        );
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn per_code(
    body: &mut String,
    run: &RunTables,
    codes: &Codes,
    units: &UnitIndex,
    texts: &BTreeMap<String, CodeText>,
    shown_documents: &BTreeSet<String>,
    limits: Limits,
) {
    body.push_str(r#"<section id="codes"><h2>Codes and their units</h2><p class="note">Highlighted: the code's counted matches (hover for the rule and pattern). <mark class="negated">Struck through</mark>: a negated match; <mark class="below">dotted</mark>: a match in a unit where the code did not reach its threshold. Matches that did not count (vetoed by an exclusion, out of reach, negated, overlapped) are not shown: they are in the run's <code>rejected_matches</code> table, and <code>qualcode explain</code> shows them for a unit.</p>"#);
    if codes.order.len() < codes.all {
        let _ = write!(
            body,
            r#"<p class="note">The {} codes with the most units of {}; the units of every code are in <code>codings.parquet</code>.</p>"#,
            codes.order.len(),
            codes.all
        );
    }
    // The codes each shown code co-occurs with, found in one pass over the pairs.
    let mut together: BTreeMap<&str, Vec<(u32, &str, f64)>> = BTreeMap::new();
    for r in &run.cooccurrence {
        if r.n12 == 0 {
            continue;
        }
        for (code, other) in [(&r.code_a, &r.code_b), (&r.code_b, &r.code_a)] {
            if codes.is_shown(code) {
                together.entry(code.as_str()).or_default().push((
                    r.n12,
                    other.as_str(),
                    r.jaccard.unwrap_or(0.0),
                ));
            }
        }
    }
    for f in run.frequency.iter().filter(|f| codes.is_shown(&f.code)) {
        let code = f.code.as_str();
        let _ = write!(
            body,
            r#"<article id="code-{}"><h3>{} {}</h3>"#,
            escape(code),
            codes.chip(code),
            escape(&f.label)
        );
        if let Some(t) = texts.get(code) {
            for (name, text) in [
                ("Definition", &t.definition),
                ("Use when", &t.use_when),
                ("Do not use when", &t.do_not_use_when),
            ] {
                if !text.is_empty() {
                    let _ = write!(body, "<p><strong>{name}:</strong> {}</p>", escape(text));
                }
            }
        }
        let mut with = together.remove(code).unwrap_or_default();
        with.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        with.dedup_by(|a, b| a.1 == b.1);
        // The twenty most frequent partners, and how many more.
        let more = with.len().saturating_sub(20);
        with.truncate(20);
        let _ = write!(
            body,
            r#"<p class="note">{} units ({:.1}%) in {} documents, {} hits. Together with: {}.</p>"#,
            f.units,
            100.0 * f.share,
            f.documents,
            f.hits,
            if with.is_empty() {
                "no other code".to_string()
            } else {
                let mut list = with
                    .iter()
                    .map(|(n, c, j)| format!("{} ({n} units, Jaccard {j:.2})", escape(c)))
                    .collect::<Vec<_>>()
                    .join(", ");
                if more > 0 {
                    let _ = write!(list, " and {more} other codes");
                }
                list
            }
        );
        let coded = units.coded_with(code);
        let shown = evenly(coded.len(), limits.units_per_code);
        for &i in &shown {
            let key = coded[i];
            let Some(segment) = units.segments.get(&key) else {
                continue;
            };
            let matches = units.matches.get(&key).cloned().unwrap_or_default();
            let others: Vec<&str> = units
                .codes
                .get(&key)
                .map(|c| c.iter().copied().filter(|c| *c != code).collect())
                .unwrap_or_default();
            let link = if shown_documents.contains(key.0) {
                format!(
                    r##"<a href="#{}-s{}">{}</a>"##,
                    document_anchor(run, key.0),
                    key.1,
                    escape(key.0)
                )
            } else {
                escape(key.0)
            };
            let _ = write!(
                body,
                r#"<div class="unit"><div class="where">{link}, segment {}, line {}{}</div>{}</div>"#,
                key.1,
                segment.line_start,
                if others.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; also {}",
                        others.iter().map(|c| codes.chip(c)).collect::<String>()
                    )
                },
                marked_text(segment, &matches, |m| m.code == code)
            );
        }
        if shown.len() < coded.len() {
            let _ = write!(
                body,
                r#"<p class="note">{} of {} units shown, evenly spaced in corpus order; all are in <code>codings.parquet</code>.</p>"#,
                shown.len(),
                coded.len()
            );
        }
        body.push_str("</article>");
    }
    body.push_str("</section>");
}

fn per_document(
    body: &mut String,
    run: &RunTables,
    codes: &Codes,
    units: &UnitIndex,
    shown: &BTreeSet<String>,
) {
    let coded = coded_documents(run).len();
    let _ = write!(
        body,
        r#"<section id="documents"><h2>Documents</h2><p class="note">{} of {} coded documents{}, in reading order. In the margin, the codes of each coded unit; headings in bold; boilerplate and footnotes grey (not coded).</p>"#,
        shown.len(),
        coded,
        if shown.len() < coded {
            ", evenly spaced in corpus order"
        } else {
            ""
        }
    );
    for d in run.documents.iter().filter(|d| shown.contains(&d.document)) {
        let anchor = document_anchor(run, &d.document);
        let _ = write!(
            body,
            r#"<article class="doc" id="{anchor}"><h3>{}</h3><p class="note">{} segments, {} units</p>"#,
            escape(&d.document),
            d.segments.unwrap_or_default(),
            d.units.unwrap_or_default()
        );
        for segment in units
            .segments
            .range((d.document.as_str(), 0)..=(d.document.as_str(), u32::MAX))
            .map(|(_, s)| *s)
        {
            let key = (d.document.as_str(), segment.segment);
            let chips: String = units
                .codes
                .get(&key)
                .map(|c| c.iter().map(|c| codes.chip(c)).collect())
                .unwrap_or_default();
            let matches = units.matches.get(&key).cloned().unwrap_or_default();
            let kind = if segment.coded { "" } else { &segment.kind };
            let _ = write!(
                body,
                r#"<div class="seg {}" id="{anchor}-s{}"><div class="margin">{chips}<span class="kind">{}</span></div><div class="text">{}</div></div>"#,
                escape(&segment.kind),
                segment.segment,
                escape(kind),
                marked_text(segment, &matches, |_| true)
            );
        }
        body.push_str("</article>");
    }
    body.push_str("</section>");
}

fn agreement(body: &mut String, run: &RunTables, codes: &Codes, units: &UnitIndex, limits: Limits) {
    let Some(agreement) = &run.agreement else {
        return;
    };
    let rows: Vec<_> = agreement
        .rows
        .iter()
        .filter(|r| r.compared == "machine")
        .collect();
    let reference = rows.first().map_or("", |r| r.reference.as_str());
    let _ = write!(
        body,
        r#"<section id="agreement"><h2>Agreement with hand coding</h2><p class="note">Reference: <code>{}</code>, against the machine (from <code>agreement.parquet</code>, written by <code>qualcode agree</code>; this folder's run may be newer than the agreement).</p><table><thead><tr><th>code</th><th class="n">units</th><th class="n">both yes</th><th class="n">machine only</th><th class="n">hand only</th><th class="n">both no</th><th class="n">kappa</th><th>95% interval</th></tr></thead><tbody>"#,
        escape(reference)
    );
    let number = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.3}"));
    for r in rows.iter().filter(|r| r.reference == reference) {
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td>[{}, {}]</td></tr>"#,
            codes.chip(&r.code),
            r.units,
            r.both_yes,
            r.compared_only,
            r.reference_only,
            r.both_no,
            number(r.kappa),
            number(r.kappa_low),
            number(r.kappa_high)
        );
    }
    body.push_str("</tbody></table>");
    for code in &codes.order {
        let disagreeing = disagreements(agreement, code);
        if disagreeing.is_empty() {
            continue;
        }
        let _ = write!(
            body,
            r#"<h3>{} disagreements ({})</h3>"#,
            codes.chip(code),
            disagreeing.len()
        );
        for &i in &evenly(disagreeing.len(), limits.disagreements) {
            let u = disagreeing[i];
            let key = (u.document.as_str(), u.segment);
            let text = units.segments.get(&key).map_or_else(
                || "(unit not in this run's segments)".to_string(),
                |s| {
                    let matches = units.matches.get(&key).cloned().unwrap_or_default();
                    marked_text(s, &matches, |m| m.code == *code)
                },
            );
            let _ = write!(
                body,
                r#"<div class="pair"><div><div class="where">{}, segment {}</div>{text}</div><div class="where">hand: {}<br>machine: {}</div></div>"#,
                escape(&u.document),
                u.segment,
                if u.hand == Some(true) { "yes" } else { "no" },
                if u.machine { "yes" } else { "no" }
            );
        }
        if disagreeing.len() > limits.disagreements {
            let _ = write!(
                body,
                r#"<p class="note">{} of {} shown; all are in <code>agreement_units.parquet</code>.</p>"#,
                limits.disagreements,
                disagreeing.len()
            );
        }
    }
    body.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evenly_keeps_all_or_spreads_over_the_whole_range() {
        assert_eq!(evenly(3, 5), vec![0, 1, 2]);
        assert_eq!(evenly(10, 4), vec![0, 2, 5, 7]);
        assert_eq!(evenly(0, 4), Vec::<usize>::new());
    }

    fn segment(text: &str) -> SegmentRow {
        SegmentRow {
            document: "d".into(),
            segment: 0,
            kind: "paragraph".into(),
            coded: true,
            line_start: 1,
            text: text.into(),
        }
    }

    fn at(code: &str, start: u32, end: u32, negated: bool) -> MatchRow {
        MatchRow {
            document: "d".into(),
            segment: 0,
            code: code.into(),
            rule: "r".into(),
            pattern: "p".into(),
            text_start: start,
            text_end: end,
            negated,
            applied: true,
        }
    }

    #[test]
    fn overlapping_matches_are_marked_in_pieces_and_text_is_escaped() {
        let s = segment("mutual trust & 互信");
        let (a, b, c) = (
            at("reciprocity", 0, 12, false),
            at("trust", 7, 12, false),
            at("trust", 15, 17, true),
        );
        let html = marked_text(&s, &[&a, &b, &c], |_| true);
        assert!(html.starts_with(r#"<mark class="counted""#));
        assert!(html.contains(r#"data-codes="reciprocity">mutual </mark>"#));
        assert!(html.contains(r#"data-codes="reciprocity trust">trust</mark>"#));
        assert!(html.contains(" &amp; "));
        assert!(html.contains(r#"<mark class="negated""#) && html.ends_with(">互信</mark>"));
        let only_trust = marked_text(&s, &[&a, &b, &c], |m| m.code == "trust");
        assert!(only_trust.starts_with("mutual <mark"));
    }
}
