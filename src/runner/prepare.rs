//! What happens before the first scenario and after the last: logging in to the UEM target, and
//! loading the canonical data set into a target that offers a provider-state endpoint. Either
//! failing means the run cannot judge the target, so it stops with the exchange that went wrong.

use crate::client::{Client, Exchange};
use crate::config::UemLogin;
use base64::Engine as _;

/// The request media type of `POST /{tenantGuid}/api/v1/util/authorization`.
pub const AUTHORIZATION_REQUEST_MEDIA_TYPE: &str = "application/vnd.blackberry.authorizationrequest-v1+json";

/// Obtains the `Authorization` value for UEM requests: `POST /{tenantGuid}/api/v1/util/authorization`
/// with the password base64-encoded, as the UEM REST API wants; the reply's `text/plain` body is
/// the value. The password (both forms) and the value are redacted from then on.
pub async fn log_in(client: &Client, uem_base: &str, tenant: &str, login: &UemLogin) -> Result<String, String> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(login.password.as_bytes());
    client.redactor().add(&login.password);
    client.redactor().add(&encoded);
    let mut body = serde_json::json!({"username": login.username, "password": encoded, "provider": login.provider});
    if let Some(domain) = &login.domain {
        body["domain"] = serde_json::Value::String(domain.clone());
    }
    let url = format!("{uem_base}/{}/api/v1/util/authorization", crate::steps::common::tenant_segment(tenant));
    // Sent without any Authorization header: logging in is what obtains one.
    let exchange = client
        .without_credentials()
        .send_as("POST", &url, Some((&body.to_string(), AUTHORIZATION_REQUEST_MEDIA_TYPE)), Some("text/plain"))
        .await;
    let reply = exchange.reply().map_err(|e| failed("logging in to the UEM target", &exchange, &e, client))?;
    let value = String::from_utf8_lossy(&reply.body).trim().to_owned();
    client.redactor().add_header_value(&value);
    if reply.status != 200 {
        let why = format!("HTTP {}; expected 200 with the Authorization value as text/plain", reply.status);
        return Err(failed("logging in to the UEM target", &exchange, &why, client));
    }
    if value.is_empty() || reqwest::header::HeaderValue::from_str(&value).is_err() {
        let why = "the body is not a usable Authorization header value";
        return Err(failed("logging in to the UEM target", &exchange, why, client));
    }
    Ok(value)
}

/// Whether a provider-state request sets the data up or takes it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateAction {
    Setup,
    Teardown,
}

/// The provider state the suite asks for; its name is part of the contract with a target.
pub const CANONICAL_STATE: &str = "the canonical VPP data set";

/// POSTs a provider-state request (Pact's shape: `action`, `state`, `params`); the params are the
/// canonical data set under the tenant being tested, and the documented service configuration.
pub async fn provider_state(client: &Client, url: &str, tenant: &str, action: StateAction) -> Result<(), String> {
    let mut accounts = crate::catalog::accounts_fixture().clone();
    accounts["tenantGuid"] = serde_json::Value::String(tenant.to_owned());
    let body = serde_json::json!({
        "action": match action { StateAction::Setup => "setup", StateAction::Teardown => "teardown" },
        "state": CANONICAL_STATE,
        "params": {
            "tenantGuid": tenant,
            "vppAccounts": accounts["vppAccounts"],
            "serviceConfiguration": crate::catalog::service_config_fixture(),
        },
    });
    let exchange = client.send("POST", url, Some(&body.to_string()), Some("application/json")).await;
    let what = match action {
        StateAction::Setup => "setting up the provider state (--state-setup-url)",
        StateAction::Teardown => "tearing down the provider state (--state-setup-url)",
    };
    let reply = exchange.reply().map_err(|e| failed(what, &exchange, &e, client))?;
    if !(200..300).contains(&reply.status) {
        return Err(failed(what, &exchange, &format!("HTTP {}; expected a 2xx status", reply.status), client));
    }
    Ok(())
}

fn failed(what: &str, exchange: &Exchange, why: &str, client: &Client) -> String {
    let redactor = client.redactor();
    // The request body of a login holds the password: only its redacted form is ever shown.
    format!("{what} failed: {}\n{}", redactor.redact(why), exchange.describe(redactor))
}
