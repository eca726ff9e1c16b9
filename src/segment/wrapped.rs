//! The wrapped layout (hard-wrapped text, as extracted from a PDF; Markdown): a document's
//! lines in, its paragraph-level blocks out: lines joined into paragraphs across page breaks
//! and footnote blocks, headings, footnotes and page numbers apart.

use super::{
    cjk, ends_sentence, looks_like_title, starts_lowercase, word_count, Block, Line, SegmentKind,
};
use crate::read::Format;

fn is_page_number(t: &str) -> bool {
    !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit())
}

/// `34 John M. Bryson, …`, and the OCR variants `%`, `*1`, `>1` of a footnote number.
fn is_footnote_start(t: &str) -> bool {
    let Some((marker, rest)) = t.split_once(char::is_whitespace) else {
        return false;
    };
    let numeric =
        !marker.is_empty() && marker.len() <= 3 && marker.chars().all(|c| c.is_ascii_digit());
    let ocr_mark = matches!(marker, "%" | "*" | ">")
        || (marker.len() == 2
            && marker.starts_with(['%', '*', '>'])
            && marker[1..].chars().all(|c| c.is_ascii_digit()));
    (numeric || ocr_mark)
        && rest
            .trim_start()
            .starts_with(|c: char| c.is_alphabetic() || c == '“' || c == '"')
}

/// `5.2 Steering mechanisms: …`, `1. Introduction`; in Chinese `一、…`, `（三）…`, `第二章 …`
/// ([`cjk::is_numbered_heading`]).
fn is_numbered_heading(t: &str, unspaced: bool) -> bool {
    let first = t.as_bytes().first().copied().unwrap_or(0);
    let may_be_chinese = first >= 0x80 || first.is_ascii_digit() || first == b'(';
    if unspaced && may_be_chinese && cjk::is_numbered_heading(t) {
        return true;
    }
    let Some((number, rest)) = t.split_once(' ') else {
        return false;
    };
    let number = number.strip_suffix('.').unwrap_or(number);
    let numeric = !number.is_empty()
        && number
            .split('.')
            .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()));
    numeric && rest.trim_start().starts_with(char::is_uppercase) && word_count(t) <= 20
}

fn is_markdown_heading(t: &str) -> bool {
    let hashes = t.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes) && t[hashes..].starts_with(' ')
}

/// Lines after which a paragraph without a blank line is cut (at a sentence end): about
/// 2,500 words of hard-wrapped text; the longest paragraph of the shipped article has 40 lines.
const MAX_PARAGRAPH_LINES: usize = 200;

/// `unspaced`: the document may hold Han or kana characters, whose headings are looked for
/// too. `turn_starts`: the lines (ascending) where a speaker's turn starts, in a transcript:
/// each starts a paragraph, blank line or not.
pub(super) fn blocks_from_wrapped(
    lines: &[Line],
    format: Format,
    unspaced: bool,
    turn_starts: &[usize],
) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // Indexes into `blocks` of what a following line may continue.
    let mut open_paragraph: Option<usize> = None;
    let mut open_heading: Option<usize> = None;
    let mut open_footnote: Option<usize> = None;
    let mut after_blank = true;
    let next_is_blank = |i: usize| lines.get(i + 1).is_none_or(|l| l.is_blank());

    for (i, line) in lines.iter().enumerate() {
        let t = line.trimmed();
        if t.is_empty() {
            after_blank = true;
            continue;
        }
        let boundary = after_blank || line.starts_block();
        let was_after_blank = after_blank;
        after_blank = false;

        if !turn_starts.is_empty() && turn_starts.binary_search(&i).is_ok() {
            // A speaker's label: a new turn, in a new paragraph (a transcript hard-wrapped
            // without blank lines has nothing else to tell its turns apart).
            blocks.push(Block::new(SegmentKind::Paragraph, i));
            open_paragraph = Some(blocks.len() - 1);
            (open_heading, open_footnote) = (None, None);
            continue;
        }

        if boundary && is_page_number(t) && next_is_blank(i) {
            blocks.push(Block::new(SegmentKind::Boilerplate, i));
            after_blank = true;
            continue;
        }
        // Inside a footnote area a new number starts a new footnote even without a blank line.
        let footnote_start = (boundary || open_footnote.is_some()) && is_footnote_start(t);
        if footnote_start && format == Format::PlainText {
            blocks.push(Block::new(SegmentKind::Footnote, i));
            open_footnote = Some(blocks.len() - 1);
            continue;
        }
        if let Some(f) = open_footnote {
            // A footnote runs on until the body text resumes on an indented line, or after a
            // blank line with something that is not a continuation.
            let resumes = line.starts_block() || (was_after_blank && !starts_lowercase(t));
            if !resumes {
                blocks[f].lines.push(i);
                continue;
            }
            open_footnote = None;
        }
        let numbered = boundary && is_numbered_heading(t, unspaced);
        let markdown = format == Format::Markdown && is_markdown_heading(t);
        if numbered || markdown {
            blocks.push(Block::new(SegmentKind::Heading, i));
            open_heading = Some(blocks.len() - 1);
            open_paragraph = None;
            continue;
        }
        if let Some(h) = open_heading {
            let last = lines[*blocks[h].lines.last().unwrap_or(&i)].trimmed();
            let short_tail =
                !ends_sentence(last) && !ends_sentence(t) && word_count(t) <= 8 && next_is_blank(i);
            if starts_lowercase(t) || short_tail {
                blocks[h].lines.push(i);
                // A numbered item that runs on for more words than a heading has and reads
                // as sentences is a paragraph (`3. Some coastal cities such as Shanghai …
                // reform. Arguably, …`); long headings have no full stops.
                let heading: Vec<&str> = blocks[h]
                    .lines
                    .iter()
                    .map(|&l| lines[l].trimmed())
                    .collect();
                let words: usize = heading.iter().map(|l| word_count(l)).sum();
                let body = heading.join(" ");
                let body = body.split_once(' ').map_or("", |(_, rest)| rest);
                if words > 20 && (body.contains(". ") || ends_sentence(t)) {
                    blocks[h].kind = SegmentKind::Paragraph;
                    open_heading = None;
                    open_paragraph = Some(h);
                }
                continue;
            }
            open_heading = None;
        }
        let paragraph_ended = open_paragraph.is_none_or(|p| {
            let last = blocks[p].lines.last().map_or("", |&l| lines[l].trimmed());
            ends_sentence(last)
        });
        if boundary && paragraph_ended && looks_like_title(t, 8, unspaced) && next_is_blank(i) {
            blocks.push(Block::new(SegmentKind::Heading, i));
            open_heading = Some(blocks.len() - 1);
            open_paragraph = None;
            continue;
        }
        if let Some(p) = open_paragraph {
            // Text without blank lines (a whole book in one block) would be one unit: a
            // paragraph that runs on past a size no real paragraph reaches is cut at the next
            // sentence end, or anyway at four times that size.
            let length = blocks[p].lines.len();
            let runaway = (length >= MAX_PARAGRAPH_LINES && paragraph_ended)
                || length >= 4 * MAX_PARAGRAPH_LINES;
            if !runaway && (!boundary || starts_lowercase(t) || !paragraph_ended) {
                blocks[p].lines.push(i);
                continue;
            }
        }
        blocks.push(Block::new(SegmentKind::Paragraph, i));
        open_paragraph = Some(blocks.len() - 1);
    }
    blocks
}
