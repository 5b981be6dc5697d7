//! What happens before the first scenario and after the last: the run's client, logging in to
//! the UEM target, and loading the canonical data set into a target that offers a provider-state
//! endpoint (either failing means the run cannot judge the target, so it stops with the exchange
//! that went wrong), taking it down after the run; and the check, beside the scenarios, that the
//! target holds the canonical data set.

use super::select::Selection;
use super::{RunIo, Target};
use crate::config::{ConfigError, Loaded, RunConfig, UemLogin};
use crate::http::{Client, ClientOptions, Exchange};
use crate::outcome::{Stop, TransportError};
use crate::steps::RunContext;
use base64::Engine as _;
use std::sync::Arc;

/// The run's client, after the target is prepared: the canonical data set set up (a provider
/// state) and the UEM login done, its `Authorization` sent to the UEM target only.
pub async fn target(
    config: &RunConfig,
    files: &Loaded,
    selection: &Selection,
    target: &Target,
    io: &RunIo,
) -> Result<Client, ConfigError> {
    // Tokens of the canonical data set show as fingerprints too, so expected and actual values in
    // a message are written the same way.
    io.redactor.learn_tokens_in_value(crate::catalog::accounts_fixture());
    let client = Client::new(
        ClientOptions {
            timeout: config.timeout,
            headers: config.headers.clone(),
            ca_certs: files.ca_certs.clone(),
            insecure: config.insecure,
            proxies_from_env: !target.direct,
            max_body_bytes: config.max_body_bytes,
            // The most requests under way at once to one origin: within it, each origin's limit
            // is learned from its latencies, and lowered for origins whose bodies are large (the
            // client's body budget), so the bodies held at once stay bounded.
            max_in_flight: config.concurrency.max(1),
            rate_limit: config.rate_limit,
            max_retry_after: config.max_retry_after,
            max_pushbacks: config.max_pushbacks,
            retries: config.retries,
            identity_pem: files.identity_pem.clone(),
            identity_name: config.client_cert.as_ref().map(|p| p.display().to_string()),
        },
        io.redactor.clone(),
    )
    .map_err(ConfigError)?
    .with_gate(io.gate.clone());
    let need_canonical_data = selection.running().any(|p| p.needs_canonical_data);
    let need_uem = selection.running().any(|p| p.uem);
    let state_url = target.state_url(config, need_canonical_data);
    if let Some(url) = state_url {
        match provider_state(&client, url, &config.tenant, StateAction::Setup).await {
            Ok(()) => {}
            // No answer: every target the data set was for is down with that cause (exit 3).
            Err(Unprepared::Unanswered { error, request }) => {
                for base in [&target.vpp_base, &target.uem_base].into_iter().filter(|b| !b.is_empty()) {
                    client.mark_down(base, &error, &request, "its provider state (--state-setup-url)");
                }
                return Ok(client);
            }
            Err(e) => return Err(ConfigError(format!("the target cannot be prepared: {e}"))),
        }
    }
    let Some(login) = target.login.as_ref().filter(|_| need_uem && !target.uem_base.is_empty()) else {
        return Ok(client);
    };
    match log_in(&client, &target.uem_base, &config.tenant, login).await {
        Ok(value) => {
            let scope = format!("{}/{}/", target.uem_base, crate::steps::common::tenant_segment(&config.tenant));
            Ok(client.with_scoped_header(&scope, "Authorization", &value))
        }
        // No answer: the UEM target is down with that cause, and its scenarios end ERROR (exit 3).
        Err(Unprepared::Unanswered { error, request }) => {
            client.mark_down(&target.uem_base, &error, &request, "logging in (POST …/util/authorization)");
            Ok(client)
        }
        Err(e) => {
            if let Some(url) = state_url {
                provider_state(&client, url, &config.tenant, StateAction::Teardown).await.ok();
            }
            Err(ConfigError(format!("the target cannot be prepared: {e}")))
        }
    }
}

/// Why the target could not be prepared.
#[derive(Debug)]
pub enum Unprepared {
    /// It answered, and refused (a 401 login, a provider state that is no 2xx): a configuration
    /// error the user must fix (exit 2), said with the exchange.
    Refused(String),
    /// No usable answer came: nothing that needs the target can be judged (exit 3).
    Unanswered { error: TransportError, request: String },
    /// The run was stopped (a signal) while it prepared the target: nothing ran.
    Stopped(String),
}

impl std::fmt::Display for Unprepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unprepared::Refused(text) | Unprepared::Stopped(text) => f.write_str(text),
            Unprepared::Unanswered { error, request } => write!(f, "{request}: {error}"),
        }
    }
}

/// The exchange's reply, or why it is none: no answer, or a transport error the exchange says.
fn answered<'e>(exchange: &'e Exchange, what: &str, client: &Client) -> Result<&'e crate::http::Reply, Unprepared> {
    if let Some(crate::outcome::Withheld::Stopped(why)) = &exchange.withheld {
        return Err(Unprepared::Stopped(format!("{what}: {why}")));
    }
    exchange.reply().map_err(|e| match e.kind.downs_a_silent_origin() || e.kind.transient() {
        true => Unprepared::Unanswered {
            request: format!("{what}: {} {}", exchange.method, exchange.url),
            error: TransportError { text: client.redactor().redact(&e.text), ..e },
        },
        false => Unprepared::Refused(failed(what, exchange, &e.text, client)),
    })
}

