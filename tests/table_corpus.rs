//! Table corpora (`--corpus FILE.csv|.tsv|.jsonl|.parquet`), document variables (a table's
//! other columns, `--metadata` for a folder), `--by` and `code_by_variable`, and shards.
//!
//! The fixture is the shipped corpus plus six texts of its own (CRLF, quotes, commas and tabs
//! in a multi-line cell, Chinese, an empty, a blank and a null text): 11 documents, 8 coded
//! and 3 empty, written once as files and once as a table in each format.

mod common;

use common::*;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One row of the fixture: id (the file name), text (`None`: null), and its variables.
struct Fixture {
    id: String,
    text: Option<String>,
    outlet: Option<&'static str>,
    date: &'static str,
    pages: i64,
}

fn fixture() -> Vec<Fixture> {
    let mut texts: Vec<(String, Option<String>)> = Vec::new();
    for entry in std::fs::read_dir(repo().join("corpus")).expect("corpus") {
        let entry = entry.expect("entry");
        let text = std::fs::read_to_string(entry.path()).expect("shipped text");
        texts.push((entry.file_name().to_string_lossy().into_owned(), Some(text)));
    }
    texts.push((
        "crlf.txt".into(),
        Some(
            "Mutual trust\r\n\r\nThe yibashou rotates, and trust is lost.\r\nA win-win.\r\n".into(),
        ),
    ));
    texts.push((
        "quoted.txt".into(),
        Some("He said \"trust us\", twice,\tthen left.\n\nMutual benefit, \"a win-win\";\nno more.\n".into()),
    ));
    texts.push((
        "zh.txt".into(),
        Some("我们信任政府。\n\n双方各取所需，实现了双赢。\n".into()),
    ));
    texts.push(("empty.txt".into(), Some(String::new())));
    texts.push(("blank.txt".into(), Some("  \n\n".into())));
    texts.push(("null.txt".into(), None));
    texts.sort_by(|a, b| a.0.cmp(&b.0));
    let outlets = [Some("Daily"), Some("Weekly"), None];
    let dates = ["2019-03-01", "2019-11-30", "2020-02-29", "2021-07-04"];
    texts
        .into_iter()
        .enumerate()
        .map(|(i, (id, text))| Fixture {
            id,
            text,
            outlet: outlets[(i + 1) % 3],
            date: dates[i % 4],
            pages: i as i64 * 3,
        })
        .collect()
}

/// The fixture as a folder of files (a null text is an empty file).
fn write_folder(rows: &[Fixture], dir: &Path) -> PathBuf {
    let folder = dir.join("folder");
    std::fs::create_dir_all(&folder).expect("mkdir");
    for row in rows {
        std::fs::write(folder.join(&row.id), row.text.as_deref().unwrap_or("")).expect("write");
    }
    folder
}

/// The fixture as a table in `format` (csv with a UTF-8 byte-order mark, tsv, jsonl, parquet),
/// with the text in column `body`.
fn write_table(rows: &[Fixture], dir: &Path, format: &str) -> PathBuf {
    let path = dir.join(format!("articles.{format}"));
    match format {
        "csv" | "tsv" => {
            let mut bytes = Vec::new();
            if format == "csv" {
                bytes.extend_from_slice(b"\xEF\xBB\xBF");
            }
            let mut writer = csv::WriterBuilder::new()
                .delimiter(if format == "tsv" { b'\t' } else { b',' })
                .from_writer(Vec::new());
            writer
                .write_record(["id", "outlet", "body", "date", "pages"])
                .expect("header");
            for row in rows {
                let pages = row.pages.to_string();
                writer
                    .write_record([
                        row.id.as_str(),
                        row.outlet.unwrap_or(""),
                        row.text.as_deref().unwrap_or(""),
                        row.date,
                        pages.as_str(),
                    ])
                    .expect("row");
            }
            bytes.extend(writer.into_inner().expect("csv"));
            std::fs::write(&path, bytes).expect("write");
        }
        "jsonl" => {
            let mut text = String::new();
            for row in rows {
                // Written field by field: `json!` would sort the fields.
                let line = format!(
                    "{{\"id\": {}, \"outlet\": {}, \"body\": {}, \"date\": {}, \"pages\": {}}}",
                    serde_json::json!(row.id),
                    serde_json::json!(row.outlet),
                    serde_json::json!(row.text),
                    serde_json::json!(row.date),
                    row.pages
                );
                text.push_str(&line.to_string());
                text.push('\n');
            }
            std::fs::write(&path, text).expect("write");
        }
        "parquet" => {
            let dates: Vec<i32> = rows
                .iter()
                .map(|r| {
                    // Days since 1970 of the fixture's dates, as Parquet stores them.
                    let (y, m, d): (i64, i64, i64) = (
                        r.date[..4].parse().expect("y"),
                        r.date[5..7].parse().expect("m"),
                        r.date[8..].parse().expect("d"),
                    );
                    let y = if m <= 2 { y - 1 } else { y };
                    let era = y.div_euclid(400);
                    let yoe = y - era * 400;
                    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
                    (era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468) as i32
                })
                .collect();
            let mut df = DataFrame::new(
                rows.len(),
                vec![
                    Column::new(
                        "id".into(),
                        rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
                    ),
                    Column::new(
                        "outlet".into(),
                        rows.iter().map(|r| r.outlet).collect::<Vec<_>>(),
                    ),
                    Column::new(
                        "body".into(),
                        rows.iter().map(|r| r.text.as_deref()).collect::<Vec<_>>(),
                    ),
                    Column::new("date".into(), dates)
                        .cast(&DataType::Date)
                        .expect("date"),
                    Column::new(
                        "pages".into(),
                        rows.iter().map(|r| r.pages).collect::<Vec<_>>(),
                    ),
                ],
            )
            .expect("frame");
            let file = std::fs::File::create(&path).expect("create");
            ParquetWriter::new(file)
                .with_row_group_size(Some(4))
                .finish(&mut df)
                .expect("parquet");
        }
        other => panic!("no format {other}"),
    }
    path
}

