//! REFI-QDA import: the bytes of a `.qdc` codebook or a `.qdpx` project in, plain codes
//! (with hierarchy and descriptions) and text sources with their coded selections out.
//!
//! Real exports deviate from the schema, so reading is lenient where it costs nothing: a
//! byte-order mark before `<?xml`, GUIDs in braces or upper case, elements the schema does not
//! know (Taguette's empty `<Sets/>`), and missing optional attributes are accepted. What cannot
//! be used — a selection pointing at an unknown code, a source kept outside the project — is
//! listed in `notes`, never dropped silently.

/// A code as found in the codebook, in document order (parents before their children).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCode {
    /// Normalised: lower case, no braces.
    pub guid: String,
    pub name: String,
    pub description: String,
    pub color: Option<String>,
    /// Index of the enclosing code.
    pub parent: Option<usize>,
}

/// A coded stretch of a source: character positions in the stored plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSelection {
    pub start: usize,
    pub end: usize,
    /// Indexes into the project's codes.
    pub codes: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct ImportedSource {
    pub name: String,
    /// The stored plain text the positions count in (a leading BOM removed).
    pub text: String,
    pub selections: Vec<ImportedSelection>,
}

#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub codes: Vec<ImportedCode>,
    pub sources: Vec<ImportedSource>,
    /// What was found but could not be used, one sentence each.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a zip archive, or a part that cannot be unpacked or would unpack to more than the
    /// archive may (see `read::zipped`).
    #[error("{0}")]
    Archive(String),
    #[error("the archive has no project.qde")]
    NoProject,
    #[error("{0} is not UTF-8 text")]
    NotUtf8(String),
    /// Not well-formed, a DTD, or nested or sized past the limits of `read::xml`.
    #[error("{0}")]
    Xml(String),
    #[error("the root element is <{0}>, expected <CodeBook> or <Project>")]
    NotRefi(String),
}

/// Lower case without braces, so `{ABC-…}` and `abc-…` name the same object.
pub fn normalise_guid(guid: &str) -> String {
    guid.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

fn text_of(mut bytes: Vec<u8>, what: &str) -> Result<String, ReadError> {
    if bytes.starts_with("\u{feff}".as_bytes()) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8(what.into()))
}

/// Parses REFI-QDA XML within the limits every XML file from elsewhere is read with.
fn parse<'a>(xml: &'a str, what: &str) -> Result<roxmltree::Document<'a>, ReadError> {
    crate::read::xml::parse(xml, what).map_err(ReadError::Xml)
}

/// Reads the codes of a `.qdc` file or of a `project.qde` (its sources are ignored).
pub fn codebook(bytes: &[u8]) -> Result<Imported, ReadError> {
    let xml = text_of(bytes.to_vec(), "the codebook")?;
    let doc = parse(&xml, "the codebook")?;
    let mut imported = Imported::default();
    read_codes(&doc, &mut imported)?;
    Ok(imported)
}

/// Reads a `.qdpx` project: codes, sources with their stored text, and selections. What its
/// parts may unpack to is capped as for any archive (`read::zipped`).
pub fn project(bytes: &[u8]) -> Result<Imported, ReadError> {
    let mut archive = crate::read::zipped::Archive::open(bytes, "REFI-QDA project")
        .map_err(ReadError::Archive)?;
    let mut entry = |name: &str| -> Result<Option<Vec<u8>>, ReadError> {
        archive.bytes(name).map_err(ReadError::Archive)
    };
    let qde = entry("project.qde")?.ok_or(ReadError::NoProject)?;
    let xml = text_of(qde, "project.qde")?;
    let doc = parse(&xml, "project.qde")?;
    let mut imported = Imported::default();
    read_codes(&doc, &mut imported)?;
    let by_guid: std::collections::BTreeMap<String, usize> = imported
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.guid.clone(), i))
        .collect();
    for node in doc.descendants().filter(|n| n.has_tag_name("TextSource")) {
        let name = node
            .attribute("name")
            .or(node.attribute("guid"))
            .unwrap_or("(unnamed)")
            .to_string();
        let inline = node
            .children()
            .find(|n| n.has_tag_name("PlainTextContent"))
            .map(|n| n.text().unwrap_or("").to_string());
        let text = match (inline, node.attribute("plainTextPath")) {
            (Some(text), _) => text,
            (None, Some(path)) => match path.strip_prefix("internal://") {
                Some(file) => match entry(&format!("sources/{file}"))? {
                    Some(bytes) => text_of(bytes, &format!("sources/{file}"))?,
                    None => {
                        imported.notes.push(format!(
                            "source {name:?}: sources/{file} is missing from the archive; its selections were not read"
                        ));
                        continue;
                    }
                },
                None => {
                    imported.notes.push(format!(
                        "source {name:?} is stored outside the project ({path}); its selections were not read"
                    ));
                    continue;
                }
            },
            (None, None) => {
                imported.notes.push(format!(
                    "source {name:?} has neither plainTextPath nor PlainTextContent; its selections were not read"
                ));
                continue;
            }
        };
        let mut selections = Vec::new();
        for sel in node
            .descendants()
            .filter(|n| n.has_tag_name("PlainTextSelection"))
        {
            let position = |attr: &str| sel.attribute(attr).and_then(|v| v.trim().parse().ok());
            let (Some(start), Some(end)) = (position("startPosition"), position("endPosition"))
            else {
                imported.notes.push(format!(
                    "source {name:?}: a selection without valid startPosition/endPosition was not read"
                ));
                continue;
            };
            let mut codes = Vec::new();
            for code_ref in sel.descendants().filter(|n| n.has_tag_name("CodeRef")) {
                let target = normalise_guid(code_ref.attribute("targetGUID").unwrap_or(""));
                match by_guid.get(&target) {
                    Some(&code) => codes.push(code),
                    None => imported.notes.push(format!(
                        "source {name:?}: a coding at {start}-{end} refers to code {target:?}, which the codebook does not define"
                    )),
                }
            }
            codes.sort_unstable();
            codes.dedup();
            selections.push(ImportedSelection { start, end, codes });
        }
        imported.sources.push(ImportedSource {
            name,
            text,
            selections,
        });
    }
    Ok(imported)
}