/// The provider state taken down after the run: an interrupted run ends now; a run stopped by
/// `--max-failures` still cleans up, through a gate that lets the request go.
pub async fn tear_down(client: &Client, url: &str, tenant: &str, stopped: Option<Stop>) -> Result<(), String> {
    let done = match stopped {
        Some(Stop::Interrupted { .. }) => return Err("the run was interrupted".to_owned()),
        Some(Stop::MaxFailures { .. }) => {
            let client = client.clone().with_gate(Arc::default());
            provider_state(&client, url, tenant, StateAction::Teardown).await
        }
        None => provider_state(client, url, tenant, StateAction::Teardown).await,
    };
    done.map_err(|e| e.to_string())
}

/// The request media type of `POST /{tenantGuid}/api/v1/util/authorization`.
pub const AUTHORIZATION_REQUEST_MEDIA_TYPE: &str = "application/vnd.blackberry.authorizationrequest-v1+json";

/// Obtains the `Authorization` value for UEM requests: `POST /{tenantGuid}/api/v1/util/authorization`
/// with the password base64-encoded, as the UEM REST API wants; the reply's `text/plain` body is
/// the value. The password (both forms) and the value are redacted from then on.
pub async fn log_in(client: &Client, uem_base: &str, tenant: &str, login: &UemLogin) -> Result<String, Unprepared> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(login.password.as_bytes());
    client.redactor().add(&login.password);
    client.redactor().add(&encoded);
    let mut body = serde_json::json!({"username": login.username, "password": encoded, "provider": login.provider});
    if let Some(domain) = &login.domain {
        body["domain"] = serde_json::Value::String(domain.clone());
    }
    let url = format!("{uem_base}/{}/api/v1/util/authorization", crate::steps::common::tenant_segment(tenant));
    // Sent without any Authorization header (logging in is what obtains one), and following no
    // redirect, which would carry the password to wherever it points.
    let mut exchange = client
        .without_credentials()
        .without_redirects()
        .send_as("POST", &url, Some((&body.to_string(), AUTHORIZATION_REQUEST_MEDIA_TYPE)), Some("text/plain"))
        .await;
    // Even a fingerprint of the password would let a reader of the log test guesses offline.
    exchange.request_body = Some(format!(
        "{{\"username\": {}, \"password\": \"‹hidden›\", \"provider\": {}}}",
        serde_json::Value::String(login.username.clone()),
        serde_json::Value::String(login.provider.clone())
    ));
    let what = "logging in to the UEM target";
    let reply = answered(&exchange, what, client)?;
    let text = String::from_utf8_lossy(&reply.body);
    let value = text.trim();
    let html = reply.content_type.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    let why = if reply.status != 200 {
        Some(format!("HTTP {}; expected 200 with the Authorization value as text/plain", reply.status))
    } else if html || value.is_empty() || value.len() > MAX_AUTHORIZATION_BYTES || value.contains(['\r', '\n']) {
        Some("the body is no Authorization value (expected one line of text/plain, not a page)".to_owned())
    } else if reqwest::header::HeaderValue::from_str(value).is_err() {
        Some("the body is not a valid header value".to_owned())
    } else {
        None
    };
    if let Some(why) = why {
        // A refusal (no 200) is shown as it came: it says why the login failed. A 200 whose body
        // is no Authorization value may still hold a credential in another shape (a JSON
        // access_token): its body is not shown.
        if reply.status == 200 {
            let mut withheld = exchange.clone();
            if let Ok(reply) = &mut withheld.outcome {
                reply.body = format!(
                    "(a body of {} bytes, not shown: a login's answer may hold a credential)",
                    reply.body.len()
                )
                .into_bytes();
            }
            return Err(Unprepared::Refused(failed(what, &withheld, &why, client)));
        }
        return Err(Unprepared::Refused(failed(what, &exchange, &why, client)));
    }
    client.redactor().add_header_value(value);
    Ok(value.to_owned())
}

/// An Authorization value is a line of a few hundred bytes; a longer body is no such value.
const MAX_AUTHORIZATION_BYTES: usize = 8 * 1024;

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
pub async fn provider_state(client: &Client, url: &str, tenant: &str, action: StateAction) -> Result<(), Unprepared> {
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
    // No header of the user's (credentials for the target) and no redirect (the data set would
    // follow it): the state endpoint is a test fixture, possibly elsewhere.
    let exchange = client
        .anonymous()
        .without_redirects()
        .send("POST", url, Some(&body.to_string()), Some("application/json"))
        .await;
    let what = match action {
        StateAction::Setup => "setting up the provider state (--state-setup-url)",
        StateAction::Teardown => "tearing down the provider state (--state-setup-url)",
    };
    let reply = answered(&exchange, what, client)?;
    if !(200..300).contains(&reply.status) {
        let why = format!("HTTP {}; expected a 2xx status", reply.status);
        return Err(Unprepared::Refused(failed(what, &exchange, &why, client)));
    }
    Ok(())
}

