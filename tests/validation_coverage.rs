//! Do the intervals of `qualcode estimate` hold? Synthetic populations with known truth, a
//! validation sample drawn from each over and over by the real design code, and the real
//! estimator run on each: the share of samples whose 95% interval covers the truth must be at
//! least 94% in every case, including the hard ones (shares of 1–5%, strata where the sample
//! finds no coded unit, n from 50 to 400, precision and recall from 0.1 to 1).
//!
//! The harness must be able to fail: `wald_intervals_fail_here` runs the same samples through
//! the textbook Wald interval on the same cells, and asserts it falls below 94% in the hard
//! cases, so a switch to an estimator of that kind would be caught.
//!
//! Each case prints its coverage and mean width (`cargo test --release --test
//! validation_coverage -- --nocapture`).

use qualcode::workbench::validation::design::{draw, DesignKind, Population, PopulationUnit};
use qualcode::workbench::validation::estimate::{estimate_all, CodedUnit, EstimateRow, Input};
use rayon::prelude::*;

/// A synthetic corpus: code `a` with the case's share, precision and recall; code `b`, the
/// other code of the codebook, with share 10%, precision 0.625, recall 0.5, independent of `a`
/// (so the design's stratum "any code" mixes units of both and `a` is post-stratified).
struct World {
    population: Population,
    truth: Vec<[bool; 2]>,
    share_a: f64,
    precision_a: f64,
    recall_a: f64,
}

fn world(units: usize, share: f64, precision: f64, recall: f64) -> Option<World> {
    let positives = (units as f64 * share).round() as usize;
    let found = (positives as f64 * recall).round() as usize;
    let coded = (found as f64 / precision).round() as usize;
    if coded < found || coded + (positives - found) > units || found == 0 {
        return None;
    }
    // Units 0..coded the rules coded a (0..found truly a); units coded..coded+missed truly a
    // but missed. b is laid over them independently with a stride.
    let missed = positives - found;
    let mut truth = Vec::with_capacity(units);
    let mut unit_list = Vec::with_capacity(units);
    for i in 0..units {
        let machine_a = i < coded;
        let true_a = i < found || (coded..coded + missed).contains(&i);
        // b: every 10th unit by a stride that mixes it with a's groups.
        let k = (i * 7919) % 100;
        let true_b = k < 10;
        let machine_b = !(5..97).contains(&k);
        let mut codes = Vec::new();
        if machine_a {
            codes.push(0);
        }
        if machine_b {
            codes.push(1);
        }
        truth.push([true_a, true_b]);
        unit_list.push(PopulationUnit {
            document: (i / 50) as u32,
            segment: (i % 50) as u32,
            codes,
        });
    }
    let documents = (0..units.div_ceil(50))
        .map(|d| format!("d{d:04}.txt"))
        .collect();
    Some(World {
        population: Population {
            codes: vec!["a".into(), "b".into()],
            documents,
            units: unit_list,
        },
        truth,
        share_a: positives as f64 / units as f64,
        precision_a: found as f64 / coded as f64,
        recall_a: found as f64 / positives as f64,
    })
}

/// Draws per interval end in the simulation (the command uses 10,000; fewer only adds a
/// little noise to each end, and keeps a thousand samples per case affordable in CI).
const DRAWS: usize = 1_000;

/// One sample of `n`, coded by the truth, estimated.
fn replicate(w: &World, n: u64, seed: u64, precision_recall: bool) -> Vec<EstimateRow> {
    let sample = draw(&w.population, DesignKind::Stratified, n, seed).expect("draw");
    let coded: Vec<CodedUnit> = sample
        .rows
        .iter()
        .map(|&(u, _)| CodedUnit {
            unit: u,
            codes: w.truth[u].to_vec(),
        })
        .collect();
    estimate_all(&Input {
        population: &w.population,
        kind: DesignKind::Stratified,
        strata: &sample.strata,
        coded: &coded,
        variables: &[],
        level: 0.95,
        seed: seed ^ 0xabcdef,
        pairs: false,
        precision_recall,
        draws: DRAWS,
    })
}

#[derive(Default, Clone, Copy)]
struct Tally {
    samples: usize,
    covered: usize,
    width: f64,
}

impl Tally {
    fn add(&mut self, low: Option<f64>, high: Option<f64>, truth: f64) {
        self.samples += 1;
        let (low, high) = (low.unwrap_or(0.0), high.unwrap_or(1.0));
        if low <= truth + 1e-12 && truth <= high + 1e-12 {
            self.covered += 1;
        }
        self.width += high - low;
    }
    fn coverage(&self) -> f64 {
        self.covered as f64 / self.samples as f64
    }
    fn mean_width(&self) -> f64 {
        self.width / self.samples as f64
    }
    fn merge(mut self, other: Tally) -> Tally {
        self.samples += other.samples;
        self.covered += other.covered;
        self.width += other.width;
        self
    }
}

const UNITS: usize = 5_000;
/// Samples per case: a coverage of 95% is measured within ±1.4 points (two standard errors).
const SAMPLES: u64 = 1_000;

/// The cases: every share with every kind of rules, at the smallest and largest n.
fn cases() -> Vec<(f64, f64, f64, u64)> {
    let mut out = Vec::new();
    for share in [0.01, 0.05, 0.2] {
        for (precision, recall) in [
            (0.1, 0.1),
            (0.1, 1.0),
            (0.5, 0.5),
            (1.0, 0.1),
            (0.5, 1.0),
            (1.0, 1.0),
        ] {
            for n in [50, 400] {
                out.push((share, precision, recall, n));
            }
        }
    }
    out
}

