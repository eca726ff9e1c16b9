//! Documents read from their markup: `.docx`, `.odt` and HTML built here from the text of
//! `corpus/002` (so no other text enters the repository), coded with the default codebook and
//! read back. Each fixture states its expected blocks; segments' positions must cut their text
//! out of the kept text (the `texts` table); paragraphs must be coded as the same paragraphs
//! are in a plain-text file; broken files are skipped with their reason while the rest of the
//! corpus is coded.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

/// The title and the long paragraphs (a line each) of `corpus/002`, XML-escaped where used.
fn corpus_text() -> (String, Vec<String>) {
    let path = std::fs::read_dir(repo().join("corpus"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("002_"))
        })
        .expect("corpus/002");
    let text = std::fs::read_to_string(path).expect("read corpus/002");
    let title = text.lines().next().expect("a title").trim().to_string();
    let paragraphs: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 250)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(paragraphs.len() >= 8, "corpus/002 has long paragraphs");
    (title, paragraphs)
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn zip_file(path: &Path, parts: &[(&str, String)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in parts {
        zip.start_file(*name, options).expect("start part");
        zip.write_all(content.as_bytes()).expect("write part");
    }
    zip.finish().expect("finish zip");
}

/// What a document must come out as: (kind, text) per segment.
type Expected = Vec<(&'static str, String)>;

/// A `.docx` with a title, a heading, a footnote, a tracked insertion and deletion, a
/// comment, list items, a table and an endnote.
fn write_docx(path: &Path, title: &str, p: &[String]) -> Expected {
    // The second paragraph: its first half as typed, its second half a tracked insertion;
    // a tracked deletion and a comment between them.
    let (first, second) = p[1].split_at(p[1].find(". ").expect("two sentences") + 2);
    let w = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";
    let run = |text: &str| format!("<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>", xml(text));
    let styled = |style: &str, text: &str| {
        format!(
            "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>{}</w:p>",
            run(text)
        )
    };
    let list_item = |text: &str| {
        format!(
            "<w:p><w:pPr><w:pStyle w:val=\"ListParagraph\"/><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>{}</w:p>",
            run(text)
        )
    };
    let (item_a, item_b) = p[3].split_at(p[3].find(", ").expect("a comma") + 1);
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {w}><w:body>\
{title}\
<w:p>{p0}<w:r><w:footnoteReference w:id=\"1\"/></w:r></w:p>\
{heading}\
<w:p>{first}<w:del w:id=\"7\" w:author=\"A\"><w:r><w:delText>These words were deleted. </w:delText></w:r></w:del>\
<w:commentRangeStart w:id=\"3\"/><w:ins w:id=\"8\" w:author=\"A\">{second}</w:ins><w:commentRangeEnd w:id=\"3\"/>\
<w:r><w:commentReference w:id=\"3\"/></w:r></w:p>\
<w:p>{p2a}<w:r><w:tab/></w:r>{p2b}<w:r><w:endnoteReference w:id=\"2\"/></w:r></w:p>\
{item_a}{item_b}\
<w:tbl><w:tr><w:tc><w:p>{p4}</w:p><w:p>{p5}</w:p></w:tc><w:tc><w:p>{p6}</w:p></w:tc></w:tr></w:tbl>\
<w:p><w:r><w:instrText> PAGE </w:instrText></w:r>{p7}</w:p>\
<w:sectPr/></w:body></w:document>",
        title = styled("Title", title),
        p0 = run(&p[0]),
        heading = styled("Heading1", "Findings"),
        first = run(first),
        second = run(second),
        p2a = run("Note:"),
        p2b = run(&p[2]),
        item_a = list_item(item_a),
        item_b = list_item(item_b),
        p4 = run(&p[4]),
        p5 = run(&p[5]),
        p6 = run(&p[6]),
        p7 = run(&p[7]),
    );
    let styles = format!(
        "<?xml version=\"1.0\"?><w:styles {w}>\
<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/></w:style>\
<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:pPr><w:outlineLvl w:val=\"0\"/></w:pPr></w:style>\
<w:style w:type=\"paragraph\" w:styleId=\"ListParagraph\"><w:name w:val=\"List Paragraph\"/></w:style>\
</w:styles>"
    );
    let notes = |tag: &str, id: &str, text: &str| {
        format!(
            "<?xml version=\"1.0\"?><w:{tag}s {w}>\
<w:{tag} w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>\
<w:{tag} w:id=\"{id}\"><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:{tag}></w:{tag}s>",
            xml(text)
        )
    };
    let footnote = format!("See {title}.");
    let endnote = "Interviews were held in 2019.";
    let comments = format!(
        "<?xml version=\"1.0\"?><w:comments {w}><w:comment w:id=\"3\" w:author=\"A\"><w:p><w:r><w:t>A reviewer's remark.</w:t></w:r></w:p></w:comment></w:comments>"
    );
    zip_file(
        path,
        &[
            (
                "[Content_Types].xml",
                "<?xml version=\"1.0\"?><Types/>".to_string(),
            ),
            ("word/document.xml", document),
            ("word/styles.xml", styles),
            ("word/footnotes.xml", notes("footnote", "1", &footnote)),
            ("word/endnotes.xml", notes("endnote", "2", endnote)),
            ("word/comments.xml", comments),
        ],
    );
    vec![
        ("heading", title.to_string()),
        ("paragraph", p[0].clone()),
        ("footnote", footnote),
        ("heading", "Findings".to_string()),
        ("paragraph", p[1].clone()),
        ("paragraph", format!("Note: {}", p[2])),
        ("paragraph", item_a.trim().to_string()),
        ("paragraph", item_b.trim().to_string()),
        ("paragraph", format!("{} {}", p[4], p[5])),
        ("paragraph", p[6].clone()),
        ("paragraph", p[7].clone()),
        ("footnote", endnote.to_string()),
    ]
}

/// An `.odt` with a heading, a footnote, a comment, a tracked deletion, runs of spaces, a
/// list and a table.
fn write_odt(path: &Path, title: &str, p: &[String]) -> Expected {
    let ns = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\"";
    let (head, tail) = p[1].split_at(p[1].find(' ').expect("words"));
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ns}>\
<office:automatic-styles><style:style style:name=\"P1\" style:family=\"paragraph\" style:parent-style-name=\"Title\"/></office:automatic-styles>\
<office:body><office:text>\
<text:tracked-changes><text:changed-region text:id=\"ct1\"><text:deletion><office:change-info><dc:creator>A</dc:creator></office:change-info>\
<text:p>These words were deleted.</text:p></text:deletion></text:changed-region></text:tracked-changes>\
<text:p text:style-name=\"P1\">{title}</text:p>\
<text:h text:outline-level=\"1\">Findings</text:h>\
<text:p>{p0}<text:note text:id=\"ftn1\" text:note-class=\"footnote\"><text:note-citation>1</text:note-citation>\
<text:note-body><text:p>See {title}.</text:p></text:note-body></text:note></text:p>\
<text:p>{head}<text:s text:c=\"3\"/><text:change text:change-id=\"ct1\"/>{tail}<office:annotation><dc:creator>A</dc:creator><text:p>A reviewer's remark.</text:p></office:annotation></text:p>\
<text:list><text:list-item><text:p>{p2}</text:p></text:list-item><text:list-item><text:p>{p3}</text:p></text:list-item></text:list>\
<table:table><table:table-row><table:table-cell><text:p>{p4}</text:p><text:p>{p5}</text:p></table:table-cell>\
<table:table-cell><text:p>{p6}</text:p></table:table-cell></table:table-row></table:table>\
</office:text></office:body></office:document-content>",
        title = xml(title),
        p0 = xml(&p[0]),
        head = xml(head),
        tail = xml(tail),
        p2 = xml(&p[2]),
        p3 = xml(&p[3]),
        p4 = xml(&p[4]),
        p5 = xml(&p[5]),
        p6 = xml(&p[6]),
    );
    zip_file(
        path,
        &[
            (
                "mimetype",
                "application/vnd.oasis.opendocument.text".to_string(),
            ),
            ("content.xml", content),
        ],
    );
    vec![
        ("heading", title.to_string()),
        ("heading", "Findings".to_string()),
        ("paragraph", p[0].clone()),
        ("footnote", format!("See {title}.")),
        ("paragraph", p[1].clone()),
        ("paragraph", p[2].clone()),
        ("paragraph", p[3].clone()),
        ("paragraph", format!("{} {}", p[4], p[5])),
        ("paragraph", p[6].clone()),
    ]
}

