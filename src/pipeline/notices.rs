//! What a run says about its files on stderr: file records in; a line for each of the first
//! files skipped, empty or without units to code, and at the end the number of the others,
//! skipped files by kind of reason. A corpus of a million empty rows prints a few lines, not a
//! million: the `documents` table lists every file with its status, reason and warning.

use crate::read::{FileRecord, FileStatus};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Lines printed of each kind (skipped, empty, without units) before the rest are counted.
pub const SHOWN: usize = 20;

pub(crate) struct Notices {
    corpus: PathBuf,
    /// A table corpus names documents by id within the table, a folder by path.
    table: bool,
    /// Lines printed, and files left unprinted, of each kind: skipped, empty, without units.
    shown: [usize; 3],
    more: [usize; 3],
    /// The unprinted skipped files by kind of reason.
    more_skipped: BTreeMap<String, usize>,
}

impl Notices {
    pub fn new(corpus: PathBuf, table: bool) -> Notices {
        Notices {
            corpus,
            table,
            shown: [0; 3],
            more: [0; 3],
            more_skipped: BTreeMap::new(),
        }
    }

    /// Reports skipped and empty files, and files read without a unit to code.
    pub fn report(&mut self, records: &[FileRecord]) {
        for record in records {
            match &record.status {
                FileStatus::Skipped { reason } => {
                    if self.take(0) {
                        errln!("warning: skipped {}: {reason}", self.name(record));
                    } else {
                        *self.more_skipped.entry(reason_kind(reason)).or_default() += 1;
                    }
                }
                FileStatus::Empty => {
                    if self.take(1) {
                        errln!("note: {} is empty", self.name(record));
                    }
                }
                FileStatus::Read => {}
            }
            if let Some(warning) = &record.warning {
                if self.take(2) {
                    errln!("warning: {}: {warning}", self.name(record));
                }
            }
        }
    }

    /// Says how many files of each kind were not named.
    pub fn finish(&self) {
        let [skipped, empty, without_units] = self.more;
        if skipped > 0 {
            let kinds: Vec<String> = self
                .more_skipped
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            errln!(
                "warning: {skipped} more {} skipped, not named above ({}): the documents table has each with its reason",
                self.things(skipped),
                kinds.join(", ")
            );
        }
        if empty > 0 {
            errln!(
                "note: {empty} more empty {}, not named above: the documents table has them (status empty)",
                self.things(empty)
            );
        }
        if without_units > 0 {
            errln!(
                "warning: {without_units} more {} without units to code, not named above: the documents table's warning column says why",
                self.things(without_units)
            );
        }
    }

    /// Whether a line of this kind is printed; if not, counts it.
    fn take(&mut self, kind: usize) -> bool {
        if self.shown[kind] < SHOWN {
            self.shown[kind] += 1;
            true
        } else {
            self.more[kind] += 1;
            false
        }
    }

    fn name(&self, record: &FileRecord) -> String {
        if self.table {
            format!("{}: document {:?}", self.corpus.display(), record.id)
        } else {
            self.corpus.join(&record.id).display().to_string()
        }
    }

    fn things(&self, n: usize) -> &'static str {
        match (self.table, n) {
            (true, 1) => "document",
            (true, _) => "documents",
            (false, 1) => "file",
            (false, _) => "files",
        }
    }
}

/// The kind of a skip reason: its words before the first `:`, `;` or `(` (`no text layer`,
/// `encrypted`, `not valid UTF-8`).
fn reason_kind(reason: &str) -> String {
    let end = reason.find([':', ';', '(']).unwrap_or(reason.len());
    reason[..end].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_grouped_by_their_first_words() {
        assert_eq!(
            reason_kind("no text layer (a scan or drawing): run OCR on it first"),
            "no text layer"
        );
        assert_eq!(reason_kind("encrypted: it needs a password"), "encrypted");
        assert_eq!(
            reason_kind("not valid UTF-8 (first invalid byte at offset 3); read as"),
            "not valid UTF-8"
        );
    }
}
