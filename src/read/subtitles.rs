//! Subtitles: a WebVTT (`.vtt`) or SubRip (`.srt`) file's decoded text in; its cues joined
//! into speaker turns out, as blocks ([`TextBlocks`]) each with its speaker and times
//! ([`GivenTurn`]), or the reason the file cannot be read.
//!
//! WebVTT follows the W3C specification (<https://www.w3.org/TR/webvtt1/>): the `WEBVTT` line
//! and its header, then blocks separated by blank lines — `NOTE` comments, `STYLE` and `REGION`
//! blocks (left out), and cues: an optional identifier, the timing line `start --> end` with
//! optional cue settings (`align:start position:0%`, left out), and the payload, whose tags are
//! taken out (`<c>`, `<i>`, `<b>`, `<u>`, `<ruby>`, `<lang>`, inline timestamps) and whose
//! character references are decoded (`&amp;`, `&nbsp;`, `&#39;`). A voice tag `<v Name>`
//! names the speaker, as Teams and transcription services write it. SubRip is numbered cues,
//! `00:00:01,000 --> 00:00:04,000` and text with `<i>`/`<b>`/`<font>` and `{\an8}` tags.
//!
//! Who speaks is read from the voice tag; else from a `Name: ` that opens a cue (Zoom, Otter),
//! when such a name opens two cues or two names open cues; `>>` marks a change to an unnamed
//! speaker (broadcast captions). A cue with none of these goes on with the speaker before.
//! Consecutive cues of one speaker are one turn, written `Name: ` and the cues' text; a turn
//! is cut into paragraphs where a sentence ends before a pause of 3 seconds or more, or after
//! 250 words (subtitles without speakers likewise, and at a pause of 5 seconds or 500 words in
//! any case: automatic captions have no punctuation). Captions that roll (each cue repeating
//! the line before, as YouTube's automatic captions do) are read once.

use super::structured::{BlockKind, Conversation, GivenTurn, TextBlocks};

/// One cue: when, and what is said in it, by whom (a cue may hold several voices).
#[derive(Debug, Clone)]
struct Cue {
    start_ms: i64,
    end_ms: i64,
    pieces: Vec<Piece>,
}

/// A stretch of a cue said by one voice.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    speaker: Speaker,
    lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Speaker {
    /// Nothing says who speaks: whoever spoke before.
    Same,
    /// `>>`: someone else, unnamed.
    Other,
    Named(String),
}

/// Reads a WebVTT file's text.
pub fn read_vtt(text: &str) -> Result<TextBlocks, String> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.first().copied().unwrap_or("");
    let signature = first.strip_prefix("WEBVTT");
    if !signature.is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return Err(
            "not a WebVTT file: its first line is not WEBVTT (a subtitle file in another format renamed .vtt?)"
                .to_string(),
        );
    }
    let mut cues = Vec::new();
    // The header runs to the first empty line; a line of spaces does not end a block (YouTube
    // writes one in its cues).
    let body = lines
        .iter()
        .position(|l| l.is_empty())
        .unwrap_or(lines.len());
    for block in blocks(&lines[body..], str::is_empty) {
        let head = block[0].trim_start();
        let keyword = |word: &str| {
            head.strip_prefix(word)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        };
        if keyword("NOTE") || ((keyword("STYLE") || keyword("REGION")) && !has_timing(block)) {
            continue;
        }
        // An identifier line may come before the timing line.
        let Some(timing) = block.iter().take(2).position(|l| l.contains("-->")) else {
            continue;
        };
        let Some((start_ms, end_ms)) = timing_line(block[timing]) else {
            continue;
        };
        let pieces = vtt_pieces(&block[timing + 1..]);
        cues.push(Cue {
            start_ms,
            end_ms,
            pieces,
        });
    }
    finish(cues, "WebVTT")
}

/// Reads a SubRip file's text.
pub fn read_srt(text: &str) -> Result<TextBlocks, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut cues = Vec::new();
    for block in blocks(&lines, |l| l.trim().is_empty()) {
        // A number, then the timing line (some files leave the number out).
        let Some(timing) = block.iter().take(2).position(|l| l.contains("-->")) else {
            continue;
        };
        let Some((start_ms, end_ms)) = timing_line(block[timing]) else {
            continue;
        };
        let lines: Vec<String> = block[timing + 1..]
            .iter()
            .map(|l| strip_tags(l, true))
            .filter(|l| !l.trim().is_empty())
            .collect();
        cues.push(Cue {
            start_ms,
            end_ms,
            pieces: vec![Piece {
                speaker: Speaker::Same,
                lines,
            }],
        });
    }
    finish(cues, "SubRip")
}

