//! `qualcode diff RUN_A RUN_B`: two finished runs of the same units in (before and after a
//! codebook edit); per code the units gained and lost printed on stdout with a few examples
//! and the rules responsible, and every changed unit written with `--out`.

use crate::output::{self, run_tables, Listing, ListingFormat};
use crate::workbench::diff::{self, CodeDiff, Unit};
use anyhow::{bail, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The run before the edit.
    #[arg(value_name = "RUN_A")]
    pub before: PathBuf,
    /// The run after it (the same corpus and units, another codebook).
    #[arg(value_name = "RUN_B")]
    pub after: PathBuf,
    /// Examples shown per code, of units gained and of units lost.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub examples: usize,
    /// Also write every unit gained or lost to a .csv or .parquet file.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Control characters shown as escapes: unit texts come from documents.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else if c == '\n' {
                " ".to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn opening(text: &str, max: usize) -> String {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = squeezed.chars().take(max).collect();
    if squeezed.chars().count() > max {
        out.push('…');
    }
    printable(&out)
}

pub fn run(args: &DiffArgs) -> Result<u8> {
    let format = args.out.as_deref().map(ListingFormat::of).transpose()?;
    let (a_manifest, b_manifest) = (
        output::read_manifest(&args.before)?,
        output::read_manifest(&args.after)?,
    );
    let (a_units, a_given) = run_tables::read_unit_codings(&args.before)?;
    let (b_units, b_given) = run_tables::read_unit_codings(&args.after)?;
    if a_units != b_units {
        let a: BTreeSet<&(String, u32, bool)> = a_units.iter().collect();
        let b: BTreeSet<&(String, u32, bool)> = b_units.iter().collect();
        let mut documents: BTreeSet<&str> = a
            .symmetric_difference(&b)
            .map(|(d, _, _)| d.as_str())
            .collect();
        let n = documents.len();
        let shown: Vec<&str> = std::mem::take(&mut documents).into_iter().take(5).collect();
        bail!(
            "{} and {} do not hold the same units (they differ in {n} document{}: {}{}): diff compares two codings of one corpus, read and segmented alike",
            args.before.display(),
            args.after.display(),
            if n == 1 { "" } else { "s" },
            shown.join(", "),
            if n > 5 { ", …" } else { "" }
        );
    }
    let a_trace = run_tables::read_rule_trace(&args.before)?;
    let b_trace = run_tables::read_rule_trace(&args.after)?;
    let a = diff::Coding {
        codes: &a_manifest.codebook.codes,
        given: &a_given,
        counted: &a_trace.counted,
        rejected: &a_trace.rejected,
    };
    let b = diff::Coding {
        codes: &b_manifest.codebook.codes,
        given: &b_given,
        counted: &b_trace.counted,
        rejected: &b_trace.rejected,
    };
    let diffs = diff::diff(&a, &b);
    // Texts of the examples shown, from the run after (the units are the same).
    let shown: BTreeSet<Unit> = diffs
        .iter()
        .flat_map(|d| {
            d.gained
                .iter()
                .take(args.examples)
                .map(|(u, _)| u.clone())
                .chain(d.lost.iter().take(args.examples).map(|(u, _, _)| u.clone()))
        })
        .collect();
    let texts = run_tables::unit_texts(&args.after, &shown)?;
    let units = a_units.iter().filter(|(_, _, coded)| *coded).count();
    crate::escape::print_lines(&render(
        &diffs,
        &texts,
        args.examples,
        units,
        &a_manifest,
        &b_manifest,
    ));
    if let (Some(path), Some(format)) = (&args.out, format) {
        listing(&diffs).write(path, format)?;
        errln!("qualcode: wrote {}", path.display());
    }
    Ok(super::exit::OK)
}

fn render(
    diffs: &[CodeDiff],
    texts: &BTreeMap<Unit, String>,
    examples: usize,
    units: usize,
    a: &output::Manifest,
    b: &output::Manifest,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "A: {} {} ({}), B: {} {} ({}); {units} units",
        printable(&a.codebook.name),
        printable(&a.codebook.version),
        &a.codebook.sha256[..12.min(a.codebook.sha256.len())],
        printable(&b.codebook.name),
        printable(&b.codebook.version),
        &b.codebook.sha256[..12.min(b.codebook.sha256.len())],
    );
    let width = diffs
        .iter()
        .map(|d| d.code.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<width$} {:>7} {:>7} {:>7} {:>7}",
        "code", "A", "B", "gained", "lost"
    );
    for d in diffs {
        let note = match (d.in_a, d.in_b) {
            (false, true) => "  (new code)",
            (true, false) => "  (code removed)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "{:<width$} {:>7} {:>7} {:>7} {:>7}{note}",
            printable(&d.code),
            d.before,
            d.after,
            format!("+{}", d.gained.len()),
            format!("-{}", d.lost.len()),
        );
    }
    for d in diffs
        .iter()
        .filter(|d| !d.gained.is_empty() || !d.lost.is_empty())
    {
        let _ = writeln!(out, "\n{}:", printable(&d.code));
        let text = |u: &Unit| texts.get(u).map(|t| opening(t, 110)).unwrap_or_default();
        for (u, rules) in d.gained.iter().take(examples) {
            let _ = writeln!(
                out,
                "  + {} #{} by {}: {}",
                printable(&u.0),
                u.1,
                printable(&rules.join(", ")),
                text(u)
            );
        }
        if d.gained.len() > examples {
            let _ = writeln!(out, "    … {} more gained", d.gained.len() - examples);
        }
        for (u, rules, why) in d.lost.iter().take(examples) {
            let _ = writeln!(
                out,
                "  - {} #{} was {}; now {}: {}",
                printable(&u.0),
                u.1,
                printable(&rules.join(", ")),
                printable(why),
                text(u)
            );
        }
        if d.lost.len() > examples {
            let _ = writeln!(out, "    … {} more lost", d.lost.len() - examples);
        }
    }
    out
}

/// Every gained or lost unit, a row each.
fn listing(diffs: &[CodeDiff]) -> Listing {
    let mut rows: Vec<(&str, &str, &Unit, String, Option<String>)> = Vec::new();
    for d in diffs {
        for (u, rules) in &d.gained {
            rows.push((&d.code, "gained", u, rules.join("; "), None));
        }
        for (u, rules, why) in &d.lost {
            rows.push((&d.code, "lost", u, rules.join("; "), Some(why.clone())));
        }
    }
    Listing::default()
        .text("code", rows.iter().map(|r| r.0.to_string()))
        .text("change", rows.iter().map(|r| r.1.to_string()))
        .text("document", rows.iter().map(|r| r.2 .0.clone()))
        .whole("segment", rows.iter().map(|r| r.2 .1 as usize))
        .text("rules", rows.iter().map(|r| r.3.clone()))
        .optional_text("why_lost", rows.iter().map(|r| r.4.clone()))
}
