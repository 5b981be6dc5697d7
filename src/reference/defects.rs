//! The seeded defects of the account resource's query language, apart from the correct
//! implementation in `uem.rs`: each hook answers in place of the documented rule when its quirk
//! is on, and says nothing (`None`) otherwise, so the correct matching code reads as the
//! documentation does.

use super::query::{Criterion, Field, Op};
use super::quirks::UemQuirk as Quirk;
use crate::catalog::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE};
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use std::borrow::Cow;
use wiremock::ResponseTemplate;

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
            like(lower, lowered, Like::BackslashEscape)
        } else if self.has(&Quirk::BadLikeBrackets) {
            like(lower, lowered, Like::Brackets)
        } else if self.has(&Quirk::BadAccentInsensitive) {
            strip_accents(lower) == strip_accents(lowered)
        } else if self.has(&Quirk::BadPrefixMatch) {
            lower.starts_with(lowered)
        } else if self.has(&Quirk::BadNameMatchesHolder) {
            lower == lowered || lower_holder == lowered
        } else if self.has(&Quirk::BadTrailingSpacesIgnored) {
            lower.trim_end_matches(' ') == lowered.trim_end_matches(' ')
        } else if self.has(&Quirk::BadValuesTrimmed) {
            lower == lowered.trim_matches(|c: char| c <= ' ')
        } else if self.has(&Quirk::BadTurkishLowerCase) {
            lower == turkish_lower_case(wanted)
        } else if self.has(&Quirk::BadCompatibilityFolded) {
            compatibility_folded(lower) == compatibility_folded(lowered)
        } else if self.has(&Quirk::BadIgnorableCharacters) {
            without_ignorables(lower) == without_ignorables(lowered)
        } else if self.has(&Quirk::BadSharpSAsS) {
            lower.replace('ß', "s") == lowered.replace('ß', "s")
        } else if self.has(&Quirk::BadTwoFoldingRules) {
            written.to_lowercase() == libc_lower_case(wanted)
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

    /// Whether a date criterion holds, when a defect compares the dates as text: the expiry as
    /// stored and the bound as the query writes it.
    pub fn date_text_match(&self, op: Op, stored: &str, written: &str) -> Option<bool> {
        self.has(&Quirk::BadDatesComparedAsText).then(|| match op {
            Op::Eq => stored == written,
            Op::Gt => stored > written,
            Op::Ge => stored >= written,
            Op::Lt => stored < written,
            Op::Le => stored <= written,
        })
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

/// The seeded defects of the resource's answers: each hook says what its quirk changes, and
/// nothing (`None`, `false`) when its quirk is off.
pub(crate) struct ResponseDefects<'q>(pub &'q [Quirk]);

impl ResponseDefects<'_> {
    fn has(&self, q: &Quirk) -> bool {
        self.0.contains(q)
    }

    /// Another tenant's path is served as this tenant's.
    pub fn tenant_ignored(&self) -> bool {
        self.has(&Quirk::BadTenantIgnored)
    }

    /// A request without `Authorization` (`given` false), or with any value, is served anyway.
    pub fn accepts_any_authorization(&self, given: bool) -> bool {
        if given { self.has(&Quirk::BadAnyAuthorizationAccepted) } else { self.has(&Quirk::BadAuthNotRequired) }
    }

    pub fn query_ignored(&self) -> bool {
        self.has(&Quirk::BadQueryIgnored)
    }

    pub fn escapes_ignored(&self) -> bool {
        self.has(&Quirk::BadEscapesIgnored)
    }

    /// The query as the server reads it: decoded once more, when a defect decodes what the
    /// framework already decoded (`+` becomes a space, `%xx` a character).
    pub fn query_text<'r>(&self, raw: &'r str) -> Cow<'r, str> {
        if !self.has(&Quirk::BadPlusAsSpace) {
            return Cow::Borrowed(raw);
        }
        let plus_as_space = raw.replace('+', " ");
        Cow::Owned(percent_encoding::percent_decode_str(&plus_as_space).decode_utf8_lossy().into_owned())
    }

    /// A documented query refused: `tokenExpiryDate=`, the default exact match on the date.
    pub fn refusal_of(&self, criteria: &[Criterion]) -> Option<ResponseTemplate> {
        (self.has(&Quirk::BadDateExactMatchRefused)
            && criteria.iter().any(|c| c.field == Field::TokenExpiryDate && c.op == Op::Eq))
        .then(|| super::error_response(400, "tokenExpiryDate takes >, >=, < or <="))
    }

    /// An empty list answered as not found.
    pub fn empty_list_answer(&self) -> Option<ResponseTemplate> {
        self.has(&Quirk::BadEmptyAs404).then(|| super::error_response(404, "no accounts"))
    }

    /// The list's body, when a defect writes it otherwise: the bare `array`, or null when empty.
    pub fn list_body(&self, array: &str, empty: bool) -> Option<String> {
        if self.has(&Quirk::BadBareArray) {
            Some(array.to_owned())
        } else if empty && self.has(&Quirk::BadEmptyAsNull) {
            Some(r#"{"vppAccounts":null}"#.to_owned())
        } else {
            None
        }
    }

    /// The list served as one account's media type.
    pub fn list_media_type(&self) -> Option<&'static str> {
        self.has(&Quirk::BadListMediaType).then_some(ACCOUNT_MEDIA_TYPE)
    }

    /// One account served as a list's media type.
    pub fn account_media_type(&self) -> Option<&'static str> {
        self.has(&Quirk::BadAccountMediaType).then_some(LIST_MEDIA_TYPE)
    }

    /// Whether `asked` finds the account `listed` by another rule than equality: its prefix.
    pub fn guid_found(&self, listed: &str, asked: &str) -> bool {
        self.has(&Quirk::BadGuidPrefix) && asked.len() >= 8 && listed.to_lowercase().starts_with(&asked.to_lowercase())
    }

    /// An unknown GUID answered with an account all the same.
    pub fn unknown_guid_found(&self) -> bool {
        self.has(&Quirk::BadUnknownGuidFound)
    }

    /// A 404 whose body carries another account, as served.
    pub fn not_found_leak(&self, other: Option<Value>) -> Option<ResponseTemplate> {
        let other = other.filter(|_| self.has(&Quirk::BadNotFoundLeaksAccount))?;
        let body = serde_json::json!({"code": 404, "message": "Apple VPP account not found", "closest": other});
        Some(ResponseTemplate::new(404).set_body_raw(body.to_string(), "application/json"))
    }

    /// An account as a defect serves it: a field wrong or missing, another holder by GUID, a
    /// date without its milliseconds.
    pub fn serve(&self, a: &mut Value, by_guid: bool) {
        for quirk in self.0 {
            match quirk {
                Quirk::BadFieldValue(field) => a[field] = wrong_value(&a[field]),
                Quirk::BadFieldMissing(field) => {
                    a.as_object_mut().map(|m| m.remove(field));
                }
                Quirk::BadGetDisagrees if by_guid => a["accountHolderInfo"] = "Served differently by GET".into(),
                Quirk::BadDatesWithoutMillis => {
                    let instant = a["tokenExpiryDate"]
                        .as_str()
                        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                        .map(|d| d.with_timezone(&Utc));
                    if let Some(instant) = instant.filter(|i| i.timestamp_subsec_millis() == 0) {
                        a["tokenExpiryDate"] = instant.format("%Y-%m-%dT%H:%M:%SZ").to_string().into();
                    }
                }
                _ => {}
            }
        }
    }
}

