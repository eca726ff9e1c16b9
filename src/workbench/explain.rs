//! `explain`: one unit and its trace by [`Matcher::trace_unit`] in; the account of its coding
//! (every match with what became of it, each code's decision) out, as text. And `explain
//! --speakers`: a document's speaker labels and segments in; whether it was read as a
//! transcript, why, and its turns out.
//!
//! [`Matcher::trace_unit`]: crate::coding::Matcher::trace_unit

use crate::codebook::Codebook;
use crate::coding::{SegmentRow, Status, UnitTrace};
use crate::segment::Evidence;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A unit's coding told in full: every match with its status and weight, then each code's
/// decision against its threshold, and the codes it gets through its children.
pub fn explain(
    codebook: &Codebook,
    document: &str,
    unit: &SegmentRow,
    trace: &UnitTrace,
) -> String {
    // Printed line by line: the document's name and text are made one line each (their
    // control characters shown) here.
    let document = crate::escape::terminal(document);
    let mut out = String::new();
    let speaker = match &unit.turn {
        Some(turn) => match (turn.speaker.as_deref(), turn.turn) {
            (Some(speaker), Some(n)) => format!(", speaker {speaker} (turn {n})"),
            (None, Some(n)) => format!(", turn {n}"),
            _ => String::new(),
        },
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "{document}, segment {}: {}, lines {}-{}, chars {}-{}{speaker}",
        unit.segment, unit.kind, unit.line_start, unit.line_end, unit.char_start, unit.char_end
    );
    let preview: String = unit.text.chars().take(300).collect();
    let ellipsis = if unit.text.chars().count() > 300 {
        "…"
    } else {
        ""
    };
    let _ = writeln!(out, "  {}{ellipsis}\n", crate::escape::terminal(&preview));
    if trace.candidates.is_empty() {
        let _ = writeln!(out, "no rule matches in this unit");
    } else {
        let _ = writeln!(out, "matches:");
        for c in &trace.candidates {
            let code = &codebook.codes[c.code];
            let rule = &code.rules[c.rule];
            let status = match c.status {
                Status::Vetoed { exclusion, .. } => {
                    format!("vetoed by {}", code.exclusions[exclusion].id)
                }
                Status::Counted => format!("counted, weight {}", rule.weight),
                other => other.as_str().to_string(),
            };
            let _ = writeln!(
                out,
                "  {:<16} {:<24} {:<28} {}{}",
                code.id,
                rule.id,
                format!("{:?}", &unit.text[c.start..c.end]),
                status,
                if c.negated { " (after a negator)" } else { "" }
            );
        }
    }
    let _ = writeln!(out, "\ndecisions:");
    let mut applied: Vec<usize> = Vec::new();
    for d in &trace.decisions {
        let code = &codebook.codes[d.code];
        let basis = match d.sentences {
            Some(n) => format!(
                "{n} sentence{} reach threshold {} (needs {})",
                if n == 1 { "" } else { "s" },
                code.threshold,
                code.min_sentences
            ),
            None => format!(
                "score {} {} threshold {}",
                d.score,
                if d.applied { ">=" } else { "<" },
                code.threshold
            ),
        };
        let _ = writeln!(
            out,
            "  {:<16} {basis}: {}",
            code.id,
            if d.applied { "applied" } else { "not applied" }
        );
        if d.applied {
            applied.push(d.code);
        }
    }
    let mut inherited: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for &c in &applied {
        for a in codebook.ancestors(c) {
            if !applied.contains(&a) {
                inherited.entry(a).or_default().push(&codebook.codes[c].id);
            }
        }
    }
    for (a, children) in inherited {
        let _ = writeln!(
            out,
            "  {:<16} applied through {}",
            codebook.codes[a].id,
            children.join(", ")
        );
    }
    if trace.decisions.is_empty() {
        let _ = writeln!(out, "  no code has a counted match: none applied");
    }
    out
}

/// A turn in `explain --speakers`: its number, speaker, first and last line, units and
/// uncoded units.
type TurnLine<'a> = (u32, Option<&'a str>, usize, usize, usize, usize);

/// Whether a document was read as a transcript and why (its labels, how often each name
/// occurs), then its turns: number, speaker, lines and units.
pub fn speakers(document: &str, evidence: &Evidence, segments: &[SegmentRow]) -> String {
    let mut out = String::new();
    let read = if evidence.transcript {
        "read as a transcript"
    } else {
        "not read as a transcript"
    };
    let _ = writeln!(out, "{document}: {read}: {}", evidence.reason);
    if !evidence.names.is_empty() {
        let names: Vec<String> = evidence
            .names
            .iter()
            .map(|(name, n)| format!("{name} ({n})"))
            .collect();
        let _ = writeln!(out, "speaker labels: {}", names.join(", "));
    }
    if !evidence.transcript {
        for (line, name) in evidence.labels.iter().take(20) {
            let _ = writeln!(out, "  line {line}: {name}");
        }
        return out;
    }
    // Turns: consecutive segments of one turn number.
    let mut turns: Vec<TurnLine> = Vec::new();
    for s in segments {
        let Some((number, speaker)) = s
            .turn
            .as_ref()
            .and_then(|t| t.turn.map(|n| (n, t.speaker.as_deref())))
        else {
            continue;
        };
        match turns.last_mut() {
            Some(last) if last.0 == number => {
                last.3 = s.line_end;
                last.4 += usize::from(s.coded);
                last.5 += usize::from(s.skipped());
            }
            _ => turns.push((
                number,
                speaker,
                s.line_start,
                s.line_end,
                usize::from(s.coded),
                usize::from(s.skipped()),
            )),
        }
    }
    let _ = writeln!(out, "turns:");
    for (number, speaker, from, to, units, skipped) in turns {
        let skipped = if skipped > 0 {
            format!(", {skipped} not coded (skip_speakers)")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {number:>3}  {:<16} lines {from}-{to}, {units} unit{}{skipped}",
            speaker.unwrap_or("(unnamed)"),
            if units == 1 { "" } else { "s" }
        );
    }
    out
}
