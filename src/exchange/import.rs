//! Codebook import: another tool's codebook or dictionary in — a REFI-QDA `.qdc` or the
//! codebook inside a `.qdpx` project, a LIWC `.dic`, a quanteda-style YAML dictionary, a CSV of
//! `code,term` — and the text of a `codebook.toml` out, plus notes on everything that could not
//! be carried over.
//!
//! A REFI-QDA codebook has names, descriptions and a hierarchy but no rules, so what comes out
//! is a skeleton whose rules are left to write. Dictionaries bring terms: glob patterns become
//! qualcode terms where they mean the same (`word*`, `or*anise`), and regexes where they do not
//! (`?`, a leading `*`); a term that cannot be expressed is reported, never dropped silently.

use crate::escape;
use crate::exchange::refi::{self, read::Imported};
use std::collections::{BTreeMap, BTreeSet};

/// A code on its way into `codebook.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftCode {
    pub id: String,
    pub label: String,
    pub parent: Option<String>,
    pub definition: String,
    pub use_when: String,
    pub do_not_use_when: String,
    pub example: String,
    /// Terms in qualcode's syntax (whole words, `*` wildcards).
    pub terms: Vec<String>,
    /// Patterns only a regex can express.
    pub regexes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Where the codes came from, for the header comment.
    pub origin: String,
    pub codes: Vec<DraftCode>,
    /// What could not be carried over, one sentence each.
    pub notes: Vec<String>,
}

/// Code ids must be identifiers: names such as "First in command" become `first_in_command`.
pub fn identifier(name: &str) -> String {
    let mut id = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('_') {
            id.push('_');
        }
    }
    let id = id.trim_matches('_').to_string();
    if id.starts_with(|c: char| c.is_alphabetic()) {
        id
    } else {
        format!("code_{id}").trim_end_matches('_').to_string()
    }
}

/// `base`, or `base_2`, `base_3`, … whichever is not taken yet.
fn unique(base: String, taken: &mut BTreeSet<String>) -> String {
    let mut id = base.clone();
    let mut n = 1;
    while taken.contains(&id) {
        n += 1;
        id = format!("{base}_{n}");
    }
    taken.insert(id.clone());
    id
}

/// Turns REFI-QDA codes into draft codes. Descriptions written by qualcode's own export are
/// split back into definition, usage notes, example and id; any other description becomes the
/// definition as it is.
pub fn from_refi(imported: &Imported, origin: &str) -> Draft {
    let mut taken = BTreeSet::new();
    let mut codes: Vec<DraftCode> = Vec::new();
    let mut notes = imported.notes.clone();
    for code in &imported.codes {
        let mut draft = DraftCode {
            label: code.name.clone(),
            ..Default::default()
        };
        let mut definition = Vec::new();
        // The id line, wherever it is; the text around it (a QDA tool's user may have written
        // on below it) stays in the description.
        let mut marked_id = None;
        let description: Vec<&str> = code
            .description
            .lines()
            .filter(|line| match line.trim().strip_prefix(refi::ID_MARKER) {
                Some(id) if marked_id.is_none() => {
                    marked_id = Some(id.trim().to_string());
                    false
                }
                _ => true,
            })
            .collect();
        let description = description.join("\n");
        for part in description.split("\n\n").map(str::trim) {
            if let Some(rest) = part.strip_prefix("Use when: ") {
                draft.use_when = rest.to_string();
            } else if let Some(rest) = part.strip_prefix("Do not use when: ") {
                draft.do_not_use_when = rest.to_string();
            } else if let Some(rest) = part.strip_prefix("Example: ") {
                draft.example = rest.to_string();
            } else if !part.is_empty() {
                definition.push(part);
            }
        }
        draft.definition = definition.join("\n\n");
        let base = match marked_id {
            Some(id) if crate::codebook::is_identifier(&id) => id,
            Some(id) => {
                notes.push(format!(
                    "code {:?}: its line \"{}{id}\" names no identifier; the code is named after its label",
                    code.name,
                    refi::ID_MARKER
                ));
                identifier(&code.name)
            }
            None => identifier(&code.name),
        };
        draft.id = unique(base, &mut taken);
        draft.parent = code.parent.map(|p| codes[p].id.clone());
        codes.push(draft);
    }
    Draft {
        origin: origin.to_string(),
        codes,
        notes,
    }
}

