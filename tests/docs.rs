//! The documentation, executed: every ```` ```console ```` block of README.md, CONTRIBUTING.md
//! and docs/*.md is run, and every relative link between them must lead to a file and heading
//! that exist, so the docs cannot drift from the tool.
//!
//! The convention for a console block:
//! - a line starting with `$ ` is a command, run by `sh` from the repository root (a line
//!   ending in ` \` goes on with the next one), with the binary under test first on the PATH;
//! - the lines after it, up to the next command, are its output, stdout and stderr together
//!   (in the order they were written), compared line by line with trailing spaces ignored;
//! - `[..]` in an expected line stands for any text within that line, and a line `...` for
//!   any number of lines (none included);
//! - `/tmp/` in a command is a fresh folder per file of documentation (shared by its blocks,
//!   in order), so examples that write (`-o /tmp/run`) neither collide with another test run
//!   nor leave anything behind; the folder's real path is written back as `/tmp` in the
//!   output.
//!
//! The exit status is not compared: a command that fails prints why, and that is compared.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

/// The documentation files whose examples and links are checked.
fn documentation() -> Vec<PathBuf> {
    let repo = common::repo();
    let mut files = vec![repo.join("README.md"), repo.join("CONTRIBUTING.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo.join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// One command of a console block, with the output it must print.
#[derive(Debug)]
struct Example {
    file: String,
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// The commands of every ```console block of `text`, in order.
fn examples(file: &str, text: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut in_block = false;
    let mut indent = 0;
    let mut current: Option<Example> = None;
    let mut continued = false;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start();
        if !in_block {
            if trimmed == "```console" {
                in_block = true;
                indent = raw.len() - trimmed.len();
            }
            continue;
        }
        if trimmed == "```" {
            in_block = false;
            found.extend(current.take());
            continue;
        }
        // Lines of an indented block (inside a list item) lose the fence's indentation.
        let line = raw.get(indent..).unwrap_or(trimmed);
        if continued {
            let example = current.as_mut().expect("a command goes on");
            example.command.push('\n');
            example.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            found.extend(current.take());
            current = Some(Example {
                file: file.to_string(),
                line: index + 1,
                command: command.to_string(),
                expected: Vec::new(),
            });
            continued = command.ends_with('\\');
        } else if let Some(example) = current.as_mut() {
            example.expected.push(line.trim_end().to_string());
        } else if !line.trim().is_empty() {
            panic!(
                "{file}:{}: a console block must start with a `$ ` command, not {line:?}",
                index + 1
            );
        }
    }
    assert!(!in_block, "{file}: a ```console block is not closed");
    found
}

/// Whether `actual` fits `pattern`, in which `[..]` stands for any text.
fn line_matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &actual[first.len()..];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Whether the lines of `actual` fit `expected`, in which a line `...` stands for any lines.
fn output_matches(expected: &[String], actual: &[String]) -> bool {
    // fits[i][j]: expected[i..] fits actual[j..].
    let (n, m) = (expected.len(), actual.len());
    let mut fits = vec![vec![false; m + 1]; n + 1];
    fits[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            fits[i][j] = if expected[i] == "..." {
                fits[i + 1][j] || (j < m && fits[i][j + 1])
            } else {
                j < m && line_matches(&expected[i], &actual[j]) && fits[i + 1][j + 1]
            };
        }
    }
    fits[0][0]
}

/// Lines without trailing spaces, and without the blank lines at the end.
fn tidy(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut lines: Vec<String> = lines.map(|line| line.trim_end().to_string()).collect();
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    lines
}

/// Runs `example` from the repository root with `/tmp/` standing for `scratch`.
fn run(example: &Example, scratch: &Path) -> Vec<String> {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_qualcode"));
    let bin_dir = binary.parent().expect("the binary's folder");
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    let scratch = scratch.to_str().expect("utf-8 temporary folder");
    let command = example.command.replace("/tmp/", &format!("{scratch}/"));
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .current_dir(common::repo())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    let text = String::from_utf8_lossy(&output.stdout).replace(scratch, "/tmp");
    tidy(text.lines().map(str::to_string))
}

#[test]
fn console_examples_print_what_the_docs_say() {
    let repo = common::repo();
    let mut failures = Vec::new();
    let mut count = 0;
    for path in documentation() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path
            .strip_prefix(&repo)
            .unwrap_or(&path)
            .display()
            .to_string();
        let scratch = tempfile::tempdir().expect("tempdir");
        for example in examples(&name, &text) {
            count += 1;
            let expected = tidy(example.expected.iter().cloned());
            let actual = run(&example, scratch.path());
            if !output_matches(&expected, &actual) {
                failures.push(format!(
                    "{}:{}: $ {}\n--- the docs say:\n{}\n--- it printed:\n{}\n",
                    example.file,
                    example.line,
                    example.command,
                    expected.join("\n"),
                    actual.join("\n")
                ));
            }
        }
    }
    eprintln!("docs: {count} console examples run");
    assert!(count > 0, "no console example found");
    assert!(
        failures.is_empty(),
        "{} of {count} console examples print something else:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Documentation files other branches are writing; a link to one of them is checked once it
/// exists, and only noted while it does not.
const PLANNED: &[&str] = &[];

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (outside code blocks).
fn anchors(text: &str) -> Vec<String> {
    let mut fence = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        } else if !fence && line.starts_with('#') {
            let heading = line.trim_start_matches('#');
            if heading.starts_with(' ') {
                found.push(slug(heading));
            }
        }
    }
    found
}

/// The relative link targets of a Markdown file (outside code blocks), with their lines.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut fence = false;
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = &after[..end];
            if !target.contains("://") && !target.starts_with("mailto:") {
                found.push((index + 1, target.to_string()));
            }
            rest = &after[end..];
        }
    }
    found
}

