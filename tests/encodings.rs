//! Files in other encodings than UTF-8, made in the tests from the fixtures in
//! tests/fixtures/chinese/ (and an English sentence) with encoding_rs, coded with the default
//! codebook and read back from Parquet: GB18030 with CRLF and one paragraph per line, Big5,
//! UTF-16 with a byte-order mark (both byte orders), Windows-1252; `--encoding`; files that
//! cannot be read with confidence. Byte positions are the stored file's, character positions
//! the decoded text's, and both cut the same text.

mod common;

use common::*;
use encoding_rs::{Encoding, BIG5, GB18030, GBK, WINDOWS_1252};
use std::path::Path;

fn fixture(name: &str) -> String {
    let path = repo().join("tests/fixtures/chinese").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable, "{} cannot encode the fixture", encoding.name());
    bytes.into_owned()
}

/// UTF-16 with its byte-order mark (encoding_rs encodes only to ASCII-compatible encodings).
fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        out.extend(if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    out
}

fn corpus(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("write");
    }
    dir
}

fn coded(corpus: &Path, extra: &[&str]) -> (i32, String, tempfile::TempDir) {
    let out = tempfile::tempdir().expect("out");
    let (code, stderr) = run(corpus, &repo().join("codebook.toml"), out.path(), extra);
    (code, stderr, out)
}

/// The byte-order mark's length at the start of a stored file.
fn bom_len(bytes: &[u8]) -> usize {
    match Encoding::for_bom(bytes) {
        Some((_, len)) => len,
        None if bytes.starts_with(b"\x84\x31\x95\x33") => 4,
        None => 0,
    }
}

/// Every segment and match of every coded document: its stored bytes
/// (`byte_start..byte_end`) decode to the characters `char_start..char_end` of the file's
/// decoded text, in the encoding the documents table records; a match's text is that text.
/// Returns how many rows were checked.
fn assert_positions_agree(corpus: &Path, out: &Path) -> usize {
    let documents = table(out, "documents");
    let encodings: std::collections::BTreeMap<String, String> = strings(&documents, "document")
        .into_iter()
        .zip(strings(&documents, "encoding"))
        .collect();
    let mut decoded: std::collections::BTreeMap<String, (Vec<u8>, Vec<char>)> = Default::default();
    let mut checked = 0;
    for (name, text_column) in [("segments", None), ("matches", Some("text"))] {
        let df = table(out, name);
        let docs = strings(&df, "document");
        let (bs, be, cs, ce) = (
            u64s(&df, "byte_start"),
            u64s(&df, "byte_end"),
            u64s(&df, "char_start"),
            u64s(&df, "char_end"),
        );
        let texts = text_column.map(|c| strings(&df, c));
        for i in 0..docs.len() {
            let encoding = Encoding::for_label(encodings[&docs[i]].as_bytes()).expect("label");
            let (stored, chars) = decoded.entry(docs[i].clone()).or_insert_with(|| {
                let stored = std::fs::read(corpus.join(&docs[i])).expect("read");
                let whole = encoding
                    .decode_without_bom_handling_and_without_replacement(
                        &stored[bom_len(&stored)..],
                    )
                    .expect("decodes")
                    .chars()
                    .collect();
                (stored, whole)
            });
            let by_chars: String = chars[cs[i] as usize..ce[i] as usize].iter().collect();
            let by_bytes = encoding
                .decode_without_bom_handling_and_without_replacement(
                    &stored[bs[i] as usize..be[i] as usize],
                )
                .unwrap_or_else(|| panic!("{} row {i}: bytes cut inside a character", docs[i]));
            assert_eq!(by_bytes, by_chars, "{} {name} row {i}", docs[i]);
            if let Some(texts) = &texts {
                let squeezed = by_chars.split_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(texts[i], squeezed, "{} row {i}", docs[i]);
            }
            checked += 1;
        }
    }
    checked
}

/// (document, segment, code, text, byte_start, char_start, negated) of every match.
type Match = (String, u32, String, String, u64, u64, bool);

fn all_matches(out: &Path) -> Vec<Match> {
    let m = table(out, "matches");
    let (docs, segs, codes, texts, bs, cs, neg) = (
        strings(&m, "document"),
        u32s(&m, "segment"),
        strings(&m, "code"),
        strings(&m, "text"),
        u64s(&m, "byte_start"),
        u64s(&m, "char_start"),
        bools(&m, "negated"),
    );
    (0..docs.len())
        .map(|i| {
            (
                docs[i].clone(),
                segs[i],
                codes[i].clone(),
                texts[i].clone(),
                bs[i],
                cs[i],
                neg[i],
            )
        })
        .collect()
}

