//! Queries derived from whatever accounts a target lists, for certifying a target that does not
//! hold the canonical data set (`@any-data`). Every family of probes aims at one documented rule;
//! the expected answer of each comes from [`query_oracle`]. Sampling is seeded and reproducible:
//! candidates are ordered by a SHA-256 of the seed and the query, and the first ones are asked.

use super::query_oracle::{self, Criterion, DateOp, Listed, millisecond};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// A family of probes: one documented rule each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Each listed name, exactly and in other letter cases.
    Names,
    /// Each listed name with a character removed or added: no prefix or substring match.
    NameVariants,
    /// Names holding a comma or a backslash, escaped.
    EscapedNames,
    /// `>` `>=` `<` `<=` on listed instants and one millisecond either side.
    DateBounds,
    /// Two date criteria on the same field.
    DateRanges,
    /// A name and a date together (comma = AND).
    NameAndDate,
    /// Queries no listed account meets: 200 with an empty list.
    Unmeetable,
}

impl Family {
    pub const ALL: [Family; 7] = [
        Family::Names,
        Family::NameVariants,
        Family::EscapedNames,
        Family::DateBounds,
        Family::DateRanges,
        Family::NameAndDate,
        Family::Unmeetable,
    ];

    /// The words a feature file uses for the family.
    pub fn from_words(words: &str) -> Option<Family> {
        Some(match words {
            "name" => Family::Names,
            "altered name" => Family::NameVariants,
            "escaped name" => Family::EscapedNames,
            "date bound" => Family::DateBounds,
            "date range" => Family::DateRanges,
            "name and date" => Family::NameAndDate,
            "unmeetable" => Family::Unmeetable,
            _ => return None,
        })
    }

    pub fn rule(self) -> &'static str {
        match self {
            Family::Names => "case-insensitive exact match",
            Family::NameVariants => "exact match: no prefix, substring or extension matches",
            Family::EscapedNames => "comma and backslash escaped with a backslash",
            Family::DateBounds => "> >= < <= to the millisecond",
            Family::DateRanges => "a minimum and a maximum date together",
            Family::NameAndDate => "comma means AND",
            Family::Unmeetable => "an empty result is 200 with an empty list",
        }
    }
}

/// One query to ask, with the accounts it must return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub query: String,
    pub expected: query_oracle::Expected,
}

/// Names the documentation's query syntax can carry unambiguously: not empty (not supported),
/// no surrounding blanks (a server may trim), no control characters.
fn queryable(name: &str) -> bool {
    !name.is_empty() && name.trim() == name && !name.chars().any(char::is_control)
}

/// The name with its letter case changed, when every character maps to one character both ways.
fn recase(name: &str, to_upper: bool, alternate: bool) -> Option<String> {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        let upper = if alternate { i % 2 == 0 } else { to_upper };
        let mapped: Vec<char> = if upper { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
        match mapped.as_slice() {
            [m] => out.push(*m),
            _ => return None,
        }
    }
    Some(out)
}

fn distinct_names(accounts: &[Listed]) -> Vec<String> {
    let set: BTreeSet<String> = accounts.iter().filter_map(|a| a.name.clone()).filter(|n| queryable(n)).collect();
    set.into_iter().collect()
}

fn distinct_instants(accounts: &[Listed]) -> Vec<DateTime<Utc>> {
    let set: BTreeSet<DateTime<Utc>> =
        accounts.iter().filter_map(|a| a.expiry).filter(query_oracle::is_millisecond_exact).collect();
    set.into_iter().collect()
}

