//! `qualcode suggest` and `qualcode similar` on a fixture whose answers are counted by hand:
//! the kappa `suggest` predicts for a candidate is the kappa `agree` measures once the
//! candidate is in the codebook; `similar` ranks the units that share the seeds' rare words.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const CODEBOOK: &str = r#"
[[codes]]
id = "trust"
[[codes.rules]]
id = "trust_word"
terms = ["trust"]
"#;

/// Eight one-line paragraphs: the hand coder's trust (1/0) and what the codebook above does.
const UNITS: [(&str, u8); 8] = [
    ("The officials showed goodwill towards the NGO.", 1), // missed
    ("Goodwill of the officials made the project possible.", 1), // missed
    ("The trust fund paid for the school building.", 0),   // coded: false positive
    ("A trust fund was set up for the flood victims.", 0), // coded: false positive
    ("Trust between the NGO and the bureau grew slowly.", 1), // coded
    ("Goodwill shopping discounts were offered at the market.", 0),
    ("The weather report for the county.", 0),
    ("The NGO and the bureau trust each other now.", 1), // coded
];

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(codebook: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("corpus")).expect("mkdir");
        let text: Vec<&str> = UNITS.iter().map(|(t, _)| *t).collect();
        std::fs::write(dir.path().join("corpus/a.txt"), text.join("\n\n") + "\n").expect("write");
        std::fs::write(dir.path().join("codebook.toml"), codebook).expect("write");
        let mut gold = String::from("document,unit,trust\n");
        for (text, trust) in UNITS {
            gold.push_str(&format!("a.txt,{text},{trust}\n"));
        }
        std::fs::write(dir.path().join("gold.csv"), gold).expect("write");
        Fixture { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `qualcode <args> --corpus … --codebook …`: (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        for (flag, name) in [("--corpus", "corpus"), ("--codebook", "codebook.toml")] {
            all.push(flag.into());
            all.push(self.path(name).to_str().expect("utf-8").into());
        }
        outcome(&all.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// The kappa of trust that `agree` measures with the gold.
    fn agree_kappa(&self) -> f64 {
        let out = self.path("agree-out");
        let (code, _, stderr) = self.run(&[
            "agree",
            "--gold",
            self.path("gold.csv").to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert_eq!(code, 0, "{stderr}");
        f64s(&table(&out, "agreement"), "cohen_kappa")[0].expect("defined")
    }
}

/// The rows of a CSV written by `--out`, as maps from column to cell.
fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.expect("row").iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn suggest_predicts_the_kappa_agree_measures_after_the_rule_is_added() {
    let f = Fixture::new(CODEBOOK);
    // Before: tp 2 (units 5, 8), fp 2 (3, 4), fn 2 (1, 2), tn 2: po = pe = 1/2, kappa 0.
    assert!(f.agree_kappa().abs() < 1e-12);
    let out = f.path("suggestions.csv");
    let (code, stdout, stderr) = f.run(&[
        "suggest",
        "trust",
        "--gold",
        f.path("gold.csv").to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("kappa now 0.000"), "{stdout}");
    let rows = csv_rows(&out);
    let find = |term: &str, kind: &str| {
        rows.iter()
            .find(|r| r["term"] == term && r["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} {term:?} in {rows:?}"))
    };
    // Adding `goodwill`: units 1 and 2 become right, unit 6 wrong. tp 4, fp 3, fn 0, tn 1:
    // po 5/8, pe 1/2 * 7/8 + 1/2 * 1/8 = 1/2, kappa 1/4.
    let goodwill = find("goodwill", "add");
    assert_eq!(
        [&goodwill["units_for"], &goodwill["units_against"]],
        ["2", "1"]
    );
    let effect = |r: &std::collections::BTreeMap<String, String>| {
        ["adds_right", "adds_wrong", "removes_right", "removes_wrong"].map(|c| r[c].clone())
    };
    assert_eq!(effect(goodwill), ["2", "1", "0", "0"]);
    let predicted: f64 = goodwill["kappa_after"].parse().expect("number");
    assert!((predicted - 0.25).abs() < 1e-12, "{predicted}");
    // Excluding `trust fund`: units 3 and 4 stop being coded, rightly. tp 2, fp 0, fn 2,
    // tn 4: po 3/4, pe 1/2, kappa 1/2.
    let fund = find("trust fund", "exclude");
    assert_eq!(effect(fund), ["0", "0", "2", "0"]);
    let predicted_fund: f64 = fund["kappa_after"].parse().expect("number");
    assert!((predicted_fund - 0.5).abs() < 1e-12, "{predicted_fund}");
    // The narrowest of candidates that change the same units is kept: `goodwill` and its
    // stem `goodwil*` would not both be listed.
    assert!(rows.iter().all(|r| r["term"] != "goodwil*"));
    // Ready to paste: the best candidates as TOML.
    assert!(
        stdout.contains("[[codes.exclude]]\nid = \"trust_suggested_"),
        "{stdout}"
    );

    // Put each in the codebook as the printed TOML says, and measure with `agree`.
    for (snippet, expected) in [
        (
            "[[codes.rules]]\nid = \"added\"\nterms = [\"goodwill\"]\n",
            predicted,
        ),
        (
            "[[codes.exclude]]\nterms = [\"trust fund\"]\n",
            predicted_fund,
        ),
    ] {
        let g = Fixture::new(&format!("{CODEBOOK}{snippet}"));
        let measured = g.agree_kappa();
        assert!(
            (measured - expected).abs() < 1e-12,
            "suggest said {expected}, agree measures {measured} with\n{snippet}"
        );
    }
}

#[test]
fn suggest_refuses_what_it_cannot_use_before_coding() {
    let f = Fixture::new(CODEBOOK);
    let gold = f.path("gold.csv");
    let (code, _, stderr) = f.run(&[
        "suggest",
        "trust",
        "--gold",
        gold.to_str().expect("utf-8"),
        "--out",
        "x.xlsx",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--out must end in .csv or .parquet"),
        "{stderr}"
    );
    let (code, _, stderr) = f.run(&["suggest", "trst", "--gold", gold.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("\"trst\" is not a code of"), "{stderr}");
    // A hand coding that does not judge the code.
    let two = "[[codes]]\nid = \"trust\"\n[[codes.rules]]\nterms = [\"trust\"]\n[[codes]]\nid = \"other\"\n[[codes.rules]]\nterms = [\"x\"]\n";
    let g = Fixture::new(two);
    std::fs::write(
        g.path("wide.csv"),
        "document,unit,other\na.txt,The weather,0\n",
    )
    .expect("write");
    let (code, _, stderr) = g.run(&[
        "suggest",
        "trust",
        "--gold",
        g.path("wide.csv").to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("does not judge code \"trust\""), "{stderr}");
}

#[test]
fn similar_ranks_units_sharing_the_seeds_rare_words() {
    let f = Fixture::new(CODEBOOK);
    // Seeds from the run: units 3, 4, 5, 8 (every unit with "trust"). The others share words
    // with them to different degrees; unit 6 shares nothing but function words.
    let out = f.path("similar.parquet");
    let (code, stdout, stderr) =
        f.run(&["similar", "trust", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("units most like the 4 carrying trust in the run"),
        "{stdout}"
    );
    let df = table(f.dir.path(), "similar");
    let texts = strings(&df, "text");
    let scores: Vec<f64> = f64s(&df, "score")
        .into_iter()
        .map(|s| s.expect("score"))
        .collect();
    // Never a seed; best first; every score a cosine in (0, 1].
    assert!(
        texts.iter().all(|t| !t.to_lowercase().contains("trust")),
        "{texts:?}"
    );
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|&s| s > 0.0 && s <= 1.0));
    // Units 1 and 2 (the NGO, the officials, the project) share words with the seeds, unit 7
    // (the county weather) shares none of them.
    assert!(texts
        .iter()
        .any(|t| t.starts_with("The officials showed goodwill")));
    assert!(
        !texts.iter().any(|t| t.starts_with("The weather")),
        "{texts:?}"
    );
    assert_eq!(
        strings(&df, "hand_coding")
            .iter()
            .filter(|h| !h.is_empty())
            .count(),
        0
    );

    // Seeds from the hand coding: units 1, 2, 5, 8; what the run coded is left out.
    let (code, stdout, stderr) = f.run(&[
        "similar",
        "trust",
        "--gold",
        f.path("gold.csv").to_str().expect("utf-8"),
        "--limit",
        "1",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("the 4 carrying trust in"), "{stdout}");
    // The best match shares goodwill and officials: unit 6 ("Goodwill shopping") or the like,
    // and the hand coding's verdict is shown beside it.
    assert!(stdout.contains("[hand coding: no]"), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("  1.")).count(), 1);
}

#[test]
fn suggest_warns_on_few_examples_and_similar_can_leave_out_judged_units() {
    let f = Fixture::new(CODEBOOK);
    let gold = f.path("gold.csv");
    // 4 units carry trust in the hand coding: fewer than 10, so the candidates are anecdotes.
    let (code, _, stderr) = f.run(&["suggest", "trust", "--gold", gold.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: only 4 units of") && stderr.contains("anecdotes"),
        "{stderr}"
    );
    // Every unit is in the gold file: with --unjudged nothing is left to list.
    let (code, stdout, stderr) = f.run(&[
        "similar",
        "trust",
        "--gold",
        gold.to_str().unwrap(),
        "--unjudged",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.lines().any(|l| l.starts_with("  1.")), "{stdout}");
    // A gold file of half the units: the other half may be listed, never a judged one.
    let half: String = std::fs::read_to_string(&gold)
        .unwrap()
        .lines()
        .take(5)
        .map(|l| format!("{l}\n"))
        .collect();
    let part = f.path("half.csv");
    std::fs::write(&part, half).unwrap();
    let (code, stdout, stderr) = f.run(&[
        "similar",
        "trust",
        "--gold",
        part.to_str().unwrap(),
        "--unjudged",
    ]);
    assert_eq!(code, 0, "{stderr}");
    for (text, _) in &UNITS[..4] {
        assert!(
            !stdout.contains(&text[..20]),
            "judged unit listed: {text}\n{stdout}"
        );
    }
    // --unjudged needs --gold.
    let (code, _, stderr) = f.run(&["similar", "trust", "--unjudged"]);
    assert_eq!(code, 2, "{stderr}");
}
