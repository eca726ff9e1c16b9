//! Coding: segmented documents and a [`Codebook`] in, every rule match and every
//! (unit, code) coding out, as plain rows with source positions.
//!
//! All literal and prefix terms of all codes, of any script, go into one Aho-Corasick
//! automaton ([`scan`], case folded by Unicode simple case folding) so each unit is scanned
//! once for all of them; regular expressions are pre-filtered with `RegexSet`s. Documents are
//! coded in parallel and collected in corpus order, so output never depends on thread timing.

use crate::codebook::{Code, Codebook, Order, Pattern, PatternKind, Scope};
use crate::read::{Document, StoredOffsets};
use crate::segment::{
    count_line_breaks, sentence_spans, BlockTurn, CharCursor, Layout, Segment, SourceIndex,
};
use regex::{Regex, RegexSet};

mod fold;
mod scan;
mod unspaced;

/// What a compiled pattern is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Rule,
    Exclusion,
    /// A `near` term of a rule.
    Near,
    /// A `not_near` term of a rule.
    NotNear,
}

/// Which code, rule and pattern a compiled pattern belongs to.
#[derive(Debug, Clone, Copy)]
struct Origin {
    code: usize,
    /// Index into the code's rules (also for `Near`/`NotNear` terms), or its exclusions.
    rule: usize,
    pattern: usize,
    role: Role,
    /// Literal and wildcard terms must match whole words; regexes match as written.
    whole_word: bool,
    /// `term*`: the match extends to the end of the word.
    prefix: bool,
    case_sensitive: bool,
    /// For a `near`/`not_near` term: its rule's group of partner terms of that role, an
    /// index into [`Matcher::partner_keys`] (its matches are kept there, by position).
    group: u32,
}

/// The compiled form of a codebook, built once per run.
pub struct Matcher {
    /// Literal and prefix terms (`None` if the codebook has none) and what each is for.
    terms: Option<(scan::Terms, Vec<Origin>)>,
    /// Pre-filters of `regexes`: each set with the index of its first regex.
    regex_sets: Vec<(RegexSet, usize)>,
    regexes: Vec<(Regex, Origin)>,
    codes: Vec<Code>,
    /// Per code, its ancestors: a unit coded with a code is coded with all of them too.
    ancestors: Vec<Vec<usize>>,
    /// The `(code, rule, role)` of every rule's `near` and of its `not_near` terms, ascending:
    /// a unit's partner matches are grouped by them as they are found.
    partner_keys: Vec<PartnerKey>,
    negation: Negation,
    /// Some code has sentence scope: sentence boundaries are needed.
    sentences: bool,
    /// Speakers whose turns are not coded ([`crate::codebook::Codebook::skip_speakers`]), as
    /// name keys.
    skip_speakers: Vec<String>,
}

/// Why a match found in a unit does, or does not, count for its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Counted,
    /// Overlaps a match of the code's exclusion with index `exclusion`: of its pattern with
    /// index `pattern` (the first listed that overlaps).
    Vetoed {
        exclusion: usize,
        pattern: usize,
    },
    /// None of the rule's `near` terms is within reach.
    NotNear,
    /// One of the rule's `not_near` terms is within reach.
    NearExcluded,
    /// A negator precedes it and the code excludes negated matches.
    Negated,
    /// Inside a longer (or earlier) counted match of the same code.
    Overlapped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Counted => "counted",
            Status::Vetoed { .. } => "vetoed",
            Status::NotNear => "no near term",
            Status::NearExcluded => "near a not_near term",
            Status::Negated => "negated",
            Status::Overlapped => "overlapped",
        }
    }

    /// The status as one word, as the `rejected_matches` table, the manifest and `kwic
    /// --status` name it: [`Status::as_str`] in snake case.
    pub fn key(self) -> &'static str {
        match self {
            Status::Counted => "counted",
            Status::Vetoed { .. } => "vetoed",
            Status::NotNear => "no_near_term",
            Status::NearExcluded => "near_not_near_term",
            Status::Negated => "negated",
            Status::Overlapped => "overlapped",
        }
    }

    /// Every status's [`Status::key`], counted first.
    pub const KEYS: [&'static str; 6] = [
        "counted",
        "vetoed",
        "no_near_term",
        "near_not_near_term",
        "negated",
        "overlapped",
    ];
}

/// A match of a rule in a unit, with offsets in the unit's normalised text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub code: usize,
    pub rule: usize,
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
    /// A negator occurs in the few words before it, in the same clause.
    pub negated: bool,
    pub status: Status,
}

/// How a code fared in a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub code: usize,
    /// Sum of the weights of the counted matches.
    pub score: f64,
    pub applied: bool,
    /// With sentence scope: how many sentences reached the threshold.
    pub sentences: Option<usize>,
}

/// Everything found in a unit and what was made of it: for `explain` and `check`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitTrace {
    /// Every match of every rule, sorted by position then code.
    pub candidates: Vec<Candidate>,
    /// One per code with at least one counted match, in code order.
    pub decisions: Vec<Decision>,
}

/// One counted match of a rule in a unit, with offsets in the unit's normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitMatch {
    pub code: usize,
    pub rule: usize,
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
    pub negated: bool,
}

/// The result of coding one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitResult {
    /// Counted matches, sorted by position then code: overlapping matches of the same code
    /// count once (the longest); vetoed, negated-and-excluded and out-of-reach ones are gone.
    pub matches: Vec<UnitMatch>,
    /// Codes applied to the unit by their own rules, ascending.
    pub codes: Vec<usize>,
    /// Matches removed because an exclusion of their code overlapped them.
    pub vetoed: usize,
}

impl From<UnitTrace> for UnitResult {
    fn from(trace: UnitTrace) -> Self {
        UnitResult::from(&trace)
    }
}

impl From<&UnitTrace> for UnitResult {
    fn from(trace: &UnitTrace) -> Self {
        UnitResult {
            matches: trace
                .candidates
                .iter()
                .filter(|c| c.status == Status::Counted)
                .map(|c| UnitMatch {
                    code: c.code,
                    rule: c.rule,
                    pattern: c.pattern,
                    start: c.start,
                    end: c.end,
                    negated: c.negated,
                })
                .collect(),
            codes: trace
                .decisions
                .iter()
                .filter(|d| d.applied)
                .map(|d| d.code)
                .collect(),
            vetoed: trace
                .candidates
                .iter()
                .filter(|c| matches!(c.status, Status::Vetoed { .. }))
                .count(),
        }
    }
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
    /// Character offsets of the match in its segment's normalised `text` (the segment table's
    /// column), where `char_start`/`char_end` are in the source: to highlight it in that text.
    pub text_start: usize,
    pub text_end: usize,
    /// Line of the file the match starts on, from 1.
    pub line: usize,
    /// Whether the code reached its threshold in this unit.
    pub applied: bool,
    /// A negator precedes the match (it counts unless the code has `exclude_negated`).
    pub negated: bool,
}

/// A match that was found but did not count, as a row of the `rejected_matches` table: its
/// positions and flags as a counted match's row would have them, and why it did not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub matched: MatchRow,
    /// Never [`Status::Counted`].
    pub status: Status,
}

impl RejectedRow {
    /// For a vetoed match: the id of the exclusion that vetoed it and its pattern, as written,
    /// that overlapped it.
    pub fn vetoed_by<'c>(&self, codebook: &'c Codebook) -> Option<(&'c str, &'c str)> {
        let Status::Vetoed { exclusion, pattern } = self.status else {
            return None;
        };
        let exclusion = &codebook.codes[self.matched.code].exclusions[exclusion];
        Some((
            exclusion.id.as_str(),
            exclusion.patterns[pattern].source.as_str(),
        ))
    }
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
    /// The page the segment starts on, for documents with pages (PDF).
    pub page: Option<u32>,
    /// In a transcript: its speaker, turn and time.
    pub turn: Option<std::sync::Arc<BlockTurn>>,
    /// Bytes at the start of `text` that are a speaker's label, which is not coded.
    pub label: usize,
    pub text: String,
}

