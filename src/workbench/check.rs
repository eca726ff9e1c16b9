//! `check`: a codebook, its compiled [`Matcher`] and the texts of a run's coded units in, one
//! at a time; how often each rule found, counted and was vetoed ([`CorpusStats`]) and lint
//! warnings at codebook lines out.
//!
//! Units are re-traced with [`Matcher::trace_unit`], the function the run itself codes with,
//! so the counts are what the run does.

use crate::codebook::{Codebook, PatternKind};
use crate::coding::{Candidate, Matcher, Status, UnitTrace};
use std::collections::BTreeMap;

/// How often one rule (or exclusion) found something over a corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStats {
    /// Matches found, counted or not.
    pub found: usize,
    pub counted: usize,
    /// Units with at least one counted match.
    pub units: usize,
    /// For matches that lost to an overlapping counted match of the same code: which rule won.
    pub overlapped_by: BTreeMap<usize, usize>,
}

/// Per code: its rules' statistics and how many matches each exclusion vetoed.
#[derive(Debug, Clone, Default)]
pub struct CorpusStats {
    pub units: usize,
    pub rules: Vec<Vec<RuleStats>>,
    pub vetoes: Vec<Vec<usize>>,
}

impl CorpusStats {
    /// No unit counted yet.
    pub fn new(codebook: &Codebook) -> Self {
        CorpusStats {
            units: 0,
            rules: codebook
                .codes
                .iter()
                .map(|c| vec![RuleStats::default(); c.rules.len()])
                .collect(),
            vetoes: codebook
                .codes
                .iter()
                .map(|c| vec![0; c.exclusions.len()])
                .collect(),
        }
    }

    /// Traces one more coded unit (its text) and counts what each rule did there.
    pub fn add_unit(&mut self, matcher: &Matcher, text: &str) {
        let stats = self;
        stats.units += 1;
        let trace = matcher.trace_unit(text);
        let winners = Winners::of(&trace);
        let mut counted_rules = Vec::new();
        for c in &trace.candidates {
            let rule = &mut stats.rules[c.code][c.rule];
            rule.found += 1;
            match c.status {
                Status::Counted => {
                    rule.counted += 1;
                    counted_rules.push((c.code, c.rule));
                }
                Status::Vetoed { exclusion, .. } => stats.vetoes[c.code][exclusion] += 1,
                Status::Overlapped => {
                    if let Some(winner) = winners.of_loser(c) {
                        *rule.overlapped_by.entry(winner).or_default() += 1;
                    }
                }
                _ => {}
            }
        }
        counted_rules.sort_unstable();
        counted_rules.dedup();
        for (code, rule) in counted_rules {
            stats.rules[code][rule].units += 1;
        }
    }
}

/// A unit's counted matches per code, by position: of one code they never overlap, so the
/// one an overlapped candidate lost to is a binary search away (a search through every
/// candidate for each took minutes on a unit of a million matches).
struct Winners {
    /// `(code, start, end, rule)`, ascending.
    counted: Vec<(usize, usize, usize, usize)>,
}

impl Winners {
    fn of(trace: &UnitTrace) -> Winners {
        let mut counted: Vec<(usize, usize, usize, usize)> = trace
            .candidates
            .iter()
            .filter(|c| c.status == Status::Counted)
            .map(|c| (c.code, c.start, c.end, c.rule))
            .collect();
        counted.sort_unstable();
        Winners { counted }
    }

    /// The rule of the first counted match of the loser's code that overlaps it.
    fn of_loser(&self, loser: &Candidate) -> Option<usize> {
        // The first of the code's counted matches that ends after the loser starts (their
        // ends ascend with their starts), if it starts before the loser ends.
        let at = self.counted.partition_point(|&(code, _, end, _)| {
            code < loser.code || (code == loser.code && end <= loser.start)
        });
        self.counted
            .get(at)
            .filter(|&&(code, start, _, _)| code == loser.code && start < loser.end)
            .map(|&(_, _, _, rule)| rule)
    }
}

/// A lint finding, at a line of the codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    pub line: usize,
    pub message: String,
}

/// Warnings about a codebook on a corpus: rules that never match, never count (shadowed) or
/// match too many units, exclusions that never veto, and terms shared by two codes.
pub fn lint(codebook: &Codebook, stats: &CorpusStats, max_share: f64) -> Vec<Lint> {
    let mut lints: Vec<Lint> = codebook
        .warnings
        .iter()
        .map(|w| Lint {
            line: w.line,
            message: w.message.clone(),
        })
        .collect();
    for (c, code) in codebook.codes.iter().enumerate() {
        for (r, rule) in code.rules.iter().enumerate() {
            let s = &stats.rules[c][r];
            let at = |message: String| Lint {
                line: rule.line,
                message,
            };
            if s.found == 0 {
                lints.push(at(format!(
                    "rule {} of {} never matches in the corpus ({} units)",
                    rule.id, code.id, stats.units
                )));
            } else if s.counted == 0 && !s.overlapped_by.is_empty() {
                let (&by, _) = s
                    .overlapped_by
                    .iter()
                    .max_by_key(|(_, n)| **n)
                    .expect("not empty");
                lints.push(at(format!(
                    "rule {} of {} is shadowed: its {} matches all lie inside matches of rule {}, which count instead",
                    rule.id, code.id, s.found, code.rules[by].id
                )));
            }
            let share = s.units as f64 / stats.units.max(1) as f64;
            if share > max_share {
                lints.push(at(format!(
                    "rule {} of {} counts in {:.0}% of units (more than {:.0}%): too broad?",
                    rule.id,
                    code.id,
                    share * 100.0,
                    max_share * 100.0
                )));
            }
        }
        for (x, exclusion) in code.exclusions.iter().enumerate() {
            if stats.vetoes[c][x] == 0 {
                lints.push(Lint {
                    line: exclusion.line,
                    message: format!(
                        "exclusion {} of {} never vetoes a match",
                        exclusion.id, code.id
                    ),
                });
            }
        }
    }
    // The same term in two codes: a unit with it gets both, which is rarely meant.
    let mut owners: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (c, code) in codebook.codes.iter().enumerate() {
        for (r, rule) in code.rules.iter().enumerate() {
            for p in &rule.patterns {
                if !matches!(p.kind, PatternKind::Regex(_)) {
                    let key = if p.case_sensitive {
                        p.source.clone()
                    } else {
                        p.source.to_lowercase()
                    };
                    owners.entry(key).or_default().push((c, r));
                }
            }
        }
    }
    for (term, places) in owners {
        let mut codes: Vec<usize> = places.iter().map(|&(c, _)| c).collect();
        codes.dedup();
        if codes.len() > 1 {
            let (c, r) = places[places.len() - 1];
            let named: Vec<String> = places
                .iter()
                .map(|&(c, r)| {
                    format!(
                        "{} (rule {})",
                        codebook.codes[c].id, codebook.codes[c].rules[r].id
                    )
                })
                .collect();
            lints.push(Lint {
                line: codebook.codes[c].rules[r].line,
                message: format!(
                    "term {term:?} is in more than one code: {}",
                    named.join(", ")
                ),
            });
        }
    }
    lints.sort_by(|a, b| (a.line, &a.message).cmp(&(b.line, &b.message)));
    lints
}
