//! Decoding: a file's bytes (and the encoding forced with `--encoding`, if any) in; its text
//! as UTF-8 out, with the encoding it was read in, how that was decided and, for encodings
//! other than UTF-8, the map of its positions back to the stored bytes ([`SourceMap`]) — or
//! the reason it is not read, with the bytes given back to be hashed.
//!
//! Decisions, in order:
//! 1. `--encoding NAME` ([`Decoding::Force`]) decodes every file in that encoding; a
//!    byte-order mark of another encoding, an invalid byte or a control character refuses
//!    the file.
//! 2. A UTF-16 byte-order mark (little or big endian) decides.
//! 3. A NUL byte in the first 8 KB is a binary file (UTF-16 without a byte-order mark is read
//!    only with `--encoding`).
//! 4. Valid UTF-8 (with or without its byte-order mark) is UTF-8, read in place: the common
//!    case costs one validation, as before encodings were detected. ISO-2022-JP, which is
//!    7-bit and so valid UTF-8, is refused by its escape sequences.
//! 5. A GB18030 byte-order mark decides.
//! 6. Anything else is detected: chardetng (the detector of Firefox) guesses the likeliest of
//!    the WHATWG encodings, and the guess is used only if it passes [`confidence`]'s tests.

use super::positions::{Family, SourceMap};
use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    DecoderResult, Encoding, BIG5, EUC_JP, EUC_KR, GB18030, GBK, SHIFT_JIS, UTF_16BE, UTF_16LE,
    UTF_8, WINDOWS_1252,
};

pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const GB18030_BOM: &[u8] = b"\x84\x31\x95\x33";
/// How much of a file's start is searched for NUL bytes and escape sequences.
const HEAD: usize = 8192;
/// How much of a file chardetng reads to guess its encoding: plenty for its character
/// statistics, and a 300 MB file is not read twice for it. The guess is then checked on the
/// whole file.
const DETECT: usize = 4 << 20;

/// How the files of a run are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decoding {
    /// By byte-order mark, UTF-8 validity and detection, per file.
    #[default]
    Detect,
    /// Every file in this encoding (`--encoding NAME`).
    Force(&'static Encoding),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodingError {
    #[error("unknown encoding {0:?}: give a name such as utf-8, utf-16le, utf-16be, gbk, gb18030, big5, shift_jis, euc-jp, euc-kr, windows-1252 or latin1")]
    Unknown(String),
    #[error("encoding {0} is not read by qualcode: convert the files to UTF-8 first (for example with iconv)")]
    Unsupported(&'static str),
}

impl Decoding {
    /// `--encoding NAME`: any WHATWG label (`gb2312` and `gbk` are GBK, `latin1` and
    /// `iso-8859-1` are windows-1252, as in browsers).
    pub fn from_label(label: &str) -> Result<Decoding, EncodingError> {
        let encoding = Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| EncodingError::Unknown(label.to_string()))?;
        if encoding != UTF_8 && Family::of(encoding).is_none() {
            return Err(EncodingError::Unsupported(encoding.name()));
        }
        Ok(Decoding::Force(encoding))
    }

    /// The forced encoding's name, if any.
    pub fn forced(self) -> Option<&'static str> {
        match self {
            Decoding::Detect => None,
            Decoding::Force(encoding) => Some(encoding.name()),
        }
    }
}

/// How a document's encoding was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Its byte-order mark.
    Bom,
    /// It is valid UTF-8 (without a byte-order mark).
    Valid,
    /// Detected, and the detection passed the confidence tests.
    Detected,
    /// `--encoding`.
    Forced,
    /// Declared in the document (an HTML page's `<meta charset>`).
    Declared,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Bom => "bom",
            Basis::Valid => "valid",
            Basis::Detected => "detected",
            Basis::Forced => "forced",
            Basis::Declared => "declared",
        }
    }
}