impl SegmentRow {
    /// A paragraph or sentence left uncoded because its speaker is skipped.
    pub fn skipped(&self) -> bool {
        !self.coded && matches!(self.kind, "paragraph" | "sentence")
    }
}

/// A unit's text as it is matched: its speaker's label (the first `label` bytes) blanked out,
/// so that a name is never coded; positions are those of `text`.
pub fn matchable(text: &str, label: usize) -> std::borrow::Cow<'_, str> {
    if label == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    let label = label.min(text.len());
    std::borrow::Cow::Owned(" ".repeat(label) + &text[label..])
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
    /// Length of the file's byte-order mark: byte positions count it, the decoded text not.
    pub bom_len: usize,
    pub segments: Vec<SegmentRow>,
    pub matches: Vec<MatchRow>,
    /// Matches that did not count (vetoed, out of reach, negated, overlapped), in position
    /// order like `matches`.
    pub rejected: Vec<RejectedRow>,
    pub codings: Vec<CodingRow>,
    pub vetoed: usize,
}

/// A coded document's row in the documents table, the same whether it was coded whole or in
/// parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFacts {
    pub id: String,
    pub layout: Layout,
    pub segments: usize,
    pub units: usize,
    /// Read as a transcript: its turns, and its speakers in order of their first turn (empty
    /// for a document that is not a transcript).
    pub turns: usize,
    pub speakers: Vec<std::sync::Arc<str>>,
    /// Units of speakers left uncoded (`skip_speakers`).
    pub skipped_units: usize,
}

impl DocumentFacts {
    /// A document with no rows counted yet.
    pub fn new(document: &Document, layout: Layout) -> Self {
        DocumentFacts {
            id: document.id.clone(),
            layout,
            segments: 0,
            units: 0,
            turns: 0,
            speakers: Vec::new(),
            skipped_units: 0,
        }
    }

    /// Counts the rows of one more part of the document.
    pub fn add(&mut self, part: &CodedDocument) {
        self.segments += part.segments.len();
        self.units += part.units();
        for segment in &part.segments {
            let Some(turn) = &segment.turn else {
                continue;
            };
            if let Some(number) = turn.turn {
                self.turns = self.turns.max(number as usize + 1);
            }
            if let Some(speaker) = &turn.speaker {
                // A document's speakers are shared: the pointer is compared first.
                let known = self
                    .speakers
                    .iter()
                    .any(|s| std::sync::Arc::ptr_eq(s, speaker) || s == speaker);
                if !known {
                    self.speakers.push(speaker.clone());
                }
            }
            self.skipped_units += usize::from(segment.skipped());
        }
    }
}

impl CodedDocument {
    /// The document's facts, as far as its rows go.
    pub fn facts(&self) -> DocumentFacts {
        let mut facts = DocumentFacts {
            id: self.id.clone(),
            layout: self.layout,
            segments: 0,
            units: 0,
            turns: 0,
            speakers: Vec::new(),
            skipped_units: 0,
        };
        facts.add(self);
        facts
    }

    /// A document without rows yet.
    pub fn empty(document: &Document, layout: Layout) -> Self {
        CodedDocument {
            id: document.id.clone(),
            layout,
            bom_len: document.bom_len,
            segments: Vec::new(),
            matches: Vec::new(),
            rejected: Vec::new(),
            codings: Vec::new(),
            vetoed: 0,
        }
    }

    /// Segments that are coding units (paragraphs, or sentences).
    pub fn units(&self) -> usize {
        self.segments.iter().filter(|s| s.coded).count()
    }

    /// Adds `by` to every segment number: a part of a document coded on its own numbers its
    /// segments from 0.
    pub fn number_segments_from(&mut self, by: usize) {
        self.segments.iter_mut().for_each(|s| s.segment += by);
        self.matches.iter_mut().for_each(|m| m.segment += by);
        self.rejected
            .iter_mut()
            .for_each(|r| r.matched.segment += by);
        self.codings.iter_mut().for_each(|c| c.segment += by);
    }

    /// Appends the rows of the next part of the same document, numbering its segments on.
    pub fn append(&mut self, mut part: CodedDocument) {
        part.number_segments_from(self.segments.last().map_or(0, |s| s.segment + 1));
        self.segments.append(&mut part.segments);
        self.matches.append(&mut part.matches);
        self.rejected.append(&mut part.rejected);
        self.codings.append(&mut part.codings);
        self.vetoed += part.vetoed;
    }
}

pub(crate) fn is_word_char(c: char) -> bool {
    // Han, kana and East Asian punctuation are told by ranges, without Unicode's tables.
    c == '_' || crate::segment::cjk::is_alphanumeric(c)
}

