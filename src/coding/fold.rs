//! Folding for matching: a unit's text in, the text rules are matched against out, with the
//! way back to the unit's own offsets. Hyphen and dash variants become `-` (`win–win`,
//! `two‐way` match `win-win`, `two-way`), fullwidth letters and digits become ASCII (`ＴＲＵＳＴ`
//! matches `trust`), and soft hyphens are dropped (`tru\u{AD}st` matches `trust`). Matches
//! are reported at the unit's own offsets, so the text and positions stay as in the source.
//!
//! Case is folded by Unicode simple case folding (one character for one, as `(?i)` in the
//! `regex` crate; [`fold_case`]) for the term automaton only: its scan text is the unit's text
//! with every character other than ASCII replaced by the representative of its case class
//! (`É` → `é`, `Σ` and `ς` → `σ`, `ẞ` → `ß`, the Kelvin sign → `k`), ASCII being folded by the
//! automaton itself. Only a unit holding such a character pays for a copy.

/// `-` for every hyphen and dash: hyphen, non-breaking hyphen, figure dash, en dash, em dash,
/// horizontal bar, minus sign, small and fullwidth hyphen-minus.
const DASHES: &[char] = &[
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}', '\u{FE63}',
    '\u{FF0D}',
];
const SOFT_HYPHEN: char = '\u{AD}';

/// What a character is matched as: `None` to drop it, itself when it is not folded.
fn fold(c: char) -> Option<char> {
    match c {
        SOFT_HYPHEN => None,
        c if DASHES.contains(&c) => Some('-'),
        // Fullwidth digits and Latin letters (not the fullwidth punctuation of Chinese text,
        // whose sentence ends and commas mean something there).
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(c as u32 - 0xFEE0)
        }
        c => Some(c),
    }
}

/// The Kelvin sign, which folds to ASCII `k`.
const KELVIN: char = '\u{212A}';

/// How much of a unit's case [`Folded::of_case`] folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CaseFold {
    /// Only the characters that fold to ASCII: no term holds a cased letter other than ASCII.
    ToAscii,
    /// Every character other than ASCII that has other case forms.
    All,
}

/// The representative of `c`'s class under Unicode simple case folding (the characters that
/// `(?i)` makes equal, one for one: `É é`, `Σ σ ς`, `ẞ ß`, `K k` and the Kelvin sign): its
/// lower-case letter (`σ`, `ß`, `k`). ASCII characters are returned as they are (the
/// automaton folds them), as are those without other case forms, among them `İ` and `ı`,
/// which simple case folding leaves alone (`İ` is not `i`, `ı` not `I`: Turkish casing is
/// not applied), and `ß`, whose upper case `SS` is two characters.
pub(super) fn fold_case(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    let classes = case_classes();
    match classes.binary_search_by_key(&c, |&(member, _)| member) {
        Ok(i) => classes[i].1,
        Err(_) => c,
    }
}

/// Whether `c` is a character other than ASCII with other case forms: a term holding one
/// needs the unit's text folded by [`CaseFold::All`].
pub(super) fn has_other_cases(c: char) -> bool {
    !c.is_ascii()
        && case_classes()
            .binary_search_by_key(&c, |&(member, _)| member)
            .is_ok()
}

/// Every character other than ASCII in a case class of more than one character, with its
/// class's representative, sorted; built once, from the simple case folding tables of
/// `regex-syntax` (already a dependency, and what the `regex` crate's `(?i)` uses).
fn case_classes() -> &'static [(char, char)] {
    static CLASSES: std::sync::OnceLock<Vec<(char, char)>> = std::sync::OnceLock::new();
    CLASSES.get_or_init(|| {
        // Every member of a case class is cased or in the class of one that is (a test checks
        // all characters): walking the cased ones finds every class.
        let cased = match regex_syntax::parse(r"\p{Cased}").map(regex_syntax::hir::Hir::into_kind) {
            Ok(regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class))) => {
                class
            }
            other => unreachable!("\\p{{Cased}} is a Unicode class: {other:?}"),
        };
        let mut classes = Vec::new();
        for range in cased.ranges() {
            for c in range.start()..=range.end() {
                let class = case_class(c);
                if class.len() > 1 {
                    let representative = representative(&class);
                    classes.extend(
                        class
                            .iter()
                            .filter(|m| !m.is_ascii())
                            .map(|&m| (m, representative)),
                    );
                }
            }
        }
        classes.sort_unstable();
        classes.dedup();
        classes
    })
}

