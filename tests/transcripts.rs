//! Interviews and focus groups (issue 29): the fixtures of `tests/fixtures/transcripts/` and
//! the shipped corpus come out with the speaker turns `expected.toml` states, and documents of
//! prose (the rest of `corpus/`, the prose fixtures, the real web pages of
//! `../shared/html-extraction/pages`) are not read as transcripts; `code_by_speaker` equals a
//! recount from `segments` and `codings`; skipped speakers are kept uncoded and out of every
//! denominator; `--by speaker`; speakers in REFI-QDA; positions into the text kept of
//! subtitles.

mod common;

use common::*;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A fixture and the turns it must come out with, as `expected.toml` states them.
struct Fixture {
    path: String,
    layout: String,
    /// (speaker, units) per turn; `?` for an unnamed speaker.
    turns: Vec<(String, usize)>,
}

fn fixtures() -> Vec<Fixture> {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/transcripts/expected.toml"))
        .expect("expected.toml");
    let value: toml::Value = toml::from_str(&text).expect("expected.toml is TOML");
    value["fixture"]
        .as_array()
        .expect("[[fixture]]")
        .iter()
        .map(|f| Fixture {
            path: f["path"].as_str().expect("path").to_string(),
            layout: f["layout"].as_str().expect("layout").to_string(),
            turns: f["turns"]
                .as_array()
                .expect("turns")
                .iter()
                .map(|t| {
                    let t = t.as_str().expect("a turn is a string");
                    let (name, units) = t.rsplit_once(' ').expect("SPEAKER UNITS");
                    (name.to_string(), units.parse().expect("units"))
                })
                .collect(),
        })
        .collect()
}

/// The fixtures copied into one corpus folder, each under a name of its own (its path with
/// `/` as `__`): the id each has in the run.
fn fixture_corpus(fixtures: &[Fixture]) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = fixtures
        .iter()
        .map(|f| {
            let id = f.path.replace('/', "__");
            std::fs::copy(repo().join(&f.path), dir.path().join(&id)).expect("copy fixture");
            id
        })
        .collect();
    (dir, ids)
}

fn opt_strings(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .expect("column")
        .str()
        .expect("string column")
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn opt_i32s(df: &DataFrame, name: &str) -> Vec<Option<i32>> {
    df.column(name)
        .expect("column")
        .i32()
        .expect("Int32 column")
        .iter()
        .collect()
}

fn opt_i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name)
        .expect("column")
        .i64()
        .expect("Int64 column")
        .iter()
        .collect()
}

/// Per document, its turns as (speaker, paragraph units), from the segments table: the
/// segments of one turn number, counting those of kind paragraph.
fn turns_found(out: &Path) -> BTreeMap<String, Vec<(String, usize)>> {
    let segments = table(out, "segments");
    let documents = strings(&segments, "document");
    let kinds = strings(&segments, "kind");
    let speakers = opt_strings(&segments, "speaker");
    let turns = opt_i32s(&segments, "turn");
    let mut found: BTreeMap<String, Vec<(i32, String, usize)>> = BTreeMap::new();
    for i in 0..segments.height() {
        let Some(turn) = turns[i] else {
            continue;
        };
        let list = found.entry(documents[i].clone()).or_default();
        let speaker = speakers[i].clone().unwrap_or_else(|| "?".to_string());
        let paragraph = usize::from(kinds[i] == "paragraph");
        match list.last_mut() {
            Some(last) if last.0 == turn => last.2 += paragraph,
            _ => list.push((turn, speaker, paragraph)),
        }
    }
    found
        .into_iter()
        .map(|(d, turns)| (d, turns.into_iter().map(|(_, s, u)| (s, u)).collect()))
        .collect()
}

/// Expected turns found in order (the same speaker and units at the same place), counted over
/// the longest common subsequence, so that one turn too many or too few costs one.
fn right(expected: &[(String, usize)], found: &[(String, usize)]) -> usize {
    let mut lcs = vec![vec![0usize; found.len() + 1]; expected.len() + 1];
    for i in 0..expected.len() {
        for j in 0..found.len() {
            lcs[i + 1][j + 1] = if expected[i] == found[j] {
                lcs[i][j] + 1
            } else {
                lcs[i][j + 1].max(lcs[i + 1][j])
            };
        }
    }
    lcs[expected.len()][found.len()]
}

