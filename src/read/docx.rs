//! Word documents (`.docx`, Office Open XML): the file's bytes in; its paragraphs, headings
//! and footnotes as blocks ([`TextBlocks`]) out, or the reason it cannot be read.
//!
//! A `.docx` is a zip archive of XML parts. `word/document.xml` holds the body; each `w:p` is
//! a paragraph, a heading when its style (`w:pStyle`, looked up in `word/styles.xml`) is a
//! title or heading style or carries an outline level. List items are paragraphs of their own;
//! a table cell is one paragraph (its paragraphs joined). Text is what Word shows with changes
//! accepted: tracked insertions (`w:ins`) are in, tracked deletions (`w:del`, `w:moveFrom`) are
//! out, and comments (`word/comments.xml`) are not read. Field codes (`w:instrText`) are left
//! out; their results are text. Tabs and line breaks are spaces. A footnote
//! (`word/footnotes.xml`) becomes a `footnote` block after the paragraph that refers to it;
//! endnotes (`word/endnotes.xml`) follow the body, in the order they are referred to.

use super::structured::{BlockKind, TextBlocks};
use super::xml::parse;
use roxmltree::{Document as Xml, Node};
use std::collections::BTreeMap;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const MC: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Reads a `.docx` file's text, or says why it cannot be read.
pub fn read(data: &[u8]) -> Result<TextBlocks, String> {
    let mut archive = super::zipped::Archive::open(data, "Word document")?;
    let document = archive.text("word/document.xml")?.ok_or_else(|| {
        "not a Word document: the archive has no word/document.xml (is it another format renamed .docx?)".to_string()
    })?;
    let styles = archive.text("word/styles.xml")?;
    let footnotes = archive.text("word/footnotes.xml")?;
    let endnotes = archive.text("word/endnotes.xml")?;
    let headings = match &styles {
        Some(xml) => heading_styles(&parse(xml, "word/styles.xml")?),
        None => BTreeMap::new(),
    };
    let notes =
        |xml: &Option<String>, name: &str, tag: &str| -> Result<BTreeMap<String, String>, String> {
            match xml {
                Some(xml) => Ok(notes_of(&parse(xml, name)?, tag)),
                None => Ok(BTreeMap::new()),
            }
        };
    let footnotes = notes(&footnotes, "word/footnotes.xml", "footnote")?;
    let endnotes = notes(&endnotes, "word/endnotes.xml", "endnote")?;
    let xml = parse(&document, "word/document.xml")?;
    let body = xml
        .root_element()
        .children()
        .find(|n| is_w(n, "body"))
        .ok_or("word/document.xml has no body")?;
    let mut reader = Reader {
        headings: &headings,
        footnotes: &footnotes,
        blocks: TextBlocks::default(),
        endnotes_referred: Vec::new(),
    };
    reader.container(body);
    let mut blocks = reader.blocks;
    for id in reader.endnotes_referred {
        if let Some(text) = endnotes.get(&id) {
            blocks.push(BlockKind::Footnote, text);
        }
    }
    Ok(blocks)
}

fn is_w(node: &Node, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(W)
}

fn w_attr<'a>(node: &Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute((W, name))
}

/// Style ids of heading styles: titles, `heading N`, and styles with an outline level.
fn heading_styles(styles: &Xml) -> BTreeMap<String, ()> {
    let mut out = BTreeMap::new();
    for style in styles.descendants().filter(|n| is_w(n, "style")) {
        if w_attr(&style, "type") != Some("paragraph") {
            continue;
        }
        let Some(id) = w_attr(&style, "styleId") else {
            continue;
        };
        let name = style
            .children()
            .find(|n| is_w(n, "name"))
            .and_then(|n| w_attr(&n, "val"))
            .unwrap_or(id)
            .to_lowercase();
        let outline = style.descendants().any(|n| is_w(&n, "outlineLvl"));
        if outline || name == "title" || name == "subtitle" || name.starts_with("heading") {
            out.insert(id.to_string(), ());
        }
    }
    out
}

/// The text of each footnote or endnote by id, separators left out.
fn notes_of(xml: &Xml, tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for note in xml.descendants().filter(|n| is_w(n, tag)) {
        if w_attr(&note, "type").is_some_and(|t| t != "normal") {
            continue;
        }
        let Some(id) = w_attr(&note, "id") else {
            continue;
        };
        let mut text = String::new();
        for p in note.descendants().filter(|n| is_w(n, "p")) {
            let mut refs = Vec::new();
            paragraph_text(p, &mut text, &mut refs);
            text.push(' ');
        }
        out.insert(id.to_string(), text);
    }
    out
}

