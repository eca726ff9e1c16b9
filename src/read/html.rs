//! HTML: a web page's bytes in; its main text as blocks (paragraphs and headings, a
//! [`TextBlocks`]) and the encoding it was read in out.
//!
//! **Charset**, in order: `--encoding`; a byte-order mark; a charset declared in the first
//! 4 KB (`<meta charset="…">`, `<meta http-equiv="Content-Type" content="…; charset=…">`),
//! used when the page decodes in it — a page declared in a single-byte charset that is valid
//! UTF-8 with non-ASCII characters in it was re-encoded when it was saved, and is read as
//! UTF-8; otherwise, or without a declaration, the detection of [`super::decode`] (valid UTF-8,
//! or a guess that passes its confidence tests).
//!
//! **Parsing** is html5ever's (the HTML5 parsing algorithm of browsers, so malformed and
//! truncated markup is read as a browser would), into an arena of nodes.
//!
//! **Main text.** Pages hold navigation, menus, headers and footers, cookie banners, share bars,
//! comment forms and lists of related articles around their article. These are left out of
//! the document (not kept as segments: a page's furniture can be larger than its article):
//! 1. Never text: `head`, `script`, `style`, `noscript`, `template`, `svg`, form controls,
//!    `iframe`, and anything hidden (`hidden`, `aria-hidden="true"`, `display:none`).
//! 2. Furniture by name: `nav`, `aside`, `footer`, `menu` and `header` elements (an article's
//!    own header is kept), ARIA roles of navigation, banners, footers and dialogs, and elements
//!    whose class or id names furniture (`menu`, `footer`, `sidebar`, `breadcrumb`, `related`,
//!    `comment`, …) unless it also names content (`content`, `article`, `main`, `detail`, …) —
//!    Mozilla Readability's rule, with German and French names added — or names furniture
//!    whatever else it says (`cookie`, `share`, `social`, `newsletter`, `read-time`, …). An
//!    element holding more than half of the page's text with few links in it is a wrapper,
//!    not furniture, whatever its name.
//! 3. The article's container: the deepest element (a `div`, `section`, `article`, `main`,
//!    table cell, …, never a list or a paragraph) that holds 85% of the page's paragraph
//!    text — text in blocks of 50 characters or more of which less than a third is links —
//!    with those of its siblings that are paragraph text too (a lead in a block of its own).
//!    (Readability's container scoring, with the same rules 1 and 2, met 93.3% of the shared
//!    pages' expectations; this 96.7%.)
//! 4. Inside it, every `p`, `h1`–`h6`, `li`, `blockquote`, `pre`, `td`/`th`, `dt`/`dd` and
//!    every `div` (or other block) holding text directly is a block; a run of two or more
//!    `<br>` ends a paragraph, a single `<br>` is a space. Blocks mostly made of links (a
//!    tag list, related articles that survived step 2; links to e-mail addresses are text)
//!    are left out, and so is a heading over nothing but such blocks. The page's title
//!    heading (`h1`) is kept when it stands before the container.
//! 5. Readers' comments (the text of `comment-content`, `comment-body`, … inside a comment
//!    section, not the comment form) follow as `boilerplate` blocks: kept with the text for
//!    context, not coded.
//!
//! Text is put in Unicode composed form (NFC), so that a page writing `ü` as `u` and a
//! combining diaeresis matches a codebook's `ü`.

use super::decode::{self, Basis, Decoding};
use super::structured::{BlockKind, TextBlocks};
use super::Encoded;
use encoding_rs::Encoding;
use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{NodeData, RcDom};

/// Whether a file's content is an HTML page: after a byte-order mark and whitespace it starts
/// with `<!DOCTYPE html` or `<html` (in any case), perhaps after an XML declaration or a
/// comment.
pub fn looks_like_html(data: &[u8]) -> bool {
    let mut rest = data.strip_prefix(decode::UTF8_BOM).unwrap_or(data);
    for _ in 0..8 {
        rest = trim_ascii_start(rest);
        let starts = |prefix: &[u8]| {
            rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix)
        };
        if starts(b"<!doctype html") || starts(b"<html") {
            return true;
        }
        // Skip an XML declaration or a comment before the page.
        let skip = if starts(b"<?xml") {
            find(rest, b"?>").map(|end| end + 2)
        } else if starts(b"<!--") {
            find(rest, b"-->").map(|end| end + 3)
        } else {
            None
        };
        match skip {
            Some(n) => rest = &rest[n..],
            None => return false,
        }
    }
    false
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// How much of a page is searched for a declared charset (browsers look at 1 KB; saved pages
/// often carry long scripts and styles before their `meta`).
const DECLARATION_WINDOW: usize = 4096;