#[test]
fn share_intervals_cover_the_truth() {
    let mut failures = Vec::new();
    let mut shown = 0;
    for (c, (share, precision, recall, n)) in cases().into_iter().enumerate() {
        let Some(w) = world(UNITS, share, precision, recall) else {
            continue;
        };
        let (a, b) = (0..SAMPLES)
            .into_par_iter()
            .map(|s| {
                let rows = replicate(&w, n, (c as u64) << 32 | s, false);
                let mut a = Tally::default();
                let mut b = Tally::default();
                a.add(rows[0].share.low, rows[0].share.high, w.share_a);
                b.add(rows[1].share.low, rows[1].share.high, 0.10);
                (a, b)
            })
            .reduce(
                || (Tally::default(), Tally::default()),
                |x, y| (x.0.merge(y.0), x.1.merge(y.1)),
            );
        shown += 1;
        println!(
            "share {:.2} precision {:.2} recall {:.2} n {n:>3}: a covered {:.3} (width {:.4}), b covered {:.3}",
            w.share_a,
            w.precision_a,
            w.recall_a,
            a.coverage(),
            a.mean_width(),
            b.coverage()
        );
        for (name, t) in [("a", a), ("b", b)] {
            if t.coverage() < 0.94 {
                failures.push(format!(
                    "{name} in share {share} precision {precision} recall {recall} n {n}: {:.3}",
                    t.coverage()
                ));
            }
        }
    }
    assert!(shown >= 30, "only {shown} cases were feasible");
    assert!(failures.is_empty(), "coverage below 94%: {failures:#?}");
}

#[test]
fn precision_and_recall_intervals_cover_the_truth() {
    let mut failures = Vec::new();
    for (c, (share, precision, recall, n)) in [
        (0.03, 0.5, 0.5, 50),
        (0.03, 0.1, 1.0, 100),
        (0.2, 0.5, 0.1, 100),
        (0.05, 1.0, 0.5, 400),
        (0.2, 0.6, 0.4, 200),
    ]
    .into_iter()
    .enumerate()
    {
        let w = world(UNITS, share, precision, recall).expect("feasible");
        let (p, r) = (0..SAMPLES)
            .into_par_iter()
            .map(|s| {
                let rows = replicate(&w, n, 0x9000 + ((c as u64) << 32 | s), true);
                let mut p = Tally::default();
                let mut r = Tally::default();
                p.add(rows[0].precision.low, rows[0].precision.high, w.precision_a);
                r.add(rows[0].recall.low, rows[0].recall.high, w.recall_a);
                (p, r)
            })
            .reduce(
                || (Tally::default(), Tally::default()),
                |x, y| (x.0.merge(y.0), x.1.merge(y.1)),
            );
        println!(
            "share {share} precision {:.2} recall {:.2} n {n}: precision covered {:.3} (width {:.3}), recall covered {:.3} (width {:.3})",
            w.precision_a,
            w.recall_a,
            p.coverage(),
            p.mean_width(),
            r.coverage(),
            r.mean_width()
        );
        for (name, t) in [("precision", p), ("recall", r)] {
            if t.coverage() < 0.94 {
                failures.push(format!("{name} in case {c}: {:.3}", t.coverage()));
            }
        }
    }
    assert!(failures.is_empty(), "coverage below 94%: {failures:#?}");
}

/// The Wald interval on the same post-stratified cells: estimate ± 1.96 standard errors.
fn wald(row: &EstimateRow, units: u64) -> (f64, f64) {
    // Group the cells as the estimate does not: plain post-strata, each with its own rate.
    let (mut estimate, mut variance) = (0.0, 0.0);
    for cell in &row.cells {
        let weight = cell.population as f64 / units as f64;
        if cell.sampled == 0 {
            continue;
        }
        let p = cell.positive as f64 / cell.sampled as f64;
        estimate += weight * p;
        if cell.sampled > 1 {
            let fpc = 1.0 - cell.sampled as f64 / cell.population as f64;
            variance += weight * weight * p * (1.0 - p) / (cell.sampled as f64 - 1.0) * fpc;
        }
    }
    let half = 1.96 * variance.sqrt();
    (estimate - half, estimate + half)
}

/// The harness has the power to catch an invalid interval: on the hard cases, Wald intervals
/// computed from the same samples cover far less than 94%.
#[test]
fn wald_intervals_fail_here() {
    let mut below = 0;
    let hard = [
        (0.01, 1.0, 0.5, 50),
        (0.03, 0.5, 1.0, 50),
        (0.01, 0.5, 0.5, 100),
    ];
    for (c, (share, precision, recall, n)) in hard.into_iter().enumerate() {
        let w = world(UNITS, share, precision, recall).expect("feasible");
        let t = (0..500u64)
            .into_par_iter()
            .map(|s| {
                let rows = replicate(&w, n, 0x7000 + ((c as u64) << 32 | s), false);
                let (low, high) = wald(&rows[0], UNITS as u64);
                let mut t = Tally::default();
                t.add(Some(low), Some(high), w.share_a);
                t
            })
            .reduce(Tally::default, Tally::merge);
        println!(
            "Wald, share {share} precision {precision} recall {recall} n {n}: covered {:.3}",
            t.coverage()
        );
        if t.coverage() < 0.94 {
            below += 1;
        }
    }
    assert_eq!(
        below,
        hard.len(),
        "the harness did not catch Wald intervals"
    );
}
