//! PDFs read with their layout: the typeset fixtures of `tests/fixtures/pdf/` (made from
//! corpus/ text by Typst and LaTeX, `make.py`) come out as their expected headings, paragraphs
//! and footnotes; positions cut each segment out of the kept text; paragraphs get the codes
//! the same text gets as a plain file; and each failure has its reason.
//!
//! Skipped with a notice where poppler's `pdftotext` is missing, unless
//! `QUALCODE_REQUIRE_POPPLER=1` (set by `.ci/run`, which installs it), where it fails.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::process::Command;

fn poppler() -> bool {
    let there = Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    if !there {
        assert!(
            std::env::var("QUALCODE_REQUIRE_POPPLER").is_err(),
            "pdftotext is required (apt-get install poppler-utils)"
        );
        eprintln!("skipped: no pdftotext (apt-get install poppler-utils) to read PDFs with");
    }
    there
}

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/pdf").join(name)
}

/// The expected blocks of a fixture, as (kind, text).
fn expected(name: &str) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("{name}.expected.json"))).expect("expected"),
    )
    .expect("json");
    json.as_array()
        .expect("array")
        .iter()
        .map(|b| {
            (
                b["kind"].as_str().expect("kind").to_string(),
                b["text"].as_str().expect("text").to_string(),
            )
        })
        .collect()
}

