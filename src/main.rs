//! The `qualcode` binary: parses the command line and maps the outcome to an exit code.

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