/// A file's text and how it was read.
#[derive(Debug)]
pub struct Decoded {
    /// The text, without the byte-order mark.
    pub text: String,
    pub encoding: &'static Encoding,
    pub basis: Basis,
    /// Bytes of the byte-order mark before the text (0, 2, 3 or 4).
    pub bom_len: usize,
    /// For encodings other than UTF-8: the stored bytes and how positions map to them. `None`
    /// when the text is the file's bytes after the byte-order mark.
    pub map: Option<SourceMap>,
}

/// Why a file is not read as text, and its bytes.
#[derive(Debug)]
pub struct Refused {
    pub reason: String,
    pub data: Vec<u8>,
}

fn refuse<T>(reason: impl Into<String>, data: Vec<u8>) -> Result<T, Refused> {
    Err(Refused {
        reason: reason.into(),
        data,
    })
}

/// `UTF-16LE` or `UTF-16BE` when `head` looks like text in it: mostly Latin-script text, so
/// a NUL in at least a third of the bytes, nearly all on the same side of each pair.
fn utf16_without_bom(head: &[u8]) -> Option<&'static str> {
    let nul_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (nul_at(0), nul_at(1));
    let nuls = even + odd;
    if head.len() < 8 || nuls * 3 < head.len() {
        return None;
    }
    if odd * 10 >= nuls * 9 {
        Some("UTF-16LE")
    } else if even * 10 >= nuls * 9 {
        Some("UTF-16BE")
    } else {
        None
    }
}

/// Decodes a file's bytes (see the module documentation for the order of decisions).
pub fn decode(data: Vec<u8>, decoding: Decoding) -> Result<Decoded, Refused> {
    if let Decoding::Force(encoding) = decoding {
        return forced(data, encoding);
    }
    for (bom, encoding) in [(&b"\xFF\xFE"[..], UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if data.starts_with(bom) {
            return decode_in(data, encoding, bom.len(), Basis::Bom);
        }
    }
    // A NUL byte never occurs in text; checking the start is how git and ripgrep spot binaries.
    if data[..data.len().min(HEAD)].contains(&0) {
        if let Some(name) = utf16_without_bom(&data[..data.len().min(HEAD)]) {
            let reason = format!(
                "{name} text without a byte-order mark (a NUL in every other byte): read it with --encoding {}, or re-save it as UTF-8",
                name.to_lowercase()
            );
            return refuse(&reason, data);
        }
        return refuse("binary file (contains NUL bytes; UTF-16 text without a byte-order mark is read with --encoding utf-16le or utf-16be)", data);
    }
    let bom_len = if data.starts_with(UTF8_BOM) { 3 } else { 0 };
    // The file's bytes become the text in place: a large file is not held twice.
    match String::from_utf8(data) {
        Ok(text) => utf8(text, bom_len),
        Err(err) if bom_len > 0 => {
            let at = err.utf8_error().valid_up_to();
            refuse(
                format!("not valid UTF-8 although it starts with UTF-8's byte-order mark (first invalid byte at offset {at}); re-save the file as UTF-8"),
                err.into_bytes(),
            )
        }
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let data = err.into_bytes();
            if data.starts_with(GB18030_BOM) {
                return decode_in(data, GB18030, GB18030_BOM.len(), Basis::Bom);
            }
            detect(data, at)
        }
    }
}

/// Valid UTF-8 text, byte-order mark included; ISO-2022-JP is refused.
fn utf8(mut text: String, bom_len: usize) -> Result<Decoded, Refused> {
    let head = &text.as_bytes()[..text.len().min(HEAD)];
    if memchr::memchr(0x1B, head).is_some() && is_iso_2022_jp(head) {
        return refuse(
            "ISO-2022-JP (7-bit Japanese with escape sequences), which qualcode does not read: convert it to UTF-8 (iconv -f ISO-2022-JP -t UTF-8)",
            text.into_bytes(),
        );
    }
    text.drain(..bom_len);
    Ok(Decoded {
        text,
        encoding: UTF_8,
        basis: if bom_len > 0 {
            Basis::Bom
        } else {
            Basis::Valid
        },
        bom_len,
        map: None,
    })
}

