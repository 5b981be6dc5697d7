//! The built-in reference target: a second, independent implementation of both APIs that serves
//! the canonical data set over real HTTP (wiremock on a loopback port). It shares no matching code
//! with `checks`: if one implementation of the query language served both, a mistake in it would
//! pass unseen.
//!
//! [`Quirk`]s turn it into a defective (or a differently-but-validly behaving) target, so the
//! suite's own tests can prove both halves of its verdict.
//!
//! Besides the two APIs it serves UEM's login route (`POST /{tenantGuid}/api/v1/util/authorization`,
//! enforced only when [`ReferenceOptions::auth`] is set) and a provider-state route ([`STATE_PATH`])
//! through which a test suite replaces the data set it serves, as Pact's provider states do.

pub mod apple_vpp;
mod defects;
pub mod front;
pub mod query;
pub mod quirks;
pub mod tls;
pub mod uem;

use crate::sync::{Locked as _, ReadWrite as _};
use serde_json::Value;
use std::fmt;
use std::net::TcpListener;
use std::sync::{Mutex, RwLock};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub use quirks::{AppleQuirk, Quirk, UemQuirk};

/// Where a test suite POSTs `{"action": "setup" | "teardown", "state": …, "params": {…}}` to choose
/// the data set the reference serves (setup) or to restore the one it started with (teardown).
pub const STATE_PATH: &str = "/_vpp-conformance/provider-states";

/// The one login the reference's UEM authorization route accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    /// The plain password (the login request carries it base64-encoded).
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"‹hidden›").finish()
    }
}

/// What the reference serves and how.
#[derive(Debug, Clone)]
pub struct ReferenceOptions {
    /// `{"tenantGuid": …, "vppAccounts": [...]}`, the canonical fixture by default.
    pub accounts: Value,
    /// The service configuration response, the documented one by default.
    pub service_config: Value,
    pub quirks: Vec<Quirk>,
    /// When set, the account resource wants the `Authorization` value that
    /// `POST /{tenantGuid}/api/v1/util/authorization` issues for these credentials (401 without
    /// it). When `None` (the default) the login route answers any well-formed request and
    /// nothing is enforced.
    pub auth: Option<Credentials>,
}

impl Default for ReferenceOptions {
    fn default() -> Self {
        Self {
            accounts: crate::catalog::accounts_fixture().clone(),
            service_config: crate::catalog::service_config_fixture().clone(),
            quirks: Vec::new(),
            auth: None,
        }
    }
}

impl ReferenceOptions {
    pub fn with_quirk(mut self, quirk: Quirk) -> Self {
        self.quirks.push(quirk);
        self
    }
}

/// A running reference target; it stops when dropped.
pub struct ReferenceTarget {
    /// `None` only while it is dropped.
    server: Option<MockServer>,
}

/// wiremock's `MockServer` blocks on its own verification when it is dropped. Dropped inside a
/// tokio task whose cooperative budget is spent (after a whole run, say), that blocking poll of a
/// tokio lock never gets past the budget and spins for ever; a thread of its own has no budget.
impl Drop for ReferenceTarget {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = std::thread::spawn(move || drop(server)).join();
        }
    }
}

impl ReferenceTarget {
    /// Starts on a free loopback port.
    pub async fn start(options: ReferenceOptions) -> std::io::Result<Self> {
        Self::start_on(TcpListener::bind(("127.0.0.1", 0))?, options).await
    }

    /// Starts on the given listener (`serve --port`).
    pub async fn start_on(listener: TcpListener, options: ReferenceOptions) -> std::io::Result<Self> {
        let server = MockServer::builder().listener(listener).disable_request_recording().start().await;
        Mock::given(wiremock::matchers::any()).respond_with(Router::new(options)).mount(&server).await;
        Ok(Self { server: Some(server) })
    }

    /// Mounts `mock` ahead of the reference's own routes: a test's target that pushes back
    /// (429) or answers otherwise before the reference does, when the mock's matchers say so.
    pub async fn mount_ahead(&self, mock: Mock) {
        mock.with_priority(1).mount(self.server()).await;
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.server().uri()
    }

