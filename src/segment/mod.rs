//! Segmentation: a decoded [`Document`] in, its [`Segment`]s out, each with exact source
//! positions (bytes, characters, lines) and a normalised text — all at once ([`segment`]), or
//! a range of paragraph blocks at a time from a [`Plan`] (to code a large document in
//! parallel and in parts).
//!
//! Two layouts are recognised per document:
//! - **lines**: one paragraph per line, as in web-scraped pages and in Chinese written a
//!   paragraph to a line. Navigation crumbs, menu bars, site furniture (in English and in
//!   Chinese), address blocks and lines in a foreign script that are not sentences (spam)
//!   become `boilerplate`; short unpunctuated lines become `heading`s.
//! - **wrapped**: hard-wrapped text, as extracted from a PDF. Lines are joined into
//!   paragraphs (without a space inside Chinese text); a paragraph continues across a blank
//!   line, a lone page number or a footnote block when the next text starts in lower case or
//!   the text before did not end a sentence. Footnote blocks (`34 John M. Bryson, …`), page
//!   numbers and numbered section headings become their own segments.
//!
//! Each line is judged by its own script: lines in Chinese or Japanese get the rules of
//! [`cjk`] (sentence ends `。！？`, headings by punctuation and length, words counted a
//! character each) instead of those drawn from Latin script (capitals, words between spaces).
//!
//! Every non-blank source line belongs to exactly one segment; a paragraph interrupted by a
//! footnote block spans it in the source, and the footnote is a segment of its own.
//!
//! The layouts have a file each ([`lines`], [`wrapped`]); web furniture is told in [`chrome`]
//! and sentences are found in [`sentences`]. A document read from its markup (HTML, `.docx`,
//! `.odt`) has its blocks given ([`markup`]): the **markup** layout.
//!
//! In any layout, a document whose lines open with speaker labels that make a conversation
//! is read as a transcript ([`speakers`], labels in [`labels`]): each label starts a turn, and
//! every paragraph carries its turn's speaker.

use crate::read::{Document, Format};
use std::ops::Range;
use std::sync::Arc;

mod chrome;
pub mod cjk;
mod hyphens;
pub mod labels;
mod lines;
mod markup;
mod sentences;
mod speakers;
mod wrapped;

pub use sentences::sentence_spans;
pub use speakers::{BlockTurn, Evidence};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SegmentKind {
    Paragraph,
    /// A sentence of a paragraph, when units are sentences.
    Sentence,
    Heading,
    Footnote,
    Boilerplate,
}

impl SegmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Paragraph => "paragraph",
            SegmentKind::Sentence => "sentence",
            SegmentKind::Heading => "heading",
            SegmentKind::Footnote => "footnote",
            SegmentKind::Boilerplate => "boilerplate",
        }
    }

    /// Only running text is coded; headings, footnotes and page furniture are kept for context.
    pub fn is_coded(self) -> bool {
        matches!(self, SegmentKind::Paragraph | SegmentKind::Sentence)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLevel {
    Paragraph,
    Sentence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Lines,
    Wrapped,
    /// Blocks given by the document's markup.
    Markup,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Lines => "lines",
            Layout::Wrapped => "wrapped",
            Layout::Markup => "markup",
        }
    }
}

/// One segment of a document with its normalised text and where it came from.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Position of the segment in its document, from 0, over all kinds.
    pub index: usize,
    /// The paragraph-level block the segment belongs to (equal to `index` for paragraph units).
    pub block: usize,
    pub kind: SegmentKind,
    /// Whitespace-normalised text: wrapped lines joined, page furniture removed.
    pub text: String,
    /// Maps byte offsets in `text` back to byte offsets in the decoded document.
    pub map: TextMap,
    /// Byte span in the decoded document (add the BOM length for file offsets).
    pub start: usize,
    pub end: usize,
    /// First and last source line, 1-based.
    pub line_start: usize,
    pub line_end: usize,
    pub word_count: usize,
    /// Its document may hold Han or kana characters ([`Plan::unspaced`]): coding looks for
    /// Chinese negators in it.
    pub unspaced: bool,
    /// In a transcript: the speaker, turn and time of the paragraph it is (or is in), shared
    /// by the segments of the paragraph (a pointer: most segments have none).
    pub turn: Option<Arc<BlockTurn>>,
    /// Bytes at the start of `text` that are a speaker's label (`HHM: `): not coded.
    pub label: usize,
}

/// A document's segments and the layout they were read with.
#[derive(Debug, Clone)]
pub struct Segmented {
    pub layout: Layout,
    pub segments: Vec<Segment>,
}

/// Maps normalised text back to the source, as runs of contiguous copies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextMap {
    pieces: Vec<Piece>,
    len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// Start of the piece in the normalised text.
    norm: usize,
    /// Start of the piece in the source, or `None` for inserted text (a joining space).
    src: Option<usize>,
}

impl TextMap {
    fn piece_end(&self, i: usize) -> usize {
        self.pieces.get(i + 1).map_or(self.len, |p| p.norm)
    }

    fn piece_at(&self, pos: usize) -> usize {
        self.pieces
            .partition_point(|p| p.norm <= pos)
            .saturating_sub(1)
    }

    /// Source offset where a span starting at normalised offset `pos` starts. Inserted text
    /// (a joining space) maps to the start of the source text that follows it.
    pub fn source_start(&self, pos: usize) -> usize {
        let from = self.piece_at(pos);
        let next_real = (from..self.pieces.len()).find_map(|i| {
            let piece = self.pieces[i];
            piece.src.map(|src| src + pos.saturating_sub(piece.norm))
        });
        next_real.unwrap_or_else(|| self.source_end(self.len))
    }

    /// Source offset where a span ending (exclusively) at normalised offset `pos` ends.
    /// Inserted text maps to the end of the source text before it.
    pub fn source_end(&self, pos: usize) -> usize {
        let last = self.piece_at(pos.saturating_sub(1));
        (0..=last)
            .rev()
            .filter(|&i| i < self.pieces.len())
            .find_map(|i| {
                let piece = self.pieces[i];
                piece
                    .src
                    .map(|src| src + pos.min(self.piece_end(i)).saturating_sub(piece.norm))
            })
            .unwrap_or(0)
    }

