//! Accounts compare with the canonical data set by GUID, field by field, as the documentation
//! fixes them: GUIDs case-insensitively, expiry dates as instants (the samples write them with
//! milliseconds and `Z`, but any ISO 8601 form of the same instant is the same date), the other
//! fields exactly. Order of accounts and of keys, and fields the documentation does not show,
//! are left open: order is ignored, extra fields are warnings.

use super::{Findings, Mismatch, show};
use crate::catalog;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The fields every documented account shows.
pub const ACCOUNT_FIELDS: [&str; 6] =
    ["guid", "name", "accountHolderInfo", "tokenExpiryDate", "autoUpdateNewAppVersions", "token"];

/// An ISO 8601 instant: `2027-01-01T00:00:00.000Z`, with an offset written `+02:00` or `+0200`
/// (Java's default), with or without fractions of a second.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The form every documented date takes: milliseconds and `Z`.
pub fn documented_date_form(instant: &DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Why a date is not written in the documented form (`2028-04-20T04:04:00.000Z`: UTC, to the
/// millisecond), or `None` when it is, or when it is no instant at all (the schema says so).
pub fn undocumented_date_form(text: &str) -> Option<String> {
    let instant = parse_instant(text)?;
    let documented = documented_date_form(&instant);
    if documented == text {
        return None;
    }
    let seconds = text.get(17..19).is_some_and(|s| s.chars().all(|c| c.is_ascii_digit()));
    let fraction = text.get(19..20) == Some(".");
    let how = if seconds && !fraction {
        "no milliseconds"
    } else if !text.ends_with('Z') {
        "an offset instead of Z"
    } else {
        "another number of fractional digits"
    };
    Some(format!("\"{text}\" ({how}; the same instant is {documented})"))
}

/// Every expiry date of these accounts is written in the documented form. At most `shown`
/// failures are spelled out; the rest are counted.
pub fn check_date_forms(accounts: impl IntoIterator<Item = (usize, Value)>, shown: usize) -> Findings {
    let mut findings = Findings::default();
    let mut more = 0usize;
    for (i, account) in accounts {
        let Some(why) = account.get("tokenExpiryDate").and_then(Value::as_str).and_then(undocumented_date_form) else {
            continue;
        };
        if findings.failures.len() >= shown {
            more += 1;
            continue;
        }
        findings.fail(Mismatch::new(
            format!("$.vppAccounts[{i}].tokenExpiryDate"),
            "a date is written as the documentation writes every date: UTC, to the millisecond",
            "YYYY-MM-DDThh:mm:ss.sssZ, as 2028-04-20T04:04:00.000Z",
            why,
        ));
    }
    if more > 0 {
        findings.fail(Mismatch::new("$.vppAccounts", "(more of the same)", "", format!("{more} more dates")));
    }
    findings
}

/// Every documented field on every account, with a value (neither missing nor null), as every
/// account the documentation shows: one failure per field some accounts lack, with their count
/// and the first few, however many accounts lack it.
pub fn check_documented_fields(accounts: impl IntoIterator<Item = (usize, Value)>) -> Findings {
    const EXAMPLES: usize = 3;
    let mut lacking: [(usize, Vec<usize>); ACCOUNT_FIELDS.len()] = Default::default();
    let mut total = 0usize;
    for (i, account) in accounts {
        total += 1;
        for (field, (count, examples)) in ACCOUNT_FIELDS.iter().zip(lacking.iter_mut()) {
            if account.get(*field).is_none_or(Value::is_null) {
                *count += 1;
                if examples.len() < EXAMPLES {
                    examples.push(i);
                }
            }
        }
    }
    let mut findings = Findings::default();
    for (field, (count, examples)) in ACCOUNT_FIELDS.iter().zip(lacking) {
        if count == 0 {
            continue;
        }
        let shown: Vec<String> = examples.iter().map(|i| format!("$.vppAccounts[{i}]")).collect();
        let etc = if count > shown.len() { ", …" } else { "" };
        findings.fail(Mismatch::new(
            format!("$.vppAccounts[*].{field}"),
            "every account carries every documented field, with a value, as every documented account does",
            format!("{field} on every listed account"),
            format!("{count} of {total} listed accounts have no (or a null) {field}: {}{etc}", shown.join(", ")),
        ));
    }
    findings
}

/// The account data a response gives away: each of `values` (GUIDs and tokens of the tenant's
/// accounts) found in `body`, in any letter case, except those the request itself holds (`requested`:
/// the GUID in its path may be echoed). Each is shortened, so no token is printed whole.
pub fn account_data_in(body: &[u8], requested: &str, values: impl IntoIterator<Item = String>) -> Vec<String> {
    let body = String::from_utf8_lossy(body).to_lowercase();
    let requested = requested.to_lowercase();
    let mut found: Vec<String> = values
        .into_iter()
        .map(|v| v.to_lowercase())
        .filter(|v| v.len() >= 8 && body.contains(v.as_str()) && !requested.contains(v.as_str()))
        .map(|v| if v.len() > 12 { format!("{}…", &v[..8]) } else { v })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The GUID and token of each account, the values [`account_data_in`] looks for.
pub fn identifying_values(account: &Value) -> impl Iterator<Item = String> + '_ {
    ["guid", "token"].into_iter().filter_map(|f| account.get(f).and_then(Value::as_str).map(str::to_owned))
}

/// Text as the data holds it, between quotes: no escape added (a backslash stays one backslash),
/// except for control characters, which would break the message's lines.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// The canonical account with this GUID.
pub fn canonical_account(guid: &str) -> Option<&'static Value> {
    canonical_accounts().iter().find(|a| a["guid"].as_str().is_some_and(|g| g.eq_ignore_ascii_case(guid)))
}

pub fn canonical_accounts() -> &'static [Value] {
    catalog::accounts_fixture()["vppAccounts"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The `vppAccounts` array of a list response.
pub fn listed_accounts(body: &Value) -> Result<&Vec<Value>, Mismatch> {
    body.get("vppAccounts").and_then(Value::as_array).ok_or_else(|| {
        Mismatch::new("$.vppAccounts", "a list response holds its accounts in vppAccounts", "an array", show(body))
    })
}

/// The GUIDs of a list response's accounts, in the order received, read straight from the body
/// without building a tree of it: the answer to a date query on a large tenant is megabytes, and
/// only the GUIDs decide it. An account without a string GUID shows as `(no guid)`.
pub fn listed_guids(body: &[u8]) -> Result<Vec<std::borrow::Cow<'_, str>>, String> {
    use std::borrow::Cow;
    #[derive(serde::Deserialize)]
    struct List<'a> {
        #[serde(rename = "vppAccounts", borrow)]
        accounts: Option<Vec<Entry<'a>>>,
    }
    #[derive(serde::Deserialize)]
    struct Entry<'a> {
        #[serde(borrow)]
        guid: Option<&'a serde_json::value::RawValue>,
    }
    /// The GUID as written, borrowed from the body unless it holds an escape.
    fn guid(raw: Option<&serde_json::value::RawValue>) -> Cow<'_, str> {
        let Some(raw) = raw else { return Cow::Borrowed("(no guid)") };
        match serde_json::from_str::<&str>(raw.get()) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => serde_json::from_str::<String>(raw.get()).map(Cow::Owned).unwrap_or(Cow::Borrowed("(no guid)")),
        }
    }
    match serde_json::from_slice::<List>(body) {
        Ok(List { accounts: Some(items) }) => Ok(items.into_iter().map(|e| guid(e.guid)).collect()),
        // Not the shape of a list: say why as the full reading does.
        _ => {
            let value: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
            let items = listed_accounts(&value).map_err(|m| format!("{}: {}", m.rule, m.actual))?;
            Ok(items
                .iter()
                .map(|a| Cow::Owned(a.get("guid").and_then(Value::as_str).unwrap_or("(no guid)").to_owned()))
                .collect())
        }
    }
}