fn candidates(family: Family, accounts: &[Listed], seed: u64) -> Vec<Vec<Criterion>> {
    let names = distinct_names(accounts);
    let instants = distinct_instants(accounts);
    let name = |n: &str| vec![Criterion::Name(n.to_owned())];
    match family {
        Family::Names => names
            .iter()
            .flat_map(|n| {
                let variants =
                    [Some(n.clone()), recase(n, true, false), recase(n, false, false), recase(n, false, true)];
                variants.into_iter().flatten().collect::<BTreeSet<_>>()
            })
            .map(|n| name(&n))
            .collect(),
        Family::NameVariants => names
            .iter()
            .flat_map(|n| {
                let chars: Vec<char> = n.chars().collect();
                let without =
                    |i: usize| chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect::<String>();
                let mid = chars.len() / 2;
                // `_` in place of a character and a lone `%` catch SQL LIKE wildcards.
                let wildcard: String = chars.iter().enumerate().map(|(i, c)| if i == mid { '_' } else { *c }).collect();
                [
                    without(0),
                    without(chars.len() - 1),
                    without(mid),
                    format!("{n}x"),
                    format!("x{n}"),
                    wildcard,
                    "%".into(),
                ]
                .into_iter()
                .filter(|v| queryable(v) && v != n)
                .collect::<Vec<_>>()
            })
            .map(|n| name(&n))
            .collect(),
        Family::EscapedNames => names
            .iter()
            .filter(|n| n.contains(',') || n.contains('\\'))
            .flat_map(|n| [Some(n.clone()), recase(n, true, false)].into_iter().flatten())
            .map(|n| name(&n))
            .collect(),
        Family::DateBounds => instants
            .iter()
            .flat_map(|t| [*t - millisecond(), *t, *t + millisecond()])
            .flat_map(|b| DateOp::ALL.map(|op| vec![Criterion::Date(op, b)]))
            .collect(),
        Family::DateRanges => {
            let mut out = Vec::new();
            for (i, a) in instants.iter().enumerate() {
                out.push(vec![Criterion::Date(DateOp::Ge, *a), Criterion::Date(DateOp::Le, *a)]);
                for b in &instants[i + 1..] {
                    out.push(vec![Criterion::Date(DateOp::Ge, *a), Criterion::Date(DateOp::Lt, *b)]);
                    out.push(vec![Criterion::Date(DateOp::Gt, *a), Criterion::Date(DateOp::Le, *b)]);
                    // Two bounds of the same kind, in both orders: both hold, whichever comes last.
                    out.push(vec![Criterion::Date(DateOp::Lt, *a), Criterion::Date(DateOp::Lt, *b)]);
                    out.push(vec![Criterion::Date(DateOp::Lt, *b), Criterion::Date(DateOp::Lt, *a)]);
                    out.push(vec![Criterion::Date(DateOp::Gt, *a), Criterion::Date(DateOp::Gt, *b)]);
                    out.push(vec![Criterion::Date(DateOp::Gt, *b), Criterion::Date(DateOp::Gt, *a)]);
                }
            }
            out
        }
        Family::NameAndDate => names
            .windows(2)
            .flat_map(|pair| {
                let (a, b) = (Criterion::Name(pair[0].clone()), Criterion::Name(pair[1].clone()));
                [vec![a.clone(), b.clone()], vec![b, a]]
            })
            .chain(
                accounts
                    .iter()
                    .filter(|a| a.name.as_deref().is_some_and(queryable))
                    .filter_map(|a| Some((a.name.clone()?, a.expiry?)))
                    .flat_map(|(n, t)| {
                        [DateOp::Le, DateOp::Lt, DateOp::Gt, DateOp::Ge]
                            .map(|op| vec![Criterion::Name(n.clone()), Criterion::Date(op, t)])
                    }),
            )
            .collect(),
        Family::Unmeetable => {
            let mut out = vec![name(&format!("vpp-conformance no such account {seed:x}"))];
            if let (Some(first), Some(last)) = (instants.first(), instants.last()) {
                out.push(vec![Criterion::Date(DateOp::Lt, *first)]);
                out.push(vec![Criterion::Date(DateOp::Gt, *last)]);
            }
            out
        }
    }
}

