//! Table corpora: a CSV, TSV, JSON Lines or Parquet file in, one row per document; out, batch
//! by batch, the rows' texts as the same decoded [`Document`]s a folder gives (or the record of
//! an empty document), and the other columns kept as document variables ([`Variables`]).
//!
//! The file is read a batch of rows at a time (`TableReader::next_batch`), so memory holds one
//! batch's texts, not the table; the variables of every row (not their texts) are kept for the
//! `document_variables` table. A document's positions are within its text cell: byte 0 is the
//! cell's first byte. The same reader reads a `--metadata` file (no text column, documents
//! named by its `document` column).
//!
//! Errors that make the table unusable — unreadable file, missing column, duplicate id, a
//! malformed line — are [`TableError`]s naming the file and the column, line or row.

use super::{sha256_hex, Basis, Document, Encoded, FileRecord, FileStatus, Format};
use polars::prelude::{DataFrame, DataType, ParquetReader, SerReader};
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The formats a table corpus or metadata file can have, told by the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Tsv,
    JsonLines,
    Parquet,
}

impl TableFormat {
    /// The table format of a path by its extension, if it names one.
    pub fn of(path: &Path) -> Option<TableFormat> {
        let extension = path.extension()?.to_string_lossy().to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(TableFormat::Csv),
            "tsv" | "tab" => Some(TableFormat::Tsv),
            "jsonl" | "ndjson" => Some(TableFormat::JsonLines),
            "parquet" => Some(TableFormat::Parquet),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Tsv => "tsv",
            TableFormat::JsonLines => "jsonl",
            TableFormat::Parquet => "parquet",
        }
    }
}

/// Where a row is in its file, for messages: a line of a text format, a row of a Parquet file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Line(u64),
    Row(u64),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// What to read from a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    pub path: PathBuf,
    pub format: TableFormat,
    /// The column holding each document's text; `None` for a metadata file.
    pub text_column: Option<String>,
    /// The column naming each document; `None`: `id` if the table has one, else the row number
    /// (from 1).
    pub id_column: Option<String>,
}

impl TableSpec {
    /// The id column asked for, or the default one.
    fn id_name(&self) -> &str {
        self.id_column.as_deref().unwrap_or(DEFAULT_ID)
    }
}

const DEFAULT_ID: &str = "id";

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("cannot read {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{path} has no column {column:?} for {role} (its columns: {available})")]
    MissingColumn {
        path: PathBuf,
        column: String,
        role: &'static str,
        available: String,
    },
    #[error("{path}: {place}: duplicate document id {id:?} (first on {first})")]
    Duplicate {
        path: PathBuf,
        place: Place,
        id: String,
        first: Place,
    },
    #[error(
        "{path}: {problems}: a table names each of its columns once (its columns: {available})"
    )]
    Header {
        path: PathBuf,
        problems: String,
        available: String,
    },
    #[error("{path}: {place}: {message}")]
    Malformed {
        path: PathBuf,
        place: Place,
        message: String,
    },
}