fn m(
    doc: &str,
    segment: u32,
    code: &str,
    text: &str,
    byte: u64,
    char: u64,
    negated: bool,
) -> Match {
    (
        doc.into(),
        segment,
        code.into(),
        text.into(),
        byte,
        char,
        negated,
    )
}

fn kinds_of(out: &Path, document: &str) -> Vec<String> {
    let s = table(out, "segments");
    let (docs, kinds) = (strings(&s, "document"), strings(&s, "kind"));
    (0..docs.len())
        .filter(|&i| docs[i] == document)
        .map(|i| kinds[i].clone())
        .collect()
}

#[test]
fn gb18030_big5_and_utf16_files_are_detected_decoded_coded_and_positioned() {
    let per_line = fixture("per_line.txt").replace('\n', "\r\n");
    let interview = fixture("interview.txt");
    let dir = corpus(&[
        ("a_gb18030_crlf.txt", encode(GB18030, &per_line)),
        ("b_big5.txt", encode(BIG5, &fixture("traditional.txt"))),
        ("c_utf16le.txt", utf16(&interview, true)),
        ("d_utf16be.txt", utf16(&interview, false)),
    ]);
    let (code, stderr, out) = coded(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");

    let documents = table(out.path(), "documents");
    assert_eq!(
        strings(&documents, "encoding"),
        ["GBK", "Big5", "UTF-16LE", "UTF-16BE"]
    );
    assert_eq!(
        strings(&documents, "encoding_from"),
        ["detected", "detected", "bom", "bom"]
    );
    assert_eq!(
        strings(&documents, "layout"),
        ["lines", "lines", "lines", "lines"]
    );
    assert_eq!(u32s(&documents, "units"), [4, 2, 4, 4]);
    // The recorded size and hash are the stored file's, not the decoded text's.
    let bytes = u64s(&documents, "bytes");
    assert_eq!(bytes[0], 344);
    assert_eq!(bytes[2], 2 + 2 * interview.encode_utf16().count() as u64);
    let m_ = manifest(out.path());
    let files = m_["files"].as_array().expect("files");
    assert_eq!(files[1]["encoding"], "Big5");
    assert_eq!(files[1]["encoding_from"], "detected");
    assert!(m_["parameters"]["encoding"].is_null());

    // GB18030, CRLF, a paragraph to a line: the title and 一、二、 are headings.
    assert_eq!(
        kinds_of(out.path(), "a_gb18030_crlf.txt"),
        [
            "heading",
            "heading",
            "paragraph",
            "paragraph",
            "heading",
            "paragraph",
            "paragraph"
        ]
    );
    assert_eq!(
        kinds_of(out.path(), "b_big5.txt"),
        ["heading", "paragraph", "paragraph"]
    );
    assert_eq!(
        kinds_of(out.path(), "c_utf16le.txt"),
        [
            "heading",
            "paragraph",
            "paragraph",
            "paragraph",
            "paragraph"
        ]
    );

    let gb = "a_gb18030_crlf.txt";
    let big5 = "b_big5.txt";
    let le = "c_utf16le.txt";
    let be = "d_utf16be.txt";
    let expected = [
        // Two bytes a character in GB18030, CRLF two characters and two bytes.
        m(gb, 3, "reciprocity", "资源交换", 162, 84, false),
        m(gb, 3, "reciprocity", "各取所需", 182, 94, false),
        m(gb, 3, "reciprocity", "双赢", 198, 102, false),
        // 缺乏公信力: negated (and counted: the trust code includes its absence).
        m(gb, 5, "trust", "公信力", 234, 122, true),
        m(gb, 5, "trust", "疑虑", 270, 140, false),
        m(gb, 6, "fic_strategy", "换届", 282, 147, false),
        m(gb, 6, "fic_strategy", "领导干部", 292, 152, false),
        m(big5, 1, "localisation", "在地化", 50, 26, false),
        m(big5, 1, "trust", "互信", 106, 54, false),
        m(big5, 2, "trust", "疑慮", 164, 84, false),
        // 正當性 counts near 政府 (legitimacy_zh).
        m(big5, 2, "trust", "正當性", 188, 96, false),
        m(le, 2, "fic_strategy", "一把手", 90, 44, false),
        m(le, 2, "fic_strategy", "主要领导", 102, 50, false),
        m(le, 4, "trust", "合法性", 232, 115, false),
        m(le, 4, "reciprocity", "互惠", 274, 136, false),
        m(be, 2, "fic_strategy", "一把手", 90, 44, false),
        m(be, 2, "fic_strategy", "主要领导", 102, 50, false),
        m(be, 4, "trust", "合法性", 232, 115, false),
        m(be, 4, "reciprocity", "互惠", 274, 136, false),
    ];
    assert_eq!(all_matches(out.path()), expected);
    // 20 segments and 19 matches.
    assert_eq!(assert_positions_agree(dir.path(), out.path()), 39);
}

#[test]
fn windows_1252_is_decoded_and_recorded() {
    let text = "The NGO’s director said the café owners trusted the “comité” – a naïve hope?\n\nLater, the état’s officials called it a win-win.\n";
    let dir = corpus(&[("latin.txt", encode(WINDOWS_1252, text))]);
    let (code, stderr, out) = coded(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let documents = table(out.path(), "documents");
    assert_eq!(strings(&documents, "encoding"), ["windows-1252"]);
    assert_eq!(strings(&documents, "encoding_from"), ["detected"]);
    let segments = table(out.path(), "segments");
    assert_eq!(
        strings(&segments, "text"),
        [
            "The NGO’s director said the café owners trusted the “comité” – a naïve hope?",
            "Later, the état’s officials called it a win-win."
        ]
    );
    // One byte a character: byte and character offsets are equal.
    assert_eq!(u64s(&segments, "byte_start"), [0, 78]);
    assert_eq!(u64s(&segments, "char_start"), [0, 78]);
    let matches = all_matches(out.path());
    assert_eq!(
        matches,
        [
            m("latin.txt", 0, "trust", "trusted", 40, 40, false),
            m("latin.txt", 1, "reciprocity", "win-win", 118, 118, false),
        ]
    );
    assert_positions_agree(dir.path(), out.path());
}

#[test]
fn encoding_forces_one_encoding_and_unreadable_files_are_skipped_with_their_reason() {
    let short = encode(GBK, "一把手调任了。");
    let dir = corpus(&[
        ("a_short_gbk.txt", short.clone()),
        ("b_english.txt", b"The leading cadre decides.\n".to_vec()),
    ]);
    // Seven characters: too few to tell GBK from other readings of the same bytes.
    let (code, stderr, out) = coded(dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("skipped")
            // D2 BB (一) happens to be a UTF-8 sequence; B0 is not.
            && stderr.contains("a_short_gbk.txt: not valid UTF-8 (first invalid byte at offset 2)")
            && stderr.contains("only 7 non-ASCII characters and reads as windows-1252")
            && stderr.contains("name its encoding with --encoding"),
        "{stderr}"
    );
    let documents = table(out.path(), "documents");
    assert_eq!(strings(&documents, "status"), ["skipped", "coded"]);
    let encodings: Vec<Option<&str>> = documents
        .column("encoding")
        .expect("encoding")
        .str()
        .expect("strings")
        .iter()
        .collect();
    assert_eq!(encodings, [None, Some("UTF-8")]);

    // Forced: both files are read as GBK (ASCII is the same in GBK).
    let (code, stderr, out) = coded(dir.path(), &["--encoding", "gb2312"]);
    assert_eq!(code, 0, "{stderr}");
    let documents = table(out.path(), "documents");
    assert_eq!(strings(&documents, "encoding"), ["GBK", "GBK"]);
    assert_eq!(strings(&documents, "encoding_from"), ["forced", "forced"]);
    assert_eq!(manifest(out.path())["parameters"]["encoding"], "GBK");
    let matches = all_matches(out.path());
    assert_eq!(
        matches,
        [
            m("a_short_gbk.txt", 0, "fic_strategy", "一把手", 0, 0, false),
            m("a_short_gbk.txt", 0, "fic_strategy", "调任", 6, 3, false),
            m(
                "b_english.txt",
                0,
                "fic_strategy",
                "leading cadre",
                4,
                4,
                false
            ),
        ]
    );
    assert_positions_agree(dir.path(), out.path());

    // A file the forced encoding cannot read is skipped with its reason.
    let dir = corpus(&[("utf16.txt", utf16("信任", true))]);
    let (code, stderr, _out) = coded(dir.path(), &["--encoding", "gbk"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("byte-order mark of UTF-16LE, but --encoding GBK was given"),
        "{stderr}"
    );
    // An unknown or unsupported encoding is a usage error: nothing is written.
    for label in ["klingon", "iso-2022-jp"] {
        let out = tempfile::tempdir().expect("out");
        let (code, stderr) = run(
            dir.path(),
            &repo().join("codebook.toml"),
            out.path(),
            &["--encoding", label],
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("--encoding"), "{stderr}");
        assert!(!out.path().join("manifest.json").exists());
    }
}

#[test]
fn undecodable_files_are_never_coded_as_mojibake() {
    let mut damaged = fixture("blank_lines.txt").into_bytes();
    damaged.insert(40, 0xFF);
    let dir = corpus(&[
        // UTF-8 with one stray byte.
        ("damaged_utf8.txt", damaged),
        // Windows-1252 with UTF-8 quotes pasted in.
        (
            "mixed.txt",
            b"The caf\xE9 owners \xE2\x80\x9Ctrusted\xE2\x80\x9D the cadres.".to_vec(),
        ),
        // UTF-16 without a byte-order mark.
        (
            "utf16_no_bom.txt",
            utf16("trust and mutual trust", true)[2..].to_vec(),
        ),
    ]);
    let (code, stderr, out) = coded(dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    for (file, reason) in [
        ("damaged_utf8.txt", "though most of it is UTF-8"),
        ("mixed.txt", "UTF-8 mixed with another encoding"),
        // Named, with the option that reads it.
        ("utf16_no_bom.txt", "UTF-16LE text without a byte-order mark (a NUL in every other byte): read it with --encoding utf-16le"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(file) && l.contains(reason)),
            "{file}: {stderr}"
        );
    }
    let documents = table(out.path(), "documents");
    assert_eq!(
        strings(&documents, "status"),
        ["skipped", "skipped", "skipped"]
    );
    assert_eq!(table(out.path(), "segments").height(), 0);
}

#[test]
fn a_large_gb18030_file_coded_in_parts_maps_positions_as_coded_whole() {
    // About 1.4 MB: more than a 1 MB batch, so it is coded in parts of 64 KB chunks, each
    // mapping its positions from the nearest checkpoint.
    let text = fixture("per_line.txt").replace('\n', "\r\n").repeat(4_000);
    let dir = corpus(&[("large.txt", encode(GB18030, &text))]);
    let (code, stderr, whole) = coded(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr, parts) = coded(dir.path(), &["--batch-mb", "1"]);
    assert_eq!(code, 0, "{stderr}");
    for name in ["segments", "matches"] {
        assert!(
            table(whole.path(), name).equals_missing(&table(parts.path(), name)),
            "{name}"
        );
    }
    let rows = assert_positions_agree(dir.path(), parts.path());
    assert_eq!(rows, 4_000 * (7 + 7));
    let bytes = u64s(&table(parts.path(), "matches"), "byte_end");
    assert_eq!(bytes.last().copied(), Some(4_000 * 344 - 344 + 300));
}

#[test]
fn kwic_cuts_its_context_from_the_decoded_text_of_any_encoding() {
    let per_line = fixture("per_line.txt").replace('\n', "\r\n");
    let interview = fixture("interview.txt");
    let dir = corpus(&[
        ("a_gb18030_crlf.txt", encode(GB18030, &per_line)),
        ("c_utf16le.txt", utf16(&interview, true)),
    ]);
    let out = tempfile::tempdir().expect("out");
    let csv = out.path().join("kwic.csv");
    let (code, stderr) = invoke(
        &["kwic", "trust"],
        dir.path(),
        &repo().join("codebook.toml"),
        &csv,
        &["--context", "3"],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut reader = csv::Reader::from_path(&csv).expect("csv");
    let mut rows = 0;
    for record in reader.records() {
        let r = record.expect("row");
        let (document, matched) = (&r[0], &r[6]);
        let text = if document.starts_with('a') {
            &per_line
        } else {
            &interview
        };
        let (start, end): (usize, usize) = (r[8].parse().expect("n"), r[9].parse().expect("n"));
        let cut: String = text.chars().skip(start).take(end - start).collect();
        assert_eq!(cut, matched, "{document}");
        assert!(
            text.contains(&format!("{}{}", &r[5], matched)) || r[5].is_empty(),
            "left context {:?} does not lead to {matched:?}",
            &r[5]
        );
        rows += 1;
    }
    assert!(rows >= 2, "{rows} kwic lines");
}

/// A short EUC-JP file whose bytes happen to be half UTF-8 (`社会` is `BC D2 B2 F1`, and
/// `D2 B2` is UTF-8's `Ҳ`) is skipped as an uncertain reading, not called a damaged file;
/// a UTF-8 file with a stray byte still is.
#[test]
fn short_east_asian_files_are_not_called_damaged_utf8() {
    let dir = corpus(&[
        ("social.txt", encode(encoding_rs::EUC_JP, "社会\n")),
        ("residents.txt", encode(encoding_rs::EUC_JP, "地域の住民\n")),
        (
            "damaged.txt",
            b"caf\xC3\xA9 cr\xC3\xA8me \xE9t\xC3\xA9\n".to_vec(),
        ),
    ]);
    let (code, stderr, _) = coded(dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    for name in ["social.txt", "residents.txt"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name}: {stderr}"));
        assert!(!line.contains("damaged"), "{line}");
        assert!(
            line.contains("read as EUC-JP") && line.contains("reads as"),
            "{line}"
        );
    }
    let line = stderr
        .lines()
        .find(|l| l.contains("damaged.txt"))
        .expect("damaged");
    assert!(
        line.contains("most of it is UTF-8: a damaged file"),
        "{line}"
    );
}