/// The draft as `codebook.toml` text. Codes without rules get a commented rule to fill in;
/// the file is valid as it is (such codes only produce a warning until they have rules).
/// Every text from the source goes through [`escape::toml_string`] or, in a comment,
/// [`escape::toml_comment`]: a name with line breaks stays a name.
pub fn to_toml(draft: &Draft) -> String {
    let quoted = escape::toml_string;
    let mut out = String::new();
    out.push_str(&format!(
        "# Imported from {} by qualcode {}.\n",
        escape::toml_comment(&draft.origin),
        env!("CARGO_PKG_VERSION")
    ));
    if draft
        .codes
        .iter()
        .all(|c| c.terms.is_empty() && c.regexes.is_empty())
    {
        out.push_str(
            "# Rules are not part of the source format: every code below needs [[codes.rules]]\n\
             # (terms or a regex) before qualcode can apply it. `qualcode run` warns about codes\n\
             # without rules.\n",
        );
    } else {
        out.push_str(
            "# The terms come from the dictionary. Check what they catch with `qualcode check`\n\
             # and `qualcode kwic <code>` before trusting the counts.\n",
        );
    }
    for note in &draft.notes {
        out.push_str(&format!("# Not imported: {}\n", escape::toml_comment(note)));
    }
    out.push_str(&format!("\n[codebook]\nname = {}\n", quoted(&draft.origin)));
    for code in &draft.codes {
        out.push_str(&format!("\n[[codes]]\nid = {}\n", quoted(&code.id)));
        if code.label != code.id {
            out.push_str(&format!("label = {}\n", quoted(&code.label)));
        }
        if let Some(parent) = &code.parent {
            out.push_str(&format!("parent = {}\n", quoted(parent)));
        }
        for (key, value) in [
            ("definition", &code.definition),
            ("use_when", &code.use_when),
            ("do_not_use_when", &code.do_not_use_when),
            ("example", &code.example),
        ] {
            if !value.is_empty() {
                out.push_str(&format!("{key} = {}\n", quoted(value)));
            }
        }
        if !code.terms.is_empty() {
            let terms: Vec<String> = code.terms.iter().map(|t| quoted(t)).collect();
            out.push_str(&format!(
                "[[codes.rules]]\nterms = [{}]\n",
                terms.join(", ")
            ));
        }
        for regex in &code.regexes {
            out.push_str(&format!("[[codes.rules]]\nregex = {}\n", quoted(regex)));
        }
        if code.terms.is_empty() && code.regexes.is_empty() {
            out.push_str("# [[codes.rules]]\n# terms = [\"...\"]\n");
        }
    }
    out
}

/// A dictionary pattern (`*` any letters, `?` one letter) as a qualcode term, or a regex when
/// terms cannot say it; `Err` with the reason when neither can.
pub fn glob_pattern(pattern: &str) -> Result<Glob, String> {
    let pattern = pattern.split_whitespace().collect::<Vec<_>>().join(" ");
    if pattern.is_empty() {
        return Err("an empty pattern".into());
    }
    if !pattern.contains('?') && !pattern.starts_with('*') {
        return crate::codebook::compile_term(&pattern, false).map(|_| Glob::Term(pattern.clone()));
    }
    let mut regex = String::from(r"\b");
    for c in pattern.chars() {
        match c {
            '*' => regex.push_str(r"\w*"),
            '?' => regex.push_str(r"\w"),
            ' ' => regex.push_str(r"\s+"),
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
    }
    regex.push_str(r"\b");
    if !pattern.chars().any(char::is_alphanumeric) {
        return Err("it has no letters, so as a regex it would match almost anywhere".into());
    }
    Ok(Glob::Regex(regex))
}

/// What a dictionary pattern becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Glob {
    Term(String),
    Regex(String),
}

