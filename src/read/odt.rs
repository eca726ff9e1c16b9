//! OpenDocument text (`.odt`, LibreOffice and others): the file's bytes in; its paragraphs,
//! headings and footnotes as blocks ([`TextBlocks`]) out, or the reason it cannot be read.
//!
//! An `.odt` is a zip archive of XML parts; `content.xml` holds the text. Each `text:h` is a
//! heading, each `text:p` a paragraph (a heading too when its style is, or derives from, a
//! Title or Heading style); list items are paragraphs of their own; a table cell is one
//! paragraph (its paragraphs joined). A note (`text:note`, footnote or endnote) becomes a
//! `footnote` block after the paragraph it is in, its citation mark left out of the
//! paragraph. Comments (`office:annotation`) are not in the text, nor is the text of tracked
//! deletions (kept apart in `text:tracked-changes`); tracked insertions are in the text.
//! `text:s` (runs of spaces), tabs and line breaks are spaces.

use super::structured::{BlockKind, TextBlocks};
use super::xml::parse;
use roxmltree::{Document as Xml, Node};
use std::collections::BTreeMap;

const TEXT: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
const OFFICE: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
const TABLE: &str = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
const STYLE: &str = "urn:oasis:names:tc:opendocument:xmlns:style:1.0";

/// Reads an `.odt` file's text, or says why it cannot be read.
pub fn read(data: &[u8]) -> Result<TextBlocks, String> {
    let mut archive = super::zipped::Archive::open(data, "OpenDocument text")?;
    let content = archive.text("content.xml")?.ok_or_else(|| {
        "not an OpenDocument text: the archive has no content.xml (is it another format renamed .odt?)".to_string()
    })?;
    let styles = archive.text("styles.xml")?;
    let xml = parse(&content, "content.xml")?;
    let mut parents = BTreeMap::new();
    collect_styles(&xml, &mut parents);
    if let Some(styles) = &styles {
        collect_styles(&parse(styles, "styles.xml")?, &mut parents);
    }
    let body = xml
        .descendants()
        .find(|n| is(n, OFFICE, "text"))
        .ok_or("content.xml has no office:text: not a text document")?;
    let mut reader = Reader {
        parents: &parents,
        blocks: TextBlocks::default(),
    };
    reader.container(body);
    Ok(reader.blocks)
}

fn is(node: &Node, namespace: &str, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(namespace)
}

/// Each style's parent style, by name.
fn collect_styles(xml: &Xml, parents: &mut BTreeMap<String, String>) {
    for style in xml.descendants().filter(|n| is(n, STYLE, "style")) {
        if let Some(name) = style.attribute((STYLE, "name")) {
            let parent = style.attribute((STYLE, "parent-style-name")).unwrap_or("");
            parents.insert(name.to_string(), parent.to_string());
        }
    }
}

struct Reader<'a> {
    parents: &'a BTreeMap<String, String>,
    blocks: TextBlocks,
}

impl Reader<'_> {
    /// Whether a paragraph style is, or derives from, a title or heading style.
    fn is_heading_style<'s>(&'s self, mut style: &'s str) -> bool {
        for _ in 0..16 {
            let name = style.to_lowercase();
            if name.starts_with("heading") || name == "title" || name == "subtitle" {
                return true;
            }
            match self.parents.get(style) {
                Some(parent) if !parent.is_empty() => style = parent,
                _ => return false,
            }
        }
        false
    }

    /// Headings, paragraphs, lists, tables and sections, in order.
    fn container(&mut self, node: Node) {
        for child in node.children().filter(Node::is_element) {
            let namespace = child.tag_name().namespace();
            let name = child.tag_name().name();
            match (namespace, name) {
                (Some(TEXT), "h") => self.paragraph(child, true),
                (Some(TEXT), "p") => {
                    let heading = child
                        .attribute((TEXT, "style-name"))
                        .is_some_and(|s| self.is_heading_style(s));
                    self.paragraph(child, heading);
                }
                (Some(TABLE), "table") => self.table(child),
                // Deleted text and other bookkeeping are not text.
                (Some(TEXT), "tracked-changes" | "sequence-decls" | "variable-decls")
                | (Some(OFFICE), "forms") => {}
                // Lists, list items, sections, table headers: their paragraphs.
                _ => self.container(child),
            }
        }
    }

    fn paragraph(&mut self, p: Node, heading: bool) {
        let mut text = String::new();
        let mut notes = Vec::new();
        inline_text(p, &mut text, &mut notes);
        let kind = if heading {
            BlockKind::Heading
        } else {
            BlockKind::Paragraph
        };
        self.blocks.push(kind, &text);
        for note in notes {
            self.blocks.push(BlockKind::Footnote, &note);
        }
    }

    fn table(&mut self, table: Node) {
        for cell in table.descendants().filter(|n| is(n, TABLE, "table-cell")) {
            let mut text = String::new();
            let mut notes = Vec::new();
            for p in cell
                .descendants()
                .filter(|n| is(n, TEXT, "p") || is(n, TEXT, "h"))
            {
                inline_text(p, &mut text, &mut notes);
                text.push(' ');
            }
            self.blocks.push(BlockKind::Paragraph, &text);
            for note in notes {
                self.blocks.push(BlockKind::Footnote, &note);
            }
        }
    }
}

/// A paragraph's text, and the text of the notes in it.
fn inline_text(p: Node, text: &mut String, notes: &mut Vec<String>) {
    for node in p.children() {
        if node.is_text() {
            text.push_str(node.text().unwrap_or(""));
            continue;
        }
        if !node.is_element() {
            continue;
        }
        let namespace = node.tag_name().namespace();
        match (namespace, node.tag_name().name()) {
            (Some(TEXT), "s") => {
                let count: usize = node
                    .attribute((TEXT, "c"))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                text.extend(std::iter::repeat_n(' ', count.min(64)));
            }
            (Some(TEXT), "tab" | "line-break") => text.push(' '),
            (Some(TEXT), "note") => {
                if let Some(body) = node.children().find(|n| is(n, TEXT, "note-body")) {
                    let mut note = String::new();
                    let mut nested = Vec::new();
                    for p in body.descendants().filter(|n| is(n, TEXT, "p")) {
                        inline_text(p, &mut note, &mut nested);
                        note.push(' ');
                    }
                    notes.push(note);
                }
            }
            // Comments, and a paragraph's position markers of tracked changes.
            (Some(OFFICE), "annotation" | "annotation-end") => {}
            (Some(TEXT), "change" | "change-start" | "change-end" | "soft-page-break") => {}
            // Spans, links, bookmarks, fields: their text.
            _ => inline_text(node, text, notes),
        }
    }
}
