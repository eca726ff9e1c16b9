//! PDF: a file with a text layer in; its headings, paragraphs and footnotes in reading order
//! out, each with its page, running heads, page numbers and footnote markers left out.
//!
//! Words and their boxes come from poppler's `pdftotext -bbox-layout` (chosen by measurement
//! against the pure-Rust `pdf-extract`: see docs/reading.md), which also orders a page's text
//! blocks for reading (columns one after the other). What poppler does not do is done here,
//! from the boxes: the body's line height; running heads and page numbers (short lines in the
//! top 15% or bottom tenth of the page that repeat from page to page, or are only a number);
//! footnotes (the run of smaller lines at the foot of a page, one per leading number);
//! headings (lines taller than the body's); paragraphs (a new one where a line is indented,
//! follows a short line that ends a sentence, or a heading); words hyphenated at line ends
//! rejoined (a soft hyphen always; a hard one unless the hyphenated word occurs elsewhere in
//! the document); footnote markers glued to a word (`initiatives.1`) taken off where that
//! footnote is on the same page.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

/// What a block of a PDF is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfKind {
    Heading,
    Paragraph,
    Footnote,
}

/// A block of text and the page it starts on (from 1).
#[derive(Debug, Clone, PartialEq)]
pub struct PdfBlock {
    pub kind: PdfKind,
    pub text: String,
    pub page: u32,
}

/// The tool that reads PDFs, and what to tell a user who lacks it.
const PDFTOTEXT: &str = "pdftotext";
pub const NO_PDFTOTEXT: &str = "reading PDF needs poppler's pdftotext, which was not found: install poppler-utils (Debian, Ubuntu), poppler (Homebrew, conda) or convert the PDF to text first";

/// Reads a PDF's blocks, or says why it cannot: no `pdftotext`, encrypted, broken, or no text
/// layer.
pub fn read(data: &[u8]) -> Result<Vec<PdfBlock>, String> {
    let layout = run_pdftotext(data)?;
    let blocks = blocks_of_layout(&layout)?;
    if blocks.is_empty() {
        return Err(
            "no text layer (a scan or drawing): run OCR on it first (e.g. ocrmypdf), then read the result"
                .into(),
        );
    }
    Ok(blocks)
}

fn run_pdftotext(data: &[u8]) -> Result<String, String> {
    let mut child = Command::new(PDFTOTEXT)
        .args(["-bbox-layout", "-enc", "UTF-8", "-q", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => NO_PDFTOTEXT.to_string(),
            _ => format!("cannot run {PDFTOTEXT}: {e}"),
        })?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    // Written on a thread: pdftotext may start writing before it has read everything.
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{PDFTOTEXT} failed: {e}"))?;
    let _ = writer.join();
    // pdftotext's exit codes: 1 cannot open (broken), 3 permissions; -q hides messages, so the
    // code is what there is. An encrypted file cannot be opened without its password either.
    match output.status.code() {
        Some(0) => String::from_utf8(output.stdout)
            .map_err(|_| format!("{PDFTOTEXT} wrote text that is not UTF-8")),
        Some(1) if is_encrypted(data) => Err(
            "encrypted: it needs a password to open; save an unprotected copy and read that"
                .into(),
        ),
        Some(1) => Err(
            "broken or not a PDF (poppler cannot open it): re-save or repair it (e.g. qpdf, a PDF viewer's \"save as\")"
                .into(),
        ),
        Some(3) => Err("its permissions forbid copying its text".into()),
        code => Err(format!("{PDFTOTEXT} failed (exit {code:?})")),
    }
}

