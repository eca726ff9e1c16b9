//! The `qualcode` binary: parses the command line and maps the outcome to an exit code.
#![warn(clippy::disallowed_macros)]

use clap::Parser;
use qualcode::cli::{self, exit, Cli};
use std::process::ExitCode;

// Coding allocates and frees many small strings and rows per document on several threads.
// Measured on the 206 MB benchmark corpus (2 cores, 64 MB batches): glibc's allocator 1.64-1.99 s per run
// (0.4-0.8 s of it in the kernel, mostly page faults), mimalloc 1.42-1.57 s (0.25 s).
// Built without transparent huge pages (`no_thp`): with them, each fault zeroes 2 MB and can
// wait for the kernel to compact memory. Measured (16 MB batches, alternating runs): 206 MB
// corpus median 1.35 s and 247 MB without, 1.41 s and 282 MB with; a 300 MB file 2.2 s
// without, 2.8-3.0 s with.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    match cli::main_with_args(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            for line in cli::error_lines(&err) {
                qualcode::escape::eprint_lines(&line);
            }
            ExitCode::from(exit::FATAL)
        }
    }
}

/// Rust ignores SIGPIPE, so that printing to a closed pipe (`qualcode kwic … | head -1`)
/// panics. Like other Unix tools, qualcode ends quietly instead when the reader of its
/// output has gone.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread is started; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
