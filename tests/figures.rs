//! Figures for papers: `qualcode plot` at the widths it offers (a journal column, a page, and
//! widths from 100 to 1000 points) writes no text outside the drawing and no text over other
//! text, for every kind of figure — frequency, co-occurrence, by document, by variable, and
//! the estimates chart `plot frequency` draws when `qualcode estimate` wrote into the run —
//! on the shipped corpus and on a codebook of 40 codes with long labels. What cannot fit is
//! refused with the width it needs, and fits at that width.
//!
//! The SVG's text boxes are computed here from the file's own attributes (position, size,
//! weight, anchor, rotation) and Helvetica's widths; the PDF's are those poppler's
//! `pdftotext -bbox` finds, an independent reading (skipped with a notice without poppler,
//! unless `QUALCODE_REQUIRE_POPPLER=1`).

mod common;

use common::*;
use qualcode::report::metrics::{text_width, ASCENT, DESCENT};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

type Bounds = (f64, f64, f64, f64);

/// Every text's box in an SVG `qualcode plot` wrote, and the drawing's size.
fn svg_texts(svg: &str) -> ((f64, f64), Vec<(Bounds, String)>) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = doc.root_element();
    let view: Vec<f64> = root
        .attribute("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|v| v.parse().expect("number"))
        .collect();
    assert_eq!((view[0], view[1]), (0.0, 0.0));
    // One user unit a point.
    assert_eq!(
        root.attribute("width"),
        Some(format!("{}pt", view[2]).as_str())
    );
    let number = |node: roxmltree::Node, name: &str| -> f64 {
        node.attribute(name)
            .unwrap_or_else(|| panic!("text without {name}"))
            .parse()
            .expect("number")
    };
    let mut texts = Vec::new();
    for node in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let text: String = node.text().unwrap_or("").to_string();
        let (x, y, size) = (
            number(node, "x"),
            number(node, "y"),
            number(node, "font-size"),
        );
        let bold = node.attribute("font-weight") == Some("bold");
        let width = text_width(&text, size, bold);
        let start = match node.attribute("text-anchor") {
            None | Some("start") => 0.0,
            Some("middle") => -width / 2.0,
            Some("end") => -width,
            Some(other) => panic!("anchor {other}"),
        };
        let (above, below) = (ASCENT * size, DESCENT * size);
        let bounds = match node.attribute("transform") {
            None => (x + start, y - above, x + start + width, y + below),
            Some(t) => {
                // Only upright text, turned a quarter left about its own anchor point.
                let turned = format!(
                    "rotate(-90 {} {})",
                    node.attribute("x").unwrap(),
                    node.attribute("y").unwrap()
                );
                assert_eq!(t, turned, "{text}");
                (x - above, y - start - width, x + below, y - start)
            }
        };
        texts.push((bounds, text));
    }
    ((view[2], view[3]), texts)
}

/// Each text inside the drawing, and apart from every other.
fn assert_inside_and_apart(size: (f64, f64), texts: &[(Bounds, String)], what: &str) {
    let slack = 0.01;
    for ((l, t, r, b), text) in texts {
        assert!(
            *l >= -slack && *t >= -slack && *r <= size.0 + slack && *b <= size.1 + slack,
            "{what}: {text:?} at ({l:.1}, {t:.1})-({r:.1}, {b:.1}) runs outside {size:?}"
        );
    }
    for (i, (a, ta)) in texts.iter().enumerate() {
        for (b, tb) in &texts[i + 1..] {
            let apart = a.2 <= b.0 + slack
                || b.2 <= a.0 + slack
                || a.3 <= b.1 + slack
                || b.3 <= a.1 + slack;
            assert!(apart, "{what}: {ta:?} and {tb:?} overlap");
        }
    }
}

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
        eprintln!("skipped: no pdftotext (apt-get install poppler-utils) to read the PDF figures");
    }
    there
}

/// The page size and every word's box as poppler reads the PDF.
fn pdf_words(pdf: &Path) -> ((f64, f64), Vec<(Bounds, String)>) {
    let output = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = String::from_utf8(output.stdout).expect("utf-8");
    let attribute = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        tag[at..tag[at..].find('"').unwrap() + at]
            .parse()
            .expect("number")
    };
    let page = &html[html.find("<page ").expect("a page")..];
    let page = (attribute(page, "width"), attribute(page, "height"));
    let mut words = Vec::new();
    for piece in html.split("<word ").skip(1) {
        let (tag, rest) = piece.split_once('>').expect("word");
        let text = rest.split("</word>").next().unwrap_or("").to_string();
        words.push((
            (
                attribute(tag, "xMin"),
                attribute(tag, "yMin"),
                attribute(tag, "xMax"),
                attribute(tag, "yMax"),
            ),
            text,
        ));
    }
    (page, words)
}

