//! The methodologist's workbench: tools that look at what a codebook does on a corpus, beside
//! the pipeline. Each takes coded documents (and, for some, hand coding) in and gives plain
//! values out; the command line prints them and writes their tables.
//!
//! - [`check`]: lint the codebook on the corpus (rules that never match, shadowed, too broad).
//! - [`kwic`]: every counted match of a code or rule in its context.
//! - [`explain`]: why one unit got, or missed, its codes.
//! - [`diff`]: what a codebook edit changed across the corpus: units gained and lost per code.
//! - [`agree`]: agreement between the machine and hand coders, and among coders.
//! - [`suggest`]: candidate rules and exclusions learned from hand coding, each with the
//!   kappa it would give.
//! - [`similar`]: the units most like those carrying a code that the rules did not code.
//! - [`validation`]: a probability sample of units for hand coding, and the estimates it gives
//!   of what a coder would find in the whole corpus, with intervals.

pub mod agree;
pub mod check;
pub mod diff;
pub mod explain;
pub mod kwic;
pub mod random;
pub mod similar;
pub mod suggest;
pub mod tokens;
pub mod validation;

/// The problems found in a file a person wrote (a hand coding, a coding sheet), as one message:
/// `SUBJECT has N problems:` and each on its own line, the first 20 of them.
pub fn problem_list(subject: &str, problems: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut out = format!(
        "{subject} has {} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems.iter().take(SHOWN) {
        out.push_str("\n  ");
        out.push_str(p);
    }
    if problems.len() > SHOWN {
        out.push_str(&format!("\n  … and {} more", problems.len() - SHOWN));
    }
    out
}
