//! `qualcode report` and `qualcode plot` on real runs: the page's numbers equal the run's
//! tables, every counted match of a listed unit is highlighted, the page loads nothing from
//! elsewhere, and a real browser runs it without errors. Every run here has the odd files of
//! a real corpus (an empty file, a Word lock file, a scan, a fake PDF; `common::OddRun`).
//!
//! The browser test is skipped with a notice when Chromium is missing, unless
//! `QUALCODE_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs it), where it fails.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Text as HTML writes it inside elements.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn report(out: &Path, extra: &[&str]) -> String {
    let page = out.join("report.html");
    let mut args = vec!["report", "--from", out.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let output = qualcode(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(page).expect("report.html")
}

/// The part of the page between `<article id="{id}"` and the next `</article>`.
fn article<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!(r#"<article id="{id}""#))
        .unwrap_or_else(|| panic!("no article {id}"));
    let end = start + page[start..].find("</article>").expect("article ends");
    &page[start..end]
}

#[test]
fn the_page_holds_the_runs_numbers_and_loads_nothing_from_elsewhere() {
    let odd = OddRun::new(&[]);
    let out = odd.out();
    let page = report(out.as_path(), &[]);
    assert_page_holds_the_run(&page, out.as_path());
    // The odd files are listed with their status and reason, and shown nowhere else.
    let documents = table(&out, "documents");
    let (ids, statuses) = (
        strings(&documents, "document"),
        strings(&documents, "status"),
    );
    let reasons = strings(&documents, "reason");
    for (name, _) in odd_files() {
        let i = ids.iter().position(|d| d == name).expect(name);
        let row = format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            statuses[i],
            escape(&reasons[i])
                .replace('\'', "&#39;")
                .replace('"', "&quot;")
        );
        assert!(page.contains(&row), "{row}");
        assert_eq!(
            page.matches(&format!(">{}<", escape(name))).count(),
            1,
            "{name}"
        );
    }
}

