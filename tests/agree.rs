//! `qualcode agree`: hand coding from CSV (long and wide) and from REFI-QDA projects, against
//! the machine and against a second coder, on fixtures whose answers are counted by hand; and
//! the default codebook against the hand coding of the shipped corpus (tune and held-out halves).

mod common;

use common::*;
use std::io::Write;
use std::path::Path;

const CODEBOOK: &str = r#"
[[codes]]
id = "trust"
label = "Trust"
[[codes.rules]]
terms = ["trust"]

[[codes]]
id = "reciprocity"
[[codes.rules]]
terms = ["win-win"]

[[codes]]
id = "strategy"

[[codes]]
id = "fic"
label = "First in command"
parent = "strategy"
[[codes.rules]]
terms = ["yibashou"]
"#;

const A: &str = "The yibashou decides everything here.\n\nTrust grew between the NGO and the office.\n\nNothing to see in this paragraph.\n";
const B: &str = "Mutual trust and the yibashou together.\n\nWeather report only.\n";

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).expect("mkdir");
        std::fs::write(corpus.join("a.txt"), A).expect("write");
        std::fs::write(corpus.join("b.txt"), B).expect("write");
        std::fs::write(dir.path().join("codebook.toml"), CODEBOOK).expect("write");
        Fixture { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Runs `qualcode <command> --corpus … --codebook … --out <out> extra…`.
    fn invoke(&self, command: &[&str], out: &Path, extra: &[&str]) -> (i32, String) {
        invoke(
            command,
            &self.path("corpus"),
            &self.path("codebook.toml"),
            out,
            extra,
        )
    }

    fn agree(&self, golds: &[&Path]) -> (i32, String, String) {
        let mut args = vec!["agree".to_string()];
        for gold in golds {
            args.push("--gold".into());
            args.push(gold.to_str().expect("utf-8").into());
        }
        for (flag, name) in [
            ("--corpus", "corpus"),
            ("--codebook", "codebook.toml"),
            ("--out", "out"),
        ] {
            args.push(flag.into());
            args.push(self.path(name).to_str().expect("utf-8").into());
        }
        outcome(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

/// `chars:START-END` of the stretch of `text` starting at `needle`, `len` characters long.
fn chars_of(text: &str, needle: &str, len: usize) -> String {
    let start = text[..text.find(needle).expect("needle")].chars().count();
    format!("chars:{start}-{}", start + len)
}

/// (reference, compared, code) → (units, tp, fp, fn, tn), from agreement.parquet.
fn confusion(out: &Path) -> Vec<(String, String, String, [u32; 5])> {
    let df = table(out, "agreement");
    let (r, c, code) = (
        strings(&df, "reference"),
        strings(&df, "compared"),
        strings(&df, "code"),
    );
    let counts: Vec<Vec<u32>> = [
        "units",
        "both_yes",
        "compared_only",
        "reference_only",
        "both_no",
    ]
    .iter()
    .map(|name| u32s(&df, name))
    .collect();
    (0..df.height())
        .map(|i| {
            let name = |p: &str| {
                Path::new(p)
                    .file_name()
                    .map_or(p.to_string(), |f| f.to_string_lossy().into_owned())
            };
            (
                name(&r[i]),
                name(&c[i]),
                code[i].clone(),
                [
                    counts[0][i],
                    counts[1][i],
                    counts[2][i],
                    counts[3][i],
                    counts[4][i],
                ],
            )
        })
        .collect()
}

fn row(
    reference: &str,
    compared: &str,
    code: &str,
    counts: [u32; 5],
) -> (String, String, String, [u32; 5]) {
    (reference.into(), compared.into(), code.into(), counts)
}

#[test]
fn two_coders_in_long_and_wide_csv_against_the_machine_and_each_other() {
    let f = Fixture::new();
    // Machine: a0 fic (+strategy), a1 trust, a2 nothing; b0 trust + fic (+strategy), b1 nothing.
    let unit1 = chars_of(A, "grew", 5); // inside a1
    let gold1 = f.write(
        "gold1.csv",
        &format!(
            "document,unit,code,note\n\
             a.txt,The yibashou   decides,fic,opening words; spaces do not matter\n\
             a.txt,{unit1},,read: no code\n\
             a.txt,Nothing to see,trust,the coder saw trust here\n\
             b.txt,Mutual trust,trust,\n\
             b.txt,Mutual trust,fic,\n\
             b.txt,Weather,,\n"
        ),
    );
    let unit2 = chars_of(A, "Nothing", 7);
    let gold2 = f.write(
        "gold2.csv",
        &format!("\u{feff}document,unit,trust,fic\na.txt,The yibashou,0,1\na.txt,Trust grew,yes,\na.txt,{unit2},,\n"),
    );
    let (code, stdout, stderr) = f.agree(&[&gold1, &gold2]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        confusion(&f.path("out")),
        vec![
            // gold1 vs machine, all five units and all four codes (long form judges every code).
            row("gold1.csv", "machine", "trust", [5, 1, 1, 1, 2]),
            row("gold1.csv", "machine", "reciprocity", [5, 0, 0, 0, 5]),
            row("gold1.csv", "machine", "strategy", [5, 2, 0, 0, 3]),
            row("gold1.csv", "machine", "fic", [5, 2, 0, 0, 3]),
            // gold2 judged a.txt only, and only its two columns.
            row("gold2.csv", "machine", "trust", [3, 1, 0, 0, 2]),
            row("gold2.csv", "machine", "fic", [3, 1, 0, 0, 2]),
            // The two humans, on the units and codes both judged.
            row("gold1.csv", "gold2.csv", "trust", [3, 0, 1, 1, 1]),
            row("gold1.csv", "gold2.csv", "fic", [3, 1, 0, 0, 2]),
        ]
    );
    let df = table(&f.path("out"), "agreement");
    let kappa = f64s(&df, "cohen_kappa");
    let alpha = f64s(&df, "krippendorff_alpha");
    let bp = f64s(&df, "brennan_prediger");
    // trust vs gold1: po 3/5, pe 0.4*0.4 + 0.6*0.6 = 0.52, kappa 0.08/0.48;
    // alpha 1 - 9*2/(4*6) = 0.25; BP 2*0.6 - 1.
    let close = |x: Option<f64>, y: f64| (x.expect("defined") - y).abs() < 1e-12;
    assert!(close(kappa[0], 0.08 / 0.48), "{:?}", kappa[0]);
    assert!(close(alpha[0], 0.25), "{:?}", alpha[0]);
    assert!(close(bp[0], 0.2), "{:?}", bp[0]);
    // Nobody used reciprocity: kappa and alpha undefined, Brennan–Prediger perfect.
    assert_eq!((kappa[1], alpha[1]), (None, None));
    assert!(close(bp[1], 1.0));
    assert!(close(kappa[2], 1.0));
    // The printed table has a block per pair of coders.
    assert_eq!(stdout.matches("(reference) vs").count(), 3, "{stdout}");
    // And the kappas side by side; "-" where a pair did not judge the code.
    let side = stdout
        .split("side by side")
        .nth(1)
        .expect("side-by-side table");
    let fic: Vec<&str> = side
        .lines()
        .find(|l| l.starts_with("fic "))
        .expect("fic")
        .split_whitespace()
        .collect();
    assert_eq!(fic, ["fic", "1.000", "1.000", "1.000"]);
    let strategy: Vec<&str> = side
        .lines()
        .find(|l| l.starts_with("strategy"))
        .expect("row")
        .split_whitespace()
        .collect();
    assert_eq!(strategy, ["strategy", "1.000", "-", "-"]);
    let reciprocity = "reciprocity 5 0 0 0 5 1.000 n/a n/a n/a n/a n/a n/a 1.000";
    assert!(
        stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == reciprocity),
        "{stdout}"
    );

    // The unit detail: every unit a human judged, every code, each coder's decision.
    let units = table(&f.path("out"), "agreement_units");
    assert_eq!(units.height(), 5 * 4);
    let bool_or_null = |name: &str| -> Vec<Option<bool>> {
        units
            .column(name)
            .expect("column")
            .bool()
            .expect("bool")
            .iter()
            .collect()
    };
    let (docs, codes) = (strings(&units, "document"), strings(&units, "code"));
    let (machine, g1, g2) = (
        bool_or_null("machine"),
        bool_or_null("gold1"),
        bool_or_null("gold2"),
    );
    let at = |doc: &str, segment_rank: usize, code: &str| {
        (0..units.height())
            .filter(|&i| docs[i] == doc && codes[i] == code)
            .nth(segment_rank)
            .expect("row")
    };
    let i = at("a.txt", 2, "trust");
    assert_eq!(
        (machine[i], g1[i], g2[i]),
        (Some(false), Some(true), Some(false))
    );
    let i = at("b.txt", 0, "strategy");
    assert_eq!((machine[i], g1[i], g2[i]), (Some(true), Some(true), None));
    let i = at("a.txt", 0, "reciprocity");
    assert_eq!(g2[i], None, "gold2 did not judge reciprocity");
}

#[test]
fn every_problem_of_a_gold_csv_is_reported_with_its_line() {
    let f = Fixture::new();
    let gold = f.write(
        "bad.csv",
        "document,unit,trsut,fic\n\
         a.txt,T,0,1\n\
         c.txt,Anything,0,0\n\
         a.txt,Nothing to see,0,maybe\n\
         a.txt,The yibashou,0,1\n\
         a.txt,The yibashou decides,0,1\n\
         b.txt,chars:500-600,0,0\n",
    );
    let (code, stdout, stderr) = f.agree(&[&gold]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    for expected in [
        "hand coding",
        "has 6 problems",
        "line 1: column \"trsut\" is not a code of the codebook (codes: trust, reciprocity, strategy, fic)",
        "line 2: 2 units of a.txt start with \"T\" (at chars 0-37, 39-81): give more words or chars:START-END",
        "line 3: document \"c.txt\" is not a coded document of the corpus",
        "line 4: \"maybe\" under \"fic\" is not 1 or 0",
        "line 6: names the same unit as line 5",
        "line 7: \"chars:500-600\" overlaps no coded unit of b.txt",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    assert!(!f.path("out").join("agreement.parquet").exists());
}

#[test]
fn files_that_are_not_hand_coding_are_named_and_not_echoed() {
    let f = Fixture::new();
    // A codebook exported by qualcode itself, under its own name and renamed .csv.
    let qdc = f.path("codebook.qdc");
    let (code, stderr) = f.invoke(&["export", "qdc"], &qdc, &[]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::copy(&qdc, f.path("codebook.csv")).expect("copy");
    for gold in [qdc, f.path("codebook.csv")] {
        let (code, _, stderr) = f.agree(&[&gold]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("is a REFI-QDA codebook (.qdc), which holds codes but no coded text"),
            "{stderr}"
        );
    }
    // A spreadsheet not saved as CSV.
    let xlsx = f.path("coding.xlsx");
    std::fs::write(&xlsx, b"PK\x03\x04 rest of a zip").expect("write");
    let (code, _, stderr) = f.agree(&[&xlsx]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("a zip archive (.xlsx), not a CSV"),
        "{stderr}"
    );
    // A 4.8 MB line, and 5,000 unknown columns: a few lines of message, not the file.
    let line = f.write("line.csv", &"x".repeat(4_800_000));
    let mut wide = String::from("document,unit");
    for i in 0..5_000 {
        wide.push_str(&format!(",{}{i}", "y".repeat(100)));
    }
    let wide = f.write("wide.csv", &(wide + "\na.txt,Trust grew\n"));
    for gold in [line, wide] {
        let (code, _, stderr) = f.agree(&[&gold]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.len() < 4_000, "{} bytes of stderr", stderr.len());
    }
    let (_, _, stderr) = f.agree(&[&f.path("wide.csv")]);
    assert!(stderr.contains("has 5000 problems"), "{stderr}");
    assert!(stderr.contains("and 4980 more"), "{stderr}");
}

#[test]
fn exported_project_read_back_as_gold_agrees_perfectly_on_every_unit() {
    // qualcode -> .qdpx -> qualcode keeps every code, unit and position: on a BOM + CRLF file
    // with Chinese, curly quotes and dashes, as in the corpus.
    let f = Fixture::new();
    std::fs::write(
        f.path("corpus/c.txt"),
        "\u{feff}The “yibashou” (一把手) — in charge — decides.\r\n\r\nTrust — 信任 — matters; a win-win.\r\n\r\nNothing.\r\n",
    )
    .expect("write");
    let qdpx = f.path("p.qdpx");
    let (code, stderr) = f.invoke(&["export", "qdpx"], &qdpx, &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = f.agree(&[&qdpx]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let rows = confusion(&f.path("out"));
    assert_eq!(rows.len(), 4);
    for (_, _, code, [units, tp, fp, fn_, tn]) in &rows {
        assert_eq!((*units, *fp, *fn_), (8, 0, 0), "{code}");
        assert_eq!(tp + tn, 8);
    }
    let tp: Vec<u32> = rows.iter().map(|r| r.3[1]).collect();
    // trust: a1, b0, c1; reciprocity: c1; strategy and fic: a0, b0, c0.
    assert_eq!(tp, vec![3, 1, 3, 3]);
}

#[test]
fn units_exported_in_pieces_around_footnotes_read_back_as_one_unit() {
    // 001 has 8 coded units interrupted by a footnote block or a page number, exported as two
    // selections each: read back, each pair codes its one unit, and every unit agrees.
    let dir = tempfile::tempdir().expect("tempdir");
    let qdpx = dir.path().join("p.qdpx");
    let corpus = repo().join("corpus");
    let codebook = repo().join("codebook.toml");
    let (code, stderr) = invoke(&["export", "qdpx"], &corpus, &codebook, &qdpx, &[]);
    assert_eq!(code, 0, "{stderr}");
    let out = dir.path().join("out");
    let (code, stderr) = invoke(
        &[
            "agree",
            "--gold",
            qdpx.to_str().unwrap(),
            "--bootstrap",
            "0",
        ],
        &corpus,
        &codebook,
        &out,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let rows = confusion(&out);
    assert_eq!(rows.len(), 4);
    for (_, _, code, [units, _, fp, fn_, _]) in &rows {
        assert_eq!((*units, *fp, *fn_), (123, 0, 0), "{code}");
    }
}

/// A `.qdpx` as another tool writes it: BOM, braces and upper-case GUIDs, codes matched by
/// name and label, a stored text with CRLF, a phrase selection and a selection spanning units.
#[test]
fn hand_coding_from_another_tool_maps_selections_onto_units() {
    let f = Fixture::new();
    let stored = A.replace('\n', "\r\n");
    let pos = |needle: &str| {
        stored[..stored.find(needle).expect("needle")]
            .chars()
            .count()
    };
    let phrase = (pos("yibashou"), pos("yibashou") + 8);
    // All of a1 and the first word of a2: a1 is covered, a2 is not (a fifth of the selection).
    let span = (pos("Trust"), pos("Nothing") + 7);
    let qde = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"hand\"><CodeBook><Codes>\
<Code guid=\"{{0A0A0A0A-0000-0000-0000-00000000000A}}\" name=\"First in command\" isCodable=\"true\"/>\
<Code guid=\"0B0B0B0B-0000-0000-0000-00000000000B\" name=\"trust\" isCodable=\"true\"/>\
<Code guid=\"0C0C0C0C-0000-0000-0000-00000000000C\" name=\"Memo theme\" isCodable=\"true\"/>\
</Codes></CodeBook><Sets/><Sources>\
<TextSource guid=\"5\" name=\"a\" plainTextPath=\"internal://5.txt\">\
<PlainTextSelection guid=\"6\" startPosition=\"{}\" endPosition=\"{}\"><Coding guid=\"7\"><CodeRef targetGUID=\"0a0a0a0a-0000-0000-0000-00000000000a\"/></Coding></PlainTextSelection>\
<PlainTextSelection guid=\"8\" startPosition=\"{}\" endPosition=\"{}\"><Coding guid=\"9\"><CodeRef targetGUID=\"{{0B0B0B0B-0000-0000-0000-00000000000B}}\"/></Coding>\
<Coding guid=\"10\"><CodeRef targetGUID=\"0C0C0C0C-0000-0000-0000-00000000000C\"/></Coding></PlainTextSelection>\
</TextSource>\
<TextSource guid=\"11\" name=\"interview.txt\" plainTextPath=\"internal://11.txt\"/>\
</Sources></Project>",
        phrase.0, phrase.1, span.0, span.1
    );
    let qdpx = f.path("hand.qdpx");
    let mut archive = ::zip::ZipWriter::new(std::fs::File::create(&qdpx).expect("create"));
    let options = ::zip::write::SimpleFileOptions::default();
    for (name, text) in [
        ("project.qde", qde.as_str()),
        ("sources/5.txt", stored.as_str()),
        ("sources/11.txt", "x"),
    ] {
        archive.start_file(name, options).expect("entry");
        archive.write_all(text.as_bytes()).expect("write");
    }
    archive.finish().expect("zip");
    let (code, _, stderr) = f.agree(&[&qdpx]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("source \"interview.txt\" matches no coded document"),
        "{stderr}"
    );
    assert!(
        stderr.contains("code \"Memo theme\" is not in the codebook; its 1 coding were not used"),
        "{stderr}"
    );
    // Only a.txt was hand-coded: a0 fic (+strategy), a1 trust, a2 nothing — the machine's coding.
    let rows = confusion(&f.path("out"));
    let counts: Vec<[u32; 5]> = rows.iter().map(|r| r.3).collect();
    assert_eq!(
        counts,
        vec![
            [3, 1, 0, 0, 2],
            [3, 0, 0, 0, 3],
            [3, 1, 0, 0, 2],
            [3, 1, 0, 0, 2]
        ]
    );
}

#[test]
fn a_project_whose_text_differs_is_refused() {
    let f = Fixture::new();
    let qde = "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"><Sources>\
<TextSource guid=\"1\" name=\"a.txt\"><PlainTextContent>Edited text.</PlainTextContent></TextSource>\
</Sources></Project>";
    let qdpx = f.path("edited.qdpx");
    let mut archive = ::zip::ZipWriter::new(std::fs::File::create(&qdpx).expect("create"));
    archive
        .start_file("project.qde", ::zip::write::SimpleFileOptions::default())
        .expect("entry");
    archive.write_all(qde.as_bytes()).expect("write");
    archive.finish().expect("zip");
    let (code, _, stderr) = f.agree(&[&qdpx]);
    assert_eq!(code, 2);
    assert!(stderr.contains("its text differs from a.txt"), "{stderr}");
}

#[test]
fn default_codebook_agrees_with_both_halves_of_the_hand_coding() {
    // tests/hand_coding/{tune,heldout}.csv: every paragraph unit of the shipped corpus (123),
    // coded by hand following tests/hand_coding/GUIDE.md, split into alternate units.
    let mut units = 0usize;
    for (half, expected) in [("tune", 62), ("heldout", 61)] {
        let out = tempfile::tempdir().expect("tempdir");
        let gold = format!("tests/hand_coding/{half}.csv");
        let output = qualcode(&[
            "agree",
            "--gold",
            &gold,
            "--out",
            out.path().to_str().expect("utf-8"),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        println!("{}", String::from_utf8_lossy(&output.stdout));
        let df = table(out.path(), "agreement");
        assert_eq!(
            strings(&df, "code"),
            ["trust", "reciprocity", "fic_strategy", "localisation"]
        );
        assert!(u32s(&df, "units").iter().all(|&n| n == expected), "{half}");
        units += expected as usize;
        // Regression floors. The codebook must stay at a second human coder's usual 0.8 on
        // the corpus it was first written from (mean over the codes, on each half), and no
        // code may fall far below: version 2's broader rules, written for documents beyond
        // corpus/, cost held-out localisation some precision (0.69; see docs/validation.md).
        let kappas: Vec<f64> = f64s(&df, "cohen_kappa")
            .into_iter()
            .map(|k| k.expect("both answers occur"))
            .collect();
        for (code, kappa) in strings(&df, "code").iter().zip(&kappas) {
            assert!(*kappa >= 0.65, "{half} {code}: kappa {kappa:.3}");
        }
        let mean = kappas.iter().sum::<f64>() / kappas.len() as f64;
        assert!(mean >= 0.8, "{half}: mean kappa {mean:.3}");
    }
    // The halves cover every paragraph unit of the corpus.
    let out = default_run(&[]);
    let segments = table(out.path(), "segments");
    assert_eq!(
        bools(&segments, "coded").iter().filter(|&&c| c).count(),
        units
    );
}

/// Writes a wide gold CSV coding `trust` only, one 0/1 per unit of the fixture in order
/// (a0, a1, a2, b0, b1).
fn trust_only(f: &Fixture, name: &str, trust: [u8; 5]) -> std::path::PathBuf {
    let units = [
        ("a.txt", "The yibashou"),
        ("a.txt", "Trust grew"),
        ("a.txt", "Nothing to see"),
        ("b.txt", "Mutual trust"),
        ("b.txt", "Weather"),
    ];
    let mut csv = String::from("document,unit,trust\n");
    for ((doc, unit), value) in units.iter().zip(trust) {
        csv.push_str(&format!("{doc},{unit},{value}\n"));
    }
    f.write(name, &csv)
}

#[test]
fn three_coders_fleiss_kappa_alpha_pooled_kappa_and_intervals() {
    let f = Fixture::new();
    let g1 = trust_only(&f, "g1.csv", [1, 1, 0, 1, 0]);
    let g2 = trust_only(&f, "g2.csv", [1, 0, 0, 1, 0]);
    let g3 = trust_only(&f, "g3.csv", [0, 1, 0, 1, 1]);
    let (code, stdout, stderr) = f.agree(&[&g1, &g2, &g3]);
    assert_eq!(code, 0, "{stderr}");
    // Three coders against the machine, three pairs of coders.
    assert_eq!(stdout.matches("(reference) vs").count(), 6, "{stdout}");
    let groups = table(&f.path("out"), "agreement_coders");
    let group = strings(&groups, "group");
    let codes: Vec<Option<String>> = groups
        .column("code")
        .expect("code")
        .str()
        .expect("str")
        .iter()
        .map(|c| c.map(String::from))
        .collect();
    let fleiss = f64s(&groups, "fleiss_kappa");
    let alpha = f64s(&groups, "krippendorff_alpha");
    let row = |g: &str, c: Option<&str>| {
        (0..groups.height())
            .find(|&i| group[i] == g && codes[i].as_deref() == c)
            .unwrap_or_else(|| panic!("no row {g} {c:?}"))
    };
    // Yes votes per unit 2, 2, 0, 3, 1 of 3: P = 3/5, p = 8/15, Pe = 113/225,
    // kappa = (135 - 113) / 112; alpha = 1 - (6/15) / (112/210) = 1/4.
    let close = |x: Option<f64>, y: f64| (x.expect("defined") - y).abs() < 1e-12;
    let i = row("hand coders", Some("trust"));
    assert!(close(fleiss[i], 22.0 / 112.0), "{:?}", fleiss[i]);
    assert!(close(alpha[i], 0.25), "{:?}", alpha[i]);
    assert_eq!(u32s(&groups, "coders")[i], 3);
    assert_eq!(u32s(&groups, "units")[i], 5);
    // One code judged: pooled equals it.
    let p = row("hand coders", None);
    assert!(close(fleiss[p], 22.0 / 112.0));
    assert_eq!(
        u32s(&groups, "coders")[row("hand coders and machine", Some("trust"))],
        4
    );

    // Per pair: kappa inside its interval; the pooled table, one row per pair.
    let pairs = table(&f.path("out"), "agreement");
    let (kappa, low, high) = (
        f64s(&pairs, "cohen_kappa"),
        f64s(&pairs, "kappa_low"),
        f64s(&pairs, "kappa_high"),
    );
    for i in 0..pairs.height() {
        if let (Some(k), Some(lo), Some(hi)) = (kappa[i], low[i], high[i]) {
            assert!(lo <= k + 1e-12 && k <= hi + 1e-12, "{lo} {k} {hi}");
        }
    }
    let pooled = table(&f.path("out"), "agreement_pooled");
    assert_eq!(pooled.height(), 6);
    // The machine judged every code, g1 only trust: pooled over one code is that code's kappa.
    assert_eq!(u32s(&pooled, "codes")[0], 1);
    assert_eq!(f64s(&pooled, "pooled_kappa")[0], kappa[0]);
    assert_eq!(f64s(&pooled, "mean_kappa")[0], kappa[0]);

    // The same run twice gives the same intervals; no resamples, no intervals.
    let first = low.clone();
    let (code, _, _) = f.agree(&[&g1, &g2, &g3]);
    assert_eq!(code, 0);
    assert_eq!(
        f64s(&table(&f.path("out"), "agreement"), "kappa_low"),
        first
    );
    let mut args: Vec<String> = ["agree", "--bootstrap", "0", "--gold"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(g1.to_str().expect("utf-8").into());
    for (flag, name) in [
        ("--corpus", "corpus"),
        ("--codebook", "codebook.toml"),
        ("--out", "out"),
    ] {
        args.push(flag.into());
        args.push(f.path(name).to_str().expect("utf-8").into());
    }
    let (code, _, stderr) = outcome(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stderr}");
    let none = f64s(&table(&f.path("out"), "agreement"), "kappa_low");
    assert!(none.iter().all(Option::is_none), "{none:?}");
}

#[test]
fn units_named_by_a_hash_of_their_text_and_their_number() {
    let f = Fixture::new();
    let key = |text: &str| qualcode::workbench::agree::text_key(text);
    // Runs of whitespace do not change the key: the run's text of a1 is this, squeezed.
    let a1 = key("Trust grew  between the NGO and the office.");
    assert_eq!(a1, key("Trust grew between the NGO and the office."));
    let gold = f.write(
        "hashed.csv",
        &format!(
            "document,paragraph,unit,trust,fic\n\
             a.txt,2,{a1},1,0\n\
             a.txt,1,{},0,1\n",
            key("The yibashou decides everything here.")
        ),
    );
    let (code, _, stderr) = f.agree(&[&gold]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        confusion(&f.path("out")),
        vec![
            row("hashed.csv", "machine", "trust", [2, 1, 0, 0, 1]),
            row("hashed.csv", "machine", "fic", [2, 1, 0, 0, 1]),
        ]
    );
    // A text that has changed since: the row says which unit was coded.
    let stale = f.write(
        "stale.csv",
        "document,paragraph,unit,trust\na.txt,3,sha256:0123456789abcdef,1\na.txt,1,sha256:xyz,0\n",
    );
    let (code, _, stderr) = f.agree(&[&stale]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 2: no unit of a.txt has the text hashed as sha256:0123456789abcdef: unit 3 of the document was coded by hand, and its text (or the segmentation) has changed since"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 3: \"sha256:xyz\" is not a text hash"),
        "{stderr}"
    );
}

#[test]
fn paragraph_coding_against_sentence_units_is_warned_about() {
    let f = Fixture::new();
    std::fs::write(
        f.path("corpus/c.txt"),
        "Trust grew. The office agreed. Work began.\n\nA second paragraph. It has two sentences.\n\nThird one here. And more.\n",
    )
    .expect("write");
    let gold = f.write(
        "paragraphs.csv",
        "document,unit,trust\nc.txt,Trust grew,1\nc.txt,A second,0\nc.txt,Third one,0\n",
    );
    let mut args: Vec<String> = vec!["agree".into(), "--unit".into(), "sentence".into()];
    args.push("--gold".into());
    args.push(gold.to_str().expect("utf-8").into());
    for (flag, name) in [
        ("--corpus", "corpus"),
        ("--codebook", "codebook.toml"),
        ("--out", "out"),
    ] {
        args.push(flag.into());
        args.push(f.path(name).to_str().expect("utf-8").into());
    }
    let (code, _, stderr) = outcome(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("3 of the 3 units it codes are sentences of a paragraph whose other sentences it does not code"),
        "{stderr}"
    );
    // The same hand coding on paragraph units: no warning.
    let (code, _, stderr) = f.agree(&[&gold]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("sentences of a paragraph"), "{stderr}");
}
