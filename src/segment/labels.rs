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

/// A quick test that rules out nearly every line of prose before [`parse`]: a label has a
/// colon in its first [`MAX_LABEL_BYTES`] bytes, or is a short line that ends in a timestamp.
#[inline]
pub fn may_be_label(line: &str) -> bool {
    let bytes = line.as_bytes();
    let head = &bytes[..bytes.len().min(MAX_LABEL_BYTES)];
    // `：` is EF BC 9A in UTF-8: its last byte is looked for, and checked by `parse`.
    memchr::memchr2(b':', 0x9A, head).is_some()
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
    let bytes = rest.as_bytes();
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        if i >= MAX_LABEL_BYTES {
            return None;
        }
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '：' if depth == 0 => return Some((i, c)),
            ':' if depth == 0 => {
                let digit_before = i > 0 && bytes[i - 1].is_ascii_digit();
                let digit_after = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                if !(digit_before && digit_after) {
                    return Some((i, c));
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
    "speaker",
    "participant",
    "respondent",
    "interviewee",
    "interviewer",
    "person",
    "student",
    "teacher",
    "moderator",
    "facilitator",
    "guest",
    "caller",
    "voice",
    "informant",
    "member",
    "child",
    "parent",
    "expert",
    "official",
    "host",
    "panelist",
    "panellist",
    "delegate",
    "user",
    "customer",
    "patient",
    "doctor",
    "nurse",
    "worker",
    "farmer",
    "resident",
    "volunteer",
    "staff",
    "officer",
    "leader",
    "representative",
    "interpreter",
    "unknown",
    "man",
    "woman",
    "p",
    "r",
    "s",
    "t",
    "i",
    "f",
    "m",
    "speaker_",
];

/// Words (lower case) that open a line of prose with a colon and name no one. A name is refused
/// when it is one of these, or starts with one (`Editor's Note`, `Case Study`).
const PROSE_WORDS: &[&str] = &[
    "note",
    "notes",
    "nb",
    "n.b",
    "ps",
    "p.s",
    "source",
    "sources",
    "firstly",
    "secondly",
    "thirdly",
    "fourthly",
    "lastly",
    "finally",
    "first",
    "second",
    "third",
    "next",
    "then",
    "also",
    "however",
    "therefore",
    "thus",
    "hence",
    "moreover",
    "furthermore",
    "meanwhile",
    "conclusion",
    "conclusions",
    "introduction",
    "background",
    "summary",
    "abstract",
    "keywords",
    "key",
    "objective",
    "objectives",
    "method",
    "methods",
    "methodology",
    "result",
    "results",
    "finding",
    "findings",
    "discussion",
    "recommendation",
    "recommendations",
    "limitations",
    "implications",
    "date",
    "dates",
    "time",
    "times",
    "venue",
    "location",
    "place",
    "tel",
    "tele",
    "telephone",
    "fax",
    "email",
    "e-mail",
    "mail",
    "phone",
    "mobile",
    "cell",
    "add",
    "addr",
    "address",
    "zip",
    "postcode",
    "website",
    "web",
    "url",
    "link",
    "links",
    "http",
    "https",
    "www",
    "tags",
    "tag",
    "category",
    "categories",
    "topic",
    "topics",
    "subject",
    "title",
    "subtitle",
    "headline",
    "author",
    "authors",
    "by",
    "from",
    "to",
    "cc",
    "bcc",
    "re",
    "fw",
    "fwd",
    "attn",
    "ref",
    "reference",
    "references",
    "update",
    "updated",
    "updates",
    "posted",
    "published",
    "edit",
    "edited",
    "editor",
    "editors",
    "editor's",
    "editor’s",
    "translator",
    "translated",
    "translation",
    "photo",
    "photos",
    "image",
    "images",
    "picture",
    "credit",
    "credits",
    "caption",
    "video",
    "audio",
    "contact",
    "contacts",
    "disclaimer",
    "warning",
    "caution",
    "important",
    "tip",
    "tips",
    "hint",
    "example",
    "examples",
    "e.g",
    "i.e",
    "eg",
    "ie",
    "definition",
    "purpose",
    "aim",
    "aims",
    "goal",
    "goals",
    "article",
    "articles",
    "chapter",
    "section",
    "part",
    "step",
    "phase",
    "stage",
    "day",
    "week",
    "month",
    "year",
    "table",
    "figure",
    "fig",
    "chart",
    "appendix",
    "annex",
    "lesson",
    "lessons",
    "rule",
    "rules",
    "point",
    "points",
    "item",
    "items",
    "case",
    "cases",
    "level",
    "round",
    "scene",
    "act",
    "verse",
    "version",
    "status",
    "type",
    "size",
    "price",
    "cost",
    "total",
    "name",
    "names",
    "age",
    "gender",
    "sex",
    "occupation",
    "organisation",
    "organization",
    "position",
    "role",
    "profile",
    "bio",
    "biography",
    "duration",
    "length",
    "format",
    "language",
    "languages",
    "kind",
    "genre",
    "rating",
    "score",
    "read",
    "see",
    "share",
    "print",
    "follow",
    "click",
    "download",
    "watch",
    "listen",
    "join",
    "register",
    "apply",
    "deadline",
    "project",
    "projects",
    "programme",
    "program",
    "event",
    "events",
    "theme",
    "themes",
    "agenda",
    "issue",
    "issues",
    "problem",
    "problems",
    "solution",
    "solutions",
    "challenge",
    "challenges",
    "context",
    "overview",
    "outline",
    "content",
    "contents",
    "questions",
    "answers",
    "reply",
    "response",
    "comment",
    "comments",
    "feedback",
    "review",
    "reviews",
    "report",
    "reports",
    "news",
    "press",
    "media",
    "copyright",
    "license",
    "licence",
    "terms",
    "privacy",
    "policy",
    "faq",
    "help",
    "info",
    "information",
    "details",
    "more",
    "other",
    "others",
    "misc",
    "yes",
    "no",
    "ok",
    "warning",
    "error",
    "errors",
    "fixed",
    "added",
    "removed",
    "changed",
    "breaking",
    "todo",
    "fixme",
    "done",
    "ingredients",
    "directions",
    "instructions",
    "requirements",
    "features",
    "benefits",
    "pros",
    "cons",
    "advantages",
    "disadvantages",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
    "input",
    "output",
    "inputs",
    "outputs",
    "step",
    "steps",
    "mission",
    "vision",
    "values",
    "slogan",
    "motto",
    "quote",
    "quotes",
    "translation",
    "original",
    "transcript",
    "q&a",
    "lesson",
    "tl;dr",
    "tldr",
    "edit2",
    "p",
    "pp",
    "vol",
    "no.",
    "ed",
    "eds",
    "trans",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "our",
    "my",
    "his",
    "her",
    "their",
    "its",
    "in",
    "on",
    "at",
    "for",
    "with",
    "as",
    "if",
    "when",
    "while",
    "after",
    "before",
    "during",
    "because",
    "since",
    "so",
    "but",
    "and",
    "or",
    "why",
    "what",
    "how",
    "who",
    "where",
    "which",
    "we",
    "you",
    "they",
    "it",
    "he",
    "she",
    "there",
    "here",
    "now",
    "today",
    "yesterday",
];

/// Words of Chinese prose that precede a colon and name no one (`注：`, `来源：`, `责任编辑：`),
/// and endings that make the words before a colon a verb of saying (`他说：`, `会议指出：`).
const CJK_PROSE_WORDS: &[&str] = &[
    "注",
    "备注",
    "附注",
    "说明",
    "提示",
    "来源",
    "出处",
    "作者",
    "编辑",
    "责编",
    "责任编辑",
    "审核",
    "校对",
    "通讯员",
    "摄影",
    "图",
    "图片",
    "图片来源",
    "文",
    "文字",
    "撰文",
    "原标题",
    "标题",
    "题目",
    "关键词",
    "摘要",
    "简介",
    "导语",
    "地址",
    "电话",
    "传真",
    "邮箱",
    "邮编",
    "网址",
    "网站",
    "联系人",
    "联系方式",
    "联系电话",
    "时间",
    "日期",
    "地点",
    "发布时间",
    "发布日期",
    "更新时间",
    "主题",
    "主办",
    "承办",
    "协办",
    "主办方",
    "承办方",
    "例如",
    "比如",
    "如",
    "其一",
    "其二",
    "其三",
    "第一",
    "第二",
    "第三",
    "首先",
    "其次",
    "再次",
    "最后",
    "总之",
    "另外",
    "此外",
    "同时",
    "但是",
    "因此",
    "所以",
    "结论",
    "背景",
    "目标",
    "目的",
    "方法",
    "结果",
    "建议",
    "问题",
    "答案",
    "原因",
    "措施",
    "要求",
    "内容",
    "事件",
    "分类",
    "标签",
    "阅读",
    "点击",
    "上一篇",
    "下一篇",
    "当前位置",
    "分享到",
    "附件",
    "附",
    "参考文献",
    "注释",
    "译者",
    "译文",
    "原文",
    "口号",
    "宗旨",
    "使命",
    "愿景",
    "电子邮件",
    "电子邮箱",
    "邮政编码",
    "公众号",
    "微信",
    "微博",
    "浏览",
    "点击量",
    "阅读量",
    "字号",
    "打印",
    "关闭",
    "版权",
    "声明",
    "免责声明",
    "链接",
    "友情链接",
    "资料",
    "数据",
    "数据来源",
    "访谈",
    "访谈记录",
    "采访",
    "采访记录",
    "访谈时间",
    "访谈地点",
    "访谈对象",
    "访谈方式",
    "访谈编号",
    "整理",
    "记录",
    "记录人",
    "录音",
    "转录",
];
const CJK_SAYING_ENDS: &[&str] = &[
    "说", "表示", "指出", "认为", "强调", "称", "介绍", "告诉", "坦言", "透露", "提到", "问道",
    "答道", "写道", "解释", "补充", "说道", "谈到", "提出", "包括", "如下", "是", "为", "有", "道",
    "曰", "讲", "讲道", "回忆", "感慨", "呼吁", "表态", "宣布", "报道", "显示", "发现", "规定",
    "要求", "明确", "提醒", "建议", "问", "答复", "回应",
];

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
    if PROSE_WORDS.contains(&first.as_str()) || PROSE_WORDS.contains(&first_bare) {
        // `P:` and `A:` alone are speakers; `P. 3` and `A Study` are not.
        let alone = words.len() == 1 && paren.is_none();
        if !(alone && (SPEAKER_WORDS.contains(&first.as_str()) || is_role(&first))) {
            return None;
        }
    }
    for (i, word) in words.iter().enumerate() {
        let is_number = word.bytes().all(|b| b.is_ascii_digit());
        if is_number {
            // `Speaker 1`, `Participant 12`: a number after a speaker word, and last.
            let speaker_word = SPEAKER_WORDS.contains(&first.as_str());
            if i == 0 || i + 1 != words.len() || word.len() > 3 || !speaker_word {
                return None;
            }
            continue;
        }
        if i > 0 && NAME_PARTICLES.contains(word) {
            continue;
        }
        let mut chars = word.chars();
        let Some(initial) = chars.next() else {
            return None;
        };
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
    Some(name.split_whitespace().collect::<Vec<_>>().join(" "))
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
    if CJK_PROSE_WORDS.contains(&name) {
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
    }
}
