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

/// Document frequencies and the unit count, from which idf is computed: gathered a slice of
/// units at a time ([`Vocabulary::add`]), so the corpus need not be held.
#[derive(Default)]
pub struct Vocabulary {
    units: usize,
    df: HashMap<String, u32>,
}

impl Vocabulary {
    /// Counts the terms of some of the run's units (each unit once, in parallel).
    pub fn add(&mut self, texts: &[&str]) {
        let df = texts
            .par_iter()
            .fold(HashMap::new, |mut df: HashMap<String, u32>, text| {
                for term in term_counts(text).into_keys() {
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
        for (term, n) in df {
            *self.df.entry(term).or_insert(0) += n;
        }
        self.units += texts.len();
    }

    /// How many units were counted.
    pub fn units(&self) -> usize {
        self.units
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

/// The seeds' centroid, once the [`Vocabulary`] of every unit is known: the sum of their
/// vectors, gathered a slice at a time.
pub struct Centroid {
    vocabulary: Vocabulary,
    sum: BTreeMap<String, f64>,
}

impl Centroid {
    pub fn new(vocabulary: Vocabulary) -> Self {
        Centroid {
            vocabulary,
            sum: BTreeMap::new(),
        }
    }

    /// Adds seed units' texts.
    pub fn add(&mut self, texts: &[&str]) {
        for text in texts {
            for (term, w) in self.vocabulary.vector(text) {
                *self.sum.entry(term).or_insert(0.0) += w;
            }
        }
    }

    /// The ranking of the other units against the seeds, keeping the `limit` best, each with
    /// its `words` terms that add most; `None` when the seeds have no term at all.
    pub fn ranking<P: Send + Sync>(
        self,
        exclude: BTreeSet<UnitKey>,
        limit: usize,
        words: usize,
    ) -> Option<Ranking<P>> {
        let norm = self.sum.values().map(|w| w * w).sum::<f64>().sqrt();
        if norm == 0.0 {
            return None;
        }
        Some(Ranking {
            vocabulary: self.vocabulary,
            centroid: self.sum.into_iter().map(|(t, w)| (t, w / norm)).collect(),
            exclude,
            limit,
            words,
            best: Vec::new(),
        })
    }
}

/// The units most like the seeds among those given so far ([`Ranking::add`]): only the
/// `limit` best are kept, so memory follows the list, not the corpus.
pub struct Ranking<P> {
    vocabulary: Vocabulary,
    centroid: HashMap<String, f64>,
    exclude: BTreeSet<UnitKey>,
    limit: usize,
    words: usize,
    /// (score, key, text, what the caller keeps of the unit)
    best: Vec<(f64, UnitKey, String, P)>,
}

impl<P: Send + Sync> Ranking<P> {
    fn contributions(&self, text: &str) -> Vec<(String, f64)> {
        self.vocabulary
            .vector(text)
            .into_iter()
            .filter_map(|(term, w)| self.centroid.get(&term).map(|c| (term, w * c)))
            .collect()
    }

    /// Scores some units (key, text, payload), in parallel; the excluded ones and those that
    /// share no term with the seeds are passed over.
    pub fn add(&mut self, units: Vec<(UnitKey, String, P)>) {
        let scored: Vec<(f64, UnitKey, String, P)> = units
            .into_par_iter()
            .filter(|(key, _, _)| !self.exclude.contains(key))
            .filter_map(|(key, text, payload)| {
                // Summed in term order, so the score is the same whatever the threads.
                let score: f64 = self.contributions(&text).iter().map(|(_, x)| x).sum();
                (score > 0.0).then_some((score, key, text, payload))
            })
            .collect();
        self.best.extend(scored);
        if self.best.len() > 2 * self.limit + 1024 {
            self.keep_best();
        }
    }

    fn keep_best(&mut self) {
        self.best
            .sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        self.best.truncate(self.limit);
    }

    /// The best units, best first (ties by key), each with what the caller kept of it.
    pub fn finish(mut self) -> Vec<(Neighbour, String, P)> {
        self.keep_best();
        let best = std::mem::take(&mut self.best);
        best.into_iter()
            .map(|(score, key, text, payload)| {
                let mut parts = self.contributions(&text);
                parts.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let words = parts.into_iter().take(self.words).map(|(t, _)| t).collect();
                (Neighbour { key, score, words }, text, payload)
            })
            .collect()
    }
}

/// The `limit` units most like the seeds, best first, leaving out the seeds and the units in
/// `skip` (those the code already has); only units that share a term with the seeds. The
/// units all at once: [`Vocabulary`], [`Centroid`] and [`Ranking`] do the same a slice at a
/// time.
pub fn similar(
    units: &[(UnitKey, &SegmentRow)],
    seeds: &BTreeSet<UnitKey>,
    skip: &BTreeSet<UnitKey>,
    limit: usize,
    words: usize,
) -> Vec<Neighbour> {
    let texts: Vec<&str> = units.iter().map(|(_, row)| row.text.as_str()).collect();
    let mut vocabulary = Vocabulary::default();
    vocabulary.add(&texts);
    let mut centroid = Centroid::new(vocabulary);
    let seed_texts: Vec<&str> = units
        .iter()
        .filter(|(key, _)| seeds.contains(key))
        .map(|(_, row)| row.text.as_str())
        .collect();
    centroid.add(&seed_texts);
    let exclude = seeds.union(skip).copied().collect();
    let Some(mut ranking) = centroid.ranking::<()>(exclude, limit, words) else {
        return Vec::new();
    };
    ranking.add(
        units
            .iter()
            .map(|(key, row)| (*key, row.text.clone(), ()))
            .collect(),
    );
    ranking.finish().into_iter().map(|(n, _, ())| n).collect()
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
