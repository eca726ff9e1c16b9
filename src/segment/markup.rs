//! The markup layout (documents read from HTML, `.docx` or `.odt`): the extracted text's lines
//! and the kind of each block the reader found in; a block per non-blank line out, of that
//! kind. The readers put each paragraph, heading or footnote on a line of its own
//! ([`crate::read::structured`]), so nothing is left to guess.

use super::{Block, Line, SegmentKind};
use crate::read::structured::BlockKind;

pub(super) fn blocks_from_markup(lines: &[Line], kinds: &[BlockKind]) -> Vec<Block> {
    let non_blank = lines.iter().enumerate().filter(|(_, l)| !l.is_blank());
    // A line beyond the kinds given (never, as the readers write them) is a paragraph.
    let mut kinds = kinds.iter();
    non_blank
        .map(|(i, _)| {
            let kind = match kinds.next() {
                Some(BlockKind::Heading) => SegmentKind::Heading,
                Some(BlockKind::Footnote) => SegmentKind::Footnote,
                Some(BlockKind::Boilerplate) => SegmentKind::Boilerplate,
                Some(BlockKind::Paragraph) | None => SegmentKind::Paragraph,
            };
            Block::new(kind, i)
        })
        .collect()
}