fn failed(what: &str, exchange: &Exchange, why: &str, client: &Client) -> String {
    let redactor = client.redactor();
    // The request body of a login holds the password: only its redacted form is ever shown.
    format!("{what} failed: {}\n{}", redactor.redact(why), exchange.describe(redactor))
}

/// Whether the UEM target holds the canonical data set, asked once before the scenarios that
/// need it: GET by the GUID of each canonical account, under the tenant being tested. `Ok` when
/// every one answers as the data set has it; otherwise what is missing or differs, one entry an
/// account, so that the run can say so once, up front, rather than through query-rule failures.
/// A request that gets no answer ends the check with `Ok`: that is the target being down, which
/// the run reports in its own words.
pub async fn canonical_data_gaps(client: &Client, uem_base: &str, tenant: &str) -> Result<(), Vec<String>> {
    use crate::checks::accounts;
    let segment = crate::steps::common::tenant_segment(tenant);
    let mut gaps = Vec::new();
    let ask = |canonical: &'static serde_json::Value| {
        let guid = canonical["guid"].as_str().unwrap_or_default();
        let url = format!("{uem_base}/{segment}/api/v1/vppAccounts/{guid}");
        async move { (canonical, client.send("GET", &url, None, Some(crate::catalog::ACCOUNT_MEDIA_TYPE)).await) }
    };
    // All at once: the check runs beside the scenarios, which never wait for it, and a target
    // that does not answer costs it one timeout however many are asked.
    let answers = futures::future::join_all(accounts::canonical_accounts().iter().map(ask)).await;
    for (canonical, exchange) in answers {
        let guid = canonical["guid"].as_str().unwrap_or_default();
        let name = canonical["name"].as_str().unwrap_or_default();
        let gap = match exchange.reply() {
            // A target that does not answer lacks nothing we know of: the gate has taken note,
            // and the scenarios will say it did not answer.
            Err(_) => return Ok(()),
            Ok(reply) if reply.status != 200 => Some(format!("HTTP {}", reply.status)),
            Ok(reply) => match serde_json::from_slice::<serde_json::Value>(&reply.body) {
                Err(_) => Some("not a JSON account".to_owned()),
                Ok(actual) => {
                    let findings = accounts::compare_account(&actual, canonical, "$");
                    let differs: Vec<&str> = findings.failures.iter().map(|m| m.at.trim_start_matches("$.")).collect();
                    (!differs.is_empty()).then(|| format!("{} differs", differs.join(", ")))
                }
            },
        };
        if let Some(gap) = gap {
            gaps.push(format!("{guid} ({name}): {}", client.redactor().redact(&gap)));
        }
    }
    if gaps.is_empty() { Ok(()) } else { Err(gaps) }
}

/// What a target without the canonical data set is told.
#[derive(Debug, Clone)]
pub struct CanonicalDataMissing {
    /// A few words, which each failure of a scenario that needs the data set starts with.
    pub summary: String,
    /// The whole notice: what is missing, and how to go on.
    pub notice: String,
}

/// How the notice of a target without the canonical data set begins.
pub const CANONICAL_DATA_NOTICE: &str = "the target does not hold the canonical data set";

/// Asks the target for the canonical data set beside the scenarios, when a selected UEM scenario
/// needs it; its answer explains their failures afterwards. It tells the gate nothing: a target
/// that does not answer is the scenarios' to find and report.
pub fn data_check(
    ctx: &Arc<RunContext>,
    selection: &Selection,
) -> Option<tokio::task::JoinHandle<Option<CanonicalDataMissing>>> {
    let needed = selection.running().any(|p| p.needs_canonical_data && p.uem) && !ctx.uem_base.is_empty();
    if !needed {
        return None;
    }
    let (client, base, tenant) = (ctx.client.without_health_reports(), ctx.uem_base.clone(), ctx.tenant.clone());
    Some(tokio::spawn(async move { canonical_data_missing(&client, &base, &tenant).await }))
}

/// Whether the target lacks any of the canonical data set, and what to tell it if so.
pub async fn canonical_data_missing(client: &Client, uem_base: &str, tenant: &str) -> Option<CanonicalDataMissing> {
    let gaps = canonical_data_gaps(client, uem_base, tenant).await.err()?;
    let all = crate::checks::accounts::canonical_accounts().len();
    let notice = format!(
        "{CANONICAL_DATA_NOTICE} that the @sample and @rule scenarios need ({} of {all} accounts missing or different: {}). \
         Load it first (`vpp-conformance fixtures` prints it in the format `serve --accounts` reads; \
         `--state-setup-url` loads it through a provider-state endpoint), or certify a live service with \
         `--profile live`, which runs only the scenarios that need no particular data.",
        gaps.len(),
        gaps.join("; ")
    );
    Some(CanonicalDataMissing {
        summary: format!("{} of {all} canonical accounts missing or different", gaps.len()),
        notice,
    })
}