/// Adds a dictionary pattern to a code, noting it when it cannot be expressed.
fn add_pattern(code: &mut DraftCode, pattern: &str, notes: &mut Vec<String>) {
    match glob_pattern(pattern) {
        Ok(Glob::Term(t)) => {
            if !code.terms.contains(&t) {
                code.terms.push(t);
            }
        }
        Ok(Glob::Regex(r)) => {
            if !code.regexes.contains(&r) {
                code.regexes.push(r);
            }
        }
        Err(reason) => notes.push(format!("pattern {pattern:?} of {}: {reason}", code.label)),
    }
}

/// A new draft code named `name`, with an id unique among `taken`.
fn draft_code(name: &str, parent: Option<String>, taken: &mut BTreeSet<String>) -> DraftCode {
    DraftCode {
        id: unique(identifier(name), taken),
        label: name.trim().to_string(),
        parent,
        ..Default::default()
    }
}

/// A LIWC dictionary: categories between the first two `%` lines (`1<TAB>posemo`), then one
/// line per entry, `term<TAB>category ids`. Conditional entries (`like<TAB>(02 134)125/464`)
/// cannot be expressed and are reported; the plain ids on the same line are kept.
pub fn from_liwc(text: &str, origin: &str) -> Result<Draft, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, l)) if l.trim() == "%" => {}
        _ => return Err("a LIWC dictionary starts with a line holding only `%`".into()),
    }
    let mut taken = BTreeSet::new();
    let mut codes: Vec<DraftCode> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut numbered: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut header_closed = false;
    for (n, line) in lines.by_ref() {
        let line = line.trim();
        if line == "%" {
            header_closed = true;
            break;
        }
        let mut fields = line.split_whitespace();
        let (Some(id), Some(name)) = (fields.next(), fields.next()) else {
            return Err(format!(
                "line {}: a category is `number<TAB>name`, not {line:?}",
                n + 1
            ));
        };
        // Two names for one number: which of them the entries mean cannot be told.
        if let Some((first, first_line)) =
            numbered.insert(id.to_string(), (name.to_string(), n + 1))
        {
            return Err(format!(
                "line {}: category {id} is defined twice, as {first:?} (line {first_line}) and as {name:?}: the entries that refer to {id} cannot be given to either; number the categories apart",
                n + 1
            ));
        }
        by_id.insert(id.to_string(), codes.len());
        codes.push(draft_code(name, None, &mut taken));
    }
    if !header_closed {
        return Err("the category list is not closed by a second `%` line".into());
    }
    for (n, line) in lines {
        // Terms may hold spaces when the file is tab-separated.
        let (term, rest) = match line.split_once('\t') {
            Some((term, rest)) => (term.trim(), rest),
            None => line.trim().split_once(' ').unwrap_or((line.trim(), "")),
        };
        // Conditional categories, `(02 134)125/464`: which category depends on the word
        // before, which qualcode rules cannot look at.
        let mut plain = String::new();
        let mut rest = rest;
        while let Some(open) = rest.find('(') {
            plain.push_str(&rest[..open]);
            let group = &rest[open..];
            let close = group.find(')').map_or(group.len(), |i| i + 1);
            let end = close
                + group[close..]
                    .find(char::is_whitespace)
                    .unwrap_or(group.len() - close);
            notes.push(format!(
                "line {}: {term:?} has a conditional category {}, which qualcode cannot express",
                n + 1,
                &group[..end]
            ));
            rest = &group[end..];
        }
        plain.push_str(rest);
        for field in plain.split_whitespace() {
            match by_id.get(field) {
                Some(&c) => add_pattern(&mut codes[c], term, &mut notes),
                None => notes.push(format!(
                    "line {}: {term:?} refers to category {field}, which the header does not define",
                    n + 1
                )),
            }
        }
    }
    Ok(Draft {
        origin: origin.to_string(),
        codes,
        notes,
    })
}

/// A YAML dictionary may have at most this many entries (keys, patterns, lists) once its
/// aliases are expanded. A LIWC-sized dictionary has tens of thousands; an alias bomb of a
/// few hundred bytes (each alias naming a list of the one before, ten times over) has
/// billions, which the loader would copy out one by one until memory runs out.
pub const MAX_YAML_ENTRIES: u64 = 1_000_000;