#[test]
fn every_fixture_comes_out_with_its_turns_and_prose_with_none() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 20, "{} fixtures", fixtures.len());
    let (corpus, ids) = fixture_corpus(&fixtures);
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(
        corpus.path(),
        &repo().join("codebook.toml"),
        out.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let found = turns_found(out.path());
    let documents = table(out.path(), "documents");
    let doc_ids = strings(&documents, "document");
    let doc_turns = opt_i32s(&documents, "turns");
    // The measure: per fixture, expected turns, turns found, and turns right.
    eprintln!(
        "{:<48} {:>8} {:>5} {:>5}  layout",
        "fixture", "expected", "found", "right"
    );
    let mut failures = Vec::new();
    let (mut all_expected, mut all_right, mut all_found) = (0, 0, 0);
    for (fixture, id) in fixtures.iter().zip(&ids) {
        let got = found.get(id).cloned().unwrap_or_default();
        let ok = right(&fixture.turns, &got);
        eprintln!(
            "{:<48} {:>8} {:>5} {:>5}  {}",
            fixture.path,
            fixture.turns.len(),
            got.len(),
            ok,
            fixture.layout
        );
        (all_expected, all_found, all_right) = (
            all_expected + fixture.turns.len(),
            all_found + got.len(),
            all_right + ok,
        );
        if got != fixture.turns {
            failures.push(format!(
                "{}: expected {:?}\n  found {:?}",
                fixture.path, fixture.turns, got
            ));
        }
        // The documents table says it was read as a transcript, with its number of turns.
        let row = doc_ids.iter().position(|d| d == id).expect("document row");
        let expected_turns = (!got.is_empty()).then_some(got.len() as i32);
        assert_eq!(doc_turns[row], expected_turns, "{id}");
    }
    eprintln!("all: {all_expected} turns expected, {all_found} found, {all_right} right");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shared_web_pages_are_not_read_as_transcripts() {
    let pages = repo().join("../shared/html-extraction/pages");
    let required = std::env::var("QUALCODE_REQUIRE_SHARED").is_ok_and(|v| v == "1");
    if !pages.is_dir() {
        assert!(!required, "{} is required but missing", pages.display());
        eprintln!(
            "skipped: {} not found (the shared test pages sit beside the clone)",
            pages.display()
        );
        return;
    }
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stderr) = run(&pages, &repo().join("codebook.toml"), out.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let documents = table(out.path(), "documents");
    let read_as_transcripts: Vec<String> = strings(&documents, "document")
        .into_iter()
        .zip(opt_i32s(&documents, "turns"))
        .filter(|(_, turns)| turns.is_some())
        .map(|(d, _)| d)
        .collect();
    eprintln!(
        "{} pages, {} read as transcripts",
        documents.height(),
        read_as_transcripts.len()
    );
    assert!(documents.height() >= 80);
    assert!(read_as_transcripts.is_empty(), "{read_as_transcripts:?}");
    assert!(opt_strings(&table(out.path(), "segments"), "speaker")
        .iter()
        .all(Option::is_none));
}

/// A codebook whose terms occur in the fixtures and the shipped corpus, in both languages, for
/// a `code_by_speaker` with many cells; `extra` is added at its top.
fn busy_codebook(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("busy.toml");
    std::fs::write(
        &path,
        format!(
            r#"{extra}
[codebook]
name = "busy"

[[codes]]
id = "government"
[[codes.rules]]
terms = ["government", "bureau", "street office", "official*", "cadre", "政府", "街道"]

[[codes]]
id = "funding"
parent = "government"
[[codes.rules]]
terms = ["contract", "money", "fund*", "pay*", "合同", "资金"]

[[codes]]
id = "trust"
[[codes.rules]]
terms = ["trust*", "reliable", "信任", "关系"]

[[codes]]
id = "speech"
[[codes.rules]]
terms = ["we", "I", "us", "我们"]
"#
        ),
    )
    .expect("write codebook");
    path
}

/// `code_by_speaker` recounted from `segments` (coded units with a speaker) and `codings`.
fn recount(out: &Path) -> BTreeMap<(String, String, String), (i32, i32, i32)> {
    let segments = table(out, "segments");
    let (docs, numbers, coded, speakers) = (
        strings(&segments, "document"),
        u32s(&segments, "segment"),
        bools(&segments, "coded"),
        opt_strings(&segments, "speaker"),
    );
    let mut speaker_of: BTreeMap<(String, u32), String> = BTreeMap::new();
    let mut speaker_units: BTreeMap<(String, String), i32> = BTreeMap::new();
    for i in 0..segments.height() {
        if let (true, Some(speaker)) = (coded[i], &speakers[i]) {
            speaker_of.insert((docs[i].clone(), numbers[i]), speaker.clone());
            *speaker_units
                .entry((docs[i].clone(), speaker.clone()))
                .or_default() += 1;
        }
    }
    let codings = table(out, "codings");
    let (docs, numbers, codes, hits) = (
        strings(&codings, "document"),
        u32s(&codings, "segment"),
        strings(&codings, "code"),
        u32s(&codings, "hits"),
    );
    let mut cells: BTreeMap<(String, String, String), (i32, i32, i32)> = BTreeMap::new();
    for i in 0..codings.height() {
        if let Some(speaker) = speaker_of.get(&(docs[i].clone(), numbers[i])) {
            let cell = cells
                .entry((codes[i].clone(), docs[i].clone(), speaker.clone()))
                .or_default();
            cell.0 += 1;
            cell.1 += hits[i] as i32;
        }
    }
    // Every code with every speaker of every document: units 0 where none.
    let code_ids: Vec<String> = strings(&table(out, "code_frequency"), "code");
    let mut dense = BTreeMap::new();
    for code in &code_ids {
        for ((doc, speaker), &units) in &speaker_units {
            let (coded, hits, _) = cells
                .get(&(code.clone(), doc.clone(), speaker.clone()))
                .copied()
                .unwrap_or_default();
            dense.insert(
                (code.clone(), doc.clone(), speaker.clone()),
                (coded, hits, units),
            );
        }
    }
    dense
}

fn code_by_speaker(out: &Path) -> BTreeMap<(String, String, String), (i32, i32, i32)> {
    let t = table(out, "code_by_speaker");
    let ints = |name: &str| -> Vec<i32> {
        opt_i32s(&t, name)
            .into_iter()
            .map(|v| v.expect("no nulls"))
            .collect()
    };
    let (codes, docs, speakers) = (
        strings(&t, "code"),
        strings(&t, "document"),
        strings(&t, "speaker"),
    );
    let (units, hits, all) = (ints("units"), ints("hits"), ints("speaker_units"));
    let shares = f64s(&t, "share");
    let mut out = BTreeMap::new();
    for i in 0..t.height() {
        assert_eq!(
            shares[i],
            Some(f64::from(units[i]) / f64::from(all[i])),
            "share of row {i}"
        );
        let key = (codes[i].clone(), docs[i].clone(), speakers[i].clone());
        assert!(
            out.insert(key, (units[i], hits[i], all[i])).is_none(),
            "one row per cell"
        );
    }
    out
}

#[test]
fn code_by_speaker_equals_a_recount_from_segments_and_codings() {
    let fixtures = fixtures();
    let (corpus, _) = fixture_corpus(&fixtures);
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = busy_codebook(dir.path(), "");
    for (unit, skip) in [
        ("paragraph", None),
        ("sentence", None),
        ("paragraph", Some("Interviewer")),
    ] {
        let out = dir.path().join(format!("out-{unit}-{}", skip.is_some()));
        let mut extra = vec!["--unit", unit];
        if let Some(name) = skip {
            extra.extend(["--skip-speaker", name]);
        }
        let (code, stderr) = run(corpus.path(), &codebook, &out, &extra);
        assert_eq!(code, 0, "{stderr}");
        let table = code_by_speaker(&out);
        let recounted = recount(&out);
        assert_eq!(table, recounted, "--unit {unit}, skipping {skip:?}");
        let with_units = table.values().filter(|v| v.0 > 0).count();
        assert!(with_units >= 40, "{with_units} cells with units");
        // The transcripts' speakers, in corpus order, speakers as they first speak.
        assert!(table.keys().any(|(_, _, s)| s == "Sarah O'Brien"));
        assert!(table.keys().any(|(_, _, s)| s == "张女士"));
        if skip.is_some() {
            assert!(!table.keys().any(|(_, _, s)| s == "Interviewer"));
        }
    }
}

#[test]
fn skipped_speakers_are_kept_uncoded_and_out_of_every_denominator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = fixtures();
    let (corpus, _) = fixture_corpus(&fixtures);
    let plain = busy_codebook(dir.path(), "");
    let skipping = dir.path().join("skipping.toml");
    let skip = "[units]\nskip_speakers = [\"I\", \"Interviewer\", \"问\", \"主持人\", \"AF\"]\n";
    std::fs::write(
        &skipping,
        format!(
            "{skip}{}",
            std::fs::read_to_string(&plain).expect("codebook")
        ),
    )
    .expect("write");
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    assert_eq!(run(corpus.path(), &plain, &before, &[]).0, 0);
    let (code, stderr) = run(corpus.path(), &skipping, &after, &[]);
    assert_eq!(code, 0, "{stderr}");

    let segments = table(&after, "segments");
    let (kinds, coded, speakers) = (
        strings(&segments, "kind"),
        bools(&segments, "coded"),
        opt_strings(&segments, "speaker"),
    );
    let skipped_names = ["I", "Interviewer", "问", "主持人", "AF"];
    // Names are compared ignoring case: INTERVIEWER of bold_names.docx is skipped too.
    let is_skipped = |s: &str| {
        skipped_names
            .iter()
            .any(|n| n.to_lowercase() == s.to_lowercase())
    };
    let mut left_out = 0;
    for i in 0..segments.height() {
        let of_skipped = speakers[i].as_deref().is_some_and(is_skipped);
        if kinds[i] == "paragraph" {
            // Kept in segments, as paragraphs, not coded: and only those.
            assert_eq!(coded[i], !of_skipped, "segment {i}");
            left_out += usize::from(of_skipped);
        }
    }
    // hardwrapped 3 (I), timestamps 3 (Interviewer), otter.srt 2 (Interviewer), 问 2,
    // 主持人 2, AF 2, INTERVIEWER 2.
    assert_eq!(left_out, 16);
    let m = manifest(&after);
    assert_eq!(m["counts"]["skipped_speaker_units"], left_out);
    assert!(
        stderr.contains(&format!(
            "{left_out} paragraph units of skipped speakers not coded"
        )),
        "{stderr}"
    );
    let units_before = manifest(&before)["counts"]["units"]
        .as_u64()
        .expect("units");
    assert_eq!(
        m["counts"]["units"].as_u64(),
        Some(units_before - left_out as u64)
    );
    // No coding, match or rejected match in their units.
    let skipped_units: std::collections::BTreeSet<(String, u32)> = strings(&segments, "document")
        .into_iter()
        .zip(u32s(&segments, "segment"))
        .zip(&speakers)
        .filter(|(_, s)| s.as_deref().is_some_and(is_skipped))
        .map(|(key, _)| key)
        .collect();
    for name in ["codings", "matches", "rejected_matches"] {
        let t = table(&after, name);
        let hit = strings(&t, "document")
            .into_iter()
            .zip(u32s(&t, "segment"))
            .filter(|key| skipped_units.contains(key))
            .count();
        assert_eq!(hit, 0, "{name} of skipped units");
    }
    // Every denominator: the documents' units, code_frequency's share, code_by_document's
    // document_units, cooccurrence's n, code_by_speaker (no skipped speaker at all).
    let documents = table(&after, "documents");
    let total: u32 = u32s(&documents, "units").iter().sum();
    assert_eq!(u64::from(total), units_before - left_out as u64);
    let frequency = table(&after, "code_frequency");
    for (units, share) in u32s(&frequency, "units")
        .iter()
        .zip(f64s(&frequency, "share"))
    {
        let share = share.expect("a share");
        assert!((share - f64::from(*units) / f64::from(total)).abs() < 1e-12);
    }
    let by_document = table(&after, "code_by_document");
    let doc_units: BTreeMap<String, u32> = strings(&documents, "document")
        .into_iter()
        .zip(u32s(&documents, "units"))
        .collect();
    for (d, units) in strings(&by_document, "document")
        .iter()
        .zip(u32s(&by_document, "document_units"))
    {
        assert_eq!(doc_units[d], units, "{d}");
    }
    assert!(u32s(&table(&after, "cooccurrence"), "n")
        .iter()
        .all(|&n| n == total));
    assert!(!strings(&table(&after, "code_by_speaker"), "speaker")
        .iter()
        .any(|s| is_skipped(s)));
    // The run option does what the codebook setting does.
    let by_option = dir.path().join("by-option");
    let mut args = Vec::new();
    for name in skipped_names {
        args.extend(["--skip-speaker", name]);
    }
    let (code, stderr) = run(corpus.path(), &plain, &by_option, &args);
    assert_eq!(code, 0, "{stderr}");
    for name in ["segments", "codings", "code_frequency", "code_by_speaker"] {
        assert!(
            table(&by_option, name).equals_missing(&table(&after, name)),
            "{name}"
        );
    }
    assert_eq!(
        manifest(&by_option)["parameters"]["skip_speakers"],
        serde_json::json!(skipped_names)
    );
    // Names are compared ignoring case; an empty name is refused.
    let (code, stderr) = run(
        corpus.path(),
        &plain,
        &dir.path().join("x"),
        &["--skip-speaker", " "],
    );
    assert_eq!(code, 2, "{stderr}");
    std::fs::write(
        dir.path().join("bad.toml"),
        "[units]\nskip_speakers = [\"\"]\n[[codes]]\nid = \"a\"\n[[codes.rules]]\nterms = [\"a\"]\n",
    )
    .expect("write");
    let (code, stderr) = run(
        corpus.path(),
        &dir.path().join("bad.toml"),
        &dir.path().join("y"),
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("skip_speakers lists an empty name"),
        "{stderr}"
    );
}

