//! Agreement: the machine's coded documents and any number of hand codings in — CSVs filled in
//! a spreadsheet, or `.qdpx` projects coded in a QDA tool ([`gold`]) — and out, per code and per
//! pair of coders, a confusion matrix with percent agreement, precision, recall, F1, Cohen's
//! kappa (with a bootstrap interval), Krippendorff's alpha and Brennan–Prediger's kappa; per
//! pair a pooled kappa over all codes; and among all hand coders (with and without the
//! machine) Fleiss' kappa and Krippendorff's alpha for m coders ([`stats`], [`report`]).
//!
//! Agreement is counted per unit (the run's paragraphs or sentences), never per character:
//! character-level agreement is inflated by all the text nobody coded. Only units and codes
//! that both coders judged are compared.

mod gold;
mod report;
pub mod stats;
pub mod weighted;

pub use gold::{documents_named, gold_csv, gold_qdpx, not_a_hand_coding, text_key, GoldError};
pub use report::Report;
pub use stats::{Bootstrap, Confusion};

use crate::codebook::Codebook;
use crate::coding::{CodedDocument, SegmentRow};
use stats::{percentile_interval, Resampler};
use std::collections::{BTreeMap, BTreeSet};

/// A unit: index of its document in the run, and its segment number.
pub type UnitKey = (usize, usize);

/// One coder's judgements: which units they looked at, which codes they considered, and the
/// codes they gave each unit (ancestors of a given code included).
#[derive(Debug, Clone)]
pub struct Coder {
    pub name: String,
    pub units: BTreeMap<UnitKey, BTreeSet<usize>>,
    /// Per code of the codebook: whether this coder considered it at all.
    pub judged_codes: Vec<bool>,
}

/// A coded document of the run with the text its positions refer to (`None` when the run
/// keeps none: a table corpus read back with `--from`, or a document no hand coding names).
pub struct RunDocument<'a> {
    pub coded: &'a CodedDocument,
    pub text: Option<&'a str>,
}

/// The run's documents as agreement reads hand coding against them, numbered in run order.
pub fn run_documents(documents: &[(CodedDocument, Option<String>)]) -> Vec<RunDocument<'_>> {
    documents
        .iter()
        .map(|(coded, text)| RunDocument {
            coded,
            text: text.as_deref(),
        })
        .collect()
}

fn coded_units(doc: &CodedDocument) -> impl Iterator<Item = &SegmentRow> {
    doc.segments.iter().filter(|s| s.coded)
}

/// The machine judged every unit for every code. Documents are numbered in the order given,
/// which must be the order of the [`RunDocument`]s hand coding is read against.
pub fn machine<'a>(
    codebook: &Codebook,
    documents: impl IntoIterator<Item = &'a CodedDocument>,
) -> Coder {
    let mut units: BTreeMap<UnitKey, BTreeSet<usize>> = BTreeMap::new();
    for (d, doc) in documents.into_iter().enumerate() {
        for unit in coded_units(doc) {
            units.insert((d, unit.segment), BTreeSet::new());
        }
        for coding in &doc.codings {
            units
                .entry((d, coding.segment))
                .or_default()
                .insert(coding.code);
        }
    }
    Coder {
        name: "machine".to_string(),
        units,
        judged_codes: vec![true; codebook.codes.len()],
    }
}

/// Adds every ancestor of the codes given, as the machine does.
fn roll_up(codebook: &Codebook, codes: &mut BTreeSet<usize>) {
    let given: Vec<usize> = codes.iter().copied().collect();
    for code in given {
        codes.extend(codebook.ancestors(code));
    }
}

/// One code compared between two coders.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub reference: String,
    pub compared: String,
    pub code: usize,
    pub confusion: Confusion,
    /// 95% bootstrap interval of Cohen's kappa, resampling units.
    pub kappa_interval: Option<(f64, f64)>,
    /// The confusion weighted to the corpus, when the reference is a validation sample.
    pub weighted: Option<weighted::Weighted>,
}

/// Two coders over all the codes both judged.
#[derive(Debug, Clone)]
pub struct Pooled {
    pub reference: String,
    pub compared: String,
    pub codes: usize,
    pub units: u32,
    /// The mean of the codes' kappas, over the codes where kappa is defined.
    pub mean_kappa: Option<f64>,
    /// Pooled kappa (De Vries et al. 2008): agreement beyond chance summed over codes, over
    /// the most that could be: `Σ (po − pe) / Σ (1 − pe)`.
    pub kappa: Option<f64>,
    pub kappa_interval: Option<(f64, f64)>,
}

