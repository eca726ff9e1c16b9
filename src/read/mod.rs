//! Reading: a corpus folder in, decoded documents and per-file outcomes out.
//!
//! Every regular, non-hidden file under the corpus folder is visited in sorted order
//! ([`list_files`]) and decoded ([`decode`]: UTF-8 with or without its byte-order mark,
//! UTF-16 with one, and GB18030/GBK, Big5, Shift_JIS, EUC-JP, EUC-KR, Windows-1252 and the
//! other WHATWG encodings by detection, or one encoding forced for the whole corpus). A
//! [`Document`] holds its text as UTF-8 and can map any offset of that text back to the file
//! as stored ([`positions`]). A file that cannot be used (unreadable, binary, an encoding
//! that cannot be told with confidence, an unsupported format) becomes a
//! [`FileStatus::Skipped`] entry with the reason, so the run can report it and carry on.
//!
//! HTML pages (and files of any text extension that hold one), `.docx`, `.odt` and `.pdf`
//! files are read by a module of their own ([`html`], [`docx`], [`odt`], [`pdf`]) into the
//! same [`Document`]: its text is the extracted text, a block per line, and its [`Structure`]
//! says which lines are paragraphs, headings and footnotes ([`structured`]). Subtitles
//! (`.vtt`, `.srt`) are read likewise ([`subtitles`]), their cues joined into speaker turns.
//!
//! A table corpus (a CSV, TSV, JSON Lines or Parquet file, a document per row) is read by
//! [`table`] into the same documents.

pub mod decode;
pub mod docx;
pub mod html;
pub mod odt;
pub mod pdf;
pub mod positions;
pub mod structured;
pub mod subtitles;
pub mod table;
pub(crate) mod xml;
pub(crate) mod zipped;

use decode::UTF8_BOM;
pub use decode::{Basis, Decoding, EncodingError};
use encoding_rs::Encoding;
use positions::{SourceMap, StoredCursor};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
pub use structured::{Markup, Structure};

/// Extensions read as plain text. Anything else with an extension is reported as unsupported.
const TEXT_EXTENSIONS: &[&str] = &["txt", "text", "md", "markdown"];
/// Formats researchers commonly drop into a corpus folder that need converting first.
const CONVERT_FIRST: &[&str] = &["doc", "rtf"];
/// Extensions of formats read from their markup.
const MARKUP_EXTENSIONS: &[(&str, Markup)] = &[
    ("html", Markup::Html),
    ("htm", Markup::Html),
    ("xhtml", Markup::Html),
    ("docx", Markup::Docx),
    ("odt", Markup::Odt),
    ("pdf", Markup::Pdf),
    ("vtt", Markup::Vtt),
    ("srt", Markup::Srt),
];

/// How the text of a document is laid out, which decides how it is segmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    PlainText,
    Markdown,
}

/// A decoded document, ready for segmentation.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path relative to the corpus folder, with `/` separators: the document's id in every table.
    pub id: String,
    pub format: Format,
    /// The decoded text, without the byte-order mark if there was one.
    pub text: String,
    /// Byte length of the byte-order mark that was removed (0, 2, 3 or 4).
    pub bom_len: usize,
    /// The encoding the file was read in, and how that was decided.
    pub encoding: Encoded,
    /// For a file in another encoding than UTF-8: its bytes and the map from text offsets to
    /// them. `None` when the text is the file's bytes after the byte-order mark (UTF-8).
    pub source: Option<SourceMap>,
    /// For a document read from its markup (HTML, `.docx`, `.odt`): the kinds of its text's
    /// blocks and the file it came from. Its text is then the extracted text, which positions
    /// refer to, and `bom_len` is 0 and `source` `None`.
    pub structure: Option<Structure>,
}

/// A file's encoding and how it was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoded {
    pub encoding: &'static Encoding,
    pub by: Basis,
}

impl Encoded {
    /// The encoding's WHATWG name (`UTF-8`, `GBK`, `Big5`, `UTF-16LE`, `windows-1252`, …).
    pub fn name(&self) -> &'static str {
        self.encoding.name()
    }
}

