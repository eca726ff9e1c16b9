//! `run --shard K/N` and `merge`: merging the shards of any split gives exactly the tables
//! (and manifest counts and files) of a single run; merges of mismatched shards are refused.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// The shipped corpus plus an empty file, a skipped binary file and a file in a subfolder.
fn corpus(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(corpus.join("more")).expect("mkdir");
    for entry in std::fs::read_dir(repo().join("corpus")).expect("corpus") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), corpus.join(entry.file_name())).expect("copy");
    }
    std::fs::write(corpus.join("empty.txt"), "").expect("write");
    std::fs::write(corpus.join("binary.txt"), b"\x00\x01\x02").expect("write");
    std::fs::write(
        corpus.join("more/notes.md"),
        "# Notes\n\nThe yibashou rotates, and trust is lost.\n\nMutual benefit, a win-win.\n",
    )
    .expect("write");
    corpus
}

#[test]
fn merging_any_split_gives_the_single_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus(dir.path());
    let codebook = repo().join("codebook.toml");
    let single = dir.path().join("single");
    let (code, stderr) = run(&corpus, &codebook, &single, &[]);
    assert_eq!(code, 1, "one file is skipped: {stderr}");
    let expected = manifest(&single);
    for n in [1, 2, 3, 7] {
        let mut shards = Vec::new();
        let mut documents = 0;
        for k in 1..=n {
            let out = dir.path().join(format!("shard-{k}-of-{n}"));
            let (code, stderr) = run(&corpus, &codebook, &out, &["--shard", &format!("{k}/{n}")]);
            assert!(code == 0 || code == 1, "{stderr}");
            documents += table(&out, "documents").height();
            shards.push(out);
        }
        assert_eq!(documents, 8, "every file in exactly one of {n} shards");
        // Any order of the folders.
        shards.reverse();
        let merged = dir.path().join(format!("merged-{n}"));
        let (code, stderr) = merge(&shards, &merged);
        assert_eq!(code, 1, "the skipped file is still reported: {stderr}");
        for name in TABLES {
            let (a, b) = (table(&single, name), table(&merged, name));
            assert!(
                a.equals_missing(&b),
                "{name} differs for {n} shards:\n{a}\n{b}"
            );
        }
        let got = manifest(&merged);
        assert_eq!(got["counts"], expected["counts"], "{n} shards");
        assert_eq!(got["files"], expected["files"], "{n} shards");
        assert_eq!(got["codebook"], expected["codebook"]);
        assert_eq!(
            got["merged_from"].as_array().map(Vec::len),
            Some(n as usize)
        );
    }
}