/// Scripts written without spaces between words: no word boundary is required there. Each
/// Han or kana character ([`crate::segment::cjk::is_unspaced`]) and each Thai character
/// counts as a word in `within N words`.
pub(crate) fn is_unspaced_script(c: char) -> bool {
    crate::segment::cjk::is_unspaced(c) || ('\u{0E00}'..='\u{0E7F}').contains(&c)
}

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

    /// Whether a unit of this turn is left uncoded: its speaker is one of the codebook's
    /// `skip_speakers` (compared ignoring case).
    pub fn skips(&self, turn: Option<&BlockTurn>) -> bool {
        !self.skip_speakers.is_empty()
            && turn
                .and_then(|t| t.speaker.as_deref())
                .is_some_and(|s| self.skip_speakers.contains(&crate::segment::labels::key(s)))
    }

    /// Finds every match in a unit and decides which codes apply.
    pub fn code_unit(&self, text: &str) -> UnitResult {
        self.trace_unit(text).into()
    }

    /// Every match in a unit with the reason it counts or not, and each code's decision.
    pub fn trace_unit(&self, text: &str) -> UnitTrace {
        self.trace_unit_in(
            text,
            crate::segment::cjk::may_hold_unspaced(text.as_bytes()),
        )
    }

    /// [`Matcher::trace_unit`] for a unit whose document is known to hold no Han or kana
    /// character (`unspaced` false: Chinese negators are not looked for) or may hold some.
    /// The result is the same either way; the document's answer saves a pass per unit.
    /// Rules are matched against the text folded by [`fold`] (dash variants, fullwidth
    /// letters, soft hyphens); offsets are the unit's own.
    pub fn trace_unit_in(&self, text: &str, unspaced: bool) -> UnitTrace {
        // One pass tells whether either fold could change the unit: most units skip both.
        let may_fold = fold::may_fold(text);
        let Some(folded) = may_fold.then(|| fold::Folded::of(text)).flatten() else {
            return self.decide(text, self.find_all(text, may_fold), unspaced);
        };
        let mut trace = self.decide(&folded.text, self.find_all(&folded.text, true), unspaced);
        // The way back is monotonic: the candidates stay in order.
        for c in &mut trace.candidates {
            (c.start, c.end) = (folded.source_start(c.start), folded.source_end(c.end));
        }
        trace
    }

    /// Every match of every pattern (rules, exclusions, partner terms) in a unit, each kept
    /// where it is used as it is found: partner terms' only as their positions in their rule's
    /// group. A unit dense with partner terms (49 MB with 9 million of them) held every match
    /// twice over, 48 bytes each, and sorted copies, before (1.6 GB); a partner match now
    /// costs 16 bytes. `may_fold` false when [`fold::may_fold`] found nothing to fold in it.
    fn find_all(&self, text: &str, may_fold: bool) -> Found {
        let mut found = Found {
            hits: Vec::new(),
            exclusions: Vec::new(),
            partners: vec![Vec::new(); self.partner_keys.len()],
        };
        let mut keep = |origin: Origin, start: usize, end: usize| match origin.role {
            Role::Rule => found.hits.push((origin, start, end)),
            Role::Exclusion => found.exclusions.push((origin, start, end)),
            Role::Near | Role::NotNear => found.partners[origin.group as usize].push((start, end)),
        };
        if let Some((terms, origins)) = &self.terms {
            terms.find(text, may_fold, &mut |o| {
                let origin = origins[o.pattern];
                if let Some(end) = word_match(text, o.start, o.end, origin) {
                    keep(origin, o.start, end);
                }
            });
        }
        for (set, first) in &self.regex_sets {
            for i in set.matches(text).iter() {
                let (re, origin) = &self.regexes[first + i];
                for m in re.find_iter(text) {
                    if let Some(end) = word_match(text, m.start(), m.end(), *origin) {
                        keep(*origin, m.start(), end);
                    }
                }
            }
        }
        found
    }

    fn decide(&self, text: &str, found: Found, unspaced: bool) -> UnitTrace {
        self.decide_with(text, found, unspaced, Search::Indexed)
    }

    fn decide_with(&self, text: &str, found: Found, unspaced: bool, search: Search) -> UnitTrace {
        let Found {
            hits,
            exclusions,
            partners,
        } = found;
        // Exclusions and partner terms sorted by position, so that each match looks only at
        // those that can reach it: a unit of a million matches is coded in near-linear time.
        let vetoes = Vetoes::new(&exclusions);
        let long = match search {
            #[cfg(test)]
            Search::IndexedByEnd => 0,
            _ => PartnerGroup::LONG,
        };
        let reach = Partners::new(&self.partner_keys, partners, long);
        // Word positions, for `near`/`not_near`: built when the first partner term is
        // measured, not for every unit.
        let words: std::cell::OnceCell<WordIndex> = std::cell::OnceCell::new();
        // Negators in Han characters are looked for only in text that may have them.
        let unspaced = unspaced && !self.negation.unspaced.is_empty();
        let sentences = if self.sentences {
            let spans = sentence_spans(text);
            if spans.is_empty() {
                vec![(0, text.len())]
            } else {
                spans
            }
        } else {
            Vec::new()
        };
        let sentence_of = |pos: usize| {
            sentences
                .partition_point(|&(s, _)| s <= pos)
                .saturating_sub(1)
        };
        let mut candidates: Vec<Candidate> = hits
            .into_iter()
            .map(|(o, start, end)| {
                let code = &self.codes[o.code];
                let rule = &code.rules[o.rule];
                let negated = self.negation.before(text, start, unspaced);
                // Whether a partner term of this rule at `ps..pe` is within reach of the match.
                let reaches = |role: Role, ps: usize, pe: usize| {
                    if ps < end && start < pe {
                        return false;
                    }
                    let after = ps >= end;
                    let order_ok = role == Role::NotNear
                        || match rule.order {
                            Order::Any => true,
                            Order::Before => after,
                            Order::After => !after,
                        };
                    let same_sentence =
                        code.scope == Scope::Paragraph || sentence_of(start) == sentence_of(ps);
                    let w = words.get_or_init(|| WordIndex::new(text));
                    let distance = if after {
                        w.distance(end, ps)
                    } else {
                        w.distance(pe, start)
                    };
                    order_ok && same_sentence && distance <= rule.within
                };
                // A partner term of this rule within reach of the match.
                let in_reach = |role: Role| match search {
                    #[cfg(test)]
                    Search::Naive => reach.group((o.code, o.rule, role)).is_some_and(|group| {
                        group.by_start.iter().any(|&(ps, pe)| reaches(role, ps, pe))
                    }),
                    _ => reach.any_within(
                        (o.code, o.rule, role),
                        (start, end),
                        rule.within,
                        || words.get_or_init(|| WordIndex::new(text)),
                        |ps, pe| reaches(role, ps, pe),
                    ),
                };
                // The first exclusion in the codebook that overlaps, and its first pattern
                // that does, whatever order the matches were found in.
                let veto = match search {
                    #[cfg(test)]
                    Search::Naive => exclusions
                        .iter()
                        .filter(|(x, xs, xe)| x.code == o.code && *xs < end && start < *xe)
                        .map(|(x, _, _)| (x.rule, x.pattern))
                        .min(),
                    _ => vetoes.first_overlapping(o.code, start, end),
                };
                let status = if let Some((exclusion, pattern)) = veto {
                    Status::Vetoed { exclusion, pattern }
                } else if !rule.near.is_empty() && !in_reach(Role::Near) {
                    Status::NotNear
                } else if !rule.not_near.is_empty() && in_reach(Role::NotNear) {
                    Status::NearExcluded
                } else if negated && code.exclude_negated {
                    Status::Negated
                } else {
                    Status::Counted
                };
                Candidate {
                    code: o.code,
                    rule: o.rule,
                    pattern: o.pattern,
                    start,
                    end,
                    negated,
                    status,
                }
            })
            .collect();
        // Per code, keep the leftmost-longest of overlapping counted matches; ties go to the
        // first rule.
        candidates.sort_by_key(|c| (c.code, c.start, std::cmp::Reverse(c.end), c.rule, c.pattern));
        let mut last: Option<(usize, usize)> = None; // (code, end)
        for c in candidates
            .iter_mut()
            .filter(|c| c.status == Status::Counted)
        {
            if let Some((code, end)) = last {
                if code == c.code && c.start < end {
                    c.status = Status::Overlapped;
                    continue;
                }
            }
            last = Some((c.code, c.end));
        }
        let mut decisions = Vec::new();
        for group in candidates.chunk_by(|a, b| a.code == b.code) {
            let code = &self.codes[group[0].code];
            let counted: Vec<&Candidate> = group
                .iter()
                .filter(|c| c.status == Status::Counted)
                .collect();
            if counted.is_empty() {
                continue;
            }
            let weight = |c: &&Candidate| code.rules[c.rule].weight;
            let score: f64 = counted.iter().map(weight).sum();
            let reaches = |sum: f64| sum >= code.threshold - 1e-9;
            let (applied, sentences) = match code.scope {
                Scope::Paragraph => (reaches(score), None),
                Scope::Sentence => {
                    let mut per_sentence: Vec<f64> = vec![0.0; sentences.len()];
                    for c in &counted {
                        per_sentence[sentence_of(c.start)] += weight(c);
                    }
                    let qualifying = per_sentence.into_iter().filter(|&s| reaches(s)).count();
                    (qualifying >= code.min_sentences, Some(qualifying))
                }
            };
            decisions.push(Decision {
                code: group[0].code,
                score,
                applied,
                sentences,
            });
        }
        candidates.sort_by_key(|c| (c.start, c.code, c.end, c.rule, c.pattern));
        UnitTrace {
            candidates,
            decisions,
        }
    }
}

/// How a match's exclusions and partner terms are looked up: in indexes of their positions,
/// or (to test the indexes against) by comparing the match with every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Search {
    Indexed,
    /// Indexed, every group of partner terms indexed by their ends too (as long ones are).
    #[cfg(test)]
    IndexedByEnd,
    #[cfg(test)]
    Naive,
}

/// A unit's exclusion matches, per code, exclusion and pattern: starts sorted, with the
/// greatest end so far, so that whether one overlaps a span is a binary search.
struct Vetoes {
    /// `(code, exclusion, pattern)` ascending, with its matches' starts and running maximum of
    /// ends.
    by_pattern: Vec<ExclusionMatches>,
}

/// `((code, exclusion, pattern), starts, greatest end up to each start)`.
type ExclusionMatches = ((usize, usize, usize), Vec<usize>, Vec<usize>);

impl Vetoes {
    fn new(exclusions: &[(Origin, usize, usize)]) -> Self {
        let mut sorted: Vec<((usize, usize, usize), usize, usize)> = exclusions
            .iter()
            .map(|(x, s, e)| ((x.code, x.rule, x.pattern), *s, *e))
            .collect();
        sorted.sort_unstable();
        let mut by_pattern: Vec<ExclusionMatches> = Vec::new();
        for (key, start, end) in sorted {
            match by_pattern.last_mut() {
                Some((k, starts, max_ends)) if *k == key => {
                    starts.push(start);
                    let most = max_ends.last().map_or(end, |&m| m.max(end));
                    max_ends.push(most);
                }
                _ => by_pattern.push((key, vec![start], vec![end])),
            }
        }
        Vetoes { by_pattern }
    }