impl Document {
    /// A document of UTF-8 text as stored without a byte-order mark (tests, tools).
    pub fn utf8(id: &str, format: Format, text: String) -> Document {
        Document {
            id: id.to_string(),
            format,
            text,
            bom_len: 0,
            encoding: Encoded {
                encoding: encoding_rs::UTF_8,
                by: Basis::Valid,
            },
            source: None,
            structure: None,
        }
    }

    /// Offsets in the file as stored of text offsets looked up from about `from` on.
    pub fn stored_offsets(&self, from: usize) -> StoredOffsets<'_> {
        match &self.source {
            None => StoredOffsets::Shifted(self.bom_len),
            Some(map) => StoredOffsets::Mapped(map.cursor(&self.text, from)),
        }
    }

    /// The file's size as stored.
    pub fn stored_len(&self) -> usize {
        if let Some(structure) = &self.structure {
            return structure.stored_len;
        }
        match &self.source {
            None => self.bom_len + self.text.len(),
            Some(map) => map.stored().len(),
        }
    }
}

/// Maps byte offsets of a document's text to byte offsets of its file, looked up mostly in
/// increasing order.
pub enum StoredOffsets<'a> {
    /// UTF-8: the text is the file after a byte-order mark of this many bytes.
    Shifted(usize),
    /// Another encoding: walked through the stored bytes.
    Mapped(StoredCursor<'a>),
}

impl StoredOffsets<'_> {
    /// The file offset of text offset `t` (a character boundary).
    #[inline]
    pub fn of(&mut self, t: usize) -> usize {
        match self {
            StoredOffsets::Shifted(bom) => t + *bom,
            StoredOffsets::Mapped(cursor) => cursor.stored_offset(t),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// Decoded and passed on to segmentation.
    Read,
    /// Zero bytes, or nothing but whitespace: reported, not an error.
    Empty,
    /// Not used; the reason says why, in words a researcher can act on.
    Skipped { reason: String },
}

/// What happened to one file of the corpus; every file visited gets one.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub id: String,
    pub bytes: u64,
    /// SHA-256 of the file's bytes, hex; empty when the file could not be read at all.
    pub sha256: String,
    pub status: FileStatus,
    /// How the file was decoded; `None` when it was not (skipped).
    pub encoding: Option<Encoded>,
    /// A problem that did not stop the file from being coded (no coded units in it).
    pub warning: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("corpus folder {path} does not exist")]
    Missing { path: PathBuf },
    #[error("corpus path {path} is not a folder")]
    NotADirectory { path: PathBuf },
    #[error("cannot list corpus folder {path}: {source}")]
    Unlistable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Lists the files to read ([`walk`]), reporting the walk's notes on stderr.
pub fn list_files(root: &Path) -> Result<Vec<(String, PathBuf)>, CorpusError> {
    let walked = walk(root)?;
    for note in &walked.notes {
        errln!("note: {note}");
    }
    Ok(walked.files)
}

/// What [`walk`] found: the entries to read, and what was left out of the corpus and why.
#[derive(Debug, Default)]
pub struct Walk {
    /// `(id, path)` sorted by id. Besides files, this holds every entry that is no document
    /// but is reported like a file that cannot be read: a folder that cannot be listed, a
    /// FIFO, socket or device, a broken link. [`load`] makes each a skipped record with its
    /// reason, without opening it.
    pub files: Vec<(String, PathBuf)>,
    /// Folders left out on purpose (a link back to a folder already read, qualcode's own
    /// output) and how ids were made of file names that are not UTF-8, in words.
    pub notes: Vec<String>,
}

/// How file names that are not valid UTF-8 are turned into ids, for the manifest.
pub const ESCAPED_NAMES_NOTE: &str = "file names that are not valid UTF-8 have ids in which \
each byte that is not part of valid UTF-8, and each `%`, is written %XX (two hex digits): \
the id is unique and gives the name back byte for byte";