/// Decodes a page: its text and encoding, or the reason it cannot be read.
pub fn decode_page(data: Vec<u8>, decoding: Decoding) -> Result<(String, Encoded), String> {
    let decoded = |data: Vec<u8>, decoding, basis: Option<Basis>| {
        decode::decode(data, decoding).map(|d| {
            let encoded = Encoded {
                encoding: d.encoding,
                by: basis.unwrap_or(d.basis),
            };
            (d.text, encoded)
        })
    };
    let has_bom = data.starts_with(decode::UTF8_BOM)
        || data.starts_with(&[0xFF, 0xFE])
        || data.starts_with(&[0xFE, 0xFF]);
    let declared = match decoding {
        Decoding::Detect if !has_bom => declared_charset(&data),
        _ => None,
    };
    let Some(declared) = declared.filter(|e| *e != encoding_rs::UTF_8) else {
        return decoded(data, decoding, None).map_err(|refused| refused.reason);
    };
    // Declared in another charset than UTF-8, but valid UTF-8 with non-ASCII text: the page
    // was re-encoded when it was saved, its `meta` left as it was.
    if !data.is_ascii() && std::str::from_utf8(&data).is_ok() {
        return decoded(data, Decoding::Detect, None).map_err(|refused| refused.reason);
    }
    match decoded(data, Decoding::Force(declared), Some(Basis::Declared)) {
        Ok(page) => Ok(page),
        Err(refused) => decoded(refused.data, Decoding::Detect, None).map_err(|again| {
            format!(
                "declared charset {} does not read it ({}), and {}",
                declared.name(),
                refused.reason,
                again.reason
            )
        }),
    }
}

/// The charset a page declares in a `meta` element near its start, if any.
fn declared_charset(data: &[u8]) -> Option<&'static Encoding> {
    let head = &data[..data.len().min(DECLARATION_WINDOW)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(pos) = find(tag, b"charset") {
            let value = &tag[pos + b"charset".len()..];
            let value = trim_ascii_start(value);
            if let Some(value) = value.strip_prefix(b"=") {
                let value = trim_ascii_start(value);
                let value = value
                    .strip_prefix(b"\"")
                    .or_else(|| value.strip_prefix(b"'"))
                    .unwrap_or(value);
                let label_end = value
                    .iter()
                    .position(|b| {
                        matches!(b, b'"' | b'\'' | b';' | b'/') || b.is_ascii_whitespace()
                    })
                    .unwrap_or(value.len());
                if let Some(encoding) = Encoding::for_label(&value[..label_end]) {
                    // A page cannot declare UTF-16 in ASCII bytes: browsers read it as UTF-8.
                    return Some(
                        if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                            encoding_rs::UTF_8
                        } else {
                            encoding
                        },
                    );
                }
            }
        }
        from = end.max(start + 1);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The page as an arena of nodes

#[derive(Debug)]
struct Node {
    /// Lower-case element name; empty for text and for the document.
    tag: String,
    parent: usize,
    children: Vec<usize>,
    /// A text node's text.
    text: String,
    /// Class and id, lower case, space-separated.
    names: String,
    role: String,
    hidden: bool,
    /// A link to an e-mail address: text, not navigation.
    mailto: bool,
}

struct Page {
    nodes: Vec<Node>,
}

/// Elements nested deeper than this make a page refused, as deep as browsers build (Chrome's
/// parser stops nesting at 512). The HTML parser looks through the elements open around
/// each tag, so a page nested 100,000 deep took minutes; with the limit a page's time is
/// at most proportional to its size.
pub const MAX_DEPTH: usize = 512;

/// How much of a page the parser is given at a time: the depth is checked between pieces,
/// so a page too deep is given up within a piece of passing the limit.
const PIECE: usize = 16 << 10;

/// html5ever's DOM with a watch on depth: an element appended more than [`MAX_DEPTH`] deep
/// sets `too_deep` (the parse is then given up between pieces).
struct DepthLimited {
    dom: RcDom,
    too_deep: std::rc::Rc<std::cell::Cell<bool>>,
}

