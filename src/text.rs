//! Text helpers shared by the stages: the characters of the scripts written without spaces
//! between words (Chinese, Japanese) and where a line break between them takes no space,
//! used by segmentation (hard-wrapped plain text, `segment::cjk`) and by the PDF reader
//! (lines of a page) so that the two join lines alike; and text cut to a length for a
//! message or a label ([`shorten`]).

/// Han ideographs and kana: written without spaces, each about half a word. Hangul is
/// written with spaces between words, and Thai characters are letters, so neither is here.
pub fn is_unspaced(c: char) -> bool {
    matches!(u32::from(c),
        0x3005 | 0x3007       // 々 〇
        | 0x3041..=0x3096     // hiragana
        | 0x309D..=0x309F     // its iteration marks
        | 0x30A1..=0x30FA     // katakana
        | 0x30FC..=0x30FF     // ー and the katakana iteration marks
        | 0x31F0..=0x31FF     // katakana phonetic extensions
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xF900..=0xFA6D     // CJK compatibility ideographs
        | 0xFA70..=0xFAD9
        | 0xFF66..=0xFF9D     // half-width katakana
        | 0x20000..=0x3134F   // CJK extensions B to G
    )
}

/// East Asian punctuation and full-width forms: `、。「」『』【】《》（）！？，：；` and the like.
pub fn is_cjk_mark(c: char) -> bool {
    matches!(u32::from(c), 0x3000..=0x303F | 0x30FB | 0xFE30..=0xFE4F | 0xFF00..=0xFF65)
        && !is_unspaced(c)
}

/// Whether two lines of a hard-wrapped paragraph join without a space: when the break falls
/// between two characters of East Asian text (Han, kana or their punctuation), or between
/// one of them and a quotation mark or other non-ASCII punctuation (`他说：“` and `我们`).
/// ASCII on either side keeps the space (`NGO` and `合作`, `国际化` and `(guojihua)`).
pub fn joins_without_space(before: &str, after: &str) -> bool {
    let (Some(last), Some(first)) = (before.chars().next_back(), after.chars().next()) else {
        return false;
    };
    let east_asian = |c: char| is_unspaced(c) || is_cjk_mark(c);
    let mark = |c: char| !c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace();
    (east_asian(last) && (east_asian(first) || mark(first))) || (mark(last) && east_asian(first))
}

/// At most `max` characters, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
