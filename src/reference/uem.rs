//! `GET /{tenantGuid}/api/v1/vppAccounts[?query=…]` and `GET …/vppAccounts/{guid}`, and the login
//! in front of them, `POST /{tenantGuid}/api/v1/util/authorization`.

use super::Credentials;
use super::defects::{QueryDefects, ResponseDefects};
use super::query::{self, Criterion, Field, Op};
use super::quirks::UemQuirk as Quirk;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use wiremock::{Request, ResponseTemplate};

pub use crate::catalog::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE};
/// The media type of the login request's body (`application/json` is accepted too).
pub const AUTHORIZATION_MEDIA_TYPE: &str = "application/vnd.blackberry.authorizationrequest-v1+json";
/// The scheme of the issued `Authorization` value, and the `WWW-Authenticate` challenge of a 401.
pub const AUTHORIZATION_SCHEME: &str = "besng-basic";

/// The login side of the account resource: the credentials the authorization route wants (none:
/// any well-formed login) and the one `Authorization` value issued for this server's lifetime.
#[derive(Clone)]
pub(crate) struct Authority {
    required: Option<Credentials>,
    issued: String,
}

impl Authority {
    /// A fresh issued value: `besng-basic ` and the hex SHA-256 of the time, a process-wide
    /// counter, the process id and the username, so no two servers issue the same one.
    pub(crate) fn new(required: Option<Credentials>) -> Self {
        static STARTS: AtomicU64 = AtomicU64::new(0);
        let count = STARTS.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let mut hash = Sha256::new();
        hash.update(nanos.to_le_bytes());
        hash.update(count.to_le_bytes());
        hash.update(std::process::id().to_le_bytes());
        hash.update(required.as_ref().map(|c| c.username.as_bytes()).unwrap_or_default());
        let token = hex::encode(hash.finalize());
        Self { required, issued: format!("{AUTHORIZATION_SCHEME} {token}") }
    }
}

pub struct Accounts {
    tenant: String,
    accounts: Vec<Value>,
    /// Per account, worked out once: what every query compares, and its text as listed, so a
    /// list of 50 000 accounts is served by copying text rather than cloning and serializing trees.
    prepared: Vec<Prepared>,
    quirks: Vec<Quirk>,
    authority: Authority,
}

impl Accounts {
    pub fn new(data: &Value, quirks: Vec<Quirk>) -> Self {
        let mut this = Self {
            tenant: data["tenantGuid"].as_str().unwrap_or("SRP00000").to_owned(),
            accounts: data["vppAccounts"].as_array().cloned().unwrap_or_default(),
            prepared: Vec::new(),
            quirks,
            authority: Authority::new(None),
        };
        this.prepared = this
            .accounts
            .iter()
            .map(|a| Prepared {
                name: this.composed(a["name"].as_str().unwrap_or_default()),
                lower_name: this.name_key(a["name"].as_str().unwrap_or_default()),
                lower_holder: a["accountHolderInfo"].as_str().unwrap_or_default().to_lowercase(),
                instant: instant_of(a),
                expiry_text: a["tokenExpiryDate"].as_str().unwrap_or_default().to_owned(),
                listed: this.serve(a, false).to_string(),
            })
            .collect();
        this
    }

    /// Serves (and, with credentials, enforces) this authority's login instead of an open one.
    pub(crate) fn with_authority(mut self, authority: Authority) -> Self {
        self.authority = authority;
        self
    }

    fn has(&self, q: &Quirk) -> bool {
        self.quirks.contains(q)
    }

    /// A name as every comparison sees it: composed (NFC) and lower-cased, so that letter case
    /// is ignored and a name written decomposed (NFD) is the same name (`docs/errata.md` ›
    /// Composed and decomposed names); a benign variation folds case its own way.
    fn name_key(&self, text: &str) -> String {
        let text = self.composed(text);
        let folded = if self.has(&Quirk::OkFullCaseFolding) {
            full_case_fold(&text)
        } else if self.has(&Quirk::OkSimpleCaseFolding) {
            simple_case_fold(&text)
        } else {
            text.to_lowercase()
        };
        self.composed(&folded)
    }

    /// The text composed (NFC), unless a benign variation compares code points.
    fn composed(&self, text: &str) -> String {
        if self.has(&Quirk::OkNoNormalization) {
            text.to_owned()
        } else {
            icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(text).into_owned()
        }
    }

