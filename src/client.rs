//! One bounded exchange with a target. Whatever the target does (refuse, hang, drip bytes,
//! stream a gigabyte, redirect forever) the exchange ends within the timeout with a reason, and
//! holds at most [`MAX_BODY_BYTES`] of body. What was sent and what came back is recorded with
//! secrets already replaced, so that no later layer can leak them. A request the run's
//! [`Gate`] refuses (the run stopped, the target known to be down) is not sent, and one in flight
//! when the run stops is dropped: [`Exchange::not_run`] says why.

use crate::gate::{Gate, origin};
use crate::http::limit::{AdaptiveLimit, LimitSnapshot, Sample};
use crate::outcome::{NotRun, TransportError, TransportKind};
use crate::redact::Redactor;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// The most requests under way at once to one origin (from `--concurrency`): the ceiling of
    /// the adaptive limit each origin learns ([`crate::http::limit`]). What the suite holds in
    /// memory is this many bodies per origin at most. 1 is strictly serial.
    pub max_in_flight: usize,
    /// At most this many requests leave per period, across the whole run (`--rate-limit`).
    pub rate_limit: Option<RateLimit>,
    /// The longest a request waits, in all, for a target that pushes back (429, or 503 with
    /// `Retry-After`) before it fails saying so (`--max-retry-after`).
    pub max_retry_after: Duration,
    /// Times a request is sent again after a transport error (`--retries`): a reset, a connection
    /// refused after the target answered, a timeout. Never after an answer, whatever it says.
    pub retries: u32,
    /// A client certificate and its private key, PEM (`--client-cert`, `--client-key`).
    pub identity_pem: Option<Vec<u8>>,
}

/// `--rate-limit N/s` or `N/m`: at most `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

impl RateLimit {
    /// `15/s`, `600/m`, `2/min`, or a bare number of requests per second.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let (n, unit) = t.split_once('/').unwrap_or((t, "s"));
        let requests: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not a rate (give requests per second or minute, as 15/s or 600/m)"))?;
        if requests == 0 {
            return Err(format!("{text:?}: a rate must be above 0"));
        }
        let per = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            other => return Err(format!("{text:?}: unknown unit {other:?} (use /s or /m)")),
        };
        Ok(Self { requests, per })
    }

    pub fn per_second(&self) -> f64 {
        f64::from(self.requests) / self.per.as_secs_f64()
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.per == Duration::from_secs(60) { "m" } else { "s" };
        write!(f, "{}/{unit}", self.requests)
    }
}

/// The wait for a 429 that does not say how long (no `Retry-After`).
const DEFAULT_PUSHBACK_WAIT: Duration = Duration::from_secs(1);
/// A target that keeps answering `Retry-After: 0` is not asked forever.
const MAX_PUSHBACKS_PER_REQUEST: u32 = 10;
/// The first pause before a request is sent again after a transport error; it doubles.
const RETRY_BACKOFF: Duration = Duration::from_millis(200);

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
            retries: 0,
            identity_pem: None,
        }
    }
}

/// What the whole run shares to be polite to its targets: the rate limiter, the instant before
/// which no request leaves (a target asked for a pause), and what was sent.
struct Politeness {
    limiter: Option<governor::DefaultDirectRateLimiter>,
    not_before: Mutex<Option<tokio::time::Instant>>,
    traffic: Mutex<Traffic>,
    /// Origins that answered a request of this run: a refused connection to one of them is worth
    /// another try, to another it means the target is down.
    answered: Mutex<HashSet<String>>,
    /// How many requests may be under way at once to each origin, learned from its latencies,
    /// and the size of the bodies it answers with (the largest recent one, slowly forgotten, in bytes).
    limits: Mutex<std::collections::BTreeMap<String, (AdaptiveLimit, f64)>>,
    /// The ceiling of each origin's limit.
    ceiling: usize,
}

/// The bodies that requests in flight to one origin may hold, in all: an origin that answers
/// with megabytes (a date query on a large tenant) gets fewer requests at once than one that
/// answers with a kilobyte, so what the suite holds stays bounded by bytes, not by a count.
const BODY_BUDGET: f64 = 64.0 * 1024.0 * 1024.0;

impl fmt::Debug for Politeness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Politeness").field("traffic", &self.traffic).finish_non_exhaustive()
    }
}

