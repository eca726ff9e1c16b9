//! Rows: a document's segments and a [`Matcher`] in, a [`CodedDocument`] out: a row per
//! segment, per match (counted or rejected, with its positions in the source file) and per
//! coding (each applied code and its ancestors, with their hits).

use super::{matchable, Candidate, CodedDocument, CodingRow, MatchRow, Matcher, RejectedRow};
use super::{SegmentRow, Status, UnitMatch, UnitResult};
use crate::read::{Document, StoredOffsets};
use crate::segment::{count_line_breaks, BlockTurn, CharCursor, Layout, Segment, SourceIndex};

impl Matcher {
    /// Whether a unit of this turn is left uncoded: its speaker is one of the codebook's
    /// `skip_speakers` (compared ignoring case).
    pub fn skips(&self, turn: Option<&BlockTurn>) -> bool {
        !self.skip_speakers.is_empty()
            && turn
                .and_then(|t| t.speaker.as_deref())
                .is_some_and(|s| self.skip_speakers.contains(&crate::segment::labels::key(s)))
    }

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
    use crate::coding::testing::matcher;

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
}
