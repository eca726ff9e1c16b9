//! The audit of what did not count: `rejected_matches` (one row per match found in a coded
//! unit that did not count, with its positions and why), its counts in the manifest, its
//! agreement with `explain`, and `kwic --status`.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// One code per way of not counting: `trust` (an exclusion of two patterns, negated matches
/// excluded, a longer term overlapping a shorter), `leaders` (`near`) and `bank` (`not_near`).
const CODEBOOK: &str = r#"[[codes]]
id = "trust"
exclude_negated = true
[[codes.rules]]
id = "trust_word"
terms = ["trust", "mutual trust"]
[[codes.exclude]]
id = "legal"
terms = ["trust fund", "charitable trust"]

[[codes]]
id = "leaders"
[[codes.rules]]
id = "approving"
terms = ["leaders"]
near = ["approve*"]
within = 3

[[codes]]
id = "bank"
[[codes.rules]]
id = "money"
terms = ["bank"]
not_near = ["river"]
within = 3
"#;

/// Three paragraphs; non-ASCII letters before the matches, so that characters and bytes
/// differ, and a paragraph wrapped over two lines. Counted: `Mutual trust` (segment 1), the
/// approved `leaders` and the second `bank` (segment 2).
const TEXT: &str = "Café owners say the charitable trust paid, with no trust in it.\n\nMutual trust grew between the\nleaders of Zürich.\n\nThe river bank flooded; the leaders approved the bank loan.\n";

/// The rows `rejected_matches` must have, in order: segment, code, text, status, exclusion,
/// vetoed_by, line, negated, applied (the code applied to the unit through other matches).
const EXPECTED: [Row; 5] = [
    // `charitable trust` is the exclusion's second pattern: the one named.
    (
        0,
        "trust",
        "trust",
        "vetoed",
        Some("legal"),
        Some("charitable trust"),
        1,
        false,
        false,
    ),
    (0, "trust", "trust", "negated", None, None, 1, true, false),
    // Inside the counted `Mutual trust`.
    (
        1,
        "trust",
        "trust",
        "overlapped",
        None,
        None,
        3,
        false,
        true,
    ),
    // No `approve*` in reach; on the paragraph's second line.
    (
        1,
        "leaders",
        "leaders",
        "no_near_term",
        None,
        None,
        4,
        false,
        false,
    ),
    // `river` is one word before it; the second `bank` is 7 words away and counts.
    (
        2,
        "bank",
        "bank",
        "near_not_near_term",
        None,
        None,
        6,
        false,
        true,
    ),
];

type Row = (
    u32,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    u32,
    bool,
    bool,
);

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("corpus")).expect("mkdir");
    std::fs::write(dir.path().join("corpus/a.txt"), TEXT).expect("write");
    std::fs::write(dir.path().join("codebook.toml"), CODEBOOK).expect("write");
    dir
}

fn optional_strings(df: &polars::prelude::DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .expect("column")
        .str()
        .expect("strings")
        .iter()
        .map(|v| v.map(String::from))
        .collect()
}

