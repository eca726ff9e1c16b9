//! Bad input: broken files are skipped and reported without losing the rest; broken
//! codebooks are refused with file:line:column for every problem, and nothing is written.

mod common;

use common::*;
use std::path::Path;

const CODEBOOK: &str = r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust"]
"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write fixture");
}

#[test]
fn unreadable_files_are_skipped_reported_and_the_rest_is_coded() {
    let corpus = tempfile::tempdir().expect("tempdir");
    let dir = corpus.path();
    write(
        dir,
        "a_good.txt",
        b"Trust between NGOs and officials grew.\n\nA second paragraph without the code.\n",
    );
    write(dir, "b_bom_crlf.txt", b"\xEF\xBB\xBFMutual trust came first.\r\n\r\nThen \xE2\x80\x9Ctrust\xE2\x80\x9D again.\r\n");
    // Windows-1252 with UTF-8 quotes pasted in: neither encoding reads it all. (Windows-1252
    // alone is decoded: see tests/encodings.rs.)
    write(
        dir,
        "c_invalid.txt",
        b"caf\xE9 and \xE2\x80\x9Ctrust\xE2\x80\x9D\n",
    );
    write(dir, "d_binary.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR trust");
    write(dir, "e_empty.txt", b"");
    write(dir, "f_paper.doc", b"\xD0\xCF\x11\xE0 trust");
    write(
        dir,
        "g_notes.md",
        b"# Notes\n\nWe built trust with the\nstreet office.\n",
    );
    let codebook = tempfile::NamedTempFile::new().expect("codebook");
    std::fs::write(codebook.path(), CODEBOOK).expect("write codebook");
    let out = tempfile::tempdir().expect("out");

    let (code, stderr) = run(dir, codebook.path(), out.path(), &[]);
    assert_eq!(code, 1, "finished with skipped files: {stderr}");
    for (file, reason) in [
        (
            "c_invalid.txt",
            "not valid UTF-8 (first invalid byte at offset 3)",
        ),
        ("d_binary.txt", "binary file"),
        ("f_paper.doc", "unsupported format .doc"),
    ] {
        assert!(
            stderr.contains(file) && stderr.contains(reason),
            "{file}: {stderr}"
        );
    }
    assert!(
        stderr.contains("note: ") && stderr.contains("e_empty.txt is empty"),
        "empty files are reported, not warned about: {stderr}"
    );

    let m = manifest(out.path());
    let status: Vec<(String, String)> = m["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["document"].as_str().unwrap_or("").to_string(),
                f["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expect = |d: &str, s: &str| (d.to_string(), s.to_string());
    assert_eq!(
        status,
        vec![
            expect("a_good.txt", "coded"),
            expect("b_bom_crlf.txt", "coded"),
            expect("c_invalid.txt", "skipped"),
            expect("d_binary.txt", "skipped"),
            expect("e_empty.txt", "empty"),
            expect("f_paper.doc", "skipped"),
            expect("g_notes.md", "coded"),
        ]
    );
    assert_eq!(m["counts"]["skipped"], 3);
    assert_eq!(m["counts"]["empty"], 1);

    let documents = table(out.path(), "documents");
    assert_eq!(documents.height(), 7, "every file has a row");
    let codings = table(out.path(), "codings");
    let coded_docs = strings(&codings, "document");
    assert_eq!(
        coded_docs,
        vec![
            "a_good.txt",
            "b_bom_crlf.txt",
            "b_bom_crlf.txt",
            "g_notes.md"
        ]
    );

    // BOM + CRLF: byte offsets are file offsets (BOM included), characters exclude the BOM.
    let segments = table(out.path(), "segments");
    let (docs, texts, bs, be, cs) = (
        strings(&segments, "document"),
        strings(&segments, "text"),
        u64s(&segments, "byte_start"),
        u64s(&segments, "byte_end"),
        u64s(&segments, "char_start"),
    );
    let bom: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i] == "b_bom_crlf.txt")
        .collect();
    assert_eq!(bom.len(), 2);
    let raw = std::fs::read(dir.join("b_bom_crlf.txt")).expect("read");
    assert_eq!(texts[bom[0]], "Mutual trust came first.");
    assert_eq!(
        &raw[bs[bom[0]] as usize..be[bom[0]] as usize],
        b"Mutual trust came first."
    );
    assert_eq!((bs[bom[0]], cs[bom[0]]), (3, 0));
    assert_eq!(
        &raw[bs[bom[1]] as usize..be[bom[1]] as usize],
        "Then “trust” again.".as_bytes()
    );
    assert_eq!(
        cs[bom[1]], 28,
        "24 characters and two CRLF line endings before it"
    );
    // Markdown: the heading is not coded and the wrapped paragraph is one unit.
    let md: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i] == "g_notes.md")
        .collect();
    assert_eq!(texts[md[1]], "We built trust with the street office.");
}

