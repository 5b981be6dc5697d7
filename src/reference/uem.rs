//! `GET /{tenantGuid}/api/v1/vppAccounts[?query=…]` and `GET …/vppAccounts/{guid}`.

use super::query::{self, Criterion, Field, Op};
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use wiremock::{Request, ResponseTemplate};

pub const LIST_MEDIA_TYPE: &str = "application/vnd.blackberry.vppaccounts-v1+json";
pub const ACCOUNT_MEDIA_TYPE: &str = "application/vnd.blackberry.vppaccount-v1+json";

/// Seeded defects (`Bad…`) and benign variations (`Ok…`) of the account resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quirk {
    BadCaseSensitive,
    /// Folds only ASCII letters, so `ÉCOLE` ≠ `École`.
    BadAsciiCaseFold,
    BadSubstringMatch,
    BadPrefixMatch,
    BadOrInsteadOfAnd,
    BadEscapesIgnored,
    BadGtInclusive,
    BadGeExclusive,
    BadLtInclusive,
    BadLeExclusive,
    BadSecondPrecision,
    BadQueryIgnored,
    BadEmptyAs404,
    BadEmptyAsNull,
    BadUnknownGuidFound,
    BadListMediaType,
    BadAccountMediaType,
    /// GET by GUID serves another holder than the list does.
    BadGetDisagrees,
    /// One field is served with a wrong value everywhere.
    BadFieldValue(String),
    BadFieldMissing(String),
    BadBareArray,
    /// SQL `LIKE`/`ILIKE` without escaping: `_` and `%` are wildcards.
    BadLikeWildcards,
    /// An accent-insensitive collation: `Ecole` matches `École`.
    BadAccentInsensitive,
    /// One slot per field and bound (name; minimum; maximum): a later criterion replaces an earlier one.
    BadLastCriterionWins,
    /// GET by GUID matches any account whose GUID starts with the given text.
    BadGuidPrefix,
    OkReversedOrder,
    OkExtraFields,
    OkCharsetParameter,
    OkUppercaseMediaType,
    OkDatesWithOffset,
    OkUppercaseGuids,
    /// Refuses a list without `query` (400): the documentation does not say a query is optional.
    OkQueryRequired,
}

pub struct Accounts {
    tenant: String,
    accounts: Vec<Value>,
    quirks: Vec<Quirk>,
}

impl Accounts {
    pub fn new(data: &Value, quirks: Vec<Quirk>) -> Self {
        Self {
            tenant: data["tenantGuid"].as_str().unwrap_or("SRP00000").to_owned(),
            accounts: data["vppAccounts"].as_array().cloned().unwrap_or_default(),
            quirks,
        }
    }

    fn has(&self, q: &Quirk) -> bool {
        self.quirks.contains(q)
    }