/// How deep `node` is (0 for the document), counted up to `MAX_DEPTH + 1`.
fn depth(node: &markup5ever_rcdom::Handle) -> usize {
    let mut depth = 0;
    let mut at = node.clone();
    while depth <= MAX_DEPTH {
        let parent = at.parent.take();
        at.parent.set(parent.clone());
        match parent.and_then(|p| p.upgrade()) {
            Some(p) => {
                at = p;
                depth += 1;
            }
            None => break,
        }
    }
    depth
}

mod sink {
    //! [`TreeSink`] for [`super::DepthLimited`]: everything as RcDom does it.
    use super::DepthLimited;
    use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
    use html5ever::tendril::StrTendril;
    use html5ever::{Attribute, ExpandedName, QualName};
    use markup5ever_rcdom::{Handle, RcDom};
    use std::borrow::Cow;

    impl TreeSink for DepthLimited {
        type Handle = Handle;
        type Output = RcDom;
        type ElemName<'a> = ExpandedName<'a>;

        fn finish(self) -> RcDom {
            self.dom
        }
        fn parse_error(&self, msg: Cow<'static, str>) {
            self.dom.parse_error(msg)
        }
        fn get_document(&self) -> Handle {
            self.dom.get_document()
        }
        fn elem_name<'a>(&'a self, target: &'a Handle) -> ExpandedName<'a> {
            self.dom.elem_name(target)
        }
        fn create_element(
            &self,
            name: QualName,
            attrs: Vec<Attribute>,
            flags: ElementFlags,
        ) -> Handle {
            self.dom.create_element(name, attrs, flags)
        }
        fn create_comment(&self, text: StrTendril) -> Handle {
            self.dom.create_comment(text)
        }
        fn create_pi(&self, target: StrTendril, data: StrTendril) -> Handle {
            self.dom.create_pi(target, data)
        }
        fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
            if matches!(child, NodeOrText::AppendNode(_))
                && !self.too_deep.get()
                && super::depth(parent) >= super::MAX_DEPTH
            {
                self.too_deep.set(true);
            }
            self.dom.append(parent, child)
        }
        fn append_based_on_parent_node(
            &self,
            element: &Handle,
            prev_element: &Handle,
            child: NodeOrText<Handle>,
        ) {
            self.dom
                .append_based_on_parent_node(element, prev_element, child)
        }
        fn append_doctype_to_document(
            &self,
            name: StrTendril,
            public_id: StrTendril,
            system_id: StrTendril,
        ) {
            self.dom
                .append_doctype_to_document(name, public_id, system_id)
        }
        fn get_template_contents(&self, target: &Handle) -> Handle {
            self.dom.get_template_contents(target)
        }
        fn same_node(&self, x: &Handle, y: &Handle) -> bool {
            self.dom.same_node(x, y)
        }
        fn set_quirks_mode(&self, mode: QuirksMode) {
            self.dom.set_quirks_mode(mode)
        }
        fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
            self.dom.append_before_sibling(sibling, new_node)
        }
        fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
            self.dom.add_attrs_if_missing(target, attrs)
        }
        fn remove_from_parent(&self, target: &Handle) {
            self.dom.remove_from_parent(target)
        }
        fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
            self.dom.reparent_children(node, new_parent)
        }
        fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
            self.dom.is_mathml_annotation_xml_integration_point(handle)
        }
    }
}

impl Page {
    /// The page's tree, or why it is refused (nested deeper than [`MAX_DEPTH`]).
    fn parse(html: &str) -> Result<Page, String> {
        let too_deep = std::rc::Rc::new(std::cell::Cell::new(false));
        let sink = DepthLimited {
            dom: RcDom::default(),
            too_deep: too_deep.clone(),
        };
        let mut parser = html5ever::parse_document(sink, Default::default());
        let mut rest = html;
        while !rest.is_empty() {
            let mut cut = rest.len().min(PIECE);
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            parser.process(rest[..cut].into());
            rest = &rest[cut..];
            if too_deep.get() {
                return Err(format!(
                    "the page nests elements more than {MAX_DEPTH} deep, deeper than browsers build: not read"
                ));
            }
        }
        let dom = parser.finish();
        let mut nodes: Vec<Node> = Vec::new();
        // Pre-order, iteratively (pages can nest deeply): a parent comes before its children.
        let mut stack = vec![(dom.document.clone(), usize::MAX)];
        while let Some((handle, parent)) = stack.pop() {
            let mut node = Node {
                tag: String::new(),
                parent,
                children: Vec::new(),
                text: String::new(),
                names: String::new(),
                role: String::new(),
                hidden: false,
                mailto: false,
            };
            match &handle.data {
                NodeData::Document => {}
                NodeData::Text { contents } => node.text = contents.borrow().to_string(),
                NodeData::Element { name, attrs, .. } => {
                    node.tag = (*name.local).to_ascii_lowercase();
                    for attr in attrs.borrow().iter() {
                        let value = attr.value.to_ascii_lowercase();
                        match &*attr.name.local {
                            "class" | "id" => {
                                node.names.push_str(&value);
                                node.names.push(' ');
                            }
                            "role" => node.role = value,
                            "href" => node.mailto = value.trim_start().starts_with("mailto:"),
                            "hidden" => node.hidden = true,
                            "aria-hidden" => node.hidden |= value.trim() == "true",
                            "style" => {
                                let compact: String =
                                    value.chars().filter(|c| !c.is_whitespace()).collect();
                                node.hidden |= compact.contains("display:none")
                                    || compact.contains("visibility:hidden");
                            }
                            _ => {}
                        }
                    }
                }
                // Comments, doctypes and processing instructions hold no text.
                _ => continue,
            }
            let index = nodes.len();
            if parent != usize::MAX {
                nodes[parent].children.push(index);
            }
            nodes.push(node);
            for child in handle.children.borrow().iter().rev() {
                stack.push((child.clone(), index));
            }
        }
        Ok(Page { nodes })
    }

