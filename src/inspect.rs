//! Inspection, the methodologist's view of a codebook at work: coded documents, the codebook
//! and its compiled [`Matcher`] in; lint warnings (`check`), keyword-in-context lines (`kwic`)
//! and the account of one unit's coding (`explain`) out, as plain values and text.
//!
//! Every account re-traces units with [`Matcher::trace_unit`], the function the run itself
//! codes with, so what is shown is what the run does.

use crate::codebook::{Codebook, PatternKind};
use crate::coding::{Candidate, CodedDocument, Matcher, SegmentRow, Status, UnitTrace};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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

/// Traces every coded unit of the documents and counts what each rule did.
pub fn corpus_stats(
    codebook: &Codebook,
    matcher: &Matcher,
    documents: &[CodedDocument],
) -> CorpusStats {
    let mut stats = CorpusStats {
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
    };
    for unit in documents
        .iter()
        .flat_map(|d| d.segments.iter().filter(|s| s.coded))
    {
        stats.units += 1;
        let trace = matcher.trace_unit(&unit.text);
        let mut counted_rules = Vec::new();
        for c in &trace.candidates {
            let rule = &mut stats.rules[c.code][c.rule];
            rule.found += 1;
            match c.status {
                Status::Counted => {
                    rule.counted += 1;
                    counted_rules.push((c.code, c.rule));
                }
                Status::Vetoed(x) => stats.vetoes[c.code][x] += 1,
                Status::Overlapped => {
                    if let Some(winner) = winner(&trace, c) {
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
    stats
}

/// The counted match of the same code that an overlapped candidate lost to.
fn winner(trace: &UnitTrace, loser: &Candidate) -> Option<usize> {
    trace
        .candidates
        .iter()
        .find(|w| {
            w.status == Status::Counted
                && w.code == loser.code
                && w.start < loser.end
                && loser.start < w.end
        })
        .map(|w| w.rule)
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

/// One keyword-in-context line: `left`, `matched` and `right` put together read as the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kwic {
    pub document: String,
    pub line: usize,
    pub segment: usize,
    pub code: String,
    pub rule: String,
    pub left: String,
    pub matched: String,
    pub right: String,
    pub char_start: usize,
    pub char_end: usize,
}

/// What `kwic` looks for: a code's counted matches, or one rule's.
pub enum Target {
    Code(usize),
    Rule(usize, usize),
}

/// Resolves a code or rule id.
pub fn target(codebook: &Codebook, name: &str) -> Option<Target> {
    if let Some(c) = codebook.codes.iter().position(|c| c.id == name) {
        return Some(Target::Code(c));
    }
    codebook.codes.iter().enumerate().find_map(|(c, code)| {
        code.rules
            .iter()
            .position(|r| r.id == name)
            .map(|r| Target::Rule(c, r))
    })
}

/// Runs of whitespace (line breaks included) become one space, also at the edges.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !c.is_whitespace() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

/// The end of squeezed text from the start of its `n`-th word from the end.
fn last_words(text: &str, n: usize) -> String {
    let trimmed = text.trim_end();
    let starts: Vec<usize> = trimmed.match_indices(' ').map(|(i, _)| i + 1).collect();
    let from = if n == 0 {
        trimmed.len()
    } else {
        starts.len().checked_sub(n).map_or(0, |k| starts[k])
    };
    text[from..].to_string()
}

/// The start of squeezed text up to the end of its `n`-th word.
fn first_words(text: &str, n: usize) -> String {
    let lead = text.len() - text.trim_start().len();
    let ends: Vec<usize> = text[lead..]
        .match_indices(' ')
        .map(|(i, _)| lead + i)
        .collect();
    let to = if n == 0 {
        lead
    } else {
        ends.get(n - 1).copied().unwrap_or(text.len())
    };
    text[..to].to_string()
}

/// The counted matches of the target with `context` words either side, taken from the source
/// text within the match's unit. `text` is each document's decoded text.
pub fn kwic(
    codebook: &Codebook,
    documents: &[(&CodedDocument, &str)],
    target: &Target,
    context: usize,
) -> Vec<Kwic> {
    let mut lines = Vec::new();
    for (doc, text) in documents {
        let bom = doc.bom_len;
        for m in &doc.matches {
            let wanted = match *target {
                Target::Code(c) => m.code == c,
                Target::Rule(c, r) => m.code == c && m.rule == r,
            };
            if !wanted {
                continue;
            }
            let unit: &SegmentRow = &doc.segments[m.segment];
            let (us, ue) = (unit.byte_start - bom, unit.byte_end - bom);
            let (ms, me) = (m.byte_start - bom, m.byte_end - bom);
            // Whitespace is squeezed but kept at the edges: `'First` stays attached.
            let left = squeeze(&text[us..ms]);
            let right = squeeze(&text[me..ue]);
            lines.push(Kwic {
                document: doc.id.clone(),
                line: m.line,
                segment: m.segment,
                code: codebook.codes[m.code].id.clone(),
                rule: codebook.codes[m.code].rules[m.rule].id.clone(),
                left: last_words(&left, context),
                matched: squeeze(&text[ms..me]),
                right: first_words(&right, context),
                char_start: m.char_start,
                char_end: m.char_end,
            });
        }
    }
    lines
}

/// A unit's coding told in full: every match with its status and weight, then each code's
/// decision against its threshold, and the codes it gets through its children.
pub fn explain(
    codebook: &Codebook,
    document: &str,
    unit: &SegmentRow,
    trace: &UnitTrace,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{document}, segment {}: {}, lines {}-{}, chars {}-{}",
        unit.segment, unit.kind, unit.line_start, unit.line_end, unit.char_start, unit.char_end
    );
    let preview: String = unit.text.chars().take(300).collect();
    let ellipsis = if unit.text.chars().count() > 300 {
        "…"
    } else {
        ""
    };
    let _ = writeln!(out, "  {preview}{ellipsis}\n");
    if trace.candidates.is_empty() {
        let _ = writeln!(out, "no rule matches in this unit");
    } else {
        let _ = writeln!(out, "matches:");
        for c in &trace.candidates {
            let code = &codebook.codes[c.code];
            let rule = &code.rules[c.rule];
            let status = match c.status {
                Status::Vetoed(x) => format!("vetoed by {}", code.exclusions[x].id),
                Status::Counted => format!("counted, weight {}", rule.weight),
                other => other.as_str().to_string(),
            };
            let _ = writeln!(
                out,
                "  {:<16} {:<24} {:<28} {}{}",
                code.id,
                rule.id,
                format!("{:?}", &unit.text[c.start..c.end]),
                status,
                if c.negated { " (after a negator)" } else { "" }
            );
        }
    }
    let _ = writeln!(out, "\ndecisions:");
    let mut applied: Vec<usize> = Vec::new();
    for d in &trace.decisions {
        let code = &codebook.codes[d.code];
        let basis = match d.sentences {
            Some(n) => format!(
                "{n} sentence{} reach threshold {} (needs {})",
                if n == 1 { "" } else { "s" },
                code.threshold,
                code.min_sentences
            ),
            None => format!(
                "score {} {} threshold {}",
                d.score,
                if d.applied { ">=" } else { "<" },
                code.threshold
            ),
        };
        let _ = writeln!(
            out,
            "  {:<16} {basis}: {}",
            code.id,
            if d.applied { "applied" } else { "not applied" }
        );
        if d.applied {
            applied.push(d.code);
        }
    }
    let mut inherited: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for &c in &applied {
        for a in codebook.ancestors(c) {
            if !applied.contains(&a) {
                inherited.entry(a).or_default().push(&codebook.codes[c].id);
            }
        }
    }
    for (a, children) in inherited {
        let _ = writeln!(
            out,
            "  {:<16} applied through {}",
            codebook.codes[a].id,
            children.join(", ")
        );
    }
    if trace.decisions.is_empty() {
        let _ = writeln!(out, "  no code has a counted match: none applied");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_what_touches_the_match() {
        let left = squeeze("the  so-called\n '");
        assert_eq!(left, "the so-called '");
        assert_eq!(last_words(&left, 1), "'");
        assert_eq!(last_words(&left, 2), "so-called '");
        assert_eq!(last_words(&left, 9), "the so-called '");
        assert_eq!(last_words(&squeeze("a b "), 1), "b ");
        let right = squeeze("' (yibashou). This is");
        assert_eq!(first_words(&right, 1), "'");
        assert_eq!(first_words(&right, 2), "' (yibashou).");
        assert_eq!(first_words(&squeeze(" and more"), 1), " and");
        assert_eq!(first_words("x", 0), "");
    }
}