    /// The first exclusion of `code` (in codebook order) with a match overlapping
    /// `start..end` (one that starts before `end` and ends after `start`), and its first
    /// pattern with such a match: `(exclusion, pattern)`.
    fn first_overlapping(&self, code: usize, start: usize, end: usize) -> Option<(usize, usize)> {
        let from = self.by_pattern.partition_point(|(key, _, _)| key.0 < code);
        self.by_pattern[from..]
            .iter()
            .take_while(|(key, _, _)| key.0 == code)
            .find(|(_, starts, max_ends)| {
                let before_end = starts.partition_point(|&s| s < end);
                before_end > 0 && max_ends[before_end - 1] > start
            })
            .map(|((_, exclusion, pattern), _, _)| (*exclusion, *pattern))
    }
}

/// The matches [`Matcher::find_all`] found in a unit: rule and exclusion matches with their
/// origin, and partner terms' positions per group of [`Matcher::partner_keys`].
struct Found {
    hits: Vec<(Origin, usize, usize)>,
    exclusions: Vec<(Origin, usize, usize)>,
    partners: Vec<Vec<(usize, usize)>>,
}

/// A unit's `near`/`not_near` matches per (code, rule, role), sorted by start, so that a
/// match looks only at those within its reach in words.
struct Partners<'k> {
    /// The groups' keys, ascending (the matcher's).
    keys: &'k [PartnerKey],
    /// Per key, its matches.
    groups: Vec<PartnerGroup>,
}

type PartnerKey = (usize, usize, Role);

/// The matches of one group of partner terms: `(start, end)` by start, the longest's length,
/// and, only when that is over [`PartnerGroup::LONG`] (a regex that can match a long
/// stretch), `(end, start)` by end. A match's partners before it are those that end in
/// reach; short ones all start at most `longest` bytes before that, so the starts find them
/// and no second copy is kept (16 bytes a partner, not 32, in a unit dense with them).
struct PartnerGroup {
    by_start: Vec<(usize, usize)>,
    longest: usize,
    by_end: Option<Vec<(usize, usize)>>,
}

impl PartnerGroup {
    /// Partners longer than this (in bytes) get an index by their ends.
    const LONG: usize = 256;

    fn new(mut by_start: Vec<(usize, usize)>, long: usize) -> Self {
        by_start.sort_unstable();
        by_start.dedup();
        by_start.shrink_to_fit();
        let longest = by_start.iter().map(|&(s, e)| e - s).max().unwrap_or(0);
        let by_end = (longest > long).then(|| {
            let mut by_end: Vec<(usize, usize)> = by_start.iter().map(|&(s, e)| (e, s)).collect();
            by_end.sort_unstable();
            by_end
        });
        PartnerGroup {
            by_start,
            longest,
            by_end,
        }
    }

    /// Whether `reaches` holds for a partner that ends within `from..=to`.
    fn any_ending_in(
        &self,
        from: usize,
        to: usize,
        reaches: impl Fn(usize, usize) -> bool,
    ) -> bool {
        match &self.by_end {
            Some(by_end) => {
                let at = by_end.partition_point(|&(e, _)| e < from);
                by_end[at..]
                    .iter()
                    .take_while(|&&(e, _)| e <= to)
                    .any(|&(e, s)| reaches(s, e))
            }
            None => {
                let at = self
                    .by_start
                    .partition_point(|&(s, _)| s < from.saturating_sub(self.longest));
                self.by_start[at..]
                    .iter()
                    .take_while(|&&(s, _)| s <= to)
                    .any(|&(s, e)| (from..=to).contains(&e) && reaches(s, e))
            }
        }
    }
}

impl<'k> Partners<'k> {
    fn new(keys: &'k [PartnerKey], found: Vec<Vec<(usize, usize)>>, long: usize) -> Self {
        let groups = found
            .into_iter()
            .map(|by_start| PartnerGroup::new(by_start, long))
            .collect();
        Partners { keys, groups }
    }

    /// The matches of the group `key`; `None` if the codebook has no such group.
    fn group(&self, key: PartnerKey) -> Option<&PartnerGroup> {
        let at = self
            .keys
            .binary_search_by_key(&(key.0, key.1, key.2 as u8), |&(c, r, role)| {
                (c, r, role as u8)
            })
            .ok()?;
        Some(&self.groups[at])
    }

    /// Whether `reaches` holds for a partner of `key` that could be within `within` words of
    /// the match `start..end`: one starting at or after its end no further than `within`
    /// words on, or one ending at or before its start no further than `within` words back.
    /// Partners overlapping the match are never in reach, so none is missed.
    fn any_within<'w>(
        &self,
        key: PartnerKey,
        (start, end): (usize, usize),
        within: usize,
        words: impl FnOnce() -> &'w WordIndex<'w>,
        reaches: impl Fn(usize, usize) -> bool,
    ) -> bool {
        let Some(group) = self.group(key) else {
            return false;
        };
        let by_start = &group.by_start;
        let words = words();
        // After the match: starts from `end` up to (not including) the word `within` + 1 on.
        let last_word = words.word_at(end.saturating_sub(1));
        let after_limit = last_word
            .checked_add(within)
            .and_then(|w| w.checked_add(1))
            .and_then(|w| words.start_of(w))
            .unwrap_or(usize::MAX);
        let from = by_start.partition_point(|&(s, _)| s < end);
        let after = by_start[from..]
            .iter()
            .take_while(|&&(s, _)| s < after_limit);
        if after.into_iter().any(|&(s, e)| reaches(s, e)) {
            return true;
        }
        // Before the match: ends up to `start`, from just after the start of the word
        // `within` back.
        let first_word = words.word_at(start).saturating_sub(within);
        let before_from = match first_word {
            0 => 0,
            w => words.start_of(w).map_or(usize::MAX, |s| s + 1),
        };
        group.any_ending_in(before_from, start, reaches)
    }
}

/// Word positions in a unit, for `within N words`: where every [`WordIndex::STRIDE`]th word
/// starts, the words between counted again when asked. A unit of 200 MB has 35 million
/// words; an offset for each took 280 MB (more while the vector grew), the checkpoints take a
/// sixteenth of that.
struct WordIndex<'t> {
    text: &'t str,
    /// Byte offset where word 0, `STRIDE`, 2 × `STRIDE`, … starts.
    checkpoints: Vec<usize>,
    words: usize,
}

impl<'t> WordIndex<'t> {
    const STRIDE: usize = 16;

    fn new(text: &'t str) -> Self {
        let mut checkpoints = Vec::new();
        let mut words = 0;
        for start in word_starts(text, 0) {
            if words % Self::STRIDE == 0 {
                checkpoints.push(start);
            }
            words += 1;
        }
        WordIndex {
            text,
            checkpoints,
            words,
        }
    }

    /// The index of the word at or before a byte offset (0 before the first word).
    fn word_at(&self, pos: usize) -> usize {
        let Some(k) = self
            .checkpoints
            .partition_point(|&s| s <= pos)
            .checked_sub(1)
        else {
            return 0;
        };
        let later = word_starts(self.text, self.checkpoints[k])
            .take(Self::STRIDE)
            .take_while(|&s| s <= pos)
            .count();
        k * Self::STRIDE + later - 1
    }

    /// Where word `w` starts; `None` past the last word.
    fn start_of(&self, w: usize) -> Option<usize> {
        if w >= self.words {
            return None;
        }
        let from = self.checkpoints[w / Self::STRIDE];
        word_starts(self.text, from).nth(w % Self::STRIDE)
    }

    /// How many words on from the one ending at `end` the one starting at `start` is:
    /// 1 for adjacent words.
    fn distance(&self, end: usize, start: usize) -> usize {
        self.word_at(start) - self.word_at(end.saturating_sub(1))
    }
}

/// Byte offsets where words start in `text`, from `from` (a word start or 0) on.
fn word_starts(text: &str, from: usize) -> impl Iterator<Item = usize> + '_ {
    let mut in_word = false;
    text[from..].char_indices().filter_map(move |(i, c)| {
        let word = is_word_char(c);
        // Each character of an unspaced script is a word of its own.
        let starts = word && (!in_word || is_unspaced_script(c));
        in_word = word;
        starts.then_some(from + i)
    })
}

