//! `--from RUN_DIR`: the workbench commands read a finished run's tables instead of coding the
//! corpus again, with the same results, and refuse a run whose codebook has changed.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// (exit code, stdout, stderr without timings) of a command, run without and with `--from`.
fn both(args: &[&str], from: &Path) -> ((i32, String, String), (i32, String, String)) {
    let untimed = |(code, stdout, stderr): (i32, String, String)| {
        let stderr = stderr
            .lines()
            .map(|l| l.split(" in ").next().unwrap_or(l).to_string())
            .collect::<Vec<_>>()
            .join("\n");
        (code, stdout, stderr)
    };
    let mut with = args.to_vec();
    with.extend(["--from", from.to_str().expect("utf-8")]);
    (untimed(outcome(args)), untimed(outcome(&with)))
}

#[test]
fn workbench_commands_from_a_run_print_what_coding_again_prints() {
    let run = default_run(&[]);
    let gold = repo().join("tests/hand_coding/heldout.csv");
    let gold = gold.to_str().expect("utf-8");
    for args in [
        vec!["check"],
        vec!["explain", "002_c944b3881ed7d4ef.txt", "17"],
        vec!["explain", "001_bb6c17c0ea50004b.txt", "--line", "86"],
        vec!["similar", "fic_strategy", "--limit", "5"],
        vec!["similar", "trust", "--gold", gold, "--limit", "5"],
        vec!["suggest", "localisation", "--gold", gold, "--limit", "5"],
        vec!["agree", "--gold", gold, "--bootstrap", "200", "--out"],
    ] {
        let mut args = args.clone();
        let agree_out;
        if args[0] == "agree" {
            agree_out = tempfile::tempdir().expect("tempdir");
            args.push(agree_out.path().to_str().expect("utf-8"));
        }
        let (again, from) = both(&args, run.path());
        assert_eq!(again.0, 0, "{args:?}: {}", again.2);
        assert_eq!(again, from, "{args:?}");
    }
}

/// kwic codes into a temporary run and reads it as `--from` does: the same lines either way,
/// their context the unit's text as the run kept it, so a footnote that interrupts a unit in
/// the source (001's footnote 53) is not in its matches' context.
#[test]
fn kwic_from_a_run_prints_the_lines_kwic_prints() {
    let run = default_run(&[]);
    for code in ["trust", "reciprocity", "fic_strategy", "localisation"] {
        let (again, from) = both(&["kwic", code, "--status", "all"], run.path());
        assert_eq!(again.0, 0, "{}", again.2);
        assert!(again.1.lines().count() > 10, "{code}: {}", again.1);
        assert_eq!(again, from, "{code}");
    }
    let (_, stdout, _) = outcome(&["kwic", "reciprocity"]);
    assert!(
        stdout.contains("But while SSCA [helps the government realiz]e its policy objectives"),
        "{stdout}"
    );
    assert!(!stdout.contains("Qiushi Ma"), "{stdout}");
}

#[test]
fn export_from_a_run_writes_the_same_project() {
    let run = default_run(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut projects = BTreeMap::new();
    let created = regex::Regex::new(r#"creationDateTime="[^"]*""#).unwrap();
    for from in [false, true] {
        let out = dir.path().join(format!("{from}.qdpx"));
        let mut args = vec!["export", "qdpx", "--out", out.to_str().unwrap()];
        if from {
            args.extend(["--from", run.path().to_str().unwrap()]);
        }
        let (code, _, stderr) = outcome(&args);
        assert_eq!(code, 0, "{stderr}");
        let file = std::fs::File::open(&out).expect("qdpx");
        let mut zip = zip::ZipArchive::new(file).expect("zip");
        let mut contents = BTreeMap::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).expect("entry");
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).expect("utf-8");
            let text = created.replace_all(&text, "").into_owned();
            contents.insert(entry.name().expect("entry name").to_string(), text);
        }
        projects.insert(from, contents);
    }
    assert!(projects[&false].len() > 5);
    assert_eq!(projects[&false], projects[&true]);
}

#[test]
fn a_run_of_another_codebook_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = dir.path().join("codebook.toml");
    std::fs::copy(repo().join("codebook.toml"), &codebook).expect("copy");
    let out = dir.path().join("run");
    let (code, stderr) = run(&repo().join("corpus"), &codebook, &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&codebook).unwrap();
    std::fs::write(&codebook, text.replace("\"trust\", ", "")).unwrap();
    for args in [
        vec!["kwic", "trust"],
        vec!["check"],
        vec!["explain", "002_c944b3881ed7d4ef.txt", "17"],
    ] {
        let mut args = args.clone();
        args.extend([
            "--codebook",
            codebook.to_str().unwrap(),
            "--from",
            out.to_str().unwrap(),
        ]);
        let (status, stdout, stderr) = outcome(&args);
        assert_eq!(status, 2, "{args:?}: {stdout}");
        assert!(
            stderr.contains("the codebook changed since that run"),
            "{args:?}: {stderr}"
        );
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
}

