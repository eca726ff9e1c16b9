//! Web page furniture: a line of a page in; whether it is navigation, a menu, site furniture,
//! an address block or a line in another script than the page (spam) out.

use super::{count_bytes, word_count};

/// Site furniture that carries no content, compared case-insensitively with the whole line.
pub(super) const CHROME_LINES: &[&str] = &[
    ">",
    "home",
    "table of contents",
    "in brief",
    "contact us",
    "contact",
    "brief news",
    "share",
    "print",
    "back to top",
    "read more",
    "related articles",
    "subscribe",
    "menu",
    "search",
    "login",
    "log in",
    "sign in",
    "previous",
    "next",
    "中文",
    "english",
];
pub(super) const ADDRESS_PREFIXES: &[&str] = &[
    "add:",
    "address:",
    "tel:",
    "fax:",
    "email:",
    "e-mail:",
    "phone:",
    "zip:",
    "postcode:",
];
pub(super) const BULLETS: &[char] = &['•', '·', '▪', '»', '◦'];

pub(super) fn is_chrome_line(t: &str) -> bool {
    // Every chrome line is short: a long line needs no lower-casing to be ruled out.
    t.len() <= 20 && CHROME_LINES.contains(&t.to_lowercase().as_str())
}

/// `Home > Brief News > 2016`
pub(super) fn is_breadcrumb(t: &str) -> bool {
    if !t.contains(" > ") {
        return false;
    }
    let parts: Vec<&str> = t.split(" > ").collect();
    parts.len() >= 2 && parts.iter().all(|p| word_count(p) <= 4)
}

/// `Set Homepage | Favorite|中文`: short items separated by bars.
pub(super) fn is_menu_bar(t: &str) -> bool {
    if !t.contains('|') {
        return false;
    }
    let parts: Vec<&str> = t.split('|').collect();
    parts.len() >= 2 && parts.iter().all(|p| word_count(p) <= 3)
}

pub(super) fn latin_share(text: &str) -> f64 {
    let (mut latin, mut letters) = (0usize, 0usize);
    let mut rest = text;
    while !rest.is_empty() {
        // Runs of ASCII, most of any text, are counted bytewise (vectorised); only other
        // characters are decoded.
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let ascii_letters = count_bytes(&rest.as_bytes()[..ascii], |b| b.is_ascii_alphabetic());
        latin += ascii_letters;
        letters += ascii_letters;
        rest = &rest[ascii..];
        if let Some(c) = rest.chars().next() {
            if c.is_alphabetic() {
                letters += 1;
                if ('\u{00C0}'..='\u{024F}').contains(&c) {
                    latin += 1;
                }
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    if letters == 0 {
        0.0
    } else {
        latin as f64 / letters as f64
    }
}

/// A line written mostly in another script than the document, e.g. a spam line of Chinese
/// characters at the end of an English page.
pub(super) fn is_foreign_script_line(t: &str) -> bool {
    // Cheapest tests first: most lines are ASCII, or mostly Latin with a curly quote.
    !t.is_ascii()
        && !mostly_ascii_letters(t)
        && latin_share(t) < 0.2
        && t.chars().filter(|c| c.is_alphabetic()).count() >= 8
}

/// Whether ASCII letters alone make a Latin share of at least 0.2, without decoding a
/// character: a letter of another script takes at least two bytes, so `n` bytes of other
/// characters hold at most `n / 2` letters. A branch-free count of bytes (vectorised), where
/// `latin_share` decodes every character it cannot count as ASCII.
fn mostly_ascii_letters(t: &str) -> bool {
    let ascii_letters = count_bytes(t.as_bytes(), |b| b.is_ascii_alphabetic());
    let other_bytes = count_bytes(t.as_bytes(), |b| !b.is_ascii());
    // ascii / (ascii + other / 2) >= 0.2
    8 * ascii_letters >= other_bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_script_lines_are_told_from_latin_lines_with_marks() {
        assert!(is_foreign_script_line("免费发布信息网站大全免费发布"));
        assert!(is_foreign_script_line("ok 免费发布信息网站大全免费发布"));
        assert!(!is_foreign_script_line("“Trust”, they said — “is earned”."));
        assert!(!is_foreign_script_line("Nativisation (本土化, bentuhua)"));
        assert!(!is_foreign_script_line("免费发布"));
        // At the share of 0.2, where the byte count decides without decoding: two ASCII
        // letters and eight of two bytes each are 0.2 Latin; with a ninth, less.
        assert!(!is_foreign_script_line("ab жжжжжжжж"));
        assert!(is_foreign_script_line("ab жжжжжжжжж"));
    }

    #[test]
    fn latin_share_counts_letters_of_any_script() {
        assert_eq!(latin_share("Trust, é!"), 1.0);
        assert_eq!(latin_share("中文 ab"), 0.5);
        assert_eq!(latin_share("12 — 34"), 0.0);
        assert_eq!(latin_share(""), 0.0);
    }
}
