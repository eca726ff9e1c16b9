//! The command line's rough edges: output into a closed pipe, absurd thread counts, error
//! reports that repeat themselves.

mod common;

use common::*;
use std::process::{Command, Stdio};

/// Runs qualcode with its stdout a pipe whose reader has gone before anything is printed
/// (`qualcode … | head -1` once head has its line): (exit code, or the signal that ended
/// it; stderr).
fn into_closed_pipe(args: &[&str]) -> (Option<i32>, Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qualcode"))
        .args(args)
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run qualcode");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&output.status);
    #[cfg(not(unix))]
    let signal = None;
    (
        output.status.code(),
        signal,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn printing_into_a_closed_pipe_ends_quietly() {
    let out = tempfile::tempdir().expect("tempdir");
    let out = out.path().to_str().expect("utf-8");
    for args in [
        &["kwic", "trust"][..],
        &[
            "agree",
            "--gold",
            "tests/hand_coding/tune.csv",
            "--out",
            out,
        ],
        &["check"],
    ] {
        let (code, signal, stderr) = into_closed_pipe(args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(code, Some(101), "{args:?}: {stderr}");
        // Ended by SIGPIPE, as `yes | head -1` ends `yes`, or done before it printed.
        assert!(
            signal == Some(13) || code == Some(0) || code == Some(1),
            "{args:?}: {code:?} {signal:?} {stderr}"
        );
    }
}

#[test]
fn an_absurd_thread_count_is_capped_with_a_message() {
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        out.path(),
        &["--threads", "100000"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: --threads 100000 capped at"),
        "{stderr}"
    );
    assert!(manifest(out.path())["parameters"]["threads"].as_u64() < Some(100_000));
}

#[test]
fn an_os_error_is_reported_once() {
    let (code, _, stderr) = outcome(&["run", "--codebook", "no-such-codebook.toml"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.matches("(os error 2)").count(),
        1,
        "the OS error once: {stderr}"
    );
}

/// One convention for outputs (docs/commands.md, "Where output goes"): `-o`/`--out` on every command
/// that writes.
#[test]
fn every_command_that_writes_takes_o_for_out() {
    for command in [
        &["run"][..],
        &["merge"],
        &["export"],
        &["agree"],
        &["kwic"],
        &["suggest"],
        &["similar"],
        &["report"],
        &["plot"],
        &["codebook", "import"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let (code, stdout, stderr) = outcome(&args);
        assert_eq!(code, 0, "{command:?}: {stderr}");
        assert!(
            stdout.contains("-o, --out"),
            "{command:?} has no -o, --out:\n{stdout}"
        );
    }
}

/// No command writes over a file or folder it reads, `--force` or not.
#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gold = dir.path().join("gold.csv");
    let hand_coding = "document,unit,code\n001_bb6c17c0ea50004b.txt,0,trust\n";
    std::fs::write(&gold, hand_coding).expect("write");
    let gold = gold.to_str().expect("utf-8");
    let cases: [(&[&str], &str); 3] = [
        (
            &["suggest", "trust", "--gold", gold, "-o", gold],
            "is the hand coding (--gold) this command reads",
        ),
        (
            &["codebook", "import", gold, "-o", gold, "--force"],
            "is the file to import this command reads",
        ),
        (
            &["run", "--out", "corpus"],
            "is the corpus this command reads",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = outcome(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("gold.csv")).expect("read"),
        hand_coding
    );
    assert!(!repo().join("corpus").join("manifest.json").exists());
}