#[test]
fn by_speaker_groups_units_by_their_speaker_with_the_rest_as_missing() {
    let fixtures = fixtures();
    let (corpus, _) = fixture_corpus(&fixtures);
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = busy_codebook(dir.path(), "");
    let out = dir.path().join("out");
    // No document variables are needed.
    let (code, stderr) = run(corpus.path(), &codebook, &out, &["--by", "speaker"]);
    assert_eq!(code, 0, "{stderr}");
    let by = table(&out, "code_by_variable");
    let (codes, variables, values) = (
        strings(&by, "code"),
        strings(&by, "variable"),
        opt_strings(&by, "value"),
    );
    let (units, value_units) = (u32s(&by, "units"), u32s(&by, "value_units"));
    assert!(variables.iter().all(|v| v == "speaker"));
    // Per code, the speakers' units and the rest add up to the code's units.
    let frequency = table(&out, "code_frequency");
    let total: u32 = u32s(&table(&out, "documents"), "units").iter().sum();
    for (code, code_units) in strings(&frequency, "code")
        .iter()
        .zip(u32s(&frequency, "units"))
    {
        let rows: Vec<usize> = (0..by.height()).filter(|&i| codes[i] == *code).collect();
        assert_eq!(
            rows.iter().map(|&i| units[i]).sum::<u32>(),
            code_units,
            "{code}"
        );
        assert_eq!(rows.iter().map(|&i| value_units[i]).sum::<u32>(), total);
        // Missing last.
        assert_eq!(values[*rows.last().expect("rows")], None);
    }
    // A speaker's value units are its units in every transcript.
    let recounted = recount(&out);
    let mut per_name: BTreeMap<String, i32> = BTreeMap::new();
    for ((code, _, speaker), (_, _, all)) in &recounted {
        if code == "government" {
            *per_name.entry(speaker.clone()).or_default() += all;
        }
    }
    for i in (0..by.height()).filter(|&i| codes[i] == "government") {
        if let Some(name) = &values[i] {
            assert_eq!(value_units[i] as i32, per_name[name], "{name}");
        }
    }
    assert!(values.iter().flatten().any(|v| v == "Huang Lei"));
}