    /// The map of `text[start..end]`, for a sentence cut out of a paragraph.
    pub fn slice(&self, start: usize, end: usize) -> TextMap {
        let mut pieces = Vec::new();
        for (i, piece) in self.pieces.iter().enumerate() {
            let (p_start, p_end) = (piece.norm, self.piece_end(i));
            if p_end <= start || p_start >= end {
                continue;
            }
            let from = p_start.max(start);
            pieces.push(Piece {
                norm: from - start,
                src: piece.src.map(|s| s + from - p_start),
            });
        }
        TextMap {
            pieces,
            len: end - start,
        }
    }
}

/// Converts byte offsets of a decoded document into character offsets.
pub struct SourceIndex<'a> {
    text: &'a str,
    /// `(byte, char)` offsets every [`SourceIndex::STRIDE`] bytes, where a [`CharCursor`]
    /// starts counting.
    checkpoints: Vec<(usize, usize)>,
    ascii: bool,
}

impl<'a> SourceIndex<'a> {
    /// Offsets are looked up in order with a [`CharCursor`], which counts on from the last
    /// one: checkpoints only start a cursor (one per part of a large document coded in
    /// parallel), so a long stride costs little, and a document shorter than it (most) is
    /// never counted in advance.
    const STRIDE: usize = 64 << 10;

    pub fn new(text: &'a str) -> Self {
        let mut checkpoints = Vec::with_capacity(text.len() / Self::STRIDE + 1);
        checkpoints.push((0, 0));
        // In ASCII text (most corpora) characters are bytes: nothing to count.
        if text.is_ascii() {
            return SourceIndex {
                text,
                checkpoints,
                ascii: true,
            };
        }
        let (mut byte, mut chars) = (0, 0);
        while byte + Self::STRIDE < text.len() {
            let mut next = byte + Self::STRIDE;
            while !text.is_char_boundary(next) {
                next += 1;
            }
            chars += text[byte..next].chars().count();
            byte = next;
            checkpoints.push((byte, chars));
        }
        SourceIndex {
            text,
            checkpoints,
            ascii: false,
        }
    }

    /// A cursor for lookups from about `byte` on.
    pub fn cursor(&self, byte: usize) -> CharCursor<'a> {
        let i = self.checkpoints.partition_point(|&(b, _)| b <= byte) - 1;
        let (byte, chars) = self.checkpoints[i];
        CharCursor {
            text: self.text,
            byte,
            chars,
            ascii: self.ascii,
        }
    }
}

/// Character offsets of byte offsets looked up mostly in increasing order (a document's
/// segments and their matches): each lookup counts only the characters between it and the
/// one before, back or forth, so a document is counted about once in all.
pub struct CharCursor<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
    ascii: bool,
}

impl CharCursor<'_> {
    /// Characters before byte offset `byte` (which must be on a character boundary).
    pub fn char_offset(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        if self.ascii {
            return byte;
        }
        if byte >= self.byte {
            self.chars += self.text[self.byte..byte].chars().count();
        } else {
            self.chars -= self.text[byte..self.byte].chars().count();
        }
        self.byte = byte;
        self.chars
    }
}

/// Builds normalised text while recording where every byte came from.
#[derive(Default)]
struct TextBuilder {
    text: String,
    map: TextMap,
}

impl TextBuilder {
    fn push_source(&mut self, s: &str, src: usize) {
        if s.is_empty() {
            return;
        }
        let here = self.text.len();
        let contiguous = self.map.pieces.last().is_some_and(|last| {
            last.src
                .is_some_and(|last_src| last_src + (here - last.norm) == src)
        });
        if !contiguous {
            self.map.pieces.push(Piece {
                norm: here,
                src: Some(src),
            });
        }
        self.text.push_str(s);
        self.map.len = self.text.len();
    }

    fn push_space(&mut self) {
        if self.text.is_empty() || self.text.ends_with(' ') {
            return;
        }
        self.map.pieces.push(Piece {
            norm: self.text.len(),
            src: None,
        });
        self.text.push(' ');
        self.map.len = self.text.len();
    }

    /// Appends a line with runs of whitespace collapsed to one space.
    fn push_line(&mut self, line: &Line) {
        let content = line.text;
        // Most lines are words with single spaces between them: the whole line is one
        // contiguous copy instead of word by word.
        let inner = content.trim_matches(' ');
        if single_spaced(inner) {
            let offset = inner.as_ptr() as usize - content.as_ptr() as usize;
            self.push_source(inner, line.start + offset);
        } else {
            self.push_words(line);
        }
    }

    /// [`TextBuilder::push_line`] word by word, for any line.
    fn push_words(&mut self, line: &Line) {
        let content = line.text;
        let mut previous_end: Option<usize> = None;
        for word in content.split_whitespace() {
            let offset = word.as_ptr() as usize - content.as_ptr() as usize;
            if let Some(prev) = previous_end {
                // A single ordinary space is copied so the source run stays contiguous.
                if &content[prev..offset] == " " {
                    self.push_source(" ", line.start + prev);
                } else {
                    self.push_space();
                }
            }
            self.push_source(word, line.start + offset);
            previous_end = Some(offset + word.len());
        }
    }

    /// Takes a final `-` off the text: the text and map then end where the source before it
    /// ends.
    fn pop_hyphen(&mut self) {
        if !self.text.ends_with('-') {
            return;
        }
        self.text.pop();
        self.map.len = self.text.len();
        if self
            .map
            .pieces
            .last()
            .is_some_and(|last| last.norm == self.text.len())
        {
            self.map.pieces.pop();
        }
    }

    fn finish(self) -> (String, TextMap) {
        (self.text, self.map)
    }
}

/// Whether the only whitespace in `inner` is single ASCII spaces.
fn single_spaced(inner: &str) -> bool {
    let bytes = inner.as_bytes();
    // Every byte of the corpus passes through here. A branch-free pass (vectorised) looks for
    // ASCII whitespace other than a space, a doubled space, and any non-ASCII byte.
    let (mut irregular, mut non_ascii) = (false, false);
    for &b in bytes {
        irregular |= b.wrapping_sub(b'\t') < 5; // \t \n \x0B \x0C \r
        non_ascii |= b >= 0x80;
    }
    for (&a, &b) in bytes.iter().zip(bytes.iter().skip(1)) {
        irregular |= (a == b' ') & (b == b' ');
    }
    // Every Unicode space starts with one of four bytes (U+0085 and U+00A0 with C2, U+1680
    // with E1, U+2000 to U+205F with E2, U+3000 with E3): characters are decoded only there.
    let unicode_space = |i: usize| inner[i..].starts_with(char::is_whitespace);
    !irregular
        && (!non_ascii
            || !(memchr::memchr3_iter(0xC2, 0xE2, 0xE3, bytes).any(unicode_space)
                || memchr::memchr_iter(0xE1, bytes).any(unicode_space)))
}

