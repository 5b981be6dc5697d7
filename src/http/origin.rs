//! One controller per origin (`scheme://host:port`: the Apple and the UEM targets may be
//! different hosts, and one being down says nothing of the other). It is the one record of
//! whether the origin answered or is down (and why), and it owns both how many requests the
//! origin takes at once ([`AdaptiveLimit`]) and how fast they leave ([`Pace`]), so that one
//! push-back cuts once, and the size of the bodies it answers with.
//!
//! An origin is down when it has not given one usable answer in the run and a request to it is
//! refused, fails its TLS handshake, stays silent past `--timeout` or meets a gateway with
//! nothing behind it (502, 504); or when the run's preparation got no answer from it. An origin
//! that answered before is never declared down by one error: those are retried (`--retries`)
//! and judged one by one.

use super::limit::{AdaptiveLimit, LimitSnapshot};
use super::pace::Pace;
use crate::outcome::{Down, TransportError};
use crate::sync::Locked;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What requests in flight to one origin may hold, in all: their bodies and what is parsed from
/// them. An origin that answers with megabytes (a date query on a large tenant) gets fewer
/// requests at once than one that answers with a kilobyte, so what the suite holds stays bounded
/// by bytes, not by a count. Measured with the heap profiler (scripts/bench-memory.sh): the
/// bodies in flight were most of a large run's peak under a budget of 64 MiB.
pub const BODY_BUDGET: f64 = 16.0 * 1024.0 * 1024.0;

/// An origin whose answers are large gets room for two of its largest at once (so that the
/// target builds one while the run judges the other), up to this: what the run holds follows
/// the tenant's size, not the number of requests.
pub const MAX_BODY_BUDGET: f64 = 64.0 * 1024.0 * 1024.0;

/// What reading a list answer costs besides its body, per byte of it: the GUIDs it names and the
/// positions they are judged by (about a quarter of a 300-byte account).
pub const PARSED_PER_BYTE: f64 = 0.25;

/// The longest a request waits for room in its origin's budget of bodies: past it, it goes all
/// the same, so that a step holding an answer while it asks again can never wait on itself.
pub const ROOM_WAIT: Duration = Duration::from_secs(10);

/// What a request reserves of its origin's budget when its caller does not say how large an
/// answer it expects: a documented answer is a few kilobytes.
pub const DEFAULT_RESERVATION: usize = 64 * 1024;

/// The budget an origin's answers share, in KiB: what requests in flight expect, then what their
/// bodies (and what is parsed of them) hold until the run lets them go, judged or not. Requests
/// in flight are bounded by the origin's limit, and the answers they leave behind by this, since
/// a run that judges more slowly than it receives (every scenario's judging on one thread) would
/// otherwise pile them up: measured, 135 MB of list bodies at 50 000 accounts under a 16 MiB
/// limit of bodies in flight.
#[derive(Debug)]
struct Budget {
    kib: Arc<tokio::sync::Semaphore>,
    /// The budget now, in KiB: [`BODY_BUDGET`], grown to two of the largest answers.
    total: std::sync::atomic::AtomicU32,
    held: std::sync::atomic::AtomicUsize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            kib: Arc::new(tokio::sync::Semaphore::new(BUDGET_KIB as usize)),
            total: BUDGET_KIB.into(),
            held: Default::default(),
        }
    }
}

const BUDGET_KIB: u32 = (BODY_BUDGET / 1024.0) as u32;

/// Bytes of a body, with what is parsed of it, in KiB.
fn weighed_kib(bytes: usize) -> u32 {
    ((bytes as f64 * (1.0 + PARSED_PER_BYTE)) / 1024.0).ceil().max(1.0) as u32
}

/// A request's share of its origin's budget, then its body's, given back when the last copy of
/// its reply goes.
#[derive(Debug)]
pub struct HeldBody {
    budget: Arc<Budget>,
    _kib: Option<tokio::sync::OwnedSemaphorePermit>,
    bytes: usize,
}

