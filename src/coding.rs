//! Coding: segmented documents and a [`Codebook`] in, every rule match and every
//! (unit, code) coding out, as plain rows with source positions.
//!
//! All literal and prefix terms of all codes, of any script, go into one Aho-Corasick
//! automaton ([`scan`], case folded by Unicode simple case folding) so each unit is scanned
//! once for all of them; regular expressions are pre-filtered with `RegexSet`s. Documents are
//! coded in parallel and collected in corpus order, so output never depends on thread timing.
//!
//! This file holds the stage's types: the [`Matcher`] and the rows and traces it gives. The
//! work is in its modules: [`compile`] turns a codebook into a [`Matcher`], [`decide`] finds
//! a unit's matches and decides which count and which codes apply (with [`negation`] for the
//! negators before a match), and [`rows`] turns a document's units into table rows.

use crate::codebook::{Code, Codebook};
use crate::read::Document;
use crate::segment::{BlockTurn, Layout};
use regex::{Regex, RegexSet};

mod compile;
mod decide;
mod fold;
mod negation;
mod rows;
mod scan;
mod unspaced;

pub use compile::MatcherError;
pub use rows::{code_document, code_segments};

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
    negation: negation::Negation,
    /// Some code has sentence scope: sentence boundaries are needed.
    sentences: bool,
    /// Speakers whose turns are not coded ([`crate::codebook::Codebook::skip_speakers`]), as
    /// name keys.
    skip_speakers: Vec<String>,
}

/// A rule's group of `near` or of `not_near` terms: `(code, rule, role)`.
type PartnerKey = (usize, usize, Role);

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

#[cfg(test)]
mod testing {
    use super::Matcher;
    use crate::codebook;

    pub(super) fn matcher(toml: &str) -> Matcher {
        let cb = codebook::parse(toml).unwrap_or_else(|p| panic!("{p:?}"));
        Matcher::new(&cb).expect("matcher")
    }

    pub(super) fn matched<'a>(m: &Matcher, text: &'a str) -> Vec<&'a str> {
        m.code_unit(text)
            .matches
            .iter()
            .map(|x| &text[x.start..x.end])
            .collect()
    }

    pub(super) fn statuses(m: &Matcher, text: &str) -> Vec<(String, &'static str)> {
        m.trace_unit(text)
            .candidates
            .iter()
            .map(|c| (text[c.start..c.end].to_string(), c.status.as_str()))
            .collect()
    }
}
