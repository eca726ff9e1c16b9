//! Speaker labels: one line of text in; whether it opens with a speaker label (`AF:`,
//! `Zhang Jun:`, `Interviewer:`, `问：`, `[00:07:30] I:`, `Speaker 1 (00:01):`, `Speaker 1  0:03`
//! on a line of its own) out, with the speaker's name, the timestamp written with it and where
//! the utterance starts.
//!
//! This is the grammar of one label only. Whether a document is a transcript is decided from
//! the labels of all its lines ([`super::speakers`]): a single `Note:` says nothing. Names that
//! are common prose labels (`Note`, `Firstly`, `Article 3`, `Tel`, `来源`, `他说`) are refused
//! here.

/// A speaker label at the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The name as written, whitespace collapsed (`Zhang Jun`, `问`).
    pub name: String,
    /// Bytes of the line that belong to the label (leading space, timestamps, name and colon),
    /// up to where the utterance starts; the whole line for a label on a line of its own.
    pub len: usize,
    /// Nothing follows the label on its line: the utterance is on the next lines.
    pub own_line: bool,
    /// A timestamp written with the label, in milliseconds.
    pub time_ms: Option<i64>,
    /// Written with a colon (`Name:`), rather than `Name  0:03`.
    pub colon: bool,
}

/// The comparison key of a name: lower case, whitespace collapsed (`AF` and `Af` are one
/// speaker).
pub fn key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Names of interview roles: two of them in a document are evidence of a transcript even when
/// each is written once (`Q:` … `A:` …).
pub fn is_role(key: &str) -> bool {
    matches!(
        key,
        "q" | "a"
            | "i"
            | "r"
            | "question"
            | "answer"
            | "interviewer"
            | "interviewee"
            | "respondent"
            | "moderator"
            | "facilitator"
            | "host"
            | "guest"
            | "问"
            | "答"
            | "主持人"
            | "记者"
            | "受访者"
            | "嘉宾"
            | "提问"
            | "回答"
    )
}

/// The longest label looked for, in bytes: a colon further into a line is not a label's.
pub const MAX_LABEL_BYTES: usize = 80;

/// A quick test that rules out nearly every line of prose before [`parse`], looking at bytes
/// only: a label starts with a capital, a digit, a bracket or a character outside ASCII (never
/// in lower case: a wrapped line's continuation), and has a colon in its first
/// [`MAX_LABEL_BYTES`] bytes with at most a few words and no comma before it. (Every
/// timestamp, `Speaker 1  0:03` included, has a colon.)
#[inline]
pub fn may_be_label(line: &str) -> bool {
    let bytes = line.as_bytes();
    let start = bytes
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    match bytes.get(start) {
        Some(b'A'..=b'Z' | b'0'..=b'9' | b'[' | b'(' | b'>' | 0x80..) => {}
        _ => return false,
    }
    let head = &bytes[start..bytes.len().min(start + MAX_LABEL_BYTES)];
    // `：` is EF BC 9A in UTF-8: its last byte is looked for, and checked by `parse`.
    let Some(colon) = memchr::memchr2(b':', 0x9A, head) else {
        return false;
    };
    let before = &head[..colon];
    memchr::memchr(b',', before).is_none() && memchr::memchr_iter(b' ', before).count() <= 8
}

/// The label at the start of `line`, if it opens with one.
pub fn parse(line: &str) -> Option<Label> {
    let trimmed_start = line.len() - line.trim_start().len();
    let mut rest = &line[trimmed_start..];
    let mut at = trimmed_start;
    let mut time_ms = None;
    // A timestamp before the name: `[00:07:30] `, `(01:02:03) `, `00:07:30 `, or a range
    // `[00:00.000 --> 00:05.000] `.
    if let Some((ms, used)) = leading_time(rest) {
        let after = &rest[used..];
        let spaces = after.len() - after.trim_start().len();
        if spaces == 0 && !after.is_empty() {
            return None;
        }
        time_ms = Some(ms);
        at += used + spaces;
        rest = &after[spaces..];
    }
    with_colon(line, at, rest, time_ms).or_else(|| own_line_with_time(line, rest, time_ms))
}

