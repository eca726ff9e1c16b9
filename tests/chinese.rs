//! Chinese documents in UTF-8, coded with the default codebook and read back from Parquet:
//! paragraphs separated by blank lines, an English article with Chinese quotes, names and a
//! citation, a scraped Chinese news page with its furniture, and a document with nothing to
//! code. The fixtures are in tests/fixtures/chinese/; each test states the units, codes and
//! positions they give.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn fixture(name: &str) -> String {
    let path = repo().join("tests/fixtures/chinese").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A corpus of the named fixtures, as they are.
fn corpus_of(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in names {
        std::fs::write(dir.path().join(name), fixture(name)).expect("write fixture");
    }
    dir
}

/// Runs the default codebook on `corpus`; (exit code, stderr, output folder).
fn coded(corpus: &Path, extra: &[&str]) -> (i32, String, tempfile::TempDir) {
    let out = tempfile::tempdir().expect("out");
    let (code, stderr) = run(corpus, &repo().join("codebook.toml"), out.path(), extra);
    (code, stderr, out)
}

/// A document's segments: (kind, text).
fn segments_of(out: &Path, document: &str) -> Vec<(String, String)> {
    let segments = table(out, "segments");
    let (docs, kinds, texts) = (
        strings(&segments, "document"),
        strings(&segments, "kind"),
        strings(&segments, "text"),
    );
    (0..docs.len())
        .filter(|&i| docs[i] == document)
        .map(|i| (kinds[i].clone(), texts[i].clone()))
        .collect()
}

/// A match as the tests state it: segment, code, rule, text, char_start, negated.
type Match = (u32, String, String, String, u64, bool);

fn matches_of(out: &Path, document: &str) -> Vec<Match> {
    let m = table(out, "matches");
    let (docs, segs, codes, rules, texts, starts, negated) = (
        strings(&m, "document"),
        u32s(&m, "segment"),
        strings(&m, "code"),
        strings(&m, "rule"),
        strings(&m, "text"),
        u64s(&m, "char_start"),
        bools(&m, "negated"),
    );
    (0..docs.len())
        .filter(|&i| docs[i] == document)
        .map(|i| {
            (
                segs[i],
                codes[i].clone(),
                rules[i].clone(),
                texts[i].clone(),
                starts[i],
                negated[i],
            )
        })
        .collect()
}

fn m(segment: u32, code: &str, rule: &str, text: &str, char_start: u64, negated: bool) -> Match {
    (
        segment,
        code.into(),
        rule.into(),
        text.into(),
        char_start,
        negated,
    )
}

