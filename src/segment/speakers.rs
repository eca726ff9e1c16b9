//! Speaker turns: a document's lines (and, for formats that carry them, the turns its reader
//! found) in; whether the document is a transcript and, if it is, where each turn starts, who
//! speaks and when, out — then each paragraph-level block's speaker, turn and time.
//!
//! A label at the start of a line ([`super::labels`]) is no evidence on its own: `Note:` or
//! `Article 3:` open lines of prose. A document is read as a transcript when its labels make a
//! conversation: at least two speakers whose labels recur, with the speaker changing at half
//! of the labels or more (`AF:` … `HHM:` … `AF:` … `HHM:`); or two interview roles (`Q:` and
//! `A:`, `I:` and `R:`, `问：` and `答：`), which a short exchange writes once each. Subtitles
//! (WebVTT, SubRip) are conversations by their format.
//!
//! In a transcript a label starts a turn, whatever the layout would have made of its line
//! (`R: Yes` is no heading), and a turn's speaker is carried by every paragraph up to the next
//! label: the paragraphs of a long answer are units of their own, each with its speaker.
//! Headings, footnotes and page furniture inside a turn have no speaker and do not end it.
//! Text before the first label (a page's title, an introduction) has no speaker.

use super::labels::{self, Label};
use super::{ends_sentence, Block, Line, SegmentKind};
use crate::read::structured::{Conversation, GivenTurn};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where a turn starts: a line (the first line of a block), its speaker, and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Start {
    pub line: usize,
    /// Index into [`Turns::speakers`]; `None` for an anonymous change of speaker (`>>` in
    /// subtitles).
    pub speaker: Option<u32>,
    /// Bytes at the start of the line that are the label (the whole line for a label on a
    /// line of its own).
    pub label: usize,
    /// The utterance is on the next lines.
    pub own_line: bool,
    pub time_ms: Option<i64>,
}

/// A transcript's turn starts and speakers.
#[derive(Debug, Clone, Default)]
pub(super) struct Turns {
    /// In line order.
    pub starts: Vec<Start>,
    /// Names as first written, in order of their first turn.
    pub speakers: Vec<Arc<str>>,
    /// Given by the format (subtitles): every block's time, by block.
    pub given: Option<Vec<GivenTurn>>,
}

/// A block's place in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockTurn {
    pub speaker: Option<Arc<str>>,
    /// The turn's number in its document, from 0; `None` in subtitles without speakers, whose
    /// blocks have their times only.
    pub turn: Option<u32>,
    /// When it was said, in milliseconds from the recording's start: for subtitles the block's
    /// first and last cue; for text, the timestamp written with the turn's label (no end).
    pub time_start_ms: Option<i64>,
    pub time_end_ms: Option<i64>,
}

/// What the labels of a document say, and whether that makes it a transcript: for `explain`
/// and for [`find`].
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Every label found, as (line from 1, name as written).
    pub labels: Vec<(usize, String)>,
    /// Each name (as first written) and how many labels carry it, in order of appearance.
    pub names: Vec<(String, usize)>,
    /// Labels whose name recurs, and of the changes between consecutive ones, how many change
    /// the speaker.
    pub transitions: (usize, usize),
    /// Names of interview roles among the labels (`Q`, `A`, `I`, `R`, `Interviewer`, `问`, …).
    pub roles: Vec<String>,
    pub transcript: bool,
    /// The decision in words.
    pub reason: String,
    /// Given by the format: subtitles are a conversation, or a reader's speaker cells.
    pub given: bool,
}

/// A reader's hint that a line starts with a speaker: (line, name, label bytes, time).
type Hint = (usize, String, usize, Option<i64>);

