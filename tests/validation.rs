//! `qualcode sample` and `qualcode estimate` end to end: the sheet is blind and reproducible,
//! its design's strata equal a recount of the run's tables, a census gives the truth exactly,
//! a sheet is refused when it belongs to another run or is coded in part, and every command
//! works on a run with empty and skipped files.

mod common;

use common::{default_run, f64s, outcome, repo, strings, table};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const CODES: [&str; 4] = ["trust", "reciprocity", "fic_strategy", "localisation"];

fn sample(run: &Path, sheet: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "sample",
        "--from",
        run.to_str().unwrap(),
        "-o",
        sheet.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = outcome(&args);
    (code, stderr)
}

fn estimate(run: &Path, sheet: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "estimate",
        "--from",
        run.to_str().unwrap(),
        "--gold",
        sheet.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    outcome(&args)
}

/// The run's coded units and the codes the rules gave each, recounted from its tables.
fn machine_codes(run: &Path) -> BTreeMap<(String, i64), BTreeSet<String>> {
    let segments = table(run, "segments");
    let coded = common::bools(&segments, "coded");
    let docs = strings(&segments, "document");
    let segs = ints(&segments, "segment");
    let mut units: BTreeMap<(String, i64), BTreeSet<String>> = BTreeMap::new();
    for i in 0..segments.height() {
        if coded[i] {
            units.insert((docs[i].clone(), segs[i]), BTreeSet::new());
        }
    }
    let codings = table(run, "codings");
    for ((d, s), c) in strings(&codings, "document")
        .into_iter()
        .zip(ints(&codings, "segment"))
        .zip(strings(&codings, "code"))
    {
        units
            .get_mut(&(d, s))
            .expect("coding of a coded unit")
            .insert(c);
    }
    units
}

/// Any integer column as i64 (counts are unsigned in some tables, signed in others).
fn ints(df: &polars::prelude::DataFrame, name: &str) -> Vec<i64> {
    use polars::prelude::DataType;
    df.column(name)
        .expect("column")
        .cast(&DataType::Int64)
        .expect("integer")
        .i64()
        .expect("i64")
        .iter()
        .map(|v| v.expect("no nulls"))
        .collect()
}

