//! Folding for matching: a unit's text in, the text rules are matched against out, with the
//! way back to the unit's own offsets. Hyphen and dash variants become `-` (`win–win`,
//! `two‐way` match `win-win`, `two-way`), fullwidth letters and digits become ASCII (`ＴＲＵＳＴ`
//! matches `trust`), and soft hyphens are dropped (`tru\u{AD}st` matches `trust`). Matches
//! are reported at the unit's own offsets, so the text and positions stay as in the source.

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

/// Whether `text` holds a character that [`fold`] changes. Each of them is encoded starting
/// with 0xC2, 0xE2 or 0xEF: text without those bytes (nearly all) is passed over at memchr's
/// speed.
fn has_foldable(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr3_iter(0xC2, 0xE2, 0xEF, bytes).any(|i| {
        // `i` is the start of a character: those bytes are never continuation bytes.
        text[i..].chars().next().is_some_and(|c| fold(c) != Some(c))
    })
}

/// A unit's text folded for matching, and the way back.
pub(super) struct Folded {
    pub text: String,
    /// Where each piece of `text` starts, in order: a run copied as it is, or one folded
    /// character. Folded characters are rare, so this stays short even for a huge unit.
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Start in the folded text.
    folded: usize,
    /// Start in the unit's text.
    source: usize,
    /// For a folded character: its length in the unit's text; `None` for a copied run.
    folded_from: Option<usize>,
}

impl Folded {
    /// The folded text of `text`, or `None` when folding changes nothing.
    pub fn of(text: &str) -> Option<Folded> {
        if !has_foldable(text) {
            return None;
        }
        let mut folded = Folded {
            text: String::with_capacity(text.len()),
            pieces: Vec::new(),
        };
        let mut copied = 0;
        for i in memchr::memchr3_iter(0xC2, 0xE2, 0xEF, text.as_bytes()) {
            let Some(c) = text[i..].chars().next() else {
                continue;
            };
            let f = fold(c);
            if i < copied || f == Some(c) {
                continue;
            }
            folded.copy(text, copied, i);
            if let Some(f) = f {
                folded.pieces.push(Piece {
                    folded: folded.text.len(),
                    source: i,
                    folded_from: Some(c.len_utf8()),
                });
                folded.text.push(f);
            }
            copied = i + c.len_utf8();
        }
        folded.copy(text, copied, text.len());
        Some(folded)
    }

    fn copy(&mut self, text: &str, from: usize, to: usize) {
        if from < to {
            self.pieces.push(Piece {
                folded: self.text.len(),
                source: from,
                folded_from: None,
            });
            self.text.push_str(&text[from..to]);
        }
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
}
