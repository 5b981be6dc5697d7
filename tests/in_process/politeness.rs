//! A production target without harming it, against real servers on loopback: a target that
//! answers 429 with `Retry-After` is waited for and asked again (and the run says how long it
//! waited), `--rate-limit` keeps a run under a target's own limit, and `--retries` resends a
//! request after a reset connection, reporting its scenario as flaky.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::fronts::{resetting_connection, resetting_front, upstream_of};
use crate::support::in_process::{config_for, run_with};
use vpp_conformance::config::RunConfig;
use vpp_conformance::config::units::parse_rate;
use vpp_conformance::outcome::{FailureKind, Status, TransportKind};
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::{RunOutcome, Verdict};
use wiremock::{Match, Mock, Request, ResponseTemplate};

/// A subset of scenarios that sends a few dozen requests, of both APIs.
const SOME: &str = "@apple-vpp or @UEM-QRY-001 or @UEM-QRY-002 or @UEM-QRY-003";
/// Enough requests (a few dozen) to measure a rate.
const MANY: &str = "not @any-data";

fn results(outcome: &RunOutcome) -> String {
    outcome
        .scenarios
        .iter()
        .map(|s| {
            format!("{} {:?} flaky={:?}: {}", s.id, s.verdict(), s.flaky, s.reason().unwrap_or_else(|| "-".into()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_passed(outcome: &RunOutcome, out: &str) {
    assert!(outcome.passed(), "the run failed\n{}\n--- output ---\n{out}", results(outcome));
    assert!(!outcome.scenarios.is_empty());
}

/// Matches the first `n` requests it sees.
struct FirstN {
    n: usize,
    seen: AtomicUsize,
}

impl Match for FirstN {
    fn matches(&self, _: &Request) -> bool {
        self.seen.fetch_add(1, Ordering::SeqCst) < self.n
    }
}

/// Matches every request, counting them.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Counter {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Match for Counter {
    fn matches(&self, _: &Request) -> bool {
        self.0.fetch_add(1, Ordering::SeqCst);
        true
    }
}

/// Notes when each request arrives, and matches none (the reference answers them all).
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<Instant>>>);

impl Match for Arrivals {
    fn matches(&self, _: &Request) -> bool {
        self.0.lock().unwrap().push(Instant::now());
        false
    }
}

impl Arrivals {
    /// The most requests that arrived within any one second.
    fn busiest_second(&self) -> usize {
        let arrived = self.0.lock().unwrap();
        let within = |start: &Instant| {
            arrived.iter().filter(|t| **t >= *start && t.duration_since(*start) < Duration::from_secs(1)).count()
        };
        arrived.iter().map(within).max().unwrap_or(0)
    }
}

async fn reference() -> ReferenceTarget {
    ReferenceTarget::start(ReferenceOptions::default()).await.expect("reference starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_asks_to_wait_is_waited_for_and_the_report_says_so() {
    let target = reference().await;
    target
        .mount_ahead(
            Mock::given(FirstN { n: 3, seen: AtomicUsize::new(0) })
                .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1")),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.md");
    let config = RunConfig { tags: Some(SOME.into()), reports: vec![report.clone()], ..config_for(&target.url()) };
    let (outcome, out) = run_with(&config).await;
    assert_passed(&outcome, &out);
    let notice = outcome
        .notices
        .iter()
        .find(|n| n.contains("pushed back"))
        .unwrap_or_else(|| panic!("no pushback notice: {:?}\n{out}", outcome.notices));
    assert!(notice.contains("pushed back 3 time(s)"), "{notice}");
    // The three 429s may come at once: the run pauses for the second each asked, overlapping
    // pauses counted once (the pauses asked, not a clock's reading).
    let waited: f64 = notice.split("waited ").nth(1).and_then(|t| t.split('s').next()).unwrap().parse().unwrap();
    assert!((1.0..=3.5).contains(&waited), "{notice}");
    let said = format!("NOTICE: the target at {} pushed back 3 time(s)", target.url());
    assert!(out.contains(&said), "{out}");
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains(&said["NOTICE: ".len()..]), "the report shows the waits:\n{md}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_keeps_pushing_back_is_not_judged_and_never_a_broken_rule() {
    let target = reference().await;
    let pushbacks = Counter::default();
    target
        .mount_ahead(
            Mock::given(wiremock::matchers::path("/mdm/VPPServiceConfigSrv"))
                .and(pushbacks.clone())
                .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "5")),
        )
        .await;
    let config = RunConfig {
        tags: Some("@APL-CFG-001".into()),
        max_retry_after: Duration::from_secs(2),
        ..config_for(&target.url())
    };
    let (outcome, out) = run_with(&config).await;
    // A wait of 5 s is over --max-retry-after 2s: the run gives up at the first push-back
    // instead of waiting and asking again.
    assert_eq!(pushbacks.count(), 1, "the run asked again after a push-back it should give up on\n{out}");
    assert!(!outcome.passed(), "{out}");
    let s = &outcome.scenarios[0];
    assert_eq!(s.verdict(), Verdict::Error, "{}", results(&outcome));
    assert_eq!(s.failure().map(|f| f.kind), Some(FailureKind::Transport(TransportKind::PushedBack)));
    let reason = s.reason().unwrap();
    assert!(reason.contains("the target pushed back"), "{reason}");
    assert!(reason.contains("--max-retry-after 2s"), "{reason}");
    assert!(!reason.contains("expected"), "not worded as a documented rule: {reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_spaces_the_requests_the_run_sends() {
    let target = reference().await;
    let config = RunConfig {
        tags: Some(MANY.into()),
        rate_limit: Some(parse_rate("15/s").unwrap()),
        ..config_for(&target.url())
    };
    let (outcome, out) = run_with(&config).await;
    assert_passed(&outcome, &out);
    // The rate as the suite sent its requests, one a period with no burst: a loaded machine
    // only spreads them out. (Arrivals at a server on the same machine can bunch up behind a
    // stall of its own, so the server's count is no measure of what the suite sent.)
    let rate = outcome.notices.iter().find(|n| n.starts_with("rate: ")).unwrap_or_else(|| panic!("{out}"));
    let sent: u64 = rate["rate: ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert!(sent >= 20, "too few requests to measure a rate: {rate}");
    let measured: f64 = rate.split(", ").nth(1).and_then(|t| t.split(' ').next()).unwrap().parse().unwrap();
    assert!(measured > 0.0 && measured <= 15.0 * 1.01, "{rate}");
    assert!(out.contains("NOTICE: rate: ") && out.contains("(--rate-limit 15/s"), "{out}");
    eprintln!("rate-limit 15/s: {rate}");

    // The control: without the limit the same requests go out faster than 15 a second. (Its
    // first wave alone is 16 requests at once, which a stall of the machine delays together.)
    let arrivals = Arrivals::default();
    let target = reference().await;
    target.mount_ahead(Mock::given(arrivals.clone()).respond_with(ResponseTemplate::new(500))).await;
    let (outcome, out) = run_with(&RunConfig { tags: Some(MANY.into()), ..config_for(&target.url()) }).await;
    assert_passed(&outcome, &out);
    let busiest = arrivals.busiest_second();
    assert!(busiest > 15, "without --rate-limit only {busiest} requests arrived within a second\n{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_get_past_reset_connections_and_mark_the_scenarios_flaky() {
    let target = reference().await;
    let (url, resets) = resetting_front(upstream_of(&target), 5).await;
    let dir = tempfile::tempdir().unwrap();
    let (junit, json, md, html) =
        (dir.path().join("j.xml"), dir.path().join("c.json"), dir.path().join("r.md"), dir.path().join("r.html"));
    // A date-bound @any-data scenario sends many queries at once, so the run opens enough
    // connections for every fifth to be reset, whatever the machine's load. No scenario that
    // needs the canonical data set, whose check runs beside the scenarios and notes no retry.
    let config = RunConfig {
        tags: Some("@apple-vpp or @UEM-ANY-005".to_owned()),
        retries: 2,
        junit: Some(junit.clone()),
        json: Some(json.clone()),
        reports: vec![md.clone(), html.clone()],
        ..config_for(&url)
    };
    let (outcome, out) = run_with(&config).await;
    assert!(resets.load(Ordering::SeqCst) > 0, "no request was reset");
    assert_passed(&outcome, &out);
    let flaky: Vec<_> = outcome.flaky().collect();
    assert!(!flaky.is_empty(), "no scenario marked flaky\n{}\n{out}", results(&outcome));
    let id = flaky[0].id.clone();
    assert!(flaky[0].flaky[0].contains("attempt 1"), "{:?}", flaky[0].flaky);
    assert!(out.contains(&format!("[{id}] FLAKY ")), "the summary lists it:\n{out}");
    crate::support::binary::assert_valid_junit(&junit);
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(junit.contains("FLAKY: a request was sent again"), "JUnit says so:\n{junit}");
    // As Maven Surefire marks a test that passed on a rerun, which CI tools show as flaky.
    assert!(junit.contains("<flakyFailure message=\"passed only after requests were sent again"), "{junit}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let embedded = json.to_string();
    let decoded = embedded
        .split('"')
        .filter_map(|piece| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, piece).ok())
        .any(|bytes| String::from_utf8_lossy(&bytes).contains("FLAKY: a request was sent again"));
    assert!(decoded || embedded.contains("FLAKY"), "Cucumber JSON says so");
    for report in [md, html] {
        let text = std::fs::read_to_string(&report).unwrap();
        assert!(text.contains("Flaky") && text.contains(&id), "{} shows it:\n{text}", report.display());
    }
    eprintln!("resets: {}, flaky scenarios: {}", resets.load(Ordering::SeqCst), flaky.len());

    // Without --retries the same resets fail scenarios: the retries above are what passed them.
    let target = reference().await;
    let (url, resets) = resetting_front(upstream_of(&target), 5).await;
    // The Apple scenarios only: the check for the canonical data set that UEM scenarios start
    // with lets a request that gets no answer go (the scenarios then speak for the target), so a
    // reset there fails nothing.
    let (outcome, out) = run_with(&RunConfig { tags: Some("@apple-vpp".into()), ..config_for(&url) }).await;
    // Which connection the client opens fifth, and whether it sends a request on it, is its own
    // business: judged only when a request was reset.
    if resets.load(Ordering::SeqCst) > 0 {
        // (a SHOULD or INFO scenario it hit is not met rather than failed)
        let hit = outcome.scenarios.iter().any(|s| s.verdict() != Verdict::Passed);
        assert!(hit, "a reset request passed without --retries\n{out}");
    }
    assert_eq!(outcome.flaky().count(), 0);
}

#[test]
fn rates_and_retry_after_values_parse() {
    use vpp_conformance::http::parse_retry_after;
    assert_eq!(parse_rate("15/s").unwrap().per_second(), 15.0);
    assert_eq!(parse_rate("600/m").unwrap().per_second(), 10.0);
    assert_eq!(parse_rate("15/s").unwrap().to_string(), "15/s");
    for bad in ["0/s", "x/s", "15/h", ""] {
        assert!(parse_rate(bad).is_err(), "{bad:?} was taken");
    }
    let now = chrono::DateTime::parse_from_rfc2822("Wed, 21 Oct 2015 07:28:00 GMT").unwrap().to_utc();
    assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
    assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
    assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("soon", now), None);
}

/// A pause longer than `--max-retry-after` is no pause at all: the request it was asked for gives
/// up (not judged) and no other request of the target waits for it; a day's `Retry-After` on one
/// API's route leaves the other API's scenarios judged, and the run ends. The other API answers
/// late, so the day's pause comes before the target's first usable answer: one refused pause
/// does not make the target down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_past_max_retry_after_holds_no_other_request() {
    let late = Quirk::SlowOn { path_holds: "vppAccounts".into(), delay: Duration::from_millis(300) };
    let target = ReferenceTarget::start(ReferenceOptions::default().with_quirk(late)).await.expect("reference starts");
    target
        .mount_ahead(
            Mock::given(wiremock::matchers::path("/mdm/VPPServiceConfigSrv"))
                .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "86400")),
        )
        .await;
    let config = RunConfig { tags: Some("@APL-CFG-001 or @sample".into()), ..config_for(&target.url()) };
    let (outcome, out) = run_with(&config).await;
    let apple = outcome.scenario("APL-CFG-001").expect("ran");
    assert_eq!(apple.failure().map(|f| f.kind), Some(FailureKind::Transport(TransportKind::PushedBack)), "{out}");
    let uem: Vec<_> = outcome.scenarios.iter().filter(|s| s.id.starts_with("UEM-")).collect();
    assert!(!uem.is_empty() && uem.iter().all(|s| s.status == Status::Pass), "{}\n{out}", results(&outcome));
    assert!(!out.contains("the pauses it asked for"), "no pause of a day was taken, nor said to be: {out}");
    // Every UEM request may have left before the day's pause came: the target must not be
    // called down, or a UEM request sent after would be withheld.
    assert!(!out.contains("every scenario that needs it ends ERROR"), "one refused pause downed the target: {out}");
}

/// An `@any-data` scenario sends its many queries through the client directly: a query sent
/// again after a reset makes that scenario flaky too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_any_data_scenario_whose_queries_were_sent_again_is_flaky() {
    let target = reference().await;
    let (url, resets) = resetting_front(upstream_of(&target), 4).await;
    let config = RunConfig { tags: Some("@UEM-ANY-005".into()), retries: 3, ..config_for(&url) };
    let (outcome, out) = run_with(&config).await;
    assert!(resets.load(Ordering::SeqCst) > 0, "no request was reset");
    assert_passed(&outcome, &out);
    let s = outcome.scenario("UEM-ANY-005").expect("ran");
    assert!(!s.flaky.is_empty(), "the date-bound scenario's resent queries mark it flaky\n{}", results(&outcome));
    assert_eq!(noted_retries(s), sent_again(&outcome), "each request sent again is the scenario's\n{out}");
}