    fn server(&self) -> &MockServer {
        self.server.as_ref().expect("the server lives until the target is dropped")
    }
}

/// The data set being served; provider states swap it.
struct Served {
    apple: apple_vpp::ServiceConfig,
    uem: uem::Accounts,
}

struct Router {
    served: RwLock<Served>,
    /// What the reference was started with, restored by a teardown.
    initial_accounts: Value,
    initial_service_config: Value,
    apple_quirks: Vec<AppleQuirk>,
    uem_quirks: Vec<UemQuirk>,
    /// Issued once per start, so it outlives provider states.
    authority: uem::Authority,
    latency: Option<std::time::Duration>,
    /// When each worker is next free, and each request's service time ([`Quirk::Workers`]).
    workers: Option<(Mutex<Vec<std::time::Instant>>, std::time::Duration)>,
    /// Paths answered late ([`Quirk::SlowOn`]).
    slow_on: Vec<(String, std::time::Duration)>,
}

impl Router {
    fn new(options: ReferenceOptions) -> Self {
        let apple_quirks: Vec<AppleQuirk> = options
            .quirks
            .iter()
            .filter_map(|q| match q {
                Quirk::Apple(a) => Some(a.clone()),
                _ => None,
            })
            .collect();
        let uem_quirks: Vec<UemQuirk> = options
            .quirks
            .iter()
            .filter_map(|q| match q {
                Quirk::Uem(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        let latency = options.quirks.iter().find_map(|q| match q {
            Quirk::Latency(d) => Some(*d),
            _ => None,
        });
        let workers = options.quirks.iter().find_map(|q| match q {
            Quirk::Workers { workers, service } => {
                Some((Mutex::new(vec![std::time::Instant::now(); (*workers).max(1)]), *service))
            }
            _ => None,
        });
        let slow_on = options
            .quirks
            .iter()
            .filter_map(|q| match q {
                Quirk::SlowOn { path_holds, delay } => Some((path_holds.clone(), *delay)),
                _ => None,
            })
            .collect();
        let authority = uem::Authority::new(options.auth);
        let served = Served {
            apple: apple_vpp::ServiceConfig::new(options.service_config.clone(), apple_quirks.clone()),
            uem: uem::Accounts::new(&options.accounts, uem_quirks.clone()).with_authority(authority.clone()),
        };
        Self {
            served: RwLock::new(served),
            initial_accounts: options.accounts,
            initial_service_config: options.service_config,
            apple_quirks,
            uem_quirks,
            authority,
            latency,
            workers,
            slow_on,
        }
    }

    /// How long a request that arrives now waits for a worker and is served: the first worker
    /// free takes it.
    fn queued(&self) -> Option<std::time::Duration> {
        let (free_at, service) = self.workers.as_ref()?;
        let now = std::time::Instant::now();
        let mut free_at = free_at.locked();
        let first = free_at.iter_mut().min()?;
        let done = (*first).max(now) + *service;
        *first = done;
        Some(done - now)
    }

    fn accounts(&self, data: &Value) -> uem::Accounts {
        uem::Accounts::new(data, self.uem_quirks.clone()).with_authority(self.authority.clone())
    }

    fn service_config(&self, config: Value) -> apple_vpp::ServiceConfig {
        apple_vpp::ServiceConfig::new(config, self.apple_quirks.clone())
    }

    /// `POST STATE_PATH`: setup replaces the data set, teardown restores the initial one.
    fn provider_state(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() != "POST" {
            return error_response(405, "provider states are POSTed").insert_header("Allow", "POST");
        }
        if !media_type_of(request).is_some_and(|m| m.eq_ignore_ascii_case("application/json")) {
            return error_response(415, "a provider state is sent as application/json");
        }
        let body: Value = match serde_json::from_slice(&request.body) {
            Ok(v) => v,
            Err(e) => return error_response(400, &format!("the body is not JSON: {e}")),
        };
        let Some(body) = body.as_object() else {
            return error_response(400, "the body must be a JSON object");
        };
        let state = match body.get("state") {
            None | Some(Value::Null) => Value::Null,
            Some(s @ Value::String(_)) => s.clone(),
            Some(_) => return error_response(400, "`state` must be a string"),
        };
        let (action, accounts, service_config) = match body.get("action").and_then(Value::as_str) {
            Some("setup") => match setup_params(body.get("params")) {
                Ok((accounts, config)) => ("setup", accounts, config),
                Err(e) => return error_response(400, &e),
            },
            Some("teardown") => ("teardown", self.initial_accounts.clone(), Some(self.initial_service_config.clone())),
            Some(other) => {
                return error_response(400, &format!("unknown action {other:?}: expected \"setup\" or \"teardown\""));
            }
            None => return error_response(400, "`action` (\"setup\" or \"teardown\") is required"),
        };
        let tenant = accounts["tenantGuid"].clone();
        let count = accounts["vppAccounts"].as_array().map_or(0, Vec::len);
        let uem = self.accounts(&accounts);
        let apple = service_config.map(|c| self.service_config(c));
        {
            let mut served = self.served.write_now();
            served.uem = uem;
            if let Some(apple) = apple {
                served.apple = apple;
            }
        }
        let reply = serde_json::json!({"action": action, "state": state, "tenantGuid": tenant, "accounts": count});
        ResponseTemplate::new(200).set_body_raw(reply.to_string(), "application/json")
    }
}

/// A setup's `params`: the accounts data (`{"tenantGuid", "vppAccounts"}`) and, when given, the
/// service configuration.
fn setup_params(params: Option<&Value>) -> Result<(Value, Option<Value>), String> {
    let Some(params) = params.and_then(Value::as_object) else {
        return Err("a setup needs `params`, an object with `tenantGuid` and `vppAccounts`".to_owned());
    };
    let tenant = match params.get("tenantGuid").and_then(Value::as_str) {
        Some(t) if !t.is_empty() && !t.contains('/') => t,
        Some(_) => return Err("`params.tenantGuid` must be a non-empty path segment".to_owned()),
        None => return Err("`params.tenantGuid` (a string) is required".to_owned()),
    };
    let accounts = match params.get("vppAccounts").and_then(Value::as_array) {
        Some(a) if a.iter().all(Value::is_object) => a,
        Some(_) => return Err("every item of `params.vppAccounts` must be an object".to_owned()),
        None => return Err("`params.vppAccounts` (an array) is required".to_owned()),
    };
    let service_config = match params.get("serviceConfiguration") {
        None | Some(Value::Null) => None,
        Some(c @ Value::Object(_)) => Some(c.clone()),
        Some(_) => return Err("`params.serviceConfiguration` must be an object".to_owned()),
    };
    Ok((serde_json::json!({"tenantGuid": tenant, "vppAccounts": accounts}), service_config))
}

impl Respond for Router {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().trim_end_matches('/');
        let response = if path == STATE_PATH {
            self.provider_state(request)
        } else {
            let served = self.served.read_now();
            served.apple.respond(request).unwrap_or_else(|| served.uem.respond(request))
        };
        let slow: std::time::Duration =
            self.slow_on.iter().filter(|(holds, _)| request.url.path().contains(holds.as_str())).map(|(_, d)| *d).sum();
        match (self.latency, self.queued()) {
            (_, Some(d)) | (Some(d), None) => response.set_delay(d + slow),
            (None, None) if !slow.is_zero() => response.set_delay(slow),
            (None, None) => response,
        }
    }
}

/// A JSON error body for statuses the documentation names without a body.
pub(crate) fn error_response(status: u16, message: &str) -> ResponseTemplate {
    let body = serde_json::json!({"code": status, "message": message});
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

/// The request's media type without parameters (`application/json; charset=utf-8` →
/// `application/json`), `None` without a readable `Content-Type`.
pub(crate) fn media_type_of(request: &Request) -> Option<&str> {
    let value = request.headers.get("content-type")?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim())
}