/// The file's cues, or why there are none.
fn finish(cues: Vec<Cue>, format: &str) -> Result<TextBlocks, String> {
    if cues.is_empty() {
        return Err(format!(
            "no {format} cues in it (no line `00:00:01.000 --> 00:00:04.000`)"
        ));
    }
    Ok(turns(named_by_labels(unrolled(cues))))
}

/// Runs of lines between the lines that end a block.
fn blocks<'a>(
    lines: &'a [&'a str],
    ends: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = &'a [&'a str]> {
    lines
        .split(move |l| ends(l))
        .filter(|block| !block.is_empty())
}

fn has_timing(block: &[&str]) -> bool {
    block.iter().any(|l| l.contains("-->"))
}

/// `start --> end` and whatever settings follow, as milliseconds.
fn timing_line(line: &str) -> Option<(i64, i64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((timestamp(start.trim())?, timestamp(end)?))
}

/// `hh:mm:ss.ttt` or `mm:ss.ttt` (SubRip: `,ttt`; a missing fraction is read too).
fn timestamp(t: &str) -> Option<i64> {
    let (clock, fraction) = match t.split_once(['.', ',']) {
        Some((clock, fraction)) => (clock, fraction),
        None => (t, "0"),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&fields.len())
        || fields
            .iter()
            .any(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
        || fraction.is_empty()
        || fraction.len() > 3
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut seconds = 0i64;
    for f in &fields {
        seconds = seconds
            .checked_mul(60)?
            .checked_add(f.parse::<i64>().ok()?)?;
    }
    let millis = fraction.parse::<i64>().ok()? * 10i64.pow(3 - fraction.len() as u32);
    seconds.checked_mul(1000)?.checked_add(millis)
}

/// A WebVTT payload's pieces: a line opening with `<v Name>` starts a piece of that voice.
fn vtt_pieces(payload: &[&str]) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::new();
    for line in payload {
        let voice = voice_of(line);
        let text = strip_tags(line, false);
        match (voice, pieces.last_mut()) {
            (Some(name), _) => pieces.push(Piece {
                speaker: Speaker::Named(name),
                lines: vec![text],
            }),
            (None, Some(piece)) => piece.lines.push(text),
            (None, None) => pieces.push(Piece {
                speaker: Speaker::Same,
                lines: vec![text],
            }),
        }
    }
    for piece in &mut pieces {
        piece.lines.retain(|l| !l.trim().is_empty());
    }
    pieces.retain(|p| !p.lines.is_empty());
    pieces
}