/// `str::trim`, with a shortcut for a line that starts and ends with a visible ASCII character
/// (most lines): lines are trimmed several times each while finding a document's blocks, and
/// `trim` decodes a character at each end to test it.
fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// A source line: its content without the line ending, and where it starts.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    start: usize,
}

impl Line<'_> {
    fn trimmed(&self) -> &str {
        trim(self.text)
    }
    fn is_blank(&self) -> bool {
        self.trimmed().is_empty()
    }
    /// PDF extraction indents the first line of a new text block (a page, a footnote area).
    fn starts_block(&self) -> bool {
        self.text.starts_with(|c: char| c.is_whitespace()) && !self.is_blank()
    }
}

/// Splits a text into lines at LF, CRLF and a lone CR (old Mac files) alike.
fn split_lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    if has_lone_cr(bytes) {
        return split_lines_at_any_break(text);
    }
    // Line ends are found (and counted) with memchr's vector search: finding a document's
    // blocks took 232 ms on the 206 MB benchmark, 308 ms with `split_inclusive`. Sized once:
    // growing a vector of a few million lines copies it into fresh pages each time.
    let mut lines = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
    let line = |start: usize, end: usize| {
        let content = &text[start..end];
        Line {
            text: content.strip_suffix('\r').unwrap_or(content),
            start,
        }
    };
    let mut start = 0;
    for newline in memchr::memchr_iter(b'\n', bytes) {
        lines.push(line(start, newline));
        start = newline + 1;
    }
    // Text after the last line ending (none if the text ends with one, or is empty).
    if start < text.len() {
        lines.push(line(start, text.len()));
    }
    lines
}

/// A carriage return not followed by a line feed is in `bytes`: a line break of its own.
fn has_lone_cr(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

/// [`split_lines`] for a text with a lone CR in it (rare: the fast path looks for LF only).
fn split_lines_at_any_break(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut breaks = memchr::memchr2_iter(b'\n', b'\r', bytes);
    while let Some(at) = breaks.next() {
        lines.push(Line {
            text: &text[start..at],
            start,
        });
        start = at + 1;
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            breaks.next();
            start += 1;
        }
    }
    if start < text.len() {
        lines.push(Line {
            text: &text[start..],
            start,
        });
    }
    lines
}

/// Line breaks (LF, CRLF or a lone CR, each one break) in `text[range]`: the lines a match
/// is on past the start of the range.
pub fn count_line_breaks(text: &[u8], range: Range<usize>) -> usize {
    let bytes = &text[range.clone()];
    let lf = count_bytes(bytes, |b| b == b'\n');
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| text.get(range.start + i + 1) != Some(&b'\n'))
        .count();
    lf + lone_cr
}

/// Chooses the layout: if at least a tenth of the lines are longer than any hard wrap would
/// allow (120 columns, a Han or kana character taking two), or the document is Chinese or
/// Japanese written a paragraph to a line ([`cjk::one_paragraph_per_line`]), lines are
/// paragraphs; otherwise lines are wrapped text to be joined.
pub fn detect_layout(text: &str) -> Layout {
    layout_of(&split_lines(text), cjk::may_hold_unspaced(text.as_bytes()))
}

/// `unspaced`: the document may hold Han or kana characters ([`cjk::may_hold_unspaced`]).
fn layout_of(lines: &[Line], unspaced: bool) -> Layout {
    let non_blank = lines.iter().filter(|l| !l.is_blank()).count();
    let long = lines
        .iter()
        // Bytes bound columns from above (a character of two columns takes three or four
        // bytes): only long byte runs need counting.
        .filter(|l| {
            let t = l.trimmed();
            t.len() > 120
                && (t.is_ascii() || {
                    let chars = t.chars().count();
                    chars > 120 || (chars > 60 && cjk::columns(t) > 120)
                })
        })
        .count();
    let non_blank_lines = || lines.iter().map(Line::trimmed).filter(|t| !t.is_empty());
    // Chinese or Japanese written a paragraph to a line has lines ending in sentence ends,
    // however short its paragraphs are.
    if (non_blank > 0 && long * 10 >= non_blank)
        || (unspaced && cjk::one_paragraph_per_line(non_blank_lines()))
    {
        Layout::Lines
    } else {
        Layout::Wrapped
    }
}

/// A document's layout and paragraph-level blocks, before any segment text is built. Building
/// the text and coding it is independent per block, so a large document's blocks can be
/// turned into segments in parallel, a range at a time; only finding the blocks reads the
/// document in order.
pub struct Plan<'a> {
    pub layout: Layout,
    /// The document may hold Han or kana characters ([`cjk::may_hold_unspaced`]): the rules
    /// for Chinese and Japanese apply to its lines. Decided once, so that the others do not
    /// pay for those rules line by line.
    pub unspaced: bool,
    level: UnitLevel,
    lines: Vec<Line<'a>>,
    blocks: Vec<Block>,
    /// Lines whose final hyphen is a word broken across lines ([`hyphens`]), ascending.
    rejoin: Vec<usize>,
    /// Each block's turn, when the document is read as a transcript; empty otherwise.
    turns: Vec<Option<Arc<BlockTurn>>>,
    /// A transcript's speakers, in order of their first turn; `None` when the document is not
    /// read as a transcript.
    pub speakers: Option<Vec<Arc<str>>>,
}

/// What a document's reader found about its speakers: whether the format gives its turns,
/// and each block's place in the conversation.
fn conversation_of(
    document: &Document,
) -> (
    crate::read::structured::Conversation,
    &[crate::read::structured::GivenTurn],
) {
    match &document.structure {
        Some(s) => (s.conversation, &s.turns),
        None => (crate::read::structured::Conversation::None, &[]),
    }
}

/// What a document's speaker labels say, and whether it is read as a transcript (`explain`).
pub fn speaker_evidence(document: &Document) -> Evidence {
    let (conversation, given) = conversation_of(document);
    speakers::evidence(&split_lines(&document.text), conversation, given)
}

