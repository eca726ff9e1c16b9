//! Drawing a validation sample: the run's coded units with the codes the rules gave each in
//! (a [`Population`]), a probability sample of them out (a [`Sample`]): which units, in which
//! stratum, with what chance of being drawn, in a random order for the coder.
//!
//! The default design stratifies by the rules' coding — units the rules coded with any code,
//! and units they coded with none, where the misses are — and allocates the sample in
//! proportion to the square root of each stratum's size (Kish's compromise between
//! proportional allocation, which leaves few units where the rules coded, and equal
//! allocation, which leaves few where they did not). Simulated against proportional and equal
//! allocation on the cases of `docs/estimation.md`, it gave the narrowest share intervals or
//! within 1% of them. The simple design draws from all units alike.

use super::super::random::{draw_without_replacement, Stream};
use serde::{Deserialize, Serialize};

/// The run's coded units, sorted by document and segment, with the rules' codes of each.
#[derive(Debug, Clone, Default)]
pub struct Population {
    /// Code ids in codebook order.
    pub codes: Vec<String>,
    /// Document ids, sorted.
    pub documents: Vec<String>,
    pub units: Vec<PopulationUnit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationUnit {
    /// Index into [`Population::documents`].
    pub document: u32,
    pub segment: u32,
    /// Indices into [`Population::codes`] of the codes the rules gave the unit, sorted.
    pub codes: Vec<u32>,
}

impl Population {
    /// A fingerprint of what the estimates rest on: the codebook, every coded unit and the
    /// rules' codes of each. Two runs of the same corpus and codebook have the same one,
    /// whatever their time or folder; a changed rule or document changes it.
    pub fn fingerprint(&self, codebook_sha256: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"qualcode population 1\n");
        h.update(codebook_sha256.as_bytes());
        h.update(b"\n");
        for code in &self.codes {
            h.update(code.as_bytes());
            h.update(b"\t");
        }
        h.update(b"\n");
        for unit in &self.units {
            h.update(self.documents[unit.document as usize].as_bytes());
            h.update(format!("\t{}", unit.segment).as_bytes());
            for c in &unit.codes {
                h.update(format!(",{c}").as_bytes());
            }
            h.update(b"\n");
        }
        format!("{:x}", h.finalize())
    }
}

/// How units are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    /// Strata by the rules' coding (any code / none), square-root allocation.
    Stratified,
    /// A simple random sample of all units.
    Simple,
}

/// A stratum of the design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stratum {
    /// The label the sheet shows (`1`, `2`): says nothing of the rules' coding to the coder.
    pub id: String,
    /// Which units it holds, for people reading the design file.
    pub holds: String,
    /// Units of the population in the stratum.
    pub population: u64,
    /// Units drawn from it.
    pub sampled: u64,
}

impl Stratum {
    /// The chance of each of its units to be drawn.
    pub fn inclusion_probability(&self) -> f64 {
        self.sampled as f64 / self.population as f64
    }
}

/// A drawn sample: the strata, and the units drawn (indices into the population's units) in
/// the order the coder sees them, each with its stratum.
#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: DesignKind,
    pub strata: Vec<Stratum>,
    /// (unit index, stratum index), in the sheet's order.
    pub rows: Vec<(usize, usize)>,
}

/// The stratum of a unit under `kind`.
pub fn stratum_of(kind: DesignKind, unit: &PopulationUnit) -> usize {
    match kind {
        DesignKind::Simple => 0,
        DesignKind::Stratified => usize::from(unit.codes.is_empty()),
    }
}

/// The strata of `kind`, empty of units.
fn strata(kind: DesignKind) -> Vec<Stratum> {
    let stratum = |id: &str, holds: &str| Stratum {
        id: id.to_string(),
        holds: holds.to_string(),
        population: 0,
        sampled: 0,
    };
    match kind {
        DesignKind::Simple => vec![stratum("1", "every coded unit")],
        DesignKind::Stratified => vec![
            stratum("1", "units the rules coded with at least one code"),
            stratum("2", "units the rules coded with no code"),
        ],
    }
}

