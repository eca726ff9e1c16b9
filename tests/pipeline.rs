//! End-to-end runs of the binary on the shipped corpus, read back from Parquet.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};

const ARTICLE: &str = "001_bb6c17c0ea50004b.txt";
const CODES: &[&str] = &["trust", "reciprocity", "fic_strategy", "localisation"];

#[test]
fn default_run_writes_every_table_and_a_complete_manifest() {
    let out = default_run(&[]);
    for name in TABLES {
        assert!(
            out.path().join(format!("{name}.parquet")).is_file(),
            "{name}"
        );
    }
    let m = manifest(out.path());
    assert_eq!(m["tool"], "qualcode");
    assert_eq!(m["counts"]["files"], 5);
    assert_eq!(m["counts"]["coded"], 5);
    assert_eq!(m["counts"]["skipped"], 0);
    assert_eq!(m["parameters"]["unit"], "paragraph");
    assert_eq!(m["codebook"]["sha256"].as_str().map(str::len), Some(64));
    let files = m["files"].as_array().expect("files");
    assert!(files
        .iter()
        .all(|f| f["status"] == "coded" && f["sha256"].as_str().map(str::len) == Some(64)));
    // The manifest's row counts are the tables' row counts.
    for t in m["tables"].as_array().expect("tables") {
        let name = t["name"].as_str().expect("name");
        assert_eq!(
            t["rows"].as_u64(),
            Some(table(out.path(), name).height() as u64),
            "{name}"
        );
    }
    // No staging folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn fic_is_found_in_the_article_and_never_inside_other_words() {
    let out = default_run(&[]);
    let matches = table(out.path(), "matches");
    let source = std::fs::read(repo().join("corpus").join(ARTICLE)).expect("article");
    let text = String::from_utf8(source.clone()).expect("utf-8");
    let (docs, codes, rules) = (
        strings(&matches, "document"),
        strings(&matches, "code"),
        strings(&matches, "rule"),
    );
    let (found, starts, ends) = (
        strings(&matches, "text"),
        u64s(&matches, "byte_start"),
        u64s(&matches, "byte_end"),
    );
    let fic: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i] == ARTICLE && rules[i] == "fic_acronym")
        .collect();
    // `grep -o -w -E 'FICs?'` finds the acronym 16 times in the article, all in body text.
    assert_eq!(fic.len(), 16, "FIC matches in the article");
    for &i in &fic {
        assert_eq!(codes[i], "fic_strategy");
        assert!(found[i] == "FIC" || found[i] == "FICs", "{}", found[i]);
        assert_eq!(
            &source[starts[i] as usize..ends[i] as usize],
            found[i].as_bytes()
        );
    }
    // The words that contain "fic" are there, and no FIC match falls inside them.
    let lower = text.to_lowercase();
    let inside_words: Vec<usize> = ["specific", "scientific", "traffic"]
        .iter()
        .flat_map(|w| lower.match_indices(w).map(|(i, _)| i).collect::<Vec<_>>())
        .collect();
    assert!(
        inside_words.len() >= 4,
        "the article contains specific/Scientific"
    );
    for &i in &fic {
        for &w in &inside_words {
            assert!(
                !(w..w + 10).contains(&(starts[i] as usize)),
                "FIC match inside a word at {w}"
            );
        }
    }
}

#[test]
fn article_paragraphs_are_its_real_paragraphs() {
    let out = default_run(&[]);
    let segments = table(out.path(), "segments");
    let (docs, kinds, texts) = (
        strings(&segments, "document"),
        strings(&segments, "kind"),
        strings(&segments, "text"),
    );
    let article: Vec<(String, String)> = (0..docs.len())
        .filter(|&i| docs[i] == ARTICLE)
        .map(|i| (kinds[i].clone(), texts[i].clone()))
        .collect();
    let count = |k: &str| article.iter().filter(|(kind, _)| kind == k).count();
    // Counted by hand from the source: 41 body paragraphs plus the abstract; 14 numbered
    // section headings plus "Abstract"; 20 footnotes; 2 lone page numbers.
    assert_eq!(count("paragraph"), 42);
    assert_eq!(count("heading"), 15);
    assert_eq!(count("footnote"), 20);
    assert_eq!(count("boilerplate"), 2);
    let paragraph = |start: &str| {
        article
            .iter()
            .find(|(k, t)| k == "paragraph" && t.starts_with(start))
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("no paragraph starts with {start:?}"))
    };
    // A sentence cut by a page break (blank line) is joined again.
    assert!(paragraph("The competing analytical lens")
        .contains("existing spaces for social activists and their associations"));
    // A footnote block in the middle of a sentence is cut out, the sentence joined.
    let daxing = paragraph("When cooperating with the Daxing");
    assert!(daxing
        .contains("jointly discussed the progress of the project cooperation and found solutions"));
    assert!(!daxing.contains("Bryson"));
    // A page number between two halves of a sentence disappears.
    assert!(paragraph("A basic NGO strategy")
        .contains("without repeated communication and consultation it would have been impossible"));
    // A heading broken over a page is one heading.
    assert!(article.iter().any(|(k, t)| k == "heading"
        && t == "2. Difficulties of grassroots NGOs collaborating with the government: How to build trust and promote system innovation?"));
    assert!(article
        .iter()
        .any(|(k, t)| k == "footnote" && t.starts_with("34 John M. Bryson")));
    // No paragraph starts in the middle of a sentence, and none is a page number.
    for (kind, t) in &article {
        if kind == "paragraph" {
            assert!(!t.starts_with(char::is_lowercase), "{t}");
            assert!(
                !t.contains("Implementation”, 49."),
                "footnote glued into body text: {t}"
            );
        }
    }
}