/// The colon that ends a label in `rest`: the first `:` or `：` within [`MAX_LABEL_BYTES`]
/// that is neither inside brackets nor between two digits (`07:30`).
fn label_colon(rest: &str) -> Option<(usize, char)> {
    // Byte by byte: brackets and `:` are ASCII, and `：` is EF BC 9A, whose bytes start no
    // other character.
    let bytes = rest.as_bytes();
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().take(MAX_LABEL_BYTES) {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            0xEF if depth == 0 && bytes[i + 1..].starts_with(&[0xBC, 0x9A]) => {
                return Some((i, '：'))
            }
            b':' if depth == 0 => {
                let digit_before = i > 0 && bytes[i - 1].is_ascii_digit();
                let digit_after = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                if !(digit_before && digit_after) {
                    return Some((i, ':'));
                }
            }
            _ => {}
        }
    }
    None
}

/// `Name: text`, `Name (00:01):`, `Name: [00:07:30] text`; `at` is where `rest` starts in
/// `line`, `time_ms` a timestamp already read before the name.
fn with_colon(line: &str, at: usize, rest: &str, mut time_ms: Option<i64>) -> Option<Label> {
    let (c, colon_char) = label_colon(rest)?;
    let mut name = rest[..c].trim_end();
    // `Name (00:01:02):`, `Name [00:01:02]:`
    if let Some((ms, stripped)) = trailing_time(name) {
        time_ms = time_ms.or(Some(ms));
        name = stripped.trim_end();
    }
    let name = valid_name(name)?;
    let after_colon = &rest[c + colon_char.len_utf8()..];
    // `Name:text` is a label only before East Asian text (`问：你好`): `ADD:C-601`, `http://`
    // and `Re:subject` are not labels.
    if colon_char == ':' {
        match after_colon.chars().next() {
            None => {}
            Some(ch) if ch.is_whitespace() || super::cjk::is_unspaced(ch) => {}
            _ => return None,
        }
    }
    let mut content = at + c + colon_char.len_utf8();
    let mut tail = after_colon;
    // `Name: [00:07:30] text`
    let spaces = tail.len() - tail.trim_start().len();
    if let Some((ms, used)) = leading_time(&tail[spaces..]) {
        time_ms = time_ms.or(Some(ms));
        content += spaces + used;
        tail = &tail[spaces + used..];
    }
    let own_line = tail.trim().is_empty();
    Some(Label {
        name,
        len: if own_line { line.len() } else { content },
        own_line,
        time_ms,
        colon: true,
    })
}

/// `Speaker 1  0:03` alone on its line (Otter, Teams): a name and a timestamp, nothing else.
fn own_line_with_time(line: &str, rest: &str, time_ms: Option<i64>) -> Option<Label> {
    let body = rest.trim_end();
    if body.len() > MAX_LABEL_BYTES || time_ms.is_some() {
        return None;
    }
    let (ms, name) = trailing_time(body)?;
    let name = valid_name(name.trim_end())?;
    Some(Label {
        name,
        len: line.len(),
        own_line: true,
        time_ms: Some(ms),
        colon: false,
    })
}

/// `h:mm:ss`, `mm:ss`, `h:mm:ss.fff` (or `,fff`) as milliseconds, if `t` is exactly that.
pub fn clock_ms(t: &str) -> Option<i64> {
    let (main, fraction) = match t.split_once(['.', ',']) {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (t, None),
    };
    let parts: Vec<&str> = main.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 && p.as_ptr() != parts[0].as_ptr())
        || parts.iter().any(|p| !p.bytes().all(|b| b.is_ascii_digit()))
        || parts[0].len() > 3
    {
        return None;
    }
    let numbers: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    // Minutes and seconds after the first field have two digits and are below 60.
    if parts[1..].iter().any(|p| p.len() != 2) || numbers[1..].iter().any(|&n| n >= 60) {
        return None;
    }
    let seconds = numbers.iter().fold(0i64, |acc, &n| acc * 60 + n);
    let millis = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 3 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<i64>().unwrap_or(0) * 10i64.pow(3 - f.len() as u32)
        }
        Some(_) => return None,
    };
    Some(seconds * 1000 + millis)
}