/// Per shared unit and code, the two coders' decisions: 0 both no, 1 only `b` yes (fp),
/// 2 only `a` yes (fn), 3 both yes (tp). Only the units where someone said yes are listed.
struct PairCells {
    units: usize,
    codes: Vec<usize>,
    yes: Vec<Vec<(usize, u8)>>,
}

impl PairCells {
    fn confusion(&self, c: usize, weights: Option<&[u32]>) -> Confusion {
        let mut x = Confusion::default();
        let mut counted = 0;
        for &(unit, cell) in &self.yes[c] {
            let w = weights.map_or(1, |w| w[unit]);
            counted += w;
            match cell {
                1 => x.fp += w,
                2 => x.fn_ += w,
                _ => x.tp += w,
            }
        }
        let total = weights.map_or(self.units as u32, |w| w.iter().sum());
        x.tn = total - counted;
        x
    }
}

/// Compares two coders on every code both judged, over the units both judged; per code and
/// pooled, with bootstrap intervals of kappa drawn from the same resamples of units.
pub fn compare(
    codebook: &Codebook,
    a: &Coder,
    b: &Coder,
    bootstrap: &Bootstrap,
) -> (Vec<Comparison>, Pooled) {
    let shared: Vec<(&BTreeSet<usize>, &BTreeSet<usize>)> = a
        .units
        .iter()
        .filter_map(|(key, codes_a)| b.units.get(key).map(|codes_b| (codes_a, codes_b)))
        .collect();
    let codes: Vec<usize> = (0..codebook.codes.len())
        .filter(|&code| a.judged_codes[code] && b.judged_codes[code])
        .collect();
    let cells = PairCells {
        units: shared.len(),
        yes: codes
            .iter()
            .map(|code| {
                shared
                    .iter()
                    .enumerate()
                    .filter_map(|(u, (codes_a, codes_b))| {
                        let cell =
                            2 * u8::from(codes_a.contains(code)) + u8::from(codes_b.contains(code));
                        (cell > 0).then_some((u, cell))
                    })
                    .collect()
            })
            .collect(),
        codes,
    };
    let confusions: Vec<Confusion> = (0..cells.codes.len())
        .map(|c| cells.confusion(c, None))
        .collect();
    // Per resample: each code's kappa, and the pooled kappa.
    let mut per_code: Vec<Vec<f64>> = vec![Vec::new(); cells.codes.len()];
    let mut pooled_draws = Vec::new();
    let mut resampler = Resampler::new(bootstrap, cells.units);
    while let Some(weights) = resampler.next_weights() {
        let drawn: Vec<Confusion> = (0..cells.codes.len())
            .map(|c| cells.confusion(c, Some(weights)))
            .collect();
        for (c, x) in drawn.iter().enumerate() {
            if let Some(k) = x.cohen_kappa() {
                per_code[c].push(k);
            }
        }
        if let Some(k) = stats::pooled_kappa(&drawn) {
            pooled_draws.push(k);
        }
    }
    let replicates = bootstrap.replicates;
    let comparisons = cells
        .codes
        .iter()
        .zip(&confusions)
        .zip(per_code)
        .map(|((&code, &confusion), draws)| Comparison {
            reference: a.name.clone(),
            compared: b.name.clone(),
            code,
            confusion,
            kappa_interval: percentile_interval(draws, replicates),
            weighted: None,
        })
        .collect::<Vec<_>>();
    let kappas: Vec<f64> = confusions
        .iter()
        .filter_map(Confusion::cohen_kappa)
        .collect();
    let pooled = Pooled {
        reference: a.name.clone(),
        compared: b.name.clone(),
        codes: cells.codes.len(),
        units: cells.units as u32,
        mean_kappa: (!kappas.is_empty()).then(|| kappas.iter().sum::<f64>() / kappas.len() as f64),
        kappa: stats::pooled_kappa(&confusions),
        kappa_interval: percentile_interval(pooled_draws, replicates),
    };
    (comparisons, pooled)
}

/// Agreement among a group of coders on one code (or, with `code` None, pooled over codes).
#[derive(Debug, Clone)]
pub struct GroupAgreement {
    /// Names the group ("hand coders", "hand coders and machine").
    pub group: String,
    pub coders: usize,
    pub code: Option<usize>,
    /// Units judged by every coder of the group (those Fleiss' kappa is computed on).
    pub units: u32,
    pub fleiss_kappa: Option<f64>,
    pub fleiss_interval: Option<(f64, f64)>,
    /// Krippendorff's alpha (nominal) over every unit at least two coders judged.
    pub krippendorff_alpha: Option<f64>,
}

