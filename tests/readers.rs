//! Output every notebook reads (issue 30): every integer column of every table qualcode writes
//! is signed, and every table opens in the oldest pyarrow we support (12) and in DuckDB, whose
//! queries from docs/output.md run.
//!
//! The old readers live in a virtual environment of their own (pyarrow 12 needs numpy < 2,
//! which the rest of the tests' Python does not want): `.ci/run` makes it and names its Python
//! in `QUALCODE_OLD_READERS`. Without it the test is skipped with a notice, unless
//! `QUALCODE_REQUIRE_PYTHON=1`.

mod common;

use common::*;
use polars::prelude::*;
use std::path::Path;
use std::process::Command;

/// A run of the shipped corpus with document variables and `--by`, and `agree`'s tables in the
/// same folder: every table a run folder can hold but the ones of other branches' commands.
fn full_run(out: &Path) {
    let metadata = out.with_extension("metadata.csv");
    let documents: Vec<String> = std::fs::read_dir(repo().join("corpus"))
        .expect("corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut csv = String::from("document,year,group\n");
    for (i, d) in documents.iter().enumerate() {
        csv.push_str(&format!("{d},{},g{}\n", 2015 + i, i % 2));
    }
    std::fs::write(&metadata, csv).expect("metadata");
    let (code, stderr) = run(
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        out,
        &[
            "--metadata",
            metadata.to_str().expect("utf-8"),
            "--by",
            "year",
            "--by",
            "group",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let gold = repo().join("tests/hand_coding/heldout.csv");
    let (code, _, stderr) = outcome(&[
        "agree",
        "--gold",
        gold.to_str().expect("utf-8"),
        "--gold",
        repo()
            .join("tests/hand_coding/tune.csv")
            .to_str()
            .expect("utf-8"),
        "--bootstrap",
        "50",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{stderr}");
}

fn unsigned_columns(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).expect("open");
    let df = ParquetReader::new(file).finish().expect("read parquet");
    df.columns()
        .iter()
        .filter(|c| c.dtype().is_unsigned_integer())
        .map(|c| format!("{}: {}", c.name(), c.dtype()))
        .collect()
}

#[test]
fn every_integer_column_is_signed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    full_run(&out);
    // The workbench's listings too.
    let gold = repo().join("tests/hand_coding/heldout.csv");
    let gold = gold.to_str().expect("utf-8");
    let listing = |args: &[&str], name: &str| {
        let path = dir.path().join(name);
        let mut args = args.to_vec();
        args.extend(["--out", path.to_str().expect("utf-8")]);
        let (code, _, stderr) = outcome(&args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        path
    };
    let mut files = vec![
        listing(&["kwic", "trust"], "kwic.parquet"),
        listing(
            &["suggest", "trust", "--gold", gold, "--limit", "1"],
            "suggest.parquet",
        ),
        listing(&["similar", "trust", "--limit", "3"], "similar.parquet"),
    ];
    files.extend(
        std::fs::read_dir(&out)
            .expect("run folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet")),
    );
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for table in [
        "documents",
        "segments",
        "matches",
        "codings",
        "code_frequency",
        "code_by_document",
        "cooccurrence",
        "document_variables",
        "code_by_variable",
        "agreement",
        "agreement_units",
        "agreement_coders",
    ] {
        assert!(
            names.contains(&format!("{table}.parquet")),
            "{table} missing: {names:?}"
        );
    }
    let unsigned: Vec<String> = files
        .iter()
        .flat_map(|p| {
            unsigned_columns(p)
                .into_iter()
                .map(move |c| format!("{}: {c}", p.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(unsigned.is_empty(), "unsigned columns: {unsigned:#?}");
    assert_eq!(manifest(&out)["schema_version"], 1);
}

#[test]
fn pyarrow_12_and_duckdb_read_every_table() {
    let required = std::env::var("QUALCODE_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let Some(python) = std::env::var_os("QUALCODE_OLD_READERS") else {
        assert!(
            !required,
            "QUALCODE_OLD_READERS must name the Python of the old readers' environment (.ci/run makes it)"
        );
        eprintln!("skipped: QUALCODE_OLD_READERS is not set (a Python with pyarrow 12 and duckdb; see .ci/run)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, second) = (dir.path().join("a"), dir.path().join("b"));
    full_run(&first);
    full_run(&second);
    let output = Command::new(&python)
        .arg(repo().join("tests/old_readers.py"))
        .arg(&first)
        .arg(&second)
        .output()
        .expect("run the old readers' python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{stdout}");
    if required {
        assert!(stdout.contains("pyarrow 12."), "not pyarrow 12: {stdout}");
    }
}

#[test]
fn merge_refuses_a_shard_of_another_schema_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shards: Vec<_> = (1..=2).map(|k| dir.path().join(format!("s{k}"))).collect();
    for (k, shard) in shards.iter().enumerate() {
        let (code, stderr) = run(
            &repo().join("corpus"),
            &repo().join("codebook.toml"),
            shard,
            &["--shard", &format!("{}/2", k + 1)],
        );
        assert_eq!(code, 0, "{stderr}");
    }
    // A shard written before the integer columns became signed says schema version 0.
    let path = shards[1].join("manifest.json");
    let text = std::fs::read_to_string(&path).expect("manifest");
    assert!(text.contains("\"schema_version\": 1"), "{text}");
    std::fs::write(
        &path,
        text.replace("\"schema_version\": 1", "\"schema_version\": 0"),
    )
    .unwrap();
    let (code, stderr) = merge(&shards, &dir.path().join("merged"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("holds tables of schema version 0 and this qualcode writes version 1"),
        "{stderr}"
    );
}