#[test]
fn subtitles_keep_their_text_and_positions_point_into_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    for name in [
        "zoom.vtt",
        "teams.vtt",
        "youtube.vtt",
        "otter.srt",
        "broadcast.srt",
    ] {
        std::fs::copy(
            repo().join("tests/fixtures/transcripts").join(name),
            corpus.join(name),
        )
        .expect("copy");
    }
    let codebook = busy_codebook(dir.path(), "");
    let out = dir.path().join("out");
    let (code, stderr) = run(&corpus, &codebook, &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let texts = table(&out, "texts");
    let kept: BTreeMap<String, String> = strings(&texts, "document")
        .into_iter()
        .zip(strings(&texts, "text"))
        .collect();
    assert_eq!(kept.len(), 5, "every subtitle file keeps its text");
    // No cue timing, identifier, voice tag or character reference is left in the text.
    for (doc, text) in &kept {
        assert!(
            !text.contains("-->") && !text.contains("<v") && !text.contains("&amp;"),
            "{doc}"
        );
        assert!(!text.contains("8f2c41d6"), "{doc}");
    }
    assert!(kept["teams.vtt"].starts_with("Zhou Min: Thanks for taking the time."));
    let cut = |doc: &str, start: u64, end: u64| -> String {
        kept[doc]
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect()
    };
    let segments = table(&out, "segments");
    let (docs, seg_texts) = (strings(&segments, "document"), strings(&segments, "text"));
    let (starts, ends) = (u64s(&segments, "char_start"), u64s(&segments, "char_end"));
    for i in 0..segments.height() {
        assert_eq!(
            cut(&docs[i], starts[i], ends[i]),
            seg_texts[i],
            "{}",
            docs[i]
        );
    }
    let matches = table(&out, "matches");
    let (docs, match_texts) = (strings(&matches, "document"), strings(&matches, "text"));
    let (starts, ends) = (u64s(&matches, "char_start"), u64s(&matches, "char_end"));
    assert!(matches.height() >= 10);
    for i in 0..matches.height() {
        assert_eq!(cut(&docs[i], starts[i], ends[i]), match_texts[i]);
    }
    // Times: a turn's paragraphs from its first cue's start to its last cue's end.
    let (firsts, lasts) = (
        opt_i64s(&segments, "time_start_ms"),
        opt_i64s(&segments, "time_end_ms"),
    );
    let teams: Vec<(Option<i64>, Option<i64>)> = (0..segments.height())
        .filter(|&i| docs_of(&segments)[i] == "teams.vtt")
        .map(|i| (firsts[i], lasts[i]))
        .collect();
    assert_eq!(
        teams,
        [
            (Some(1_120), Some(4_480)),
            (Some(5_010), Some(14_300)),
            (Some(15_020), Some(17_540)),
            (Some(18_100), Some(24_880))
        ]
    );
    // A speaker's label is not coded: "Huang Lei" or "Interviewer" never match.
    assert_match_offsets_in_unit_text(&out);
}

