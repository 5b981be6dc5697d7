//! One bounded exchange with a target. Whatever the target does (refuse, hang, drip bytes,
//! stream a gigabyte, redirect forever) the exchange ends within the timeout with a reason, and
//! holds at most [`MAX_BODY_BYTES`] of body. What was sent and what came back is recorded with
//! secrets already replaced, so that no later layer can leak them. A request the run's
//! [`Gate`] refuses (the run stopped, the target known to be down) is not sent, and one in flight
//! when the run stops is dropped: [`Exchange::not_run`] says why.

use crate::gate::Gate;
use crate::redact::Redactor;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Documented responses are a few kilobytes; 4 MiB leaves room for a large tenant while keeping
/// a hostile target from exhausting memory.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Redirects are not part of either contract; a few are tolerated, a loop is reported.
pub const MAX_REDIRECTS: usize = 10;
/// How much of a body a failure message shows.
const EXCERPT_BYTES: usize = 1500;

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
        }
    }
}

/// An HTTP client for one run; cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The same client, following no redirect: a login or a provider state must not carry its
    /// body (a password, a data set) to wherever a redirect points.
    http_no_redirect: reqwest::Client,
    options: ClientOptions,
    redactor: Redactor,
    /// Headers sent only to URLs under a prefix, replacing a same-named header of `options`: the
    /// UEM `Authorization` obtained by logging in goes to the UEM target and nowhere else.
    scoped: Vec<(String, String, String)>,
    /// Whether a request may still go out: the run not stopped, its target not known to be down.
    gate: Arc<Gate>,
}

/// What came back from the target.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Where redirects led, when they did: the reply is that URL's (and a 301/302/303 on POST
    /// was followed with GET, as HTTP clients do).
    pub redirected_to: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// One request and its outcome, redacted.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub request_body: Option<String>,
    pub outcome: Result<Reply, String>,
    pub elapsed: Duration,
    /// Why the request was not sent, or was dropped in flight (the run stopped, the target is
    /// down); the same text is the outcome's error.
    pub not_run: Option<String>,
}