/// Finds a document's layout and blocks.
pub fn plan(document: &Document, level: UnitLevel) -> Plan<'_> {
    let lines = split_lines(&document.text);
    let unspaced = cjk::may_hold_unspaced(document.text.as_bytes());
    let layout = match document.format {
        _ if document.structure.is_some() => Layout::Markup,
        Format::Markdown => Layout::Wrapped,
        Format::PlainText => layout_of(&lines, unspaced),
    };
    let (conversation, given) = conversation_of(document);
    let transcript = speakers::find(&lines, conversation, given);
    let turn_starts: Vec<usize> = transcript
        .as_ref()
        .map(|t| t.starts.iter().map(|s| s.line).collect())
        .unwrap_or_default();
    let mut blocks = match (layout, &document.structure) {
        (Layout::Markup, Some(structure)) => markup::blocks_from_markup(&lines, &structure.kinds),
        (Layout::Lines, _) => lines::blocks_from_lines(&lines, &document.text, unspaced),
        _ => wrapped::blocks_from_wrapped(&lines, document.format, unspaced, &turn_starts),
    };
    // A heading needs text to head: a plain-text document that is one heading and nothing
    // else (a one-line export without final punctuation) is a paragraph.
    if let [only] = blocks.as_mut_slice() {
        if only.kind == SegmentKind::Heading
            && document.format == Format::PlainText
            && document.structure.is_none()
        {
            only.kind = SegmentKind::Paragraph;
        }
    }
    let rejoin = if layout == Layout::Wrapped {
        hyphens::breaks_to_rejoin(&lines, &document.text)
    } else {
        Vec::new()
    };
    let (turns, speakers) = match transcript {
        Some(transcript) => (
            speakers::assign(&mut blocks, &lines, &transcript),
            Some(transcript.speakers),
        ),
        None => (Vec::new(), None),
    };
    Plan {
        layout,
        unspaced,
        level,
        lines,
        blocks,
        rejoin,
        turns,
        speakers,
    }
}

impl Plan<'_> {
    /// Consecutive ranges of blocks holding about `bytes` of source text each (at least one
    /// block each), covering every block.
    pub fn chunks(&self, bytes: usize) -> Vec<Range<usize>> {
        let mut chunks = Vec::new();
        let (mut start, mut size) = (0, 0);
        for (i, block) in self.blocks.iter().enumerate() {
            size += block.source_len(&self.lines);
            if size >= bytes {
                chunks.push(start..i + 1);
                (start, size) = (i + 1, 0);
            }
        }
        if start < self.blocks.len() {
            chunks.push(start..self.blocks.len());
        }
        chunks
    }

    /// The segments of a range of blocks, numbered from 0 (`CodedDocument::append` numbers the
    /// parts of a document on); `block` is the block's index in the whole document.
    pub fn segments(&self, blocks: Range<usize>) -> Vec<Segment> {
        let mut segments = Vec::with_capacity(blocks.len());
        for block_index in blocks {
            let block = &self.blocks[block_index];
            let (text, map) = block.build(&self.lines, self.unspaced, &self.rejoin);
            let turn = self.turns.get(block_index).cloned().flatten();
            let label = match block.label {
                0 => 0,
                raw => normalized_len(&self.lines[block.lines[0]].text[..raw]).min(text.len()),
            };
            if self.level == UnitLevel::Sentence && block.kind == SegmentKind::Paragraph {
                for (s, e) in sentence_spans(&text) {
                    let sub = map.slice(s, e);
                    push_segment(
                        &mut segments,
                        (&self.lines, &block.lines),
                        (block_index, SegmentKind::Sentence),
                        (text[s..e].to_string(), sub),
                        self.unspaced,
                        (turn.clone(), label.min(e).saturating_sub(s)),
                    );
                }
            } else {
                push_segment(
                    &mut segments,
                    (&self.lines, &block.lines),
                    (block_index, block.kind),
                    (text, map),
                    self.unspaced,
                    (turn, label),
                );
            }
        }
        segments
    }
}

/// Segments a whole document at the requested unit level.
pub fn segment(document: &Document, level: UnitLevel) -> Segmented {
    let plan = plan(document, level);
    Segmented {
        layout: plan.layout,
        segments: plan.segments(0..plan.blocks.len()),
    }
}

/// The length of `raw` in normalised text: its words with one space between them.
fn normalized_len(raw: &str) -> usize {
    let (mut len, mut words) = (0usize, 0usize);
    for word in raw.split_whitespace() {
        len += word.len();
        words += 1;
    }
    len + words.saturating_sub(1)
}

/// Adds a segment of the block numbered `block`, made of the lines `block_lines`, with its
/// turn and the length of its speaker's label.
fn push_segment(
    segments: &mut Vec<Segment>,
    (lines, block_lines): (&[Line], &[usize]),
    (block, kind): (usize, SegmentKind),
    (text, map): (String, TextMap),
    unspaced: bool,
    (turn, label): (Option<Arc<BlockTurn>>, usize),
) {
    let start = map.source_start(0);
    let end = map.source_end(text.len());
    // The segment's text comes from its block's lines: searching those, not all the
    // document's, keeps the search in cache in a document of a million lines.
    let line_of = |offset: usize| {
        let after = block_lines.partition_point(|&i| lines[i].start <= offset);
        block_lines[after.saturating_sub(1)] + 1
    };
    segments.push(Segment {
        index: segments.len(),
        block,
        kind,
        line_start: line_of(start),
        line_end: line_of(end.saturating_sub(1).max(start)),
        word_count: if unspaced {
            cjk::content_words(&text)
        } else {
            content_words(&text)
        },
        unspaced,
        text,
        map,
        start,
        end,
        turn,
        label,
    });
}

/// Words with a letter or digit in normalised text (whose only whitespace is single spaces),
/// for text without Han or kana characters (text with them is counted by
/// [`cjk::content_words`], each of them one word).
fn content_words(text: &str) -> usize {
    let bytes = text.as_bytes();
    let has_content = |start: usize| {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b' ')
            .map_or(bytes.len(), |n| start + n);
        let word = &text[start..end];
        word.bytes().any(|b| b.is_ascii_alphanumeric())
            || (!word.is_ascii() && word.chars().any(char::is_alphanumeric))
    };
    let Some(&first) = bytes.first() else {
        return 0;
    };
    let mut words = usize::from(first != b' ' && has_content(0));
    // This runs over every byte of the corpus. A word starting with an ASCII letter or digit
    // (nearly all) is counted in a branch-free, vectorisable pass over 64-byte chunks; only a
    // chunk with a word starting otherwise (a quote, a dash, another script) is looked at
    // word by word.
    let pairs = bytes.len() - 1;
    for chunk in (0..pairs).step_by(64) {
        let end = (chunk + 64).min(pairs);
        // Byte-wide counters (a chunk has at most 64 words) keep the vector lanes narrow.
        let (mut alnum_starts, mut other_starts) = (0u8, 0u8);
        for (&before, &b) in bytes[chunk..end].iter().zip(&bytes[chunk + 1..=end]) {
            let starts = (before == b' ') & (b != b' ');
            let alnum = b.is_ascii_alphanumeric();
            alnum_starts += u8::from(starts & alnum);
            other_starts += u8::from(starts & !alnum);
        }
        words += usize::from(alnum_starts);
        if other_starts > 0 {
            words += (chunk..end)
                .filter(|&i| {
                    let b = bytes[i + 1];
                    bytes[i] == b' '
                        && b != b' '
                        && !b.is_ascii_alphanumeric()
                        && has_content(i + 1)
                })
                .count();
        }
    }
    words
}

