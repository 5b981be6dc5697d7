//! Being polite to a target: the run's rate (`--rate-limit`), the pauses a target asks for (429,
//! or 503 with `Retry-After`), the adaptive limit of requests at once per origin, and what the run
//! sent, in words for the summary.

use super::limit::AdaptiveLimit;
use crate::gate::origin;
use crate::sync::Locked;
use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `--rate-limit N/s` or `N/m`: at most `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

impl RateLimit {
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
pub(super) const DEFAULT_PUSHBACK_WAIT: Duration = Duration::from_secs(1);

/// A target that keeps answering `Retry-After: 0` is not asked forever.
pub(super) const MAX_PUSHBACKS_PER_REQUEST: u32 = 10;

/// The first pause before a request is sent again after a transport error; it doubles.
pub(super) const RETRY_BACKOFF: Duration = Duration::from_millis(200);

/// What the whole run shares to be polite to its targets: the rate limiter, the instant before
/// which no request leaves (a target asked for a pause), and what was sent.
pub(super) struct Politeness {
    pub(super) limiter: Option<governor::DefaultDirectRateLimiter>,
    pub(super) not_before: Mutex<Option<tokio::time::Instant>>,
    pub(super) traffic: Mutex<Traffic>,
    /// Origins that answered a request of this run: a refused connection to one of them is worth
    /// another try, to another it means the target is down.
    pub(super) answered: Mutex<HashSet<String>>,
    /// How many requests may be under way at once to each origin, learned from its latencies,
    /// and the size of the bodies it answers with (the largest recent one, slowly forgotten, in bytes).
    pub(super) limits: Mutex<std::collections::BTreeMap<String, (AdaptiveLimit, f64)>>,
    /// The ceiling of each origin's limit.
    pub(super) ceiling: usize,
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
    /// Requests sent again after a transport error (`--retries`), in the order they were: the
    /// run's one record of them, which the summary counts and each scenario's flaky marker reads.
    pub retried: Vec<Retry>,
    pub rate_limit: Option<RateLimit>,
    /// Requests that timed out while others were in flight to their origin, and were asked again
    /// with nothing else in flight; and how many of those answered then.
    pub asked_alone: u64,
    pub answered_alone: u64,
}

/// A request sent again after a transport error (`--retries`).
#[derive(Debug, Clone)]
pub struct Retry {
    /// The request, its attempt and the error it was sent again after, redacted.
    pub note: String,
    /// The scenario it was sent for, once a step of it has the exchange (`None` for the run's own
    /// requests, and for an exchange no step received).
    pub scenario: Option<String>,
}

/// Where a retry stands in the run's record ([`Traffic::retried`]): what an exchange carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryId(usize);

impl Traffic {
    /// Each retry credited to a scenario, as (scenario, note), in the order they were sent again.
    pub fn credited(&self) -> impl Iterator<Item = (&str, &str)> {
        self.retried.iter().filter_map(|r| Some((r.scenario.as_deref()?, r.note.as_str())))
    }

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
                self.retried.iter().map(|r| r.note.as_str()).collect::<Vec<_>>().join("; ")
            ));
        }
        notices
    }
}

impl Politeness {
    pub(super) fn new(rate_limit: Option<RateLimit>, ceiling: usize) -> Self {
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
    pub(super) fn limit_of(&self, url: &str) -> AdaptiveLimit {
        self.limits.locked().entry(origin(url)).or_insert_with(|| (AdaptiveLimit::new(self.ceiling), 0.0)).0.clone()
    }

    /// The origin of `url` answered a request of this run.
    pub(super) fn mark_answered(&self, url: &str) {
        self.answered.locked().insert(origin(url));
    }

    /// Whether the origin of `url` answered a request of this run.
    pub(super) fn answered_before(&self, url: &str) -> bool {
        self.answered.locked().contains(&origin(url))
    }

    /// A body of `bytes` came from the origin of `url`: its ceiling follows the bodies' size.
    pub(super) fn body_size(&self, url: &str, bytes: usize) {
        let mut limits = self.limits.locked();
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
    pub(super) async fn turn(&self) {
        loop {
            let until = *self.not_before.locked();
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => {}
            }
            if let Some(limiter) = &self.limiter {
                limiter.until_ready().await;
            }
            // A pause asked for while this request waited for the rate holds it too.
            if self.not_before.locked().is_none_or(|t| t <= tokio::time::Instant::now()) {
                break;
            }
        }
        let now = Instant::now();
        let mut traffic = self.traffic.locked();
        traffic.sent += 1;
        traffic.first.get_or_insert(now);
        traffic.last = Some(now);
    }

    /// A request is sent again after a transport error (`note` says which, and after what): it is
    /// recorded, and where it stands is for its exchange to carry.
    pub(super) fn retried(&self, note: String) -> RetryId {
        let mut traffic = self.traffic.locked();
        traffic.retried.push(Retry { note, scenario: None });
        RetryId(traffic.retried.len() - 1)
    }

    /// Credits `retries` to `scenario`.
    pub(super) fn credit(&self, retries: &[RetryId], scenario: &str) {
        let mut traffic = self.traffic.locked();
        for &RetryId(i) in retries {
            if let Some(retry) = traffic.retried.get_mut(i) {
                retry.scenario = Some(scenario.to_owned());
            }
        }
    }

    /// The notes of the retries credited to `scenario` so far.
    pub(super) fn retried_for(&self, scenario: &str) -> Vec<String> {
        self.traffic.locked().credited().filter(|(s, _)| *s == scenario).map(|(_, note)| note.to_owned()).collect()
    }

    /// A target asked for a pause of `wait`: no request of the run leaves before it is over.
    pub(super) fn push_back(&self, wait: Duration) {
        let now = tokio::time::Instant::now();
        let until = now + wait;
        let mut not_before = self.not_before.locked();
        let added = match *not_before {
            Some(t) if t >= until => Duration::ZERO,
            Some(t) if t > now => until - t,
            _ => wait,
        };
        if not_before.is_none_or(|t| t < until) {
            *not_before = Some(until);
        }
        drop(not_before);
        let mut traffic = self.traffic.locked();
        traffic.pushbacks += 1;
        traffic.paused += added;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request_and_overlapping_pauses_count_once() {
        let politeness = Politeness::new(None, 8);
        let start = tokio::time::Instant::now();
        politeness.turn().await;
        assert_eq!(start.elapsed(), Duration::ZERO, "no pause, no wait");
        politeness.push_back(Duration::from_secs(2));
        politeness.push_back(Duration::from_secs(3));
        politeness.push_back(Duration::from_secs(1));
        politeness.turn().await;
        assert_eq!(start.elapsed(), Duration::from_secs(3), "the longest pause holds the next request");
        let traffic = politeness.traffic.locked().clone();
        assert_eq!((traffic.sent, traffic.pushbacks), (2, 3));
        assert_eq!(traffic.paused, Duration::from_secs(3), "overlapping pauses counted once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_asked_for_while_a_request_waits_holds_it_too() {
        let politeness = std::sync::Arc::new(Politeness::new(None, 8));
        politeness.push_back(Duration::from_secs(1));
        let start = tokio::time::Instant::now();
        let waiting = tokio::spawn({
            let politeness = politeness.clone();
            async move { politeness.turn().await }
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        politeness.push_back(Duration::from_secs(2));
        waiting.await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(2500));
    }

    #[test]
    fn megabyte_answers_lower_the_origins_ceiling_and_small_ones_do_not() {
        let politeness = Politeness::new(None, 64);
        let url = "http://target.example/x";
        let limit = politeness.limit_of(url);
        politeness.body_size(url, 2_000);
        assert_eq!(limit.snapshot().ceiling, 64);
        politeness.body_size(url, 8 * 1024 * 1024);
        assert_eq!(limit.snapshot().ceiling, 8, "64 MiB of bodies in flight at most");
        politeness.body_size(url, 2_000);
        assert!(limit.snapshot().ceiling <= 9, "one small answer does not forget the large ones");
    }

    #[test]
    fn a_retry_is_recorded_once_and_each_reader_reads_that_record() {
        let politeness = Politeness::new(None, 8);
        let a = politeness.retried("GET a (attempt 1): reset".into());
        let b = politeness.retried("GET b (attempt 1): reset".into());
        politeness.retried("POST login (attempt 1): reset".into());
        politeness.credit(&[b, a], "S-1");
        assert_eq!(politeness.retried_for("S-1"), ["GET a (attempt 1): reset", "GET b (attempt 1): reset"]);
        assert!(politeness.retried_for("S-2").is_empty(), "credited to its scenario only");
        let traffic = politeness.traffic.locked().clone();
        assert_eq!(traffic.credited().map(|(s, _)| s).collect::<Vec<_>>(), ["S-1", "S-1"]);
        assert_eq!(
            traffic.notices(),
            ["3 request(s) sent again after a transport error (--retries): GET a (attempt 1): reset; \
                 GET b (attempt 1): reset; POST login (attempt 1): reset"],
            "the summary counts every retry, credited to a scenario or not"
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc2822("Thu, 03 Dec 2026 12:00:00 GMT").unwrap().to_utc();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Thu, 03 Dec 2026 12:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Thu, 03 Dec 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