fn docs_of(df: &DataFrame) -> Vec<String> {
    strings(df, "document")
}

#[test]
fn a_speakers_label_is_never_coded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::write(
        corpus.join("panel.txt"),
        "Government Official: We fund the centre.\n\nTrust Director: The government pays on time.\n\nGovernment Official: And we trust them.\n\nTrust Director: Yes.\n",
    )
    .expect("write");
    let codebook = busy_codebook(dir.path(), "");
    let out = dir.path().join("out");
    let (code, stderr) = run(&corpus, &codebook, &out, &["--unit", "sentence"]);
    assert_eq!(code, 0, "{stderr}");
    let matches = table(&out, "matches");
    let texts = strings(&matches, "text");
    // `government` once in an utterance, `trust` once: none from the labels.
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.eq_ignore_ascii_case("government"))
            .count(),
        1,
        "{texts:?}"
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.to_lowercase().starts_with("trust"))
            .count(),
        1
    );
    let speakers = opt_strings(&table(&out, "segments"), "speaker");
    assert_eq!(
        speakers.iter().flatten().collect::<Vec<_>>(),
        [
            "Government Official",
            "Trust Director",
            "Government Official",
            "Trust Director"
        ]
    );
}

#[test]
fn speakers_are_cases_in_a_valid_refi_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    let qdpx = dir.path().join("p.qdpx");
    let (code, stderr) = invoke(
        &["export", "qdpx"],
        &repo().join("corpus"),
        &repo().join("codebook.toml"),
        &qdpx,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let file = std::fs::File::open(&qdpx).expect("open");
    let mut archive = ::zip::ZipArchive::new(file).expect("zip");
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("project.qde").expect("qde"), &mut qde)
        .expect("read");
    let qde_path = dir.path().join("project.qde");
    std::fs::write(&qde_path, &qde).expect("write");
    xmllint("Project.xsd", &qde_path);
    // One case per speaker of 002 and 004, each pointing at its turns' selections.
    let cases: Vec<&str> = qde.split("<Case ").skip(1).collect();
    assert_eq!(cases.len(), 9, "AF, HHM and the roundtable's seven");
    let hhm = cases
        .iter()
        .find(|c| c.contains("name=\"HHM\""))
        .expect("HHM is a case");
    assert_eq!(hhm.matches("<SelectionRef ").count(), 2);
    for case in &cases {
        for target in case.split("<SelectionRef targetGUID=\"").skip(1) {
            let guid = &target[..36];
            assert!(
                qde.contains(&format!("<PlainTextSelection guid=\"{guid}\"")),
                "a case points at a selection of the project"
            );
        }
    }
    assert_eq!(qde.matches(" turn ").count(), 18, "a selection per turn");
    // qualcode reads the project back: the turns are uncoded selections, codes unchanged.
    let read = qualcode::exchange::refi::read::project(&std::fs::read(&qdpx).expect("read"))
        .expect("parse");
    assert!(read.notes.is_empty(), "{:?}", read.notes);
}

