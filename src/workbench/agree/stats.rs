//! Agreement statistics: decisions of coders on units in; Cohen's kappa, Krippendorff's alpha,
//! Brennan–Prediger, Fleiss' kappa, pooled kappa and bootstrap intervals out.

use super::weighted::Weighted;

/// Two coders' decisions on one code over the units both judged. `a` is the reference (the
/// hand coding), `b` the coder compared with it (the machine): `fp` = b yes, a no.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Confusion {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    pub tn: u32,
}

impl Confusion {
    pub fn n(&self) -> u32 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    fn f(x: u32) -> f64 {
        f64::from(x)
    }

    /// The same counts as weights of one: the formulas live in [`Weighted`].
    fn weighted(&self) -> Weighted {
        let f = Self::f;
        Weighted {
            tp: f(self.tp),
            fp: f(self.fp),
            fn_: f(self.fn_),
            tn: f(self.tn),
        }
    }

    pub fn percent_agreement(&self) -> Option<f64> {
        self.weighted().percent_agreement()
    }

    pub fn precision(&self) -> Option<f64> {
        self.weighted().precision()
    }

    pub fn recall(&self) -> Option<f64> {
        self.weighted().recall()
    }

    pub fn f1(&self) -> Option<f64> {
        self.weighted().f1()
    }

    /// Cohen's kappa: chance agreement from each coder's own marginals. Undefined when chance
    /// agreement is total (both coders gave one answer throughout).
    pub fn cohen_kappa(&self) -> Option<f64> {
        self.weighted().cohen_kappa()
    }

    /// Krippendorff's alpha for two coders, nominal data, no missing values:
    /// `1 - (N - 1) * disagreements / (n0 * n1)` with N = 2n pairable values and n0, n1 how
    /// often each value was given. Undefined when only one value was ever given.
    pub fn krippendorff_alpha(&self) -> Option<f64> {
        let values = 2.0 * Self::f(self.n());
        let yes = Self::f(2 * self.tp + self.fp + self.fn_);
        let no = Self::f(2 * self.tn + self.fp + self.fn_);
        (yes * no > 0.0).then(|| 1.0 - (values - 1.0) * Self::f(self.fp + self.fn_) / (yes * no))
    }

    /// Brennan and Prediger's kappa: chance agreement 1/2 for two categories. Defined even when
    /// one category is never used, which is where Cohen's kappa and alpha are not.
    pub fn brennan_prediger(&self) -> Option<f64> {
        self.percent_agreement().map(|po| 2.0 * po - 1.0)
    }
}

/// Cohen's kappa pooled over codes (De Vries et al. 2008): `Σ (po − pe) / Σ (1 − pe)`, the
/// same as `(mean po − mean pe) / (1 − mean pe)`. A code nobody used (po = pe = 1) adds
/// nothing either side. Undefined when no code has chance agreement below 1.
pub fn pooled_kappa(codes: &[Confusion]) -> Option<f64> {
    let (mut beyond, mut possible) = (0.0, 0.0);
    for c in codes {
        let n = f64::from(c.n());
        if n == 0.0 {
            continue;
        }
        let (a_yes, b_yes) = (f64::from(c.tp + c.fn_) / n, f64::from(c.tp + c.fp) / n);
        let pe = a_yes * b_yes + (1.0 - a_yes) * (1.0 - b_yes);
        beyond += f64::from(c.tp + c.tn) / n - pe;
        possible += 1.0 - pe;
    }
    (possible > 0.0).then(|| beyond / possible)
}

/// Fleiss' kappa for m coders and two categories (the code applies or not), accumulated unit by
/// unit from how many of the m coders said yes.
#[derive(Debug, Clone, Copy)]
pub struct Fleiss {
    m: u32,
    units: f64,
    /// Sum over units of the share of agreeing pairs of coders.
    agreement: f64,
    yes: f64,
}