/// Why a sample cannot be drawn.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DrawError {
    #[error("the run has no coded units to sample")]
    NoUnits,
    #[error("a sample of {wanted} units was asked for, but the run has only {units} coded units")]
    TooLarge { wanted: u64, units: u64 },
    #[error("a sample needs at least {min} units under this design (2 per stratum); {wanted} were asked for")]
    TooSmall { wanted: u64, min: u64 },
}

/// Units per stratum: proportional to √(stratum size), at least 2 in every stratum that has
/// units (so each has a rate and a spread), never more than the stratum holds; remainders go
/// to the largest fractional parts, ties to the earlier stratum.
pub fn allocate(sizes: &[u64], n: u64) -> Result<Vec<u64>, DrawError> {
    let units: u64 = sizes.iter().sum();
    if units == 0 {
        return Err(DrawError::NoUnits);
    }
    if n > units {
        return Err(DrawError::TooLarge { wanted: n, units });
    }
    let min: u64 = sizes.iter().map(|&s| s.min(2)).sum();
    if n < min {
        return Err(DrawError::TooSmall { wanted: n, min });
    }
    // Strata that would get fewer than 2 or more than they hold are fixed at that bound, and
    // the rest is shared again among the others, until no bound is crossed.
    let mut take: Vec<Option<u64>> = sizes.iter().map(|&s| (s == 0).then_some(0)).collect();
    loop {
        let open: Vec<usize> = (0..sizes.len()).filter(|&i| take[i].is_none()).collect();
        let left = n - take.iter().flatten().sum::<u64>();
        let total: f64 = open.iter().map(|&i| (sizes[i] as f64).sqrt()).sum();
        let ideal = |i: usize| left as f64 * (sizes[i] as f64).sqrt() / total;
        let mut fixed = false;
        for &i in &open {
            let bound = if ideal(i) < 2.0 {
                Some(sizes[i].min(2))
            } else if ideal(i) > sizes[i] as f64 {
                Some(sizes[i])
            } else {
                None
            };
            if bound.is_some() {
                take[i] = bound;
                fixed = true;
            }
        }
        if fixed {
            continue;
        }
        // Whole parts, then the remainder to the largest fractional parts (ties: earlier).
        let mut given: Vec<(usize, u64, f64)> = open
            .iter()
            .map(|&i| (i, ideal(i).floor() as u64, ideal(i) - ideal(i).floor()))
            .collect();
        let mut rest = left - given.iter().map(|g| g.1).sum::<u64>();
        let mut order: Vec<usize> = (0..given.len()).collect();
        order.sort_by(|&a, &b| given[b].2.total_cmp(&given[a].2).then(a.cmp(&b)));
        for k in order {
            if rest == 0 {
                break;
            }
            given[k].1 += 1;
            rest -= 1;
        }
        for (i, g, _) in given {
            take[i] = Some(g);
        }
        break;
    }
    let take: Vec<u64> = take.into_iter().map(|t| t.unwrap_or(0)).collect();
    Ok(take)
}

