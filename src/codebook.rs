//! Codebook: `codebook.toml` in, validated [`Codebook`] with compiled rules out.
//!
//! The TOML is first deserialised into `Raw*` types (unknown keys rejected), then validated
//! into [`Code`]s and [`Rule`]s. Validation collects every problem — duplicate ids, empty
//! rules, bad regular expressions, malformed wildcards — and reports them all at once, each
//! with `file:line:column` and the offending line.

use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

// ---------------------------------------------------------------------------------------------
// Raw, as written

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodebook {
    codebook: Option<RawMeta>,
    units: Option<RawUnits>,
    #[serde(default)]
    codes: Vec<Spanned<RawCode>>,
}

/// `[units]`: which units are coded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnits {
    skip_speakers: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    name: Option<String>,
    version: Option<String>,
    description: Option<String>,
    authors: Option<Vec<String>>,
    negators: Option<Vec<String>>,
    negation_window: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    id: Spanned<String>,
    label: Option<String>,
    definition: Option<String>,
    use_when: Option<String>,
    do_not_use_when: Option<String>,
    example: Option<String>,
    min_hits: Option<Spanned<i64>>,
    threshold: Option<Spanned<f64>>,
    parent: Option<Spanned<String>>,
    scope: Option<Spanned<String>>,
    min_sentences: Option<Spanned<i64>>,
    #[serde(default)]
    exclude_negated: bool,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    exclude: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Option<Spanned<String>>,
    terms: Option<Spanned<Vec<Spanned<String>>>>,
    regex: Option<Spanned<String>>,
    #[serde(default)]
    case_sensitive: bool,
    weight: Option<Spanned<f64>>,
    near: Option<Spanned<Vec<Spanned<String>>>>,
    not_near: Option<Spanned<Vec<Spanned<String>>>>,
    within: Option<Spanned<i64>>,
    order: Option<Spanned<String>>,
    note: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Validated

#[derive(Debug, Clone)]
pub struct Codebook {
    pub path: PathBuf,
    /// SHA-256 of the codebook file, recorded in the manifest.
    pub sha256: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub authors: Vec<String>,
    pub codes: Vec<Code>,
    /// Words and phrases that negate a match when they occur shortly before it (lower case).
    pub negators: Vec<String>,
    /// How many words before a match are searched for a negator.
    pub negation_window: usize,
    /// Speakers of transcripts whose turns are kept in `segments` but not coded (the
    /// interviewer): `[units] skip_speakers`, and `--skip-speaker` on the command line.
    pub skip_speakers: Vec<String>,
    /// Things that do not stop a run but that the author should know (a code with no rules).
    pub warnings: Vec<Problem>,
}

impl Codebook {
    /// The parent, grandparent, … of a code, nearest first.
    pub fn ancestors(&self, code: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.codes[code].parent, |&p| self.codes[p].parent)
    }

    /// 0 for a top-level code, 1 for its children, and so on.
    pub fn level(&self, code: usize) -> usize {
        self.ancestors(code).count()
    }
}

#[derive(Debug, Clone)]
pub struct Code {
    pub id: String,
    /// Line of the code's `[[codes]]` table in the codebook file.
    pub line: usize,
    pub label: String,
    pub definition: String,
    pub use_when: String,
    pub do_not_use_when: String,
    pub example: String,
    /// A unit (or, with sentence scope, a sentence) is coded when the weights of its counted
    /// matches add up to at least this; `min_hits = n` is `threshold = n` with weights of 1.
    pub threshold: f64,
    pub scope: Scope,
    /// With sentence scope: how many sentences of a paragraph must reach the threshold.
    pub min_sentences: usize,
    /// Negated matches (`no trust`) do not count for this code.
    pub exclude_negated: bool,
    /// Index of the parent code: a unit coded with this code is also coded with its parent.
    pub parent: Option<usize>,
    pub rules: Vec<Rule>,
    /// Matches of these veto any match of this code they overlap (`trust fund`).
    pub exclusions: Vec<Rule>,
}

/// Where a code's threshold is applied: to the whole unit, or to each sentence of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Paragraph,
    Sentence,
}

/// Which side of a `near` term a rule's match must be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Any,
    /// The rule's match comes before the near term.
    Before,
    /// The rule's match comes after the near term.
    After,
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// As written, or `<code>.<n>` (`<code>.not<n>` for exclusions), counted from 1.
    pub id: String,
    /// Line of the rule's table in the codebook file.
    pub line: usize,
    pub patterns: Vec<Pattern>,
    pub note: String,
    /// What one match adds towards the code's threshold.
    pub weight: f64,
    /// A match counts only with one of these within `within` words (in `order`)...
    pub near: Vec<Pattern>,
    /// ...and without any of these within `within` words.
    pub not_near: Vec<Pattern>,
    pub within: usize,
    pub order: Order,
}

