//! XML from files (the parts of `.docx`, `.odt` and `.qdpx` archives, `.qdc` codebooks): text
//! in; its parsed tree out, or the reason it is refused — not well-formed, a DTD (entities are
//! how XML bombs and external-entity reads work), more elements than [`MAX_NODES`], or
//! elements nested deeper than [`MAX_DEPTH`] (the readers walk nesting by recursion, and
//! 10,000 levels in a 1.5 KB file overflowed the stack and killed the whole run).

use roxmltree::{Document, Node, ParsingOptions};

/// Elements nested deeper than this are refused. Real documents nest tens of levels (a
/// table in a table cell in a list); every reader is safe well past this on a 2 MB stack.
pub const MAX_DEPTH: usize = 256;

/// More nodes (elements, text, attributes' owners) than this are refused: about 300 MB of
/// parse tree, a Word document of some 100,000 paragraphs.
pub const MAX_NODES: u32 = 4_000_000;

/// Parses `xml` (named `name` in messages) within the limits above.
pub(crate) fn parse<'a>(xml: &'a str, name: &str) -> Result<Document<'a>, String> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..Default::default()
    };
    let document = Document::parse_with_options(xml, options).map_err(|err| match err {
        roxmltree::Error::NodesLimitReached => {
            format!("{name} has more than {MAX_NODES} XML nodes, more than any document: not read")
        }
        err => format!("{name} is not well-formed XML: {err}"),
    })?;
    if let Some(line) = deeper_than(document.root(), MAX_DEPTH) {
        return Err(format!(
            "{name} nests elements more than {MAX_DEPTH} deep (line {line}), which no document does: not read"
        ));
    }
    Ok(document)
}

/// The line of the first element nested more than `max` deep under `root`, walked without
/// recursion.
fn deeper_than(root: Node, max: usize) -> Option<u32> {
    let mut stack = vec![(root, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > max {
            return Some(node.document().text_pos_at(node.range().start).row);
        }
        stack.extend(
            node.children()
                .filter(Node::is_element)
                .map(|child| (child, depth + 1)),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_and_dtds_are_refused_and_ordinary_xml_read() {
        let nested = |n: usize| format!("<r>{}x{}</r>", "<a>".repeat(n), "</a>".repeat(n));
        assert!(parse(&nested(MAX_DEPTH - 1), "ok.xml").is_ok());
        let err = parse(&nested(50_000), "deep.xml").expect_err("refused");
        assert_eq!(
            err,
            "deep.xml nests elements more than 256 deep (line 1), which no document does: not read"
        );
        let dtd = "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><r>&a;</r>";
        assert!(parse(dtd, "dtd.xml")
            .expect_err("refused")
            .contains("not well-formed"));
    }
}
