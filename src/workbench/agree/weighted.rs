//! Agreement weighted to the corpus: a hand-coded validation sample (each unit with the weight
//! of the units of its stratum it stands for) and the machine's coding in; per code, the
//! confusion counts scaled to the corpus and the precision, recall and kappa they give out. A
//! stratified sample holds more of the units the rules coded than the corpus does, so its
//! unweighted precision, recall and kappa describe the sample, not the corpus.

use super::{Coder, UnitKey};
use std::collections::BTreeMap;

/// A confusion matrix of weighted counts: `a` the reference (the coder), `b` the machine.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Weighted {
    pub tp: f64,
    pub fp: f64,
    pub fn_: f64,
    pub tn: f64,
}

impl Weighted {
    pub fn n(&self) -> f64 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    pub fn percent_agreement(&self) -> Option<f64> {
        (self.n() > 0.0).then(|| (self.tp + self.tn) / self.n())
    }

    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0.0).then(|| self.tp / (self.tp + self.fp))
    }

    pub fn recall(&self) -> Option<f64> {
        (self.tp + self.fn_ > 0.0).then(|| self.tp / (self.tp + self.fn_))
    }

    pub fn f1(&self) -> Option<f64> {
        let denominator = 2.0 * self.tp + self.fp + self.fn_;
        (denominator > 0.0).then(|| 2.0 * self.tp / denominator)
    }

    /// Cohen's kappa: chance agreement from each coder's own marginals; undefined when chance
    /// agreement is total.
    pub fn cohen_kappa(&self) -> Option<f64> {
        let n = self.n();
        let po = self.percent_agreement()?;
        let (a_yes, b_yes) = ((self.tp + self.fn_) / n, (self.tp + self.fp) / n);
        let pe = a_yes * b_yes + (1.0 - a_yes) * (1.0 - b_yes);
        (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
    }
}

/// Per code (by index), the weighted confusion of the coder `reference` and the machine over
/// the units the coder judged that carry a weight.
pub fn weighted(
    codes: usize,
    reference: &Coder,
    machine: &Coder,
    weights: &BTreeMap<UnitKey, f64>,
) -> Vec<Weighted> {
    let mut out = vec![Weighted::default(); codes];
    for (unit, given) in &reference.units {
        let (Some(w), Some(found)) = (weights.get(unit), machine.units.get(unit)) else {
            continue;
        };
        for (code, cell) in out.iter_mut().enumerate() {
            if !reference.judged_codes[code] {
                continue;
            }
            match (given.contains(&code), found.contains(&code)) {
                (true, true) => cell.tp += w,
                (false, true) => cell.fp += w,
                (true, false) => cell.fn_ += w,
                (false, false) => cell.tn += w,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal weights give the unweighted figures; weights move them toward the heavy units.
    #[test]
    fn weights_scale_the_cells() {
        let w = Weighted {
            tp: 8.0,
            fp: 2.0,
            fn_: 4.0,
            tn: 86.0,
        };
        assert_eq!(w.precision(), Some(0.8));
        assert!((w.recall().unwrap() - 8.0 / 12.0).abs() < 1e-12);
        // The same confusion as counts, in the unweighted code: the same kappa.
        let c = super::super::Confusion {
            tp: 8,
            fp: 2,
            fn_: 4,
            tn: 86,
        };
        assert!((w.cohen_kappa().unwrap() - c.cohen_kappa().unwrap()).abs() < 1e-12);
    }
}
