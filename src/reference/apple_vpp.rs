//! `POST /mdm/VPPServiceConfigSrv`: answers the documented service configuration.

use serde_json::Value;
use wiremock::ResponseTemplate;

pub use crate::catalog::SERVICE_CONFIG_PATH as PATH;

/// Seeded defects (`Bad…`) and benign variations (`Ok…`) of the service configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quirk {
    BadHttpStatus,
    BadMediaType,
    BadStatusField,
    BadMissingKey(String),
    BadRelativeUrl(String),
    BadPlaceholderFilled,
    BadAssociateLimit,
    BadDisassociateLimit,
    BadErrorMessage(i64),
    BadErrorMissing(i64),
    BadErrorDuplicated(i64),
    BadBrokenJson,
    /// Hosts moved (the reason the endpoint exists).
    OkOtherHosts,
    OkCharsetParameter,
    OkShuffledErrors,
    OkExtraErrorAndField,
}

pub struct ServiceConfig {
    body: String,
    media_type: &'static str,
    status: u16,
}

impl ServiceConfig {
    pub fn new(mut config: Value, quirks: Vec<Quirk>) -> Self {
        let mut media_type = "application/json";
        let mut status = 200;
        let mut broken = false;
        for quirk in &quirks {
            match quirk {
                Quirk::BadHttpStatus => status = 500,
                Quirk::BadMediaType => media_type = "text/plain",
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
                    let url =
                        config["invitationEmailUrl"].as_str().unwrap_or_default().replace("%25inviteCode%25", "ABC123");
                    config["invitationEmailUrl"] = url.into();
                }
                Quirk::BadAssociateLimit => config["maxBatchAssociateLicenseCount"] = 100.into(),
                Quirk::BadDisassociateLimit => config["maxBatchDisassociateLicenseCount"] = 5.into(),
                Quirk::BadErrorMessage(n) => edit_errors(&mut config, |errors| {
                    for e in errors.iter_mut().filter(|e| e["errorNumber"] == *n) {
                        e["errorMessage"] = format!("{}.", e["errorMessage"].as_str().unwrap_or_default()).into();
                    }
                }),
                Quirk::BadErrorMissing(n) => {
                    edit_errors(&mut config, |errors| errors.retain(|e| e["errorNumber"] != *n))
                }
                Quirk::BadErrorDuplicated(n) => edit_errors(&mut config, |errors| {
                    if let Some(e) = errors.iter().find(|e| e["errorNumber"] == *n).cloned() {
                        errors.push(e);
                    }
                }),
                Quirk::BadBrokenJson => broken = true,
                Quirk::OkOtherHosts => {
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
                Quirk::OkCharsetParameter => media_type = "application/json; charset=UTF-8",
                Quirk::OkShuffledErrors => edit_errors(&mut config, |errors| {
                    errors.reverse();
                    errors.rotate_left(7);
                }),
                Quirk::OkExtraErrorAndField => {
                    edit_errors(&mut config, |errors| {
                        errors.push(serde_json::json!({"errorNumber": 9700, "errorMessage": "A newer error"}))
                    });
                    config["newServiceSrvUrl"] = "https://vpp.example.test/mdm/newSrv".into();
                }
            }
        }
        let mut body = serde_json::to_string_pretty(&config).expect("serializable");
        if broken {
            body.truncate(body.len() / 2);
        }
        Self { body, media_type, status }
    }

    pub fn respond(&self, method: &str) -> ResponseTemplate {
        if method != "POST" {
            return super::error_response(405, "VPPServiceConfigSrv answers POST").insert_header("Allow", "POST");
        }
        ResponseTemplate::new(self.status).set_body_raw(self.body.clone(), self.media_type)
    }
}

fn edit_errors(config: &mut Value, edit: impl FnOnce(&mut Vec<Value>)) {
    if let Some(errors) = config.get_mut("errorCodes").and_then(Value::as_array_mut) {
        edit(errors);
    }
}
