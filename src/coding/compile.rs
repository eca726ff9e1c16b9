//! Compiling a codebook: a [`Codebook`] in, a [`Matcher`] out (or a [`MatcherError`] that
//! names the code, rule and line of a pattern that cannot be compiled). Literal and prefix
//! terms go to the automaton of [`super::scan`]; wildcards and regexes become `Regex`es,
//! pre-filtered by `RegexSet`s of them without their look-around assertions.

use super::negation::Negation;
use super::{scan, Matcher, Origin, PartnerKey, Role};
use crate::codebook::{Code, Codebook, Pattern, PatternKind, Scope};
use regex::{Regex, RegexSet};

impl Matcher {
    pub fn new(codebook: &Codebook) -> Result<Self, MatcherError> {
        let mut terms: Vec<(&str, bool)> = Vec::new();
        let mut term_origins: Vec<Origin> = Vec::new();
        let mut regexes: Vec<(Regex, Origin)> = Vec::new();
        let mut partner_keys: Vec<PartnerKey> = Vec::new();
        for (code_index, code) in codebook.codes.iter().enumerate() {
            let mut lists: Vec<(Role, usize, &[Pattern])> = Vec::new();
            for (i, rule) in code.rules.iter().enumerate() {
                lists.push((Role::Rule, i, &rule.patterns));
                lists.push((Role::Near, i, &rule.near));
                lists.push((Role::NotNear, i, &rule.not_near));
            }
            for (i, rule) in code.exclusions.iter().enumerate() {
                lists.push((Role::Exclusion, i, &rule.patterns));
            }
            for (role, rule_index, patterns) in lists {
                // In (code, rule, role) order, as `Partners` looks them up.
                let group = if matches!(role, Role::Near | Role::NotNear) && !patterns.is_empty() {
                    partner_keys.push((code_index, rule_index, role));
                    partner_keys.len() as u32 - 1
                } else {
                    u32::MAX
                };
                for (pattern_index, pattern) in patterns.iter().enumerate() {
                    let origin = Origin {
                        code: code_index,
                        rule: rule_index,
                        pattern: pattern_index,
                        role,
                        whole_word: true,
                        prefix: false,
                        case_sensitive: pattern.case_sensitive,
                        group,
                    };
                    let (text, prefix) = match &pattern.kind {
                        PatternKind::Literal(text) => (text, false),
                        PatternKind::Prefix(text) => (text, true),
                        PatternKind::Wildcard(re) => {
                            regexes.push((re.clone(), origin));
                            continue;
                        }
                        PatternKind::Regex(re) => {
                            let origin = Origin {
                                whole_word: false,
                                ..origin
                            };
                            regexes.push((re.clone(), origin));
                            continue;
                        }
                    };
                    // Every term, of any script and case, goes to the automaton, which folds
                    // case by Unicode simple case folding (`scan`).
                    terms.push((text, pattern.case_sensitive));
                    term_origins.push(Origin { prefix, ..origin });
                }
            }
        }
        let terms = if terms.is_empty() {
            None
        } else {
            Some((
                scan::Terms::new(&terms).map_err(MatcherError)?,
                term_origins,
            ))
        };
        let regex_sets = prefilter_sets(&codebook.codes, &regexes, SET_SIZE_LIMIT)?;
        Ok(Matcher {
            terms,
            regex_sets,
            regexes,
            codes: codebook.codes.clone(),
            ancestors: (0..codebook.codes.len())
                .map(|c| codebook.ancestors(c).collect())
                .collect(),
            negation: Negation::new(&codebook.negators, codebook.negation_window),
            sentences: codebook.codes.iter().any(|c| c.scope == Scope::Sentence),
            skip_speakers: codebook
                .skip_speakers
                .iter()
                .map(|name| crate::segment::labels::key(name))
                .collect(),
            partner_keys,
        })
    }
}

