//! Web page furniture: a line of a page in; whether it is navigation, a menu, site furniture,
//! an address block or a line in another script than the page (spam) out — for pages in
//! English and in Chinese (`首页 > 新闻`, `上一篇：…`, `责任编辑：…`, `版权所有 …`, `扫一扫`).

use super::{cjk, count_bytes, word_count};

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

/// Address lines of Chinese pages.
pub(super) const CJK_ADDRESS_PREFIXES: &[&str] = &[
    "地址：",
    "地址:",
    "联系地址",
    "聯絡地址",
    "电话：",
    "电话:",
    "電話：",
    "联系电话",
    "聯絡電話",
    "传真：",
    "传真:",
    "傳真：",
    "邮编：",
    "邮编:",
    "郵遞區號",
    "邮箱：",
    "邮箱:",
    "电子邮箱",
    "电子邮件",
    "電子郵件",
    "联系人：",
];

/// Whole lines of Chinese site furniture, compared with brackets, bars, arrows and spaces
/// taken out and a trailing colon dropped (`【打印】【关闭】`, `更多>>`, `分享到：`).
const CJK_CHROME_LINES: &[&str] = &[
    "首页",
    "网站首页",
    "返回首页",
    "返回",
    "返回顶部",
    "返回列表",
    "上一篇",
    "下一篇",
    "上一页",
    "下一页",
    "打印",
    "打印本页",
    "打印此页",
    "关闭",
    "关闭窗口",
    "打印关闭",
    "分享",
    "分享到",
    "收藏",
    "加入收藏",
    "设为首页",
    "扫一扫",
    "相关新闻",
    "相关阅读",
    "相关文章",
    "相关链接",
    "友情链接",
    "推荐阅读",
    "热点新闻",
    "热门文章",
    "更多",
    "网站地图",
    "联系我们",
    "关于我们",
    "登录",
    "注册",
    "搜索",
    "繁体",
    "简体",
    "繁體",
    "簡體",
    "无障碍",
    "首頁",
    "上一頁",
    "下一頁",
    "返回頂部",
    "關閉",
    "聯絡我們",
    "關於我們",
];

/// What starts a line of Chinese page furniture: links to the neighbouring articles, the
/// article's editor, source, author and date, counters, font and sharing buttons, the
/// breadcrumb's label, the copyright and sponsor lines.
const CJK_FURNITURE_PREFIXES: &[&str] = &[
    "上一篇",
    "下一篇",
    "上一条",
    "下一条",
    "上一页",
    "下一页",
    "上一頁",
    "下一頁",
    "责任编辑",
    "責任編輯",
    "责编",
    "編輯：",
    "编辑：",
    "编辑:",
    "来源：",
    "来源:",
    "來源：",
    "作者：",
    "作者:",
    "发布时间",
    "发布日期",
    "發佈時間",
    "發布時間",
    "更新时间",
    "时间：",
    "日期：",
    "浏览次数",
    "瀏覽次數",
    "点击数",
    "点击：",
    "阅读次数",
    "字体：",
    "字号：",
    "字體",
    "分享到",
    "当前位置",
    "您的位置",
    "您现在的位置",
    "您所在的位置",
    "所在位置",
    "目前位置",
    "版权所有",
    "版權所有",
    "主办单位",
    "主辦單位",
    "承办单位",
    "技术支持",
    "网站标识码",
];

/// What marks a short line (80 characters or fewer) anywhere in it as Chinese page furniture:
/// the copyright, the site's registration numbers, the QR-code prompt.
const CJK_FURNITURE_MARKS: &[&str] = &[
    "版权所有",
    "版權所有",
    "ICP备",
    "ICP证",
    "ICP證",
    "公网安备",
    "公網安備",
    "扫一扫",
    "掃一掃",
    "网站标识码",
];
pub(super) const BULLETS: &[char] = &['•', '·', '▪', '»', '◦'];

pub(super) fn is_chrome_line(t: &str) -> bool {
    // Every chrome line is short: a long line needs no lower-casing to be ruled out.
    t.len() <= 20 && CHROME_LINES.contains(&t.to_lowercase().as_str())
}