/// A PDF declares encryption in its trailer (`/Encrypt`).
fn is_encrypted(data: &[u8]) -> bool {
    memchr::memmem::find(data, b"/Encrypt").is_some()
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Word {
    fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

#[derive(Debug, Clone)]
struct Line {
    words: Vec<Word>,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    /// The median height of its words: a superscript or a drop does not make a line taller.
    size: f64,
}

impl Line {
    fn of(words: Vec<Word>) -> Line {
        let mut heights: Vec<f64> = words.iter().map(Word::height).collect();
        heights.sort_by(f64::total_cmp);
        Line {
            x0: words.iter().map(|w| w.x0).fold(f64::MAX, f64::min),
            y0: words.iter().map(|w| w.y0).fold(f64::MAX, f64::min),
            x1: words.iter().map(|w| w.x1).fold(f64::MIN, f64::max),
            y1: words.iter().map(|w| w.y1).fold(f64::MIN, f64::max),
            size: heights[heights.len() / 2],
            words,
        }
    }

    fn height(&self) -> f64 {
        self.size
    }

    fn text(&self) -> String {
        let words: Vec<&str> = self.words.iter().map(|w| w.text.as_str()).collect();
        words.join(" ")
    }
}

#[derive(Debug)]
struct Page {
    height: f64,
    lines: Vec<Line>,
    /// Where the page's two columns meet, if it has two.
    gutter: Option<f64>,
}

/// Where a two-column page has its gutter: the x that falls in a gap of at least half the
/// text's height in a quarter or more of the page's lines (and at least three). `None` for a
/// page in one column.
fn gutter(lines: &[Vec<Word>]) -> Option<f64> {
    let mut votes: std::collections::BTreeMap<i64, usize> = Default::default();
    for words in lines {
        let size = Line::of(words.clone()).size;
        let mut covered: BTreeSet<i64> = BTreeSet::new();
        for pair in words.windows(2) {
            let (a, b) = (pair[0].x1, pair[1].x0);
            if b - a > size * 0.5 {
                // In steps of 2 points, inside the gap.
                covered.extend(((a / 2.0).ceil() as i64)..=((b / 2.0).floor() as i64));
            }
        }
        for x in covered {
            *votes.entry(x).or_default() += 1;
        }
    }
    let most = *votes.values().max()?;
    // The middle of the positions with the most votes: the gutter's centre.
    let best: Vec<i64> = votes
        .into_iter()
        .filter(|&(_, n)| n == most)
        .map(|(x, _)| x)
        .collect();
    let x = best[best.len() / 2] as f64 * 2.0;
    (most >= 3 && most * 4 >= lines.len()).then_some(x)
}

/// Puts a page's lines in reading order. poppler orders text blocks, but on a page whose
/// first column starts under a heading it can read the second column first. Lines that
/// cross the middle of the text (a heading or paragraph over the full width, a centred page
/// number) divide the page into bands; in each band the left column's lines come before the
/// right column's, each from top to bottom.
fn reading_order(lines: Vec<Line>, middle: f64) -> Vec<Line> {
    let mut lines = lines;
    lines.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
    let (mut ordered, mut left, mut right) = (Vec::new(), Vec::new(), Vec::new());
    for line in lines {
        if line.x0 < middle - 4.0 && line.x1 > middle + 4.0 {
            ordered.append(&mut left);
            ordered.append(&mut right);
            ordered.push(line);
        } else if line.x1 <= middle + 4.0 {
            left.push(line);
        } else {
            right.push(line);
        }
    }
    ordered.append(&mut left);
    ordered.append(&mut right);
    ordered
}

fn attribute(node: roxmltree::Node, name: &str) -> Result<f64, String> {
    node.attribute(name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            format!(
                "pdftotext's layout has a <{}> without {name}",
                node.tag_name().name()
            )
        })
}

fn pages_of(layout: &str) -> Result<Vec<Page>, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(layout, options)
        .map_err(|e| format!("cannot read pdftotext's layout: {e}"))?;
    let mut pages = Vec::new();
    for page in doc.descendants().filter(|n| n.has_tag_name("page")) {
        let mut raw: Vec<Vec<Word>> = Vec::new();
        for line in page.descendants().filter(|n| n.has_tag_name("line")) {
            let mut words: Vec<Word> = Vec::new();
            for w in line.children().filter(|n| n.has_tag_name("word")) {
                let text = w.text().unwrap_or_default().to_string();
                if text.is_empty() {
                    continue;
                }
                words.push(Word {
                    text,
                    x0: attribute(w, "xMin")?,
                    y0: attribute(w, "yMin")?,
                    x1: attribute(w, "xMax")?,
                    y1: attribute(w, "yMax")?,
                });
            }
            if !words.is_empty() {
                raw.push(words);
            }
        }
        let gutter = gutter(&raw);
        let middle = gutter.unwrap_or_else(|| {
            // The middle of the text (not of the paper: a small text block can sit anywhere).
            let all = raw.iter().flatten();
            let left = all.clone().map(|w| w.x0).fold(f64::MAX, f64::min);
            let right = all.map(|w| w.x1).fold(f64::MIN, f64::max);
            (left + right) / 2.0
        });
        let mut lines = Vec::new();
        for words in raw {
            // poppler can join the lines of two columns that share a baseline across a
            // narrow gutter (LaTeX's is 10 pt): split them there again.
            let mut part: Vec<Word> = Vec::new();
            for word in words {
                if let (Some(x), Some(last)) = (gutter, part.last()) {
                    if last.x1 <= x && word.x0 >= x {
                        lines.push(Line::of(std::mem::take(&mut part)));
                    }
                }
                part.push(word);
            }
            lines.push(Line::of(part));
        }
        pages.push(Page {
            height: attribute(page, "height")?,
            lines: reading_order(lines, middle),
            gutter,
        });
    }
    Ok(pages)
}

