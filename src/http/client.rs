//! The client the steps use: one per run, cloned freely, each clone sharing the run's gate,
//! politeness and traffic. A request goes in its turn, within its origin's limit, and is timed
//! alone; a timeout among others is asked again alone before it counts.

use super::error::chain;
use super::exchange::{Exchange, Reply, headers_sent, send_one};
use super::limit::Sample;
use super::options::{Ask, ClientOptions, MAX_REDIRECTS};
use super::origin::{DEFAULT_RESERVATION, Learned};
use super::politeness::{
    MAX_PUSHBACK_BACKOFF, MAX_PUSHBACKS_PER_REQUEST, PUSHBACK_BACKOFF, Politeness, RETRY_BACKOFF, RetryId, Traffic,
    backoff, parse_retry_after,
};
use super::shared::{self, Left, SharedAnswers};
use super::tls::client_config;
use super::units::human_duration;
use crate::gate::Gate;
use crate::outcome::{Down, TransportError, TransportKind, Withheld};
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
    /// Whether what this client meets tells an origin's record it is down (off for the canonical
    /// data check, which runs beside the scenarios: a target down is theirs to find and report).
    pub(super) reports_health: bool,
    /// Shared by every clone: the rate, the pauses targets ask for, what was sent.
    pub(super) politeness: Arc<Politeness>,
    /// Whether `http` follows redirects (what a shared answer must agree on).
    pub(super) follows_redirects: bool,
    /// Answers to identical reads, sent once (shared by every clone).
    pub(super) shared: Arc<SharedAnswers>,
}

impl Client {
    pub fn new(options: ClientOptions, redactor: Redactor) -> Result<Self, String> {
        for (_, value) in &options.headers {
            redactor.add_header_value(value);
        }
        let tls = client_config(&options.ca_certs, options.identity_pem.as_deref(), options.insecure)?;
        let build = |redirects: usize| {
            let policy = if redirects == 0 {
                reqwest::redirect::Policy::none()
            } else {
                reqwest::redirect::Policy::limited(redirects)
            };
            let mut b = reqwest::Client::builder()
                .redirect(policy)
                .connect_timeout(options.timeout)
                .tls_backend_preconfigured(tls.clone());
            if !options.proxies_from_env {
                b = b.no_proxy();
            }
            b.build().map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
        };
        let (http, http_no_redirect) = (build(MAX_REDIRECTS)?, build(0)?);
        let politeness = Arc::new(Politeness::new(options.rate_limit, options.max_in_flight, options.max_pushbacks));
        Ok(Self {
            http,
            http_no_redirect,
            options,
            redactor,
            scoped: Vec::new(),
            gate: Arc::default(),
            reports_health: true,
            politeness,
            follows_redirects: true,
            shared: Arc::default(),
        })
    }

