//! The scan for literal terms: a unit's text in, every occurrence of every term out
//! (overlapping ones included, as pattern index, start and end), found in one pass of an
//! ASCII case-folding Aho-Corasick DFA. Case-sensitive terms share the automaton and are
//! checked byte for byte where it finds them, so a unit is scanned once whatever the mix.
//!
//! Cased letters other than ASCII (the `ü` of `Zusammenführung`, Cyrillic, Greek) are folded
//! on both sides by Unicode simple case folding ([`fold::fold_case`]): the automaton holds
//! each term folded, and a unit holding such a letter is scanned in a folded copy
//! ([`fold::Folded::of_case`]) whose occurrences are mapped back to the unit's offsets, where
//! case-sensitive terms are checked against the unit's own text.

use super::fold::{self, CaseFold};

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
    /// How much of a unit's case is folded before it is scanned: all of it when a term holds
    /// a cased letter other than ASCII.
    case_fold: CaseFold,
}

/// Units shorter than this are scanned as one stream, and from this length on as two: the
/// second stream's overlap with the first would be a large part of its work.
const TWO_STREAMS_FROM: usize = 128;

/// Units from this length on are scanned as four streams.
const FOUR_STREAMS_FROM: usize = 256;

impl Terms {
    /// Builds the scanner for `(term, case_sensitive)` pairs; terms must not be empty.
    pub(super) fn new(terms: &[(&str, bool)]) -> Result<Terms, String> {
        if terms.iter().any(|(t, _)| t.is_empty()) {
            return Err("an empty term cannot be searched for".into());
        }
        let folded: Vec<String> = terms.iter().map(|(t, _)| fold::fold_case_str(t)).collect();
        let dfa = aho_corasick::dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .start_kind(StartKind::Unanchored)
            // The scan below steps the automaton itself and never calls a prefilter; without
            // one, the start state is not a special state that every step has to test for.
            .prefilter(false)
            .build(&folded)
            .map_err(|e| e.to_string())?;
        let cased = terms
            .iter()
            .any(|(t, _)| t.chars().any(fold::has_other_cases));
        Ok(Terms {
            dfa,
            exact: terms
                .iter()
                .map(|(t, sensitive)| sensitive.then(|| t.as_bytes().into()))
                .collect(),
            longest: folded.iter().map(String::len).max().unwrap_or(0),
            case_fold: if cased {
                CaseFold::All
            } else {
                CaseFold::ToAscii
            },
        })
    }

    /// Hands every occurrence of every term in `text` (a unit's text) to `out` as it is
    /// found, in no particular order, at the unit's own offsets: scanned as it is, or in its
    /// case-folded copy when it holds letters to fold. Nothing is collected here: a unit dense
    /// with terms (49 MB) held all its occurrences, 400 MB of them, before any was used.
    /// `may_fold` false: [`fold::may_fold`] found none of
    /// the letters that fold to ASCII, all that [`CaseFold::ToAscii`] would look for.
    pub(super) fn find(&self, text: &str, may_fold: bool, out: &mut impl FnMut(Occurrence)) {
        let folded = match self.case_fold {
            CaseFold::ToAscii if !may_fold => None,
            mode => fold::Folded::of_case(text, mode),
        };
        let Some(folded) = folded else {
            let bytes = text.as_bytes();
            self.scan(bytes, |start, end, term| &bytes[start..end] == term, out);
            return;
        };
        let in_unit = |start, end| (folded.source_start(start), folded.source_end(end));
        self.scan(
            folded.text.as_bytes(),
            |start, end, term| {
                let (start, end) = in_unit(start, end);
                &text.as_bytes()[start..end] == term
            },
            &mut |o: Occurrence| {
                let (start, end) = in_unit(o.start, o.end);
                out(Occurrence { start, end, ..o })
            },
        );
    }

    /// Hands every occurrence of every term in `text` (scan text: ASCII case is folded
    /// here, other case already) to `out`, in no particular order; a case-sensitive term's
    /// only where `exact(start, end, term)` holds. Never inlined: inside the coding of a unit,
    /// with its many live values, the scan loop kept its states on the stack (seen in `perf
    /// annotate`; 206 MB many 1.05 -> 0.98 s).
    #[inline(never)]
    fn scan<E: Fn(usize, usize, &[u8]) -> bool + Copy>(
        &self,
        text: &[u8],
        exact: E,
        out: &mut impl FnMut(Occurrence),
    ) {
        let n = text.len();
        // A stream runs on into the next part by up to the longest term: parts are kept a few
        // times longer than that.
        if n >= FOUR_STREAMS_FROM.max(8 * self.longest) {
            self.scan_in::<4, E>(text, exact, out);
        } else if n >= TWO_STREAMS_FROM.max(4 * self.longest) {
            self.scan_in::<2, E>(text, exact, out);
        } else {
            self.stream(text, self.start(), 0..n, 0..n, exact, out);
        }
    }

