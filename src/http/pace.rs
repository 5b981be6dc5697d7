//! How fast the suite sends to one origin: unpaced until the origin pushes back (429, 503, a
//! reset or a timeout among other requests), then paced at what it accepted, and recovering step
//! by step: AIMD, as TCP's congestion control (and the AWS SDKs' adaptive retry mode, gRPC's
//! retry throttling) does.
//!
//! 1. **Cut.** A push-back cuts the pace multiplicatively, to [`BETA`] of what it was and at most
//!    what the origin accepted over the last second (its measured capacity: the answers it gave
//!    in that second, or the requests sent in the second before the first one it refused, which
//!    it took, whichever is more: a gateway refuses the first request past its rate long before
//!    the backend has answered the others, and a burst's refusals come back in any order), never
//!    below [`MIN_RATE`]. An unpaced origin is paced at
//!    what it accepted.
//! 2. **A signal, not a hiccup.** One push-back in a second, or fewer than [`SIGNAL_SHARE`] of
//!    the requests of that second pushed back, cuts nothing: an overloaded backend's stray 503 is
//!    no rate limit (each such request waits its backoff and goes again all the same).
//! 3. **Once per window.** A gateway remembers the requests it counted for about a second, so
//!    requests sent within [`WINDOW`] of a cut are refused for the burst before it: only a
//!    push-back of a request sent a window or more after the last cut cuts again.
//! 4. **Recover.** Each answer the origin accepts while the pace binds (at least [`BUSY`] of it
//!    used over the last second) raises the pace: by [`FAST_STEP`] while it is below
//!    [`FAST_UNTIL`] of the pace the last cut came from (back quickly to what nearly worked, as
//!    CUBIC does), then by `1 / pace`, one request a second more per second, probing above.
//! 5. **Pauses.** A `Retry-After` holds every request to the origin until it is over, and cuts
//!    nothing: the origin said what it wants.
//!
//! Requests leave one pace interval apart, never in a burst. The clock is tokio's, so the tests
//! run on its paused time.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// What a cut keeps of the pace (CUBIC's β).
pub const BETA: f64 = 0.7;
/// The slowest pace: one request a second.
pub const MIN_RATE: f64 = 1.0;
/// How long a gateway is taken to remember what it counted, and the span "accepted over the
/// last second" is measured over.
pub const WINDOW: Duration = Duration::from_secs(1);
/// The share of a second's requests that must be pushed back (two at least) for a cut.
pub const SIGNAL_SHARE: f64 = 0.1;

/// The share of the pace that must have been used over the last second for an answer to raise it.
pub const BUSY: f64 = 0.8;
/// What each answer adds to the pace while it is well below the pace of the last cut.
pub const FAST_STEP: f64 = 0.25;
/// Below this share of the pace the last cut came from, the pace recovers by [`FAST_STEP`].
pub const FAST_UNTIL: f64 = 0.9;

/// One origin's pace. Not shared by itself: the origin's controller holds it under its lock.
#[derive(Debug, Default)]
pub struct Pace {
    /// Requests a second; `None` until the first push-back.
    rate: Option<f64>,
    /// The earliest the next request may leave.
    next: Option<Instant>,
    /// A pause the origin asked for (`Retry-After`).
    paused_until: Option<Instant>,
    /// When the requests of the last window left, and when their answers were accepted.
    sent: VecDeque<Instant>,
    accepted: VecDeque<Instant>,
    refused: VecDeque<Instant>,
    /// When the requests refused over the last window left.
    refused_sent: VecDeque<Instant>,
    last_cut: Option<Instant>,
    /// The pace the last cut came from (what the origin took just before it refused).
    before_cut: Option<f64>,
    /// What was learned, for the summary.
    pub pushbacks: u64,
    pub cuts: u64,
    /// Push-backs of requests that left after the origin first pushed back: those sent at a pace
    /// the suite could slow (a first wave refused at once says nothing of whether the origin
    /// ever answers).
    pub paced_pushbacks: u64,
    /// When the origin first pushed back, and how many answers it accepted since.
    pub first_pushback: Option<Instant>,
    pub accepted_since_pushback: u64,
    pub last_accepted: Option<Instant>,
    /// How long requests were held by the pauses the origin asked for (overlaps counted once).
    pub paused: Duration,
}