/// The listing the `@any-data` scenarios share is gathered by the first of them: a request of it
/// sent again is that scenario's, and the run's count of requests sent again is the scenarios'.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_request_sent_again_is_credited_to_the_scenario_that_gathered_it() {
    let target = reference().await;
    // The run's first connections carry the listing's three requests, sent at once.
    let (url, resets) = resetting_connection(upstream_of(&target), 1).await;
    let config = RunConfig { tags: Some("@any-data and @uem".into()), retries: 2, ..config_for(&url) };
    let (outcome, out) = run_with(&config).await;
    assert_eq!(resets.load(Ordering::SeqCst), 1, "the first connection was reset\n{out}");
    assert_passed(&outcome, &out);
    let credited: usize = outcome.scenarios.iter().map(noted_retries).sum();
    assert_eq!(credited, sent_again(&outcome), "each request sent again is a scenario's\n{out}");
    assert!(credited > 0, "the scenario that gathered the listing is flaky\n{out}");
}

/// How many requests a scenario's flaky notes say were sent again: each note is one, or one "and
/// N more like it" (the notes are said once per cause).
fn noted_retries(s: &vpp_conformance::outcome::ScenarioResult) -> usize {
    let more = |note: &String| -> usize {
        note.rsplit_once("(and ").and_then(|(_, n)| n.split(' ').next()?.parse().ok()).unwrap_or(0)
    };
    s.flaky.iter().map(|n| 1 + more(n)).sum()
}

