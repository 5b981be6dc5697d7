//! What a client is set up with, and one request as the suite asks it.

use super::politeness::RateLimit;
use std::time::Duration;

/// Documented responses are a few kilobytes; 4 MiB holds a list of about 15 000 accounts while
/// keeping a hostile target from exhausting memory. `--max-body-size` raises it for a larger tenant.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Redirects are not part of either contract; a few are tolerated, a loop is reported.
pub const MAX_REDIRECTS: usize = 10;

/// The run's budget of push-back retries when `--max-pushbacks` is not given: ample for a run
/// behind a gateway that takes a few requests a second, spent in minutes by one that refuses all.
pub const DEFAULT_MAX_PUSHBACKS: u64 = 1000;

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub timeout: Duration,
    /// Sent with every request (`--header`), for example `Authorization`.
    pub headers: Vec<(String, String)>,
    pub max_body_bytes: usize,
    /// Extra trusted roots, PEM (`--ca-cert`): a private CA is trusted besides the system's.
    pub ca_certs: Vec<Vec<u8>>,
    /// No certificate verification at all (`--insecure`).
    pub insecure: bool,
    /// Honour `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (and their lower-case forms).
    /// Off for the built-in reference: reqwest sends even loopback requests through a proxy.
    pub proxies_from_env: bool,
    /// The most requests under way at once to one origin (from `--concurrency`): the ceiling of
    /// the adaptive limit each origin learns ([`crate::http::limit`]). What the suite holds in
    /// memory is this many bodies per origin at most. 1 is strictly serial.
    pub max_in_flight: usize,
    /// At most this many requests leave per period, across the whole run (`--rate-limit`).
    pub rate_limit: Option<RateLimit>,
    /// The longest a request waits, in all, for a target that pushes back (429, 503) before it
    /// ends not judged, saying so (`--max-retry-after`).
    pub max_retry_after: Duration,
    /// The most push-back retries (429, 503) the whole run makes (`--max-pushbacks`): a target
    /// that keeps pushing back ends in ERRORs, not in a run that never ends.
    pub max_pushbacks: u64,
    /// Times a request is sent again after a transport error (`--retries`): a reset, a connection
    /// refused after the target answered, a timeout. Never after an answer, whatever it says.
    pub retries: u32,
    /// A client certificate and its private key, PEM (`--client-cert`, `--client-key`).
    pub identity_pem: Option<Vec<u8>>,
    /// The client certificate as the user named it (its path), for a refusal to name.
    pub identity_name: Option<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            headers: Vec::new(),
            max_body_bytes: MAX_BODY_BYTES,
            ca_certs: Vec::new(),
            insecure: false,
            proxies_from_env: true,
            max_in_flight: 8,
            rate_limit: None,
            max_retry_after: Duration::from_secs(60),
            max_pushbacks: DEFAULT_MAX_PUSHBACKS,
            retries: 0,
            identity_pem: None,
            identity_name: None,
        }
    }
}

/// One request as the suite asks it: method, URL, the body with its media type, the `Accept`
/// header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ask<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub body: Option<(&'a str, &'a str)>,
    pub accept: Option<&'a str>,
    /// How large an answer the caller expects, in bytes (`None`: a documented answer's few KiB).
    pub expected: Option<usize>,
}
