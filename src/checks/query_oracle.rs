//! The query language as the documentation states it, as an oracle over accounts a target
//! listed: which accounts a query must return. Written apart from the reference target's parser
//! (`reference::query`): the two implementations check each other.
//!
//! Where the documentation leaves the answer open (a case mapping that differs between Unicode
//! foldings, sub-millisecond instants), the oracle answers `None` and the query is not asked:
//! the suite never demands what the documentation does not fix.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl DateOp {
    pub const ALL: [DateOp; 4] = [DateOp::Gt, DateOp::Ge, DateOp::Lt, DateOp::Le];

    pub fn symbol(self) -> &'static str {
        match self {
            DateOp::Gt => ">",
            DateOp::Ge => ">=",
            DateOp::Lt => "<",
            DateOp::Le => "<=",
        }
    }

    fn holds(self, instant: DateTime<Utc>, bound: DateTime<Utc>) -> bool {
        match self {
            DateOp::Gt => instant > bound,
            DateOp::Ge => instant >= bound,
            DateOp::Lt => instant < bound,
            DateOp::Le => instant <= bound,
        }
    }
}

/// One `field op value` pair of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criterion {
    Name(String),
    Date(DateOp, DateTime<Utc>),
}

/// What the oracle knows of a listed account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub guid: String,
    pub name: Option<String>,
    pub expiry: Option<DateTime<Utc>>,
}

/// The documented text of a query: pairs joined by commas, `\` and `,` in values escaped.
pub fn render(criteria: &[Criterion]) -> String {
    criteria
        .iter()
        .map(|c| match c {
            Criterion::Name(n) => format!("name={}", escape(n)),
            Criterion::Date(op, d) => format!("tokenExpiryDate{}{}", op.symbol(), date_text(d)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// "Special characters (comma, backslash) in query values must be escaped with a backslash."
pub fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace(',', "\\,")
}

/// An instant as the documentation writes one: milliseconds and `Z`.
pub fn date_text(d: &DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn millisecond() -> Duration {
    Duration::milliseconds(1)
}

/// Whether an instant is exact to the millisecond, so comparisons at millisecond bounds are
/// fixed by the documentation.
pub fn is_millisecond_exact(d: &DateTime<Utc>) -> bool {
    d.trunc_subsecs(3) == *d
}

fn fold_lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn fold_upper_lower(s: &str) -> String {
    fold_lower(&s.chars().flat_map(char::to_uppercase).collect::<String>())
}

/// Case-insensitive equality, or `None` when two common foldings disagree (ß, dotted İ…).
fn same_name(a: &str, b: &str) -> Option<bool> {
    let lower = fold_lower(a) == fold_lower(b);
    let upper = fold_upper_lower(a) == fold_upper_lower(b);
    (lower == upper).then_some(lower)
}

/// The GUIDs (lower case) a query must return from these accounts, or `None` when the
/// documentation does not fix the answer.
pub fn expected(criteria: &[Criterion], accounts: &[Listed]) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for account in accounts {
        let mut all = true;
        for c in criteria {
            let holds = match c {
                Criterion::Name(wanted) => same_name(account.name.as_deref()?, wanted)?,
                Criterion::Date(op, bound) => {
                    let expiry = account.expiry?;
                    if !is_millisecond_exact(&expiry) || !is_millisecond_exact(bound) {
                        return None;
                    }
                    op.holds(expiry, *bound)
                }
            };
            all &= holds;
        }
        if all {
            out.insert(account.guid.to_ascii_lowercase());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn accounts() -> Vec<Listed> {
        vec![
            Listed { guid: "A".into(), name: Some("École".into()), expiry: Some(at("2030-01-01T00:00:00.000Z")) },
            Listed { guid: "B".into(), name: Some("ecole".into()), expiry: Some(at("2030-01-01T00:00:00.001Z")) },
            Listed { guid: "C".into(), name: Some("Straße".into()), expiry: Some(at("2030-01-01T00:00:00.000Z")) },
        ]
    }

    #[test]
    fn names_match_case_insensitively_and_exactly() {
        let set = expected(&[Criterion::Name("éCOLE".into())], &accounts()).unwrap();
        assert_eq!(set.into_iter().collect::<Vec<_>>(), vec!["a"]);
        assert!(expected(&[Criterion::Name("Ecol".into())], &accounts()).unwrap().is_empty());
        // "STRASSE" equals "Straße" under one folding and not another: not asked.
        assert_eq!(expected(&[Criterion::Name("STRASSE".into())], &accounts()), None);
    }

    #[test]
    fn date_bounds_to_the_millisecond_and_and() {
        let t = at("2030-01-01T00:00:00.000Z");
        assert_eq!(expected(&[Criterion::Date(DateOp::Gt, t)], &accounts()).unwrap().len(), 1);
        assert_eq!(expected(&[Criterion::Date(DateOp::Ge, t)], &accounts()).unwrap().len(), 3);
        assert_eq!(expected(&[Criterion::Date(DateOp::Lt, t)], &accounts()).unwrap().len(), 0);
        let both = [Criterion::Name("ÉCOLE".into()), Criterion::Date(DateOp::Le, t)];
        assert_eq!(expected(&both, &accounts()).unwrap().into_iter().collect::<Vec<_>>(), vec!["a"]);
    }

    #[test]
    fn renders_escapes() {
        let q = render(&[Criterion::Name(r"Acme, Retail\East".into())]);
        assert_eq!(q, r"name=Acme\, Retail\\East");
    }
}
