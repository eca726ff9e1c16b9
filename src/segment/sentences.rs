//! Sentences: a paragraph's normalised text in, the byte spans of its sentences out.
//!
//! In Latin script a sentence ends at `.`, `!` or `?` (through closing quotes and brackets)
//! before a space and a capital, a digit or an opening quote, unless the full stop ends an
//! abbreviation, an initial or a list number. In Chinese and Japanese it ends at `。！？`
//! (and `｡`, `．`, the ellipsis `……`, and `!` or `?` between Han characters), through closing
//! quotes and brackets (`」』”）`), whatever follows but a comma or a colon: the next sentence
//! starts with the next character, or after one space.

use super::{cjk, TRAILING_MARKS};

/// Words after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "etc", "e.g", "i.e", "cf", "al", "inc",
    "ltd", "jr", "sr", "co", "fig", "pp", "vol", "ed", "eds",
];

/// Byte spans of the sentences of a normalised paragraph.
pub fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if i < start {
            // Inside the run of marks that ended the sentence before.
            continue;
        }
        if (!c.is_ascii() || matches!(c, '!' | '?')) && cjk::ends_sentence_at(&chars, k) {
            let mut end_k = k + 1;
            while end_k < chars.len() && {
                let m = chars[end_k].1;
                cjk::SENTENCE_ENDS.contains(&m)
                    || matches!(m, '!' | '?' | '…' | '⋯')
                    || TRAILING_MARKS.contains(&m)
            } {
                end_k += 1;
            }
            let Some(&(at, next)) = chars.get(end_k) else {
                continue;
            };
            if matches!(next, '，' | '、' | ',' | '；' | ';' | '：' | ':') {
                continue;
            }
            spans.push((start, at));
            start = if next == ' ' { at + 1 } else { at };
            continue;
        }
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        // Extend over closing quotes, brackets and footnote marks.
        let mut end_k = k + 1;
        while end_k < chars.len() && TRAILING_MARKS.contains(&chars[end_k].1) {
            end_k += 1;
        }
        let Some(&(space_at, space)) = chars.get(end_k) else {
            continue;
        };
        if space != ' ' {
            continue;
        }
        let next = chars.get(end_k + 1).map(|&(_, c)| c);
        let opens_sentence = next.is_some_and(|n| {
            n.is_uppercase() || n.is_ascii_digit() || matches!(n, '“' | '"' | '‘' | '(')
        });
        if !opens_sentence {
            continue;
        }
        if c == '.' {
            let word = text[start..i]
                .rsplit(|ch: char| ch.is_whitespace())
                .next()
                .unwrap_or("")
                .trim_start_matches(['(', '“', '"']);
            let lower = word.to_lowercase();
            let initial = word.chars().count() == 1 && word.starts_with(char::is_uppercase);
            // `1.` or `(...)` opening a sentence is a list marker or an ellipsis, not a sentence.
            let marker = !text[start..i].contains(' ') && !word.chars().any(char::is_alphabetic);
            if initial || marker || ABBREVIATIONS.contains(&lower.as_str()) {
                continue;
            }
        }
        spans.push((start, space_at));
        start = space_at + 1;
    }
    if start < text.len() {
        spans.push((start, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        sentence_spans(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn chinese_sentences_end_at_their_marks_through_closing_quotes() {
        assert_eq!(
            sentences("他说：“我们信任政府。”然后离开了！真的吗？是的…… 后来呢?我们不知道。"),
            [
                "他说：“我们信任政府。”",
                "然后离开了！",
                "真的吗？",
                "是的……",
                "后来呢?",
                "我们不知道。"
            ]
        );
        assert_eq!(
            sentences("「互信很重要。」『双赢！』（注：见上。）NGO也同意。 Then we left. OK."),
            [
                "「互信很重要。」",
                "『双赢！』",
                "（注：见上。）",
                "NGO也同意。",
                "Then we left.",
                "OK."
            ]
        );
        // Not ends: a decimal point, an ellipsis before a comma, marks in a run.
        assert_eq!(
            sentences("比例为３．５，资源……，都有了。"),
            ["比例为３．５，资源……，都有了。"]
        );
        assert_eq!(sentences("什么？！好。"), ["什么？！", "好。"]);
    }

    #[test]
    fn sentences_respect_abbreviations_and_initials() {
        let text = "Dr. Wang met John M. Bryson in 2009. They agreed, e.g. on trust. Then “win-win” followed! (Yes.) 1. Policy entrepreneurs worked. (...) On the contrary.";
        let got: Vec<&str> = sentence_spans(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(
            got,
            vec![
                "Dr. Wang met John M. Bryson in 2009.",
                "They agreed, e.g. on trust.",
                "Then “win-win” followed!",
                "(Yes.)",
                "1. Policy entrepreneurs worked.",
                "(...) On the contrary."
            ]
        );
    }
}