    fn is_text(&self, n: usize) -> bool {
        self.nodes[n].tag.is_empty() && n != 0
    }

    /// Whether `n` is or is inside an element named `tag`.
    fn within(&self, mut n: usize, tag: &str) -> bool {
        while n != usize::MAX {
            if self.nodes[n].tag == tag {
                return true;
            }
            n = self.nodes[n].parent;
        }
        false
    }

    /// The nodes of the subtree at `n`, in document order.
    fn subtree(&self, n: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        while let Some(m) = stack.pop() {
            out.push(m);
            stack.extend(self.nodes[m].children.iter().rev());
        }
        out
    }
}

/// Elements that never hold a page's text.
const NEVER_TEXT: &[&str] = &[
    "head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "video", "audio", "map", "button", "select", "option", "input", "textarea", "label",
    "dialog",
];
/// Elements that hold page furniture.
const FURNITURE_TAGS: &[&str] = &["nav", "aside", "footer", "header", "menu"];
const FURNITURE_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "menu",
    "menubar",
    "dialog",
    "alertdialog",
    "search",
];
/// Class or id words that name furniture (Readability's unlikely candidates, with German and
/// French names and a few more).
const FURNITURE_NAMES: &[&str] = &[
    "-ad-",
    "ad-break",
    "agegate",
    "banner",
    "breadcrumb",
    "combx",
    "comment",
    "community",
    "cookie",
    "consent",
    "cover-wrap",
    "disqus",
    "extra",
    "footer",
    "gdpr",
    "header",
    "legends",
    "menu",
    "related",
    "remark",
    "replies",
    "rss",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "social",
    "sponsor",
    "supplemental",
    "pagination",
    "pager",
    "popup",
    "yom-remote",
    "share",
    "sharing",
    "teilen",
    "navigation",
    "navbar",
    "newsletter",
    "subscribe",
    "kommentar",
    "commentaire",
    "empfehlung",
    "weitere",
    "tagcloud",
    "tag-cloud",
    "byline",
    "author-info",
    "author-box",
    "author-bio",
    "authorbox",
    "about-author",
    "teaser",
    "postmetadata",
    "post-meta",
    "entry-meta",
    "entry-footer",
    "skip",
    "login",
    "signup",
];
/// Class or id words that name furniture even beside a word that names content
/// (`articlebody-read-time`).
const ALWAYS_FURNITURE_NAMES: &[&str] = &[
    "read-time",
    "readtime",
    "cookie",
    "consent",
    "share",
    "sharing",
    "social",
    "newsletter",
    "respond",
    "reply",
    "interesting",
    "next-post",
    "prev-next",
    "post-navigation",
    "thumbnails",
];
/// Class or id words of a comment section, and of a comment's text in it.
const COMMENT_NAMES: &[&str] = &["comment", "kommentar", "commentaire"];
const COMMENT_TEXT_NAMES: &[&str] = &[
    "comment-content",
    "comment-body",
    "comment-text",
    "commenttext",
    "comment_text",
    "comment_content",
    "comment-entry",
];
/// Class or id words that name content: an element named both is kept.
const CONTENT_NAMES: &[&str] = &[
    "and", "article", "body", "column", "content", "main", "shadow", "artikel", "inhalt",
    "beitrag", "detail",
];
/// Elements that start and end a block of text.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "html",
];
const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

