//! Hostile corpora: folders that loop back through links, folders that cannot be listed,
//! FIFOs and sockets, file names that are not UTF-8, an output folder inside the corpus, and
//! old Mac line ends. Each is reported and the run goes on with the rest, once per file.
#![cfg(unix)]

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CODEBOOK: &str = r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust"]
"#;

fn codebook(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("codebook.toml");
    std::fs::write(&path, CODEBOOK).expect("codebook");
    path
}

/// Runs `qualcode run`, killed after a minute (a walk that loops or a FIFO that blocks would
/// hang): (exit code, stderr).
fn run_bounded(corpus: &Path, out: &Path, codebook: &Path) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qualcode"))
        .args(["run", "--corpus"])
        .arg(corpus)
        .arg("--codebook")
        .arg(codebook)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run qualcode");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
                .expect("stderr");
            return (status.code().unwrap_or(-1), stderr);
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().expect("kill");
            panic!("qualcode did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn documents_and_statuses(out: &Path) -> Vec<(String, String)> {
    let documents = table(out, "documents");
    strings(&documents, "document")
        .into_iter()
        .zip(strings(&documents, "status"))
        .collect()
}

fn corpus_notes(out: &Path) -> Vec<String> {
    manifest(out)["corpus_notes"]
        .as_array()
        .map(|notes| {
            notes
                .iter()
                .map(|n| n.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn folders_linked_back_are_read_once_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("sub")).expect("mkdir");
    std::fs::write(corpus.join("a.txt"), "Trust grew.\n").expect("write");
    std::fs::write(corpus.join("sub/b.txt"), "More trust.\n").expect("write");
    // A loop back up, two links to the corpus folder itself, and a second way into `sub`.
    std::os::unix::fs::symlink("..", corpus.join("sub/loop")).expect("symlink");
    std::os::unix::fs::symlink(".", corpus.join("self1")).expect("symlink");
    std::os::unix::fs::symlink(".", corpus.join("self2")).expect("symlink");
    std::os::unix::fs::symlink("sub", corpus.join("also_sub")).expect("symlink");
    let out = dir.path().join("out");
    let (code, stderr) = run_bounded(&corpus, &out, &codebook(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    // Each file once, under the path of its real folder.
    assert_eq!(
        documents_and_statuses(&out),
        [
            ("a.txt".to_string(), "coded".to_string()),
            ("sub/b.txt".to_string(), "coded".to_string())
        ]
    );
    for link in ["also_sub", "self1", "self2", "sub/loop"] {
        assert!(
            stderr.contains(&format!(
                "note: left out \"{link}\": a link to a folder already read"
            )),
            "{link}: {stderr}"
        );
    }
    assert_eq!(corpus_notes(&out).len(), 4, "{:?}", corpus_notes(&out));
}

#[test]
fn a_folder_that_cannot_be_listed_is_skipped_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::write(corpus.join("a.txt"), "Trust grew.\n").expect("write");
    // Folders nested deeper than a path may be long (PATH_MAX, 4096 bytes on Linux): listing
    // the deepest fails whoever runs the test (root reads folders without permission). Made
    // in bash, whose `cd` goes deeper than PATH_MAX (dash's does not).
    let name = "d".repeat(200);
    let made = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "cd '{}' && mkdir deep && cd deep && for i in $(seq 25); do mkdir {name} && cd {name} || exit 1; done; echo 'Deep trust.' > deep.txt",
            corpus.display()
        ))
        .status()
        .expect("bash");
    assert!(made.success());
    let out = dir.path().join("out");
    let (code, stderr) = run_bounded(&corpus, &out, &codebook(dir.path()));
    assert_eq!(code, 1, "skipped entries exit 1: {stderr}");
    let documents = documents_and_statuses(&out);
    assert_eq!(documents.len(), 2, "{documents:?}");
    assert_eq!(documents[0], ("a.txt".to_string(), "coded".to_string()));
    assert!(documents[1].0.starts_with("deep/ddd"), "{documents:?}");
    assert_eq!(documents[1].1, "skipped");
    assert!(stderr.contains("File name too long"), "{stderr}");
}

#[test]
fn only_regular_files_are_documents_and_a_fifo_never_blocks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::write(corpus.join("a.txt"), "Trust grew.\n").expect("write");
    let made = Command::new("mkfifo")
        .arg(corpus.join("pipe.txt"))
        .status()
        .expect("mkfifo (coreutils)");
    assert!(made.success());
    let _socket =
        std::os::unix::net::UnixListener::bind(corpus.join("socket.txt")).expect("socket");
    std::os::unix::fs::symlink("nowhere.txt", corpus.join("broken.txt")).expect("symlink");
    let out = dir.path().join("out");
    let (code, stderr) = run_bounded(&corpus, &out, &codebook(dir.path()));
    assert_eq!(code, 1, "{stderr}");
    let files = manifest(&out)["files"].clone();
    let reason = |id: &str| {
        files
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["document"] == id)
            .and_then(|f| f["reason"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        reason("pipe.txt"),
        "not a regular file but a named pipe (FIFO)"
    );
    assert_eq!(reason("socket.txt"), "not a regular file but a socket");
    assert!(
        reason("broken.txt").starts_with("a link whose target cannot be read"),
        "{}",
        reason("broken.txt")
    );
    assert_eq!(manifest(&out)["counts"]["coded"], 1);
}

#[test]
fn names_that_are_not_utf8_get_unique_reversible_ids() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    // Two Latin-1 names that a lossy conversion makes the same (`x\u{FFFD}.txt`), one with a
    // `%` of its own, and a UTF-8 name with a `%` (kept as it is).
    let names: [&[u8]; 4] = [b"x\xFF.txt", b"x\xFE.txt", b"50%\xE9.txt", b"100%.txt"];
    for name in names {
        let path = corpus.join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, "Trust grew.\n").expect("write");
    }
    let out = dir.path().join("out");
    let (code, stderr) = run_bounded(&corpus, &out, &codebook(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    let documents: Vec<String> = documents_and_statuses(&out)
        .into_iter()
        .map(|(id, status)| {
            assert_eq!(status, "coded", "{id}");
            id
        })
        .collect();
    assert_eq!(
        documents,
        ["100%.txt", "50%25%E9.txt", "x%FE.txt", "x%FF.txt"]
    );
    for id in &documents[1..] {
        let name = qualcode::read::unescape_name(id);
        assert!(
            corpus.join(std::ffi::OsStr::from_bytes(&name)).exists(),
            "{id}"
        );
    }
    // Each code is counted in each of the four documents.
    assert_eq!(table(&out, "codings").height(), 4);
    assert!(
        corpus_notes(&out)
            .iter()
            .any(|n| n.contains("not valid UTF-8") && n.contains("%XX")),
        "{:?}",
        corpus_notes(&out)
    );
}

#[test]
fn an_output_folder_inside_the_corpus_is_left_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::write(corpus.join("a.txt"), "Trust grew.\n").expect("write");
    let out = corpus.join("output");
    let codebook = codebook(dir.path());
    for _ in 0..2 {
        let (code, stderr) = run_bounded(&corpus, &out, &codebook);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            documents_and_statuses(&out),
            [("a.txt".to_string(), "coded".to_string())]
        );
    }
    assert_eq!(
        corpus_notes(&out),
        ["left out \"output\": it holds qualcode's output (a qualcode manifest.json), not documents"]
    );
}