/// Element names are matched by local name whatever their namespace: files differ in how they
/// declare it.
fn read_codes(doc: &roxmltree::Document, imported: &mut Imported) -> Result<(), ReadError> {
    let root = doc.root_element();
    let root_name = root.tag_name().name();
    if root_name != "CodeBook" && root_name != "Project" {
        return Err(ReadError::NotRefi(root_name.to_string()));
    }
    let Some(codes) = root.descendants().find(|n| n.has_tag_name("Codes")) else {
        imported.notes.push("the file defines no codes".to_string());
        return Ok(());
    };
    for code in codes.children().filter(|n| n.has_tag_name("Code")) {
        read_code(code, None, imported);
    }
    Ok(())
}

fn read_code(node: roxmltree::Node, parent: Option<usize>, imported: &mut Imported) {
    let index = imported.codes.len();
    let guid = normalise_guid(node.attribute("guid").unwrap_or(""));
    if guid.is_empty() {
        imported.notes.push(format!(
            "code {:?} has no guid, so no coding can refer to it",
            node.attribute("name").unwrap_or("")
        ));
    }
    let name = match node.attribute("name").map(str::trim) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => {
            let name = format!("code {}", index + 1);
            imported
                .notes
                .push(format!("a code without a name was named {name:?}"));
            name
        }
    };
    let description = node
        .children()
        .find(|n| n.has_tag_name("Description"))
        .and_then(|n| n.text())
        .unwrap_or("")
        .trim()
        .to_string();
    imported.codes.push(ImportedCode {
        guid,
        name,
        description,
        color: node.attribute("color").map(str::to_string),
        parent,
    });
    for child in node.children().filter(|n| n.has_tag_name("Code")) {
        read_code(child, Some(index), imported);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_codebook_reading() {
        // BOM, braces, upper case, a schema-foreign <Sets/>, a nested code, an unnamed one.
        let qdc = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
            <CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"x\"><Codes>\
            <Code guid=\"{AB-CD}\" name=\"Strategy\" isCodable=\"true\">\
            <Description>Ways &amp; means</Description>\
            <Code guid=\"EF\" name=\" First in command \" isCodable=\"true\" color=\"#112233\"/></Code>\
            <Code guid=\"01\" isCodable=\"true\"/></Codes><Sets/></CodeBook>";
        let imported = codebook(qdc.as_bytes()).expect("reads");
        let summary: Vec<(&str, &str, Option<usize>)> = imported
            .codes
            .iter()
            .map(|c| (c.guid.as_str(), c.name.as_str(), c.parent))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("ab-cd", "Strategy", None),
                ("ef", "First in command", Some(0)),
                ("01", "code 3", None)
            ]
        );
        assert_eq!(imported.codes[0].description, "Ways & means");
        assert_eq!(imported.codes[1].color.as_deref(), Some("#112233"));
        assert_eq!(imported.notes.len(), 1, "{:?}", imported.notes);
    }

    #[test]
    fn other_xml_is_refused() {
        let err = codebook(b"<html><body/></html>").expect_err("not REFI");
        assert!(err.to_string().contains("<html>"), "{err}");
        assert!(codebook(b"<CodeBook><Codes>").is_err());
    }
}