#[test]
fn a_run_with_empty_and_skipped_files_is_reused_with_its_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for name in ["000_1c80d6f4af9c420a.txt", "002_c944b3881ed7d4ef.txt"] {
        std::fs::copy(repo().join("corpus").join(name), corpus.join(name)).unwrap();
    }
    std::fs::write(corpus.join("empty.txt"), "").unwrap();
    std::fs::write(corpus.join("old.doc"), b"\xd0\xcf\x11\xe0 not text").unwrap();
    let out = dir.path().join("run");
    let (code, stderr) = run(&corpus, &repo().join("codebook.toml"), &out, &[]);
    assert_eq!(code, 1, "{stderr}");
    let corpus_arg = corpus.to_str().unwrap();
    // A hand coding of the first two units of one document, by their characters.
    let segments = table(&out, "segments");
    let (docs, starts, ends) = (
        strings(&segments, "document"),
        u64s(&segments, "char_start"),
        u64s(&segments, "char_end"),
    );
    let coded = bools(&segments, "coded");
    let mut gold = String::from("document,unit,trust\n");
    for i in (0..docs.len())
        .filter(|&i| coded[i] && docs[i] == "002_c944b3881ed7d4ef.txt")
        .take(2)
    {
        gold.push_str(&format!(
            "{},chars:{}-{},yes\n",
            docs[i], starts[i], ends[i]
        ));
    }
    let gold_path = dir.path().join("gold.csv");
    std::fs::write(&gold_path, gold).unwrap();
    let gold = gold_path.to_str().unwrap();
    let agreed = dir.path().join("agreed");
    let agreed = agreed.to_str().unwrap();
    for args in [
        vec!["kwic", "localisation", "--status", "all"],
        vec!["check"],
        vec!["similar", "trust", "--limit", "3"],
        vec!["similar", "trust", "--gold", gold, "--limit", "3"],
        vec!["agree", "--gold", gold, "--bootstrap", "0", "--out", agreed],
        vec!["suggest", "trust", "--gold", gold, "--min-units", "1"],
    ] {
        let mut args = args.clone();
        args.extend(["--corpus", corpus_arg]);
        let (again, from) = both(&args, &out);
        assert_eq!(again.0, 1, "{args:?}: {}", again.2);
        assert_eq!(again.0, from.0, "{args:?}");
        assert_eq!(again.1, from.1, "{args:?}");
        assert!(!from.1.is_empty(), "{args:?}");
    }
    // The export has the two coded documents, not the empty or the skipped file.
    let qdpx = dir.path().join("odd.qdpx");
    let (status, _, stderr) = outcome(&[
        "export",
        "qdpx",
        "--corpus",
        corpus_arg,
        "--out",
        qdpx.to_str().unwrap(),
        "--from",
        out.to_str().unwrap(),
    ]);
    assert_eq!(status, 1, "{stderr}");
    let archive = ::zip::ZipArchive::new(std::fs::File::open(&qdpx).unwrap()).unwrap();
    let sources = archive
        .file_names()
        .filter(|n| n.as_ref().is_ok_and(|n| n.starts_with("sources/")))
        .count();
    assert_eq!(sources, 2);
    // A document of the corpus changed since the run: its positions no longer fit.
    std::fs::write(
        corpus.join("000_1c80d6f4af9c420a.txt"),
        "Trust was built.\n",
    )
    .unwrap();
    let agreed = tempfile::tempdir().unwrap();
    let (status, _, stderr) = outcome(&[
        "export",
        "qdpx",
        "--out",
        agreed.path().join("p.qdpx").to_str().unwrap(),
        "--from",
        out.to_str().unwrap(),
    ]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("changed since the run"), "{stderr}");
}

/// The commands that read a run a document at a time rely on its tables listing documents in
/// the order of its documents table (as every run and merge writes them): a table changed
/// after the run so that they do not is refused, never read into the wrong documents.
#[test]
fn a_run_whose_tables_are_out_of_order_is_refused() {
    use polars::prelude::*;
    let run = default_run(&[]);
    let path = run.path().join("segments.parquet");
    let mut reversed = table(run.path(), "segments").reverse();
    ParquetWriter::new(std::fs::File::create(&path).expect("create"))
        .finish(&mut reversed)
        .expect("write");
    let qdpx = run.path().join("p.qdpx");
    let (status, _, stderr) = outcome(&[
        "export",
        "qdpx",
        "--out",
        qdpx.to_str().unwrap(),
        "--from",
        run.path().to_str().unwrap(),
    ]);
    assert_eq!(status, 2, "{stderr}");
    assert!(
        stderr.contains("the folder was changed after its run"),
        "{stderr}"
    );
    assert!(!qdpx.exists());
}