/// The line height most words are set in, to a tenth of a point.
fn body_height(pages: &[Page]) -> f64 {
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for line in pages.iter().flat_map(|p| &p.lines) {
        *counts
            .entry((line.height() * 10.0).round() as i64)
            .or_default() += line.words.len();
    }
    counts
        .into_iter()
        .max_by_key(|&(h, n)| (n, -h))
        .map_or(10.0, |(h, _)| h as f64 / 10.0)
}

/// A line's text with its digits taken out: running heads differ only by page numbers.
fn without_digits(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_digit()).collect()
}

fn is_page_number(text: &str) -> bool {
    let t = text.trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace());
    !t.is_empty()
        && t.len() <= 6
        && (t.chars().all(|c| c.is_ascii_digit())
            || t.chars().all(|c| "ivxlcdmIVXLCDM".contains(c)))
}

/// The number a footnote's first word starts with (`1The` → 1, `12` → 12).
fn footnote_number(first_word: &str) -> Option<(u32, &str)> {
    let digits = first_word.len()
        - first_word
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = &first_word[digits..];
    if rest.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',' || c == '%') {
        return None;
    }
    first_word[..digits].parse().ok().map(|n| (n, rest))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Furniture,
    Footnote,
    Heading,
    Body,
}

/// The role of each line of each page.
fn roles(pages: &[Page], body: f64) -> Vec<Vec<Role>> {
    // Running heads and feet: text in the top 15% or bottom tenth that recurs (digits aside) on
    // another page, or is only a page number.
    let band =
        |page: &Page, line: &Line| line.y1 < page.height * 0.15 || line.y0 > page.height * 0.9;
    let mut seen: std::collections::BTreeMap<String, BTreeSet<usize>> = Default::default();
    for (p, page) in pages.iter().enumerate() {
        for line in page.lines.iter().filter(|l| band(page, l)) {
            seen.entry(without_digits(&line.text()))
                .or_default()
                .insert(p);
        }
    }
    pages
        .iter()
        .map(|page| {
            let mut roles: Vec<Role> = page
                .lines
                .iter()
                .map(|line| {
                    let text = line.text();
                    if band(page, line)
                        && (is_page_number(&text)
                            || seen
                                .get(&without_digits(&text))
                                .is_some_and(|p| p.len() > 1))
                    {
                        Role::Furniture
                    } else if line.height() > body * 1.15 {
                        Role::Heading
                    } else {
                        Role::Body
                    }
                })
                .collect();
            // Footnotes: the run of smaller lines at the foot of the page (furniture aside),
            // starting with a numbered line.
            let mut by_height: Vec<usize> = (0..page.lines.len())
                .filter(|&i| roles[i] != Role::Furniture)
                .collect();
            by_height.sort_by(|&a, &b| page.lines[b].y0.total_cmp(&page.lines[a].y0));
            let mut foot: Vec<usize> = Vec::new();
            for &i in &by_height {
                let line = &page.lines[i];
                if line.height() < body * 0.92 && line.y0 > page.height * 0.4 {
                    foot.push(i);
                } else {
                    break;
                }
            }
            // The topmost of them must open a footnote.
            while let Some(&top) = foot.last() {
                if footnote_number(&page.lines[top].words[0].text).is_some() {
                    break;
                }
                foot.pop();
            }
            for i in foot {
                roles[i] = Role::Footnote;
            }
            roles
        })
        .collect()
}

