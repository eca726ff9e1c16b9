//! The lines layout (web pages, and text written one paragraph per line): a document's lines
//! in, its paragraph-level blocks out, each line a paragraph, a heading or boilerplate.

use super::chrome::{
    is_breadcrumb, is_chrome_line, is_cjk_chrome, is_foreign_script_line, is_menu_bar, latin_share,
    ADDRESS_PREFIXES, BULLETS, CJK_ADDRESS_PREFIXES,
};
use super::{ends_sentence, looks_like_title, word_count, Block, Line, SegmentKind};

/// The most words of a page's first line read as its title (the shipped web pages' longest
/// title has 16).
const FIRST_LINE_TITLE_WORDS: usize = 30;

/// `unspaced`: the page may hold Han or kana characters, whose furniture is looked for too.
pub(super) fn blocks_from_lines(lines: &[Line], text: &str, unspaced: bool) -> Vec<Block> {
    // Only lines in another script need the document's script, so it is measured once, and
    // only when such a line comes (never in ASCII text).
    let mut latin: Option<bool> = None;
    let mut document_is_latin = || *latin.get_or_insert_with(|| latin_share(text) >= 0.8);
    let mut blocks: Vec<Block> = Vec::new();
    let mut in_address = false;
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let t = line.trimmed();
        if t.is_empty() {
            in_address = false;
            i += 1;
            continue;
        }
        // A run of bulleted lines containing a `>` or `Home` item is a breadcrumb trail.
        if t.starts_with(BULLETS) {
            let run_end = (i..lines.len())
                .find(|&j| !lines[j].trimmed().starts_with(BULLETS))
                .unwrap_or(lines.len());
            let is_crumbs = (i..run_end).any(|j| {
                let item = lines[j].trimmed().trim_start_matches(BULLETS).trim();
                item == ">" || item.eq_ignore_ascii_case("home")
            });
            if is_crumbs {
                for j in i..run_end {
                    blocks.push(Block::new(SegmentKind::Boilerplate, j));
                }
                i = run_end;
                continue;
            }
        }
        let starts_with = |p: &&str| {
            t.as_bytes()
                .get(..p.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(p.as_bytes()))
        };
        let is_address_start = ADDRESS_PREFIXES.iter().any(starts_with)
            || (unspaced && CJK_ADDRESS_PREFIXES.iter().any(starts_with));
        let continues_address = in_address && word_count(t) <= 8 && !ends_sentence(t);
        in_address = is_address_start || continues_address;
        // A line in another script than the page is spam unless it reads as a sentence: a
        // Chinese quotation in an English page is text.
        let kind = if in_address
            || is_chrome_line(t)
            || is_breadcrumb(t)
            || is_menu_bar(t)
            || (unspaced && is_cjk_chrome(t))
            || (!ends_sentence(t)
                && if unspaced {
                    // A page with Chinese in it is measured once rather than line by line.
                    document_is_latin() && is_foreign_script_line(t)
                } else {
                    is_foreign_script_line(t) && document_is_latin()
                }) {
            SegmentKind::Boilerplate
        } else if looks_like_title(t, 15, unspaced)
            || (blocks.is_empty() && !ends_sentence(t) && word_count(t) <= FIRST_LINE_TITLE_WORDS)
        {
            // The first line of a page is its title, even when longer than other headings;
            // a first line as long as a paragraph is one (an export of one text per line).
            SegmentKind::Heading
        } else {
            SegmentKind::Paragraph
        };
        blocks.push(Block::new(kind, i));
        i += 1;
    }
    blocks
}