fn forget_before(times: &mut VecDeque<Instant>, now: Instant) {
    while times.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
        times.pop_front();
    }
}

impl Pace {
    /// The pace now, requests a second (`None`: unpaced).
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// When a request asking now may leave (a pause, then one interval after the one before),
    /// reserved for it: the caller sleeps until then.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let mut at = now;
        if let Some(until) = self.paused_until.filter(|u| *u > at) {
            at = until;
        }
        if let Some(next) = self.next.filter(|n| *n > at) {
            at = next;
        }
        if let Some(rate) = self.rate {
            self.next = Some(at + Duration::from_secs_f64(1.0 / rate));
        }
        forget_before(&mut self.sent, at);
        self.sent.push_back(at);
        at
    }

    /// Whether a request reserved for `at` must wait again: a pause came meanwhile.
    pub fn held(&self, at: Instant) -> Option<Instant> {
        self.paused_until.filter(|u| *u > at)
    }

    /// The origin accepted a request (any answer that is no push-back).
    pub fn accepted(&mut self, now: Instant) {
        forget_before(&mut self.accepted, now);
        self.accepted.push_back(now);
        self.last_accepted = Some(now);
        if self.first_pushback.is_some() {
            self.accepted_since_pushback += 1;
        }
        let Some(rate) = self.rate else { return };
        forget_before(&mut self.sent, now);
        if (self.sent.len() as f64) < BUSY * rate {
            return;
        }
        let fast = self.before_cut.is_some_and(|before| rate < FAST_UNTIL * before);
        self.rate = Some(if fast { rate + FAST_STEP } else { rate + 1.0 / rate });
    }

    /// The origin pushed back a request that left at `sent_at`: the pace is cut, unless a cut
    /// within the gateway's window before it already answered the same burst. Whether it cut.
    pub fn pushed_back(&mut self, sent_at: Instant, now: Instant) -> bool {
        self.pushbacks += 1;
        self.first_pushback.get_or_insert(now);
        forget_before(&mut self.refused, now);
        self.refused.push_back(now);
        // Kept in the order the refusals came, not the order their requests left: forgotten by
        // age; and a request that left longer ago (a timeout) tells nothing of the last window.
        self.refused_sent.retain(|t| now.duration_since(*t) <= WINDOW);
        let fresh = now.duration_since(sent_at) <= WINDOW;
        if fresh {
            self.refused_sent.push_back(sent_at);
        }
        forget_before(&mut self.sent, now);
        let refused = self.refused.len() as f64;
        if refused < 2.0 || refused < SIGNAL_SHARE * self.sent.len() as f64 {
            return false;
        }
        forget_before(&mut self.accepted, now);
        let capacity = self.capacity(sent_at);
        if let Some(cut) = self.last_cut.filter(|cut| sent_at < *cut + WINDOW) {
            if !fresh || sent_at >= cut {
                return false;
            }
            // The burst the last cut answered: its refusals come back in any order, so what the
            // origin took may show lower now (a refusal of a request sent earlier than any
            // before), and the pace follows, without a cut of its own. What it comes back to
            // quickly stays the pace the cut came from: a gateway that lets a burst through
            // before its rate (nginx's `burst`) took less at once than it takes a second.
            if self.rate.is_some_and(|rate| capacity < rate) {
                self.set_rate(capacity, now);
            }
            return false;
        }
        self.before_cut = Some(self.rate.unwrap_or(capacity).min(capacity.max(MIN_RATE)));
        let cut = self.rate.map_or(capacity, |r| (r * BETA).min(capacity));
        self.set_rate(cut, now);
        self.last_cut = Some(now);
        self.cuts += 1;
        true
    }

    /// What the origin took over the last window, when it refused a request sent at `sent_at`:
    /// the answers it gave, or the requests sent before the first of those it refused
    /// (a burst's refusals come back in any order, the last sent perhaps first), whichever is more.
    fn capacity(&self, sent_at: Instant) -> f64 {
        let first_refused = self.refused_sent.iter().copied().min().unwrap_or(sent_at).min(sent_at);
        let taken_before =
            self.sent.iter().filter(|t| **t < first_refused && first_refused.duration_since(**t) <= WINDOW).count();
        self.accepted.len().max(taken_before) as f64
    }

    /// The pace is now `rate` (at least [`MIN_RATE`]). The next request keeps to it from now,
    /// after those that already have their turn: a cut never gives out a turn before one given
    /// out at the old pace, which would send both streams at once (up to twice the old pace for
    /// as long as the turns given out reach, about a second when many requests wait).
    fn set_rate(&mut self, rate: f64, now: Instant) {
        let rate = rate.max(MIN_RATE);
        self.rate = Some(rate);
        let fresh = now + Duration::from_secs_f64(1.0 / rate);
        self.next = Some(self.next.map_or(fresh, |next| next.max(fresh)));
    }

    /// The origin asked for a pause of `wait` (`Retry-After`): nothing leaves before it is over.
    /// A push-back all the same, counted, without a cut: it said what it wants.
    pub fn pause(&mut self, wait: Duration, now: Instant) {
        self.pushbacks += 1;
        self.first_pushback.get_or_insert(now);
        let until = now + wait;
        let added = match self.paused_until {
            Some(t) if t >= until => Duration::ZERO,
            Some(t) if t > now => until - t,
            _ => wait,
        };
        self.paused += added;
        if self.paused_until.is_none_or(|t| t < until) {
            self.paused_until = Some(until);
        }
    }

    /// What the origin took once it pushed back, requests a second: its answers since the first
    /// push-back over the time they span.
    pub fn took(&self) -> Option<f64> {
        let span = self.last_accepted?.duration_since(self.first_pushback?).as_secs_f64();
        (self.accepted_since_pushback > 1 && span > 0.0).then(|| self.accepted_since_pushback as f64 / span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Push-backs at once until they are a signal (one alone, or a few among many requests, are
    /// not), as a gateway's burst of refusals is: whether they cut.
    fn refuse(pace: &mut Pace, sent_at: Instant, now: Instant) -> bool {
        (0..64).any(|_| pace.pushed_back(sent_at, now))
    }

    #[tokio::test(start_paused = true)]
    async fn a_stray_push_back_cuts_nothing_and_a_few_in_many_requests_neither() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        assert!(!pace.pushed_back(t0, t0), "one push-back alone is no signal");
        assert_eq!(pace.rate(), None);
        for i in 0..100 {
            pace.reserve(t0 + ms(500 + i));
        }
        assert!(!pace.pushed_back(t0 + ms(600), t0 + ms(600)), "two of a hundred in a second are a hiccup");
        assert_eq!(pace.rate(), None);
        for _ in 0..10 {
            pace.pushed_back(t0 + ms(610), t0 + ms(610));
        }
        assert!(pace.rate().is_some(), "a tenth of them is a signal");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unpaced_origin_sends_at_once_and_a_push_back_paces_it_at_what_it_accepted() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        for _ in 0..30 {
            assert_eq!(pace.reserve(t0), t0, "no pace before a push-back: no wait");
        }
        for i in 0..20 {
            pace.accepted(t0 + ms(i));
        }
        assert!(refuse(&mut pace, t0, t0 + ms(30)));
        assert_eq!(pace.rate(), Some(20.0), "paced at the 20 it accepted over the last second");
        let first = pace.reserve(t0 + ms(30));
        let second = pace.reserve(t0 + ms(30));
        assert_eq!(second.duration_since(first), ms(50), "one interval of 1/20 s apart");
    }

    /// A first wave of 64 to a gateway of 20 a second: it takes the first 20 and refuses the
    /// rest at once, before any taken request is answered, and the refusals come back last sent
    /// first. The pace is what it took, not the place of the refusal that came back first.
    #[tokio::test(start_paused = true)]
    async fn a_burst_refused_in_any_order_paces_at_what_the_gateway_took() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        let left: Vec<Instant> = (0..64).map(|i| pace.reserve(t0 + Duration::from_micros(i))).collect();
        let cuts = left[20..].iter().rev().filter(|sent_at| pace.pushed_back(**sent_at, t0 + ms(2))).count();
        assert_eq!(cuts, 1, "one cut for the burst");
        assert_eq!(pace.rate(), Some(20.0), "paced at the 20 sent before the first refused");
        // In the order they left, the same.
        let mut pace = Pace::default();
        let left: Vec<Instant> = (0..64).map(|i| pace.reserve(t0 + Duration::from_micros(i))).collect();
        let cuts = left[20..].iter().filter(|sent_at| pace.pushed_back(**sent_at, t0 + ms(2))).count();
        assert_eq!((cuts, pace.rate()), (1, Some(20.0)));
        // A request that left long before and timed out now says nothing of the last window.
        let stale = t0 - Duration::from_secs(30);
        assert!(!pace.pushed_back(stale, t0 + ms(3)));
        assert_eq!(pace.rate(), Some(20.0), "a stale timeout left the pace");
    }

    #[tokio::test(start_paused = true)]
    async fn one_cut_per_window_however_many_refusals_the_burst_before_it_brings() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        for i in 0..20 {
            pace.accepted(t0 + ms(i));
        }
        assert!(refuse(&mut pace, t0, t0 + ms(20)));
        // Requests sent within the window after the cut are refused for the burst before it.
        for i in 1..20 {
            assert!(!pace.pushed_back(t0 + ms(20 + 50 * i), t0 + ms(21 + 50 * i)), "refusal {i} cut again");
        }
        assert_eq!((pace.rate(), pace.cuts), (Some(20.0), 1));
        // A request sent a window after the cut that is refused cuts again, by BETA at most.
        for i in 0..20 {
            pace.accepted(t0 + ms(1100 + 10 * i));
        }
        assert!(refuse(&mut pace, t0 + ms(1100), t0 + ms(1400)));
        assert_eq!(pace.rate(), Some(20.0 * BETA));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cut_gives_no_turn_before_the_turns_already_given_out() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        for i in 0..20 {
            pace.accepted(t0 + ms(i));
        }
        refuse(&mut pace, t0, t0 + ms(20));
        // Forty requests wait for their turns at 20 a second: the last leaves 2 s from now.
        let turns: Vec<Instant> = (0..40).map(|_| pace.reserve(t0 + ms(20))).collect();
        let last = *turns.last().unwrap();
        // A push-back of a request sent a window later cuts the pace while those turns still wait.
        for i in 0..20 {
            pace.accepted(t0 + ms(1030 + i));
        }
        let now = t0 + ms(1050);
        assert!(last > now + ms(500), "turns were given out beyond the cut");
        assert!(refuse(&mut pace, t0 + ms(1040), now));
        let next = pace.reserve(now);
        assert!(next > last, "a turn at {next:?} was given out before one given out earlier, at {last:?}");
        let after = pace.reserve(now);
        assert_eq!(after.duration_since(next), Duration::from_secs_f64(1.0 / pace.rate().unwrap()), "at the new pace");
    }

    #[tokio::test(start_paused = true)]
    async fn a_cut_never_goes_above_what_was_accepted_nor_below_one_a_second() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        for i in 0..5 {
            pace.accepted(t0 + ms(i));
        }
        refuse(&mut pace, t0, t0 + ms(10));
        assert_eq!(pace.rate(), Some(5.0));
        // Nothing accepted over the last second: the slowest pace, not none.
        refuse(&mut pace, t0 + ms(3000), t0 + ms(3000));
        assert_eq!(pace.rate(), Some(MIN_RATE));
    }

    #[tokio::test(start_paused = true)]
    async fn the_pace_recovers_by_one_request_a_second_per_second_while_it_binds() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        for i in 0..10 {
            pace.accepted(t0 + ms(i));
        }
        refuse(&mut pace, t0, t0 + ms(10));
        assert_eq!(pace.rate(), Some(10.0));
        // Ten seconds at the pace, each request answered as it leaves.
        let mut now = t0 + ms(10);
        let end = t0 + Duration::from_secs(10);
        while now < end {
            let at = pace.reserve(now);
            pace.accepted(at);
            now = at;
        }
        let rate = pace.rate().unwrap();
        assert!((18.0..=21.0).contains(&rate), "about +1/s each second for 10 s: {rate}");
        // Unused, the pace does not grow: a later burst would meet a gateway it never tried.
        let idle = pace.rate().unwrap();
        for i in 0..5 {
            pace.accepted(end + Duration::from_secs(5) + ms(300 * i));
        }
        assert_eq!(pace.rate(), Some(idle), "answers while the pace did not bind raise nothing");
    }

    /// A gateway refuses the first request past its rate before the backend has answered the
    /// ones it let through: what it took is the requests sent before the refused one.
    #[tokio::test(start_paused = true)]
    async fn the_first_cut_counts_what_was_sent_before_the_refused_request() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        for i in 0..21 {
            pace.reserve(t0 + ms(i));
        }
        for i in 0..9 {
            pace.accepted(t0 + ms(30 + i));
        }
        assert!(refuse(&mut pace, t0 + ms(20), t0 + ms(40)));
        assert_eq!(pace.rate(), Some(20.0), "20 went before the refused one, though 9 came back");
    }

    /// Back quickly to near the pace that was cut, then one a second per second above it.
    #[tokio::test(start_paused = true)]
    async fn a_cut_pace_comes_back_quickly_to_near_what_worked_then_slowly() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        for i in 0..20 {
            pace.accepted(t0 + ms(i));
        }
        refuse(&mut pace, t0, t0 + ms(20));
        let mut now = t0 + ms(20);
        // Two seconds at 20/s, then a refusal a window after the cut: cut to 14.
        while now < t0 + ms(2000) {
            now = pace.reserve(now);
        }
        assert!(refuse(&mut pace, now, now));
        assert!((pace.rate().unwrap() - 14.0).abs() < 1e-9, "{:?}", pace.rate());
        let cut_at = now;
        let (mut back, mut probe) = (None, None);
        while now < cut_at + Duration::from_secs(6) {
            now = pace.reserve(now);
            pace.accepted(now);
            let rate = pace.rate().unwrap();
            if rate >= 0.9 * 20.0 && back.is_none() {
                back = Some(now.duration_since(cut_at));
            }
            if rate >= 20.0 && probe.is_none() {
                probe = Some(now.duration_since(cut_at));
            }
        }
        let (back, probe) = (back.expect("came back"), probe.expect("reached the old pace"));
        assert!(back < Duration::from_millis(2000), "back to 90 % in {back:?}");
        assert!(probe > back + Duration::from_millis(500), "then slowly: {probe:?} after {back:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request_and_overlapping_pauses_count_once() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        pace.pause(Duration::from_secs(2), t0);
        pace.pause(Duration::from_secs(3), t0);
        pace.pause(Duration::from_secs(1), t0);
        assert_eq!(pace.reserve(t0), t0 + Duration::from_secs(3), "the longest pause holds the next request");
        assert_eq!(pace.paused, Duration::from_secs(3), "overlapping pauses counted once");
        let at = t0 + ms(3500);
        pace.pause(Duration::from_secs(1), at);
        assert_eq!(
            pace.held(at),
            Some(at + Duration::from_secs(1)),
            "a pause asked for later holds a request reserved before it"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn what_the_origin_took_is_its_answers_since_it_first_pushed_back() {
        let mut pace = Pace::default();
        let t0 = Instant::now();
        pace.accepted(t0);
        refuse(&mut pace, t0, t0);
        for i in 1..=40 {
            pace.accepted(t0 + ms(50 * i));
        }
        let took = pace.took().unwrap();
        assert!((19.9..=20.1).contains(&took), "{took}");
    }
}