/// The accounts of a list response, each as its JSON text borrowed from the body: reading a list
/// copies nothing, and a caller keeps (copies) only the accounts it needs.
pub fn listed_raw(body: &[u8]) -> Result<Vec<&serde_json::value::RawValue>, String> {
    #[derive(serde::Deserialize)]
    struct List<'a> {
        #[serde(rename = "vppAccounts", borrow)]
        accounts: Vec<&'a serde_json::value::RawValue>,
    }
    match serde_json::from_slice::<List>(body) {
        Ok(list) => Ok(list.accounts),
        Err(_) => {
            let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
            Err(listed_accounts(&value)
                .map(|_| "vppAccounts cannot be read".to_owned())
                .unwrap_or_else(|m| m.to_string()))
        }
    }
}

/// What the query rules look at in a listed account: its GUID, name and expiry, when present
/// and of the documented type.
#[derive(Debug, Default)]
pub struct Brief {
    pub guid: Option<String>,
    pub name: Option<String>,
    pub expiry: Option<DateTime<Utc>>,
}

/// The [`Brief`] of an account's JSON text.
pub fn brief(raw: &str) -> Brief {
    #[derive(serde::Deserialize)]
    struct Fields {
        guid: Option<Value>,
        name: Option<Value>,
        #[serde(rename = "tokenExpiryDate")]
        expiry: Option<Value>,
    }
    let Ok(f) = serde_json::from_str::<Fields>(raw) else {
        return Brief::default();
    };
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    Brief { guid: text(f.guid), name: text(f.name), expiry: text(f.expiry).as_deref().and_then(parse_instant) }
}