/// An HTML page saved under a `.txt` name, in Windows-1252 as its `meta` declares, with
/// navigation, a cookie banner, a share bar and a footer around its article.
fn write_page(path: &Path, title: &str, p: &[String]) -> Expected {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"windows-1252\"><title>{t}</title>\
<script>var tracking = 1;</script></head><body>\
<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/analysis\">Analysis</a></li></ul></nav>\
<div id=\"cookie-notice\">This site uses cookies. Accept them to go on reading.</div>\
<main><article><h1>{t}</h1>\
<p>{p0}</p><p>{p1}<br><br>{p2}</p>\
<div class=\"share-bar\">Share: <a href=\"/fb\">Facebook</a> <a href=\"/x\">X</a></div>\
<h2>Caf\u{e9} conversations</h2><ul><li>{p3}</li></ul>\
<!-- p4 is in a comment and not text: {p4} -->\
</article></main>\
<aside class=\"related\"><h3>Related articles</h3><a href=\"/a\">Another article on policy innovation in China</a></aside>\
<footer>Copyright 2012 \u{b7} Impressum</footer></body></html>",
        t = xml(title),
        p0 = xml(&p[0]),
        p1 = xml(&p[1]),
        p2 = xml(&p[2]),
        p3 = xml(&p[3]),
        p4 = xml(&p[4]),
    );
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&page);
    assert!(!unmappable, "the page is Windows-1252 text");
    std::fs::write(path, bytes).expect("write page");
    vec![
        ("heading", title.to_string()),
        ("paragraph", p[0].clone()),
        ("paragraph", p[1].clone()),
        ("paragraph", p[2].clone()),
        ("heading", "Café conversations".to_string()),
        ("paragraph", p[3].clone()),
    ]
}