/// How many requests the run sent again after a transport error, as its notices say.
fn sent_again(outcome: &RunOutcome) -> usize {
    outcome
        .notices
        .iter()
        .find_map(|n| n.split_once(" request(s) sent again")?.0.parse().ok())
        .expect("the run's notices count the requests sent again")
}

/// A conformant target of modest capacity (one worker, each request 20 ms of its time) passes
/// whatever `--concurrency` lets the suite send: the suite learns how many requests the target
/// takes at once, so its own load never queues a request past `--timeout`; and a request that
/// timed out among others would be asked again alone before it counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_worker_target_gets_the_same_verdict_whatever_the_concurrency() {
    let options =
        ReferenceOptions::default().with_quirk(Quirk::Workers { workers: 1, service: Duration::from_millis(20) });
    let target = ReferenceTarget::start(options).await.unwrap();
    let mut verdicts = Vec::new();
    for concurrency in [64, 1] {
        let config = RunConfig {
            tags: Some("@UEM-ANY-002 or @UEM-ANY-005 or @apple-vpp".into()),
            // 64 requests queued at once at this target would wait 1.3 s.
            timeout: Duration::from_millis(600),
            concurrency,
            seed: Some(5),
            max_requests: 40,
            ..config_for(&target.url())
        };
        let (outcome, out) = run_with(&config).await;
        assert!(outcome.passed(), "--concurrency {concurrency}: {}\n{out}", results(&outcome));
        assert!(out.contains("served up to"), "the run says what it learned of the target:\n{out}");
        verdicts.push(outcome.scenarios.iter().map(|s| (s.id.clone(), s.status)).collect::<Vec<_>>());
    }
    assert_eq!(verdicts[0], verdicts[1], "the verdict is the target's, not the suite's load");
}

