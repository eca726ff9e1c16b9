//! A run that fails while writing leaves the previous run in its output folder whole, in every
//! order of failure: while a table is written, and while the manifest is written (as when the
//! disk fills up). The failures are real write errors: the run is started with a limit on the
//! size of the files it may write (`RLIMIT_FSIZE`, as `ulimit -f`), so a write past it fails
//! with EFBIG the way a full disk fails with ENOSPC, on the same code path.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// Every entry of a folder with its size and a hash of its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, (usize, u64)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&bytes, &mut hasher);
            (name, (bytes.len(), std::hash::Hasher::finish(&hasher)))
        })
        .collect()
}

/// Runs `qualcode run` on `corpus` into `out`, its files limited to `max_file_bytes` if given.
fn run_into(
    corpus: &Path,
    out: &Path,
    extra: &[&str],
    max_file_bytes: Option<u64>,
) -> (i32, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), "--corpus".as_ref()];
    args.extend([corpus.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    limited(&args, max_file_bytes)
}

/// Runs `qualcode` with `args`, its files limited to `max_file_bytes` if given.
fn limited(args: &[&std::ffi::OsStr], max_file_bytes: Option<u64>) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qualcode"));
    command.current_dir(common::repo()).args(args);
    if let Some(limit) = max_file_bytes {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                // A write past the limit then fails with EFBIG instead of killing the process.
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let rlimit = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let output = command.output().expect("run qualcode");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A corpus of `files` short documents: many files make a long manifest (a line each) and
/// small tables.
fn corpus_of(dir: &Path, files: usize, word: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..files {
        std::fs::write(
            dir.join(format!("doc{i:04}.txt")),
            format!("Document {i}: the NGO built {word} with the county government.\n"),
        )
        .unwrap();
    }
}

fn sizes(dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .collect()
}

#[test]
fn a_failed_write_leaves_the_previous_run_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    corpus_of(&first, 3, "trust");
    corpus_of(&second, 400, "reciprocity");
    let out = tmp.path().join("out");
    assert_eq!(run_into(&first, &out, &[], None).0, 0);
    let previous = snapshot(&out);
    assert!(previous.contains_key("manifest.json"));

    // Sizes of the second run's files, to put the limit between its tables and its manifest.
    let probe = tmp.path().join("probe");
    assert_eq!(run_into(&second, &probe, &[], None).0, 0);
    let probe_sizes = sizes(&probe);
    let manifest = probe_sizes["manifest.json"];
    let largest_table = probe_sizes
        .iter()
        .filter(|(name, _)| name.ends_with(".parquet"))
        .map(|(_, &size)| size)
        .max()
        .unwrap();
    assert!(
        largest_table < manifest,
        "the fixture needs a manifest larger than every table: {probe_sizes:?}"
    );

    // Fails while the manifest is written, after every table was.
    let (code, stderr) = run_into(&second, &out, &[], Some((largest_table + manifest) / 2));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("manifest.json"), "{stderr}");
    assert_eq!(snapshot(&out), previous, "the previous run must stay whole");

    // Fails while a table is written.
    let (code, stderr) = run_into(&second, &out, &[], Some(largest_table / 2));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("table"), "{stderr}");
    assert_eq!(snapshot(&out), previous, "the previous run must stay whole");

    // And the next run that can write replaces it.
    assert_eq!(run_into(&second, &out, &[], None).0, 0);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("doc0399.txt"));
    assert!(!snapshot(&out)
        .keys()
        .any(|name| name.starts_with(".qualcode")));
}

#[test]
fn tables_the_new_run_does_not_write_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    corpus_of(&docs, 2, "trust");
    let metadata = tmp.path().join("metadata.csv");
    std::fs::write(
        &metadata,
        "document,outlet\ndoc0000.txt,Daily\ndoc0001.txt,Weekly\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let with_variables = ["--metadata", metadata.to_str().unwrap(), "--by", "outlet"];
    assert_eq!(run_into(&docs, &out, &with_variables, None).0, 0);
    assert!(out.join("document_variables.parquet").exists());
    assert!(out.join("code_by_variable.parquet").exists());

    assert_eq!(run_into(&docs, &out, &[], None).0, 0);
    assert!(!out.join("document_variables.parquet").exists());
    assert!(!out.join("code_by_variable.parquet").exists());
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let parquet_files = snapshot(&out)
        .into_keys()
        .filter(|n| n.ends_with(".parquet"))
        .count();
    assert_eq!(
        parquet_files,
        manifest.matches("\"file\":").count(),
        "every table in the folder is one the manifest lists"
    );
}

