//! The query language as the documentation states it, as an oracle over accounts a target
//! listed: which accounts a query must return. Written apart from the reference target's parser
//! (`reference::query`): the two implementations check each other.
//!
//! Where the documentation leaves the answer open (a case mapping that differs between Unicode
//! foldings, sub-millisecond instants), the oracle answers `None` and the query is not asked:
//! the suite never demands what the documentation does not fix.

use chrono::{DateTime, Datelike, Duration, SubsecRound, Utc};
use std::collections::HashMap;

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
    render_in(criteria, DateForm::Documented).expect("the documented form writes every instant")
}

/// The text of a query with its dates written in `form`, if each can be.
pub fn render_in(criteria: &[Criterion], form: DateForm) -> Option<String> {
    let pairs = criteria.iter().map(|c| match c {
        Criterion::Name(n) => Some(format!("name={}", escape(n))),
        Criterion::Date(op, d) => Some(format!("tokenExpiryDate{}{}", op.symbol(), form.write(d)?)),
    });
    Some(pairs.collect::<Option<Vec<_>>>()?.join(","))
}

/// How a query writes an instant: as the documentation writes every date, or in another ISO 8601
/// form of the same instant, which a target may refuse with 400 and must otherwise compare as
/// that instant (docs/errata.md › Dates written otherwise than the documentation writes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
    /// `2027-01-01T00:00:00.000Z`.
    Documented,
    /// `2027-01-01T00:00:00Z`: no fraction of a second, for an instant on a whole second.
    WholeSecond,
    /// At this offset from UTC, in minutes: `2027-01-01T05:30:00.000+05:30`.
    Offset(i32),
}