/// What a run sent and how its targets pushed back.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// Requests that left the suite (each resend counted).
    pub sent: u64,
    /// When the first and the last request left.
    pub first: Option<Instant>,
    pub last: Option<Instant>,
    /// Answers 429 (or 503 with `Retry-After`) that made the run wait.
    pub pushbacks: u64,
    /// How long the whole run was paused for them (overlapping pauses counted once).
    pub paused: Duration,
    /// Requests sent again after a transport error, each with the error, redacted.
    pub retried: Vec<String>,
    pub rate_limit: Option<RateLimit>,
    /// Requests that timed out while others were in flight to their origin, and were asked again
    /// with nothing else in flight; and how many of those answered then.
    pub asked_alone: u64,
    pub answered_alone: u64,
}

impl Traffic {
    /// Requests per second between the first request that left and the last one.
    pub fn measured_rate(&self) -> Option<f64> {
        let span = self.last?.duration_since(self.first?).as_secs_f64();
        (self.sent > 1 && span > 0.0).then(|| (self.sent - 1) as f64 / span)
    }

    /// What the summary and every report must say about the run's traffic: nothing for a run
    /// without a rate limit, pushback or retry.
    pub fn notices(&self) -> Vec<String> {
        let mut notices = Vec::new();
        if let Some(limit) = self.rate_limit {
            let span = match (self.first, self.last) {
                (Some(a), Some(b)) => b.duration_since(a),
                _ => Duration::ZERO,
            };
            let rate = self.measured_rate().map_or("-".to_owned(), |r| format!("{r:.1}"));
            // A limit per minute is also said per second, to compare with the measured rate.
            let per_second = if limit.to_string().ends_with("/m") {
                format!(", {:.1} requests/s", limit.per_second())
            } else {
                String::new()
            };
            notices.push(format!(
                "rate: {} requests in {:.1}s, {rate} requests/s (--rate-limit {limit}{per_second})",
                self.sent,
                span.as_secs_f64(),
            ));
        }
        if self.pushbacks > 0 {
            notices.push(format!(
                "the target pushed back {} time(s) (HTTP 429, or 503 with Retry-After): the run waited {:.1}s in all \
                 and sent those requests again",
                self.pushbacks,
                self.paused.as_secs_f64()
            ));
        }
        if self.asked_alone > 0 {
            notices.push(format!(
                "{} request(s) got no answer within --timeout while others were in flight to the same target, and \
                 were asked again alone: {} answered then (the suite's load is never counted against the target)",
                self.asked_alone, self.answered_alone
            ));
        }
        if !self.retried.is_empty() {
            notices.push(format!(
                "{} request(s) sent again after a transport error (--retries): {}",
                self.retried.len(),
                self.retried.join("; ")
            ));
        }
        notices
    }
}

impl Politeness {
    fn new(rate_limit: Option<RateLimit>, ceiling: usize) -> Self {
        // One request per period, no burst: "N per second" holds over any second, not only on average.
        let limiter = rate_limit.and_then(|r| {
            let quota = governor::Quota::with_period(r.per / r.requests)?;
            Some(governor::RateLimiter::direct(quota.allow_burst(std::num::NonZeroU32::MIN)))
        });
        let traffic = Traffic { rate_limit, ..Traffic::default() };
        Self {
            limiter,
            not_before: Mutex::default(),
            traffic: Mutex::new(traffic),
            answered: Mutex::default(),
            limits: Mutex::default(),
            ceiling: ceiling.max(1),
        }
    }

    /// The adaptive limit of the origin of `url`.
    fn limit_of(&self, url: &str) -> AdaptiveLimit {
        lock(&self.limits).entry(origin(url)).or_insert_with(|| (AdaptiveLimit::new(self.ceiling), 0.0)).0.clone()
    }

    /// A body of `bytes` came from the origin of `url`: its ceiling follows the bodies' size.
    fn body_size(&self, url: &str, bytes: usize) {
        let mut limits = lock(&self.limits);
        let Some((limit, average)) = limits.get_mut(&origin(url)) else { return };
        let bytes = bytes.max(1024) as f64;
        // The largest recent body, slowly forgotten: small and megabyte answers come mixed (name
        // and date queries), and a mean would let many megabyte ones in at once.
        *average = bytes.max(0.9 * *average);
        let fits = (BODY_BUDGET / *average) as usize;
        limit.set_ceiling(fits.clamp(1, self.ceiling));
    }