/// Reads the blocks out of `pdftotext -bbox-layout` output.
fn blocks_of_layout(layout: &str) -> Result<Vec<PdfBlock>, String> {
    let mut pages = pages_of(layout)?;
    let body = body_height(&pages);
    let roles = roles(&pages, body);
    // Footnote markers glued to a body word of the page where the footnote is.
    for (p, page) in pages.iter_mut().enumerate() {
        let numbers: Vec<u32> = page
            .lines
            .iter()
            .zip(&roles[p])
            .filter(|(_, r)| **r == Role::Footnote)
            .filter_map(|(l, _)| footnote_number(&l.words[0].text).map(|(n, _)| n))
            .collect();
        for n in numbers {
            let marker = n.to_string();
            'search: for (line, role) in page.lines.iter_mut().zip(&roles[p]) {
                if *role != Role::Body {
                    continue;
                }
                let size = line.size;
                if let Some(at) = line
                    .words
                    .iter()
                    .position(|w| w.text == marker && w.height() < size * 0.85)
                {
                    // A superscript marker set as a word of its own.
                    line.words.remove(at);
                    break 'search;
                }
                for word in &mut line.words {
                    if let Some(stem) = word.text.strip_suffix(&marker) {
                        if stem.ends_with(|c: char| c.is_alphabetic() || ".,;:)’”\"'".contains(c))
                        {
                            word.text.truncate(stem.len());
                            break 'search;
                        }
                    }
                }
            }
        }
    }
    let vocabulary: BTreeSet<String> = pages
        .iter()
        .flat_map(|p| &p.lines)
        .flat_map(|l| &l.words)
        .map(|w| {
            w.text
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
                .to_lowercase()
        })
        .collect();

    let mut blocks: Vec<PdfBlock> = Vec::new();
    let mut footnotes: Vec<PdfBlock> = Vec::new();
    // The body block being built, the line it ended with and its column's right edge.
    let mut open: Option<(PdfBlock, Line, f64)> = None;
    let flush = |open: &mut Option<(PdfBlock, Line, f64)>, blocks: &mut Vec<PdfBlock>| {
        if let Some((block, ..)) = open.take() {
            blocks.push(block);
        }
    };
    for (p, page) in pages.iter().enumerate() {
        let page_no = p as u32 + 1;
        for (i, line) in page.lines.iter().enumerate() {
            let role = roles[p][i];
            if line.words.is_empty() {
                continue; // it held only a footnote marker
            }
            match role {
                Role::Furniture => continue,
                Role::Footnote => {
                    let text = line.text();
                    match footnote_number(&line.words[0].text) {
                        Some((n, rest)) => {
                            let tail: Vec<&str> =
                                line.words[1..].iter().map(|w| w.text.as_str()).collect();
                            let mut text = format!("{n} {rest}");
                            if !tail.is_empty() {
                                if !rest.is_empty() {
                                    text.push(' ');
                                }
                                text.push_str(&tail.join(" "));
                            }
                            footnotes.push(PdfBlock {
                                kind: PdfKind::Footnote,
                                text: text.split_whitespace().collect::<Vec<_>>().join(" "),
                                page: page_no,
                            });
                        }
                        None => match footnotes.last_mut() {
                            Some(note) => join_line(&mut note.text, &text, &vocabulary),
                            None => footnotes.push(PdfBlock {
                                kind: PdfKind::Footnote,
                                text,
                                page: page_no,
                            }),
                        },
                    }
                    continue;
                }
                Role::Heading | Role::Body => {}
            }
            // The column the line is in: the body lines of the page on its side of the
            // gutter, or that share its width on a page in one column.
            let same_column = |l: &Line| match page.gutter {
                Some(g) if line.x0 >= g => l.x0 >= g,
                Some(g) if line.x1 <= g => l.x1 <= g,
                _ => l.x1 > line.x0 && l.x0 < line.x1,
            };
            let column: Vec<&Line> = page
                .lines
                .iter()
                .zip(&roles[p])
                .filter(|(l, r)| **r == Role::Body && same_column(l))
                .map(|(l, _)| l)
                .collect();
            let left = column.iter().map(|l| l.x0).fold(line.x0, f64::min);
            let right = column.iter().map(|l| l.x1).fold(line.x1, f64::max);
            let kind = if role == Role::Heading {
                PdfKind::Heading
            } else {
                PdfKind::Paragraph
            };
            let continues = match &open {
                None => false,
                Some((block, previous, prev_right)) => {
                    if block.kind != kind {
                        false
                    } else if kind == PdfKind::Heading {
                        // A heading's lines follow closely, in one size; its number
                        // can be a line of its own on the same baseline.
                        let same_size = (line.height() - previous.height()).abs() < body * 0.05;
                        let beside =
                            (line.y0 - previous.y0).abs() < body * 0.3 && line.x0 > previous.x1;
                        let below = line.y0 > previous.y0 && line.y0 - previous.y1 < body;
                        same_size && (beside || below)
                    } else {
                        let indented = line.x0 > left + body * 0.5;
                        let ended_short = previous.x1 < prev_right - body * 2.0
                            && previous
                                .text()
                                .ends_with(|c: char| ".!?:;\"”’)".contains(c));
                        !indented && !ended_short
                    }
                }
            };
            if continues {
                if let Some((block, previous, prev_right)) = &mut open {
                    join_line(&mut block.text, &line.text(), &vocabulary);
                    *previous = line.clone();
                    *prev_right = right;
                }
            } else {
                flush(&mut open, &mut blocks);
                // Footnotes are placed after the paragraph that was open when their page
                // began to be read; simplest for a reader: after the block before them.
                blocks.append(&mut footnotes);
                open = Some((
                    PdfBlock {
                        kind,
                        text: line.text(),
                        page: page_no,
                    },
                    line.clone(),
                    right,
                ));
            }
        }
    }
    flush(&mut open, &mut blocks);
    blocks.append(&mut footnotes);
    Ok(blocks)
}