/// A variable's type, kept in the `document_variables` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Float,
    Boolean,
    Date,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Integer => "integer",
            Kind::Float => "float",
            Kind::Boolean => "boolean",
            Kind::Date => "date",
        }
    }

    /// The type of a Parquet column, as a variable.
    pub(crate) fn of_dtype(dtype: &DataType) -> Kind {
        match dtype {
            DataType::Boolean => Kind::Boolean,
            DataType::Date => Kind::Date,
            dt if dt.is_integer() => Kind::Integer,
            dt if dt.is_float() => Kind::Float,
            _ => Kind::Text,
        }
    }

    /// The narrowest type all of a text column's values fit: integer, float, boolean
    /// (`true`/`false`), date (`YYYY-MM-DD`), else string. A column of nulls is a string.
    fn infer(values: &[Option<String>]) -> Kind {
        let present: Vec<&str> = values.iter().flatten().map(|v| v.trim()).collect();
        if present.is_empty() {
            return Kind::Text;
        }
        let all = |test: fn(&str) -> bool| present.iter().all(|v| test(v));
        if all(|v| v.parse::<i64>().is_ok()) {
            Kind::Integer
        } else if all(|v| v.parse::<f64>().is_ok()) {
            Kind::Float
        } else if all(|v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")) {
            Kind::Boolean
        } else if all(|v| v.len() == 10 && days_from_date(v).is_some()) {
            Kind::Date
        } else {
            Kind::Text
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (or the date that starts a timestamp such as
/// `2020-03-01T12:00:00`), `None` when it is not a valid date.
pub fn days_from_date(text: &str) -> Option<i32> {
    let date = text.get(..10)?;
    let bytes = date.as_bytes();
    if bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &date[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[month as usize - 1] {
        return None;
    }
    // Days-from-civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

/// The document variables of a table or metadata file: one row per document, each value as
/// text (a Parquet column's type kept in `declared`, a text format's inferred from all rows).
#[derive(Debug, Clone, Default)]
pub struct Variables {
    pub names: Vec<String>,
    /// The Parquet column's type; `None` for the text formats, whose types are inferred.
    pub declared: Vec<Option<Kind>>,
    pub documents: Vec<String>,
    /// Column by column, a value per document.
    pub columns: Vec<Vec<Option<String>>>,
}

impl Variables {
    /// Each variable's type.
    pub fn kinds(&self) -> Vec<Kind> {
        self.declared
            .iter()
            .zip(&self.columns)
            .map(|(declared, values)| declared.unwrap_or_else(|| Kind::infer(values)))
            .collect()
    }

    /// Adds the variable `name` (not there yet), null for the rows so far: its column.
    fn add_column(&mut self, name: &str, declared: Option<Kind>) -> usize {
        self.names.push(name.to_string());
        self.declared.push(declared);
        self.columns.push(vec![None; self.documents.len()]);
        self.names.len() - 1
    }

    /// The variables with their types fixed from all rows: taken before a shard keeps its
    /// share, so that every shard gives a variable the same type.
    pub fn typed(mut self) -> Variables {
        self.declared = self.kinds().into_iter().map(Some).collect();
        self
    }

    /// A metadata file's variables for `documents` (a run's, in its order), typed from all of
    /// the file's rows; a document without a row gets nulls. Also returns the rows that name
    /// no document (among the rows `in_scope` accepts: a shard's) and the documents without a
    /// row.
    pub fn for_documents(
        &self,
        documents: &[String],
        in_scope: impl Fn(&str) -> bool,
    ) -> (Variables, Vec<String>, Vec<String>) {
        let row_of: HashMap<&str, usize> = self
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.as_str(), i))
            .collect();
        let mut out = Variables {
            names: self.names.clone(),
            declared: self.kinds().into_iter().map(Some).collect(),
            documents: documents.to_vec(),
            columns: vec![Vec::with_capacity(documents.len()); self.names.len()],
        };
        let mut without = Vec::new();
        for document in documents {
            let row = row_of.get(document.as_str()).copied();
            if row.is_none() {
                without.push(document.clone());
            }
            for (column, values) in out.columns.iter_mut().zip(&self.columns) {
                column.push(row.and_then(|r| values[r].clone()));
            }
        }
        let known: std::collections::HashSet<&str> = documents.iter().map(String::as_str).collect();
        let unmatched = self
            .documents
            .iter()
            .filter(|d| in_scope(d) && !known.contains(d.as_str()))
            .cloned()
            .collect();
        (out, unmatched, without)
    }

    /// Keeps only the documents `keep` accepts (a shard's), in order.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        let kept: Vec<bool> = self.documents.iter().map(|d| keep(d)).collect();
        let mut flags = kept.iter();
        self.documents.retain(|_| *flags.next().unwrap_or(&false));
        for column in &mut self.columns {
            let mut flags = kept.iter();
            column.retain(|_| *flags.next().unwrap_or(&false));
        }
    }
}

/// One row of a table corpus: its document id, where it is, and its text (null or not).
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub place: Place,
    pub text: Option<String>,
}

/// A row as a decoded document, or the record of an empty one (null, empty or blank text).
/// The text is the cell's: UTF-8, positions counted from its first byte.
pub fn document(row: Row) -> Result<Document, FileRecord> {
    let text = row.text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(FileRecord {
            bytes: text.len() as u64,
            sha256: sha256_hex(text.as_bytes()),
            id: row.id,
            status: FileStatus::Empty,
            encoding: Some(utf8()),
            warning: None,
        });
    }
    Ok(Document::utf8(&row.id, Format::PlainText, text))
}

fn utf8() -> Encoded {
    Encoded {
        encoding: encoding_rs::UTF_8,
        by: Basis::Valid,
    }
}