#[test]
fn web_pages_lose_their_furniture() {
    let out = default_run(&[]);
    let segments = table(out.path(), "segments");
    let (kinds, texts, coded) = (
        strings(&segments, "kind"),
        strings(&segments, "text"),
        bools(&segments, "coded"),
    );
    for (i, t) in texts.iter().enumerate() {
        let furniture = t.starts_with("• ")
            || t.starts_with("Home >")
            || t.starts_with("ADD:")
            || t == "Table of Contents"
            || t.contains("成年美女");
        if furniture {
            assert_eq!(kinds[i], "boilerplate", "{t}");
            assert!(!coded[i]);
        }
    }
    assert_eq!(texts.iter().filter(|t| t.contains("成年美女")).count(), 1);
}

#[test]
fn positions_point_back_into_the_source_files() {
    let out = default_run(&[]);
    let segments = table(out.path(), "segments");
    let matches = table(out.path(), "matches");
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    let mut source = |doc: &str| {
        sources
            .entry(doc.to_string())
            .or_insert_with(|| {
                std::fs::read_to_string(repo().join("corpus").join(doc)).expect("read")
            })
            .clone()
    };
    let (docs, texts) = (strings(&matches, "document"), strings(&matches, "text"));
    let (bs, be, cs, ce) = (
        u64s(&matches, "byte_start"),
        u64s(&matches, "byte_end"),
        u64s(&matches, "char_start"),
        u64s(&matches, "char_end"),
    );
    let lines = u32s(&matches, "line");
    assert!(docs.len() > 50);
    assert_eq!(assert_match_offsets_in_unit_text(out.path()), docs.len());
    for i in 0..docs.len() {
        let src = source(&docs[i]);
        assert_eq!(
            lines[i] as usize,
            1 + src[..bs[i] as usize].matches('\n').count()
        );
        let by_bytes = &src[bs[i] as usize..be[i] as usize];
        let by_chars: String = src
            .chars()
            .skip(cs[i] as usize)
            .take((ce[i] - cs[i]) as usize)
            .collect();
        assert_eq!(by_chars, by_bytes);
        if !by_bytes.contains('\n') {
            assert_eq!(by_bytes, texts[i]);
            continue;
        }
        // A match across a line break reads with the break in the source; one across a page
        // break or footnote block spans the interruption, its words still in order.
        if norm(by_bytes) != texts[i] {
            let mut at = 0;
            for word in texts[i].split(' ') {
                at += by_bytes[at..]
                    .find(word)
                    .unwrap_or_else(|| panic!("{word} not in {by_bytes:?}"));
            }
        }
    }
    let (docs, kinds, texts) = (
        strings(&segments, "document"),
        strings(&segments, "kind"),
        strings(&segments, "text"),
    );
    let (bs, be) = (u64s(&segments, "byte_start"), u64s(&segments, "byte_end"));
    for i in 0..docs.len() {
        let src = source(&docs[i]);
        let span = &src[bs[i] as usize..be[i] as usize];
        assert!(
            span.starts_with(texts[i].split(' ').next().unwrap_or("")),
            "{}",
            texts[i]
        );
        if kinds[i] != "paragraph" || docs[i] != ARTICLE {
            continue;
        }
        // Every word of a paragraph occurs, in order, within its source span (words
        // hyphenated across lines are joined in the text).
        let mut at = 0;
        for piece in texts[i].split([' ', '-']).filter(|p| !p.is_empty()) {
            at += span[at..]
                .find(piece)
                .unwrap_or_else(|| panic!("{piece} not in span"));
        }
    }
}