/// The other half: a request that takes longer than `--timeout` alone ends its scenario not
/// judged (ERROR, the exit status 3), with a reason that names the timeout, never a broken rule;
/// the scenarios whose requests only queued behind it pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_slower_than_the_timeout_alone_is_not_judged() {
    let options = ReferenceOptions::default()
        .with_quirk(Quirk::Workers { workers: 1, service: Duration::from_millis(20) })
        .with_quirk(Quirk::SlowOn {
            path_holds: "6359d1fc-6b8b-4920-ae0e-9c8405cb08b5".into(),
            delay: Duration::from_millis(1500),
        });
    let target = ReferenceTarget::start(options).await.unwrap();
    let config = RunConfig {
        tags: Some("@UEM-GET-001 or @UEM-QRY-001 or @apple-vpp".into()),
        timeout: Duration::from_millis(600),
        ..config_for(&target.url())
    };
    let (outcome, out) = run_with(&config).await;
    let slow = outcome.scenarios.iter().find(|s| s.id == "UEM-GET-001").expect("UEM-GET-001 ran");
    assert_eq!(slow.status, Status::Error, "{}\n{out}", results(&outcome));
    assert_eq!(outcome.conclusion(), vpp_conformance::outcome::Conclusion::Error, "{}", results(&outcome));
    let reason = slow.reason().unwrap_or_default();
    assert!(reason.contains("did not answer within --timeout (600ms)"), "the reason names the timeout: {reason}");
    assert!(!reason.contains("broke the rule"), "a timeout is not a broken rule: {reason}");
    let others: Vec<_> = outcome.scenarios.iter().filter(|s| s.id != "UEM-GET-001").collect();
    assert!(others.len() >= 10 && others.iter().all(|s| s.status == Status::Pass), "{}", results(&outcome));
    assert!(out.contains("ERROR        UEM-GET-001"), "the log names the status:\n{out}");
}