    /// [`Terms::scan`] in `K` streams. Each step of a DFA waits for the load of its next
    /// state, so a single scan runs at the latency of its transition table's loads, not at
    /// the speed of the core. `K` parts of the unit are scanned in step instead, as `K`
    /// independent chains of loads, in a loop of few instructions ([`step_all`]). Thread CPU
    /// time for 22 MB of the benchmark corpus's units and the 104 terms of patterns.json: one
    /// stream 42 ms; two streams stepped one byte at a time with a test of each state (the
    /// loop before) 28.6 ms; two in `step_all` 24.0 ms; four from 256 bytes and two from 128
    /// 18.5 ms; eight (from 2 KB) spilled registers and were slower than four. Each stream runs
    /// on into the next part for as long as a term that starts in its own part can reach, and
    /// keeps only those; the last keeps all its own, which all start in its part.
    #[inline(always)]
    fn scan_in<const K: usize, E: Fn(usize, usize, &[u8]) -> bool + Copy>(
        &self,
        text: &[u8],
        exact: E,
        out: &mut impl FnMut(Occurrence),
    ) {
        let n = text.len();
        let part = n / K;
        let starts: [usize; K] = std::array::from_fn(|k| k * part);
        let keeps: [std::ops::Range<usize>; K] =
            std::array::from_fn(|k| k * part..if k + 1 == K { n } else { (k + 1) * part });
        let ends: [usize; K] = std::array::from_fn(|k| {
            if k + 1 == K {
                n
            } else {
                ((k + 1) * part + self.longest - 1).min(n)
            }
        });
        // The stretch all streams scan in step; each finishes its own part alone.
        let common = (0..K).map(|k| ends[k] - starts[k]).min().unwrap_or(0);
        let parts: [&[u8]; K] = std::array::from_fn(|k| &text[starts[k]..starts[k] + common]);
        let mut sids = [self.start(); K];
        let mut i = 0;
        while i < common {
            (i, sids) = step_all(&self.dfa, &parts, i, sids);
            for k in 0..K {
                // Without a prefilter, an unanchored DFA's only special states are match
                // states (its dead state is never reached).
                if self.dfa.is_match(sids[k]) {
                    self.report(sids[k], starts[k] + i, keeps[k].clone(), exact, out);
                }
            }
        }
        for k in 0..K {
            let range = starts[k] + common..ends[k];
            self.stream(text, sids[k], range, keeps[k].clone(), exact, out);
        }
    }

    fn start(&self) -> StateID {
        match self.dfa.start_state(Anchored::No) {
            Ok(sid) => sid,
            Err(e) => unreachable!("built for unanchored searches: {e}"),
        }
    }

    /// Scans `text[range]` from state `sid`, keeping occurrences that start in `keep`.
    fn stream<E: Fn(usize, usize, &[u8]) -> bool + Copy>(
        &self,
        text: &[u8],
        mut sid: StateID,
        range: std::ops::Range<usize>,
        keep: std::ops::Range<usize>,
        exact: E,
        out: &mut impl FnMut(Occurrence),
    ) {
        let (from, bytes) = (range.start, &text[range]);
        let mut i = 0;
        while i < bytes.len() {
            (i, sid) = step_one(&self.dfa, bytes, i, sid);
            if self.dfa.is_match(sid) {
                self.report(sid, from + i, keep.clone(), exact, out);
            }
        }
    }

    /// Keeps the occurrences that end at `end` in match state `sid`. Out of line, so that the
    /// scan loop keeps its few values in registers: inlined, it had its states spilled to the
    /// stack and reloaded at every step.
    #[cold]
    #[inline(never)]
    fn report<E: Fn(usize, usize, &[u8]) -> bool>(
        &self,
        sid: StateID,
        end: usize,
        keep: std::ops::Range<usize>,
        exact: E,
        out: &mut impl FnMut(Occurrence),
    ) {
        for i in 0..self.dfa.match_len(sid) {
            let pattern = self.dfa.match_pattern(sid, i);
            let start = end - self.dfa.pattern_len(pattern);
            let pattern = pattern.as_usize();
            if keep.contains(&start)
                && self.exact[pattern]
                    .as_deref()
                    .is_none_or(|term| exact(start, end, term))
            {
                out(Occurrence {
                    pattern,
                    start,
                    end,
                });
            }
        }
    }
}