#[test]
fn frequency_table_equals_a_naive_recount_of_the_codings() {
    let out = default_run(&[]);
    let codings = table(out.path(), "codings");
    let segments = table(out.path(), "segments");
    let frequency = table(out.path(), "code_frequency");
    let (docs, segs, codes, hits) = (
        strings(&codings, "document"),
        u32s(&codings, "segment"),
        strings(&codings, "code"),
        u32s(&codings, "hits"),
    );
    let units = bools(&segments, "coded").iter().filter(|&&c| c).count();
    assert_eq!(strings(&frequency, "code"), CODES);
    let (f_units, f_docs, f_hits, f_share) = (
        u32s(&frequency, "units"),
        u32s(&frequency, "documents"),
        u32s(&frequency, "hits"),
        f64s(&frequency, "share"),
    );
    for (k, code) in CODES.iter().enumerate() {
        let rows: Vec<usize> = (0..codes.len()).filter(|&i| codes[i] == *code).collect();
        let distinct_units: BTreeSet<(&str, u32)> =
            rows.iter().map(|&i| (docs[i].as_str(), segs[i])).collect();
        let distinct_docs: BTreeSet<&str> = rows.iter().map(|&i| docs[i].as_str()).collect();
        assert_eq!(
            f_units[k] as usize,
            distinct_units.len(),
            "{code}: one coding per unit"
        );
        assert_eq!(f_units[k] as usize, rows.len(), "{code}");
        assert_eq!(f_docs[k] as usize, distinct_docs.len(), "{code}");
        assert_eq!(
            f_hits[k],
            rows.iter().map(|&i| hits[i]).sum::<u32>(),
            "{code}"
        );
        let share = f_share[k].expect("share");
        assert!((share - rows.len() as f64 / units as f64).abs() < 1e-12);
        assert!(f_units[k] > 0, "{code} applies somewhere in the corpus");
    }
    // The hits of a coding are its applied matches.
    let matches = table(out.path(), "matches");
    let applied = bools(&matches, "applied").iter().filter(|&&a| a).count();
    assert_eq!(applied as u32, hits.iter().sum::<u32>());
    // code_by_document sums to code_frequency.
    let by_doc = table(out.path(), "code_by_document");
    assert_eq!(by_doc.height(), CODES.len() * 5);
    let (bd_codes, bd_units) = (strings(&by_doc, "code"), u32s(&by_doc, "units"));
    for (k, code) in CODES.iter().enumerate() {
        let total: u32 = (0..bd_codes.len())
            .filter(|&i| bd_codes[i] == *code)
            .map(|i| bd_units[i])
            .sum();
        assert_eq!(total, f_units[k], "{code}");
    }
}

#[test]
fn cooccurrence_is_symmetric_and_consistent_with_the_units() {
    let out = default_run(&[]);
    let codings = table(out.path(), "codings");
    let co = table(out.path(), "cooccurrence");
    let unit_codes = codes_by_unit(&codings);
    let (a, b) = (strings(&co, "code_a"), strings(&co, "code_b"));
    let (n12, n1, n2, n) = (
        u32s(&co, "n12"),
        u32s(&co, "n1"),
        u32s(&co, "n2"),
        u32s(&co, "n"),
    );
    let (jaccard, dice, ochiai) = (f64s(&co, "jaccard"), f64s(&co, "dice"), f64s(&co, "ochiai"));
    assert_eq!(
        co.height(),
        CODES.len() * (CODES.len() - 1),
        "every ordered pair, no self-pairs"
    );
    let index: BTreeMap<(String, String), usize> = (0..a.len())
        .map(|i| ((a[i].clone(), b[i].clone()), i))
        .collect();
    let mut some_overlap = false;
    for i in 0..a.len() {
        assert_ne!(a[i], b[i]);
        let j = index[&(b[i].clone(), a[i].clone())];
        assert_eq!((n12[i], n1[i], n2[i]), (n12[j], n2[j], n1[j]), "symmetric");
        let naive = unit_codes
            .values()
            .filter(|c| c.contains(&a[i]) && c.contains(&b[i]))
            .count();
        assert_eq!(n12[i] as usize, naive);
        let with_a = unit_codes.values().filter(|c| c.contains(&a[i])).count();
        assert_eq!(n1[i] as usize, with_a);
        assert_eq!(n[i], 123, "paragraph units in the shipped corpus");
        let (x, y, z) = (n12[i] as f64, n1[i] as f64, n2[i] as f64);
        assert!((jaccard[i].expect("jaccard") - x / (y + z - x)).abs() < 1e-12);
        assert!((dice[i].expect("dice") - 2.0 * x / (y + z)).abs() < 1e-12);
        assert!((ochiai[i].expect("ochiai") - x / (y * z).sqrt()).abs() < 1e-12);
        some_overlap |= n12[i] > 0;
    }
    assert!(some_overlap);
}

