//! `suggest`: a code, the codebook with its compiled [`Matcher`], the run's coded units and a
//! hand coding in; candidate rules out — terms to add (words, phrases of two or three words,
//! `stem*` forms) that are frequent in the units the hand coder gave the code and rare in the
//! others, and exclusions that would veto the machine's matches in units the coder did not
//! code — each with what it would change and the kappa it would give.
//!
//! Candidates are ranked first by keyness: the log-odds ratio of a unit containing the term in
//! the two groups of units, with an informative Dirichlet prior (Monroe, Colaresi and Quinn
//! 2008, "Fightin' words"), as a z-score. The best of them are then tried for real: the rule
//! is added to a copy of the codebook, the units where it can match are coded again with the
//! same [`Matcher`] the run uses, and the confusion matrix is recounted. So `kappa_after` is
//! what `agree` measures once the rule is in the codebook, not an estimate.

use super::agree::{Coder, Confusion, UnitKey};
use super::tokens::{is_stopword, stem, tokens, Token};
use crate::codebook::{Codebook, Rule};
use crate::coding::{Matcher, MatcherError, SegmentRow};
use std::collections::{BTreeMap, BTreeSet};

/// Prior strength of the keyness statistic, in units: how much a term's rate over all units
/// pulls its rate in each group before the group's own counts speak.
const PRIOR_UNITS: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A term for a new rule of the code.
    Add,
    /// A term for a new exclusion of the code.
    Exclude,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Add => "add",
            Kind::Exclude => "exclude",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// A candidate must occur in at least this many units of the group it speaks for.
    pub min_units: usize,
    /// How many candidates of each kind, best by keyness, are tried.
    pub shortlist: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_units: 2,
            shortlist: 150,
        }
    }
}

/// One candidate and what it would do to the agreement on its code.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub term: String,
    pub kind: Kind,
    /// The keyness z-score that put it on the shortlist.
    pub keyness: f64,
    /// Units of the group it speaks for that contain it (add: units the hand coder gave the
    /// code; exclude: units the machine coded but the hand coder did not) and of the other group.
    pub units_for: usize,
    pub units_against: usize,
    /// Units it would newly code that the hand coder coded (right) or did not (wrong).
    pub adds_right: usize,
    pub adds_wrong: usize,
    /// Units it would stop coding that the hand coder did not code (right) or did (wrong).
    pub removes_right: usize,
    pub removes_wrong: usize,
    pub kappa_before: Option<f64>,
    pub kappa_after: Option<f64>,
    /// The units whose decision it changes, by key.
    pub changed: Vec<UnitKey>,
}

/// What `suggest` found for a code: the agreement now, and the candidates, best first.
#[derive(Debug, Clone)]
pub struct Suggestions {
    pub before: Confusion,
    pub candidates: Vec<Suggestion>,
}

/// A unit the hand coder judged for the code, with both decisions.
struct Judged<'a> {
    key: UnitKey,
    row: &'a SegmentRow,
    gold: bool,
    machine: bool,
    tokens: Vec<Token>,
    /// The unit's text lower-cased with whitespace squeezed: where a term could match.
    folded: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    #[error("the hand coding does not judge code {0:?}: give it a column (or rows) for it")]
    NotJudged(String),
    #[error(transparent)]
    Matcher(#[from] MatcherError),
}

