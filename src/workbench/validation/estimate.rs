//! Estimates from a hand-coded validation sample: the population (the run's coded units with
//! the rules' codes), the design the sample was drawn under, the units the coder coded, and
//! the documents' variable values in; per code, per pair of codes and per value of a variable,
//! the share of units a coder would code with its interval, and the rules' precision and
//! recall over the whole corpus, out ([`EstimateRow`]).
//!
//! Per code, every stratum of the design is split by whether the rules gave the code
//! (post-stratification: the rules' coding is known for every unit, so each part's size is
//! known); a stratum with a part that no coded unit of the sample fell in is left whole for
//! the share (its rate is then the stratum's). Pairs of codes are treated as one code given
//! where both are. A value of a document variable takes the rates of the whole sample's cells
//! (`borrowed`: assumes the rules err alike in every value) and, beside it, the estimate from
//! its own sampled units alone (`direct`), so the assumption can be checked.

use super::design::{stratum_of, DesignKind, Population, Stratum};
use super::interval::{self, Cell, Estimate};
use crate::workbench::random::Stream;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Above this many codes, pairs of codes are not estimated (their number grows with the
/// square); the per-code estimates are.
pub const MAX_PAIR_CODES: usize = 40;

/// What the coder decided for one sampled unit: a flag per code of the population.
#[derive(Debug, Clone)]
pub struct CodedUnit {
    /// Index into the population's units.
    pub unit: usize,
    pub codes: Vec<bool>,
}

/// A variable's values: per unit of the population, its value (None: no value) — a document
/// variable gives each unit its document's value — and the values in the order the
/// estimates list them.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub values: Vec<Option<String>>,
    pub order: Vec<Option<String>>,
}

/// How an estimate was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The design's strata split by the rules' coding.
    PostStratified,
    /// A value of a variable with the whole sample's cell rates.
    Borrowed,
}

impl Method {
    pub fn name(&self) -> &'static str {
        match self {
            Method::PostStratified => "post-stratified",
            Method::Borrowed => "borrowed",
        }
    }
}

/// A cell behind an estimate, for auditing it.
#[derive(Debug, Clone, PartialEq)]
pub struct CellRow {
    /// The design's stratum label.
    pub stratum: String,
    /// Whether the rules gave the code (both codes, for a pair) in the cell's units.
    pub machine: bool,
    pub population: u64,
    pub sampled: u64,
    pub positive: u64,
}

/// One estimate: a code (or pair), overall or for one value of a variable.
#[derive(Debug, Clone)]
pub struct EstimateRow {
    pub code: String,
    /// The second code of a pair.
    pub code_b: Option<String>,
    pub variable: Option<String>,
    pub value: Option<String>,
    pub method: Method,
    /// Units of the population (of the value).
    pub units: u64,
    /// Of them, the units the rules coded.
    pub machine_units: u64,
    /// Hand-coded units of the sample (of the value).
    pub sampled: u64,
    /// Of them, the units the coder coded.
    pub sampled_positive: u64,
    pub share: Estimate,
    pub precision: Estimate,
    pub recall: Estimate,
    /// For a value of a variable: the estimate from its own sampled units alone.
    pub direct: Option<Estimate>,
    pub cells: Vec<CellRow>,
}

impl EstimateRow {
    pub fn machine_share(&self) -> Option<f64> {
        (self.units > 0).then(|| self.machine_units as f64 / self.units as f64)
    }
}

/// Everything an estimate needs.
pub struct Input<'a> {
    pub population: &'a Population,
    pub kind: DesignKind,
    pub strata: &'a [Stratum],
    pub coded: &'a [CodedUnit],
    pub variables: &'a [Variable],
    pub level: f64,
    pub seed: u64,
    /// Estimate pairs of codes (ignored above [`MAX_PAIR_CODES`] codes).
    pub pairs: bool,
    /// Estimate the rules' precision and recall (the share is always estimated).
    pub precision_recall: bool,
    /// Draws per interval end ([`interval::DRAWS`] unless a simulation needs fewer).
    pub draws: usize,
}