impl Drop for HeldBody {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(self.bytes, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Whether an origin answered in this run.
#[derive(Debug, Clone, Default)]
enum Health {
    /// No usable answer yet.
    #[default]
    Silent,
    Answered,
    /// Its scenarios end ERROR with this one cause.
    Down(Down),
}

#[derive(Debug, Default)]
struct State {
    health: Health,
    pace: Pace,
    /// The largest recent body, slowly forgotten, in bytes.
    body_bytes: f64,
}

/// See the module documentation.
#[derive(Debug)]
pub struct Origin {
    pub name: String,
    pub limit: AdaptiveLimit,
    ceiling: usize,
    state: Mutex<State>,
    budget: Arc<Budget>,
    /// Told when the origin is found down: requests waiting for their turn go at once (to be
    /// refused) rather than at the pace a push-back set.
    went_down: tokio::sync::Notify,
    /// See [`Learned::shared`].
    shared: std::sync::atomic::AtomicU64,
}

/// What an origin's controller learned, for the summary and the reports.
#[derive(Debug, Clone)]
pub struct Learned {
    pub origin: String,
    pub limit: LimitSnapshot,
    pub pushbacks: u64,
    pub cuts: u64,
    /// Requests a second the pace ended at.
    pub pace: Option<f64>,
    /// What the origin took once it pushed back, requests a second.
    pub took: Option<f64>,
    pub paused: Duration,
    /// Requests that took the answer of an identical one instead of being sent.
    pub shared: u64,
}

impl Origin {
    fn new(name: String, ceiling: usize) -> Self {
        Self {
            name,
            limit: AdaptiveLimit::new(ceiling),
            ceiling,
            state: Mutex::default(),
            budget: Arc::default(),
            went_down: tokio::sync::Notify::new(),
            shared: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Why the origin's requests are not sent, if it is down.
    pub fn down(&self) -> Option<Down> {
        match &self.state.locked().health {
            Health::Down(down) => Some(down.clone()),
            _ => None,
        }
    }

    /// See [`Pace::paced_pushbacks`](super::pace::Pace::paced_pushbacks).
    pub fn paced_pushbacks(&self) -> u64 {
        self.state.locked().pace.paced_pushbacks
    }

    /// A request took the answer of an identical one instead of being sent.
    pub fn took_shared_answer(&self) {
        self.shared.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the origin gave a usable answer in this run.
    pub fn answered_before(&self) -> bool {
        matches!(self.state.locked().health, Health::Answered)
    }

    /// The origin is down with this cause, unless it answered or was found down before (the
    /// first cause stays). `request` names the request that met it, redacted.
    pub fn found_silent(&self, error: &TransportError, request: &str) {
        let mut state = self.state.locked();
        if matches!(state.health, Health::Silent) {
            state.health = Health::Down(self.cause(error, request));
            self.went_down.notify_waiters();
        }
    }

    /// The origin is down with this cause, whatever it answered before: preparing the run
    /// (`preparing` says what: a login, a provider state) got no answer, so no scenario that
    /// needs it can be judged.
    pub fn mark_down(&self, error: &TransportError, request: &str, preparing: &str) {
        let mut state = self.state.locked();
        if !matches!(state.health, Health::Down(_)) {
            let down = Down { preparing: Some(preparing.to_owned()), ..self.cause(error, request) };
            state.health = Health::Down(down);
            self.went_down.notify_waiters();
        }
    }

    fn cause(&self, error: &TransportError, request: &str) -> Down {
        Down {
            origin: self.name.clone(),
            cause: error.kind,
            detail: format!("{request}: {}", error.text),
            preparing: None,
        }
    }

    /// Waits for the request's turn in the origin's pace (after any pause it asked for) and
    /// says when it left.
    pub async fn turn(&self) -> Instant {
        loop {
            let down = self.went_down.notified();
            tokio::pin!(down);
            down.as_mut().enable();
            if self.down().is_some() {
                return Instant::now();
            }
            let at = self.state.locked().pace.reserve(Instant::now());
            tokio::select! {
                () = tokio::time::sleep_until(at) => {}
                () = down => return Instant::now(),
            }
            // A pause asked for while this request waited holds it too.
            if self.state.locked().pace.held(at).is_none() {
                return at;
            }
        }
    }

    /// The origin gave a usable answer (any status but a push-back or a gateway's 502/504).
    pub fn answered(&self) {
        let mut state = self.state.locked();
        if matches!(state.health, Health::Silent) {
            state.health = Health::Answered;
        }
        state.pace.accepted(Instant::now());
    }

    /// The origin pushed back a request that left at `sent_at` (a 429 or 503, a reset or a
    /// timeout among other requests). Where it said how long to wait (`Retry-After`), that
    /// wins: every request to it waits so long. Otherwise one cut of both its pace and how many
    /// requests it takes at once, at most once per the gateway's window.
    pub fn pushed_back(&self, sent_at: Instant, wait: Option<Duration>) {
        let now = Instant::now();
        let mut state = self.state.locked();
        if state.pace.first_pushback.is_some_and(|first| sent_at > first) {
            state.pace.paced_pushbacks += 1;
        }
        match wait {
            Some(wait) => state.pace.pause(wait, now),
            None => {
                if state.pace.pushed_back(sent_at, now) {
                    self.limit.cut(3, 4);
                }
            }
        }
    }

    /// A body of `bytes` came from the origin: its ceiling follows the bodies' size, and what is
    /// parsed from them.
    pub fn body_size(&self, bytes: usize) {
        let mut state = self.state.locked();
        let bytes = bytes.max(1024) as f64 * (1.0 + PARSED_PER_BYTE);
        // The largest recent body, slowly forgotten: small and megabyte answers come mixed (name
        // and date queries), and a mean would let many megabyte ones in at once.
        state.body_bytes = bytes.max(0.98 * state.body_bytes);
        let fits = (BODY_BUDGET / state.body_bytes) as usize;
        self.limit.set_ceiling(fits.clamp(1, self.ceiling));
    }

    /// Reserves what a request expects its answer to hold (`expected` bytes, with what is parsed
    /// of it; at most the whole budget, so that a larger one goes alone), waiting while the
    /// requests in flight and the answers the run holds take the budget, at most [`ROOM_WAIT`].
    pub async fn reserve(&self, expected: usize) -> HeldBody {
        let total = self.budget.total.load(std::sync::atomic::Ordering::SeqCst);
        let kib = weighed_kib(expected).min(total);
        let permit = tokio::time::timeout(ROOM_WAIT, self.budget.kib.clone().acquire_many_owned(kib)).await;
        HeldBody { budget: self.budget.clone(), _kib: permit.ok().and_then(Result::ok), bytes: 0 }
    }

    /// The answer's body came: what the run holds of the origin's answers counts it (the
    /// reservation stays as it was: the body is held, not read, from now on).
    pub fn hold(&self, mut reserved: HeldBody, bytes: usize) -> HeldBody {
        let room_for_two = weighed_kib(bytes).saturating_mul(2).min((MAX_BODY_BUDGET / 1024.0) as u32);
        let total = self.budget.total.fetch_max(room_for_two, std::sync::atomic::Ordering::SeqCst);
        if room_for_two > total {
            self.budget.kib.add_permits((room_for_two - total) as usize);
        }
        let bytes = (bytes as f64 * (1.0 + PARSED_PER_BYTE)) as usize;
        self.budget.held.fetch_add(bytes, std::sync::atomic::Ordering::SeqCst);
        reserved.bytes = bytes;
        reserved
    }

    /// The bytes the run holds of this origin's answers' bodies.
    pub fn held(&self) -> usize {
        self.budget.held.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The budget left for requests to reserve, in KiB.
    pub fn room_kib(&self) -> usize {
        self.budget.kib.available_permits()
    }

    /// What the controller learned.
    pub fn learned(&self) -> Learned {
        let state = self.state.locked();
        Learned {
            origin: self.name.clone(),
            limit: self.limit.snapshot(),
            pushbacks: state.pace.pushbacks,
            cuts: state.pace.cuts,
            pace: state.pace.rate(),
            took: state.pace.took(),
            paused: state.pace.paused,
            shared: self.shared.load(std::sync::atomic::Ordering::Relaxed),
        }
    }
}

/// Every origin of a run, each with its controller.
#[derive(Debug)]
pub struct Origins {
    map: Mutex<BTreeMap<String, Arc<Origin>>>,
    /// The ceiling of each origin's limit (`--concurrency`).
    ceiling: usize,
}

impl Origins {
    pub fn new(ceiling: usize) -> Self {
        Self { map: Mutex::default(), ceiling: ceiling.max(1) }
    }

    /// The controller of the origin of `url`.
    pub fn of(&self, url: &str) -> Arc<Origin> {
        let name = origin(url);
        let mut map = self.map.locked();
        map.entry(name.clone()).or_insert_with(|| Arc::new(Origin::new(name, self.ceiling))).clone()
    }

    /// What each origin's controller learned, by origin.
    pub fn learned(&self) -> Vec<Learned> {
        self.map.locked().values().map(|o| o.learned()).collect()
    }
}

/// The origin of a URL (`http://host:port`), the unit a target is judged down and paced by.
/// Called at least once a request: only the scheme and authority are parsed, never a long query.
pub fn origin(url: &str) -> String {
    let authority_starts = url.find("://").map_or(0, |i| i + 3);
    let authority_ends = url[authority_starts..].find(['/', '?', '#']).map_or(url.len(), |i| authority_starts + i);
    match url::Url::parse(&url[..authority_ends]) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::TransportKind;

    fn refused(text: &str) -> TransportError {
        TransportError::new(TransportKind::Refused, text)
    }

    #[test]
    fn the_origin_is_the_scheme_host_and_port_whatever_follows() {
        for (url, want) in [
            ("http://127.0.0.1:8080/a/b?query=name=x/y#z", "http://127.0.0.1:8080"),
            ("https://Example.COM:443?x=1", "https://example.com"),
            ("http://user:pw@host.test:81#frag", "http://host.test:81"),
            ("https://[::1]:9443/mdm", "https://[::1]:9443"),
        ] {
            assert_eq!(origin(url), want, "{url}");
        }
        assert_eq!(origin("not a url"), "not a url");
    }

    #[test]
    fn an_origin_is_judged_down_by_its_first_cause_and_only_while_silent() {
        let origins = Origins::new(8);
        let a = origins.of("http://a.example:1/x");
        a.found_silent(&refused("refused"), "GET /x");
        origins.of("http://a.example:1/y").found_silent(&refused("another reason"), "GET /y");
        let down = origins.of("http://a.example:1/z?q=1").down().expect("down");
        assert_eq!(down.detail, "GET /x: refused", "the first cause stays");
        assert_eq!(down.cause, TransportKind::Refused);
        assert!(origins.of("http://b.example:1/x").down().is_none());
        assert!(origins.of("http://a.example:2/x").down().is_none(), "another port is another origin");
        let up = origins.of("http://up.example/");
        up.answered();
        up.found_silent(&TransportError::new(TransportKind::TimedOut, "slow"), "GET /y");
        assert!(up.down().is_none(), "an origin that answered is not down for one error");
        up.mark_down(&refused("login refused"), "POST /login", "logging in");
        assert!(up.down().is_some(), "the preparation got no answer: down whatever it answered");
        a.answered();
        assert!(a.down().is_some(), "a late answer does not revive it");
    }

    #[tokio::test(start_paused = true)]
    async fn one_push_back_cuts_the_pace_and_the_concurrency_once() {
        let origin = Origins::new(64).of("http://gw.example/");
        let before = origin.limit.snapshot().limit;
        for _ in 0..20 {
            origin.answered();
        }
        let sent = Instant::now();
        origin.pushed_back(sent, None);
        origin.pushed_back(sent, None);
        let learned = origin.learned();
        assert_eq!((learned.pushbacks, learned.cuts), (2, 1));
        assert_eq!(learned.pace, Some(20.0));
        assert_eq!(learned.limit.limit, before * 3 / 4, "the concurrency is cut with the pace, once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_waits_while_the_answers_expected_and_held_take_its_origins_budget() {
        let origin = Arc::new(Origins::new(8).of("http://big.example/"));
        let whole = BODY_BUDGET as usize;
        let reserved = origin.reserve(whole).await;
        assert_eq!(origin.room_kib(), 0, "a large answer takes the whole budget, and goes alone");
        let held = origin.hold(reserved, whole / 4);
        assert!(origin.held() >= whole / 4);
        let waiting = tokio::spawn({
            let origin = origin.clone();
            async move {
                let _small = origin.reserve(1000).await;
                tokio::time::Instant::now()
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let freed_at = tokio::time::Instant::now();
        drop(held);
        assert_eq!(origin.held(), 0, "a dropped body gives its share back");
        assert_eq!(waiting.await.unwrap(), freed_at, "the next went as soon as the body was let go");
        // An answer never let go holds another back ROOM_WAIT at most.
        let _kept = origin.reserve(whole).await;
        let start = tokio::time::Instant::now();
        let _late = origin.reserve(1000).await;
        assert_eq!(start.elapsed(), ROOM_WAIT);
    }

    /// Answers larger than half the budget grow it to two of them, so that the target builds
    /// one while the run judges the other; never past the most.
    #[tokio::test(start_paused = true)]
    async fn an_origin_of_large_answers_gets_room_for_two_of_them() {
        let origin = Origins::new(8).of("http://large.example/");
        let large = 12 * 1024 * 1024;
        let first = origin.hold(origin.reserve(large).await, large);
        let weighed = (large as f64 * (1.0 + PARSED_PER_BYTE) / 1024.0) as usize;
        assert_eq!(origin.room_kib(), weighed, "room for a second one beside the first");
        let _second = origin.reserve(large).await;
        assert_eq!(origin.room_kib(), 0);
        drop(first);
        let huge = 200 * 1024 * 1024;
        let _held = origin.hold(origin.reserve(huge).await, huge);
        assert!(origin.budget.total.load(std::sync::atomic::Ordering::SeqCst) <= (MAX_BODY_BUDGET / 1024.0) as u32);
    }

    #[test]
    fn megabyte_answers_lower_the_origins_ceiling_and_small_ones_do_not() {
        let origin = Origins::new(64).of("http://target.example/x");
        origin.body_size(2_000);
        assert_eq!(origin.limit.snapshot().ceiling, 64);
        origin.body_size(2 * 1024 * 1024);
        assert_eq!(origin.limit.snapshot().ceiling, 6, "16 MiB of bodies and what is parsed of them in flight at most");
        origin.body_size(2_000);
        assert!(origin.limit.snapshot().ceiling <= 7, "one small answer does not forget the large ones");
    }
}
