//! Scripts written without spaces between words (Chinese, Japanese): characters, lines and
//! paragraphs in; what segmentation needs to know about them out — which characters and
//! lines are in such a script, how wide a line is on a page, where its sentences end, what
//! a heading looks like, and how its words are counted.
//!
//! The rules for Latin script (capitals, words between spaces, `. ` before a capital) say
//! nothing about these lines, so each line is judged by its own script: a line is
//! [`is_unspaced_line`] when its Han and kana characters are at least a third as many as its
//! other letters, and mixed Chinese–English documents are handled line by line.

pub use crate::text::{is_cjk_mark, is_unspaced, joins_without_space};

/// `char::is_alphanumeric`, answering for Han, kana and East Asian punctuation without
/// Unicode's tables (which every character of Chinese text would otherwise be looked up in).
pub fn is_alphanumeric(c: char) -> bool {
    match u32::from(c) {
        0..=0x7F => c.is_ascii_alphanumeric(),
        // Spaces, punctuation and symbols of the CJK and full-width blocks.
        0x3000..=0x3004
        | 0x3008..=0x3020
        | 0x3030
        | 0x303D
        | 0x30FB
        | 0xFF01..=0xFF0F
        | 0xFF1A..=0xFF20
        | 0xFF3B..=0xFF40
        | 0xFF5B..=0xFF65 => false,
        _ => is_unspaced(c) || c.is_alphanumeric(),
    }
}

/// Characters a page gives two columns: what a hard wrap counts.
fn is_wide(c: char) -> bool {
    is_unspaced(c)
        || matches!(u32::from(c),
            0x1100..=0x115F       // Hangul leading jamo
            | 0x2E80..=0x303E     // radicals, CJK punctuation
            | 0x3040..=0x33FF     // kana, bopomofo, enclosed and compatibility forms
            | 0xAC00..=0xD7A3     // Hangul syllables
            | 0xFE30..=0xFE4F     // CJK compatibility forms
            | 0xFF00..=0xFF60     // full-width forms
            | 0xFFE0..=0xFFE6)
}

/// The width of a line in columns: two for a wide character, one for any other.
pub fn columns(t: &str) -> usize {
    t.chars().map(|c| 1 + usize::from(is_wide(c))).sum()
}

/// Whether some byte may start a character of [`is_unspaced`]: the lead bytes of U+3000 to
/// U+9FFF (E3-E9), of the compatibility ideographs (EF) and of the supplementary planes
/// (F0). A branch-free pass; text without them needs none of this module.
pub fn may_hold_unspaced(bytes: &[u8]) -> bool {
    bytes.chunks(128).any(|chunk| {
        chunk.iter().fold(0u8, |seen, &b| {
            seen | u8::from(b.wrapping_sub(0xE3) < 7) | u8::from(b == 0xEF) | u8::from(b == 0xF0)
        }) != 0
    })
}

/// Whether a line is written mostly in an unspaced script: its Han and kana characters are
/// at least a third as many as its other letters (`我们与NGO合作` is; `Trust (信任) grew` is
/// not).
pub fn is_unspaced_line(t: &str) -> bool {
    if !may_hold_unspaced(t.as_bytes()) {
        return false;
    }
    let (mut unspaced, mut letters) = (0usize, 0usize);
    for c in t.chars() {
        if is_unspaced(c) {
            unspaced += 1;
        } else if c.is_ascii_alphabetic() || (!c.is_ascii() && !is_cjk_mark(c) && c.is_alphabetic())
        {
            letters += 1;
        }
    }
    unspaced > 0 && unspaced * 3 >= letters
}

/// Words of a line as the Latin-script rules count them (`≤ 8 words`), with a Han or kana
/// character as half a word: a Chinese word is about two characters long. Equal to the
/// number of words between spaces on a line without such characters.
pub fn word_equivalents(t: &str) -> usize {
    if !may_hold_unspaced(t.as_bytes()) {
        return t.split_whitespace().count();
    }
    let (mut latin, mut unspaced) = (0, 0);
    for word in t.split_whitespace() {
        let n = word.chars().filter(|&c| is_unspaced(c)).count();
        unspaced += n;
        latin += usize::from(n == 0);
    }
    latin + unspaced.div_ceil(2)
}

