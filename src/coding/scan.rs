//! The scan for literal terms: a unit's text in, every occurrence of every term out
//! (overlapping ones included, as pattern index, start and end), found in one pass of an
//! ASCII case-folding Aho-Corasick DFA. Case-sensitive terms share the automaton and are
//! checked byte for byte where it finds them, so a unit is scanned once whatever the mix.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};

/// An occurrence of a term: its index in the list the scanner was built from, and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Occurrence {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

pub(super) struct Terms {
    dfa: DFA,
    /// The bytes of each case-sensitive term, to check what the case-folding scan found.
    exact: Vec<Option<Box<[u8]>>>,
    /// Bytes of the longest term: how far a match can reach back from where it ends.
    longest: usize,
}

/// Units shorter than this are scanned as one stream: the second stream's overlap with the
/// first would be a large part of its work.
const TWO_STREAMS_FROM: usize = 256;

impl Terms {
    /// Builds the scanner for `(term, case_sensitive)` pairs; terms must not be empty.
    pub(super) fn new(terms: &[(&str, bool)]) -> Result<Terms, String> {
        if terms.iter().any(|(t, _)| t.is_empty()) {
            return Err("an empty term cannot be searched for".into());
        }
        let dfa = aho_corasick::dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .start_kind(StartKind::Unanchored)
            // The scan below steps the automaton itself and never calls a prefilter; without
            // one, the start state is not a special state that every step has to test for.
            .prefilter(false)
            .build(terms.iter().map(|(t, _)| t))
            .map_err(|e| e.to_string())?;
        Ok(Terms {
            dfa,
            exact: terms
                .iter()
                .map(|(t, sensitive)| sensitive.then(|| t.as_bytes().into()))
                .collect(),
            longest: terms.iter().map(|(t, _)| t.len()).max().unwrap_or(0),
        })
    }

    /// Appends every occurrence of every term in `text` to `out`, in no particular order.
    /// Never inlined: inside the coding of a unit, with its many live values, the scan loop
    /// kept its states on the stack (seen in `perf annotate`; 206 MB many 1.05 -> 0.98 s).
    #[inline(never)]
    pub(super) fn find(&self, text: &[u8], out: &mut Vec<Occurrence>) {
        let n = text.len();
        let start = self.start();
        if n < TWO_STREAMS_FROM.max(4 * self.longest) {
            self.stream(text, start, 0..n, 0..n, out);
            return;
        }
        // Each step of a DFA waits for the load of its next state, so a single scan runs at
        // the memory latency of its transition table, not at the speed of the core. The two
        // halves of the unit are scanned in step instead, as two independent chains of
        // loads (measured on the benchmark corpus: 350 ms for one stream, 285 ms for two).
        // The first half's stream runs on into the second half for as long as a term that
        // starts in the first half can reach, and keeps only those; the second keeps all its
        // own, which all start in the second half.
        let half = n / 2;
        let first_end = (half + self.longest - 1).min(n);
        let (mut a, mut b) = (start, start);
        let common = first_end.min(n - half);
        for i in 0..common {
            a = self.step(text, a, i, 0..half, out);
            b = self.step(text, b, half + i, half..n, out);
        }
        self.stream(text, a, common..first_end, 0..half, out);
        self.stream(text, b, half + common..n, half..n, out);
    }

    fn start(&self) -> StateID {
        match self.dfa.start_state(Anchored::No) {
            Ok(sid) => sid,
            Err(e) => unreachable!("built for unanchored searches: {e}"),
        }
    }

    /// Scans `text[range]` from state `sid`, keeping occurrences that start in `keep`.
    fn stream(
        &self,
        text: &[u8],
        mut sid: StateID,
        range: std::ops::Range<usize>,
        keep: std::ops::Range<usize>,
        out: &mut Vec<Occurrence>,
    ) {
        for i in range {
            sid = self.step(text, sid, i, keep.clone(), out);
        }
    }