/// Runs `qualcode plot`; Ok(the file) or Err(stderr) when it refused.
fn plot(kind: &str, run: &Path, out: &Path, extra: &[&str]) -> Result<PathBuf, String> {
    let mut args = vec![
        "plot",
        kind,
        "--from",
        run.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = outcome(&args);
    match code {
        0 => Ok(out.to_path_buf()),
        2 => Err(stderr),
        _ => panic!("plot {kind} {extra:?}: exit {code}: {stderr}"),
    }
}

/// The widths offered: the two sizes and widths over the whole range.
const WIDTHS: &[&[&str]] = &[
    &["--size", "column"],
    &["--size", "page"],
    &["--width", "100"],
    &["--width", "170"],
    &["--width", "350"],
    &["--width", "1000"],
];

/// Plots `kind` at every width offered, as SVG and PDF, and checks each file's text; returns
/// how many were refused as too narrow.
fn check_every_width(kind: &str, run: &Path, extra: &[&str], pdf: bool) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut refused = 0;
    for width in WIDTHS {
        let what = format!("{kind} {}", width.join(" "));
        let args: Vec<&str> = width.iter().chain(extra).copied().collect();
        let svg = dir.path().join("f.svg");
        match plot(kind, run, &svg, &args) {
            Ok(svg) => {
                let text = std::fs::read_to_string(svg).expect("svg");
                let (size, texts) = svg_texts(&text);
                let asked: f64 = match width[1] {
                    "column" => 240.0,
                    "page" => 500.0,
                    w => w.parse().unwrap(),
                };
                assert_eq!(size.0, asked, "{what}: the width asked");
                assert!(texts.len() > 3, "{what}");
                assert_inside_and_apart(size, &texts, &what);
                if pdf {
                    let file = dir.path().join("f.pdf");
                    plot(kind, run, &file, &args).expect("the PDF as the SVG");
                    let (page, words) = pdf_words(&file);
                    assert_eq!(page, size, "{what}: the PDF's page is the figure's size");
                    assert!(!words.is_empty());
                    for ((l, t, r, b), word) in &words {
                        assert!(
                            *l >= 0.0 && *t >= 0.0 && *r <= page.0 && *b <= page.1,
                            "{what} (PDF): {word:?} at ({l:.1}, {t:.1})-({r:.1}, {b:.1}) runs outside {page:?}"
                        );
                    }
                }
            }
            Err(stderr) => {
                // Refused with the width it needs, and drawn at that width.
                refused += 1;
                let needed: f64 = stderr
                    .split("need at least ")
                    .nth(1)
                    .and_then(|t| t.split(' ').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{what}: {stderr}"));
                assert!(stderr.contains("--width"), "{stderr}");
                let wider = needed.to_string();
                let mut args: Vec<&str> = vec!["--width", &wider];
                args.extend_from_slice(extra);
                let svg = plot(kind, run, &svg, &args).unwrap_or_else(|e| {
                    panic!("{what}: not drawn at the {needed} pt it asked: {e}")
                });
                let (size, texts) = svg_texts(&std::fs::read_to_string(svg).unwrap());
                assert_eq!(size.0, needed);
                assert_inside_and_apart(size, &texts, &format!("{what} at {needed}"));
            }
        }
    }
    refused
}

/// Two outlets over the documents of `corpus`, as a `--metadata` file.
fn outlets(corpus: &Path, dir: &Path) -> PathBuf {
    let mut names: Vec<String> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut csv = String::from("document,outlet\n");
    for (i, n) in names.iter().enumerate() {
        let outlet = ["Journal of Civil Society Studies (peer-reviewed)", "web"][i % 2];
        csv.push_str(&format!("{n},\"{outlet}\"\n"));
    }
    let path = dir.join("meta.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// Fills a `qualcode sample` sheet with the run's own codes and estimates from it: the run's
/// folder then holds `estimates.parquet`.
fn estimate_from_the_runs_codes(run: &Path, dir: &Path) {
    let sheet = dir.join("sheet.csv");
    let (code, _, stderr) = outcome(&[
        "sample",
        "--from",
        run.to_str().unwrap(),
        "-o",
        sheet.to_str().unwrap(),
        "-n",
        "40",
        "--seed",
        "3",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let codings = table(run, "codings");
    let mut coded: BTreeSet<(String, u32, String)> = BTreeSet::new();
    for ((d, s), c) in strings(&codings, "document")
        .into_iter()
        .zip(u32s(&codings, "segment"))
        .zip(strings(&codings, "code"))
    {
        coded.insert((d, s, c));
    }
    let codes: BTreeSet<String> = strings(&table(run, "code_frequency"), "code")
        .into_iter()
        .collect();
    let mut reader = csv::Reader::from_path(&sheet).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut writer = csv::Writer::from_path(dir.join("filled.csv")).unwrap();
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut row: Vec<String> = record.unwrap().iter().map(String::from).collect();
        let (d, s) = (
            row[at("document")].clone(),
            row[at("segment")].parse::<u32>().unwrap(),
        );
        for (i, h) in header.iter().enumerate() {
            if codes.contains(h) {
                row[i] = if coded.contains(&(d.clone(), s, h.clone())) {
                    "1"
                } else {
                    "0"
                }
                .into();
            }
        }
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    std::fs::rename(dir.join("filled.csv"), &sheet).unwrap();
    let (code, _, stderr) = outcome(&[
        "estimate",
        "--from",
        run.to_str().unwrap(),
        "--gold",
        sheet.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(run.join("estimates.parquet").exists());
}

#[test]
fn every_figure_of_the_shipped_corpus_keeps_its_text_inside_at_every_width() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = repo().join("corpus");
    let meta = outlets(&corpus, dir.path());
    let run = dir.path().join("run");
    let (code, stderr) = common::run(
        &corpus,
        &repo().join("codebook.toml"),
        &run,
        &["--metadata", meta.to_str().unwrap(), "--by", "outlet"],
    );
    assert_eq!(code, 0, "{stderr}");
    let pdf = poppler();
    for kind in ["frequency", "cooccurrence", "by-document", "by-variable"] {
        assert_eq!(
            check_every_width(kind, &run, &[], pdf),
            0,
            "{kind}: four codes fit"
        );
        // With titles of one's own, long ones, and by ids.
        let long = "A title of one's own, long enough to wrap over several lines at a journal column's width";
        check_every_width(
            kind,
            &run,
            &[
                "--title",
                long,
                "--x-title",
                long,
                "--y-title",
                long,
                "--ids",
            ],
            pdf,
        );
    }
    estimate_from_the_runs_codes(&run, dir.path());
    let svg = plot("frequency", &run, &dir.path().join("e.svg"), &[]).unwrap();
    let text = std::fs::read_to_string(svg).unwrap();
    assert!(
        text.contains("Share of units a coder would code"),
        "the estimates chart"
    );
    assert!(text.contains("<circle "), "dots for the estimates");
    assert_eq!(check_every_width("frequency", &run, &[], pdf), 0);
}

/// A codebook of `n` codes with long labels (accented, one in parentheses, every third a
/// child of the one before), each coding the units that name one of the corpus's common words.
fn long_labels_codebook(n: usize) -> String {
    let words = [
        "government*",
        "NGO*",
        "trust*",
        "cooperat*",
        "communit*",
        "polic*",
        "China",
        "international",
        "local*",
        "social",
        "organi*ation*",
        "develop*",
        "support*",
        "project*",
        "foreign",
        "public",
        "work*",
        "people",
        "research*",
        "network*",
    ];
    let mut toml = String::from("[codebook]\nname = \"long labels\"\nversion = \"1\"\n\n");
    for i in 0..n {
        let parent = if i % 3 == 2 {
            format!("parent = \"code_{:02}_with_a_long_identifier\"\n", i - 1)
        } else {
            String::new()
        };
        toml.push_str(&format!(
            "[[codes]]\nid = \"code_{i:02}_with_a_long_identifier\"\nlabel = \"Code {i}: the municipal governments' First-in-Command strategy for coordination_across_departments (Bürgerämter, café société)\"\ndefinition = \"Test.\"\n{parent}[[codes.rules]]\nid = \"r{i}\"\nterms = [\"{}\"]\n\n",
            words[i % words.len()]
        ));
    }
    toml
}

#[test]
fn forty_codes_with_long_labels_keep_their_text_inside_or_are_refused_with_the_width_they_need() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = repo().join("corpus");
    let codebook = dir.path().join("codebook.toml");
    std::fs::write(&codebook, long_labels_codebook(40)).unwrap();
    let meta = outlets(&corpus, dir.path());
    let run = dir.path().join("run");
    let (code, stderr) = common::run(
        &corpus,
        &codebook,
        &run,
        &["--metadata", meta.to_str().unwrap(), "--by", "outlet"],
    );
    assert_eq!(code, 0, "{stderr}");
    let units = u32s(&table(&run, "code_frequency"), "units");
    assert!(units.iter().filter(|&&u| u > 0).count() >= 30, "{units:?}");
    let pdf = poppler();
    let mut refused = BTreeMap::new();
    for kind in ["frequency", "cooccurrence", "by-document", "by-variable"] {
        refused.insert(kind, check_every_width(kind, &run, &[], pdf));
    }
    // Forty columns need about 380 points: not a journal column (nor 100, 170 or 350 points);
    // a page and 1000 points hold them. Bars always fit.
    assert_eq!(refused["frequency"], 0);
    assert_eq!(refused["cooccurrence"], 4, "{refused:?}");
    estimate_from_the_runs_codes(&run, dir.path());
    assert_eq!(check_every_width("frequency", &run, &[], pdf), 0);
    // Labels by default, ids when asked.
    let svg = |extra: &[&str]| {
        let path = plot("frequency", &run, &dir.path().join("l.svg"), extra).unwrap();
        std::fs::read_to_string(path).unwrap()
    };
    let labels = svg(&["--size", "page"]);
    assert!(labels.contains(">Code 0: the municipal"), "labels");
    assert!(!labels.contains(">code_00_with"), "no ids");
    assert!(svg(&["--ids"]).contains(">code_00_with_a_long_identifier</text>"));
}

#[test]
fn sizes_titles_and_formats() {
    let out = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    // A title of one's own, none, and axis titles.
    let titled = plot(
        "frequency",
        out.path(),
        &file("t.svg"),
        &[
            "--title",
            "Figure 2 & co",
            "--x-title",
            "Units",
            "--y-title",
            "Codes",
        ],
    )
    .unwrap();
    let text = std::fs::read_to_string(titled).unwrap();
    assert!(text.contains(r#"font-weight="bold">Figure 2 &amp; co</text>"#));
    assert!(text.contains(">Units</text>") && text.contains(">Codes</text>"));
    assert!(text.contains(r#"aria-label="Figure 2 &amp; co""#));
    let bare = std::fs::read_to_string(
        plot("frequency", out.path(), &file("b.svg"), &["--title", ""]).unwrap(),
    )
    .unwrap();
    assert!(!bare.contains("font-weight=\"bold\""), "no title");
    assert!(bare.contains("aria-label=\"Units coded, of 123 units in 5 documents\""));
    // Sizes: a column, a page (the default), a width of one's own; both at once refused.
    for (args, width) in [
        (&["--size", "column"][..], "240pt"),
        (&[][..], "500pt"),
        (&["--width", "333"][..], "333pt"),
    ] {
        let svg = plot("cooccurrence", out.path(), &file("s.svg"), args).unwrap();
        assert!(std::fs::read_to_string(svg)
            .unwrap()
            .contains(&format!("width=\"{width}\"")));
    }
    let err = plot(
        "frequency",
        out.path(),
        &file("x.svg"),
        &["--size", "column", "--width", "300"],
    )
    .unwrap_err();
    assert!(err.contains("cannot be used with"), "{err}");
    // PDF: one page of the figure's size, its text in the standard fonts.
    let pdf = plot(
        "by-document",
        out.path(),
        &file("d.pdf"),
        &["--size", "column"],
    )
    .unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4\n") && bytes.ends_with(b"%%EOF\n"));
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/BaseFont /Helvetica "), "standard fonts");
    assert!(!raw.contains("/FontFile"), "no font embedded");
    if poppler() {
        let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
        let info = String::from_utf8_lossy(&info.stdout);
        let size = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .expect("a page size");
        assert!(size.ends_with(" pts") && size.contains(" 240 x "), "{size}");
        let (_, words) = pdf_words(&pdf);
        let words: Vec<&str> = words.iter().map(|(_, w)| w.as_str()).collect();
        assert!(
            words.contains(&"Reciprocity") && words.contains(&"Localisation"),
            "{words:?}"
        );
    }
    // Text the standard fonts cannot draw is refused by name; the SVG draws it.
    let zh = dir.path().join("zh.toml");
    std::fs::write(
        &zh,
        "[[codes]]\nid = \"trust\"\nlabel = \"互信 (mutual trust)\"\ndefinition = \"x\"\n[[codes.rules]]\nterms = [\"trust\"]\n",
    )
    .unwrap();
    let zh_run = dir.path().join("zh");
    let (code, stderr) = common::run(&repo().join("corpus"), &zh, &zh_run, &[]);
    assert_eq!(code, 0, "{stderr}");
    let err = plot("frequency", &zh_run, &file("zh.pdf"), &[]).unwrap_err();
    assert!(err.contains("U+4E92") && err.contains(".svg"), "{err}");
    assert!(!file("zh.pdf").exists());
    let svg = plot("frequency", &zh_run, &file("zh.svg"), &[]).unwrap();
    assert!(std::fs::read_to_string(svg)
        .unwrap()
        .contains(">互信 (mutual trust)</text>"));
    // Other formats are refused.
    let err = plot("frequency", out.path(), &file("x.png"), &[]).unwrap_err();
    assert!(err.contains(".svg or .pdf"), "{err}");
}