/// Words of normalised text (single spaces) for the `word_count` column: each Han or kana
/// character counts one, as in word processors' counts of East Asian text; the rest of a
/// space-separated word counts one for each stretch between those characters that holds a
/// letter or digit (`NGO与政府` is four words, `2016年` two, `“信任”` two).
pub fn content_words(text: &str) -> usize {
    let mut words = 0;
    for word in text.split(' ') {
        let mut stretch_has_content = false;
        for c in word.chars() {
            if is_unspaced(c) {
                words += 1 + usize::from(stretch_has_content);
                stretch_has_content = false;
            } else if is_alphanumeric(c) {
                stretch_has_content = true;
            }
        }
        words += usize::from(stretch_has_content);
    }
    words
}

/// Sentence-final punctuation of East Asian text (the ideographic and half-width full stop,
/// full-width exclamation and question marks, and the full-width full stop).
pub const SENTENCE_ENDS: [char; 5] = ['。', '！', '？', '｡', '．'];
/// What ends a line that ends a sentence, beside the sentence ends: clause ends that, as `:`
/// and `;` in Latin text, do not leave a sentence hanging.
pub const LINE_ENDS: [char; 7] = ['。', '！', '？', '｡', '．', '；', '：'];
/// Closing quotes and brackets of East Asian text, looked through at a sentence end.
pub const CLOSING: [char; 9] = ['」', '』', '）', '》', '〉', '】', '〕', '〗', '﹂'];

/// Whether a line ends in the Chinese ellipsis (`……` or `⋯⋯`), which ends a sentence.
pub fn ends_in_ellipsis(t: &str) -> bool {
    t.ends_with("……") || t.ends_with("⋯⋯")
}

/// Headings in an unspaced script are at most this many characters long.
pub const MAX_TITLE_CHARS: usize = 40;

/// A heading in an unspaced script: no sentence punctuation anywhere in it (`。！？；`, nor
/// their ASCII forms), not ending in a comma, a colon only at the end of a label of six
/// characters or fewer (`联系方式：`), and at most [`MAX_TITLE_CHARS`] characters.
pub fn looks_like_title(t: &str) -> bool {
    let chars = t.chars().count();
    if chars == 0 || chars > MAX_TITLE_CHARS {
        return false;
    }
    if t.contains(['。', '！', '？', '｡', '；', '!', '?', ';']) || ends_in_ellipsis(t) {
        return false;
    }
    match t.chars().next_back() {
        Some('，' | '、' | ',') => false,
        Some('：' | ':') => chars <= 6,
        _ => true,
    }
}

/// Numbered headings of Chinese documents: `一、`, `（三）`, `(三)`, `第二章`, `第3节`, `2、`.
pub fn is_numbered_heading(t: &str) -> bool {
    const NUMERALS: &[char] = &[
        '一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '百', '零', '〇',
    ];
    let numeral = |c: char| NUMERALS.contains(&c) || c.is_ascii_digit();
    let after_number = |s: &str| s.trim_start_matches(numeral).len() < s.len();
    let rest = if let Some(r) = t.strip_prefix('第') {
        let r2 = r.trim_start_matches(numeral);
        if r2.len() == r.len() {
            return false;
        }
        return r2.starts_with(['章', '节', '節', '部', '篇', '条', '條', '编', '編'])
            && looks_like_title(t);
    } else if let Some(r) = t.strip_prefix(['（', '(']) {
        let r2 = r.trim_start_matches(numeral);
        if r2.len() == r.len() || !r2.starts_with(['）', ')']) {
            return false;
        }
        r2
    } else if after_number(t) {
        let r = t.trim_start_matches(numeral);
        if !r.starts_with('、') {
            return false;
        }
        r
    } else {
        return false;
    };
    let text = rest.chars().skip(1).find(|c| !c.is_whitespace());
    text.is_some_and(is_unspaced) && looks_like_title(t)
}

