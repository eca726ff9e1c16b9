//! The `qualcode` binary: parses the command line and maps the outcome to an exit code.

use clap::Parser;
use qualcode::cli::{self, exit, Cli};
use std::process::ExitCode;

// Coding allocates and frees many small strings and rows per document on several threads.
// Measured on the 206 MB benchmark corpus (2 cores, 64 MB batches): glibc's allocator 1.64-1.99 s per run
// (0.4-0.8 s of it in the kernel, mostly page faults), mimalloc 1.42-1.57 s (0.25 s).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::main_with_args(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(exit::FATAL)
        }
    }
}