fn names_any(names: &str, words: &[&str]) -> bool {
    !names.is_empty() && words.iter().any(|w| names.contains(w))
}

/// Per node: left out, and the text and link characters under it.
struct Measures {
    /// Never text (scripts, styles, hidden elements, …).
    never: Vec<bool>,
    /// Never text, or furniture.
    dropped: Vec<bool>,
    /// Inside a comment section.
    comments: Vec<bool>,
    chars: Vec<usize>,
    link_chars: Vec<usize>,
}

fn measure(page: &Page) -> Measures {
    let n = page.nodes.len();
    // What is never text first, then furniture: an element named as furniture that holds
    // most of the page's text is a wrapper (`page-wrap has-sidebar`), not furniture.
    let mut dropped = vec![false; n];
    for i in 1..n {
        let node = &page.nodes[i];
        dropped[i] = dropped[node.parent] || NEVER_TEXT.contains(&node.tag.as_str()) || node.hidden;
    }
    let never = dropped.clone();
    let (chars, first_links) = sums(page, &dropped);
    let whole = chars[0];
    let mut in_article = vec![false; n];
    let mut comments = vec![false; n];
    for i in 1..n {
        let node = &page.nodes[i];
        let parent = node.parent;
        let tag = node.tag.as_str();
        in_article[i] = in_article[parent] || matches!(tag, "main" | "article");
        comments[i] = comments[parent] || names_any(&node.names, COMMENT_NAMES);
        if dropped[parent] {
            dropped[i] = true;
            continue;
        }
        let always = names_any(&node.names, ALWAYS_FURNITURE_NAMES);
        let protected = matches!(tag, "html" | "body" | "main" | "article")
            || (chars[i] * 2 > whole && first_links[i] * 2 < chars[i]);
        // An article's own header holds its title.
        let furniture_tag = FURNITURE_TAGS.contains(&tag)
            && !(tag == "header" && in_article[parent])
            && !names_any(&node.names, CONTENT_NAMES);
        dropped[i] |= !protected
            && (furniture_tag
                || FURNITURE_ROLES.contains(&node.role.as_str())
                || always
                || (names_any(&node.names, FURNITURE_NAMES)
                    && !names_any(&node.names, CONTENT_NAMES)));
    }
    let (chars, link_chars) = sums(page, &dropped);
    Measures {
        never,
        dropped,
        comments,
        chars,
        link_chars,
    }
}

/// The characters of text, and of text in links, under each node but the dropped ones.
fn sums(page: &Page, dropped: &[bool]) -> (Vec<usize>, Vec<usize>) {
    let n = page.nodes.len();
    // Children come after their parents: sums run backwards.
    let mut chars = vec![0; n];
    let mut link_chars = vec![0; n];
    for i in (1..n).rev() {
        if dropped[i] {
            continue;
        }
        let node = &page.nodes[i];
        if page.is_text(i) {
            chars[i] = node
                .text
                .split_whitespace()
                .map(|w| w.chars().count() + 1)
                .sum();
        }
        if node.tag == "a" && !node.mailto {
            link_chars[i] = chars[i];
        }
        let parent = node.parent;
        chars[parent] += chars[i];
        link_chars[parent] += link_chars[i];
    }
    (chars, link_chars)
}

fn link_density(m: &Measures, i: usize) -> f64 {
    if m.chars[i] == 0 {
        0.0
    } else {
        m.link_chars[i] as f64 / m.chars[i] as f64
    }
}

/// A block of text found in the page, before its links are weighed.
struct Found {
    kind: BlockKind,
    text: String,
    chars: usize,
    link_chars: usize,
    /// Inside an `h1`.
    title: bool,
}