    /// The seeded defects among the quirks, apart in `defects.rs`.
    fn defects(&self) -> ResponseDefects<'_> {
        ResponseDefects(&self.quirks)
    }

    pub fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let (tenant, rest) = match segments.as_slice() {
            [tenant, "api", "v1", rest @ ..] => (*tenant, rest),
            _ => return super::error_response(404, "no such resource"),
        };
        if !tenant.eq_ignore_ascii_case(&self.tenant) && !self.defects().tenant_ignored() {
            return super::error_response(404, "unknown tenant");
        }
        if matches!(rest, ["util", "authorization"]) {
            return self.authorize(request);
        }
        if matches!(rest, ["vppAccounts"] | ["vppAccounts", _])
            && let Some(refusal) = self.refuse_unauthenticated(request)
        {
            return refusal;
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

    /// `POST …/util/authorization` with `{"username", "password" (base64), "provider"[, "domain"]}`:
    /// 200 `text/plain` with the issued `Authorization` value, 400 for a malformed body or (with
    /// credentials configured) any other login.
    fn authorize(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() != "POST" {
            return super::error_response(405, "authorization is POSTed").insert_header("Allow", "POST");
        }
        let media_type = super::media_type_of(request);
        if !media_type.is_some_and(|m| {
            m.eq_ignore_ascii_case(AUTHORIZATION_MEDIA_TYPE) || m.eq_ignore_ascii_case("application/json")
        }) {
            return super::error_response(415, &format!("the login is sent as {AUTHORIZATION_MEDIA_TYPE}"));
        }
        let (username, password) = match parse_login(&request.body) {
            Ok(login) => login,
            Err(e) => return super::error_response(400, &e),
        };
        if let Some(wanted) = &self.authority.required
            && (username != wanted.username || password != wanted.password.as_bytes())
        {
            return super::error_response(400, "invalid credentials");
        }
        ResponseTemplate::new(200).set_body_raw(self.authority.issued.clone(), "text/plain")
    }

    /// A 401 when credentials are configured and the request lacks the issued `Authorization`.
    fn refuse_unauthenticated(&self, request: &Request) -> Option<ResponseTemplate> {
        self.authority.required.as_ref()?;
        let given = request.headers.get("authorization").map(|v| v.as_bytes()).filter(|v| !v.trim_ascii().is_empty());
        let accepted = given.is_some_and(|value| value == self.authority.issued.as_bytes())
            || self.defects().accepts_any_authorization(given.is_some());
        if accepted {
            return None;
        }
        let message = if given.is_some() { "invalid Authorization" } else { "Authorization required" };
        Some(super::error_response(401, message).insert_header("WWW-Authenticate", AUTHORIZATION_SCHEME))
    }

    fn list(&self, raw_query: Option<&str>) -> ResponseTemplate {
        let raw_query = raw_query.map(|raw| self.defects().query_text(raw));
        let criteria = match raw_query.as_deref() {
            Some(raw) if !self.defects().query_ignored() => {
                match query::parse(raw, !self.defects().escapes_ignored()) {
                    Ok(c) => c,
                    Err(e) => return super::error_response(400, &e),
                }
            }
            None if self.has(&Quirk::OkQueryRequired) => return super::error_response(400, "a query is required"),
            _ => Vec::new(),
        };
        if let Some(refusal) = self.defects().refusal_of(&criteria) {
            return refusal;
        }
        if self.has(&Quirk::OkDateFormsRefused) && criteria.iter().any(|c| date_written_otherwise(&c.value)) {
            return super::error_response(400, "dates are written YYYY-MM-DDTHH:MM:SS.sssZ");
        }
        // Each name criterion composed and lower-cased once, not once per account.
        let wanted: Vec<Wanted> = criteria
            .iter()
            .map(|c| match &c.value {
                query::Value::Text(t) => Wanted { written: self.composed(t), key: self.name_key(t) },
                _ => Wanted::default(),
            })
            .collect();
        let mut found: Vec<&str> = self
            .prepared
            .iter()
            .filter(|p| criteria.is_empty() || self.matches_all(p, &criteria, &wanted))
            .map(|p| p.listed.as_str())
            .collect();
        if let Some(answer) = self.defects().empty_list_answer().filter(|_| found.is_empty()) {
            return answer;
        }
        if self.has(&Quirk::OkReversedOrder) {
            found.reverse();
        }
        // The accounts' texts joined: the bytes `serde_json` would write for the same list.
        let array = format!("[{}]", found.join(","));
        let body = self
            .defects()
            .list_body(&array, found.is_empty())
            .unwrap_or_else(|| format!(r#"{{"vppAccounts":{array}}}"#));
        let media_type = self.defects().list_media_type().unwrap_or(LIST_MEDIA_TYPE);
        self.reply_text(body, media_type)
    }

    fn one(&self, guid: &str) -> ResponseTemplate {
        let defects = self.defects();
        let found = self
            .accounts
            .iter()
            .find(|a| a["guid"].as_str().is_some_and(|g| g.eq_ignore_ascii_case(guid) || defects.guid_found(g, guid)))
            .or_else(|| defects.unknown_guid_found().then(|| self.accounts.first()).flatten());
        let Some(account) = found else {
            if self.has(&Quirk::OkMalformedGuid400) && !is_guid(guid) {
                return super::error_response(400, "vppAccountGuid is not a GUID");
            }
            if let Some(leak) = defects.not_found_leak(self.accounts.first().map(|a| self.serve(a, true))) {
                return leak;
            }
            return super::error_response(404, "Apple VPP account not found");
        };
        let media_type = defects.account_media_type().unwrap_or(ACCOUNT_MEDIA_TYPE);
        self.reply(self.serve(account, true), media_type)
    }

    fn reply(&self, body: Value, media_type: &str) -> ResponseTemplate {
        self.reply_text(body.to_string(), media_type)
    }

    fn reply_text(&self, body: String, media_type: &str) -> ResponseTemplate {
        let media_type = if self.has(&Quirk::OkUppercaseMediaType) {
            media_type.to_ascii_uppercase()
        } else if self.has(&Quirk::OkCharsetParameter) {
            format!("{media_type}; charset=utf-8")
        } else {
            media_type.to_owned()
        };
        ResponseTemplate::new(200).set_body_raw(body, &media_type)
    }

    /// The account as served, after field-level variations (the seeded defects in `defects.rs`).
    fn serve(&self, account: &Value, by_guid: bool) -> Value {
        let mut a = account.clone();
        self.defects().serve(&mut a, by_guid);
        for quirk in &self.quirks {
            match quirk {
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

    /// Whether the account meets every criterion (the documented AND), unless a seeded defect
    /// combines them otherwise (`defects.rs`).
    fn matches_all(&self, account: &Prepared, criteria: &[Criterion], wanted: &[Wanted]) -> bool {
        let defects = QueryDefects(&self.quirks);
        let holds = |i: usize| self.matches(account, &criteria[i], &wanted[i]);
        if let Some(kept) = defects.kept_criteria(criteria) {
            return kept.into_iter().all(holds);
        }
        if defects.or_instead_of_and() { (0..criteria.len()).any(holds) } else { (0..criteria.len()).all(holds) }
    }

    /// Whether the account meets one criterion, as the documentation says (a case-insensitive
    /// exact match for a name; the operator to the millisecond for a date), unless a seeded
    /// defect answers otherwise; `wanted` is a name criterion's value as compared.
    fn matches(&self, account: &Prepared, c: &Criterion, wanted: &Wanted) -> bool {
        let defects = QueryDefects(&self.quirks);
        match (&c.field, &c.value) {
            (Field::Name, query::Value::Text(_)) => defects
                .name_match(&account.name, &account.lower_name, &account.lower_holder, &wanted.written, &wanted.key)
                .unwrap_or(account.lower_name == wanted.key),
            (Field::TokenExpiryDate, query::Value::Instant(bound, written)) => {
                let Some(instant) = account.instant else {
                    return false;
                };
                if let Some(held) = defects.date_text_match(c.op, &account.expiry_text, written) {
                    return held;
                }
                let (instant, bound) = defects.instants(instant, *bound);
                defects.date_match(c.op, instant, bound).unwrap_or(match c.op {
                    Op::Eq => instant == bound,
                    Op::Gt => instant > bound,
                    Op::Ge => instant >= bound,
                    Op::Lt => instant < bound,
                    Op::Le => instant <= bound,
                })
            }
            _ => false,
        }
    }
}

/// A name criterion's value as written (composed) and as compared ([`Accounts::name_key`]).
#[derive(Default)]
struct Wanted {
    written: String,
    key: String,
}

/// Unicode full case folding: upper case, then lower case (`ß` → `SS` → `ss`), twice so that
/// a capital whose lower case has a longer upper case folds as far (`ẞ` → `ß` → `ss`), except
/// the dotless `ı`, which folds to itself outside Turkish.
fn full_case_fold(text: &str) -> String {
    let once = |text: &str| -> String {
        text.chars()
            .flat_map(|c| if c == 'ı' { vec![c] } else { c.to_uppercase().collect() })
            .flat_map(char::to_lowercase)
            .collect()
    };
    once(&once(text))
}

/// Unicode simple case folding, one character for one (`K` Kelvin → `k`, `ſ` → `s`, `ß`
/// stays): a character whose upper or lower case is longer, and the Turkish `ı` and `İ`, fold to
/// themselves.
fn simple_case_fold(text: &str) -> String {
    fn single(mut mapped: impl Iterator<Item = char>, c: char) -> char {
        match (mapped.next(), mapped.next()) {
            (Some(one), None) => one,
            _ => c,
        }
    }
    text.chars()
        .map(|c| {
            if matches!(c, 'ı' | 'İ') {
                return c;
            }
            let upper = single(c.to_uppercase(), c);
            single(upper.to_lowercase(), upper)
        })
        .collect()
}

/// An account as every query sees it, worked out once.
struct Prepared {
    /// The name as written, composed (NFC).
    name: String,
    /// The name as compared ([`Accounts::name_key`]).
    lower_name: String,
    lower_holder: String,
    instant: Option<DateTime<Utc>>,
    /// The expiry as the data holds it.
    expiry_text: String,
    /// Its JSON text as a list serves it.
    listed: String,
}

/// The username and the decoded password of a login body, or why it is malformed.
fn parse_login(body: &[u8]) -> Result<(String, Vec<u8>), String> {
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let Some(body) = body.as_object() else {
        return Err("the body must be a JSON object".to_owned());
    };
    let text = |key: &str| match body.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("`{key}` must be a string")),
        None => Err(format!("`{key}` is required")),
    };
    let username = text("username")?;
    let password = decode_base64(&text("password")?).ok_or("`password` must be base64 (standard alphabet, padded)")?;
    text("provider")?;
    if body.get("domain").is_some_and(|d| !d.is_string() && !d.is_null()) {
        return Err("`domain` must be a string".to_owned());
    }
    Ok((username, password))
}

/// Standard, padded base64 (RFC 4648 §4); `None` for anything else.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// The GUID form: 8-4-4-4-12 hexadecimal digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether a query's date is written otherwise than the documentation writes dates
/// (`2027-01-01T00:00:00.000Z`: three digits of a second's fraction, and `Z`).
fn date_written_otherwise(value: &query::Value) -> bool {
    let query::Value::Instant(_, written) = value else { return false };
    let b = written.as_bytes();
    !(b.len() == 24 && b[19] == b'.' && b[20..23].iter().all(u8::is_ascii_digit) && b[23] == b'Z')
}

fn instant_of(account: &Value) -> Option<DateTime<Utc>> {
    account["tokenExpiryDate"]
        .as_str()
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_the_standard_padded_alphabet() {
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(decode_base64("YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(decode_base64("cGFzc3dvcmQ=").as_deref(), Some(&b"password"[..]));
        assert_eq!(decode_base64("+/+/").as_deref(), Some(&[0xfb, 0xff, 0xbf][..]));
        for bad in ["YQ", "YQ=", "Y===", "YQ=a", "YQ==YQ==", "-_-_", "cGFz c3dv", "===="] {
            assert_eq!(decode_base64(bad), None, "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_login_body_needs_username_base64_password_and_provider() {
        let ok = br#"{"username":"admin","password":"c2VjcmV0","provider":"LOCAL","domain":"corp"}"#;
        assert_eq!(parse_login(ok), Ok(("admin".to_owned(), b"secret".to_vec())));
        for bad in [
            &br#"{"username":"admin","password":"c2VjcmV0"}"#[..],
            br#"{"username":"admin","password":"secret!","provider":"LOCAL"}"#,
            br#"{"username":1,"password":"c2VjcmV0","provider":"LOCAL"}"#,
            br#"{"username":"admin","password":"c2VjcmV0","provider":"LOCAL","domain":7}"#,
            br#"["admin"]"#,
            b"username=admin",
        ] {
            assert!(parse_login(bad).is_err(), "{} should be refused", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn the_benign_foldings_are_unicode_simple_and_full_case_folding() {
        assert_eq!(simple_case_fold("\u{212A}elvin ſ ẞ ß İ ı É"), "kelvin s ß ß İ ı é");
        assert_eq!(full_case_fold("Straße ẞ ﬁ İ ı É"), "strasse ss fi i\u{307} ı é");
    }

    #[test]
    fn names_compare_composed_whatever_the_form_written() {
        let data = serde_json::json!({"tenantGuid": "T", "vppAccounts": [{"name": "E\u{301}cole"}]});
        let accounts = Accounts::new(&data, vec![]);
        assert_eq!(accounts.prepared[0].lower_name, "\u{E9}cole");
        assert_eq!(accounts.name_key("\u{C9}COLE"), "\u{E9}cole");
        let code_points = Accounts::new(&data, vec![Quirk::OkNoNormalization]);
        assert_eq!(code_points.prepared[0].lower_name, "e\u{301}cole");
    }

    #[test]
    fn every_authority_issues_its_own_value() {
        let a = Authority::new(None);
        let b = Authority::new(None);
        assert!(a.issued.starts_with("besng-basic "), "{}", a.issued);
        assert_eq!(a.issued.len(), "besng-basic ".len() + 64);
        assert_ne!(a.issued, b.issued);
    }
}
