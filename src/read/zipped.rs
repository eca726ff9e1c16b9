//! Zip archives of XML parts (`.docx`, `.odt`, and `.qdpx` projects for `exchange`): the
//! file's bytes in; the archive, and the bytes or text of a named part, out — or the reason the
//! file cannot be read, in words a researcher can act on (a truncated or damaged file, a part
//! that is not UTF-8, or that would unpack to more than the archive may).
//!
//! What an archive may unpack to is capped before anything is unpacked: all the parts read
//! from one archive together at most [`RATIO`] times the archive's size (but
//! [`FLOOR`] whatever its size, and never more than [`MAX_TOTAL`]), one part never more than
//! [`MAX_PART`]. A part whose declared size is over its share is refused without being read;
//! one that declares less than it holds is unpacked as a stream and stopped at its share, so a
//! refused part costs at most that share of memory, never what it would unpack to.

use std::io::{Cursor, Read};
use zip::ZipArchive;

/// All parts read from an archive may unpack to this many times its size. Text and XML pack
/// 3 to 20 times; a zip bomb packs a thousand times.
pub const RATIO: u64 = 100;
/// What an archive may unpack to whatever its size: a tiny archive's parts are harmless.
pub const FLOOR: u64 = 4 << 20;
/// One part may never unpack to more than this: 128 MB of XML is a document of tens of
/// thousands of pages, and its parse tree takes several times that.
pub const MAX_PART: u64 = 128 << 20;
/// All the parts read from one archive together (a project's sources) never more than this.
pub const MAX_TOTAL: u64 = 1 << 30;

pub(crate) struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// The archive's size.
    size: u64,
    /// What the parts still to be read may unpack to together.
    left: u64,
}

/// Bytes as MB for messages, rounded up (a part of 1 byte over is not "0 MB").
fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

impl<'a> Archive<'a> {
    /// Opens a file as a zip archive; `what` names the format in the reason if it is not one.
    pub(crate) fn open(data: &'a [u8], what: &str) -> Result<Archive<'a>, String> {
        let zip = ZipArchive::new(Cursor::new(data)).map_err(|err| {
            format!("cannot open the {what} as a zip archive ({err}): the file is truncated, damaged or not a {what}")
        })?;
        let size = data.len() as u64;
        Ok(Archive {
            zip,
            size,
            left: size.saturating_mul(RATIO).clamp(FLOOR, MAX_TOTAL),
        })
    }

    /// The limit a part is refused over, said the way the reason says it.
    fn limit(&self) -> String {
        format!(
            "a part may unpack to {RATIO} times the size of the file it is in ({} MB here, at least {} MB, at most {} MB, and {} MB for all its parts)",
            mb(self.size.saturating_mul(RATIO)),
            mb(FLOOR),
            mb(MAX_PART),
            mb(MAX_TOTAL)
        )
    }

    /// The bytes of the part `name`, `None` if the archive has no such part.
    pub(crate) fn bytes(&mut self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let allowed = self.left.min(MAX_PART);
        let limit = self.limit();
        let entry = match self.zip.by_name(name) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(err) => return Err(format!("cannot read {name} in the archive: {err}")),
        };
        // The size the archive declares: refused without unpacking anything if over.
        let declared = entry.size();
        if declared > allowed {
            return Err(format!(
                "{name} would unpack to {} MB, more than this file may ({limit}): not read (a zip bomb, or no document to code)",
                mb(declared)
            ));
        }
        // Unpacked as a stream and stopped one byte over its share, in case the declared size
        // lies (the zip reader also refuses to unpack more than the declared size).
        let mut bytes = Vec::with_capacity(declared as usize);
        entry
            .take(allowed + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| {
                format!("cannot unpack {name}: {err} (the file is truncated or damaged)")
            })?;
        if bytes.len() as u64 > allowed {
            return Err(format!(
                "{name} unpacks to more than {} MB although the archive says {} MB, more than this file may ({limit}): not read (a zip bomb?)",
                mb(allowed),
                mb(declared)
            ));
        }
        self.left -= bytes.len() as u64;
        Ok(Some(bytes))
    }

    /// The text of the XML part `name` (UTF-8, a byte-order mark allowed), `None` if the
    /// archive has no such part.
    pub(crate) fn text(&mut self, name: &str) -> Result<Option<String>, String> {
        let Some(mut bytes) = self.bytes(name)? else {
            return Ok(None);
        };
        if bytes.starts_with(super::decode::UTF8_BOM) {
            bytes.drain(..super::decode::UTF8_BOM.len());
        }
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|err| format!("{name} is not UTF-8: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip archive of `(name, bytes)` parts, deflated.
    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            writer.start_file(*name, options).expect("start");
            writer.write_all(bytes).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    /// The archive with every part's uncompressed size, in its local and central headers,
    /// set to `size`.
    fn declare_sizes(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
        let mut at = 0;
        while at + 4 <= zip.len() {
            let field = match &zip[at..at + 4] {
                [0x50, 0x4b, 0x03, 0x04] => Some(at + 22),
                [0x50, 0x4b, 0x01, 0x02] => Some(at + 24),
                _ => None,
            };
            if let Some(f) = field {
                zip[f..f + 4].copy_from_slice(&size.to_le_bytes());
            }
            at += 1;
        }
        zip
    }

    #[test]
    fn parts_within_their_share_are_read_and_bombs_are_refused_unread() {
        let small = zip_of(&[("a.xml", b"\xef\xbb\xbf<a>text</a>")]);
        let mut archive = Archive::open(&small, "test").expect("opens");
        assert_eq!(archive.text("a.xml"), Ok(Some("<a>text</a>".to_string())));
        assert_eq!(archive.text("missing.xml"), Ok(None));

        // 64 MB of spaces pack to about 64 KB: over 100 times the archive, over the floor.
        let spaces = vec![b' '; 64 << 20];
        let bomb = zip_of(&[("a.xml", &spaces)]);
        assert!(bomb.len() < 1 << 20, "{}", bomb.len());
        let mut archive = Archive::open(&bomb, "test").expect("opens");
        let err = archive.bytes("a.xml").expect_err("refused");
        assert!(err.starts_with("a.xml would unpack to 64 MB, more than this file may (a part may unpack to 100 times"), "{err}");

        // The same part declaring 1 MB in its headers: the zip reader stops at the declared
        // size (and the stream at the share, if it did not), so it is refused after 1 MB.
        let lying = declare_sizes(bomb, 1 << 20);
        let mut archive = Archive::open(&lying, "test").expect("opens");
        let err = archive.bytes("a.xml").expect_err("refused");
        assert_eq!(
            err,
            "cannot unpack a.xml: File is larger than its declared uncompressed size (the file is truncated or damaged)"
        );

        // Parts share the archive's allowance: two of 3 MB in a tiny archive pass the floor.
        let three = vec![b' '; 3 << 20];
        let two = zip_of(&[("a", &three), ("b", &three)]);
        let mut archive = Archive::open(&two, "test").expect("opens");
        assert!(archive.bytes("a").expect("first fits").is_some());
        let err = archive.bytes("b").expect_err("over the floor in all");
        assert!(err.starts_with("b would unpack to 3 MB"), "{err}");
    }
}
