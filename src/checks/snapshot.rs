//! Snapshots: the whole normalized response of each documented sample, kept in `snapshots/` as
//! insta `.snap` files (reviewed with `cargo insta review`). Normalizing removes what the
//! documentation leaves open (array order, the form of a date, the deployment's URLs) and what
//! must never be stored (tokens, kept only as fingerprints), so a snapshot differs only when the
//! contract does. Keys the target adds are warnings, never failures.

use super::{Findings, Mismatch, show};
use crate::checks::accounts::{documented_date_form, parse_instant};
use crate::{catalog, redact};
use serde_json::{Map, Value};

/// Stands for any service URL: its host and path are the deployment's to choose.
pub const URL_PLACEHOLDER: &str = "[service URL chosen by the deployment]";

/// An account list or a single account, normalized.
pub fn normalize_accounts(body: &Value) -> Value {
    match body {
        Value::Object(map) if map.contains_key("vppAccounts") => {
            let mut map = map.clone();
            if let Some(Value::Array(items)) = map.get_mut("vppAccounts") {
                *items = items.iter().map(normalize_account).collect();
                items.sort_by_key(|a| a.get("guid").and_then(Value::as_str).unwrap_or_default().to_owned());
            }
            Value::Object(map)
        }
        other => normalize_account(other),
    }
}

fn normalize_account(account: &Value) -> Value {
    let Value::Object(map) = account else {
        return account.clone();
    };
    let normalized: Map<String, Value> = map
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v) {
                ("guid", Value::String(g)) => Value::String(g.to_ascii_lowercase()),
                ("tokenExpiryDate", Value::String(d)) => {
                    Value::String(parse_instant(d).map(|i| documented_date_form(&i)).unwrap_or_else(|| d.clone()))
                }
                ("token", Value::String(t)) => Value::String(redact::fingerprint(t)),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(normalized)
}

/// The service configuration, normalized: errors sorted by number, URLs replaced.
pub fn normalize_service_config(body: &Value) -> Value {
    let Value::Object(map) = body else {
        return body.clone();
    };
    let mut map = map.clone();
    for (key, value) in map.iter_mut() {
        if key.ends_with("Url") && value.is_string() {
            *value = Value::String(URL_PLACEHOLDER.into());
        }
    }
    if let Some(Value::Array(errors)) = map.get_mut("errorCodes") {
        errors.sort_by_key(|e| e.get("errorNumber").and_then(Value::as_i64).unwrap_or(i64::MAX));
    }
    Value::Object(map)
}

/// The JSON content of an insta `.snap` file: the text after its `---` metadata header.
pub fn snap_contents(snap: &str) -> Result<Value, String> {
    let body = match snap.strip_prefix("---") {
        Some(rest) => rest.split_once("\n---\n").map(|(_, body)| body).ok_or("unterminated snapshot header")?,
        None => snap,
    };
    serde_json::from_str(body).map_err(|e| format!("snapshot body is not JSON: {e}"))
}

/// Compares a normalized response with the embedded snapshot `name`.
pub fn compare_with_snapshot(name: &str, normalized: &Value) -> Findings {
    let mut findings = Findings::default();
    let expected = match catalog::snapshot(name).ok_or_else(|| format!("no snapshot {name}")).and_then(snap_contents) {
        Ok(v) => v,
        Err(e) => {
            findings.fail(Mismatch::new(
                format!("snapshots/{name}.snap"),
                "a readable snapshot",
                "an insta JSON snapshot",
                e,
            ));
            return findings;
        }
    };
    compare_value(&expected, normalized, "$", name, &mut findings);
    findings
}

fn compare_value(expected: &Value, actual: &Value, at: &str, name: &str, findings: &mut Findings) {
    let rule = || format!("equal to snapshots/{name}.snap (normalized)");
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => compare_value(ev, av, &format!("{at}.{k}"), name, findings),
                    None => findings.fail(Mismatch::new(format!("{at}.{k}"), rule(), show(ev), "missing")),
                }
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                findings.warn(format!("{at}.{k}: not in snapshots/{name}.snap (extra fields are allowed)"));
            }
        }
        (Value::Array(e), Value::Array(a)) => match identity_key(e) {
            Some(key) => compare_keyed(e, a, key, at, name, findings),
            None if e.len() == a.len() => {
                for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                    compare_value(ev, av, &format!("{at}[{i}]"), name, findings);
                }
            }
            None => {
                findings.fail(Mismatch::new(at, rule(), format!("{} items", e.len()), format!("{} items", a.len())))
            }
        },
        (e, a) if e != a => findings.fail(Mismatch::new(at, rule(), show(e), show(a))),
        _ => {}
    }
}

/// The key that identifies items of an array of objects (`guid` for accounts, `errorNumber` for
/// errors), so items are matched by identity rather than by position or count.
fn identity_key(items: &[Value]) -> Option<&'static str> {
    ["guid", "errorNumber"].into_iter().find(|k| !items.is_empty() && items.iter().all(|i| i.get(k).is_some()))
}

fn identity(item: &Value, key: &str) -> Option<String> {
    item.get(key).map(|v| v.as_str().map(str::to_ascii_lowercase).unwrap_or_else(|| v.to_string()))
}

/// Matches items by identity: a missing item fails; an extra one is a warning here, since the
/// rules that fix a list's exact content (the expected accounts, the documented errors) have
/// their own checks with better messages.
fn compare_keyed(expected: &[Value], actual: &[Value], key: &str, at: &str, name: &str, findings: &mut Findings) {
    for ev in expected {
        let id = identity(ev, key);
        match actual.iter().position(|av| identity(av, key) == id) {
            Some(i) => compare_value(ev, &actual[i], &format!("{at}[{i}]"), name, findings),
            None => findings.fail(Mismatch::new(
                at,
                format!("equal to snapshots/{name}.snap (normalized)"),
                format!("an item with {key} {}", id.unwrap_or_default()),
                "missing",
            )),
        }
    }
    for av in actual {
        if !expected.iter().any(|ev| identity(ev, key) == identity(av, key)) {
            findings.warn(format!(
                "{at}: an item with {key} {} is not in snapshots/{name}.snap",
                identity(av, key).unwrap_or_default()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_stripped() {
        let v = snap_contents("---\nsource: x\nexpression: y\n---\n{\"a\": 1}\n").unwrap();
        assert_eq!(v, serde_json::json!({"a": 1}));
    }
}
