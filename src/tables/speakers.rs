//! Speakers in tables: the coded units of transcripts (their speaker and codings, from a run's
//! batches or from a merged run's `segments` and `codings` tables) in; the `code_by_speaker`
//! table out — per code, document and speaker, the speaker's units coded with the code, their
//! hits, all the speaker's units there and the share — and the speaker groups of
//! `code_by_variable` (`--by speaker`).
//!
//! Only coded units count: the turns of speakers left uncoded (`skip_speakers`) are in no
//! denominator.

use super::{col_str, frame, CodeInfo, DENSE_CODES};
use crate::coding::CodedDocument;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Units per document and speaker, and per code among them: summed over a run's batches in
/// run order, so that documents keep the corpus order and speakers the order of their first
/// unit.
#[derive(Debug, Default)]
pub struct SpeakerTally {
    /// (document, speaker) in order of first appearance, with its coded units.
    groups: Vec<(String, String, usize)>,
    /// Per document, its speakers' groups (a document has few speakers).
    index: HashMap<String, Vec<usize>>,
    /// (group, code) → (units, hits).
    cells: BTreeMap<(usize, usize), (usize, usize)>,
}

/// A document's units with a speaker, and per code the coded units and hits among them.
pub type DocumentSpoken = (usize, Vec<(usize, usize)>);

impl SpeakerTally {
    fn group(&mut self, document: &str, speaker: &str) -> usize {
        if let Some(groups) = self.index.get(document) {
            if let Some(&g) = groups.iter().find(|&&g| self.groups[g].1 == speaker) {
                return g;
            }
        }
        self.groups
            .push((document.to_string(), speaker.to_string(), 0));
        let g = self.groups.len() - 1;
        self.index.entry(document.to_string()).or_default().push(g);
        g
    }

    /// Adds a batch's rows (whole documents, or a part of one).
    pub fn add_documents(&mut self, documents: &[CodedDocument]) {
        for document in documents {
            // Most documents are not transcripts: nothing to count.
            if !document.segments.iter().any(|s| s.turn.is_some()) {
                continue;
            }
            // A part's segments are numbered consecutively; its codings name them.
            let first = document.segments[0].segment;
            let mut group_of: Vec<Option<usize>> = vec![None; document.segments.len()];
            let mut last: Option<(&str, usize)> = None;
            for (i, segment) in document.segments.iter().enumerate() {
                let speaker = segment.turn.as_ref().and_then(|t| t.speaker.as_deref());
                let (Some(speaker), true) = (speaker, segment.coded) else {
                    continue;
                };
                let g = match last {
                    Some((s, g)) if s == speaker => g,
                    _ => self.group(&document.id, speaker),
                };
                last = Some((speaker, g));
                self.groups[g].2 += 1;
                group_of[i] = Some(g);
            }
            for coding in &document.codings {
                let at = coding.segment.checked_sub(first);
                if let Some(g) = at.and_then(|i| group_of.get(i).copied().flatten()) {
                    let cell = self.cells.entry((g, coding.code)).or_default();
                    cell.0 += 1;
                    cell.1 += coding.hits;
                }
            }
        }
    }

    /// The tally of a whole run from its `segments` and `codings` tables (a merge), whose
    /// codes are `code_ids`.
    pub fn of_tables(
        code_ids: &[String],
        segments: &DataFrame,
        codings: &DataFrame,
    ) -> PolarsResult<SpeakerTally> {
        let mut tally = SpeakerTally::default();
        let (documents, numbers) = (
            segments.column("document")?.str()?,
            segments.column("segment")?.i32()?,
        );
        let (coded, speakers) = (
            segments.column("coded")?.bool()?,
            segments.column("speaker")?.str()?,
        );
        let mut group_of: HashMap<(String, i32), usize> = HashMap::new();
        for i in 0..segments.height() {
            let (Some(document), Some(number), Some(true), Some(speaker)) = (
                documents.get(i),
                numbers.get(i),
                coded.get(i),
                speakers.get(i),
            ) else {
                continue;
            };
            let g = tally.group(document, speaker);
            tally.groups[g].2 += 1;
            group_of.insert((document.to_string(), number), g);
        }
        let code_at: HashMap<&str, usize> = code_ids
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let (documents, numbers) = (
            codings.column("document")?.str()?,
            codings.column("segment")?.i32()?,
        );
        let (codes, hits) = (
            codings.column("code")?.str()?,
            codings.column("hits")?.i32()?,
        );
        for i in 0..codings.height() {
            let (Some(document), Some(number), Some(code), Some(hits)) =
                (documents.get(i), numbers.get(i), codes.get(i), hits.get(i))
            else {
                return Err(PolarsError::ComputeError(
                    "the codings table has an empty cell".into(),
                ));
            };
            let Some(&g) = group_of.get(&(document.to_string(), number)) else {
                continue;
            };
            let Some(&c) = code_at.get(code) else {
                return Err(PolarsError::ComputeError(
                    format!("the codings table has unknown code {code}").into(),
                ));
            };
            let cell = tally.cells.entry((g, c)).or_default();
            cell.0 += 1;
            cell.1 += usize::try_from(hits).unwrap_or(0);
        }
        Ok(tally)
    }

