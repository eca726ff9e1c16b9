//! The tables of `qualcode estimate`: estimate rows in, `estimates` (one row per code, pair
//! of codes, or code and variable value) and `estimate_cells` (the counts behind each) out.
//! Counts are Int64, so that notebooks can subtract them.

use crate::workbench::validation::estimate::EstimateRow;
use crate::workbench::validation::interval::Estimate;
use polars::prelude::*;

fn opt_str<'a>(name: &str, values: impl Iterator<Item = Option<&'a str>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<_>>())
}

fn ints(name: &str, values: impl Iterator<Item = u64>) -> Column {
    Column::new(name.into(), values.map(|v| v as i64).collect::<Vec<i64>>())
}

fn reals(name: &str, values: impl Iterator<Item = Option<f64>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<Option<f64>>>())
}

/// Three columns for an estimate: `NAME`, `NAME_low`, `NAME_high`.
fn estimate_columns(
    rows: &[EstimateRow],
    name: &str,
    of: fn(&EstimateRow) -> Option<Estimate>,
) -> [Column; 3] {
    [
        reals(name, rows.iter().map(|r| of(r).and_then(|e| e.value))),
        reals(
            &format!("{name}_low"),
            rows.iter().map(|r| of(r).and_then(|e| e.low)),
        ),
        reals(
            &format!("{name}_high"),
            rows.iter().map(|r| of(r).and_then(|e| e.high)),
        ),
    ]
}

/// One row per estimate. `units_estimate`/`_low`/`_high` are the share times the units.
pub fn estimates(rows: &[EstimateRow], level: f64) -> PolarsResult<DataFrame> {
    let mut columns = vec![
        opt_str("code", rows.iter().map(|r| Some(r.code.as_str()))),
        opt_str("code_b", rows.iter().map(|r| r.code_b.as_deref())),
        opt_str("variable", rows.iter().map(|r| r.variable.as_deref())),
        opt_str("value", rows.iter().map(|r| r.value.as_deref())),
        opt_str("method", rows.iter().map(|r| Some(r.method.name()))),
        Column::new("level".into(), vec![level; rows.len()]),
        ints("units", rows.iter().map(|r| r.units)),
        ints("machine_units", rows.iter().map(|r| r.machine_units)),
        reals("machine_share", rows.iter().map(EstimateRow::machine_share)),
        ints("n_sampled", rows.iter().map(|r| r.sampled)),
        ints("n_sampled_coded", rows.iter().map(|r| r.sampled_positive)),
    ];
    columns.extend(estimate_columns(rows, "share", |r| Some(r.share)));
    let scaled = |r: &EstimateRow, x: Option<f64>| x.map(|x| x * r.units as f64);
    columns.push(reals(
        "units_estimate",
        rows.iter().map(|r| scaled(r, r.share.value)),
    ));
    columns.push(reals(
        "units_low",
        rows.iter().map(|r| scaled(r, r.share.low)),
    ));
    columns.push(reals(
        "units_high",
        rows.iter().map(|r| scaled(r, r.share.high)),
    ));
    columns.extend(estimate_columns(rows, "precision", |r| Some(r.precision)));
    columns.extend(estimate_columns(rows, "recall", |r| Some(r.recall)));
    columns.extend(estimate_columns(rows, "direct_share", |r| r.direct));
    DataFrame::new(rows.len(), columns)
}

/// The cells behind every estimate: the design's stratum, whether the rules gave the code,
/// the units, the sampled units and those the coder coded.
pub fn estimate_cells(rows: &[EstimateRow]) -> PolarsResult<DataFrame> {
    let cells: Vec<(
        &EstimateRow,
        &crate::workbench::validation::estimate::CellRow,
    )> = rows
        .iter()
        .flat_map(|r| r.cells.iter().map(move |c| (r, c)))
        .collect();
    let columns = vec![
        opt_str("code", cells.iter().map(|(r, _)| Some(r.code.as_str()))),
        opt_str("code_b", cells.iter().map(|(r, _)| r.code_b.as_deref())),
        opt_str("variable", cells.iter().map(|(r, _)| r.variable.as_deref())),
        opt_str("value", cells.iter().map(|(r, _)| r.value.as_deref())),
        opt_str(
            "stratum",
            cells.iter().map(|(_, c)| Some(c.stratum.as_str())),
        ),
        Column::new(
            "machine".into(),
            cells.iter().map(|(_, c)| c.machine).collect::<Vec<bool>>(),
        ),
        ints("units", cells.iter().map(|(_, c)| c.population)),
        ints("n_sampled", cells.iter().map(|(_, c)| c.sampled)),
        ints("n_sampled_coded", cells.iter().map(|(_, c)| c.positive)),
    ];
    DataFrame::new(cells.len(), columns)
}
