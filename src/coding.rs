//! Coding: segmented documents and a [`Codebook`] in, every rule match and every
//! (unit, code) coding out, as plain rows with source positions.
//!
//! All literal and prefix terms of all codes go into two Aho-Corasick automata (one
//! case-sensitive, one ASCII case-insensitive) so each unit is scanned once for all of them;
//! regular expressions are pre-filtered with a `RegexSet`. Documents are coded in parallel and
//! collected in corpus order, so output never depends on thread timing.

use crate::codebook::{Codebook, PatternKind};
use crate::corpus::Document;
use crate::segment::{Layout, Segment, SourceIndex};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexSet};

/// Which code, rule and pattern a compiled pattern belongs to.
#[derive(Debug, Clone, Copy)]
struct Origin {
    code: usize,
    /// Index into the code's rules, or into its exclusions when `exclusion`.
    rule: usize,
    pattern: usize,
    exclusion: bool,
    /// Literal and wildcard terms must match whole words; regexes match as written.
    whole_word: bool,
    /// `term*`: the match extends to the end of the word.
    prefix: bool,
    case_sensitive: bool,
}

/// The compiled form of a codebook, built once per run.
pub struct Matcher {
    sensitive: Option<(AhoCorasick, Vec<Origin>)>,
    insensitive: Option<(AhoCorasick, Vec<Origin>)>,
    regex_set: RegexSet,
    regexes: Vec<(Regex, Origin)>,
    min_hits: Vec<usize>,
    /// Per code, its ancestors: a unit coded with a code is coded with all of them too.
    ancestors: Vec<Vec<usize>>,
}

/// One match of a rule in a unit, with offsets in the unit's normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitMatch {
    pub code: usize,
    pub rule: usize,
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

/// The result of coding one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitResult {
    /// Counted matches, sorted by position then code: overlapping matches of the same code
    /// count once (the longest), and matches overlapping an exclusion of their code are gone.
    pub matches: Vec<UnitMatch>,
    /// Codes applied to the unit (enough matches), ascending.
    pub codes: Vec<usize>,
    /// Matches removed because an exclusion of their code overlapped them.
    pub vetoed: usize,
}

/// A match as a table row: positions are in the source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRow {
    pub segment: usize,
    pub code: usize,
    pub rule: usize,
    pub pattern: usize,
    pub text: String,
    pub byte_start: usize,
    pub byte_end: usize,
    pub char_start: usize,
    pub char_end: usize,
    /// Whether the code reached its `min_hits` in this unit.
    pub applied: bool,
}

/// A segment as a table row: positions are in the source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRow {
    pub segment: usize,
    pub block: usize,
    pub kind: &'static str,
    pub coded: bool,
    pub byte_start: usize,
    pub byte_end: usize,
    pub char_start: usize,
    pub char_end: usize,
    pub line_start: usize,
    pub line_end: usize,
    pub word_count: usize,
    pub text: String,
}

/// A code applied to a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodingRow {
    pub segment: usize,
    pub code: usize,
    /// Applied matches of the code and of its descendants in the unit.
    pub hits: usize,
    /// Applied by the code's own rules; false when it applies only through a child code.
    pub direct: bool,
}

/// Everything the tables need from one document.
#[derive(Debug, Clone)]
pub struct CodedDocument {
    pub id: String,
    pub layout: Layout,
    pub segments: Vec<SegmentRow>,
    pub matches: Vec<MatchRow>,
    pub codings: Vec<CodingRow>,
    pub vetoed: usize,
}

impl CodedDocument {
    /// Segments that are coding units (paragraphs, or sentences).
    pub fn units(&self) -> usize {
        self.segments.iter().filter(|s| s.coded).count()
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Scripts written without spaces between words: no word boundary is required there.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // kana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility
        | 0x0E00..=0x0E7F // Thai
    )
}