#[test]
fn shards_merge_into_the_speaker_tables_of_one_run() {
    let fixtures = fixtures();
    let (corpus, _) = fixture_corpus(&fixtures);
    let dir = tempfile::tempdir().expect("tempdir");
    let codebook = busy_codebook(dir.path(), "");
    let whole = dir.path().join("whole");
    let args = ["--by", "speaker", "--skip-speaker", "Interviewer"];
    assert_eq!(run(corpus.path(), &codebook, &whole, &args).0, 0);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard{k}"));
        let shard = format!("{k}/3");
        let mut shard_args = args.to_vec();
        shard_args.extend(["--shard", &shard]);
        let (code, stderr) = run(corpus.path(), &codebook, &out, &shard_args);
        assert_eq!(code, 0, "{stderr}");
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    let (code, stderr) = merge(&shards, &merged);
    assert_eq!(code, 0, "{stderr}");
    for name in [
        "segments",
        "documents",
        "code_by_speaker",
        "code_by_variable",
    ] {
        assert!(
            table(&merged, name).equals_missing(&table(&whole, name)),
            "{name}"
        );
    }
    let counts = |out: &Path| {
        let m = manifest(out);
        (
            m["counts"]["transcripts"].clone(),
            m["counts"]["turns"].clone(),
            m["counts"]["skipped_speaker_units"].clone(),
        )
    };
    assert_eq!(counts(&merged), counts(&whole));
    // Interviewer: 3 in timestamps.txt, 2 in otter.srt; INTERVIEWER: 2 in bold_names.docx.
    assert_eq!(
        counts(&whole).2,
        serde_json::json!(7),
        "Interviewer and INTERVIEWER"
    );
    // Shards skipping other speakers are refused.
    let other = dir.path().join("other");
    assert_eq!(
        run(corpus.path(), &codebook, &other, &["--shard", "1/3"]).0,
        0
    );
    let (code, stderr) = merge(
        &[other, shards[1].clone(), shards[2].clone()],
        &dir.path().join("m2"),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("--skip-speaker"), "{stderr}");
}

