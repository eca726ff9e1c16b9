//! The methodologist's commands on fixtures whose answers are known: `check` (lint warnings),
//! `kwic` (keyword in context, printed and exported) and `explain` (one unit's account).

mod common;

use common::*;
use std::path::Path;

const CODEBOOK: &str = r#"[[codes]]
id = "trust"
[[codes.rules]]
id = "trust_word"
terms = ["trust", "mutual trust"]
[[codes.rules]]
id = "mutual"
terms = ["mutual"]
[[codes.exclude]]
id = "trust_fund"
terms = ["trust fund"]

[[codes]]
id = "fic"
[[codes.rules]]
id = "never"
terms = ["yibashou"]
[[codes.rules]]
id = "broad"
terms = ["the"]

[[codes]]
id = "dup"
[[codes.rules]]
id = "dup_trust"
terms = ["Trust"]
"#;

const TEXT: &str = "Mutual trust grew.\n\nThe trust of the office.\n\nThe weather.\n\nThe end.\n";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("corpus")).expect("mkdir");
    std::fs::write(dir.path().join("corpus/a.txt"), TEXT).expect("write");
    std::fs::write(dir.path().join("codebook.toml"), CODEBOOK).expect("write");
    dir
}

/// Runs a command with the fixture's corpus and codebook; (exit code, stdout, stderr).
fn command(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let corpus = dir.join("corpus");
    let codebook = dir.join("codebook.toml");
    let mut all = args.to_vec();
    all.extend([
        "--corpus",
        corpus.to_str().expect("utf-8"),
        "--codebook",
        codebook.to_str().expect("utf-8"),
    ]);
    outcome(&all)
}

#[test]
fn check_warns_about_rules_that_never_match_never_count_or_match_too_much() {
    let dir = fixture();
    let (code, stdout, stderr) = command(dir.path(), &["check", "--max-share", "0.6"]);
    assert_eq!(code, 0, "warnings only: {stderr}");
    let warnings: Vec<&str> = stdout
        .lines()
        .map(|l| {
            l.split_once(": warning: ")
                .expect("file:line: warning: message")
        })
        .map(|(place, message)| {
            assert!(place.ends_with(&format!(":{}", &place[place.rfind(':').expect(":") + 1..])));
            message
        })
        .collect();
    assert_eq!(
        warnings,
        [
            "rule mutual of trust is shadowed: its 1 matches all lie inside matches of rule trust_word, which count instead",
            "exclusion trust_fund of trust never vetoes a match",
            "rule never of fic never matches in the corpus (4 units)",
            "rule broad of fic counts in 75% of units (more than 60%): too broad?",
            "term \"trust\" is in more than one code: trust (rule trust_word), dup (rule dup_trust)",
        ],
        "{stdout}"
    );
    // Each warning points at the line of its rule.
    let lines: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(':').nth(1).expect("line"))
        .collect();
    assert_eq!(lines, ["6", "9", "15", "18", "24"]);
    assert!(
        stderr.contains("3 codes, 5 rules; 5 warnings on 4 units of 1 documents"),
        "{stderr}"
    );
    // A looser share silences the breadth warning; errors in the codebook exit 2.
    let (_, stdout, _) = command(dir.path(), &["check", "--max-share", "0.8"]);
    assert!(!stdout.contains("too broad"), "{stdout}");
    std::fs::write(
        dir.path().join("codebook.toml"),
        "[[codes]]\nid = \"x\"\nlabell = \"X\"\n",
    )
    .expect("write");
    let (code, stdout, stderr) = command(dir.path(), &["check"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains(":3:1: unknown field `labell`"), "{stderr}");
}