/// A timestamp at the start of `t` (bracketed, parenthesised or bare, or a bracketed range
/// `[a --> b]`, whose start is taken): its milliseconds and its length in bytes.
fn leading_time(t: &str) -> Option<(i64, usize)> {
    let first = t.as_bytes().first()?;
    if let Some(close) = match first {
        b'[' => Some(']'),
        b'(' => Some(')'),
        _ => None,
    } {
        let end = t.bytes().take(40).position(|b| b == close as u8)?;
        let inner = t[1..end].trim();
        let start = inner.split_once("-->").map_or(inner, |(a, _)| a.trim());
        return clock_ms(start).map(|ms| (ms, end + 1));
    }
    if !first.is_ascii_digit() {
        return None;
    }
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.' || c == ','))
        .unwrap_or(t.len());
    // A bare time must have a colon (`00:07:30`); a trailing comma or full stop is punctuation.
    let token = t[..end].trim_end_matches([',', '.']);
    clock_ms(token).map(|ms| (ms, token.len()))
}

/// A timestamp at the end of `t` (`Name (00:01:02)`, `Name [1:02]`, `Name  0:03`): its
/// milliseconds and what comes before it.
fn trailing_time(t: &str) -> Option<(i64, &str)> {
    let t = t.trim_end();
    let (open, inner_end) = match t.as_bytes().last()? {
        b')' => (Some('('), t.len() - 1),
        b']' => (Some('['), t.len() - 1),
        b if b.is_ascii_digit() => (None, t.len()),
        _ => return None,
    };
    match open {
        Some(open) => {
            let start = t.rfind(open)?;
            let ms = clock_ms(t[start + 1..inner_end].trim())?;
            Some((ms, &t[..start]))
        }
        None => {
            let start = t.rfind(char::is_whitespace)? + 1;
            let ms = clock_ms(&t[start..])?;
            Some((ms, &t[..start]))
        }
    }
}

/// Words of a name that make it a numbered item of prose rather than a speaker when a number
/// follows them (`Article 3`, `Step 2`); a speaker word with a number is a speaker (`Speaker 1`,
/// `Participant 3`).
const SPEAKER_WORDS: &[&str] = &[
    "caller",
    "child",
    "customer",
    "delegate",
    "doctor",
    "expert",
    "f",
    "facilitator",
    "farmer",
    "guest",
    "host",
    "i",
    "informant",
    "interpreter",
    "interviewee",
    "interviewer",
    "leader",
    "m",
    "man",
    "member",
    "moderator",
    "nurse",
    "officer",
    "official",
    "p",
    "panelist",
    "panellist",
    "parent",
    "participant",
    "patient",
    "person",
    "r",
    "representative",
    "resident",
    "respondent",
    "s",
    "speaker",
    "speaker_",
    "staff",
    "student",
    "t",
    "teacher",
    "unknown",
    "user",
    "voice",
    "volunteer",
    "woman",
    "worker",
];

