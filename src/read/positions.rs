//! Source positions of decoded text: a document decoded from another encoding than UTF-8 (its
//! stored bytes, the encoding, the decoded text) in; for any offset of the decoded text, the
//! offset in the file as stored out.
//!
//! UTF-8 files need none of this: their text is their bytes after the byte-order mark. For
//! the others, every encoding qualcode reads has characters whose stored length follows from
//! their first byte (or, in UTF-16, from the character itself): GB18030 takes 1, 2 or 4
//! bytes, Big5, EUC-KR and Shift_JIS 1 or 2, EUC-JP 1, 2 or 3, UTF-16 2 or 4, and single-byte
//! encodings one. A [`SourceMap`] walks the stored bytes and the decoded characters in step:
//! once when the document is read, to check that they end together and to leave a
//! checkpoint every [`SourceMap::STRIDE`] bytes of text, and again for the offsets looked up,
//! from the previous lookup or the nearest checkpoint ([`StoredCursor`]), so a document is
//! walked about twice in all. Four Big5 byte pairs decode to two characters each (`Ê̄` and
//! its kin); an offset between those two characters maps to the start of the pair.

use encoding_rs::Encoding;

/// How the stored length of a character is told, per family of encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    SingleByte,
    Utf16,
    Gb18030,
    Big5,
    EucKr,
    ShiftJis,
    EucJp,
}

impl Family {
    /// The family of an encoding whose positions can be mapped; `None` for UTF-8 (no map
    /// needed) and for the encodings that are refused (ISO-2022-JP, replacement).
    pub(super) fn of(encoding: &'static Encoding) -> Option<Family> {
        use encoding_rs::*;
        Some(if encoding == UTF_16LE || encoding == UTF_16BE {
            Family::Utf16
        } else if encoding == GBK || encoding == GB18030 {
            Family::Gb18030
        } else if encoding == BIG5 {
            Family::Big5
        } else if encoding == EUC_KR {
            Family::EucKr
        } else if encoding == SHIFT_JIS {
            Family::ShiftJis
        } else if encoding == EUC_JP {
            Family::EucJp
        } else if encoding == UTF_8 || encoding == ISO_2022_JP || encoding == REPLACEMENT {
            return None;
        } else {
            // Every other WHATWG encoding maps each byte to one character.
            Family::SingleByte
        })
    }

    /// The stored length of the character `c` that starts at `stored[0]`, and how many
    /// characters those bytes decode to (2 only for the four Big5 pairs).
    #[inline]
    fn unit(self, stored: &[u8], c: char) -> (usize, usize) {
        let first = stored.first().copied().unwrap_or(0);
        let second = stored.get(1).copied().unwrap_or(0);
        match self {
            Family::SingleByte => (1, 1),
            Family::Utf16 => (2 * c.len_utf16(), 1),
            _ if first < 0x80 => (1, 1),
            // 0x80 alone is the euro sign.
            Family::Gb18030 if first == 0x80 => (1, 1),
            Family::Gb18030 if second.is_ascii_digit() => (4, 1),
            Family::Gb18030 => (2, 1),
            Family::Big5 if first == 0x88 && matches!(second, 0x62 | 0x64 | 0xA3 | 0xA5) => (2, 2),
            Family::Big5 | Family::EucKr => (2, 1),
            // 0x80 is U+0080, 0xA1-0xDF half-width katakana: one byte each.
            Family::ShiftJis if first == 0x80 || (0xA1..=0xDF).contains(&first) => (1, 1),
            Family::ShiftJis => (2, 1),
            // 0x8F starts a JIS X 0212 character of three bytes.
            Family::EucJp if first == 0x8F => (3, 1),
            Family::EucJp => (2, 1),
        }
    }
}

/// The stored bytes of a decoded document and checkpoints for mapping its positions.
#[derive(Debug, Clone)]
pub struct SourceMap {
    family: Family,
    /// The file as stored, byte-order mark included.
    stored: Vec<u8>,
    /// `(text byte, stored byte)` at character boundaries every [`SourceMap::STRIDE`] bytes
    /// of text, from `(0, byte-order mark length)`.
    checkpoints: Vec<(usize, usize)>,
}

/// Why the bytes and the text did not walk out together: a bug, reported rather than hidden.
#[derive(Debug, thiserror::Error)]
#[error("the positions of the decoded text cannot be mapped to the file (text byte {text}, file byte {stored})")]
pub struct Unmappable {
    text: usize,
    stored: usize,
}

impl SourceMap {
    const STRIDE: usize = 64 << 10;