#[test]
fn kwic_shows_each_counted_match_with_its_context_and_exports_it() {
    let dir = fixture();
    let csv_path = dir.path().join("kwic.csv");
    let (code, stdout, stderr) = command(
        dir.path(),
        &[
            "kwic",
            "trust_word",
            "--context",
            "2",
            "--out",
            csv_path.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    // Not a terminal: the match is bracketed; context stays inside the unit.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "a.txt:1:     [Mutual trust] grew.",
            "a.txt:3: The [trust] of the"
        ]
    );
    assert!(stderr.contains("2 matches of trust_word"), "{stderr}");
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    assert_eq!(
        rows[1],
        [
            "a.txt",
            "3",
            "1",
            "trust",
            "trust_word",
            "The ",
            "trust",
            " of the",
            "24",
            "29",
            "counted",
            ""
        ]
    );
    assert_eq!(&TEXT[24..29], "trust");
    // Parquet, a code (both its rules' counted matches), a limit: the limit is for the
    // terminal, the file has every match.
    let parquet = dir.path().join("kwic.parquet");
    let (code, stdout, stderr) = command(
        dir.path(),
        &[
            "kwic",
            "fic",
            "--limit",
            "1",
            "--out",
            parquet.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    assert!(stderr.contains("4 matches of fic, 1 shown"), "{stderr}");
    let df = table(dir.path(), "kwic");
    assert_eq!(df.height(), 4);
    assert_eq!(strings(&df, "match")[0], "The");
    // Unknown names list what exists.
    let (code, _, stderr) = command(dir.path(), &["kwic", "trst"]);
    assert_eq!(code, 2);
    assert!(
        stderr
            .contains("codes: trust, fic, dup; rules: trust_word, mutual, never, broad, dup_trust"),
        "{stderr}"
    );
}

#[test]
fn explain_tells_every_match_its_fate_and_every_decision() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("corpus/b.txt"),
        "Heading\n\nNo trust, a trust fund, mutual trust and the leaders who approve.\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("codebook.toml"),
        r#"[[codes]]
id = "strategy"

[[codes]]
id = "trust"
exclude_negated = true
threshold = 2
[[codes.rules]]
id = "trust_word"
terms = ["trust", "mutual trust"]
weight = 1.5
[[codes.exclude]]
id = "fund"
terms = ["trust fund"]

[[codes]]
id = "fic"
parent = "strategy"
[[codes.rules]]
id = "leaders_approving"
terms = ["leaders"]
near = ["approve"]
within = 2
"#,
    )
    .expect("write");
    let (code, stdout, stderr) = command(dir.path(), &["explain", "b.txt", "--line", "3"]);
    assert_eq!(code, 0, "{stderr}");
    let compact: Vec<String> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for expected in [
        "b.txt, segment 1: paragraph, lines 3-3, chars 9-74",
        "trust trust_word \"trust\" negated (after a negator)",
        "trust trust_word \"trust\" vetoed by fund",
        "trust trust_word \"mutual trust\" counted, weight 1.5",
        "trust trust_word \"trust\" overlapped",
        "fic leaders_approving \"leaders\" counted, weight 1",
        "trust score 1.5 < threshold 2: not applied",
        "fic score 1 >= threshold 1: applied",
        "strategy applied through fic",
    ] {
        assert!(
            compact.iter().any(|l| l == expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // By segment number; a segment that is not a unit says so; a bad number is an error.
    let (code, stdout, _) = command(dir.path(), &["explain", "b.txt", "0"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("a heading segment (lines 1-1), which is not coded"),
        "{stdout}"
    );
    let (code, _, stderr) = command(dir.path(), &["explain", "b.txt", "9"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("b.txt has segments 0 to 1, not 9"),
        "{stderr}"
    );
    let (code, _, stderr) = command(dir.path(), &["explain", "c.txt", "0"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("\"c.txt\" is not a document of"),
        "{stderr}"
    );
}

#[test]
fn imported_dictionaries_code_the_corpus() {
    let dir = fixture();
    for (file, text) in [
        ("liwc.dic", "%\n1\tsocial\n2\tweather\n%\nmutual*\t1\noffice\t1\nweather\t2\nlike\t(02 134)125/464\n"),
        ("dict.yml", "social:\n  - mutual*\n  - office\nweather: [weather]\n"),
        ("dict.csv", "code,term\nsocial,mutual*\nsocial,office\nweather,weather\n"),
    ] {
        let source = dir.path().join(file);
        std::fs::write(&source, text).expect("write");
        let codebook = dir.path().join(format!("{file}.toml"));
        let output = qualcode(&[
            "codebook",
            "import",
            source.to_str().expect("utf-8"),
            "-o",
            codebook.to_str().expect("utf-8"),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("imported 2 codes (0 nested) with 3 patterns"), "{stderr}");
        assert_eq!(stderr.contains("conditional category"), file.ends_with(".dic"), "{stderr}");
        let out = dir.path().join(format!("{file}.out"));
        let (code, stderr) = run(&dir.path().join("corpus"), &codebook, &out, &[]);
        assert_eq!(code, 0, "{stderr}");
        let frequency = table(&out, "code_frequency");
        assert_eq!(strings(&frequency, "code"), ["social", "weather"]);
        // Units 0 (Mutual trust) and 1 (the office); unit 2 (The weather).
        assert_eq!(u32s(&frequency, "units"), [2, 1], "{file}");
    }
}

#[test]
fn sentence_scope_on_the_corpus_drops_the_paragraph_with_cues_in_two_sentences() {
    // The README's scope example: fic_strategy with threshold 2, per paragraph and per sentence.
    let dir = tempfile::tempdir().expect("tempdir");
    let original = std::fs::read_to_string(repo().join("codebook.toml")).expect("codebook");
    let header = "id = \"fic_strategy\"\nlabel = \"First-in-Command strategy\"\n";
    assert!(original.contains(header));
    let mut units = Vec::new();
    for (name, extra) in [
        ("paragraph", "threshold = 2\n"),
        ("sentence", "threshold = 2\nscope = \"sentence\"\n"),
    ] {
        let codebook = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &codebook,
            original.replace(header, &format!("{header}{extra}")),
        )
        .expect("write");
        let out = dir.path().join(name);
        let (code, stderr) = run(&repo().join("corpus"), &codebook, &out, &[]);
        assert_eq!(code, 0, "{stderr}");
        units.push(
            codes_by_unit(&table(&out, "codings"))
                .into_iter()
                .filter(|(_, c)| c.contains("fic_strategy"))
                .map(|(k, _)| k)
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!((units[0].len(), units[1].len()), (6, 5));
    let dropped: Vec<_> = units[0].iter().filter(|u| !units[1].contains(u)).collect();
    assert_eq!(dropped, [&("001_bb6c17c0ea50004b.txt".to_string(), 45)]);
}

/// Every command that reads a corpus or a run, on the shipped corpus with the odd files of a
/// real one (an empty file, a Word lock file, a scan, a fake PDF): each finishes with exit 1
/// (files skipped) and the same results as without them, and `explain` on a skipped file
/// says why it was skipped.
#[test]
fn every_command_works_beside_empty_and_skipped_files() {
    let odd = OddRun::new(&[]);
    let (corpus, out) = (odd.corpus(), odd.out());
    // Each skipped for what it is.
    let documents = table(&out, "documents");
    let reason: std::collections::BTreeMap<String, String> = strings(&documents, "document")
        .into_iter()
        .zip(strings(&documents, "reason"))
        .collect();
    assert!(
        reason["~$draft.docx"].starts_with("an Office owner file"),
        "{reason:?}"
    );
    let clean = default_run(&[]);
    for name in ["code_frequency", "codings", "cooccurrence"] {
        assert!(
            table(&out, name).equals_missing(&table(clean.path(), name)),
            "{name}"
        );
    }
    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    let corpus_args = |mut args: Vec<String>| {
        args.extend(["--corpus".into(), s(&corpus)]);
        args
    };
    let heldout = s(&repo().join("tests/hand_coding/heldout.csv"));
    let heldout_path = heldout.clone();
    let files = odd.dir.path().join("files");
    std::fs::create_dir(&files).expect("mkdir");
    let qdpx = s(&files.join("from.qdpx"));
    let commands: Vec<(Vec<String>, &str)> = vec![
        (corpus_args(vec!["check".into()]), "qualcode: codebook"),
        (corpus_args(vec!["kwic".into(), "trust".into()]), "[trust]"),
        (
            corpus_args(vec![
                "similar".into(),
                "trust".into(),
                "--limit".into(),
                "2".into(),
            ]),
            "units most like",
        ),
        (
            corpus_args(vec![
                "suggest".into(),
                "trust".into(),
                "--gold".into(),
                heldout.clone(),
            ]),
            "kappa",
        ),
        (
            corpus_args(vec![
                "agree".into(),
                "--gold".into(),
                heldout,
                "--bootstrap".into(),
                "0".into(),
                "--out".into(),
                s(&out),
            ]),
            "kappa",
        ),
        (
            corpus_args(vec![
                "export".into(),
                "qdpx".into(),
                "--out".into(),
                s(&files.join("p.qdpx")),
            ]),
            "wrote",
        ),
    ];
    for (args, expect) in commands {
        let (code, stdout, stderr) = outcome(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stdout.contains(expect) || stderr.contains(expect),
            "{args:?}: {expect:?} in\n{stdout}\n{stderr}"
        );
        assert!(stderr.contains("skipped"), "{args:?}: {stderr}");
    }
    // A run's views, after agree wrote into its folder.
    for args in [
        vec!["report".to_string(), "--from".into(), s(&out)],
        vec![
            "plot".into(),
            "by-document".into(),
            "--from".into(),
            s(&out),
            "--out".into(),
            s(&files.join("d.svg")),
        ],
    ] {
        let (code, _, stderr) = outcome(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    // explain names why an odd file has no units.
    for (name, why) in [
        ("empty.txt", "cannot be coded: empty"),
        ("fake.pdf", "cannot be coded: skipped: "),
        ("~$draft.docx", "cannot be coded: skipped: "),
    ] {
        let (code, _, stderr) = outcome(&["explain", name, "0", "--corpus", &s(&corpus)]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(why), "{name}: {stderr}");
        // The same from the run's tables, not "not a document of the run".
        let (code, _, stderr) = outcome(&["explain", name, "0", "--from", &s(&out)]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(why), "{name} --from: {stderr}");
    }
    let (code, _, stderr) = outcome(&["explain", "nothere.txt", "0", "--from", &s(&out)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a document of the run"), "{stderr}");
    // The commands that read the run's tables instead of the corpus (--from), and those that
    // only read runs.
    let again = odd.dir.path().join("again");
    assert_eq!(
        common::run(&corpus, &repo().join("codebook.toml"), &again, &[]).0,
        1
    );
    let run_dir = s(&out);
    let from = ["--from", run_dir.as_str()];
    let sheet = s(&files.join("sheet.csv"));
    let again_dir = s(&again);
    for (args, expect) in [
        (
            [vec!["check"], from.to_vec()].concat(),
            "qualcode: codebook",
        ),
        ([vec!["kwic", "trust"], from.to_vec()].concat(), "[trust]"),
        (
            [
                vec!["explain", "000_1c80d6f4af9c420a.txt", "0"],
                from.to_vec(),
            ]
            .concat(),
            "000_1c80d6f4af9c420a.txt",
        ),
        (
            [vec!["similar", "trust", "--limit", "2"], from.to_vec()].concat(),
            "units most like",
        ),
        (
            [
                vec!["suggest", "trust", "--gold", &heldout_path],
                from.to_vec(),
            ]
            .concat(),
            "kappa",
        ),
        (
            [
                vec!["agree", "--gold", &heldout_path, "--bootstrap", "0"],
                from.to_vec(),
            ]
            .concat(),
            "kappa",
        ),
        (
            [vec!["export", "qdpx", "--out", &qdpx], from.to_vec()].concat(),
            "wrote",
        ),
        (
            [vec!["sample", "-n", "10", "-o", &sheet], from.to_vec()].concat(),
            "drew 10 of 123 coded units",
        ),
        (vec!["diff", run_dir.as_str(), &again_dir], "123 units"),
    ] {
        let (code, stdout, stderr) = outcome(&args);
        assert!(code == 0 || code == 1, "{args:?}: {stderr}");
        assert!(
            stdout.contains(expect) || stderr.contains(expect),
            "{args:?}: {expect:?} in\n{stdout}\n{stderr}"
        );
    }
}
