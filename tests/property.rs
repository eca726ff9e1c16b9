//! Property test: on random documents, the tables equal a naive recount made here, word by
//! word, without qualcode's segmenter or automaton.

mod common;

use common::*;
use std::collections::BTreeMap;

const CODEBOOK: &str = r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust"]
[[codes.exclude]]
terms = ["trust fund"]

[[codes]]
id = "fic"
[[codes.rules]]
terms = ["FIC"]
case_sensitive = true

[[codes]]
id = "reciprocity"
min_hits = 2
[[codes.rules]]
terms = ["reciprocity"]
"#;

const WORDS: &[&str] = &[
    "government",
    "officials",
    "worked",
    "with",
    "NGOs",
    "in",
    "a",
    "specific",
    "scientific",
    "antitrust",
    "entrusted",
    "traffic",
    "policy",
    "fic",
    "Fic",
    "trust",
    "Trust",
    "TRUST",
    "FIC",
    "reciprocity",
    "Reciprocity",
    "fund",
    "trustworthy",
];

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Hits per code in one paragraph, by the codebook's definition.
fn naive_hits(words: &[&str]) -> [u32; 3] {
    let mut hits = [0; 3];
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_end_matches('.');
        let next = words.get(i + 1).map(|n| n.trim_end_matches('.'));
        if w.eq_ignore_ascii_case("trust") && !next.is_some_and(|n| n.eq_ignore_ascii_case("fund"))
        {
            hits[0] += 1;
        }
        if w == "FIC" {
            hits[1] += 1;
        }
        if w.eq_ignore_ascii_case("reciprocity") {
            hits[2] += 1;
        }
    }
    hits
}

#[test]
fn tables_equal_a_naive_recount_on_random_documents() {
    let corpus = tempfile::tempdir().expect("corpus");
    let codebook = tempfile::NamedTempFile::new().expect("codebook");
    std::fs::write(codebook.path(), CODEBOOK).expect("write codebook");
    let mut rng = Rng(20261122);
    let min_hits = [1, 1, 2];
    // (units, hits, documents) per code, counted here.
    let mut expected = [(0u32, 0u32, 0u32); 3];
    let mut units = 0;
    for d in 0..40 {
        let mut text = String::new();
        let mut in_doc = [false; 3];
        for _ in 0..1 + rng.below(12) {
            let mut words = vec!["The"];
            for _ in 0..rng.below(40) {
                words.push(WORDS[rng.below(WORDS.len())]);
            }
            let last = words.len() - 1;
            let owned: Vec<String> = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i == last {
                        format!("{w}.")
                    } else {
                        w.to_string()
                    }
                })
                .collect();
            let words: Vec<&str> = owned.iter().map(String::as_str).collect();
            let hits = naive_hits(&words);
            for k in 0..3 {
                if hits[k] >= min_hits[k] {
                    expected[k].0 += 1;
                    expected[k].1 += hits[k];
                    in_doc[k] = true;
                }
            }
            units += 1;
            // Blank lines, CRLF or LF, to separate paragraphs.
            let newline = if rng.below(2) == 0 { "\n" } else { "\r\n" };
            text.push_str(&words.join(" "));
            text.push_str(newline);
            text.push_str(newline);
        }
        for k in 0..3 {
            expected[k].2 += u32::from(in_doc[k]);
        }
        std::fs::write(corpus.path().join(format!("doc{d:02}.txt")), text).expect("write doc");
    }
    let out = tempfile::tempdir().expect("out");
    let (code, stderr) = run(corpus.path(), codebook.path(), out.path(), &[]);
    assert_eq!(code, 0, "{stderr}");

    let segments = table(out.path(), "segments");
    assert_eq!(
        bools(&segments, "coded").iter().filter(|&&c| c).count(),
        units,
        "one unit per paragraph"
    );
    let frequency = table(out.path(), "code_frequency");
    let got: Vec<(u32, u32, u32)> = u32s(&frequency, "units")
        .into_iter()
        .zip(u32s(&frequency, "hits"))
        .zip(u32s(&frequency, "documents"))
        .map(|((u, h), d)| (u, h, d))
        .collect();
    assert_eq!(got, expected.to_vec());
    assert!(
        expected.iter().all(|e| e.0 > 0),
        "the generator exercises every code: {expected:?}"
    );
    // Every match of the trust code is a whole word, never part of trust fund.
    let matches = table(out.path(), "matches");
    let mut by_code: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (c, t) in strings(&matches, "code")
        .into_iter()
        .zip(strings(&matches, "text"))
    {
        by_code.entry(c).or_default().push(t);
    }
    assert!(by_code["trust"]
        .iter()
        .all(|t| t.eq_ignore_ascii_case("trust")));
    assert!(by_code["fic"].iter().all(|t| t == "FIC"));
}