impl DateForm {
    /// The instant written in this form, if it can be: on a whole second for
    /// [`DateForm::WholeSecond`], in the years 0000 to 9999 at the offset.
    pub fn write(self, d: &DateTime<Utc>) -> Option<String> {
        match self {
            DateForm::Documented => Some(date_text(d)),
            DateForm::WholeSecond => {
                (d.timestamp_subsec_nanos() == 0).then(|| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            }
            DateForm::Offset(minutes) => {
                let local = d.with_timezone(&chrono::FixedOffset::east_opt(minutes * 60)?);
                (0..=9999).contains(&local.year()).then(|| local.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string())
            }
        }
    }
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

/// The one character a case mapping gives, if it gives one.
fn single(mut mapped: impl Iterator<Item = char>) -> Option<char> {
    match (mapped.next(), mapped.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// Whether a character's case is plain: its lower case `l` and its upper case `u` are one
/// character each, and each is the other's case (`É`/`é`, `Å`/`å`, `I`/`i`), so Unicode's simple
/// and full case foldings, Java's `equalsIgnoreCase` and a per-character `lower()` all agree on
/// it. Those that are not (`ß` and `ẞ`, `İ`, `ı`, `ſ`, the Kelvin sign, ligatures such as `ﬁ`)
/// compare differently in those, so the documentation's "case-insensitive" does not fix an
/// answer for them; nor for `Σ`, `σ` and `ς`, whose lower case depends on where the letter
/// stands (a final sigma).
pub fn plain_case(c: char) -> bool {
    if matches!(c, 'Σ' | 'σ' | 'ς') {
        return false;
    }
    let (Some(l), Some(u)) = (single(c.to_lowercase()), single(c.to_uppercase())) else {
        return false;
    };
    single(u.to_lowercase()) == Some(l) && single(l.to_uppercase()) == Some(u)
}

/// Whether every letter of a name has a plain case, as it is written and composed (NFC): `I`
/// followed by a combining dot above is `İ` to a back end that composes it, and the Kelvin sign
/// is `K` to one that composes and its own letter to one that does not.
pub fn plain_name(name: &str) -> bool {
    name.chars().all(plain_case)
        && icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(name).chars().all(plain_case)
}

/// Which reading of "a case-insensitive exact match" the oracle answers by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// What every reading agrees on (the MUST scenarios): letter case within ASCII, and a name
    /// identical to the value, whatever letters it holds. A match that needs a case mapping
    /// beyond ASCII is left open.
    Every,
    /// Unicode's case mapping where it is plain ([`plain_case`]): `ÉCOLE` finds `école` (the
    /// SHOULD of `UEM-QRY-002` and `UEM-ANY-013`). Letters whose mappings disagree stay open.
    Unicode,
}

/// A name as the comparison needs it, computed once: whether every character's case maps
/// one-to-one, and its lower-case form. For such names, lower-casing and upper-then-lower-casing
/// agree character by character, so one form decides.
#[derive(Debug, Clone)]
struct FoldedName {
    plain: bool,
    lower: String,
    /// Its lower-case form composed (NFC), when that differs: a name written decomposed (NFD).
    composed: Option<String>,
    /// For a name that is not plain: its forms under the other foldings in common use (upper
    /// then lower case, as Unicode case folding does: `ß` → `ss`; and character by character,
    /// as Java's `equalsIgnoreCase` does: `ß` stays `ß`).
    others: Option<Box<[String; 2]>>,
}

impl FoldedName {
    fn new(name: &str) -> Self {
        let plain = plain_name(name);
        let lower = fold_lower(name);
        let composed = match icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(&lower) {
            std::borrow::Cow::Owned(composed) if composed != lower => Some(composed),
            _ => None,
        };
        if plain {
            return Self { plain, lower, composed, others: None };
        }
        let char_by_char = name
            .chars()
            .map(|c| {
                let mut upper = c.to_uppercase();
                let u = match (upper.next(), upper.next()) {
                    (Some(u), None) => u,
                    _ => c,
                };
                // The simple mapping: İ lower-cases to i (its full mapping adds a combining dot).
                u.to_lowercase().next().unwrap_or(u)
            })
            .collect();
        Self { plain, lower, composed, others: Some(Box::new([fold_upper_lower(name), char_by_char])) }
    }

    /// The lower-case form, composed (NFC).
    fn canonical(&self) -> &str {
        self.composed.as_deref().unwrap_or(&self.lower)
    }

    /// The name's forms under each folding in common use.
    fn forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.lower.as_str()).chain(self.others.iter().flat_map(|o| o.iter().map(String::as_str)))
    }
}

fn fold_upper_lower(s: &str) -> String {
    fold_lower(&s.chars().flat_map(char::to_uppercase).collect::<String>())
}

/// Case-insensitive equality, or `None` when foldings in common use could disagree (or, by
/// [`Reading::Every`], when the match needs a case mapping beyond ASCII).
fn same_name(a: &str, a_folded: &FoldedName, b: &str, b_folded: &FoldedName, reading: Reading) -> Option<bool> {
    // The same text finds itself under every reading, whatever letters it holds: a back end that
    // folds the stored name and the value by two different rules does not (docs/errata.md ›
    // Letter case beyond ASCII, and accents).
    if a == b {
        return Some(true);
    }
    // The same text written composed (NFC) and decomposed (NFD): one name to Unicode, two to a
    // comparison of code points; the documentation does not say which (UEM-QRY-033, INFO).
    if (a_folded.composed.is_some() || b_folded.composed.is_some())
        && a_folded.lower != b_folded.lower
        && a_folded.canonical() == b_folded.canonical()
    {
        return None;
    }
    if !(a_folded.plain && b_folded.plain) {
        // A letter whose case does not map one-to-one (ß, İ, ı, ς…): the foldings in common use
        // may disagree on whether the two match; when none of them says they do (nor an ASCII
        // comparison), no reading of "case-insensitive" matches them.
        let some_match = a.eq_ignore_ascii_case(b) || a_folded.forms().any(|fa| b_folded.forms().any(|fb| fa == fb));
        return if some_match { None } else { Some(false) };
    }
    let same = a_folded.lower == b_folded.lower;
    // Letter case beyond ASCII is a SHOULD (UEM-QRY-002, UEM-ANY-013): a match that needs it is
    // left open by the reading every scenario at level MUST takes.
    if same && reading == Reading::Every && !a.eq_ignore_ascii_case(b) {
        return None;
    }
    Some(same)
}

/// What a query must return: the accounts the documentation says match (`must`), and those it
/// leaves open (`may`: a name whose case folding differs between common implementations, an
/// instant finer than a millisecond, a missing or unparseable field), which may come or not.
/// Accounts are named by their position in the [`Oracle`]'s list, in ascending order: an answer
/// of half a large tenant costs no string copies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    pub must: Vec<u32>,
    pub may: Vec<u32>,
}