/// Where the rows come from, by format.
enum Source {
    Delimited {
        reader: csv::Reader<QuoteCheck<BufReader<std::fs::File>>>,
        header: Vec<String>,
    },
    Json {
        lines: std::io::Lines<BufReader<std::fs::File>>,
        line: u64,
        /// Bytes of the lines read so far, their line ends counted as one byte.
        bytes: u64,
    },
    Parquet {
        file: std::fs::File,
        metadata: polars::io::parquet::metadata::FileMetadataRef,
        total: usize,
        /// Rows read so far.
        next: usize,
        /// Rows per slice, adapted to the texts' sizes so a slice holds about a batch.
        per_slice: usize,
    },
}

/// Reads a table corpus (or metadata file) a batch of rows at a time.
pub struct TableReader {
    spec: TableSpec,
    source: Source,
    /// Whether the id comes from a column (else from the row number).
    id_from_column: bool,
    rows: u64,
    seen: HashMap<String, Place>,
    pub variables: Variables,
    /// Each variable's column in `variables`.
    variable_at: HashMap<String, usize>,
    /// The file's size in bytes when it was opened.
    size: u64,
}

impl TableReader {
    /// Opens the table and checks its columns (for a JSON Lines file, each line's, as read).
    pub fn open(spec: TableSpec) -> Result<TableReader, TableError> {
        let unreadable = |message: String| TableError::Unreadable {
            path: spec.path.clone(),
            message,
        };
        let file = std::fs::File::open(&spec.path).map_err(|e| unreadable(e.to_string()))?;
        let size = file.metadata().map_or(0, |m| m.len());
        let (source, columns): (Source, Option<Vec<String>>) = match spec.format {
            TableFormat::Csv | TableFormat::Tsv => {
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(if spec.format == TableFormat::Tsv {
                        b'\t'
                    } else {
                        b','
                    })
                    .from_reader(QuoteCheck::new(
                        BufReader::with_capacity(1 << 20, file),
                        if spec.format == TableFormat::Tsv {
                            b'\t'
                        } else {
                            b','
                        },
                    ));
                let header: Vec<String> = reader
                    .headers()
                    .map_err(|e| unreadable(csv_message(&e)))?
                    .iter()
                    .map(str::to_string)
                    .collect();
                if let Some(problem) = reader.get_ref().problem {
                    return Err(TableError::Malformed {
                        path: spec.path.clone(),
                        place: Place::Line(problem.line()),
                        message: problem.to_string(),
                    });
                }
                (
                    Source::Delimited {
                        reader,
                        header: header.clone(),
                    },
                    Some(header),
                )
            }
            TableFormat::JsonLines => (
                Source::Json {
                    lines: BufReader::with_capacity(1 << 20, file).lines(),
                    line: 0,
                    bytes: 0,
                },
                None,
            ),
            TableFormat::Parquet => {
                let mut reader =
                    ParquetReader::new(file.try_clone().map_err(|e| unreadable(e.to_string()))?);
                let schema = reader.schema().map_err(|e| unreadable(e.to_string()))?;
                let metadata = reader
                    .get_metadata()
                    .map_err(|e| unreadable(e.to_string()))?
                    .clone();
                let columns = schema.iter_names().map(|n| n.to_string()).collect();
                let total = metadata.num_rows;
                (
                    Source::Parquet {
                        file,
                        metadata,
                        total,
                        next: 0,
                        // One row first: its size sets the next slice's (a first slice of
                        // many long texts would hold far more than a batch).
                        per_slice: 1,
                    },
                    Some(columns),
                )
            }
        };
        if let Some(columns) = &columns {
            check_header(&spec.path, columns)?;
        }
        let id_from_column = match &columns {
            Some(columns) => {
                let missing = |column: &str, role| TableError::MissingColumn {
                    path: spec.path.clone(),
                    column: column.to_string(),
                    role,
                    available: columns.join(", "),
                };
                if let Some(text) = &spec.text_column {
                    if !columns.contains(text) {
                        return Err(missing(text, "the documents' text (--text-column)"));
                    }
                }
                let has_id = columns.iter().any(|c| c == spec.id_name());
                if !has_id && spec.id_column.is_some() {
                    let role = if spec.text_column.is_some() {
                        "the document ids (--id-column)"
                    } else {
                        "the document names"
                    };
                    return Err(missing(spec.id_name(), role));
                }
                has_id
            }
            // JSON Lines: decided by the first line.
            None => spec.id_column.is_some(),
        };
        let mut reader = TableReader {
            spec,
            source,
            id_from_column,
            rows: 0,
            seen: HashMap::new(),
            variables: Variables::default(),
            variable_at: HashMap::new(),
            size,
        };
        // The variables in the columns' order (a Parquet column's type is taken as it is read).
        if let Some(columns) = &columns {
            for name in columns {
                if !reader.spec.is_fixed(name) {
                    reader.variable(name, None);
                }
            }
        }
        Ok(reader)
    }