/// The codebook's negators, looked for before every match.
struct Negation {
    /// Each negator as lower-case words.
    phrases: Vec<Vec<String>>,
    window: usize,
    /// Bit `min(len, 63)` of `shapes[b]` is set when some negator's first word is ASCII, starts
    /// with the lower-case byte `b` and is `len` bytes long. Most words before a match fail
    /// this test and are compared with no negator: this runs for every match of every unit.
    shapes: [u64; 128],
    /// Some negator is `n't`, which matches the end of any word.
    contraction: bool,
    /// Negators in Han or kana characters, looked for in unspaced text.
    unspaced: unspaced::UnspacedNegators,
}

impl Negation {
    fn new(negators: &[String], window: usize) -> Negation {
        let unspaced = unspaced::UnspacedNegators::new(negators, window);
        let phrases: Vec<Vec<String>> = negators
            .iter()
            .filter(|n| !n.chars().any(is_unspaced_script))
            .map(|n| n.split_whitespace().map(str::to_lowercase).collect())
            .collect();
        let mut shapes = [0u64; 128];
        for first in phrases.iter().filter_map(|p| p.first()) {
            if let Some(&b) = first.as_bytes().first().filter(|b| b.is_ascii()) {
                shapes[usize::from(b)] |= 1 << first.len().min(63);
            }
        }
        Negation {
            contraction: phrases.iter().any(|p| p.len() == 1 && p[0] == "n't"),
            phrases,
            window,
            shapes,
            unspaced,
        }
    }

    /// Whether some negator could start at `word`. A non-ASCII word may equal a negator only
    /// once folded, so it is always a candidate.
    fn may_start_at(&self, word: &str) -> bool {
        let bytes = word.as_bytes();
        if !word.is_ascii() {
            // A word of Chinese can end in `n't` at most: no negator of these starts with a
            // Han character (those are looked for in `unspaced`).
            if word.starts_with(crate::segment::cjk::is_unspaced) {
                return self.contraction && ends_in_contraction(word);
            }
            return true;
        }
        let Some(&first) = bytes.first() else {
            return false;
        };
        self.shapes[usize::from(first.to_ascii_lowercase())] & (1 << bytes.len().min(63)) != 0
            || (self.contraction && ends_in_contraction(word))
    }

    /// Whether one of the negators occurs in the `window` words before `start`, within the
    /// same clause (punctuation, commas included, ends a negation's reach). `not only` is not
    /// a negation; `n't` matches any word ending in it (`don't`). When the unit holds Han or
    /// kana characters (`unspaced`), negators written in them are looked for too
    /// ([`unspaced::UnspacedNegators`]).
    fn before(&self, text: &str, start: usize, unspaced: bool) -> bool {
        (unspaced && self.unspaced.before(text, start)) || self.before_in_words(text, start)
    }

    /// [`Negation::before`] for negators written in words between spaces.
    fn before_in_words(&self, text: &str, start: usize) -> bool {
        if self.phrases.is_empty() || self.window == 0 {
            return false;
        }
        // Look back a bounded stretch: a window of a few words never needs more.
        let mut from = start.saturating_sub(200);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        // Only the last `window` words matter; they are compared in place, without lowering
        // or copying.
        let before = &text[from..start];
        let mut words = last_words_ascii(before, self.window)
            .unwrap_or_else(|| last_words(before, self.window));
        words.reverse();
        (0..words.len())
            .filter(|&i| self.may_start_at(words[i]))
            .any(|i| {
                self.phrases.iter().any(|negator| match negator.as_slice() {
                    [one] if one == "n't" => ends_in_contraction(words[i]),
                    [one]
                        if one == "not"
                            && words.get(i + 1).is_some_and(|w| same_word(w, "only")) =>
                    {
                        false
                    }
                    _ => {
                        negator.len() <= words.len() - i
                            && negator
                                .iter()
                                .zip(&words[i..])
                                .all(|(n, w)| same_word(w, n))
                    }
                })
            })
    }
}

/// Whether a word ends in `n't` (`don't`, `WON’T`).
fn ends_in_contraction(word: &str) -> bool {
    if !word.ends_with(['t', 'T']) {
        return false;
    }
    if word.is_ascii() {
        word.len() >= 3 && word[word.len() - 3..].eq_ignore_ascii_case("n't")
    } else {
        folded(word).rev().take(3).eq("t'n".chars())
    }
}

const CLAUSE_ENDS: [char; 17] = [
    '.', ',', ';', ':', '!', '?', '(', ')', '，', '。', '；', '：', '！', '？', '、', '（', '）',
];

/// The last `window` words of the clause that `before` ends in, last word first.
fn last_words(before: &str, window: usize) -> Vec<&str> {
    let clause = before.rsplit(CLAUSE_ENDS).next().unwrap_or(before);
    clause
        .rsplit(|c: char| !(is_word_char(c) || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .take(window)
        .collect()
}

/// [`last_words`] scanning bytes back from the end, for ASCII text; `None` if a non-ASCII
/// character comes first.
fn last_words_ascii(before: &str, window: usize) -> Option<Vec<&str>> {
    let bytes = before.as_bytes();
    let mut words = Vec::with_capacity(window);
    let mut end = bytes.len();
    for i in (0..bytes.len()).rev() {
        let b = bytes[i];
        if !b.is_ascii() {
            return None;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'\'' {
            continue;
        }
        if i + 1 < end {
            words.push(&before[i + 1..end]);
            if words.len() == window {
                return Some(words);
            }
        }
        if matches!(b, b'.' | b',' | b';' | b':' | b'!' | b'?' | b'(' | b')') {
            return Some(words);
        }
        end = i;
    }
    if end > 0 && words.len() < window {
        words.push(&before[..end]);
    }
    Some(words)
}

/// A word's characters in lower case, with the typographic apostrophe as `'`.
fn folded(word: &str) -> impl DoubleEndedIterator<Item = char> + '_ {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '’' { '\'' } else { c })
}

/// Whether `word` is `lower` (a lower-case negator word) whatever its case and apostrophe.
fn same_word(word: &str, lower: &str) -> bool {
    if word.is_ascii() {
        return word.eq_ignore_ascii_case(lower);
    }
    folded(word).eq(lower.chars())
}

impl Matcher {
    /// The unit's codings: the codes applied by their own rules, and every ancestor of them,
    /// in code order.
    pub fn codings(&self, segment: usize, result: &UnitResult) -> Vec<CodingRow> {
        // Codes without parents (every code of a flat codebook) count their own matches: the
        // counted matches of one code never overlap, so each is a hit of its own.
        if result.codes.iter().all(|&c| self.ancestors[c].is_empty()) {
            return result
                .codes
                .iter()
                .map(|&code| CodingRow {
                    segment,
                    code,
                    hits: result.matches.iter().filter(|m| m.code == code).count(),
                    direct: true,
                })
                .collect();
        }
        self.rolled_up_codings(segment, result)
    }

    /// [`Matcher::codings`] for any codebook: each code's hits are its own matches and its
    /// descendants', a span once.
    fn rolled_up_codings(&self, segment: usize, result: &UnitResult) -> Vec<CodingRow> {
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
                hits: spans_once(result.matches.iter().filter(|m| {
                    result.codes.contains(&m.code)
                        && (m.code == code || self.ancestors[m.code].contains(&code))
                })),
                direct: result.codes.contains(&code),
            })
            .collect()
    }
}