impl Fleiss {
    pub fn new(m: usize) -> Self {
        Fleiss {
            m: m as u32,
            units: 0.0,
            agreement: 0.0,
            yes: 0.0,
        }
    }

    /// A unit where `yes` of the m coders gave the code, counted `weight` times.
    pub fn add(&mut self, yes: u32, weight: u32) {
        let (m, y, w) = (f64::from(self.m), f64::from(yes), f64::from(weight));
        let no = m - y;
        self.units += w;
        self.agreement += w * (y * (y - 1.0) + no * (no - 1.0)) / (m * (m - 1.0));
        self.yes += w * y;
    }

    /// Observed and chance agreement, when there are units.
    fn parts(&self) -> Option<(f64, f64)> {
        (self.units > 0.0 && self.m >= 2).then(|| {
            let p = self.yes / (self.units * f64::from(self.m));
            (self.agreement / self.units, p * p + (1.0 - p) * (1.0 - p))
        })
    }

    /// `(P̄ − P̄e) / (1 − P̄e)`; undefined when one category was used throughout.
    pub fn kappa(&self) -> Option<f64> {
        let (po, pe) = self.parts()?;
        (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
    }

    /// Pooled over codes as Cohen's kappa is: `Σ (P̄ − P̄e) / Σ (1 − P̄e)`.
    pub fn pooled(codes: &[Fleiss]) -> Option<f64> {
        let (mut beyond, mut possible) = (0.0, 0.0);
        for (po, pe) in codes.iter().filter_map(Fleiss::parts) {
            beyond += po - pe;
            possible += 1.0 - pe;
        }
        (possible > 0.0).then(|| beyond / possible)
    }
}

/// Krippendorff's alpha for nominal data with any number of coders per unit (missing
/// judgements allowed), two categories, from the coincidences of values within units.
#[derive(Debug, Clone, Copy, Default)]
pub struct Alpha {
    /// Pairable values: given in units that at least two coders judged.
    values: f64,
    yes: f64,
    /// Coincidences of a yes and a no within a unit, each unit's pairs weighted 1/(m_u − 1).
    disagreeing: f64,
}

impl Alpha {
    /// A unit judged by `judges` coders, `yes` of whom gave the code.
    pub fn add(&mut self, judges: u32, yes: u32) {
        if judges < 2 {
            return;
        }
        let (m, y) = (f64::from(judges), f64::from(yes));
        self.values += m;
        self.yes += y;
        self.disagreeing += y * (m - y) / (m - 1.0);
    }

    /// Observed and expected disagreement `(Do, De)`.
    fn disagreement(&self) -> Option<(f64, f64)> {
        let (n, no) = (self.values, self.values - self.yes);
        (n > 1.0 && self.yes * no > 0.0).then(|| {
            (
                2.0 * self.disagreeing / n,
                2.0 * self.yes * no / (n * (n - 1.0)),
            )
        })
    }

    /// `1 − Do / De`; undefined when only one value was ever given.
    pub fn alpha(&self) -> Option<f64> {
        self.disagreement()
            .map(|(observed, expected)| 1.0 - observed / expected)
    }

    /// Pooled over codes: `1 − Σ Do / Σ De`, the codes' disagreements added up.
    pub fn pooled(codes: &[Alpha]) -> Option<f64> {
        let (mut observed, mut expected) = (0.0, 0.0);
        for (o, e) in codes.iter().filter_map(Alpha::disagreement) {
            observed += o;
            expected += e;
        }
        (expected > 0.0).then(|| 1.0 - observed / expected)
    }
}

/// How agreement intervals are drawn: `replicates` resamples of the units (with replacement),
/// from a fixed seed so that the same run gives the same intervals.
#[derive(Debug, Clone, Copy)]
pub struct Bootstrap {
    pub replicates: usize,
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            replicates: 2000,
            seed: 0x5eed_c0de,
        }
    }
}