fn codebook() -> PathBuf {
    repo().join("codebook.toml")
}

/// A codebook with a parent code, for the hierarchy levels of `code_by_variable`.
fn nested_codebook(dir: &Path) -> PathBuf {
    let path = dir.join("nested.toml");
    std::fs::write(
        &path,
        r#"
[[codes]]
id = "relation"
[[codes]]
id = "trust"
parent = "relation"
[[codes.rules]]
terms = ["trust", "trusted", "信任"]
[[codes]]
id = "reciprocity"
parent = "relation"
[[codes.rules]]
terms = ["win-win", "mutual benefit", "双赢"]
[[codes]]
id = "fic"
[[codes.rules]]
terms = ["yibashou", "FIC"]
"#,
    )
    .expect("write codebook");
    path
}

fn assert_same_tables(a: &Path, b: &Path, names: &[&str], what: &str) {
    for name in names {
        let (x, y) = (table(a, name), table(b, name));
        assert!(
            x.equals_missing(&y),
            "{what}: table {name} differs:\n{x}\n{y}"
        );
    }
}

#[test]
fn table_corpora_are_coded_exactly_like_the_same_texts_as_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = fixture();
    assert_eq!(rows.len(), 11);
    let folder = write_folder(&rows, dir.path());
    let from_files = dir.path().join("from-files");
    let (code, stderr) = run(&folder, &codebook(), &from_files, &[]);
    assert_eq!(code, 0, "{stderr}");
    let documents = table(&from_files, "documents");
    let statuses = strings(&documents, "status");
    assert_eq!(statuses.iter().filter(|s| *s == "coded").count(), 8);
    assert_eq!(statuses.iter().filter(|s| *s == "empty").count(), 3);
    for format in ["csv", "tsv", "jsonl", "parquet"] {
        let corpus = write_table(&rows, dir.path(), format);
        // Small batches: the table is read and coded several batches at a time.
        for extra in [&[][..], &["--batch-mb", "1", "--batch-files", "3"][..]] {
            let out = dir.path().join(format!("from-{format}-{}", extra.len()));
            let mut args = vec!["--text-column", "body"];
            args.extend_from_slice(extra);
            let (code, stderr) = run(&corpus, &codebook(), &out, &args);
            assert_eq!(code, 0, "{format}: {stderr}");
            assert_same_tables(&from_files, &out, TABLES, &format!("{format} {extra:?}"));
            let counts = &manifest(&out)["counts"];
            assert_eq!(counts, &manifest(&from_files)["counts"], "{format}");
            let variables = table(&out, "document_variables");
            assert_eq!(
                variables
                    .get_column_names()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                ["document", "outlet", "date", "pages"],
                "{format}"
            );
            assert_eq!(
                strings(&variables, "document"),
                strings(&documents, "document")
            );
            // Types are kept: Parquet's from its schema, the text formats' inferred.
            let date = variables.column("date").expect("date");
            assert_eq!(date.dtype(), &DataType::Date, "{format}");
            assert_eq!(
                variables.column("pages").expect("pages").dtype(),
                &DataType::Int64,
                "{format}"
            );
            assert_eq!(
                variables.column("outlet").expect("outlet").null_count(),
                rows.iter().filter(|r| r.outlet.is_none()).count(),
                "{format}: a missing outlet is null"
            );
            let m = manifest(&out);
            assert_eq!(m["variables"]["from"], "table");
            assert_eq!(m["variables"]["rows"], 11);
            assert_eq!(m["variables"]["variables"][1]["type"], "date");
            assert_eq!(m["parameters"]["text_column"], "body");
        }
    }
}