impl Matcher {
    pub fn new(codebook: &Codebook) -> Result<Self, MatcherError> {
        let mut sensitive: (Vec<String>, Vec<Origin>) = Default::default();
        let mut insensitive: (Vec<String>, Vec<Origin>) = Default::default();
        let mut regexes: Vec<(Regex, Origin)> = Vec::new();
        for (code_index, code) in codebook.codes.iter().enumerate() {
            let lists = [(&code.rules, false), (&code.exclusions, true)];
            for (rules, exclusion) in lists {
                for (rule_index, rule) in rules.iter().enumerate() {
                    for (pattern_index, pattern) in rule.patterns.iter().enumerate() {
                        let origin = Origin {
                            code: code_index,
                            rule: rule_index,
                            pattern: pattern_index,
                            exclusion,
                            whole_word: true,
                            prefix: false,
                            case_sensitive: pattern.case_sensitive,
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
                        let origin = Origin { prefix, ..origin };
                        if pattern.case_sensitive {
                            sensitive.0.push(text.clone());
                            sensitive.1.push(origin);
                        } else if text.is_ascii() {
                            insensitive.0.push(text.clone());
                            insensitive.1.push(origin);
                        } else {
                            // The automaton folds ASCII case only; other scripts go through regex.
                            let re = regex::RegexBuilder::new(&regex::escape(text))
                                .case_insensitive(true)
                                .build()
                                .map_err(|e| MatcherError(e.to_string()))?;
                            regexes.push((re, origin));
                        }
                    }
                }
            }
        }
        let build = |(patterns, origins): (Vec<String>, Vec<Origin>), fold: bool| {
            if patterns.is_empty() {
                return Ok(None);
            }
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(fold)
                .build(&patterns)
                .map(|ac| Some((ac, origins)))
                .map_err(|e| MatcherError(e.to_string()))
        };
        // Case-insensitivity was set on each regex's builder; the set needs it inline.
        let regex_set = RegexSet::new(regexes.iter().map(|(re, origin)| {
            if origin.case_sensitive {
                re.as_str().to_string()
            } else {
                format!("(?i:{})", re.as_str())
            }
        }))
        .map_err(|e| MatcherError(e.to_string()))?;
        Ok(Matcher {
            sensitive: build(sensitive, false)?,
            insensitive: build(insensitive, true)?,
            regex_set,
            regexes,
            min_hits: codebook.codes.iter().map(|c| c.min_hits).collect(),
            ancestors: (0..codebook.codes.len())
                .map(|c| codebook.ancestors(c).collect())
                .collect(),
        })
    }

    /// Finds every match in a unit and decides which codes apply.
    pub fn code_unit(&self, text: &str) -> UnitResult {
        let mut found: Vec<(Origin, usize, usize)> = Vec::new();
        for (ac, origins) in [&self.sensitive, &self.insensitive].into_iter().flatten() {
            for m in ac.find_overlapping_iter(text) {
                let origin = origins[m.pattern().as_usize()];
                if let Some(end) = word_match(text, m.start(), m.end(), origin) {
                    found.push((origin, m.start(), end));
                }
            }
        }
        if !self.regexes.is_empty() {
            for i in self.regex_set.matches(text).iter() {
                let (re, origin) = &self.regexes[i];
                for m in re.find_iter(text) {
                    if let Some(end) = word_match(text, m.start(), m.end(), *origin) {
                        found.push((*origin, m.start(), end));
                    }
                }
            }
        }
        self.decide(found)
    }

    fn decide(&self, found: Vec<(Origin, usize, usize)>) -> UnitResult {
        let (exclusions, mut hits): (Vec<_>, Vec<_>) =
            found.into_iter().partition(|(o, _, _)| o.exclusion);
        let before = hits.len();
        hits.retain(|(o, s, e)| {
            !exclusions
                .iter()
                .any(|(x, xs, xe)| x.code == o.code && xs < e && s < xe)
        });
        let vetoed = before - hits.len();
        // Per code, keep the leftmost-longest of overlapping matches; ties go to the first rule.
        hits.sort_by_key(|(o, s, e)| (o.code, *s, std::cmp::Reverse(*e), o.rule, o.pattern));
        let mut matches: Vec<UnitMatch> = Vec::new();
        let mut last: Option<(usize, usize)> = None; // (code, end)
        for (o, s, e) in hits {
            if let Some((code, end)) = last {
                if code == o.code && s < end {
                    continue;
                }
            }
            last = Some((o.code, e));
            matches.push(UnitMatch {
                code: o.code,
                rule: o.rule,
                pattern: o.pattern,
                start: s,
                end: e,
            });
        }
        let mut codes = Vec::new();
        let mut i = 0;
        while i < matches.len() {
            let code = matches[i].code;
            let n = matches[i..].iter().take_while(|m| m.code == code).count();
            if n >= self.min_hits[code] {
                codes.push(code);
            }
            i += n;
        }
        matches.sort_by_key(|m| (m.start, m.code, m.end));
        UnitResult {
            matches,
            codes,
            vetoed,
        }
    }
}

impl Matcher {
    /// The unit's codings: the codes applied by their own rules, and every ancestor of them,
    /// in code order.
    fn codings(&self, segment: usize, result: &UnitResult) -> Vec<CodingRow> {
        let mut codes: Vec<usize> = result
            .codes
            .iter()
            .flat_map(|&c| std::iter::once(c).chain(self.ancestors[c].iter().copied()))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
            .into_iter()
            .map(|code| CodingRow {
                segment,
                code,
                hits: result
                    .matches
                    .iter()
                    .filter(|m| {
                        result.codes.contains(&m.code)
                            && (m.code == code || self.ancestors[m.code].contains(&code))
                    })
                    .count(),
                direct: result.codes.contains(&code),
            })
            .collect()
    }
}

/// Checks word boundaries (extending `term*` to the end of its word); `None` if not a match.
fn word_match(text: &str, start: usize, end: usize, origin: Origin) -> Option<usize> {
    if !origin.whole_word {
        return Some(end);
    }
    let before = text[..start].chars().next_back();
    let first = text[start..].chars().next();
    if let (Some(b), Some(f)) = (before, first) {
        if is_word_char(b) && is_word_char(f) && !is_unspaced_script(f) {
            return None;
        }
    }
    let mut end = end;
    if origin.prefix {
        end += text[end..]
            .char_indices()
            .find(|&(_, c)| !is_word_char(c))
            .map_or(text.len() - end, |(i, _)| i);
        return Some(end);
    }
    let last = text[..end].chars().next_back();
    let after = text[end..].chars().next();
    if let (Some(l), Some(a)) = (last, after) {
        if is_word_char(l) && is_word_char(a) && !is_unspaced_script(l) {
            return None;
        }
    }
    Some(end)
}

#[derive(Debug, thiserror::Error)]
#[error("cannot compile the codebook's patterns: {0}")]
pub struct MatcherError(String);

/// Codes every coded segment of a document and turns the results into rows.
pub fn code_document(
    document: &Document,
    layout: Layout,
    segments: &[Segment],
    matcher: &Matcher,
) -> CodedDocument {
    let index = SourceIndex::new(&document.text);
    let bom = document.bom_len;
    let mut coded = CodedDocument {
        id: document.id.clone(),
        layout,
        segments: Vec::with_capacity(segments.len()),
        matches: Vec::new(),
        codings: Vec::new(),
        vetoed: 0,
    };
    for segment in segments {
        let is_coded = segment.kind.is_coded();
        coded.segments.push(SegmentRow {
            segment: segment.index,
            block: segment.block,
            kind: segment.kind.as_str(),
            coded: is_coded,
            byte_start: segment.start + bom,
            byte_end: segment.end + bom,
            char_start: index.char_offset(segment.start),
            char_end: index.char_offset(segment.end),
            line_start: segment.line_start,
            line_end: segment.line_end,
            word_count: segment.word_count,
            text: segment.text.clone(),
        });
        if !is_coded {
            continue;
        }
        let result = matcher.code_unit(&segment.text);
        coded.vetoed += result.vetoed;
        for m in &result.matches {
            let start = segment.map.source_start(m.start);
            let end = segment.map.source_end(m.end);
            coded.matches.push(MatchRow {
                segment: segment.index,
                code: m.code,
                rule: m.rule,
                pattern: m.pattern,
                text: segment.text[m.start..m.end].to_string(),
                byte_start: start + bom,
                byte_end: end + bom,
                char_start: index.char_offset(start),
                char_end: index.char_offset(end),
                applied: result.codes.contains(&m.code),
            });
        }
        coded
            .codings
            .extend(matcher.codings(segment.index, &result));
    }
    coded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook;

    fn matcher(toml: &str) -> Matcher {
        let cb = codebook::parse(toml).unwrap_or_else(|p| panic!("{p:?}"));
        Matcher::new(&cb).expect("matcher")
    }

    fn matched<'a>(m: &Matcher, text: &'a str) -> Vec<&'a str> {
        m.code_unit(text)
            .matches
            .iter()
            .map(|x| &text[x.start..x.end])
            .collect()
    }

    const FIC: &str = r#"