/// The escape sequences that switch ISO-2022-JP into its Japanese character sets.
fn is_iso_2022_jp(head: &[u8]) -> bool {
    [&b"\x1B$B"[..], b"\x1B$@", b"\x1B(J", b"\x1B(I"]
        .iter()
        .any(|escape| memchr::memmem::find(head, escape).is_some())
}

fn forced(data: Vec<u8>, encoding: &'static Encoding) -> Result<Decoded, Refused> {
    let bom_len = match Encoding::for_bom(&data) {
        Some((bom, len)) if bom == encoding => len,
        Some((bom, _)) => {
            return refuse(
                format!(
                    "starts with the byte-order mark of {}, but --encoding {} was given",
                    bom.name(),
                    encoding.name()
                ),
                data,
            )
        }
        None if encoding == GB18030 && data.starts_with(GB18030_BOM) => GB18030_BOM.len(),
        None => 0,
    };
    if encoding != UTF_16LE && encoding != UTF_16BE && data[..data.len().min(HEAD)].contains(&0) {
        return refuse("binary file (contains NUL bytes)", data);
    }
    if encoding == UTF_8 {
        return match String::from_utf8(data) {
            Ok(text) => utf8(text, bom_len).map(|d| Decoded {
                basis: Basis::Forced,
                ..d
            }),
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                refuse(
                    format!("not valid UTF-8 (first invalid byte at offset {at}), as --encoding requires"),
                    err.into_bytes(),
                )
            }
        };
    }
    decode_in(data, encoding, bom_len, Basis::Forced)
}

/// Decodes the bytes after the byte-order mark in `encoding`, which must read them without
/// an invalid byte or a control character.
fn decode_in(
    data: Vec<u8>,
    encoding: &'static Encoding,
    bom_len: usize,
    basis: Basis,
) -> Result<Decoded, Refused> {
    let name = encoding.name();
    let text = match strict(encoding, &data[bom_len..]) {
        Ok(text) => text,
        Err(at) => {
            let why = match basis {
                Basis::Bom => "although it starts with its byte-order mark",
                _ => "as --encoding requires",
            };
            return refuse(
                format!(
                    "not valid {name} (first invalid byte at offset {}), {why}",
                    at + bom_len
                ),
                data,
            );
        }
    };
    if let Some((at, c)) = control_character(&text) {
        return refuse(
            format!(
                "read as {name}, it holds the control character U+{:04X} (character {at}): not text in {name}",
                u32::from(c)
            ),
            data,
        );
    }
    mapped(data, encoding, bom_len, basis, text)
}

/// The decoded text with the map of its positions.
fn mapped(
    data: Vec<u8>,
    encoding: &'static Encoding,
    bom_len: usize,
    basis: Basis,
    text: String,
) -> Result<Decoded, Refused> {
    let Some(family) = Family::of(encoding) else {
        return refuse(format!("{} is not read by qualcode", encoding.name()), data);
    };
    match SourceMap::new(family, data, bom_len, &text) {
        Ok(map) => Ok(Decoded {
            text,
            encoding,
            basis,
            bom_len,
            map: Some(map),
        }),
        // Never expected (the walk is tested against every family); reported, not hidden.
        Err((err, data)) => refuse(format!("{}: {err}", encoding.name()), data),
    }
}

/// Decodes all of `bytes`, or gives the offset of the first invalid byte.
fn strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len());
    let mut text = String::with_capacity(capacity);
    let mut read = 0;
    loop {
        let (result, n) =
            decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += n;
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => text.reserve(bytes.len() - read + 16),
            DecoderResult::Malformed(bad, after) => {
                return Err(read - usize::from(bad) - usize::from(after))
            }
        }
    }
}

