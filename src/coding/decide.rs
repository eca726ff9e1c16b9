//! Deciding: a unit's text in, every match of every pattern in it and what was made of it
//! out ([`UnitTrace`], or [`UnitResult`] for its counted matches and applied codes). Each
//! match is checked against its code's exclusions, its rule's `near`/`not_near` terms (in
//! indexes of their positions) and the negators before it ([`super::negation`]); counted
//! matches are weighed against the code's threshold, per unit or per sentence.

use super::{fold, is_unspaced_script, is_word_char};
use super::{
    Candidate, Decision, Matcher, Origin, PartnerKey, Role, Status, UnitResult, UnitTrace,
};
use crate::codebook::{Order, Scope};
use crate::segment::sentence_spans;

impl Matcher {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::testing::{matched, matcher, statuses};

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
