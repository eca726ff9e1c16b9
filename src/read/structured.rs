//! Structured documents: the blocks a format reader found (a paragraph, a heading or a footnote
//! each, with its text) in; the document's kept text and the kind of each of its blocks out.
//!
//! HTML pages, `.docx` and `.odt` files have their paragraphs, headings and footnotes in their
//! markup, so their readers ([`super::html`], [`super::docx`], [`super::odt`]) do not leave
//! finding them to the text layouts of `segment`. Each reader pushes the blocks it finds into
//! a [`TextBlocks`]; the result is a text with one block per line and a blank line between
//! blocks (whitespace inside a block collapsed to single spaces), and a [`Structure`] that
//! gives the kind of each of those lines. That text is the document's text: segments'
//! positions count in it, and it is kept with the output (the `texts` table), because it is
//! not the file as stored.

use super::{sha256_hex, Decoding, Document, Encoded, FileRecord, FileStatus};

/// Reads a file from its markup into a document, or the record of why it is not one: skipped
/// with the reason (it cannot be decoded or unpacked), or empty (no text in it).
pub(super) fn load(
    id: &str,
    data: Vec<u8>,
    markup: Markup,
    decoding: Decoding,
) -> Result<Document, FileRecord> {
    let stored_len = data.len();
    let sha256 = sha256_hex(&data);
    let record = |status, encoding| FileRecord {
        id: id.to_string(),
        bytes: stored_len as u64,
        sha256: sha256.clone(),
        status,
        encoding,
        warning: None,
    };
    let read = match markup {
        Markup::Html => super::html::read(data, decoding),
        // Their XML is UTF-8, whatever `--encoding` says.
        Markup::Docx => super::docx::read(&data).map(|blocks| (blocks, utf8_xml())),
        Markup::Odt => super::odt::read(&data).map(|blocks| (blocks, utf8_xml())),
        // Subtitles are text in any encoding (WebVTT's is UTF-8, SubRip's often not).
        Markup::Vtt | Markup::Srt => super::decode::decode(data, decoding)
            .map_err(|refused| refused.reason)
            .and_then(|decoded| {
                let encoding = Encoded {
                    encoding: decoded.encoding,
                    by: decoded.basis,
                };
                let blocks = if markup == Markup::Vtt {
                    super::subtitles::read_vtt(&decoded.text)?
                } else {
                    super::subtitles::read_srt(&decoded.text)?
                };
                Ok((blocks, encoding))
            }),
        // pdftotext writes UTF-8.
        Markup::Pdf => super::pdf::read(&data).map(|found| {
            let mut blocks = TextBlocks::default();
            for block in found {
                let kind = match block.kind {
                    super::pdf::PdfKind::Heading => BlockKind::Heading,
                    super::pdf::PdfKind::Paragraph => BlockKind::Paragraph,
                    super::pdf::PdfKind::Footnote => BlockKind::Footnote,
                };
                blocks.push_on_page(kind, &block.text, block.page);
            }
            (blocks, utf8_xml())
        }),
    };
    let (mut blocks, encoding) = match read {
        Ok(read) => read,
        Err(reason) => return Err(record(FileStatus::Skipped { reason }, None)),
    };
    if blocks.is_empty() {
        return Err(record(FileStatus::Empty, Some(encoding)));
    }
    let pages = blocks.pages.clone();
    let conversation = blocks.conversation;
    let mut turns = std::mem::take(&mut blocks.turns);
    if !turns.is_empty() {
        turns.resize(blocks.kinds.len(), GivenTurn::default());
    }
    let (text, kinds) = blocks.finish();
    Ok(Document {
        id: id.to_string(),
        format: super::Format::PlainText,
        text,
        bom_len: 0,
        encoding,
        source: None,
        structure: Some(Structure {
            markup,
            kinds,
            pages,
            conversation,
            turns,
            stored_len,
            sha256,
        }),
    })
}

/// The encoding of the XML of `.docx` and `.odt` files, and of the text of a PDF.
fn utf8_xml() -> Encoded {
    Encoded {
        encoding: encoding_rs::UTF_8,
        by: super::Basis::Valid,
    }
}

/// What a block of a structured document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    Heading,
    Footnote,
    /// Kept for context, not coded (readers' comments under a page).
    Boilerplate,
}

/// The format a structured document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    Html,
    Docx,
    Odt,
    Pdf,
    /// WebVTT subtitles.
    Vtt,
    /// SubRip subtitles.
    Srt,
}

impl Markup {
    pub fn as_str(self) -> &'static str {
        match self {
            Markup::Html => "html",
            Markup::Docx => "docx",
            Markup::Odt => "odt",
            Markup::Pdf => "pdf",
            Markup::Vtt => "vtt",
            Markup::Srt => "srt",
        }
    }
}

/// How a structured document's text is divided, and the file it was extracted from.
#[derive(Debug, Clone)]
pub struct Structure {
    pub markup: Markup,
    /// The kind of each non-blank line of the document's text, in order.
    pub kinds: Vec<BlockKind>,
    /// The page each of those lines starts on (from 1), for formats with pages (PDF); empty
    /// for the others.
    pub pages: Vec<u32>,
    /// What the format says about speakers ([`Conversation`]); `turns` then holds each
    /// block's place in the conversation, by block (empty otherwise).
    pub conversation: Conversation,
    pub turns: Vec<GivenTurn>,
    /// The size and SHA-256 (hex) of the file as stored: the text is not its bytes.
    pub stored_len: usize,
    pub sha256: String,
}