/// A paragraph-level block: its kind and the source lines it is made of.
#[derive(Debug)]
struct Block {
    kind: SegmentKind,
    lines: Vec<usize>,
    /// Bytes at the start of its first line that are a speaker's label (0: none).
    label: usize,
}

impl Block {
    fn new(kind: SegmentKind, line: usize) -> Self {
        Block {
            kind,
            lines: vec![line],
            label: 0,
        }
    }

    /// Bytes of the block's lines with a line ending each: at least its normalised text's.
    fn source_len(&self, lines: &[Line]) -> usize {
        self.lines.iter().map(|&i| lines[i].text.len() + 1).sum()
    }

    /// The block's normalised text and its map; `rejoin`: lines whose final hyphen is dropped
    /// when the next line is joined on ([`hyphens`]).
    fn build(&self, lines: &[Line], unspaced: bool, rejoin: &[usize]) -> (String, TextMap) {
        let mut builder = TextBuilder {
            text: String::with_capacity(self.source_len(lines)),
            map: TextMap::default(),
        };
        let mut previous: Option<(usize, &str)> = None;
        for &i in &self.lines {
            let line = &lines[i];
            let trimmed = line.trimmed();
            if let Some((prev_index, prev)) = previous {
                // A word hyphenated across lines: the break is dropped; the hyphen too when
                // the document writes the word whole, else it stays (in this kind of text it
                // is nearly always a compound such as cross-sector or co-workers).
                let hyphen_join = prev.ends_with('-')
                    && prev[..prev.len() - 1].ends_with(char::is_alphabetic)
                    && trimmed.starts_with(char::is_lowercase);
                if hyphen_join && rejoin.binary_search(&prev_index).is_ok() {
                    builder.pop_hyphen();
                }
                // Chinese and Japanese have no spaces between words: a line break inside
                // East Asian text joins without one.
                let unspaced_join = unspaced && cjk::joins_without_space(prev, trimmed);
                if !hyphen_join && !unspaced_join {
                    builder.push_space();
                }
            }
            builder.push_line(line);
            previous = Some((i, trimmed));
        }
        builder.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Shared line tests

const SENTENCE_END: &[char] = &['.', '!', '?', ':', ';'];
/// Closing quotes and brackets (East Asian ones too), and the marks OCR leaves for footnote
/// references.
const TRAILING_MARKS: &[char] = &[
    '"', '\'', '”', '’', ')', ']', '*', '®', '°', '>', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹',
    '⁰', '」', '』', '）', '》', '〉', '】', '〕', '〗', '﹂',
];

/// Whether a line ends a sentence, looking through quotes and OCR footnote marks.
fn ends_sentence(line: &str) -> bool {
    // Every line is tested, most more than once: a line ending in a letter or in sentence
    // punctuation (nearly all) is decided by its last byte.
    match line.as_bytes().last() {
        Some(b) if b.is_ascii_alphabetic() => false,
        Some(b'.' | b'!' | b'?' | b':' | b';') => true,
        _ => ends_sentence_through_marks(line),
    }
}

/// [`ends_sentence`] for any line.
fn ends_sentence_through_marks(line: &str) -> bool {
    let mut t = line.trim_end();
    loop {
        let stripped = t.trim_end_matches(TRAILING_MARKS);
        // Footnote numbers glued to the punctuation: `society.”12`
        let stripped = match stripped.trim_end_matches(|c: char| c.is_ascii_digit()) {
            s if s.ends_with(SENTENCE_END) || s.ends_with(TRAILING_MARKS) => s,
            _ => stripped,
        };
        if stripped.len() == t.len() {
            break;
        }
        t = stripped;
    }
    t.ends_with(SENTENCE_END) || t.ends_with(cjk::LINE_ENDS) || cjk::ends_in_ellipsis(t)
}

fn starts_lowercase(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => b.is_ascii_lowercase(),
        _ => line.trim_start().starts_with(char::is_lowercase),
    }
}

/// Words of a line for the layout rules: words between spaces, a Han or kana character half
/// a word ([`cjk::word_equivalents`]).
fn word_count(line: &str) -> usize {
    cjk::word_equivalents(line)
}

/// A short line that reads like a title: no closing punctuation, not a sentence continuation.
fn looks_like_title(t: &str, max_words: usize, unspaced: bool) -> bool {
    // Words are counted last, and only up to past the limit: most lines are sentences, ruled
    // out by their ends.
    let ends = ends_sentence(t);
    if starts_lowercase(t) || (ends && !t.ends_with([':', '：'])) {
        return false;
    }
    // A line in Chinese or Japanese has no capitals and no words between spaces: it is
    // judged by its punctuation and length ([`cjk::looks_like_title`]).
    if unspaced && cjk::is_unspaced_line(t) {
        return cjk::looks_like_title(t);
    }
    let words = t.split_whitespace().take(max_words + 1).count();
    words > 0 && words <= max_words && (!ends || words <= 3)
}

/// How many of `bytes` fulfil `test`: summed in bytes a chunk at a time, which vectorises into
/// narrow lanes (a count into a `usize` takes a wide lane per byte).
pub fn count_bytes(bytes: &[u8], test: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(128)
        .map(|chunk| usize::from(chunk.iter().map(|&b| u8::from(test(b))).sum::<u8>()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document::utf8("t.txt", Format::PlainText, text.into())
    }

    fn kinds_and_texts(text: &str) -> Vec<(SegmentKind, String)> {
        segment(&doc(text), UnitLevel::Paragraph)
            .segments
            .into_iter()
            .map(|s| (s.kind, s.text))
            .collect()
    }

    #[test]
    fn line_test_shortcuts_agree_with_the_general_tests() {
        // Ends and starts of every kind: ASCII letters and marks, whitespace of both kinds,
        // non-ASCII letters, quotes and footnote marks, single characters, nothing.
        let lines = [
            "",
            " ",
            "a",
            ".",
            "a.",
            "a ",
            "a\t",
            "a\u{a0}",
            "\u{3000}a",
            " a",
            "\ta",
            "É",
            "éa",
            "aé",
            "ａ",
            "word.”",
            "word.”12",
            "word.®",
            "society.”¹",
            "word:",
            "word;",
            "word?!",
            "12",
            "a)",
            "(a",
            "x -",
            "- x",
            "é.",
            "Ünter",
            "über",
            "ßa",
            "1a",
        ];
        let mut seen = (0, 0);
        for text in lines {
            assert_eq!(trim(text), text.trim(), "trim {text:?}");
            assert_eq!(
                ends_sentence(text),
                ends_sentence_through_marks(text),
                "ends_sentence {text:?}"
            );
            let general = text.trim_start().starts_with(char::is_lowercase);
            assert_eq!(starts_lowercase(text), general, "starts_lowercase {text:?}");
            seen.0 += usize::from(ends_sentence(text));
            seen.1 += usize::from(general);
        }
        // Both answers occur, so neither test passes by always saying the same thing.
        assert_eq!(seen, (10, 23));
    }

    #[test]
    fn text_map_round_trips_every_word() {
        let text = "  Hello   big\r\nworld-\nwide  web \n";
        for s in segment(&doc(text), UnitLevel::Paragraph).segments {
            for (offset, word) in s.text.match_indices(|c: char| c.is_alphabetic()) {
                let src = s.map.source_start(offset);
                assert_eq!(&text[src..src + word.len()], word, "at {offset}");
            }
            assert_eq!(s.text, "Hello big world-wide web");
            assert_eq!(&text[s.start..s.end], "Hello   big\r\nworld-\nwide  web");
            assert_eq!((s.line_start, s.line_end), (1, 3));
        }
    }

    #[test]
    fn line_numbers_equal_a_count_of_the_line_ends_before() {
        // A paragraph interrupted by a footnote (its block's lines are not consecutive), CRLF
        // line ends, and the shipped corpus, in paragraphs and in sentences.
        let mut texts = vec![
            "They jointly discussed the progress of the\n 34 John M. Bryson, “The Design\nand Implementation”, 49.\n project cooperation. It worked.\n".to_string(),
            "A first line\r\nwrapped on. And on.\r\n\r\nTitle\r\n\r\nMore text here.\r\n".to_string(),
            // Old Mac line ends (a lone CR), mixed with the others.
            "A first line\rwrapped on. And on.\r\rTitle\r\n\nMore text here.\rLast.\r".to_string(),
        ];
        for entry in std::fs::read_dir("corpus").expect("the shipped corpus") {
            texts.push(std::fs::read_to_string(entry.expect("entry").path()).expect("text"));
        }
        let line_at = |text: &str, offset: usize| {
            let b = text.as_bytes();
            1 + (0..offset)
                .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
                .count()
        };
        let mut checked = 0;
        for text in &texts {
            for level in [UnitLevel::Paragraph, UnitLevel::Sentence] {
                for s in segment(&doc(text), level).segments {
                    let last = s.end.saturating_sub(1).max(s.start);
                    let expected = (line_at(text, s.start), line_at(text, last));
                    assert_eq!((s.line_start, s.line_end), expected, "{:?}", s.text);
                    checked += 1;
                }
            }
        }
        assert!(checked > 300, "{checked} segments");
    }

    #[test]
    fn whole_line_copy_equals_word_by_word_copy() {
        let lines = [
            "plain words here",
            "  indented  twice ",
            "curly “quotes” — dash",
            "no\u{a0}break space",
            "ideographic\u{3000}space 信任",
            "tab\tinside",
            "control\u{1}char",
            "carriage\rreturn, vertical\u{b}tab, form\u{c}feed",
            "next\u{85}line, line\u{2028}separator, narrow\u{202f}no-break",
            "ogham\u{1680}space mark",
            "medium\u{205f}mathematical space, hair\u{200a}space",
            "ĀāĂ ǅ Ωμέγα Ж ሀ ₤ € ™ “curly” 一把手 ｆｕｌｌｗｉｄｔｈ",
            "a line of more than sixty-four bytes, with a doubled space after here:  there",
            "a line of more than sixty-four bytes, with a tab at its very end, here:\t",
            "a line of more than sixty-four bytes, with curly “quotes” only, all single-spaced",
            "",
            "   ",
        ];
        for text in lines {
            let line = Line { text, start: 7 };
            let (mut whole, mut words) = (TextBuilder::default(), TextBuilder::default());
            whole.push_line(&line);
            words.push_words(&line);
            assert_eq!(whole.finish(), words.finish(), "{text:?}");
        }
    }

    #[test]
    fn inserted_spaces_map_to_the_neighbouring_source() {
        let text = "ab\r\ncd";
        let s = &segment(&doc(text), UnitLevel::Paragraph).segments[0];
        assert_eq!(s.text, "ab cd");
        assert_eq!(
            s.map.source_start(2),
            4,
            "the joining space starts where `cd` starts"
        );
        assert_eq!(s.map.source_end(3), 2, "and ends where `ab` ends");
        assert_eq!((s.map.source_start(0), s.map.source_end(5)), (0, 6));
        let empty = TextMap::default();
        assert_eq!((empty.source_start(0), empty.source_end(0)), (0, 0));
    }

    #[test]
    fn char_offsets_count_characters_across_checkpoints() {
        let text = "Trust “built” slowly — 信任 é. ".repeat(40);
        let index = SourceIndex::new(&text);
        for (byte, _) in text.char_indices().chain([(text.len(), ' ')]) {
            assert_eq!(
                index.cursor(byte).char_offset(byte),
                text[..byte].chars().count(),
                "at {byte}"
            );
        }
        let ascii = "plain text ".repeat(100);
        assert_eq!(SourceIndex::new(&ascii).cursor(0).char_offset(500), 500);
        // A text of several strides, looked up forwards, backwards and by jumps with one
        // cursor, and with a cursor started near each offset.
        let long = "Trust “built” slowly — 信任 é.\n".repeat(8_000);
        let index = SourceIndex::new(&long);
        assert!(index.checkpoints.len() > 3);
        // The i-th character starts at byte boundaries[i], with i characters before it.
        let boundaries: Vec<usize> = long.char_indices().map(|(b, _)| b).collect();
        let mut cursor = index.cursor(0);
        let mut checked = 0;
        for step in [1, 997, 40_001] {
            let forth = boundaries.iter().enumerate().step_by(step);
            for (chars, &byte) in forth.clone().chain(forth.rev()) {
                assert_eq!(cursor.char_offset(byte), chars, "at {byte}");
                if step > 1 {
                    assert_eq!(index.cursor(byte).char_offset(byte), chars, "at {byte}");
                }
                checked += 1;
            }
        }
        assert!(checked > 2 * boundaries.len());
        assert_eq!(cursor.char_offset(long.len()), boundaries.len());
    }

    #[test]
    fn content_words_need_a_letter_or_digit() {
        assert_eq!(content_words("a — b 12 “信任” ... é"), 5);
        assert_eq!(content_words(""), 0);
        assert_eq!(content_words("— …"), 0);
        assert_eq!(content_words("(x"), 1);
        // In a document with Han characters, each counts one (cjk::content_words); the
        // count of text without them is the same either way.
        let words_of =
            |text: &str| segment(&doc(text), UnitLevel::Paragraph).segments[0].word_count;
        assert_eq!(words_of("a — b 12 “信任” ... é.\n"), 6);
        assert_eq!(words_of("a — b 12 “trust” ... é.\n"), 5);
        // Chunk edges fall inside words of every kind: the count equals a naive one.
        let naive = |t: &str| {
            t.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count()
        };
        let text = "Trust (“built”) — slowly; 12 ... 信任 é & the x-y “z” ? ".repeat(9);
        for start in 0..70 {
            let Some(t) = text.get(start..) else {
                continue;
            };
            for cut in [t.len(), t.len() / 2, 63, 64, 65, 129] {
                let Some(t) = t.get(..cut.min(t.len())) else {
                    continue;
                };
                assert_eq!(content_words(t), naive(t), "{t:?}");
                if !t.contains('信') {
                    assert_eq!(cjk::content_words(t), naive(t), "{t:?}");
                }
            }
        }
    }

    #[test]
    fn lines_are_split_at_lf_with_any_cr_dropped() {
        let lines = |text| -> Vec<(&str, usize)> {
            split_lines(text)
                .iter()
                .map(|l| (l.text, l.start))
                .collect()
        };
        assert_eq!(
            lines("a\r\nb\n\nc"),
            [("a", 0), ("b", 3), ("", 5), ("c", 6)]
        );
        assert_eq!(
            lines("a\rb\r\nc\n\rd\r"),
            [("a", 0), ("b", 2), ("c", 5), ("", 7), ("d", 8)]
        );
        assert_eq!(lines("x\n"), [("x", 0)]);
        assert_eq!(lines("\n"), [("", 0)]);
        assert_eq!(lines(""), []);
    }

    #[test]
    fn bytes_are_counted_across_chunks() {
        let mut text = vec![b'x'; 700];
        for at in [0, 127, 128, 129, 255, 256, 699] {
            text[at] = b'\n';
        }
        // A run of line ends longer than a chunk: every byte of a chunk counted in one byte.
        text[300..600].fill(b'\n');
        let naive = |bytes: &[u8]| bytes.iter().filter(|&&b| b == b'\n').count();
        let newlines = |bytes: &[u8]| count_bytes(bytes, |b| b == b'\n');
        assert_eq!(newlines(&text), 307);
        for (start, end) in [
            (0, 700),
            (1, 128),
            (127, 129),
            (128, 700),
            (300, 301),
            (5, 5),
        ] {
            assert_eq!(newlines(&text[start..end]), naive(&text[start..end]));
        }
    }

    #[test]
    fn titles_are_short_unfinished_lines_not_starting_in_lower_case() {
        let words = |n: usize| vec!["Word"; n].join(" ");
        assert!(looks_like_title("Introduction", 15, false));
        assert!(looks_like_title(&words(15), 15, false));
        assert!(!looks_like_title(&words(16), 15, false));
        assert!(!looks_like_title("continued from the last page", 15, false));
        assert!(!looks_like_title("The cadre decided.", 15, false));
        assert!(looks_like_title("Contact us:", 15, false));
        assert!(!looks_like_title("What the cadre said to us:", 15, false));
        assert!(!looks_like_title("", 15, false));
    }

    #[test]
    fn headings_need_text_to_head_and_a_title_line_is_short() {
        // One line without final punctuation, short (wrapped layout) or long (lines layout),
        // and a title over a paragraph.
        let long = "word ".repeat(200);
        for one_line in ["Trust between officials and NGOs grew", long.trim_end()] {
            let kinds: Vec<SegmentKind> = kinds_and_texts(&format!("{one_line}\n"))
                .into_iter()
                .map(|(kind, _)| kind)
                .collect();
            assert_eq!(kinds, [SegmentKind::Paragraph], "{one_line}");
        }
        let body = "A sentence of body text that runs on long enough to be a paragraph of a page written one paragraph to a line, well beyond the wrap width.";
        let titled = kinds_and_texts(&format!("Trust between officials and NGOs\n{body}\n"));
        assert_eq!(titled[0].0, SegmentKind::Heading);
        // A first line as long as a paragraph, unpunctuated, above another: a paragraph.
        let first = kinds_and_texts(&format!("{}\n{body}\n", long.trim_end()));
        assert_eq!(first[0].0, SegmentKind::Paragraph);
    }

    #[test]
    fn lone_cr_line_ends_split_lines_like_lf_with_positions_unchanged() {
        let lf = "Title line\n\nFirst paragraph here.\nSecond paragraph.\n";
        let cr = lf.replace('\n', "\r");
        let spans = |text: &str| -> Vec<(SegmentKind, String, usize, usize, usize)> {
            segment(&doc(text), UnitLevel::Paragraph)
                .segments
                .into_iter()
                .map(|s| (s.kind, s.text, s.start, s.end, s.line_start))
                .collect()
        };
        assert_eq!(spans(&cr), spans(lf));
        assert_eq!(spans(lf).len(), 2);
    }

    #[test]
    fn crlf_and_lf_give_the_same_text() {
        let lf = kinds_and_texts("First para line one\nline two.\n\nSecond para.\n");
        let crlf = kinds_and_texts("First para line one\r\nline two.\r\n\r\nSecond para.\r\n");
        assert_eq!(lf, crlf);
        assert_eq!(lf.len(), 2);
    }

    #[test]
    fn page_break_in_mid_sentence_is_joined() {
        let text = "The competing lens of civil society can help shed light on spaces for\n\nsocial activists and their associations.\n\nA new paragraph starts here.\n";
        let got = kinds_and_texts(text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0]
            .1
            .ends_with("spaces for social activists and their associations."));
    }

    #[test]
    fn unfinished_sentence_continues_even_in_upper_case() {
        let text = "SSCA had a pilot site in Ningbo and worked with the\n\nNingbo government.\n";
        assert_eq!(kinds_and_texts(text).len(), 1);
    }

    #[test]
    fn footnote_block_inside_a_paragraph_is_cut_out() {
        let text = "They jointly discussed the progress of the\n 34 John M. Bryson, Barbara C. Crosby, “The Design and\nImplementation”, 49.\n project cooperation and found solutions.\n";
        let got = kinds_and_texts(text);
        assert_eq!(
            got,
            vec![
                (
                    SegmentKind::Paragraph,
                    "They jointly discussed the progress of the project cooperation and found solutions.".to_string()
                ),
                (
                    SegmentKind::Footnote,
                    "34 John M. Bryson, Barbara C. Crosby, “The Design and Implementation”, 49.".to_string()
                ),
            ]
        );
    }

    #[test]
    fn page_number_and_numbered_heading() {
        let text = "without repeated\n\n10\n\n\n\ncommunication it was impossible.\n\n5.3 Network management: Setting up groups\n\nFindings from the literature suggest this.\n";
        let got = kinds_and_texts(text);
        let kinds: Vec<SegmentKind> = got.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            vec![
                SegmentKind::Paragraph,
                SegmentKind::Boilerplate,
                SegmentKind::Heading,
                SegmentKind::Paragraph
            ]
        );
        assert_eq!(
            got[0].1,
            "without repeated communication it was impossible."
        );
    }

