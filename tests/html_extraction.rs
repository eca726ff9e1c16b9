//! HTML main-text extraction measured on the real pages of `../shared/html-extraction/`: the
//! 86 pages are coded as a corpus, and the kept text of the 43 pages with expectations must
//! hold each `include` string and none of the `exclude` strings, for at least 95% of all
//! expectations (Readability meets 88% of them). Every segment's character positions must
//! cut its text out of the kept text.
//!
//! The pages are third-party text: they are read from `../shared`, never copied here. Skipped
//! with a notice when `../shared` is absent, unless `QUALCODE_REQUIRE_SHARED=1` (set by
//! `.ci/run`), where it fails.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn shared_pages() -> Option<PathBuf> {
    let dir = repo().join("../shared/html-extraction");
    let required = std::env::var("QUALCODE_REQUIRE_SHARED").is_ok_and(|v| v == "1");
    if dir.join("expectations.json").is_file() {
        return Some(dir);
    }
    assert!(!required, "{} is required but missing", dir.display());
    eprintln!(
        "skipped: {} not found (the shared test pages sit beside the clone)",
        dir.display()
    );
    None
}

/// Whitespace runs as one space, as the expectations are written.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn main_text_of_real_pages_meets_the_expectations() {
    let Some(dir) = shared_pages() else {
        return;
    };
    let expectations: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expectations.json")).expect("read expectations"),
    )
    .expect("expectations are JSON");
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        &dir.join("pages"),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    eprintln!("{}", stderr.trim_end());
    let documents = table(out.path(), "documents");
    let statuses = strings(&documents, "status");
    let pages = statuses.len();
    assert_eq!(pages, 86, "every page is a document");
    let texts = table(out.path(), "texts");
    let kept: BTreeMap<String, String> = strings(&texts, "document")
        .into_iter()
        .zip(strings(&texts, "text"))
        .collect();

    // Readers' comments are kept as boilerplate segments: the coded units alone are measured
    // too (printed, not asserted).
    let segments = table(out.path(), "segments");
    let mut coded: BTreeMap<String, String> = BTreeMap::new();
    for ((id, kind), text) in strings(&segments, "document")
        .into_iter()
        .zip(strings(&segments, "kind"))
        .zip(strings(&segments, "text"))
    {
        if kind != "boilerplate" {
            let joined = coded.entry(id).or_default();
            joined.push_str(&text);
            joined.push(' ');
        }
    }
    score(
        &expectations,
        &coded,
        "coded units (paragraphs and headings)",
    );
    let (share, missed) = score(&expectations, &kept, "kept text (with readers' comments)");
    for miss in &missed {
        eprintln!("  missed: {miss}");
    }
    assert!(
        share >= 0.95,
        "{:.1}% of the expectations met",
        share * 100.0
    );
    assert!(
        statuses.iter().all(|s| s == "coded"),
        "every page is coded: exit {code}, {stderr}"
    );
    assert!(strings(&documents, "layout").iter().all(|l| l == "markup"));
    assert_eq!(kept.len(), pages, "each page keeps its text");

    // Positions count in the kept text: every segment's characters are its text.
    let ids = strings(&segments, "document");
    let seg_texts = strings(&segments, "text");
    let (starts, ends) = (u64s(&segments, "char_start"), u64s(&segments, "char_end"));
    let (byte_starts, byte_ends) = (u64s(&segments, "byte_start"), u64s(&segments, "byte_end"));
    let chars: BTreeMap<&String, Vec<char>> = kept
        .iter()
        .map(|(id, t)| (id, t.chars().collect()))
        .collect();
    for i in 0..ids.len() {
        let cut: String = chars[&ids[i]][starts[i] as usize..ends[i] as usize]
            .iter()
            .collect();
        assert_eq!(cut, seg_texts[i], "{} segment {i}", ids[i]);
        let bytes = &kept[&ids[i]].as_bytes()[byte_starts[i] as usize..byte_ends[i] as usize];
        assert_eq!(bytes, seg_texts[i].as_bytes(), "{} segment {i}", ids[i]);
    }
}

/// The share of the expectations `texts` meet, printed, and the ones missed.
fn score(
    expectations: &serde_json::Value,
    texts: &BTreeMap<String, String>,
    what: &str,
) -> (f64, Vec<String>) {
    let (mut met, mut total) = ((0, 0), (0, 0));
    let mut missed = Vec::new();
    for page in expectations.as_array().expect("a list of pages") {
        let file = page["file"].as_str().expect("file");
        let text = collapsed(texts.get(file).map_or("", String::as_str));
        for (key, wanted) in [("include", true), ("exclude", false)] {
            for (i, expected) in page[key].as_array().expect(key).iter().enumerate() {
                let expected = collapsed(expected.as_str().expect("a string"));
                let ok = text.contains(&expected) == wanted;
                let (m, t) = if wanted {
                    (&mut met.0, &mut total.0)
                } else {
                    (&mut met.1, &mut total.1)
                };
                *t += 1;
                *m += usize::from(ok);
                if !ok {
                    missed.push(format!("{file} {key}[{i}]"));
                }
            }
        }
    }
    let share = (met.0 + met.1) as f64 / (total.0 + total.1) as f64;
    eprintln!(
        "html expectations on the {what}: include {}/{}, exclude {}/{}, all {:.1}%",
        met.0,
        total.0,
        met.1,
        total.1,
        share * 100.0
    );
    assert_eq!(
        total,
        (105, 104),
        "the expectations file is the one measured"
    );
    (share, missed)
}
