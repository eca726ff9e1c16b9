//! Reading: a folder in, decoded documents and per-file outcomes out.
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
            // Follows symlinks, like a researcher would expect of a folder of documents. The
            // entry's own type comes with the listing: only a symlink costs a lookup.
            let is_dir = match entry.file_type() {
                Ok(kind) if !kind.is_symlink() => kind.is_dir(),
                _ => path.is_dir(),
            };
            if is_dir {
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
    let (record, read) = read_file_with(id, path, |_| ());
    (record, read.map(|(document, ())| document))
}

/// [`read_file`], running `work` on the decoded document (see [`finish_with`]).
pub fn read_file_with<T>(
    id: &str,
    path: &Path,
    work: impl FnOnce(&Document) -> T,
) -> (FileRecord, Option<(Document, T)>) {
    finish_with(load(id, path), work)
}

/// Reads and decodes one file, not yet hashed: the document, or the record of why there is
/// none (a skipped or empty file).
pub fn load(id: &str, path: &Path) -> Result<Document, FileRecord> {
    let record = |bytes: usize, sha256: String, status| FileRecord {
        id: id.to_string(),
        bytes: bytes as u64,
        sha256,
        status,
    };
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
    let unsupported = if CONVERT_FIRST.contains(&extension.as_str()) {
        Some(format!(
            "unsupported format .{extension}: convert it to plain text first"
        ))
    } else if !extension.is_empty() && !TEXT_EXTENSIONS.contains(&extension.as_str()) {
        Some(format!(
            "unsupported file extension .{extension} (read: {})",
            TEXT_EXTENSIONS.join(", ")
        ))
    } else {
        None
    };
    if let Some(reason) = unsupported {
        let status = FileStatus::Skipped { reason };
        return Err(record(data.len(), sha256_hex(&data), status));
    }
    decode(id, data, format_for(&extension))
        .map_err(|(status, data)| record(data.len(), sha256_hex(&data), status))
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
    // The file's bytes are the BOM and the text.
    let bom = &UTF8_BOM[..document.bom_len];
    let bytes = bom.len() + document.text.len();
    let hash = || sha256_hex_of(&[bom, document.text.as_bytes()]);
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
    };
    (record, Some((document, out)))
}

fn format_for(extension: &str) -> Format {
    match extension {
        "md" | "markdown" => Format::Markdown,
        _ => Format::PlainText,
    }
}

/// Decodes file content into a document, or says why it is not one and gives the bytes back.
pub fn decode(id: &str, data: Vec<u8>, format: Format) -> Result<Document, (FileStatus, Vec<u8>)> {
    // A NUL byte never occurs in text; checking the start is how git and ripgrep spot binaries.
    if data[..data.len().min(8192)].contains(&0) {
        let reason = "binary file (contains NUL bytes)".to_string();
        return Err((FileStatus::Skipped { reason }, data));
    }
    let bom_len = if data.starts_with(UTF8_BOM) { 3 } else { 0 };
    // The file's bytes become the text in place (the BOM is valid UTF-8): a large file is not
    // held twice.
    let mut text = match String::from_utf8(data) {
        Ok(text) => text,
        Err(err) => {
            let reason = format!(
                "not valid UTF-8 (first invalid byte at offset {}); re-save the file as UTF-8",
                err.utf8_error().valid_up_to()
            );
            return Err((FileStatus::Skipped { reason }, err.into_bytes()));
        }
    };
    if text[bom_len..].trim().is_empty() {
        return Err((FileStatus::Empty, text.into_bytes()));
    }
    text.drain(..bom_len);
    Ok(Document {
        id: id.to_string(),
        format,
        text,
        bom_len,
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
        match decode("x.txt", data.to_vec(), Format::PlainText) {
            Ok(doc) => (FileStatus::Read, Some(doc)),
            Err((status, bytes)) => {
                assert_eq!(bytes, data, "the bytes are given back whole");
                (status, None)
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
        let (status, doc) = decoded(b"caf\xE9 au lait");
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
            let (record, read) = read_file_with(name, &path, |doc| doc.text.len());
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
