//! `similar` (query by example): the run's coded units and a set of seed units (those carrying
//! a code, by hand coding or by the run) in; the other units ranked by how much their words
//! resemble the seeds', with the words that make them alike, out — the way to find what a
//! code's rules miss.
//!
//! Units are TF-IDF vectors over their words (function words left out; pairs of characters
//! in unspaced scripts): a term weighs `(1 + ln tf) * idf`, with
//! `idf = ln((1 + N) / (1 + df)) + 1` over all N units of the run. A unit's score is the
//! cosine between its vector and the centroid (mean) of the seeds' vectors.

use super::agree::UnitKey;
use super::tokens::{is_stopword, tokens};
use crate::coding::SegmentRow;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A unit like the seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub key: UnitKey,
    pub score: f64,
    /// The terms that add most to the score, most first.
    pub words: Vec<String>,
}

/// A unit's terms with how often each occurs, in term order.
fn term_counts(text: &str) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for t in tokens(text) {
        if t.unspaced || (t.text.chars().count() >= 2 && !is_stopword(&t.text)) {
            *counts.entry(t.text).or_insert(0) += 1;
        }
    }
    counts
}

/// Document frequencies and the unit count, from which idf is computed.
struct Idf {
    units: usize,
    df: HashMap<String, u32>,
}

impl Idf {
    fn new(units: &[(UnitKey, &SegmentRow)]) -> Self {
        let df = units
            .par_iter()
            .fold(HashMap::new, |mut df: HashMap<String, u32>, (_, row)| {
                for term in term_counts(&row.text).into_keys() {
                    *df.entry(term).or_insert(0) += 1;
                }
                df
            })
            .reduce(HashMap::new, |mut a, b| {
                for (term, n) in b {
                    *a.entry(term).or_insert(0) += n;
                }
                a
            });
        Idf {
            units: units.len(),
            df,
        }
    }

    fn weight(&self, term: &str, tf: u32) -> f64 {
        let df = self.df.get(term).copied().unwrap_or(0);
        let idf = ((1 + self.units) as f64 / f64::from(1 + df)).ln() + 1.0;
        (1.0 + f64::from(tf).ln()) * idf
    }

    /// The unit's vector, unit length, in term order.
    fn vector(&self, text: &str) -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = term_counts(text)
            .into_iter()
            .map(|(term, tf)| {
                let w = self.weight(&term, tf);
                (term, w)
            })
            .collect();
        let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        v
    }
}

/// The `limit` units most like the seeds, best first, leaving out the seeds and the units in
/// `skip` (those the code already has); only units that share a term with the seeds.
pub fn similar(
    units: &[(UnitKey, &SegmentRow)],
    seeds: &BTreeSet<UnitKey>,
    skip: &BTreeSet<UnitKey>,
    limit: usize,
    words: usize,
) -> Vec<Neighbour> {
    let idf = Idf::new(units);
    let mut centroid: BTreeMap<String, f64> = BTreeMap::new();
    for (_, row) in units.iter().filter(|(key, _)| seeds.contains(key)) {
        for (term, w) in idf.vector(&row.text) {
            *centroid.entry(term).or_insert(0.0) += w;
        }
    }
    let norm = centroid.values().map(|w| w * w).sum::<f64>().sqrt();
    if norm == 0.0 {
        return Vec::new();
    }
    centroid.values_mut().for_each(|w| *w /= norm);
    let centroid: HashMap<String, f64> = centroid.into_iter().collect();
    let contributions = |text: &str| -> Vec<(String, f64)> {
        idf.vector(text)
            .into_iter()
            .filter_map(|(term, w)| centroid.get(&term).map(|c| (term, w * c)))
            .collect()
    };
    let mut scored: Vec<(f64, UnitKey, usize)> = units
        .par_iter()
        .enumerate()
        .filter(|(_, (key, _))| !seeds.contains(key) && !skip.contains(key))
        .filter_map(|(i, (key, row))| {
            // Summed in term order, so the score is the same whatever the threads.
            let score: f64 = contributions(&row.text).iter().map(|(_, x)| x).sum();
            (score > 0.0).then_some((score, *key, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(limit);
    scored
        .into_iter()
        .map(|(score, key, i)| {
            let mut parts = contributions(&units[i].1.text);
            parts.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Neighbour {
                key,
                score,
                words: parts.into_iter().take(words).map(|(t, _)| t).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(segment: usize, text: &str) -> SegmentRow {
        SegmentRow {
            segment,
            block: segment,
            kind: "paragraph",
            coded: true,
            byte_start: 0,
            byte_end: 0,
            char_start: 0,
            char_end: 0,
            line_start: 1,
            line_end: 1,
            word_count: 0,
            page: None,
            turn: None,
            label: 0,
            text: text.to_string(),
        }
    }

    #[test]
    fn ranks_by_shared_rare_words() {
        let rows = [
            row(0, "The officials trust the NGO after years of work."),
            row(1, "Officials came to trust the group and its work."),
            row(2, "The weather was fine and the harvest good."),
            row(3, "Goodwill of officials helped the group."),
            row(4, "The group and the weather."),
        ];
        let units: Vec<(UnitKey, &SegmentRow)> = rows.iter().map(|r| ((0, r.segment), r)).collect();
        let seeds = BTreeSet::from([(0, 0)]);
        let found = similar(&units, &seeds, &BTreeSet::from([(0, 3)]), 10, 2);
        let keys: Vec<UnitKey> = found.iter().map(|n| n.key).collect();
        // Unit 1 shares officials, trust, work; unit 4 and 2 share nothing but function words
        // or nothing at all; unit 3 is skipped.
        assert_eq!(keys, vec![(0, 1)]);
        assert_eq!(found[0].words.len(), 2);
        assert!(found[0]
            .words
            .iter()
            .all(|w| ["officials", "trust", "work"].contains(&w.as_str())));
        assert!(found[0].score > 0.0 && found[0].score <= 1.0 + 1e-12);
        // The seeds' own text scores 1 against itself (cosine of equal vectors).
        let same = [row(0, "trust officials"), row(1, "officials trust")];
        let units: Vec<(UnitKey, &SegmentRow)> = same.iter().map(|r| ((0, r.segment), r)).collect();
        let found = similar(&units, &BTreeSet::from([(0, 0)]), &BTreeSet::new(), 5, 5);
        assert!((found[0].score - 1.0).abs() < 1e-12, "{found:?}");
    }
}