#[test]
fn every_match_that_did_not_count_is_a_row_with_its_position_and_reason() {
    let dir = fixture();
    let out = dir.path().join("out");
    let (code, stderr) = run(
        &dir.path().join("corpus"),
        &dir.path().join("codebook.toml"),
        &out,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let rejected = table(&out, "rejected_matches");
    let (segments, codes, texts, statuses) = (
        u32s(&rejected, "segment"),
        strings(&rejected, "code"),
        strings(&rejected, "text"),
        strings(&rejected, "status"),
    );
    let (exclusions, vetoed_by) = (
        optional_strings(&rejected, "exclusion"),
        optional_strings(&rejected, "vetoed_by"),
    );
    let (lines, negated, applied) = (
        u32s(&rejected, "line"),
        bools(&rejected, "negated"),
        bools(&rejected, "applied"),
    );
    let got: Vec<_> = (0..rejected.height())
        .map(|i| {
            (
                segments[i],
                codes[i].as_str(),
                texts[i].as_str(),
                statuses[i].as_str(),
                exclusions[i].as_deref(),
                vetoed_by[i].as_deref(),
                lines[i],
                negated[i],
                applied[i],
            )
        })
        .collect();
    assert_eq!(got, EXPECTED);
    assert_eq!(
        strings(&rejected, "rule"),
        [
            "trust_word",
            "trust_word",
            "trust_word",
            "approving",
            "money"
        ]
    );
    assert_eq!(
        strings(&rejected, "pattern"),
        ["trust", "trust", "trust", "leaders", "bank"]
    );
    // The same position columns as `matches`, and they cut the match out of the source: by
    // characters of the decoded text, by bytes of the file, and in the unit's text.
    let matches = table(&out, "matches");
    let names = |df: &polars::prelude::DataFrame| -> Vec<String> {
        df.get_column_names()
            .iter()
            .take(13)
            .map(|c| c.to_string())
            .collect()
    };
    assert_eq!(names(&rejected), names(&matches));
    let chars: Vec<char> = TEXT.chars().collect();
    let (char_starts, char_ends) = (u64s(&rejected, "char_start"), u64s(&rejected, "char_end"));
    let (byte_starts, byte_ends) = (u64s(&rejected, "byte_start"), u64s(&rejected, "byte_end"));
    for i in 0..rejected.height() {
        let by_chars: String = chars[char_starts[i] as usize..char_ends[i] as usize]
            .iter()
            .collect();
        assert_eq!(by_chars, texts[i], "row {i}");
        assert_eq!(
            &TEXT[byte_starts[i] as usize..byte_ends[i] as usize],
            texts[i],
            "row {i}"
        );
        assert!(byte_starts[i] > char_starts[i], "row {i}: after `Café`");
    }
    assert_eq!(assert_offsets_in_unit_text(&out, "rejected_matches"), 5);
    assert_eq!(matches.height(), 3);
    // The manifest lists the table and counts its rows by status.
    let m = manifest(&out);
    assert_eq!(
        m["counts"]["rejected"],
        serde_json::json!({"vetoed": 1, "no_near_term": 1, "near_not_near_term": 1,
            "negated": 1, "overlapped": 1})
    );
    assert_eq!(m["counts"]["vetoed"], 1);
    let listed = m["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == "rejected_matches")
        .expect("rejected_matches in the manifest")
        .clone();
    assert_eq!(listed["rows"], 5);
    assert_eq!(listed["file"], "rejected_matches.parquet");
}

/// The line `explain` prints for a match: code, rule, text, what became of it.
fn explain_line(
    code: &str,
    rule: &str,
    text: &str,
    status: &str,
    negated: bool,
    (weight, exclusion): (Option<f64>, Option<&str>),
) -> String {
    let status = match (status, weight, exclusion) {
        ("counted", Some(w), _) => format!("counted, weight {w}"),
        ("vetoed", _, Some(x)) => format!("vetoed by {x}"),
        ("no_near_term", _, _) => "no near term".to_string(),
        ("near_not_near_term", _, _) => "near a not_near term".to_string(),
        (other, _, _) => other.to_string(),
    };
    let line = format!(
        "  {:<16} {:<24} {:<28} {}{}",
        code,
        rule,
        format!("{text:?}"),
        status,
        if negated { " (after a negator)" } else { "" }
    );
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Per unit, the matches `explain` lists, as lines.
type ByUnit = BTreeMap<(String, u32), Vec<String>>;

/// `matches` and `rejected_matches` of a run, per unit, as `explain` would print them.
fn rows_by_unit(out: &Path) -> ByUnit {
    let mut by_unit = ByUnit::new();
    for name in ["matches", "rejected_matches"] {
        let df = table(out, name);
        let (docs, segs, codes, rules, texts) = (
            strings(&df, "document"),
            u32s(&df, "segment"),
            strings(&df, "code"),
            strings(&df, "rule"),
            strings(&df, "text"),
        );
        let negated = bools(&df, "negated");
        let (statuses, weights, exclusions) = if name == "matches" {
            (
                vec!["counted".to_string(); df.height()],
                f64s(&df, "weight"),
                vec![None; df.height()],
            )
        } else {
            (
                strings(&df, "status"),
                vec![None; df.height()],
                optional_strings(&df, "exclusion"),
            )
        };
        for i in 0..df.height() {
            by_unit
                .entry((docs[i].clone(), segs[i]))
                .or_default()
                .push(explain_line(
                    &codes[i],
                    &rules[i],
                    &texts[i],
                    &statuses[i],
                    negated[i],
                    (weights[i], exclusions[i].as_deref()),
                ));
        }
    }
    by_unit.values_mut().for_each(|lines| lines.sort());
    by_unit
}

#[test]
fn counted_and_rejected_rows_of_a_unit_are_every_match_explain_reports() {
    // The shipped corpus with its codebook (proximity rules, overlapping terms), and the
    // fixture with its one rejected match of each kind: for every coded unit, the two tables'
    // rows are exactly the matches `explain` lists, each with the same fate.
    let dir = fixture();
    let cases = [
        (repo().join("corpus"), repo().join("codebook.toml")),
        (dir.path().join("corpus"), dir.path().join("codebook.toml")),
    ];
    let mut rejected_seen = 0;
    for (k, (corpus, codebook)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{k}"));
        let (code, stderr) = run(corpus, codebook, &out, &[]);
        assert_eq!(code, 0, "{stderr}");
        rejected_seen += table(&out, "rejected_matches").height();
        let by_unit = rows_by_unit(&out);
        let segments = table(&out, "segments");
        let coded = bools(&segments, "coded");
        let units: Vec<(String, u32)> = strings(&segments, "document")
            .into_iter()
            .zip(u32s(&segments, "segment"))
            .enumerate()
            .filter(|(i, _)| coded[*i])
            .map(|(_, unit)| unit)
            .collect();
        for (document, segment) in units {
            let (status, stdout, stderr) = outcome(&[
                "explain",
                &document,
                &segment.to_string(),
                "--corpus",
                corpus.to_str().expect("utf-8"),
                "--codebook",
                codebook.to_str().expect("utf-8"),
            ]);
            assert_eq!(status, 0, "{stderr}");
            let mut listed: Vec<String> = stdout
                .lines()
                .skip_while(|l| *l != "matches:")
                .skip(1)
                .take_while(|l| !l.is_empty())
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            listed.sort();
            let rows = by_unit
                .get(&(document.clone(), segment))
                .cloned()
                .unwrap_or_default();
            assert_eq!(rows, listed, "{document} segment {segment}");
        }
    }
    assert!(
        rejected_seen > 5 + 20,
        "{rejected_seen} rejected rows compared"
    );
}

#[test]
fn kwic_lists_matches_by_status() {
    let dir = fixture();
    let corpus = dir.path().join("corpus");
    let codebook = dir.path().join("codebook.toml");
    let kwic = |args: &[&str]| {
        let mut all = vec!["kwic"];
        all.extend_from_slice(args);
        all.extend([
            "--corpus",
            corpus.to_str().expect("utf-8"),
            "--codebook",
            codebook.to_str().expect("utf-8"),
        ]);
        outcome(&all)
    };
    // By default the counted matches alone, printed as before.
    let (code, stdout, stderr) = kwic(&["trust", "--context", "2"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "a.txt:3: [Mutual trust] grew between\n");
    assert!(stderr.contains("1 match of trust"), "{stderr}");
    // Every status, in order of position, each line saying which; the matches in one column.
    let (code, stdout, stderr) = kwic(&["trust", "--context", "2", "--status", "all"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "a.txt:1: vetoed by \"charitable trust\"  the charitable [trust] paid, with",
            "a.txt:1: negated                              with no [trust] in it.",
            "a.txt:3: counted                                      [Mutual trust] grew between",
            "a.txt:3: overlapped                            Mutual [trust] grew between",
        ]
    );
    assert!(stderr.contains("4 matches of trust (all)"), "{stderr}");
    // A rule and a comma list, repeated; written out with the status and the vetoing pattern.
    let csv_path = dir.path().join("kwic.csv");
    let (code, _, stderr) = kwic(&[
        "money",
        "--status",
        "counted,near_not_near_term",
        "--status",
        "vetoed",
        "--out",
        csv_path.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header[10..], ["status", "vetoed_by"]);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    let picked: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[6].as_str(), r[10].as_str(), r[11].as_str()))
        .collect();
    assert_eq!(
        picked,
        [("bank", "near_not_near_term", ""), ("bank", "counted", "")]
    );
    let (code, _, stderr) = kwic(&[
        "trust",
        "--status",
        "vetoed",
        "--out",
        csv_path.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&csv_path).expect("csv");
    // Text cells are quoted (as every CSV qualcode writes: OWASP's advice for spreadsheets).
    assert!(
        text.contains(",\"vetoed\",\"charitable trust\"\n"),
        "{text}"
    );
    // In Parquet, `vetoed_by` is null unless the match was vetoed, as in `rejected_matches`.
    let parquet_path = dir.path().join("kwic.parquet");
    let (code, _, stderr) = kwic(&[
        "trust",
        "--status",
        "all",
        "--out",
        parquet_path.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let listing = table(dir.path(), "kwic");
    let statuses = strings(&listing, "status");
    let vetoed_by = optional_strings(&listing, "vetoed_by");
    assert!(statuses.iter().any(|s| s == "vetoed"));
    assert!(statuses.iter().any(|s| s != "vetoed"));
    for (status, by) in statuses.iter().zip(&vetoed_by) {
        assert_eq!(status == "vetoed", by.is_some(), "{status}: {by:?}");
    }
    // An unknown status is refused before any coding, naming those there are.
    let (code, stdout, stderr) = kwic(&["trust", "--status", "veto"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("\"veto\" is not a status: use counted, vetoed, no_near_term"),
        "{stderr}"
    );
}
