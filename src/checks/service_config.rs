//! The service configuration response: the documentation fixes which service URLs exist, that
//! the invitation URL carries the `%inviteCode%` placeholder, the batch limits, the status and the
//! error list; it does not fix the hosts (Apple moves services, which is the endpoint's purpose),
//! nor the order of the error list.

use super::{Findings, Mismatch, show};
use serde_json::Value;

/// Each key holds an absolute http(s) URL.
pub fn check_service_urls(body: &Value, keys: &[String]) -> Findings {
    let mut findings = Findings::default();
    for key in keys {
        let at = format!("$.{key}");
        match body.get(key) {
            None => findings.fail(Mismatch::new(
                at,
                "every documented service URL is present",
                "an absolute http(s) URL",
                "missing",
            )),
            Some(Value::String(text)) => match url::Url::parse(text) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) => {}
                Ok(u) => findings.fail(Mismatch::new(
                    at,
                    "an absolute http(s) URL",
                    "http:// or https:// and a host",
                    format!("{text:?} (scheme {})", u.scheme()),
                )),
                Err(e) => findings.fail(Mismatch::new(
                    at,
                    "an absolute http(s) URL",
                    "an absolute http(s) URL",
                    format!("{text:?} ({e})"),
                )),
            },
            Some(other) => {
                findings.fail(Mismatch::new(at, "a service URL is a string", "an absolute http(s) URL", show(other)))
            }
        }
    }
    findings
}

/// `invitationEmailUrl` has a query parameter `name` whose decoded value is `placeholder`
/// (documented as `inviteCode=%25inviteCode%25`, that is `%inviteCode%`), which clients replace.
pub fn check_query_placeholder(body: &Value, key: &str, name: &str, placeholder: &str) -> Findings {
    let mut findings = Findings::default();
    let at = format!("$.{key}");
    let Some(text) = body.get(key).and_then(Value::as_str) else {
        findings.fail(Mismatch::new(
            at,
            "the invitation URL is present",
            format!("a URL with {name}={placeholder}"),
            "missing",
        ));
        return findings;
    };
    let raw_query = text.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or(q)).unwrap_or("");
    let found = raw_query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .any(|(k, v)| k == name && percent_encoding::percent_decode_str(v).decode_utf8_lossy() == placeholder);
    if !found {
        findings.fail(Mismatch::new(
            format!("{at} (query)"),
            "the invite-code placeholder is kept for clients to replace",
            format!("{name}={} (that is, {placeholder:?})", utf8_percent_encode_all(placeholder)),
            format!("{text:?}"),
        ));
    }
    findings
}

/// Each service URL names its own service: its path ends with the documented service name
/// (`getUserSrvUrl` → `…/getVPPUserSrv`), and no two of them are the same URL. Hosts and what
/// precedes the name in the path may differ ("the URLs may change").
pub fn check_service_names(body: &Value, services: &[(String, String)]) -> Findings {
    let mut findings = Findings::default();
    let mut seen: Vec<(&str, String)> = Vec::new();
    for (key, service) in services {
        let Some(text) = body.get(key).and_then(Value::as_str) else {
            continue; // APL-CFG-004 reports a missing or non-string URL
        };
        let Ok(parsed) = url::Url::parse(text) else {
            continue; // and one that is not a URL
        };
        let last = parsed.path().trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
        if last != *service {
            let whose = services
                .iter()
                .find(|(k, s)| k != key && *s == last)
                .map(|(k, _)| format!(" (the service {k} names)"))
                .unwrap_or_default();
            findings.fail(Mismatch::new(
                format!("$.{key}"),
                format!("{key} names its own service"),
                format!("a URL whose path ends in /{service} (any host)"),
                format!("\"{text}\", whose path ends in /{last}{whose}"),
            ));
        }
        let normalized = format!("{}{}", parsed.origin().ascii_serialization(), parsed.path().trim_end_matches('/'));
        match seen.iter().find(|(_, u)| u.eq_ignore_ascii_case(&normalized)) {
            Some((other, _)) => findings.fail(Mismatch::new(
                format!("$.{key}"),
                "each service has a URL of its own",
                format!("a URL other than {other}'s"),
                format!("\"{text}\", the same as {other}"),
            )),
            None => seen.push((key, normalized)),
        }
    }
    findings
}

