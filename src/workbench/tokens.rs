//! Words for the workbench's statistics (`suggest`, `similar`): a unit's text in; its words,
//! lower-cased, with their byte spans and whether each follows the one before across
//! whitespace only (so that a phrase never spans punctuation), out. Text in scripts written
//! without spaces (Chinese, Japanese, Thai) gives overlapping pairs of characters instead of
//! words, which is how such text is usually counted without a dictionary.
//!
//! Words are what a codebook term matches as a whole word: letters, digits and `_`, with
//! hyphens inside (`win-win`, `party-state`); an apostrophe ends a word (`government's` is
//! `government` and `s`).

use crate::coding::{is_unspaced_script, is_word_char};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// Only whitespace between this token and the previous one: the two can form a phrase.
    pub follows: bool,
    /// A pair of characters of an unspaced script, not a word: never part of a phrase.
    pub unspaced: bool,
}

/// The tokens of `text` in order.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut chars = text.char_indices().peekable();
    // Whether only whitespace has been seen since the last token ended.
    let mut only_space = false;
    while let Some(&(start, c)) = chars.peek() {
        if is_unspaced_script(c) {
            let mut run: Vec<(usize, char)> = Vec::new();
            while let Some(&(i, c)) = chars.peek().filter(|(_, c)| is_unspaced_script(*c)) {
                run.push((i, c));
                chars.next();
            }
            let end_of = |k: usize| run[k].0 + run[k].1.len_utf8();
            if run.len() == 1 {
                out.push(unspaced(text, start, end_of(0)));
            }
            for k in 1..run.len() {
                out.push(unspaced(text, run[k - 1].0, end_of(k)));
            }
            only_space = false;
        } else if is_word_char(c) {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                let hyphen_inside = c == '-'
                    && end > start
                    && text[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| is_word_char(n) && !is_unspaced_script(n));
                if (is_word_char(c) && !is_unspaced_script(c)) || hyphen_inside {
                    end = i + c.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let follows = only_space && !out.is_empty();
            out.push(Token {
                text: text[start..end].to_lowercase(),
                start,
                end,
                follows,
                unspaced: false,
            });
            only_space = true;
        } else {
            if !c.is_whitespace() {
                only_space = false;
            }
            chars.next();
        }
    }
    out
}

fn unspaced(text: &str, start: usize, end: usize) -> Token {
    Token {
        text: text[start..end].to_string(),
        start,
        end,
        follows: false,
        unspaced: true,
    }
}

/// Function words of English: never a term on their own, nor at either end of a phrase.
const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "between", "both", "but", "by",
    "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how",
    "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more",
    "most", "must", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or",
    "other", "our", "ours", "out", "over", "own", "s", "same", "she", "should", "so", "some",
    "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "under", "until", "up", "us", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your",
];

pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Endings taken off to find the stem shared by a word's forms, longest first.
const SUFFIXES: &[&str] = &[
    "ations", "ation", "ities", "ingly", "ively", "ments", "ings", "ions", "ment", "ness", "ing",
    "ion", "ity", "ive", "ers", "ies", "ed", "er", "es", "al", "ly", "s",
];

/// The stem for a `stem*` term: the word without its ending, when at least four letters are
/// left (`collaboration` → `collabor`, `reciprocity` → `reciproc`); None for short words,
/// words with digits or hyphens, and words with no known ending.
pub fn stem(word: &str) -> Option<&str> {
    if word.len() < 6 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    SUFFIXES
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix))
        .filter(|stem| stem.len() >= 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(String, bool)> {
        tokens(text)
            .into_iter()
            .map(|t| (t.text, t.follows))
            .collect()
    }

    #[test]
    fn words_phrases_and_punctuation() {
        assert_eq!(
            texts("Win-win, the party-state's  Trust-"),
            vec![
                ("win-win".into(), false),
                ("the".into(), false),
                ("party-state".into(), true),
                ("s".into(), false),
                ("trust".into(), true),
            ]
        );
        let t = tokens("a Trust");
        assert_eq!((t[1].start, t[1].end), (2, 7));
    }

    #[test]
    fn unspaced_scripts_give_character_pairs() {
        let t = tokens("NGO与政府互信 ok 信");
        let got: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(got, ["ngo", "与政", "政府", "府互", "互信", "ok", "信"]);
        assert!(t[1].unspaced && !t[1].follows);
        assert_eq!(&"NGO与政府互信"[t[4].start..t[4].end], "互信");
    }

    #[test]
    fn stems_and_stopwords() {
        assert_eq!(stem("collaboration"), Some("collabor"));
        assert_eq!(stem("reciprocity"), Some("reciproc"));
        assert_eq!(stem("officials"), Some("official"));
        assert_eq!(stem("trust"), None);
        assert_eq!(stem("win-win"), None);
        assert!(is_stopword("the") && !is_stopword("trust"));
        assert!(
            STOPWORDS.windows(2).all(|w| w[0] < w[1]),
            "sorted for binary search"
        );
    }
}