/// A plausible but wrong value of the same type.
fn wrong_value(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(!b),
        Value::String(s) if s.contains('T') && DateTime::parse_from_rfc3339(s).is_ok() => {
            let d = DateTime::parse_from_rfc3339(s).expect("checked") + chrono::Duration::hours(1);
            d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into()
        }
        Value::String(s) => format!("{s}-changed").into(),
        other => other.clone(),
    }
}

/// The `LIKE` a defect hands the value to, as its pattern: both read `%` as any run of characters
/// and `_` as any one.
#[derive(Clone, Copy, PartialEq)]
enum Like {
    /// PostgreSQL's `ILIKE` and MySQL's `LIKE`: `\` escapes the next character, so a name that
    /// holds a backslash is not found (a pattern that ends in one matches nothing: PostgreSQL
    /// refuses it).
    BackslashEscape,
    /// SQL Server's `LIKE`: `[…]` is one character of a set (`[BV]`, `[a-c]`, `[^x]`), and there
    /// is no escape character.
    Brackets,
}

fn like(text: &str, pattern: &str, dialect: Like) -> bool {
    fn go(t: &[char], p: &[char], d: Like) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest, d)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest, d),
            Some(('\\', rest)) if d == Like::BackslashEscape => match rest.split_first() {
                Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest, d),
                None => false,
            },
            Some(('[', rest)) if d == Like::Brackets => match bracket_set(rest) {
                Some((set, rest)) => t.first().is_some_and(|c| in_set(set, *c)) && go(&t[1..], rest, d),
                None => t.first() == Some(&'[') && go(&t[1..], rest, d),
            },
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest, d),
        }
    }
    go(&text.chars().collect::<Vec<_>>(), &pattern.chars().collect::<Vec<_>>(), dialect)
}

/// The set of a `[…]` after its `[`, and the pattern after its `]`; `None` when no `]` closes a
/// set of at least one character (the `[` is then a plain character).
fn bracket_set(p: &[char]) -> Option<(&[char], &[char])> {
    let end = p.iter().position(|c| *c == ']').filter(|end| *end > 0)?;
    Some((&p[..end], &p[end + 1..]))
}