impl Rule {
    /// A rule (or exclusion) of plain terms, compiled as the same terms written in a
    /// codebook's `terms = [...]` would be: how `suggest` tries a candidate before anyone
    /// pastes it into the file.
    pub fn of_terms(id: &str, terms: &[&str]) -> Result<Rule, String> {
        let patterns = terms
            .iter()
            .map(|term| {
                Ok(Pattern {
                    source: term.to_string(),
                    case_sensitive: false,
                    kind: compile_term(term, false)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Rule {
            id: id.to_string(),
            line: 0,
            patterns,
            note: String::new(),
            weight: 1.0,
            near: Vec::new(),
            not_near: Vec::new(),
            within: 0,
            order: Order::Any,
        })
    }
}

/// Negators used when the codebook does not list its own.
pub const DEFAULT_NEGATORS: &[&str] = &[
    "no",
    "not",
    "never",
    "without",
    "nor",
    "neither",
    "none",
    "cannot",
    "lack",
    "lacks",
    "lacking",
    "lack of",
    "absence of",
    "no longer",
    "hardly",
    "n't",
    // Chinese, simplified and traditional, looked for inside unspaced text (coding/unspaced.rs).
    "不",
    "没",
    "没有",
    "未",
    "无",
    "非",
    "并非",
    "缺乏",
    "缺少",
    "沒",
    "沒有",
    "無",
    "並非",
];

#[derive(Debug, Clone)]
pub struct Pattern {
    /// The term or regular expression as written in the codebook.
    pub source: String,
    pub case_sensitive: bool,
    pub kind: PatternKind,
}

#[derive(Debug, Clone)]
pub enum PatternKind {
    /// A word or phrase matched on whole words.
    Literal(String),
    /// `term*`: whole words starting with the text.
    Prefix(String),
    /// `organi*ation`, compiled; matched on whole words.
    Wildcard(Regex),
    /// A regular expression, matched as written.
    Regex(Regex),
}

// ---------------------------------------------------------------------------------------------
// Errors

/// One problem found in a codebook, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line the problem is on.
    pub excerpt: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CodebookError {
    #[error("cannot read codebook {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render_problems(.path, .problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = format!(
        "codebook {} has {} problem{}:",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!(
            "\n{}:{}:{}: {}\n    | {}",
            path.display(),
            p.line,
            p.column,
            p.message,
            p.excerpt.trim_end()
        ));
    }
    out
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

struct Problems<'a> {
    source: &'a str,
    list: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Offsets of the source's line feeds, found on first use: a line number is a binary
    /// search, not a count from the file's start (which made loading quadratic in its size).
    line_ends: std::cell::OnceCell<Vec<usize>>,
    /// The ids given so far by their UTS #39 skeleton (what they look like): (what, id, line).
    lookalikes: BTreeMap<String, (String, String, usize)>,
}

impl<'a> Problems<'a> {
    fn new(source: &'a str) -> Self {
        Problems {
            source,
            list: Vec::new(),
            warnings: Vec::new(),
            line_ends: std::cell::OnceCell::new(),
            lookalikes: BTreeMap::new(),
        }
    }

    /// The 1-based line a span starts on.
    fn line_of(&self, span: &Range<usize>) -> usize {
        let ends = self
            .line_ends
            .get_or_init(|| memchr::memchr_iter(b'\n', self.source.as_bytes()).collect());
        ends.partition_point(|&end| end < span.start.min(self.source.len())) + 1
    }

    /// Records a problem unless `id` is a valid identifier (`what` names it: "code", "rule").
    fn check_identifier(&mut self, what: &str, id: &str, span: &Range<usize>) {
        if !is_identifier(id) {
            self.at(
                span.clone(),
                format!("{what} id {id:?} must start with a letter and use only letters, digits, `_` or `-`"),
            );
            return;
        }
        self.check_lookalike(what, id, span);
    }

