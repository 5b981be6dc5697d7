//! How many requests may be in flight to one origin at once: an adaptive limit that learns the
//! target's capacity from the latencies it answers with, so that the suite never queues requests
//! at the target until they time out and then blames the target for its own load.
//!
//! The model is the latency-based limiters of Netflix's concurrency-limits (`VegasLimit`,
//! `Gradient2Limit`) and Envoy's adaptive-concurrency filter: a target that is not queueing
//! answers near its no-load latency, and one that is queueing answers later by about one service
//! time per request ahead of it. So:
//!
//! 1. **Floor.** The no-load latency is the minimum round-trip time over a window of recent
//!    answers (the last [`FLOOR_WINDOW`] to 2 × [`FLOOR_WINDOW`] of them, two rolling buckets as
//!    Envoy re-measures its minRTT), so a warm-up outlier or a target that became slower is
//!    forgotten.
//! 2. **Queued or not.** An answer is *queued* when its round trip exceeds the floor by more than
//!    half (gradient `floor / rtt` below 2/3, Gradient2's tolerance) *and* by more than
//!    [`MIN_RISE`]: jitter of a fast loopback target is not queueing.
//! 3. **Grow.** While answers are not queued and the limit is in use (at least half of it in
//!    flight when the request started or when it ended, Vegas' "app-limited" rule), the limit
//!    grows by one per answer until the first cut (slow start, doubling each round trip: a wide
//!    target reaches the ceiling in a few dozen answers), then by one per limit-many answers
//!    (additive increase).
//! 4. **Cut.** A queued answer cuts the limit to ¾ and a timeout to ½ (multiplicative decrease),
//!    at most once per round trip: an answer or timeout of a request started before the last cut
//!    already reflects the old limit and does not cut again (TCP's one cut per window). Each cut
//!    also leaves slow start.
//! 5. **Bounds.** The limit starts at min(ceiling, [`INITIAL_LIMIT`]) and stays within 1..=ceiling;
//!    a ceiling of 1 is strictly serial.
//!
//! The answers are judged one by one rather than smoothed: a one-worker target shows queueing in
//! the very next answer, and the once-per-round-trip rule already keeps one burst from cutting
//! twice.
//!
//! Slots are a fair (FIFO) [`Semaphore`] whose permits are the limit: growing adds permits,
//! shrinking forgets free ones and, for the rest, forgets permits as they come back. A fair
//! [`RwLock`] in front lets [`AdaptiveLimit::acquire_alone`] wait for every request in flight
//! (each holds a read guard) while the requests that come after it queue behind it.
//!
//! # Use
//!
//! One [`AdaptiveLimit`] per origin, each exchange between [`AdaptiveLimit::acquire`] and
//! [`Permit::done`], with the round trip measured over what `--timeout` bounds:
//!
//! ```ignore
//! let permit = limit.acquire().await;
//! let sent = tokio::time::Instant::now();
//! match tokio::time::timeout(deadline, exchange()).await {
//!     Ok(Ok(answer)) => permit.done(Sample::Answered(sent.elapsed())), // any status is an answer
//!     Ok(Err(_transport)) => permit.done(Sample::Ignored),
//!     Err(_elapsed) => {
//!         let alone = permit.ran_alone();
//!         permit.done(Sample::TimedOut); // before acquire_alone, which waits for every permit out
//!         if !alone {
//!             let permit = limit.acquire_alone().await; // ask again with nothing else in flight
//!             // ... only a timeout here is the target's
//!         }
//!     }
//! }
//! ```
//!
//! A task must never hold a permit while it waits for another of the same origin: a waiting
//! `acquire_alone` would wait for the first while the second waits behind it.

use crate::sync::Locked;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit, RwLock, Semaphore};

