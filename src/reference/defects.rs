//! The seeded defects of the account resource's query language, apart from the correct
//! implementation in `uem.rs`: each hook answers in place of the documented rule when its quirk
//! is on, and says nothing (`None`) otherwise, so the correct matching code reads as the
//! documentation does.

use super::query::{Criterion, Field, Op};
use super::uem::Quirk;
use chrono::{DateTime, SubsecRound, Utc};

/// The query defects among a target's quirks.
pub(crate) struct QueryDefects<'q>(pub &'q [Quirk]);

impl QueryDefects<'_> {
    fn has(&self, q: &Quirk) -> bool {
        self.0.contains(q)
    }

    /// Whether a name criterion matches, when a defect compares names otherwise: `written` and
    /// `lower` are the account's name as written and lower-cased, `lower_holder` its holder
    /// lower-cased, `wanted` and `lowered` the criterion's value as written and lower-cased.
    pub fn name_match(
        &self,
        written: &str,
        lower: &str,
        lower_holder: &str,
        wanted: &str,
        lowered: &str,
    ) -> Option<bool> {
        Some(if self.has(&Quirk::BadCaseSensitive) {
            written == wanted
        } else if self.has(&Quirk::BadAsciiCaseFold) {
            written.eq_ignore_ascii_case(wanted)
        } else if self.has(&Quirk::BadSubstringMatch) {
            lower.contains(lowered)
        } else if self.has(&Quirk::BadLikeWildcards) {
            like(lower, lowered)
        } else if self.has(&Quirk::BadAccentInsensitive) {
            strip_accents(lower) == strip_accents(lowered)
        } else if self.has(&Quirk::BadPrefixMatch) {
            lower.starts_with(lowered)
        } else if self.has(&Quirk::BadNameMatchesHolder) {
            lower == lowered || lower_holder == lowered
        } else {
            return None;
        })
    }

    /// The instant and the bound as a defect compares them (to the second, not the millisecond).
    pub fn instants(&self, instant: DateTime<Utc>, bound: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        if self.has(&Quirk::BadSecondPrecision) {
            (instant.trunc_subsecs(0), bound.trunc_subsecs(0))
        } else {
            (instant, bound)
        }
    }

    /// Whether a date criterion holds, when a defect takes an operator's boundary the wrong way.
    pub fn date_match(&self, op: Op, instant: DateTime<Utc>, bound: DateTime<Utc>) -> Option<bool> {
        match op {
            Op::Gt if self.has(&Quirk::BadGtInclusive) => Some(instant >= bound),
            Op::Ge if self.has(&Quirk::BadGeExclusive) => Some(instant > bound),
            Op::Lt if self.has(&Quirk::BadLtInclusive) => Some(instant <= bound),
            Op::Le if self.has(&Quirk::BadLeExclusive) => Some(instant < bound),
            _ => None,
        }
    }

    /// The criteria that count, when a defect keeps one slot per field and bound (a later
    /// criterion replacing an earlier one): their positions.
    pub fn kept_criteria(&self, criteria: &[Criterion]) -> Option<Vec<usize>> {
        if !self.has(&Quirk::BadLastCriterionWins) {
            return None;
        }
        let slot = |c: &Criterion| match (c.field, c.op) {
            (Field::Name, _) => 0,
            (_, Op::Gt | Op::Ge) => 1,
            (_, Op::Lt | Op::Le) => 2,
            _ => 3,
        };
        Some(
            (0..criteria.len())
                .filter(|&i| !criteria[i + 1..].iter().any(|later| slot(later) == slot(&criteria[i])))
                .collect(),
        )
    }

    /// Whether criteria combine with OR rather than the documented AND.
    pub fn or_instead_of_and(&self) -> bool {
        self.has(&Quirk::BadOrInsteadOfAnd)
    }
}

/// SQL `LIKE` without escaping: `%` any run of characters, `_` any one.
fn like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    go(&text.chars().collect::<Vec<_>>(), &pattern.chars().collect::<Vec<_>>())
}

/// Common Latin letters without their accents, as an accent-insensitive collation compares them.
fn strip_accents(text: &str) -> String {
    const FROM: &str = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ";
    const TO: &str = "aaaaaaceeeeiiiinooooouuuuyy";
    text.chars().map(|c| FROM.chars().position(|f| f == c).and_then(|i| TO.chars().nth(i)).unwrap_or(c)).collect()
}