/// A target: a code or a pair, by its code indices.
#[derive(Debug, Clone, Copy)]
struct Target {
    a: usize,
    b: Option<usize>,
}

impl Target {
    fn machine(&self, codes: &[u32]) -> bool {
        let has = |c: usize| codes.binary_search(&(c as u32)).is_ok();
        has(self.a) && self.b.is_none_or(has)
    }
    fn coded(&self, flags: &[bool]) -> bool {
        flags[self.a] && self.b.is_none_or(|b| flags[b])
    }
}

/// Counts of one domain (all units, or one value of a variable) for one target: per stratum,
/// per machine flag (0/1), (population, sampled, positive).
type Counts = Vec<[[u64; 3]; 2]>;

/// All estimates, in order: each code, then each pair (a before b in codebook order), then
/// each variable's values (in the variable's order) for each code.
pub fn estimate_all(input: &Input) -> Vec<EstimateRow> {
    let population = input.population;
    let ncodes = population.codes.len();
    let mut targets: Vec<Target> = (0..ncodes).map(|a| Target { a, b: None }).collect();
    if input.pairs && ncodes <= MAX_PAIR_CODES {
        for a in 0..ncodes {
            for b in a + 1..ncodes {
                targets.push(Target { a, b: Some(b) });
            }
        }
    }
    let strata_of: Vec<usize> = population
        .units
        .iter()
        .map(|u| stratum_of(input.kind, u))
        .collect();
    let coded_flags: BTreeMap<usize, &Vec<bool>> =
        input.coded.iter().map(|c| (c.unit, &c.codes)).collect();

    let overall: Vec<EstimateRow> = targets
        .par_iter()
        .enumerate()
        .map(|(t, target)| {
            let counts = count(input, &strata_of, &coded_flags, *target, |_| true);
            let mut stream = Stream::for_part(input.seed, t as u64);
            row(input, *target, None, None, &counts, None, &mut stream)
        })
        .collect();

    let mut by_value = Vec::new();
    for (v, variable) in input.variables.iter().enumerate() {
        let values: Vec<Option<&String>> = variable.order.iter().map(|v| v.as_ref()).collect();
        let jobs: Vec<(usize, Option<&String>)> = (0..ncodes)
            .flat_map(|a| values.iter().map(move |value| (a, *value)))
            .collect();
        let rows: Vec<EstimateRow> = jobs
            .par_iter()
            .enumerate()
            .map(|(j, (a, value))| {
                let target = Target { a: *a, b: None };
                let in_value = |unit: usize| variable.values[unit].as_ref() == *value;
                let counts = count(input, &strata_of, &coded_flags, target, in_value);
                let whole = count(input, &strata_of, &coded_flags, target, |_| true);
                let part = ((v as u64 + 1) << 40) | j as u64;
                let mut stream = Stream::for_part(input.seed, part);
                row(
                    input,
                    target,
                    Some(variable.name.clone()),
                    value.cloned(),
                    &counts,
                    Some(&whole),
                    &mut stream,
                )
            })
            .collect();
        by_value.extend(rows);
    }
    let mut all = overall;
    all.extend(by_value);
    all
}

/// Per stratum and machine flag: units, sampled units, coded sampled units of the domain.
fn count(
    input: &Input,
    strata_of: &[usize],
    coded: &BTreeMap<usize, &Vec<bool>>,
    target: Target,
    in_domain: impl Fn(usize) -> bool,
) -> Counts {
    let mut counts: Counts = vec![[[0; 3]; 2]; input.strata.len()];
    for (i, unit) in input.population.units.iter().enumerate() {
        if !in_domain(i) {
            continue;
        }
        let m = usize::from(target.machine(&unit.codes));
        let cell = &mut counts[strata_of[i]][m];
        cell[0] += 1;
        if let Some(flags) = coded.get(&i) {
            cell[1] += 1;
            if target.coded(flags) {
                cell[2] += 1;
            }
        }
    }
    counts
}