/// The codes of each unit of a document, from the codings table.
fn codes_of(out: &Path, document: &str) -> BTreeMap<u32, BTreeSet<String>> {
    codes_by_unit(&table(out, "codings"))
        .into_iter()
        .filter(|((d, _), _)| d == document)
        .map(|((_, s), codes)| (s, codes))
        .collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

/// Every segment and match cuts the same text from the file's bytes (`byte_start..byte_end`)
/// as from its characters (`char_start..char_end`), and a match's text is that text.
fn assert_positions_agree(corpus: &Path, out: &Path) {
    let segments = table(out, "segments");
    let matches = table(out, "matches");
    assert_match_offsets_in_unit_text(out);
    let mut checked = 0;
    for (df, text_column) in [(&segments, None), (&matches, Some("text"))] {
        let docs = strings(df, "document");
        let (bs, be, cs, ce) = (
            u64s(df, "byte_start"),
            u64s(df, "byte_end"),
            u64s(df, "char_start"),
            u64s(df, "char_end"),
        );
        let texts = text_column.map(|c| strings(df, c));
        for i in 0..docs.len() {
            let bytes = std::fs::read(corpus.join(&docs[i])).expect("read");
            let text = String::from_utf8(bytes.clone()).expect("UTF-8 fixture");
            let chars: Vec<char> = text.trim_start_matches('\u{feff}').chars().collect();
            let by_chars: String = chars[cs[i] as usize..ce[i] as usize].iter().collect();
            let by_bytes = std::str::from_utf8(&bytes[bs[i] as usize..be[i] as usize])
                .expect("a cut on character boundaries");
            assert_eq!(by_bytes, by_chars, "{} row {i}", docs[i]);
            if let Some(texts) = &texts {
                let squeezed = by_chars.split_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(texts[i], squeezed, "{} row {i}", docs[i]);
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} rows checked");
}

#[test]
fn paragraphs_separated_by_blank_lines_are_units_with_their_codes() {
    let corpus = corpus_of(&["blank_lines.txt"]);
    let (code, stderr, out) = coded(corpus.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let doc = "blank_lines.txt";
    let kinds: Vec<String> = segments_of(out.path(), doc)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(kinds, ["heading", "paragraph", "paragraph", "paragraph"]);
    let segments = segments_of(out.path(), doc);
    assert_eq!(segments[0].1, "社区社会组织与街道的合作");
    assert!(segments[3].1.starts_with("不过，合作也有脆弱的一面。"));
    assert_eq!(
        matches_of(out.path(), doc),
        [
            // 并不信任: negated, and counted (the trust code includes distrust).
            m(1, "trust", "trust_zh", "信任", 45, true),
            m(2, "reciprocity", "reciprocity_zh", "互惠", 77, false),
            m(2, "trust", "trust_zh", "互信", 114, false),
            m(3, "fic_strategy", "first_in_command", "一把手", 135, false),
            m(3, "fic_strategy", "fic_strategy_zh", "调任", 138, false),
            m(3, "fic_strategy", "fic_strategy_zh", "主要领导", 145, false),
        ]
    );
    let codes = codes_of(out.path(), doc);
    assert_eq!(codes[&1], set(&["trust"]));
    assert_eq!(codes[&2], set(&["reciprocity", "trust"]));
    assert_eq!(codes[&3], set(&["fic_strategy"]));
    // Positions: 信任 is the 45th character, at byte 131 of the UTF-8 file.
    let matches = table(out.path(), "matches");
    assert_eq!(u64s(&matches, "byte_start")[0], 131);
    assert_eq!(u32s(&matches, "line")[0], 3);
    // Word counts: every Han character counts one.
    let segments = table(out.path(), "segments");
    assert_eq!(u32s(&segments, "word_count")[0], 12);
    let documents = table(out.path(), "documents");
    assert_eq!(strings(&documents, "encoding"), ["UTF-8"]);
    assert_eq!(strings(&documents, "encoding_from"), ["valid"]);
    assert_eq!(u32s(&documents, "units"), [3]);
    assert_positions_agree(corpus.path(), out.path());
}

#[test]
fn chinese_sentences_are_units_with_sentence_level_coding() {
    let corpus = corpus_of(&["blank_lines.txt"]);
    let (code, stderr, out) = coded(corpus.path(), &["--unit", "sentence"]);
    assert_eq!(code, 0, "{stderr}");
    let sentences: Vec<String> = segments_of(out.path(), "blank_lines.txt")
        .into_iter()
        .filter(|(k, _)| k == "sentence")
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        sentences,
        [
            "这家社会组织在东城区已经工作了八年。",
            "刚开始的时候，街道干部并不信任他们，担心他们“添乱”。",
            "后来，双方在社区养老项目上实现了互惠：街道提供场地和资金，组织提供专业的社工服务。",
            "几年下来，彼此之间建立了互信。",
            "不过，合作也有脆弱的一面。",
            "原来的一把手调任以后，新的主要领导并不了解这个项目，合作一度停了下来。",
        ]
    );
    let codes = codes_of(out.path(), "blank_lines.txt");
    assert_eq!(codes.values().filter(|c| c.contains("trust")).count(), 2);
    assert_positions_agree(corpus.path(), out.path());
}

#[test]
fn an_english_article_with_chinese_quotes_names_and_a_citation_is_read_line_by_line() {
    let corpus = corpus_of(&["mixed_article.txt"]);
    let (code, stderr, out) = coded(corpus.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let doc = "mixed_article.txt";
    let segments = segments_of(out.path(), doc);
    let kinds: Vec<&str> = segments.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "heading",
            "paragraph",
            "paragraph",
            "paragraph",
            "paragraph"
        ]
    );
    // The Chinese quotation is a paragraph of its own, not a heading or spam; the wrapped
    // English lines join with spaces, also after a Chinese word.
    assert_eq!(
        segments[2].1,
        "“我们和街道之间已经建立了互信，但是一把手一换，什么都要重新开始。”"
    );
    assert!(segments[3]
        .1
        .contains("between 本土化 (bentuhua) and 国际化 (guojihua): international"));
    assert_eq!(
        segments[4].1,
        "王明 (2015) 认为，社会组织必须因地制宜，不能照搬国外经验。"
    );
    assert_eq!(
        matches_of(out.path(), doc),
        [
            m(
                1,
                "fic_strategy",
                "leading_cadres",
                "leading cadre",
                74,
                false
            ),
            m(1, "fic_strategy", "first_in_command", "yibashou", 93, false),
            m(1, "fic_strategy", "first_in_command", "一把手", 103, false),
            m(2, "trust", "trust_zh", "互信", 218, false),
            m(2, "fic_strategy", "first_in_command", "一把手", 223, false),
            m(
                3,
                "localisation",
                "localisation_terms",
                "本土化",
                367,
                false
            ),
            m(
                3,
                "localisation",
                "localisation_terms",
                "bentuhua",
                372,
                false
            ),
            m(
                3,
                "localisation",
                "localisation_terms",
                "国际化",
                386,
                false
            ),
            m(
                3,
                "localisation",
                "localisation_terms",
                "guojihua",
                391,
                false
            ),
            m(
                3,
                "localisation",
                "fitting_china",
                "Chinese conditions",
                435,
                false
            ),
            m(4, "localisation", "localisation_zh", "因地制宜", 475, false),
            // Codebook 2.1's foreign-models rule; 不能 before it is a negator.
            m(4, "localisation", "foreign_models_zh", "照搬", 482, true),
        ]
    );
    let codes = codes_of(out.path(), doc);
    assert_eq!(codes[&2], set(&["fic_strategy", "trust"]));
    // Word counts mix English words and Han characters: 王明 2, (2015) 1, the rest 20.
    let segments = table(out.path(), "segments");
    assert_eq!(u32s(&segments, "word_count")[4], 23);
    let documents = table(out.path(), "documents");
    assert_eq!(strings(&documents, "layout"), ["wrapped"]);
    assert_positions_agree(corpus.path(), out.path());
}

#[test]
fn a_chinese_web_page_keeps_its_article_and_drops_its_furniture() {
    let corpus = corpus_of(&["web_page.txt"]);
    let (code, stderr, out) = coded(corpus.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let doc = "web_page.txt";
    let kinds: Vec<String> = segments_of(out.path(), doc)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let b = "boilerplate";
    assert_eq!(
        kinds,
        [
            b, // 首页 > 新闻中心 > 工作动态
            "heading",
            b, // 发布时间：… 来源：… 【字体：大 中 小】
            "paragraph",
            "paragraph",
            "paragraph",
            b, // 责任编辑
            b, // 上一篇
            b, // 下一篇
            b, // 【打印】【关闭】
            b, // 版权所有 … 京ICP备
            b, // 扫一扫
        ]
    );
    assert_eq!(
        matches_of(out.path(), doc),
        [
            m(3, "trust", "trust_zh", "互信", 139, false),
            m(3, "trust", "trust_zh", "互信", 151, false),
            // 优势互补 is one match (互补 inside it does not count again).
            m(4, "reciprocity", "reciprocity_zh", "优势互补", 197, false),
            m(4, "reciprocity", "reciprocity_zh", "互利", 202, false),
            m(4, "reciprocity", "reciprocity_zh", "共赢", 204, false),
            // 没有 is in another clause: not negated.
            m(4, "fic_strategy", "fic_strategy_zh", "主要领导", 229, false),
            m(4, "fic_strategy", "fic_strategy_zh", "换届", 233, false),
            m(
                5,
                "localisation",
                "localisation_terms",
                "本土化",
                256,
                false
            ),
            m(5, "localisation", "localisation_zh", "走出去", 274, false),
            m(5, "localisation", "localisation_zh", "因地制宜", 290, false),
        ]
    );
    let frequency = table(out.path(), "code_frequency");
    assert_eq!(
        strings(&frequency, "code"),
        ["trust", "reciprocity", "fic_strategy", "localisation"]
    );
    assert_eq!(u32s(&frequency, "units"), [1, 1, 1, 1]);
    assert_eq!(u32s(&frequency, "hits"), [2, 3, 2, 3]);
    let documents = table(out.path(), "documents");
    assert_eq!(strings(&documents, "layout"), ["lines"]);
    assert_eq!(u32s(&documents, "units"), [3]);
    assert_positions_agree(corpus.path(), out.path());
}

#[test]
fn a_document_without_units_is_warned_about_on_stderr_and_in_the_manifest() {
    let corpus = corpus_of(&["headings_only.txt", "blank_lines.txt"]);
    let (code, stderr, out) = coded(corpus.path(), &[]);
    assert_eq!(code, 0, "a warning, not a skipped file: {stderr}");
    assert!(
        stderr.contains("warning: ")
            && stderr.contains(
                "headings_only.txt: no paragraph units to code: its 3 segments are all headings"
            ),
        "{stderr}"
    );
    assert!(!stderr.contains("blank_lines.txt:"), "{stderr}");
    let m = manifest(out.path());
    assert_eq!(m["counts"]["without_units"], 1);
    let files = m["files"].as_array().expect("files");
    assert!(files[0]["document"] == "blank_lines.txt" && files[0]["warning"].is_null());
    assert_eq!(files[1]["document"], "headings_only.txt");
    assert_eq!(files[1]["status"], "coded");
    assert!(files[1]["warning"]
        .as_str()
        .is_some_and(|w| w.starts_with("no paragraph units to code")));
    assert_eq!(files[1]["encoding"], "UTF-8");
    let documents = table(out.path(), "documents");
    let warnings: Vec<Option<&str>> = documents
        .column("warning")
        .expect("warning column")
        .str()
        .expect("strings")
        .iter()
        .collect();
    assert!(warnings[0].is_none() && warnings[1].is_some());
    assert_eq!(u32s(&documents, "units"), [3, 0]);
}