    /// `code_by_speaker`: every code with every speaker of every transcript (in codebook, corpus
    /// and first-turn order; above [`DENSE_CODES`] codes only the cells with units).
    pub fn code_by_speaker(&self, codes: &[CodeInfo]) -> PolarsResult<DataFrame> {
        let mut rows: Vec<(usize, usize, usize, usize)> = Vec::new();
        for c in 0..codes.len() {
            for g in 0..self.groups.len() {
                let (units, hits) = self.cells.get(&(g, c)).copied().unwrap_or((0, 0));
                if codes.len() <= DENSE_CODES || units > 0 {
                    rows.push((c, g, units, hits));
                }
            }
        }
        let int = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
        frame(vec![
            col_str("code", rows.iter().map(|r| codes[r.0].id.as_str())),
            Column::new(
                "level".into(),
                rows.iter()
                    .map(|r| codes[r.0].level as i32)
                    .collect::<Vec<i32>>(),
            ),
            col_str("document", rows.iter().map(|r| self.groups[r.1].0.as_str())),
            col_str("speaker", rows.iter().map(|r| self.groups[r.1].1.as_str())),
            Column::new(
                "units".into(),
                rows.iter().map(|r| int(r.2)).collect::<Vec<i32>>(),
            ),
            Column::new(
                "hits".into(),
                rows.iter().map(|r| int(r.3)).collect::<Vec<i32>>(),
            ),
            Column::new(
                "speaker_units".into(),
                rows.iter()
                    .map(|r| int(self.groups[r.1].2))
                    .collect::<Vec<i32>>(),
            ),
            Column::new(
                "share".into(),
                rows.iter()
                    .map(|r| {
                        let all = self.groups[r.1].2;
                        (all > 0).then(|| r.2 as f64 / all as f64)
                    })
                    .collect::<Vec<Option<f64>>>(),
            ),
        ])
    }

    /// Per speaker name (over all documents), its coded units; and per code and name, units,
    /// hits and documents: the speaker groups of `--by speaker`, names in first-turn order.
    pub fn by_name(&self, n_codes: usize) -> Vec<SpeakerGroup> {
        let mut out: Vec<SpeakerGroup> = Vec::new();
        for (g, (_, speaker, units)) in self.groups.iter().enumerate() {
            let at = match out.iter().position(|s| s.name == *speaker) {
                Some(at) => at,
                None => {
                    out.push(SpeakerGroup {
                        name: speaker.clone(),
                        units: 0,
                        codes: vec![[0; 3]; n_codes],
                    });
                    out.len() - 1
                }
            };
            out[at].units += units;
            for c in 0..n_codes {
                if let Some(&(units, hits)) = self.cells.get(&(g, c)) {
                    let cell = &mut out[at].codes[c];
                    cell[0] += units;
                    cell[1] += hits;
                    cell[2] += usize::from(units > 0);
                }
            }
        }
        out
    }

    /// Per document, the units with a speaker, and per code the coded units and hits among
    /// them: what the units without a speaker are the rest of.
    pub fn by_document(&self, n_codes: usize) -> HashMap<&str, DocumentSpoken> {
        let mut out: HashMap<&str, DocumentSpoken> = HashMap::new();
        for (g, (document, _, units)) in self.groups.iter().enumerate() {
            let entry = out
                .entry(document.as_str())
                .or_insert_with(|| (0, vec![(0, 0); n_codes]));
            entry.0 += units;
            for c in 0..n_codes {
                if let Some(&(units, hits)) = self.cells.get(&(g, c)) {
                    entry.1[c].0 += units;
                    entry.1[c].1 += hits;
                }
            }
        }
        out
    }
}

/// One speaker name's units over the corpus, and per code its units, hits and documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerGroup {
    pub name: String,
    pub units: usize,
    pub codes: Vec<[usize; 3]>,
}