fn row(
    input: &Input,
    target: Target,
    variable: Option<String>,
    value: Option<String>,
    counts: &Counts,
    whole: Option<&Counts>,
    stream: &mut Stream,
) -> EstimateRow {
    let codes = &input.population.codes;
    let mut cells = Vec::new();
    let mut cell_rows = Vec::new();
    let mut machine = Vec::new();
    for (s, stratum) in input.strata.iter().enumerate() {
        for m in [1, 0] {
            let [population, sampled, positive] = counts[s][m];
            if population == 0 {
                continue;
            }
            let mut cell = Cell::new(population, sampled, positive);
            if let Some(whole) = whole {
                let [_, n, x] = whole[s][m];
                cell.borrowed = Some((n, x));
            }
            cells.push((s, cell));
            machine.push(m == 1);
            cell_rows.push(CellRow {
                stratum: stratum.id.clone(),
                machine: m == 1,
                population,
                sampled,
                positive,
            });
        }
    }
    let only_cells: Vec<Cell> = cells.iter().map(|(_, c)| *c).collect();
    let share = interval::share(&share_cells(&cells), input.level, input.draws, stream);
    let (precision, recall) = if input.precision_recall {
        interval::precision_recall(&only_cells, &machine, input.level, input.draws, stream)
    } else {
        (Estimate::NONE, Estimate::NONE)
    };
    let direct = whole.map(|_| {
        let own: Vec<(usize, Cell)> = cells
            .iter()
            .map(|(s, c)| (*s, Cell::new(c.population, c.sampled, c.positive)))
            .collect();
        interval::share(&share_cells(&own), input.level, input.draws, stream)
    });
    let units = only_cells.iter().map(|c| c.population).sum();
    let machine_units = only_cells
        .iter()
        .zip(&machine)
        .filter(|(_, m)| **m)
        .map(|(c, _)| c.population)
        .sum();
    EstimateRow {
        code: codes[target.a].clone(),
        code_b: target.b.map(|b| codes[b].clone()),
        variable,
        value,
        method: if whole.is_some() {
            Method::Borrowed
        } else {
            Method::PostStratified
        },
        units,
        machine_units,
        sampled: only_cells.iter().map(|c| c.sampled).sum(),
        sampled_positive: only_cells.iter().map(|c| c.positive).sum(),
        share,
        precision,
        recall,
        direct,
        cells: cell_rows,
    }
}

