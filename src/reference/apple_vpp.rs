//! `POST /mdm/VPPServiceConfigSrv`: answers the documented service configuration.

use super::quirks::AppleQuirk as Quirk;
use serde_json::Value;
use wiremock::{Request, ResponseTemplate};

pub use crate::catalog::SERVICE_CONFIG_PATH as PATH;
/// Where [`Quirk::BadRedirectToGet`] sends the documented request, served by `GET`.
pub const MOVED_PATH: &str = "/mdm/serviceConfiguration";

pub struct ServiceConfig {
    body: String,
    media_type: &'static str,
    status: u16,
    redirect_to_get: bool,
    redirect_to_other_host: bool,
    /// Answers of HTTP 500 still to give ([`Quirk::BadFirstAnswers`]).
    failing_answers: std::sync::atomic::AtomicUsize,
}

impl ServiceConfig {
    /// The documented service configuration `config`, served as `quirks` say: the body they
    /// edit, the head of the answer and the route to it.
    pub fn new(mut config: Value, quirks: Vec<Quirk>) -> Self {
        for quirk in &quirks {
            edit_body(&mut config, quirk);
        }
        let mut body = serde_json::to_string_pretty(&config).expect("serializable");
        if quirks.contains(&Quirk::BadBrokenJson) {
            body.truncate(body.len() / 2);
        }
        let failing_answers = quirks.iter().find_map(|q| match q {
            Quirk::BadFirstAnswers(n) => Some(*n),
            _ => None,
        });
        Self {
            body,
            media_type: media_type(&quirks),
            status: if quirks.contains(&Quirk::BadHttpStatus) { 500 } else { 200 },
            redirect_to_get: quirks.contains(&Quirk::BadRedirectToGet),
            redirect_to_other_host: quirks.contains(&Quirk::OkRedirectToOtherHost),
            failing_answers: failing_answers.unwrap_or(0).into(),
        }
    }

    /// The answer to a request for one of this service's paths; `None` for any other path. The
    /// body is not read: the documented request is `{}`, which names nothing, so none or any other
    /// is answered alike (`docs/errata.md` › A request body that says nothing).
    pub fn respond(&self, request: &Request) -> Option<ResponseTemplate> {
        let path = request.url.path().trim_end_matches('/');
        let method = request.method.as_str();
        if self.redirect_to_get && path.eq_ignore_ascii_case(MOVED_PATH) {
            return Some(if method == "GET" {
                self.answer()
            } else {
                super::error_response(405, "the moved service configuration answers GET").insert_header("Allow", "GET")
            });
        }
        if !path.eq_ignore_ascii_case(PATH) {
            return None;
        }
        if method != "POST" {
            return Some(super::error_response(405, "VPPServiceConfigSrv answers POST").insert_header("Allow", "POST"));
        }
        if self.redirect_to_get {
            return Some(ResponseTemplate::new(303).insert_header("Location", MOVED_PATH));
        }
        let host = request.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
        if self.redirect_to_other_host
            && let Some(port) = host.strip_prefix("127.0.0.1:")
        {
            return Some(
                ResponseTemplate::new(307).insert_header("Location", format!("http://localhost:{port}{PATH}")),
            );
        }
        Some(self.answer())
    }

    fn answer(&self) -> ResponseTemplate {
        use std::sync::atomic::Ordering;
        let failing = self.failing_answers.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if failing.is_ok() {
            return super::error_response(500, "a flaky failure of the reference (BadFirstAnswers)");
        }
        ResponseTemplate::new(self.status).set_body_raw(self.body.clone(), self.media_type)
    }
}

/// The answer's media type: the last quirk that sets one wins.
fn media_type(quirks: &[Quirk]) -> &'static str {
    let set = |quirk: &Quirk| match quirk {
        Quirk::BadMediaType => Some("text/plain"),
        Quirk::OkCharsetParameter => Some("application/json; charset=UTF-8"),
        _ => None,
    };
    quirks.iter().rev().find_map(set).unwrap_or("application/json")
}