[[codes]]
id = "fic"
[[codes.rules]]
terms = ["FIC", "FICs"]
case_sensitive = true
[[codes.rules]]
terms = ["first in command", "yibashou", "一把手"]
"#;

    #[test]
    fn child_codes_roll_up_to_their_ancestors() {
        let m = matcher(
            r#"
[[codes]]
id = "strategy"
min_hits = 2
[[codes.rules]]
terms = ["strategy"]

[[codes]]
id = "fic"
parent = "strategy"
[[codes.rules]]
terms = ["yibashou"]

[[codes]]
id = "leader"
parent = "fic"
[[codes.rules]]
terms = ["party secretary"]
"#,
        );
        let codings = |text: &str| {
            let rows = m.codings(7, &m.code_unit(text));
            rows.iter()
                .map(|r| (r.code, r.hits, r.direct))
                .collect::<Vec<_>>()
        };
        // A grandchild codes its parent and grandparent, which count its hits.
        assert_eq!(
            codings("the party secretary"),
            vec![(0, 1, false), (1, 1, false), (2, 1, true)]
        );
        // The parent's own match is below its min_hits: it applies through the child only,
        // and only applied matches are counted.
        assert_eq!(
            codings("a strategy: the yibashou and the yibashou"),
            vec![(0, 2, false), (1, 2, true)]
        );
        assert_eq!(
            codings("strategy upon strategy, yibashou"),
            vec![(0, 3, true), (1, 1, true)]
        );
        assert!(codings("nothing here").is_empty());
    }

    #[test]
    fn case_sensitive_acronym_never_inside_words() {
        let m = matcher(FIC);
        assert!(matched(&m, "a specific, scientific and traffic issue; Fic fic").is_empty());
        assert_eq!(
            matched(&m, "the FIC and FICs (FIC)."),
            vec!["FIC", "FICs", "FIC"]
        );
        assert_eq!(
            matched(&m, "the First in Command (yibashou)"),
            vec!["First in Command", "yibashou"]
        );
    }

    #[test]
    fn unspaced_scripts_match_inside_text() {
        let m = matcher(FIC);
        assert_eq!(matched(&m, "找到一把手就好"), vec!["一把手"]);
    }

    #[test]
    fn wildcards_and_word_boundaries() {
        let m = matcher(
            "[[codes]]\nid = \"t\"\n[[codes.rules]]\nterms = [\"trust*\", \"win-win\", \"organi*ation\"]\n",
        );
        assert_eq!(
            matched(
                &m,
                "Trustworthy antitrust entrust trust-building win-win Organization"
            ),
            vec!["Trustworthy", "trust", "win-win", "Organization"]
        );
    }

    #[test]
    fn exclusions_veto_overlapping_matches_only() {
        let m = matcher(
            "[[codes]]\nid = \"t\"\n[[codes.rules]]\nterms = [\"trust\"]\n[[codes.exclude]]\nterms = [\"trust fund\"]\n",
        );
        let r = m.code_unit("The trust fund paid, and trust grew.");
        assert_eq!(r.matches.len(), 1);
        assert_eq!(r.vetoed, 1);
        assert_eq!(r.codes, vec![0]);
        assert!(m.code_unit("The trust fund paid.").codes.is_empty());
    }

    #[test]
    fn overlapping_matches_of_a_code_count_once_and_min_hits_applies() {
        let m = matcher(
            "[[codes]]\nid = \"t\"\nmin_hits = 2\n[[codes.rules]]\nterms = [\"trust\", \"mutual trust\"]\n",
        );
        let r = m.code_unit("mutual trust");
        assert_eq!(r.matches.len(), 1);
        assert!(r.codes.is_empty(), "one hit is below min_hits = 2");
        assert_eq!(m.code_unit("mutual trust and trust").codes, vec![0]);
    }

    #[test]
    fn regex_rules_match_as_written_case_insensitively_by_default() {
        let m = matcher("[[codes]]\nid = \"r\"\n[[codes.rules]]\nregex = '''win[- ]win'''\n");
        assert_eq!(
            matched(&m, "a WIN WIN and win-win"),
            vec!["WIN WIN", "win-win"]
        );
    }

    #[test]
    fn non_ascii_terms_fold_case() {
        let m = matcher("[[codes]]\nid = \"r\"\n[[codes.rules]]\nterms = [\"Öffentlich\"]\n");
        assert_eq!(matched(&m, "öffentlich"), vec!["öffentlich"]);
    }
}