/// Whether a `[…]` set holds the character: `^` first negates it, `a-c` is a range.
fn in_set(set: &[char], c: char) -> bool {
    let (negated, items) = match set.split_first() {
        Some(('^', rest)) if !rest.is_empty() => (true, rest),
        _ => (false, set),
    };
    let mut held = false;
    let mut i = 0;
    while i < items.len() {
        if i + 2 < items.len() && items[i + 1] == '-' {
            held |= (items[i]..=items[i + 2]).contains(&c);
            i += 3;
        } else {
            held |= items[i] == c;
            i += 1;
        }
    }
    held != negated
}

/// Common Latin letters without their accents, as an accent-insensitive collation compares them.
fn strip_accents(text: &str) -> String {
    const FROM: &str = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ";
    const TO: &str = "aaaaaaceeeeiiiinooooouuuuyy";
    text.chars().map(|c| FROM.chars().position(|f| f == c).and_then(|i| TO.chars().nth(i)).unwrap_or(c)).collect()
}

/// Java's `toLowerCase()` in a Turkish locale: `I` is the capital of the dotless `ı`, and `İ`
/// of `i`.
fn turkish_lower_case(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            'I' => vec!['ı'],
            'İ' => vec!['i'],
            c => c.to_lowercase().collect(),
        })
        .collect()
}

/// Lower case one character for one, as the C library's `towlower` gives it (its simple
/// mapping): `İ` is `i`, and `Σ` is `σ` wherever it stands.
fn libc_lower_case(text: &str) -> String {
    text.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect()
}

/// Compatibility normalisation (NFKC), then lower case: the full-width `６` is `6`, `ﬁ` is `fi`.
fn compatibility_folded(text: &str) -> String {
    icu_normalizer::ComposingNormalizerBorrowed::new_nfkc().normalize(text).to_lowercase()
}

/// The text without the characters a linguistic comparison ignores: the soft hyphen, the
/// zero-width space, non-joiner and joiner, the word joiner and the byte order mark.
fn without_ignorables(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_takes_the_value_for_a_pattern_with_its_backslash_escape() {
        let like = |t, p| like(t, p, Like::BackslashEscape);
        assert!(like("vpp-token-version-3", "vpp_token_version_3"));
        assert!(like("beta 6 test", "%"));
        assert!(like("a_b", r"a\_b") && !like("axb", r"a\_b"));
        assert!(!like(r"acme, retail\east", r"acme, retail\east"), "\\e is an escaped e");
        assert!(!like(r"ends with\", r"ends with\"), "a pattern ending in the escape matches nothing");
        assert!(like("[bv]eta", "[bv]eta") && !like("beta", "[bv]eta"), "no sets here");
    }

    #[test]
    fn sql_server_like_reads_brackets_as_a_set_and_escapes_nothing() {
        let like = |t, p| like(t, p, Like::Brackets);
        assert!(like("beta 6 test", "[bv]eta 6 test") && like("veta 6 test", "[bv]eta 6 test"));
        assert!(!like("[bv]eta 6 test", "[bv]eta 6 test"), "the name with brackets is not found");
        assert!(like("b", "[a-c]") && !like("d", "[a-c]") && like("d", "[^a-c]") && !like("b", "[^a-c]"));
        assert!(like("-", "[-a]") && like("^", "[^]"), "a - at an end and a lone ^ are characters of the set");
        assert!(like("a[", "a[") && like("a[]", "a[]"), "a [ no set follows is plain");
        assert!(like(r"acme, retail\east", r"acme, retail\east"), "a backslash is plain");
        assert!(like("vpp-token-version-3", "vpp_token_version_3") && like("x", "%"));
    }

    #[test]
    fn the_back_ends_look_alikes() {
        assert_eq!(turkish_lower_case("SCHOOL DİSTRICT"), "school distrıct");
        assert_eq!(compatibility_folded("Beta \u{FF16} Test ﬁ"), "beta 6 test fi");
        assert_eq!(without_ignorables("Be\u{AD}ta\u{200D} 6"), "Beta 6");
        assert_eq!(
            ("İZMİR ΟΔΟΣ".to_lowercase().as_str(), libc_lower_case("İZMİR ΟΔΟΣ").as_str()),
            ("i\u{307}zmi\u{307}r οδος", "izmir οδοσ")
        );
        let two = QueryDefects(&[Quirk::BadTwoFoldingRules]);
        assert_eq!(two.name_match("İzmir", "", "", "İzmir", ""), Some(false), "the name does not find itself");
        assert_eq!(two.name_match("Ärzte", "", "", "ÄRZTE", ""), Some(true), "elsewhere the two rules agree");
        let q = QueryDefects(&[Quirk::BadTrailingSpacesIgnored]);
        assert_eq!(q.name_match("a", "a", "", "a  ", "a  "), Some(true));
        assert_eq!(q.name_match("a", "a", "", " a", " a"), Some(false), "PAD SPACE keeps leading spaces");
        let r = ResponseDefects(&[Quirk::BadPlusAsSpace]);
        assert_eq!(r.query_text("name=Beta+6+Test"), "name=Beta 6 Test");
        assert_eq!(ResponseDefects(&[]).query_text("name=Beta+6+Test"), "name=Beta+6+Test");
    }
}