#[test]
fn without_an_id_column_documents_are_named_by_row_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("answers.csv");
    std::fs::write(
        &corpus,
        "text,group\n\"It was a win-win.\",a\n,b\n\"Mutual benefit, they said.\nTwice.\",a\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let (code, stderr) = run(&corpus, &codebook(), &out, &["--by", "group"]);
    assert_eq!(code, 0, "{stderr}");
    let documents = table(&out, "documents");
    assert_eq!(strings(&documents, "document"), ["1", "2", "3"]);
    assert_eq!(strings(&documents, "status"), ["coded", "empty", "coded"]);
    // Positions are within the cell: each document's first byte is 0.
    let segments = table(&out, "segments");
    assert_eq!(u64s(&segments, "byte_start"), [0, 0]);
    assert_eq!(u32s(&segments, "line_end"), [1, 2], "a two-line cell");
    let by = table(&out, "code_by_variable");
    let row = |value: &str| {
        (0..by.height())
            .find(|&i| {
                strings(&by, "code")[i] == "reciprocity" && strings(&by, "value")[i] == value
            })
            .expect("reciprocity row")
    };
    assert_eq!(u32s(&by, "units")[row("a")], 2);
    assert_eq!(
        u32s(&by, "value_units")[row("a")],
        2,
        "two units in group a"
    );
    // Group b's only document is empty: a group without units.
    assert_eq!(u32s(&by, "value_units")[row("b")], 0);
    assert_eq!(f64s(&by, "share")[row("b")], None);
}

