//! `kwic`: the coded corpus with its texts and a code or rule in; every counted match of it
//! with the words around it, taken from the source within its unit, out.

use crate::codebook::Codebook;
use crate::coding::{CodedDocument, SegmentRow};

/// One keyword-in-context line: `left`, `matched` and `right` put together read as the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kwic {
    pub document: String,
    pub line: usize,
    pub segment: usize,
    pub code: String,
    pub rule: String,
    pub left: String,
    pub matched: String,
    pub right: String,
    pub char_start: usize,
    pub char_end: usize,
}

/// What `kwic` looks for: a code's counted matches, or one rule's.
pub enum Target {
    Code(usize),
    Rule(usize, usize),
}

/// Resolves a code or rule id.
pub fn target(codebook: &Codebook, name: &str) -> Option<Target> {
    if let Some(c) = codebook.codes.iter().position(|c| c.id == name) {
        return Some(Target::Code(c));
    }
    codebook.codes.iter().enumerate().find_map(|(c, code)| {
        code.rules
            .iter()
            .position(|r| r.id == name)
            .map(|r| Target::Rule(c, r))
    })
}

/// Runs of whitespace (line breaks included) become one space, also at the edges.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !c.is_whitespace() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

/// The end of squeezed text from the start of its `n`-th word from the end.
fn last_words(text: &str, n: usize) -> String {
    let trimmed = text.trim_end();
    let starts: Vec<usize> = trimmed.match_indices(' ').map(|(i, _)| i + 1).collect();
    let from = if n == 0 {
        trimmed.len()
    } else {
        starts.len().checked_sub(n).map_or(0, |k| starts[k])
    };
    text[from..].to_string()
}

/// The start of squeezed text up to the end of its `n`-th word.
fn first_words(text: &str, n: usize) -> String {
    let lead = text.len() - text.trim_start().len();
    let ends: Vec<usize> = text[lead..]
        .match_indices(' ')
        .map(|(i, _)| lead + i)
        .collect();
    let to = if n == 0 {
        lead
    } else {
        ends.get(n - 1).copied().unwrap_or(text.len())
    };
    text[..to].to_string()
}

/// Byte offsets in `text` of the given character offsets, found in one walk through it.
fn byte_offsets(text: &str, mut chars: Vec<usize>) -> std::collections::BTreeMap<usize, usize> {
    chars.sort_unstable();
    chars.dedup();
    let mut wanted = chars.into_iter().peekable();
    let mut found = std::collections::BTreeMap::new();
    for (n, (byte, _)) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .enumerate()
    {
        while wanted.peek() == Some(&n) {
            found.insert(n, byte);
            wanted.next();
        }
    }
    found
}

/// The counted matches of the target with `context` words either side, taken from the source
/// text within the match's unit. `text` is each document's decoded text; positions are taken
/// from the rows' character offsets, which refer to it whatever the file's encoding (byte
/// offsets refer to the file as stored).
pub fn kwic(
    codebook: &Codebook,
    documents: &[(&CodedDocument, &str)],
    target: &Target,
    context: usize,
) -> Vec<Kwic> {
    let mut lines = Vec::new();
    for (doc, text) in documents {
        let wanted: Vec<&crate::coding::MatchRow> = doc
            .matches
            .iter()
            .filter(|m| match *target {
                Target::Code(c) => m.code == c,
                Target::Rule(c, r) => m.code == c && m.rule == r,
            })
            .collect();
        let at = byte_offsets(
            text,
            wanted
                .iter()
                .flat_map(|m| {
                    let unit = &doc.segments[m.segment];
                    [unit.char_start, unit.char_end, m.char_start, m.char_end]
                })
                .collect(),
        );
        for m in wanted {
            let unit: &SegmentRow = &doc.segments[m.segment];
            let (us, ue) = (at[&unit.char_start], at[&unit.char_end]);
            let (ms, me) = (at[&m.char_start], at[&m.char_end]);
            // Whitespace is squeezed but kept at the edges: `'First` stays attached.
            let left = squeeze(&text[us..ms]);
            let right = squeeze(&text[me..ue]);
            lines.push(Kwic {
                document: doc.id.clone(),
                line: m.line,
                segment: m.segment,
                code: codebook.codes[m.code].id.clone(),
                rule: codebook.codes[m.code].rules[m.rule].id.clone(),
                left: last_words(&left, context),
                matched: squeeze(&text[ms..me]),
                right: first_words(&right, context),
                char_start: m.char_start,
                char_end: m.char_end,
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_what_touches_the_match() {
        let left = squeeze("the  so-called\n '");
        assert_eq!(left, "the so-called '");
        assert_eq!(last_words(&left, 1), "'");
        assert_eq!(last_words(&left, 2), "so-called '");
        assert_eq!(last_words(&left, 9), "the so-called '");
        assert_eq!(last_words(&squeeze("a b "), 1), "b ");
        let right = squeeze("' (yibashou). This is");
        assert_eq!(first_words(&right, 1), "'");
        assert_eq!(first_words(&right, 2), "' (yibashou).");
        assert_eq!(first_words(&squeeze(" and more"), 1), " and");
        assert_eq!(first_words("x", 0), "");
    }

    #[test]
    fn character_offsets_become_byte_offsets_in_one_walk() {
        let text = "信任 grew é";
        let at = byte_offsets(text, vec![9, 0, 2, 3, 8, 2]);
        assert_eq!(at.get(&0), Some(&0));
        assert_eq!(at.get(&2), Some(&6));
        assert_eq!(at.get(&3), Some(&7));
        assert_eq!(&text[at[&8]..at[&9]], "é");
        assert_eq!(at[&9], text.len());
    }
}