/// The characters equal to `c` under simple case folding, `c` included, ascending.
fn case_class(c: char) -> Vec<char> {
    use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.case_fold_simple();
    class
        .ranges()
        .iter()
        .flat_map(|r| r.start()..=r.end())
        .collect()
}

/// A class's lower-case letter: the smallest lower case of an upper-case member that is in
/// the class (`σ`, not final `ς`; `k` for the Kelvin sign's class), else its first member.
fn representative(class: &[char]) -> char {
    class
        .iter()
        .filter(|u| u.is_uppercase())
        .filter_map(|u| {
            let mut lower = u.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) if class.contains(&l) => Some(l),
                _ => None,
            }
        })
        .min()
        .unwrap_or(class[0])
}

/// `term` with every character other than ASCII case-folded ([`fold_case`]), as the
/// automaton is given it.
pub(super) fn fold_case_str(term: &str) -> String {
    term.chars().map(fold_case).collect()
}

/// Whether [`Folded::of`] or [`Folded::of_case`] with [`CaseFold::ToAscii`] could change
/// `text`: whether it holds a character that [`fold`] changes, the long s or the Kelvin sign.
/// One pass, 32 bytes at a time over ASCII, each other character told by its bytes without
/// decoding it. Most units hold none, only curly quotes and accented letters: they skip both
/// folds, whose byte searches stopped at every curly quote (two passes over the unit, 2% of a
/// run's CPU time with a 104-term dictionary).
pub(super) fn may_fold(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        // The next character that is not ASCII: a lead byte, since the scan steps over whole
        // characters.
        let next = match rest.first_chunk::<32>() {
            // Most blocks are ASCII: told by one OR of their bytes.
            Some(block) if block.iter().fold(0, |any, &b| any | b).is_ascii() => None,
            Some(block) => first_non_ascii(block),
            None => rest.iter().position(|b| !b.is_ascii()),
        };
        let Some(offset) = next else {
            i += rest.len().min(32);
            continue;
        };
        i += offset;
        if folds_at(&bytes[i..]) {
            return true;
        }
        i += match bytes[i] {
            0xF0.. => 4,
            0xE0.. => 3,
            _ => 2,
        };
    }
    false
}

/// The offset of the first byte of `block` that is not ASCII, eight bytes at a time.
fn first_non_ascii(block: &[u8; 32]) -> Option<usize> {
    block.chunks_exact(8).enumerate().find_map(|(k, chunk)| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let high = u64::from_le_bytes(word) & 0x8080_8080_8080_8080;
        (high != 0).then(|| k * 8 + (high.trailing_zeros() / 8) as usize)
    })
}

/// Whether the character `bytes` starts with (not ASCII) is one [`may_fold`] looks for, told
/// by its UTF-8 encoding.
fn folds_at(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        // The soft hyphen; the long s.
        [0xC2, 0xAD, ..]
            | [0xC5, 0xBF, ..]
            // U+2010-2015, hyphen to horizontal bar; the Kelvin sign; the minus sign.
            | [0xE2, 0x80, 0x90..=0x95, ..]
            | [0xE2, 0x84, 0xAA, ..]
            | [0xE2, 0x88, 0x92, ..]
            // Small hyphen-minus; fullwidth hyphen-minus, digits, capitals, small letters.
            | [0xEF, 0xB9, 0xA3, ..]
            | [0xEF, 0xBC, 0x8D | 0x90..=0x99 | 0xA1..=0xBA, ..]
            | [0xEF, 0xBD, 0x81..=0x9A, ..]
    )
}