/// A scenario that finds its request redirected asks again without following, to see the first
/// status: that request, sent again after a reset, is the scenario's too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_that_reads_a_redirect_is_credited_when_sent_again() {
    let quirk = Quirk::Apple(vpp_conformance::reference::AppleQuirk::BadRedirectToGet);
    let target = ReferenceTarget::start(ReferenceOptions::default().with_quirk(quirk)).await.unwrap();
    // The first connection carries the POST and the redirect it follows; the client that does not
    // follow redirects opens the second.
    let (url, resets) = resetting_connection(upstream_of(&target), 2).await;
    let config = RunConfig { tags: Some("@APL-CFG-011".into()), retries: 2, ..config_for(&url) };
    let (outcome, out) = run_with(&config).await;
    assert_eq!(resets.load(Ordering::SeqCst), 1, "the second connection was reset\n{out}");
    let s = outcome.scenario("APL-CFG-011").expect("ran");
    assert_eq!(s.verdict(), Verdict::Failed, "the redirect to GET is still caught\n{out}");
    assert_eq!(noted_retries(s), sent_again(&outcome), "each request sent again is the scenario's\n{out}");
}

/// Notes every request's method, path and query, and headers, and matches none.
#[derive(Clone, Default)]
struct Requests(Arc<Mutex<Vec<String>>>);

