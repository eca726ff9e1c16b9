//! A dictionary of thousands of codes: `code_by_document` and `cooccurrence` keep only the
//! cells with units and the pairs that co-occur (above `DENSE_CODES` codes), and those rows
//! equal a naive recount from `codings`.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn a_codebook_of_1200_codes_gets_sparse_tables_that_equal_a_recount() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 1_200;
    let mut codebook = String::new();
    for i in 0..n {
        codebook.push_str(&format!(
            "[[codes]]\nid = \"c{i:04}\"\ndefinition = \"Category {i}.\"\n[[codes.rules]]\nterms = [\"word{i:04}\"]\n\n"
        ));
    }
    let codebook_path = dir.path().join("codebook.toml");
    std::fs::write(&codebook_path, codebook).expect("write");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    // Paragraphs naming a few categories each: some pairs co-occur, most never.
    for d in 0..4 {
        let mut text = String::new();
        for p in 0..6 {
            let words: Vec<String> = (0..3)
                .map(|k| format!("word{:04}", (d * 97 + p * 31 + k * 7) % n))
                .collect();
            text.push_str(&format!(
                "In this paragraph we read {}.\n\n",
                words.join(" and ")
            ));
        }
        std::fs::write(corpus.join(format!("d{d}.txt")), text).expect("write");
    }
    let out = dir.path().join("out");
    let (code, stderr) = run(&corpus, &codebook_path, &out, &[]);
    assert_eq!(code, 0, "{stderr}");

    let codes = codes_by_unit(&table(&out, "codings"));
    let mut pairs: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut cells: BTreeMap<(String, String), u32> = BTreeMap::new();
    for ((document, _), unit) in &codes {
        for a in unit {
            *cells.entry((a.clone(), document.clone())).or_default() += 1;
            for b in unit.iter().filter(|b| *b != a) {
                *pairs.entry((a.clone(), b.clone())).or_default() += 1;
            }
        }
    }
    assert!(!pairs.is_empty());

    let co = table(&out, "cooccurrence");
    let listed: BTreeMap<(String, String), u32> = strings(&co, "code_a")
        .into_iter()
        .zip(strings(&co, "code_b"))
        .zip(u32s(&co, "n12"))
        .collect();
    assert_eq!(
        listed, pairs,
        "only the pairs that co-occur, with their counts"
    );

    let by = table(&out, "code_by_document");
    let listed: BTreeMap<(String, String), u32> = strings(&by, "code")
        .into_iter()
        .zip(strings(&by, "document"))
        .zip(u32s(&by, "units"))
        .collect();
    assert_eq!(listed, cells, "only the cells with units");
    // Every code is still in code_frequency, used or not.
    assert_eq!(table(&out, "code_frequency").height(), n);
    let used: BTreeSet<&String> = cells.keys().map(|(c, _)| c).collect();
    assert!(used.len() < 100);
}
