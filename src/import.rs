//! Codebook import: the codes of another tool's codebook in (a REFI-QDA `.qdc`, or the
//! codebook inside a `.qdpx` project), the text of a `codebook.toml` out, plus notes on
//! everything that could not be carried over.
//!
//! A REFI-QDA codebook has names, descriptions and a hierarchy but no rules, so what comes out
//! is a skeleton: every code is there with its definition, and its rules are left to write.

use crate::refi::{self, read::Imported};
use std::collections::BTreeSet;

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
    for code in &imported.codes {
        let mut draft = DraftCode {
            label: code.name.clone(),
            ..Default::default()
        };
        let mut definition = Vec::new();
        let mut marked_id = None;
        for part in code.description.split("\n\n").map(str::trim) {
            if let Some(rest) = part.strip_prefix("Use when: ") {
                draft.use_when = rest.to_string();
            } else if let Some(rest) = part.strip_prefix("Do not use when: ") {
                draft.do_not_use_when = rest.to_string();
            } else if let Some(rest) = part.strip_prefix("Example: ") {
                draft.example = rest.to_string();
            } else if let Some(rest) = part.strip_prefix(refi::ID_MARKER) {
                marked_id = Some(rest.trim().to_string());
            } else if !part.is_empty() {
                definition.push(part);
            }
        }
        draft.definition = definition.join("\n\n");
        let base = match marked_id {
            Some(id) if crate::codebook::is_identifier(&id) => id,
            _ => identifier(&code.name),
        };
        draft.id = unique(base, &mut taken);
        draft.parent = code.parent.map(|p| codes[p].id.clone());
        codes.push(draft);
    }
    Draft {
        origin: origin.to_string(),
        codes,
        notes: imported.notes.clone(),
    }
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The draft as `codebook.toml` text. Codes without rules get a commented rule to fill in;
/// the file is valid as it is (such codes only produce a warning until they have rules).
pub fn to_toml(draft: &Draft) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Imported from {} by qualcode {}.\n",
        draft.origin,
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str(
        "# Rules are not part of the source format: every code below needs [[codes.rules]]\n\
         # (terms or a regex) before qualcode can apply it. `qualcode run` warns about codes\n\
         # without rules.\n",
    );
    for note in &draft.notes {
        out.push_str(&format!("# Not imported: {note}\n"));
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
        out.push_str("# [[codes.rules]]\n# terms = [\"...\"]\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refi::read::ImportedCode;

    fn code(name: &str, description: &str, parent: Option<usize>) -> ImportedCode {
        ImportedCode {
            guid: name.to_string(),
            name: name.to_string(),
            description: description.to_string(),
            color: None,
            parent,
        }
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