/// What a reader found about who speaks in a document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Conversation {
    /// Nothing: speaker labels, if any, are looked for in the text.
    #[default]
    None,
    /// Some blocks start with a speaker the markup points at (a Word table's speaker column, a
    /// bold run): hints, weighed as evidence like labels in the text.
    Hinted,
    /// The format is a conversation (subtitles): the turns given are the turns.
    Given,
}

/// A block's place in a conversation, as its reader found it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GivenTurn {
    /// The block starts a turn: its speaker (`None`: an anonymous change of speaker, `>>` in
    /// captions) and how many bytes at the start of the block's text are the speaker's label
    /// (`Name: `, written into the text by the reader, or the name in a speaker cell).
    pub starts: Option<(Option<String>, usize)>,
    /// When the block was said (subtitles), in milliseconds from the recording's start: its
    /// first cue's start and its last cue's end.
    pub time_ms: Option<(i64, Option<i64>)>,
}

/// A structured document's text being built, a block at a time.
#[derive(Debug, Default)]
pub struct TextBlocks {
    text: String,
    kinds: Vec<BlockKind>,
    /// The page of each block, when the reader knows it ([`TextBlocks::push_on_page`]).
    pages: Vec<u32>,
    /// Each block's place in a conversation, once a reader gave one ([`TextBlocks::push_turn`]).
    conversation: Conversation,
    turns: Vec<GivenTurn>,
}

impl Conversation {
    /// The stronger of two: given over hinted over none.
    fn max_with(self, other: Conversation) -> Conversation {
        let rank = |c: Conversation| match c {
            Conversation::None => 0,
            Conversation::Hinted => 1,
            Conversation::Given => 2,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl TextBlocks {
    /// Adds a block: its whitespace collapsed to single spaces (line breaks, tabs and
    /// non-breaking spaces included), invisible characters (soft hyphens, zero-width spaces,
    /// byte-order marks) removed. A block with nothing visible is not added.
    pub fn push(&mut self, kind: BlockKind, text: &str) {
        let mut block = String::with_capacity(text.len());
        for word in text.split(char::is_whitespace) {
            let mut visible = word
                .chars()
                .filter(|c| {
                    !matches!(
                        c,
                        '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
                    )
                })
                .peekable();
            if visible.peek().is_none() {
                continue;
            }
            if !block.is_empty() {
                block.push(' ');
            }
            block.extend(visible);
        }
        if block.is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        self.text.push_str(&block);
        self.kinds.push(kind);
    }

    /// [`TextBlocks::push`] for a block that starts on `page`.
    pub fn push_on_page(&mut self, kind: BlockKind, text: &str, page: u32) {
        let before = self.kinds.len();
        self.push(kind, text);
        if self.kinds.len() > before {
            self.pages.push(page);
        }
    }

    /// [`TextBlocks::push`] for a block with a place in a conversation: `label` bytes of
    /// `text` (after whitespace is collapsed) are its speaker's label. `conversation` says
    /// whether the format gives the turns or only hints at them.
    pub fn push_turn(
        &mut self,
        kind: BlockKind,
        text: &str,
        turn: GivenTurn,
        conversation: Conversation,
    ) {
        let before = self.kinds.len();
        self.push(kind, text);
        if self.kinds.len() > before {
            self.conversation = self.conversation.max_with(conversation);
            self.turns.resize(before, GivenTurn::default());
            self.turns.push(turn);
        }
    }

    /// The page of the block on line `line` (from 1) of the finished text: blocks are on
    /// lines 1, 3, 5, … with a blank line between.
    pub fn page_of_line(pages: &[u32], line: usize) -> Option<u32> {
        pages.get(line.checked_sub(1)? / 2).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Each block's place in a conversation so far (empty if no reader gave one).
    pub fn turns(&self) -> &[GivenTurn] {
        &self.turns
    }

    /// The text, and the kind of each of its blocks.
    pub fn finish(self) -> (String, Vec<BlockKind>) {
        (self.text, self.kinds)
    }

    /// The blocks so far, as (kind, text).
    pub fn blocks(&self) -> impl Iterator<Item = (BlockKind, &str)> {
        self.kinds
            .iter()
            .copied()
            .zip(self.text.split("\n\n").filter(|b| !b.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_lines_of_collapsed_text_with_blank_lines_between() {
        let mut blocks = TextBlocks::default();
        blocks.push(BlockKind::Heading, "  A\u{a0}title\n");
        blocks.push(BlockKind::Paragraph, " \u{200B} \n\t");
        blocks.push(
            BlockKind::Paragraph,
            "Trust  grew\r\nslowly, co\u{AD}operation\tfollowed.",
        );
        let listed: Vec<(BlockKind, String)> =
            blocks.blocks().map(|(k, t)| (k, t.to_string())).collect();
        assert_eq!(
            listed,
            vec![
                (BlockKind::Heading, "A title".to_string()),
                (
                    BlockKind::Paragraph,
                    "Trust grew slowly, cooperation followed.".to_string()
                )
            ]
        );
        let (text, kinds) = blocks.finish();
        assert_eq!(text, "A title\n\nTrust grew slowly, cooperation followed.");
        assert_eq!(kinds.len(), 2);
    }
}