fn read_sheet(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("sheet");
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn write_sheet(path: &Path, header: &[String], rows: &[Vec<String>], separator: u8) {
    let mut w = csv::WriterBuilder::new()
        .delimiter(separator)
        .from_path(path)
        .unwrap();
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

/// A stand-in for a coder: the rules' codes, plus trust wherever a unit's segment number is a
/// multiple of 5 and minus localisation where it is a multiple of 3. The truth is then known
/// for every unit.
fn truth(
    units: &BTreeMap<(String, i64), BTreeSet<String>>,
) -> BTreeMap<(String, i64), BTreeSet<String>> {
    units
        .iter()
        .map(|((d, s), codes)| {
            let mut t = codes.clone();
            if s % 5 == 0 {
                t.insert("trust".into());
            }
            if s % 3 == 0 {
                t.remove("localisation");
            }
            ((d.clone(), *s), t)
        })
        .collect()
}

/// A sheet of every coded unit of `run` (a census, drawn with `seed`) in `dir`, coded as
/// [`truth`] has it; the sheet and the truth.
fn census(
    run: &Path,
    dir: &Path,
    units: &BTreeMap<(String, i64), BTreeSet<String>>,
    seed: &str,
) -> (
    std::path::PathBuf,
    BTreeMap<(String, i64), BTreeSet<String>>,
) {
    let sheet = dir.join("all.csv");
    let n = units.len().to_string();
    assert_eq!(sample(run, &sheet, &["-n", &n, "--seed", seed]).0, 0);
    let (header, mut rows) = read_sheet(&sheet);
    let truth = truth(units);
    fill(&header, &mut rows, &truth);
    write_sheet(&sheet, &header, &rows, b',');
    (sheet, truth)
}

/// Fills the code columns of a sheet from `truth` (1/0), keeping everything else.
fn fill(
    header: &[String],
    rows: &mut [Vec<String>],
    truth: &BTreeMap<(String, i64), BTreeSet<String>>,
) {
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in rows.iter_mut() {
        let key = (
            row[col("document")].clone(),
            row[col("segment")].parse::<i64>().unwrap(),
        );
        for code in CODES {
            row[col(code)] = if truth[&key].contains(code) { "1" } else { "0" }.into();
        }
    }
}

#[test]
fn the_sheet_is_blind_reproducible_and_its_strata_are_the_runs() {
    let run = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("sample.csv");
    let (code, stderr) = sample(run.path(), &sheet, &["-n", "40", "--seed", "3"]);
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read_sheet(&sheet);
    assert_eq!(
        header,
        [
            "row",
            "document",
            "segment",
            "unit",
            "text",
            "trust",
            "reciprocity",
            "fic_strategy",
            "localisation",
            "stratum",
            "weight"
        ]
    );
    assert_eq!(rows.len(), 40);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (i + 1).to_string());
        assert!(
            row[5..9].iter().all(String::is_empty),
            "a code cell is filled: {row:?}"
        );
        assert!(!row[4].is_empty(), "no text");
    }
    // The strata recounted from the run's tables.
    let units = machine_codes(run.path());
    let any = units.values().filter(|c| !c.is_empty()).count() as u64;
    let design: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sample.design.json")).unwrap(),
    )
    .unwrap();
    let strata = design["strata"].as_array().unwrap();
    assert_eq!(strata[0]["population"].as_u64(), Some(any));
    assert_eq!(
        strata[1]["population"].as_u64(),
        Some(units.len() as u64 - any)
    );
    let sampled: u64 = strata.iter().map(|s| s["sampled"].as_u64().unwrap()).sum();
    assert_eq!(sampled, 40);
    // Each sheet row's stratum is its unit's: 1 where the rules coded it.
    for row in &rows {
        let key = (row[1].clone(), row[2].parse::<i64>().unwrap());
        let expected = if units[&key].is_empty() { "2" } else { "1" };
        assert_eq!(row[9], expected, "{key:?}");
    }
    // The same seed draws the same sheet; the sheet is not overwritten without --force.
    let again = dir.path().join("again.csv");
    assert_eq!(
        sample(run.path(), &again, &["-n", "40", "--seed", "3"]).0,
        0
    );
    assert_eq!(
        std::fs::read(&sheet).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let (code, stderr) = sample(run.path(), &sheet, &["-n", "40", "--seed", "4"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--force"), "{stderr}");
    // Too large a sample is refused with the population's size.
    let (code, stderr) = sample(run.path(), &dir.path().join("big.csv"), &["-n", "100000"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!("only {} coded units", units.len())),
        "{stderr}"
    );
}

#[test]
fn a_census_gives_the_truth_and_the_rules_precision_and_recall() {
    let run = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let units = machine_codes(run.path());
    let (sheet, truth) = census(run.path(), dir.path(), &units, "1");
    let out = dir.path().join("est");
    let (code, stdout, stderr) = estimate(run.path(), &sheet, &["-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Share of units a coder would code"),
        "{stdout}"
    );
    let est = table(&out, "estimates");
    let codes = strings(&est, "code");
    let pair = est
        .column("code_b")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.is_some())
        .collect::<Vec<_>>();
    let (share, low, high) = (
        f64s(&est, "share"),
        f64s(&est, "share_low"),
        f64s(&est, "share_high"),
    );
    let (machine, precision, recall) = (
        f64s(&est, "machine_share"),
        f64s(&est, "precision"),
        f64s(&est, "recall"),
    );
    let n = units.len() as f64;
    for code in CODES {
        let i = (0..est.height())
            .find(|&i| codes[i] == code && !pair[i])
            .unwrap();
        let has = |set: &BTreeSet<String>| set.contains(code);
        let true_units = truth.values().filter(|t| has(t)).count() as f64;
        let rules_units = units.values().filter(|t| has(t)).count() as f64;
        let both = units
            .keys()
            .filter(|k| has(&units[*k]) && has(&truth[*k]))
            .count() as f64;
        assert!((share[i].unwrap() - true_units / n).abs() < 1e-12, "{code}");
        assert_eq!(
            (low[i], high[i]),
            (share[i], share[i]),
            "{code}: a census has no width"
        );
        assert!(
            (machine[i].unwrap() - rules_units / n).abs() < 1e-12,
            "{code}"
        );
        if rules_units > 0.0 {
            assert!(
                (precision[i].unwrap() - both / rules_units).abs() < 1e-12,
                "{code}"
            );
        }
        if true_units > 0.0 {
            assert!(
                (recall[i].unwrap() - both / true_units).abs() < 1e-12,
                "{code}"
            );
        }
    }
    // machine_share equals the run's own code_frequency share.
    let freq = table(run.path(), "code_frequency");
    let freq_share: BTreeMap<String, Option<f64>> = strings(&freq, "code")
        .into_iter()
        .zip(f64s(&freq, "share"))
        .collect();
    for code in CODES {
        let i = (0..est.height())
            .find(|&i| codes[i] == code && !pair[i])
            .unwrap();
        assert!((machine[i].unwrap() - freq_share[code].unwrap()).abs() < 1e-12);
    }
    // The cells behind the estimates add up to the population.
    let cells = table(&out, "estimate_cells");
    let total: i64 = ints(&cells, "units")
        .iter()
        .zip(strings(&cells, "code"))
        .zip(cells.column("code_b").unwrap().str().unwrap().iter())
        .filter(|((_, c), b)| c == "trust" && b.is_none())
        .map(|((u, _), _)| *u)
        .sum();
    assert_eq!(total, units.len() as i64);
}

#[test]
fn a_sheet_of_another_run_or_coded_in_part_is_refused() {
    let run = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("s.csv");
    assert_eq!(
        sample(run.path(), &sheet, &["-n", "30", "--seed", "9"]).0,
        0
    );
    let units = machine_codes(run.path());
    let (header, rows) = read_sheet(&sheet);
    let mut filled = rows.clone();
    fill(&header, &mut filled, &truth(&units));

    // Rows 11 and after not coded: refused, naming the rows and the ways out.
    let mut part = filled.clone();
    for row in part.iter_mut().skip(10) {
        row[5..9].iter_mut().for_each(String::clear);
    }
    write_sheet(&sheet, &header, &part, b',');
    let (code, _, stderr) = estimate(run.path(), &sheet, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("rows 11–30") && stderr.contains("--partial"),
        "{stderr}"
    );
    // --partial takes the first ten rows as a smaller sample.
    let out = dir.path().join("p");
    let (code, stdout, stderr) = estimate(
        run.path(),
        &sheet,
        &["--partial", "-o", out.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("20 rows not yet coded left out"),
        "{stdout}"
    );
    assert_eq!(ints(&table(&out, "estimates"), "n_sampled")[0], 10);
    // A skipped row before coded ones is refused under --partial.
    part[3][5..9].iter_mut().for_each(|c| c.clear());
    write_sheet(&sheet, &header, &part, b',');
    let (code, _, stderr) = estimate(run.path(), &sheet, &["--partial"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("rows 4 have no mark but rows after them do"),
        "{stderr}"
    );

    // x/blank marks with --blank-means-no, in a sheet a spreadsheet saved with semicolons.
    let mut marks = filled.clone();
    for row in marks.iter_mut() {
        for cell in &mut row[5..9] {
            *cell = if cell == "1" {
                "x".into()
            } else {
                String::new()
            };
        }
    }

    write_sheet(&sheet, &header, &marks, b';');
    let out_marks = dir.path().join("m");
    let (code, _, stderr) = estimate(
        run.path(),
        &sheet,
        &["--blank-means-no", "-o", out_marks.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    write_sheet(&sheet, &header, &filled, b',');
    let out_ones = dir.path().join("o");
    assert_eq!(
        estimate(run.path(), &sheet, &["-o", out_ones.to_str().unwrap()]).0,
        0
    );
    assert_eq!(
        f64s(&table(&out_marks, "estimates"), "share"),
        f64s(&table(&out_ones, "estimates"), "share"),
        "x/blank and 1/0 give the same estimates"
    );

    // A drawn unit deleted from the sheet is named by row, document and segment.
    let mut short = filled.clone();
    let deleted = short.remove(4);
    write_sheet(&sheet, &header, &short, b',');
    let (code, _, stderr) = estimate(run.path(), &sheet, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!(
            "1 drawn unit is missing: row {} ({} #{})",
            deleted[0], deleted[1], deleted[2]
        )),
        "{stderr}"
    );

    // A mark that is neither is named with its line and column.
    let mut bad = filled.clone();
    bad[0][6] = "maybe".into();
    write_sheet(&sheet, &header, &bad, b',');
    let (code, _, stderr) = estimate(run.path(), &sheet, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 2, column reciprocity: \"maybe\""),
        "{stderr}"
    );

    // The same sheet against a run coded with another codebook.
    write_sheet(&sheet, &header, &filled, b',');
    let codebook = std::fs::read_to_string(repo().join("codebook.toml")).unwrap();
    let changed = dir.path().join("changed.toml");
    std::fs::write(&changed, codebook.replace("\"bentuhua\", ", "")).unwrap();
    let other = dir.path().join("other");
    let (code, stderr) = common::run(&repo().join("corpus"), &changed, &other, &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = estimate(&other, &sheet, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("another codebook"), "{stderr}");
}

#[test]
fn estimates_by_a_variable_and_in_the_report_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let metadata = dir.path().join("meta.csv");
    let corpus = repo().join("corpus");
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut text = "document,outlet\n".to_string();
    for (i, n) in names.iter().enumerate() {
        text.push_str(&format!(
            "{n},{}\n",
            if i % 2 == 0 { "journal" } else { "web" }
        ));
    }
    std::fs::write(&metadata, text).unwrap();
    let run = dir.path().join("run");
    let (code, stderr) = common::run(
        &corpus,
        &repo().join("codebook.toml"),
        &run,
        &["--metadata", metadata.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let sheet = dir.path().join("s.csv");
    assert_eq!(sample(&run, &sheet, &["-n", "60", "--seed", "2"]).0, 0);
    let units = machine_codes(&run);
    let (header, mut rows) = read_sheet(&sheet);
    fill(&header, &mut rows, &truth(&units));
    write_sheet(&sheet, &header, &rows, b',');
    let (code, stdout, stderr) = estimate(&run, &sheet, &["--by", "outlet"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("By outlet"), "{stdout}");
    let est = table(&run, "estimates");
    let variables = est
        .column("variable")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(String::from))
        .collect::<Vec<_>>();
    let values = est
        .column("value")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(String::from))
        .collect::<Vec<_>>();
    let codes = strings(&est, "code");
    let n_sampled = ints(&est, "n_sampled");
    let methods = strings(&est, "method");
    // Per code, the values' sampled units add up to the whole sample; their units to all.
    let units_col = ints(&est, "units");
    for code in CODES {
        let by: Vec<usize> = (0..est.height())
            .filter(|&i| codes[i] == code && variables[i].is_some())
            .collect();
        assert_eq!(by.len(), 2, "{code}: journal and web");
        assert_eq!(by.iter().map(|&i| n_sampled[i]).sum::<i64>(), 60);
        assert_eq!(
            by.iter().map(|&i| units_col[i]).sum::<i64>(),
            units.len() as i64
        );
        assert!(by.iter().all(|&i| methods[i] == "borrowed"));
        assert_eq!(values[by[0]].as_deref(), Some("journal"));
    }
    // The report shows the estimates; plot frequency draws them beside the rules.
    let html = dir.path().join("r.html");
    let (code, _, stderr) = outcome(&[
        "report",
        "--from",
        run.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("What a coder would find") && page.contains("60 hand-coded units"),
        "no estimates in the report"
    );
    let svg = dir.path().join("f.svg");
    assert_eq!(
        outcome(&[
            "plot",
            "frequency",
            "--from",
            run.to_str().unwrap(),
            "--out",
            svg.to_str().unwrap()
        ])
        .0,
        0
    );
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(
        drawn.contains("Share of units a coder would code"),
        "{drawn}"
    );
    // A new run into the folder makes them stale: the report says so and does not show them.
    let (code, stderr) = common::run(
        &corpus,
        &repo().join("codebook.toml"),
        &run,
        &["--metadata", metadata.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        outcome(&[
            "report",
            "--from",
            run.to_str().unwrap(),
            "--out",
            html.to_str().unwrap()
        ])
        .0,
        0
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("estimates") && page.contains("of an earlier run"),
        "stale estimates shown"
    );
}

#[test]
fn a_run_with_empty_and_skipped_files_samples_and_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for name in ["002_c944b3881ed7d4ef.txt", "004_3c905ff21c015a7c.txt"] {
        std::fs::copy(repo().join("corpus").join(name), corpus.join(name)).unwrap();
    }
    std::fs::write(corpus.join("empty.txt"), "").unwrap();
    std::fs::write(corpus.join("~$locked.docx"), [0u8, 1, 2, 3]).unwrap();
    std::fs::write(corpus.join("binary.txt"), [0u8, 159, 146, 150, 0, 0, 7]).unwrap();
    let run = dir.path().join("run");
    let (code, stderr) = common::run(&corpus, &repo().join("codebook.toml"), &run, &[]);
    assert_eq!(code, 1, "files skipped: {stderr}");
    let sheet = dir.path().join("s.csv");
    let (code, stderr) = sample(&run, &sheet, &["-n", "20", "--seed", "1"]);
    assert_eq!(code, 0, "{stderr}");
    let (header, mut rows) = read_sheet(&sheet);
    assert!(rows
        .iter()
        .all(|r| !r[1].starts_with("empty") && !r[1].contains("locked")));
    fill(&header, &mut rows, &truth(&machine_codes(&run)));
    write_sheet(&sheet, &header, &rows, b',');
    let (code, _, stderr) = estimate(&run, &sheet, &[]);
    assert_eq!(code, 0, "{stderr}");
    // The population is the coded units only: the sample's strata add up to them.
    let design: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.design.json")).unwrap())
            .unwrap();
    let population: u64 = design["strata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["population"].as_u64().unwrap())
        .sum();
    assert_eq!(population, machine_codes(&run).len() as u64);
}

#[test]
fn agree_weighs_a_sample_sheet_to_the_corpus() {
    let run = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("s.csv");
    assert_eq!(
        sample(run.path(), &sheet, &["-n", "50", "--seed", "11"]).0,
        0
    );
    let (header, mut rows) = read_sheet(&sheet);
    fill(&header, &mut rows, &truth(&machine_codes(run.path())));
    write_sheet(&sheet, &header, &rows, b',');
    let out = dir.path().join("est");
    assert_eq!(
        estimate(run.path(), &sheet, &["-o", out.to_str().unwrap()]).0,
        0
    );
    let agreed = dir.path().join("agree");
    let (code, stdout, stderr) = outcome(&[
        "agree",
        "--gold",
        sheet.to_str().unwrap(),
        "-o",
        agreed.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("weighted to the corpus"), "{stdout}");
    let agreement = table(&agreed, "agreement");
    let est = table(&out, "estimates");
    let (codes, est_codes) = (strings(&agreement, "code"), strings(&est, "code"));
    let (weighted_precision, precision) = (
        f64s(&agreement, "weighted_precision"),
        f64s(&agreement, "precision"),
    );
    let (weighted_kappa, kappa) = (
        f64s(&agreement, "weighted_kappa"),
        f64s(&agreement, "cohen_kappa"),
    );
    let est_precision = f64s(&est, "precision");
    let mut differ = 0;
    for (i, code) in codes.iter().enumerate() {
        // All units the rules coded are in one stratum, so the weighted precision is the
        // estimate's.
        let j = est_codes.iter().position(|c| c == code).unwrap();
        match (weighted_precision[i], est_precision[j]) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{code}: {a} vs {b}"),
            (a, b) => assert_eq!(a.is_none(), b.is_none(), "{code}"),
        }
        if weighted_kappa[i] != kappa[i] || weighted_precision[i] != precision[i] {
            differ += 1;
        }
    }
    assert!(
        differ > 0,
        "weighting changed nothing: the sample over-represents coded units"
    );
    // A plain hand coding (no design file) has no weighted figures.
    std::fs::remove_file(dir.path().join("s.design.json")).unwrap();
    let (code, stdout, _) = outcome(&[
        "agree",
        "--gold",
        sheet.to_str().unwrap(),
        "-o",
        agreed.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("weighted to the corpus"));
    assert!(f64s(&table(&agreed, "agreement"), "weighted_kappa")
        .iter()
        .all(Option::is_none));
}

/// Codes each source of a `.qdpx` sheet as `truth` says, as a coder would in a QDA tool: a
/// selection over the whole source carrying the codes.
fn code_project(sheet: &Path, truth: &BTreeMap<(String, i64), BTreeSet<String>>) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(sheet).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        entries.push((file.name().unwrap().to_string(), data));
    }
    let (_, qde) = entries
        .iter_mut()
        .find(|(n, _)| n == "project.qde")
        .unwrap();
    let text = String::from_utf8(qde.clone()).unwrap();
    // Code GUIDs by the id in their description.
    let mut guids = BTreeMap::new();
    for part in text.split("<Code guid=\"").skip(1) {
        let guid = &part[..36];
        let id = part
            .split("qualcode id: ")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .trim();
        guids.insert(id.to_string(), guid.to_string());
    }
    let mut out = String::new();
    for (i, piece) in text.split("></TextSource>").enumerate() {
        out.push_str(piece);
        if i + 1 == text.split("></TextSource>").count() {
            break;
        }
        let name = piece
            .rsplit("name=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        // "07 002_….txt #20"
        let mut words = name.split(' ');
        words.next();
        let document = words.next().unwrap().to_string();
        let segment: i64 = words
            .next()
            .unwrap()
            .trim_start_matches('#')
            .parse()
            .unwrap();
        out.push('>');
        let codes = &truth[&(document, segment)];
        if !codes.is_empty() {
            out.push_str(&format!(
                "<PlainTextSelection guid=\"{}\" startPosition=\"0\" endPosition=\"5\">",
                "00000000-0000-0000-0000-00000000".to_string() + &format!("{:04}", i)
            ));
            for code in codes {
                out.push_str(&format!(
                    "<Coding guid=\"11111111-0000-0000-0000-0000000{i:05}\"><CodeRef targetGUID=\"{}\"/></Coding>",
                    guids[code]
                ));
            }
            out.push_str("</PlainTextSelection>");
        }
        out.push_str("</TextSource>");
    }
    *qde = out.into_bytes();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(sheet).unwrap());
    for (name, data) in entries {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&data).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_qdpx_sheet_is_blind_valid_and_estimates_as_the_csv_does() {
    let run = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("s.qdpx");
    let (code, stderr) = sample(run.path(), &project, &["-n", "25", "--seed", "5"]);
    assert_eq!(code, 0, "{stderr}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&project).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("project.qde").unwrap(), &mut qde).unwrap();
    assert_eq!(qde.matches("<TextSource ").count(), 25);
    assert!(!qde.contains("<Coding"), "the sheet shows codings");
    assert!(
        qde.contains("qualcode id: fic_strategy"),
        "code definitions are carried"
    );
    let qde_path = dir.path().join("project.qde");
    std::fs::write(&qde_path, &qde).unwrap();
    common::xmllint("Project.xsd", &qde_path);

    let units = machine_codes(run.path());
    let truth = truth(&units);
    code_project(&project, &truth);
    let (code, _, stderr) = estimate(run.path(), &project, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--blank-means-no"), "{stderr}");
    let from_project = dir.path().join("p");
    let (code, _, stderr) = estimate(
        run.path(),
        &project,
        &["--blank-means-no", "-o", from_project.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    // The same sample as a CSV sheet, filled alike: the same estimates.
    let sheet = dir.path().join("t.csv");
    assert_eq!(
        sample(run.path(), &sheet, &["-n", "25", "--seed", "5"]).0,
        0
    );
    let (header, mut rows) = read_sheet(&sheet);
    fill(&header, &mut rows, &truth);
    write_sheet(&sheet, &header, &rows, b',');
    let from_csv = dir.path().join("c");
    assert_eq!(
        estimate(run.path(), &sheet, &["-o", from_csv.to_str().unwrap()]).0,
        0
    );
    for column in ["share", "share_low", "share_high", "precision", "recall"] {
        assert_eq!(
            f64s(&table(&from_project, "estimates"), column),
            f64s(&table(&from_csv, "estimates"), column),
            "{column}"
        );
    }
}

#[test]
fn estimates_by_speaker_count_each_speakers_units() {
    // corpus/002 and 004 are transcripts: their units carry speakers, the others' none.
    let run = default_run(&[]);
    let dir = tempfile::tempdir().unwrap();
    let units = machine_codes(run.path());
    let (sheet, truth) = census(run.path(), dir.path(), &units, "5");
    let out = dir.path().join("est");
    let (code, stdout, stderr) = estimate(
        run.path(),
        &sheet,
        &["--by", "speaker", "-o", out.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("By speaker"), "{stdout}");

    // Each coded unit's speaker, recounted from segments.
    let segments = table(run.path(), "segments");
    let coded = common::bools(&segments, "coded");
    let docs = strings(&segments, "document");
    let segs = ints(&segments, "segment");
    let speakers: Vec<Option<String>> = segments
        .column("speaker")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(String::from))
        .collect();
    let mut of_speaker: BTreeMap<Option<String>, Vec<(String, i64)>> = BTreeMap::new();
    for i in 0..segments.height() {
        if coded[i] {
            of_speaker
                .entry(speakers[i].clone())
                .or_default()
                .push((docs[i].clone(), segs[i]));
        }
    }
    assert!(of_speaker.len() > 3, "speakers of two transcripts and none");

    let est = table(&out, "estimates");
    let optional = |name: &str| -> Vec<Option<String>> {
        est.column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(String::from))
            .collect()
    };
    let (variables, values, pairs) = (optional("variable"), optional("value"), optional("code_b"));
    let codes = strings(&est, "code");
    let (n_sampled, all_units) = (ints(&est, "n_sampled"), ints(&est, "units"));
    let direct = est.column("direct_share").unwrap().f64().unwrap();
    for code in CODES {
        for (speaker, keys) in &of_speaker {
            let i = (0..est.height())
                .find(|&i| {
                    codes[i] == code
                        && pairs[i].is_none()
                        && variables[i].as_deref() == Some("speaker")
                        && values[i] == *speaker
                })
                .unwrap_or_else(|| panic!("{code}: no row for speaker {speaker:?}"));
            assert_eq!(n_sampled[i], keys.len() as i64, "{code} {speaker:?}");
            assert_eq!(all_units[i], keys.len() as i64, "{code} {speaker:?}");
            let coded_by_coder = keys.iter().filter(|k| truth[*k].contains(code)).count();
            let share = direct
                .get(i)
                .expect("a census has every speaker's own share");
            assert!(
                (share - coded_by_coder as f64 / keys.len() as f64).abs() < 1e-12,
                "{code} {speaker:?}: {share}"
            );
        }
    }
}