#[test]
fn empty_corpus_folder_is_not_an_error() {
    let corpus = tempfile::tempdir().expect("tempdir");
    let codebook = tempfile::NamedTempFile::new().expect("codebook");
    std::fs::write(codebook.path(), CODEBOOK).expect("write codebook");
    let out = tempfile::tempdir().expect("out");
    let (code, stderr) = run(corpus.path(), codebook.path(), out.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let frequency = table(out.path(), "code_frequency");
    assert_eq!(u32s(&frequency, "units"), vec![0]);
    assert_eq!(
        f64s(&frequency, "share"),
        vec![None],
        "no units: share is null, not NaN"
    );
}

fn codebook_errors(text: &str) -> (i32, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("codebook.toml");
    std::fs::write(&path, text).expect("write codebook");
    let out = dir.path().join("output");
    let (code, stderr) = run(&repo().join("corpus"), &path, &out, &[]);
    assert!(
        !out.join("manifest.json").exists(),
        "nothing is written for a bad codebook"
    );
    (code, stderr, dir)
}

#[test]
fn typo_in_a_key_is_reported_with_line_and_column() {
    let (code, stderr, dir) = codebook_errors(
        "[[codes]]\nid = \"trust\"\ndefinitoin = \"x\"\n[[codes.rules]]\nterms = [\"trust\"]\n",
    );
    assert_eq!(code, 2);
    let path = dir.path().join("codebook.toml");
    assert!(
        stderr.contains(&format!(
            "{}:3:1: unknown field `definitoin`",
            path.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("| definitoin = \"x\""), "excerpt: {stderr}");
}

#[test]
fn all_codebook_problems_are_reported_at_once() {
    let text = r#"[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust"]

[[codes]]
id = "trust"
[[codes.rules]]
regex = "win(-win"
"#;
    let (code, stderr, dir) = codebook_errors(text);
    assert_eq!(code, 2);
    let path = dir.path().join("codebook.toml").display().to_string();
    assert!(stderr.contains("has 2 problems"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{path}:7:6: duplicate code id \"trust\" (first defined on line 2)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{path}:9:9: invalid regex \"win(-win\"")),
        "{stderr}"
    );
}

#[test]
fn missing_corpus_and_codebook_are_fatal() {
    let out = tempfile::tempdir().expect("out");
    let (code, stderr) = run(
        Path::new("no/such/corpus"),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("corpus folder no/such/corpus does not exist"),
        "{stderr}"
    );
    let (code, stderr) = run(
        &repo().join("corpus"),
        Path::new("missing.toml"),
        out.path(),
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read codebook missing.toml"),
        "{stderr}"
    );
}

#[test]
fn unwritable_output_is_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a folder").expect("write");
    let (code, stderr) = run(
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        &blocker.join("out"),
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot create output folder"), "{stderr}");
}

#[test]
fn help_explains_the_command() {
    let output = qualcode(&["run", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--corpus",
        "--codebook",
        "--out",
        "--unit",
        "--threads",
        "sentence",
    ] {
        assert!(help.contains(flag), "{flag} missing from help");
    }
    let output = qualcode(&["--help"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Exit codes"));
}