#[test]
fn word_processor_files_and_pages_are_read_with_their_structure() {
    let (title, p) = corpus_text();
    let corpus = tempfile::tempdir().expect("tempdir");
    let mut expected: BTreeMap<&str, Expected> = BTreeMap::new();
    expected.insert(
        "article.docx",
        write_docx(&corpus.path().join("article.docx"), &title, &p),
    );
    expected.insert(
        "article.odt",
        write_odt(&corpus.path().join("article.odt"), &title, &p),
    );
    expected.insert(
        "page.txt",
        write_page(&corpus.path().join("page.txt"), &title, &p),
    );
    // The same paragraphs as plain text, to compare their codes with.
    std::fs::write(corpus.path().join("plain.txt"), p[..8].join("\n\n") + "\n").expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        corpus.path(),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");

    let documents = table(out.path(), "documents");
    let layouts: BTreeMap<String, (String, String, String)> = strings(&documents, "document")
        .into_iter()
        .zip(strings(&documents, "layout"))
        .zip(
            strings(&documents, "encoding")
                .into_iter()
                .zip(strings(&documents, "encoding_from")),
        )
        .map(|((d, l), (e, f))| (d, (l, e, f)))
        .collect();
    assert_eq!(layouts["article.docx"].0, "markup");
    assert_eq!(layouts["article.odt"].0, "markup");
    assert_eq!(
        layouts["page.txt"],
        ("markup".into(), "windows-1252".into(), "declared".into())
    );
    assert_ne!(layouts["plain.txt"].0, "markup");
    // The hash and size are the file's, not the extracted text's.
    let bytes: BTreeMap<String, u64> = strings(&documents, "document")
        .into_iter()
        .zip(u64s(&documents, "bytes"))
        .collect();
    for name in ["article.docx", "page.txt"] {
        let stored = std::fs::metadata(corpus.path().join(name))
            .expect("size")
            .len();
        assert_eq!(bytes[name], stored, "{name}");
    }

    let texts = table(out.path(), "texts");
    let kept: BTreeMap<String, String> = strings(&texts, "document")
        .into_iter()
        .zip(strings(&texts, "text"))
        .collect();
    assert_eq!(
        kept.keys().collect::<Vec<_>>(),
        vec!["article.docx", "article.odt", "page.txt"],
        "only documents read from markup keep their text"
    );

    let segments = table(out.path(), "segments");
    let ids = strings(&segments, "document");
    let kinds = strings(&segments, "kind");
    let seg_texts = strings(&segments, "text");
    let (starts, ends) = (u64s(&segments, "char_start"), u64s(&segments, "char_end"));
    let lines = u32s(&segments, "line_start");
    for (name, want) in &expected {
        let got: Vec<(String, String)> = (0..ids.len())
            .filter(|&i| ids[i] == *name)
            .map(|i| (kinds[i].clone(), seg_texts[i].clone()))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect();
        assert_eq!(got, want, "{name}");
        // Positions are character offsets into the kept text; a block is a line, with a blank
        // line between blocks.
        let chars: Vec<char> = kept[*name].chars().collect();
        for (n, i) in (0..ids.len()).filter(|&i| ids[i] == *name).enumerate() {
            let cut: String = chars[starts[i] as usize..ends[i] as usize].iter().collect();
            assert_eq!(cut, seg_texts[i], "{name} segment {i}");
            assert_eq!(lines[i] as usize, 2 * n + 1, "{name} segment {i}");
        }
        for left_out in [
            "These words were deleted",
            "reviewer's remark",
            "PAGE",
            "cookies",
            "Facebook",
            "Related articles",
            "Impressum",
            "tracking",
        ] {
            assert!(!kept[*name].contains(left_out), "{name} holds {left_out:?}");
        }
    }

    // The REFI-QDA export's sources are the kept texts.
    let qdpx = out.path().join("project.qdpx");
    let (code, stderr) = invoke(
        &["export", "qdpx"],
        corpus.path(),
        &repo().join("codebook.toml"),
        &qdpx,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(&qdpx).expect("open qdpx")).expect("zip");
    let mut sources = BTreeSet::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).expect("utf-8 entry");
        sources.insert(text);
    }
    for (name, text) in &kept {
        assert!(sources.contains(text), "{name}'s source is its kept text");
    }

    // A paragraph is coded as the same paragraph in plain text.
    let codings = table(out.path(), "codings");
    let by_unit = codes_by_unit(&codings);
    let segment_text: BTreeMap<(String, u32), String> = ids
        .iter()
        .zip(u32s(&segments, "segment"))
        .zip(&seg_texts)
        .map(|((d, s), t)| ((d.clone(), s), t.clone()))
        .collect();
    let codes_of = |doc: &str| -> BTreeMap<String, BTreeSet<String>> {
        segment_text
            .iter()
            .filter(|((d, _), _)| d == doc)
            .map(|(unit, text)| (text.clone(), by_unit.get(unit).cloned().unwrap_or_default()))
            .collect()
    };
    let plain = codes_of("plain.txt");
    let mut compared = 0;
    let mut coded = 0;
    for doc in ["article.docx", "article.odt", "page.txt"] {
        for (text, codes) in codes_of(doc) {
            if let Some(plain_codes) = plain.get(&text) {
                assert_eq!(&codes, plain_codes, "{doc}: {text}");
                compared += 1;
                coded += usize::from(!codes.is_empty());
            }
        }
    }
    assert!(compared >= 12, "{compared} paragraphs compared");
    assert!(
        coded >= 3,
        "some of the compared paragraphs have codes: {coded}"
    );
}