/// The limit a new origin starts at (bounded by its ceiling): enough for the requests a short run
/// sends at once to go in one round trip over a slow network; a target that queues them shows it
/// in the first answers, and a timeout among them is asked again alone. Not more: a first wave
/// of 64 to a target of one or two workers at 100 ms, under `--timeout 2`, queued past the
/// timeout and took 1.4 to 2.2 times its serial floor (`scripts/bench-capacity.sh`), where 16
/// keeps within it.
pub const INITIAL_LIMIT: usize = 16;
/// A rise above the latency floor smaller than this is jitter, never queueing.
pub const MIN_RISE: Duration = Duration::from_millis(5);
/// Answers per bucket of the windowed minimum (the floor is the minimum of the last two buckets).
pub const FLOOR_WINDOW: u32 = 32;

/// How one request ended, as reported to [`Permit::done`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// The target answered after this round trip.
    Answered(Duration),
    /// The request exceeded its timeout.
    TimedOut,
    /// Says nothing about load (a transport error, a cancelled request): only frees the slot.
    Ignored,
}

/// The state of one origin's limit, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSnapshot {
    /// Requests that may be in flight now.
    pub limit: usize,
    /// The user's cap (`--concurrency`).
    pub ceiling: usize,
    /// The most requests in flight (counted at a request's start) that the target answered without queueing.
    pub max_unqueued: usize,
    /// The learned no-load latency; `None` before the first answer.
    pub floor: Option<Duration>,
    /// Whether any request to this origin timed out.
    pub timed_out: bool,
}

/// The adaptive limit of one origin (scheme://host:port). Clones share it.
#[derive(Debug, Clone)]
pub struct AdaptiveLimit {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Read by each request for its whole flight, written by a request that must run alone.
    gate: Arc<RwLock<()>>,
    /// One permit per slot under the current limit.
    slots: Arc<Semaphore>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    ceiling: usize,
    limit: usize,
    /// Permits to forget as they come back, because the limit shrank while they were out.
    debt: usize,
    in_flight: usize,
    /// Requests started so far: tells whether any other started while one was in flight.
    starts: u64,
    /// Cuts so far: a request started before the last cut cannot cut again.
    epoch: u64,
    slow_start: bool,
    /// Unqueued answers since the limit last grew.
    good: usize,
    floor: WindowMin,
    max_unqueued: usize,
    timed_out: bool,
}

/// Minimum over the current bucket and the previous full one.
#[derive(Debug, Default)]
struct WindowMin {
    current: Option<Duration>,
    previous: Option<Duration>,
    count: u32,
}

impl WindowMin {
    /// Adds an answer; returns the floor with it.
    fn push(&mut self, rtt: Duration) -> Duration {
        self.current = Some(self.current.map_or(rtt, |c| c.min(rtt)));
        self.count += 1;
        if self.count == FLOOR_WINDOW {
            self.previous = self.current.take();
            self.count = 0;
        }
        self.get().unwrap_or(rtt)
    }