#[test]
fn links_between_the_docs_lead_somewhere() {
    let repo = common::repo();
    let mut broken = Vec::new();
    let mut checked = 0;
    for path in documentation() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path
            .strip_prefix(&repo)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (line, target) in links(&text) {
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let linked = if file.is_empty() {
                path.clone()
            } else {
                path.parent().expect("folder").join(file)
            };
            let relative = linked.canonicalize().ok().and_then(|p| {
                p.strip_prefix(repo.canonicalize().ok()?)
                    .ok()
                    .map(Path::to_path_buf)
            });
            if !linked.exists() {
                let planned = PLANNED.iter().any(|p| linked.ends_with(p));
                if planned {
                    eprintln!("notice: {name}:{line}: {target} is not written yet (another branch writes it)");
                } else {
                    broken.push(format!("{name}:{line}: {target}: no such file"));
                }
                continue;
            }
            checked += 1;
            if !anchor.is_empty() {
                let linked_text = std::fs::read_to_string(&linked).unwrap_or_default();
                if !anchors(&linked_text).iter().any(|a| a == anchor) {
                    broken.push(format!(
                        "{name}:{line}: {target}: no heading #{anchor} in {}",
                        relative
                            .map(|p| p.display().to_string())
                            .unwrap_or(file.to_string())
                    ));
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_readme_stays_short() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 400,
        "README.md has {lines} lines; the rest belongs in docs/"
    );
}

#[test]
fn the_example_matcher_matches_what_it_should_and_only_that() {
    let lines = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
    assert!(line_matches("a [..] c", "a b c"));
    assert!(line_matches("a [..]", "a "));
    assert!(!line_matches("a [..] c", "a b d"));
    assert!(!line_matches("ab[..]ba", "aba"));
    assert!(output_matches(&lines("x\n...\nz"), &lines("x\nz")));
    assert!(output_matches(&lines("x\n...\nz"), &lines("x\n1\n2\nz")));
    assert!(!output_matches(&lines("x\n...\nz"), &lines("x\n1\n2")));
    assert!(!output_matches(&lines("x"), &lines("x\ny")));
    let found = examples(
        "t.md",
        "text\n```console\n$ echo a \\\n  b\na b\n$ true\n```\n```sh\n$ no\n```\n",
    );
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].command, "echo a \\\n  b");
    assert_eq!(found[0].expected, vec!["a b"]);
    assert_eq!(slug("Where output goes"), "where-output-goes");
    assert_eq!(
        slug("The workbench: `check`, `kwic`"),
        "the-workbench-check-kwic"
    );
}