/// Candidate labels of a document's lines: parsed from the text, or pointed at by its reader
/// (hints: a name in a bold run or a speaker cell, which needs no colon but must be a name as
/// a label's is, and is weighed as evidence like any label).
fn candidates(lines: &[Line], hints: Option<&[Hint]>) -> Vec<(usize, Label)> {
    let mut found = Vec::new();
    let Some(hints) = hints else {
        // Every line of every document passes here: the quick test first.
        for (i, line) in lines.iter().enumerate() {
            if labels::may_be_label(line.text) {
                if let Some(label) = labels::parse(line.text) {
                    found.push((i, label));
                }
            }
        }
        return with_utterances(lines, found);
    };
    let mut hints = hints.iter().peekable();
    for (i, line) in lines.iter().enumerate() {
        if let Some((_, name, len, time_ms)) = hints.next_if(|h| h.0 == i) {
            let label = labels::parse(line.text).or_else(|| {
                Some(Label {
                    name: labels::valid_name(name)?,
                    len: (*len).min(line.text.len()),
                    own_line: *len >= line.text.trim_end().len(),
                    time_ms: *time_ms,
                    colon: false,
                })
            });
            if let Some(label) = label {
                found.push((i, label));
            }
            continue;
        }
        if !labels::may_be_label(line.text) {
            continue;
        }
        if let Some(label) = labels::parse(line.text) {
            found.push((i, label));
        }
    }
    with_utterances(lines, found)
}

/// The labels found, less those alone on their line without an utterance on the next line.
fn with_utterances(lines: &[Line], mut found: Vec<(usize, Label)>) -> Vec<(usize, Label)> {
    if !found.iter().any(|(_, l)| l.own_line) {
        return found;
    }
    let next_non_blank = |i: usize| (i + 1..lines.len()).find(|&j| !lines[j].is_blank());
    let starts: Vec<usize> = found.iter().map(|(i, _)| *i).collect();
    found.retain(|(i, label)| {
        !label.own_line || next_non_blank(*i).is_some_and(|j| starts.binary_search(&j).is_err())
    });
    found
}

/// What the labels of a document weigh: each label's name key, per key its labels (and the
/// first label's place and name), and the decision.
struct Weight {
    keys: Vec<String>,
    counts: BTreeMap<String, (usize, usize, String)>,
    recurring: usize,
    transitions: (usize, usize),
    roles: Vec<String>,
    conversation: bool,
    transcript: bool,
}

/// Weighs the labels of a document (without the words: most documents are decided without
/// anyone reading why).
fn weight(found: &[(usize, Label)]) -> Weight {
    let keys: Vec<String> = found.iter().map(|(_, l)| labels::key(&l.name)).collect();
    let mut counts: BTreeMap<String, (usize, usize, String)> = BTreeMap::new();
    for (order, ((_, label), key)) in found.iter().zip(&keys).enumerate() {
        match counts.get_mut(key) {
            Some(entry) => entry.0 += 1,
            None => {
                counts.insert(key.clone(), (1, order, label.name.clone()));
            }
        }
    }
    let recurs = |k: &String| counts.get(k).is_some_and(|c| c.0 >= 2);
    let recurring = counts.values().filter(|c| c.0 >= 2).count();
    let recurring_labels: Vec<&String> = keys.iter().filter(|k| recurs(k)).collect();
    let changes = recurring_labels.windows(2).filter(|w| w[0] != w[1]).count();
    let transitions = (recurring_labels.len().saturating_sub(1), changes);
    let roles: Vec<String> = counts
        .iter()
        .filter(|(k, _)| labels::is_role(k))
        .map(|(_, (_, _, name))| name.clone())
        .collect();
    let conversation = recurring >= 2 && transitions.1 * 2 >= transitions.0;
    let transcript = conversation || roles.len() >= 2;
    Weight {
        keys,
        counts,
        recurring,
        transitions,
        roles,
        conversation,
        transcript,
    }
}

/// The labels of a document weighed, in words.
fn weigh(found: &[(usize, Label)]) -> Evidence {
    let w = weight(found);
    let (recurring, transitions) = (w.recurring, w.transitions);
    let reason = if w.conversation {
        format!(
            "{recurring} speakers' labels recur, and the speaker changes at {} of the {} labels after the first",
            transitions.1, transitions.0
        )
    } else if w.transcript {
        format!("labels of interview roles: {}", w.roles.join(", "))
    } else if found.is_empty() {
        "no line opens with a speaker label".to_string()
    } else if recurring < 2 {
        format!(
            "{} label{} but fewer than two speakers whose labels recur, and not two interview roles",
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "the speaker changes at only {} of the {} labels after the first: no conversation",
            transitions.1, transitions.0
        )
    };
    let mut names: Vec<(usize, String, usize)> = w
        .counts
        .values()
        .map(|(n, first, name)| (*first, name.clone(), *n))
        .collect();
    names.sort();
    Evidence {
        labels: found.iter().map(|(i, l)| (i + 1, l.name.clone())).collect(),
        names: names.into_iter().map(|(_, name, n)| (name, n)).collect(),
        transitions,
        roles: w.roles,
        transcript: w.transcript,
        reason,
        given: false,
    }
}