#[test]
fn quotes_that_would_merge_rows_are_errors_naming_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    // A quote left open on line 3 of 1,002: the CSV reader makes lines 3-1002 one document.
    let mut csv = String::from("id,text\n1,Trust between them.\n2,\"She said: no\n");
    for i in 3..=1001 {
        csv.push_str(&format!("{i},Mutual benefit and trust.\n"));
    }
    let path = dir.path().join("open.csv");
    std::fs::write(&path, &csv).expect("write");
    let (code, stderr) = run(&path, &codebook(), &out, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "open.csv: line 3: a quoted cell opened on this line is never closed: lines 3-1002"
        ),
        "{stderr}"
    );
    // A quote inside a quoted cell, not doubled, on line 2 of a TSV: its quote closes the
    // cell, and with the next quote opening another, the rows between are merged.
    let path = dir.path().join("stray.tsv");
    std::fs::write(&path, "id\ttext\n1\t\"He said \"trust\" twice\"\n2\tok\n").expect("write");
    let (code, stderr) = run(&path, &codebook(), &out, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("stray.tsv: line 2: a quote inside a quoted cell is not doubled"),
        "{stderr}"
    );
    // A --metadata file is read the same way.
    let meta = dir.path().join("meta.csv");
    std::fs::write(
        &meta,
        "document,outlet\n000_1c80d6f4af9c420a.txt,\"web\n001_bb6c17c0ea50004b.txt,journal\n",
    )
    .expect("write");
    let (code, stderr) = run(
        &repo().join("corpus"),
        &codebook(),
        &out,
        &["--metadata", meta.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("meta.csv: line 2: a quoted cell opened on this line is never closed"),
        "{stderr}"
    );
    assert!(!out.join("manifest.json").exists(), "nothing written");
    // Quotes used rightly: doubled inside, line breaks inside, CRLF line ends.
    let path = dir.path().join("good.csv");
    std::fs::write(
        &path,
        "id,text\r\n1,\"He said \"\"trust\"\",\r\nthen left.\"\r\n2,plain \"quote\" and trust\r\n",
    )
    .expect("write");
    let (code, stderr) = run(&path, &codebook(), &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let texts = strings(&table(&out, "segments"), "text");
    assert_eq!(
        texts,
        ["He said \"trust\", then left.", "plain \"quote\" and trust"],
        "{texts:?}"
    );
}

#[test]
fn unusable_tables_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let case = |name: &str, content: &str, extra: &[&str]| -> (i32, String) {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        run(&path, &codebook(), &out, extra)
    };
    let (code, stderr) = case("a.csv", "id,body\n1,trust\n", &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no column \"text\"") && stderr.contains("its columns: id, body"),
        "{stderr}"
    );
    let (code, stderr) = case("b.csv", "id,text\nx,trust\ny,win-win\nx,again\n", &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 4: duplicate document id \"x\" (first on line 2)"),
        "{stderr}"
    );
    let (code, stderr) = case("c.csv", "id,text\n1,trust\n2,a,b\n", &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 3") && stderr.contains("3 fields where the header has 2"),
        "{stderr}"
    );
    let (code, stderr) = case(
        "d.jsonl",
        "{\"id\": 1, \"text\": \"trust\"}\n\n{\"id\": 2, \"text\": \"ok\", \"tags\": [1, 2]}\n",
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 3: field \"tags\" holds an array"),
        "{stderr}"
    );
    let (code, stderr) = case("e.jsonl", "{\"text\": \"trust\"}\n{\"text\": 42}\n", &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 2: the text field \"text\" holds 42"),
        "{stderr}"
    );
    let (code, stderr) = case("f.jsonl", "{\"text\": \"trust\"}\n{\"text\": \"a\"\n", &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 2: not a JSON object"), "{stderr}");
    let (code, stderr) = case("g.csv", "id,text\n1,trust\n", &["--id-column", "key"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no column \"key\""), "{stderr}");
    let (code, stderr) = case(
        "h.csv",
        "id,text,outlet\n1,trust,a\n",
        &["--by", "year:date"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no document variable \"date\" (the variables: outlet)"),
        "{stderr}"
    );
    let (code, stderr) = case(
        "i.csv",
        "id,text,outlet\n1,trust,a\n",
        &["--by", "year:outlet"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("\"a\" is not a date"), "{stderr}");
    let (code, stderr) = case("k.tsv", "id\ttext\n1\ttrust\n", &["--encoding", "gbk"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--encoding is for a folder corpus"),
        "{stderr}"
    );
    let latin1 = dir.path().join("l.csv");
    std::fs::write(&latin1, b"id,text\n1,caf\xE9 trust\n").expect("write");
    let (code, stderr) = run(&latin1, &codebook(), &out, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 2") && stderr.contains("not UTF-8"),
        "{stderr}"
    );
    let (code, stderr) = run(&dir.path().join("missing.parquet"), &codebook(), &out, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read") && stderr.contains("missing.parquet"),
        "{stderr}"
    );
    let (code, stderr) = case("j.parquet", "not parquet", &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read") && stderr.contains("j.parquet"),
        "{stderr}"
    );
    assert!(!out.join("manifest.json").exists(), "nothing written");
}

/// The value of each document for a `--by`, from `document_variables`.
fn values(variables: &DataFrame, by: &str) -> BTreeMap<String, Option<String>> {
    let (name, prefix) = match by.split_once(':') {
        Some(("year", name)) => (name, Some(4)),
        Some(("month", name)) => (name, Some(7)),
        _ => (by, None),
    };
    let column = variables
        .column(name)
        .expect("variable")
        .cast(&DataType::String)
        .expect("as text");
    strings(variables, "document")
        .into_iter()
        .zip(column.str().expect("text").iter())
        .map(|(d, v)| (d, v.map(|v| prefix.map_or(v, |n| &v[..n]).to_string())))
        .collect()
}

#[test]
fn code_by_variable_equals_a_recount_from_codings_and_segments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = fixture();
    let corpus = write_table(&rows, dir.path(), "parquet");
    let codebook = nested_codebook(dir.path());
    let out = dir.path().join("out");
    let by = ["outlet", "year:date", "month:date", "pages"];
    let mut args = vec!["--text-column", "body"];
    for b in by {
        args.extend(["--by", b]);
    }
    let (code, stderr) = run(&corpus, &codebook, &out, &args);
    assert_eq!(code, 0, "{stderr}");
    let variables = table(&out, "document_variables");
    let codings = table(&out, "codings");
    let segments = table(&out, "segments");
    let table_by = table(&out, "code_by_variable");
    let levels: BTreeMap<&str, u32> = [
        ("relation", 0),
        ("trust", 1),
        ("reciprocity", 1),
        ("fic", 0),
    ]
    .into();
    // Rows: (code, variable, value) -> (level, units, hits, documents, value_units, share).
    type Key = (String, String, Option<String>);
    type Counts = (u32, u32, u32, u32, u32, Option<f64>);
    let mut got: BTreeMap<Key, Counts> = BTreeMap::new();
    let value_col = table_by.column("value").expect("value");
    let value_col = value_col.str().expect("text");
    for i in 0..table_by.height() {
        got.insert(
            (
                strings(&table_by, "code")[i].clone(),
                strings(&table_by, "variable")[i].clone(),
                value_col.get(i).map(str::to_string),
            ),
            (
                u32s(&table_by, "level")[i],
                u32s(&table_by, "units")[i],
                u32s(&table_by, "hits")[i],
                u32s(&table_by, "documents")[i],
                u32s(&table_by, "value_units")[i],
                f64s(&table_by, "share")[i],
            ),
        );
    }
    assert_eq!(
        got.len(),
        table_by.height(),
        "one row per code, variable and value"
    );
    let mut expected: BTreeMap<Key, Counts> = BTreeMap::new();
    for b in by {
        let value_of = values(&variables, b);
        let groups: BTreeSet<Option<String>> = value_of.values().cloned().collect();
        // All units of each value: the coded segments (units) of its documents.
        let mut value_units: BTreeMap<Option<String>, u32> = BTreeMap::new();
        let unit_flags = bools(&segments, "coded");
        for (i, document) in strings(&segments, "document").iter().enumerate() {
            if unit_flags[i] {
                *value_units.entry(value_of[document].clone()).or_default() += 1;
            }
        }
        for (code, level) in &levels {
            for group in &groups {
                let mut units = 0;
                let mut hits = 0;
                let mut documents = BTreeSet::new();
                let codes = strings(&codings, "code");
                let coded_hits = u32s(&codings, "hits");
                for (i, document) in strings(&codings, "document").iter().enumerate() {
                    if codes[i] == *code && value_of[document] == *group {
                        units += 1;
                        hits += coded_hits[i];
                        documents.insert(document.clone());
                    }
                }
                let all = value_units.get(group).copied().unwrap_or(0);
                expected.insert(
                    (code.to_string(), b.to_string(), group.clone()),
                    (
                        *level,
                        units,
                        hits,
                        documents.len() as u32,
                        all,
                        (all > 0).then(|| f64::from(units) / f64::from(all)),
                    ),
                );
            }
        }
    }
    assert_eq!(got, expected);
    // The fixture reaches every kind of cell: a parent counting its children, nulls, dates.
    assert!(got[&("relation".into(), "outlet".into(), None)].1 > 0);
    assert!(got.contains_key(&("trust".into(), "year:date".into(), Some("2020".into()))));
    assert!(got.contains_key(&("trust".into(), "month:date".into(), Some("2020-02".into()))));
    // Values in order: numbers by size.
    let pages: Vec<String> = (0..table_by.height())
        .filter(|&i| {
            strings(&table_by, "variable")[i] == "pages" && strings(&table_by, "code")[i] == "fic"
        })
        .map(|i| strings(&table_by, "value")[i].clone())
        .collect();
    let sorted: Vec<String> = (0..11).map(|i| (i * 3).to_string()).collect();
    assert_eq!(pages, sorted);
}

#[test]
fn metadata_gives_a_folder_corpus_variables_and_reports_what_did_not_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = fixture();
    let folder = write_folder(&rows, dir.path());
    let metadata = dir.path().join("meta.csv");
    let mut text = String::from("document,outlet,year\n");
    // Every document but crlf.txt, and a row for a document that is not there.
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| r.id != "crlf.txt") {
        text.push_str(&format!(
            "{},{},{}\n",
            row.id,
            row.outlet.unwrap_or(""),
            2000 + i
        ));
    }
    text.push_str("gone.txt,Daily,1999\n");
    std::fs::write(&metadata, text).expect("write");
    let meta = metadata.to_str().expect("utf-8");
    let out = dir.path().join("out");
    let (code, stderr) = run(
        &folder,
        &codebook(),
        &out,
        &["--metadata", meta, "--by", "outlet"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("1 rows name no document of the corpus: \"gone.txt\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 documents have no row (their variables are null): \"crlf.txt\""),
        "{stderr}"
    );
    let variables = table(&out, "document_variables");
    assert_eq!(variables.height(), 11);
    assert_eq!(
        variables.column("year").expect("year").dtype(),
        &DataType::Int64
    );
    let crlf = strings(&variables, "document")
        .iter()
        .position(|d| d == "crlf.txt")
        .expect("row");
    assert_eq!(
        variables
            .column("year")
            .expect("year")
            .i64()
            .expect("i64")
            .get(crlf),
        None
    );
    let m = manifest(&out);
    assert_eq!(m["variables"]["from"], "metadata");
    assert_eq!(m["variables"]["rows"], 11);
    assert_eq!(
        m["variables"]["unmatched_rows"],
        serde_json::json!(["gone.txt"])
    );
    assert_eq!(
        m["variables"]["documents_without"],
        serde_json::json!(["crlf.txt"])
    );
    assert_eq!(m["parameters"]["metadata"], meta);
    assert_eq!(m["variables"]["sha256"].as_str().map(str::len), Some(64));
    // A table corpus's variables are its columns; --by needs variables.
    let (code, stderr) = run(&folder, &codebook(), &out, &["--by", "outlet"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--by needs document variables"), "{stderr}");
}

#[test]
fn merging_shards_keeps_the_variables_and_code_by_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = fixture();
    let folder = write_folder(&rows, dir.path());
    let metadata = write_table(&rows, dir.path(), "csv");
    // The table corpus, and its variables as the metadata of the folder.
    let mut meta_text = String::from("document,outlet,date,pages\n");
    for row in &rows {
        meta_text.push_str(&format!(
            "{},{},{},{}\n",
            row.id,
            row.outlet.unwrap_or(""),
            row.date,
            row.pages
        ));
    }
    let meta_path = dir.path().join("meta.csv");
    std::fs::write(&meta_path, meta_text).expect("write");
    let jobs: Vec<(&str, PathBuf, Vec<String>)> = vec![
        (
            "table",
            metadata.clone(),
            vec!["--text-column".into(), "body".into()],
        ),
        (
            "folder",
            folder.clone(),
            vec![
                "--metadata".into(),
                meta_path.to_str().expect("utf-8").into(),
            ],
        ),
    ];
    for (what, corpus, base) in jobs {
        let mut args: Vec<String> = base.clone();
        args.extend(["--by", "outlet", "--by", "year:date"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let single = dir.path().join(format!("{what}-single"));
        let (code, stderr) = run(&corpus, &codebook(), &single, &args);
        assert_eq!(code, 0, "{what}: {stderr}");
        let mut shards = Vec::new();
        for k in 1..=3 {
            let out = dir.path().join(format!("{what}-shard-{k}"));
            let mut shard_args = args.clone();
            let shard = format!("{k}/3");
            shard_args.extend(["--shard", shard.as_str()]);
            let (code, stderr) = run(&corpus, &codebook(), &out, &shard_args);
            assert_eq!(code, 0, "{what} shard {k}: {stderr}");
            assert!(
                table(&out, "document_variables").height() < 11,
                "{what}: a shard's share"
            );
            shards.push(out);
        }
        let merged = dir.path().join(format!("{what}-merged"));
        let (code, stderr) = merge(&shards, &merged);
        assert_eq!(code, 0, "{what}: {stderr}");
        let mut names = TABLES.to_vec();
        names.extend(["document_variables", "code_by_variable"]);
        assert_same_tables(&single, &merged, &names, what);
        assert_eq!(
            manifest(&single)["variables"],
            manifest(&merged)["variables"],
            "{what}"
        );
        assert_eq!(
            manifest(&merged)["parameters"]["by"],
            serde_json::json!(["outlet", "year:date"])
        );
    }
    // Shards of other --by are not merged.
    let other = dir.path().join("table-shard-other");
    let shard_args = ["--text-column", "body", "--by", "outlet", "--shard", "1/3"];
    let (code, stderr) = run(&metadata, &codebook(), &other, &shard_args);
    assert_eq!(code, 0, "{stderr}");
    let mixed = [
        other,
        dir.path().join("table-shard-2"),
        dir.path().join("table-shard-3"),
    ];
    let (code, stderr) = merge(&mixed, &dir.path().join("mixed"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("other document variables or --by"),
        "{stderr}"
    );
    // The variables of the folder match the table's: same documents, same values.
    assert_same_tables(
        &dir.path().join("table-single"),
        &dir.path().join("folder-single"),
        &["document_variables", "code_by_variable"],
        "table and folder with metadata",
    );
}

#[test]
fn export_qdpx_carries_the_variables_as_cases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = fixture();
    let corpus = write_table(&rows, dir.path(), "parquet");
    let qdpx = dir.path().join("articles.qdpx");
    let (code, stderr) = invoke(
        &["export", "qdpx"],
        &corpus,
        &codebook(),
        &qdpx,
        &["--text-column", "body"],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut archive =
        ::zip::ZipArchive::new(std::fs::File::open(&qdpx).expect("open")).expect("zip");
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("project.qde").expect("qde"), &mut qde)
        .expect("read qde");
    let qde_path = dir.path().join("project.qde");
    std::fs::write(&qde_path, &qde).expect("write");
    xmllint("Project.xsd", &qde_path);
    let doc = roxmltree::Document::parse(&qde).expect("xml");
    let named = |name: &'static str| {
        doc.descendants()
            .filter(move |n| n.tag_name().name() == name)
    };
    let variables: Vec<(String, String)> = named("Variable")
        .map(|v| {
            (
                v.attribute("name").unwrap_or_default().to_string(),
                v.attribute("typeOfVariable")
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        variables,
        [("outlet", "Text"), ("date", "Date"), ("pages", "Integer")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // A case per exported (coded) document: 8 of the 11; the other cases are the speakers of
    // the transcripts among them (tests/transcripts.rs), which point at selections.
    let (cases, speakers): (Vec<_>, Vec<_>) =
        named("Case").partition(|c| c.children().any(|n| n.tag_name().name() == "SourceRef"));
    assert_eq!(cases.len(), 8);
    assert!(speakers
        .iter()
        .all(|c| c.children().any(|n| n.tag_name().name() == "SelectionRef")));
    assert_eq!(named("TextSource").count(), 8);
    let zh = cases
        .iter()
        .find(|c| c.attribute("name") == Some("zh.txt"))
        .expect("case of zh.txt");
    let values: Vec<String> = zh
        .descendants()
        .filter(|n| {
            n.tag_name().name().ends_with("Value") && n.tag_name().name() != "VariableValue"
        })
        .map(|n| format!("{}={}", n.tag_name().name(), n.text().unwrap_or_default()))
        .collect();
    let row = rows.iter().find(|r| r.id == "zh.txt").expect("row");
    let mut expected = Vec::new();
    if let Some(outlet) = row.outlet {
        expected.push(format!("TextValue={outlet}"));
    }
    expected.push(format!("DateValue={}", row.date));
    expected.push(format!("IntegerValue={}", row.pages));
    assert_eq!(values, expected);
    let source = zh
        .children()
        .find(|n| n.tag_name().name() == "SourceRef")
        .and_then(|n| n.attribute("targetGUID"))
        .expect("source ref");
    let target = named("TextSource")
        .find(|s| s.attribute("guid") == Some(source))
        .expect("the case's source");
    assert_eq!(target.attribute("name"), Some("zh.txt"));
}

/// Each TextSource of a `.qdpx` by name, with its stored text.
fn qdpx_sources(path: &Path) -> BTreeMap<String, String> {
    let mut archive =
        ::zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).expect(name), &mut text)
            .expect("read");
        text
    };
    let qde = read("project.qde");
    let doc = roxmltree::Document::parse(&qde).expect("xml");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "TextSource")
        .map(|s| {
            let guid = s.attribute("guid").expect("guid");
            let name = s.attribute("name").expect("name").to_string();
            (name, read(&format!("sources/{guid}.txt")))
        })
        .collect()
}

/// A run keeps no texts of a table corpus: `export qdpx --from` reads them from the table
/// again, in order (it left every document out before).
#[test]
fn export_from_a_table_corpus_run_reads_the_texts_from_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = fixture();
    let corpus = write_table(&rows, dir.path(), "csv");
    let out = dir.path().join("run");
    let (code, stderr) = run(&corpus, &codebook(), &out, &["--text-column", "body"]);
    assert_eq!(code, 0, "{stderr}");
    let export = |name: &str, extra: &[&str]| {
        let qdpx = dir.path().join(name);
        let mut args = vec!["--text-column", "body"];
        args.extend(extra);
        let (code, stderr) = invoke(&["export", "qdpx"], &corpus, &codebook(), &qdpx, &args);
        assert_eq!(code, 0, "{stderr}");
        qdpx_sources(&qdpx)
    };
    let now = export("now.qdpx", &[]);
    let from = export("from.qdpx", &["--from", out.to_str().expect("utf-8")]);
    assert_eq!(now.len(), 8, "{:?}", now.keys());
    assert_eq!(from, now);
    let zh = rows.iter().find(|r| r.id == "zh.txt").expect("row");
    assert_eq!(from["zh.txt"], zh.text.clone().expect("text"));
}

#[test]
fn workbench_commands_read_a_table_corpus_as_a_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = fixture();
    let folder = write_folder(&rows, dir.path());
    let corpus = write_table(&rows, dir.path(), "jsonl");
    let on = |corpus: &Path, command: &[&str]| {
        let mut args = command.to_vec();
        let corpus = corpus.to_str().expect("utf-8").to_string();
        args.extend(["--corpus", corpus.as_str(), "--text-column", "body"]);
        if !corpus.ends_with(".jsonl") {
            args.truncate(args.len() - 2);
        }
        let (code, stdout, stderr) = outcome(&args);
        assert_eq!(code, 0, "{command:?}: {stderr}");
        stdout
    };
    for command in [
        &["explain", "crlf.txt", "1"][..],
        &["explain", "001_bb6c17c0ea50004b.txt", "--line", "45"][..],
        &["kwic", "trust", "--limit", "5"][..],
    ] {
        let from_table = on(&corpus, command);
        assert!(!from_table.is_empty(), "{command:?}");
        assert_eq!(from_table, on(&folder, command), "{command:?}");
    }
    let (code, _, stderr) = outcome(&[
        "explain",
        "nope.txt",
        "0",
        "--corpus",
        corpus.to_str().expect("utf-8"),
        "--text-column",
        "body",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("\"nope.txt\" is not a document of"),
        "{stderr}"
    );
}

/// A table of 25,000 rows, all but three empty: a few lines on stderr, not 25,000, and a
/// manifest that lists 10,000 of them; the documents table has every row. Merging its shards
/// gives the same manifest.
#[test]
fn many_empty_documents_are_summarised_and_the_manifest_is_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = String::from("id,text\n");
    for i in 0..25_000 {
        let text = if i % 10_000 == 5 { "Trust grew." } else { "" };
        csv.push_str(&format!("r{i:05},{text}\n"));
    }
    let table_path = dir.path().join("rows.csv");
    std::fs::write(&table_path, csv).expect("write");
    let out = dir.path().join("out");
    let (code, stderr) = run(&table_path, &codebook(), &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let empty_lines = stderr.lines().filter(|l| l.ends_with("is empty")).count();
    assert_eq!(empty_lines, 20, "{stderr}");
    assert!(
        stderr.contains("note: 24977 more empty documents, not named above"),
        "{stderr}"
    );
    assert!(stderr.lines().count() < 30, "{stderr}");
    let m = manifest(&out);
    let files = m["files"].as_array().expect("files");
    assert_eq!(files.len(), 10_000);
    assert!(files.iter().all(|f| f["status"] == "empty"));
    assert_eq!(m["files_not_listed"], 15_000);
    assert_eq!(m["counts"]["files"], 25_000);
    assert_eq!(table(&out, "documents").height(), 25_000);
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let shard = dir.path().join(format!("shard{k}"));
            let (code, stderr) = run(
                &table_path,
                &codebook(),
                &shard,
                &["--shard", &format!("{k}/2")],
            );
            assert_eq!(code, 0, "{stderr}");
            shard
        })
        .collect();
    let merged = dir.path().join("merged");
    let (code, stderr) = merge(&shards, &merged);
    assert_eq!(code, 0, "{stderr}");
    let mut got = manifest(&merged);
    let mut want = m;
    // Listed in id order, as merged tables are.
    for m in [&mut got, &mut want] {
        m["files"]
            .as_array_mut()
            .expect("files")
            .sort_by_key(|f| f["document"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(got["files"], want["files"]);
    assert_eq!(got["files_not_listed"], 15_000);

    // Skipped files of a folder: the first 20 named, the others counted by kind of reason.
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).expect("mkdir");
    for i in 0..23 {
        std::fs::write(folder.join(format!("bin{i:02}.txt")), b"\x00\x01\x02").expect("write");
    }
    for i in 0..4 {
        std::fs::write(folder.join(format!("zz{i}.docx")), "not a zip").expect("write");
    }
    std::fs::write(folder.join("a.txt"), "Trust grew.\n").expect("write");
    let (code, stderr) = run(&folder, &codebook(), &dir.path().join("f"), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("warning: skipped"))
            .count(),
        20
    );
    assert!(
        stderr.contains("warning: 7 more files skipped, not named above (3 binary file, 4 cannot open the Word document as a zip archive)"),
        "{stderr}"
    );
}

