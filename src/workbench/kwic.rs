//! `kwic`: a run's matches of a code or rule with the statuses wanted (by default the counted
//! ones; with `--status` also those that did not count, as in the `rejected_matches` table),
//! each with its unit's text, in; every such match with the words around it within its unit,
//! out. The unit's text is the one the run kept and coded (the `segments` table's): whitespace
//! squeezed, lines joined, a footnote that interrupts the unit in the source left out.

use crate::codebook::Codebook;
use crate::coding::{MatchRow, Status};

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
    /// `counted`, or why the match did not count ([`Status::key`]).
    pub status: &'static str,
    /// For a vetoed match: the exclusion's pattern that overlapped it, as written.
    pub vetoed_by: Option<String>,
}

/// The statuses `kwic --status` asks for, as [`Status::key`]s in their order there: each of
/// `names` is one of them, `rejected` (all but `counted`) or `all`; none means `counted`.
pub fn statuses(names: &[String]) -> Result<Vec<&'static str>, String> {
    if names.is_empty() {
        return Ok(vec!["counted"]);
    }
    let mut wanted = Vec::new();
    for name in names {
        let name = name.trim();
        let keys: &[&'static str] = match name {
            "all" => &Status::KEYS,
            "rejected" => &Status::KEYS[1..],
            _ => match Status::KEYS.iter().position(|k| *k == name) {
                Some(i) => &Status::KEYS[i..=i],
                None => {
                    return Err(format!(
                        "{name:?} is not a status: use {}, rejected (all but counted) or all",
                        Status::KEYS.join(", ")
                    ))
                }
            },
        };
        wanted.extend(keys.iter().copied());
    }
    // In the order of `Status::KEYS`, each once.
    Ok(Status::KEYS
        .into_iter()
        .filter(|k| wanted.contains(k))
        .collect())
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

/// The keyword-in-context lines of a run's rows: each match with its status and
/// its unit's normalised text (the `segments` table's), in which the match's `text_start` and
/// `text_end` place it. The context is the unit as the run kept it: whitespace squeezed, lines
/// joined, a footnote that interrupts it in the source left out.
pub fn kwic_in_units(
    codebook: &Codebook,
    rows: &[(String, MatchRow, Status, String)],
    context: usize,
) -> Result<Vec<Kwic>, String> {
    rows.iter()
        .map(|(document, m, status, unit)| {
            let at = byte_offsets(unit, vec![m.text_start, m.text_end]);
            let (Some(&ms), Some(&me)) = (at.get(&m.text_start), at.get(&m.text_end)) else {
                return Err(format!(
                    "the run's match of {document} at characters {}-{} lies outside its unit's text",
                    m.char_start, m.char_end
                ));
            };
            let rejected = crate::coding::RejectedRow {
                matched: m.clone(),
                status: *status,
            };
            Ok(Kwic {
                document: document.clone(),
                line: m.line,
                segment: m.segment,
                code: codebook.codes[m.code].id.clone(),
                rule: codebook.codes[m.code].rules[m.rule].id.clone(),
                left: last_words(&squeeze(&unit[..ms]), context),
                matched: squeeze(&unit[ms..me]),
                right: first_words(&squeeze(&unit[me..]), context),
                char_start: m.char_start,
                char_end: m.char_end,
                status: status.key(),
                vetoed_by: rejected.vetoed_by(codebook).map(|(_, p)| p.to_string()),
            })
        })
        .collect()
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
    fn statuses_are_named_one_by_one_or_as_a_group() {
        let names = |n: &[&str]| statuses(&n.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(names(&[]), Ok(vec!["counted"]));
        assert_eq!(
            names(&["overlapped", "vetoed", "vetoed"]),
            Ok(vec!["vetoed", "overlapped"])
        );
        assert_eq!(names(&["rejected"]).map(|s| s.len()), Ok(5));
        assert_eq!(names(&["all"]).map(|s| s[0]), Ok("counted"));
        let error = names(&["veto"]).expect_err("not a status");
        assert!(error.contains("\"veto\" is not a status"), "{error}");
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
