//! Runs that meet in one output folder: a run holds the folder's lock file while it writes;
//! a second run refuses, naming the first; a lock left by a killed run is taken over; `agree`,
//! which writes into a run's folder, takes the same lock; `merge` never writes into one of its
//! inputs.

mod common;

use common::*;
use std::path::Path;

const LOCK: &str = ".qualcode-lock";

fn default_into(out: &Path) -> (i32, String) {
    run(
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        out,
        &[],
    )
}

#[test]
fn a_folder_locked_by_a_live_run_is_refused_and_left_alone() {
    let out = tempfile::tempdir().expect("tempdir");
    // This test's own process: alive for as long as the run it starts.
    let holder = qualcode::output::lock_record(std::process::id());
    std::fs::write(out.path().join(LOCK), &holder).expect("lock");
    std::fs::create_dir(out.path().join(".qualcode-partial-1")).expect("staging");
    let (code, stderr) = default_into(out.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "is being written by another qualcode run (process {holder})"
        )),
        "{stderr}"
    );
    // Nothing of the live run's is touched: its lock, its staging folder.
    assert_eq!(
        std::fs::read_to_string(out.path().join(LOCK)).expect("lock"),
        holder
    );
    assert!(out.path().join(".qualcode-partial-1").exists());
    assert!(!out.path().join("manifest.json").exists());
}

#[test]
fn a_lock_left_by_a_killed_run_is_taken_over_and_released() {
    let out = tempfile::tempdir().expect("tempdir");
    // A process that has ended: its id is free (reused only after the id space wraps).
    let mut ended = std::process::Command::new("true").spawn().expect("true");
    let pid = ended.id();
    ended.wait().expect("wait");
    std::fs::write(out.path().join(LOCK), qualcode::output::lock_record(pid)).expect("lock");
    let (code, stderr) = default_into(out.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("taken over"), "{stderr}");
    assert!(out.path().join("manifest.json").exists());
    assert!(!out.path().join(LOCK).exists(), "the lock is released");
    // A lock of another machine cannot be looked up: refused.
    std::fs::write(out.path().join(LOCK), "1@some-other-node").expect("lock");
    let (code, stderr) = default_into(out.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("process 1@some-other-node"), "{stderr}");
}

#[test]
fn merge_refuses_to_write_into_one_of_its_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shards: Vec<_> = (1..=2)
        .map(|k| {
            let out = dir.path().join(format!("s{k}"));
            let (code, stderr) = run(
                &repo().join("corpus"),
                &repo().join("codebook.toml"),
                &out,
                &["--shard", &format!("{k}/2")],
            );
            assert_eq!(code, 0, "{stderr}");
            out
        })
        .collect();
    let before = std::fs::read(shards[0].join("manifest.json")).expect("manifest");
    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    let (code, _, stderr) = outcome(&[
        "merge",
        &s(&shards[0]),
        &s(&shards[1]),
        "--out",
        &s(&shards[0]),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is one of the shards being merged"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(shards[0].join("manifest.json")).expect("manifest"),
        before
    );
}

#[test]
fn agree_refuses_a_folder_a_run_holds_and_locks_the_one_it_writes() {
    let out = tempfile::tempdir().expect("tempdir");
    let holder = qualcode::output::lock_record(std::process::id());
    std::fs::write(out.path().join(LOCK), &holder).expect("lock");
    let agree = |out: &Path| {
        outcome(&[
            "agree",
            "--gold",
            repo()
                .join("tests/hand_coding/heldout.csv")
                .to_str()
                .unwrap(),
            "--bootstrap",
            "0",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (code, _, stderr) = agree(out.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("(process {holder})")), "{stderr}");
    assert!(!out.path().join("agreement.parquet").exists());
    assert_eq!(
        std::fs::read_to_string(out.path().join(LOCK)).expect("lock"),
        holder,
        "the run's lock is left alone"
    );
    // Unlocked, it writes, and leaves no lock behind.
    std::fs::remove_file(out.path().join(LOCK)).expect("unlock");
    let (code, _, stderr) = agree(out.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(out.path().join("agreement.parquet").exists());
    assert!(!out.path().join(LOCK).exists());
}