/// YAML nested deeper than this (codes within codes) is refused: no codebook has such a
/// hierarchy, and reading it is recursive.
pub const MAX_YAML_DEPTH: usize = 100;

/// Counts the entries of a YAML text with its aliases expanded, and its depth, from the
/// parser's events (nothing is built): `Err` with the reason when either is over its limit.
fn yaml_within_limits(text: &str) -> Result<(), String> {
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::Marker;
    #[derive(Default)]
    struct Sizes {
        /// The entries of each anchored node by anchor id, as expanded.
        anchored: BTreeMap<usize, u64>,
        /// The collections open around the current event: anchor and entries so far.
        open: Vec<(usize, u64)>,
        total: u64,
        problem: Option<String>,
    }
    impl Sizes {
        fn node(&mut self, anchor: usize, size: u64) {
            if anchor > 0 {
                self.anchored.insert(anchor, size);
            }
            let sum = match self.open.last_mut() {
                Some((_, entries)) => entries,
                None => &mut self.total,
            };
            *sum = sum.saturating_add(size);
            if *sum > MAX_YAML_ENTRIES && self.problem.is_none() {
                self.problem = Some(format!(
                    "its aliases (*name) expand it to more than {MAX_YAML_ENTRIES} entries, which no dictionary has (an alias bomb?): not read"
                ));
            }
        }
    }
    impl MarkedEventReceiver for Sizes {
        fn on_event(&mut self, event: Event, mark: Marker) {
            if self.problem.is_some() {
                return;
            }
            match event {
                Event::Scalar(_, _, anchor, _) => self.node(anchor, 1),
                Event::Alias(anchor) => {
                    let size = self.anchored.get(&anchor).copied().unwrap_or(1);
                    self.node(0, size);
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    self.open.push((anchor, 1));
                    if self.open.len() > MAX_YAML_DEPTH {
                        self.problem = Some(format!(
                            "line {}: nested deeper than {MAX_YAML_DEPTH} levels, which no dictionary is: not read",
                            mark.line()
                        ));
                    }
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some((anchor, size)) = self.open.pop() {
                        self.node(anchor, size);
                    }
                }
                _ => {}
            }
        }
    }
    let mut sizes = Sizes::default();
    Parser::new_from_str(text)
        .load(&mut sizes, true)
        .map_err(|e| yaml_error(&e))?;
    sizes.problem.map_or(Ok(()), Err)
}

fn yaml_error(e: &yaml_rust2::ScanError) -> String {
    format!(
        "line {}, column {}: {}",
        e.marker().line(),
        e.marker().col() + 1,
        e.info()
    )
}

/// A quanteda-style YAML dictionary: each key a code; a list of patterns under it, or a
/// mapping of child codes (nested up to [`MAX_YAML_DEPTH`]). Its aliases are expanded up to
/// [`MAX_YAML_ENTRIES`] entries.
pub fn from_yaml(text: &str, origin: &str) -> Result<Draft, String> {
    use yaml_rust2::{Yaml, YamlLoader};
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    yaml_within_limits(text)?;
    let docs = YamlLoader::load_from_str(text).map_err(|e| yaml_error(&e))?;
    let Some(Yaml::Hash(root)) = docs.into_iter().next() else {
        return Err(
            "a YAML dictionary is a mapping of codes to patterns (or to child codes)".into(),
        );
    };
    fn scalar(y: &Yaml) -> Option<String> {
        match y {
            Yaml::String(s) => Some(s.clone()),
            Yaml::Integer(i) => Some(i.to_string()),
            Yaml::Real(r) => Some(r.clone()),
            Yaml::Boolean(b) => Some(b.to_string()),
            _ => None,
        }
    }
    fn walk(
        map: &yaml_rust2::yaml::Hash,
        parent: Option<String>,
        draft: &mut Draft,
        taken: &mut BTreeSet<String>,
    ) {
        for (key, value) in map {
            let Some(name) = scalar(key) else {
                draft
                    .notes
                    .push("a key that is not text was skipped".into());
                continue;
            };
            let mut code = draft_code(&name, parent.clone(), taken);
            let id = code.id.clone();
            match value {
                Yaml::Array(items) => {
                    for item in items {
                        match scalar(item) {
                            Some(p) => add_pattern(&mut code, &p, &mut draft.notes),
                            None => draft.notes.push(format!(
                                "{name}: an entry that is not a pattern was skipped"
                            )),
                        }
                    }
                    draft.codes.push(code);
                }
                Yaml::Hash(children) => {
                    draft.codes.push(code);
                    walk(children, Some(id), draft, taken);
                }
                other => match scalar(other) {
                    Some(p) => {
                        add_pattern(&mut code, &p, &mut draft.notes);
                        draft.codes.push(code);
                    }
                    None => {
                        draft.notes.push(format!("{name} has no patterns"));
                        draft.codes.push(code);
                    }
                },
            }
        }
    }
    let mut draft = Draft {
        origin: origin.to_string(),
        ..Default::default()
    };
    walk(&root, None, &mut draft, &mut BTreeSet::new());
    Ok(draft)
}

