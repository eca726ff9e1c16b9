//! The agreement report as text: comparisons in, one table per pair of coders, the kappas side
//! by side and the agreement among all coders out.

use super::{Comparison, GroupAgreement, Pooled};
use crate::codebook::Codebook;
use std::fmt;

/// The comparisons printed as one block per pair of coders, then the groups of coders.
pub struct Report<'a> {
    pub codebook: &'a Codebook,
    pub comparisons: &'a [Comparison],
    /// One per pair of coders, in the order of the comparisons' blocks.
    pub pooled: &'a [Pooled],
    pub groups: &'a [GroupAgreement],
}

fn show(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

fn interval(x: Option<(f64, f64)>) -> String {
    x.map_or_else(
        || "n/a".to_string(),
        |(lo, hi)| format!("[{lo:.2}, {hi:.2}]"),
    )
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .codebook
            .codes
            .iter()
            .map(|c| c.id.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        for block in self
            .comparisons
            .chunk_by(|x, y| (&x.reference, &x.compared) == (&y.reference, &y.compared))
        {
            writeln!(
                f,
                "{} (reference) vs {}",
                crate::escape::terminal(&block[0].reference),
                crate::escape::terminal(&block[0].compared)
            )?;
            writeln!(
                f,
                "{:<width$} {:>5} {:>4} {:>4} {:>4} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>14} {:>6} {:>6}",
                "code", "units", "tp", "fp", "fn", "tn", "agree", "prec", "recall", "F1", "kappa", "kappa 95%", "alpha", "BP"
            )?;
            for row in block {
                let c = &row.confusion;
                writeln!(
                    f,
                    "{:<width$} {:>5} {:>4} {:>4} {:>4} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>14} {:>6} {:>6}",
                    self.codebook.codes[row.code].id,
                    c.n(),
                    c.tp,
                    c.fp,
                    c.fn_,
                    c.tn,
                    show(c.percent_agreement()),
                    show(c.precision()),
                    show(c.recall()),
                    show(c.f1()),
                    show(c.cohen_kappa()),
                    interval(row.kappa_interval),
                    show(c.krippendorff_alpha()),
                    show(c.brennan_prediger()),
                )?;
            }
            let pair = (&block[0].reference, &block[0].compared);
            if let Some(p) = self
                .pooled
                .iter()
                .find(|p| (&p.reference, &p.compared) == pair)
            {
                writeln!(
                    f,
                    "pooled over {} codes: kappa {} (95% {}), mean of the codes' kappas {}",
                    p.codes,
                    show(p.kappa),
                    interval(p.kappa_interval),
                    show(p.mean_kappa)
                )?;
            }
            if block.iter().any(|r| r.weighted.is_some()) {
                writeln!(
                    f,
                    "weighted to the corpus ({} is a validation sample: each unit counts for the units of its stratum; the rows above describe the sample, these the corpus):",
                    block[0].reference
                )?;
                writeln!(
                    f,
                    "{:<width$} {:>9} {:>6} {:>6} {:>6} {:>6}",
                    "code", "units", "agree", "prec", "recall", "kappa"
                )?;
                for row in block {
                    if let Some(w) = &row.weighted {
                        writeln!(
                            f,
                            "{:<width$} {:>9.0} {:>6} {:>6} {:>6} {:>6}",
                            self.codebook.codes[row.code].id,
                            w.n(),
                            show(w.percent_agreement()),
                            show(w.precision()),
                            show(w.recall()),
                            show(w.cohen_kappa()),
                        )?;
                    }
                }
            }
            writeln!(f)?;
        }
        self.side_by_side(f, width)?;
        self.coder_groups(f, width)
    }
}

impl Report<'_> {
    /// With more than one pair of coders: Cohen's kappa of every pair per code, in columns,
    /// so the machine can be read against the human-human agreement.
    fn side_by_side(&self, f: &mut fmt::Formatter<'_>, width: usize) -> fmt::Result {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for c in self.comparisons {
            if !pairs.contains(&(&c.reference, &c.compared)) {
                pairs.push((&c.reference, &c.compared));
            }
        }
        if pairs.len() < 2 {
            return Ok(());
        }
        writeln!(f, "Cohen's kappa side by side")?;
        for (i, (a, b)) in pairs.iter().enumerate() {
            writeln!(
                f,
                "  [{}] {} vs {}",
                i + 1,
                crate::escape::terminal(a),
                crate::escape::terminal(b)
            )?;
        }
        write!(f, "{:<width$}", "code")?;
        for i in 0..pairs.len() {
            write!(f, " {:>7}", format!("[{}]", i + 1))?;
        }
        writeln!(f)?;
        for (code, spec) in self.codebook.codes.iter().enumerate() {
            write!(f, "{:<width$}", spec.id)?;
            for (a, b) in &pairs {
                let kappa = self.comparisons.iter().find(|c| {
                    c.code == code && (c.reference.as_str(), c.compared.as_str()) == (*a, *b)
                });
                let cell =
                    kappa.map_or_else(|| "-".to_string(), |c| show(c.confusion.cohen_kappa()));
                write!(f, " {cell:>7}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }

    /// With two or more hand coders: Fleiss' kappa and Krippendorff's alpha per group.
    fn coder_groups(&self, f: &mut fmt::Formatter<'_>, width: usize) -> fmt::Result {
        for block in self.groups.chunk_by(|x, y| x.group == y.group) {
            writeln!(
                f,
                "\nAgreement among the {} ({} coders; Fleiss' kappa on the {} units all judged, Krippendorff's alpha on every unit two or more judged)",
                block[0].group, block[0].coders, block[0].units
            )?;
            writeln!(
                f,
                "{:<width$} {:>7} {:>14} {:>7}",
                "code", "fleiss", "fleiss 95%", "alpha"
            )?;
            for row in block {
                let name = row
                    .code
                    .map_or("pooled", |c| self.codebook.codes[c].id.as_str());
                writeln!(
                    f,
                    "{name:<width$} {:>7} {:>14} {:>7}",
                    show(row.fleiss_kappa),
                    interval(row.fleiss_interval),
                    show(row.krippendorff_alpha)
                )?;
            }
        }
        Ok(())
    }
}