/// The annotation of a voice tag opening `line` (`<v Name>`, `<v.loud Name>`), if any.
fn voice_of(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("<v")?;
    if !rest.starts_with([' ', '\t', '.']) {
        return None;
    }
    let tag = &rest[..rest.find('>')?];
    // Classes (`.loud.first`) come before the annotation.
    let annotation = tag
        .trim_start_matches(|c: char| c != ' ' && c != '\t')
        .trim();
    let name = decode_references(annotation)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// A cue line without its tags (`<...>`; in SubRip also `{\an8}` overrides), character
/// references decoded.
fn strip_tags(line: &str, srt: bool) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find(['<', '{']) {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let close = if from.starts_with('<') { '>' } else { '}' };
        let is_tag = from.starts_with('<') || (srt && from.starts_with("{\\"));
        match from.find(close) {
            Some(end) if is_tag => rest = &from[end + 1..],
            _ => {
                out.push_str(&from[..1]);
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    decode_references(&out)
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;`, `&lrm;`, `&rlm;` and numeric
/// references decoded; anything else is left as written.
fn decode_references(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let from = &rest[at..];
        let end = from[..from.len().min(12)].find(';');
        let decoded = end.and_then(|end| {
            let name = &from[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "lrm" => Some('\u{200e}'),
                "rlm" => Some('\u{200f}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &from[used..];
            }
            None => {
                out.push('&');
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Captions that roll: a cue whose first lines repeat the last lines of the text before (and
/// the flash cues that repeat a whole cue) keep only what is new.
fn unrolled(mut cues: Vec<Cue>) -> Vec<Cue> {
    let mut emitted: Vec<String> = Vec::new();
    for cue in &mut cues {
        for piece in &mut cue.pieces {
            if piece.speaker != Speaker::Same {
                emitted.clear();
            }
            let repeated = (1..=piece.lines.len().min(emitted.len()))
                .rev()
                .find(|&k| piece.lines[..k] == emitted[emitted.len() - k..])
                .unwrap_or(0);
            piece.lines.drain(..repeated);
            emitted.extend(piece.lines.iter().cloned());
            let keep = emitted.len().saturating_sub(4);
            emitted.drain(..keep);
        }
        cue.pieces
            .retain(|p| !p.lines.is_empty() || p.speaker != Speaker::Same);
    }
    cues.retain(|c| !c.pieces.is_empty());
    cues
}

/// The most bytes of a `Name: ` that opens a cue.
const MAX_NAME_BYTES: usize = 48;

/// A `Name: ` opening a line: up to five words, no sentence punctuation, not a timestamp.
fn opening_name(line: &str) -> Option<(&str, &str)> {
    let (name, rest) = line.split_once(": ").or_else(|| line.split_once('：'))?;
    let name = name.trim();
    let words = name.split_whitespace().count();
    let plausible = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && (1..=5).contains(&words)
        && !name.contains(['.', '?', '!', ',', ';', '"', '“', '”'])
        && !name.bytes().all(|b| b.is_ascii_digit() || b == b':');
    plausible.then_some((name, rest))
}

/// Names cues by the `Name: ` that opens them, where that is how the file names speakers: a
/// name that opens two cues, or two names; and `>>` as a change of speaker.
fn named_by_labels(mut cues: Vec<Cue>) -> Vec<Cue> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for cue in &cues {
        for piece in cue.pieces.iter().filter(|p| p.speaker == Speaker::Same) {
            let first = piece.lines[0]
                .trim_start()
                .trim_start_matches(">>")
                .trim_start();
            if let Some((name, _)) = opening_name(first) {
                *counts.entry(name.to_string()).or_default() += 1;
            }
        }
    }
    let labels = counts.len() >= 2 || counts.values().any(|&n| n >= 2);
    for cue in &mut cues {
        for piece in cue.pieces.iter_mut().filter(|p| p.speaker == Speaker::Same) {
            let line = piece.lines[0].trim_start();
            let (marked, line) = match line.strip_prefix(">>") {
                Some(rest) => (true, rest.trim_start_matches('>').trim_start()),
                None => (false, line),
            };
            let named = labels.then(|| opening_name(line)).flatten();
            match named {
                Some((name, rest)) => {
                    piece.speaker = Speaker::Named(name.to_string());
                    piece.lines[0] = rest.to_string();
                }
                None if marked => {
                    piece.speaker = Speaker::Other;
                    piece.lines[0] = line.to_string();
                }
                None => {}
            }
        }
    }
    cues
}

/// A paragraph of a turn being gathered.
struct Gathering {
    text: String,
    words: usize,
    start_ms: i64,
    end_ms: i64,
    /// It opens its turn: its speaker (`None`: unnamed).
    opens: Option<Option<String>>,
}

/// Joins cues into turns (one speaker each) and turns into paragraphs.
fn turns(cues: Vec<Cue>) -> TextBlocks {
    let mut blocks = TextBlocks::default();
    let mut current: Option<Gathering> = None;
    let mut speaker: Option<String> = None;
    let named = cues
        .iter()
        .any(|c| c.pieces.iter().any(|p| p.speaker != Speaker::Same));
    let flush = |blocks: &mut TextBlocks, g: Gathering| {
        let (text, label) = match &g.opens {
            Some(Some(name)) => (format!("{name}: {}", g.text), name.len() + 1),
            _ => (g.text.clone(), 0),
        };
        let turn = GivenTurn {
            starts: g.opens.clone().map(|name| (name, label)),
            time_ms: Some((g.start_ms, Some(g.end_ms))),
        };
        blocks.push_turn(BlockKind::Paragraph, &text, turn, Conversation::Given);
    };
    for cue in cues {
        for piece in cue.pieces {
            let text = piece.lines.join(" ");
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let new_turn = match &piece.speaker {
                Speaker::Same => None,
                Speaker::Other => Some(None),
                Speaker::Named(name) if speaker.as_deref() == Some(name.as_str()) => None,
                Speaker::Named(name) => Some(Some(name.clone())),
            };
            let paragraph_ends = current.as_ref().is_some_and(|g| {
                let pause = cue.start_ms - g.end_ms;
                let ended = ends_sentence(&g.text);
                (ended && (pause >= 3_000 || g.words >= 250)) || pause >= 5_000 || g.words >= 500
            });
            if new_turn.is_some() || paragraph_ends || current.is_none() {
                if let Some(g) = current.take() {
                    flush(&mut blocks, g);
                }
                if let Some(name) = &new_turn {
                    speaker = name.clone();
                }
                current = Some(Gathering {
                    text: String::new(),
                    words: 0,
                    start_ms: cue.start_ms,
                    end_ms: cue.end_ms,
                    opens: if named { new_turn } else { None },
                });
            }
            if let Some(g) = current.as_mut() {
                if !text.is_empty() {
                    if !g.text.is_empty() {
                        g.text.push(' ');
                    }
                    g.words += text.split_whitespace().count();
                    g.text.push_str(&text);
                }
                g.end_ms = g.end_ms.max(cue.end_ms);
            }
        }
    }
    if let Some(g) = current {
        flush(&mut blocks, g);
    }
    blocks
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .trim_end_matches(['"', '\'', '”', '’', ')'])
        .ends_with(['.', '!', '?', '。', '！', '？', '…'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(blocks: TextBlocks) -> Vec<String> {
        blocks.blocks().map(|(_, t)| t.to_string()).collect()
    }

    #[test]
    fn voices_name_turns_and_consecutive_cues_of_one_voice_are_one_turn() {
        let vtt = "WEBVTT\n\nNOTE made by hand\n\nSTYLE\n::cue { color: red }\n\nid-1/0\n00:00:01.000 --> 00:00:03.500 align:start\n<v Ann Lee>Hello &amp; welcome.</v>\n\n00:00:03.600 --> 00:00:05.000\n<v Ann Lee>Shall we start?\n\n00:05.100 --> 00:07.000\n<v.loud Bo>Yes, <i>please</i>.\n";
        let blocks = read_vtt(vtt).expect("read");
        assert_eq!(
            read(blocks),
            [
                "Ann Lee: Hello & welcome. Shall we start?",
                "Bo: Yes, please."
            ]
        );
        let blocks = read_vtt(vtt).expect("read");
        let turns = blocks.turns();
        assert_eq!(turns[0].starts, Some((Some("Ann Lee".into()), 8)));
        assert_eq!(turns[0].time_ms, Some((1_000, Some(5_000))));
        assert_eq!(turns[1].time_ms, Some((5_100, Some(7_000))));
    }

    #[test]
    fn zoom_labels_name_turns_and_a_cue_without_one_goes_on() {
        let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAnn Lee: Hi.\n\n2\n00:00:02.000 --> 00:00:03.000\nBo: Hello.\n\n3\n00:00:03.000 --> 00:00:04.000\nBo: How are you?\n\n4\n00:00:04.000 --> 00:00:05.000\nfine thanks\n";
        assert_eq!(
            read(read_vtt(vtt).expect("read")),
            ["Ann Lee: Hi.", "Bo: Hello. How are you? fine thanks"]
        );
    }

    #[test]
    fn rolling_captions_are_read_once() {
        let vtt = "WEBVTT\nKind: captions\nLanguage: en\n\n00:00:00.000 --> 00:00:02.000 align:start position:0%\n \nwe<00:00:00.500><c> met</c><00:00:01.000><c> the</c>\n\n00:00:02.000 --> 00:00:02.010 align:start position:0%\nwe met the\n \n\n00:00:02.010 --> 00:00:04.000 align:start position:0%\nwe met the\ncadre<00:00:02.500><c> again</c>\n";
        assert_eq!(
            read(read_vtt(vtt).expect("read")),
            ["we met the cadre again"]
        );
    }

    #[test]
    fn a_cue_is_timed_from_its_first_cue() {
        let vtt =
            std::fs::read_to_string("tests/fixtures/transcripts/youtube.vtt").expect("fixture");
        let blocks = read_vtt(&vtt).expect("read");
        let turns: Vec<_> = blocks.turns().iter().map(|t| t.time_ms).collect();
        assert_eq!(
            turns,
            [Some((80, Some(5_110))), Some((11_300, Some(16_400)))]
        );
    }

    #[test]
    fn subrip_cues_tags_and_broken_files() {
        let srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\n<i>Interviewer:</i> Why?\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\n{\\an8}Respondent: Because.\r\n\r\n3\r\n00:00:04,000 --> 00:00:05,000\r\nInterviewer: I see.\r\n";
        assert_eq!(
            read(read_srt(srt).expect("read")),
            [
                "Interviewer: Why?",
                "Respondent: Because.",
                "Interviewer: I see."
            ]
        );
        assert!(read_srt("just text\n")
            .unwrap_err()
            .contains("no SubRip cues"));
        assert!(read_vtt("1\n00:00:01.000 --> 00:00:02.000\nx\n")
            .unwrap_err()
            .contains("not a WebVTT file"));
        assert_eq!(timestamp("01:02:03.5"), Some(3_723_500));
        assert_eq!(timestamp("02:03,250"), Some(123_250));
        assert_eq!(timestamp("2:x"), None);
    }

    #[test]
    fn broadcast_markers_change_the_speaker() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n>> Good evening.\n\n2\n00:00:02,000 --> 00:00:03,000\n>> Thank you.\n\n3\n00:00:03,000 --> 00:00:04,000\nIt is cold.\n";
        let blocks = read_srt(srt).expect("read");
        assert_eq!(read(blocks), ["Good evening.", "Thank you. It is cold."]);
    }
}