/// Walks the corpus folder: recursive, hidden entries (names starting with `.`) ignored,
/// sorted by relative path so that runs are deterministic. Links are followed, like a
/// researcher would expect of a folder of documents, but every real folder is read once (by
/// device and inode): the real folders are walked first, then linked folders in order of
/// their path, and a link to a folder already read (a loop such as `dir/loop -> ..`) is left
/// out with a note. A subfolder holding qualcode's own `manifest.json` is a previous run's
/// output and is left out with a note.
pub fn walk(root: &Path) -> Result<Walk, CorpusError> {
    let root_meta = match std::fs::metadata(root) {
        Ok(meta) => meta,
        Err(_) if !root.exists() => {
            return Err(CorpusError::Missing {
                path: root.to_path_buf(),
            })
        }
        Err(source) => {
            return Err(CorpusError::Unlistable {
                path: root.to_path_buf(),
                source,
            })
        }
    };
    if !root_meta.is_dir() {
        return Err(CorpusError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    // The corpus folder itself must be listable; a subfolder that is not is reported.
    std::fs::read_dir(root).map_err(|source| CorpusError::Unlistable {
        path: root.to_path_buf(),
        source,
    })?;
    let mut walked = Walk::default();
    let mut escaped_names = false;
    // Each real folder read, with the id it was read under.
    let mut read_folders = std::collections::HashMap::new();
    read_folders.insert(folder_key(root, &root_meta), String::new());
    let mut pending = vec![(String::new(), root.to_path_buf())];
    let mut links: Vec<(String, PathBuf)> = Vec::new();
    loop {
        while let Some((dir_id, dir)) = pending.pop() {
            let entries = match list_folder(&dir) {
                Ok(entries) => entries,
                Err(_) => {
                    // Reported by `load`, which finds it is a folder and says why.
                    walked.files.push((dir_id, dir));
                    continue;
                }
            };
            for (name, path, kind) in entries {
                if name.as_encoded_bytes().starts_with(b".") {
                    continue;
                }
                let (component, escaped) = name_id(&name);
                escaped_names |= escaped;
                let id = if dir_id.is_empty() {
                    component
                } else {
                    format!("{dir_id}/{component}")
                };
                // The entry's own type comes with the listing: only a folder or a link costs
                // a lookup.
                let Ok(kind) = kind else {
                    walked.files.push((id, path));
                    continue;
                };
                if kind.is_symlink() {
                    match std::fs::metadata(&path) {
                        Ok(target) if target.is_dir() => links.push((id, path)),
                        _ => walked.files.push((id, path)),
                    }
                } else if kind.is_dir() {
                    if holds_qualcode_output(&path) {
                        walked.notes.push(output_note(&id));
                        continue;
                    }
                    let Ok(meta) = std::fs::symlink_metadata(&path) else {
                        walked.files.push((id, path));
                        continue;
                    };
                    let key = folder_key(&path, &meta);
                    if let Some(first) = read_folders.get(&key) {
                        walked.notes.push(repeat_note(&id, first));
                    } else {
                        read_folders.insert(key, id.clone());
                        pending.push((id, path));
                    }
                } else {
                    walked.files.push((id, path));
                }
            }
        }
        // The linked folder first in order of path, once every real folder is read.
        links.sort();
        if links.is_empty() {
            break;
        }
        let (id, path) = links.remove(0);
        let Ok(meta) = std::fs::metadata(&path) else {
            walked.files.push((id, path));
            continue;
        };
        if holds_qualcode_output(&path) {
            walked.notes.push(output_note(&id));
            continue;
        }
        let key = folder_key(&path, &meta);
        if let Some(first) = read_folders.get(&key) {
            walked.notes.push(repeat_note(&id, first));
        } else {
            read_folders.insert(key, id.clone());
            pending.push((id, path));
        }
    }
    walked.files.sort();
    // An escaped id can only equal the literal name of another file (`a%FF.txt`): that file
    // keeps it, and the one whose name is not UTF-8 is left out rather than given another's id.
    let mut kept: Vec<(String, PathBuf)> = Vec::with_capacity(walked.files.len());
    for (id, path) in std::mem::take(&mut walked.files) {
        match kept.last() {
            Some((last, last_path)) if *last == id => {
                let escaped = if path.to_str().is_none() {
                    &path
                } else {
                    last_path
                };
                walked.notes.push(format!(
                    "left out {}: its name is not UTF-8 and its escaped id {id:?} is the name of another file (rename it)",
                    escaped.display()
                ));
                if escaped == last_path {
                    kept.pop();
                    kept.push((id, path));
                }
            }
            _ => kept.push((id, path)),
        }
    }
    walked.files = kept;
    if escaped_names {
        walked.notes.push(ESCAPED_NAMES_NOTE.to_string());
    }
    Ok(walked)
}

/// A folder's entries as (name, path, type), in no particular order.
type Entry = (
    std::ffi::OsString,
    PathBuf,
    std::io::Result<std::fs::FileType>,
);

fn list_folder(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((entry.file_name(), entry.path(), entry.file_type()));
    }
    Ok(entries)
}

/// Identifies a real folder however it is reached: device and inode.
#[cfg(unix)]
fn folder_key(_path: &Path, meta: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino(), PathBuf::new())
}