/// Whether a document is written one paragraph per line in an unspaced script: most of its
/// lines are East Asian text (they end in a Han or kana character or East Asian punctuation),
/// and of those of 20 characters or more (paragraph lines, not headings or menus), at least
/// two thirds end a sentence. Hard-wrapped Chinese breaks lines inside sentences; a line of
/// its own per paragraph ends one.
pub fn one_paragraph_per_line<'a>(lines: impl Iterator<Item = &'a str>) -> bool {
    let (mut non_blank, mut east_asian, mut long, mut long_ending) = (0, 0, 0, 0);
    for t in lines {
        non_blank += 1;
        // Lines ending in ASCII (most lines of most documents) are not East Asian text.
        if t.as_bytes().last().is_none_or(|b| b.is_ascii()) {
            continue;
        }
        let body = t.trim_end_matches(|c: char| CLOSING.contains(&c) || matches!(c, '”' | '’'));
        let Some(last) = body.chars().next_back() else {
            continue;
        };
        if !(is_unspaced(last) || is_cjk_mark(last) || last == '…' || last == '⋯') {
            continue;
        }
        east_asian += 1;
        if t.chars().count() >= 20 {
            long += 1;
            long_ending += usize::from(body.ends_with(SENTENCE_ENDS) || ends_in_ellipsis(body));
        }
    }
    non_blank > 0 && east_asian * 2 >= non_blank && long > 0 && long_ending * 3 >= long * 2
}