struct Reader<'a> {
    headings: &'a BTreeMap<String, ()>,
    footnotes: &'a BTreeMap<String, String>,
    blocks: TextBlocks,
    endnotes_referred: Vec<String>,
}

/// A reference to a note from the body.
enum NoteRef {
    Footnote(String),
    Endnote(String),
}

impl Reader<'_> {
    /// Paragraphs and tables of the body, of a cell, or of a content control.
    fn container(&mut self, node: Node) {
        for child in node.children() {
            if is_w(&child, "p") {
                self.paragraph(child);
            } else if is_w(&child, "tbl") {
                self.table(child);
            } else if is_w(&child, "sdt") {
                if let Some(content) = child.children().find(|n| is_w(n, "sdtContent")) {
                    self.container(content);
                }
            } else if is_w(&child, "ins") || is_w(&child, "customXml") {
                // Inserted paragraphs, and paragraphs wrapped in custom markup.
                self.container(child);
            }
        }
    }

    fn paragraph(&mut self, p: Node) {
        let style = p.children().find(|n| is_w(n, "pPr")).map(|ppr| {
            let outline = ppr.children().any(|n| is_w(&n, "outlineLvl"));
            let style = ppr
                .children()
                .find(|n| is_w(n, "pStyle"))
                .and_then(|n| w_attr(&n, "val"));
            (outline, style)
        });
        let heading = style.is_some_and(|(outline, style)| {
            outline || style.is_some_and(|s| self.headings.contains_key(s))
        });
        let mut text = String::new();
        let mut refs = Vec::new();
        paragraph_text(p, &mut text, &mut refs);
        let kind = if heading {
            BlockKind::Heading
        } else {
            BlockKind::Paragraph
        };
        self.blocks.push(kind, &text);
        self.notes(refs);
    }

    fn notes(&mut self, refs: Vec<NoteRef>) {
        for note in refs {
            match note {
                NoteRef::Footnote(id) => {
                    if let Some(text) = self.footnotes.get(&id) {
                        self.blocks.push(BlockKind::Footnote, text);
                    }
                }
                NoteRef::Endnote(id) => self.endnotes_referred.push(id),
            }
        }
    }

    /// A table: each cell one paragraph, its paragraphs (and nested tables' text) joined.
    fn table(&mut self, table: Node) {
        for row in table.children().filter(|n| is_w(n, "tr")) {
            for cell in row.children().filter(|n| is_w(n, "tc")) {
                let mut text = String::new();
                let mut refs = Vec::new();
                for p in cell.descendants().filter(|n| is_w(n, "p")) {
                    paragraph_text(p, &mut text, &mut refs);
                    text.push(' ');
                }
                self.blocks.push(BlockKind::Paragraph, &text);
                self.notes(refs);
            }
        }
    }
}

/// The text of a paragraph as shown with changes accepted, and the notes it refers to.
fn paragraph_text(p: Node, text: &mut String, refs: &mut Vec<NoteRef>) {
    let mut stack: Vec<Node> = p.children().collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        if !node.is_element() {
            continue;
        }
        let name = node.tag_name().name();
        if node.tag_name().namespace() == Some(MC) {
            // Alternative content: the choice, not its fallback copy.
            if name == "Fallback" {
                continue;
            }
        } else if node.tag_name().namespace() == Some(W) {
            match name {
                "t" => {
                    text.push_str(node.text().unwrap_or(""));
                    continue;
                }
                "tab" | "br" | "cr" => {
                    text.push(' ');
                    continue;
                }
                "noBreakHyphen" => {
                    text.push('-');
                    continue;
                }
                // Deleted and moved-away text, field codes, nested paragraphs' properties.
                "del" | "moveFrom" | "delText" | "instrText" | "pPr" | "rPr" => continue,
                "footnoteReference" => {
                    if let Some(id) = w_attr(&node, "id") {
                        refs.push(NoteRef::Footnote(id.to_string()));
                    }
                    continue;
                }
                "endnoteReference" => {
                    if let Some(id) = w_attr(&node, "id") {
                        refs.push(NoteRef::Endnote(id.to_string()));
                    }
                    continue;
                }
                // A text box's paragraph inside a run: a word boundary before it.
                "p" => text.push(' '),
                _ => {}
            }
        }
        let at = stack.len();
        stack.extend(node.children());
        stack[at..].reverse();
    }
}