/// The reader's hints: the k-th block of a structured document's text is its k-th non-blank
/// line.
fn hinted_lines(lines: &[Line], given: &[GivenTurn]) -> Vec<Hint> {
    let blocks = lines.iter().enumerate().filter(|(_, l)| !l.is_blank());
    blocks
        .zip(given)
        .filter_map(|((i, _), turn)| match &turn.starts {
            Some((Some(name), len)) => {
                Some((i, name.clone(), *len, turn.time_ms.map(|(start, _)| start)))
            }
            _ => None,
        })
        .collect()
}

/// The evidence for a document's turns (for `explain`).
pub(super) fn evidence(
    lines: &[Line],
    conversation: Conversation,
    given: &[GivenTurn],
) -> Evidence {
    match conversation {
        Conversation::Given => {
            let mut evidence = weigh(&[]);
            evidence.given = true;
            evidence.transcript = true;
            evidence.reason = "subtitles: turns are given by the cues' voices and labels".into();
            let hints = hinted_lines(lines, given);
            evidence.labels = hints.iter().map(|h| (h.0 + 1, h.1.clone())).collect();
            let mut counts: Vec<(String, usize)> = Vec::new();
            for (_, name, _, _) in &hints {
                match counts.iter_mut().find(|(n, _)| n == name) {
                    Some(entry) => entry.1 += 1,
                    None => counts.push((name.clone(), 1)),
                }
            }
            evidence.names = counts;
            evidence
        }
        Conversation::Hinted => {
            let mut evidence = weigh(&candidates(lines, Some(&hinted_lines(lines, given))));
            evidence.given = true;
            evidence
        }
        Conversation::None => weigh(&candidates(lines, None)),
    }
}

/// The turns of a document, or `None` when it is not read as a transcript.
pub(super) fn find(
    lines: &[Line],
    conversation: Conversation,
    given: &[GivenTurn],
) -> Option<Turns> {
    if conversation == Conversation::Given {
        return Some(given_turns(lines, given));
    }
    let hints = (conversation == Conversation::Hinted).then(|| hinted_lines(lines, given));
    let found = candidates(lines, hints.as_deref());
    // A conversation needs two labels at least.
    if found.len() < 2 {
        return None;
    }
    let Weight {
        keys,
        counts,
        transcript,
        ..
    } = weight(&found);
    if !transcript {
        return None;
    }
    let count_of = |key: &str| counts.get(key).map_or(0, |c| c.0);
    let mut turns = Turns::default();
    let mut speaker_keys: Vec<String> = Vec::new();
    let mut started = false;
    for ((line, label), key) in found.into_iter().zip(keys) {
        // A name written once starts a turn once the conversation has started (before it,
        // `Date:` or `访谈记录：` head the transcript), where a paragraph could start:
        // hard-wrapped text can bring any capitalised word and a colon to a line's start.
        let recurs = count_of(&key) >= 2 || labels::is_role(&key);
        if !(recurs || started && at_boundary(lines, line)) {
            continue;
        }
        started = true;
        let speaker = match speaker_keys.iter().position(|k| *k == key) {
            Some(s) => s,
            None => {
                speaker_keys.push(key);
                turns.speakers.push(Arc::from(label.name.as_str()));
                speaker_keys.len() - 1
            }
        };
        turns.starts.push(Start {
            line,
            speaker: Some(speaker as u32),
            label: label.len,
            own_line: label.own_line,
            time_ms: label.time_ms,
        });
    }
    Some(turns)
}

/// A turn's start and (for subtitles) end, in milliseconds.
type TurnTimes = (i64, Option<i64>);

/// The line is the document's first, or follows a blank line or a line that ends a sentence.
fn at_boundary(lines: &[Line], line: usize) -> bool {
    match lines[..line].iter().next_back() {
        None => true,
        Some(previous) => previous.is_blank() || ends_sentence(previous.trimmed()),
    }
}