impl Match for Requests {
    fn matches(&self, r: &Request) -> bool {
        let mut headers: Vec<String> =
            r.headers.iter().map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("?"))).collect();
        headers.sort();
        self.0.lock().unwrap().push(format!("{} {} {}", r.method, r.url, headers.join("; ")));
        false
    }
}

/// A GET that scenarios send alike goes to the target once: the whole default run sends no GET
/// twice with the same headers, says how many took an answer of one sent before, and passes.
/// (That each scenario is still judged on the answer, a defect in it failing every scenario that
/// asks, is what the seeded-defect table in `verdict.rs` shows on the same runs.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_read_goes_to_the_target_once() {
    let target = reference().await;
    let seen = Requests::default();
    target.mount_ahead(Mock::given(seen.clone()).respond_with(ResponseTemplate::new(500))).await;
    let (outcome, out) = run_with(&config_for(&target.url())).await;
    assert_passed(&outcome, &out);
    let seen = seen.0.lock().unwrap().clone();
    let gets: Vec<&String> = seen.iter().filter(|r| r.starts_with("GET ")).collect();
    let distinct: std::collections::HashSet<&&String> = gets.iter().collect();
    assert_eq!(distinct.len(), gets.len(), "a GET went twice with the same headers");
    let took: usize = out
        .lines()
        .filter_map(|l| {
            l.split("; ").find_map(|p| p.strip_suffix(" identical GET request(s) took the outcome of the one sent"))
        })
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert!(took > 0, "the default run asks for some answers more than once, and says so:\n{out}");
    // POSTs are never shared: the Apple scenarios each send theirs.
    let posts = seen.iter().filter(|r| r.starts_with("POST ") && r.contains("VPPServiceConfigSrv")).count();
    let apple = outcome.scenarios.iter().filter(|s| s.id.starts_with("APL-")).count();
    assert!(posts >= apple, "{posts} POSTs for {apple} Apple scenarios");
}

/// A request that got no answer is not shared with one asked after it: a reset met once, without
/// `--retries`, is the first request's outcome, and the same request asked again later is sent
/// and answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_read_asked_after_a_reset_is_sent_again() {
    let target = reference().await;
    let (url, resets) = resetting_connection(upstream_of(&target), 1).await;
    let client = vpp_conformance::http::Client::new(
        vpp_conformance::http::ClientOptions { timeout: Duration::from_secs(5), ..Default::default() },
        vpp_conformance::redact::Redactor::new(),
    )
    .unwrap();
    let list = format!("{url}/SRP00000/api/v1/vppAccounts");
    let first = client.send("GET", &list, None, None).await;
    let second = client.send("GET", &list, None, None).await;
    assert_eq!(resets.load(Ordering::SeqCst), 1, "the front resets one connection");
    assert!(first.outcome.is_err(), "the first was reset: {:?}", first.outcome.as_ref().map(|r| r.status));
    assert_eq!(second.outcome.as_ref().map(|r| r.status).ok(), Some(200), "the second is sent: {:?}", second.outcome);
    let third = client.send("GET", &list, None, None).await;
    assert_eq!(third.outcome.map(|r| r.status).ok(), Some(200));
    assert_eq!(client.traffic().sent, 2, "the third took the second's answer");
}

/// A target that never gave a usable answer and pushes back without `Retry-After` is down, even
/// when the suite gives up on its first push-back (the run's budget of push-back retries spent,
/// `--max-pushbacks 0`): its scenarios carry its one cause, said once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_only_pushes_back_is_down_when_the_budget_is_spent_at_once() {
    let target = reference().await;
    target.mount_ahead(Mock::given(wiremock::matchers::any()).respond_with(ResponseTemplate::new(429))).await;
    let config = RunConfig { tags: Some("@sample".into()), max_pushbacks: 0, ..config_for(&target.url()) };
    let (outcome, out) = run_with(&config).await;
    assert!(outcome.scenarios.iter().all(|s| s.status == Status::Error), "{}\n{out}", results(&outcome));
    assert!(out.contains("every scenario that needs it ends ERROR"), "the target is found down, once: {out}");
}