/// The URL in `key` keeps every documented query parameter. A value other than the documented
/// one is a warning (`cc` is a storefront's country); the `inviteCode` placeholder is
/// [`check_query_placeholder`]'s.
pub fn check_query_parameters(body: &Value, key: &str, documented: &[(String, String)]) -> Findings {
    let mut findings = Findings::default();
    let at = format!("$.{key}");
    let Some(text) = body.get(key).and_then(Value::as_str) else {
        findings.fail(Mismatch::new(at, "the URL is present", "a URL with its documented parameters", "missing"));
        return findings;
    };
    let raw_query = text.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or(q)).unwrap_or("");
    let pairs: Vec<(&str, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k, percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
        })
        .collect();
    let missing: Vec<String> = documented
        .iter()
        .filter(|(name, _)| !pairs.iter().any(|(k, _)| k == name))
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode_all(value)))
        .collect();
    if !missing.is_empty() {
        findings.fail(Mismatch::new(
            format!("{at} (query)"),
            "the URL keeps its documented query parameters",
            documented.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
            format!("\"{text}\": no {}", missing.join(", no ")),
        ));
    }
    for (name, value) in documented {
        if let Some((_, got)) = pairs.iter().find(|(k, v)| k == name && v != value) {
            findings.warn(format!(
                "{at}: the query parameter {name} is \"{got}\" where the documentation shows \"{value}\" (allowed)"
            ));
        }
    }
    findings
}