/// Whether a sentence of East Asian text ends at `chars[k]`: a sentence end (a full-width
/// full stop only when no digit follows: `３．５`), the second mark of an ellipsis `……`, or
/// an ASCII `!` or `?` between Han or kana characters.
pub fn ends_sentence_at(chars: &[(usize, char)], k: usize) -> bool {
    let c = chars[k].1;
    let next = chars.get(k + 1).map(|&(_, c)| c);
    let previous = k.checked_sub(1).map(|p| chars[p].1);
    match c {
        '．' => !next.is_some_and(|n| n.is_ascii_digit() || ('０'..='９').contains(&n)),
        '。' | '！' | '？' | '｡' => true,
        '…' | '⋯' => previous == Some(c) && next != Some(c),
        '!' | '?' => previous.is_some_and(is_unspaced) && next.is_some_and(is_unspaced),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_widths() {
        assert!("一把手本土化ひらがなカタカナ々〇𠀀"
            .chars()
            .all(is_unspaced));
        assert!(!"aé신뢰ไทย。，「」・".chars().any(is_unspaced));
        assert!("。，「」・！".chars().all(is_cjk_mark));
        assert_eq!(columns("NGO与政府"), 3 + 6);
        assert_eq!(columns("信任，trust"), 6 + 5);
        assert!(may_hold_unspaced("x信".as_bytes()) && may_hold_unspaced("𠀀".as_bytes()));
        assert!(!may_hold_unspaced("“curly” — café".as_bytes()));
        // Every unspaced character's first byte is one may_hold_unspaced looks for.
        for c in [
            '\u{3005}',
            '\u{3041}',
            '\u{4E00}',
            '\u{9FFF}',
            '\u{F900}',
            '\u{FF66}',
            '\u{20000}',
            '\u{3134F}',
        ] {
            assert!(
                is_unspaced(c) && may_hold_unspaced(c.to_string().as_bytes()),
                "{c}"
            );
        }
    }

    #[test]
    fn alphanumeric_fast_path_agrees_with_unicode() {
        let ranges = [
            0..0x3100,
            0x3400..0x3500,
            0x4E00..0x4F00,
            0xF900..0xFB00,
            0xFE00..0x10000,
            0x20000..0x20100,
        ];
        let mut checked = 0;
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            checked += 1;
        }
        assert_eq!(checked, 0x3100 + 0x100 * 2 + 0x200 * 2 + 0x100);
    }

    #[test]
    fn lines_are_judged_by_their_own_script() {
        assert!(is_unspaced_line("社会组织与政府合作。"));
        assert!(is_unspaced_line("我们与NGO合作"));
        assert!(is_unspaced_line("一把手 (yibashou)"));
        assert!(!is_unspaced_line("Trust (信任) grew between them"));
        assert!(!is_unspaced_line("“Trust” — café"));
        assert!(!is_unspaced_line("신뢰가 필요하다"));
    }

    #[test]
    fn words_count_han_and_kana_one_each() {
        assert_eq!(content_words("NGO与政府 合作"), 6);
        assert_eq!(content_words("2016年 “信任”"), 4);
        assert_eq!(content_words("x-y 信-任 ——"), 3);
        assert_eq!(content_words("ひらがな、カタカナ。"), 8);
        assert_eq!(content_words(""), 0);
        assert_eq!(word_equivalents("首页 机构概况"), 3);
        assert_eq!(word_equivalents("Home  >  News"), 3);
        assert_eq!(word_equivalents("社会组织 NGO"), 3);
    }

    #[test]
    fn titles_and_numbered_headings() {
        assert!(looks_like_title("一、社会组织与政府合作的现状"));
        assert!(looks_like_title("本土化与国际化：社会组织的两难"));
        assert!(looks_like_title("联系方式："));
        assert!(!looks_like_title("我们首先要找到一把手。"));
        assert!(!looks_like_title("如何建立互信？"));
        assert!(!looks_like_title("政府与社会组织之间，"));
        assert!(!looks_like_title("合作需要时间……"));
        assert!(!looks_like_title(&"信".repeat(MAX_TITLE_CHARS + 1)));
        assert!(looks_like_title(&"信".repeat(MAX_TITLE_CHARS)));
        for heading in [
            "一、项目背景",
            "（三）建立互信",
            "(二) 一把手",
            "第二章 本土化",
            "第3节　调任",
            "12、换届以后",
        ] {
            assert!(is_numbered_heading(heading), "{heading}");
        }
        for line in [
            "一把手很重要",
            "第一次见面时，我们很紧张。",
            "（注）",
            "三、",
            "2016年以后，合作多了。",
        ] {
            assert!(!is_numbered_heading(line), "{line}");
        }
    }

    #[test]
    fn wrapped_east_asian_lines_join_without_a_space() {
        assert!(joins_without_space("社会组织与", "政府合作"));
        assert!(joins_without_space("合作。", "然后"));
        assert!(joins_without_space("他说：“", "我们"));
        assert!(joins_without_space("一把手", "“调任”"));
        assert!(!joins_without_space("与NGO", "合作"));
        assert!(!joins_without_space("国际化", "(guojihua)"));
        assert!(!joins_without_space("“trust”", "grew"));
        assert!(!joins_without_space("trust", "信任"));
        assert!(!joins_without_space("a trust", "grew"));
    }

    #[test]
    fn one_paragraph_per_line_is_told_from_hard_wrapping() {
        let per_line = [
            "北京市社会组织联合会",
            "社会组织要赢得政府的信任，首先要找到一把手，这是我们多年来的经验。",
            "双方在合作中实现互惠，项目才能持续下去，也才能得到更多的支持。",
            "“我们和街道之间已经建立了互信。”",
            "本土化与国际化并不矛盾，关键在于因地制宜，找到适合中国国情的做法。",
        ];
        assert!(one_paragraph_per_line(per_line.into_iter()));
        let wrapped = [
            "社会组织要赢得政府的信任，首先要找到一把手，这",
            "是我们多年来的经验。双方在合作中实现互惠，项目才",
            "能持续下去，也才能得到更多的支持。",
            "本土化与国际化并不矛盾，关键在于因地制宜，找到适",
            "合中国国情的做法。",
        ];
        assert!(!one_paragraph_per_line(wrapped.into_iter()));
        let english = ["A line of English text that ends here.", "信任。"];
        assert!(!one_paragraph_per_line(english.into_iter()));
    }

    #[test]
    fn sentence_ends_in_east_asian_text() {
        let ends = |text: &str| -> Vec<char> {
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            (0..chars.len())
                .filter(|&k| ends_sentence_at(&chars, k))
                .map(|k| chars[k].1)
                .collect()
        };
        assert_eq!(ends("信任。互惠！双赢？好｡"), ['。', '！', '？', '｡']);
        assert_eq!(ends("比例为３．５，政府．"), ['．']);
        assert_eq!(ends("我们等着……然后… 走"), ['…']);
        assert_eq!(ends("真的吗?我们! NGO? ok"), ['?']);
    }
}