/// Collects the blocks under `root`, in document order.
fn blocks_under(page: &Page, dropped: &[bool], root: usize, out: &mut Vec<Found>) {
    enum Step {
        Enter(usize),
        Exit(usize),
    }
    let mut current = Found {
        kind: BlockKind::Paragraph,
        text: String::new(),
        chars: 0,
        link_chars: 0,
        title: false,
    };
    let mut headings = 0usize;
    let mut titles = 0usize;
    let mut links = 0usize;
    let mut breaks = 0usize;
    let flush = |current: &mut Found, out: &mut Vec<Found>| {
        if current.text.trim().is_empty() {
            current.text.clear();
            current.chars = 0;
            current.link_chars = 0;
            return;
        }
        out.push(std::mem::replace(
            current,
            Found {
                kind: BlockKind::Paragraph,
                text: String::new(),
                chars: 0,
                link_chars: 0,
                title: false,
            },
        ));
    };
    let mut stack = vec![Step::Enter(root)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Enter(i) => {
                if dropped[i] {
                    continue;
                }
                let node = &page.nodes[i];
                if page.is_text(i) {
                    if node.text.trim().is_empty() {
                        if !current.text.is_empty() {
                            current.text.push(' ');
                        }
                        continue;
                    }
                    if breaks >= 2 {
                        flush(&mut current, out);
                    } else if breaks == 1 {
                        current.text.push(' ');
                    }
                    breaks = 0;
                    if current.text.trim().is_empty() {
                        current.kind = if headings > 0 {
                            BlockKind::Heading
                        } else {
                            BlockKind::Paragraph
                        };
                        current.title = titles > 0;
                    }
                    let chars: usize = node
                        .text
                        .split_whitespace()
                        .map(|w| w.chars().count() + 1)
                        .sum();
                    current.chars += chars;
                    if links > 0 {
                        current.link_chars += chars;
                    }
                    current.text.push_str(&node.text);
                    continue;
                }
                let tag = node.tag.as_str();
                if tag == "br" {
                    breaks += 1;
                    continue;
                }
                let block = BLOCK_TAGS.contains(&tag) || i == root;
                if block {
                    flush(&mut current, out);
                    breaks = 0;
                }
                if HEADINGS.contains(&tag) {
                    headings += 1;
                }
                if tag == "h1" {
                    titles += 1;
                }
                if tag == "a" && !node.mailto {
                    links += 1;
                }
                if tag == "img" || tag == "wbr" {
                    continue;
                }
                stack.push(Step::Exit(i));
                stack.extend(node.children.iter().rev().map(|&c| Step::Enter(c)));
            }
            Step::Exit(i) => {
                let tag = page.nodes[i].tag.as_str();
                if BLOCK_TAGS.contains(&tag) || i == root {
                    flush(&mut current, out);
                    breaks = 0;
                } else if matches!(tag, "span" | "a" | "em" | "strong" | "b" | "i") {
                    // Inline elements end without a space; a line break in the markup gave one.
                }
                if HEADINGS.contains(&tag) {
                    headings -= 1;
                }
                if tag == "h1" {
                    titles -= 1;
                }
                if tag == "a" && !page.nodes[i].mailto {
                    links -= 1;
                }
            }
        }
    }
    flush(&mut current, out);
}

/// Whether a found block is page furniture after all: mostly links.
fn is_link_list(found: &Found) -> bool {
    found.chars > 0 && found.link_chars * 2 > found.chars && !found.title
}

/// Reads a page: its main text and the encoding it was read in, or why it cannot be read.
pub fn read(data: Vec<u8>, decoding: Decoding) -> Result<(TextBlocks, Encoded), String> {
    let (html, encoding) = decode_page(data, decoding)?;
    Ok((main_text(&html)?, encoding))
}

/// Elements that can hold an article (not lists or paragraphs).
const CONTAINER_TAGS: &[&str] = &[
    "html", "body", "div", "section", "article", "main", "form", "center", "table", "tbody", "tr",
    "td", "span", "font",
];
const SHARE: f64 = 0.85;

/// The deepest element holding most of the page's paragraph text: text in blocks of 50
/// characters or more with few links (a sentence or more, not a menu).
fn text_container(page: &Page, m: &Measures) -> Vec<usize> {
    let n = page.nodes.len();
    let mut good = vec![0usize; n];
    for i in (1..n).rev() {
        if m.dropped[i] || page.is_text(i) {
            continue;
        }
        let tag = page.nodes[i].tag.as_str();
        if BLOCK_TAGS.contains(&tag) {
            let (text, links) = own_text_and_links(page, m, i);
            if text >= 50 && links * 3 < text {
                good[i] += text;
            }
        }
        let parent = page.nodes[i].parent;
        good[parent] += good[i];
    }
    let whole = good[0];
    let mut at = 0;
    loop {
        let next = page.nodes[at].children.iter().copied().find(|&c| {
            CONTAINER_TAGS.contains(&page.nodes[c].tag.as_str())
                && good[c] as f64 >= whole as f64 * SHARE
        });
        match next {
            Some(c) => at = c,
            None => break,
        }
    }
    // Its siblings made of paragraph text (an article's lead in a block of its own) belong
    // with it.
    let parent = page.nodes[at].parent;
    if at == 0 || parent == 0 || parent == usize::MAX {
        return vec![at];
    }
    page.nodes[parent]
        .children
        .iter()
        .copied()
        .filter(|&c| {
            c == at
                || (!m.dropped[c]
                    && m.chars[c] >= 100
                    && good[c] * 5 >= m.chars[c] * 4
                    && link_density(m, c) < 0.2)
        })
        .collect()
}