    /// The column of variable `name`, added (null for the rows so far) if it is new; a
    /// declared type replaces the one known. Found through `variable_at`: a line of 100,000
    /// fields searched the names for each before.
    fn variable(&mut self, name: &str, declared: Option<Kind>) -> usize {
        match self.variable_at.get(name) {
            Some(&i) => {
                if declared.is_some() {
                    self.variables.declared[i] = declared;
                }
                i
            }
            None => {
                let i = self.variables.add_column(name, declared);
                self.variable_at.insert(name.to_string(), i);
                i
            }
        }
    }

    /// The table file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// How far into the file the rows read so far reach, in bytes: exact for CSV, TSV and
    /// JSON Lines; for Parquet, whose columns are compressed apart, the file's size in the
    /// proportion of the rows read.
    pub fn bytes_read(&self) -> u64 {
        match &self.source {
            Source::Delimited { reader, .. } => reader.position().byte(),
            Source::Json { bytes, .. } => *bytes,
            Source::Parquet { total, next, .. } => {
                (self.size as f64 * *next as f64 / (*total).max(1) as f64) as u64
            }
        }
    }

    /// The variables' names known so far (all of them, but for a JSON Lines file).
    pub fn variable_names(&self) -> &[String] {
        &self.variables.names
    }

    /// Rows read so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The next rows, holding about `max_bytes` of text or `max_rows` rows; `None` at the end.
    pub fn next_batch(
        &mut self,
        max_bytes: u64,
        max_rows: usize,
    ) -> Result<Option<Vec<Row>>, TableError> {
        let mut rows = Vec::new();
        let mut bytes = 0u64;
        while bytes < max_bytes && rows.len() < max_rows {
            let before = rows.len();
            let read = match self.source {
                Source::Delimited { .. } => self.next_delimited(&mut rows)?,
                Source::Json { .. } => self.next_json(&mut rows)?,
                Source::Parquet { .. } => self.next_parquet(&mut rows, max_bytes)?,
            };
            bytes += rows[before..]
                .iter()
                .map(|r| r.text.as_ref().map_or(0, |t| t.len() as u64))
                .sum::<u64>();
            if !read {
                break;
            }
        }
        Ok((!rows.is_empty()).then_some(rows))
    }

    /// Records a row's id and variables; `values` are (column, value) pairs.
    fn add_row(
        &mut self,
        place: Place,
        id: Option<String>,
        text: Option<String>,
        values: Vec<(usize, Option<String>)>,
        rows: &mut Vec<Row>,
    ) -> Result<(), TableError> {
        self.rows += 1;
        let id = match id {
            Some(id) => id,
            None if self.id_from_column => {
                return Err(self.malformed(
                    place,
                    format!("the id column {:?} is empty", self.spec.id_name()),
                ))
            }
            None => self.rows.to_string(),
        };
        if let Some(first) = self.seen.insert(id.clone(), place) {
            return Err(TableError::Duplicate {
                path: self.spec.path.clone(),
                place,
                id,
                first,
            });
        }
        let at = self.variables.documents.len();
        self.variables.documents.push(id.clone());
        for column in &mut self.variables.columns {
            column.push(None);
        }
        for (column, value) in values {
            self.variables.columns[column][at] = value;
        }
        if self.spec.text_column.is_some() {
            rows.push(Row { id, place, text });
        }
        Ok(())
    }

    fn malformed(&self, place: Place, message: String) -> TableError {
        TableError::Malformed {
            path: self.spec.path.clone(),
            place,
            message,
        }
    }