impl Client {
    pub fn new(options: ClientOptions, redactor: Redactor) -> Result<Self, String> {
        for (_, value) in &options.headers {
            redactor.add_header_value(value);
        }
        let roots = options
            .ca_certs
            .iter()
            .map(|pem| reqwest::Certificate::from_pem_bundle(pem))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("a CA certificate is not PEM: {}", chain(&e)))?
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        let builder = |only_given_roots: bool, redirects: usize| {
            let policy = if redirects == 0 {
                reqwest::redirect::Policy::none()
            } else {
                reqwest::redirect::Policy::limited(redirects)
            };
            let mut b = reqwest::Client::builder()
                .redirect(policy)
                .connect_timeout(options.timeout)
                .tls_danger_accept_invalid_certs(options.insecure);
            b = if only_given_roots { b.tls_certs_only(roots.clone()) } else { b.tls_certs_merge(roots.clone()) };
            if !options.proxies_from_env {
                b = b.no_proxy();
            }
            b.build()
        };
        // A machine without system CA certificates (a slim container) still tests plain-HTTP
        // targets and those of the given CAs, rather than refusing to start.
        let build = |redirects| {
            builder(false, redirects)
                .or_else(|_| builder(true, redirects))
                .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
        };
        let (http, http_no_redirect) = (build(MAX_REDIRECTS)?, build(0)?);
        Ok(Self { http, http_no_redirect, options, redactor, scoped: Vec::new(), gate: Arc::default() })
    }

    /// This client, following no redirect: a 3xx comes back as the reply.
    pub fn without_redirects(&self) -> Self {
        let mut c = self.clone();
        c.http = self.http_no_redirect.clone();
        c
    }

    /// This client without any header the user gave or the run obtained (`X-Api-Key` and cookies
    /// can be credentials as well as `Authorization`): to check what a target does without them.
    pub fn anonymous(&self) -> Self {
        let mut c = self.clone();
        c.options.headers.clear();
        c.scoped.clear();
        c
    }

    /// This client, sending `name: value` to every URL that starts with `prefix` (and the value
    /// redacted everywhere).
    pub fn with_scoped_header(mut self, prefix: &str, name: &str, value: &str) -> Self {
        self.redactor.add_header_value(value);
        self.scoped.retain(|(p, n, _)| !(p == prefix && n.eq_ignore_ascii_case(name)));
        self.scoped.push((prefix.to_owned(), name.to_owned(), value.to_owned()));
        self
    }

    /// This client without any `Authorization` header, given or obtained: to check that a target
    /// refuses a request without credentials.
    pub fn without_credentials(&self) -> Self {
        let mut c = self.clone();
        c.options.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
        c.scoped.retain(|(_, n, _)| !n.eq_ignore_ascii_case("authorization"));
        c
    }

    /// This client with `Authorization: value` and no other header of the user's (the value
    /// redacted everywhere).
    pub fn with_authorization(&self, value: &str) -> Self {
        let mut c = self.anonymous();
        c.redactor.add_header_value(value);
        c.options.headers.push(("Authorization".to_owned(), value.to_owned()));
        c
    }

    /// This client, sending through `gate` (shared by its clones).
    pub fn with_gate(mut self, gate: Arc<Gate>) -> Self {
        self.gate = gate;
        self
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn timeout(&self) -> Duration {
        self.options.timeout
    }

    /// Sends one request and reads the whole reply, within the timeout and the body cap. A body
    /// goes as `application/json`.
    pub async fn send(&self, method: &str, url: &str, body: Option<&str>, accept: Option<&str>) -> Exchange {
        self.send_as(method, url, body.map(|b| (b, "application/json")), accept).await
    }

    /// As [`send`](Self::send), with the body's media type given.
    pub async fn send_as(&self, method: &str, url: &str, body: Option<(&str, &str)>, accept: Option<&str>) -> Exchange {
        let started = Instant::now();
        let mut not_run = self.gate.refusal(url);
        let outcome = match &not_run {
            Some(why) => Err(why.clone()),
            None => {
                let timed = tokio::time::timeout(self.options.timeout, self.exchange(method, url, body, accept));
                // A stop drops the request in flight.
                let outcome = tokio::select! {
                    result = timed => match result {
                        Ok(result) => result.map_err(|e| self.redactor.redact(&e)),
                        Err(_) => {
                            let why = format!(
                                "no complete response within the timeout of {} (the target hung or sent its body too slowly)",
                                human_duration(self.options.timeout)
                            );
                            self.gate.timed_out(url, &format!("{method} {}: {why}", self.redactor.redact(url)));
                            Err(why)
                        }
                    },
                    stop = self.gate.until_stopped() => {
                        not_run = Some(stop.reason());
                        Err(stop.reason())
                    }
                };
                match &outcome {
                    Ok(_) => self.gate.answered(url),
                    Err(e) if e.starts_with(CANNOT_CONNECT) => self.gate.unreachable(url, e),
                    Err(_) => {}
                }
                outcome
            }
        };
        Exchange {
            method: method.to_owned(),
            url: self.redactor.redact(url),
            request_body: body.map(|(b, _)| self.redactor.redact(b)),
            outcome,
            elapsed: started.elapsed(),
            not_run,
        }
    }

    async fn exchange(
        &self,
        method: &str,
        url: &str,
        body: Option<(&str, &str)>,
        accept: Option<&str>,
    ) -> Result<Reply, String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| format!("bad method {method}: {e}"))?;
        let mut request = self.http.request(method, url);
        // A header given by the user replaces the suite's own (one Accept, not two).
        let user_sets = |name: &str| self.options.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if let Some(accept) = accept.filter(|_| !user_sets("accept")) {
            request = request.header(reqwest::header::ACCEPT, accept);
        }
        let scoped: Vec<&(String, String, String)> =
            self.scoped.iter().filter(|(p, _, _)| url.starts_with(p.as_str())).collect();
        for (name, value) in &self.options.headers {
            if !scoped.iter().any(|(_, n, _)| n.eq_ignore_ascii_case(name)) {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        for (_, name, value) in scoped {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some((body, media_type)) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, media_type).body(body.to_owned());
        }
        let mut response = request.send().await.map_err(describe_reqwest_error)?;
        let status = response.status().as_u16();
        let redirected_to = (response.url().as_str() != url).then(|| response.url().to_string());
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if let Some(len) = response.content_length()
            && len > self.options.max_body_bytes as u64
        {
            return Err(format!(
                "HTTP {status}: the response announces a body of {len} bytes, over the cap of {} bytes",
                self.options.max_body_bytes
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("HTTP {status}: reading the body failed after {} bytes: {}", body.len(), chain(&e)))?
        {
            if body.len() + chunk.len() > self.options.max_body_bytes {
                return Err(format!(
                    "HTTP {status}: the response body exceeds the cap of {} bytes",
                    self.options.max_body_bytes
                ));
            }
            body.extend_from_slice(&chunk);
        }
        self.redactor.learn_tokens(&body);
        Ok(Reply { status, redirected_to, content_type, body })
    }
}

/// How a transport error that reached no server starts (refused, DNS, TLS): the target is down.
const CANNOT_CONNECT: &str = "cannot connect to the target";

fn describe_reqwest_error(e: reqwest::Error) -> String {
    let what = if e.is_redirect() {
        format!("the target redirected more than {MAX_REDIRECTS} times (a redirect loop?)")
    } else if e.is_connect() {
        CANNOT_CONNECT.to_owned()
    } else if e.is_timeout() {
        "the request timed out".to_owned()
    } else {
        "the exchange failed".to_owned()
    };
    format!("{what}: {}", chain(&e))
}

/// The error with its sources, since reqwest's top-level message alone rarely says why.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

pub fn human_duration(d: Duration) -> String {
    if d.as_millis() % 1000 == 0 { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}

impl Exchange {
    /// The reply, or the transport failure as a message that says what was requested.
    pub fn reply(&self) -> Result<&Reply, String> {
        self.outcome.as_ref().map_err(|e| format!("{} {}: {e}", self.method, self.url))
    }

    /// The body as text, with secrets replaced and cut to an excerpt.
    pub fn body_excerpt(&self, redactor: &Redactor) -> String {
        match &self.outcome {
            Ok(reply) => excerpt(&redactor.redact(&String::from_utf8_lossy(&reply.body))),
            Err(_) => String::new(),
        }
    }
}

fn excerpt(text: &str) -> String {
    if text.len() <= EXCERPT_BYTES {
        return text.to_owned();
    }
    let mut end = EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // Never cut a fingerprint in half: a reader compares them whole.
    if let Some(open) = text[..end].rfind('‹')
        && !text[open..end].contains('›')
        && let Some(close) = text[end..].find('›')
    {
        end += close + '›'.len_utf8();
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

impl Exchange {
    /// Request and response, for failure messages, with every secret the redactor knows replaced
    /// before the body is cut to an excerpt (a cut through a secret would leave part of it).
    pub fn describe(&self, redactor: &Redactor) -> String {
        let mut text = format!("request:  {} {}", self.method, self.url);
        if let Some(body) = &self.request_body {
            text.push_str(&format!(" with body {body}"));
        }
        match &self.outcome {
            Ok(reply) => {
                if let Some(to) = &reply.redirected_to {
                    text.push_str(&format!("\nredirected to {to}"));
                }
                text.push_str(&format!(
                    "\nresponse: HTTP {}, Content-Type: {}, {} bytes in {}",
                    reply.status,
                    reply.content_type.as_deref().unwrap_or("(none)"),
                    reply.body.len(),
                    human_duration(self.elapsed)
                ));
                if !reply.body.is_empty() {
                    text.push_str(&format!(
                        "\n          {}",
                        self.body_excerpt(redactor).replace('\n', "\n          ")
                    ));
                }
            }
            Err(e) => text.push_str(&format!("\nresponse: none: {e}")),
        }
        redactor.redact(&text)
    }
}

impl fmt::Display for Exchange {
    /// As [`Exchange::describe`] with only the secrets the URL and errors were redacted with.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&Redactor::new()))
    }
}