/// Characters of the text directly in `i` (and its inline descendants), and of those in links.
fn own_text_and_links(page: &Page, m: &Measures, i: usize) -> (usize, usize) {
    let (mut text, mut links) = (0, 0);
    let mut stack: Vec<(usize, bool)> =
        page.nodes[i].children.iter().map(|&c| (c, false)).collect();
    while let Some((j, in_link)) = stack.pop() {
        if m.dropped[j] {
            continue;
        }
        let node = &page.nodes[j];
        if page.is_text(j) {
            let chars = m.chars[j];
            text += chars;
            if in_link {
                links += chars;
            }
        } else if !BLOCK_TAGS.contains(&node.tag.as_str()) {
            let link = in_link || node.tag == "a";
            stack.extend(node.children.iter().map(|&c| (c, link)));
        }
    }
    (text, links)
}

/// Whether the blocks after a heading, up to the next heading, are all lists of links (the
/// heading of related articles).
fn heads_link_list(after: &[Found]) -> bool {
    let section = after.iter().take_while(|f| f.kind != BlockKind::Heading);
    let mut any = false;
    for found in section {
        if !is_link_list(found) {
            return false;
        }
        any = true;
    }
    any
}

/// A page's main text, a block per paragraph or heading; `Err` with the reason for a page
/// nested deeper than [`MAX_DEPTH`].
pub fn main_text(html: &str) -> Result<TextBlocks, String> {
    // Composed characters (`ü`, not `u` and a combining diaeresis), as codebooks are written.
    let composed: String;
    let html = if html.is_ascii()
        || unicode_normalization::is_nfc_quick(html.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        html
    } else {
        composed = unicode_normalization::UnicodeNormalization::nfc(html).collect();
        &composed
    };
    let page = Page::parse(html)?;
    let m = measure(&page);
    let chosen = text_container(&page, &m);
    let mut found = Vec::new();
    // The page's title heading, when it stands before the article's container.
    if let Some(&first) = chosen.first() {
        if let Some(h1) = (1..first).find(|&i| page.nodes[i].tag == "h1" && !m.dropped[i]) {
            if !chosen.iter().any(|&c| page.subtree(c).contains(&h1)) {
                blocks_under(&page, &m.dropped, h1, &mut found);
            }
        }
    }
    for &node in &chosen {
        blocks_under(&page, &m.dropped, node, &mut found);
    }
    let mut blocks = TextBlocks::default();
    for (k, block) in found.iter().enumerate() {
        if is_link_list(block)
            || (block.kind == BlockKind::Heading && heads_link_list(&found[k + 1..]))
        {
            continue;
        }
        blocks.push(block.kind, &block.text);
    }
    // Readers' comments: their text, as boilerplate (kept, not coded).
    let mut comments = Vec::new();
    let mut i = 1;
    while i < page.nodes.len() {
        let node = &page.nodes[i];
        if m.comments[i]
            && !m.never[i]
            && names_any(&node.names, COMMENT_TEXT_NAMES)
            && !page.within(i, "form")
        {
            blocks_under(&page, &m.never, i, &mut comments);
            // Past its subtree: a comment's text is taken once.
            i += page.subtree(i).len();
            continue;
        }
        i += 1;
    }
    for block in comments.iter().filter(|f| !is_link_list(f)) {
        blocks.push(BlockKind::Boilerplate, &block.text);
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(html: &str) -> Vec<(BlockKind, String)> {
        let blocks = main_text(html).expect("within the depth limit");
        blocks.blocks().map(|(k, t)| (k, t.to_string())).collect()
    }

    #[test]
    fn pages_nested_past_the_limit_are_refused_in_linear_time() {
        let nested = |n: usize| {
            format!(
                "<html><body>{}<p>We trust them, é.</p>{}</body></html>",
                "<div>".repeat(n),
                "</div>".repeat(n)
            )
        };
        let within = blocks(&nested(MAX_DEPTH - 10));
        assert_eq!(
            within,
            [(BlockKind::Paragraph, "We trust them, é.".to_string())]
        );
        // 100,000 deep took minutes (the parser's scope checks walk every open element).
        let started = std::time::Instant::now();
        let err = main_text(&nested(100_000)).expect_err("refused");
        assert_eq!(
            err,
            "the page nests elements more than 512 deep, deeper than browsers build: not read"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        // Pieces split inside characters and tags give the same page as the whole.
        let long = format!("<p>{}</p>", "信任 trust ".repeat(5000));
        assert_eq!(blocks(&long).len(), 1);
        assert_eq!(
            blocks(&long)[0].1.chars().count(),
            "信任 trust ".repeat(5000).trim().chars().count()
        );
    }

    #[test]
    fn html_is_recognised_by_its_start() {
        assert!(looks_like_html(b"\xEF\xBB\xBF  <!DOCTYPE html><p>x"));
        assert!(looks_like_html(b"<HTML lang=en>"));
        assert!(looks_like_html(
            b"<?xml version=\"1.0\"?>\n<!-- saved -->\n<html>"
        ));
        assert!(!looks_like_html(b"The <html> element starts a page."));
        assert!(!looks_like_html(b"<p>a fragment</p>"));
    }

    #[test]
    fn declared_charsets_are_found_in_either_form() {
        let latin = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">";
        assert_eq!(declared_charset(latin), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(
            declared_charset(b"<meta name=x><META CHARSET='gbk'/>"),
            Some(encoding_rs::GBK)
        );
        assert_eq!(declared_charset(b"<meta name=\"charset\">"), None);
        // A page declared Latin-1 but saved as UTF-8 is read as UTF-8.
        let mut page = latin.to_vec();
        page.extend("<p>Grüße</p>".as_bytes());
        let (text, encoded) = decode_page(page, Decoding::Detect).expect("read");
        assert!(text.contains("Grüße"));
        assert_eq!((encoded.name(), encoded.by), ("UTF-8", Basis::Valid));
        // Declared and stored in Latin-1.
        let mut page = latin.to_vec();
        page.extend(b"<p>Gr\xFC\xDFe aus K\xF6ln</p>");
        let (text, encoded) = decode_page(page, Decoding::Detect).expect("read");
        assert!(text.contains("Grüße aus Köln"));
        assert_eq!(
            (encoded.name(), encoded.by),
            ("windows-1252", Basis::Declared)
        );
    }

    #[test]
    fn main_text_leaves_out_furniture_and_keeps_structure() {
        let page = r#"<!DOCTYPE html><html><head><title>T</title><style>p{}</style></head>
<body>
<header><a href="/">Home</a> <a href="/news">News</a></header>
<nav><ul><li><a href="/a">Menu item one</a></li><li><a href="/b">Menu item two</a></li></ul></nav>
<div id="cookie-banner">We use cookies to improve your experience on this site.</div>
<h1>NGOs and the state</h1>
<div class="article-body">
<p>Trust between the organisations and the bureau grew slowly, over several years of joint work.</p>
<h2>The first in command</h2>
<p>The director met the party secretary, who agreed to host the project, and the county followed.</p>
<!-- a comment in the markup -->
<p>First line of a poem<br>second line<br><br>A new paragraph after a break run, with its own text.</p>
<ul><li>A list item that says something, in words.</li></ul>
<div class="share">Share: <a href="/fb">Facebook</a> <a href="/tw">Twitter</a></div>
<p><a href="/x">Related: another article</a> <a href="/y">and one more article</a></p>
</div>
<div class="comments"><p>Great article, thanks for writing it, I agree with everything.</p></div>
<footer>Impressum · Datenschutz</footer>
<script>var x = "not text";</script>
</body></html>"#;
        let got = blocks(page);
        let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "NGOs and the state",
                "Trust between the organisations and the bureau grew slowly, over several years of joint work.",
                "The first in command",
                "The director met the party secretary, who agreed to host the project, and the county followed.",
                "First line of a poem second line",
                "A new paragraph after a break run, with its own text.",
                "A list item that says something, in words.",
            ]
        );
        let headings: Vec<&str> = got
            .iter()
            .filter(|(k, _)| *k == BlockKind::Heading)
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(headings, vec!["NGOs and the state", "The first in command"]);
    }

    #[test]
    fn truncated_and_malformed_markup_is_read_as_far_as_it_goes() {
        let got = blocks("<html><body><div><p>An unclosed paragraph, with text in it.<p>Another one, cut off in the mid");
        let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "An unclosed paragraph, with text in it.",
                "Another one, cut off in the mid"
            ]
        );
    }
}