    /// This client, following no redirect: a 3xx comes back as the reply.
    pub fn without_redirects(&self) -> Self {
        let mut c = self.clone();
        c.http = self.http_no_redirect.clone();
        c.follows_redirects = false;
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

    /// This client, telling no origin's record what it meets (see `reports_health`).
    pub fn without_health_reports(&self) -> Self {
        let mut c = self.clone();
        c.reports_health = false;
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
        self.politeness.snapshot()
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

    /// As [`send`](Self::send) without a body, for an answer of about `expected` bytes: the
    /// request waits until its origin's budget of answers has room for it (a list of thousands of
    /// accounts), so that what the run holds follows the data, not the number of requests.
    pub async fn send_expecting(&self, method: &str, url: &str, accept: Option<&str>, expected: usize) -> Exchange {
        self.send_ask(Ask { method, url, body: None, accept, expected: Some(expected) }).await
    }

    /// As [`send`](Self::send), with the body's media type given.
    ///
    /// The exchange runs as a task of its own, so that the suite's own work elsewhere (judging a
    /// large answer, say) never holds up reading this reply: the timeout measures the target.
    /// Secrets in the body are learned after the clock stops, for the same reason.
    pub async fn send_as(&self, method: &str, url: &str, body: Option<(&str, &str)>, accept: Option<&str>) -> Exchange {
        self.send_ask(Ask { method, url, body, accept, expected: None }).await
    }

    /// One request as asked: see [`send_as`](Self::send_as).
    async fn send_ask(&self, ask: Ask<'_>) -> Exchange {
        let Ask { method, url, body, .. } = ask;
        let started = Instant::now();
        let mut withheld = self.refusal(url);
        let mut retried = Vec::new();
        let mut shared = false;
        let not_sent = |why: &Withheld| Err(TransportError::new(TransportKind::Other, why.to_string()));
        let (outcome, elapsed) = match &withheld {
            Some(why) => (not_sent(why), Duration::ZERO),
            None => {
                // A stop drops the request, whether it waits for its turn or is under way.
                tokio::select! {
                    done = self.exchange_shared(ask) => match done {
                        Ok(((outcome, elapsed, again), took)) => {
                            (retried, shared) = (again, took);
                            (outcome, elapsed)
                        }
                        Err((refused, again)) => {
                            retried = again;
                            let outcome = not_sent(&refused);
                            withheld = Some(refused);
                            (outcome, Duration::ZERO)
                        }
                    },
                    stop = self.gate.until_stopped() => {
                        let why = Withheld::Stopped(stop.not_run());
                        let outcome = not_sent(&why);
                        withheld = Some(why);
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
            withheld,
            retried,
            shared,
        }
    }

    /// Why a request to `url` is not sent, if it is not: the run stopped, or the origin is down.
    fn refusal(&self, url: &str) -> Option<Withheld> {
        if let Some(stop) = self.gate.stopped() {
            return Some(Withheld::Stopped(stop.not_run()));
        }
        self.politeness.origins.of(url).down().map(Withheld::Down)
    }

    /// The origin of `url` is down with this cause, whatever it answered before: preparing the
    /// run (`preparing` says what) got no answer from it, so nothing that needs it can be judged.
    pub fn mark_down(&self, url: &str, error: &TransportError, request: &str, preparing: &str) {
        let redacted = TransportError { text: self.redactor.redact(&error.text), ..error.clone() };
        self.politeness.origins.of(url).mark_down(&redacted, &self.redactor.redact(request), preparing);
    }

    /// [`exchange_in_turn`](Self::exchange_in_turn), once for identical reads ([`shared`]): the
    /// first sends, the others take what it leaves them, or send their own; and whether this one
    /// took another's outcome. A first request dropped before its answer (its scenario cancelled)
    /// leaves the sending to the next.
    async fn exchange_shared(&self, ask: Ask<'_>) -> Result<(Sent, bool), (Withheld, Vec<RetryId>)> {
        let headers = headers_sent(&self.options, &self.scoped, ask.url, ask.accept);
        let request = (ask.body.is_some(), ask.expected);
        let Some(key) = shared::key(ask.method, ask.url, self.follows_redirects, request, headers) else {
            return Ok((self.exchange_in_turn(ask).await?, false));
        };
        let slot = self.shared.slot(&key);
        let mut mine = None;
        let left = slot
            .get_or_init(|| async {
                let done = self.exchange_in_turn(ask).await;
                let left = match &done {
                    Ok((outcome, elapsed, retried)) => self.shared.leave(&key, outcome, *elapsed, !retried.is_empty()),
                    Err(_) => self.shared.leave_nothing(&key),
                };
                mine = Some(done);
                left
            })
            .await;
        if let Some(done) = mine {
            return Ok((done?, false));
        }
        let (taken, elapsed) = match left {
            Left::Answer(answer) => (Ok(answer.reply.clone()), answer.elapsed),
            Left::Meanwhile(outcome, elapsed) => {
                // What the first request met tells this client's origin record too (the first
                // may have been the canonical data check, which reports nothing).
                if let Err(e) = outcome
                    && let Some(down) = self.down_after(ask, e)
                {
                    return Err((Withheld::Down(down), Vec::new()));
                }
                (outcome.clone(), *elapsed)
            }
            Left::Nothing => return Ok((self.exchange_in_turn(ask).await?, false)),
        };
        self.politeness.origins.of(ask.url).took_shared_answer();
        Ok(((taken, elapsed, Vec::new()), true))
    }

    /// One exchange once a turn is free, run as a task of its own (dropped, it is aborted), the
    /// error redacted, with the transport errors it was sent again after. `Err` when it is not
    /// judged on an answer of its own: the run stopped, or its origin is down (found so by this
    /// request or meanwhile), whose one cause it then carries.
    async fn exchange_in_turn(&self, ask: Ask<'_>) -> Result<Sent, (Withheld, Vec<RetryId>)> {
        let Ask { method, url, body, accept, expected } = ask;
        let this = self.clone();
        let (method_owned, url_owned) = (method.to_owned(), url.to_owned());
        let body_owned = body.map(|(b, t)| (b.to_owned(), t.to_owned()));
        let accept_owned = accept.map(str::to_owned);
        let task = tokio::spawn(async move {
            let body = body_owned.as_ref().map(|(b, t)| (b.as_str(), t.as_str()));
            let ask = Ask { method: &method_owned, url: &url_owned, body, accept: accept_owned.as_deref(), expected };
            this.politely(ask).await
        });
        let _abort = AbortOnDrop(task.abort_handle());
        let (outcome, elapsed, retried) = match task.await {
            Ok(done) => done?,
            Err(e) => {
                let abandoned = TransportError::new(TransportKind::Other, format!("the exchange was abandoned: {e}"));
                return Ok((Err(abandoned), Duration::ZERO, Vec::new()));
            }
        };
        // The origin is down: this request carries its one cause, as every other does.
        if let Err(e) = &outcome
            && let Some(down) = self.down_after(ask, e)
        {
            return Err((Withheld::Down(down), retried));
        }
        let outcome = outcome.map_err(|e| TransportError { text: self.redactor.redact(&e.text), ..e });
        Ok((outcome, elapsed, retried))
    }

    /// What a request that met `e` (its own, or the one it took from an identical request) tells
    /// its origin's record, and the origin's one cause when it is down (for a client that
    /// reports health). A push-back given up on was judged where the suite gave up (`politely`).
    fn down_after(&self, ask: Ask<'_>, e: &TransportError) -> Option<Down> {
        if e.kind != TransportKind::PushedBack {
            self.found_silent(ask, e);
        }
        self.reports_health.then(|| self.politeness.origins.of(ask.url).down()).flatten()
    }

    /// An error from an origin that never answered in this run may mean it is down (when this
    /// client reports health): its record learns so, with the error redacted.
    fn found_silent(&self, ask: Ask<'_>, e: &TransportError) {
        if !self.reports_health || !e.kind.downs_a_silent_origin() {
            return;
        }
        let request = format!("{} {}", ask.method, self.redactor.redact(ask.url));
        let redacted = TransportError { text: self.redactor.redact(&e.text), ..e.clone() };
        self.politeness.origins.of(ask.url).found_silent(&redacted, &request);
    }

    /// Sends until a usable answer comes, or an error that is not worth another try: a
    /// push-back (429, 503) slows the origin and is asked again after its pause or a backoff,
    /// within `--max-retry-after`, the request's and the run's budgets; a transport error is
    /// asked again per `--retries`. Each attempt is timed alone. Secrets in a body are learned
    /// after the clock stops.
    async fn politely(&self, ask: Ask<'_>) -> Result<Sent, (Withheld, Vec<RetryId>)> {
        let origin = self.politeness.origins.of(ask.url);
        let mut retried = Vec::new();
        let mut tries = Tries::default();
        let mut last_error: Option<(TransportError, Duration)> = None;
        loop {
            let (outcome, elapsed, sent_at) = match self.attempt(ask).await {
                Ok(done) => done,
                // Refused once its turn came: a request that already met an error is judged by
                // it; one never sent is withheld.
                Err(why) => match last_error {
                    Some((e, elapsed)) => return Ok((Err(e), elapsed, retried)),
                    None => return Err((why, retried)),
                },
            };
            let error = match outcome.map(|(reply, retry_after, _)| self.answer(reply, retry_after)) {
                Ok(Answer::Usable(reply)) => {
                    origin.answered();
                    self.politeness.traffic.locked().latency.record(ask.method, ask.url, elapsed);
                    return Ok((Ok(reply), elapsed, retried));
                }
                Ok(Answer::PushedBack { status, asked }) => {
                    let silent = !origin.answered_before() && origin.paced_pushbacks() >= SILENT_ORIGIN_PUSHBACKS;
                    match self.after_pushback(&mut tries, status, asked, (origin.answered_before(), silent)) {
                        Ok(wait) => {
                            // A pause the origin asked for (within --max-retry-after) holds its
                            // every request (the turn); a backoff holds this one.
                            origin.pushed_back(sent_at, asked);
                            if asked.is_none() {
                                tokio::time::sleep(wait).await;
                            }
                            continue;
                        }
                        Err(e) => {
                            // Given up: a pause too long for this request holds no other.
                            if asked.is_none() {
                                origin.pushed_back(sent_at, None);
                            }
                            // A pause refused before this request waited any speaks for its
                            // route only (one API's route may ask for a day while the other
                            // answers): it never makes the origin down.
                            if asked.is_none() || tries.waited > Duration::ZERO {
                                self.found_silent(ask, &e);
                            }
                            return Ok((Err(e), elapsed, retried));
                        }
                    }
                }
                Ok(Answer::Gateway(e)) | Err(e) => e,
            };
            // A reset from an origin that answered before is push-back too.
            if error.kind == TransportKind::Reset && origin.answered_before() {
                origin.pushed_back(sent_at, None);
            }
            // An error that would mean a silent origin is down is worth another try from an origin
            // that answered before, or when the run was told to ride errors out (--retries: a
            // target started just before the run).
            let worth = error.kind.transient()
                && (!error.kind.downs_a_silent_origin() || origin.answered_before() || self.options.retries > 0);
            if !worth || tries.errors >= self.options.retries {
                return Ok((Err(error), elapsed, retried));
            }
            tries.errors += 1;
            let note =
                self.redactor.redact(&format!("{} {} (attempt {}): {}", ask.method, ask.url, tries.errors, error.text));
            retried.push(self.politeness.retried(error.kind, note));
            last_error = Some((error, elapsed));
            tokio::time::sleep(backoff(RETRY_BACKOFF, tries.errors, Duration::from_secs(30))).await;
        }
    }

    /// A reply, as `politely` takes it: usable, a push-back (429; 503, which gateways and rate
    /// limiters answer when overloaded), or a gateway's 502/504 (or a CDN's 520-527) with nothing
    /// behind it.
    /// Every `token` the body holds is learned first, whatever the status.
    fn answer(&self, reply: Reply, retry_after: Option<String>) -> Answer {
        self.redactor.learn_tokens(&reply.body);
        match reply.status {
            429 | 503 => {
                let asked = retry_after.and_then(|v| parse_retry_after(&v, chrono::Utc::now()));
                Answer::PushedBack { status: reply.status, asked }
            }
            // 502 and 504, and the codes a CDN answers for its origin (Cloudflare's 520 to 527:
            // unknown error, down, connection timed out, unreachable, timeout, TLS).
            502 | 504 | 520..=527 => Answer::Gateway(TransportError::new(
                TransportKind::Gateway,
                format!(
                    "HTTP {}: a gateway in front of the target got no answer from the implementation behind it \
                     (nothing of the contract was seen)",
                    reply.status
                ),
            )),
            _ => Answer::Usable(reply),
        }
    }

    /// How long to wait before a pushed-back request is sent again, or why it is not.
    fn after_pushback(
        &self,
        tries: &mut Tries,
        status: u16,
        asked: Option<Duration>,
        (answered_before, silent): (bool, bool),
    ) -> Result<Duration, TransportError> {
        tries.pushbacks += 1;
        let wait = asked.unwrap_or_else(|| backoff(PUSHBACK_BACKOFF, tries.pushbacks, MAX_PUSHBACK_BACKOFF));
        let why = if tries.waited + wait > self.options.max_retry_after {
            format!(
                "waiting {}s more would pass --max-retry-after {}s (it waited {}s already)",
                wait.as_secs_f64().ceil(),
                self.options.max_retry_after.as_secs(),
                tries.waited.as_secs_f64().ceil()
            )
        } else if tries.pushbacks > MAX_PUSHBACKS_PER_REQUEST {
            format!("the suite gives up after {MAX_PUSHBACKS_PER_REQUEST} push-backs of one request")
        } else if !answered_before && asked.is_none() && (tries.pushbacks > SILENT_PUSHBACKS || silent) {
            // A target that never gave a usable answer and refuses whatever the pace (a gateway
            // with nothing healthy behind it) is down, not slow.
            format!("it never gave a usable answer in this run, after {SILENT_PUSHBACKS} push-backs of one request")
        } else if !self.politeness.spend_pushback(self.options.max_pushbacks) {
            format!("the run's budget of push-back retries is spent (--max-pushbacks {})", self.options.max_pushbacks)
        } else {
            tries.waited += wait;
            return Ok(wait);
        };
        Err(TransportError::new(
            TransportKind::PushedBack,
            format!(
                "the target pushed back (HTTP {status}, {} time(s) for this request) and the suite gave up: {why}; \
                 nothing was judged (a rate limit: slow the run with --rate-limit, or raise --max-retry-after)",
                tries.pushbacks
            ),
        ))
    }

    /// One attempt within its origin's limit and in its turn (the origin's pace and pauses, the
    /// run's rate), timed alone: waiting for a slot or a turn is the suite's own cost. A timeout
    /// among other requests to the same origin may be the suite's load queueing at the target,
    /// so such a request is asked again with nothing else in flight, and only a timeout then
    /// counts. Also when it left.
    async fn attempt(&self, ask: Ask<'_>) -> Result<(Attempted, Duration, tokio::time::Instant), Withheld> {
        let url = ask.url;
        let origin = self.politeness.origins.of(url);
        let mut reserved = Some(origin.reserve(ask.expected.unwrap_or(DEFAULT_RESERVATION)).await);
        let permit = origin.limit.acquire().await;
        let sent_at = origin.turn().await;
        self.politeness.turn().await;
        // The run may have stopped, or the target been found down, while this waited its turn.
        if let Some(why) = self.refusal(url) {
            permit.done(Sample::Ignored);
            return Err(why);
        }
        self.politeness.sent();
        let (mut outcome, elapsed) = self.timed(ask).await;
        let timed_out = matches!(&outcome, Err(e) if e.kind == TransportKind::TimedOut);
        if let (Ok((reply, _, _)), Some(reserved)) = (&mut outcome, reserved.take()) {
            origin.body_size(reply.body.len());
            reply.held = Some(std::sync::Arc::new(origin.hold(reserved, reply.body.len())));
        }
        // No answer: its reservation goes before any request is asked again.
        drop(reserved);
        // A target that has not answered a single request of the run, and now timed out or cannot
        // be reached, is down: its record learns so before the slot is freed, so that no request
        // waiting for the slot is sent (one wave of requests reaches a dead target, not two).
        // Only asked of such an error: an answer, the common case, takes no lock here.
        // With --retries, the request is asked again first, and the origin judged after.
        let never_answered = match &outcome {
            Err(e) if e.kind.downs_a_silent_origin() => !origin.answered_before(),
            _ => false,
        };
        if never_answered
            && self.options.retries == 0
            && let Err(e) = &outcome
        {
            self.found_silent(ask, e);
        }
        if !timed_out {
            // Latency is judged by the answer's head: a large body takes longer to read without
            // any queue at the target.
            permit.done(match &outcome {
                Ok((_, _, first_byte)) => Sample::Answered(*first_byte),
                Err(_) => Sample::Ignored,
            });
            return Ok((outcome, elapsed, sent_at));
        }
        let alone = permit.ran_alone();
        // Before waiting alone, which waits for every slot out.
        permit.done(Sample::TimedOut);
        // A target that has not answered is not queueing the suite's load: asking again would
        // only wait out another timeout per request.
        if alone || never_answered {
            return Ok((outcome, elapsed, sent_at));
        }
        // A timeout among others: the origin's load, so its pace is cut as for a push-back.
        origin.pushed_back(sent_at, None);
        // Room for its answer first: holding the origin alone while it waits would hold all.
        let reserved = origin.reserve(ask.expected.unwrap_or(DEFAULT_RESERVATION)).await;
        let permit = origin.limit.acquire_alone().await;
        let sent_at = origin.turn().await;
        self.politeness.turn().await;
        // The run may have stopped, or the target been found down, while this waited its turn.
        if self.refusal(url).is_some() {
            permit.done(Sample::Ignored);
            return Ok((outcome, elapsed, sent_at));
        }
        self.politeness.sent();
        self.politeness.traffic.locked().asked_alone += 1;
        let (mut outcome, elapsed) = self.timed(ask).await;
        if let Ok((reply, _, _)) = &mut outcome {
            reply.held = Some(std::sync::Arc::new(origin.hold(reserved, reply.body.len())));
        }
        permit.done(match &outcome {
            Ok((_, _, first_byte)) => Sample::Answered(*first_byte),
            Err(e) if e.kind == TransportKind::TimedOut => Sample::TimedOut,
            Err(_) => Sample::Ignored,
        });
        if outcome.is_ok() {
            self.politeness.traffic.locked().answered_alone += 1;
        }
        Ok((outcome, elapsed, sent_at))
    }

    /// One exchange within `--timeout`, and how long it took.
    async fn timed(&self, ask: Ask<'_>) -> (Attempted, Duration) {
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

    /// What each origin's controller learned: the most requests it answered at once without
    /// queueing, its fastest answer, the limit now, its pace.
    pub fn capacity(&self) -> Vec<Learned> {
        self.politeness.origins.learned()
    }
}

/// Push-backs without `Retry-After` one request of a target that never gave a usable answer
/// takes before the target counts as down (with 0.25 + 0.5 + 1 s of backoff between them).
const SILENT_PUSHBACKS: u32 = 3;

/// Push-backs without `Retry-After` in all from a target that never gave a usable answer, of
/// requests sent after its first (the first wave, refused at once, is not counted: a gateway
/// refuses the excess of it before what it lets through is answered), past which it counts as
/// down whatever each request has met: its requests take turns at the slowest pace, so one of
/// them would meet [`SILENT_PUSHBACKS`] only after the others' turns.
const SILENT_ORIGIN_PUSHBACKS: u64 = 32;

/// An exchange's outcome, how long it took, and the requests it sent again.
type Sent = (Result<Reply, TransportError>, Duration, Vec<RetryId>);

/// One attempt's reply with its `Retry-After` and the time to its head, or the transport error.
type Attempted = Result<(Reply, Option<String>, Duration), TransportError>;

/// What one request has spent so far.
#[derive(Default)]
struct Tries {
    /// Sent again after a transport error (`--retries`).
    errors: u32,
    pushbacks: u32,
    /// Waited for push-backs, in all.
    waited: Duration,
}

/// A reply as `politely` takes it.
enum Answer {
    Usable(Reply),
    PushedBack { status: u16, asked: Option<Duration> },
    Gateway(TransportError),
}

/// Aborts a spawned exchange when the future waiting for it is dropped (a stop, a cancelled scenario).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