/// Up to `budget` probes of a family, chosen by the seed; each with its oracle answer.
pub fn probes(family: Family, accounts: &[Listed], seed: u64, budget: usize) -> Vec<Probe> {
    let mut ranked: Vec<([u8; 32], Probe)> = candidates(family, accounts, seed)
        .into_iter()
        .filter_map(|criteria| {
            let expected = query_oracle::expected(&criteria, accounts);
            if family == Family::Unmeetable && !(expected.must.is_empty() && expected.may.is_empty()) {
                return None;
            }
            let query = query_oracle::render(&criteria);
            let rank: [u8; 32] =
                Sha256::new().chain_update(seed.to_le_bytes()).chain_update(query.as_bytes()).finalize().into();
            Some((rank, Probe { query, expected }))
        })
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0));
    ranked.dedup_by(|a, b| a.1.query == b.1.query);
    ranked.into_iter().take(budget).map(|(_, p)| p).collect()
}

/// GUIDs no listed account has: a listed one with its last hex digit changed (a server comparing
/// a few characters), and the same cut short by one digit (a server matching by prefix).
pub fn unlisted_guids(accounts: &[Listed]) -> Vec<String> {
    let near = unlisted_guid(accounts);
    let cut = near[..near.len() - 1].to_owned();
    vec![near, cut]
}

fn unlisted_guid(accounts: &[Listed]) -> String {
    let listed: BTreeSet<String> = accounts.iter().map(|a| a.guid.to_ascii_lowercase()).collect();
    let base = accounts
        .first()
        .map(|a| a.guid.to_ascii_lowercase())
        .unwrap_or_else(|| "00000000-0000-4000-8000-000000000000".into());
    (0..16u32)
        .filter_map(|d| {
            let digit = char::from_digit(d, 16)?;
            let candidate = format!("{}{digit}", &base[..base.len().saturating_sub(1)]);
            (!listed.contains(&candidate)).then_some(candidate)
        })
        .next()
        .unwrap_or_else(|| "00000000-0000-4000-8000-00000000d0c5".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn data() -> Vec<Listed> {
        vec![
            Listed { guid: "a".into(), name: Some("Alpha, Inc".into()), expiry: Some(at("2030-01-01T00:00:00.000Z")) },
            Listed { guid: "b".into(), name: Some("ALPHA, INC".into()), expiry: Some(at("2030-01-01T00:00:00.001Z")) },
            Listed { guid: "c".into(), name: Some(r"back\slash".into()), expiry: Some(at("2030-01-01T00:00:00.000Z")) },
        ]
    }

    #[test]
    fn sampling_is_reproducible_and_seeded() {
        let a = probes(Family::DateBounds, &data(), 7, 5);
        assert_eq!(a, probes(Family::DateBounds, &data(), 7, 5));
        assert_eq!(a.len(), 5);
        assert_ne!(a, probes(Family::DateBounds, &data(), 8, 5));
    }

    #[test]
    fn every_family_yields_probes_with_answers() {
        for family in Family::ALL {
            let list = probes(family, &data(), 1, 1000);
            assert!(!list.is_empty(), "{family:?}");
        }
        let names = probes(Family::Names, &data(), 1, 1000);
        let alpha = names.iter().find(|p| p.query == r"name=alpha\, inc").unwrap();
        assert_eq!(alpha.expected.must.len(), 2);
        assert!(probes(Family::NameVariants, &data(), 1, 1000).iter().all(|p| p.expected.must.is_empty()));
    }

    #[test]
    fn unlisted_guid_is_near_a_listed_one() {
        let accounts = vec![Listed { guid: "6359d1fc-6b8b-4920-ae0e-9c8405cb08b5".into(), name: None, expiry: None }];
        let g = unlisted_guid(&accounts);
        assert_eq!(unlisted_guids(&accounts)[1].len(), 35);
        assert_ne!(g, accounts[0].guid);
        assert_eq!(&g[..35], &accounts[0].guid[..35]);
    }
}