/// What an answer to GET by a listed GUID gets wrong: 200, the documented account media type,
/// the schema `schema_name`, and the same fields as the account as listed.
pub fn check_get_answer(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    listed: &Value,
    guid: &str,
    schema_name: &str,
) -> Findings {
    let at = format!("GET …/vppAccounts/{guid}");
    let mut findings = Findings::default();
    if status != 200 {
        findings.fail(Mismatch::new(at, "GET by a listed GUID answers 200", "HTTP 200", format!("HTTP {status}")));
        return findings;
    }
    findings.extend(super::media_type::check_media_type(content_type, catalog::ACCOUNT_MEDIA_TYPE));
    match serde_json::from_slice::<Value>(body) {
        Ok(one) => {
            findings.extend(super::schema::validate(schema_name, &one));
            findings.extend(compare_account(&one, listed, &at));
        }
        Err(e) => findings.fail(Mismatch::new(at, "a JSON account", "JSON", format!("not JSON: {e}"))),
    }
    findings
}

/// Compares one account with the expected one, field by field. Only the documented fields must
/// agree; a field the documentation does not show that differs or is missing is a warning.
pub fn compare_account(actual: &Value, expected: &Value, at: &str) -> Findings {
    let mut findings = Findings::default();
    let Some(actual_map) = actual.as_object() else {
        findings.fail(Mismatch::new(at, "an account is a JSON object", "an object", show(actual)));
        return findings;
    };
    let Some(expected_map) = expected.as_object() else {
        findings.fail(Mismatch::new(at, "the expected account is a JSON object", "an object", show(expected)));
        return findings;
    };
    for (key, want) in expected_map {
        let path = format!("{at}.{key}");
        let documented = ACCOUNT_FIELDS.contains(&key.as_str());
        let Some(got) = actual_map.get(key) else {
            if documented {
                findings.fail(Mismatch::new(path, "every documented field is present", show(want), "missing"));
            } else {
                findings.warn(format!("{path}: a field the documentation does not show, missing here (allowed)"));
            }
            continue;
        };
        match key.as_str() {
            _ if !documented && got != want => {
                findings.warn(format!(
                    "{path}: a field the documentation does not show differs: {} here, {} before (allowed)",
                    show(got),
                    show(want)
                ));
            }
            "guid" => {
                let same = matches!((got.as_str(), want.as_str()), (Some(g), Some(w)) if g.eq_ignore_ascii_case(w));
                if !same {
                    findings.fail(Mismatch::new(path, "the account's GUID", show(want), show(got)));
                }
            }
            "tokenExpiryDate" => compare_date(got, want, &path, &mut findings),
            _ if got != want => findings.fail(Mismatch::new(
                path,
                format!("the expected {key} (canonical, or as listed)"),
                show(want),
                show(got),
            )),
            _ => {}
        }
    }
    for key in actual_map.keys().filter(|k| !expected_map.contains_key(*k)) {
        findings.warn(format!("{at}.{key}: a field the documentation does not show (allowed)"));
    }
    findings
}

fn compare_date(got: &Value, want: &Value, path: &str, findings: &mut Findings) {
    let Some(want_instant) = want.as_str().and_then(parse_instant) else {
        if got != want {
            findings.fail(Mismatch::new(path, "the same expiry date", show(want), show(got)));
        }
        return;
    };
    match got.as_str().and_then(parse_instant) {
        Some(instant) if instant == want_instant => {
            let text = got.as_str().unwrap_or_default();
            if text != documented_date_form(&instant) {
                findings.warn(format!(
                    "{path}: {text} is the right instant, written unlike the documentation's form {}",
                    documented_date_form(&instant)
                ));
            }
        }
        Some(_) => findings.fail(Mismatch::new(path, "the canonical expiry instant", show(want), show(got))),
        None => findings.fail(Mismatch::new(path, "an ISO 8601 instant", show(want), show(got))),
    }
}