/// Candidate rules and exclusions for `code`, best first: by the kappa they would give, then
/// by keyness. Of candidates that change exactly the same units, only the narrowest is kept
/// (a word rather than its `stem*`, a phrase rather than its words): it claims no more than
/// the hand coding shows. `units` gives the text of the run's coded units by key; `gold` and
/// `machine` are coders as `agree` reads them.
pub fn suggest(
    codebook: &Codebook,
    code: usize,
    units: &BTreeMap<UnitKey, &SegmentRow>,
    gold: &Coder,
    machine: &Coder,
    settings: &Settings,
) -> Result<Suggestions, SuggestError> {
    if !gold.judged_codes[code] {
        return Err(SuggestError::NotJudged(codebook.codes[code].id.clone()));
    }
    let judged: Vec<Judged> = gold
        .units
        .iter()
        .filter_map(|(key, codes)| {
            let row = *units.get(key)?;
            Some(Judged {
                key: *key,
                row,
                gold: codes.contains(&code),
                machine: machine.units.get(key).is_some_and(|m| m.contains(&code)),
                tokens: tokens(&row.text),
                folded: fold(&row.text),
            })
        })
        .collect();
    let before = confusion(judged.iter().map(|u| (u.gold, u.machine)));
    let existing: BTreeSet<String> = codebook.codes[code]
        .rules
        .iter()
        .chain(&codebook.codes[code].exclusions)
        .flat_map(|r| r.patterns.iter().map(|p| fold(&p.source)))
        .collect();
    let mut shortlist = add_candidates(&judged, settings);
    shortlist.extend(exclude_candidates(codebook, code, &judged, settings)?);
    // Per kind and set of changed units, the narrowest candidate.
    let mut narrowest: BTreeMap<(Kind, Vec<UnitKey>), Suggestion> = BTreeMap::new();
    for candidate in shortlist {
        if existing.contains(&candidate.term) {
            continue;
        }
        let Some(tried) = try_candidate(codebook, code, &judged, &candidate, before)? else {
            continue;
        };
        let narrowness =
            |s: &Suggestion| (!s.term.ends_with('*'), s.term.split(' ').count(), s.keyness);
        match narrowest.entry((tried.kind, tried.changed.clone())) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(tried);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let (held, new) = (narrowness(slot.get()), narrowness(&tried));
                if (new.0, new.1)
                    .cmp(&(held.0, held.1))
                    .then(new.2.total_cmp(&held.2))
                    == std::cmp::Ordering::Greater
                {
                    slot.insert(tried);
                }
            }
        }
    }
    let mut out: Vec<Suggestion> = narrowest.into_values().collect();
    out.sort_by(|a, b| {
        let kappa = |s: &Suggestion| s.kappa_after.unwrap_or(f64::NEG_INFINITY);
        kappa(b)
            .total_cmp(&kappa(a))
            .then(b.keyness.total_cmp(&a.keyness))
            .then_with(|| (a.kind, &a.term).cmp(&(b.kind, &b.term)))
    });
    Ok(Suggestions {
        before,
        candidates: out,
    })
}

/// Lower case, whitespace squeezed: what a term's text is compared on before it is tried.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn confusion(decisions: impl Iterator<Item = (bool, bool)>) -> Confusion {
    let mut c = Confusion::default();
    for (gold, machine) in decisions {
        match (gold, machine) {
            (true, true) => c.tp += 1,
            (false, true) => c.fp += 1,
            (true, false) => c.fn_ += 1,
            (false, false) => c.tn += 1,
        }
    }
    c
}

/// A term before it is tried: its keyness and its counts in the two groups.
struct Candidate {
    term: String,
    kind: Kind,
    keyness: f64,
    units_for: usize,
    units_against: usize,
}

/// The terms of one unit that could become rules: words and unspaced pairs that are not
/// function words, phrases of two and three words that neither start nor end with one, and
/// the `stem*` of words with a known ending.
fn unit_terms(tokens: &[Token]) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.unspaced {
            terms.insert(t.text.clone());
            continue;
        }
        if is_stopword(&t.text) || t.text.chars().count() < 2 {
            continue;
        }
        terms.insert(t.text.clone());
        if let Some(stem) = stem(&t.text) {
            terms.insert(format!("{stem}*"));
        }
        // Phrases ending with this word.
        let mut phrase = vec![t.text.as_str()];
        for j in (i.saturating_sub(2)..i).rev() {
            if tokens[j + 1].unspaced || !tokens[j + 1].follows || tokens[j].unspaced {
                break;
            }
            phrase.insert(0, &tokens[j].text);
            if !is_stopword(&tokens[j].text) {
                terms.insert(phrase.join(" "));
            }
        }
    }
    terms
}

/// The log-odds z-score of a term occurring in `a` of `n_a` units of one group and `b` of
/// `n_b` of the other, each group's rate smoothed towards the term's overall rate.
fn keyness(a: usize, n_a: usize, b: usize, n_b: usize) -> f64 {
    let overall = (a + b) as f64 / (n_a + n_b) as f64;
    let (prior_yes, prior_no) = (PRIOR_UNITS * overall, PRIOR_UNITS * (1.0 - overall));
    let part = |k: usize, n: usize| {
        let (yes, no) = (k as f64 + prior_yes, (n - k) as f64 + prior_no);
        ((yes / no).ln(), 1.0 / yes + 1.0 / no)
    };
    let (log_odds_a, var_a) = part(a, n_a);
    let (log_odds_b, var_b) = part(b, n_b);
    (log_odds_a - log_odds_b) / (var_a + var_b).sqrt()
}

