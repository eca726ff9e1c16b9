//! Helpers shared by the integration tests: run the binary, read its Parquet back.
#![allow(dead_code)]

pub mod pdf;

use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `qualcode` with `args` from the repository root.
pub fn qualcode(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_qualcode"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run qualcode")
}

/// Runs `qualcode` with `args`; (exit code, stdout, stderr).
pub fn outcome(args: &[&str]) -> (i32, String, String) {
    let output = qualcode(args);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every table a run writes, in manifest order.
pub const TABLES: &[&str] = &[
    "documents",
    "segments",
    "matches",
    "rejected_matches",
    "codings",
    "texts",
    "code_frequency",
    "code_by_document",
    "cooccurrence",
    "code_by_speaker",
];

/// Runs `qualcode run` on `corpus` with `codebook` into `out`; returns (exit code, stderr).
pub fn run(corpus: &Path, codebook: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    invoke(&["run"], corpus, codebook, out, extra)
}

/// Runs a `qualcode` command that takes `--corpus`, `--codebook` and `--out`.
pub fn invoke(
    command: &[&str],
    corpus: &Path,
    codebook: &Path,
    out: &Path,
    extra: &[&str],
) -> (i32, String) {
    let mut args = command.to_vec();
    for (flag, path) in [
        ("--corpus", corpus),
        ("--codebook", codebook),
        ("--out", out),
    ] {
        args.push(flag);
        args.push(path.to_str().expect("utf-8 path"));
    }
    args.extend_from_slice(extra);
    let output = qualcode(&args);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs the default job (shipped corpus and codebook) into a fresh folder.
pub fn default_run(extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        out.path(),
        extra,
    );
    assert_eq!(code, 0, "default run failed: {stderr}");
    out
}

pub fn table(out: &Path, name: &str) -> DataFrame {
    let path = out.join(format!("{name}.parquet"));
    let file =
        std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    ParquetReader::new(file).finish().expect("read parquet")
}

pub fn strings(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .expect("column")
        .str()
        .expect("string column")
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect()
}

/// A count, index or line number column (Int32, as every table writes them), whose values are
/// never negative.
pub fn u32s(df: &DataFrame, name: &str) -> Vec<u32> {
    df.column(name)
        .expect("column")
        .i32()
        .expect("Int32 column")
        .iter()
        .map(|v| u32::try_from(v.expect("no nulls")).expect("not negative"))
        .collect()
}

/// An offset or size column (Int64), whose values are never negative.
pub fn u64s(df: &DataFrame, name: &str) -> Vec<u64> {
    df.column(name)
        .expect("column")
        .i64()
        .expect("Int64 column")
        .iter()
        .map(|v| u64::try_from(v.expect("no nulls")).expect("not negative"))
        .collect()
}

pub fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .expect("column")
        .f64()
        .expect("f64 column")
        .iter()
        .collect()
}

pub fn bools(df: &DataFrame, name: &str) -> Vec<bool> {
    df.column(name)
        .expect("column")
        .bool()
        .expect("bool column")
        .iter()
        .map(|v| v.expect("no nulls"))
        .collect()
}

