//! Tables: coded documents in, polars [`DataFrame`]s out — the unit-level tables
//! (`documents`, `segments`, `matches`, `codings`) and the summaries computed from them with
//! polars (`code_frequency`, `code_by_document`, `cooccurrence`).
//!
//! This is one of the two modules that use polars (with `output`); everything before it
//! passes plain Rust values.

use crate::codebook::Codebook;
use crate::coding::CodedDocument;
use crate::corpus::{FileRecord, FileStatus};
use polars::prelude::*;

/// All tables of a run, in the order they are written.
pub struct Tables {
    pub tables: Vec<(&'static str, DataFrame)>,
}

fn frame(columns: Vec<Column>) -> PolarsResult<DataFrame> {
    let height = columns.first().map_or(0, |c| c.len());
    DataFrame::new(height, columns)
}

/// Indexes, line numbers and counts are stored as u32; a value that does not fit is an error,
/// never a silently wrong number.
fn u32s(values: impl Iterator<Item = usize>) -> PolarsResult<Vec<u32>> {
    values
        .map(|v| {
            u32::try_from(v).map_err(|_| {
                PolarsError::ComputeError(format!("value {v} does not fit a UInt32 column").into())
            })
        })
        .collect()
}

fn u64s(values: impl Iterator<Item = usize>) -> Vec<u64> {
    values.map(|v| v as u64).collect()
}

fn col_str(name: &str, values: Vec<String>) -> Column {
    Column::new(name.into(), values)
}

/// Builds every table. `records` lists every file of the corpus; `documents` the ones coded.
pub fn build(
    codebook: &Codebook,
    records: &[FileRecord],
    documents: &[CodedDocument],
) -> PolarsResult<Tables> {
    let code_ids: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    let documents_df = documents_table(records, documents)?;
    let segments = segments_table(documents)?;
    let matches = matches_table(codebook, documents)?;
    let codings = codings_table(&code_ids, documents)?;
    let units: usize = documents.iter().map(|d| d.units()).sum();
    let frequency = code_frequency(codebook, &codings, units)?;
    let by_document = code_by_document(&code_ids, documents, &codings)?;
    let cooccurrence = cooccurrence(&code_ids, &codings, &frequency, units)?;
    Ok(Tables {
        tables: vec![
            ("documents", documents_df),
            ("segments", segments),
            ("matches", matches),
            ("codings", codings),
            ("code_frequency", frequency),
            ("code_by_document", by_document),
            ("cooccurrence", cooccurrence),
        ],
    })
}

fn documents_table(records: &[FileRecord], documents: &[CodedDocument]) -> PolarsResult<DataFrame> {
    let by_id: std::collections::BTreeMap<&str, &CodedDocument> =
        documents.iter().map(|d| (d.id.as_str(), d)).collect();
    let coded = |id: &str| by_id.get(id).copied();
    let mut layout = Vec::new();
    let mut segments = Vec::new();
    let mut units = Vec::new();
    for record in records {
        let doc = coded(&record.id);
        layout.push(doc.map(|d| d.layout.as_str().to_string()));
        segments.push(doc.map(|d| d.segments.len() as u32));
        units.push(doc.map(|d| d.units() as u32));
    }
    frame(vec![
        col_str("document", records.iter().map(|r| r.id.clone()).collect()),
        col_str(
            "status",
            records
                .iter()
                .map(|r| status_name(&r.status).to_string())
                .collect(),
        ),
        Column::new(
            "reason".into(),
            records
                .iter()
                .map(|r| match &r.status {
                    FileStatus::Skipped { reason } => Some(reason.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "bytes".into(),
            records.iter().map(|r| r.bytes).collect::<Vec<u64>>(),
        ),
        col_str("sha256", records.iter().map(|r| r.sha256.clone()).collect()),
        Column::new("layout".into(), layout),
        Column::new("segments".into(), segments),
        Column::new("units".into(), units),
    ])
}

pub fn status_name(status: &FileStatus) -> &'static str {
    match status {
        FileStatus::Read => "coded",
        FileStatus::Empty => "empty",
        FileStatus::Skipped { .. } => "skipped",
    }
}

fn segments_table(documents: &[CodedDocument]) -> PolarsResult<DataFrame> {
    let rows = || {
        documents
            .iter()
            .flat_map(|d| d.segments.iter().map(move |s| (d, s)))
    };
    frame(vec![
        col_str("document", rows().map(|(d, _)| d.id.clone()).collect()),
        Column::new("segment".into(), u32s(rows().map(|(_, s)| s.segment))?),
        Column::new("block".into(), u32s(rows().map(|(_, s)| s.block))?),
        col_str("kind", rows().map(|(_, s)| s.kind.to_string()).collect()),
        Column::new(
            "coded".into(),
            rows().map(|(_, s)| s.coded).collect::<Vec<bool>>(),
        ),
        Column::new("byte_start".into(), u64s(rows().map(|(_, s)| s.byte_start))),
        Column::new("byte_end".into(), u64s(rows().map(|(_, s)| s.byte_end))),
        Column::new("char_start".into(), u64s(rows().map(|(_, s)| s.char_start))),
        Column::new("char_end".into(), u64s(rows().map(|(_, s)| s.char_end))),
        Column::new(
            "line_start".into(),
            u32s(rows().map(|(_, s)| s.line_start))?,
        ),
        Column::new("line_end".into(), u32s(rows().map(|(_, s)| s.line_end))?),
        Column::new(
            "word_count".into(),
            u32s(rows().map(|(_, s)| s.word_count))?,
        ),
        col_str("text", rows().map(|(_, s)| s.text.clone()).collect()),
    ])
}

fn matches_table(codebook: &Codebook, documents: &[CodedDocument]) -> PolarsResult<DataFrame> {
    let rows = || {
        documents
            .iter()
            .flat_map(|d| d.matches.iter().map(move |m| (d, m)))
    };
    let code = |m: &crate::coding::MatchRow| &codebook.codes[m.code];
    frame(vec![
        col_str("document", rows().map(|(d, _)| d.id.clone()).collect()),
        Column::new("segment".into(), u32s(rows().map(|(_, m)| m.segment))?),
        col_str("code", rows().map(|(_, m)| code(m).id.clone()).collect()),
        col_str(
            "rule",
            rows()
                .map(|(_, m)| code(m).rules[m.rule].id.clone())
                .collect(),
        ),
        col_str(
            "pattern",
            rows()
                .map(|(_, m)| code(m).rules[m.rule].patterns[m.pattern].source.clone())
                .collect(),
        ),
        col_str("text", rows().map(|(_, m)| m.text.clone()).collect()),
        Column::new("byte_start".into(), u64s(rows().map(|(_, m)| m.byte_start))),
        Column::new("byte_end".into(), u64s(rows().map(|(_, m)| m.byte_end))),
        Column::new("char_start".into(), u64s(rows().map(|(_, m)| m.char_start))),
        Column::new("char_end".into(), u64s(rows().map(|(_, m)| m.char_end))),
        Column::new(
            "applied".into(),
            rows().map(|(_, m)| m.applied).collect::<Vec<bool>>(),
        ),
    ])
}

fn codings_table(code_ids: &[String], documents: &[CodedDocument]) -> PolarsResult<DataFrame> {
    let rows = || {
        documents
            .iter()
            .flat_map(|d| d.codings.iter().map(move |c| (d, c)))
    };
    frame(vec![
        col_str("document", rows().map(|(d, _)| d.id.clone()).collect()),
        Column::new("segment".into(), u32s(rows().map(|(_, c)| c.segment))?),
        col_str(
            "code",
            rows().map(|(_, c)| code_ids[c.code].clone()).collect(),
        ),
        Column::new("hits".into(), u32s(rows().map(|(_, c)| c.hits))?),
    ])
}

/// Per code: units coded, their share of all units, documents, hits. Every code gets a row,
/// in codebook order, including codes that never applied.
fn code_frequency(
    codebook: &Codebook,
    codings: &DataFrame,
    units: usize,
) -> PolarsResult<DataFrame> {
    let codes = frame(vec![
        col_str(
            "code",
            codebook.codes.iter().map(|c| c.id.clone()).collect(),
        ),
        col_str(
            "label",
            codebook.codes.iter().map(|c| c.label.clone()).collect(),
        ),
        Column::new("order".into(), u32s(0..codebook.codes.len())?),
    ])?;
    let per_code = codings.clone().lazy().group_by([col("code")]).agg([
        len().alias("units"),
        col("document").n_unique().alias("documents"),
        col("hits").sum().alias("hits"),
    ]);
    codes
        .lazy()
        .join(
            per_code,
            [col("code")],
            [col("code")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            count_or_zero("units"),
            count_or_zero("documents"),
            count_or_zero("hits"),
        ])
        .with_column(ratio(col("units"), lit(units as f64)).alias("share"))
        .sort(["order"], SortMultipleOptions::default())
        .select([
            col("code"),
            col("label"),
            col("units"),
            col("share"),
            col("documents"),
            col("hits"),
        ])
        .collect()
}

fn count_or_zero(name: &str) -> Expr {
    col(name)
        .cast(DataType::UInt32)
        .fill_null(lit(0u32))
        .alias(name)
}

/// `numerator / denominator` as a float, null where the denominator is zero.
fn ratio(numerator: Expr, denominator: Expr) -> Expr {
    let denominator = denominator.cast(DataType::Float64);
    when(denominator.clone().gt(lit(0.0)))
        .then(numerator.cast(DataType::Float64) / denominator)
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// The code × document matrix in long form: every code with every coded document.
fn code_by_document(
    code_ids: &[String],
    documents: &[CodedDocument],
    codings: &DataFrame,
) -> PolarsResult<DataFrame> {
    let mut grid_code = Vec::new();
    let mut grid_doc = Vec::new();
    let mut grid_units = Vec::new();
    let mut grid_order = Vec::new();
    for (d, doc) in documents.iter().enumerate() {
        let units = doc.units();
        for (c, id) in code_ids.iter().enumerate() {
            grid_code.push(id.clone());
            grid_doc.push(doc.id.clone());
            grid_units.push(units);
            grid_order.push(c * documents.len() + d);
        }
    }
    let grid = frame(vec![
        col_str("code", grid_code),
        col_str("document", grid_doc),
        Column::new("document_units".into(), u32s(grid_units.into_iter())?),
        Column::new("order".into(), u64s(grid_order.into_iter())),
    ])?;
    let per_cell = codings
        .clone()
        .lazy()
        .group_by([col("code"), col("document")])
        .agg([len().alias("units"), col("hits").sum().alias("hits")]);
    grid.lazy()
        .join(
            per_cell,
            [col("code"), col("document")],
            [col("code"), col("document")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([count_or_zero("units"), count_or_zero("hits")])
        .with_column(ratio(col("units"), col("document_units")).alias("share"))
        .sort(["order"], SortMultipleOptions::default())
        .select([
            col("code"),
            col("document"),
            col("units"),
            col("hits"),
            col("document_units"),
            col("share"),
        ])
        .collect()
}

/// Every ordered pair of different codes: units coded with both (n12), with each (n1, n2),
/// all units (n), and the Jaccard, Dice and Ochiai coefficients.
fn cooccurrence(
    code_ids: &[String],
    codings: &DataFrame,
    frequency: &DataFrame,
    units: usize,
) -> PolarsResult<DataFrame> {
    let mut a = Vec::new();
    let mut b = Vec::new();
    let mut order = Vec::new();
    for (i, x) in code_ids.iter().enumerate() {
        for (j, y) in code_ids.iter().enumerate() {
            if i != j {
                a.push(x.clone());
                b.push(y.clone());
                order.push(i * code_ids.len() + j);
            }
        }
    }
    let pairs = frame(vec![
        col_str("code_a", a),
        col_str("code_b", b),
        Column::new("order".into(), u64s(order.into_iter())),
    ])?;
    let unit_codes = codings
        .clone()
        .lazy()
        .select([col("document"), col("segment"), col("code")]);
    let together = unit_codes
        .clone()
        .join(
            unit_codes.select([col("document"), col("segment"), col("code").alias("code_b")]),
            [col("document"), col("segment")],
            [col("document"), col("segment")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("code").neq(col("code_b")))
        .group_by([col("code").alias("code_a"), col("code_b")])
        .agg([len().alias("n12")]);
    let n_of = |name: &str| {
        frequency.clone().lazy().select([
            col("code").alias(format!("code_{name}")),
            col("units").alias(format!("n{}", if name == "a" { 1 } else { 2 })),
        ])
    };
    pairs
        .lazy()
        .join(
            together,
            [col("code_a"), col("code_b")],
            [col("code_a"), col("code_b")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            n_of("a"),
            [col("code_a")],
            [col("code_a")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            n_of("b"),
            [col("code_b")],
            [col("code_b")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            count_or_zero("n12"),
            count_or_zero("n1"),
            count_or_zero("n2"),
        ])
        .with_column(lit(units as u32).cast(DataType::UInt32).alias("n"))
        .with_columns([
            ratio(col("n12"), col("n1") + col("n2") - col("n12")).alias("jaccard"),
            ratio(col("n12") * lit(2u32), col("n1") + col("n2")).alias("dice"),
            ratio(
                col("n12"),
                (col("n1").cast(DataType::Float64) * col("n2").cast(DataType::Float64)).sqrt(),
            )
            .alias("ochiai"),
        ])
        .sort(["order"], SortMultipleOptions::default())
        .select([
            col("code_a"),
            col("code_b"),
            col("n12"),
            col("n1"),
            col("n2"),
            col("n"),
            col("jaccard"),
            col("dice"),
            col("ochiai"),
        ])
        .collect()
}