impl Expected {
    /// Whether received accounts (positions, ascending, each once) are a right answer: every
    /// `must`, and nothing outside `must` and `may`.
    pub fn accepts(&self, received: &[u32]) -> bool {
        let (mut must, mut may) = (self.must.iter().peekable(), self.may.iter().peekable());
        for r in received {
            if must.next_if(|m| *m < r).is_some() {
                return false;
            }
            while may.next_if(|m| *m < r).is_some() {}
            if must.next_if(|m| *m == r).is_none() && may.next_if(|m| *m == r).is_none() {
                return false;
            }
        }
        must.next().is_none()
    }
}

/// The listed accounts, prepared once (GUIDs and names folded, GUIDs indexed), so that each
/// query's answer is one pass over them without allocating: the cost of `n` queries on `m`
/// accounts is `n × m` comparisons.
#[derive(Debug, Clone, Default)]
pub struct Oracle {
    accounts: Vec<Listed>,
    prepared: Vec<Prepared>,
    /// GUIDs in their canonical form (8-4-4-4-12 hex digits), by their 128 bits: an answer of 50 000
    /// accounts is judged by that many lookups, which hashing the text made a tenth of a large run.
    by_uuid: HashMap<u128, u32, std::hash::BuildHasherDefault<UuidHasher>>,
    /// Every other GUID, by its text in lower case.
    by_guid: HashMap<String, u32>,
    /// Whether each position is the one its GUID leads to (the first that holds it): an answer
    /// in the listing's order (the usual case) is judged by comparing each received GUID with
    /// the one after the last found, rather than by parsing it and looking it up in a table
    /// larger than the processor's cache.
    first: Vec<bool>,
}

#[derive(Debug, Clone)]
struct Prepared {
    name: Option<FoldedName>,
    /// The expiry, when it is exact to the millisecond (otherwise comparisons are left open).
    expiry: Option<DateTime<Utc>>,
}

/// A criterion with its value folded once.
enum Wanted<'c> {
    Name(&'c str, FoldedName),
    Date(DateOp, Option<DateTime<Utc>>),
}

/// The 128 bits of a GUID written in the canonical form (8-4-4-4-12 hex digits, either case).
fn uuid_bits(text: &str) -> Option<u128> {
    let b = text.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let mut bits: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        bits = bits << 4 | (c as char).to_digit(16)? as u128;
    }
    Some(bits)
}

/// Whether a listed (lower-case) GUID and a received one are the same text but for letter case:
/// a `memcmp` first, since targets write GUIDs as they list them.
fn same_text(listed: &str, received: &str) -> bool {
    listed == received || listed.eq_ignore_ascii_case(received)
}

/// GUIDs are random enough that their own bits are a hash.
#[derive(Default)]
struct UuidHasher(u64);

impl std::hash::Hasher for UuidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, bits: u128) {
        self.0 = (bits as u64) ^ ((bits >> 64) as u64);
    }
}

impl Oracle {
    /// The accounts, each GUID lower-cased (a target may write GUIDs in either case).
    pub fn new(mut accounts: Vec<Listed>) -> Self {
        accounts.iter_mut().for_each(|a| a.guid.make_ascii_lowercase());
        let prepared = accounts
            .iter()
            .map(|a| Prepared {
                name: a.name.as_deref().map(FoldedName::new),
                expiry: a.expiry.filter(is_millisecond_exact),
            })
            .collect();
        let (mut by_uuid, mut by_guid) = (HashMap::default(), HashMap::new());
        let mut first = Vec::with_capacity(accounts.len());
        for (i, a) in accounts.iter().enumerate() {
            let leads_to = match uuid_bits(&a.guid) {
                Some(bits) => *by_uuid.entry(bits).or_insert(i as u32),
                None => *by_guid.entry(a.guid.clone()).or_insert(i as u32),
            };
            first.push(leads_to == i as u32);
        }
        Self { accounts, prepared, by_uuid, by_guid, first }
    }

    pub fn accounts(&self) -> &[Listed] {
        &self.accounts
    }

    /// The GUID of the account at a position.
    pub fn guid(&self, position: u32) -> &str {
        &self.accounts[position as usize].guid
    }