/// Fleiss' kappa and Krippendorff's alpha for the m coders of a group, per code they all
/// judged and pooled over those codes, with bootstrap intervals of Fleiss' kappa.
pub fn group(
    codebook: &Codebook,
    name: &str,
    coders: &[&Coder],
    bootstrap: &Bootstrap,
) -> Vec<GroupAgreement> {
    let m = coders.len();
    let codes: Vec<usize> = (0..codebook.codes.len())
        .filter(|&c| coders.iter().all(|x| x.judged_codes[c]))
        .collect();
    let all_units: BTreeSet<UnitKey> = coders
        .iter()
        .flat_map(|c| c.units.keys().copied())
        .collect();
    // Per unit judged by at least two coders: per code, how many said yes, of how many.
    let votes: Vec<(usize, Vec<u32>)> = all_units
        .iter()
        .filter_map(|key| {
            let judging: Vec<&BTreeSet<usize>> =
                coders.iter().filter_map(|c| c.units.get(key)).collect();
            (judging.len() >= 2).then(|| {
                let yes = codes
                    .iter()
                    .map(|code| judging.iter().filter(|s| s.contains(code)).count() as u32)
                    .collect();
                (judging.len(), yes)
            })
        })
        .collect();
    let complete: Vec<usize> = (0..votes.len()).filter(|&u| votes[u].0 == m).collect();
    let fleiss = |c: usize, weights: Option<&[u32]>| -> stats::Fleiss {
        let mut f = stats::Fleiss::new(m);
        for (i, &u) in complete.iter().enumerate() {
            f.add(votes[u].1[c], weights.map_or(1, |w| w[i]));
        }
        f
    };
    let mut per_code: Vec<Vec<f64>> = vec![Vec::new(); codes.len()];
    let mut pooled_draws = Vec::new();
    let mut resampler = Resampler::new(bootstrap, complete.len());
    while let Some(weights) = resampler.next_weights() {
        let drawn: Vec<stats::Fleiss> =
            (0..codes.len()).map(|c| fleiss(c, Some(weights))).collect();
        for (c, f) in drawn.iter().enumerate() {
            if let Some(k) = f.kappa() {
                per_code[c].push(k);
            }
        }
        if let Some(k) = stats::Fleiss::pooled(&drawn) {
            pooled_draws.push(k);
        }
    }
    let exact: Vec<stats::Fleiss> = (0..codes.len()).map(|c| fleiss(c, None)).collect();
    let alphas: Vec<stats::Alpha> = (0..codes.len())
        .map(|c| {
            let mut a = stats::Alpha::default();
            for (judges, yes) in &votes {
                a.add(*judges as u32, yes[c]);
            }
            a
        })
        .collect();
    let replicates = bootstrap.replicates;
    let mut rows: Vec<GroupAgreement> = codes
        .iter()
        .enumerate()
        .zip(per_code)
        .map(|((c, &code), draws)| GroupAgreement {
            group: name.to_string(),
            coders: m,
            code: Some(code),
            units: complete.len() as u32,
            fleiss_kappa: exact[c].kappa(),
            fleiss_interval: percentile_interval(draws, replicates),
            krippendorff_alpha: alphas[c].alpha(),
        })
        .collect();
    rows.push(GroupAgreement {
        group: name.to_string(),
        coders: m,
        code: None,
        units: complete.len() as u32,
        fleiss_kappa: stats::Fleiss::pooled(&exact),
        fleiss_interval: percentile_interval(pooled_draws, replicates),
        krippendorff_alpha: stats::Alpha::pooled(&alphas),
    });
    rows
}

/// A warning when a hand coding's units look like paragraphs while the run's units are
/// sentences: most units it names are sentences of a paragraph whose other sentences it does
/// not name (each opening or range then names only the paragraph's first sentence).
pub fn unit_level_warning(coder: &Coder, documents: &[RunDocument]) -> Option<String> {
    let mut judged_in_partial_blocks = 0;
    for (d, doc) in documents.iter().enumerate() {
        let mut blocks: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for unit in coded_units(doc.coded) {
            let entry = blocks.entry(unit.block).or_default();
            entry.0 += 1;
            entry.1 += usize::from(coder.units.contains_key(&(d, unit.segment)));
        }
        judged_in_partial_blocks += blocks
            .values()
            .filter(|(units, judged)| *units > 1 && *judged > 0 && judged < units)
            .map(|(_, judged)| judged)
            .sum::<usize>();
    }
    let judged = coder.units.len();
    (judged_in_partial_blocks >= 3 && 2 * judged_in_partial_blocks >= judged).then(|| {
        format!(
            "{judged_in_partial_blocks} of the {judged} units it codes are sentences of a paragraph whose other sentences it does not code: its units look like paragraphs, while this run's units are sentences, so each names only its paragraph's first sentence (compare with --unit paragraph)"
        )
    })
}