#[test]
fn broken_files_are_skipped_with_their_reason_and_the_rest_is_coded() {
    let (title, p) = corpus_text();
    let corpus = tempfile::tempdir().expect("tempdir");
    let dir = corpus.path();
    write_docx(&dir.join("whole.docx"), &title, &p);
    let whole = std::fs::read(dir.join("whole.docx")).expect("read");
    std::fs::write(dir.join("truncated.docx"), &whole[..whole.len() / 2]).expect("write");
    zip_file(
        &dir.join("no-body.docx"),
        &[("word/styles.xml", "<w:styles/>".to_string())],
    );
    zip_file(
        &dir.join("bad-xml.odt"),
        &[("content.xml", "<office:document-content>".to_string())],
    );
    std::fs::write(dir.join("binary.html"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").expect("write");
    std::fs::write(
        dir.join("cut.html"),
        "<html><body><div><p>Trust grew between the bureau and the NGO, slowly.<p>A second para",
    )
    .expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(dir, &repo().join("codebook.toml"), out.path(), &[]);
    assert_eq!(code, 1, "some files were skipped: {stderr}");
    let documents = table(out.path(), "documents");
    let outcome: BTreeMap<String, (String, String)> = strings(&documents, "document")
        .into_iter()
        .zip(
            strings(&documents, "status")
                .into_iter()
                .zip(strings(&documents, "reason")),
        )
        .collect();
    assert_eq!(outcome["whole.docx"].0, "coded");
    assert_eq!(
        outcome["cut.html"].0, "coded",
        "malformed HTML is read as far as it goes"
    );
    for (name, reason) in [
        (
            "truncated.docx",
            "truncated, damaged or not a Word document",
        ),
        ("no-body.docx", "no word/document.xml"),
        ("bad-xml.odt", "content.xml is not well-formed XML"),
        ("binary.html", "binary"),
    ] {
        assert_eq!(outcome[name].0, "skipped", "{name}");
        assert!(
            outcome[name].1.contains(reason),
            "{name}: {}",
            outcome[name].1
        );
        assert!(stderr.contains(name), "{name} is named on stderr");
    }
    let texts = table(out.path(), "texts");
    let kept: BTreeMap<String, String> = strings(&texts, "document")
        .into_iter()
        .zip(strings(&texts, "text"))
        .collect();
    assert_eq!(
        kept["cut.html"],
        "Trust grew between the bureau and the NGO, slowly.\n\nA second para"
    );
}