fn utf8_percent_encode_all(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A top-level field is the given integer (`status` 0, the batch limits 10).
pub fn check_integer(body: &Value, key: &str, expected: i64) -> Findings {
    let mut findings = Findings::default();
    match body.get(key) {
        Some(v) if v.as_i64() == Some(expected) => {}
        Some(v) => findings.fail(Mismatch::new(
            format!("$.{key}"),
            format!("the documented {key}"),
            expected.to_string(),
            show(v),
        )),
        None => findings.fail(Mismatch::new(
            format!("$.{key}"),
            format!("the documented {key}"),
            expected.to_string(),
            "missing",
        )),
    }
    findings
}

/// The error list holds every documented error number once, with its exact message. Numbers
/// the documentation does not list are warnings: Apple may add errors.
pub fn check_error_codes(body: &Value, documented: &[(i64, String)]) -> Findings {
    let mut findings = Findings::default();
    let Some(list) = body.get("errorCodes").and_then(Value::as_array) else {
        findings.fail(Mismatch::new(
            "$.errorCodes",
            "the error list is an array",
            format!("{} errors", documented.len()),
            show(body.get("errorCodes").unwrap_or(&Value::Null)),
        ));
        return findings;
    };
    let entries: Vec<(usize, Option<i64>, Option<&str>)> = list
        .iter()
        .enumerate()
        .map(|(i, e)| (i, e.get("errorNumber").and_then(Value::as_i64), e.get("errorMessage").and_then(Value::as_str)))
        .collect();
    for (number, message) in documented {
        let found: Vec<&(usize, Option<i64>, Option<&str>)> =
            entries.iter().filter(|(_, n, _)| *n == Some(*number)).collect();
        match found.as_slice() {
            [] => findings.fail(Mismatch::new(
                "$.errorCodes",
                format!("error {number} is listed"),
                format!("{number}: {message:?}"),
                "missing",
            )),
            [(i, _, got)] if *got != Some(message.as_str()) => findings.fail(Mismatch::new(
                format!("$.errorCodes[{i}].errorMessage"),
                format!("the exact message of error {number}"),
                format!("{message:?}"),
                got.map(|g| format!("{g:?}")).unwrap_or_else(|| "missing".into()),
            )),
            [_] => {}
            several => findings.fail(Mismatch::new(
                "$.errorCodes",
                format!("error {number} is listed once"),
                "once",
                format!(
                    "{} times, at {}",
                    several.len(),
                    several.iter().map(|(i, _, _)| format!("[{i}]")).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    for (i, number, _) in &entries {
        match number {
            None => findings.fail(Mismatch::new(
                format!("$.errorCodes[{i}].errorNumber"),
                "every error has a number",
                "an integer",
                show(&list[*i]),
            )),
            Some(n) if !documented.iter().any(|(d, _)| d == n) => {
                findings.warn(format!("$.errorCodes[{i}]: error {n} is not in the documented list (allowed)"))
            }
            Some(_) => {}
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholder_is_found_encoded_and_missing_is_reported() {
        let ok = json!({"invitationEmailUrl": "https://example.test/x?cc=us&inviteCode=%25inviteCode%25&mt=8"});
        assert!(check_query_placeholder(&ok, "invitationEmailUrl", "inviteCode", "%inviteCode%").is_ok());
        let bad = json!({"invitationEmailUrl": "https://example.test/x?cc=us&inviteCode=ABC&mt=8"});
        assert!(!check_query_placeholder(&bad, "invitationEmailUrl", "inviteCode", "%inviteCode%").is_ok());
    }

    #[test]
    fn error_list_reports_changed_duplicated_missing_and_warns_on_extra() {
        let documented = vec![(9600, "Missing required argument".to_owned()), (9601, "Login required".to_owned())];
        let body = json!({"errorCodes": [
            {"errorNumber": 9600, "errorMessage": "Missing required argument."},
            {"errorNumber": 9700, "errorMessage": "New"},
            {"errorNumber": 9700, "errorMessage": "New"}
        ]});
        let f = check_error_codes(&body, &documented);
        assert_eq!(f.failures.len(), 2, "{}", f.failure_text());
        assert_eq!(f.warnings.len(), 2);
    }

    fn services() -> Vec<(String, String)> {
        [("getUserSrvUrl", "getVPPUserSrv"), ("getUsersSrvUrl", "getVPPUsersSrv")]
            .map(|(k, s)| (k.to_owned(), s.to_owned()))
            .to_vec()
    }

    #[test]
    fn a_service_url_names_its_own_service_on_any_host() {
        let moved = json!({"getUserSrvUrl": "https://h.test/moved/mdm/getVPPUserSrv", "getUsersSrvUrl": "https://x.test/getVPPUsersSrv/"});
        assert!(check_service_names(&moved, &services()).is_ok());
        let swapped =
            json!({"getUserSrvUrl": "https://h/mdm/getVPPUsersSrv", "getUsersSrvUrl": "https://h/mdm/getVPPUserSrv"});
        let f = check_service_names(&swapped, &services());
        assert_eq!(f.failures.len(), 2, "{}", f.failure_text());
        assert!(f.failure_text().contains("the service getUsersSrvUrl names"), "{}", f.failure_text());
        let same =
            json!({"getUserSrvUrl": "https://h/mdm/getVPPUserSrv", "getUsersSrvUrl": "https://h/mdm/getVPPUserSrv"});
        assert!(check_service_names(&same, &services()).failure_text().contains("the same as getUserSrvUrl"));
    }

    #[test]
    fn documented_parameters_must_stay_and_other_values_warn() {
        let documented: Vec<(String, String)> =
            [("cc", "us"), ("mt", "8")].map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec();
        let ok = json!({"u": "https://h/x?cc=ca&inviteCode=%25inviteCode%25&mt=8"});
        let f = check_query_parameters(&ok, "u", &documented);
        assert!(f.is_ok() && f.warnings.len() == 1, "{f:?}");
        let stripped = json!({"u": "https://h/x?inviteCode=%25inviteCode%25"});
        let text = check_query_parameters(&stripped, "u", &documented).failure_text();
        assert!(text.contains("no cc=us, no mt=8"), "{text}");
    }

    #[test]
    fn relative_or_non_http_urls_fail() {
        let body = json!({"a": "/mdm/x", "b": "ftp://host/x", "c": "HTTPS://Other.Host/any/path"});
        let f = check_service_urls(&body, &["a".into(), "b".into(), "c".into()]);
        assert_eq!(f.failures.len(), 2, "{}", f.failure_text());
    }
}