#[test]
fn an_interrupted_run_leaves_no_manifest_and_is_cleaned_up() {
    let out = default_run(&[]);
    // What an interrupted run leaves: a staging folder, and no manifest.
    let stale = out.path().join(".qualcode-partial-999999");
    std::fs::create_dir(&stale).expect("mkdir");
    std::fs::write(stale.join("segments.parquet"), b"half").expect("write");
    std::fs::remove_file(out.path().join("manifest.json")).expect("rm");
    let (code, stderr) = run(
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stale.exists(), "stale staging folder removed");
    assert!(out.path().join("manifest.json").is_file());
}

#[test]
fn running_twice_gives_identical_tables() {
    let first = default_run(&["--threads", "2"]);
    let second = default_run(&["--threads", "1"]);
    for name in TABLES {
        let (x, y) = (table(first.path(), name), table(second.path(), name));
        assert!(x.equals_missing(&y), "{name} differs between runs");
    }
}

#[test]
fn sentence_units_refine_paragraphs() {
    let out = default_run(&["--unit", "sentence"]);
    let segments = table(out.path(), "segments");
    let kinds = strings(&segments, "kind");
    let sentences = kinds.iter().filter(|k| *k == "sentence").count();
    assert!(sentences > 123 * 3, "{sentences} sentences");
    assert_eq!(kinds.iter().filter(|k| *k == "paragraph").count(), 0);
    let co = table(out.path(), "cooccurrence");
    assert_eq!(u32s(&co, "n")[0] as usize, sentences);
    assert_eq!(manifest(out.path())["parameters"]["unit"], "sentence");
    // A sentence never spans two paragraphs: sentences of one block are contiguous.
    let (docs, blocks, bs, be) = (
        strings(&segments, "document"),
        u32s(&segments, "block"),
        u64s(&segments, "byte_start"),
        u64s(&segments, "byte_end"),
    );
    for i in 1..docs.len() {
        if docs[i] == docs[i - 1] && blocks[i] == blocks[i - 1] {
            assert!(bs[i] >= be[i - 1]);
        }
    }
}

#[test]
fn child_codes_count_for_their_parents_and_tables_say_the_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    // Units: 0 yibashou; 1 rotates + yibashou; 2 localisation only; 3 nothing.
    std::fs::write(
        corpus.join("a.txt"),
        "The yibashou decides.\n\nThe yibashou rotates.\n\nBentuhua matters.\n\nNothing.\n",
    )
    .expect("write");
    let codebook = dir.path().join("nested.toml");
    std::fs::write(
        &codebook,
        r#"
[[codes]]
id = "strategy"
[[codes]]
id = "fic"
parent = "strategy"
[[codes.rules]]
terms = ["yibashou"]
[[codes]]
id = "rotation"
parent = "fic"
[[codes.rules]]
terms = ["rotates"]
[[codes]]
id = "localisation"
parent = "strategy"
[[codes.rules]]
terms = ["bentuhua"]
"#,
    )
    .expect("write");
    let out = dir.path().join("out");
    let (code, stderr) = run(&corpus, &codebook, &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "a parent needs no rules: {stderr}"
    );
    let frequency = table(&out, "code_frequency");
    assert_eq!(
        strings(&frequency, "code"),
        ["strategy", "fic", "rotation", "localisation"]
    );
    assert_eq!(u32s(&frequency, "level"), [0, 1, 2, 1]);
    let parents: Vec<Option<&str>> = frequency
        .column("parent")
        .expect("parent")
        .str()
        .expect("str")
        .iter()
        .collect();
    assert_eq!(
        parents,
        [None, Some("strategy"), Some("fic"), Some("strategy")]
    );
    // strategy = units 0, 1, 2; fic = 0, 1 (its child's unit 1 too); hits roll up as well.
    assert_eq!(u32s(&frequency, "units"), [3, 2, 1, 1]);
    assert_eq!(u32s(&frequency, "hits"), [4, 3, 1, 1]);
    let codings = table(&out, "codings");
    let direct: Vec<(String, u32, bool)> = strings(&codings, "code")
        .into_iter()
        .zip(u32s(&codings, "segment"))
        .zip(bools(&codings, "direct"))
        .map(|((c, s), d)| (c, s, d))
        .filter(|(_, s, _)| *s == 1)
        .collect();
    assert_eq!(
        direct,
        [
            ("strategy".into(), 1, false),
            ("fic".into(), 1, true),
            ("rotation".into(), 1, true)
        ]
    );
    let by_document = table(&out, "code_by_document");
    assert_eq!(u32s(&by_document, "level"), [0, 1, 2, 1]);
    let co = table(&out, "cooccurrence");
    let (a, b, nested) = (
        strings(&co, "code_a"),
        strings(&co, "code_b"),
        bools(&co, "nested"),
    );
    for i in 0..co.height() {
        let related = matches!(
            (a[i].as_str(), b[i].as_str()),
            ("strategy", _) | (_, "strategy") | ("fic", "rotation") | ("rotation", "fic")
        );
        assert_eq!(nested[i], related, "{} {}", a[i], b[i]);
    }
}

