//! Being polite to a target: the run's rate (`--rate-limit`), the run's budget of push-back
//! retries, each origin's controller (its pace, its limit of requests at once, whether it
//! answered: [`super::origin`]), and what the run sent, in words for the summary.

use super::origin::{Learned, Origins};
use crate::outcome::TransportKind;
use crate::sync::Locked;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// The first wait before a pushed-back request without `Retry-After` is sent again; it
/// doubles, with jitter, up to [`MAX_PUSHBACK_BACKOFF`]. The origin's pace, cut by the same
/// push-back, spaces the requests sent again.
pub(super) const PUSHBACK_BACKOFF: Duration = Duration::from_millis(250);
pub(super) const MAX_PUSHBACK_BACKOFF: Duration = Duration::from_secs(4);

/// A target that keeps answering `Retry-After: 0` is not asked forever.
pub(super) const MAX_PUSHBACKS_PER_REQUEST: u32 = 10;

/// The first pause before a request is sent again after a transport error; it doubles, with
/// jitter (0.2 + 0.4 + 0.8 s at least for `--retries 3`: longer than a restart of a second).
pub(super) const RETRY_BACKOFF: Duration = Duration::from_millis(200);

/// The longest `Retry-After` read: a day.
const MAX_RETRY_AFTER_SECS: u64 = 24 * 3600;

/// The `n`-th backoff (from 1) of `base`, doubled each time up to `max`, stretched by up to half
/// at random so that requests pushed back together do not come back together.
pub(super) fn backoff(base: Duration, n: u32, max: Duration) -> Duration {
    let doubled = base.saturating_mul(2u32.saturating_pow(n.saturating_sub(1))).min(max);
    doubled.mul_f64(1.0 + jitter() / 2.0)
}

/// A number in 0..1, different at each call (no seed to reproduce: it only spreads retries).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What the whole run shares to be polite to its targets: the rate limiter, each origin's
/// controller, the budget of push-back retries, and what was sent.
pub(super) struct Politeness {
    pub(super) limiter: Option<governor::DefaultDirectRateLimiter>,
    pub(super) traffic: Mutex<Traffic>,
    pub(super) origins: Origins,
    /// Push-back retries the run may still make (`--max-pushbacks`).
    pushbacks_left: AtomicU64,
}

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
    /// Requests sent again after a transport error (`--retries`), in the order they were: the
    /// run's one record of them, which the summary counts and each scenario's flaky marker reads.
    pub retried: Vec<Retry>,
    pub rate_limit: Option<RateLimit>,
    /// Requests that timed out while others were in flight to their origin, and were asked again
    /// with nothing else in flight; and how many of those answered then.
    pub asked_alone: u64,
    pub answered_alone: u64,
    /// `--max-pushbacks`, when the run spent it.
    pub pushback_budget_spent: Option<u64>,
    /// What each origin's controller learned (filled in when the traffic is read).
    pub origins: Vec<Learned>,
    /// How long each documented operation took, usable answers only, to the last byte.
    pub latency: crate::outcome::latency::Latency,
}

/// A request sent again after a transport error (`--retries`).
#[derive(Debug, Clone)]
pub struct Retry {
    /// The request, its attempt and the error it was sent again after, redacted.
    pub note: String,
    /// What the transport saw.
    pub kind: TransportKind,
    /// The scenario it was sent for, once a step of it has the exchange (`None` for the run's own
    /// requests, and for an exchange no step received).
    pub scenario: Option<String>,
}

/// Where a retry stands in the run's record ([`Traffic::retried`]): what an exchange carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryId(usize);

/// Notes told once per cause, each with how many more there were: `(kind, note)` pairs in
/// order, to one line per kind.
pub fn once_per_cause<'a>(notes: impl Iterator<Item = (TransportKind, &'a str)>) -> Vec<String> {
    let mut by: Vec<(TransportKind, &str, usize)> = Vec::new();
    for (kind, note) in notes {
        match by.iter_mut().find(|(k, _, _)| *k == kind) {
            Some((_, _, n)) => *n += 1,
            None => by.push((kind, note, 1)),
        }
    }
    by.into_iter()
        .map(|(_, note, n)| match n {
            1 => note.to_owned(),
            n => format!("{note} (and {} more like it)", n - 1),
        })
        .collect()
}