    fn get(&self) -> Option<Duration> {
        match (self.current, self.previous) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Where a request started: what it may tell about the limit when it ends.
#[derive(Debug, Clone, Copy)]
struct Start {
    in_flight: usize,
    /// The limit when the request started: a cut is taken from it at most (TCP's ssthresh from
    /// the flight, not the window), since answers from the head of a queue may have grown the
    /// limit before the first queued one came back.
    limit: usize,
    epoch: u64,
    seq: u64,
}

/// Whether a round trip shows queueing at a target whose no-load latency is `floor`.
fn queued(rtt: Duration, floor: Duration) -> bool {
    rtt > (floor * 3 / 2).max(floor + MIN_RISE)
}

impl State {
    /// Sets the limit (clamped to 1..=ceiling) and the semaphore's permits with it.
    fn resize(&mut self, new: usize, slots: &Semaphore) {
        let new = new.clamp(1, self.ceiling);
        if new > self.limit {
            let grow = new - self.limit;
            let repaid = grow.min(self.debt);
            self.debt -= repaid;
            slots.add_permits(grow - repaid);
        } else {
            let shrink = self.limit - new;
            self.debt += shrink - slots.forget_permits(shrink);
        }
        self.limit = new;
    }

    /// Multiplies the limit by `num / den` (and lowers it by one at least), once per round trip.
    fn cut(&mut self, start: Start, num: usize, den: usize, slots: &Semaphore) {
        if start.epoch != self.epoch {
            return;
        }
        self.epoch += 1;
        self.slow_start = false;
        self.good = 0;
        let new = (self.limit.min(start.limit) * num / den).min(self.limit - 1);
        self.resize(new, slots);
    }

    fn learn(&mut self, start: Start, sample: Sample, slots: &Semaphore) {
        match sample {
            Sample::Ignored => {}
            Sample::TimedOut => {
                self.timed_out = true;
                self.cut(start, 1, 2, slots);
            }
            Sample::Answered(rtt) => {
                let before = self.floor.get();
                let floor = self.floor.push(rtt);
                if before.is_some_and(|before| queued(floor, before)) {
                    // The floor forgotten was an outlier: the cuts it caused were not the target's doing.
                    self.slow_start = true;
                }
                if queued(rtt, floor) {
                    self.cut(start, 3, 4, slots);
                    return;
                }
                self.max_unqueued = self.max_unqueued.max(start.in_flight);
                // In use while the request was in flight: when it started, or when it ended (the
                // first of a burst starts with the others still to come, and ends beside them).
                if start.in_flight.max(self.in_flight) * 2 < self.limit {
                    return; // the limit was not in use: the answer says nothing about a higher one
                }
                self.good += 1;
                if self.slow_start || self.good >= self.limit {
                    self.good = 0;
                    self.resize(self.limit + 1, slots);
                }
            }
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.locked()
    }
}

impl AdaptiveLimit {
    /// A limit for one origin that never lets more than `ceiling` requests (at least 1) be in
    /// flight, starting at [`INITIAL_LIMIT`].
    pub fn new(ceiling: usize) -> Self {
        Self::starting_at(ceiling, INITIAL_LIMIT)
    }

    /// As [`new`](Self::new), starting at `initial` (within 1..=ceiling).
    pub fn starting_at(ceiling: usize, initial: usize) -> Self {
        let ceiling = ceiling.max(1);
        let limit = ceiling.min(initial.max(1));
        let state = State {
            ceiling,
            limit,
            debt: 0,
            in_flight: 0,
            starts: 0,
            epoch: 0,
            slow_start: true,
            good: 0,
            floor: WindowMin::default(),
            max_unqueued: 0,
            timed_out: false,
        };
        let shared = Shared {
            gate: Arc::new(RwLock::new(())),
            slots: Arc::new(Semaphore::new(limit)),
            state: Mutex::new(state),
        };
        Self { shared: Arc::new(shared) }
    }

    /// Waits (in FIFO order) for a slot under the current limit.
    pub async fn acquire(&self) -> Permit {
        let gate = Arc::clone(&self.shared.gate).read_owned().await;
        let slot =
            Arc::clone(&self.shared.slots).acquire_owned().await.expect("the limiter never closes its semaphore");
        self.start(Slot::Shared { _gate: gate, slot })
    }

    /// Waits until no other request to this origin is in flight and keeps every other out until the
    /// permit is done. Requests that ask after this one wait behind it.
    pub async fn acquire_alone(&self) -> Permit {
        let gate = Arc::clone(&self.shared.gate).write_owned().await;
        self.start(Slot::Alone { _gate: gate })
    }

    /// Moves the ceiling (at least 1): the limit is lowered at once when it stands above the new
    /// one, and may grow up to it. The caller bounds what the requests in flight hold this way.
    pub fn set_ceiling(&self, ceiling: usize) {
        let mut st = self.shared.lock();
        st.ceiling = ceiling.max(1);
        if st.limit > st.ceiling {
            let ceiling = st.ceiling;
            st.resize(ceiling, &self.shared.slots);
        }
    }

    /// Cuts the limit by `num / den` now (and by one at least): a push-back the origin's
    /// controller acts on, once for its pace and this limit together.
    pub fn cut(&self, num: usize, den: usize) {
        let mut st = self.shared.lock();
        let now = Start { in_flight: st.in_flight, limit: st.limit, epoch: st.epoch, seq: st.starts };
        st.cut(now, num, den, &self.shared.slots);
    }

    /// The limit now and what it has learned of the target.
    pub fn snapshot(&self) -> LimitSnapshot {
        let st = self.shared.lock();
        LimitSnapshot {
            limit: st.limit,
            ceiling: st.ceiling,
            max_unqueued: st.max_unqueued,
            floor: st.floor.get(),
            timed_out: st.timed_out,
        }
    }

    fn start(&self, slot: Slot) -> Permit {
        let mut st = self.shared.lock();
        st.in_flight += 1;
        st.starts += 1;
        let start = Start { in_flight: st.in_flight, limit: st.limit, epoch: st.epoch, seq: st.starts };
        drop(st);
        Permit { shared: Arc::clone(&self.shared), slot: Some(slot), start }
    }
}

#[derive(Debug)]
enum Slot {
    Shared { _gate: OwnedRwLockReadGuard<()>, slot: OwnedSemaphorePermit },
    Alone { _gate: OwnedRwLockWriteGuard<()> },
}

/// The right to have one request in flight. Report how it ended with [`Permit::done`]; dropping
/// it unreported frees the slot as [`Sample::Ignored`].
#[derive(Debug)]
pub struct Permit {
    shared: Arc<Shared>,
    slot: Option<Slot>,
    start: Start,
}

impl Permit {
    /// Requests in flight to the origin, this one included, when this one started.
    pub fn in_flight_at_start(&self) -> usize {
        self.start.in_flight
    }

    /// Whether this request has had the origin to itself so far: none in flight when it started
    /// and none started since. A timeout is the target's own only when this holds.
    pub fn ran_alone(&self) -> bool {
        self.start.in_flight == 1 && self.shared.lock().starts == self.start.seq
    }

    /// Reports how the request ended and frees its slot.
    pub fn done(mut self, sample: Sample) {
        self.release(sample);
    }

    fn release(&mut self, sample: Sample) {
        let Some(slot) = self.slot.take() else { return };
        let mut st = self.shared.lock();
        st.learn(self.start, sample, &self.shared.slots);
        st.in_flight -= 1;
        // Under the lock, so that a concurrent resize sees the permit either out or back.
        match slot {
            Slot::Shared { slot, .. } if st.debt > 0 => {
                st.debt -= 1;
                slot.forget();
            }
            other => drop(other),
        }
        drop(st);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.release(Sample::Ignored);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    use tokio::task::JoinSet;
    use tokio::time::{Instant, sleep, timeout};

    use super::*;

    /// A simulated worker's service time.
    const SERVICE: Duration = Duration::from_millis(100);
    /// Callers sending at once, far more than any limit here.
    const CALLERS: usize = 32;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A target simulated in-process on the paused clock.
    #[derive(Clone)]
    enum Target {
        /// `n` workers, each busy for [`SERVICE`] per request: latency is queue wait + service.
        Workers(Arc<Semaphore>),
        /// Plenty of workers behind a fixed network delay.
        Wide(Duration),
        /// Plenty of workers, a fixed delay, but the very first answer comes after 1 ms.
        FastFirst(Duration),
        /// A fast local target: 0.2 to 3 ms, jittering (reported as such: the paused clock counts whole ms).
        Loopback,
    }

    impl Target {
        fn workers(n: usize) -> Self {
            Target::Workers(Arc::new(Semaphore::new(n)))
        }

        /// Answers request `i`; returns the round trip to report when it is not the one measured.
        async fn serve(&self, i: usize) -> Option<Duration> {
            match self {
                Target::Workers(workers) => {
                    let _worker = workers.acquire().await.expect("never closed");
                    sleep(SERVICE).await;
                }
                Target::Wide(delay) => sleep(*delay).await,
                Target::FastFirst(delay) => sleep(if i == 0 { ms(1) } else { *delay }).await,
                Target::Loopback => {
                    sleep(ms(1)).await;
                    return Some(Duration::from_micros(200 + (i as u64 * 7919) % 2800));
                }
            }
            None
        }
    }

    /// What `requests` requests through the limiter, from [`CALLERS`] callers, measured.
    #[derive(Debug)]
    struct Run {
        elapsed: Duration,
        /// In the order the answers came: round trip, and the limit right after it was reported.
        answers: Vec<(Duration, usize)>,
        max_in_flight: usize,
    }

    impl Run {
        fn rtts(&self, from: usize) -> impl Iterator<Item = Duration> + '_ {
            self.answers[from..].iter().map(|a| a.0)
        }

        fn limits(&self, from: usize) -> impl Iterator<Item = usize> + '_ {
            self.answers[from..].iter().map(|a| a.1)
        }
    }

    async fn drive(limit: &AdaptiveLimit, target: Target, requests: usize) -> Run {
        let next = Arc::new(AtomicUsize::new(0));
        let answered = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let began = Instant::now();
        let mut callers = JoinSet::new();
        for _ in 0..CALLERS {
            let (limit, target) = (limit.clone(), target.clone());
            let (next, answered) = (Arc::clone(&next), Arc::clone(&answered));
            let (in_flight, max_in_flight) = (Arc::clone(&in_flight), Arc::clone(&max_in_flight));
            callers.spawn(async move {
                let mut answers = Vec::new();
                loop {
                    let i = next.fetch_add(1, SeqCst);
                    if i >= requests {
                        return answers;
                    }
                    let permit = limit.acquire().await;
                    max_in_flight.fetch_max(in_flight.fetch_add(1, SeqCst) + 1, SeqCst);
                    let sent = Instant::now();
                    let rtt = target.serve(i).await.unwrap_or_else(|| sent.elapsed());
                    in_flight.fetch_sub(1, SeqCst);
                    permit.done(Sample::Answered(rtt));
                    answers.push((answered.fetch_add(1, SeqCst), rtt, limit.snapshot().limit));
                }
            });
        }
        let mut answers = Vec::new();
        while let Some(caller) = callers.join_next().await {
            answers.extend(caller.expect("caller task"));
        }
        answers.sort_by_key(|a| a.0);
        let run = Run {
            elapsed: began.elapsed(),
            answers: answers.into_iter().map(|a| (a.1, a.2)).collect(),
            max_in_flight: max_in_flight.load(SeqCst),
        };
        let (worst, warm) = (run.rtts(0).max(), run.rtts(20).max());
        let (limit, snap) = (run.limits(0).collect::<Vec<_>>(), limit.snapshot());
        println!(
            "elapsed {:?}, max in flight {}, worst rtt {worst:?} ({warm:?} after 20 answers), {snap:?}\nlimits {limit:?}",
            run.elapsed, run.max_in_flight
        );
        run
    }

    #[tokio::test(start_paused = true)]
    async fn a_one_worker_target_settles_at_one_or_two_and_never_queues_long() {
        // From INITIAL_LIMIT at once, one cut by a quarter a round trip: 16, 12, 9, 6, 4, 3, 2 in
        // flight before it settles, about 52 answers of warm-up.
        let limit = AdaptiveLimit::new(16);
        let run = drive(&limit, Target::workers(1), 200).await;
        let settled = run.limits(60).max().expect("answers");
        assert!(settled <= 2, "settled at {settled}");
        let worst = run.rtts(60).max().expect("answers");
        assert!(worst <= 3 * SERVICE, "a round trip of {worst:?} after warm-up");
        assert!(run.elapsed <= 2 * 200 * SERVICE, "took {:?}", run.elapsed);
        assert_eq!(limit.snapshot().floor, Some(SERVICE));
        assert!(limit.snapshot().max_unqueued <= 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_two_worker_target_settles_at_two_or_three() {
        let limit = AdaptiveLimit::new(16);
        let run = drive(&limit, Target::workers(2), 200).await;
        let (low, high) = (run.limits(50).min().expect("answers"), run.limits(50).max().expect("answers"));
        assert!((2..=3).contains(&low) && high <= 3, "settled between {low} and {high}");
        assert!(run.elapsed <= 200 * SERVICE * 13 / 20, "took {:?}", run.elapsed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wide_target_behind_network_delay_gets_the_ceiling_quickly() {
        let limit = AdaptiveLimit::new(16);
        let run = drive(&limit, Target::Wide(ms(50)), 200).await;
        let reached = run.limits(0).position(|l| l == 16).expect("the limit reached the ceiling");
        assert!(reached < 40, "after {reached} answers");
        assert!(run.limits(reached).all(|l| l == 16), "the limit fell from the ceiling");
        assert_eq!(run.max_in_flight, 16);
        // 200 / 16 rounds of 50 ms at the ceiling = 625 ms.
        assert!(run.elapsed <= ms(900), "took {:?}", run.elapsed);
        assert_eq!(limit.snapshot().max_unqueued, 16);
    }

    #[tokio::test(start_paused = true)]
    async fn loopback_jitter_is_not_queueing() {
        let limit = AdaptiveLimit::new(16);
        let run = drive(&limit, Target::Loopback, 200).await;
        assert!(run.limits(0).is_sorted(), "the limit was cut");
        assert_eq!(limit.snapshot().limit, 16);
    }

    #[tokio::test(start_paused = true)]
    async fn a_warm_up_outlier_does_not_stick_as_the_floor() {
        let limit = AdaptiveLimit::new(16);
        let run = drive(&limit, Target::FastFirst(ms(50)), 200).await;
        assert_eq!(limit.snapshot().floor, Some(ms(50)));
        let reached = run.limits(0).position(|l| l == 16).expect("the limit reached the ceiling");
        assert!(reached <= 2 * FLOOR_WINDOW as usize + 40, "after {reached} answers");
    }

    #[tokio::test(start_paused = true)]
    async fn a_ceiling_of_one_is_strictly_serial() {
        let limit = AdaptiveLimit::new(1);
        let run = drive(&limit, Target::Wide(ms(50)), 200).await;
        assert_eq!(run.max_in_flight, 1);
        assert_eq!(run.elapsed, 200 * ms(50));
        assert_eq!(limit.snapshot().limit, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_alone_waits_for_the_flight_then_holds_the_origin() {
        let limit = AdaptiveLimit::new(4);
        let (first, second) = (limit.acquire().await, limit.acquire().await);
        let alone = tokio::spawn({
            let limit = limit.clone();
            async move { limit.acquire_alone().await }
        });
        sleep(ms(10)).await;
        let later = tokio::spawn({
            let limit = limit.clone();
            async move { limit.acquire().await }
        });
        sleep(ms(10)).await;
        assert!(!alone.is_finished(), "ran alone beside two in flight");
        assert!(!later.is_finished(), "a later request overtook the one waiting to run alone");
        first.done(Sample::Answered(ms(20)));
        sleep(ms(10)).await;
        assert!(!alone.is_finished(), "ran alone beside one in flight");
        drop(second);
        let alone = timeout(ms(10), alone).await.expect("alone once the flight landed").expect("task");
        assert_eq!(alone.in_flight_at_start(), 1);
        sleep(ms(1000)).await;
        assert!(!later.is_finished(), "a request started beside the one running alone");
        assert!(alone.ran_alone());
        alone.done(Sample::Answered(ms(20)));
        let later = timeout(ms(10), later).await.expect("queued request resumed").expect("task");
        assert_eq!(later.in_flight_at_start(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn ran_alone_says_whether_another_started_meanwhile() {
        let limit = AdaptiveLimit::new(4);
        let first = limit.acquire().await;
        assert!(first.ran_alone());
        let second = limit.acquire().await;
        assert_eq!(second.in_flight_at_start(), 2);
        drop(second);
        assert!(!first.ran_alone(), "another was in flight beside it");
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_halves_the_limit_once_per_round_trip() {
        let limit = AdaptiveLimit::starting_at(16, 4);
        assert_eq!(limit.snapshot().limit, 4);
        let round: Vec<Permit> = vec![limit.acquire().await, limit.acquire().await, limit.acquire().await];
        for permit in round {
            permit.done(Sample::TimedOut);
        }
        let snap = limit.snapshot();
        assert_eq!((snap.limit, snap.timed_out), (2, true));
        limit.acquire().await.done(Sample::TimedOut);
        assert_eq!(limit.snapshot().limit, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_answer_cuts_the_limit_by_a_quarter() {
        let limit = AdaptiveLimit::starting_at(16, 4);
        let (first, second) = (limit.acquire().await, limit.acquire().await);
        first.done(Sample::Answered(ms(100)));
        second.done(Sample::Answered(ms(200)));
        assert_eq!(limit.snapshot().limit, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cut_binds_before_the_permits_out_come_back() {
        let limit = AdaptiveLimit::starting_at(16, 4);
        let mut out: Vec<Permit> = Vec::new();
        for _ in 0..4 {
            out.push(limit.acquire().await);
        }
        out.pop().expect("four out").done(Sample::TimedOut);
        assert_eq!(limit.snapshot().limit, 2);
        drop(out.pop());
        assert!(timeout(ms(100), limit.acquire()).await.is_err(), "three in flight under a limit of two");
        drop(out.pop());
        let third = timeout(ms(100), limit.acquire()).await.expect("one in flight under a limit of two");
        assert_eq!(third.in_flight_at_start(), 2);
        assert!(timeout(ms(100), limit.acquire()).await.is_err(), "three in flight under a limit of two");
    }

    /// A first burst starts one request at a time, with few beside the first ones; with requests
    /// waiting behind it, each answer ends with the limit in use, and slow start doubles it in
    /// one round trip (counting only the requests that started beside half the limit, it grew
    /// to 24 and took five round trips from 16 to 64 at 50 ms).
    #[tokio::test(start_paused = true)]
    async fn slow_start_doubles_the_limit_in_a_round_trip_of_a_busy_run() {
        let limit = AdaptiveLimit::starting_at(64, 16);
        let mut out = burst(&limit).await;
        answer_and_refill(&limit, &mut out, 16, ms(50)).await;
        assert_eq!(limit.snapshot().limit, 32);
        assert_eq!(out.len(), 32, "the freed and the new slots all taken");
    }

    /// As many requests as the limit allows, started one after another.
    async fn burst(limit: &AdaptiveLimit) -> std::collections::VecDeque<Permit> {
        let mut out = std::collections::VecDeque::new();
        while let Ok(next) = timeout(ms(1), limit.acquire()).await {
            out.push_back(next);
        }
        out
    }

    /// Answers the `n` oldest requests in `out` after `rtt`, each slot freed taken at once by a
    /// request waiting behind them (a busy run).
    async fn answer_and_refill(
        limit: &AdaptiveLimit,
        out: &mut std::collections::VecDeque<Permit>,
        n: usize,
        rtt: Duration,
    ) {
        for _ in 0..n {
            out.pop_front().expect("one in flight").done(Sample::Answered(rtt));
            out.extend(burst(limit).await);
        }
    }

    /// A burst at a target with four workers: the four at the head of its queue come back at its
    /// floor with the limit in use and grow it, but the first queued answer cuts from the limit
    /// the burst went out under (16 to 12), not from the one the head grew (20 to 15).
    #[tokio::test(start_paused = true)]
    async fn a_cut_is_taken_from_the_limit_its_request_started_under() {
        let limit = AdaptiveLimit::starting_at(64, 16);
        let mut out = burst(&limit).await;
        assert_eq!(out.len(), 16);
        answer_and_refill(&limit, &mut out, 4, ms(10)).await;
        assert_eq!(limit.snapshot().limit, 20, "the head of the queue grew it");
        out.pop_front().expect("in flight").done(Sample::Answered(ms(20)));
        assert_eq!(limit.snapshot().limit, 12);
    }

    #[tokio::test(start_paused = true)]
    async fn snapshot_reports_floor_and_the_most_held_unqueued() {
        let limit = AdaptiveLimit::starting_at(8, 4);
        let empty = LimitSnapshot { limit: 4, ceiling: 8, max_unqueued: 0, floor: None, timed_out: false };
        assert_eq!(limit.snapshot(), empty);
        let permits = [limit.acquire().await, limit.acquire().await, limit.acquire().await];
        for (permit, rtt) in permits.into_iter().zip([30, 20, 21]) {
            permit.done(Sample::Answered(ms(rtt)));
        }
        // The first answer came with the limit barely in use; the next two grew it (slow start).
        let grown = LimitSnapshot { limit: 6, ceiling: 8, max_unqueued: 3, floor: Some(ms(20)), timed_out: false };
        assert_eq!(limit.snapshot(), grown);
    }

    #[tokio::test(start_paused = true)]
    async fn dropped_permits_and_cancelled_waits_free_their_slots() {
        let limit = AdaptiveLimit::new(1);
        drop(limit.acquire().await);
        let held = timeout(ms(10), limit.acquire()).await.expect("a dropped permit frees its slot");
        assert!(timeout(ms(10), limit.acquire()).await.is_err(), "two in flight under a ceiling of one");
        assert!(timeout(ms(10), limit.acquire_alone()).await.is_err(), "alone beside one in flight");
        drop(held);
        let alone = timeout(ms(10), limit.acquire_alone()).await.expect("cancelled waits hold nothing");
        drop(alone);
        timeout(ms(10), limit.acquire()).await.expect("a dropped alone permit frees the origin").done(Sample::Ignored);
        let snap = limit.snapshot();
        assert_eq!((snap.limit, snap.floor), (1, None), "a dropped permit is no sample");
    }

    #[tokio::test(start_paused = true)]
    async fn a_lowered_ceiling_holds_at_once_and_a_raised_one_lets_the_limit_grow() {
        let limit = AdaptiveLimit::starting_at(8, 4);
        assert_eq!(limit.snapshot().limit, 4);
        limit.set_ceiling(2);
        assert_eq!((limit.snapshot().limit, limit.snapshot().ceiling), (2, 2));
        let (a, b) = (limit.acquire().await, limit.acquire().await);
        let third = tokio::time::timeout(Duration::from_millis(10), limit.acquire()).await;
        assert!(third.is_err(), "a third request waits under a ceiling of 2");
        a.done(Sample::Answered(Duration::from_millis(5)));
        b.done(Sample::Answered(Duration::from_millis(5)));
        limit.set_ceiling(16);
        for _ in 0..40 {
            let permits: Vec<Permit> = futures_join(&limit, limit.snapshot().limit).await;
            for p in permits {
                p.done(Sample::Answered(Duration::from_millis(5)));
            }
        }
        assert_eq!(limit.snapshot().limit, 16, "the limit grows to the raised ceiling");
    }

    #[test]
    fn a_new_limit_starts_at_the_initial_limit_within_its_ceiling() {
        assert_eq!(AdaptiveLimit::new(64).snapshot().limit, INITIAL_LIMIT);
        assert_eq!(AdaptiveLimit::new(3).snapshot().limit, 3);
        assert_eq!(AdaptiveLimit::new(0).snapshot().limit, 1);
        assert_eq!(AdaptiveLimit::starting_at(8, 0).snapshot().limit, 1);
    }

    async fn futures_join(limit: &AdaptiveLimit, n: usize) -> Vec<Permit> {
        let mut permits = Vec::new();
        for _ in 0..n {
            permits.push(limit.acquire().await);
        }
        permits
    }
}