/// The names in `dir` that qualcode writes while it works: none may stay after a command.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".qualcode"))
        .collect()
}

#[test]
fn a_lock_file_that_cannot_be_written_is_removed_and_one_left_unnamed_is_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    corpus_of(&corpus, 3, "trust");
    let out = tmp.path().join("out");
    // A disk that is full when the lock file is written: its name cannot be written.
    let (code, stderr) = run_into(&corpus, &out, &[], Some(1));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot write the lock file"), "{stderr}");
    assert_eq!(leftovers(&out), Vec::<String>::new());
    assert_eq!(run_into(&corpus, &out, &[], None).0, 0, "the next run");

    // A lock file without a name (left by an older version on a full disk): taken over once
    // it is older than a holder takes to write its name, refused before.
    let lock = out.join(".qualcode-lock");
    std::fs::write(&lock, "").unwrap();
    let (code, stderr) = run_into(&corpus, &out, &[], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("names no process yet"), "{stderr}");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&lock)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let (code, stderr) = run_into(&corpus, &out, &[], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("taken over"), "{stderr}");
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

#[test]
fn failed_writes_of_every_command_leave_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    corpus_of(&corpus, 40, "trust");
    let out = tmp.path().join("out");
    assert_eq!(run_into(&corpus, &out, &[], None).0, 0);
    let gold = tmp.path().join("gold.csv");
    std::fs::write(&gold, "document,unit,code\ndoc0001.txt,Document 1:,trust\n").unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let p = |path: &Path| path.to_str().unwrap().to_string();
    let corpus_args = ["--corpus".to_string(), p(&corpus)];
    let commands: Vec<Vec<String>> = vec![
        vec![
            "report".into(),
            "--from".into(),
            p(&out),
            "--out".into(),
            p(&files.join("r.html")),
        ],
        vec![
            "plot".into(),
            "frequency".into(),
            "--from".into(),
            p(&out),
            "--out".into(),
            p(&files.join("f.svg")),
        ],
        // (kwic, export and agree code a corpus into a temporary run first: from the run,
        // only their --out.)
        vec![
            "kwic".into(),
            "trust".into(),
            "--from".into(),
            p(&out),
            "--out".into(),
            p(&files.join("k.csv")),
        ],
        [
            vec![
                "export".into(),
                "qdpx".into(),
                "--from".into(),
                p(&out),
                "--out".into(),
                p(&files.join("x.qdpx")),
            ],
            corpus_args.to_vec(),
        ]
        .concat(),
        [
            vec![
                "agree".into(),
                "--gold".into(),
                p(&gold),
                "--bootstrap".into(),
                "0".into(),
                "--from".into(),
                p(&out),
                "--out".into(),
                p(&out),
            ],
            corpus_args.to_vec(),
        ]
        .concat(),
    ];
    let before = snapshot(&out);
    for command in &commands {
        let args: Vec<&std::ffi::OsStr> = command.iter().map(|a| a.as_ref()).collect();
        // Room for a lock file's name, not for the file the command writes.
        let (code, stderr) = limited(&args, Some(200));
        assert_eq!(code, 2, "{command:?}: {stderr}");
        assert!(stderr.contains("cannot write"), "{command:?}: {stderr}");
        assert_eq!(leftovers(&files), Vec::<String>::new(), "{command:?}");
        assert_eq!(leftovers(&out), Vec::<String>::new(), "{command:?}");
        assert_eq!(std::fs::read_dir(&files).unwrap().count(), 0, "{command:?}");
    }
    assert_eq!(snapshot(&out), before, "the run is untouched");
}