    /// Refuses an id that looks like another one but is not the same (`trust` and `truѕt`
    /// with a Cyrillic ѕ: UTS #39 confusables, when either holds a character beyond ASCII),
    /// and warns about an id that mixes Latin with Cyrillic or Greek (or scripts as unlikely
    /// together), naming the characters by code point: in tables and listings such an id
    /// reads as another.
    fn check_lookalike(&mut self, what: &str, id: &str, span: &Range<usize>) {
        use unicode_security::confusable_detection::skeleton;
        use unicode_security::{RestrictionLevel, RestrictionLevelDetection};
        let points = |id: &str| -> String {
            let odd: Vec<String> = id
                .chars()
                .enumerate()
                .filter(|(_, c)| !c.is_ascii())
                .map(|(i, c)| format!("U+{:04X} at character {}", u32::from(c), i + 1))
                .collect();
            if odd.is_empty() {
                "only ASCII".to_string()
            } else {
                odd.join(", ")
            }
        };
        let line = self.line_of(span);
        let look: String = skeleton(id).collect();
        match self.lookalikes.get(&look) {
            Some((first_what, first, first_line))
                if first != id && !(first.is_ascii() && id.is_ascii()) =>
            {
                let message = format!(
                    "{what} id {id:?} looks like {first_what} id {first:?} (line {first_line}) but is not the same: {id:?} has {}, {first:?} has {}; rename one",
                    points(id),
                    points(first)
                );
                self.at(span.clone(), message);
                return;
            }
            Some(_) => {}
            None => {
                self.lookalikes
                    .insert(look, (what.to_string(), id.to_string(), line));
            }
        }
        // `_` and `-` are not letters of any script (nor allowed in UTS #39 identifiers).
        let letters: String = id.chars().filter(|c| !matches!(c, '_' | '-')).collect();
        if letters.as_str().detect_restriction_level() > RestrictionLevel::ModeratelyRestrictive {
            let scripts: Vec<String> = id
                .chars()
                .filter(|c| !c.is_ascii())
                .map(|c| {
                    format!(
                        "U+{:04X} is {}",
                        u32::from(c),
                        unicode_security::mixed_script::AugmentedScriptSet::for_char(c)
                    )
                })
                .collect();
            self.warn(
                span.clone(),
                format!(
                    "{what} id {id:?} mixes scripts that look alike ({}{}): it reads as a name it is not; write it in one script",
                    if letters.chars().any(|c| c.is_ascii_alphabetic()) { "Latin letters, " } else { "" },
                    scripts.join(", ")
                ),
            );
        }
    }

    /// Records a duplicate unless `id` is new to `seen`, which keeps the line of first use.
    fn check_unique(
        &mut self,
        what: &str,
        id: &str,
        span: &Range<usize>,
        seen: &mut BTreeMap<String, usize>,
    ) {
        match seen.get(id) {
            Some(&first) => self.at(
                span.clone(),
                format!("duplicate {what} id {id:?} (first defined on line {first})"),
            ),
            None => {
                seen.insert(id.to_string(), self.line_of(span));
            }
        }
    }

    /// A whole number of at least `min`, or a problem (and `min` to go on with).
    fn whole_number(&mut self, value: Spanned<i64>, key: &str, min: usize) -> usize {
        let span = value.span();
        match usize::try_from(value.into_inner()) {
            Ok(n) if n >= min => n,
            _ => {
                self.at(
                    span,
                    format!("{key} must be a whole number of at least {min}"),
                );
                min
            }
        }
    }

    /// Records a problem at the start of a line (1-based).
    fn at_line(&mut self, line: usize, message: impl Into<String>) {
        let start: usize = self
            .source
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        self.at(start..start, message);
    }

    fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let problem = self.locate(span, message.into());
        self.list.push(problem);
    }

    fn warn(&mut self, span: Range<usize>, message: impl Into<String>) {
        let problem = self.locate(span, message.into());
        self.warnings.push(problem);
    }