/// The checks of the page against the run's tables, on the file as written or on the DOM a
/// browser made of it.
fn assert_page_holds_the_run(page: &str, out: &Path) {
    // A browser writes quotes in text as they are; the file escapes them. Compare alike.
    let page = page.replace("&#39;", "'").replace("&quot;", "\"");
    // Self-contained: no scripts, styles, fonts or images from elsewhere.
    // (The documents' own text may name web addresses; no attribute may point to one.)
    let without_svg_namespace = page.replace(r#"xmlns="http://www.w3.org/2000/svg""#, "");
    for outside in ["<link", " src=", "url(", "@import", "=\"http", "=\"//"] {
        assert!(
            !without_svg_namespace.contains(outside),
            "the page has {outside:?}"
        );
    }

    // Code frequency: each code's units, share, documents and hits, as in the table.
    let frequency = table(out, "code_frequency");
    let codes = strings(&frequency, "code");
    let (units, docs, hits) = (
        u32s(&frequency, "units"),
        u32s(&frequency, "documents"),
        u32s(&frequency, "hits"),
    );
    for i in 0..codes.len() {
        assert!(
            page.contains(&format!(
                "{} units ({:.1}%), {} docs, {} hits",
                units[i],
                100.0 * f64::from(units[i]) / 123.0,
                docs[i],
                hits[i]
            )),
            "{}",
            codes[i]
        );
    }

    // Code × document: every cell's tooltip carries the table's numbers.
    let by_document = table(out, "code_by_document");
    let (c, d, n, h) = (
        strings(&by_document, "code"),
        strings(&by_document, "document"),
        u32s(&by_document, "units"),
        u32s(&by_document, "hits"),
    );
    for i in 0..c.len() {
        let cell = format!("title=\"{}, {}: {} units", d[i], c[i], n[i]);
        let at = page.find(&cell).unwrap_or_else(|| panic!("no cell {cell}"));
        assert!(page[at..at + 200].contains(&format!("{} hits", h[i])));
    }

    // Co-occurrence: every pair's n12, in the heat map's tooltips.
    let co = table(out, "cooccurrence");
    let (a, b, n12) = (
        strings(&co, "code_a"),
        strings(&co, "code_b"),
        u32s(&co, "n12"),
    );
    for i in 0..a.len() {
        assert!(
            page.contains(&format!(
                "{} &amp; {}: {} units together",
                a[i], b[i], n12[i]
            )),
            "{} {}",
            a[i],
            b[i]
        );
    }

    // Per code: every unit listed (all fit under the default limit), with each of the code's
    // matches highlighted; the definition from the codebook.
    let codings = codes_by_unit(&table(out, "codings"));
    let matches = table(out, "matches");
    let (m_docs, m_segs, m_codes, m_texts) = (
        strings(&matches, "document"),
        u32s(&matches, "segment"),
        strings(&matches, "code"),
        strings(&matches, "text"),
    );
    for (i, code) in codes.iter().enumerate() {
        let section = article(&page, &format!("code-{code}"));
        assert!(section.contains("<strong>Definition:</strong>"));
        assert_eq!(
            section.matches(r#"<div class="unit">"#).count(),
            units[i] as usize,
            "{code}"
        );
        let coded_units = codings.values().filter(|c| c.contains(code)).count();
        assert_eq!(coded_units, units[i] as usize);
        let mut expected: BTreeMap<String, usize> = BTreeMap::new();
        for j in 0..m_docs.len() {
            let unit = (m_docs[j].clone(), m_segs[j]);
            if &m_codes[j] == code && codings.get(&unit).is_some_and(|c| c.contains(code)) {
                *expected.entry(m_texts[j].clone()).or_default() += 1;
            }
        }
        // One <mark> per counted match of the units shown (no two matches of one code
        // overlap in this corpus; overlapping ones are marked in pieces, unit-tested).
        assert_eq!(
            section.matches("<mark ").count(),
            expected.values().sum::<usize>(),
            "{code}"
        );
        for (text, count) in expected {
            let marked = section
                .matches(&format!(">{}</mark>", escape(&text)))
                .count();
            assert!(
                marked >= count,
                "{code}: {text:?} highlighted {marked} times, matched {count}"
            );
        }
    }

    // Documents: every segment of every document in reading order, with its anchor.
    let segments = table(out, "segments");
    let seg_docs = strings(&segments, "document");
    let documents = strings(&table(out, "documents"), "document");
    let mut last = 0;
    for (i, doc) in seg_docs.iter().enumerate() {
        let index = documents.iter().position(|d| d == doc).expect("document");
        let anchor = format!(r#"id="doc-{index}-s{}""#, u32s(&segments, "segment")[i]);
        let at = page.find(&anchor).unwrap_or_else(|| panic!("no {anchor}"));
        assert!(at > last, "{anchor} out of reading order");
        last = at;
    }
}

#[test]
fn large_lists_are_cut_evenly_and_say_so() {
    let odd = OddRun::new(&[]);
    let out = odd.out();
    let page = report(
        out.as_path(),
        &["--units-per-code", "4", "--documents", "2"],
    );
    let trust = article(&page, "code-trust");
    assert_eq!(trust.matches(r#"<div class="unit">"#).count(), 4);
    assert!(trust.contains("4 of 15 units shown, evenly spaced"));
    assert!(page.contains("2 of 5 coded documents, evenly spaced"));
    // evenly(5, 2) = documents 0 and 2.
    assert!(page.contains(r#"<article class="doc" id="doc-0">"#));
    assert!(page.contains(r#"<article class="doc" id="doc-2">"#));
    assert!(!page.contains(r#"<article class="doc" id="doc-1">"#));
}

#[test]
fn agreement_appears_when_agree_wrote_into_the_folder() {
    let odd = OddRun::new(&[]);
    let out = odd.out();
    let without = report(out.as_path(), &[]);
    assert!(!without.contains(r#"id="agreement""#));
    let output = qualcode(&[
        "agree",
        "--gold",
        repo()
            .join("tests/hand_coding/heldout.csv")
            .to_str()
            .unwrap(),
        "--codebook",
        repo().join("codebook.toml").to_str().unwrap(),
        "--corpus",
        odd.corpus().to_str().unwrap(),
        "--out",
        out.as_path().to_str().unwrap(),
        "--bootstrap",
        "0",
    ]);
    // Finished, with the odd files skipped.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let page = report(out.as_path(), &[]);
    let section = &page[page.find(r#"id="agreement""#).expect("agreement section")..];
    let agreement = table(out.as_path(), "agreement");
    let (codes, kappas) = (strings(&agreement, "code"), f64s(&agreement, "cohen_kappa"));
    for (code, kappa) in codes.iter().zip(kappas) {
        let row = &section[section
            .find(&format!(">{code}</span></td>"))
            .unwrap_or_else(|| panic!("row of {code}"))..];
        let row = &row[..row.find("</tr>").expect("row ends")];
        assert!(
            row.contains(&format!("{:.3}", kappa.expect("kappa"))),
            "{row}"
        );
    }
    // Held-out trust: 4 units the machine missed (docs/validation.md), listed side by side.
    assert!(section.contains("disagreements (4)"));
    assert_eq!(
        section.matches("hand: yes<br>machine: no").count()
            + section.matches("hand: no<br>machine: yes").count(),
        agreement_disagreements(out.as_path())
    );
}

fn agreement_disagreements(out: &Path) -> usize {
    let units = table(out, "agreement_units");
    let machine = bools(&units, "machine");
    let hand = bools(&units, "gold1");
    machine.iter().zip(&hand).filter(|(m, h)| m != h).count()
}

#[test]
fn plots_are_svg_with_their_numbers_and_bad_arguments_are_refused() {
    let odd = OddRun::new(&[]);
    let out = odd.out();
    let dir = out.as_path();
    for (kind, expect, shape) in [
        ("frequency", "15 units (12.2%), 3 docs", (4, 4)),
        (
            "cooccurrence",
            "trust &amp; reciprocity: 6 units together",
            (16, 16),
        ),
        (
            "by-document",
            "001_bb6c17c0ea50004b.txt, fic_strategy: 14 of 42 units",
            (20, 20),
        ),
    ] {
        let svg = dir.join(format!("{kind}.svg"));
        let output = qualcode(&[
            "plot",
            kind,
            "--from",
            dir.to_str().unwrap(),
            "--out",
            svg.to_str().unwrap(),
            "--width",
            "240",
        ]);
        assert!(output.status.success(), "{kind}");
        let text = std::fs::read_to_string(&svg).expect("svg");
        assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(text.ends_with("</svg>"));
        assert!(text.contains(expect), "{kind}: {expect}");
        // Structure: a bar per code; a cell per pair of codes; a cell per document and code.
        let rects = text.matches("<rect ").count();
        let titles = text.matches("<title>").count();
        assert_eq!((rects, titles), shape, "{kind}");
    }
    let (code, _, stderr) = outcome(&[
        "plot",
        "frequency",
        "--from",
        dir.to_str().unwrap(),
        "--out",
        "x.png",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains(".svg"), "{stderr}");
    let empty = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = outcome(&["report", "--from", empty.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("does not hold a finished run"), "{stderr}");
}

#[test]
fn a_real_browser_runs_the_page_without_errors() {
    let required = std::env::var("QUALCODE_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(browser) = browser else {
        assert!(!required, "Chromium is required (apt-get install chromium)");
        eprintln!("skipped: no Chromium (apt-get install chromium) to run the report in");
        return;
    };
    let odd = OddRun::new(&[]);
    let out = odd.out();
    report(out.as_path(), &[]);
    let url = format!("file://{}", out.as_path().join("report.html").display());
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            &url,
        ])
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    // The script's last statement marks the page: it ran to the end.
    assert!(dom.contains(r#"data-ready="1""#), "{log}");
    assert!(!log.contains("Uncaught"), "{log}");
    // The browser parsed the sections and the inline SVG charts.
    for id in [
        "overview",
        "frequency",
        "by-document",
        "cooccurrence",
        "codes",
        "documents",
    ] {
        assert!(dom.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert_eq!(dom.matches("<svg").count(), 2);
    // The numbers, units and highlights, as the browser built them.
    assert_page_holds_the_run(&dom, out.as_path());
    // A screenshot to look at (kept beside the report; the README's is made the same way).
    let shot = out.as_path().join("report.png");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1000,760",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(output.status.success());
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn document_variables_are_shown_by_value_and_plotted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let meta = dir.path().join("meta.csv");
    // Two outlets over the five documents of corpus/.
    let documents = [
        ("000_1c80d6f4af9c420a.txt", "web"),
        ("001_bb6c17c0ea50004b.txt", "journal"),
        ("002_c944b3881ed7d4ef.txt", "web"),
        ("003_cb4aa1f09a237e0c.txt", "web"),
        ("004_3c905ff21c015a7c.txt", "journal"),
    ];
    let mut csv = String::from("document,outlet\n");
    for (d, o) in documents {
        csv.push_str(&format!("{d},{o}\n"));
    }
    std::fs::write(&meta, csv).expect("write");
    let odd = OddRun::new(&["--metadata", meta.to_str().unwrap(), "--by", "outlet"]);
    let out = odd.out();
    let page = report(&out, &[]);
    let section = &page[page
        .find(r#"id="by-variable""#)
        .expect("by-variable section")..];
    let by = table(&out, "code_by_variable");
    let (codes, values, units, value_units) = (
        strings(&by, "code"),
        strings(&by, "value"),
        u32s(&by, "units"),
        u32s(&by, "value_units"),
    );
    // The odd files have no outlet: a third column, "(none)", of no units.
    assert_eq!(codes.len(), 12, "4 codes x (2 outlets + none)");
    for i in 0..codes.len() {
        let value = if values[i].is_empty() {
            assert_eq!((units[i], value_units[i]), (0, 0));
            "(none)"
        } else {
            values[i].as_str()
        };
        let cell = format!(
            "outlet = {value}, {}: {} of {} units",
            codes[i], units[i], value_units[i]
        );
        assert!(section.contains(&cell), "{cell}");
    }
    let svg = out.join("by-outlet.svg");
    let output = qualcode(&[
        "plot",
        "by-variable",
        "--from",
        out.to_str().unwrap(),
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert_eq!(text.matches("<rect ").count(), 12);
    assert!(text.contains(">(none)</text>"));
    assert!(text.contains(">journal</text>") && text.contains(">web</text>"));
    let (code, _, stderr) = outcome(&[
        "plot",
        "by-variable",
        "--variable",
        "year",
        "--from",
        out.to_str().unwrap(),
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("its variables are outlet"), "{stderr}");
}