/// What `quirk` changes in the body: its fields, its URLs and its list of error codes. The
/// quirks of the answer's head and of its route change nothing here.
fn edit_body(config: &mut Value, quirk: &Quirk) {
    match quirk {
        Quirk::BadStatusField => config["status"] = 1.into(),
        Quirk::BadMissingKey(key) => {
            config.as_object_mut().map(|m| m.remove(key));
        }
        Quirk::BadRelativeUrl(key) => {
            let path = config[key]
                .as_str()
                .and_then(|u| url::Url::parse(u).ok())
                .map(|u| u.path().to_owned())
                .unwrap_or_default();
            config[key] = path.into();
        }
        Quirk::BadPlaceholderFilled => {
            let url = config["invitationEmailUrl"].as_str().unwrap_or_default().replace("%25inviteCode%25", "ABC123");
            config["invitationEmailUrl"] = url.into();
        }
        Quirk::BadAssociateLimit => config["maxBatchAssociateLicenseCount"] = 100.into(),
        Quirk::BadDisassociateLimit => config["maxBatchDisassociateLicenseCount"] = 5.into(),
        Quirk::BadSwappedServiceUrls => swap_service_urls(config),
        Quirk::BadInvitationParamsStripped => strip_invitation_params(config),
        Quirk::OkOtherHosts => move_hosts(config),
        Quirk::OkExtraErrorAndField => {
            edit_errors(config, |errors| edit_error_codes(errors, quirk));
            config["newServiceSrvUrl"] = "https://vpp.example.test/mdm/newSrv".into();
        }
        Quirk::BadErrorMessage(_)
        | Quirk::BadErrorMissing(_)
        | Quirk::BadErrorDuplicated(_)
        | Quirk::OkShuffledErrors => edit_errors(config, |errors| edit_error_codes(errors, quirk)),
        Quirk::BadHttpStatus
        | Quirk::BadMediaType
        | Quirk::OkCharsetParameter
        | Quirk::BadBrokenJson
        | Quirk::BadRedirectToGet
        | Quirk::OkRedirectToOtherHost
        | Quirk::BadFirstAnswers(_) => {}
    }
}

/// What `quirk` changes in the list of error codes.
fn edit_error_codes(errors: &mut Vec<Value>, quirk: &Quirk) {
    match quirk {
        Quirk::BadErrorMessage(n) => {
            for e in errors.iter_mut().filter(|e| e["errorNumber"] == *n) {
                e["errorMessage"] = format!("{}.", e["errorMessage"].as_str().unwrap_or_default()).into();
            }
        }
        Quirk::BadErrorMissing(n) => errors.retain(|e| e["errorNumber"] != *n),
        Quirk::BadErrorDuplicated(n) => {
            if let Some(e) = errors.iter().find(|e| e["errorNumber"] == *n).cloned() {
                errors.push(e);
            }
        }
        Quirk::OkShuffledErrors => {
            errors.reverse();
            errors.rotate_left(7);
        }
        Quirk::OkExtraErrorAndField => {
            errors.push(serde_json::json!({"errorNumber": 9700, "errorMessage": "A newer error"}));
        }
        _ => {}
    }
}

/// [`Quirk::BadSwappedServiceUrls`].
fn swap_service_urls(config: &mut Value) {
    if let Some(map) = config.as_object_mut() {
        let user = map.get("getUserSrvUrl").cloned().unwrap_or_default();
        let users = map.get("getUsersSrvUrl").cloned().unwrap_or_default();
        map.insert("getUserSrvUrl".into(), users);
        map.insert("getUsersSrvUrl".into(), user);
    }
}

/// [`Quirk::BadInvitationParamsStripped`].
fn strip_invitation_params(config: &mut Value) {
    if let Some(mut u) = config["invitationEmailUrl"].as_str().and_then(|u| url::Url::parse(u).ok()) {
        let kept: Vec<String> = u
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|p| p.starts_with("inviteCode="))
            .map(str::to_owned)
            .collect();
        u.set_query(Some(&kept.join("&")));
        config["invitationEmailUrl"] = u.to_string().into();
    }
}

/// [`Quirk::OkOtherHosts`]: every URL on another host, and but for the website's, under `/moved`.
fn move_hosts(config: &mut Value) {
    if let Some(map) = config.as_object_mut() {
        for (key, value) in map.iter_mut().filter(|(k, _)| k.ends_with("Url")) {
            if let Some(mut u) = value.as_str().and_then(|u| url::Url::parse(u).ok()) {
                let _ = u.set_host(Some("vpp.example.test"));
                if key != "vppWebsiteUrl" {
                    u.set_path(&format!("/moved{}", u.path()));
                }
                *value = u.to_string().into();
            }
        }
    }
}

fn edit_errors(config: &mut Value, edit: impl FnOnce(&mut Vec<Value>)) {
    if let Some(errors) = config.get_mut("errorCodes").and_then(Value::as_array_mut) {
        edit(errors);
    }
}