/// Chinese site furniture ([`CJK_CHROME_LINES`], [`CJK_FURNITURE_PREFIXES`],
/// [`CJK_FURNITURE_MARKS`]).
fn is_cjk_furniture(t: &str) -> bool {
    let bare = t.trim_start_matches(['【', '[', '〔', '（', '(', ' ', '\u{3000}']);
    if CJK_FURNITURE_PREFIXES.iter().any(|p| bare.starts_with(p)) {
        return true;
    }
    let chars = t.chars().count();
    if chars <= 80 && CJK_FURNITURE_MARKS.iter().any(|m| t.contains(m)) {
        return true;
    }
    if chars > 20 {
        return false;
    }
    let squeezed: String = t
        .chars()
        .filter(|c| !"【】[]〔〕()（）<>《》|｜»›→ \u{3000}".contains(*c))
        .collect();
    CJK_CHROME_LINES.contains(&squeezed.trim_end_matches(['：', ':']))
}

/// `Home > Brief News > 2016` (`首页 > 新闻` too)
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

/// Chinese page furniture, for pages that may hold Han characters: [`is_cjk_furniture`],
/// breadcrumbs without spaces or with other arrows (`首页>新闻动态>正文`, `首页 » 新闻`), menus
/// with full-width bars (`首页｜关于我们`, `首页丨联系我们`) or of four or more short items between
/// spaces (`首页 机构概况 新闻动态 政策法规 联系我们`).
pub(super) fn is_cjk_chrome(t: &str) -> bool {
    if !cjk::may_hold_unspaced(t.as_bytes()) {
        return false;
    }
    if is_cjk_furniture(t) {
        return true;
    }
    const ARROWS: [char; 4] = ['>', '＞', '»', '›'];
    if t.contains(ARROWS) {
        let parts: Vec<&str> = t.split(ARROWS).map(str::trim).collect();
        return parts.len() >= 2 && parts.iter().all(|p| !p.is_empty() && word_count(p) <= 4);
    }
    const BARS: [char; 3] = ['|', '｜', '丨'];
    if t.contains(BARS) {
        let parts: Vec<&str> = t.split(BARS).collect();
        return parts.len() >= 2 && parts.iter().all(|p| word_count(p) <= 3);
    }
    let items: Vec<&str> = t.split_whitespace().collect();
    items.len() >= 4
        && items
            .iter()
            .all(|item| item.chars().count() <= 6 && item.chars().all(cjk::is_unspaced))
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
    fn chinese_page_furniture_is_told_from_text() {
        for line in [
            "【打印】【关闭】",
            "更多>>",
            "分享到：",
            "上一篇：社区社会组织培育基地揭牌",
            "下一篇：暂无",
            "责任编辑：王小明",
            "（来源：某某区民政局）",
            "发布时间：2016-05-12 来源：某某网 作者：李华 【字体：大 中 小】",
            "版权所有 © 2016 某某社会组织服务中心 京ICP备12345678号",
            "扫一扫，在手机上打开当前页",
            "当前位置：首页 > 新闻中心",
        ] {
            assert!(is_cjk_furniture(line), "{line}");
        }
        for line in [
            "首页",
            "社会组织要赢得政府的信任，首先要找到一把手。",
            "返回社区以后，他们和街道建立了互信。",
            "一把手",
            "Home",
        ] {
            assert_eq!(is_cjk_furniture(line), line == "首页", "{line}");
        }
        assert!(is_breadcrumb("首页 > 新闻"));
        assert!(is_menu_bar("首页 | 关于我们 | 新闻中心 | 联系我们"));
        for line in [
            "首页>新闻动态>正文",
            "首页 » 社会组织动态",
            "首页｜机构概况｜联系我们",
            "首页丨联系我们",
            "首页 机构概况 新闻动态 政策法规 联系我们",
            "上一篇：社区社会组织培育基地揭牌",
        ] {
            assert!(is_cjk_chrome(line), "{line}");
        }
        for line in [
            "合作的次数>10次以后，政府开始信任他们。",
            "第一章 本土化与国际化",
            "我们 信任 政府 的 程度 很 高。",
            "Home > News",
        ] {
            assert!(!is_cjk_chrome(line), "{line}");
        }
    }

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