/// Draws resamples of n units as weights: how many times each unit was drawn.
pub struct Resampler {
    stream: crate::workbench::random::Stream,
    left: usize,
    weights: Vec<u32>,
}

impl Resampler {
    pub fn new(bootstrap: &Bootstrap, units: usize) -> Self {
        Resampler {
            stream: crate::workbench::random::Stream::new(bootstrap.seed),
            left: if units == 0 { 0 } else { bootstrap.replicates },
            weights: vec![0; units],
        }
    }

    /// The next resample, or None when all have been drawn.
    pub fn next_weights(&mut self) -> Option<&[u32]> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.weights.iter_mut().for_each(|w| *w = 0);
        let n = self.weights.len() as u64;
        for _ in 0..n {
            self.weights[self.stream.below(n) as usize] += 1;
        }
        Some(&self.weights)
    }
}

/// The central 95% of a statistic's bootstrap draws. None when it was undefined in more than
/// half of the `replicates` resamples (a code almost nobody used): an interval from the few
/// resamples where it exists would say more than the data do.
pub fn percentile_interval(mut draws: Vec<f64>, replicates: usize) -> Option<(f64, f64)> {
    if draws.is_empty() || 2 * draws.len() < replicates {
        return None;
    }
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws[((draws.len() - 1) as f64 * q).round() as usize];
    Some((at(0.025), at(0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: Option<f64>, expected: f64) {
        let x = x.expect("defined");
        assert!((x - expected).abs() < 1e-12, "{x} != {expected}");
    }

    #[test]
    fn statistics_match_hand_computed_examples() {
        // po = 35/50 = 0.7; pe = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.4.
        // alpha: N = 100, n1 = 55, n0 = 45, disagreements 15: 1 - 99*15/2475 = 0.4.
        let c = Confusion {
            tp: 20,
            fp: 5,
            fn_: 10,
            tn: 15,
        };
        close(c.percent_agreement(), 0.7);
        close(c.cohen_kappa(), 0.4);
        close(c.krippendorff_alpha(), 0.4);
        close(c.brennan_prediger(), 0.4);
        close(c.precision(), 0.8);
        close(c.recall(), 2.0 / 3.0);
        close(c.f1(), 40.0 / 55.0);
        // Unequal marginals separate the three: po = 0.8, pe = 0.2*0.4 + 0.8*0.6 = 0.56,
        // kappa = 0.24/0.44; alpha = 1 - 99*10/(30*70); BP = 0.6.
        let c = Confusion {
            tp: 10,
            fp: 10,
            fn_: 0,
            tn: 30,
        };
        close(c.cohen_kappa(), 0.24 / 0.44);
        close(c.krippendorff_alpha(), 1.0 - 990.0 / 2100.0);
        close(c.brennan_prediger(), 0.6);
    }

    #[test]
    fn many_coder_statistics_match_hand_computed_examples() {
        // Three coders on four units, yes counts 3, 0, 2, 1.
        // Fleiss: P_u = 1, 1, 1/3, 1/3 -> P = 2/3; p = 6/12 -> Pe = 1/2; kappa = 1/3.
        let mut f = Fleiss::new(3);
        for yes in [3, 0, 2, 1] {
            f.add(yes, 1);
        }
        close(f.kappa(), 1.0 / 3.0);
        // Alpha: n = 12 values, 6 yes; coincidences of yes-no: 0 + 0 + 2*1/2 + 1*2/2 = 2;
        // Do = 2*2/12, De = 2*6*6/(12*11): alpha = 1 - (4/12)/(72/132) = 1 - 11/18.
        let mut a = Alpha::default();
        for yes in [3, 0, 2, 1] {
            a.add(3, yes);
        }
        close(a.alpha(), 1.0 - 11.0 / 18.0);
        // With two coders both reduce to the two-coder figures of the Confusion above:
        // tp 20, fp 5, fn 10, tn 15 has alpha 0.4; Fleiss' kappa is Scott's pi there.
        let (mut f2, mut a2) = (Fleiss::new(2), Alpha::default());
        for (yes, times) in [(2, 20), (1, 15), (0, 15)] {
            f2.add(yes, times);
            for _ in 0..times {
                a2.add(2, yes);
            }
        }
        close(a2.alpha(), 0.4);
        // Scott's pi: po 0.7, p = 55/100, pe = 0.55^2 + 0.45^2 = 0.505.
        close(f2.kappa(), (0.7 - 0.505) / (1.0 - 0.505));
        // A unit judged by one coder carries no pairable value.
        let mut lone = a2;
        lone.add(1, 1);
        close(lone.alpha(), 0.4);
    }

    #[test]
    fn pooled_kappa_weighs_codes_by_what_chance_leaves() {
        let c1 = Confusion {
            tp: 20,
            fp: 5,
            fn_: 10,
            tn: 15,
        }; // po 0.7, pe 0.5
        let c2 = Confusion {
            tp: 10,
            fp: 10,
            fn_: 0,
            tn: 30,
        }; // po 0.8, pe 0.56
        let unused = Confusion {
            tp: 0,
            fp: 0,
            fn_: 0,
            tn: 50,
        }; // po = pe = 1
        close(pooled_kappa(&[c1, c2]), (0.2 + 0.24) / (0.5 + 0.44));
        close(pooled_kappa(&[c1, c2, unused]), (0.2 + 0.24) / (0.5 + 0.44));
        assert_eq!(pooled_kappa(&[unused]), None);
    }

    #[test]
    fn bootstrap_is_seeded_and_draws_n_units() {
        let b = Bootstrap {
            replicates: 3,
            seed: 7,
        };
        let draws = |b: &Bootstrap| {
            let mut r = Resampler::new(b, 10);
            let mut all = Vec::new();
            while let Some(w) = r.next_weights() {
                assert_eq!(w.iter().sum::<u32>(), 10);
                all.push(w.to_vec());
            }
            all
        };
        assert_eq!(draws(&b).len(), 3);
        assert_eq!(draws(&b), draws(&b));
        assert_ne!(draws(&b), draws(&Bootstrap { seed: 8, ..b }));
        assert!(Resampler::new(&b, 0).next_weights().is_none());
        // Intervals: the 2.5% and 97.5% points; none when most draws were undefined.
        let values: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(percentile_interval(values, 101), Some((3.0, 98.0)));
        assert_eq!(percentile_interval(vec![1.0; 10], 30), None);
    }

    #[test]
    fn degenerate_cases() {
        // Perfect agreement with both answers used.
        let perfect = Confusion {
            tp: 3,
            fp: 0,
            fn_: 0,
            tn: 7,
        };
        close(perfect.cohen_kappa(), 1.0);
        close(perfect.krippendorff_alpha(), 1.0);
        close(perfect.f1(), 1.0);
        // A code nobody used: only percent agreement and Brennan–Prediger are defined.
        let unused = Confusion {
            tp: 0,
            fp: 0,
            fn_: 0,
            tn: 10,
        };
        assert_eq!(
            (
                unused.cohen_kappa(),
                unused.krippendorff_alpha(),
                unused.precision(),
                unused.recall(),
                unused.f1()
            ),
            (None, None, None, None, None)
        );
        close(unused.percent_agreement(), 1.0);
        close(unused.brennan_prediger(), 1.0);
        // The machine never says yes while the human does: kappa 0, alpha below 0.
        let never = Confusion {
            tp: 0,
            fp: 0,
            fn_: 5,
            tn: 5,
        };
        close(never.cohen_kappa(), 0.0);
        close(never.krippendorff_alpha(), 1.0 - 19.0 * 5.0 / (5.0 * 15.0));
        assert_eq!(never.precision(), None);
        close(never.recall(), 0.0);
        // No units at all.
        assert_eq!(Confusion::default().percent_agreement(), None);
    }
}