/// The cells for a share: a stratum whose part has units but no evidence for its rate is
/// taken whole (its rate then comes from the whole stratum's sample).
fn share_cells(cells: &[(usize, Cell)]) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    let mut strata: Vec<usize> = cells.iter().map(|(s, _)| *s).collect();
    strata.dedup();
    for s in strata {
        let parts: Vec<&Cell> = cells
            .iter()
            .filter(|(t, _)| *t == s)
            .map(|(_, c)| c)
            .collect();
        let unknown = |c: &&Cell| {
            let (n, _) = c.borrowed.unwrap_or((c.sampled, c.positive));
            n == 0 && c.population > c.sampled
        };
        if parts.len() > 1 && parts.iter().any(unknown) {
            let sum = |f: &dyn Fn(&Cell) -> u64| parts.iter().map(|c| f(c)).sum::<u64>();
            let mut merged = Cell::new(
                sum(&|c| c.population),
                sum(&|c| c.sampled),
                sum(&|c| c.positive),
            );
            if parts.iter().all(|c| c.borrowed.is_some()) {
                merged.borrowed = Some((
                    sum(&|c| c.borrowed.map_or(0, |b| b.0)),
                    sum(&|c| c.borrowed.map_or(0, |b| b.1)),
                ));
            }
            out.push(merged);
        } else {
            out.extend(parts.into_iter().copied());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::design::{draw, PopulationUnit, Sample};
    use super::*;

    /// 1,000 units: the rules code `a` in 100 (60 truly a), miss 45 of the 900 others; `b`
    /// is given by the rules to units 0..50 and truly in units 0..40.
    fn world() -> (Population, Vec<Vec<bool>>) {
        let mut units = Vec::new();
        let mut truth = Vec::new();
        for i in 0..1000u32 {
            let mut codes = Vec::new();
            if i < 100 {
                codes.push(0);
            }
            if i < 50 {
                codes.push(1);
            }
            units.push(PopulationUnit {
                document: u32::from(i >= 500),
                segment: i,
                codes,
            });
            truth.push(vec![i < 60 || (100..145).contains(&i), i < 40]);
        }
        let p = Population {
            codes: vec!["a".into(), "b".into()],
            documents: vec!["one.txt".into(), "two.txt".into()],
            units,
        };
        (p, truth)
    }

    /// The drawn units coded as the truth has them, as a perfect coder would.
    fn coded_as_truth(sample: &Sample, truth: &[Vec<bool>]) -> Vec<CodedUnit> {
        sample
            .rows
            .iter()
            .map(|&(u, _)| CodedUnit {
                unit: u,
                codes: truth[u].clone(),
            })
            .collect()
    }

    #[test]
    fn a_census_gives_the_truth() {
        let (p, truth) = world();
        let sample = draw(&p, DesignKind::Stratified, 1000, 1).unwrap();
        let coded = coded_as_truth(&sample, &truth);
        let input = Input {
            population: &p,
            kind: DesignKind::Stratified,
            strata: &sample.strata,
            coded: &coded,
            variables: &[],
            level: 0.95,
            seed: 1,
            pairs: true,
            precision_recall: true,
            draws: interval::DRAWS,
        };
        let rows = estimate_all(&input);
        assert_eq!(rows.len(), 3, "a, b, a & b");
        let a = &rows[0];
        assert_eq!((a.units, a.machine_units), (1000, 100));
        assert_eq!(a.share.value, Some(0.105));
        assert_eq!((a.share.low, a.share.high), (Some(0.105), Some(0.105)));
        assert_eq!(a.precision.value, Some(0.6));
        assert!((a.recall.value.unwrap() - 60.0 / 105.0).abs() < 1e-12);
        let pair = &rows[2];
        assert_eq!(pair.code_b.as_deref(), Some("b"));
        assert_eq!(pair.share.value, Some(0.04));
    }

    #[test]
    fn values_borrow_the_whole_samples_rates() {
        let (p, truth) = world();
        let sample = draw(&p, DesignKind::Stratified, 200, 3).unwrap();
        let coded = coded_as_truth(&sample, &truth);
        let variable = Variable {
            name: "half".into(),
            values: p
                .units
                .iter()
                .map(|u| (u.document == 0).then(|| "first".to_string()))
                .collect(),
            order: vec![Some("first".into()), None],
        };
        let input = Input {
            population: &p,
            kind: DesignKind::Stratified,
            strata: &sample.strata,
            coded: &coded,
            variables: std::slice::from_ref(&variable),
            level: 0.95,
            seed: 1,
            pairs: false,
            precision_recall: true,
            draws: interval::DRAWS,
        };
        let rows = estimate_all(&input);
        // a, b overall; then a/first, a/none, b/first, b/none.
        assert_eq!(rows.len(), 6);
        let first = &rows[2];
        assert_eq!(
            (first.variable.as_deref(), first.value.as_deref()),
            (Some("half"), Some("first"))
        );
        assert_eq!(first.method, Method::Borrowed);
        assert_eq!(first.units, 500);
        assert!(first.direct.is_some());
        assert_eq!(rows[3].value, None, "documents without a value come last");
        // The truth of `a` in the first half is 105/500; the interval should hold it here.
        let s = first.share;
        assert!(s.low.unwrap() <= 0.21 && 0.21 <= s.high.unwrap(), "{s:?}");
    }
}