/// The first control character other than tab, line feed, form feed and carriage return,
/// with its character offset: text decoded in the wrong encoding, or not text.
fn control_character(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\x0C' | '\r'))
}

/// Well-formed UTF-8 sequences of two bytes or more in bytes that are not valid UTF-8 as a
/// whole.
#[derive(Debug, Default, PartialEq, Eq)]
struct Utf8Fragments {
    /// Bytes at or above 0x80.
    non_ascii: usize,
    /// Of those, bytes inside well-formed sequences.
    in_sequences: usize,
    /// Well-formed sequences of three or four bytes.
    long: usize,
}

impl Utf8Fragments {
    fn of(data: &[u8]) -> Utf8Fragments {
        let mut f = Utf8Fragments::default();
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            if b < 0x80 {
                i += 1;
                continue;
            }
            let len = match b {
                0xC2..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF4 => 4,
                _ => 0,
            };
            let well_formed = len > 0
                && data
                    .get(i..i + len)
                    .is_some_and(|s| std::str::from_utf8(s).is_ok());
            if well_formed {
                f.in_sequences += len;
                f.non_ascii += len;
                f.long += usize::from(len > 2);
                i += len;
            } else {
                f.non_ascii += 1;
                i += 1;
            }
        }
        f
    }

    /// Most of the non-ASCII bytes are UTF-8: a damaged UTF-8 file, or UTF-8 mixed with
    /// another encoding. Not when the sequences are all of two bytes and every non-ASCII byte
    /// is in a pair of bytes 0xA1-0xFE, as in text of the EUC family (EUC-JP, EUC-KR,
    /// GB2312): there a tenth of the characters are well-formed UTF-8 by chance, and in a
    /// short text half of them can be (`社会` in EUC-JP is `BC D2 B2 F1`, whose `D2 B2` is
    /// UTF-8's `Ҳ`).
    fn mostly_utf8(&self, data: &[u8]) -> bool {
        self.in_sequences * 2 >= self.non_ascii && (self.long > 0 || !in_euc_pairs(data))
    }
}

/// Whether every run of non-ASCII bytes is of pairs of bytes 0xA1-0xFE.
fn in_euc_pairs(data: &[u8]) -> bool {
    data.split(u8::is_ascii)
        .all(|run| run.len() % 2 == 0 && run.iter().all(|b| (0xA1..=0xFE).contains(b)))
}

/// A guess with fewer non-ASCII characters than this is refused when another reading of the
/// file is as plausible: below it, chardetng has too little to go on (see the calibration
/// test below: "信任 trust" in GBK is guessed KOI8-U, "El niño está aquí" windows-1250).
const MIN_EVIDENCE: usize = 10;

/// The readings a guess on little evidence is checked against: the Western default and the
/// East Asian encodings (GBK stands for GB18030 too: they decode alike).
const ALTERNATIVES: [&Encoding; 6] = [WINDOWS_1252, GBK, BIG5, SHIFT_JIS, EUC_JP, EUC_KR];