    fn next_delimited(&mut self, rows: &mut Vec<Row>) -> Result<bool, TableError> {
        let Source::Delimited { reader, header } = &mut self.source else {
            return Ok(false);
        };
        let mut record = csv::StringRecord::new();
        let more = reader.read_record(&mut record).map_err(|e| {
            let place = Place::Line(e.position().map_or(0, |p| p.line()));
            TableError::Malformed {
                path: self.spec.path.clone(),
                place,
                message: csv_message(&e),
            }
        })?;
        // The bytes read so far (a little ahead of this record) have their quotes checked: a
        // quote left open, or closed in the middle of a cell, merges rows without an error
        // from the CSV reader.
        if let Some(problem) = reader.get_ref().problem {
            return Err(TableError::Malformed {
                path: self.spec.path.clone(),
                place: Place::Line(problem.line()),
                message: problem.to_string(),
            });
        }
        if !more {
            return Ok(false);
        }
        let place = Place::Line(record.position().map_or(0, |p| p.line()));
        let (mut id, mut text, mut values) = (None, None, Vec::new());
        let mut variable = 0;
        for (name, cell) in header.iter().zip(record.iter()) {
            if Some(name.as_str()) == self.spec.text_column.as_deref() {
                text = Some(cell.to_string());
            } else if self.id_from_column && name == self.spec.id_name() {
                id = (!cell.is_empty()).then(|| cell.to_string());
            } else {
                // An empty cell of a CSV is a missing value.
                values.push((variable, (!cell.is_empty()).then(|| cell.to_string())));
                variable += 1;
            }
        }
        self.add_row(place, id, text, values, rows)?;
        Ok(true)
    }

    fn next_json(&mut self, rows: &mut Vec<Row>) -> Result<bool, TableError> {
        let Source::Json { lines, line, bytes } = &mut self.source else {
            return Ok(false);
        };
        let (place, text) = loop {
            let Some(next) = lines.next() else {
                return Ok(false);
            };
            *line += 1;
            let place = Place::Line(*line);
            let text = next.map_err(|e| TableError::Malformed {
                path: self.spec.path.clone(),
                place,
                message: format!("cannot read: {e}"),
            })?;
            *bytes += text.len() as u64 + 1;
            if !text.trim().is_empty() {
                break (place, text);
            }
        };
        let OrderedObject(object) = serde_json::from_str(&text)
            .map_err(|e| self.malformed(place, format!("not a JSON object: {e}")))?;
        if self.rows == 0 && self.spec.id_column.is_none() {
            self.id_from_column = object.iter().any(|(key, _)| key == DEFAULT_ID);
        }
        if let Some(name) = &self.spec.text_column {
            if !object.iter().any(|(key, _)| key == name) {
                let keys: Vec<&str> = object.iter().map(|(key, _)| key.as_str()).collect();
                return Err(self.malformed(
                    place,
                    format!(
                        "no field {name:?} for the documents' text (--text-column; its fields: {})",
                        keys.join(", ")
                    ),
                ));
            }
        }
        let (mut id, mut text, mut values) = (None, None, Vec::new());
        for (name, value) in object {
            let is_text = Some(name.as_str()) == self.spec.text_column.as_deref();
            if is_text && !(value.is_string() || value.is_null()) {
                return Err(self.malformed(
                    place,
                    format!("the text field {name:?} holds {value}, not a string"),
                ));
            }
            let as_text = match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Bool(b) => Some(b.to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                other => {
                    let what = if other.is_array() {
                        "an array"
                    } else {
                        "an object"
                    };
                    return Err(self.malformed(
                        place,
                        format!("field {name:?} holds {what}; a value must be a string, number, boolean or null"),
                    ));
                }
            };
            if is_text {
                text = as_text;
            } else if self.id_from_column && name == self.spec.id_name() {
                id = as_text;
            } else {
                let column = self.variable(&name, None);
                values.push((column, as_text));
            }
        }
        if self.id_from_column && id.is_none() {
            return Err(self.malformed(
                place,
                format!("no value for the id field {:?}", self.spec.id_name()),
            ));
        }
        self.add_row(place, id, text, values, rows)?;
        Ok(true)
    }