/// Appends a line to a block's text: a word hyphenated at the line end is rejoined.
fn join_line(text: &mut String, line: &str, vocabulary: &BTreeSet<String>) {
    if let Some(stem) = text.strip_suffix('\u{AD}') {
        // A soft hyphen: where the typesetter broke the word.
        text.truncate(stem.len());
        text.push_str(line);
        return;
    }
    let next_word = line.split_whitespace().next().unwrap_or("");
    if let Some(stem) = text.strip_suffix('-') {
        let last_word = stem.rsplit(' ').next().unwrap_or("");
        if last_word.ends_with(char::is_alphanumeric) && !next_word.starts_with(char::is_lowercase)
        {
            // `China-` `Europe`: a compound broken at its hyphen.
            text.push_str(line);
            return;
        }
        if last_word.ends_with(char::is_alphabetic) && next_word.starts_with(char::is_lowercase) {
            let bare = |w: &str| {
                w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
                    .to_lowercase()
            };
            let hyphenated = bare(&format!("{last_word}-{next_word}"));
            let keep = vocabulary.contains(&hyphenated);
            if !keep {
                text.truncate(stem.len());
            }
            text.push_str(line);
            return;
        }
    }
    text.push(' ');
    text.push_str(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footnote_numbers_are_leading_digits_not_figures() {
        assert_eq!(footnote_number("1The"), Some((1, "The")));
        assert_eq!(footnote_number("12"), Some((12, "")));
        assert_eq!(footnote_number("2010,"), None);
        assert_eq!(footnote_number("3.5"), None);
        assert_eq!(footnote_number("The"), None);
    }

    #[test]
    fn hyphens_at_line_ends_are_rejoined_unless_the_compound_is_known() {
        let known: BTreeSet<String> = ["donor-recipient".to_string()].into();
        let mut t = "civil so\u{AD}".to_string();
        join_line(&mut t, "ciety building", &known);
        assert_eq!(t, "civil society building");
        let mut t = "the govern-".to_string();
        join_line(&mut t, "ment decided", &known);
        assert_eq!(t, "the government decided");
        let mut t = "the donor-".to_string();
        join_line(&mut t, "recipient landscape", &known);
        assert_eq!(t, "the donor-recipient landscape");
        let mut t = "China-".to_string();
        join_line(&mut t, "Europe", &known);
        assert_eq!(t, "China-Europe", "a capital after the hyphen: a compound");
    }

    /// The typeset article of `tests/fixtures/pdf/`: its paragraphs, headings and footnotes
    /// as `make.py` wrote them, each found whole (whitespace aside) among the blocks read.
    #[test]
    fn typeset_fixtures_come_out_whole() {
        for name in ["article", "report"] {
            fixture_comes_out_whole(name);
        }
    }

    fn fixture_comes_out_whole(name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf");
        let data = std::fs::read(dir.join(format!("{name}.pdf"))).expect("fixture");
        let blocks = match read(&data) {
            Err(e) if e == NO_PDFTOTEXT => {
                assert!(
                    std::env::var("QUALCODE_REQUIRE_POPPLER").is_err(),
                    "pdftotext is required"
                );
                eprintln!("skipped: {e}");
                return;
            }
            other => other.expect("read"),
        };
        let expected: Vec<serde_json::Value> = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{name}.expected.json"))).expect("expected"),
        )
        .expect("json");
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut whole = 0;
        for e in &expected {
            let (kind, text) = (
                e["kind"].as_str().unwrap(),
                squash(e["text"].as_str().unwrap()),
            );
            let found = blocks.iter().any(|b| {
                squash(&b.text) == text
                    && matches!(
                        (kind, b.kind),
                        ("heading", PdfKind::Heading)
                            | ("paragraph", PdfKind::Paragraph)
                            | ("footnote", PdfKind::Footnote)
                    )
            });
            if found {
                whole += 1;
            } else {
                eprintln!("not whole: {kind} {:?}", &text[..text.len().min(70)]);
            }
        }
        for b in &blocks {
            eprintln!(
                "{:?} p{} {:?}",
                b.kind,
                b.page,
                &b.text[..b.text.len().min(60)]
            );
        }
        eprintln!("{name}: {whole} of {} blocks whole", expected.len());
        assert!(
            whole * 10 >= expected.len() * 9,
            "{whole} of {}",
            expected.len()
        );
    }

    #[test]
    fn page_numbers_arabic_or_roman() {
        assert!(is_page_number("12") && is_page_number("- 4 -") && is_page_number("xii"));
        assert!(!is_page_number("12 May") && !is_page_number(""));
    }
}