/// Identifies a real folder however it is reached: its canonical path.
#[cfg(not(unix))]
fn folder_key(path: &Path, _meta: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    (
        0,
        0,
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
    )
}

fn repeat_note(id: &str, first: &str) -> String {
    let first = if first.is_empty() {
        "the corpus folder itself".to_string()
    } else {
        format!("{first:?}")
    };
    format!("left out {id:?}: a link to a folder already read ({first}); each folder is read once")
}

fn output_note(id: &str) -> String {
    format!("left out {id:?}: it holds qualcode's output (a qualcode manifest.json), not documents")
}

/// Whether a folder holds a qualcode run's output: a `manifest.json` written by qualcode.
fn holds_qualcode_output(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .is_ok_and(|manifest| manifest.get("tool").and_then(|t| t.as_str()) == Some("qualcode"))
}

/// A file name as part of an id: the name itself when it is UTF-8; otherwise escaped (every
/// byte of an invalid sequence, and every `%`, as `%XX`), and `true`.
fn name_id(name: &std::ffi::OsStr) -> (String, bool) {
    if let Some(name) = name.to_str() {
        return (name.to_string(), false);
    }
    let mut id = String::new();
    for chunk in name.as_encoded_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' {
                id.push_str("%25");
            } else {
                id.push(c);
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(id, "%{byte:02X}");
        }
    }
    (id, true)
}

/// The file name an escaped id component stands for (the inverse of the escaping in
/// [`walk`], for a component that was escaped).
pub fn unescape_name(component: &str) -> Vec<u8> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Why an entry of the corpus that is not a regular file is no document, or `None` for a
/// regular file (or one whose kind cannot be told: reading it says why).
fn not_a_document(path: &Path) -> Option<String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if std::fs::symlink_metadata(path).is_ok() => {
            return Some(format!("a link whose target cannot be read: {err}"))
        }
        Err(_) => return None,
    };
    if meta.is_file() {
        return None;
    }
    if meta.is_dir() {
        let why = match std::fs::read_dir(path) {
            Err(err) => err.to_string(),
            Ok(_) => "it could not be listed while the corpus was read".to_string(),
        };
        return Some(format!("a folder that cannot be listed: {why}"));
    }
    Some(format!("not a regular file but {}", special_kind(&meta)))
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_char_device() {
        "a character device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_meta: &std::fs::Metadata) -> &'static str {
    "a special file"
}

/// Reads and decodes one file, its encoding detected. Never fails: problems become a
/// skipped record.
pub fn read_file(id: &str, path: &Path) -> (FileRecord, Option<Document>) {
    read_file_as(id, path, Decoding::Detect)
}

/// [`read_file`] with the run's decoding (`--encoding`).
pub fn read_file_as(id: &str, path: &Path, decoding: Decoding) -> (FileRecord, Option<Document>) {
    let (record, read) = read_file_with(id, path, decoding, |_| ());
    (record, read.map(|(document, ())| document))
}

