//! `qualcode diff`: per code, units gained and lost between two runs equal a recount from
//! their `codings` tables, each lost unit says why, and runs of different corpora are refused.

mod common;

use common::{default_run, outcome, repo, strings, table};
use std::collections::BTreeSet;
use std::path::Path;

fn coded(out: &Path, code: &str) -> BTreeSet<(String, String)> {
    let codings = table(out, "codings");
    let segments = codings
        .column("segment")
        .unwrap()
        .cast(&polars::prelude::DataType::Int64)
        .unwrap();
    strings(&codings, "document")
        .into_iter()
        .zip(segments.i64().unwrap().iter())
        .zip(strings(&codings, "code"))
        .filter(|(_, c)| c == code)
        .map(|((d, s), _)| (d, s.unwrap().to_string()))
        .collect()
}

#[test]
fn gains_and_losses_equal_a_recount_and_say_why() {
    let before = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    // The edit: trust loses its main rule, reciprocity gains a broad term.
    let codebook = std::fs::read_to_string(repo().join("codebook.toml")).unwrap();
    let start = codebook.find("id = \"trust_terms\"").unwrap();
    let rule = codebook[..start].rfind("[[codes.rules]]").unwrap();
    let next = rule + 10 + codebook[rule + 10..].find("[[codes.rules]]").unwrap();
    let edited = format!("{}{}", &codebook[..rule], &codebook[next..]).replacen(
        "\"mutual benefit*\",",
        "\"mutual benefit*\", \"cooperation\",",
        1,
    );
    let path = dir.path().join("edited.toml");
    std::fs::write(&path, edited).unwrap();
    let after = dir.path().join("after");
    let (code, stderr) = common::run(&repo().join("corpus"), &path, &after, &[]);
    assert_eq!(code, 0, "{stderr}");
    let listing = dir.path().join("changes.csv");
    let (code, stdout, stderr) = outcome(&[
        "diff",
        before.path().to_str().unwrap(),
        after.to_str().unwrap(),
        "-o",
        listing.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let mut rows = csv::Reader::from_path(&listing).unwrap();
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    for code in ["trust", "reciprocity", "fic_strategy", "localisation"] {
        let (a, b) = (coded(before.path(), code), coded(&after, code));
        let gained: BTreeSet<_> = b.difference(&a).cloned().collect();
        let lost: BTreeSet<_> = a.difference(&b).cloned().collect();
        let listed = |change: &str| -> BTreeSet<(String, String)> {
            rows.iter()
                .filter(|r| &r[0] == code && &r[1] == change)
                .map(|r| (r[2].to_string(), r[3].to_string()))
                .collect()
        };
        assert_eq!(listed("gained"), gained, "{code} gained");
        assert_eq!(listed("lost"), lost, "{code} lost");
        let line = stdout.lines().find(|l| l.starts_with(code)).unwrap();
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            fields[1..5],
            [
                a.len().to_string(),
                b.len().to_string(),
                format!("+{}", gained.len()),
                format!("-{}", lost.len())
            ],
            "{line}"
        );
    }
    assert!(
        rows.iter().any(|r| &r[0] == "trust" && &r[1] == "lost"),
        "the edit lost trust units"
    );
    assert!(rows
        .iter()
        .any(|r| &r[0] == "reciprocity" && &r[1] == "gained" && r[4].contains("cooperation")));
    // Every lost unit says why.
    assert!(rows
        .iter()
        .filter(|r| &r[1] == "lost")
        .all(|r| !r[5].is_empty()));
}

#[test]
fn runs_of_different_corpora_are_refused() {
    let before = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::copy(
        repo().join("corpus/002_c944b3881ed7d4ef.txt"),
        corpus.join("002_c944b3881ed7d4ef.txt"),
    )
    .unwrap();
    let after = dir.path().join("after");
    assert_eq!(
        common::run(&corpus, &repo().join("codebook.toml"), &after, &[]).0,
        0
    );
    let (code, _, stderr) = outcome(&[
        "diff",
        before.path().to_str().unwrap(),
        after.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("do not hold the same units"), "{stderr}");
}