/// Words (lower case) that open a line of prose with a colon and name no one. A name is refused
/// when it is one of these, or starts with one (`Editor's Note`, `Case Study`).
const PROSE_WORDS: &[&str] = &[
    "a",
    "abstract",
    "act",
    "add",
    "added",
    "addr",
    "address",
    "advantages",
    "after",
    "age",
    "agenda",
    "aim",
    "aims",
    "also",
    "an",
    "and",
    "annex",
    "answers",
    "appendix",
    "apply",
    "article",
    "articles",
    "as",
    "at",
    "attn",
    "audio",
    "author",
    "authors",
    "background",
    "bcc",
    "because",
    "before",
    "benefits",
    "bio",
    "biography",
    "breaking",
    "but",
    "by",
    "caption",
    "case",
    "cases",
    "categories",
    "category",
    "caution",
    "cc",
    "cell",
    "challenge",
    "challenges",
    "changed",
    "chapter",
    "chart",
    "click",
    "comment",
    "comments",
    "conclusion",
    "conclusions",
    "cons",
    "contact",
    "contacts",
    "content",
    "contents",
    "context",
    "copyright",
    "cost",
    "credit",
    "credits",
    "date",
    "dates",
    "day",
    "deadline",
    "definition",
    "details",
    "directions",
    "disadvantages",
    "disclaimer",
    "discussion",
    "done",
    "download",
    "duration",
    "during",
    "e-mail",
    "e.g",
    "ed",
    "edit",
    "edit2",
    "edited",
    "editor",
    "editor's",
    "editors",
    "editor’s",
    "eds",
    "eg",
    "email",
    "error",
    "errors",
    "event",
    "events",
    "example",
    "examples",
    "faq",
    "fax",
    "features",
    "feedback",
    "fig",
    "figure",
    "finally",
    "finding",
    "findings",
    "first",
    "firstly",
    "fixed",
    "fixme",
    "follow",
    "for",
    "format",
    "fourthly",
    "from",
    "furthermore",
    "fw",
    "fwd",
    "gender",
    "genre",
    "goal",
    "goals",
    "he",
    "headline",
    "help",
    "hence",
    "her",
    "here",
    "hint",
    "his",
    "how",
    "however",
    "http",
    "https",
    "i.e",
    "ie",
    "if",
    "image",
    "images",
    "implications",
    "important",
    "in",
    "info",
    "information",
    "ingredients",
    "input",
    "inputs",
    "instructions",
    "introduction",
    "issue",
    "issues",
    "it",
    "item",
    "items",
    "its",
    "join",
    "key",
    "keywords",
    "kind",
    "language",
    "languages",
    "lastly",
    "length",
    "lesson",
    "lessons",
    "level",
    "licence",
    "license",
    "limitations",
    "link",
    "links",
    "listen",
    "location",
    "mail",
    "meanwhile",
    "media",
    "method",
    "methodology",
    "methods",
    "misc",
    "mission",
    "mobile",
    "month",
    "more",
    "moreover",
    "motto",
    "my",
    "n.b",
    "name",
    "names",
    "nb",
    "news",
    "next",
    "no",
    "no.",
    "note",
    "notes",
    "now",
    "objective",
    "objectives",
    "occupation",
    "ok",
    "on",
    "opportunities",
    "or",
    "organisation",
    "organization",
    "original",
    "other",
    "others",
    "our",
    "outline",
    "output",
    "outputs",
    "overview",
    "p",
    "p.s",
    "part",
    "phase",
    "phone",
    "photo",
    "photos",
    "picture",
    "place",
    "point",
    "points",
    "policy",
    "position",
    "postcode",
    "posted",
    "pp",
    "press",
    "price",
    "print",
    "privacy",
    "problem",
    "problems",
    "profile",
    "program",
    "programme",
    "project",
    "projects",
    "pros",
    "ps",
    "published",
    "purpose",
    "q&a",
    "questions",
    "quote",
    "quotes",
    "rating",
    "re",
    "read",
    "recommendation",
    "recommendations",
    "ref",
    "reference",
    "references",
    "register",
    "removed",
    "reply",
    "report",
    "reports",
    "requirements",
    "response",
    "result",
    "results",
    "review",
    "reviews",
    "role",
    "round",
    "rule",
    "rules",
    "scene",
    "score",
    "second",
    "secondly",
    "section",
    "see",
    "sex",
    "share",
    "she",
    "since",
    "size",
    "slogan",
    "so",
    "solution",
    "solutions",
    "source",
    "sources",
    "stage",
    "status",
    "step",
    "steps",
    "strengths",
    "subject",
    "subtitle",
    "summary",
    "table",
    "tag",
    "tags",
    "tel",
    "tele",
    "telephone",
    "terms",
    "that",
    "the",
    "their",
    "theme",
    "themes",
    "then",
    "there",
    "therefore",
    "these",
    "they",
    "third",
    "thirdly",
    "this",
    "those",
    "threats",
    "thus",
    "time",
    "times",
    "tip",
    "tips",
    "title",
    "tl;dr",
    "tldr",
    "to",
    "today",
    "todo",
    "topic",
    "topics",
    "total",
    "trans",
    "transcript",
    "translated",
    "translation",
    "translator",
    "type",
    "update",
    "updated",
    "updates",
    "url",
    "values",
    "venue",
    "verse",
    "version",
    "video",
    "vision",
    "vol",
    "warning",
    "watch",
    "we",
    "weaknesses",
    "web",
    "website",
    "week",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "with",
    "www",
    "year",
    "yes",
    "yesterday",
    "you",
    "zip",
];