    fn locate(&self, span: Range<usize>, message: String) -> Problem {
        let offset = span.start.min(self.source.len());
        let before = &self.source[..offset];
        let line = self.line_of(&span);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.source[line_start..offset].chars().count() + 1;
        let excerpt = self.source[line_start..]
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        Problem {
            line,
            column,
            message,
            excerpt,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Loading and validation

pub fn load(path: &Path) -> Result<Codebook, CodebookError> {
    let bytes = std::fs::read(path).map_err(|source| CodebookError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |problems| CodebookError::Invalid {
        path: path.to_path_buf(),
        problems,
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(err) => {
            // Located in the valid text before the bad byte: its line and column.
            let valid = err.valid_up_to();
            let mut problems =
                Problems::new(std::str::from_utf8(&bytes[..valid]).unwrap_or_default());
            let message = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                "the codebook is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"
                    .to_string()
            } else {
                format!(
                    "the codebook is not valid UTF-8: byte 0x{:02X} here is not UTF-8 (a Latin-1 or Windows-1252 file?): save it as UTF-8",
                    bytes[valid]
                )
            };
            problems.at(valid..valid, message);
            return Err(invalid(problems.list));
        }
    };
    let mut codebook = parse(text).map_err(invalid)?;
    codebook.path = path.to_path_buf();
    codebook.sha256 = crate::read::sha256_hex(&bytes);
    Ok(codebook)
}

/// Parses and validates codebook text; all problems are returned together.
pub fn parse(text: &str) -> Result<Codebook, Vec<Problem>> {
    let text_without_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Problems::new(text_without_bom);
    let raw: RawCodebook = match toml::from_str(text_without_bom) {
        Ok(raw) => raw,
        Err(err) => {
            let message = err.message().to_string();
            problems.at(err.span().unwrap_or(0..0), message);
            return Err(problems.list);
        }
    };
    let mut codebook = validate(raw, &mut problems);
    if problems.list.is_empty() {
        codebook.warnings = problems.warnings;
        Ok(codebook)
    } else {
        // In file order, whichever check found them.
        problems.list.sort_by_key(|p| (p.line, p.column));
        Err(problems.list)
    }
}

fn validate(raw: RawCodebook, problems: &mut Problems) -> Codebook {
    if raw.codes.is_empty() {
        problems.at(
            0..0,
            "the codebook defines no codes: add at least one [[codes]] table",
        );
    }
    let mut first_seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut rule_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut codes = Vec::new();
    let mut parents = Vec::new();
    let mut without_rules = Vec::new();
    for raw_code in raw.codes {
        let code_span = raw_code.span();
        let raw_code = raw_code.into_inner();
        let id_span = raw_code.id.span();
        let id = raw_code.id.into_inner().trim().to_string();
        problems.check_identifier("code", &id, &id_span);
        problems.check_unique("code", &id, &id_span, &mut first_seen);
        let threshold = match (raw_code.min_hits, raw_code.threshold) {
            (Some(_), Some(t)) => {
                problems.at(t.span(), "a code has `min_hits` or `threshold`, not both (min_hits = n is threshold = n with rule weights of 1)");
                1.0
            }
            (Some(value), None) => problems.whole_number(value, "min_hits", 1) as f64,
            (None, Some(value)) => {
                let span = value.span();
                let t = value.into_inner();
                if t.is_finite() && t > 0.0 {
                    t
                } else {
                    problems.at(span, "threshold must be a number above 0");
                    1.0
                }
            }
            (None, None) => 1.0,
        };
        let scope = match raw_code
            .scope
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("paragraph", _)) => Scope::Paragraph,
            Some(("sentence", _)) => Scope::Sentence,
            Some((other, span)) => {
                problems.at(
                    span,
                    format!("scope is \"paragraph\" or \"sentence\", not {other:?}"),
                );
                Scope::Paragraph
            }
        };
        let min_sentences = match raw_code.min_sentences {
            None => 1,
            Some(value) if scope == Scope::Sentence => {
                problems.whole_number(value, "min_sentences", 1)
            }
            Some(value) => {
                problems.at(value.span(), "min_sentences needs scope = \"sentence\"");
                1
            }
        };
        if raw_code.rules.is_empty() {
            without_rules.push((codes.len(), code_span.clone()));
        }
        parents.push(raw_code.parent);
        let mut compile_all = |list: Vec<Spanned<RawRule>>, exclusion: bool| -> Vec<Rule> {
            list.into_iter()
                .enumerate()
                .filter_map(|(n, raw_rule)| {
                    let default_id = if exclusion {
                        format!("{id}.not{}", n + 1)
                    } else {
                        format!("{id}.{}", n + 1)
                    };
                    compile_rule(raw_rule, default_id, exclusion, &mut rule_ids, problems)
                })
                .collect()
        };
        let rules = compile_all(raw_code.rules, false);
        let exclusions = compile_all(raw_code.exclude, true);
        codes.push(Code {
            line: problems.line_of(&code_span),
            label: raw_code.label.unwrap_or_else(|| id.clone()),
            id,
            definition: raw_code.definition.unwrap_or_default(),
            use_when: raw_code.use_when.unwrap_or_default(),
            do_not_use_when: raw_code.do_not_use_when.unwrap_or_default(),
            example: raw_code.example.unwrap_or_default(),
            threshold,
            scope,
            min_sentences,
            exclude_negated: raw_code.exclude_negated,
            parent: None,
            rules,
            exclusions,
        });
    }
    link_parents(&mut codes, parents, problems);
    for (code, span) in without_rules {
        if !codes.iter().any(|c| c.parent == Some(code)) {
            problems.warn(
                span,
                format!(
                    "code {:?} has no rules and no child codes, so no unit will be coded with it: add a [[codes.rules]] table with `terms` or `regex`",
                    codes[code].id
                ),
            );
        }
    }
    // `kwic` and `explain` take code and rule ids alike: one id must not name both.
    for (rule, &line) in &rule_ids {
        if let Some(&code_line) = first_seen.get(rule) {
            problems.at_line(
                line,
                format!("rule id {rule:?} is also the id of a code (line {code_line}): give the rule another id"),
            );
        }
    }
    let mut skip_speakers: Vec<String> = Vec::new();
    for name in raw.units.and_then(|u| u.skip_speakers).unwrap_or_default() {
        let span = name.span();
        let name = name.into_inner();
        if name.trim().is_empty() {
            problems.at(span, "skip_speakers lists an empty name");
        } else {
            skip_speakers.push(name.trim().to_string());
        }
    }
    let meta = raw.codebook;
    let negation_window = match meta.as_ref().and_then(|m| m.negation_window.clone()) {
        Some(value) => problems.whole_number(value, "negation_window", 1),
        None => 3,
    };
    let negators = match meta.as_ref().and_then(|m| m.negators.clone()) {
        Some(list) => list
            .iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect(),
        None => DEFAULT_NEGATORS.iter().map(|n| n.to_string()).collect(),
    };
    Codebook {
        negators,
        negation_window,
        skip_speakers,
        path: PathBuf::new(),
        sha256: String::new(),
        name: meta
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_default(),
        version: meta
            .as_ref()
            .and_then(|m| m.version.clone())
            .unwrap_or_default(),
        description: meta
            .as_ref()
            .and_then(|m| m.description.clone())
            .unwrap_or_default(),
        authors: meta.and_then(|m| m.authors).unwrap_or_default(),
        codes,
        warnings: Vec::new(),
    }
}

/// Resolves `parent = "id"` to indexes: the parent must be another code, and following parents
/// must never come back to where it started.
fn link_parents(
    codes: &mut [Code],
    parents: Vec<Option<Spanned<String>>>,
    problems: &mut Problems,
) {
    let mut spans = Vec::new();
    for (child, parent) in parents.into_iter().enumerate() {
        let Some(parent) = parent else { continue };
        let span = parent.span();
        let name = parent.into_inner();
        match codes.iter().position(|c| c.id == name.trim()) {
            Some(p) if p == child => problems.at(span, format!("code {name:?} cannot be its own parent")),
            Some(p) => {
                codes[child].parent = Some(p);
                spans.push((child, span));
            }
            None => problems.at(
                span,
                format!("parent {name:?} is not a code of this codebook: define it with its own [[codes]] table"),
            ),
        }
    }
    for (child, span) in spans {
        let mut seen = vec![child];
        let mut at = codes[child].parent;
        while let Some(p) = at {
            // Reported once, by the cycle's first code; codes leading into a cycle are not in it.
            if p == child {
                if seen.iter().any(|&c| c < child) {
                    break;
                }
                let cycle: Vec<&str> = seen.iter().map(|&c| codes[c].id.as_str()).collect();
                problems.at(
                    span.clone(),
                    format!(
                        "parents form a cycle: {} -> {}",
                        cycle.join(" -> "),
                        codes[p].id
                    ),
                );
                break;
            }
            if seen.contains(&p) {
                break;
            }
            seen.push(p);
            at = codes[p].parent;
        }
    }
}

pub(crate) fn is_identifier(id: &str) -> bool {
    id.starts_with(|c: char| c.is_alphabetic())
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn compile_rule(
    raw: Spanned<RawRule>,
    default_id: String,
    exclusion: bool,
    rule_ids: &mut BTreeMap<String, usize>,
    problems: &mut Problems,
) -> Option<Rule> {
    let span = raw.span();
    let raw = raw.into_inner();
    let id = match raw.id {
        Some(id) => {
            let id_span = id.span();
            let id = id.into_inner();
            problems.check_identifier("rule", &id, &id_span);
            problems.check_unique("rule", &id, &id_span, rule_ids);
            id
        }
        None => default_id,
    };
    let case_sensitive = raw.case_sensitive;
    let mut patterns = Vec::new();
    match (raw.terms, raw.regex) {
        (Some(_), Some(regex)) => {
            problems.at(
                regex.span(),
                "a rule has either `terms` or `regex`, not both: split it into two rules",
            );
            return None;
        }
        (None, None) => {
            problems.at(span, "a rule needs `terms = [...]` or `regex = \"...\"`");
            return None;
        }
        (Some(terms), None) => {
            patterns = compile_terms(terms, "terms", case_sensitive, problems);
        }
        (None, Some(regex)) => {
            let regex_span = regex.span();
            let source = regex.into_inner();
            match regex::RegexBuilder::new(&source)
                .case_insensitive(!case_sensitive)
                .build()
            {
                Ok(compiled) if compiled.is_match("") => problems.at(
                    regex_span,
                    format!("regex {source:?} matches empty text, so it would code every unit"),
                ),
                Ok(compiled) => patterns.push(Pattern {
                    source,
                    case_sensitive,
                    kind: PatternKind::Regex(compiled),
                }),
                Err(err) => problems.at(
                    regex_span,
                    format!("invalid regex {source:?}: {}", one_line(&err.to_string())),
                ),
            }
        }
    }
    if exclusion {
        let extras = [
            raw.weight.as_ref().map(|w| ("weight", w.span())),
            raw.near.as_ref().map(|n| ("near", n.span())),
            raw.not_near.as_ref().map(|n| ("not_near", n.span())),
            raw.within.as_ref().map(|n| ("within", n.span())),
            raw.order.as_ref().map(|n| ("order", n.span())),
        ];
        for (key, span) in extras.into_iter().flatten() {
            problems.at(
                span,
                format!(
                    "`{key}` does not apply to an exclusion, which vetoes the matches it overlaps"
                ),
            );
        }
    }
    let weight = match raw.weight {
        None => 1.0,
        Some(w) => {
            let span = w.span();
            let w = w.into_inner();
            if !(w.is_finite() && w > 0.0) {
                problems.at(span, "weight must be a number above 0");
            }
            w
        }
    };
    let near = raw
        .near
        .map(|n| compile_terms(n, "near", case_sensitive, problems))
        .unwrap_or_default();
    let not_near = raw
        .not_near
        .map(|n| compile_terms(n, "not_near", case_sensitive, problems))
        .unwrap_or_default();
    let within = match raw.within {
        Some(value) => {
            if near.is_empty() && not_near.is_empty() {
                problems.at(value.span(), "`within` needs `near` or `not_near`");
            }
            problems.whole_number(value, "within", 1)
        }
        None => {
            if !near.is_empty() || !not_near.is_empty() {
                problems.at(
                    span.clone(),
                    "a rule with `near` or `not_near` needs `within = N` (words)",
                );
            }
            0
        }
    };
    let order = match raw.order.as_ref().map(|o| (o.get_ref().as_str(), o.span())) {
        None | Some(("any", _)) => Order::Any,
        Some(("before", _)) => Order::Before,
        Some(("after", _)) => Order::After,
        Some((other, span)) => {
            problems.at(
                span,
                format!("order is \"any\", \"before\" or \"after\", not {other:?}"),
            );
            Order::Any
        }
    };
    if let Some(o) = raw.order.as_ref().filter(|_| near.is_empty()) {
        problems.at(o.span(), "order is only for rules with `near`");
    }
    Some(Rule {
        line: problems.line_of(&span),
        id,
        patterns,
        note: raw.note.unwrap_or_default(),
        weight,
        near,
        not_near,
        within,
        order,
    })
}

/// Compiles a list of terms (`terms`, `near`, `not_near`), reporting each bad one.
fn compile_terms(
    terms: Spanned<Vec<Spanned<String>>>,
    key: &str,
    case_sensitive: bool,
    problems: &mut Problems,
) -> Vec<Pattern> {
    let span = terms.span();
    let terms = terms.into_inner();
    if terms.is_empty() {
        problems.at(
            span,
            format!("`{key}` is empty: list at least one word or phrase"),
        );
    }
    terms
        .into_iter()
        .filter_map(|term| {
            let term_span = term.span();
            match compile_term(term.get_ref(), case_sensitive) {
                Ok(kind) => Some(Pattern {
                    source: term.into_inner(),
                    case_sensitive,
                    kind,
                }),
                Err(message) => {
                    problems.at(term_span, message);
                    None
                }
            }
        })
        .collect()
}

/// The regex crate's message ends with the line that says what is wrong; the lines before
/// repeat the pattern with a caret, which the excerpt already shows.
fn one_line(s: &str) -> String {
    let last = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s);
    last.trim().trim_start_matches("error: ").to_string()
}

/// Turns a term into its matcher: whitespace normalised, `*` wildcards resolved.
pub(crate) fn compile_term(term: &str, case_sensitive: bool) -> Result<PatternKind, String> {
    let text = term.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err("empty term: remove it or write a word".into());
    }
    if text.starts_with('*') {
        return Err(format!(
            "term {term:?} starts with `*`: leading wildcards are not supported, use a regex"
        ));
    }
    // A term of punctuation alone has no word edges to respect: `-` would match inside
    // `win-win`, `...` inside every ellipsis.
    if !text.chars().any(char::is_alphanumeric) {
        return Err(format!(
            "term {term:?} has no letter or digit, so it would match inside words: write a word, or a regex"
        ));
    }
    if !text.contains('*') {
        return Ok(PatternKind::Literal(text));
    }
    if let Some(stem) = text.strip_suffix('*') {
        if !stem.contains('*') {
            if !stem.ends_with(char::is_alphanumeric) {
                return Err(format!("term {term:?}: `*` must follow a letter or digit"));
            }
            return Ok(PatternKind::Prefix(stem.to_string()));
        }
    }
    let pattern = text
        .split('*')
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(r"\w*");
    regex::RegexBuilder::new(&pattern)
        .case_insensitive(!case_sensitive)
        .build()
        .map(PatternKind::Wildcard)
        .map_err(|err| format!("term {term:?}: {}", one_line(&err.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        parse(text).expect_err("should fail")
    }

    #[test]
    fn typo_in_key_names_line_and_column() {
        let text =
            "[[codes]]\nid = \"trust\"\nlabell = \"Trust\"\n[[codes.rules]]\nterms = [\"trust\"]\n";
        let p = problems(text);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].line, p[0].column), (3, 1));
        assert!(
            p[0].message.contains("unknown field `labell`"),
            "{}",
            p[0].message
        );
        assert_eq!(p[0].excerpt, "labell = \"Trust\"");
    }

    #[test]
    fn ids_that_look_alike_are_refused_and_mixed_scripts_warned_about() {
        // `truѕt` with U+0455 CYRILLIC SMALL LETTER DZE.
        let text = "[[codes]]\nid = \"trust\"\nterms = [\"trust\"]\n\n[[codes]]\nid = \"tru\u{455}t\"\nterms = [\"faith\"]\n";
        let text = text.replace("\nterms", "\n[[codes.rules]]\nterms");
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 7);
        assert!(
            p[0].message.contains("code id \"tru\u{455}t\" looks like code id \"trust\" (line 2) but is not the same: \"tru\u{455}t\" has U+0455 at character 4, \"trust\" has only ASCII"),
            "{}",
            p[0].message
        );
        // A rule id too, against a code's.
        let text = "[[codes]]\nid = \"trust\"\n[[codes.rules]]\nid = \"tru\u{455}t\"\nterms = [\"trust\"]\n";
        assert!(problems(text)[0]
            .message
            .contains("rule id \"tru\u{455}t\" looks like code id \"trust\""));
        // Alone, a mixed id is a warning; Latin with Han, or ASCII look-alikes (`com`,
        // `corn`), are not.
        let text = "[[codes]]\nid = \"tru\u{455}t\"\n[[codes.rules]]\nterms = [\"trust\"]\n\n[[codes]]\nid = \"trust_信任\"\n[[codes.rules]]\nterms = [\"信任\"]\n\n[[codes]]\nid = \"com\"\n[[codes.rules]]\nterms = [\"com\"]\n\n[[codes]]\nid = \"corn\"\n[[codes.rules]]\nterms = [\"corn\"]\n";
        let cb = parse(text).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(cb.warnings.len(), 1, "{:?}", cb.warnings);
        assert!(
            cb.warnings[0]
                .message
                .contains("mixes scripts that look alike (Latin letters, U+0455 is Cyrillic)"),
            "{}",
            cb.warnings[0].message
        );
    }

    #[test]
    fn all_validation_problems_are_collected() {
        let text = r#"
[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust", "*trust"]

[[codes]]
id = "trust"
[[codes.rules]]
regex = "(unclosed"

[[codes]]
id = "orphan"
parent = "nowhere"
"#;
        let p = problems(text);
        let lines: Vec<usize> = p.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![5, 8, 10, 14], "{p:?}");
        assert!(p[0].message.contains("leading wildcards"));
        assert!(p[1]
            .message
            .contains("duplicate code id \"trust\" (first defined on line 3)"));
        assert!(p[2].message.contains("invalid regex"));
        assert!(p[3]
            .message
            .contains("parent \"nowhere\" is not a code of this codebook"));
        assert_eq!(p[1].column, 6);
    }

    #[test]
    fn rule_language_mistakes_are_reported() {
        let text = r#"
[[codes]]
id = "a"
min_hits = 2
threshold = 2.5
scope = "page"
[[codes.rules]]
terms = ["x"]
near = ["y"]
[[codes.rules]]
terms = ["z"]
order = "before"
weight = 0
[[codes.exclude]]
terms = ["x y"]
weight = 2
"#;
        let messages: Vec<String> = problems(text)
            .into_iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        assert_eq!(
            messages,
            [
                "5: a code has `min_hits` or `threshold`, not both (min_hits = n is threshold = n with rule weights of 1)",
                "6: scope is \"paragraph\" or \"sentence\", not \"page\"",
                "7: a rule with `near` or `not_near` needs `within = N` (words)",
                "12: order is only for rules with `near`",
                "13: weight must be a number above 0",
                "16: `weight` does not apply to an exclusion, which vetoes the matches it overlaps",
            ]
        );
    }

    #[test]
    fn parents_give_levels_and_codes_without_rules_warn() {
        let text = r#"
[[codes]]
id = "fic_strategy"
parent = "strategy"
[[codes.rules]]
terms = ["yibashou"]

[[codes]]
id = "strategy"

[[codes]]
id = "draft"
"#;
        let cb = parse(text).expect("valid");
        assert_eq!(cb.codes[0].parent, Some(1));
        assert_eq!((cb.level(0), cb.level(1)), (1, 0));
        assert_eq!(cb.ancestors(0).collect::<Vec<_>>(), vec![1]);
        // A parent without rules of its own is fine; a leaf without rules is only a warning.
        assert_eq!(cb.warnings.len(), 1, "{:?}", cb.warnings);
        assert_eq!(cb.warnings[0].line, 11);
        assert!(cb.warnings[0].message.contains("\"draft\" has no rules"));
    }

    #[test]
    fn parent_cycles_are_reported_once() {
        let code = |id: &str, parent: &str| {
            format!("[[codes]]\nid = \"{id}\"\nparent = \"{parent}\"\n[[codes.rules]]\nterms = [\"{id}\"]\n")
        };
        let text = [
            code("a", "b"),
            code("b", "a"),
            code("c", "a"),
            code("d", "d"),
        ]
        .concat();
        let p = problems(&text);
        let messages: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "parents form a cycle: a -> b -> a",
                "code \"d\" cannot be its own parent",
            ]
        );
    }

    #[test]
    fn line_numbers_are_a_count_of_the_line_feeds_before() {
        let text = "a\n\nbc\r\nd\n";
        let problems = Problems::new(text);
        for offset in 0..=text.len() + 2 {
            let naive = text[..offset.min(text.len())].matches('\n').count() + 1;
            assert_eq!(problems.line_of(&(offset..offset)), naive, "{offset}");
        }
    }

    #[test]
    fn a_rule_id_equal_to_a_code_id_is_refused_with_its_line() {
        let text = "[[codes]]\nid = \"a\"\n[[codes.rules]]\nid = \"trust\"\nterms = [\"x\"]\n\n[[codes]]\nid = \"trust\"\n[[codes.rules]]\nterms = [\"y\"]\n";
        let p = problems(text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 4);
        assert_eq!(
            p[0].message,
            "rule id \"trust\" is also the id of a code (line 8): give the rule another id"
        );
    }

    #[test]
    fn a_codebook_that_is_not_utf8_is_refused_at_the_bad_byte() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("latin.toml");
        std::fs::write(
            &path,
            b"[[codes]]\nid = \"a\"\n# caf\xE9 au lait\n[[codes.rules]]\nterms = [\"x\"]\n",
        )
        .expect("write");
        match load(&path) {
            Err(CodebookError::Invalid { problems, .. }) => {
                assert_eq!(
                    (problems[0].line, problems[0].column),
                    (3, 6),
                    "{problems:?}"
                );
                assert!(problems[0].message.contains("byte 0xE9"), "{problems:?}");
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        std::fs::write(&path, b"\xFF\xFE[\0[\0").expect("write");
        match load(&path) {
            Err(CodebookError::Invalid { problems, .. }) => {
                assert!(problems[0].message.contains("UTF-16"), "{problems:?}")
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn repeated_rule_ids_point_at_the_first_use() {
        let rule = "[[codes.rules]]\nid = \"core\"\nterms = [\"x\"]\n";
        let text = format!("[[codes]]\nid = \"a\"\n{rule}{rule}{rule}");
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        for problem in &p {
            assert!(
                problem
                    .message
                    .contains("duplicate rule id \"core\" (first defined on line 4)"),
                "{problem:?}"
            );
        }
    }

    #[test]
    fn terms_compile_to_the_right_kinds() {
        assert!(
            matches!(compile_term("trust", false), Ok(PatternKind::Literal(t)) if t == "trust")
        );
        assert!(
            matches!(compile_term("mutual   trust", false), Ok(PatternKind::Literal(t)) if t == "mutual trust")
        );
        assert!(
            matches!(compile_term("recipro*", false), Ok(PatternKind::Prefix(t)) if t == "recipro")
        );
        match compile_term("organi*ation", false) {
            Ok(PatternKind::Wildcard(re)) => assert!(re.is_match("Organisation")),
            other => panic!("{other:?}"),
        }
        assert!(compile_term("  ", false).is_err());
        for punctuation in ["-", "...", "--", ":)", "- -"] {
            let err = compile_term(punctuation, false).expect_err(punctuation);
            assert!(err.contains("no letter or digit"), "{err}");
        }
        assert!(compile_term("win-win", false).is_ok());
    }

    #[test]
    fn regex_that_matches_everything_is_rejected() {
        let p = problems("[[codes]]\nid = \"x\"\n[[codes.rules]]\nregex = \"a*\"\n");
        assert!(p[0].message.contains("matches empty text"));
    }

    #[test]
    fn default_codebook_is_valid() {
        let text = include_str!("../codebook.toml");
        let codebook = parse(text).unwrap_or_else(|p| panic!("{p:?}"));
        let ids: Vec<&str> = codebook.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            vec!["trust", "reciprocity", "fic_strategy", "localisation"]
        );
        for code in &codebook.codes {
            assert!(
                !code.definition.is_empty() && !code.example.is_empty(),
                "{}",
                code.id
            );
        }
    }
}
