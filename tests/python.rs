//! The output read back by Python polars and pyarrow, as a notebook would.
//!
//! Skipped with a notice when Python or its packages are missing, unless
//! `QUALCODE_REQUIRE_PYTHON=1` (set by `.ci/run`, which installs them), where it fails.

mod common;

use common::*;
use std::process::Command;

#[test]
fn python_polars_and_pyarrow_read_the_tables() {
    let required = std::env::var("QUALCODE_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let probe = Command::new("python3")
        .args(["-c", "import polars, pyarrow"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            !required,
            "python3 with polars and pyarrow is required: {probe:?}"
        );
        eprintln!(
            "skipped: python3 with polars and pyarrow not available (pip install polars pyarrow)"
        );
        return;
    }
    let out = default_run(&[]);
    let output = Command::new("python3")
        .arg(repo().join("tests/read_output.py"))
        .arg(out.path())
        .arg(repo().join("corpus"))
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