    #[inline(always)]
    fn step(
        &self,
        text: &[u8],
        sid: StateID,
        at: usize,
        keep: std::ops::Range<usize>,
        out: &mut Vec<Occurrence>,
    ) -> StateID {
        let sid = self.dfa.next_state(Anchored::No, sid, text[at]);
        // Without a prefilter, an unanchored DFA's only special states are match states (its
        // dead state is never reached).
        if self.dfa.is_special(sid) && self.dfa.is_match(sid) {
            self.report(text, sid, at + 1, keep, out);
        }
        sid
    }

    /// Keeps the occurrences that end at `end` in match state `sid`. Out of line, so that the
    /// scan loop keeps its few values in registers: inlined, it had its states spilled to the
    /// stack and reloaded at every step.
    #[cold]
    #[inline(never)]
    fn report(
        &self,
        text: &[u8],
        sid: StateID,
        end: usize,
        keep: std::ops::Range<usize>,
        out: &mut Vec<Occurrence>,
    ) {
        for i in 0..self.dfa.match_len(sid) {
            let pattern = self.dfa.match_pattern(sid, i);
            let start = end - self.dfa.pattern_len(pattern);
            let pattern = pattern.as_usize();
            let exact = self.exact[pattern]
                .as_deref()
                .is_none_or(|bytes| &text[start..end] == bytes);
            if keep.contains(&start) && exact {
                out.push(Occurrence {
                    pattern,
                    start,
                    end,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    /// Deterministic pseudo-random numbers (no dependency needed for a test).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
    }

    /// What the library's own overlapping search finds: case-folded for all terms, then
    /// exact for the case-sensitive ones.
    fn reference(terms: &[(&str, bool)], text: &str) -> Vec<Occurrence> {
        let all: Vec<&str> = terms.iter().map(|(t, _)| *t).collect();
        let folded = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&all)
            .unwrap();
        let mut found: Vec<Occurrence> = folded
            .find_overlapping_iter(text)
            .map(|m| Occurrence {
                pattern: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
            .filter(|o| !terms[o.pattern].1 || &text[o.start..o.end] == terms[o.pattern].0)
            .collect();
        found.sort();
        found
    }

    #[test]
    fn finds_what_an_overlapping_search_finds_at_any_length() {
        // Terms that overlap, share prefixes and suffixes, repeat, differ only in case, and
        // hold other scripts; texts from a few bytes to several times the two-stream length,
        // so occurrences straddle the middle of a unit in every way.
        let terms: &[(&str, bool)] = &[
            ("trust", false),
            ("mutual trust", false),
            ("Trust", true),
            ("st", false),
            ("us", false),
            ("FIC", true),
            ("FICs", true),
            ("fic", false),
            ("in return", false),
            ("return", false),
            ("trust", false),
            ("信任", false),
            ("一把手", true),
            ("a", false),
        ];
        let words = [
            "trust",
            "TRUST",
            "Trust",
            "mutual",
            "FIC",
            "FICs",
            "fic",
            "in",
            "return",
            " ",
            " ",
            "信任",
            "一把手",
            "a",
            "x",
            "st",
            "us",
            ".",
            "\n",
        ];
        let scanner = Terms::new(terms).unwrap();
        let mut rng = Lcg(7);
        for case in 0..400 {
            let len = if case < 200 {
                rng.below(40)
            } else {
                rng.below(600)
            };
            let text: String = (0..len).map(|_| words[rng.below(words.len())]).collect();
            let mut found = Vec::new();
            scanner.find(text.as_bytes(), &mut found);
            found.sort();
            assert_eq!(found, reference(terms, &text), "{text:?}");
        }
    }

    #[test]
    fn an_occurrence_across_the_middle_is_found_once() {
        let term = "a rather long term of several words";
        let scanner = Terms::new(&[(term, false)]).unwrap();
        // Texts of 600 bytes and the term, whose middle falls at every byte of the term and
        // on either side of it.
        for left in 300 - term.len()..=300 + term.len() {
            let text = format!("{}{term}{}", "y".repeat(left), "x".repeat(600 - left));
            let mut found = Vec::new();
            scanner.find(text.as_bytes(), &mut found);
            let spans: Vec<(usize, usize)> = found.iter().map(|o| (o.start, o.end)).collect();
            assert_eq!(spans, [(left, left + term.len())], "term at {left}");
        }
    }
}