    pub fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let (tenant, rest) = match segments.as_slice() {
            [tenant, "api", "v1", rest @ ..] => (*tenant, rest),
            _ => return super::error_response(404, "no such resource"),
        };
        if !tenant.eq_ignore_ascii_case(&self.tenant) {
            return super::error_response(404, "unknown tenant");
        }
        if request.method.as_str() != "GET" {
            return super::error_response(405, "only GET is supported").insert_header("Allow", "GET");
        }
        match rest {
            ["vppAccounts"] => {
                let raw = request.url.query_pairs().find(|(k, _)| k == "query").map(|(_, v)| v.into_owned());
                self.list(raw.as_deref())
            }
            ["vppAccounts", guid] => self.one(guid),
            _ => super::error_response(404, "no such resource"),
        }
    }

    fn list(&self, raw_query: Option<&str>) -> ResponseTemplate {
        let criteria = match raw_query {
            Some(raw) if !self.has(&Quirk::BadQueryIgnored) => {
                match query::parse(raw, !self.has(&Quirk::BadEscapesIgnored)) {
                    Ok(c) => c,
                    Err(e) => return super::error_response(400, &e),
                }
            }
            None if self.has(&Quirk::OkQueryRequired) => return super::error_response(400, "a query is required"),
            _ => Vec::new(),
        };
        let mut found: Vec<Value> = self
            .accounts
            .iter()
            .filter(|a| criteria.is_empty() || self.matches_all(a, &criteria))
            .map(|a| self.serve(a, false))
            .collect();
        if found.is_empty() && self.has(&Quirk::BadEmptyAs404) {
            return super::error_response(404, "no accounts");
        }
        if self.has(&Quirk::OkReversedOrder) {
            found.reverse();
        }
        let body = if self.has(&Quirk::BadBareArray) {
            Value::Array(found)
        } else if found.is_empty() && self.has(&Quirk::BadEmptyAsNull) {
            serde_json::json!({"vppAccounts": null})
        } else {
            serde_json::json!({"vppAccounts": found})
        };
        let media_type = if self.has(&Quirk::BadListMediaType) { ACCOUNT_MEDIA_TYPE } else { LIST_MEDIA_TYPE };
        self.reply(body, media_type)
    }

    fn one(&self, guid: &str) -> ResponseTemplate {
        let prefix = self.has(&Quirk::BadGuidPrefix);
        let found = self
            .accounts
            .iter()
            .find(|a| {
                a["guid"].as_str().is_some_and(|g| {
                    g.eq_ignore_ascii_case(guid)
                        || (prefix && guid.len() >= 8 && g.to_lowercase().starts_with(&guid.to_lowercase()))
                })
            })
            .or_else(|| if self.has(&Quirk::BadUnknownGuidFound) { self.accounts.first() } else { None });
        let Some(account) = found else {
            return super::error_response(404, "Apple VPP account not found");
        };
        let media_type = if self.has(&Quirk::BadAccountMediaType) { LIST_MEDIA_TYPE } else { ACCOUNT_MEDIA_TYPE };
        self.reply(self.serve(account, true), media_type)
    }

    fn reply(&self, body: Value, media_type: &str) -> ResponseTemplate {
        let media_type = if self.has(&Quirk::OkUppercaseMediaType) {
            media_type.to_ascii_uppercase()
        } else if self.has(&Quirk::OkCharsetParameter) {
            format!("{media_type}; charset=utf-8")
        } else {
            media_type.to_owned()
        };
        ResponseTemplate::new(200).set_body_raw(body.to_string(), &media_type)
    }

    /// The account as served, after field-level quirks.
    fn serve(&self, account: &Value, by_guid: bool) -> Value {
        let mut a = account.clone();
        for quirk in &self.quirks {
            match quirk {
                Quirk::BadFieldValue(field) => a[field] = wrong_value(&a[field]),
                Quirk::BadFieldMissing(field) => {
                    a.as_object_mut().map(|m| m.remove(field));
                }
                Quirk::BadGetDisagrees if by_guid => a["accountHolderInfo"] = "Served differently by GET".into(),
                Quirk::OkExtraFields => a["createdBy"] = "reference".into(),
                Quirk::OkDatesWithOffset => {
                    if let Some(instant) = instant_of(&a) {
                        let offset = chrono::FixedOffset::east_opt(2 * 3600).expect("valid offset");
                        a["tokenExpiryDate"] =
                            instant.with_timezone(&offset).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string().into();
                    }
                }
                Quirk::OkUppercaseGuids => {
                    a["guid"] = a["guid"].as_str().unwrap_or_default().to_ascii_uppercase().into()
                }
                _ => {}
            }
        }
        a
    }

    fn matches_all(&self, account: &Value, criteria: &[Criterion]) -> bool {
        if self.has(&Quirk::BadLastCriterionWins) {
            let slot = |c: &Criterion| match (c.field, c.op) {
                (Field::Name, _) => 0,
                (_, Op::Gt | Op::Ge) => 1,
                (_, Op::Lt | Op::Le) => 2,
                _ => 3,
            };
            let kept: Vec<Criterion> = criteria
                .iter()
                .enumerate()
                .filter(|(i, c)| !criteria[i + 1..].iter().any(|later| slot(later) == slot(c)))
                .map(|(_, c)| c.clone())
                .collect();
            return kept.iter().all(|c| self.matches(account, c));
        }
        if self.has(&Quirk::BadOrInsteadOfAnd) {
            criteria.iter().any(|c| self.matches(account, c))
        } else {
            criteria.iter().all(|c| self.matches(account, c))
        }
    }

    fn matches(&self, account: &Value, c: &Criterion) -> bool {
        match (&c.field, &c.value) {
            (Field::Name, query::Value::Text(wanted)) => {
                let name = account["name"].as_str().unwrap_or_default();
                if self.has(&Quirk::BadCaseSensitive) {
                    name == wanted
                } else if self.has(&Quirk::BadAsciiCaseFold) {
                    name.to_ascii_lowercase() == wanted.to_ascii_lowercase()
                } else if self.has(&Quirk::BadSubstringMatch) {
                    name.to_lowercase().contains(&wanted.to_lowercase())
                } else if self.has(&Quirk::BadLikeWildcards) {
                    like(&name.to_lowercase(), &wanted.to_lowercase())
                } else if self.has(&Quirk::BadAccentInsensitive) {
                    strip_accents(&name.to_lowercase()) == strip_accents(&wanted.to_lowercase())
                } else if self.has(&Quirk::BadPrefixMatch) {
                    name.to_lowercase().starts_with(&wanted.to_lowercase())
                } else {
                    name.to_lowercase() == wanted.to_lowercase()
                }
            }
            (Field::TokenExpiryDate, query::Value::Instant(bound)) => {
                let Some(mut instant) = instant_of(account) else {
                    return false;
                };
                let mut bound = *bound;
                if self.has(&Quirk::BadSecondPrecision) {
                    instant = instant.trunc_subsecs(0);
                    bound = bound.trunc_subsecs(0);
                }
                match c.op {
                    Op::Eq => instant == bound,
                    Op::Gt if self.has(&Quirk::BadGtInclusive) => instant >= bound,
                    Op::Gt => instant > bound,
                    Op::Ge if self.has(&Quirk::BadGeExclusive) => instant > bound,
                    Op::Ge => instant >= bound,
                    Op::Lt if self.has(&Quirk::BadLtInclusive) => instant <= bound,
                    Op::Lt => instant < bound,
                    Op::Le if self.has(&Quirk::BadLeExclusive) => instant < bound,
                    Op::Le => instant <= bound,
                }
            }
            _ => false,
        }
    }
}

/// SQL `LIKE`: `%` any run of characters, `_` any one character.
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

fn instant_of(account: &Value) -> Option<DateTime<Utc>> {
    account["tokenExpiryDate"]
        .as_str()
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
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