fn detect(data: Vec<u8>, utf8_error_at: usize) -> Result<Decoded, Refused> {
    let not_utf8 = format!("not valid UTF-8 (first invalid byte at offset {utf8_error_at})");
    let advice = "re-save it as UTF-8, or name its encoding with --encoding";
    let fragments = Utf8Fragments::of(&data);
    if fragments.mostly_utf8(&data) {
        return refuse(
            format!("{not_utf8}, though most of it is UTF-8: a damaged file, or UTF-8 mixed with another encoding; repair it or re-save it as UTF-8"),
            data,
        );
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    // `last` only when the whole file is fed (chardetng's rule for prefixes).
    detector.feed(&data[..data.len().min(DETECT)], data.len() <= DETECT);
    let guess = detector.guess(None, Utf8Detection::Deny);
    let name = guess.name();
    let text = match strict(guess, &data) {
        Ok(text) => text,
        Err(at) => {
            return refuse(
                format!("{not_utf8}, nor valid {name}, the likeliest other encoding (invalid byte at offset {at}): {advice}"),
                data,
            )
        }
    };
    if let Err(doubt) = confidence(&text, guess, &data, &fragments) {
        return refuse(
            format!("{not_utf8}; read as {name}, the likeliest other encoding, {doubt}: {advice}"),
            data,
        );
    }
    mapped(data, guess, 0, Basis::Detected, text)
}

/// The confidence rule for a detected encoding: the file decoded in it without an invalid
/// byte (checked before), and
/// 1. the text holds no control character but tab, line feed, form feed and carriage return;
/// 2. a single-byte encoding's bytes hold no well-formed UTF-8 sequence of three or four
///    bytes (`â€™` for `’`: UTF-8 mixed in);
/// 3. at least 90% of the non-ASCII characters belong to what the encoding is for: the
///    scripts and punctuation of China, Japan and Korea for the East Asian encodings,
///    letters and common punctuation for the single-byte ones (private-use characters never
///    do);
/// 4. with fewer than [`MIN_EVIDENCE`] non-ASCII characters, no other of the
///    [`ALTERNATIVES`] reads the file as a different text that passes 1 and 3.
///
/// `Err` says which test failed, in words for the skip reason.
fn confidence(
    text: &str,
    encoding: &'static Encoding,
    data: &[u8],
    fragments: &Utf8Fragments,
) -> Result<(), String> {
    if let Some((at, c)) = control_character(text) {
        return Err(format!(
            "it holds the control character U+{:04X} (character {at})",
            u32::from(c)
        ));
    }
    let single_byte = Family::of(encoding) == Some(Family::SingleByte);
    if single_byte && fragments.long > 0 {
        return Err(
            "it would hold UTF-8 sequences read as other characters (UTF-8 mixed with another encoding)"
                .into(),
        );
    }
    let (non_ascii, fitting) = fit(text, encoding);
    if !plausible(non_ascii, fitting) {
        return Err(format!(
            "only {fitting} of its {non_ascii} non-ASCII characters are {}",
            if single_byte {
                "letters or common punctuation"
            } else {
                "Chinese, Japanese or Korean characters or punctuation"
            }
        ));
    }
    if non_ascii < MIN_EVIDENCE {
        let same = |other: &'static Encoding| {
            other == encoding
                || (Family::of(other) == Some(Family::Gb18030)
                    && Family::of(encoding) == Some(Family::Gb18030))
        };
        let others: Vec<&str> = ALTERNATIVES
            .iter()
            .filter(|&&other| {
                !same(other)
                    && strict(other, data).is_ok_and(|t| {
                        let (n, f) = fit(&t, other);
                        t != text && control_character(&t).is_none() && plausible(n, f)
                    })
            })
            .map(|other| other.name())
            .collect();
        if !others.is_empty() {
            return Err(format!(
                "it has only {non_ascii} non-ASCII character{} and reads as {} too",
                if non_ascii == 1 { "" } else { "s" },
                others.join(", ")
            ));
        }
    }
    Ok(())
}

/// At least 90% of the non-ASCII characters fit.
fn plausible(non_ascii: usize, fitting: usize) -> bool {
    fitting * 10 >= non_ascii * 9
}

/// Non-ASCII characters, and how many of them fit the encoding's purpose.
fn fit(text: &str, encoding: &'static Encoding) -> (usize, usize) {
    let east_asian = Family::of(encoding) != Some(Family::SingleByte);
    let (mut non_ascii, mut fitting) = (0, 0);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        non_ascii += 1;
        let fits = if east_asian {
            fits_east_asian(c)
        } else {
            fits_single_byte(c)
        };
        fitting += usize::from(fits);
    }
    (non_ascii, fitting)
}