    /// The position of the account with this GUID (in either letter case), if listed.
    pub fn position(&self, guid: &str) -> Option<u32> {
        self.position_after(guid, None)
    }

    /// [`Self::position`], trying first the position after `last` (where an answer in the
    /// listing's order has its next account).
    fn position_after(&self, guid: &str, last: Option<u32>) -> Option<u32> {
        // Listed GUIDs are lower case, and two canonical GUIDs are the same GUID exactly when
        // their texts are the same but for letter case.
        let next = last.map_or(0, |p| p + 1);
        if self.holds(next, guid) {
            return Some(next);
        }
        if let Some(bits) = uuid_bits(guid) {
            return self.by_uuid.get(&bits).copied();
        }
        if guid.bytes().any(|b| b.is_ascii_uppercase()) {
            self.by_guid.get(&guid.to_ascii_lowercase()).copied()
        } else {
            self.by_guid.get(guid).copied()
        }
    }

    /// Whether the received GUIDs are the accounts at these positions, in this order: the usual
    /// right answer, told by comparing texts, without parsing a GUID or looking one up.
    fn is_exactly(&self, positions: &[u32], received: &[&str]) -> bool {
        positions.len() == received.len() && positions.iter().zip(received).all(|(p, r)| self.holds(*p, r))
    }

    /// Whether the account at `position` is the first listed with this GUID (in either letter
    /// case): where a lookup of the GUID leads.
    fn holds(&self, position: u32, guid: &str) -> bool {
        let p = position as usize;
        self.first.get(p).is_some_and(|f| *f) && same_text(&self.accounts[p].guid, guid)
    }

    /// The accounts a query must and may return, by what every reading agrees on.
    pub fn expected(&self, criteria: &[Criterion]) -> Expected {
        self.expected_by(criteria, Reading::Every)
    }

    /// The accounts a query must and may return, by a reading of "case-insensitive".
    pub fn expected_by(&self, criteria: &[Criterion], reading: Reading) -> Expected {
        let wanted: Vec<Wanted> = criteria
            .iter()
            .map(|c| match c {
                Criterion::Name(n) => Wanted::Name(n, FoldedName::new(n)),
                Criterion::Date(op, bound) => Wanted::Date(*op, Some(*bound).filter(is_millisecond_exact)),
            })
            .collect();
        let mut out = Expected::default();
        'accounts: for (position, (account, prepared)) in self.accounts.iter().zip(&self.prepared).enumerate() {
            let mut open = false;
            for c in &wanted {
                // Whether the criterion holds for the account, `None` when the documentation does not say.
                let holds = match c {
                    Wanted::Name(n, folded) => match (account.name.as_deref(), &prepared.name) {
                        (Some(name), Some(name_folded)) => same_name(name, name_folded, n, folded, reading),
                        _ => None,
                    },
                    Wanted::Date(op, bound) => match (prepared.expiry, bound) {
                        (Some(expiry), Some(bound)) => Some(op.holds(expiry, *bound)),
                        _ => None,
                    },
                };
                match holds {
                    Some(false) => continue 'accounts,
                    None => open = true,
                    Some(true) => {}
                }
            }
            let list = if open { &mut out.may } else { &mut out.must };
            list.push(position as u32);
        }
        out
    }

    /// What is wrong with an answer, given as the GUIDs received in order; `None` when it is
    /// right. A large answer is described by what differs, with a few examples of each.
    pub fn judge(&self, expected: &Expected, received: &[&str]) -> Option<String> {
        if expected.may.is_empty() && self.is_exactly(&expected.must, received) {
            return None;
        }
        let mut positions = Vec::with_capacity(received.len());
        let mut unlisted = Vec::new();
        let mut last = None;
        for guid in received {
            match self.position_after(guid, last) {
                Some(p) => {
                    positions.push(p);
                    last = Some(p);
                }
                None => unlisted.push(*guid),
            }
        }
        positions.sort_unstable();
        let before = positions.len();
        let mut duplicated = Vec::new();
        positions.dedup_by(|a, b| {
            let same = a == b;
            if same {
                duplicated.push(*a);
            }
            same
        });
        if unlisted.is_empty() && positions.len() == before && expected.accepts(&positions) {
            return None;
        }
        const SHOWN: usize = 10;
        let show = |guids: Vec<&str>| {
            let more = guids.len().saturating_sub(SHOWN);
            let mut text = guids.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
            if more > 0 {
                text.push_str(&format!(", … {more} more"));
            }
            format!("[{text}]")
        };
        let guids = |list: &[u32]| list.iter().map(|p| self.guid(*p)).collect::<Vec<_>>();
        if expected.must.len() + expected.may.len() + received.len() <= SHOWN {
            let mut text = format!("expected {}", show(guids(&expected.must)));
            if !expected.may.is_empty() {
                text.push_str(&format!(" (and possibly {})", show(guids(&expected.may))));
            }
            text.push_str(&format!("\n      received {}", show(received.to_vec())));
            return Some(text);
        }
        let missing: Vec<u32> = expected.must.iter().copied().filter(|m| positions.binary_search(m).is_err()).collect();
        let extra: Vec<u32> = positions
            .iter()
            .copied()
            .filter(|p| expected.must.binary_search(p).is_err() && expected.may.binary_search(p).is_err())
            .collect();
        let mut text = format!("expected {} account(s)", expected.must.len());
        if !expected.may.is_empty() {
            text.push_str(&format!(" (and possibly {} more)", expected.may.len()));
        }
        text.push_str(&format!("\n      received {} account(s)", received.len()));
        for (what, list) in [
            ("missing", guids(&missing)),
            ("not expected", guids(&extra)),
            ("not listed by the tenant", unlisted),
            ("received more than once", guids(&duplicated)),
        ] {
            if !list.is_empty() {
                text.push_str(&format!("\n      {what}: {} {}", list.len(), show(list)));
            }
        }
        Some(text)
    }
}

