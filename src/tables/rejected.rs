//! The audit of what did not count: coded documents in, the `rejected_matches` table out —
//! one row per match that was found in a coded unit but did not count (vetoed by an
//! exclusion, no near term in reach, near a `not_near` term, negated and excluded, or
//! overlapped by a longer match of its code), with the same position columns as `matches`,
//! the status, and for a veto the exclusion and its pattern.

use super::{col_str, frame, match_columns, rows_of};
use crate::codebook::Codebook;
use crate::coding::{CodedDocument, RejectedRow};
use polars::prelude::*;

/// The `rejected_matches` rows of `documents`, in their order (a document's rows in order of
/// position, as `matches`).
pub fn rejected_matches_table(
    codebook: &Codebook,
    documents: &[CodedDocument],
) -> PolarsResult<DataFrame> {
    let rows = || rows_of(documents, |d| &d.rejected);
    let veto = |r: &RejectedRow| r.vetoed_by(codebook);
    let mut columns = match_columns(codebook, documents, |d| &d.rejected, |r| &r.matched)?;
    columns.extend([
        col_str("status", rows().map(|(_, r)| r.status.key())),
        Column::new(
            "exclusion".into(),
            rows()
                .map(|(_, r)| veto(r).map(|(id, _)| id))
                .collect::<Vec<Option<&str>>>(),
        ),
        Column::new(
            "vetoed_by".into(),
            rows()
                .map(|(_, r)| veto(r).map(|(_, pattern)| pattern))
                .collect::<Vec<Option<&str>>>(),
        ),
        Column::new(
            "negated".into(),
            rows()
                .map(|(_, r)| r.matched.negated)
                .collect::<Vec<bool>>(),
        ),
        Column::new(
            "applied".into(),
            rows()
                .map(|(_, r)| r.matched.applied)
                .collect::<Vec<bool>>(),
        ),
    ]);
    frame(columns)
}