fn fits_east_asian(c: char) -> bool {
    matches!(u32::from(c),
        0x00A0..=0x024F     // Latin-1 signs, accented letters (pinyin tones)
        | 0x0370..=0x04FF   // Greek, Cyrillic (in the GB, Big5, JIS and KS tables)
        | 0x1100..=0x11FF   // Hangul jamo
        | 0x2010..=0x206F   // general punctuation: quotes, dashes, ellipsis
        | 0x2100..=0x27BF   // letterlike, numbers, arrows, maths, box drawing, shapes
        | 0x2E80..=0x33FF   // radicals, CJK punctuation, kana, bopomofo, enclosed, units
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFE30..=0xFE4F   // CJK compatibility forms
        | 0xFF00..=0xFFEF   // full-width and half-width forms
        | 0x20000..=0x3134F // CJK extensions B to G
    )
}

fn fits_single_byte(c: char) -> bool {
    c.is_alphabetic()
        || matches!(u32::from(c),
            0x00A0..=0x00BF       // Latin-1 signs: no-break space, ©, °, «, », ¿
            | 0x00D7 | 0x00F7     // × ÷
            | 0x2010..=0x205E     // dashes, quotes, bullets, ellipsis, ‰
            | 0x20A0..=0x20CF     // currency signs (€)
            | 0x2116 | 0x2122     // № ™
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::X_USER_DEFINED;

    fn decoded(data: &[u8]) -> Result<Decoded, String> {
        decode(data.to_vec(), Decoding::Detect).map_err(|r| {
            assert_eq!(r.data, data, "the bytes are given back whole");
            r.reason
        })
    }

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{}: {text}", encoding.name());
        bytes.into_owned()
    }

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut out = if little {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            out.extend(if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    }

    const SIMPLIFIED: &str =
        "社会组织要赢得政府的信任，首先要找到一把手。\r\n双方在合作中实现互惠，项目才能持续。\r\n";
    const TRADITIONAL: &str =
        "社會組織要贏得政府的信任，首先要找到一把手。\n雙方在合作中實現互惠，專案才能持續。\n";

    #[test]
    fn encodings_are_told_by_mark_validity_or_detection() {
        let cases: Vec<(Vec<u8>, &str, Basis, usize)> = vec![
            (b"plain trust\n".to_vec(), "UTF-8", Basis::Valid, 0),
            (b"\xEF\xBB\xBFtrust\n".to_vec(), "UTF-8", Basis::Bom, 3),
            (utf16(SIMPLIFIED, true), "UTF-16LE", Basis::Bom, 2),
            (utf16(TRADITIONAL, false), "UTF-16BE", Basis::Bom, 2),
            (encode(GBK, SIMPLIFIED), "GBK", Basis::Detected, 0),
            (encode(BIG5, TRADITIONAL), "Big5", Basis::Detected, 0),
            (
                encode(SHIFT_JIS, "政府との信頼関係を築くことが、まず必要である。"),
                "Shift_JIS",
                Basis::Detected,
                0,
            ),
            (
                encode(EUC_KR, "시민사회 단체와 정부 사이의 신뢰가 필요하다."),
                "EUC-KR",
                Basis::Detected,
                0,
            ),
            (
                encode(
                    WINDOWS_1252,
                    "Café society’s “trust” in the état – naïve?\n",
                ),
                "windows-1252",
                Basis::Detected,
                0,
            ),
            (
                b"caf\xE9 and trust\n".to_vec(),
                "windows-1252",
                Basis::Detected,
                0,
            ),
            (
                [GB18030_BOM, &encode(GB18030, SIMPLIFIED)].concat(),
                "gb18030",
                Basis::Bom,
                4,
            ),
        ];
        for (data, name, basis, bom_len) in cases {
            let d = decoded(&data).unwrap_or_else(|why| panic!("{name}: {why}"));
            assert_eq!(
                (d.encoding.name(), d.basis, d.bom_len),
                (name, basis, bom_len)
            );
            assert!(
                d.text.contains("trust")
                    || d.text.contains('信')
                    || d.text.contains('신')
                    || d.text.contains('頼'),
                "{name}: {}",
                d.text
            );
            assert_eq!(d.map.is_some(), name != "UTF-8", "{name}");
        }
    }

    #[test]
    fn what_cannot_be_read_with_confidence_is_refused_with_its_reason() {
        let refused = |data: &[u8], expected: &str| {
            let reason = decoded(data)
                .map(|d| (d.encoding.name(), d.text))
                .expect_err("refused");
            assert!(reason.contains(expected), "{reason:?} lacks {expected:?}");
        };
        refused(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "binary file");
        // UTF-16 without its byte-order mark is named, with the option that reads it.
        let le: Vec<u8> = "Trust grew.\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "Trust grew.\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        refused(&le, "UTF-16LE text without a byte-order mark");
        refused(&be, "--encoding utf-16be");
        refused(&utf16("trust", true)[2..], "--encoding utf-16le");
        // UTF-8 with one stray byte: most of it is UTF-8.
        let mut damaged = SIMPLIFIED.as_bytes().to_vec();
        damaged.insert(20, 0xFF);
        refused(
            &damaged,
            "not valid UTF-8 (first invalid byte at offset 18)",
        );
        refused(&damaged, "most of it is UTF-8");
        // UTF-8 Latin letters with a stray windows-1252 one: damaged too.
        refused(
            b"caf\xC3\xA9 cr\xC3\xA8me \xE9t\xC3\xA9",
            "most of it is UTF-8",
        );
        // A short EUC-JP text whose bytes are half UTF-8 by chance is not called damaged:
        // its reading is uncertain, and said so.
        for short in ["社会", "組織と地域の住民"] {
            let reason = decoded(&encode(EUC_JP, short)).expect_err("refused");
            assert!(!reason.contains("damaged"), "{short}: {reason}");
            assert!(
                reason.contains("read as EUC-JP") || reason.contains("reads as"),
                "{short}: {reason}"
            );
            assert!(reason.contains("EUC-JP"), "{short}: {reason}");
        }
        // Windows-1252 bytes with a UTF-8 quote pasted in.
        refused(
            b"caf\xE9 \xE2\x80\x9Ctrust\xE2\x80\x9D na\xEFve \xE9t\xE9 d\xE9j\xE0 \xE0 la carte",
            "UTF-8 mixed",
        );
        // Undefined windows-1252 bytes decode to C1 control characters.
        refused(b"a\x81b\x8dc\x9dd trust \xe9", "control character U+0081");
        // Two Chinese characters: chardetng guesses KOI8-U (пехн), GBK reads them too.
        refused(
            &encode(GBK, "信任 trust"),
            "only 4 non-ASCII characters and reads as windows-1252, GBK, Big5",
        );
        // Guessed windows-1250 (nińo); windows-1252 reads it too.
        refused(
            &encode(WINDOWS_1252, "El niño está aquí"),
            "reads as windows-1252 too",
        );
        refused(
            b"\xEF\xBB\xBFcaf\xE9",
            "byte-order mark (first invalid byte at offset 6)",
        );
        refused(b"\x1B$B@?MQ\x1B(B trust", "ISO-2022-JP");
        refused(
            &[&b"\xFF\xFEa\x00"[..], b"\x00\xD8"].concat(),
            "not valid UTF-16LE",
        );
    }

    #[test]
    fn forced_encodings_decode_every_file_or_say_why_not() {
        let force = |label: &str| Decoding::from_label(label).expect("label");
        let d = decode(encode(GBK, SIMPLIFIED), force("gb2312")).expect("gbk");
        assert_eq!((d.encoding.name(), d.basis), ("GBK", Basis::Forced));
        assert_eq!(d.text, SIMPLIFIED);
        // Too short to detect, but forced.
        let d = decode(encode(GBK, "信任"), force("GBK")).expect("gbk");
        assert_eq!(d.text, "信任");
        let d = decode(b"caf\xE9".to_vec(), force("latin1")).expect("latin1");
        assert_eq!((d.encoding, d.text.as_str()), (WINDOWS_1252, "café"));
        let d = decode(utf16("信任", true)[2..].to_vec(), force("utf-16le")).expect("utf16");
        assert_eq!((d.text.as_str(), d.bom_len), ("信任", 0));
        let d = decode(utf16("信任", true), force("utf-16le")).expect("utf16 with its mark");
        assert_eq!((d.text.as_str(), d.bom_len), ("信任", 2));
        let d = decode(b"\xEF\xBB\xBFtrust".to_vec(), force("utf-8")).expect("utf-8");
        assert_eq!(
            (d.text.as_str(), d.bom_len, d.basis),
            ("trust", 3, Basis::Forced)
        );
        let reason =
            |data: Vec<u8>, label: &str| decode(data, force(label)).expect_err("refused").reason;
        assert!(reason(utf16("x", true), "gbk").contains("byte-order mark of UTF-16LE"));
        assert!(reason(b"\xB0\x20".to_vec(), "gbk")
            .contains("not valid GBK (first invalid byte at offset 0)"));
        assert!(reason(b"caf\xE9".to_vec(), "utf-8").contains("offset 3"));
        assert_eq!(
            Decoding::from_label("klingon"),
            Err(EncodingError::Unknown("klingon".into()))
        );
        assert_eq!(
            Decoding::from_label("iso-2022-jp"),
            Err(EncodingError::Unsupported("ISO-2022-JP"))
        );
        assert_eq!(
            Decoding::from_label("hz-gb-2312"),
            Err(EncodingError::Unsupported("replacement"))
        );
        assert!(Decoding::from_label("x-user-defined")
            .is_ok_and(|d| d == Decoding::Force(X_USER_DEFINED)));
    }

    #[test]
    fn invalid_bytes_are_found_where_they_are() {
        assert_eq!(strict(GBK, b"ab\xB0\xA1c\xFF"), Err(5));
        assert_eq!(strict(GBK, b"\xB0\xA1"), Ok("啊".to_string()));
        assert_eq!(strict(UTF_16LE, b"a\x00\x00\xD8b\x00"), Err(2));
        assert_eq!(strict(BIG5, b"x\xA4"), Err(1));
    }

    #[test]
    fn utf8_fragments_are_counted() {
        let f = Utf8Fragments::of("“信”".as_bytes());
        assert_eq!((f.non_ascii, f.in_sequences, f.long), (9, 9, 3));
        let data = b"caf\xE9 \xC3\xA9 \xE2\x80";
        let f = Utf8Fragments::of(data);
        assert_eq!((f.non_ascii, f.in_sequences, f.long), (5, 2, 0));
        assert!(!f.mostly_utf8(data));
        assert!(in_euc_pairs(b"a\xBC\xD2\xB2\xF1 b\xA1\xA1"));
        assert!(!in_euc_pairs(b"a\xBC\xD2\xB2 b") && !in_euc_pairs(b"\xC3\x9F"));
    }

    /// chardetng gets Chinese right from two or three characters on (measured on these
    /// sentences): from [`MIN_EVIDENCE`] characters on, every prefix is guessed right.
    #[test]
    fn chinese_evidence_threshold_is_where_detection_gets_it_right() {
        let simplified: Vec<char> =
            "政府部门与社会组织之间的互信需要长期积累，一把手的支持尤其重要。"
                .chars()
                .collect();
        let traditional: Vec<char> =
            "政府部門與社會組織之間的互信需要長期累積，一把手的支持尤其重要。"
                .chars()
                .collect();
        for (chars, encoding) in [(&simplified, GBK), (&traditional, BIG5)] {
            for n in MIN_EVIDENCE..chars.len() {
                let text: String = chars[..n].iter().collect();
                let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
                detector.feed(&encode(encoding, &text), true);
                assert_eq!(
                    detector.guess(None, Utf8Detection::Deny),
                    encoding,
                    "{text}"
                );
            }
        }
    }
}
