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
    super::accounts::documented_date_form(d)
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

/// Whether a character's case maps one-to-one both ways. Those that do not (ß, İ, ı, ς, ſ…)
/// compare differently in Unicode folding, Java's `equalsIgnoreCase` and SQL collations, so the
/// documentation's "case-insensitive" does not fix an answer for them.
fn plain_case(c: char) -> bool {
    let mut lower = c.to_lowercase();
    let mut upper = c.to_uppercase();
    let (Some(l), None, Some(u), None) = (lower.next(), lower.next(), upper.next(), upper.next()) else {
        return false;
    };
    u.to_lowercase().eq(std::iter::once(l))
}

/// Case-insensitive equality, or `None` when foldings in common use could disagree.
fn same_name(a: &str, b: &str) -> Option<bool> {
    if !a.chars().chain(b.chars()).all(plain_case) {
        return None;
    }
    let lower = fold_lower(a) == fold_lower(b);
    let upper = fold_upper_lower(a) == fold_upper_lower(b);
    if lower != upper {
        return None;
    }
    // Letter case beyond ASCII is a SHOULD (UEM-QRY-002): a match that needs it is left open
    // here, so an @any-data scenario (a MUST) never demands it.
    if lower && !a.eq_ignore_ascii_case(b) {
        return None;
    }
    Some(lower)
}

/// What a query must return: the accounts the documentation says match (`must`), and those it
/// leaves open (`may`: a name whose case folding differs between common implementations, an
/// instant finer than a millisecond, a missing or unparseable field), which may come or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    pub must: BTreeSet<String>,
    pub may: BTreeSet<String>,
}

impl Expected {
    /// Whether a received set of GUIDs (lower case) is a right answer.
    pub fn accepts(&self, received: &BTreeSet<String>) -> bool {
        self.must.is_subset(received) && received.iter().all(|g| self.must.contains(g) || self.may.contains(g))
    }
}

/// Whether one criterion holds for an account, `None` when the documentation does not say.
fn holds(c: &Criterion, account: &Listed) -> Option<bool> {
    match c {
        Criterion::Name(wanted) => same_name(account.name.as_deref()?, wanted),
        Criterion::Date(op, bound) => {
            let expiry = account.expiry?;
            (is_millisecond_exact(&expiry) && is_millisecond_exact(bound)).then(|| op.holds(expiry, *bound))
        }
    }
}

/// The accounts (GUIDs, lower case) a query must and may return.
pub fn expected(criteria: &[Criterion], accounts: &[Listed]) -> Expected {
    let mut out = Expected::default();
    for account in accounts {
        let answers: Vec<Option<bool>> = criteria.iter().map(|c| holds(c, account)).collect();
        let guid = account.guid.to_ascii_lowercase();
        if answers.contains(&Some(false)) {
            continue;
        } else if answers.iter().all(|a| *a == Some(true)) {
            out.must.insert(guid);
        } else {
            out.may.insert(guid);
        }
    }
    out
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
        let e = expected(&[Criterion::Name("éCOLE".into())], &accounts());
        assert!(e.must.is_empty(), "case beyond ASCII is a SHOULD, open here");
        assert_eq!(e.may.into_iter().collect::<Vec<_>>(), vec!["a", "c"], "Straße's folding is open");
        let e = expected(&[Criterion::Name("STRASSE".into())], &accounts());
        assert_eq!(e.may.into_iter().collect::<Vec<_>>(), vec!["c"]);
        let ascii = vec![Listed { guid: "D".into(), name: Some("Ecole Laval".into()), expiry: None }];
        assert_eq!(expected(&[Criterion::Name("ECOLE laval".into())], &ascii).must.len(), 1);
        assert!(expected(&[Criterion::Name("Ecol".into())], &accounts()).must.is_empty());
        // Java's equalsIgnoreCase says "İ" equals "i"; Unicode folding says not: either answer.
        let turkish = vec![Listed { guid: "T".into(), name: Some("istanbul".into()), expiry: None }];
        let e = expected(&[Criterion::Name("İSTANBUL".into())], &turkish);
        assert!(e.must.is_empty() && e.may.len() == 1);
        assert!(e.accepts(&BTreeSet::new()) && e.accepts(&e.may.clone()));
    }

    #[test]
    fn date_bounds_to_the_millisecond_and_and() {
        let t = at("2030-01-01T00:00:00.000Z");
        assert_eq!(expected(&[Criterion::Date(DateOp::Gt, t)], &accounts()).must.len(), 1);
        assert_eq!(expected(&[Criterion::Date(DateOp::Ge, t)], &accounts()).must.len(), 3);
        assert_eq!(expected(&[Criterion::Date(DateOp::Lt, t)], &accounts()).must.len(), 0);
        let both = [Criterion::Name("ÉCOLE".into()), Criterion::Date(DateOp::Le, t)];
        assert_eq!(expected(&both, &accounts()).must.into_iter().collect::<Vec<_>>(), vec!["a"]);
    }

    #[test]
    fn renders_escapes() {
        let q = render(&[Criterion::Name(r"Acme, Retail\East".into())]);
        assert_eq!(q, r"name=Acme\, Retail\\East");
    }
}