    fn next_parquet(&mut self, rows: &mut Vec<Row>, max_bytes: u64) -> Result<bool, TableError> {
        let Source::Parquet {
            file,
            metadata,
            total,
            next,
            per_slice,
        } = &mut self.source
        else {
            return Ok(false);
        };
        if *next >= *total {
            return Ok(false);
        }
        let unreadable = |message: String| TableError::Unreadable {
            path: self.spec.path.clone(),
            message,
        };
        let mut reader =
            ParquetReader::new(file.try_clone().map_err(|e| unreadable(e.to_string()))?);
        reader.set_metadata(metadata.clone());
        let slice = (*next, (*per_slice).min(*total - *next));
        let df = reader
            .with_slice(Some(slice))
            .finish()
            .map_err(|e| unreadable(e.to_string()))?;
        let first_row = *next as u64 + 1;
        *next += slice.1;
        let (texts, ids, variables) = self.parquet_columns(&df, first_row)?;
        let text_bytes: usize = texts.iter().flatten().map(String::len).sum();
        // Aim the next slice at about a batch of text.
        if let Source::Parquet { per_slice, .. } = &mut self.source {
            let per_row = (text_bytes / slice.1.max(1)).max(1) as u64;
            *per_slice = usize::try_from(max_bytes / per_row)
                .unwrap_or(usize::MAX)
                .clamp(1, 1 << 20);
        }
        let mut texts = texts.into_iter();
        for (i, id) in ids.into_iter().enumerate() {
            let values = variables
                .iter()
                .map(|(column, values)| (*column, values[i].clone()))
                .collect();
            let place = Place::Row(first_row + i as u64);
            self.add_row(place, id, texts.next().flatten(), values, rows)?;
        }
        Ok(true)
    }

    /// A Parquet slice's texts, ids and variables (by variable column) as text.
    #[allow(clippy::type_complexity)]
    fn parquet_columns(
        &mut self,
        df: &DataFrame,
        first_row: u64,
    ) -> Result<
        (
            Vec<Option<String>>,
            Vec<Option<String>>,
            Vec<(usize, Vec<Option<String>>)>,
        ),
        TableError,
    > {
        let place = Place::Row(first_row);
        let path = self.spec.path.clone();
        let malformed = move |message: String| TableError::Malformed {
            path: path.clone(),
            place,
            message,
        };
        let as_text = |name: &str| -> Result<Vec<Option<String>>, TableError> {
            let column = df.column(name).map_err(|e| malformed(e.to_string()))?;
            let cast = column
                .cast(&DataType::String)
                .map_err(|e| malformed(format!("column {name:?}: {e}")))?;
            let strings = cast
                .str()
                .map_err(|e| malformed(format!("column {name:?}: {e}")))?;
            Ok(strings.iter().map(|v| v.map(str::to_string)).collect())
        };
        let mut texts = vec![None; df.height()];
        if let Some(name) = &self.spec.text_column {
            let dtype = df
                .column(name)
                .map_err(|e| self.malformed(place, e.to_string()))?
                .dtype()
                .clone();
            // Text kept as categories (pandas' `category`, polars' `Categorical`, Arrow's
            // dictionary-encoded strings) is text all the same.
            let text_like = matches!(dtype, DataType::String | DataType::Null)
                || dtype.is_categorical()
                || dtype.is_enum();
            if !text_like {
                return Err(self.malformed(
                    place,
                    format!("the text column {name:?} holds {dtype} values, not text"),
                ));
            }
            texts = as_text(name)?;
        }
        let ids = if self.id_from_column {
            as_text(self.spec.id_name())?
        } else {
            vec![None; df.height()]
        };
        let mut variables = Vec::new();
        for column in df.columns() {
            let name = column.name().to_string();
            if self.spec.is_fixed(&name) {
                continue;
            }
            let kind = Kind::of_dtype(column.dtype());
            let values = as_text(&name)?;
            variables.push((self.variable(&name, Some(kind)), values));
        }
        Ok((texts, ids, variables))
    }
}

impl TableSpec {
    /// Whether a column is the text or the id column (not a variable).
    fn is_fixed(&self, name: &str) -> bool {
        Some(name) == self.text_column.as_deref() || name == self.id_name()
    }
}