/// Draws a sample of `n` units of `population` under `kind` with `seed`.
pub fn draw(
    population: &Population,
    kind: DesignKind,
    n: u64,
    seed: u64,
) -> Result<Sample, DrawError> {
    let mut strata = strata(kind);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); strata.len()];
    for (i, unit) in population.units.iter().enumerate() {
        members[stratum_of(kind, unit)].push(i);
    }
    for (stratum, m) in strata.iter_mut().zip(&members) {
        stratum.population = m.len() as u64;
    }
    let sizes: Vec<u64> = strata.iter().map(|s| s.population).collect();
    let take = allocate(&sizes, n)?;
    let mut stream = Stream::new(seed);
    let mut rows = Vec::with_capacity(n as usize);
    for (s, (m, k)) in members.iter().zip(&take).enumerate() {
        strata[s].sampled = *k;
        for pick in draw_without_replacement(&mut stream, m.len(), *k as usize) {
            rows.push((m[pick], s));
        }
    }
    // The coder sees the units in a random order: a coder who stops early has coded a
    // smaller random sample of each stratum, and no run of one stratum gives the design away.
    let order = draw_without_replacement(&mut stream, rows.len(), rows.len());
    let rows = order.into_iter().map(|i| rows[i]).collect();
    // Empty strata stay in the design so the file says they were empty.
    Ok(Sample { kind, strata, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population(coded: usize, uncoded: usize) -> Population {
        let mut units = Vec::new();
        for i in 0..coded + uncoded {
            units.push(PopulationUnit {
                document: 0,
                segment: i as u32,
                codes: if i < coded { vec![0] } else { vec![] },
            });
        }
        Population {
            codes: vec!["trust".into()],
            documents: vec!["a.txt".into()],
            units,
        }
    }

    #[test]
    fn square_root_allocation() {
        // √100 : √900 = 1 : 3.
        assert_eq!(allocate(&[100, 900], 40).unwrap(), vec![10, 30]);
        // A small stratum is taken whole and the rest goes to the other.
        assert_eq!(allocate(&[10, 10_000], 500).unwrap(), vec![10, 490]);
        assert_eq!(allocate(&[3, 10_000], 50).unwrap(), vec![2, 48]);
        // At least two from each stratum that has units.
        assert_eq!(allocate(&[1_000_000, 4], 10).unwrap()[1], 2);
        assert_eq!(allocate(&[0, 10], 5).unwrap(), vec![0, 5]);
        assert_eq!(
            allocate(&[5, 5], 11),
            Err(DrawError::TooLarge {
                wanted: 11,
                units: 10
            })
        );
        assert_eq!(
            allocate(&[5, 5], 3),
            Err(DrawError::TooSmall { wanted: 3, min: 4 })
        );
        for n in 4..=60 {
            let a = allocate(&[17, 43], n).unwrap();
            assert_eq!(a.iter().sum::<u64>(), n);
            assert!(a[0] <= 17 && a[1] <= 43);
        }
    }

    #[test]
    fn draws_the_allocation_in_random_order() {
        let p = population(100, 900);
        let s = draw(&p, DesignKind::Stratified, 40, 7).unwrap();
        assert_eq!(s.rows.len(), 40);
        assert_eq!(
            s.strata
                .iter()
                .map(|s| (s.population, s.sampled))
                .collect::<Vec<_>>(),
            vec![(100, 10), (900, 30)]
        );
        for &(unit, stratum) in &s.rows {
            assert_eq!(stratum, usize::from(p.units[unit].codes.is_empty()));
        }
        let mut units: Vec<usize> = s.rows.iter().map(|r| r.0).collect();
        units.sort_unstable();
        units.dedup();
        assert_eq!(units.len(), 40, "a unit drawn twice");
        // Not all of one stratum first.
        let first_ten: Vec<usize> = s.rows[..10].iter().map(|r| r.1).collect();
        assert!(first_ten.contains(&1), "{first_ten:?}");
        // Same seed, same sample; another seed, another.
        assert_eq!(
            draw(&p, DesignKind::Stratified, 40, 7).unwrap().rows,
            s.rows
        );
        assert_ne!(
            draw(&p, DesignKind::Stratified, 40, 8).unwrap().rows,
            s.rows
        );
    }

    #[test]
    fn every_unit_has_its_chance() {
        // Over many seeds, each unit of a stratum is drawn about n_h / N_h of the time.
        let p = population(20, 80);
        let mut drawn = vec![0u32; 100];
        for seed in 0..4000 {
            for (u, _) in draw(&p, DesignKind::Stratified, 15, seed).unwrap().rows {
                drawn[u] += 1;
            }
        }
        let a = allocate(&[20, 80], 15).unwrap();
        for (u, count) in drawn.iter().enumerate() {
            let expected = 4000.0
                * if u < 20 {
                    a[0] as f64 / 20.0
                } else {
                    a[1] as f64 / 80.0
                };
            let sd = (expected * (1.0 - expected / 4000.0)).sqrt();
            assert!(
                (*count as f64 - expected).abs() < 4.5 * sd,
                "unit {u}: {count} draws, expected {expected:.0}"
            );
        }
    }

    #[test]
    fn fingerprint_follows_the_coding() {
        let p = population(2, 3);
        let mut q = p.clone();
        assert_eq!(p.fingerprint("x"), q.fingerprint("x"));
        assert_ne!(p.fingerprint("x"), p.fingerprint("y"));
        q.units[4].codes = vec![0];
        assert_ne!(p.fingerprint("x"), q.fingerprint("x"));
    }
}
