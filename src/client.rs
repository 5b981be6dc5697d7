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
use tokio::sync::Semaphore;

/// Documented responses are a few kilobytes; 4 MiB holds a list of about 15 000 accounts while
/// keeping a hostile target from exhausting memory. `--max-body-size` raises it for a larger tenant.
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
    /// Requests under way at once, across the whole run (`--concurrency`): what the suite holds
    /// in memory is this many bodies at most, and the target is not flooded.
    pub max_in_flight: usize,
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
    /// Shared by every clone: one permit per request under way.
    in_flight: Arc<Semaphore>,
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
        let in_flight = Arc::new(Semaphore::new(options.max_in_flight.max(1)));
        Ok(Self { http, http_no_redirect, options, redactor, scoped: Vec::new(), in_flight, gate: Arc::default() })
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
    ///
    /// The exchange runs as a task of its own, so that the suite's own work elsewhere (judging a
    /// large answer, say) never holds up reading this reply: the timeout measures the target.
    /// Secrets in the body are learned after the clock stops, for the same reason.
    pub async fn send_as(&self, method: &str, url: &str, body: Option<(&str, &str)>, accept: Option<&str>) -> Exchange {
        let started = Instant::now();
        let mut not_run = self.gate.refusal(url);
        let (outcome, elapsed) = match not_run.clone() {
            Some(why) => (Err(why), Duration::ZERO),
            None => {
                // A stop drops the request, whether it waits for its turn or is under way.
                tokio::select! {
                    done = self.exchange_in_turn(method, url, body, accept) => match done {
                        Ok(done) => done,
                        Err(refused) => {
                            not_run = Some(refused.clone());
                            (Err(refused), Duration::ZERO)
                        }
                    },
                    stop = self.gate.until_stopped() => {
                        not_run = Some(stop.reason());
                        (Err(stop.reason()), started.elapsed())
                    }
                }
            }
        };
        Exchange {
            method: method.to_owned(),
            url: self.redactor.redact(url),
            request_body: body.map(|(b, _)| self.redactor.redact(b)),
            outcome,
            elapsed,
            not_run,
        }
    }

    /// One exchange once a turn is free, run as a task of its own (dropped, it is aborted), with
    /// what the gate learns from it; the error redacted. `Err` when the gate refuses the request
    /// once its turn comes (its target was found down meanwhile): it is not run.
    async fn exchange_in_turn(
        &self,
        method: &str,
        url: &str,
        body: Option<(&str, &str)>,
        accept: Option<&str>,
    ) -> Result<(Result<Reply, String>, Duration), String> {
        // Waiting for a turn is the suite's own cost: the clock starts once the request may go.
        let permit = self.in_flight.clone().acquire_owned().await.ok();
        if let Some(why) = self.gate.refusal(url) {
            return Err(why);
        }
        let this = self.clone();
        let (method_owned, url_owned) = (method.to_owned(), url.to_owned());
        let body_owned = body.map(|(b, t)| (b.to_owned(), t.to_owned()));
        let accept_owned = accept.map(str::to_owned);
        let task = tokio::spawn(async move {
            let _permit = permit;
            let started = Instant::now();
            let body = body_owned.as_ref().map(|(b, t)| (b.as_str(), t.as_str()));
            let exchange = this.exchange(&method_owned, &url_owned, body, accept_owned.as_deref());
            let outcome = tokio::time::timeout(this.options.timeout, exchange).await;
            let elapsed = started.elapsed();
            if let Ok(Ok(reply)) = &outcome {
                this.redactor.learn_tokens(&reply.body);
            }
            (outcome, elapsed)
        });
        let _abort = AbortOnDrop(task.abort_handle());
        let (outcome, elapsed) = match task.await {
            Ok(done) => done,
            Err(e) => return Ok((Err(format!("the exchange was abandoned: {e}")), Duration::ZERO)),
        };
        let outcome = match outcome {
            Ok(result) => result.map_err(|e| self.redactor.redact(&e)),
            Err(_) => {
                let why = format!(
                    "no complete response within the timeout of {} (the target hung or sent its body too slowly)",
                    human_duration(self.options.timeout)
                );
                self.gate.timed_out(url, &format!("{method} {}: {why}", self.redactor.redact(url)));
                Err(why)
            }
        };
        match &outcome {
            Ok(_) => self.gate.answered(url),
            Err(e) if e.starts_with(CANNOT_CONNECT) => self.gate.unreachable(url, e),
            Err(_) => {}
        }
        Ok((outcome, elapsed))
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
                "HTTP {status}: the response announces a body of {len} bytes, over the cap of {} \
                 (raise it with --max-body-size, for example --max-body-size {})",
                human_size(self.options.max_body_bytes),
                human_size(suggested_cap(len as usize))
            ));
        }
        // Room for an announced body up front (within the cap), rather than doubling as it comes.
        let announced = response.content_length().unwrap_or(0).min(self.options.max_body_bytes as u64) as usize;
        let mut body = Vec::with_capacity(announced);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("HTTP {status}: reading the body failed after {} bytes: {}", body.len(), chain(&e)))?
        {
            if body.len() + chunk.len() > self.options.max_body_bytes {
                return Err(format!(
                    "HTTP {status}: the response body exceeds the cap of {} (raise it with --max-body-size, \
                     for example --max-body-size {})",
                    human_size(self.options.max_body_bytes),
                    human_size(suggested_cap(self.options.max_body_bytes.saturating_mul(4)))
                ));
            }
            body.extend_from_slice(&chunk);
        }
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

/// Aborts a spawned exchange when the future waiting for it is dropped (a stop, a cancelled scenario).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A size as `--max-body-size` takes it: `4MiB`, `512KiB`, or bytes.
pub fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{}MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{}KiB", bytes / 1024)
    } else {
        format!("{bytes}")
    }
}

/// A cap that holds `bytes`, rounded up to a whole number of MiB with room to grow.
fn suggested_cap(bytes: usize) -> usize {
    const MIB: usize = 1024 * 1024;
    (bytes.saturating_mul(2) / MIB + 1).max(8).next_power_of_two() * MIB
}

/// Parses a `--max-body-size` value: a number of bytes, or with a unit (`KB`/`KiB`, `MB`/`MiB`,
/// `GB`/`GiB`; the decimal units are taken as their binary neighbours, as people mean them).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let number: usize = digits.parse().map_err(|_| format!("{text:?} is not a size (for example 64MiB)"))?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("{text:?}: unknown unit {other:?} (use KiB, MiB or GiB)")),
    };
    match number.checked_mul(factor) {
        Some(0) => Err(format!("{text:?}: a body cap must be above 0")),
        Some(n) if n <= 1 << 32 => Ok(n),
        _ => Err(format!("{text:?}: at most 4GiB")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_units_and_refuse_nonsense() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64mb"), Ok(64 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        for bad in ["", "MiB", "0", "12 parsecs", "-1MiB", "5GiB"] {
            assert!(parse_size(bad).is_err(), "{bad:?} was taken");
        }
        assert_eq!(human_size(MAX_BODY_BYTES), "4MiB");
        assert_eq!(parse_size(&human_size(MAX_BODY_BYTES)), Ok(MAX_BODY_BYTES));
    }

    #[test]
    fn the_suggested_cap_holds_what_was_announced() {
        for len in [5 << 20, 13 << 20, 100 << 20] {
            assert!(suggested_cap(len) >= len, "{len}");
        }
    }
}