    #[test]
    fn text_without_blank_lines_is_cut_into_bounded_paragraphs() {
        let sentence = "The leading cadre decides on the collaboration with the NGO today.";
        let text = vec![sentence; 1000].join("\n") + "\n";
        let segments = kinds_and_texts(&text);
        assert_eq!(segments.len(), 5, "cut every 200 lines at a sentence end");
        assert!(segments
            .iter()
            .all(|(k, t)| *k == SegmentKind::Paragraph && t.split(". ").count() == 200));
        // Without any sentence end, still cut, at four times the size.
        let text = vec!["words without an end"; 2000].join("\n") + "\n";
        assert_eq!(kinds_and_texts(&text).len(), 3);
    }

    #[test]
    fn a_long_numbered_item_is_a_paragraph_not_a_heading() {
        let text = "Intro text ends here.\n\n3. Some coastal cities such as Shanghai not only took the lead in\neconomic reform, but also contributed to social system reform. Arguably,\ntheir local experimentation gave a boost.\n\n4. Conclusion\n\nThe end.\n";
        let kinds: Vec<SegmentKind> = kinds_and_texts(text).into_iter().map(|(k, _)| k).collect();
        use SegmentKind::{Heading, Paragraph};
        assert_eq!(kinds, [Paragraph, Paragraph, Heading, Paragraph]);
    }