/// Compares a list response with exactly the expected accounts (by GUID), each equal to its
/// canonical account. Order does not matter.
pub fn compare_account_set(body: &Value, expected_guids: &[String]) -> Findings {
    let mut findings = Findings::default();
    let listed = match listed_accounts(body) {
        Ok(list) => list,
        Err(m) => {
            findings.fail(m);
            return findings;
        }
    };
    let guid_of = |a: &Value| a.get("guid").and_then(Value::as_str).map(str::to_ascii_lowercase);
    let listed_guids: Vec<Option<String>> = listed.iter().map(guid_of).collect();
    let expected: Vec<String> = expected_guids.iter().map(|g| g.to_ascii_lowercase()).collect();

    let missing: Vec<&String> = expected.iter().filter(|g| !listed_guids.contains(&Some((*g).clone()))).collect();
    let unexpected: Vec<String> = listed_guids
        .iter()
        .map(|g| g.clone().unwrap_or_else(|| "(no guid)".into()))
        .filter(|g| !expected.contains(g))
        .collect();
    let mut duplicated: Vec<String> = listed_guids
        .iter()
        .flatten()
        .filter(|g| listed_guids.iter().flatten().filter(|o| o == g).count() > 1)
        .cloned()
        .collect();
    duplicated.dedup();
    if !missing.is_empty() || !unexpected.is_empty() || !duplicated.is_empty() {
        let mut actual =
            format!("[{}]", listed_guids.iter().map(|g| g.clone().unwrap_or_default()).collect::<Vec<_>>().join(", "));
        if !missing.is_empty() {
            actual.push_str(&format!("; missing {}", describe_guids(&missing)));
        }
        if !unexpected.is_empty() {
            actual.push_str(&format!("; not expected {}", describe_guids(&unexpected.iter().collect::<Vec<_>>())));
        }
        if !duplicated.is_empty() {
            actual.push_str(&format!("; listed more than once {}", duplicated.join(", ")));
        }
        findings.fail(Mismatch::new(
            "$.vppAccounts",
            "exactly the matching accounts, each once (in any order)",
            format!("[{}]", expected.join(", ")),
            actual,
        ));
    }
    for (i, account) in listed.iter().enumerate() {
        if let Some(guid) = guid_of(account)
            && expected.contains(&guid)
            && let Some(canonical) = canonical_account(&guid)
        {
            findings.extend(compare_account(account, canonical, &format!("$.vppAccounts[{i}]")));
        }
    }
    findings
}