    /// Waits until a request may leave (after any pause a target asked for, within the rate),
    /// and counts it as sent.
    async fn turn(&self) {
        loop {
            let until = *lock(&self.not_before);
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => {}
            }
            if let Some(limiter) = &self.limiter {
                limiter.until_ready().await;
            }
            // A pause asked for while this request waited for the rate holds it too.
            if lock(&self.not_before).is_none_or(|t| t <= tokio::time::Instant::now()) {
                break;
            }
        }
        let now = Instant::now();
        let mut traffic = lock(&self.traffic);
        traffic.sent += 1;
        traffic.first.get_or_insert(now);
        traffic.last = Some(now);
    }

    /// A target asked for a pause of `wait`: no request of the run leaves before it is over.
    fn push_back(&self, wait: Duration) {
        let now = tokio::time::Instant::now();
        let until = now + wait;
        let mut not_before = lock(&self.not_before);
        let added = match *not_before {
            Some(t) if t >= until => Duration::ZERO,
            Some(t) if t > now => until - t,
            _ => wait,
        };
        if not_before.is_none_or(|t| t < until) {
            *not_before = Some(until);
        }
        drop(not_before);
        let mut traffic = lock(&self.traffic);
        traffic.pushbacks += 1;
        traffic.paused += added;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The wait a `Retry-After` value asks for: seconds, or an HTTP date (none if it is past).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    Some((date.with_timezone(&chrono::Utc) - now).to_std().unwrap_or(Duration::ZERO))
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
    /// Whether what this client meets tells the gate a target is down (off for the canonical
    /// data check, which runs beside the scenarios: a target down is theirs to find and report).
    informs_gate: bool,
    /// Shared by every clone: the rate, the pauses targets ask for, what was sent.
    politeness: Arc<Politeness>,
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
    pub outcome: Result<Reply, TransportError>,
    pub elapsed: Duration,
    /// Why the request was not sent, or was dropped in flight (the run stopped, the target is
    /// down): not a failure of the target.
    pub not_run: Option<NotRun>,
    /// Each transport error after which the request was sent again (`--retries`), redacted: an
    /// answer that came only then makes its scenario flaky.
    pub retried: Vec<String>,
}

/// The system's CA certificates, read once per process (reading them is most of what building a
/// client costs: a directory of files). A machine without any (a slim container) gets none, and
/// still tests plain-HTTP targets and those of the given CAs rather than refusing to start.
fn system_roots() -> &'static [reqwest::Certificate] {
    static ROOTS: std::sync::OnceLock<Vec<reqwest::Certificate>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
            .collect()
    })
}

