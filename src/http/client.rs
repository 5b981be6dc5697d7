//! The client the steps use: one per run, cloned freely, each clone sharing the run's gate,
//! politeness and traffic. A request goes in its turn, within its origin's limit, and is timed
//! alone; a timeout among others is asked again alone before it counts.

use super::error::chain;
use super::exchange::{Exchange, Reply, send_one};
use super::limit::{LimitSnapshot, Sample};
use super::options::{Ask, ClientOptions, MAX_REDIRECTS};
use super::politeness::{
    DEFAULT_PUSHBACK_WAIT, MAX_PUSHBACKS_PER_REQUEST, Politeness, RETRY_BACKOFF, RetryId, Traffic, parse_retry_after,
};
use super::tls::{identity_from_pem, install_crypto_provider, system_roots};
use super::units::human_duration;
use crate::gate::Gate;
use crate::outcome::{NotRun, TransportError, TransportKind};
use crate::redact::Redactor;
use crate::sync::Locked;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An HTTP client for one run; cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    pub(super) http: reqwest::Client,
    /// The same client, following no redirect: a login or a provider state must not carry its
    /// body (a password, a data set) to wherever a redirect points.
    pub(super) http_no_redirect: reqwest::Client,
    pub(super) options: ClientOptions,
    pub(super) redactor: Redactor,
    /// Headers sent only to URLs under a prefix, replacing a same-named header of `options`: the
    /// UEM `Authorization` obtained by logging in goes to the UEM target and nowhere else.
    pub(super) scoped: Vec<(String, String, String)>,
    /// Whether a request may still go out: the run not stopped, its target not known to be down.
    pub(super) gate: Arc<Gate>,
    /// Whether what this client meets tells the gate a target is down (off for the canonical
    /// data check, which runs beside the scenarios: a target down is theirs to find and report).
    pub(super) informs_gate: bool,
    /// Shared by every clone: the rate, the pauses targets ask for, what was sent.
    pub(super) politeness: Arc<Politeness>,
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
        install_crypto_provider();
        let build = |redirects: usize| {
            let policy = if redirects == 0 {
                reqwest::redirect::Policy::none()
            } else {
                reqwest::redirect::Policy::limited(redirects)
            };
            let mut b = reqwest::Client::builder()
                .redirect(policy)
                .connect_timeout(options.timeout)
                .tls_danger_accept_invalid_certs(options.insecure)
                .tls_certs_only(system_roots().iter().chain(&roots).cloned());
            if !options.proxies_from_env {
                b = b.no_proxy();
            }
            if let Some(identity) = &identity {
                b = b.identity(identity.clone());
            }
            b.build().map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
        };
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
        self.politeness.traffic.locked().clone()
    }

    /// Credits the requests `exchange` sent again (`--retries`) to `scenario`, whose step has the
    /// exchange: a scenario that passes with any is flaky.
    pub fn credit_retries(&self, scenario: &str, exchange: &Exchange) {
        if !exchange.retried.is_empty() {
            self.politeness.credit(&exchange.retried, scenario);
        }
    }

    /// The requests sent again for `scenario` so far, each with the error it was sent again after.
    pub fn retried_for(&self, scenario: &str) -> Vec<String> {
        self.politeness.retried_for(scenario)
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
                    done = self.exchange_in_turn(Ask { method, url, body, accept }) => match done {
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
        ask: Ask<'_>,
    ) -> Result<(Result<Reply, TransportError>, Duration, Vec<RetryId>), NotRun> {
        let Ask { method, url, body, accept } = ask;
        if let Some(why) = self.gate.refusal(url) {
            return Err(why);
        }
        let this = self.clone();
        let (method_owned, url_owned) = (method.to_owned(), url.to_owned());
        let body_owned = body.map(|(b, t)| (b.to_owned(), t.to_owned()));
        let accept_owned = accept.map(str::to_owned);
        let task = tokio::spawn(async move {
            let body = body_owned.as_ref().map(|(b, t)| (b.as_str(), t.as_str()));
            this.politely(Ask { method: &method_owned, url: &url_owned, body, accept: accept_owned.as_deref() }).await
        });
        let _abort = AbortOnDrop(task.abort_handle());
        let (outcome, elapsed, retried) = match task.await {
            Ok(done) => done?,
            Err(e) => {
                let abandoned = TransportError::new(TransportKind::Other, format!("the exchange was abandoned: {e}"));
                return Ok((Err(abandoned), Duration::ZERO, Vec::new()));
            }
        };
        self.tell_gate(ask, outcome.as_ref().map(drop));
        let outcome = outcome.map_err(|e| TransportError { text: self.redactor.redact(&e.text), ..e });
        Ok((outcome, elapsed, retried))
    }

    /// What the gate learns from an exchange's ending (when this client informs it): an answer, a
    /// timeout, or no connection. The error is redacted here, as everything the gate keeps.
    fn tell_gate(&self, ask: Ask<'_>, outcome: Result<(), &TransportError>) {
        if !self.informs_gate {
            return;
        }
        let Ask { method, url, .. } = ask;
        let at = || format!("{method} {}", self.redactor.redact(url));
        let redacted = |e: &TransportError| TransportError { text: self.redactor.redact(&e.text), ..e.clone() };
        match outcome {
            Ok(()) => self.gate.answered(url),
            Err(e) if e.kind == TransportKind::TimedOut => self.gate.timed_out(url, &redacted(e), &at()),
            Err(e) if e.kind.cannot_connect() => self.gate.unreachable(url, &redacted(e), &at()),
            Err(_) => {}
        }
    }

    /// Sends until an answer that is not a push-back comes, or an error that is not worth another
    /// try: each attempt waits for its turn in the run's rate and pauses, and is timed alone (a
    /// pause a target asked for is not the target's slowness). Secrets in a body are learned after
    /// the clock stops.
    async fn politely(&self, ask: Ask<'_>) -> Result<(Result<Reply, TransportError>, Duration, Vec<RetryId>), NotRun> {
        let Ask { method, url, .. } = ask;
        let mut retried = Vec::new();
        let (mut attempts, mut pushbacks, mut waited) = (0u32, 0u32, Duration::ZERO);
        let mut last_error: Option<(TransportError, Duration)> = None;
        loop {
            let (outcome, elapsed) = match self.attempt(ask).await {
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
                    self.politeness.mark_answered(url);
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
                        && (e.kind != TransportKind::Refused || self.politeness.answered_before(url));
                    if !worth || attempts >= self.options.retries {
                        return Ok((Err(e), elapsed, retried));
                    }
                    attempts += 1;
                    let note = self.redactor.redact(&format!("{method} {url} (attempt {attempts}): {}", e.text));
                    retried.push(self.politeness.retried(note));
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
        ask: Ask<'_>,
    ) -> Result<(Result<(Reply, Option<String>, Duration), TransportError>, Duration), NotRun> {
        let url = ask.url;
        let limit = self.politeness.limit_of(url);
        self.politeness.turn().await;
        let permit = limit.acquire().await;
        // The run may have stopped, or the target been found down, while this waited its turn.
        if let Some(why) = self.gate.refusal(url) {
            permit.done(Sample::Ignored);
            return Err(why);
        }
        let (outcome, elapsed) = self.timed(ask).await;
        let timed_out = matches!(&outcome, Err(e) if e.kind == TransportKind::TimedOut);
        if let Ok((reply, _, _)) = &outcome {
            self.politeness.body_size(url, reply.body.len());
        }
        // A target that has not answered a single request of the run, and now timed out or cannot
        // be reached, is down: the gate learns so before the slot is freed, so that no request
        // waiting for the slot is sent (one wave of requests reaches a dead target, not two).
        // Only asked of such an error: an answer, the common case, takes no lock here.
        let never_answered = match &outcome {
            Err(e) if timed_out || e.kind.cannot_connect() => !self.politeness.answered_before(url),
            _ => false,
        };
        if never_answered && let Err(e) = &outcome {
            self.tell_gate(ask, Err(e));
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
        // A target that has not answered is not queueing the suite's load: asking again would
        // only wait out another timeout per request.
        if alone || never_answered {
            return Ok((outcome, elapsed));
        }
        self.politeness.turn().await;
        let permit = limit.acquire_alone().await;
        // The run may have stopped, or the target been found down, while this waited its turn.
        if self.gate.refusal(url).is_some() {
            permit.done(Sample::Ignored);
            return Ok((outcome, elapsed));
        }
        self.politeness.traffic.locked().asked_alone += 1;
        let (outcome, elapsed) = self.timed(ask).await;
        permit.done(match &outcome {
            Ok((_, _, first_byte)) => Sample::Answered(*first_byte),
            Err(e) if e.kind == TransportKind::TimedOut => Sample::TimedOut,
            Err(_) => Sample::Ignored,
        });
        if outcome.is_ok() {
            self.politeness.traffic.locked().answered_alone += 1;
        }
        Ok((outcome, elapsed))
    }

    /// One exchange within `--timeout`, and how long it took.
    async fn timed(&self, ask: Ask<'_>) -> (Result<(Reply, Option<String>, Duration), TransportError>, Duration) {
        let started = Instant::now();
        let outcome =
            tokio::time::timeout(self.options.timeout, send_one(&self.http, &self.options, &self.scoped, ask)).await;
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
        self.politeness.limits.locked().iter().map(|(origin, (limit, _))| (origin.clone(), limit.snapshot())).collect()
    }
}

/// Aborts a spawned exchange when the future waiting for it is dropped (a stop, a cancelled scenario).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
