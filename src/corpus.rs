//! Corpus reading: a folder in, decoded documents and per-file outcomes out.
//!
//! Every regular, non-hidden file under the corpus folder is visited in sorted order.
//! A file that cannot be used (unreadable, binary, not UTF-8, unsupported format) becomes a
//! [`FileStatus::Skipped`] entry with the reason, so the run can report it and carry on.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Extensions read as plain text. Anything else with an extension is reported as unsupported.
const TEXT_EXTENSIONS: &[&str] = &["txt", "text", "md", "markdown"];
/// Formats researchers commonly drop into a corpus folder that need converting first.
const CONVERT_FIRST: &[&str] = &["pdf", "doc", "docx", "odt", "rtf", "html", "htm"];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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
    /// Byte length of the BOM that was removed (0 or 3): source byte offsets add this back.
    pub bom_len: usize,
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

/// Lists the files to read: recursive, hidden entries (names starting with `.`) ignored,
/// sorted by their relative path so that runs are deterministic.
pub fn list_files(root: &Path) -> Result<Vec<(String, PathBuf)>, CorpusError> {
    if !root.exists() {
        return Err(CorpusError::Missing {
            path: root.to_path_buf(),
        });
    }
    if !root.is_dir() {
        return Err(CorpusError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| CorpusError::Unlistable {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| CorpusError::Unlistable {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            // Follows symlinks, like a researcher would expect of a folder of documents.
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push((relative_id(root, &path), path));
            }
        }
    }
    files.sort();
    Ok(files)
}

fn relative_id(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads and decodes one file. Never fails: problems become a skipped record.
pub fn read_file(id: &str, path: &Path) -> (FileRecord, Option<Document>) {
    let skipped = |bytes: u64, sha256: String, reason: String| FileRecord {
        id: id.to_string(),
        bytes,
        sha256,
        status: FileStatus::Skipped { reason },
    };
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let data = match std::fs::read(path) {
        Ok(data) => data,
        Err(err) => {
            return (
                skipped(0, String::new(), format!("cannot read: {err}")),
                None,
            )
        }
    };
    let bytes = data.len() as u64;
    let sha256 = sha256_hex(&data);
    if CONVERT_FIRST.contains(&extension.as_str()) {
        let reason = format!("unsupported format .{extension}: convert it to plain text first");
        return (skipped(bytes, sha256, reason), None);
    }
    if !extension.is_empty() && !TEXT_EXTENSIONS.contains(&extension.as_str()) {
        let reason = format!(
            "unsupported file extension .{extension} (read: {})",
            TEXT_EXTENSIONS.join(", ")
        );
        return (skipped(bytes, sha256, reason), None);
    }
    let (record, document) = decode(id, data, format_for(&extension));
    (
        FileRecord {
            bytes,
            sha256,
            ..record
        },
        document,
    )
}

fn format_for(extension: &str) -> Format {
    match extension {
        "md" | "markdown" => Format::Markdown,
        _ => Format::PlainText,
    }
}

/// Decodes file content; `bytes` and `sha256` of the returned record are left for the caller.
pub fn decode(id: &str, mut data: Vec<u8>, format: Format) -> (FileRecord, Option<Document>) {
    let bytes = data.len() as u64;
    let record = |status| FileRecord {
        id: id.to_string(),
        bytes,
        sha256: String::new(),
        status,
    };
    // A NUL byte never occurs in text; checking the start is how git and ripgrep spot binaries.
    if data[..data.len().min(8192)].contains(&0) {
        let reason = "binary file (contains NUL bytes)".to_string();
        return (record(FileStatus::Skipped { reason }), None);
    }
    let bom_len = if data.starts_with(UTF8_BOM) { 3 } else { 0 };
    // The file's bytes become the text in place: a large file is not held twice.
    data.drain(..bom_len);
    let text = match String::from_utf8(data) {
        Ok(text) => text,
        Err(err) => {
            let err = err.utf8_error();
            let reason = format!(
                "not valid UTF-8 (first invalid byte at offset {}); re-save the file as UTF-8",
                err.valid_up_to() + bom_len
            );
            return (record(FileStatus::Skipped { reason }), None);
        }
    };
    if text.trim().is_empty() {
        return (record(FileStatus::Empty), None);
    }
    let document = Document {
        id: id.to_string(),
        format,
        text,
        bom_len,
    };
    (record(FileStatus::Read), Some(document))
}

pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
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
        let (record, doc) = decode("x.txt", data.to_vec(), Format::PlainText);
        (record.status, doc)
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
        let (status, doc) = decoded(b"caf\xE9 au lait");
        assert!(doc.is_none());
        match status {
            FileStatus::Skipped { reason } => assert!(reason.contains("offset 3"), "{reason}"),
            other => panic!("expected skipped, got {other:?}"),
        }
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
    }

    #[test]
    fn listing_is_sorted_recursive_and_skips_hidden() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("b")).expect("mkdir");
        std::fs::write(dir.path().join("b/2.txt"), "x").expect("write");
        std::fs::write(dir.path().join("a.txt"), "x").expect("write");
        std::fs::write(dir.path().join(".DS_Store"), "x").expect("write");
        let ids: Vec<String> = list_files(dir.path())
            .expect("list")
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, vec!["a.txt", "b/2.txt"]);
    }
}