/// Steps the automaton from state `sid` over `bytes` from `i` on until it reaches a special
/// state (a match state: see [`Terms::scan`]) or the end: the offset after the last byte
/// stepped over, and the state there. A loop of its own, with nothing else live, so that its
/// few values stay in registers.
#[inline(always)]
fn step_one(dfa: &DFA, bytes: &[u8], mut i: usize, mut sid: StateID) -> (usize, StateID) {
    while i < bytes.len() {
        sid = dfa.next_state(Anchored::No, sid, bytes[i]);
        i += 1;
        if dfa.is_special(sid) {
            break;
        }
    }
    (i, sid)
}

/// [`step_one`] for `K` streams at once, over `parts` (all of the same length), until one of
/// them reaches a special state. The chains of loads are independent, and one branch tests
/// all the states.
#[inline(always)]
fn step_all<const K: usize>(
    dfa: &DFA,
    parts: &[&[u8]; K],
    mut i: usize,
    mut sids: [StateID; K],
) -> (usize, [StateID; K]) {
    let n = parts.iter().map(|p| p.len()).min().unwrap_or(0);
    while i < n {
        for k in 0..K {
            sids[k] = dfa.next_state(Anchored::No, sids[k], parts[k][i]);
        }
        i += 1;
        if sids
            .iter()
            .fold(false, |any, &sid| any | dfa.is_special(sid))
        {
            break;
        }
    }
    (i, sids)
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
        // hold other scripts; texts from a few bytes to several times the four-stream length,
        // so occurrences straddle the boundaries between streams in every way.
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
            let len = match case {
                0..200 => rng.below(40),
                200..300 => rng.below(600),
                _ => rng.below(2000),
            };
            let text: String = (0..len).map(|_| words[rng.below(words.len())]).collect();
            let mut found = Vec::new();
            scanner.find(&text, true, &mut |o| found.push(o));
            found.sort();
            assert_eq!(found, reference(terms, &text), "{text:?}");
        }
    }

    #[test]
    fn an_occurrence_across_a_stream_boundary_is_found_once() {
        let term = "a rather long term of several words";
        let scanner = Terms::new(&[(term, false)]).unwrap();
        // Texts scanned as two streams (200 bytes) and as four (2,000 bytes), with the term
        // placed so that each boundary between parts falls at every byte of the term and on
        // either side of it.
        for (len, streams) in [(200, 2), (2000, 4)] {
            assert!(len >= TWO_STREAMS_FROM.max(4 * term.len()));
            assert_eq!(len >= FOUR_STREAMS_FROM.max(8 * term.len()), streams == 4);
            for boundary in (1..streams).map(|k| k * (len / streams)) {
                for left in boundary - term.len()..=boundary + term.len() {
                    let right = len - left - term.len();
                    let text = format!("{}{term}{}", "y".repeat(left), "x".repeat(right));
                    let mut found = Vec::new();
                    scanner.find(&text, true, &mut |o| found.push(o));
                    let spans: Vec<(usize, usize)> =
                        found.iter().map(|o| (o.start, o.end)).collect();
                    assert_eq!(spans, [(left, left + term.len())], "{len}: term at {left}");
                }
            }
        }
    }

    /// The text of each occurrence found, sorted by position.
    fn found<'t>(scanner: &Terms, text: &'t str) -> Vec<(usize, &'t str)> {
        let mut found = Vec::new();
        scanner.find(text, true, &mut |o| found.push(o));
        found.sort();
        found
            .iter()
            .map(|o| (o.pattern, &text[o.start..o.end]))
            .collect()
    }

    #[test]
    fn cased_letters_of_any_script_fold_and_map_back() {
        let scanner = Terms::new(&[
            ("Zusammenführung", false),
            ("доверие", false),
            ("ΟΔΥΣΣΕΥΣ", false),
            ("straße", false),
            ("Ärger", true),
            ("kelvin", false),
        ])
        .unwrap();
        // Every case of each case-insensitive term, at its own offsets in the unit, whatever
        // the lengths of the folded characters before it (`Ⱥ` grows by a byte, the Kelvin
        // sign shrinks by two, `ẞ` by one).
        let text = "Ⱥ ZUSAMMENFÜHRUNG, Доверие и ДОВЕРИЕ; Οδυσσευς, STRAẞE, \u{212A}ELVIN";
        assert_eq!(
            found(&scanner, text),
            [
                (0, "ZUSAMMENFÜHRUNG"),
                (1, "Доверие"),
                (1, "ДОВЕРИЕ"),
                (2, "Οδυσσευς"),
                (3, "STRAẞE"),
                (5, "\u{212A}ELVIN"),
            ]
        );
        // A case-sensitive term matches only as written, checked in the unit's own text.
        assert_eq!(found(&scanner, "ärger ÄRGER Ärger"), [(4, "Ärger")]);
        // `SS` is not `ß` under simple folding.
        assert!(found(&scanner, "STRASSE").is_empty());
        // Terms of ASCII letters alone: the Kelvin sign and the long s still fold to them.
        let ascii = Terms::new(&[("kilo", false), ("messe", false)]).unwrap();
        assert_eq!(ascii.case_fold, CaseFold::ToAscii);
        assert_eq!(
            found(&ascii, "\u{212A}ILO, Meſſe, МЕССЕ"),
            [(0, "\u{212A}ILO"), (1, "Meſſe")]
        );
    }

    #[test]
    fn a_case_sensitive_term_does_not_match_other_case_forms() {
        // `k` and the Kelvin sign are one under case folding, but a case-sensitive `k` term
        // is checked against the text as written; so is a Greek one against final sigma.
        // Accents are not case: `σοφοσ` is another word.
        let scanner = Terms::new(&[("kilo", true), ("σοφός", true), ("Σοφός", false)]).unwrap();
        assert_eq!(
            found(&scanner, "\u{212A}ilo kilo ΣΟΦΌΣ σοφός σοφόσ σοφοσ"),
            [
                (0, "kilo"),
                (1, "σοφός"),
                (2, "ΣΟΦΌΣ"),
                (2, "σοφός"),
                (2, "σοφόσ"),
            ]
        );
    }

    /// What an overlapping search of the text folded character by character finds, mapped
    /// back through a table of every character's offsets (not the piece map), then checked
    /// as written for the case-sensitive terms.
    fn folded_reference(terms: &[(&str, bool)], text: &str) -> Vec<Occurrence> {
        let all: Vec<String> = terms.iter().map(|(t, _)| fold::fold_case_str(t)).collect();
        let searcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&all)
            .unwrap();
        let mut folded = String::new();
        let mut source_at = std::collections::BTreeMap::new();
        for (i, c) in text.char_indices() {
            source_at.insert(folded.len(), i);
            folded.push(fold::fold_case(c));
        }
        source_at.insert(folded.len(), text.len());
        let mut found: Vec<Occurrence> = searcher
            .find_overlapping_iter(&folded)
            .map(|m| Occurrence {
                pattern: m.pattern().as_usize(),
                start: source_at[&m.start()],
                end: source_at[&m.end()],
            })
            .filter(|o| !terms[o.pattern].1 || &text[o.start..o.end] == terms[o.pattern].0)
            .collect();
        found.sort();
        found
    }

    #[test]
    fn folds_case_as_a_search_of_the_folded_text_does_at_any_length() {
        // Letters folded to shorter (the Kelvin sign, `ẞ`) and longer (`Ⱥ`) encodings before,
        // inside and across the middle of units of every length.
        let terms: &[(&str, bool)] = &[
            ("ⱥb", false),
            ("kilo", false),
            ("kilo", true),
            ("straße", false),
            ("доверие", false),
            ("σοφός", false),
            ("Σοφός", true),
            ("b \u{212A}", false),
            ("信任", false),
        ];
        let words = [
            "ȺB",
            "ⱥb",
            "\u{212A}ilo",
            "kilo",
            "KILO",
            "STRAẞE",
            "straße",
            "Доверие",
            "ДОВЕРИЕ",
            "ΣΟΦΌΣ",
            "σοφός",
            "Σοφός",
            "σοφόσ",
            "信任",
            "x",
            "b",
            " ",
            " ",
            "\u{212A}",
            "ẞ",
        ];
        let scanner = Terms::new(terms).unwrap();
        let mut rng = Lcg(11);
        for case in 0..400 {
            let len = if case < 200 {
                rng.below(30)
            } else {
                rng.below(300)
            };
            let text: String = (0..len).map(|_| words[rng.below(words.len())]).collect();
            let mut found = Vec::new();
            scanner.find(&text, true, &mut |o| found.push(o));
            found.sort();
            assert_eq!(found, folded_reference(terms, &text), "{text:?}");
        }
    }
}
