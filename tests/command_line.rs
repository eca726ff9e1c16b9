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
