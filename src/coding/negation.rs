//! Negation: the codebook's negators and window in, whether a negator precedes a match (in
//! the same clause, within the window's words) out. Negators written in Han or kana are
//! looked for by [`super::unspaced`].

use super::{is_unspaced_script, is_word_char, unspaced};

/// The codebook's negators, looked for before every match.
pub(super) struct Negation {
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
    pub(super) unspaced: unspaced::UnspacedNegators,
}

impl Negation {
    pub(super) fn new(negators: &[String], window: usize) -> Negation {
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
    pub(super) fn before(&self, text: &str, start: usize, unspaced: bool) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::testing::{matcher, statuses};
    use crate::coding::Matcher;

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
}