/// Refuses a header that names a column twice (two empty names included), naming each
/// (column numbers from 1): the cells of both would go to one variable, the last one winning.
/// One column without a name (the index pandas writes) stays a variable as before.
fn check_header(path: &Path, columns: &[String]) -> Result<(), TableError> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, name) in columns.iter().enumerate() {
        if let Some(&before) = first.get(name.as_str()) {
            problems.push(if name.is_empty() {
                format!("columns {} and {} both have no name", before + 1, i + 1)
            } else {
                format!(
                    "columns {} and {} are both named {name:?}",
                    before + 1,
                    i + 1
                )
            });
        } else {
            first.insert(name, i);
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(TableError::Header {
        path: path.to_path_buf(),
        problems: problems.join("; "),
        available: columns
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// A JSON object's fields in the order of the line (serde_json's map would sort them), so that
/// variables keep the order of the file.
struct OrderedObject(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for OrderedObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = OrderedObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedObject, A::Error> {
                let mut fields: Vec<(String, serde_json::Value)> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!(
                            "field {key:?} appears twice"
                        )));
                    }
                    fields.push((key, value));
                }
                Ok(OrderedObject(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// What [`QuoteCheck`] found wrong with the quotes of a CSV or TSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteProblem {
    /// A quoted cell opened on line `opened` is still open at the end of the file (on line
    /// `last`): every line after it would be one cell.
    Unclosed { opened: u64, last: u64 },
    /// A quoted cell opened on `opened` is closed on `line` by a quote followed by more text
    /// instead of the end of the cell: a quote inside a cell that was not doubled.
    Stray { opened: u64, line: u64 },
}

impl QuoteProblem {
    /// The line to name in the error.
    pub fn line(self) -> u64 {
        match self {
            QuoteProblem::Unclosed { opened, .. } => opened,
            QuoteProblem::Stray { opened, .. } => opened,
        }
    }
}

impl fmt::Display for QuoteProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            QuoteProblem::Unclosed { opened, last } => write!(
                f,
                "a quoted cell opened on this line is never closed: lines {opened}-{last}, to \
                 the end of the file, would be one cell (rows lost); close the quote, and \
                 double every quote inside a quoted cell (\"\")"
            ),
            QuoteProblem::Stray { opened, line } if opened == line => write!(
                f,
                "a quote inside a quoted cell is not doubled: the cell ends at it and the text \
                 after it is read wrongly; write a quote inside a quoted cell as \"\""
            ),
            QuoteProblem::Stray { line, .. } => write!(
                f,
                "a quoted cell opened on this line runs to a quote on line {line} followed by \
                 more text: the lines between would be one cell (rows lost); close the quote, \
                 and double every quote inside a quoted cell (\"\")"
            ),
        }
    }
}

/// Checks the quoting of a CSV or TSV file as the bytes pass to the CSV reader, which accepts
/// both a quote left open to the end of the file and one that closes a cell in the middle of
/// its text, each of which merges the rows that follow into one cell. The first problem found
/// is kept in `problem`; lines count from 1 as in the reader's messages.
pub struct QuoteCheck<R> {
    inner: R,
    delimiter: u8,
    state: QuoteState,
    line: u64,
    opened: u64,
    /// Whether the last byte read ended a line; whether any byte was read yet.
    ended_line: bool,
    started: bool,
    pub problem: Option<QuoteProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    /// At the start of a cell (a quote here opens a quoted cell).
    CellStart,
    /// In a cell that is not quoted (quotes are text).
    Unquoted,
    /// In a quoted cell.
    Quoted,
    /// Just after a quote in a quoted cell: a second quote is a literal one, a delimiter or
    /// line end closes the cell, anything else is a stray quote.
    QuoteInQuoted,
}