/// The best of `counts` (term → units in the group it speaks for, in the other) by keyness.
fn shortlist(
    counts: BTreeMap<String, (usize, usize)>,
    n_for: usize,
    n_against: usize,
    kind: Kind,
    settings: &Settings,
) -> Vec<Candidate> {
    let mut candidates: Vec<Candidate> = counts
        .into_iter()
        .filter(|(_, (k, _))| *k >= settings.min_units)
        .map(|(term, (k, other))| Candidate {
            keyness: keyness(k, n_for, other, n_against),
            term,
            kind,
            units_for: k,
            units_against: other,
        })
        .filter(|c| c.keyness > 0.0)
        .collect();
    candidates.sort_by(|a, b| {
        b.keyness
            .total_cmp(&a.keyness)
            .then_with(|| a.term.cmp(&b.term))
    });
    candidates.truncate(settings.shortlist);
    candidates
}

/// Terms of the units the hand coder gave the code, against the units it did not; only terms
/// that occur in some coded unit the machine missed can add anything right.
fn add_candidates(judged: &[Judged], settings: &Settings) -> Vec<Candidate> {
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut useful: BTreeSet<String> = BTreeSet::new();
    for unit in judged {
        let terms = unit_terms(&unit.tokens);
        if unit.gold && !unit.machine {
            useful.extend(terms.iter().cloned());
        }
        for term in terms {
            let entry = counts.entry(term).or_default();
            if unit.gold {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
    }
    counts.retain(|term, _| useful.contains(term));
    let coded = judged.iter().filter(|u| u.gold).count();
    shortlist(counts, coded, judged.len() - coded, Kind::Add, settings)
}

/// Phrases around the machine's counted matches of the code, with a word or two of context
/// on either side (`trust` → `trust fund`, `public trust`): in the units the hand coder did
/// not code (false positives) against those it did.
fn exclude_candidates(
    codebook: &Codebook,
    code: usize,
    judged: &[Judged],
    settings: &Settings,
) -> Result<Vec<Candidate>, SuggestError> {
    let matcher = Matcher::new(codebook)?;
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut useful: BTreeSet<String> = BTreeSet::new();
    let (mut wrong, mut right) = (0, 0);
    for unit in judged.iter().filter(|u| u.machine) {
        let result = matcher.code_unit(&unit.row.text);
        let mut phrases = BTreeSet::new();
        for m in result.matches.iter().filter(|m| m.code == code) {
            let inside: Vec<usize> = (0..unit.tokens.len())
                .filter(|&i| unit.tokens[i].start < m.end && m.start < unit.tokens[i].end)
                .collect();
            if let (Some(&first), Some(&last)) = (inside.first(), inside.last()) {
                phrases.extend(context_phrases(&unit.tokens, first, last));
            }
        }
        if unit.gold {
            right += 1;
        } else {
            wrong += 1;
            useful.extend(phrases.iter().cloned());
        }
        for phrase in phrases {
            let entry = counts.entry(phrase).or_default();
            if unit.gold {
                entry.1 += 1;
            } else {
                entry.0 += 1;
            }
        }
    }
    counts.retain(|term, _| useful.contains(term));
    Ok(shortlist(counts, wrong, right, Kind::Exclude, settings))
}

/// The match's words (tokens `first..=last`) with one or two words before or after it, when
/// they run on across whitespace only and the outer word is not a function word.
fn context_phrases(tokens: &[Token], first: usize, last: usize) -> Vec<String> {
    let joined = |from: usize, to: usize| -> Option<String> {
        let run = tokens.get(from..=to)?;
        let phrase_like = run.iter().all(|t| !t.unspaced)
            && run.iter().skip(1).all(|t| t.follows)
            && !is_stopword(&run[0].text)
            && !is_stopword(&run[run.len() - 1].text);
        phrase_like.then(|| {
            run.iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let mut out = Vec::new();
    for extra in 1..=2 {
        if let Some(from) = first.checked_sub(extra) {
            out.extend(joined(from, last));
        }
        out.extend(joined(first, last + extra));
    }
    out
}

/// Adds the candidate to a copy of the codebook, codes again every judged unit whose text
/// contains it, and recounts. None when it changes no decision.
fn try_candidate(
    codebook: &Codebook,
    code: usize,
    judged: &[Judged],
    candidate: &Candidate,
    before: Confusion,
) -> Result<Option<Suggestion>, SuggestError> {
    let id = format!("{}_suggested", codebook.codes[code].id);
    let Ok(rule) = Rule::of_terms(&id, &[&candidate.term]) else {
        return Ok(None);
    };
    let mut changed = codebook.clone();
    match candidate.kind {
        Kind::Add => changed.codes[code].rules.push(rule),
        Kind::Exclude => changed.codes[code].exclusions.push(rule),
    }
    let matcher = Matcher::new(&changed)?;
    let needle = candidate.term.trim_end_matches('*');
    let mut tried = Suggestion {
        term: candidate.term.clone(),
        kind: candidate.kind,
        keyness: candidate.keyness,
        units_for: candidate.units_for,
        units_against: candidate.units_against,
        adds_right: 0,
        adds_wrong: 0,
        removes_right: 0,
        removes_wrong: 0,
        kappa_before: before.cohen_kappa(),
        kappa_after: None,
        changed: Vec::new(),
    };
    // A rule can only change units whose text contains its term; the others keep their decision.
    for unit in judged.iter().filter(|u| u.folded.contains(needle)) {
        let result = matcher.code_unit(&unit.row.text);
        let now = matcher
            .codings(unit.row.segment, &result)
            .iter()
            .any(|c| c.code == code);
        match (unit.machine, now, unit.gold) {
            (false, true, true) => tried.adds_right += 1,
            (false, true, false) => tried.adds_wrong += 1,
            (true, false, false) => tried.removes_right += 1,
            (true, false, true) => tried.removes_wrong += 1,
            _ => continue,
        }
        tried.changed.push(unit.key);
    }
    if tried.changed.is_empty() {
        return Ok(None);
    }
    let after = Confusion {
        tp: before.tp + tried.adds_right as u32 - tried.removes_wrong as u32,
        fp: before.fp + tried.adds_wrong as u32 - tried.removes_right as u32,
        fn_: before.fn_ + tried.removes_wrong as u32 - tried.adds_right as u32,
        tn: before.tn + tried.removes_right as u32 - tried.adds_wrong as u32,
    };
    tried.kappa_after = after.cohen_kappa();
    Ok(Some(tried))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_of_a_unit() {
        let terms = unit_terms(&tokens("The officials' goodwill, mutual trust of the NGO."));
        let expected = [
            "goodwill",
            "mutual",
            "mutual trust",
            "official*",
            "officials",
            "trust",
            "ngo",
        ];
        for t in expected {
            assert!(terms.contains(t), "{t} missing from {terms:?}");
        }
        // Phrases never span punctuation, nor start or end with a function word.
        for t in [
            "officials goodwill",
            "goodwill mutual",
            "the officials",
            "trust of",
            "of the ngo",
        ] {
            assert!(!terms.contains(t), "{t} in {terms:?}");
        }
    }

    #[test]
    fn keyness_favours_terms_of_the_coded_units() {
        // In 8 of 10 coded units and 2 of 90 others: strongly key; the reverse: negative.
        assert!(keyness(8, 10, 2, 90) > 3.0);
        assert!(keyness(2, 10, 60, 90) < 0.0);
        // More evidence for the same rates, a larger z.
        assert!(keyness(16, 20, 4, 180) > keyness(8, 10, 2, 90));
    }

    #[test]
    fn exclusions_reach_a_word_or_two_beyond_the_match() {
        let t = tokens("a trust fund for the public trust in government");
        // "trust" at token 1 and token 6.
        assert_eq!(context_phrases(&t, 1, 1), vec!["trust fund"]);
        let around = context_phrases(&t, 6, 6);
        assert!(around.contains(&"public trust".to_string()), "{around:?}");
        assert!(
            around.contains(&"trust in government".to_string()),
            "{around:?}"
        );
        assert!(!around.contains(&"trust in".to_string()));
    }
}
