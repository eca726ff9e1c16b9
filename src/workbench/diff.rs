//! What a codebook edit changed: the codings of the same units by two runs (A, the run before,
//! and B, after) and what each run's rules did in each unit in; per code, the units gained and
//! lost, with the rules responsible, out. An edit tried on a few hand-coded units is seen on
//! every unit of the corpus it also touches.

use std::collections::{BTreeMap, BTreeSet};

/// A unit, by document and segment.
pub type Unit = (String, u32);

/// One code's changes.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDiff {
    pub code: String,
    /// Units coded by A, by B.
    pub before: usize,
    pub after: usize,
    /// Units coded by B and not A, with the rules that counted there in B.
    pub gained: Vec<(Unit, Vec<String>)>,
    /// Units coded by A and not B, with the rules that counted there in A and why B did not
    /// code them.
    pub lost: Vec<(Unit, Vec<String>, String)>,
    /// Whether each run's codebook has the code.
    pub in_a: bool,
    pub in_b: bool,
}

/// Codings of one run: per unit the codes given; the rules that counted per (unit, code); and
/// per (unit, code) the rules whose matches were rejected, with the status and exclusion.
pub struct Coding<'a> {
    pub codes: &'a [String],
    pub given: &'a BTreeMap<Unit, Vec<String>>,
    /// (rule, pattern) per (document, segment, code).
    pub counted: &'a BTreeMap<UnitCode, Vec<(String, String)>>,
    /// (rule, status, exclusion) per (document, segment, code).
    pub rejected: &'a BTreeMap<UnitCode, Vec<Rejection>>,
}

/// A rejected match's rule, status and exclusion.
pub type Rejection = (String, String, Option<String>);

/// A code in a unit: (document, segment, code).
pub type UnitCode = (String, u32, String);

fn rules_of(coding: &Coding, unit: &Unit, code: &str) -> Vec<String> {
    coding
        .counted
        .get(&(unit.0.clone(), unit.1, code.to_string()))
        .map(|rules| rules.iter().map(|(r, p)| format!("{r} ({p})")).collect())
        .unwrap_or_default()
}

/// Why B did not code a unit A coded: its matches there were rejected (vetoed, out of reach,
/// negated, …), or none of its rules matched.
fn why_lost(b: &Coding, unit: &Unit, code: &str) -> String {
    match b.rejected.get(&(unit.0.clone(), unit.1, code.to_string())) {
        Some(rejections) => rejections
            .iter()
            .map(|(rule, status, exclusion)| match exclusion {
                Some(e) => format!("{rule} {status} by {e}"),
                None => format!("{rule} {status}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        None if !b.codes.iter().any(|c| c == code) => "code removed".to_string(),
        None => "no rule matched".to_string(),
    }
}

/// Per code, B's codes first in B's order, then codes only A has.
pub fn diff(a: &Coding, b: &Coding) -> Vec<CodeDiff> {
    let mut codes: Vec<&String> = b.codes.iter().collect();
    codes.extend(a.codes.iter().filter(|c| !b.codes.contains(c)));
    let units_with = |coding: &Coding, code: &str| -> BTreeSet<Unit> {
        coding
            .given
            .iter()
            .filter(|(_, given)| given.iter().any(|g| g == code))
            .map(|(u, _)| u.clone())
            .collect()
    };
    codes
        .into_iter()
        .map(|code| {
            let (before, after) = (units_with(a, code), units_with(b, code));
            CodeDiff {
                code: code.clone(),
                before: before.len(),
                after: after.len(),
                gained: after
                    .difference(&before)
                    .map(|u| (u.clone(), rules_of(b, u, code)))
                    .collect(),
                lost: before
                    .difference(&after)
                    .map(|u| (u.clone(), rules_of(a, u, code), why_lost(b, u, code)))
                    .collect(),
                in_a: a.codes.contains(code),
                in_b: b.codes.contains(code),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_and_losses_with_their_rules() {
        let codes = vec!["trust".to_string()];
        let unit = |s: u32| ("a.txt".to_string(), s);
        let given_a: BTreeMap<Unit, Vec<String>> = [
            (unit(1), vec!["trust".into()]),
            (unit(2), vec!["trust".into()]),
        ]
        .into();
        let given_b: BTreeMap<Unit, Vec<String>> = [
            (unit(2), vec!["trust".into()]),
            (unit(3), vec!["trust".into()]),
        ]
        .into();
        let counted_a = [(
            ("a.txt".to_string(), 1, "trust".to_string()),
            vec![("trust_terms".to_string(), "trust".to_string())],
        )]
        .into();
        let counted_b = [(
            ("a.txt".to_string(), 3, "trust".to_string()),
            vec![("confidence".to_string(), "confiden*".to_string())],
        )]
        .into();
        let rejected_b = [(
            ("a.txt".to_string(), 1, "trust".to_string()),
            vec![(
                "trust_terms".to_string(),
                "vetoed".to_string(),
                Some("trust_fund".to_string()),
            )],
        )]
        .into();
        let empty = BTreeMap::new();
        let a = Coding {
            codes: &codes,
            given: &given_a,
            counted: &counted_a,
            rejected: &empty,
        };
        let b = Coding {
            codes: &codes,
            given: &given_b,
            counted: &counted_b,
            rejected: &rejected_b,
        };
        let d = &diff(&a, &b)[0];
        assert_eq!((d.before, d.after), (2, 2));
        assert_eq!(
            d.gained,
            vec![(unit(3), vec!["confidence (confiden*)".to_string()])]
        );
        assert_eq!(
            d.lost,
            vec![(
                unit(1),
                vec!["trust_terms (trust)".to_string()],
                "trust_terms vetoed by trust_fund".to_string()
            )]
        );
    }
}
