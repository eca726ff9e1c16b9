//! Negation in unspaced text (Chinese; Japanese as far as its negators come first): a unit's
//! text and the start of a match in; whether a negator written in Han characters (不, 没,
//! 没有, 未, 无, 非, 并非 …) comes shortly before the match, in the same clause, out.
//!
//! Such text has no spaces to count words by, so reach is counted in units: each Han or kana
//! character is one, and so is each run of other letters and digits (a Latin word). A negator
//! counts when it ends within `2 × negation_window` units before the match (6 by default: a
//! Chinese word is about two characters, so this is the window of 3 words), with no clause
//! end between it and the match (`，。；：！？、（）` or their ASCII forms). Words that hold a
//! negator but do not negate — 非常 (very), 未来 (future), 不仅 (not only), 非政府 (non-
//! governmental), 无论 (whatever) and the others in [`NOT_NEGATIONS`] — are not negators.
//! Japanese negation follows the verb (ない), which a look-back does not see.

use crate::segment::cjk::is_unspaced;

/// Words that contain a negator character without negating what follows.
pub(super) const NOT_NEGATIONS: &[&str] = &[
    "不仅",
    "不僅",
    "不但",
    "不只",
    "不光",
    "不过",
    "不過",
    "不断",
    "不斷",
    "不同",
    "不少",
    "不久",
    "不管",
    "不论",
    "不論",
    "不错",
    "不錯",
    "不得不",
    "不禁",
    "不免",
    "不妨",
    "不可或缺",
    "非常",
    "非政府",
    "非营利",
    "非營利",
    "非盈利",
    "非牟利",
    "除非",
    "是非",
    "莫非",
    "非洲",
    "无论",
    "無論",
    "无数",
    "無數",
    "无疑",
    "無疑",
    "无限",
    "無限",
    "无私",
    "無私",
    "无锡",
    "無錫",
    "未来",
    "未來",
    "没想到",
    "沒想到",
];

/// Punctuation that ends a clause: a negator's reach stops there.
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '；'
            | '：'
            | '！'
            | '？'
            | '、'
            | '（'
            | '）'
            | '｡'
            | '．'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '('
            | ')'
    )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A codebook's negators written with Han or kana characters.
#[derive(Debug, Default)]
pub(super) struct UnspacedNegators {
    negators: Vec<String>,
    /// Units of reach before a match.
    reach: usize,
    /// Characters of the longest negator.
    longest: usize,
}

impl UnspacedNegators {
    /// The negators of `all` that hold a Han or kana character; `window` is the codebook's
    /// negation window in words.
    pub(super) fn new(all: &[String], window: usize) -> UnspacedNegators {
        let negators: Vec<String> = all
            .iter()
            .filter(|n| n.chars().any(is_unspaced))
            .cloned()
            .collect();
        UnspacedNegators {
            longest: negators
                .iter()
                .map(|n| n.chars().count())
                .max()
                .unwrap_or(0),
            negators,
            reach: 2 * window,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.negators.is_empty() || self.reach == 0
    }

    /// Whether a negator ends within reach before `start`, in the same clause.
    pub(super) fn before(&self, text: &str, start: usize) -> bool {
        if self.is_empty() {
            return false;
        }
        let head = &text[..start];
        // Walk back over `reach` units; `from` is where the last of them starts.
        let mut from = start;
        let mut units = 0;
        let mut chars = head.char_indices().rev().peekable();
        let mut clause_start = 0;
        while units < self.reach {
            let Some((i, c)) = chars.next() else { break };
            if ends_clause(c) {
                clause_start = i + c.len_utf8();
                break;
            }
            if is_unspaced(c) {
                units += 1;
                from = i;
            } else if is_word_char(c) {
                from = i;
                while let Some(&(j, d)) = chars.peek() {
                    if !is_word_char(d) || is_unspaced(d) {
                        break;
                    }
                    from = j;
                    chars.next();
                }
                units += 1;
            }
        }
        // A negator of several characters may start before the last unit in reach and end
        // inside it: look a few characters further back, within the clause.
        let mut look_from = from;
        for (i, c) in head[clause_start..from]
            .char_indices()
            .rev()
            .take(self.longest - 1)
        {
            if ends_clause(c) {
                break;
            }
            look_from = clause_start + i;
        }
        // A few characters, a few negators of one or two characters each: compared in place.
        let stretch = &head[look_from..];
        stretch.char_indices().any(|(i, _)| {
            let at = look_from + i;
            self.negators.iter().any(|negator| {
                stretch[i..].starts_with(negator.as_str())
                    && at + negator.len() > from
                    && !is_not_negation(text, at, negator)
            })
        })
    }
}

/// Whether the negator at byte `at` of `text` is part of one of the [`NOT_NEGATIONS`].
fn is_not_negation(text: &str, at: usize, negator: &str) -> bool {
    NOT_NEGATIONS.iter().any(|word| {
        word.match_indices(negator).any(|(k, _)| {
            at.checked_sub(k)
                .and_then(|s| text.get(s..))
                .is_some_and(|rest| rest.starts_with(word))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::DEFAULT_NEGATORS;

    fn negated_before(text: &str, matched: &str) -> bool {
        let negators: Vec<String> = DEFAULT_NEGATORS.iter().map(|n| n.to_string()).collect();
        let n = UnspacedNegators::new(&negators, 3);
        let start = text.find(matched).expect("match in text");
        n.before(text, start)
    }

    #[test]
    fn negators_in_reach_and_clause_negate() {
        assert!(negated_before("他们不信任政府", "信任"));
        assert!(negated_before("双方没有建立信任", "信任"));
        assert!(negated_before("双方並非真正互信", "互信"));
        assert!(negated_before("街道沒有和NGO建立互信", "互信"));
        assert!(negated_before("政府缺乏公信力", "公信力"));
        // The negator's last character is one of the six units before the match: five
        // characters between them reach, six do not.
        assert!(negated_before("没有真正建立起互信", "互信"));
        assert!(negated_before("双方并没有真正建立起互信", "互信"));
        assert!(negated_before("他们并不信任街道", "信任"));
        assert!(!negated_before("没有真正地建立起互信", "互信"));
        // A clause end stops the reach.
        assert!(!negated_before("没有问题，我们信任政府", "信任"));
        assert!(!negated_before("不。信任政府", "信任"));
    }

    #[test]
    fn words_that_hold_a_negator_without_negating_do_not() {
        assert!(!negated_before("我们非常信任政府", "信任"));
        assert!(!negated_before("非政府组织的公信力", "公信力"));
        assert!(!negated_before("非政府组织", "政府"));
        assert!(!negated_before("未来的互信", "互信"));
        assert!(!negated_before("不仅信任，而且互惠", "信任"));
        assert!(!negated_before("无论如何信任", "信任"));
        assert!(!negated_before("不得不信任", "信任"));
        // A negator beside such a word still negates.
        assert!(negated_before("未来并不信任", "信任"));
    }

    #[test]
    fn latin_words_count_one_unit() {
        // `not` is not a Han negator; `没有` four units back (NGO counts one).
        assert!(negated_before("没有跟 the NGO 建立 trust", "trust"));
        assert!(!negated_before(
            "没有跟 the local grassroots NGO group 建立 trust",
            "trust"
        ));
        assert!(!negated_before("the NGO did build trust", "trust"));
    }
}