pub fn manifest(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// The codes of each coded unit, from the `codings` table.
pub fn codes_by_unit(codings: &DataFrame) -> BTreeMap<(String, u32), BTreeSet<String>> {
    let mut units: BTreeMap<(String, u32), BTreeSet<String>> = BTreeMap::new();
    let rows = strings(codings, "document")
        .into_iter()
        .zip(u32s(codings, "segment"))
        .zip(strings(codings, "code"));
    for ((document, segment), code) in rows {
        units.entry((document, segment)).or_default().insert(code);
    }
    units
}

/// Asserts that every match's `text_start..text_end` (characters) cuts its `text` out of its
/// segment's normalised `text`; returns how many matches were checked.
pub fn assert_match_offsets_in_unit_text(out: &Path) -> usize {
    assert_offsets_in_unit_text(out, "matches")
}

/// [`assert_match_offsets_in_unit_text`] for the rows of table `name` (`matches`,
/// `rejected_matches`).
pub fn assert_offsets_in_unit_text(out: &Path, name: &str) -> usize {
    let segments = table(out, "segments");
    let matches = table(out, name);
    let unit_text: BTreeMap<(String, u32), String> = strings(&segments, "document")
        .into_iter()
        .zip(u32s(&segments, "segment"))
        .zip(strings(&segments, "text"))
        .collect();
    let (docs, segs, texts) = (
        strings(&matches, "document"),
        u32s(&matches, "segment"),
        strings(&matches, "text"),
    );
    let (starts, ends) = (u32s(&matches, "text_start"), u32s(&matches, "text_end"));
    for i in 0..docs.len() {
        let unit = &unit_text[&(docs[i].clone(), segs[i])];
        let cut: String = unit
            .chars()
            .skip(starts[i] as usize)
            .take((ends[i] - starts[i]) as usize)
            .collect();
        assert_eq!(cut, texts[i], "{} segment {}", docs[i], segs[i]);
    }
    docs.len()
}

/// Runs `qualcode merge` of `shards` into `out`; returns (exit code, stderr).
pub fn merge(shards: &[PathBuf], out: &Path) -> (i32, String) {
    let mut args = vec!["merge".to_string()];
    args.extend(
        shards
            .iter()
            .map(|s| s.to_str().expect("utf-8").to_string()),
    );
    args.extend(["--out".into(), out.to_str().expect("utf-8").into()]);
    let output = qualcode(&args.iter().map(String::as_str).collect::<Vec<_>>());
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Validates with xmllint, or skips when it is missing (CI requires it).
pub fn xmllint(schema: &str, file: &Path) {
    let required = std::env::var("QUALCODE_REQUIRE_XMLLINT").is_ok_and(|v| v == "1");
    // The REFI-QDA 1.0 schemas (MIT licence, see their headers), as in ../shared/refi-qda.
    let schema = repo().join("tests/refi-qda").join(schema);
    let probe = std::process::Command::new("xmllint")
        .arg("--version")
        .output();
    if probe.is_err() || !schema.is_file() {
        assert!(!required, "xmllint and {} are required", schema.display());
        eprintln!(
            "skipped: xmllint (Debian libxml2-utils) or {} not available",
            schema.display()
        );
        return;
    }
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(file)
        .output()
        .expect("run xmllint");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A copy of the shipped corpus with the odd files every real corpus has: an empty `.txt`, a
/// Word lock file (`~$draft.docx`, 162 bytes naming who has the document open), a PDF without
/// a text layer (a scan) and a "PDF" that is not one. The odd files add no units, so a run
/// of it has the shipped corpus's numbers; it skips three files (exit 1).
pub struct OddRun {
    pub dir: tempfile::TempDir,
}

/// The odd files of [`OddRun`], as (name, bytes).
pub fn odd_files() -> Vec<(&'static str, Vec<u8>)> {
    let mut lock = vec![5u8];
    lock.extend_from_slice(b"Alice");
    lock.resize(162, 0);
    vec![
        ("empty.txt", Vec::new()),
        ("~$draft.docx", lock),
        (
            "scan.pdf",
            std::fs::read(repo().join("tests/fixtures/pdf/no-text.pdf")).expect("no-text.pdf"),
        ),
        ("fake.pdf", b"<html>not a PDF</html>\n".to_vec()),
    ]
}

impl OddRun {
    /// Writes the corpus into `corpus/` of a fresh folder and runs it into `out/`.
    pub fn new(extra: &[&str]) -> OddRun {
        let dir = tempfile::tempdir().expect("tempdir");
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).expect("mkdir");
        for entry in std::fs::read_dir(repo().join("corpus")).expect("corpus") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, corpus.join(path.file_name().expect("name"))).expect("copy");
        }
        for (name, bytes) in odd_files() {
            std::fs::write(corpus.join(name), bytes).expect("write");
        }
        let run = OddRun { dir };
        let (code, stderr) = self::run(
            &run.corpus(),
            &repo().join("codebook.toml"),
            &run.out(),
            extra,
        );
        assert_eq!(code, 1, "three files skipped: {stderr}");
        run
    }

    pub fn corpus(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
}