/// Words of Chinese prose that precede a colon and name no one (`注：`, `来源：`, `责任编辑：`),
/// and endings that make the words before a colon a verb of saying (`他说：`, `会议指出：`).
const CJK_PROSE_WORDS: &[&str] = &[
    "上一篇",
    "下一篇",
    "主办",
    "主办方",
    "主题",
    "事件",
    "传真",
    "但是",
    "作者",
    "使命",
    "例如",
    "免责声明",
    "公众号",
    "关键词",
    "关闭",
    "其一",
    "其三",
    "其二",
    "其次",
    "内容",
    "再次",
    "出处",
    "分享到",
    "分类",
    "协办",
    "原因",
    "原文",
    "原标题",
    "参考文献",
    "友情链接",
    "发布日期",
    "发布时间",
    "口号",
    "另外",
    "同时",
    "因此",
    "图",
    "图片",
    "图片来源",
    "地址",
    "地点",
    "声明",
    "备注",
    "如",
    "字号",
    "宗旨",
    "审核",
    "导语",
    "建议",
    "当前位置",
    "录音",
    "微信",
    "微博",
    "总之",
    "愿景",
    "所以",
    "打印",
    "承办",
    "承办方",
    "措施",
    "提示",
    "摄影",
    "摘要",
    "撰文",
    "数据",
    "数据来源",
    "整理",
    "文",
    "文字",
    "方法",
    "日期",
    "时间",
    "更新时间",
    "最后",
    "来源",
    "标签",
    "标题",
    "校对",
    "此外",
    "比如",
    "注",
    "注释",
    "浏览",
    "点击",
    "点击量",
    "版权",
    "电子邮件",
    "电子邮箱",
    "电话",
    "目标",
    "目的",
    "第一",
    "第三",
    "第二",
    "答案",
    "简介",
    "结果",
    "结论",
    "编辑",
    "网址",
    "网站",
    "联系人",
    "联系方式",
    "联系电话",
    "背景",
    "要求",
    "记录",
    "记录人",
    "访谈",
    "访谈地点",
    "访谈对象",
    "访谈方式",
    "访谈时间",
    "访谈编号",
    "访谈记录",
    "译文",
    "译者",
    "说明",
    "责任编辑",
    "责编",
    "资料",
    "转录",
    "通讯员",
    "邮政编码",
    "邮箱",
    "邮编",
    "采访",
    "采访记录",
    "链接",
    "问题",
    "阅读",
    "阅读量",
    "附",
    "附件",
    "附注",
    "题目",
    "首先",
];
const CJK_SAYING_ENDS: &[&str] = &[
    "说", "表示", "指出", "认为", "强调", "称", "介绍", "告诉", "坦言", "透露", "提到", "问道",
    "答道", "写道", "解释", "补充", "说道", "谈到", "提出", "包括", "如下", "是", "为", "有", "道",
    "曰", "讲", "讲道", "回忆", "感慨", "呼吁", "表态", "宣布", "报道", "显示", "发现", "规定",
    "要求", "明确", "提醒", "建议", "问", "答复", "回应",
];

/// The word lists are sorted (by bytes, tested): names are looked up by binary search.
fn is_prose_word(word: &str) -> bool {
    PROSE_WORDS.binary_search(&word).is_ok()
}

fn is_speaker_word(word: &str) -> bool {
    SPEAKER_WORDS.binary_search(&word).is_ok()
}