/// GUIDs with their canonical names, so a reader sees which account is meant.
fn describe_guids(guids: &[&String]) -> String {
    guids
        .iter()
        .map(|g| match canonical_account(g).and_then(|a| a["name"].as_str()) {
            Some(name) => format!("{g} ({})", quoted(name)),
            None => (*g).clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listed(guids: &[&str]) -> Value {
        json!({"vppAccounts": guids.iter().map(|g| canonical_account(g).unwrap().clone()).collect::<Vec<_>>()})
    }

    #[test]
    fn names_show_as_the_data_holds_them() {
        let text = describe_guids(&[&"76d6358f-acfb-4771-9e1f-22bc4446f8a8".to_owned()]);
        assert_eq!(text, r#"76d6358f-acfb-4771-9e1f-22bc4446f8a8 ("Acme, Retail\East")"#);
        assert_eq!(quoted("a\nb"), r#""a\nb""#);
    }

    #[test]
    fn dates_without_milliseconds_or_with_an_offset_are_not_the_documented_form() {
        assert_eq!(undocumented_date_form("2026-04-20T04:04:00.000Z"), None);
        assert!(undocumented_date_form("2026-04-20T04:04:00Z").unwrap().contains("no milliseconds"));
        assert!(undocumented_date_form("2026-04-20T06:04:00.000+02:00").unwrap().contains("an offset"));
        assert!(undocumented_date_form("2026-04-20T04:04:00.0Z").unwrap().contains("fractional"));
        assert_eq!(undocumented_date_form("yesterday"), None);
    }

    #[test]
    fn account_data_is_found_unless_the_request_holds_it() {
        let body = br#"{"closest":{"guid":"17C24F36-B724-4591-9624-E76BB197B466","token":"57b32e41506964c8"}}"#;
        let values = ["17c24f36-b724-4591-9624-e76bb197b466".to_owned(), "57b32e41506964c8".to_owned()];
        assert_eq!(account_data_in(body, "/x", values.clone()), vec!["17c24f36…", "57b32e41…"]);
        assert_eq!(account_data_in(body, "/vppAccounts/17c24f36-b724-4591-9624-e76bb197b466", values).len(), 1);
    }

    #[test]
    fn order_and_extra_fields_do_not_fail() {
        let mut body = listed(&["2cdb56be-ef5a-4755-8db5-feb97ec0dcc5", "17c24f36-b724-4591-9624-e76bb197b466"]);
        body["vppAccounts"][0]["extra"] = json!(1);
        let f = compare_account_set(
            &body,
            &["17c24f36-b724-4591-9624-e76bb197b466".into(), "2cdb56be-ef5a-4755-8db5-feb97ec0dcc5".into()],
        );
        assert!(f.is_ok(), "{}", f.failure_text());
        assert_eq!(f.warnings.len(), 1);
    }

    #[test]
    fn same_instant_in_another_form_is_a_warning_not_a_failure() {
        let mut body = listed(&["6359d1fc-6b8b-4920-ae0e-9c8405cb08b5"]);
        body["vppAccounts"][0]["tokenExpiryDate"] = json!("2025-04-20T06:04:00+02:00");
        let f = compare_account_set(&body, &["6359d1fc-6b8b-4920-ae0e-9c8405cb08b5".into()]);
        assert!(f.is_ok(), "{}", f.failure_text());
        assert!(!f.warnings.is_empty());
    }

    #[test]
    fn missing_unexpected_duplicate_and_changed_fields_fail() {
        let body = listed(&["6359d1fc-6b8b-4920-ae0e-9c8405cb08b5", "6359d1fc-6b8b-4920-ae0e-9c8405cb08b5"]);
        let f = compare_account_set(&body, &["17c24f36-b724-4591-9624-e76bb197b466".into()]);
        let text = f.failure_text();
        assert!(text.contains("missing 17c24f36"), "{text}");
        assert!(text.contains("listed more than once"), "{text}");
        let mut one = canonical_account("17c24f36-b724-4591-9624-e76bb197b466").unwrap().clone();
        one["autoUpdateNewAppVersions"] = json!(false);
        let f = compare_account(&one, canonical_account("17c24f36-b724-4591-9624-e76bb197b466").unwrap(), "$");
        assert_eq!(f.failures[0].at, "$.autoUpdateNewAppVersions");
    }

    #[test]
    fn an_answer_to_get_by_guid_is_judged_by_status_media_type_schema_and_fields() {
        let listed = canonical_accounts()[0].clone();
        let guid = listed["guid"].as_str().unwrap().to_owned();
        let body = listed.to_string().into_bytes();
        let media = Some(crate::catalog::ACCOUNT_MEDIA_TYPE);
        assert!(check_get_answer(200, media, &body, &listed, &guid, "vpp-account").is_ok());
        let not_found = check_get_answer(404, media, b"{}", &listed, &guid, "vpp-account");
        assert!(not_found.failures[0].actual.contains("HTTP 404"), "{not_found:?}");
        assert!(!check_get_answer(200, Some("application/json"), &body, &listed, &guid, "vpp-account").is_ok());
        let mut other = listed.clone();
        other["name"] = "another name".into();
        let differs = check_get_answer(200, media, other.to_string().as_bytes(), &listed, &guid, "vpp-account");
        assert!(differs.failures.iter().any(|m| m.at.ends_with(".name")), "{differs:?}");
        assert!(!check_get_answer(200, media, b"<html>", &listed, &guid, "vpp-account").is_ok());
    }

    #[test]
    fn a_documented_field_missing_or_null_fails_once_per_field_with_a_count() {
        let full = canonical_accounts()[0].clone();
        assert!(check_documented_fields((0..3).map(|i| (i, full.clone()))).is_ok());
        let mut lacking = full.clone();
        lacking.as_object_mut().unwrap().remove("token");
        lacking["accountHolderInfo"] = Value::Null;
        let accounts = (0..10).map(|i| (i, if i % 2 == 1 { lacking.clone() } else { full.clone() }));
        let findings = check_documented_fields(accounts);
        assert_eq!(findings.failures.len(), 2, "{findings:?}");
        let holder = &findings.failures[0];
        assert_eq!(holder.at, "$.vppAccounts[*].accountHolderInfo");
        assert_eq!(
            holder.actual,
            "5 of 10 listed accounts have no (or a null) accountHolderInfo: $.vppAccounts[1], $.vppAccounts[3], \
             $.vppAccounts[5], …"
        );
        assert!(findings.failures[1].actual.starts_with("5 of 10 listed accounts have no (or a null) token"));
    }
}