impl Traffic {
    /// Each retry credited to a scenario, as (scenario, kind, note), in the order they were sent again.
    pub fn credited(&self) -> impl Iterator<Item = (&str, TransportKind, &str)> {
        self.retried.iter().filter_map(|r| Some((r.scenario.as_deref()?, r.kind, r.note.as_str())))
    }

    /// Requests per second between the first request that left and the last one.
    pub fn measured_rate(&self) -> Option<f64> {
        let span = self.last?.duration_since(self.first?).as_secs_f64();
        (self.sent > 1 && span > 0.0).then(|| (self.sent - 1) as f64 / span)
    }

    /// What the summary and every report must say about the run's traffic: nothing for a run
    /// without a rate limit, push-back or retry.
    pub fn notices(&self) -> Vec<String> {
        let mut notices = Vec::new();
        if let Some(limit) = self.rate_limit {
            notices.push(self.rate_notice(limit));
        }
        notices.extend(self.origins.iter().filter_map(pushback_notice));
        if let Some(budget) = self.pushback_budget_spent {
            notices.push(format!(
                "the run's budget of push-back retries (--max-pushbacks {budget}) was spent: later push-backs \
                 ended their requests as not judged (ERROR); raise it, or slow the run with --rate-limit"
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
            let causes = once_per_cause(self.retried.iter().map(|r| (r.kind, r.note.as_str())));
            notices.push(format!(
                "{} request(s) sent again after a transport error (--retries): {}",
                self.retried.len(),
                causes.join("; ")
            ));
        }
        notices
    }

    fn rate_notice(&self, limit: RateLimit) -> String {
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
        format!(
            "rate: {} requests in {:.1}s, {rate} requests/s (--rate-limit {limit}{per_second})",
            self.sent,
            span.as_secs_f64(),
        )
    }
}

/// What an origin that pushed back taught the run, in words.
fn pushback_notice(learned: &Learned) -> Option<String> {
    if learned.pushbacks == 0 {
        return None;
    }
    let took = learned
        .took
        .map(|r| format!("; the target (or its gateway) took about {r:.0} requests a second"))
        .unwrap_or_default();
    let paused = if learned.paused > Duration::ZERO {
        format!(", waited {:.1}s in all for the pauses it asked for (Retry-After)", learned.paused.as_secs_f64())
    } else {
        String::new()
    };
    let slowed = match learned.cuts {
        0 => String::new(),
        n => format!(", slowed its pace {n} time(s)"),
    };
    Some(format!(
        "the target at {} pushed back {} time(s) (HTTP 429 or 503, or a reset or timeout among other requests): \
         the suite {}{slowed}{paused} and sent those requests again{took}",
        learned.origin,
        learned.pushbacks,
        if learned.cuts == 0 { "held them" } else { "took it as a signal" },
    ))
}

impl Politeness {
    pub(super) fn new(rate_limit: Option<RateLimit>, ceiling: usize, pushback_budget: u64) -> Self {
        // One request per period, no burst: "N per second" holds over any second, not only on average.
        let limiter = rate_limit.and_then(|r| {
            let quota = governor::Quota::with_period(r.per / r.requests)?;
            Some(governor::RateLimiter::direct(quota.allow_burst(std::num::NonZeroU32::MIN)))
        });
        let traffic = Traffic { rate_limit, ..Traffic::default() };
        Self {
            limiter,
            traffic: Mutex::new(traffic),
            origins: Origins::new(ceiling),
            pushbacks_left: AtomicU64::new(pushback_budget),
        }
    }

    /// Waits until the run's rate lets a request leave.
    pub(super) async fn turn(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
    }

    /// A request leaves now.
    pub(super) fn sent(&self) {
        let now = Instant::now();
        let mut traffic = self.traffic.locked();
        traffic.sent += 1;
        traffic.first.get_or_insert(now);
        traffic.last = Some(now);
    }

    /// Takes one push-back retry from the run's budget (`budget` is `--max-pushbacks`): false
    /// when it is spent, which the traffic then says.
    pub(super) fn spend_pushback(&self, budget: u64) -> bool {
        let took = self.pushbacks_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if !took {
            self.traffic.locked().pushback_budget_spent = Some(budget);
        }
        took
    }

    /// A request is sent again after a transport error (`note` says which, and after what): it is
    /// recorded, and where it stands is for its exchange to carry.
    pub(super) fn retried(&self, kind: TransportKind, note: String) -> RetryId {
        let mut traffic = self.traffic.locked();
        traffic.retried.push(Retry { note, kind, scenario: None });
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
        self.traffic
            .locked()
            .credited()
            .filter(|(s, _, _)| *s == scenario)
            .map(|(_, _, note)| note.to_owned())
            .collect()
    }

    /// The run's traffic, with what each origin learned.
    pub(super) fn snapshot(&self) -> Traffic {
        let mut traffic = self.traffic.locked().clone();
        traffic.origins = self.origins.learned();
        traffic
    }
}

/// The wait a `Retry-After` value asks for: seconds, or an HTTP date (none if it is past).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        // Past a day it is no pause a run could wait out (and no instant could be reckoned from it).
        return Some(Duration::from_secs(secs.min(MAX_RETRY_AFTER_SECS)));
    }
    let date = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = (date.with_timezone(&chrono::Utc) - now).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(Duration::from_secs(MAX_RETRY_AFTER_SECS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_bounds_with_jitter() {
        let base = Duration::from_millis(200);
        for n in 1..=3 {
            let wait = backoff(base, n, Duration::from_secs(60));
            let plain = base * 2u32.pow(n - 1);
            assert!(wait >= plain && wait <= plain.mul_f64(1.5), "attempt {n}: {wait:?}");
        }
        assert!(
            backoff(base, 30, Duration::from_secs(4)) <= Duration::from_secs(6),
            "capped, then stretched by half at most"
        );
    }

    #[test]
    fn the_push_back_budget_is_spent_once_and_said() {
        let politeness = Politeness::new(None, 8, 2);
        assert!(politeness.spend_pushback(2) && politeness.spend_pushback(2));
        assert!(!politeness.spend_pushback(2));
        assert_eq!(politeness.snapshot().pushback_budget_spent, Some(2));
        assert!(politeness.snapshot().notices()[0].contains("--max-pushbacks 2"));
    }

    #[test]
    fn a_retry_is_recorded_once_and_each_reader_reads_that_record() {
        let politeness = Politeness::new(None, 8, 0);
        let reset = TransportKind::Reset;
        let a = politeness.retried(reset, "GET a (attempt 1): reset".into());
        let b = politeness.retried(reset, "GET b (attempt 1): reset".into());
        politeness.retried(TransportKind::Refused, "POST login (attempt 1): refused".into());
        politeness.credit(&[b, a], "S-1");
        assert_eq!(politeness.retried_for("S-1"), ["GET a (attempt 1): reset", "GET b (attempt 1): reset"]);
        assert!(politeness.retried_for("S-2").is_empty(), "credited to its scenario only");
        let traffic = politeness.traffic.locked().clone();
        assert_eq!(traffic.credited().map(|(s, _, _)| s).collect::<Vec<_>>(), ["S-1", "S-1"]);
        assert_eq!(
            traffic.notices(),
            ["3 request(s) sent again after a transport error (--retries): GET a (attempt 1): reset (and 1 more \
                 like it); POST login (attempt 1): refused"],
            "the summary counts every retry, credited to a scenario or not, and says each cause once"
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc2822("Thu, 03 Dec 2026 12:00:00 GMT").unwrap().to_utc();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Thu, 03 Dec 2026 12:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Thu, 03 Dec 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        let day = Some(Duration::from_secs(24 * 3600));
        assert_eq!(parse_retry_after("18446744073709551615", now), day, "no pause past a day, and no overflow");
        assert_eq!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), day);
    }
}