/// Runs `qualcode args` with its stderr (and stdout) on a terminal, through util-linux's
/// `script`; what the terminal showed, or None when `script` is missing.
fn on_a_terminal(args: &[&str]) -> Option<(i32, String)> {
    let mut command = vec![env!("CARGO_BIN_EXE_qualcode").to_string()];
    command.extend(args.iter().map(|a| format!("'{a}'")));
    let output = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &command.join(" "), "/dev/null"])
        .current_dir(repo())
        .output()
        .ok()?;
    Some((
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

#[test]
fn progress_counts_bytes_and_time_left_on_a_terminal_only() {
    // A file larger than a batch (coded in parts), small ones, an empty one and one skipped.
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("corpus");
    let article = std::fs::read_to_string(repo().join("corpus").join(ARTICLE)).expect("article");
    let large = article.repeat((3 << 20) / article.len() + 1);
    std::fs::write(corpus.join("large.txt"), &large).expect("large");
    std::fs::write(corpus.join("small.txt"), &article).expect("small");
    std::fs::write(corpus.join("empty.txt"), "").expect("empty");
    std::fs::write(corpus.join("binary.txt"), b"\x00\x01\x02\xff\xfe").expect("binary");
    let codebook = repo().join("codebook.toml");
    let out = dir.path().join("out");
    let args = [
        "run",
        "--corpus",
        corpus.to_str().expect("utf-8"),
        "--codebook",
        codebook.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
        "--batch-mb",
        "1",
    ];
    // Not a terminal: the notes and the summary alone, no line redrawn.
    let (code, _, stderr) = outcome(&args);
    assert_eq!(code, 1, "one file skipped: {stderr}");
    assert!(stderr.contains("warning: skipped"), "{stderr}");
    assert!(
        stderr.contains("4 files (2 coded, 1 empty, 1 skipped)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\r') && !stderr.contains("MiB"),
        "{stderr}"
    );
    let Some((code, screen)) = on_a_terminal(&args) else {
        assert!(
            std::env::var("QUALCODE_REQUIRE_SCRIPT").is_err(),
            "script (util-linux) is required"
        );
        eprintln!("skipped: script (util-linux) not available");
        return;
    };
    assert_eq!(code, 1, "one file skipped: {screen}");
    // Drawn from the start, in bytes of all the files' sizes, with the time left.
    let total = (large.len() + article.len() + 5) as f64 / f64::from(1 << 20);
    assert!(screen.contains("listing the corpus"), "{screen}");
    assert!(
        screen.contains(&format!("/{total:.2} MiB, time left")),
        "{screen}"
    );
    // What the terminal shows line by line: a carriage return goes back to the line's start
    // and ESC[2K clears it.
    let shown: Vec<String> = screen
        .split('\n')
        .map(|line| {
            let line = line.trim_end_matches('\r');
            let last = line.rsplit('\r').next().unwrap_or_default();
            last.replace("\x1b[2K", "")
        })
        .collect();
    // Notes and warnings printed on lines of their own, the line drawn again below them.
    for note in ["warning: skipped", "note: "] {
        let line = shown.iter().find(|l| l.contains(note));
        assert!(
            line.is_some_and(|l| l.starts_with(note)),
            "{note:?} printed over the line: {shown:#?}"
        );
    }
    // Cleared at the end: the summary is the last line.
    let last = shown.iter().rev().find(|l| !l.trim().is_empty());
    assert!(
        last.is_some_and(|l| l.starts_with("qualcode: 4 files (2 coded, 1 empty, 1 skipped)")),
        "{shown:#?}"
    );
}