/// The turns a subtitle reader gave, by block.
fn given_turns(lines: &[Line], given: &[GivenTurn]) -> Turns {
    let mut turns = Turns {
        given: Some(given.to_vec()),
        ..Turns::default()
    };
    let blocks = lines.iter().enumerate().filter(|(_, l)| !l.is_blank());
    for ((line, _), turn) in blocks.zip(given) {
        let Some((name, label)) = &turn.starts else {
            continue;
        };
        let speaker =
            name.as_ref().map(
                |name| match turns.speakers.iter().position(|s| **s == **name) {
                    Some(s) => s as u32,
                    None => {
                        turns.speakers.push(Arc::from(name.as_str()));
                        (turns.speakers.len() - 1) as u32
                    }
                },
            );
        turns.starts.push(Start {
            line,
            speaker,
            label: *label,
            own_line: false,
            time_ms: turn.time_ms.map(|(start, _)| start),
        });
    }
    turns
}

/// Whether line `line` starts a turn.
pub(super) fn starts_at(starts: &[Start], line: usize) -> Option<&Start> {
    starts
        .binary_search_by_key(&line, |s| s.line)
        .ok()
        .map(|i| &starts[i])
}

/// Joins each block that is a label alone on its line to the block after it.
fn join_own_line_labels(blocks: &mut Vec<Block>, starts: &[Start]) {
    let mut merged: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks.drain(..) {
        let joins = merged.last().is_some_and(|last| {
            last.lines.len() == 1
                && starts_at(starts, last.lines[0]).is_some_and(|s| s.own_line)
                && block.kind != SegmentKind::Footnote
                && starts_at(starts, block.lines[0]).is_none()
        });
        match merged.last_mut() {
            Some(last) if joins => {
                last.lines.extend(block.lines);
                last.kind = SegmentKind::Paragraph;
            }
            _ => merged.push(block),
        }
    }
    *blocks = merged;
}