/// The compiled size a pre-filter set may reach: the `regex` crate's default, which one set of
/// 20,000 case-insensitive terms with accented letters passed after two minutes of compiling
/// (when such terms were regexes).
const SET_SIZE_LIMIT: usize = 10 << 20;

/// The `RegexSet`s that pre-filter the regexes, each with the index of its first regex: one
/// set, or several when a set of all of them would pass the regex crate's size limit
/// (thousands of wildcard terms in a dictionary), split in halves until each builds. A regex
/// too big even alone is named with its code, rule and line.
fn prefilter_sets(
    codes: &[Code],
    regexes: &[(Regex, Origin)],
    size_limit: usize,
) -> Result<Vec<(RegexSet, usize)>, MatcherError> {
    let patterns = regexes
        .iter()
        .map(|(re, origin)| {
            prefilter_pattern(re.as_str(), origin.case_sensitive)
                .map_err(|e| MatcherError(format!("{}: {}", describe(codes, origin), e.0)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut sets = Vec::new();
    let mut pending: Vec<std::ops::Range<usize>> = Vec::new();
    pending.push(0..patterns.len());
    while let Some(range) = pending.pop() {
        if range.is_empty() {
            continue;
        }
        let built = regex::RegexSetBuilder::new(&patterns[range.clone()])
            // The default 2 MB cache was cleared again and again by a codebook's dozen regexes
            // of Unicode classes. Default codebook over the 206 MB benchmark corpus: 16.2 s
            // before the pre-filter and this limit, 15.4 s with the limit alone, 3.6 s with
            // both.
            .dfa_size_limit(64 << 20)
            .size_limit(size_limit)
            .build();
        match built {
            Ok(set) => sets.push((set, range.start)),
            Err(e) if range.len() == 1 => {
                return Err(MatcherError(format!(
                    "{}: {}",
                    describe(codes, &regexes[range.start].1),
                    e
                )))
            }
            Err(_) => {
                let middle = range.start + range.len() / 2;
                // The second half is pushed first so that the sets come out in order.
                pending.push(middle..range.end);
                pending.push(range.start..middle);
            }
        }
    }
    Ok(sets)
}

/// A pattern's place in the codebook for an error: `code "c", rule "c.2" (line 14), term "x"`.
fn describe(codes: &[Code], origin: &Origin) -> String {
    let code = &codes[origin.code];
    let (kind, rule) = match origin.role {
        Role::Exclusion => ("exclusion", &code.exclusions[origin.rule]),
        _ => ("rule", &code.rules[origin.rule]),
    };
    let patterns = match origin.role {
        Role::Near => &rule.near,
        Role::NotNear => &rule.not_near,
        Role::Rule | Role::Exclusion => &rule.patterns,
    };
    let pattern = patterns
        .get(origin.pattern)
        .map(|p| format!(", pattern {:?}", p.source))
        .unwrap_or_default();
    format!(
        "code {:?}, {kind} {:?} (line {}){pattern}",
        code.id, rule.id, rule.line
    )
}

/// The pattern by which the `RegexSet` pre-filters a regex: the regex with its look-around
/// assertions (`\b`, `^`, `$`) taken out, so it matches wherever the regex does and more.
/// Why: Unicode `\b` makes the set's lazy DFA give up on any unit with a non-ASCII character
/// (curly quotes, dashes, accents: most web text) and fall back to a slow engine. The regex
/// itself, with its boundaries, then runs only on the units the set lets through.
fn prefilter_pattern(pattern: &str, case_sensitive: bool) -> Result<String, MatcherError> {
    use regex_syntax::hir::{Hir, HirKind};
    fn without_looks(hir: &Hir) -> Hir {
        match hir.kind() {
            HirKind::Look(_) => Hir::empty(),
            HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) => hir.clone(),
            HirKind::Repetition(rep) => Hir::repetition(regex_syntax::hir::Repetition {
                sub: Box::new(without_looks(&rep.sub)),
                ..rep.clone()
            }),
            HirKind::Capture(cap) => Hir::capture(regex_syntax::hir::Capture {
                sub: Box::new(without_looks(&cap.sub)),
                ..cap.clone()
            }),
            HirKind::Concat(subs) => Hir::concat(subs.iter().map(without_looks).collect()),
            HirKind::Alternation(subs) => {
                Hir::alternation(subs.iter().map(without_looks).collect())
            }
        }
    }
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(!case_sensitive)
        .build()
        .parse(pattern)
        .map_err(|e| MatcherError(e.to_string()))?;
    // Case folding is in the tree's classes already, so the printed pattern needs no flag.
    Ok(without_looks(&hir).to_string())
}

#[derive(Debug, thiserror::Error)]
#[error("cannot compile the codebook's patterns: {0}")]
pub struct MatcherError(String);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook;
    use crate::coding::testing::{matched, matcher, statuses};

    #[test]
    fn regex_pre_filters_split_over_the_size_limit_and_name_a_regex_too_big_alone() {
        let toml = r#"
[[codes]]
id = "trust"
[[codes.rules]]
id = "trust_regex"
regex = 'trust(ed|ing)?'
[[codes.rules]]
terms = ["confi*nce", "Vertrau*ns"]

[[codes]]
id = "reciprocity"
[[codes.rules]]
terms = ["reciproc*ty"]
[[codes.exclude]]
id = "not_a_favour"
regex = '\bfavou?r\w+'
"#;
        let cb = codebook::parse(toml).unwrap_or_else(|p| panic!("{p:?}"));
        let whole = Matcher::new(&cb).expect("matcher");
        assert_eq!((whole.regexes.len(), whole.regex_sets.len()), (5, 1));
        // Under a limit that each alone keeps to but the five together pass, the set is split,
        // and matches as the single set does.
        let sizes: Vec<usize> = whole
            .regexes
            .iter()
            .map(|(re, o)| prefilter_pattern(re.as_str(), o.case_sensitive).unwrap())
            .map(|p| {
                (1..)
                    .map(|k| k * 256)
                    .find(|&limit| {
                        regex::RegexSetBuilder::new([&p])
                            .size_limit(limit)
                            .build()
                            .is_ok()
                    })
                    .unwrap()
            })
            .collect();
        let limit = *sizes.iter().max().unwrap();
        let split = prefilter_sets(&cb.codes, &whole.regexes, limit).expect("split");
        assert!(split.len() > 1, "{limit}");
        assert_eq!(split.iter().map(|(s, _)| s.len()).sum::<usize>(), 5);
        let split = Matcher {
            regex_sets: split,
            ..Matcher::new(&cb).expect("matcher")
        };
        let text = "We trusted the CONFIDENCE of Vertrauens and reciprocity, a favour asked.";
        assert_eq!(statuses(&split, text), statuses(&whole, text));
        assert_eq!(
            matched(&split, text),
            ["trusted", "CONFIDENCE", "Vertrauens", "reciprocity"]
        );
        // A regex too big even alone is named.
        let error = prefilter_sets(&cb.codes, &whole.regexes, 64).expect_err("too big");
        assert!(
            error
                .to_string()
                .contains(r#"code "trust", rule "trust_regex" (line 4), pattern "trust(ed|ing)?""#),
            "{error}"
        );
    }

    #[test]
    fn regex_word_boundaries_stay_unicode_behind_the_prefilter() {
        // The set's pattern has no `\b`; the regex that confirms keeps the Unicode one, so a
        // letter like `é` is part of the word and `éconfidence` holds no `confidence`.
        let m =
            matcher("[[codes]]\nid = \"t\"\n[[codes.rules]]\nregex = '\\bconfidence\\s+in\\b'\n");
        assert_eq!(matched(&m, "« Confidence in » them"), vec!["Confidence in"]);
        assert!(matched(&m, "éconfidence in them").is_empty());
        assert!(matched(&m, "confidence inné").is_empty());
    }
}