#[test]
fn explain_says_what_was_read_as_a_transcript_and_why() {
    let (code, stdout, stderr) = outcome(&["explain", "004_3c905ff21c015a7c.txt", "--speakers"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout
        .starts_with("004_3c905ff21c015a7c.txt: read as a transcript: 2 speakers' labels recur"));
    assert!(
        stdout.contains("    1  HHM              lines 16-20, 3 units\n"),
        "{stdout}"
    );
    let (_, stdout, _) = outcome(&["explain", "001_bb6c17c0ea50004b.txt", "--speakers"]);
    assert!(
        stdout.starts_with("001_bb6c17c0ea50004b.txt: not read as a transcript: "),
        "{stdout}"
    );
    let (code, stdout, _) = outcome(&[
        "explain",
        "004_3c905ff21c015a7c.txt",
        "7",
        "--skip-speaker",
        "af",
    ]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("which is not coded (its speaker AF is one of skip_speakers)"),
        "{stdout}"
    );
    let (_, stdout, _) = outcome(&["explain", "004_3c905ff21c015a7c.txt", "9"]);
    assert!(stdout.starts_with(
        "004_3c905ff21c015a7c.txt, segment 9: paragraph, lines 18-18, chars 974-1623, speaker HHM (turn 1)"
    ), "{stdout}");
    // Explaining a unit needs a segment, a line or --speakers.
    let (code, _, _) = outcome(&["explain", "004_3c905ff21c015a7c.txt"]);
    assert_eq!(code, 2);
}