#[test]
fn mismatched_shards_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus(dir.path());
    let codebook = repo().join("codebook.toml");
    let out = |name: &str| dir.path().join(name);
    for (name, shard) in [("a", "1/2"), ("b", "2/2"), ("c", "1/3")] {
        let (code, stderr) = run(&corpus, &codebook, &out(name), &["--shard", shard]);
        assert!(code == 0 || code == 1, "{stderr}");
    }
    let (code, stderr) = run(&corpus, &codebook, &out("plain"), &[]);
    assert_eq!(code, 1, "{stderr}");
    for (shards, message) in [
        (vec!["a"], "shards 2/2 are missing"),
        (vec!["a", "a"], "are both shard 1/2"),
        (
            vec!["a", "c"],
            "all shards must split the corpus the same way",
        ),
        (
            vec!["plain", "a"],
            "is not the output of a `run --shard K/N`",
        ),
        (vec!["a", "nowhere"], "has no readable manifest.json"),
    ] {
        let dirs: Vec<PathBuf> = shards.iter().map(|s| out(s)).collect();
        let (code, stderr) = merge(&dirs, &out("merged"));
        assert_eq!(code, 2, "{shards:?}");
        assert!(stderr.contains(message), "{shards:?}: {stderr}");
        assert!(!out("merged").join("manifest.json").exists());
    }
    // A shard whose table is not the one its manifest describes (here: shard 2's table copied
    // over shard 1's, which has another number of rows) is refused, naming the table.
    for name in ["codings", "rejected_matches"] {
        let file = |d: &str| out(d).join(format!("{name}.parquet"));
        assert_ne!(
            table(&out("a"), name).height(),
            table(&out("b"), name).height(),
            "{name}"
        );
        let kept = std::fs::read(file("a")).expect("read");
        std::fs::copy(file("b"), file("a")).expect("copy");
        let (code, stderr) = merge(&[out("a"), out("b")], &out("merged"));
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("{name}.parquet has")) && stderr.contains("rerun that shard"),
            "{stderr}"
        );
        assert!(!out("merged").join("manifest.json").exists());
        std::fs::write(file("a"), kept).expect("restore");
    }
    let (code, stderr) = merge(&[out("a"), out("b")], &out("merged"));
    assert!(code == 0 || code == 1, "{stderr}");
    for bad in ["0/2", "3/2", "2", "a/b"] {
        let (code, stderr) = run(&corpus, &codebook, &out("x"), &["--shard", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(
            stderr.contains("--shard takes K/N with 1 <= K <= N"),
            "{stderr}"
        );
    }
}

#[test]
fn shards_cut_from_different_corpora_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = repo().join("codebook.toml");
    let out = |name: &str| dir.path().join(name);
    // The corpus, a copy of it elsewhere (another node's scratch disk), and the corpus with one
    // file changed (a newer version of one document) or added.
    let corpus = corpus(&out("here"));
    let copy = self::corpus(&out("there"));
    let changed = self::corpus(&out("changed"));
    std::fs::write(
        changed.join("more/notes.md"),
        "# Notes, revised\n\nTrust.\n",
    )
    .expect("write");
    let added = self::corpus(&out("added"));
    std::fs::write(added.join("late.txt"), "A late document.\n").expect("write");
    for (name, folder, shard) in [
        ("a", &corpus, "1/2"),
        ("b", &corpus, "2/2"),
        ("b-copy", &copy, "2/2"),
        ("b-changed", &changed, "2/2"),
        ("b-added", &added, "2/2"),
    ] {
        let (code, stderr) = run(folder, &codebook, &out(name), &["--shard", shard]);
        assert!(code == 0 || code == 1, "{stderr}");
    }
    // Whichever shard holds the changed or added file, the other shard's listing differs.
    for other in ["b-changed", "b-added"] {
        let (code, stderr) = merge(&[out("a"), out(other)], &out("merged"));
        assert_eq!(code, 2, "{other}: {stderr}");
        assert!(
            stderr.contains("was cut from another corpus than")
                && stderr.contains("8 documents, listing sha256"),
            "{stderr}"
        );
        assert!(!out("merged").join("manifest.json").exists());
    }
    // The same documents elsewhere merge, with a note.
    let (code, stderr) = merge(&[out("a"), out("b-copy")], &out("merged"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the same documents"), "{stderr}");
    let (code, stderr) = merge(&[out("a"), out("b")], &out("merged-here"));
    assert_eq!(code, 1, "{stderr}");
    for name in TABLES {
        assert!(table(&out("merged"), name).equals_missing(&table(&out("merged-here"), name)));
    }

    // A table corpus: the rows of another version of the table are another corpus.
    let csv = |name: &str, last: &str| {
        let path = out(name);
        std::fs::write(
            &path,
            format!("id,text\nd1,Trust between them.\nd2,Mutual benefit.\nd3,\"{last}\"\n"),
        )
        .expect("write");
        path
    };
    let (one, two) = (
        csv("one.csv", "A win-win."),
        csv("two.csv", "A win-win, revised."),
    );
    for (name, table, shard) in [("t1", &one, "1/2"), ("t2", &two, "2/2")] {
        let (code, stderr) = run(table, &codebook, &out(name), &["--shard", shard]);
        assert!(code == 0 || code == 1, "{stderr}");
    }
    let (code, stderr) = merge(&[out("t1"), out("t2")], &out("merged-table"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("3 documents, listing sha256"), "{stderr}");
}

#[test]
fn small_batches_give_the_same_tables_as_one() {
    // The run streams the corpus in batches; with one or two files per batch the Parquet files
    // hold several row groups, and must read back exactly as the one-batch run.
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus(dir.path());
    let codebook = repo().join("codebook.toml");
    let whole = dir.path().join("whole");
    let (code, stderr) = run(&corpus, &codebook, &whole, &["--batch-files", "100000"]);
    assert_eq!(code, 1, "{stderr}");
    for (flag, value) in [
        ("--batch-files", "1"),
        ("--batch-files", "2"),
        ("--batch-mb", "1"),
    ] {
        let out = dir.path().join(format!("batched{value}"));
        let (code, stderr) = run(&corpus, &codebook, &out, &[flag, value]);
        assert_eq!(code, 1, "{stderr}");
        for name in TABLES {
            let (a, b) = (table(&whole, name), table(&out, name));
            assert!(a.equals_missing(&b), "{name} differs with {flag} {value}");
        }
        assert_eq!(manifest(&out)["counts"], manifest(&whole)["counts"]);
        assert_eq!(manifest(&out)["tables"], manifest(&whole)["tables"]);
    }
    let (code, stderr) = run(
        &corpus,
        &codebook,
        &dir.path().join("x"),
        &["--batch-files", "0"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--batch-files must be at least 1"),
        "{stderr}"
    );
    let (code, stderr) = run(
        &corpus,
        &codebook,
        &dir.path().join("x"),
        &["--batch-mb", "0"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("--batch-mb takes 1 to 1000000"), "{stderr}");
}

#[test]
fn files_larger_than_a_batch_are_coded_in_parts_into_the_same_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus(dir.path());
    let codebook = repo().join("codebook.toml");
    // With `--batch-mb 1` each of these is coded on its own, a batch (16 chunks of 64 KiB) at a
    // time: the article 27 times (1.6 MB, two parts), a binary file (skipped) and a file of
    // blank lines (coded, no segments). In name order, each but the first is read while the one
    // before it is coded.
    let article =
        std::fs::read_to_string(repo().join("corpus/001_bb6c17c0ea50004b.txt")).expect("article");
    let book = article.repeat(27);
    assert!(
        book.len() > 3 << 19,
        "the book must exceed a batch and a half"
    );
    std::fs::write(corpus.join("book.txt"), &book).expect("write");
    std::fs::write(corpus.join("blob-binary.txt"), vec![0u8; 1 << 21]).expect("write");
    std::fs::write(corpus.join("blank.txt"), "\n".repeat(1 << 21)).expect("write");
    for unit in ["paragraph", "sentence"] {
        // One batch of 1000 MB: every file coded whole, in one chunk.
        let whole = dir.path().join(format!("whole-{unit}"));
        let (code, stderr) = run(
            &corpus,
            &codebook,
            &whole,
            &["--unit", unit, "--batch-mb", "1000"],
        );
        assert_eq!(code, 1, "{stderr}");
        let parts = dir.path().join(format!("parts-{unit}"));
        let (code, stderr) = run(
            &corpus,
            &codebook,
            &parts,
            &["--unit", unit, "--batch-mb", "1"],
        );
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("blob-binary.txt"), "{stderr}");
        for name in TABLES {
            let (a, b) = (table(&whole, name), table(&parts, name));
            assert!(a.equals_missing(&b), "{name} differs for {unit} units");
        }
        assert_eq!(manifest(&parts)["counts"], manifest(&whole)["counts"]);
        // The book's segments are numbered on across its parts.
        let segments = table(&parts, "segments");
        let documents = strings(&segments, "document");
        let numbers: Vec<u32> = u32s(&segments, "segment")
            .into_iter()
            .zip(&documents)
            .filter(|(_, d)| *d == "book.txt")
            .map(|(n, _)| n)
            .collect();
        assert!(numbers.len() > 27 * 50, "{}", numbers.len());
        assert!(numbers.iter().enumerate().all(|(i, &n)| n as usize == i));
    }
}
