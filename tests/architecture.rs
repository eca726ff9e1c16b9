//! The stages depend on each other one way (CONTRIBUTING.md, "How it is built"): no module
//! reaches back into one that depends on it. Read from the source: each top-level module's
//! `crate::MODULE` references, in its file and its folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn sources(path: &Path, into: &mut String) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            sources(&entry, into);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        into.push_str(&std::fs::read_to_string(path).expect("read source"));
    }
}

#[test]
fn stages_import_each_other_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let modules: Vec<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    assert!(modules.len() >= 10, "{modules:?}");
    let mut deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for module in &modules {
        let mut text = String::new();
        sources(&src.join(format!("{module}.rs")), &mut text);
        sources(&src.join(module), &mut text);
        let used = modules
            .iter()
            .filter(|other| *other != module && text.contains(&format!("crate::{other}::")))
            .map(String::as_str)
            .collect();
        deps.insert(module.as_str(), used);
    }
    let order =
        dependency_order(&deps).unwrap_or_else(|cycle| panic!("import cycle among {cycle:#?}"));
    eprintln!("stages in dependency order: {}", order.join(" < "));
}

/// The modules in an order where each comes after those it uses, or the modules left in (or
/// depending on) a cycle.
fn dependency_order<'a>(
    deps: &BTreeMap<&'a str, BTreeSet<&'a str>>,
) -> Result<Vec<&'a str>, BTreeMap<&'a str, BTreeSet<&'a str>>> {
    let mut left = deps.clone();
    let mut order = Vec::new();
    while !left.is_empty() {
        let ready: Vec<&str> = left
            .iter()
            .filter(|(_, d)| d.iter().all(|m| !left.contains_key(m)))
            .map(|(m, _)| *m)
            .collect();
        if ready.is_empty() {
            return Err(left);
        }
        for m in ready {
            left.remove(m);
            order.push(m);
        }
    }
    Ok(order)
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let deps: BTreeMap<&str, BTreeSet<&str>> = [
        ("a", ["b"].into()),
        ("b", ["a"].into()),
        ("c", BTreeSet::new()),
        ("d", ["c"].into()),
    ]
    .into();
    let cycle = dependency_order(&deps).expect_err("a and b use each other");
    assert_eq!(cycle.keys().copied().collect::<Vec<_>>(), ["a", "b"]);
    let fine: BTreeMap<&str, BTreeSet<&str>> = [("c", BTreeSet::new()), ("d", ["c"].into())].into();
    assert_eq!(dependency_order(&fine), Ok(vec!["c", "d"]));
}