/// How many matches count, a span once: a parent's own rule and a child's matching the same
/// words (or overlapping ones) are one hit, as overlapping matches of one code are (the
/// leftmost, then longest, counts).
fn spans_once<'a>(matches: impl Iterator<Item = &'a UnitMatch>) -> usize {
    let mut spans: Vec<(usize, usize)> = matches.map(|m| (m.start, m.end)).collect();
    spans.sort_unstable_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
    let mut counted_to = 0;
    let mut hits = 0;
    for (i, (start, end)) in spans.into_iter().enumerate() {
        if i == 0 || start >= counted_to {
            hits += 1;
            counted_to = end;
        }
    }
    hits
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

/// Checks word boundaries (extending `term*` to the end of its word); `None` if not a match.
/// A Han, kana or Thai character is a word of its own, so it is a boundary on either side:
/// `NGO` matches in `与NGO合作`, and `一把手` inside any text.
fn word_match(text: &str, start: usize, end: usize, origin: Origin) -> Option<usize> {
    if !origin.whole_word {
        return Some(end);
    }
    let joined = |a: char, b: char| {
        is_word_char(a) && is_word_char(b) && !is_unspaced_script(a) && !is_unspaced_script(b)
    };
    let before = text[..start].chars().next_back();
    let first = text[start..].chars().next();
    if let (Some(b), Some(f)) = (before, first) {
        if joined(b, f) {
            return None;
        }
    }
    let mut end = end;
    if origin.prefix {
        end += text[end..]
            .char_indices()
            .find(|&(_, c)| !is_word_char(c) || is_unspaced_script(c))
            .map_or(text.len() - end, |(i, _)| i);
        return Some(end);
    }
    let last = text[..end].chars().next_back();
    let after = text[end..].chars().next();
    if let (Some(l), Some(a)) = (last, after) {
        if joined(l, a) {
            return None;
        }
    }
    Some(end)
}

#[derive(Debug, thiserror::Error)]
#[error("cannot compile the codebook's patterns: {0}")]
pub struct MatcherError(String);

/// Codes every coded segment of a whole document and turns the results into rows.
pub fn code_document(
    document: &Document,
    layout: Layout,
    segments: Vec<Segment>,
    matcher: &Matcher,
) -> CodedDocument {
    code_segments(
        document,
        &SourceIndex::new(&document.text),
        layout,
        segments,
        matcher,
    )
}

/// Codes some of a document's segments (all of them, or one part of a document coded in
/// parts) into rows numbered as the segments are; `index` is the document's.
pub fn code_segments(
    document: &Document,
    index: &SourceIndex,
    layout: Layout,
    segments: Vec<Segment>,
    matcher: &Matcher,
) -> CodedDocument {
    let mut coded = CodedDocument::empty(document, layout);
    coded.segments.reserve(segments.len());
    // Offsets are looked up in the order of the text: a segment's start, its matches, its end.
    let first = segments.first().map_or(0, |s| s.start);
    let mut chars = index.cursor(first);
    let mut stored = document.stored_offsets(first);
    for segment in segments {
        let is_coded = segment.kind.is_coded() && !matcher.skips(segment.turn.as_deref());
        let char_start = chars.char_offset(segment.start);
        let byte_start = stored.of(segment.start);
        if is_coded {
            code_segment(
                document,
                &segment,
                (&mut chars, &mut stored),
                matcher,
                &mut coded,
            );
        }
        // The segment's text moves into its row: a document's text is not held twice.
        coded.segments.push(SegmentRow {
            segment: segment.index,
            block: segment.block,
            kind: segment.kind.as_str(),
            coded: is_coded,
            byte_start,
            byte_end: stored.of(segment.end),
            char_start,
            char_end: chars.char_offset(segment.end),
            line_start: segment.line_start,
            line_end: segment.line_end,
            word_count: segment.word_count,
            page: document.structure.as_ref().and_then(|s| {
                crate::read::structured::TextBlocks::page_of_line(&s.pages, segment.line_start)
            }),
            turn: segment.turn,
            label: segment.label,
            text: segment.text,
        });
    }
    coded
}

/// Codes one unit, adding its matches (counted and rejected) and codings to the document's
/// rows.
fn code_segment(
    document: &Document,
    segment: &Segment,
    (chars, stored): (&mut CharCursor, &mut StoredOffsets),
    matcher: &Matcher,
    coded: &mut CodedDocument,
) {
    let trace = matcher.trace_unit_in(&matchable(&segment.text, segment.label), segment.unspaced);
    let result = UnitResult::from(&trace);
    coded.vetoed += result.vetoed;
    let mut rows = MatchRows::new(document, segment);
    // Counted and rejected matches interleave: all are located in the trace's order of
    // position, so that the offsets are counted on from one to the next.
    for c in &trace.candidates {
        let applied = result.codes.contains(&c.code);
        let row = rows.row(c, applied, (&mut *chars, &mut *stored));
        match c.status {
            Status::Counted => coded.matches.push(row),
            status => coded.rejected.push(RejectedRow {
                matched: row,
                status,
            }),
        }
    }
    coded
        .codings
        .extend(matcher.codings(segment.index, &result));
}

/// Turns a unit's matches into rows, taken in order of position: lines and character offsets
/// are counted on from the previous match, never from the segment's start again (a
/// one-paragraph file of 300 MB has many).
struct MatchRows<'a> {
    document: &'a Document,
    segment: &'a Segment,
    /// The source offset lines are counted to, and the line there.
    counted_to: usize,
    line: usize,
    /// Character offsets in the unit's text, counted on in the same way (`ascii`: whether the
    /// text is ASCII, found out at the first match, since most units have none).
    ascii: Option<bool>,
    text_counted_to: usize,
    text_chars: usize,
}

impl<'a> MatchRows<'a> {
    fn new(document: &'a Document, segment: &'a Segment) -> Self {
        MatchRows {
            document,
            segment,
            counted_to: segment.start,
            line: segment.line_start,
            ascii: None,
            text_counted_to: 0,
            text_chars: 0,
        }
    }

    /// The row of a match found in the unit; `applied`: its code reached its threshold there.
    fn row(
        &mut self,
        c: &Candidate,
        applied: bool,
        (chars, stored): (&mut CharCursor, &mut StoredOffsets),
    ) -> MatchRow {
        let (start, end) = (c.start, c.end);
        let text = &self.segment.text;
        let (text_start, text_end) = if *self.ascii.get_or_insert_with(|| text.is_ascii()) {
            (start, end)
        } else {
            if start < self.text_counted_to {
                (self.text_counted_to, self.text_chars) = (0, 0);
            }
            self.text_chars += text[self.text_counted_to..start].chars().count();
            self.text_counted_to = start;
            (
                self.text_chars,
                self.text_chars + text[start..end].chars().count(),
            )
        };
        let source_start = self.segment.map.source_start(start);
        let source_end = self.segment.map.source_end(end);
        if source_start > self.counted_to {
            self.line +=
                count_line_breaks(self.document.text.as_bytes(), self.counted_to..source_start);
            self.counted_to = source_start;
        }
        MatchRow {
            segment: self.segment.index,
            code: c.code,
            rule: c.rule,
            pattern: c.pattern,
            text: text[start..end].to_string(),
            byte_start: stored.of(source_start),
            byte_end: stored.of(source_end),
            char_start: chars.char_offset(source_start),
            char_end: chars.char_offset(source_end),
            text_start,
            text_end,
            line: self.line,
            applied,
            negated: c.negated,
        }
    }
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

    fn statuses(m: &Matcher, text: &str) -> Vec<(String, &'static str)> {
        m.trace_unit(text)
            .candidates
            .iter()
            .map(|c| (text[c.start..c.end].to_string(), c.status.as_str()))
            .collect()
    }