/// A unit's text folded for matching, and the way back.
pub(super) struct Folded {
    pub text: String,
    /// Where each piece of `text` starts, in order: a run copied as it is (or with characters
    /// folded to ones of the same length), or one character folded to one of another length
    /// (or dropped). Those are rare, so this stays short even for a huge unit.
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Start in the folded text.
    folded: usize,
    /// Start in the unit's text.
    source: usize,
    /// For a character folded to another length: its length in the unit's text; `None` for
    /// a run.
    folded_from: Option<usize>,
}

impl Folded {
    /// The folded text of `text`, or `None` when folding changes nothing. Each character
    /// [`fold`] changes is encoded starting with 0xC2, 0xE2 or 0xEF: text without those bytes
    /// (nearly all) is passed over at memchr's speed.
    pub fn of(text: &str) -> Option<Folded> {
        Folded::build(
            text,
            memchr::memchr3_iter(0xC2, 0xE2, 0xEF, text.as_bytes()),
            fold,
        )
    }

    /// `text` with every character other than ASCII case-folded ([`fold_case`]) for the
    /// automaton, or `None` when that changes nothing. With [`CaseFold::ToAscii`] only the
    /// characters folding to ASCII (the Kelvin sign, long s) are folded: all a scan for terms
    /// of ASCII and caseless letters needs.
    pub fn of_case(text: &str, mode: CaseFold) -> Option<Folded> {
        if text.is_ascii() {
            return None;
        }
        let bytes = text.as_bytes();
        match mode {
            // `ſ` is encoded 0xC5 0xBF, the Kelvin sign 0xE2 0x84 0xAA.
            CaseFold::ToAscii => {
                Folded::build(text, memchr::memchr2_iter(0xC5, 0xE2, bytes), |c| {
                    Some(if c == 'ſ' || c == KELVIN {
                        fold_case(c)
                    } else {
                        c
                    })
                })
            }
            // Every lead byte of a character other than ASCII.
            CaseFold::All => Folded::build(
                text,
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, &b)| b >= 0xC0)
                    .map(|(i, _)| i),
                |c| Some(fold_case(c)),
            ),
        }
    }

    /// Folds the characters starting at `candidates` (ascending byte offsets, each the start
    /// of a character or inside one) that `fold` changes; `None` if it changes none. A
    /// character folded to one of the same length stays in its run of the piece map, whose
    /// offsets still hold: the map grows only where lengths change.
    fn build(
        text: &str,
        candidates: impl Iterator<Item = usize>,
        fold: impl Fn(char) -> Option<char>,
    ) -> Option<Folded> {
        let mut folded: Option<Folded> = None;
        // Source bytes before this are in the folded text.
        let mut copied = 0;
        for i in candidates {
            if i < copied || !text.is_char_boundary(i) {
                continue;
            }
            let Some(c) = text[i..].chars().next() else {
                continue;
            };
            let f = fold(c);
            if f == Some(c) {
                continue;
            }
            let out = folded.get_or_insert_with(|| Folded {
                text: String::with_capacity(text.len() + text.len() / 8),
                pieces: vec![Piece {
                    folded: 0,
                    source: 0,
                    folded_from: None,
                }],
            });
            out.text.push_str(&text[copied..i]);
            match f {
                Some(f) if f.len_utf8() == c.len_utf8() => out.text.push(f),
                f => {
                    out.pieces.push(Piece {
                        folded: out.text.len(),
                        source: i,
                        folded_from: Some(c.len_utf8()),
                    });
                    out.text.extend(f);
                    out.pieces.push(Piece {
                        folded: out.text.len(),
                        source: i + c.len_utf8(),
                        folded_from: None,
                    });
                }
            }
            copied = i + c.len_utf8();
        }
        let mut out = folded?;
        out.text.push_str(&text[copied..]);
        Some(out)
    }

    /// The unit offset where a match starting at folded offset `pos` (a character boundary)
    /// starts.
    pub fn source_start(&self, pos: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.folded <= pos);
        match i.checked_sub(1).map(|i| self.pieces[i]) {
            None => 0,
            Some(piece) if pos == self.text.len() => self.end_of(piece, pos),
            Some(piece) => piece.source + (pos - piece.folded),
        }
    }

    /// The unit offset where a match ending at folded offset `pos` (a character boundary)
    /// ends: a soft hyphen dropped just after it is not part of it.
    pub fn source_end(&self, pos: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.folded < pos);
        match i.checked_sub(1).map(|i| self.pieces[i]) {
            None => 0,
            Some(piece) => self.end_of(piece, pos),
        }
    }

    /// The unit offset of folded offset `pos`, which is inside or at the end of `piece`.
    fn end_of(&self, piece: Piece, pos: usize) -> usize {
        match piece.folded_from {
            Some(len) => piece.source + len,
            None => piece.source + (pos - piece.folded),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_matches_map_back_to_the_unit() {
        let text = "a win\u{2013}win, ＴＲＵＳＴ and tru\u{AD}st";
        let folded = Folded::of(text).expect("foldable");
        assert_eq!(folded.text, "a win-win, TRUST and trust");
        for (word, source) in [
            ("win-win", "win\u{2013}win"),
            ("TRUST", "ＴＲＵＳＴ"),
            ("trust", "tru\u{AD}st"),
        ] {
            let at = folded.text.find(word).expect(word);
            let (s, e) = (folded.source_start(at), folded.source_end(at + word.len()));
            assert_eq!(&text[s..e], source);
        }
        // Every character boundary maps back in order, and the ends of the text to its ends.
        let mut last = 0;
        for pos in (0..=folded.text.len()).filter(|&p| folded.text.is_char_boundary(p)) {
            let (s, e) = (folded.source_start(pos), folded.source_end(pos));
            assert!(s >= last && e <= s && text.is_char_boundary(s), "{pos}");
            last = s;
        }
        assert_eq!(folded.source_start(0), 0);
        assert_eq!(folded.source_end(folded.text.len()), text.len());
        assert!(Folded::of("plain “quoted” text, café").is_none());
        // Chinese punctuation is left as it is.
        assert!(Folded::of("我们信任政府，然后！").is_none());
    }

    #[test]
    fn may_fold_finds_every_character_the_folds_change() {
        // Every character, alone and after ASCII of every length up to the 32-byte blocks and
        // across them, between other characters that are not ASCII.
        let changes = |c: char| fold(c) != Some(c) || c == 'ſ' || c == KELVIN;
        let mut found = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let expected = changes(c);
            found += usize::from(expected);
            assert_eq!(may_fold(&c.to_string()), expected, "U+{:04X}", c as u32);
            for pad in [7, 8, 31, 33] {
                let text = format!("{}“é{c}”{}", "a".repeat(pad), "b".repeat(pad));
                assert_eq!(may_fold(&text), expected, "U+{:04X} after {pad}", c as u32);
            }
        }
        // Soft hyphen, nine dashes, 62 fullwidth digits and letters, long s, Kelvin sign.
        assert_eq!(found, 1 + 9 + 62 + 2);
        // What the folds do with the text agrees.
        for text in [
            "plain “quoted” text, café ®",
            "win\u{2013}win",
            "Meſſe",
            "ＴＲＵＳＴ",
        ] {
            let folds =
                Folded::of(text).is_some() || Folded::of_case(text, CaseFold::ToAscii).is_some();
            assert_eq!(may_fold(text), folds, "{text}");
        }
    }

    #[test]
    fn case_folds_by_unicode_simple_case_folding() {
        // Every character: folded to its class's representative when its class (from the
        // regex crate's tables) has more than one member, else left alone. This also checks
        // that walking the cased characters found every class.
        let mut to_ascii = Vec::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let class = case_class(c);
            let expected = if c.is_ascii() || class.len() == 1 {
                c
            } else {
                representative(&class)
            };
            assert_eq!(fold_case(c), expected, "{c:?} U+{:04X}", c as u32);
            assert_eq!(
                has_other_cases(c),
                !c.is_ascii() && class.len() > 1,
                "{c:?}"
            );
            // Members of one class fold alike (ASCII ones once the automaton folds them).
            let key = |m: char| fold_case(m).to_ascii_lowercase();
            assert!(class.iter().all(|&m| key(m) == key(c)), "{c:?}");
            if !c.is_ascii() && fold_case(c).is_ascii() {
                to_ascii.push(c);
            }
        }
        // Only the long s and the Kelvin sign fold to ASCII: with no cased letter other than
        // ASCII among the terms, a unit's text needs no other folding (`CaseFold::ToAscii`).
        assert_eq!(to_ascii, ['ſ', KELVIN]);
        // Final and medial sigma and the capital are one; the capital sharp s is the sharp s
        // (simple folding never makes `ß` two letters, so `SS` is not `ß`); the Kelvin sign is
        // `k`; the micro sign is mu.
        assert_eq!([fold_case('Σ'), fold_case('ς'), fold_case('σ')], ['σ'; 3]);
        assert_eq!([fold_case('ẞ'), fold_case('ß')], ['ß'; 2]);
        assert_eq!(fold_case(KELVIN), 'k');
        assert_eq!(fold_case('µ'), 'μ');
        assert_eq!(fold_case_str("ΟΔΥΣΣΕΥΣ"), fold_case_str("Οδυσσευς"));
        // Turkish dotted and dotless I have no simple folding: `İ` is not `i`, `ı` not `I`.
        assert_eq!([fold_case('İ'), fold_case('ı')], ['İ', 'ı']);
        assert!(!has_other_cases('İ') && !has_other_cases('ı'));
        // Caseless scripts are left alone.
        assert_eq!(fold_case_str("信任ひらがな"), "信任ひらがな");
        assert!(!"信任ひらがな".chars().any(has_other_cases));
    }

    #[test]
    fn case_folded_text_maps_back_to_the_unit() {
        // `Ⱥ` (2 bytes) folds to `ⱥ` (3 bytes), the Kelvin sign (3 bytes) to `k` (1 byte), `ẞ`
        // (3 bytes) to `ß` (2 bytes); `Ж` to `ж`, of the same length.
        let text = "ȺB 5 \u{212A}elvin, STRAẞE, ЖУРНАЛ, ΣΟΦΊΑ, déjà vu";
        let folded = Folded::of_case(text, CaseFold::All).expect("foldable");
        assert_eq!(folded.text, "ⱥB 5 kelvin, STRAßE, журнал, σοφία, déjà vu");
        for (word, source) in [
            ("ⱥB", "ȺB"),
            ("kelvin", "\u{212A}elvin"),
            ("STRAßE", "STRAẞE"),
            ("журнал", "ЖУРНАЛ"),
            ("σοφία", "ΣΟΦΊΑ"),
            ("déjà", "déjà"),
            ("5", "5"),
        ] {
            let at = folded.text.find(word).expect(word);
            let (s, e) = (folded.source_start(at), folded.source_end(at + word.len()));
            assert_eq!(&text[s..e], source);
        }
        let mut last = 0;
        for pos in (0..=folded.text.len()).filter(|&p| folded.text.is_char_boundary(p)) {
            let (s, e) = (folded.source_start(pos), folded.source_end(pos));
            assert!(s >= last && e == s && text.is_char_boundary(s), "{pos}");
            last = s;
        }
        assert_eq!(folded.source_end(folded.text.len()), text.len());
        // Only the characters that change the length break the piece map: Cyrillic and Greek
        // capitals fold in their run.
        assert_eq!(folded.pieces.len(), 7);
        // Lower-case text has nothing to fold; with terms of ASCII and caseless letters only
        // the Kelvin sign and the long s are folded.
        assert!(Folded::of_case("журнал, σοφία, déjà vu, straße", CaseFold::All).is_none());
        assert!(Folded::of_case("ЖУРНАЛ “quoted” – ÉTÉ", CaseFold::ToAscii).is_none());
        let ascii = Folded::of_case("ЖУРНАЛ 5 \u{212A}, Meſſe", CaseFold::ToAscii).expect("kelvin");
        assert_eq!(ascii.text, "ЖУРНАЛ 5 k, Messe");
        assert!(Folded::of_case("plain", CaseFold::All).is_none());
    }
}
