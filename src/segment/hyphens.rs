//! Words hyphenated at line ends in hard-wrapped text: a document's lines in, the lines whose
//! final hyphen is a typesetter's break (to drop when the line is joined to the next) out.
//!
//! `govern-` / `ment` is rejoined as `government` when the document has `government`
//! elsewhere and not `govern-ment`. Otherwise the hyphen stays (`cross-` / `sector` →
//! `cross-sector`): in extracted articles most hyphens at line ends belong to compounds, and
//! a word that the document never writes whole gives no evidence either way. The evidence is
//! the document's own text, not the corpus's: documents are segmented one at a time, in
//! parallel and in a stream, and a word in another document says little about this one's
//! typesetting. Words are compared with their ASCII letters case-folded (`Government` is
//! `government`); letters of other scripts must match as written. Positions are unchanged: the hyphen and the line break are left out of the
//! unit's text, and a match of `government` spans them in the source.

use super::Line;
use aho_corasick::AhoCorasick;

/// A hyphen that may be a break: the word before it, and the word the next line starts with.
struct Break {
    line: usize,
    joined: String,
    compound: String,
}

/// The indices of the lines (in `lines`) whose final hyphen is to be dropped when the next
/// line is joined to them, ascending.
pub(super) fn breaks_to_rejoin(lines: &[Line], text: &str) -> Vec<usize> {
    let breaks: Vec<Break> = lines
        .windows(2)
        .enumerate()
        // The next line is looked at only after a line ending in a hyphen (few do), told by
        // its last byte when that is printable ASCII (most lines).
        .filter(|(_, pair)| match pair[0].text.as_bytes().last() {
            Some(b) if b.is_ascii_graphic() => *b == b'-',
            _ => pair[0].text.trim_end().ends_with('-'),
        })
        .filter_map(|(i, pair)| hyphen_break(i, pair[0].trimmed(), pair[1].trimmed()))
        .collect();
    if breaks.is_empty() {
        return Vec::new();
    }
    // Whether each candidate word (whole, and as a compound) occurs in the document as a word
    // of its own: not inside a longer word, nor a part of a hyphenated one (`govern-` at a
    // line end is not `government`). All of them are looked for in one pass of an automaton
    // (a document of 200 MB is read here on one thread, before its paragraphs are coded in
    // parallel; a word-by-word pass took a second of it).
    let mut words: Vec<&str> = breaks
        .iter()
        .flat_map(|b| [b.joined.as_str(), b.compound.as_str()])
        .collect();
    words.sort_unstable();
    words.dedup();
    let Ok(automaton) = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&words)
    else {
        // Too many words for an automaton: no evidence, every hyphen stays as written.
        return Vec::new();
    };
    let mut seen = vec![false; words.len()];
    let is_word_char = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-');
    for m in automaton.find_overlapping_iter(text) {
        let whole = !is_word_char(text[..m.start()].chars().next_back())
            && !is_word_char(text[m.end()..].chars().next());
        if whole {
            seen[m.pattern().as_usize()] = true;
        }
    }
    let found = |word: &str| words.binary_search(&word).is_ok_and(|i| seen[i]);
    breaks
        .iter()
        .filter(|b| found(&b.joined) && !found(&b.compound))
        .map(|b| b.line)
        .collect()
}

/// `govern-` then `ment …`: a letter, a hyphen at the end of the line, a lower-case letter
/// starting the next one.
fn hyphen_break(line: usize, this: &str, next: &str) -> Option<Break> {
    let stem = this.strip_suffix('-')?;
    if !stem.ends_with(char::is_alphabetic) || !next.starts_with(char::is_lowercase) {
        return None;
    }
    // The part of the word after any earlier hyphen: `state-own-` / `ed` joins as `owned`.
    let start = stem.rfind(|c: char| !c.is_alphanumeric()).map_or(0, |i| {
        i + stem[i..].chars().next().map_or(1, char::len_utf8)
    });
    let before = &stem[start..];
    let after_len = next
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(next.len());
    let after = &next[..after_len];
    let (before, after) = (before.to_lowercase(), after.to_lowercase());
    Some(Break {
        line,
        joined: format!("{before}{after}"),
        compound: format!("{before}-{after}"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::split_lines;
    use super::*;

    fn rejoined(text: &str) -> Vec<usize> {
        breaks_to_rejoin(&split_lines(text), text)
    }

    #[test]
    fn a_break_is_rejoined_when_the_document_writes_the_word_whole() {
        let text = "The local govern-\nment agreed.\nThe government paid.\n";
        assert_eq!(rejoined(text), [0]);
    }

    #[test]
    fn a_compound_or_an_unknown_word_keeps_its_hyphen() {
        // Never written whole: kept.
        assert!(rejoined("analysis on cross-\nsector collaboration.\n").is_empty());
        // Written both ways: the source's form is kept.
        let both = "co-\noperation and cooperation and co-operation.\n";
        assert!(rejoined(both).is_empty());
        // Upper case after the hyphen: `China-` / `Europe` is not a break.
        assert!(rejoined("China-\nEurope ties. ChinaEurope\n").is_empty());
        // A hyphen after a digit or space is not a word break.
        assert!(rejoined("pages 12-\nthirteen twelvethirteen\n").is_empty());
    }

    #[test]
    fn the_part_after_an_earlier_hyphen_is_joined() {
        let text = "state-own-\ned firms; owned by the state.\n";
        assert_eq!(rejoined(text), [0]);
    }

    #[test]
    fn evidence_folds_ascii_case_and_needs_whole_words() {
        let text = "Die Zusammenfüh-\nrung. ZUSAMMENFüHRUNG\n";
        assert_eq!(rejoined(text), [0]);
        // Inside a longer word, or a part of a hyphenated one, is no evidence.
        assert!(rejoined("govern-\nment: governments, e-government\n").is_empty());
    }
}