#[test]
fn lone_cr_line_ends_are_line_breaks_with_positions_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "A first paragraph about trust.\n\nA second one.\nThen trust again.\n";
    let codebook = codebook(dir.path());
    let mut runs = Vec::new();
    for (name, ending) in [("lf", "\n"), ("cr", "\r")] {
        let corpus = dir.path().join(name);
        std::fs::create_dir(&corpus).expect("mkdir");
        std::fs::write(corpus.join("doc.txt"), text.replace('\n', ending)).expect("write");
        let out = dir.path().join(format!("out-{name}"));
        let (code, stderr) = run_bounded(&corpus, &out, &codebook);
        assert_eq!(code, 0, "{stderr}");
        let segments = table(&out, "segments");
        let matches = table(&out, "matches");
        runs.push((
            strings(&segments, "text"),
            u32s(&segments, "line_start"),
            u64s(&matches, "byte_start"),
            u32s(&matches, "line"),
        ));
    }
    assert_eq!(runs[0], runs[1]);
    // Two paragraphs; the second match is on line 4 of the file.
    assert_eq!(runs[0].0.len(), 2, "{:?}", runs[0]);
    assert_eq!(runs[0].3, [1, 4]);
}

#[test]
fn words_broken_at_line_ends_are_rejoined_when_the_document_writes_them_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    // Hard-wrapped text: `trust-` / `worthy` is a break (the document writes `trustworthy`),
    // `trust-` / `based` a compound (never written whole).
    let text = "The county officials became trust-\nworthy partners over the years, as\n\
                the trustworthy ones always do in such trust-\nbased work with the NGO.\n";
    std::fs::write(corpus.join("doc.txt"), text).expect("write");
    let cb = dir.path().join("codebook.toml");
    std::fs::write(
        &cb,
        "[[codes]]\nid = \"trust\"\n[[codes.rules]]\nterms = [\"trustworthy\", \"trust-based\"]\n",
    )
    .expect("write codebook");
    let out = dir.path().join("out");
    let (code, stderr) = run_bounded(&corpus, &out, &cb);
    assert_eq!(code, 0, "{stderr}");
    let segments = table(&out, "segments");
    assert_eq!(
        strings(&segments, "text"),
        [
            "The county officials became trustworthy partners over the years, as the trustworthy \
          ones always do in such trust-based work with the NGO."
        ]
    );
    let matches = table(&out, "matches");
    assert_eq!(
        strings(&matches, "text"),
        ["trustworthy", "trustworthy", "trust-based"]
    );
    // Positions stay the source's: the first match spans the hyphen and the line break.
    let (starts, ends) = (u64s(&matches, "char_start"), u64s(&matches, "char_end"));
    let cut = |i: usize| text[starts[i] as usize..ends[i] as usize].to_string();
    assert_eq!(cut(0), "trust-\nworthy");
    assert_eq!(cut(2), "trust-\nbased");
    assert_eq!(u32s(&matches, "line"), [1, 3, 3]);
}