/// [`read_file_as`], running `work` on the decoded document (see [`finish_with`]).
pub fn read_file_with<T>(
    id: &str,
    path: &Path,
    decoding: Decoding,
    work: impl FnOnce(&Document) -> T,
) -> (FileRecord, Option<(Document, T)>) {
    finish_with(load(id, path, decoding), work)
}

/// Reads and decodes one file, not yet hashed: the document, or the record of why there is
/// none (a skipped or empty file).
pub fn load(id: &str, path: &Path, decoding: Decoding) -> Result<Document, FileRecord> {
    let record = |bytes: usize, sha256: String, status| FileRecord {
        id: id.to_string(),
        bytes: bytes as u64,
        sha256,
        status,
        encoding: None,
        warning: None,
    };
    // Only regular files are documents: a FIFO would block the run, a folder is no file.
    if let Some(reason) = not_a_document(path) {
        return Err(record(0, String::new(), FileStatus::Skipped { reason }));
    }
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let data = match std::fs::read(path) {
        Ok(data) => data,
        Err(err) => {
            let reason = format!("cannot read: {err}");
            return Err(record(0, String::new(), FileStatus::Skipped { reason }));
        }
    };
    // Word, Excel and PowerPoint keep a small `~$name` file beside a document while it is
    // open, naming who opened it: a lock, not a damaged document.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with("~$") && !data.starts_with(b"PK\x03\x04") {
        let reason = "an Office owner file (a `~$` file that Word, Excel or PowerPoint keeps beside a document while it is open), not a document"
            .to_string();
        let status = FileStatus::Skipped { reason };
        return Err(record(data.len(), sha256_hex(&data), status));
    }
    let markup = match MARKUP_EXTENSIONS.iter().find(|(e, _)| *e == extension) {
        Some(&(_, markup)) => Some(markup),
        // A page saved under a text name is read as a page.
        None if (extension.is_empty() || TEXT_EXTENSIONS.contains(&extension.as_str()))
            && html::looks_like_html(&data) =>
        {
            Some(Markup::Html)
        }
        None => None,
    };
    if let Some(markup) = markup {
        return structured::load(id, data, markup, decoding);
    }
    let unsupported = if CONVERT_FIRST.contains(&extension.as_str()) {
        Some(format!(
            "unsupported format .{extension}: convert it to plain text first"
        ))
    } else if !extension.is_empty() && !TEXT_EXTENSIONS.contains(&extension.as_str()) {
        Some(format!(
            "unsupported file extension .{extension} (read: {}, {})",
            TEXT_EXTENSIONS.join(", "),
            MARKUP_EXTENSIONS
                .iter()
                .map(|(e, _)| *e)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        None
    };
    if let Some(reason) = unsupported {
        let status = FileStatus::Skipped { reason };
        return Err(record(data.len(), sha256_hex(&data), status));
    }
    decode(id, data, format_for(&extension), decoding)
}

/// Files from this size on are hashed on a thread of their own while `work` runs.
const HASH_ALONGSIDE_BYTES: usize = 4 << 20;

/// What [`load`] gave, finished: a loaded document is hashed for its record and `work` runs
/// on it; a file that is no document keeps the record `load` made. A large file's SHA-256 is
/// computed on another thread meanwhile (hashing runs at about 1.8 GB/s here), rather than
/// holding up finding its paragraphs, which only one thread can do. Measured on the 300 MB
/// benchmark file, 10 alternating runs: median 2.27 s against 2.43 s hashing first; on four
/// 50 MB files the difference was lost in the noise.
pub fn finish_with<T>(
    loaded: Result<Document, FileRecord>,
    work: impl FnOnce(&Document) -> T,
) -> (FileRecord, Option<(Document, T)>) {
    let document = match loaded {
        Ok(document) => document,
        Err(record) => return (record, None),
    };
    // A UTF-8 file's bytes are the BOM and the text; another encoding's are kept.
    let bytes = document.stored_len();
    let hash = || match (&document.structure, &document.source) {
        // Read from its markup: hashed when it was read.
        (Some(structure), _) => structure.sha256.clone(),
        (None, None) => sha256_hex_of(&[&UTF8_BOM[..document.bom_len], document.text.as_bytes()]),
        (None, Some(map)) => sha256_hex(map.stored()),
    };
    let (sha256, out) = if bytes >= HASH_ALONGSIDE_BYTES {
        std::thread::scope(|scope| {
            let hashing = scope.spawn(hash);
            let out = work(&document);
            let sha256 = hashing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (sha256, out)
        })
    } else {
        (hash(), work(&document))
    };
    let record = FileRecord {
        id: document.id.clone(),
        bytes: bytes as u64,
        sha256,
        status: FileStatus::Read,
        encoding: Some(document.encoding),
        warning: None,
    };
    (record, Some((document, out)))
}

fn format_for(extension: &str) -> Format {
    match extension {
        "md" | "markdown" => Format::Markdown,
        _ => Format::PlainText,
    }
}

/// Decodes file content into a document, or the record of why it is not one (skipped, or
/// empty: nothing but whitespace), with the file's hash.
pub fn decode(
    id: &str,
    data: Vec<u8>,
    format: Format,
    decoding: Decoding,
) -> Result<Document, FileRecord> {
    let record = |data: &[u8], status, encoding| FileRecord {
        id: id.to_string(),
        bytes: data.len() as u64,
        sha256: sha256_hex(data),
        status,
        encoding,
        warning: None,
    };
    let decoded = match decode::decode(data, decoding) {
        Ok(decoded) => decoded,
        Err(refused) => {
            let status = FileStatus::Skipped {
                reason: refused.reason,
            };
            return Err(record(&refused.data, status, None));
        }
    };
    let encoding = Encoded {
        encoding: decoded.encoding,
        by: decoded.basis,
    };
    if decoded.text.trim().is_empty() {
        let data = match decoded.map {
            Some(map) => map.stored().to_vec(),
            None => [&UTF8_BOM[..decoded.bom_len], decoded.text.as_bytes()].concat(),
        };
        return Err(record(&data, FileStatus::Empty, Some(encoding)));
    }
    Ok(Document {
        id: id.to_string(),
        format,
        text: decoded.text,
        bom_len: decoded.bom_len,
        encoding,
        source: decoded.map,
        structure: None,
    })
}

pub fn sha256_hex(data: &[u8]) -> String {
    sha256_hex_of(&[data])
}

/// SHA-256 of consecutive pieces of data, hex.
fn sha256_hex_of(pieces: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    pieces.iter().for_each(|piece| hasher.update(piece));
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(data: &[u8]) -> (FileStatus, Option<Document>) {
        match decode("x.txt", data.to_vec(), Format::PlainText, Decoding::Detect) {
            Ok(doc) => (FileStatus::Read, Some(doc)),
            Err(record) => {
                assert_eq!(
                    record.sha256,
                    sha256_hex(data),
                    "the record is of the bytes"
                );
                assert_eq!(record.bytes, data.len() as u64);
                (record.status, None)
            }
        }
    }

    #[test]
    fn bom_is_removed_and_remembered() {
        let (status, doc) = decoded(b"\xEF\xBB\xBFHello\r\nworld\r\n");
        assert_eq!(status, FileStatus::Read);
        let doc = doc.expect("document");
        assert_eq!(doc.text, "Hello\r\nworld\r\n");
        assert_eq!(doc.bom_len, 3);
    }

    #[test]
    fn invalid_utf8_is_skipped_with_offset() {
        // Windows-1252 with a UTF-8 quote in it: neither encoding reads all of it.
        let (status, doc) = decoded(b"caf\xE9 au \xE2\x80\x9Clait\xE2\x80\x9D");
        assert!(doc.is_none());
        match status {
            FileStatus::Skipped { reason } => assert!(reason.contains("offset 3"), "{reason}"),
            other => panic!("expected skipped, got {other:?}"),
        }
        // Offsets are the file's: they count the BOM.
        let (status, _) = decoded(b"\xEF\xBB\xBFcaf\xE9");
        assert!(matches!(status, FileStatus::Skipped { reason } if reason.contains("offset 6")));
    }

    #[test]
    fn other_encodings_are_decoded_and_keep_their_bytes() {
        let data = encoding_rs::GBK
            .encode("社会组织赢得了政府的信任。\r\n一把手调任以后，合作就停了。\r\n")
            .0
            .into_owned();
        let (status, doc) = decoded(&data);
        assert_eq!(status, FileStatus::Read);
        let doc = doc.expect("document");
        assert_eq!(
            (doc.encoding.name(), doc.encoding.by),
            ("GBK", Basis::Detected)
        );
        assert_eq!(doc.stored_len(), data.len());
        // The second line starts after 13 characters and CRLF: 13 * 2 + 2 bytes in GBK.
        let second = doc.text.find('一').expect("second line");
        assert_eq!(doc.stored_offsets(0).of(second), 28);
        let (status, doc) = decoded(b"caf\xE9 au lait");
        assert_eq!(status, FileStatus::Read);
        let doc = doc.expect("latin");
        assert_eq!(
            (doc.text.as_str(), doc.encoding.name()),
            ("café au lait", "windows-1252")
        );
        assert_eq!(doc.stored_offsets(0).of("café".len()), 4);
    }

    #[test]
    fn file_hash_is_of_its_bytes_whether_hashed_alongside_or_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut large = UTF8_BOM.to_vec();
        large.extend(b"The yibashou rotates.\n".repeat(HASH_ALONGSIDE_BYTES / 20));
        for (name, data) in [
            ("small.txt", &b"\xEF\xBB\xBFtrust\n"[..]),
            ("large.txt", &large),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, data).expect("write");
            let (record, read) =
                read_file_with(name, &path, Decoding::Detect, |doc| doc.text.len());
            let (doc, text_len) = read.expect("document");
            assert_eq!(record.sha256, sha256_hex(data), "{name}");
            assert_eq!(record.bytes, data.len() as u64);
            assert_eq!((doc.bom_len, text_len), (3, data.len() - 3));
        }
        assert!(large.len() >= HASH_ALONGSIDE_BYTES);
    }

    #[test]
    fn binary_is_skipped() {
        let (status, _) = decoded(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        assert!(matches!(status, FileStatus::Skipped { reason } if reason.contains("binary")));
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(decoded(b"").0, FileStatus::Empty);
        assert_eq!(decoded(b" \r\n\t\n").0, FileStatus::Empty);
        assert_eq!(decoded(b"\xFF\xFE \x00\n\x00").0, FileStatus::Empty);
    }

    #[test]
    fn listing_is_sorted_recursive_and_skips_hidden() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("b")).expect("mkdir");
        std::fs::write(dir.path().join("b/2.txt"), "x").expect("write");
        std::fs::write(dir.path().join("a.txt"), "x").expect("write");
        std::fs::write(dir.path().join(".DS_Store"), "x").expect("write");
        assert_eq!(listed(dir.path()), vec!["a.txt", "b/2.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn listing_follows_symlinks_to_folders_and_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let elsewhere = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(elsewhere.path().join("interviews")).expect("mkdir");
        std::fs::write(elsewhere.path().join("interviews/1.txt"), "x").expect("write");
        std::fs::write(elsewhere.path().join("memo.txt"), "x").expect("write");
        let link = |target: &str, name: &str| {
            std::os::unix::fs::symlink(elsewhere.path().join(target), dir.path().join(name))
                .expect("symlink")
        };
        link("interviews", "linked");
        link("memo.txt", "memo.txt");
        assert_eq!(listed(dir.path()), vec!["linked/1.txt", "memo.txt"]);
    }

    fn listed(root: &Path) -> Vec<String> {
        let files = list_files(root).expect("list");
        files.into_iter().map(|(id, _)| id).collect()
    }
}