/// A CSV with the columns `code` and `term` (other columns are ignored), one row per term;
/// codes in order of first appearance.
pub fn from_csv(text: &str, origin: &str) -> Result<Draft, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header: {e}"))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(code_col), Some(term_col)) = (column("code"), column("term")) else {
        return Err(format!(
            "the header must name the columns `code` and `term` (found {})",
            header.join(", ")
        ));
    };
    let mut taken = BTreeSet::new();
    let mut draft = Draft {
        origin: origin.to_string(),
        ..Default::default()
    };
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("line {}: {e}", n + 2))?;
        let name = record.get(code_col).unwrap_or("").trim().to_string();
        let term = record.get(term_col).unwrap_or("").trim().to_string();
        if name.is_empty() {
            draft.notes.push(format!(
                "line {}: no code, so term {term:?} was skipped",
                n + 2
            ));
            continue;
        }
        let c = *index.entry(name.clone()).or_insert_with(|| {
            draft.codes.push(draft_code(&name, None, &mut taken));
            draft.codes.len() - 1
        });
        if term.is_empty() {
            draft
                .notes
                .push(format!("line {}: {name} has an empty term", n + 2));
        } else {
            add_pattern(&mut draft.codes[c], &term, &mut draft.notes);
        }
    }
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::refi::read::ImportedCode;

    fn code(name: &str, description: &str, parent: Option<usize>) -> ImportedCode {
        ImportedCode {
            guid: name.to_string(),
            name: name.to_string(),
            description: description.to_string(),
            color: None,
            parent,
        }
    }

    fn codebook_of(draft: &Draft) -> crate::codebook::Codebook {
        let text = to_toml(draft);
        crate::codebook::parse(&text).unwrap_or_else(|p| panic!("{p:?}\n{text}"))
    }

    #[test]
    fn glob_patterns_become_terms_or_regexes() {
        assert_eq!(glob_pattern("trust*"), Ok(Glob::Term("trust*".into())));
        assert_eq!(
            glob_pattern("organi*ation"),
            Ok(Glob::Term("organi*ation".into()))
        );
        assert_eq!(
            glob_pattern("mutual   trust"),
            Ok(Glob::Term("mutual trust".into()))
        );
        assert_eq!(
            glob_pattern("*trust"),
            Ok(Glob::Regex(r"\b\w*trust\b".into()))
        );
        assert_eq!(
            glob_pattern("organi?e"),
            Ok(Glob::Regex(r"\borgani\we\b".into()))
        );
        assert!(glob_pattern(":-?").is_err());
        assert!(glob_pattern("  ").is_err());
    }

    #[test]
    fn liwc_categories_become_codes_with_their_terms() {
        let dic = "%\n1\tposemo\n2\tnegemo\n3\tsocial\n%\nhappy*\t1\nsad\t2\nfriend*\t1\t3\n\
                   kind of\t3\nlike\t(02 134)125/464\t3\n?ok\t1\nweird\t9\n";
        let draft = from_liwc(dic, "x.dic").expect("reads");
        let cb = codebook_of(&draft);
        let summary: Vec<(&str, Vec<&str>)> = cb
            .codes
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.rules
                        .iter()
                        .flat_map(|r| r.patterns.iter().map(|p| p.source.as_str()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("posemo", vec!["happy*", "friend*", r"\b\wok\b"]),
                ("negemo", vec!["sad"]),
                ("social", vec!["friend*", "kind of", "like"]),
            ]
        );
        assert_eq!(draft.notes.len(), 2, "{:?}", draft.notes);
        assert!(draft.notes[0].contains("\"like\" has a conditional category (02 134)125/464"));
        assert!(draft.notes[1].contains("category 9"));
        assert!(from_liwc("happy\t1\n", "x").is_err());
        assert!(from_liwc("%\n1\tposemo\nhappy\t1\n", "x").is_err());
    }

    #[test]
    fn yaml_dictionaries_nest_and_csv_lists_terms() {
        let yaml = "strategy:\n  fic:\n    - yibashou\n    - first in command\n  localisation: [bentuhua, \"local*\"]\ntrust:\n  - trust*\n  - \"*trust\"\n";
        let draft = from_yaml(yaml, "d.yml").expect("reads");
        let cb = codebook_of(&draft);
        let ids: Vec<(&str, Option<usize>)> =
            cb.codes.iter().map(|c| (c.id.as_str(), c.parent)).collect();
        assert_eq!(
            ids,
            [
                ("strategy", None),
                ("fic", Some(0)),
                ("localisation", Some(0)),
                ("trust", None)
            ]
        );
        assert_eq!(cb.codes[3].rules.len(), 2, "a term rule and a regex rule");
        assert!(from_yaml("- a\n- b\n", "d.yml").is_err());
        assert!(from_yaml("a: [b\n", "d.yml")
            .unwrap_err()
            .starts_with("line "));

        let csv = "code,term,note\nTrust,trust*,\nTrust,confidence,\nFirst in command,yibashou,\n,orphan,\n";
        let draft = from_csv(csv, "t.csv").expect("reads");
        let cb = codebook_of(&draft);
        let ids: Vec<(&str, &str, usize)> = cb
            .codes
            .iter()
            .map(|c| (c.id.as_str(), c.label.as_str(), c.rules[0].patterns.len()))
            .collect();
        assert_eq!(
            ids,
            [
                ("trust", "Trust", 2),
                ("first_in_command", "First in command", 1)
            ]
        );
        assert_eq!(
            draft.notes,
            ["line 5: no code, so term \"orphan\" was skipped"]
        );
        assert!(from_csv("tag,description\n", "t.csv").is_err());
    }

    #[test]
    fn a_name_with_line_breaks_stays_a_name_and_a_comment_stays_a_comment() {
        // A code without patterns is noted in a `# Not imported:` comment, name and all.
        let yaml = r#""evil\n[[codes]]\nid = 'all'\n[[codes.rules]]\nregex = '\\w+'\n# ": ~
good: [trust]
"#;
        let draft = from_yaml(yaml, "x\n[[codes]]\nid = 'origin'.yml").expect("reads");
        assert!(
            draft.codes[0].label.contains("\n[[codes]]"),
            "{:?}",
            draft.codes
        );
        let cb = codebook_of(&draft);
        let ids: Vec<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["evil_codes_id_all_codes_rules_regex_w", "good"]);
        assert_eq!(cb.codes[0].label, draft.codes[0].label);
        assert!(cb.codes[0].rules.is_empty());
        let text = to_toml(&draft);
        assert!(
            text.contains("# Not imported: evil\\n[[codes]]\\nid = 'all'"),
            "{text}"
        );
    }

    #[test]
    fn yaml_alias_bombs_and_deep_nesting_are_refused_before_they_are_built() {
        // Nine levels of ten aliases each: a billion entries from 400 bytes.
        let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (name, before) in "bcdefghij".chars().zip("abcdefghi".chars()) {
            let aliases = vec![format!("*{before}"); 10].join(",");
            bomb.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        }
        assert!(bomb.len() < 600, "{}", bomb.len());
        let started = std::time::Instant::now();
        let err = from_yaml(&bomb, "bomb.yml").expect_err("refused");
        assert!(err.contains("alias bomb"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Aliases within reason are read as before.
        let shared = "common: &common [trust, confidence]\ntrust: *common\nfaith: [belief]\n";
        let draft = from_yaml(shared, "s.yml").expect("reads");
        assert_eq!(draft.codes.len(), 3);
        assert_eq!(draft.codes[1].terms, ["trust", "confidence"]);
        // Flow nesting past the limit (the loader and the walk over it recurse).
        let deep = format!("{}x{}", "{a: ".repeat(150), "}".repeat(150));
        let err = from_yaml(&deep, "deep.yml").expect_err("refused");
        assert!(err.contains("nested deeper than 100"), "{err}");
    }

    #[test]
    fn names_become_unique_identifiers() {
        assert_eq!(
            identifier(" First-in-Command (FIC) "),
            "first_in_command_fic"
        );
        assert_eq!(identifier("信任 trust"), "信任_trust");
        assert_eq!(identifier("2nd wave"), "code_2nd_wave");
        assert_eq!(identifier("!!!"), "code");
        let imported = Imported {
            codes: vec![code("Trust", "", None), code("trust", "", None)],
            ..Default::default()
        };
        let ids: Vec<String> = from_refi(&imported, "x")
            .codes
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, vec!["trust", "trust_2"]);
    }

    #[test]
    fn text_below_the_id_line_of_a_description_is_kept() {
        let imported = Imported {
            codes: vec![
                code(
                    "Trust",
                    "Confidence in the other side.\n\nqualcode id: trust\nAdded in NVivo: reliance counts too.\r\nAnd so does faith.",
                    None,
                ),
                code("Odd", "Odd.\n\nqualcode id: not an id", None),
            ],
            ..Default::default()
        };
        let draft = from_refi(&imported, "tool.qdc");
        assert_eq!(draft.codes[0].id, "trust");
        assert_eq!(
            draft.codes[0].definition,
            "Confidence in the other side.\n\nAdded in NVivo: reliance counts too.\nAnd so does faith."
        );
        assert_eq!(draft.codes[1].id, "odd");
        assert_eq!(draft.codes[1].definition, "Odd.");
        assert!(
            draft.notes[0].contains("\"qualcode id: not an id\" names no identifier"),
            "{:?}",
            draft.notes
        );
    }

    #[test]
    fn a_liwc_category_number_given_twice_is_refused() {
        let dic = "%\n1\tposemo\n2\tnegemo\n1\ttrust\n%\nhappy\t1\nsad\t2\n";
        let err = from_liwc(dic, "x.dic").expect_err("refused");
        assert!(
            err.contains(
                "line 4: category 1 is defined twice, as \"posemo\" (line 2) and as \"trust\""
            ),
            "{err}"
        );
    }

    #[test]
    fn skeleton_is_a_valid_codebook_with_the_hierarchy() {
        let imported = Imported {
            codes: vec![
                code("Strategy", "Ways \"and\" means.", None),
                code(
                    "First in command",
                    "Engaging the yibashou.\n\nUse when: a leader decides.\n\nExample: the party secretary\n\nqualcode id: fic_strategy",
                    Some(0),
                ),
            ],
            notes: vec!["a source was skipped".into()],
            ..Default::default()
        };
        let text = to_toml(&from_refi(&imported, "tool.qdc"));
        let cb = crate::codebook::parse(&text).unwrap_or_else(|p| panic!("{p:?}\n{text}"));
        assert_eq!(cb.codes[1].id, "fic_strategy");
        assert_eq!(cb.codes[1].label, "First in command");
        assert_eq!(cb.codes[1].parent, Some(0));
        assert_eq!(cb.codes[1].definition, "Engaging the yibashou.");
        assert_eq!(cb.codes[1].use_when, "a leader decides.");
        assert_eq!(cb.codes[1].example, "the party secretary");
        assert_eq!(cb.codes[0].definition, "Ways \"and\" means.");
        // Only the leaf lacks rules worth a warning; the parent collects its child.
        assert_eq!(cb.warnings.len(), 1, "{:?}", cb.warnings);
        assert!(text.contains("# Not imported: a source was skipped"));
    }
}
