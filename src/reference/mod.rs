//! The built-in reference target: a second, independent implementation of both APIs that serves
//! the canonical data set over real HTTP (wiremock on a loopback port). It shares no matching code
//! with `checks`: if one implementation of the query language served both, a mistake in it would
//! pass unseen.
//!
//! [`Quirk`]s turn it into a defective (or a differently-but-validly behaving) target, so the
//! suite's own tests can prove both halves of its verdict.

pub mod apple_vpp;
pub mod query;
pub mod uem;

use serde_json::Value;
use std::net::TcpListener;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub use uem::Quirk as UemQuirk;

/// A change to the reference's behaviour: a seeded defect or a benign variation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quirk {
    Apple(apple_vpp::Quirk),
    Uem(uem::Quirk),
    /// Every response waits this long before it starts (a slow network).
    Latency(std::time::Duration),
}

/// What the reference serves and how.
#[derive(Debug, Clone)]
pub struct ReferenceOptions {
    /// `{"tenantGuid": …, "vppAccounts": [...]}`, the canonical fixture by default.
    pub accounts: Value,
    /// The service configuration response, the documented one by default.
    pub service_config: Value,
    pub quirks: Vec<Quirk>,
}

impl Default for ReferenceOptions {
    fn default() -> Self {
        Self {
            accounts: crate::catalog::accounts_fixture().clone(),
            service_config: crate::catalog::service_config_fixture().clone(),
            quirks: Vec::new(),
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
    server: MockServer,
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
        Ok(Self { server })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.server.uri()
    }
}

struct Router {
    apple: apple_vpp::ServiceConfig,
    uem: uem::Accounts,
    latency: Option<std::time::Duration>,
}

impl Router {
    fn new(options: ReferenceOptions) -> Self {
        let apple_quirks = options
            .quirks
            .iter()
            .filter_map(|q| match q {
                Quirk::Apple(a) => Some(a.clone()),
                _ => None,
            })
            .collect();
        let uem_quirks = options
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
        Self {
            apple: apple_vpp::ServiceConfig::new(options.service_config, apple_quirks),
            uem: uem::Accounts::new(&options.accounts, uem_quirks),
            latency,
        }
    }
}

impl Respond for Router {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        let response = if path.trim_end_matches('/').eq_ignore_ascii_case(apple_vpp::PATH) {
            self.apple.respond(request.method.as_str())
        } else {
            self.uem.respond(request)
        };
        match self.latency {
            Some(d) => response.set_delay(d),
            None => response,
        }
    }
}

/// A JSON error body for statuses the documentation names without a body.
pub(crate) fn error_response(status: u16, message: &str) -> ResponseTemplate {
    let body = serde_json::json!({"code": status, "message": message});
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}
