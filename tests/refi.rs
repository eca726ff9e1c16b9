//! REFI-QDA export: schema-valid XML, positions that point at the unit in the stored plain
//! text (non-ASCII, CRLF and BOM sources included), stable GUIDs, and a Taguette-readable CSV.

mod common;

use common::*;
use regex::Regex;
use std::io::Read;
use std::path::Path;
use std::process::Command;

struct Selection {
    source: String,
    name: String,
    start: usize,
    end: usize,
    codes: usize,
}

/// Unzips a `.qdpx`: the project XML and the stored sources by file name.
fn unzip(path: &Path) -> (String, Vec<(String, String)>) {
    let file = std::fs::File::open(path).expect("open qdpx");
    let mut archive = zip::ZipArchive::new(file).expect("zip");
    let mut qde = String::new();
    let mut sources = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("utf-8 entry");
        if name == "project.qde" {
            qde = text;
        } else {
            sources.push((name, text));
        }
    }
    (qde, sources)
}

/// The selections of a project, each with the source file it belongs to.
fn selections(qde: &str) -> Vec<Selection> {
    let source = Regex::new(r#"<TextSource guid="([^"]+)"[^>]*plainTextPath="internal://([^"]+)""#)
        .expect("re");
    let selection = Regex::new(
        r#"<PlainTextSelection [^>]*name="([^"]+)" startPosition="(\d+)" endPosition="(\d+)""#,
    )
    .expect("re");
    let mut out = Vec::new();
    for block in qde.split("</TextSource>") {
        let Some(s) = source.captures(block) else {
            continue;
        };
        for part in block.split("<PlainTextSelection ").skip(1) {
            let part = format!("<PlainTextSelection {part}");
            let c = selection.captures(&part).expect("selection attributes");
            out.push(Selection {
                source: format!("sources/{}", &s[2]),
                name: c[1].to_string(),
                start: c[2].parse().expect("start"),
                end: c[3].parse().expect("end"),
                codes: part.matches("<CodeRef ").count(),
            });
        }
    }
    out
}

fn export(format: &str, corpus: &Path, codebook: &Path, out: &Path) -> (i32, String) {
    invoke(&["export", format], corpus, codebook, out, &[])
}

/// Exports from the shipped corpus and codebook, which must succeed.
fn export_shipped(format: &str, out: &Path) {
    let (code, stderr) = export(
        format,
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        out,
    );
    assert_eq!(code, 0, "{stderr}");
}

fn chars(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

#[test]
fn project_of_the_shipped_corpus_is_valid_and_points_at_its_units() {
    let dir = tempfile::tempdir().expect("tempdir");
    let qdpx = dir.path().join("project.qdpx");
    export_shipped("qdpx", &qdpx);
    let (qde, sources) = unzip(&qdpx);
    assert_eq!(sources.len(), 5);
    assert!(qde.starts_with("<?xml") && qde.contains("xmlns=\"urn:QDA-XML:project:1.0\""));
    let qde_path = dir.path().join("project.qde");
    std::fs::write(&qde_path, &qde).expect("write qde");
    xmllint("Project.xsd", &qde_path);

    // Compare with the run's own tables: one selection per unit with codes, a coding per code.
    let out = default_run(&[]);
    let codings = table(out.path(), "codings");
    let units = codes_by_unit(&codings);
    // The coded units' selections; the uncoded turns of speakers are tested in
    // tests/transcripts.rs.
    let found: Vec<Selection> = selections(&qde)
        .into_iter()
        .filter(|s| !s.name.contains(" turn "))
        .collect();
    // A unit interrupted by a footnote block or a page number is exported in pieces around
    // it, each piece with the unit's codings: 8 such units in 001, all of two pieces.
    let parts = found.iter().filter(|s| s.name.contains(" (part ")).count();
    assert_eq!(parts, 16);
    let whole: Vec<&Selection> = found
        .iter()
        .filter(|s| !s.name.contains(" (part ") || s.name.ends_with("(part 1 of 2)"))
        .collect();
    assert_eq!(whole.len(), units.len());
    assert_eq!(
        whole.iter().map(|s| s.codes).sum::<usize>(),
        codings.height()
    );
    let segments = table(out.path(), "segments");
    let texts = strings(&segments, "text");
    // No selection holds a footnote's or a page number's text.
    let furniture: Vec<String> = strings(&segments, "text")
        .into_iter()
        .zip(strings(&segments, "kind"))
        .filter(|(t, k)| (k == "footnote" || k == "boilerplate") && t.chars().count() >= 2)
        .map(|(t, _)| t)
        .collect();
    for s in &found {
        let stored = &sources
            .iter()
            .find(|(n, _)| *n == s.source)
            .expect("source")
            .1;
        let slice = chars(stored, s.start, s.end)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for f in &furniture {
            assert!(!slice.contains(&format!(" {f} ")), "{} holds {f:?}", s.name);
        }
    }
    for s in found.iter().filter(|s| !s.name.contains(" (part ")) {
        let stored = &sources
            .iter()
            .find(|(name, _)| *name == s.source)
            .expect("source stored")
            .1;
        assert!(!stored.contains('\r') && !stored.starts_with('\u{feff}'));
        let slice = chars(stored, s.start, s.end);
        // The stored slice is the unit's source: its words, in order, are the unit's words.
        let words: Vec<&str> = slice
            .split([' ', '\n', '-'])
            .filter(|w| !w.is_empty())
            .collect();
        let unit = texts
            .iter()
            .find(|t| {
                t.starts_with(words[0]) && t.split([' ', '-']).next_back() == words.last().copied()
            })
            .unwrap_or_else(|| panic!("no unit matches selection {slice:?}"));
        assert!(slice.starts_with(unit.split(' ').next().unwrap_or_default()));
    }
}

#[test]
fn positions_are_characters_of_lf_text_for_bom_crlf_and_non_ascii_sources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    let first = "The “First-in-Command” (一把手) — the yibashou — decides.";
    let second = "Trust between the NGO and the 街道 office grew — slowly.";
    std::fs::write(
        corpus.join("bom_crlf.txt"),
        format!("\u{feff}{first}\r\n\r\n{second}\r\n"),
    )
    .expect("write");
    std::fs::write(
        corpus.join("plain.txt"),
        format!("Nothing here.\n\n{first}\n"),
    )
    .expect("write");
    let qdpx = dir.path().join("p.qdpx");
    let (code, stderr) = export("qdpx", &corpus, &repo().join("codebook.toml"), &qdpx);
    assert_eq!(code, 0, "{stderr}");
    let (qde, sources) = unzip(&qdpx);
    let found = selections(&qde);
    assert_eq!(
        found.len(),
        3,
        "two units in the CRLF file, one in the other"
    );
    let mut slices: Vec<String> = found
        .iter()
        .map(|s| {
            chars(
                &sources
                    .iter()
                    .find(|(n, _)| *n == s.source)
                    .expect("source")
                    .1,
                s.start,
                s.end,
            )
        })
        .collect();
    slices.sort();
    let mut expected = vec![first.to_string(), first.to_string(), second.to_string()];
    expected.sort();
    assert_eq!(slices, expected);
    // qualcode's own reader gives back exactly these selections, texts and codes.
    let read = qualcode::exchange::refi::read::project(&std::fs::read(&qdpx).expect("read"))
        .expect("parse");
    assert!(read.notes.is_empty(), "{:?}", read.notes);
    let mut read_slices: Vec<String> = read
        .sources
        .iter()
        .flat_map(|s| {
            s.selections
                .iter()
                .map(|sel| chars(&s.text, sel.start, sel.end))
        })
        .collect();
    read_slices.sort();
    assert_eq!(read_slices, slices);
    let mut codes: Vec<Vec<&str>> = read
        .sources
        .iter()
        .flat_map(|s| &s.selections)
        .map(|sel| {
            sel.codes
                .iter()
                .map(|&c| read.codes[c].name.as_str())
                .collect()
        })
        .collect();
    codes.sort();
    let fic = vec!["First-in-Command strategy"];
    assert_eq!(codes, [fic.clone(), fic, vec!["Trust"]]);
    let bom_source = sources
        .iter()
        .find(|(_, t)| t.contains(second))
        .expect("stored")
        .1
        .clone();
    assert_eq!(
        bom_source,
        format!("{first}\n\n{second}\n"),
        "stored without BOM, with LF"
    );
}

#[test]
fn guids_are_stable_across_exports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a.qdpx"), dir.path().join("b.qdpx"));
    for path in [&a, &b] {
        export_shipped("qdpx", path);
    }
    let times = Regex::new(r#"creationDateTime="[^"]+""#).expect("re");
    let (qa, qb) = (unzip(&a).0, unzip(&b).0);
    assert_eq!(times.replace_all(&qa, ""), times.replace_all(&qb, ""));
    assert!(qa.matches("guid=\"").count() > 100);
}

#[test]
fn codebook_exports_are_valid_qdc_and_taguette_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let qdc = dir.path().join("codebook.qdc");
    export_shipped("qdc", &qdc);
    let text = std::fs::read_to_string(&qdc).expect("qdc");
    assert!(text.contains("xmlns=\"urn:QDA-XML:codebook:1.0\""));
    for label in [
        "Trust",
        "Reciprocity",
        "First-in-Command strategy",
        "Localisation",
    ] {
        assert!(text.contains(&format!("name=\"{label}\"")), "{label}");
    }
    xmllint("Codebook.xsd", &qdc);

    let csv_path = dir.path().join("codebook.csv");
    export_shipped("codebook-csv", &csv_path);
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        ["tag", "description"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[2][1].starts_with("The 'First-in-Command' (FIC, yibashou) strategy"));

    // Taguette's own importer reads it, when Taguette is installed (CI installs it).
    let required = std::env::var("QUALCODE_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let script = "import sys\nfrom taguette.import_codebook import list_tags_csv\n\
        tags = list_tags_csv(open(sys.argv[1], 'rb'))\nprint('\\n'.join(t['path'] for t in tags))";
    match Command::new("python3")
        .args(["-c", script])
        .arg(&csv_path)
        .output()
    {
        Ok(out) if out.status.success() => {
            let names = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(String::from)
                .collect::<Vec<_>>();
            assert_eq!(
                names,
                [
                    "Trust",
                    "Reciprocity",
                    "First-in-Command strategy",
                    "Localisation"
                ]
            );
        }
        other => {
            assert!(!required, "Taguette's importer failed: {other:?}");
            eprintln!("skipped: Taguette not installed (pip install taguette)");
        }
    }
}

const NESTED: &str = r#"
[codebook]
name = "nested"

[[codes]]
id = "strategy"
label = "Collaboration strategy"
definition = "How a CSO gets the state to work with it."

[[codes]]
id = "fic_strategy"
label = "First-in-Command"
parent = "strategy"
definition = "Engaging the leading cadre (yibashou) & \"the person in charge\"."
use_when = "A leader's <personal> support decides."
do_not_use_when = "NGO leaders."
example = "the party secretary"
[[codes.rules]]
terms = ["yibashou"]

[[codes]]
id = "leader_rotation"
parent = "fic_strategy"
[[codes.rules]]
terms = ["rotates"]

[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust"]
"#;

fn import(file: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["codebook", "import", file.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    outcome(&args)
}

#[test]
fn nested_codebook_exports_valid_and_imports_back_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook_path = dir.path().join("nested.toml");
    std::fs::write(&codebook_path, NESTED).expect("write");
    let original = qualcode::codebook::parse(NESTED).expect("valid");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::write(corpus.join("a.txt"), "The yibashou rotates.\n\nTrust.\n").expect("write");
    for (format, file, schema) in [
        ("qdc", "c.qdc", "Codebook.xsd"),
        ("qdpx", "p.qdpx", "Project.xsd"),
    ] {
        let path = dir.path().join(file);
        let (code, stderr) = export(format, &corpus, &codebook_path, &path);
        assert_eq!(code, 0, "{stderr}");
        if format == "qdpx" {
            let qde = dir.path().join("project.qde");
            std::fs::write(&qde, unzip(&path).0).expect("write");
            xmllint(schema, &qde);
        } else {
            xmllint(schema, &path);
            let text = std::fs::read_to_string(&path).expect("qdc");
            // Children inside their parents.
            let order: Vec<usize> = [
                "\"Collaboration strategy\"",
                "\"First-in-Command\"",
                "\"leader_rotation\"",
                "</Code>\n</Code>\n</Code>",
                "\"trust\"",
            ]
            .iter()
            .map(|needle| {
                text.find(needle)
                    .unwrap_or_else(|| panic!("{needle} in {text}"))
            })
            .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        }
        // Import: every code, its parent, label and notes come back; rules do not exist there.
        let (code, skeleton, stderr) = import(&path, &[]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("imported 4 codes (2 nested)"), "{stderr}");
        let back =
            qualcode::codebook::parse(&skeleton).unwrap_or_else(|p| panic!("{p:?}\n{skeleton}"));
        assert_eq!(back.codes.len(), original.codes.len());
        for (a, b) in original.codes.iter().zip(&back.codes) {
            assert_eq!(
                (
                    &a.id,
                    &a.label,
                    a.parent,
                    &a.definition,
                    &a.use_when,
                    &a.do_not_use_when,
                    &a.example
                ),
                (
                    &b.id,
                    &b.label,
                    b.parent,
                    &b.definition,
                    &b.use_when,
                    &b.do_not_use_when,
                    &b.example
                ),
            );
            assert!(b.rules.is_empty());
        }
        // The leaves have no rules yet: the skeleton says so, and loading it warns.
        assert_eq!(back.warnings.len(), 2, "{:?}", back.warnings);
    }
}

#[test]
fn import_refuses_to_overwrite_and_unknown_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let qdc = dir.path().join("c.qdc");
    export_shipped("qdc", &qdc);
    let target = dir.path().join("codebook.toml");
    std::fs::write(&target, "# my work").expect("write");
    let (code, _, stderr) = import(&qdc, &["-o", target.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("exists: choose another file or add --force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "# my work");
    let (code, _, stderr) = import(&qdc, &["-o", target.to_str().expect("utf-8"), "--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(&target)
        .expect("read")
        .contains("id = \"fic_strategy\""));
    let (code, _, stderr) = import(&repo().join("README.md"), &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".qdc (REFI-QDA codebook), .qdpx (REFI-QDA project), .dic (LIWC)"),
        "{stderr}"
    );
}

#[test]
fn codebook_written_by_taguette_is_imported() {
    // Taguette's own REFI-QDA codebook export (upper-case GUIDs, an empty <Sets/>), when
    // Taguette is installed (CI installs it).
    let required = std::env::var("QUALCODE_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let dir = tempfile::tempdir().expect("tempdir");
    let qdc = dir.path().join("taguette.qdc");
    let script = "import sys\nfrom types import SimpleNamespace as Tag\n\
        from taguette.export import codebook_xml\n\
        tags = [Tag(path=p, description='') for p in ['trust', 'First in command', 'localisation/本土化']]\n\
        codebook_xml(tags, sys.argv[1])";
    match Command::new("python3")
        .args(["-c", script])
        .arg(&qdc)
        .output()
    {
        Ok(out) if out.status.success() => {}
        other => {
            assert!(!required, "Taguette's exporter failed: {other:?}");
            eprintln!("skipped: Taguette not installed (pip install taguette)");
            return;
        }
    }
    let written = std::fs::read_to_string(&qdc).expect("qdc");
    assert!(
        written.contains("<Sets") && written.contains("origin=\"Taguette"),
        "{written}"
    );
    let (code, skeleton, stderr) = import(&qdc, &[]);
    assert_eq!(code, 0, "{stderr}");
    let cb = qualcode::codebook::parse(&skeleton).unwrap_or_else(|p| panic!("{p:?}\n{skeleton}"));
    let codes: Vec<(&str, &str)> = cb
        .codes
        .iter()
        .map(|c| (c.id.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("trust", "trust"),
            ("first_in_command", "First in command"),
            ("localisation_本土化", "localisation/本土化")
        ]
    );
}

/// What colleagues' codebooks and dictionaries hide: text written below the id line of a
/// `.qdc` description, a LIWC category number given twice, two categories whose names look
/// alike (`trust`, `truѕt` with a Cyrillic ѕ).
#[test]
fn imports_keep_every_description_and_catch_ambiguous_categories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook_path = dir.path().join("nested.toml");
    std::fs::write(&codebook_path, NESTED).expect("write");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::write(corpus.join("a.txt"), "Trust.\n").expect("write");
    let qdc = dir.path().join("c.qdc");
    let (code, stderr) = export("qdc", &corpus, &codebook_path, &qdc);
    assert_eq!(code, 0, "{stderr}");
    // A colleague's note, typed in the QDA tool under the line qualcode wrote.
    let xml = std::fs::read_to_string(&qdc).expect("read");
    let edited = xml.replacen(
        "qualcode id: trust</Description>",
        "qualcode id: trust\nAdded by Ana: reliance counts too.</Description>",
        1,
    );
    assert_ne!(edited, xml, "the export writes the id line last");
    std::fs::write(&qdc, edited).expect("write");
    let (code, stdout, stderr) = import(&qdc, &[]);
    assert_eq!(code, 0, "{stderr}");
    let imported = qualcode::codebook::parse(&stdout).expect("valid");
    let trust = imported
        .codes
        .iter()
        .find(|c| c.id == "trust")
        .expect("trust");
    assert!(
        trust
            .definition
            .ends_with("Added by Ana: reliance counts too."),
        "{:?}",
        trust.definition
    );

    let dic = dir.path().join("twice.dic");
    std::fs::write(
        &dic,
        "%\n1\tposemo\n2\tnegemo\n1\ttrust\n%\nhappy\t1\nsad\t2\n",
    )
    .expect("write");
    let (code, _, stderr) = import(&dic, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("category 1 is defined twice"), "{stderr}");

    let dic = dir.path().join("alike.dic");
    std::fs::write(
        &dic,
        "%\n1\ttrust\n2\ttru\u{455}t\n%\ntrust*\t1\nfaith\t2\n",
    )
    .expect("write");
    let written = dir.path().join("alike.toml");
    let (code, _, stderr) = import(&dic, &["-o", written.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("looks like code id \"trust\"") && stderr.contains("U+0455"),
        "{stderr}"
    );
    let (code, stderr) = run(&corpus, &written, &dir.path().join("out"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("code id \"tru\u{455}t\" looks like code id \"trust\" (line"),
        "{stderr}"
    );
}