/// Gives each block its place in the conversation: a block that starts with a label opens a
/// turn (and is a paragraph, whatever its line looked like); a label alone on its line is
/// joined to the block after it (in the layouts of a block per line); paragraphs carry the
/// turn they are in. Returns, per block, its turn (or `None`), and sets each label block's
/// `label`.
pub(super) fn assign(
    blocks: &mut Vec<Block>,
    lines: &[Line],
    turns: &Turns,
) -> Vec<Option<Arc<BlockTurn>>> {
    // A label on a line of its own, alone in its block: the utterance's block joins it (one
    // pass: a transcript can have thousands of such labels).
    if turns.starts.iter().any(|s| s.own_line) {
        join_own_line_labels(blocks, &turns.starts);
    }
    let block_times: Option<Vec<Option<TurnTimes>>> = turns.given.as_ref().map(|given| {
        // Blocks of a structured document are its non-blank lines, in order.
        let line_block: BTreeMap<usize, usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_blank())
            .map(|(i, _)| i)
            .enumerate()
            .map(|(k, i)| (i, k))
            .collect();
        blocks
            .iter()
            .map(|b| {
                let k = *line_block.get(&b.lines[0])?;
                given.get(k)?.time_ms
            })
            .collect()
    });
    let mut out = Vec::with_capacity(blocks.len());
    // The paragraphs of a turn share its record, unless their times differ (subtitles).
    let mut current: Option<Arc<BlockTurn>> = None;
    let mut number = 0u32;
    for (b, block) in blocks.iter_mut().enumerate() {
        if let Some(start) = starts_at(&turns.starts, block.lines[0]) {
            block.kind = SegmentKind::Paragraph;
            block.label = start.label;
            current = Some(Arc::new(BlockTurn {
                speaker: start.speaker.map(|s| turns.speakers[s as usize].clone()),
                turn: Some(number),
                time_start_ms: start.time_ms,
                time_end_ms: None,
            }));
            number += 1;
        }
        let times = block_times.as_ref().and_then(|t| t[b]);
        let turn = match (&current, block.kind) {
            (_, kind) if kind != SegmentKind::Paragraph => None,
            (Some(turn), _) => match times {
                Some((start, end)) => Some(Arc::new(BlockTurn {
                    time_start_ms: Some(start),
                    time_end_ms: end,
                    ..BlockTurn::clone(turn)
                })),
                None => Some(turn.clone()),
            },
            // Subtitles before any speaker, or without speakers: their times.
            (None, _) => times.map(|(start, end)| {
                Arc::new(BlockTurn {
                    speaker: None,
                    turn: None,
                    time_start_ms: Some(start),
                    time_end_ms: end,
                })
            }),
        };
        out.push(turn);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Document;

    fn lines_of(text: &str) -> Vec<Line<'_>> {
        super::super::split_lines(text)
    }

    fn decided(text: &str) -> Evidence {
        evidence(&lines_of(text), Conversation::None, &[])
    }

    #[test]
    fn a_conversation_needs_recurring_speakers_who_alternate() {
        let interview = "AF: Question one?\n\nHHM: Answer one.\n\nMore of it.\n\nAF: Question two?\n\nHHM: Answer two.\n";
        let e = decided(interview);
        assert!(e.transcript, "{}", e.reason);
        assert_eq!(e.transitions, (3, 3));
        assert_eq!(e.names, [("AF".to_string(), 2), ("HHM".to_string(), 2)]);
        // One speaker, or speakers that do not alternate, is no conversation.
        assert!(!decided("Li: One.\n\nLi: Two.\n\nLi: Three.\n").transcript);
        let lists = "Wang: a.\n\nWang: b.\n\nWang: c.\n\nLi: d.\n\nLi: e.\n\nLi: f.\n";
        let e = decided(lists);
        assert!(!e.transcript, "{}", e.reason);
        // Two roles suffice, once each.
        assert!(decided("Q: Why?\n\nA: Because.\n").transcript);
        assert!(decided("问：为什么？\n答：因为。\n").transcript);
    }

    #[test]
    fn prose_labels_make_no_transcript() {
        for text in [
            "Note: one.\n\nSource: two.\n\nNote: three.\n\nSource: four.\n",
            "Firstly: we met.\n\nSecondly: we talked.\n\nFinally: we agreed.\n",
            "Article 1: All are equal.\n\nArticle 2: All may speak.\n\nArticle 3: All may meet.\n",
            "Chapter 1: Trust\n\nText of it.\n\nChapter 2: Reciprocity\n\nMore text.\n",
            "Zhang Jun: the only label.\n\nOther prose here.\n",
        ] {
            let e = decided(text);
            assert!(!e.transcript, "{text:?}: {}", e.reason);
        }
    }

    #[test]
    fn turns_start_at_labels_and_a_label_alone_joins_its_utterance() {
        let text = "Title of it\n\nSpeaker 1  0:03\nHello there, how are you?\n\nSpeaker 2  0:05\nFine, thanks.\n\nSpeaker 1  0:09\nGood.\n\nSpeaker 2  0:11\nAnd you?\n";
        let lines = lines_of(text);
        let turns = find(&lines, Conversation::None, &[]).expect("a transcript");
        assert_eq!(turns.speakers.len(), 2);
        assert_eq!(turns.starts.len(), 4);
        assert!(turns.starts.iter().all(|s| s.own_line));
        assert_eq!(turns.starts[1].time_ms, Some(5_000));
        // In the lines layout each line is a block: a label alone joins the line after it.
        let document = Document::utf8("t.txt", crate::read::Format::PlainText, text.to_string());
        let segmented = super::super::segment(&document, super::super::UnitLevel::Paragraph);
        let texts: Vec<(&str, Option<&str>)> = segmented
            .segments
            .iter()
            .map(|s| {
                (
                    s.text.as_str(),
                    s.turn.as_ref().and_then(|t| t.speaker.as_deref()),
                )
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("Title of it", None),
                (
                    "Speaker 1 0:03 Hello there, how are you?",
                    Some("Speaker 1")
                ),
                ("Speaker 2 0:05 Fine, thanks.", Some("Speaker 2")),
                ("Speaker 1 0:09 Good.", Some("Speaker 1")),
                ("Speaker 2 0:11 And you?", Some("Speaker 2")),
            ]
        );
        // The label is the line: "Speaker 1 0:03" is not coded.
        assert_eq!(segmented.segments[1].label, "Speaker 1 0:03".len());
    }

    #[test]
    fn a_once_named_speaker_joins_a_conversation_but_does_not_start_one() {
        let text = "Date: 2021\n\nVisitor: a header line.\n\nQ: Why?\n\nA: Because.\n\nGuest Li: May I add something.\n\nQ: Yes.\n";
        let turns = find(&lines_of(text), Conversation::None, &[]).expect("a transcript");
        let names: Vec<&str> = turns.speakers.iter().map(|s| &**s).collect();
        assert_eq!(names, ["Q", "A", "Guest Li"]);
    }
}