#[test]
fn typeset_articles_come_out_as_their_paragraphs_headings_and_footnotes() {
    if !poppler() {
        return;
    }
    let corpus = tempfile::tempdir().expect("tempdir");
    for name in ["article", "report"] {
        std::fs::copy(
            fixture(&format!("{name}.pdf")),
            corpus.path().join(format!("{name}.pdf")),
        )
        .expect("copy");
    }
    // The article's paragraphs as a plain file, to compare their codes with.
    let article = expected("article");
    let plain: Vec<&str> = article
        .iter()
        .filter(|(k, _)| k == "paragraph")
        .map(|(_, t)| t.as_str())
        .collect();
    std::fs::write(corpus.path().join("plain.txt"), plain.join("\n\n") + "\n").expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        corpus.path(),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");

    let segments = table(out.path(), "segments");
    let (ids, kinds, texts) = (
        strings(&segments, "document"),
        strings(&segments, "kind"),
        strings(&segments, "text"),
    );
    for name in ["article", "report"] {
        let document = format!("{name}.pdf");
        let got: Vec<(String, String)> = (0..ids.len())
            .filter(|&i| ids[i] == document)
            .map(|i| (kinds[i].clone(), texts[i].clone()))
            .collect();
        let want = expected(name);
        // At least 90% of the blocks whole (the bar); these fixtures give all.
        let whole = want.iter().filter(|w| got.contains(w)).count();
        assert_eq!(whole, want.len(), "{name}: {whole} of {} whole", want.len());
        // Body paragraphs in reading order.
        let order = |list: &[(String, String)]| -> Vec<String> {
            list.iter()
                .filter(|(k, _)| k == "paragraph")
                .map(|(_, t)| t.clone())
                .collect()
        };
        assert_eq!(order(&got), order(&want), "{name}: reading order");
        // Nothing but the expected blocks: running heads, page numbers and markers are out.
        assert_eq!(got.len(), want.len(), "{name}: {got:#?}");
    }

    // Each PDF segment carries the page it starts on; other documents have none.
    let pages: Vec<Option<u32>> = segments
        .column("page")
        .expect("page column")
        .i32()
        .expect("Int32")
        .iter()
        .map(|page| page.map(|p| u32::try_from(p).expect("a page from 1")))
        .collect();
    let page_of = |document: &str, start: &str| -> Option<u32> {
        let i = (0..ids.len())
            .find(|&i| ids[i] == document && texts[i].starts_with(start))
            .unwrap_or_else(|| panic!("{document}: no segment starting {start:?}"));
        pages[i]
    };
    // Seen in the fixture: the title on page 1, the first footnote at the foot of page 1,
    // the third on page 3, the last section on page 5 and its last paragraph on page 6; the
    // report's second footnote on page 2.
    assert_eq!(page_of("article.pdf", "How Policy Entrepreneurs"), Some(1));
    assert_eq!(page_of("article.pdf", "1 The figures"), Some(1));
    assert_eq!(page_of("article.pdf", "3 Interview"), Some(3));
    assert_eq!(page_of("article.pdf", "Why local experients"), Some(5));
    assert_eq!(page_of("article.pdf", "The Luoshan Citizens"), Some(6));
    assert_eq!(page_of("report.pdf", "2 Names as given"), Some(2));
    let body_pages: Vec<u32> = (0..ids.len())
        .filter(|&i| ids[i] == "article.pdf" && kinds[i] == "paragraph")
        .map(|i| pages[i].expect("a page"))
        .collect();
    assert!(
        body_pages.windows(2).all(|w| w[0] <= w[1]),
        "{body_pages:?}"
    );
    assert!((0..ids.len()).all(|i| (ids[i] == "plain.txt") == pages[i].is_none()));

    // Positions cut each segment out of the kept text.
    let kept: BTreeMap<String, String> = {
        let t = table(out.path(), "texts");
        strings(&t, "document")
            .into_iter()
            .zip(strings(&t, "text"))
            .collect()
    };
    assert_eq!(
        kept.len(),
        2,
        "the PDFs keep their text, the plain file not"
    );
    let (starts, ends) = (u64s(&segments, "char_start"), u64s(&segments, "char_end"));
    for i in 0..ids.len() {
        if let Some(text) = kept.get(&ids[i]) {
            let cut: String = text
                .chars()
                .skip(starts[i] as usize)
                .take((ends[i] - starts[i]) as usize)
                .collect();
            assert_eq!(cut, texts[i], "{} segment {i}", ids[i]);
        }
    }

    // A paragraph read from the PDF is coded as the same paragraph in a plain file.
    let codes = codes_by_unit(&table(out.path(), "codings"));
    let by_text = |document: &str| -> BTreeMap<String, Vec<String>> {
        (0..ids.len())
            .filter(|&i| ids[i] == document && kinds[i] == "paragraph")
            .map(|i| {
                let unit = (ids[i].clone(), u32s(&segments, "segment")[i]);
                (
                    texts[i].clone(),
                    codes
                        .get(&unit)
                        .map(|c| c.iter().cloned().collect())
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    let (from_pdf, from_text) = (by_text("article.pdf"), by_text("plain.txt"));
    assert_eq!(from_pdf.len(), plain.len());
    assert_eq!(from_pdf, from_text);
    assert!(
        from_pdf.values().any(|c| !c.is_empty()),
        "some paragraph is coded"
    );
}

#[test]
fn pdfs_that_cannot_be_read_are_skipped_with_what_to_do() {
    if !poppler() {
        return;
    }
    let corpus = tempfile::tempdir().expect("tempdir");
    for name in ["encrypted.pdf", "no-text.pdf"] {
        std::fs::copy(fixture(name), corpus.path().join(name)).expect("copy");
    }
    let article = std::fs::read(fixture("article.pdf")).expect("read");
    std::fs::write(corpus.path().join("truncated.pdf"), &article[..20_000]).expect("write");
    std::fs::write(corpus.path().join("fake.pdf"), "not a PDF at all\n").expect("write");
    std::fs::copy(
        repo().join("corpus/000_1c80d6f4af9c420a.txt"),
        corpus.path().join("000.txt"),
    )
    .expect("copy");
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        corpus.path(),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    assert_eq!(code, 1, "skipped files: exit 1\n{stderr}");
    let documents = table(out.path(), "documents");
    let reasons: BTreeMap<String, String> = strings(&documents, "document")
        .into_iter()
        .zip(strings(&documents, "reason"))
        .collect();
    assert!(reasons["encrypted.pdf"].starts_with("encrypted"));
    assert!(reasons["no-text.pdf"].contains("run OCR"));
    assert!(reasons["truncated.pdf"].starts_with("broken"));
    assert!(reasons["fake.pdf"].starts_with("broken or not a PDF"));
    let statuses: BTreeMap<String, String> = strings(&documents, "document")
        .into_iter()
        .zip(strings(&documents, "status"))
        .collect();
    assert_eq!(statuses["000.txt"], "coded", "the rest is coded");
}

/// Runs the shipped codebook on a corpus of these files; (exit code, stderr, output folder).
fn run_files(files: &[(&str, Vec<u8>)]) -> (i32, String, tempfile::TempDir) {
    let corpus = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in files {
        std::fs::write(corpus.path().join(name), bytes).expect("write");
    }
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        corpus.path(),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    (code, stderr, out)
}

/// The words of the texts of the `segments` table.
fn words_of_segments(out: &std::path::Path) -> Vec<String> {
    strings(&table(out, "segments"), "text")
        .iter()
        .flat_map(|t| t.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[test]
fn a_line_repeated_at_the_top_of_every_page_is_text_not_a_scan() {
    if !poppler() {
        return;
    }
    use common::pdf::{pdf, text};
    let line = "Minutes of the board on trust";
    for pages in [2, 300] {
        let page = vec![text(72.0, 80.0, 11.0, line)];
        let (code, stderr, out) = run_files(&[("minutes.pdf", pdf(&vec![page; pages]))]);
        assert_eq!(code, 0, "{pages} pages: {stderr}");
        assert_eq!(
            words_of_segments(out.path()).join(" "),
            vec![line; pages].join(" "),
            "{pages} pages"
        );
    }
}

/// Pages of small print, or double-spaced, whose lines recur at the same place from page to
/// page (here every page is the same), under a running head and over a page number: every
/// word of the text is kept, the running head and the page numbers are not.
#[test]
fn small_print_and_double_spacing_keep_every_word() {
    if !poppler() {
        return;
    }
    use common::pdf::{pdf, text, HEIGHT};
    let source =
        std::fs::read_to_string(repo().join("corpus/001_bb6c17c0ea50004b.txt")).expect("corpus");
    // WinAnsi has no Chinese; these tests want Latin text.
    let words: Vec<&str> = source
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_graphic()))
        .collect();
    for (size, pitch) in [(6.0, 7.2), (12.0, 24.0)] {
        // About as many characters as fit the width in Helvetica.
        let width = (500.0 / (size * 0.5)) as usize;
        let mut lines: Vec<String> = Vec::new();
        let mut words = words.iter();
        let per_page = ((HEIGHT - 160.0) / pitch) as usize;
        while lines.len() < per_page {
            let mut line = String::new();
            for w in words.by_ref() {
                line.push_str(w);
                line.push(' ');
                if line.len() > width {
                    break;
                }
            }
            lines.push(line.trim_end().to_string());
        }
        let pages: Vec<Vec<_>> = (1..=6)
            .map(|n| {
                let mut page = vec![text(40.0, 40.0, size, "Annual report of the association")];
                for (i, line) in lines.iter().enumerate() {
                    page.push(text(40.0, 90.0 + i as f64 * pitch, size, line));
                }
                page.push(text(290.0, HEIGHT - 30.0, size, &n.to_string()));
                page
            })
            .collect();
        let (code, stderr, out) = run_files(&[("report.pdf", pdf(&pages))]);
        assert_eq!(code, 0, "{size} pt: {stderr}");
        let got = words_of_segments(out.path());
        let body: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        let want: Vec<&str> = (0..6).flat_map(|_| body.iter().copied()).collect();
        // Hyphenated words at line ends may be rejoined: compare without the breaks.
        assert!(
            got.concat().replace('-', "") == want.concat().replace('-', ""),
            "{size} pt on {pitch} pt: {} words of {}",
            got.len(),
            want.len()
        );
        // (The words are the body's alone: the running head and page numbers are out.)
        let texts = strings(&table(out.path(), "segments"), "text");
        assert!(texts.iter().all(|t| !t.contains("Annual report")));
    }
}

/// A line break between two Han characters joins without a space, as in a plain text file:
/// a term broken across the lines of a PDF is found.
#[test]
fn line_breaks_in_chinese_pdfs_take_no_space() {
    if !poppler() {
        return;
    }
    use common::pdf::{pdf, text};
    let lines = [
        "社会组织与政府之间的信",
        "任逐步建立起来，双方与NGO",
        "合作的意愿也增强了。",
    ];
    let page: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| text(72.0, 100.0 + i as f64 * 15.0, 11.0, l))
        .collect();
    let plain = "社会组织与政府之间的信\n任逐步建立起来，双方与NGO\n合作的意愿也增强了。\n";
    let (code, stderr, out) = run_files(&[
        ("zh.pdf", pdf(&[page])),
        ("zh.txt", plain.as_bytes().to_vec()),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let segments = table(out.path(), "segments");
    let texts: BTreeMap<String, String> = strings(&segments, "document")
        .into_iter()
        .zip(strings(&segments, "text"))
        .collect();
    assert_eq!(
        texts["zh.pdf"],
        "社会组织与政府之间的信任逐步建立起来，双方与NGO 合作的意愿也增强了。"
    );
    assert_eq!(texts["zh.pdf"], texts["zh.txt"], "as a plain file");
    let codes = codes_by_unit(&table(out.path(), "codings"));
    assert!(
        codes[&("zh.pdf".to_string(), 0)].contains("trust"),
        "信任 across the break: {codes:?}"
    );
}
