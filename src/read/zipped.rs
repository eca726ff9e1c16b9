//! Zip archives of XML parts (`.docx`, `.odt`): the file's bytes in; the archive, and the text
//! of a named part, out — or the reason the file cannot be read, in words a researcher can act
//! on (a truncated or damaged file, a part that is not UTF-8 or is too large).

use std::io::{Cursor, Read};
use zip::ZipArchive;

/// A part larger than this when unpacked is refused rather than read into memory (a zip
/// bomb, or no document a researcher would code).
const MAX_PART_BYTES: u64 = 1 << 30;

pub(super) type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Opens a file as a zip archive; `what` names the format in the reason if it is not one.
pub(super) fn open<'a>(data: &'a [u8], what: &str) -> Result<Archive<'a>, String> {
    ZipArchive::new(Cursor::new(data)).map_err(|err| {
        format!("cannot open the {what} as a zip archive ({err}): the file is truncated, damaged or not a {what}")
    })
}

/// The text of the part `name`, `None` if the archive has no such part.
pub(super) fn part(archive: &mut Archive, name: &str) -> Result<Option<String>, String> {
    let entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(err) => return Err(format!("cannot read {name} in the archive: {err}")),
    };
    let mut bytes = Vec::new();
    entry
        .take(MAX_PART_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot unpack {name}: {err} (the file is truncated or damaged)"))?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return Err(format!("{name} unpacks to more than 1 GB: not read"));
    }
    // XML parts are UTF-8 (a byte-order mark is allowed).
    let bytes = bytes
        .strip_prefix(super::decode::UTF8_BOM)
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|err| format!("{name} is not UTF-8: {err}"))
}
