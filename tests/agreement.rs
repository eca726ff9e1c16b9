//! Agreement of the default codebook with hand coding.
//!
//! `tests/hand_coding/sample.csv` holds every paragraph unit of the shipped corpus (123),
//! coded by hand for the four codes following `tests/hand_coding/GUIDE.md`; units are named
//! by their document and opening words so the file survives re-segmentation.
//! `cargo test --release --test agreement -- --nocapture` prints the table.

mod common;

use common::*;
use std::collections::BTreeSet;

const CODES: &[&str] = &["trust", "reciprocity", "fic_strategy", "localisation"];

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Confusion {
    tp: u32,
    fp: u32,
    fn_: u32,
    tn: u32,
}

impl Confusion {
    fn n(&self) -> f64 {
        f64::from(self.tp + self.fp + self.fn_ + self.tn)
    }
    fn agreement(&self) -> f64 {
        f64::from(self.tp + self.tn) / self.n()
    }
    /// Cohen's kappa; `None` when chance agreement is total (both coders used one category only).
    fn kappa(&self) -> Option<f64> {
        let n = self.n();
        let machine_yes = f64::from(self.tp + self.fp) / n;
        let human_yes = f64::from(self.tp + self.fn_) / n;
        let chance = machine_yes * human_yes + (1.0 - machine_yes) * (1.0 - human_yes);
        (chance < 1.0).then(|| (self.agreement() - chance) / (1.0 - chance))
    }
    fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0).then(|| f64::from(self.tp) / f64::from(self.tp + self.fp))
    }
    fn recall(&self) -> Option<f64> {
        (self.tp + self.fn_ > 0).then(|| f64::from(self.tp) / f64::from(self.tp + self.fn_))
    }
    fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        (p + r > 0.0).then(|| 2.0 * p * r / (p + r))
    }
}

fn show(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

#[test]
fn kappa_matches_hand_computed_examples() {
    // po = 35/50 = 0.7; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.4.
    let c = Confusion {
        tp: 20,
        fp: 5,
        fn_: 10,
        tn: 15,
    };
    assert!((c.kappa().expect("kappa") - 0.4).abs() < 1e-12);
    assert!((c.precision().expect("p") - 0.8).abs() < 1e-12);
    assert!((c.recall().expect("r") - 2.0 / 3.0).abs() < 1e-12);
    // Perfect agreement with both categories used.
    assert_eq!(
        Confusion {
            tp: 3,
            fp: 0,
            fn_: 0,
            tn: 7
        }
        .kappa(),
        Some(1.0)
    );
    // A code nobody used: kappa undefined, precision and recall undefined.
    let unused = Confusion {
        tp: 0,
        fp: 0,
        fn_: 0,
        tn: 10,
    };
    assert_eq!(
        (unused.kappa(), unused.precision(), unused.recall()),
        (None, None, None)
    );
}

#[test]
fn default_codebook_agrees_with_hand_coding() {
    let out = default_run(&[]);
    let segments = table(out.path(), "segments");
    let codings = table(out.path(), "codings");
    let (docs, segs, texts, coded) = (
        strings(&segments, "document"),
        u32s(&segments, "segment"),
        strings(&segments, "text"),
        bools(&segments, "coded"),
    );
    let machine = codes_by_unit(&codings);
    let mut reader =
        csv::Reader::from_path(repo().join("tests/hand_coding/sample.csv")).expect("sample");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header[..2], ["document", "opening"]);
    assert_eq!(header[2..], *CODES);
    let mut confusion = [Confusion::default(); 4];
    let mut seen = BTreeSet::new();
    for record in reader.records() {
        let record = record.expect("row");
        let (doc, opening) = (&record[0], &record[1]);
        let units: Vec<usize> = (0..docs.len())
            .filter(|&i| coded[i] && docs[i] == doc && texts[i].starts_with(opening))
            .collect();
        assert_eq!(
            units.len(),
            1,
            "{doc}: {opening:?} must name exactly one unit"
        );
        assert!(seen.insert(units[0]), "{opening:?} coded twice");
        let key = (doc.to_string(), segs[units[0]]);
        let codes = machine.get(&key).cloned().unwrap_or_default();
        for (k, code) in CODES.iter().enumerate() {
            let human = match &record[2 + k] {
                "1" => true,
                "0" => false,
                other => panic!("{opening:?}: {code} must be 0 or 1, not {other:?}"),
            };
            let c = &mut confusion[k];
            match (codes.contains(*code), human) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, true) => c.fn_ += 1,
                (false, false) => c.tn += 1,
            }
        }
    }
    assert_eq!(
        seen.len(),
        coded.iter().filter(|&&c| c).count(),
        "the sample covers every unit"
    );
    println!("code            tp  fp  fn   tn  agreement  kappa  precision  recall     F1");
    for (k, code) in CODES.iter().enumerate() {
        let c = confusion[k];
        println!(
            "{code:<14} {:>3} {:>3} {:>3} {:>4}  {:>9.3}  {:>5}  {:>9}  {:>6}  {:>5}",
            c.tp,
            c.fp,
            c.fn_,
            c.tn,
            c.agreement(),
            show(c.kappa()),
            show(c.precision()),
            show(c.recall()),
            show(c.f1())
        );
    }
    // A regression floor: the rules were written from the same corpus (in-sample), so a drop
    // below a second human coder's usual 0.8 means a rule change broke something.
    for (k, code) in CODES.iter().enumerate() {
        let kappa = confusion[k].kappa().expect("both categories occur");
        assert!(kappa >= 0.8, "{code}: kappa {kappa:.3}");
    }
}
