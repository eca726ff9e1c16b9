//! PDF: a file with a text layer in; its headings, paragraphs and footnotes in reading order
//! out, each with its page, running heads, page numbers and footnote markers left out.
//!
//! Words and their boxes come from poppler's `pdftotext -bbox-layout` (chosen by measurement
//! against the pure-Rust `pdf-extract`: see docs/reading.md), which also orders a page's text
//! blocks for reading (columns one after the other). What poppler does not do is done here,
//! from the boxes: the body's line height; running heads and page numbers (the outermost
//! lines in the top 15% or bottom tenth of the page that recur at the same height on another
//! page, or are only a number, set off from the text by white space: [`furniture`]);
//! footnotes (the run of smaller lines at the foot of a page, one per leading number);
//! headings (lines taller than the body's); paragraphs (a new one where a line is indented,
//! follows a short line that ends a sentence, or a heading); words hyphenated at line ends
//! rejoined (a soft hyphen always; a hard one unless the hyphenated word occurs elsewhere in
//! the document); footnote markers glued to a word (`initiatives.1`) taken off where that
//! footnote is on the same page; a line break inside Chinese or Japanese text joined without
//! a space, as in plain text ([`crate::text::joins_without_space`]).

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

/// How long `pdftotext` may take on a file before it is stopped and the file skipped: a minute,
/// and two seconds more per MB of PDF (poppler reads tens of MB a second; one that runs for
/// minutes is stuck on a damaged or hostile file). `QUALCODE_PDFTOTEXT_TIMEOUT=SECONDS` sets
/// it for every file instead.
pub fn pdftotext_timeout(bytes: usize) -> std::time::Duration {
    let set = std::env::var("QUALCODE_PDFTOTEXT_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0);
    match set {
        Some(seconds) => std::time::Duration::from_secs_f64(seconds),
        None => std::time::Duration::from_secs(60 + 2 * (bytes as u64 >> 20)),
    }
}

fn run_pdftotext(data: &[u8]) -> Result<String, String> {
    let mut command = Command::new(PDFTOTEXT);
    command
        .args(["-bbox-layout", "-enc", "UTF-8", "-q", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // In a process group of its own, so that stopping it stops anything it started (which
    // would otherwise hold its output open).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => NO_PDFTOTEXT.to_string(),
        _ => format!("cannot run {PDFTOTEXT}: {e}"),
    })?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let mut stdout = child.stdout.take().expect("stdout was piped");
    // Written on a thread: pdftotext may start writing before it has read everything. A
    // pdftotext that ends (or is stopped) before reading it all makes the write fail; the
    // thread blocks SIGPIPE so that this is an error of the write, not the end of qualcode.
    let input = data.to_vec();
    let writer = std::thread::spawn(move || {
        block_sigpipe();
        stdin.write_all(&input)
    });
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).map(|_| out)
    });
    // Its end is waited for on a thread (without reaping it: its process id stays its own
    // until `child.wait()` below, so stopping it cannot hit another process), so that the
    // wait can end at the timeout.
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        wait_exited(pid);
        let _ = done.send(());
    });
    let timeout = pdftotext_timeout(data.len());
    let timed_out = finished.recv_timeout(timeout).is_err();
    if timed_out {
        kill_group(pid);
    }
    let status = child.wait();
    let _ = waiter.join();
    if timed_out {
        let _ = writer.join();
        let _ = reader.join();
        return Err(format!(
            "{PDFTOTEXT} did not finish within {} s, so it was stopped (a damaged PDF, or one made to stall readers; for a very large PDF set QUALCODE_PDFTOTEXT_TIMEOUT=SECONDS)",
            timeout.as_secs_f64().round()
        ));
    }
    let status = status.map_err(|e| format!("{PDFTOTEXT} failed: {e}"))?;
    let _ = writer.join();
    let stdout = match reader.join() {
        Ok(Ok(out)) => out,
        _ => return Err(format!("cannot read what {PDFTOTEXT} wrote")),
    };
    // pdftotext's exit codes: 1 cannot open (broken), 3 permissions; -q hides messages, so the
    // code is what there is. An encrypted file cannot be opened without its password either.
    match status.code() {
        Some(0) => String::from_utf8(stdout)
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

/// Returns when process `pid` (a child of this one) has ended, leaving it to be reaped.
fn wait_exited(pid: u32) {
    #[cfg(unix)]
    loop {
        // SAFETY: waitid(2) writes only into `info`, a zeroed siginfo_t owned here.
        let ended = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if ended == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// Kills the process group `pdftotext` (process `pid`, not yet reaped) leads.
fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads (it
        // was started with `process_group(0)` and is not reaped yet, so the id is still its);
        // no memory is touched.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Blocks SIGPIPE for the calling thread: a write into a closed pipe then fails with EPIPE
/// instead of ending the process (main.rs restores SIGPIPE's default for stdout's sake).
fn block_sigpipe() {
    #[cfg(unix)]
    // SAFETY: the signal set is initialised by sigemptyset before use, and pthread_sigmask
    // only changes this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
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
    let furniture = furniture(pages, body);
    pages
        .iter()
        .zip(furniture)
        .map(|(page, furniture)| {
            let mut roles: Vec<Role> = page
                .lines
                .iter()
                .zip(furniture)
                .map(|(line, furniture)| {
                    if furniture {
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

/// Which lines of each page are running heads, running feet and page numbers: the outermost
/// lines of a page, in its top 15% or bottom tenth, that are only a page number or recur
/// (digits aside) at the same height on another page, set off from the rest of the page by
/// white space of half a line's height more than the usual space between lines (in the
/// fixtures, lines are 0.15 of a line's height apart and running heads 1.05 from the text).
/// Body text never is: text repeated from page to
/// page (a document of a paragraph repeated, a small-print page whose first line happens to
/// recur) sits against the lines next to it, and a run of such lines stops at the first
/// line that is not one. A document whose lines would all be furniture (a page or more
/// holding only a repeated line) has none: its text is what it says.
fn furniture(pages: &[Page], body: f64) -> Vec<Vec<bool>> {
    let spacing = line_spacing(pages);
    let top = |page: &Page, line: &Line| line.y1 < page.height * 0.15;
    let bottom = |page: &Page, line: &Line| line.y0 > page.height * 0.9;
    // Where each text of the bands is found: (height, page), by height.
    let mut seen: std::collections::BTreeMap<String, Vec<(f64, usize)>> = Default::default();
    for (p, page) in pages.iter().enumerate() {
        for line in page
            .lines
            .iter()
            .filter(|l| top(page, l) || bottom(page, l))
        {
            seen.entry(without_digits(&line.text()))
                .or_default()
                .push((line.y0, p));
        }
    }
    for places in seen.values_mut() {
        places.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    let recurs = |p: usize, line: &Line| {
        let Some(places) = seen.get(&without_digits(&line.text())) else {
            return false;
        };
        let low = line.y0 - body * 0.5;
        let from = places.partition_point(|&(y, _)| y <= low);
        places[from..]
            .iter()
            .take_while(|&&(y, _)| y < line.y0 + body * 0.5)
            .any(|&(_, q)| q != p)
    };
    let mut all = Vec::with_capacity(pages.len());
    for (p, page) in pages.iter().enumerate() {
        let mut furniture = vec![false; page.lines.len()];
        let mut by_height: Vec<usize> = (0..page.lines.len()).collect();
        by_height.sort_by(|&a, &b| page.lines[a].y0.total_cmp(&page.lines[b].y0));
        let candidate = |line: &Line| is_page_number(&line.text()) || recurs(p, line);
        // From the top down, then from the bottom up: the run of candidates in the band, as
        // far as white space parts it from the rest.
        for from_top in [true, false] {
            let order: Vec<usize> = if from_top {
                by_height.clone()
            } else {
                by_height.iter().rev().copied().collect()
            };
            let in_band = |line: &Line| {
                if from_top {
                    top(page, line)
                } else {
                    bottom(page, line)
                }
            };
            let run = order
                .iter()
                .take_while(|&&i| {
                    let line = &page.lines[i];
                    !furniture[i] && in_band(line) && candidate(line)
                })
                .count();
            // The run's longest start that white space parts from the line after it.
            let set_off = |k: usize| match order.get(k) {
                None => true,
                Some(&next) => {
                    let (last, next) = (&page.lines[order[k - 1]], &page.lines[next]);
                    let gap = if from_top {
                        next.y0 - last.y1
                    } else {
                        last.y0 - next.y1
                    };
                    gap >= spacing + body * 0.5
                }
            };
            let kept = (1..=run).rev().find(|&k| set_off(k)).unwrap_or(0);
            for &i in &order[..kept] {
                furniture[i] = true;
            }
        }
        all.push(furniture);
    }
    if all.iter().flatten().all(|&f| f) {
        for page in &mut all {
            page.iter_mut().for_each(|f| *f = false);
        }
    }
    all
}

/// The white space most often found between a line and the next one below it, to half a
/// point: the space between the lines of a paragraph (larger in text set double-spaced).
fn line_spacing(pages: &[Page]) -> f64 {
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for page in pages {
        let mut lines: Vec<&Line> = page.lines.iter().collect();
        lines.sort_by(|a, b| a.y0.total_cmp(&b.y0));
        for pair in lines.windows(2) {
            let gap = pair[1].y0 - pair[0].y1;
            // Lines side by side (columns, a split running head) are not one above the other.
            if gap >= 0.0 {
                *counts.entry((gap * 2.0).round() as i64).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(gap, n)| (n, -gap))
        .map_or(0.0, |(gap, _)| gap as f64 / 2.0)
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

/// Appends a line to a block's text: a word hyphenated at the line end is rejoined; a break
/// between two characters of Chinese or Japanese takes no space.
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
    // Chinese and Japanese have no spaces between words: a line break inside East Asian
    // text joins without one, as in plain text.
    if !crate::text::joins_without_space(text, line) {
        text.push(' ');
    }
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

    #[test]
    fn line_breaks_inside_east_asian_text_take_no_space() {
        let known = BTreeSet::new();
        for (before, after, joined) in [
            (
                "社会组织与政府的合作关",
                "系统地建立起来了。",
                "社会组织与政府的合作关系统地建立起来了。",
            ),
            ("他说：“", "我们", "他说：“我们"),
            ("与NGO", "合作", "与NGO 合作"),
            ("一个 NGO", "合作项目", "一个 NGO 合作项目"),
            ("国际化", "(guojihua)", "国际化 (guojihua)"),
            ("trust", "信任", "trust 信任"),
        ] {
            let mut t = before.to_string();
            join_line(&mut t, after, &known);
            assert_eq!(t, joined);
        }
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
                errln!("skipped: {e}");
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
                errln!("not whole: {kind} {:?}", &text[..text.len().min(70)]);
            }
        }
        for b in &blocks {
            errln!(
                "{:?} p{} {:?}",
                b.kind,
                b.page,
                &b.text[..b.text.len().min(60)]
            );
        }
        errln!("{name}: {whole} of {} blocks whole", expected.len());
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