    #[test]
    fn heading_split_across_a_page_break_is_one_heading() {
        let text = " 2. Difficulties of grassroots NGOs collaborating with the government: How to\n\nbuild trust and promote system innovation?\n\nLet us start by defining what we mean.\n";
        let got = kinds_and_texts(text);
        assert_eq!(got[0].0, SegmentKind::Heading);
        assert!(got[0]
            .1
            .ends_with("How to build trust and promote system innovation?"));
        assert_eq!(got[1].0, SegmentKind::Paragraph);
    }

    #[test]
    fn web_page_furniture_is_boilerplate() {
        let long = "This is a long paragraph of the page that goes on and on about collaboration between civil society and government in China, well past any wrap width.";
        let text = format!("Title of the Page\n\n  • Home\n  • >\n  • Analysis\n\nADD:C-601-East Building,\nYonghe Plaza,28# Andingmen \nHome > Brief News > 2016\n{long}\n成年美女黄网站色大全,成av人电影在线观看\n");
        let got = kinds_and_texts(&text);
        let kinds: Vec<SegmentKind> = got.iter().map(|(k, _)| *k).collect();
        use SegmentKind::*;
        assert_eq!(
            kinds,
            vec![
                Heading,
                Boilerplate,
                Boilerplate,
                Boilerplate,
                Boilerplate,
                Boilerplate,
                Boilerplate,
                Paragraph,
                Boilerplate
            ]
        );
    }

