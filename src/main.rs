//! The `qualcode` binary: parses the command line and maps the outcome to an exit code.

use clap::Parser;
use qualcode::cli::{self, exit, Cli};
use std::process::ExitCode;

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