/// The accounts a query must and may return.
pub fn expected(criteria: &[Criterion], accounts: &[Listed]) -> Expected {
    Oracle::new(accounts.to_vec()).expected(criteria)
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
        assert_eq!(e.may, vec![0], "École; Straße matches éCOLE under no folding");
        let e = expected(&[Criterion::Name("STRASSE".into())], &accounts());
        assert_eq!(e.may, vec![2]);
        let ascii = vec![Listed { guid: "D".into(), name: Some("Ecole Laval".into()), expiry: None }];
        assert_eq!(expected(&[Criterion::Name("ECOLE laval".into())], &ascii).must.len(), 1);
        assert!(expected(&[Criterion::Name("Ecol".into())], &accounts()).must.is_empty());
        // Java's equalsIgnoreCase says "İ" equals "i"; Unicode folding says not: either answer.
        let turkish = vec![Listed { guid: "T".into(), name: Some("istanbul".into()), expiry: None }];
        let e = expected(&[Criterion::Name("İSTANBUL".into())], &turkish);
        assert!(e.must.is_empty() && e.may.len() == 1);
        assert!(e.accepts(&[]) && e.accepts(&e.may.clone()));
    }

    #[test]
    fn date_bounds_to_the_millisecond_and_and() {
        let t = at("2030-01-01T00:00:00.000Z");
        assert_eq!(expected(&[Criterion::Date(DateOp::Gt, t)], &accounts()).must.len(), 1);
        assert_eq!(expected(&[Criterion::Date(DateOp::Ge, t)], &accounts()).must.len(), 3);
        assert_eq!(expected(&[Criterion::Date(DateOp::Lt, t)], &accounts()).must.len(), 0);
        let both = [Criterion::Name("ÉCOLE".into()), Criterion::Date(DateOp::Le, t)];
        assert_eq!(expected(&both, &accounts()).must, vec![0]);
    }

    #[test]
    fn renders_escapes() {
        let q = render(&[Criterion::Name(r"Acme, Retail\East".into())]);
        assert_eq!(q, r"name=Acme\, Retail\\East");
    }

    #[test]
    fn dates_are_written_in_other_forms_of_the_same_instant() {
        let t = at("2027-01-01T00:00:00.000Z");
        let q = |form| render_in(&[Criterion::Date(DateOp::Le, t)], form);
        assert_eq!(q(DateForm::Documented).as_deref(), Some("tokenExpiryDate<=2027-01-01T00:00:00.000Z"));
        assert_eq!(q(DateForm::WholeSecond).as_deref(), Some("tokenExpiryDate<=2027-01-01T00:00:00Z"));
        assert_eq!(q(DateForm::Offset(330)).as_deref(), Some("tokenExpiryDate<=2027-01-01T05:30:00.000+05:30"));
        assert_eq!(q(DateForm::Offset(-480)).as_deref(), Some("tokenExpiryDate<=2026-12-31T16:00:00.000-08:00"));
        assert_eq!(DateForm::WholeSecond.write(&at("2027-01-01T00:00:00.001Z")), None, "not on a whole second");
        assert_eq!(DateForm::Offset(-480).write(&at("0000-01-01T00:00:00.000Z")), None, "the year before 0000");
        let named = render_in(&[Criterion::Name("a,b".into()), Criterion::Date(DateOp::Gt, t)], DateForm::Offset(60));
        assert_eq!(named.as_deref(), Some(r"name=a\,b,tokenExpiryDate>2027-01-01T01:00:00.000+01:00"));
    }

    #[test]
    fn accepts_exactly_the_must_and_some_of_the_may() {
        let e = Expected { must: vec![1, 4], may: vec![2, 7] };
        assert!(e.accepts(&[1, 4]));
        assert!(e.accepts(&[1, 2, 4, 7]));
        assert!(!e.accepts(&[1]), "a must is missing");
        assert!(!e.accepts(&[4]), "the first must is missing");
        assert!(!e.accepts(&[1, 3, 4]), "3 is neither");
        assert!(!e.accepts(&[1, 4, 9]), "9 is neither");
        assert!(!e.accepts(&[0, 1, 4]), "0 is neither");
    }

    #[test]
    fn judges_answers_by_guid_whatever_their_case_and_order() {
        let oracle = Oracle::new(accounts());
        let e = oracle.expected(&[Criterion::Date(DateOp::Ge, at("2030-01-01T00:00:00.000Z"))]);
        assert_eq!(oracle.judge(&e, &["c", "B", "a"]), None);
        let why = oracle.judge(&e, &["a", "b"]).expect("c is missing");
        assert!(why.contains("expected [a, b, c]") && why.contains("received [a, b]"), "{why}");
        let why = oracle.judge(&e, &["a", "b", "c", "c"]).expect("c twice");
        assert!(why.contains("received [a, b, c, c]"), "{why}");
        assert!(oracle.judge(&e, &["a", "b", "c", "zz"]).is_some(), "an account the tenant never listed");
    }

    /// GUIDs in the canonical form are found whatever the order and letter case of the answer,
    /// a GUID received twice or missing is said, and a tenant that lists one GUID twice is
    /// judged by its first listing whether the answer is in the listing's order or not.
    #[test]
    fn canonical_guids_are_judged_alike_in_the_listings_order_and_out_of_it() {
        let guid = |i: u32| format!("{i:08x}-0000-4000-8000-{i:012x}");
        let listed = |n: u32| -> Vec<Listed> {
            (0..n).map(|i| Listed { guid: guid(i), name: None, expiry: Some(at("2030-01-01T00:00:00.000Z")) }).collect()
        };
        let all = [Criterion::Date(DateOp::Ge, at("2030-01-01T00:00:00.000Z"))];
        let oracle = Oracle::new(listed(6));
        let e = oracle.expected(&all);
        let owned: Vec<String> = (0..6).map(guid).collect();
        let in_order: Vec<&str> = owned.iter().map(String::as_str).collect();
        let reversed: Vec<&str> = in_order.iter().rev().copied().collect();
        let upper: Vec<String> = owned.iter().map(|g| g.to_uppercase()).collect();
        let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
        for answer in [&in_order, &reversed, &upper] {
            assert_eq!(oracle.judge(&e, answer), None, "{answer:?}");
        }
        let mut twice = in_order.clone();
        twice.insert(3, in_order[2]);
        let why = oracle.judge(&e, &twice).expect("guid(2) twice");
        assert!(why.contains("received more than once") && why.contains(&guid(2)), "{why}");
        let mut skipping = in_order.clone();
        skipping.remove(3);
        let why = oracle.judge(&e, &skipping).expect("guid(3) is missing");
        assert!(why.contains("missing") && why.contains(&guid(3)), "{why}");

        // A seventh account with guid(2) again, in capitals: every reading of it is position 2.
        let mut doubled = listed(6);
        doubled.push(Listed { guid: guid(2).to_uppercase(), ..doubled[2].clone() });
        let oracle = Oracle::new(doubled);
        let e = oracle.expected(&all);
        let mut in_order = in_order.clone();
        in_order.push(in_order[2]);
        let reversed: Vec<&str> = in_order.iter().rev().copied().collect();
        assert_eq!(oracle.judge(&e, &in_order), oracle.judge(&e, &reversed));
        assert_eq!(oracle.position(&guid(2)), Some(2));

        // GUIDs in no canonical form, one listed twice: read alike in order, in capitals, reversed.
        let names = ["acct-a", "acct-b", "ACCT-A", "acct-c"];
        let listed: Vec<Listed> =
            names.iter().map(|g| Listed { guid: g.to_string(), ..listed(1)[0].clone() }).collect();
        let oracle = Oracle::new(listed);
        let e = oracle.expected(&all);
        let upper: Vec<String> = names.iter().map(|g| g.to_uppercase()).collect();
        let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
        let reversed: Vec<&str> = names.iter().rev().copied().collect();
        // The listing's second `acct-a` is the first's GUID: every answer is judged short of it.
        for answer in [&names[..], &upper, &reversed, &["acct-b", "acct-a", "acct-c"]] {
            assert!(oracle.judge(&e, answer).is_some(), "{answer:?}");
        }
        assert_eq!(oracle.position("ACCT-C"), Some(3));
        assert_eq!(oracle.position("ACCT-A"), Some(0));
    }

    #[test]
    fn a_large_wrong_answer_is_described_by_its_differences() {
        let many: Vec<Listed> = (0..100)
            .map(|i| Listed { guid: format!("g{i:03}"), name: None, expiry: Some(at("2030-01-01T00:00:00.000Z")) })
            .collect();
        let oracle = Oracle::new(many);
        let e = oracle.expected(&[Criterion::Date(DateOp::Le, at("2030-01-01T00:00:00.000Z"))]);
        let received: Vec<String> = (1..100).map(|i| format!("g{i:03}")).chain(["nope".to_owned()]).collect();
        let received: Vec<&str> = received.iter().map(String::as_str).collect();
        let why = oracle.judge(&e, &received).expect("g000 is missing");
        assert!(why.contains("expected 100 account(s)") && why.contains("received 100 account(s)"), "{why}");
        assert!(why.contains("missing: 1 [g000]") && why.contains("not listed by the tenant: 1 [nope]"), "{why}");
        assert!(why.len() < 400, "{why}");
    }

    #[test]
    fn a_name_composed_or_decomposed_is_open_and_other_look_alikes_are_not() {
        let accounts = vec![
            Listed { guid: "C".into(), name: Some("Caf\u{E9} 6".into()), expiry: None },
            Listed { guid: "D".into(), name: Some("Cafe\u{301} 6".into()), expiry: None },
            Listed { guid: "E".into(), name: Some("Cafe 6".into()), expiry: None },
        ];
        // The composed name finds itself; the decomposed one may come or not.
        let e = expected(&[Criterion::Name("CAF\u{C9} 6".into())], &accounts);
        assert_eq!((e.must, e.may), (vec![], vec![0, 1]), "beyond ASCII and NFD: both open");
        let e = expected(&[Criterion::Name("caf\u{E9} 6".into())], &accounts);
        assert_eq!((e.must, e.may), (vec![0], vec![1]));
        // Neither is the name without its accent, nor with a full-width digit, a soft hyphen, a
        // space after it, or ß for an s.
        for other in ["Cafe 6 ", " Cafe 6", "Cafe \u{FF16}", "Ca\u{AD}fe 6", "Cafe+6", "Cafe 6ß"] {
            let e = expected(&[Criterion::Name(other.into())], &accounts);
            assert!(e.must.is_empty() && e.may.is_empty(), "{other:?}: {e:?}");
        }
        let e = expected(&[Criterion::Name("Cafe 6".into())], &accounts);
        assert_eq!((e.must, e.may), (vec![2], vec![]));
    }

    #[test]
    fn a_name_always_finds_itself_whatever_letters_it_holds() {
        let names = ["İzmir Okulu", "Straße Nord", "\u{212A}elvin Lab", "ΟΔΟΣ", "ﬁle", "ſtar", "Iğdır", "ÅLESUND"];
        let accounts: Vec<Listed> = names
            .iter()
            .enumerate()
            .map(|(i, n)| Listed { guid: format!("g{i}"), name: Some((*n).into()), expiry: None })
            .collect();
        for (i, n) in names.iter().enumerate() {
            let e = expected(&[Criterion::Name((*n).into())], &accounts);
            assert_eq!(e.must, vec![i as u32], "{n} sent byte for byte finds its account: {e:?}");
        }
        // In another case, the letters whose mappings disagree stay open.
        let e = expected(&[Criterion::Name("izmir okulu".into())], &accounts);
        assert_eq!((e.must, e.may), (vec![], vec![0]));
        // `i` and a combining dot above, upper-cased, is `İ` written decomposed: open too.
        let dotted = vec![Listed { guid: "D".into(), name: Some("i\u{307}zmir".into()), expiry: None }];
        let e = expected(&[Criterion::Name("I\u{307}ZMIR".into())], &dotted);
        assert_eq!((e.must, e.may), (vec![], vec![0]));
        assert_eq!(expected(&[Criterion::Name("i\u{307}zmir".into())], &dotted).must, [0]);
    }

    #[test]
    fn a_plain_case_is_one_letter_for_one_both_ways() {
        for c in ['A', 'z', 'I', 'i', 'É', 'é', 'Å', 'å', 'Ø', 'ø', 'Ä', 'Ж', 'ж', '6', ' ', '%'] {
            assert!(plain_case(c), "{c}");
        }
        // ß and ẞ (SS), İ (i̇), ı (I), ſ (S), the Kelvin and Ångström signs (K, Å), a ligature,
        // the micro sign (Μ), and the sigmas, whose lower case depends on where they stand.
        for c in ['ß', 'ẞ', 'İ', 'ı', 'ſ', '\u{212A}', '\u{212B}', 'ﬁ', 'µ', 'Σ', 'σ', 'ς'] {
            assert!(!plain_case(c), "{c}");
        }
    }

    #[test]
    fn the_unicode_reading_decides_plain_letters_beyond_ascii_and_leaves_the_rest_open() {
        let accounts = vec![
            Listed { guid: "A".into(), name: Some("ÅLESUND SKOLE".into()), expiry: None },
            Listed { guid: "S".into(), name: Some("Straße Nord".into()), expiry: None },
            Listed { guid: "K".into(), name: Some("\u{212A}elvin".into()), expiry: None },
        ];
        let oracle = Oracle::new(accounts);
        let asked = |name: &str, reading| oracle.expected_by(&[Criterion::Name(name.into())], reading);
        assert_eq!(asked("ålesund skole", Reading::Every), Expected { must: vec![], may: vec![0] });
        assert_eq!(asked("ålesund skole", Reading::Unicode), Expected { must: vec![0], may: vec![] });
        assert_eq!(asked("alesund skole", Reading::Unicode), Expected::default(), "an accent is no case");
        assert_eq!(asked("STRASSE NORD", Reading::Unicode), Expected { must: vec![], may: vec![1] });
        assert_eq!(asked("kelvin", Reading::Unicode), Expected { must: vec![], may: vec![2] });
    }

    #[test]
    fn a_name_with_an_uneven_letter_is_open_only_where_some_folding_matches() {
        let accounts = vec![
            Listed { guid: "G".into(), name: Some("Großhandel Weiß".into()), expiry: None },
            Listed { guid: "A".into(), name: Some("ACME, HR".into()), expiry: None },
        ];
        // No folding makes "Großhandel Weiß" equal to "acme, hr": it must not come.
        let e = expected(&[Criterion::Name("acme, hr".into())], &accounts);
        assert_eq!((e.must.clone(), e.may.clone()), (vec![1], vec![]), "{e:?}");
        assert!(!e.accepts(&[0, 1]), "a name no reading matches is a wrong answer");
        // Unicode folding says GROSSHANDEL WEISS matches, Java's per-character folding says not.
        let e = expected(&[Criterion::Name("GROSSHANDEL WEISS".into())], &accounts);
        assert_eq!((e.must, e.may), (vec![], vec![0]));
        let e = expected(&[Criterion::Name("großhandel weiß".into())], &accounts);
        assert_eq!(e.may, vec![0], "the same name in another case: open (beyond ASCII, a SHOULD)");
    }
}