/// Text kept as categories (pandas' `category`, polars' `Categorical`, Arrow's dictionary
/// strings) is read as text: the texts, ids and variables are the same as from plain strings.
#[test]
fn categorical_text_columns_are_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = df!(
        "id" => ["a", "b", "c"],
        "text" => ["Trust grew.", "Mutual benefit.", "Trust grew."],
        "outlet" => ["web", "web", "print"],
    )
    .expect("frame");
    let categorical = DataType::from_categories(Categories::global());
    let mut cat = plain.clone();
    for name in ["id", "text", "outlet"] {
        let column = cat
            .column(name)
            .expect("column")
            .cast(&categorical)
            .expect("cast");
        cat.replace(name, column).expect("replace");
    }
    assert!(cat.column("text").expect("text").dtype().is_categorical());
    let mut outs = Vec::new();
    for (name, mut df) in [("plain", plain), ("categorical", cat)] {
        let path = dir.path().join(format!("{name}.parquet"));
        ParquetWriter::new(std::fs::File::create(&path).expect("create"))
            .finish(&mut df)
            .expect("write");
        let out = dir.path().join(format!("out-{name}"));
        let (code, stderr) = run(&path, &codebook(), &out, &[]);
        assert_eq!(code, 0, "{name}: {stderr}");
        outs.push(out);
    }
    for name in ["documents", "segments", "codings", "document_variables"] {
        let (a, b) = (table(&outs[0], name), table(&outs[1], name));
        if name == "documents" {
            // The stored bytes differ; the rest is the same.
            let columns = ["document", "status", "segments", "units"];
            assert!(a
                .select(columns)
                .expect("a")
                .equals_missing(&b.select(columns).expect("b")));
        } else {
            assert!(a.equals_missing(&b), "{name}:\n{a}\n{b}");
        }
    }
    assert_eq!(
        strings(&table(&outs[1], "segments"), "text"),
        ["Trust grew.", "Mutual benefit.", "Trust grew."]
    );
}