    #[test]
    fn word_index_checkpoints_agree_with_every_word_start() {
        // Words of Latin and Han script, runs of spaces and punctuation, more than a stride.
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(
                [
                    "trust ",
                    "与NGO合作，",
                    "  co-operation. ",
                    "x",
                    "—",
                    "一把手 ",
                ][i % 6],
            );
        }
        let starts: Vec<usize> = word_starts(&text, 0).collect();
        assert!(starts.len() > 3 * WordIndex::STRIDE);
        let index = WordIndex::new(&text);
        for (w, &s) in starts.iter().enumerate() {
            assert_eq!(index.start_of(w), Some(s));
        }
        assert_eq!(index.start_of(starts.len()), None);
        for (pos, _) in text.char_indices() {
            let naive = starts.partition_point(|&s| s <= pos).saturating_sub(1);
            assert_eq!(index.word_at(pos), naive, "at {pos}");
        }
    }

    #[test]
    fn proximity_near_in_order_and_not_near() {
        let m = matcher(
            r#"
[[codes]]
id = "fic"
[[codes.rules]]
terms = ["leader*"]
near = ["approv*"]
within = 3
order = "before"

[[codes]]
id = "bank"
[[codes.rules]]
terms = ["bank"]
not_near = ["river"]
within = 4
"#,
        );
        // Adjacent words are 1 apart; "leaders ... approved" here are 3 apart.
        assert_eq!(
            statuses(&m, "the leaders then quickly approved"),
            [("leaders".into(), "counted")]
        );
        assert_eq!(
            statuses(&m, "the leaders then very quickly approved"),
            [("leaders".into(), "no near term")]
        );
        // order = "before": the rule's term must come first.
        assert_eq!(
            statuses(&m, "approved by the leaders"),
            [("leaders".into(), "no near term")]
        );
        assert_eq!(
            statuses(&m, "a river bank"),
            [("bank".into(), "near a not_near term")]
        );
        assert_eq!(
            statuses(&m, "the bank by the wide old river"),
            [("bank".into(), "counted")]
        );
        assert_eq!(
            m.code_unit("the bank, the leader approves").codes,
            vec![0, 1]
        );
    }

    #[test]
    fn indexed_exclusions_and_partners_decide_as_comparing_every_pair() {
        // Rules with near/not_near in every order, sentence scope, short and long reach, and
        // exclusions of one and several words, on random texts dense with all their terms.
        let m = matcher(
            r#"
[[codes]]
id = "a"
[[codes.rules]]
terms = ["alpha", "alpha beta"]
near = ["beta*", "gamma"]
within = 3
order = "before"
[[codes.rules]]
terms = ["delta"]
not_near = ["alpha", "epsilon zeta"]
within = 2
[[codes.exclude]]
terms = ["alpha beta gamma", "delta delta"]
[[codes.exclude]]
regex = "zeta[a-z ]{0,12}alpha"

[[codes]]
id = "b"
scope = "sentence"
[[codes.rules]]
terms = ["gamma", "beta"]
near = ["delta", "alpha"]
within = 5
order = "after"
[[codes.rules]]
terms = ["epsilon"]
near = ["zeta"]
within = 1
[[codes.rules]]
terms = ["zeta"]
not_near = ["gamma", "beta"]
within = 4
[[codes.rules]]
terms = ["x"]
near = ["y", "z"]
not_near = ["epsilon"]
within = 2
[[codes.exclude]]
terms = ["gamma gamma"]
"#,
        );
        let vocabulary = [
            "alpha", "beta", "betas", "gamma", "delta", "epsilon", "zeta", "x", "y", "z", ".", ",",
            "not",
        ];
        // A fixed linear congruential generator: the same texts every run.
        let mut state: u64 = 0x5eed;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % n as u64) as usize
        };
        let mut compared = 0;
        for _ in 0..400 {
            let words = 1 + next(120);
            let text: Vec<&str> = (0..words)
                .map(|_| vocabulary[next(vocabulary.len())])
                .collect();
            let text = text.join(" ");
            let indexed = m.decide_with(&text, m.find_all(&text, true), false, Search::Indexed);
            let by_end = m.decide_with(&text, m.find_all(&text, true), false, Search::IndexedByEnd);
            let naive = m.decide_with(&text, m.find_all(&text, true), false, Search::Naive);
            assert_eq!(indexed, naive, "{text}");
            assert_eq!(by_end, naive, "{text}");
            compared += indexed.candidates.len();
        }
        assert!(compared > 5000, "{compared} candidates compared");
    }

    #[test]
    fn ascii_look_back_finds_the_same_words_as_the_general_one() {
        let texts = [
            "",
            "word",
            "we do not  trust",
            "a, b c d",
            "first. then (not) don't_x it's 42 ",
            "  lack of   ",
            "end,",
            "x y z w v u t",
        ];
        for text in texts {
            for window in 1..5 {
                assert_eq!(
                    last_words_ascii(text, window),
                    Some(last_words(text, window)),
                    "{text:?} window {window}"
                );
            }
        }
        assert_eq!(last_words_ascii("nicht für", 3), None);
    }

    #[test]
    fn negation_is_flagged_and_excluded_where_the_code_says_so() {
        let m = matcher(
            r#"
[[codes]]
id = "trust"
exclude_negated = true
[[codes.rules]]
terms = ["trust"]

[[codes]]
id = "support"
[[codes.rules]]
terms = ["support"]
"#,
        );
        let negated = |text: &str| {
            m.trace_unit(text)
                .candidates
                .iter()
                .map(|c| c.negated)
                .collect::<Vec<_>>()
        };
        assert_eq!(negated("there is no trust"), [true]);
        assert_eq!(negated("a lack of mutual trust"), [true]);
        assert_eq!(negated("they don’t trust"), [true]);
        assert_eq!(negated("not only trust"), [false]);
        assert_eq!(
            negated("not in the least did they ever trust"),
            [false],
            "beyond 3 words"
        );
        assert_eq!(negated("No. Trust grew"), [false], "another clause");
        assert_eq!(
            negated("no doubt, trust grew"),
            [false],
            "a comma ends the reach"
        );
        // The excluding code drops it; the other code counts it but flags it.
        let r = m.code_unit("no trust and no support");
        assert_eq!(r.codes, vec![1]);
        assert_eq!(r.matches.len(), 1);
        assert!(r.matches[0].negated);
        assert_eq!(statuses(&m, "without trust"), [("trust".into(), "negated")]);
    }

    #[test]
    fn negators_of_any_case_length_or_script_are_found() {
        let long = "a".repeat(70);
        let negators = [
            "notwithstanding",
            "sin",
            "ohne jedes",
            &long,
            "kaum",
            "nicht",
            "n't",
        ];
        let n = Negation::new(&negators.map(String::from), 3);
        // Whether a negator is among the three words before the end of `text`.
        let negated = |text: &str| n.before(text, text.len(), false);
        assert!(negated("NOTWITHSTANDING their "));
        assert!(negated("Sin "));
        assert!(negated("ohne JEDES "));
        assert!(negated(&format!("{} ", "A".repeat(70))));
        assert!(
            !negated(&format!("{} ", "a".repeat(69))),
            "one letter short"
        );
        assert!(!negated(&format!("{} ", "a".repeat(71))), "one letter long");
        assert!(negated("kaum über "), "a non-ASCII word after it");
        assert!(negated("NICHT "));
        assert!(negated("they WON'T "));
        assert!(!negated("ohne "), "half a phrase");
        assert!(!negated("since "));
        assert!(!negated("sins "));
    }

    #[test]
    fn weights_reach_a_threshold_one_strong_phrase_or_three_weak_words() {
        let m = matcher(
            r#"
[[codes]]
id = "reciprocity"
threshold = 3
[[codes.rules]]
terms = ["win-win", "mutual benefit"]
weight = 3
[[codes.rules]]
terms = ["exchange", "both sides", "return"]
"#,
        );
        let decision = |text: &str| {
            m.trace_unit(text)
                .decisions
                .first()
                .map(|d| (d.score, d.applied))
        };
        assert_eq!(decision("a win-win deal"), Some((3.0, true)));
        assert_eq!(decision("an exchange on both sides"), Some((2.0, false)));
        assert_eq!(
            decision("an exchange on both sides, in return"),
            Some((3.0, true))
        );
        assert_eq!(decision("nothing"), None);
    }

    #[test]
    fn sentence_scope_counts_sentences_that_reach_the_threshold() {
        let m = matcher(
            r#"
[[codes]]
id = "trust"
scope = "sentence"
min_hits = 2
min_sentences = 2
[[codes.rules]]
terms = ["trust", "confidence"]
near = ["government"]
within = 10
"#,
        );
        let decision = |text: &str| {
            m.trace_unit(text)
                .decisions
                .first()
                .map(|d| (d.sentences, d.applied))
        };
        // Two hits in one sentence: one qualifying sentence of the two needed.
        assert_eq!(
            decision("Trust and confidence in government grew. Then it rained."),
            Some((Some(1), false))
        );
        assert_eq!(
            decision("Trust and confidence in government grew. The government earned trust and confidence."),
            Some((Some(2), true))
        );
        // With sentence scope, near terms must be in the same sentence.
        assert_eq!(
            statuses(&m, "Trust grew. The government left."),
            [("Trust".into(), "no near term")]
        );
    }

    #[test]
    fn codes_without_parents_count_their_matches_as_rolled_up_hits_would() {
        // Overlapping terms within a code and across codes, a threshold, and a code with a
        // child (whose matches count for it only when the child applies).
        let m = matcher(
            r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust", "mutual trust", "trust fund", "mutual"]

[[codes]]
id = "fund"
min_hits = 2
[[codes.rules]]
terms = ["fund", "trust fund"]

[[codes]]
id = "reciprocity"
[[codes.rules]]
terms = ["mutual", "in return"]

[[codes]]
id = "return"
parent = "reciprocity"
[[codes.rules]]
terms = ["return"]
"#,
        );
        let vocabulary = ["mutual", "trust", "fund", "in", "return", "x", ".", "not"];
        let mut state: u64 = 0xc0de;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % n as u64) as usize
        };
        let (mut flat, mut nested) = (0, 0);
        for _ in 0..2000 {
            let words: Vec<&str> = (0..1 + next(30))
                .map(|_| vocabulary[next(vocabulary.len())])
                .collect();
            let result = m.code_unit(&words.join(" "));
            assert_eq!(
                m.codings(3, &result),
                m.rolled_up_codings(3, &result),
                "{words:?}"
            );
            if result.codes.contains(&3) {
                nested += 1;
            } else if !result.codes.is_empty() {
                flat += 1;
            }
        }
        assert!(flat > 200 && nested > 200, "{flat} flat, {nested} nested");
    }

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
        // A word matched by the parent's own rule and by a child's is one hit of the parent.
        let m = matcher(
            r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust", "mutual trust"]

[[codes]]
id = "mutual"
parent = "trust"
[[codes.rules]]
terms = ["mutual trust"]

[[codes]]
id = "word"
parent = "trust"
[[codes.rules]]
terms = ["trust"]
"#,
        );
        let rows = m.codings(0, &m.code_unit("mutual trust, then trust again"));
        let hits: Vec<(usize, usize)> = rows.iter().map(|r| (r.code, r.hits)).collect();
        assert_eq!(hits, [(0, 2), (1, 1), (2, 2)]);
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
    fn chinese_terms_count_once_per_occurrence_and_mix_with_english_terms() {
        let m = matcher(
            r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["信任", "互信", "mutual trust", "ngo合作"]
[[codes.rules]]
id = "legitimacy"
terms = ["合法性", "legitimacy"]
near = ["政府", "government"]
within = 5
"#,
        );
        // Terms of every script go to the automaton, not to regexes.
        assert!(m.regexes.is_empty());
        // Each occurrence once, inside unspaced text; 互信 and 信任 overlapping in 互信任
        // count once (the first); ASCII case folds in a mixed term.
        assert_eq!(
            matched(&m, "信任信任，互信任，与Ngo合作"),
            ["信任", "信任", "互信", "Ngo合作"]
        );
        // `near` across scripts: a Han character is a word, as is an English word.
        assert_eq!(
            statuses(&m, "government的合法性"),
            [("合法性".into(), "counted")]
        );
        assert_eq!(
            statuses(&m, "legitimacy in the eyes of 政府"),
            [("legitimacy".into(), "counted")]
        );
        assert_eq!(
            statuses(&m, "合法性来自社区和居民而不是来自政府"),
            [("合法性".into(), "no near term")]
        );
        // English terms and `term*` stop at Han characters on either side.
        let fic = matcher(
            "[[codes]]\nid = \"f\"\n[[codes.rules]]\nterms = [\"FIC\", \"localis*\"]\ncase_sensitive = true\n",
        );
        assert_eq!(
            matched(&fic, "与FIC合作，localisation与本土化；FICs、xFIC"),
            ["FIC", "localisation"]
        );
    }

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
    fn chinese_negators_negate_in_unspaced_text() {
        let m = matcher(
            r#"
[[codes]]
id = "trust"
exclude_negated = true
[[codes.rules]]
terms = ["信任", "互信", "trust"]
"#,
        );
        assert_eq!(statuses(&m, "他们不信任政府"), [("信任".into(), "negated")]);
        assert_eq!(
            statuses(&m, "双方並非真正互信"),
            [("互信".into(), "negated")]
        );
        assert_eq!(
            statuses(&m, "我们非常信任政府"),
            [("信任".into(), "counted")]
        );
        assert_eq!(
            statuses(&m, "非政府组织之间的信任"),
            [("信任".into(), "counted")]
        );
        assert_eq!(
            statuses(&m, "没有问题，我们信任他们"),
            [("信任".into(), "counted")]
        );
        // English negation is unchanged beside them.
        assert_eq!(
            statuses(&m, "they do not trust 政府, 不信任"),
            [("trust".into(), "negated"), ("信任".into(), "negated")]
        );
        // A codebook's own negators replace the defaults, Chinese ones included.
        let own = matcher(
            "[codebook]\nnegators = [\"从未\"]\n[[codes]]\nid = \"t\"\n[[codes.rules]]\nterms = [\"信任\"]\n",
        );
        let negated = |m: &Matcher, text: &str| m.trace_unit(text).candidates[0].negated;
        assert!(negated(&own, "从未信任"));
        assert!(!negated(&own, "不信任"));
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
    fn a_match_under_several_exclusions_is_vetoed_by_the_first_listed() {
        // Exclusion 1 ends first and is case-sensitive; exclusion 0 still names the veto.
        let m = matcher(
            "[[codes]]\nid = \"t\"\n[[codes.rules]]\nterms = [\"trust\"]\n[[codes.exclude]]\nterms = [\"trust fund\"]\n[[codes.exclude]]\nterms = [\"The trust\"]\ncase_sensitive = true\n",
        );
        let statuses: Vec<Status> = m
            .trace_unit("The trust fund paid.")
            .candidates
            .iter()
            .map(|c| c.status)
            .collect();
        assert_eq!(
            statuses,
            [Status::Vetoed {
                exclusion: 0,
                pattern: 0
            }]
        );
        // Within the exclusion, its first pattern (as listed) that overlaps the match names
        // the veto, whichever starts first.
        let m = matcher(
            "[[codes]]\nid = \"t\"\n[[codes.rules]]\nterms = [\"trust\"]\n[[codes.exclude]]\nterms = [\"fund\", \"trust fund\", \"the trust\"]\n",
        );
        let vetoes: Vec<Status> = m
            .trace_unit("the trust fund and the trust")
            .candidates
            .iter()
            .map(|c| c.status)
            .collect();
        assert_eq!(
            vetoes,
            [
                Status::Vetoed {
                    exclusion: 0,
                    pattern: 1
                },
                Status::Vetoed {
                    exclusion: 0,
                    pattern: 2
                }
            ]
        );
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
    fn dash_variants_fullwidth_letters_and_soft_hyphens_match_at_their_own_offsets() {
        let m = matcher(
            "[[codes]]\nid = \"a\"\n[[codes.rules]]\nterms = [\"win-win\", \"two-way\", \"trust\"]\n",
        );
        let text = "a win\u{2013}win and two\u{2010}way ＴＲＵＳＴ, tru\u{AD}st";
        assert_eq!(
            matched(&m, text),
            [
                "win\u{2013}win",
                "two\u{2010}way",
                "ＴＲＵＳＴ",
                "tru\u{AD}st"
            ]
        );
    }

    #[test]
    fn non_ascii_terms_fold_case() {
        let m = matcher("[[codes]]\nid = \"r\"\n[[codes.rules]]\nterms = [\"Öffentlich\"]\n");
        assert_eq!(matched(&m, "öffentlich"), vec!["öffentlich"]);
    }
}