    /// Walks `text` (decoded from `stored[bom_len..]`) and the stored bytes together once;
    /// an error gives the bytes back.
    pub(super) fn new(
        family: Family,
        stored: Vec<u8>,
        bom_len: usize,
        text: &str,
    ) -> Result<SourceMap, (Unmappable, Vec<u8>)> {
        let mut map = SourceMap {
            family,
            stored,
            checkpoints: Vec::with_capacity(text.len() / Self::STRIDE + 1),
        };
        map.checkpoints.push((0, bom_len));
        let (mut t, mut s) = (0, bom_len);
        let mut next_checkpoint = Self::STRIDE;
        while t < text.len() {
            let Some((dt, ds)) = map.step(text, t, s) else {
                return Err((Unmappable { text: t, stored: s }, map.stored));
            };
            t += dt;
            s += ds;
            if t >= next_checkpoint {
                map.checkpoints.push((t, s));
                next_checkpoint = t + Self::STRIDE;
            }
        }
        if s != map.stored.len() {
            return Err((Unmappable { text: t, stored: s }, map.stored));
        }
        Ok(map)
    }

    /// The file's bytes as stored.
    pub fn stored(&self) -> &[u8] {
        &self.stored
    }

    /// The unit of text and stored bytes that starts at text byte `t` and stored byte `s`:
    /// their lengths, or `None` past the end of either.
    #[inline]
    fn step(&self, text: &str, t: usize, s: usize) -> Option<(usize, usize)> {
        let mut chars = text.get(t..)?.chars();
        let c = chars.next()?;
        let rest = self.stored.get(s..).filter(|r| !r.is_empty())?;
        let (stored_len, n_chars) = self.family.unit(rest, c);
        let text_len = match n_chars {
            1 => c.len_utf8(),
            _ => c.len_utf8() + chars.next()?.len_utf8(),
        };
        Some((text_len, stored_len))
    }

    /// A cursor for lookups from about text byte `t` on.
    pub fn cursor<'a>(&'a self, text: &'a str, t: usize) -> StoredCursor<'a> {
        let i = self.checkpoints.partition_point(|&(c, _)| c <= t) - 1;
        let (t, s) = self.checkpoints[i];
        StoredCursor {
            map: self,
            text,
            t,
            s,
            before: (t, s),
        }
    }
}

/// Stored offsets of text offsets looked up mostly in increasing order: each lookup walks on
/// from the one before. Going back, it starts again from the lookup before that one when it
/// can (a match's end, then the next match's start) and from a checkpoint otherwise.
pub struct StoredCursor<'a> {
    map: &'a SourceMap,
    text: &'a str,
    t: usize,
    s: usize,
    /// Where the previous lookup started from.
    before: (usize, usize),
}