    #[test]
    fn hyphen_at_line_end_keeps_compound() {
        let got = kinds_and_texts("analysis on cross-\nsector collaboration.\n");
        assert_eq!(got[0].1, "analysis on cross-sector collaboration.");
    }

    #[test]
    fn a_word_broken_at_a_line_end_is_rejoined_with_its_positions() {
        let text = "The county govern-\nment agreed to fund it. The\ngovernment paid.\n";
        let segs = segment(&doc(text), UnitLevel::Paragraph).segments;
        assert_eq!(
            segs[0].text,
            "The county government agreed to fund it. The government paid."
        );
        let at = segs[0].text.find("government").unwrap();
        let (start, end) = (
            segs[0].map.source_start(at),
            segs[0].map.source_end(at + "government".len()),
        );
        assert_eq!(&text[start..end], "govern-\nment");
        // The word after the join maps to its own place in the source.
        let agreed = segs[0].text.find("agreed").unwrap();
        assert_eq!(
            segs[0].map.source_start(agreed),
            text.find("agreed").unwrap()
        );
    }

    #[test]
    fn sentence_ends_look_through_marks() {
        assert!(ends_sentence("goals within them.”®"));
        assert!(ends_sentence("on common goals.*°"));
        assert!(ends_sentence("build trust and promote system innovation?"));
        assert!(!ends_sentence("The working"));
        assert!(!ends_sentence("in 2005"));
    }

    #[test]
    fn sentence_units_map_back_to_source() {
        let text = "First sentence here. Second\nsentence there.\n";
        let segs = segment(&doc(text), UnitLevel::Sentence).segments;
        assert_eq!(segs.len(), 2);
        assert_eq!(&text[segs[1].start..segs[1].end], "Second\nsentence there.");
        assert_eq!(segs[1].block, segs[0].block);
        assert_eq!(segs[1].kind, SegmentKind::Sentence);
    }
}