/// Starts reading the system's CA certificates on a thread of their own, so that a client built
/// later finds them read, or waits only for the rest.
pub fn warm_up() {
    std::thread::spawn(system_roots);
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
        let identity = options.identity_pem.as_deref().map(identity_from_pem).transpose()?;
        let builder = |redirects: usize| {
            let policy = if redirects == 0 {
                reqwest::redirect::Policy::none()
            } else {
                reqwest::redirect::Policy::limited(redirects)
            };
            let mut b = reqwest::Client::builder()
                .redirect(policy)
                .connect_timeout(options.timeout)
                .tls_danger_accept_invalid_certs(options.insecure);
            b = b.tls_certs_only(system_roots().iter().chain(&roots).cloned());
            if !options.proxies_from_env {
                b = b.no_proxy();
            }
            if let Some(identity) = &identity {
                b = b.identity(identity.clone());
            }
            b.build()
        };
        let build = |redirects| builder(redirects).map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)));
        let (http, http_no_redirect) = (build(MAX_REDIRECTS)?, build(0)?);
        let politeness = Arc::new(Politeness::new(options.rate_limit, options.max_in_flight));
        Ok(Self {
            http,
            http_no_redirect,
            options,
            redactor,
            scoped: Vec::new(),
            gate: Arc::default(),
            informs_gate: true,
            politeness,
        })
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

    /// This client, telling the gate nothing of what it meets (see `informs_gate`).
    pub fn without_gate_reports(&self) -> Self {
        let mut c = self.clone();
        c.informs_gate = false;
        c
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn timeout(&self) -> Duration {
        self.options.timeout
    }

    /// What the run sent so far, and how its targets pushed back (shared by every clone).
    pub fn traffic(&self) -> Traffic {
        lock(&self.politeness.traffic).clone()
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
        let mut retried = Vec::new();
        let not_sent = |why: &NotRun| Err(TransportError::new(TransportKind::Other, why.to_string()));
        let (outcome, elapsed) = match &not_run {
            Some(why) => (not_sent(why), Duration::ZERO),
            None => {
                // A stop drops the request, whether it waits for its turn or is under way.
                tokio::select! {
                    done = self.exchange_in_turn(method, url, body, accept) => match done {
                        Ok((outcome, elapsed, again)) => {
                            retried = again;
                            (outcome, elapsed)
                        }
                        Err(refused) => {
                            let outcome = not_sent(&refused);
                            not_run = Some(refused);
                            (outcome, Duration::ZERO)
                        }
                    },
                    stop = self.gate.until_stopped() => {
                        let why = stop.not_run();
                        let outcome = not_sent(&why);
                        not_run = Some(why);
                        (outcome, started.elapsed())
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
            retried,
        }
    }

    /// One exchange once a turn is free, run as a task of its own (dropped, it is aborted), with
    /// what the gate learns from it; the error redacted, and the transport errors it was sent
    /// again after. `Err` when the gate refuses the request once its turn comes (its target was
    /// found down meanwhile): it is not run.
    async fn exchange_in_turn(
        &self,
        method: &str,
        url: &str,
        body: Option<(&str, &str)>,
        accept: Option<&str>,
    ) -> Result<(Result<Reply, TransportError>, Duration, Vec<String>), NotRun> {
        if let Some(why) = self.gate.refusal(url) {
            return Err(why);
        }
        let this = self.clone();
        let (method_owned, url_owned) = (method.to_owned(), url.to_owned());
        let body_owned = body.map(|(b, t)| (b.to_owned(), t.to_owned()));
        let accept_owned = accept.map(str::to_owned);
        let task = tokio::spawn(async move {
            let body = body_owned.as_ref().map(|(b, t)| (b.as_str(), t.as_str()));
            this.politely(&method_owned, &url_owned, body, accept_owned.as_deref()).await
        });
        let _abort = AbortOnDrop(task.abort_handle());
        let (outcome, elapsed, retried) = match task.await {
            Ok(done) => done?,
            Err(e) => {
                let abandoned = TransportError::new(TransportKind::Other, format!("the exchange was abandoned: {e}"));
                return Ok((Err(abandoned), Duration::ZERO, Vec::new()));
            }
        };
        let outcome = outcome.map_err(|e| TransportError { text: self.redactor.redact(&e.text), ..e });
        if self.informs_gate {
            let at = || format!("{method} {}", self.redactor.redact(url));
            match &outcome {
                Ok(_) => self.gate.answered(url),
                Err(e) if e.kind == TransportKind::TimedOut => self.gate.timed_out(url, e, &at()),
                Err(e) if e.kind.cannot_connect() => self.gate.unreachable(url, e, &at()),
                Err(_) => {}
            }
        }
        Ok((outcome, elapsed, retried))
    }

    /// Sends until an answer that is not a push-back comes, or an error that is not worth another
    /// try: each attempt waits for its turn in the run's rate and pauses, and is timed alone (a
    /// pause a target asked for is not the target's slowness). Secrets in a body are learned after
    /// the clock stops.
    async fn politely(
        &self,
        method: &str,
        url: &str,
        body: Option<(&str, &str)>,
        accept: Option<&str>,
    ) -> Result<(Result<Reply, TransportError>, Duration, Vec<String>), NotRun> {
        let mut retried = Vec::new();
        let (mut attempts, mut pushbacks, mut waited) = (0u32, 0u32, Duration::ZERO);
        let mut last_error: Option<(TransportError, Duration)> = None;
        loop {
            let (outcome, elapsed) = match self.attempt(method, url, body, accept).await {
                Ok(done) => done,
                // Refused once its turn came: a request that already met an error is judged by
                // it; one never sent is not run.
                Err(why) => match last_error {
                    Some((e, elapsed)) => return Ok((Err(e), elapsed, retried)),
                    None => return Err(why),
                },
            };
            match outcome {
                Ok((reply, retry_after, _)) => {
                    self.redactor.learn_tokens(&reply.body);
                    lock(&self.politeness.answered).insert(origin(url));
                    let asked = match (reply.status, retry_after.as_deref()) {
                        (429 | 503, Some(value)) => {
                            Some(parse_retry_after(value, chrono::Utc::now()).unwrap_or(DEFAULT_PUSHBACK_WAIT))
                        }
                        (429, None) => Some(DEFAULT_PUSHBACK_WAIT),
                        _ => None,
                    };
                    let Some(wait) = asked else { return Ok((Ok(reply), elapsed, retried)) };
                    pushbacks += 1;
                    if waited + wait > self.options.max_retry_after || pushbacks > MAX_PUSHBACKS_PER_REQUEST {
                        let why = format!(
                            "the target pushed back (HTTP {} {} time(s) for this request, the last asking for a \
                             wait of {}s; the suite waited {}s already and gives up at --max-retry-after {}s): \
                             this is the target's rate limiting, not a failure of a documented rule (slow the \
                             run down with --rate-limit, or raise --max-retry-after)",
                            reply.status,
                            pushbacks,
                            wait.as_secs_f64().ceil(),
                            waited.as_secs_f64().ceil(),
                            self.options.max_retry_after.as_secs()
                        );
                        return Ok((Err(TransportError::new(TransportKind::PushedBack, why)), elapsed, retried));
                    }
                    waited += wait;
                    self.politeness.push_back(wait);
                }
                Err(e) => {
                    // A refused connection is worth another try only from a target that answered
                    // before: otherwise it is down.
                    let worth = e.kind.transient()
                        && (e.kind != TransportKind::Refused || lock(&self.politeness.answered).contains(&origin(url)));
                    if !worth || attempts >= self.options.retries {
                        return Ok((Err(e), elapsed, retried));
                    }
                    attempts += 1;
                    let note = self.redactor.redact(&format!("{method} {url} (attempt {attempts}): {}", e.text));
                    lock(&self.politeness.traffic).retried.push(note.clone());
                    retried.push(note);
                    last_error = Some((e, elapsed));
                    tokio::time::sleep(RETRY_BACKOFF * 2u32.saturating_pow(attempts - 1)).await;
                }
            }
        }
    }

    /// One attempt in its turn (the run's rate and pauses) and within its origin's limit, timed
    /// alone: waiting for a turn or a slot is the suite's own cost. A timeout among other
    /// requests to the same origin may be the suite's load queueing at the target, so such a
    /// request is asked again with nothing else in flight, and only a timeout then counts.
    async fn attempt(
        &self,
        method: &str,
        url: &str,
        body: Option<(&str, &str)>,
        accept: Option<&str>,
    ) -> Result<(Result<(Reply, Option<String>, Duration), TransportError>, Duration), NotRun> {
        let limit = self.politeness.limit_of(url);
        self.politeness.turn().await;
        let permit = limit.acquire().await;
        // The run may have stopped, or the target been found down, while this waited its turn.
        if let Some(why) = self.gate.refusal(url) {
            permit.done(Sample::Ignored);
            return Err(why);
        }
        let (outcome, elapsed) = self.timed(method, url, body, accept).await;
        let timed_out = matches!(&outcome, Err(e) if e.kind == TransportKind::TimedOut);
        if let Ok((reply, _, _)) = &outcome {
            self.politeness.body_size(url, reply.body.len());
        }
        if !timed_out {
            // Latency is judged by the answer's head: a large body takes longer to read without
            // any queue at the target.
            permit.done(match &outcome {
                Ok((_, _, first_byte)) => Sample::Answered(*first_byte),
                Err(_) => Sample::Ignored,
            });
            return Ok((outcome, elapsed));
        }
        let alone = permit.ran_alone();
        // Before waiting alone, which waits for every slot out.
        permit.done(Sample::TimedOut);
        // A target that has not answered a single request of the run is not queueing the suite's
        // load: it is down (the gate learns so from this timeout), and asking again would only
        // wait out another timeout per request.
        if alone || !lock(&self.politeness.answered).contains(&origin(url)) {
            return Ok((outcome, elapsed));
        }
        self.politeness.turn().await;
        let permit = limit.acquire_alone().await;
        // The run may have stopped, or the target been found down, while this waited its turn.
        if self.gate.refusal(url).is_some() {
            permit.done(Sample::Ignored);
            return Ok((outcome, elapsed));
        }
        lock(&self.politeness.traffic).asked_alone += 1;
        let (outcome, elapsed) = self.timed(method, url, body, accept).await;
        permit.done(match &outcome {
            Ok((_, _, first_byte)) => Sample::Answered(*first_byte),
            Err(e) if e.kind == TransportKind::TimedOut => Sample::TimedOut,
            Err(_) => Sample::Ignored,
        });
        if outcome.is_ok() {
            lock(&self.politeness.traffic).answered_alone += 1;
        }
        Ok((outcome, elapsed))
    }

    /// One exchange within `--timeout`, and how long it took.
    async fn timed(
        &self,
        method: &str,
        url: &str,
        body: Option<(&str, &str)>,
        accept: Option<&str>,
    ) -> (Result<(Reply, Option<String>, Duration), TransportError>, Duration) {
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.options.timeout, self.exchange(method, url, body, accept)).await;
        let elapsed = started.elapsed();
        let outcome = outcome.unwrap_or_else(|_| {
            Err(TransportError::new(
                TransportKind::TimedOut,
                format!(
                    "the target did not answer within --timeout ({}): no complete response (it hung, or sent \
                     its body too slowly)",
                    human_duration(self.options.timeout)
                ),
            ))
        });
        (outcome, elapsed)
    }

    /// What each origin's limit learned: the most requests it answered at once without queueing,
    /// its fastest answer, the limit now.
    pub fn capacity(&self) -> Vec<(String, LimitSnapshot)> {
        lock(&self.politeness.limits).iter().map(|(origin, (limit, _))| (origin.clone(), limit.snapshot())).collect()
    }

    async fn exchange(
        &self,
        method: &str,
        url: &str,
        body: Option<(&str, &str)>,
        accept: Option<&str>,
    ) -> Result<(Reply, Option<String>, Duration), TransportError> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| TransportError::new(TransportKind::Other, format!("bad method {method}: {e}")))?;
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
        let sent = Instant::now();
        let mut response = request.send().await.map_err(|e| {
            let mut error = transport_error(&e);
            // The alert of a refused client certificate can lose the race with the connection's
            // close: an HTTPS target that closes at once, when the run presents no certificate,
            // may be asking for one.
            if error.kind == TransportKind::Reset && url.starts_with("https:") && self.options.identity_pem.is_none() {
                error.text.push_str(
                    " (a target that requires a client certificate may close the connection this way: \
                     give --client-cert and --client-key)",
                );
            }
            error
        })?;
        // Until the answer's head: what a queue at the target delays, whatever the body's size.
        let first_byte = sent.elapsed();
        let status = response.status().as_u16();
        let redirected_to = (response.url().as_str() != url).then(|| response.url().to_string());
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let retry_after =
            response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if let Some(len) = response.content_length()
            && len > self.options.max_body_bytes as u64
        {
            return Err(TransportError::new(
                TransportKind::BodyOverCap,
                format!(
                    "HTTP {status}: the response announces a body of {len} bytes, over the cap of {} \
                     (raise it with --max-body-size, for example --max-body-size {})",
                    human_size(self.options.max_body_bytes),
                    human_size(suggested_cap(len as usize))
                ),
            ));
        }
        // Room for an announced body up front (within the cap), rather than doubling as it comes.
        let announced = response.content_length().unwrap_or(0).min(self.options.max_body_bytes as u64) as usize;
        let mut body = Vec::with_capacity(announced);
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            let kind = match transport_error(&e).kind {
                TransportKind::TimedOut => TransportKind::TimedOut,
                _ => TransportKind::Reset,
            };
            TransportError::new(
                kind,
                format!("HTTP {status}: reading the body failed after {} bytes: {}", body.len(), chain(&e)),
            )
        })? {
            if body.len() + chunk.len() > self.options.max_body_bytes {
                return Err(TransportError::new(
                    TransportKind::BodyOverCap,
                    format!(
                        "HTTP {status}: the response body exceeds the cap of {} (raise it with --max-body-size, \
                         for example --max-body-size {})",
                        human_size(self.options.max_body_bytes),
                        human_size(suggested_cap(self.options.max_body_bytes.saturating_mul(4)))
                    ),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((Reply { status, redirected_to, content_type, body }, retry_after, first_byte))
    }
}

/// Whether a client certificate and its key (PEM, the key first or last) make a usable identity:
/// both parse and the key is the certificate's. Checked before any request is sent.
pub fn check_identity(pem: &[u8]) -> Result<(), String> {
    let identity = identity_from_pem(pem)?;
    reqwest::Client::builder().tls_certs_only(Vec::new()).identity(identity).build().map(drop).map_err(|e| {
        let text = chain(&e);
        if text.to_lowercase().contains("inconsistent") || text.to_lowercase().contains("mismatch") {
            "the private key is not the key of the certificate (a wrong --client-key?)".to_owned()
        } else {
            format!("the certificate and key cannot be used ({text})")
        }
    })
}

/// A client certificate and its key, PEM, as the TLS stack takes them; the error says which
/// part is wrong and never shows the key.
fn identity_from_pem(pem: &[u8]) -> Result<reqwest::Identity, String> {
    reqwest::Identity::from_pem(pem)
        .map_err(|e| format!("--client-cert/--client-key: not a PEM certificate and private key ({})", chain(&e)))
}

/// What the transport saw, from reqwest's own classification and the error's sources (a TLS
/// error, an I/O error's kind, a connection hyper saw closed), with words for people.
fn transport_error(e: &reqwest::Error) -> TransportError {
    use std::io::ErrorKind as Io;
    let text = chain(e);
    let io_kind = source::<std::io::Error>(e).map(|io| io.kind());
    let closed = source::<hyper::Error>(e).is_some_and(|h| h.is_incomplete_message() || h.is_closed())
        || matches!(io_kind, Some(Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof));
    let tls = source::<tokio_rustls::rustls::Error>(e);
    let kind = if e.is_redirect() {
        TransportKind::TooManyRedirects
    } else if e.is_timeout() {
        TransportKind::TimedOut
    } else if tls.is_some() {
        TransportKind::Tls
    } else if e.is_connect() {
        TransportKind::Refused
    } else if closed || e.is_body() {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    let what = match kind {
        TransportKind::TooManyRedirects => {
            format!("the target redirected more than {MAX_REDIRECTS} times (a redirect loop?)")
        }
        TransportKind::TimedOut => "the request timed out".to_owned(),
        TransportKind::Tls => "cannot connect to the target: the TLS handshake failed".to_owned(),
        TransportKind::Refused => "cannot connect to the target".to_owned(),
        _ => "the exchange failed".to_owned(),
    };
    // TLS 1.3 refuses a missing or unknown client certificate only after the handshake, with an
    // alert that reads obscurely: say what it means.
    let refused_certificate = source::<tokio_rustls::rustls::Error>(e).is_some_and(|t| {
        use tokio_rustls::rustls::{AlertDescription as A, Error as T};
        matches!(t, T::AlertReceived(A::CertificateRequired | A::UnknownCA | A::BadCertificate))
    });
    if refused_certificate {
        return TransportError::new(
            TransportKind::Tls,
            format!(
                "{what}: the target refused the connection for want of an acceptable client certificate \
                 (give --client-cert and --client-key, signed by a CA the target trusts): {text}"
            ),
        );
    }
    TransportError::new(kind, format!("{what}: {text}"))
}

/// The first source of `e` (itself included) of type `T`, found through I/O errors' inner errors too.
fn source<'e, T: std::error::Error + 'static>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e T> {
    let mut next: Option<&'e (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
            && let Some(found) = inner.downcast_ref::<T>()
        {
            return Some(found);
        }
        next = err.source();
    }
    None
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
    if d.as_millis().is_multiple_of(1000) { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}

impl Exchange {
    /// The reply, or the transport failure with words that say what was requested.
    pub fn reply(&self) -> Result<&Reply, TransportError> {
        self.outcome
            .as_ref()
            .map_err(|e| TransportError::new(e.kind, format!("{} {}: {}", self.method, self.url, e.text)))
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
            Err(e) => text.push_str(&format!("\nresponse: none: {}", e.text)),
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