impl StoredCursor<'_> {
    /// The offset in the stored file of text byte offset `t` (a character boundary).
    pub fn stored_offset(&mut self, t: usize) -> usize {
        let here = (self.t, self.s);
        if t < self.t {
            if t >= self.before.0 {
                (self.t, self.s) = self.before;
            } else {
                let restart = self.map.cursor(self.text, t);
                (self.t, self.s) = (restart.t, restart.s);
            }
        }
        self.before = here.min((self.t, self.s));
        while self.t < t {
            match self.map.step(self.text, self.t, self.s) {
                // A Big5 pair of two characters is not split: `t` maps to its start.
                Some((dt, ds)) if self.t + dt <= t => {
                    self.t += dt;
                    self.s += ds;
                }
                _ => break,
            }
        }
        self.s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::*;

    /// Text made of every kind of character of an encoding's repertoire, encoded with
    /// encoding_rs (UTF-16 by hand: encoding_rs encodes to UTF-8 there).
    fn encoded(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        if encoding == UTF_16LE || encoding == UTF_16BE {
            let le = encoding == UTF_16LE;
            let mut out = if le {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            for unit in text.encode_utf16() {
                out.extend(if le {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                });
            }
            return out;
        }
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{} cannot encode the sample", encoding.name());
        bytes.into_owned()
    }

    /// Every pair of character boundaries cuts the same text from the decoded text and from
    /// the stored bytes (decoded again on their own).
    fn assert_cuts_agree(encoding: &'static Encoding, stored: Vec<u8>, bom_len: usize) {
        let text = encoding
            .decode_without_bom_handling_and_without_replacement(&stored[bom_len..])
            .expect("decodes")
            .into_owned();
        let family = Family::of(encoding).expect("mapped");
        let map = SourceMap::new(family, stored.clone(), bom_len, &text).expect("maps");
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let mut cursor = map.cursor(&text, 0);
        let offsets: Vec<usize> = bounds.iter().map(|&b| cursor.stored_offset(b)).collect();
        assert_eq!(offsets[0], bom_len);
        assert_eq!(*offsets.last().expect("end"), stored.len());
        for (i, &a) in bounds.iter().enumerate() {
            for (j, &b) in bounds.iter().enumerate().skip(i).step_by(7) {
                let cut = encoding
                    .decode_without_bom_handling_and_without_replacement(
                        &stored[offsets[i]..offsets[j]],
                    )
                    .unwrap_or_else(|| panic!("{}: {a}..{b} is not a cut", encoding.name()));
                assert_eq!(cut, &text[a..b], "{}", encoding.name());
            }
        }
        // Looked up backwards, and by a fresh cursor at each offset, the same.
        for (i, &b) in bounds.iter().enumerate().rev() {
            assert_eq!(cursor.stored_offset(b), offsets[i]);
            assert_eq!(map.cursor(&text, b).stored_offset(b), offsets[i]);
        }
    }

    #[test]
    fn stored_offsets_cut_the_same_text_in_every_family() {
        let simplified = "社会组织与政府建立互信，“一把手”调任以后怎么办？NGO 2016年。\r\n";
        let traditional = "社會組織與政府建立互信，「一把手」調任以後怎麼辦？NGO 2016年。\r\n";
        let samples: &[(&'static Encoding, String)] = &[
            // GB18030 four-byte characters (€ is two bytes, ḿ and 𠀀 four).
            (GB18030, format!("{simplified}€ ḿ 𠀀 ⅰ 〇\n")),
            (GBK, simplified.to_string()),
            (BIG5, traditional.to_string()),
            (SHIFT_JIS, "信頼と互恵、ｶﾀｶﾅ と ひらがな。\n".to_string()),
            (EUC_JP, "信頼と互恵、ｶﾀｶﾅ と ひらがな。\n".to_string()),
            (EUC_KR, "정부와 신뢰를 쌓다 信賴.\n".to_string()),
            (WINDOWS_1252, "Café “trust” – €5 œuvre\r\n".to_string()),
            (WINDOWS_1251, "Доверие и НКО.\n".to_string()),
            (UTF_16LE, format!("{simplified}𠀀 emoji 🙂\n")),
            (UTF_16BE, format!("{traditional}𠀀\n")),
        ];
        for (encoding, text) in samples {
            let stored = encoded(encoding, &text.repeat(3));
            let bom_len = if encoding.name().starts_with("UTF-16") {
                2
            } else {
                0
            };
            assert_cuts_agree(encoding, stored, bom_len);
        }
    }

    #[test]
    fn bytes_that_encoders_never_write_map_too() {
        // GB18030 0x80 alone is the euro sign (encoders write A2 E3); EUC-JP 0x8F starts a
        // JIS X 0212 character; Big5 0x8862 is two characters (Ê̄); Shift_JIS 0x80 is U+0080.
        assert_cuts_agree(GB18030, b"a\x80b\xa2\xe3c\x81\x35\xf4\x37".to_vec(), 0);
        assert_cuts_agree(EUC_JP, b"x\x8f\xb0\xa1y\x8e\xb1z".to_vec(), 0);
        assert_cuts_agree(SHIFT_JIS, b"a\x80b\xb1\x88\x9f".to_vec(), 0);
        // An offset inside a Big5 pair of two characters maps to the pair's start; the
        // offsets around the pair are exact.
        let stored = b"a\x88\x62b".to_vec();
        let text = BIG5
            .decode_without_bom_handling_and_without_replacement(&stored)
            .expect("big5")
            .into_owned();
        assert_eq!(text.chars().count(), 4);
        let map = SourceMap::new(Family::Big5, stored, 0, &text).expect("maps");
        let inside = 1 + 'Ê'.len_utf8();
        let mut cursor = map.cursor(&text, 0);
        assert_eq!(cursor.stored_offset(1), 1);
        assert_eq!(cursor.stored_offset(inside), 1);
        assert_eq!(cursor.stored_offset(text.len() - 1), 3);
        assert_eq!(cursor.stored_offset(text.len()), 4);
    }

    #[test]
    fn long_text_uses_checkpoints() {
        let line = "政府与社会组织之间的信任需要时间。Trust takes time.\n";
        let text = line.repeat(SourceMap::STRIDE / line.len() * 3);
        let stored = encoded(GB18030, &text);
        let map = SourceMap::new(Family::Gb18030, stored.clone(), 0, &text).expect("maps");
        assert!(map.checkpoints.len() >= 3);
        // Every checkpoint is a true pair of offsets.
        for &(t, s) in &map.checkpoints {
            assert_eq!(encoded(GB18030, &text[..t]).len(), s);
        }
        let last = text.len() - line.len();
        assert_eq!(
            map.cursor(&text, last).stored_offset(last),
            stored.len() - encoded(GB18030, line).len()
        );
    }

    #[test]
    fn a_walk_that_does_not_end_with_the_bytes_is_an_error() {
        assert!(SourceMap::new(Family::Gb18030, b"ab\xb0\xa1".to_vec(), 0, "ab").is_err());
        assert!(SourceMap::new(Family::SingleByte, b"ab".to_vec(), 0, "abc").is_err());
    }
}