impl<R> QuoteCheck<R> {
    pub fn new(inner: R, delimiter: u8) -> QuoteCheck<R> {
        QuoteCheck {
            inner,
            delimiter,
            state: QuoteState::CellStart,
            line: 1,
            opened: 0,
            ended_line: false,
            started: false,
            problem: None,
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        self.ended_line = last == b'\n';
        let mut i = 0;
        // The CSV reader drops a UTF-8 byte order mark before the header.
        if !std::mem::replace(&mut self.started, true) && bytes.starts_with(b"\xEF\xBB\xBF") {
            i = 3;
        }
        while i < bytes.len() {
            match self.state {
                QuoteState::CellStart | QuoteState::Unquoted => {
                    if self.state == QuoteState::CellStart && bytes[i] == b'"' {
                        self.state = QuoteState::Quoted;
                        self.opened = self.line;
                        i += 1;
                        continue;
                    }
                    // To the cell's end: the delimiter or a line end.
                    match memchr::memchr3(self.delimiter, b'\n', b'\r', &bytes[i..]) {
                        Some(at) => {
                            if bytes[i + at] == b'\n' {
                                self.line += 1;
                            }
                            self.state = QuoteState::CellStart;
                            i += at + 1;
                        }
                        None => {
                            self.state = QuoteState::Unquoted;
                            i = bytes.len();
                        }
                    }
                }
                QuoteState::Quoted => match memchr::memchr2(b'"', b'\n', &bytes[i..]) {
                    Some(at) => {
                        if bytes[i + at] == b'\n' {
                            self.line += 1;
                        } else {
                            self.state = QuoteState::QuoteInQuoted;
                        }
                        i += at + 1;
                    }
                    None => i = bytes.len(),
                },
                QuoteState::QuoteInQuoted => {
                    let b = bytes[i];
                    if b == b'"' {
                        self.state = QuoteState::Quoted;
                    } else if b == self.delimiter || b == b'\n' || b == b'\r' {
                        if b == b'\n' {
                            self.line += 1;
                        }
                        self.state = QuoteState::CellStart;
                    } else {
                        self.problem.get_or_insert(QuoteProblem::Stray {
                            opened: self.opened,
                            line: self.line,
                        });
                        self.state = QuoteState::Unquoted;
                    }
                    i += 1;
                }
            }
        }
    }
}

impl<R: std::io::Read> std::io::Read for QuoteCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n]);
        if n == 0 && !buf.is_empty() && self.state == QuoteState::Quoted {
            self.problem.get_or_insert(QuoteProblem::Unclosed {
                opened: self.opened,
                last: self.line - u64::from(self.ended_line),
            });
        }
        Ok(n)
    }
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "not UTF-8 text (field {}): convert the file to UTF-8 first",
            err.field() + 1
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quote problem of `csv`, read through [`QuoteCheck`] `chunk` bytes at a time.
    fn quotes(csv: &str, chunk: usize) -> Option<QuoteProblem> {
        use std::io::Read;
        let mut check = QuoteCheck::new(csv.as_bytes(), b',');
        let mut buf = vec![0u8; chunk];
        while check.read(&mut buf).expect("read") > 0 {}
        check.problem
    }

    #[test]
    fn quotes_left_open_or_closed_inside_a_cell_are_found_with_their_lines() {
        for chunk in [1, 2, 3, 7, 4096] {
            // Well quoted: doubled quotes, delimiters and line breaks inside quotes, quotes
            // inside unquoted cells, CRLF line ends, a BOM, no final line end.
            for good in [
                "id,text\n1,\"He said \"\"hi\"\", then left\"\n2,plain \"quote\" here\n",
                "\u{feff}\"id\",\"text\"\r\n1,\"two\r\nlines\"\r\n2,\"\"\r\n",
                "id,text\n1,\"last\"",
                "id,text\n1,\"\"\"\"\n",
            ] {
                assert_eq!(quotes(good, chunk), None, "{good:?} by {chunk}");
            }
            assert_eq!(
                quotes("id,text\n1,ok\n2,\"never closed\n3,lost\n4,lost\n", chunk),
                Some(QuoteProblem::Unclosed { opened: 3, last: 5 })
            );
            assert_eq!(
                quotes("id,text\n1,\"open\n2,x", chunk),
                Some(QuoteProblem::Unclosed { opened: 2, last: 3 })
            );
            assert_eq!(
                quotes("id,text\n1,\"He said \"hi\" and left\"\n", chunk),
                Some(QuoteProblem::Stray { opened: 2, line: 2 })
            );
            assert_eq!(
                quotes("id,text\n1,\"open\n2,\"closed\",x\n", chunk),
                Some(QuoteProblem::Stray { opened: 2, line: 3 })
            );
        }
    }

    #[test]
    fn dates_are_days_since_1970() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2000-03-01"), Some(11_017));
        assert_eq!(days_from_date("2020-02-29T10:00:00"), Some(18_321));
        assert_eq!(days_from_date("2021-02-29"), None);
        assert_eq!(days_from_date("2021-13-01"), None);
        assert_eq!(days_from_date("20210101"), None);
    }

    #[test]
    fn types_are_inferred_from_every_value() {
        let of = |values: &[Option<&str>]| {
            Kind::infer(
                &values
                    .iter()
                    .map(|v| v.map(String::from))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(of(&[Some("1"), None, Some("-3")]), Kind::Integer);
        assert_eq!(of(&[Some("1"), Some("2.5")]), Kind::Float);
        assert_eq!(of(&[Some("true"), Some("False")]), Kind::Boolean);
        assert_eq!(of(&[Some("2020-01-31"), Some("1999-12-01")]), Kind::Date);
        assert_eq!(of(&[Some("2020-01-31"), Some("soon")]), Kind::Text);
        assert_eq!(of(&[None, None]), Kind::Text);
    }
}
