//! Terms with cased letters other than ASCII (accented Latin, Cyrillic, Greek) match in any
//! case by Unicode simple case folding, through the term automaton, at their own positions
//! in the source; a case-sensitive one only as written; and a dictionary of 20,000 such terms
//! loads and codes.

mod common;

use common::*;

/// The character offset of `needle` in `haystack`, which holds it once.
fn char_offset(haystack: &str, needle: &str) -> usize {
    let at = haystack.find(needle).expect(needle);
    assert!(
        !haystack[at + needle.len()..].contains(needle),
        "{needle} occurs twice"
    );
    haystack[..at].chars().count()
}

#[test]
fn accented_cyrillic_and_greek_terms_match_in_any_case_at_their_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = dir.path().join("codebook.toml");
    std::fs::write(
        &codebook,
        r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["confiance", "Vertrauen", "доверие", "εμπιστοσύνη", "Σοφός"]

[[codes]]
id = "merger"
[[codes.rules]]
terms = ["Zusammenführung", "coopération*"]

[[codes]]
id = "state"
[[codes.rules]]
id = "state_exact"
terms = ["État"]
case_sensitive = true
"#,
    )
    .expect("write");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    // A `–` and a `ẞ` before the matches shift byte offsets against character offsets.
    let text =
        "Ein Test – GROẞ: la CONFIANCE et les COOPÉRATIONS de l'ÉTAT, de l'état et de l'État.\n\n\
                Die ZUSAMMENFÜHRUNG braucht VERTRAUEN.\n\n\
                Их ДОВЕРИЕ важно, Доверие тоже; довериЕ нет, недоверие тоже нет.\n\n\
                Η ΕΜΠΙΣΤΟΣΎΝΗ του ΣΟΦΌΣ, ο σοφόσ και ο σοφός.\n";
    std::fs::write(corpus.join("mixed.txt"), text).expect("write");
    let out = dir.path().join("out");
    let (code, stderr) = run(&corpus, &codebook, &out, &[]);
    assert_eq!(code, 0, "{stderr}");

    let matches = table(&out, "matches");
    let found: Vec<(String, String, u64, u64)> = strings(&matches, "code")
        .into_iter()
        .zip(strings(&matches, "text"))
        .zip(u64s(&matches, "char_start"))
        .zip(u64s(&matches, "char_end"))
        .map(|(((code, text), start), end)| (code, text, start, end))
        .collect();
    // `недоверие` is another word (whole words only); `ÉTAT` and `état` are not the
    // case-sensitive `État`; `σοφόσ` with a medial sigma at its end is `Σοφός` folded.
    let expected: Vec<(String, String, u64, u64)> = [
        ("trust", "CONFIANCE"),
        ("merger", "COOPÉRATIONS"),
        ("state", "État"),
        ("merger", "ZUSAMMENFÜHRUNG"),
        ("trust", "VERTRAUEN"),
        ("trust", "ДОВЕРИЕ"),
        ("trust", "Доверие"),
        ("trust", "довериЕ"),
        ("trust", "ΕΜΠΙΣΤΟΣΎΝΗ"),
        ("trust", "ΣΟΦΌΣ"),
        ("trust", "σοφόσ"),
        ("trust", "σοφός"),
    ]
    .iter()
    .map(|&(code, word)| {
        let start = char_offset(text, word);
        (
            code.to_string(),
            word.to_string(),
            start as u64,
            (start + word.chars().count()) as u64,
        )
    })
    .collect();
    assert_eq!(found, expected);
    assert_eq!(assert_match_offsets_in_unit_text(&out), expected.len());
}

/// `n` distinct made-up words of Cyrillic, Greek and accented Latin syllables.
fn made_up_words(n: usize) -> Vec<String> {
    let syllables = [
        "ба", "ве", "жи", "зо", "ля", "щу", "ёр", "эй", "πα", "σο", "φή", "λυ", "ωρ", "ξε", "ché",
        "fü", "hö", "jä", "ré", "ça", "ßo", "ïn", "ôl", "ûs",
    ];
    let k = syllables.len();
    // Four syllables each: 331,776 distinct words, taken in a scattered order.
    (0..n)
        .map(|i| {
            let x = (i * 7919) % (k * k * k * k);
            [x % k, (x / k) % k, (x / k / k) % k, (x / k / k / k) % k]
                .iter()
                .map(|&s| syllables[s])
                .collect()
        })
        .collect()
}

#[test]
fn a_dictionary_of_20000_non_ascii_terms_loads_and_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let words = made_up_words(20_000);
    let distinct: std::collections::BTreeSet<&String> = words.iter().collect();
    assert_eq!(distinct.len(), words.len());
    let mut codebook = String::new();
    for (c, terms) in words.chunks(10).enumerate() {
        let quoted: Vec<String> = terms.iter().map(|t| format!("{t:?}")).collect();
        codebook.push_str(&format!(
            "[[codes]]\nid = \"c{c:04}\"\n[[codes.rules]]\nterms = [{}]\n\n",
            quoted.join(", ")
        ));
    }
    let codebook_path = dir.path().join("codebook.toml");
    std::fs::write(&codebook_path, codebook).expect("write");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    // Terms of three codes: one in upper case, one in title case, one as written. (Upper
    // case letter for letter: `ß` has no single upper-case letter and stays.)
    let upper = |c: char| {
        let mut u = c.to_uppercase();
        match (u.next(), u.next()) {
            (Some(u), None) => u,
            _ => c,
        }
    };
    let title = |w: &str| {
        let mut cs = w.chars();
        cs.next()
            .map(upper)
            .into_iter()
            .chain(cs)
            .collect::<String>()
    };
    let used = [
        words[5].chars().map(upper).collect::<String>(),
        title(&words[12_345]),
        words[19_999].clone(),
    ];
    assert!(used[0] != words[5] && used[1] != words[12_345]);
    std::fs::write(
        corpus.join("d.txt"),
        format!("Wir lesen {}, {} und {}.\n", used[0], used[1], used[2]),
    )
    .expect("write");
    let out = dir.path().join("out");
    let (code, stderr) = run(&corpus, &codebook_path, &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let matches = table(&out, "matches");
    assert_eq!(strings(&matches, "text"), used);
    assert_eq!(strings(&matches, "code"), ["c0000", "c1234", "c1999"]);
    assert_eq!(table(&out, "code_frequency").height(), 2_000);
}