/// Lower-case particles that may stand inside a name (`Ludwig van Beethoven`).
const NAME_PARTICLES: &[&str] = &[
    "de", "da", "di", "del", "della", "van", "von", "der", "den", "la", "le", "du", "bin", "binti",
    "al", "el", "y", "ibn", "dos", "das",
];

/// The name as a speaker's name (whitespace collapsed), or `None` if `name` is not one: one to
/// four capitalised words (or initials, `Speaker 1`, `SPEAKER_00`, `Dr. Wang`), optionally with
/// a short parenthesis (`Li Ping (CCAFC)`); or one to eight East Asian characters (`问`,
/// `主持人`, `张三`, `受访者A`); not a word of prose.
pub fn valid_name(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 60 {
        return None;
    }
    if name.chars().any(super::cjk::is_unspaced) {
        return valid_cjk_name(name);
    }
    // A short parenthesis at the end: `Li Ping (CCAFC)`, `Interviewer (AF)`.
    let (main, paren) = match name.strip_suffix(')').and_then(|n| n.rsplit_once('(')) {
        Some((main, inner)) => (main.trim_end(), Some(inner)),
        None => (name, None),
    };
    if let Some(inner) = paren {
        let words = inner.split_whitespace().count();
        if words == 0 || words > 3 || inner.contains(['(', ')', ':']) {
            return None;
        }
    }
    let words: Vec<&str> = main.split_whitespace().collect();
    if words.is_empty() || words.len() > 4 {
        return None;
    }
    let first = words[0].to_lowercase();
    let first_bare = first.trim_end_matches(['.', '\'', '’']);
    if is_prose_word(&first) || is_prose_word(first_bare) {
        // `P:` and `A:` alone are speakers; `P. 3` and `A Study` are not.
        let alone = words.len() == 1 && paren.is_none();
        if !(alone && (is_speaker_word(&first) || is_role(&first))) {
            return None;
        }
    }
    for (i, word) in words.iter().enumerate() {
        let is_number = word.bytes().all(|b| b.is_ascii_digit());
        if is_number {
            // `Speaker 1`, `Participant 12`: a number after a speaker word, and last.
            let speaker_word = is_speaker_word(&first);
            if i == 0 || i + 1 != words.len() || word.len() > 3 || !speaker_word {
                return None;
            }
            continue;
        }
        if i > 0 && NAME_PARTICLES.contains(word) {
            continue;
        }
        let mut chars = word.chars();
        let initial = chars.next()?;
        if !initial.is_uppercase() {
            return None;
        }
        if !word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '\'' | '’' | '-' | '_'))
        {
            return None;
        }
        // A word of one letter and a full stop is an initial (`J. Smith`); a sentence never
        // stands before a label's colon.
        if word.len() > 2 && word.ends_with('.') && !is_title_abbreviation(word) {
            return None;
        }
    }
    // Capitals with digits glued on are a reference, not a name (`A1`, `ISO9001`), except a
    // speaker word's short form (`P1`, `R12`).
    let glued = words.len() == 1 && words[0].chars().any(|c| c.is_ascii_digit());
    if glued {
        let w = words[0];
        let letters: String = w.chars().take_while(|c| c.is_alphabetic()).collect();
        let digits = &w[letters.len()..];
        let short_speaker = matches!(
            letters.as_str(),
            "P" | "R" | "S" | "I" | "T" | "F" | "M" | "PT" | "SPEAKER_"
        ) || w.to_ascii_uppercase().starts_with("SPEAKER_");
        if !short_speaker || digits.is_empty() && !w.contains('_') {
            return None;
        }
    }
    // Whitespace collapsed (most names have single spaces already).
    if name.contains(|c: char| c.is_whitespace() && c != ' ') || name.contains("  ") {
        return Some(name.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    Some(name.to_string())
}

fn is_title_abbreviation(word: &str) -> bool {
    matches!(
        word.to_lowercase().as_str(),
        "dr." | "mr." | "mrs." | "ms." | "prof." | "rev." | "sr." | "jr." | "st." | "gen." | "col."
    )
}

fn valid_cjk_name(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() > 8
        || chars
            .iter()
            .any(|&c| !(super::cjk::is_unspaced(c) || c.is_ascii_alphanumeric() || c == '·'))
        || !chars.iter().any(|&c| super::cjk::is_unspaced(c))
    {
        return None;
    }
    if CJK_PROSE_WORDS.binary_search(&name).is_ok() {
        return None;
    }
    if name.chars().count() > 1 && CJK_SAYING_ENDS.iter().any(|end| name.ends_with(end)) {
        return None;
    }
    // Punctuation-free runs of more than four Han characters without a role word are phrases
    // (`主要内容包括`), not names: Chinese names have two to four characters.
    let han = chars
        .iter()
        .filter(|&&c| super::cjk::is_unspaced(c))
        .count();
    if han > 4
        && !["主持人", "受访者", "访谈者", "采访者", "嘉宾", "记者"]
            .iter()
            .any(|r| name.contains(r))
    {
        return None;
    }
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(line: &str) -> Option<(String, usize, bool, Option<i64>)> {
        assert!(may_be_label(line), "{line:?}");
        parse(line).map(|l| (l.name, l.len, l.own_line, l.time_ms))
    }

    #[test]
    fn labels_of_real_transcripts_are_read() {
        let cases: &[(&str, &str, &str)] = &[
            ("AF: Let us move on", "AF", "Let us move on"),
            ("HHM: Firstly, the services", "HHM", "Firstly, the services"),
            (
                "Zhang Jun: The focus can be",
                "Zhang Jun",
                "The focus can be",
            ),
            (
                "\u{a0}Li Tao: The participation",
                "Li Tao",
                "The participation",
            ),
            (
                "Interviewer: Do riders help?",
                "Interviewer",
                "Do riders help?",
            ),
            ("I: So how did it start?", "I", "So how did it start?"),
            ("R: It started in 2015.", "R", "It started in 2015."),
            ("Q: What is it?", "Q", "What is it?"),
            ("INTERVIEWER: Right.", "INTERVIEWER", "Right."),
            ("问：你们怎么开始的？", "问", "你们怎么开始的？"),
            ("答：二〇一五年开始的。", "答", "二〇一五年开始的。"),
            ("主持人：欢迎各位。", "主持人", "欢迎各位。"),
            ("问:你们怎么开始的？", "问", "你们怎么开始的？"),
            ("Speaker 1: Hello.", "Speaker 1", "Hello."),
            ("P3: I agree.", "P3", "I agree."),
            ("SPEAKER_00: Okay.", "SPEAKER_00", "Okay."),
            ("Dr. Wang: Yes.", "Dr. Wang", "Yes."),
            ("Li Ping (CCAFC): We hope", "Li Ping (CCAFC)", "We hope"),
            ("Ludwig van Beethoven: Da.", "Ludwig van Beethoven", "Da."),
            ("Zhang Jun：The focus", "Zhang Jun", "The focus"),
        ];
        for (line, name, content) in cases {
            assert!(may_be_label(line), "{line:?}");
            let l = parse(line).unwrap_or_else(|| panic!("{line:?} is a label"));
            assert_eq!(&l.name, name, "{line:?}");
            assert_eq!(line[l.len..].trim(), *content, "{line:?}");
            assert!(!l.own_line);
            assert_eq!(l.time_ms, None);
        }
    }

    #[test]
    fn timestamps_before_and_after_the_name_are_kept() {
        let at = |h: i64, m: i64, s: i64| Some(((h * 60 + m) * 60 + s) * 1000);
        let cases: &[(&str, &str, Option<i64>, &str)] = &[
            (
                "[00:07:30] Interviewer: Do riders help each other?",
                "Interviewer",
                at(0, 7, 30),
                "Do riders help each other?",
            ),
            ("(01:02:03) R: Yes.", "R", at(1, 2, 3), "Yes."),
            (
                "00:07:30 Zhang Jun: The focus",
                "Zhang Jun",
                at(0, 7, 30),
                "The focus",
            ),
            (
                "Zhang Jun (00:07:30): The focus",
                "Zhang Jun",
                at(0, 7, 30),
                "The focus",
            ),
            (
                "Zhang Jun [07:30]: The focus",
                "Zhang Jun",
                at(0, 7, 30),
                "The focus",
            ),
            ("I: [00:00:05] Hello.", "I", at(0, 0, 5), "Hello."),
            (
                "[00:00.000 --> 00:05.000] SPEAKER_01: Hi.",
                "SPEAKER_01",
                Some(0),
                "Hi.",
            ),
        ];
        for (line, name, time, content) in cases {
            assert!(may_be_label(line), "{line:?}");
            let l = parse(line).unwrap_or_else(|| panic!("{line:?} is a label"));
            assert_eq!((&l.name, l.time_ms), (&name.to_string(), *time), "{line:?}");
            assert_eq!(line[l.len..].trim(), *content, "{line:?}");
        }
        assert_eq!(clock_ms("1:02:03.5"), Some(3_723_500));
        assert_eq!(clock_ms("00:01,250"), Some(1_250));
        assert_eq!(clock_ms("12:75"), None);
        assert_eq!(clock_ms("2016"), None);
    }

    #[test]
    fn labels_on_a_line_of_their_own() {
        assert_eq!(
            label("Speaker 1  0:03"),
            Some(("Speaker 1".into(), 15, true, Some(3_000)))
        );
        assert_eq!(
            label("Speaker 2 (00:01:05):"),
            Some(("Speaker 2".into(), 21, true, Some(65_000)))
        );
        assert_eq!(
            label("INTERVIEWER:"),
            Some(("INTERVIEWER".into(), 12, true, None))
        );
        assert_eq!(
            label("Zhang Jun 1:02:03"),
            Some(("Zhang Jun".into(), 17, true, Some(3_723_000)))
        );
    }

    #[test]
    fn prose_with_colons_is_no_label() {
        for line in [
            "Note: the figures are estimates.",
            "Firstly: we reviewed the files.",
            "Article 3: Citizens have the right",
            "Chapter 2: Methods",
            "Step 4: Repeat",
            "Editor’s note:",
            "Editor's Note: this was edited",
            "ADD:C-601-East Building,",
            "Tel: 010-1234567",
            "http://example.org",
            "Lessons learned: what we saw",
            "The cadre said: we trust them.",
            "Time: 10:30",
            "10:30 Meeting starts",
            "Key Findings: trust grew",
            "Case Study: Beijing",
            "Source: Xinhua",
            "注：数据来自民政部。",
            "来源：新华网",
            "他说：我们信任政府。",
            "会议指出：要加强合作。",
            "主要内容包括如下几点：",
            "Home > Brief News > 2015",
            "1. Introduction: the problem",
            "A1: the first item",
            "Figure 3: Trust by year",
            "In 2016: a new law",
            "2016 12:30",
            "Questions: 12",
        ] {
            assert_eq!(parse(line), None, "{line:?}");
        }
    }

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        for list in [PROSE_WORDS, CJK_PROSE_WORDS, SPEAKER_WORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn the_quick_test_passes_every_label() {
        for line in [
            "AF: x",
            "问：x",
            "Speaker 1  0:03",
            "[00:07:30] Interviewer: Do riders help each other?",
        ] {
            assert!(may_be_label(line), "{line:?}");
        }
        assert!(!may_be_label("The competing lens of civil society"));
        // Lines that cannot open with a label are ruled out before their colon is sought.
        for line in [
            "the cadre said: yes",
            "Whether or not a CSO can sustain its work, the answer is: it depends",
            "In the words of one of the directors we interviewed in the county: trust",
        ] {
            assert!(!may_be_label(line), "{line:?}");
        }
        // Every label the tests above read passes it.
        for line in [
            "\u{a0}Li Tao: The participation",
            "Li Ping (CCAFC): We hope",
            "(01:02:03) R: Yes.",
            "Zhang Jun [07:30]: The focus",
            "SPEAKER_00: Okay.",
        ] {
            assert!(may_be_label(line), "{line:?}");
        }
    }
}
