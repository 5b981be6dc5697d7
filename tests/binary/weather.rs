//! The target's weather is never its verdict (issue #32), against the real binary and real
//! loopback servers (`support::weather`): a gateway that takes 20 requests a second and answers
//! the rest 429, or 503, without `Retry-After` slows the default run, which passes, with a
//! bounded number of refusals and a pace near the gateway's once it first refused; a query that
//! hangs ends its scenario not judged (exit 3) while the others are judged, and a broken rule
//! beside it still fails the run (exit 1); a restart of a second is ridden out by `--retries 3`
//! and, without them, leaves the run not judged (exit 3), never failed; so does a gateway whose
//! first answers are 502; a stray 503 in twenty is sent again and the run passes; a front with
//! nothing usable behind it (520, or 503 at any pace) ends the run not judged after a few requests.
//!
//! The tests count what the fronts saw (requests taken and refused, arrivals within a second);
//! none reads a clock but the hang guard. `scripts/bench-weather.sh` times the same weather.
//! A dead port and a black hole are `dead_target.rs`'s, a refused client certificate `mtls.rs`'s,
//! nginx's `limit_req` and its 502 `nginx.rs`'s.

use crate::support::binary::{self, Finished, junit_cases, with_reference};
use crate::support::weather::{Front, Weather, Weathered};
use std::time::Duration;
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions};

/// What any run may take before the test gives up on it (a hang guard, far above the half
/// minute a default run takes at 20 requests a second).
const LIMIT: Duration = Duration::from_secs(300);

/// The most refusals a default run may meet at a gateway of 20 requests a second (about 445
/// requests taken): issue #32's bound.
pub const MOST_REFUSED: usize = 150;

/// The most requests that may arrive within one second from a second after the first refusal,
/// at a gateway of 20 a second: the suite's pace (20 a second, recovering by about one a second
/// each second) and, on a loaded machine, requests that a stall of the front or of the suite
/// bunched together. Issue #32 aims at 40, which `scripts/bench-weather.sh` measures.
pub const BUSIEST_AFTER_REFUSAL: usize = 60;

/// The run was slowed by the front's push-back, and passed: exit 0, the front refused at least
/// once and at most [`MOST_REFUSED`] times, no second from a second after the first refusal
/// held more than [`BUSIEST_AFTER_REFUSAL`] arrivals, and the summary says the target pushed back.
pub fn assert_paced_and_passed(front: &Front, f: &Finished) {
    let seen = front.describe();
    eprintln!("{seen}");
    assert_eq!(f.code, Some(0), "a gateway's push-back is no verdict: the run passes\n{seen}\n{}", f.describe());
    assert!(f.verdict().starts_with("VERDICT: PASS"), "{}", f.describe());
    let refused = front.refused();
    assert!(refused >= 1, "the gateway never refused: nothing was tested\n{seen}");
    assert!(refused <= MOST_REFUSED, "{refused} requests refused, more than {MOST_REFUSED}\n{seen}\n{}", f.describe());
    let from = front.first_refusal().unwrap() + Duration::from_secs(1);
    let busiest = front.busiest_second_from(from);
    assert!(
        busiest <= BUSIEST_AFTER_REFUSAL,
        "{busiest} requests arrived within one second after the first refusal\n{seen}\n{}",
        f.describe()
    );
    assert!(f.stdout.contains(&format!("the target at {} pushed back", front.url)), "{}", f.describe());
}

fn gateway_run(status: u16, extra: &[&str]) {
    let weathered = Weathered::start(ReferenceOptions::default(), Weather::RateLimited { per_second: 20, status });
    let mut args = vec!["run", "--base-url", weathered.url()];
    args.extend(extra);
    let f = binary::run(&args, LIMIT);
    assert_paced_and_passed(&weathered.front, &f);
    // Every scenario judged: one line a scenario, each passed.
    let lines = f.scenario_lines();
    assert!(lines.iter().all(|(s, _)| s == "PASS"), "{}", f.describe());
}

/// The whole default run (71 scenarios, about 445 requests, some 22 s at the gateway's pace).
#[test]
fn a_gateway_of_20_a_second_answering_429_slows_the_default_run_which_passes() {
    gateway_run(429, &[]);
}

/// A 503 without `Retry-After` is the same push-back as a 429 (`Client::answer` reads them
/// alike): a representative part of the run, both APIs and the `@any-data` scenarios that send
/// the most queries at once (some 150 requests), keeps the test to a third of the time.
#[test]
fn a_gateway_of_20_a_second_answering_503_slows_the_run_which_passes() {
    gateway_run(503, &["--tags", "@apple-vpp or @UEM-ANY-002 or @UEM-ANY-005 or @UEM-ANY-009 or @sample"]);
}

/// The GUID `UEM-GET-003` asks for, which no tenant holds: the one request made to hang.
const UNKNOWN_GUID: &str = "00000000-0000-4000-8000-00000000d0c5";

/// `--tags @any-data --timeout 2` against the reference with `quirks`, one request of which
/// (`UEM-GET-003`'s) hangs for a minute; and the JUnit cases.
fn any_data_with_one_hung_query(quirks: &[Quirk]) -> (Finished, Vec<binary::Case>) {
    let hung = Quirk::SlowOn { path_holds: UNKNOWN_GUID.into(), delay: Duration::from_secs(60) };
    let options = quirks.iter().cloned().fold(ReferenceOptions::default().with_quirk(hung), |o, q| o.with_quirk(q));
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let f = with_reference(options, |url| {
        let junit = junit.to_str().unwrap();
        binary::run(&["run", "--base-url", url, "--tags", "@any-data", "--timeout", "2", "--junit", junit], LIMIT)
    });
    let cases = junit_cases(&std::fs::read_to_string(&junit).unwrap_or_else(|e| panic!("{e}\n{}", f.describe())));
    (f, cases)
}

/// One hung query among conformant answers: its scenario is an ERROR (not judged) that names the
/// timeout, every other scenario is judged and passes, and the run ends 3, not 1.
#[test]
fn one_hung_query_leaves_its_scenario_unjudged_and_the_others_judged() {
    let (f, cases) = any_data_with_one_hung_query(&[]);
    assert_eq!(f.code, Some(3), "{}", f.describe());
    assert!(f.verdict().starts_with("VERDICT: ERROR: 1 of "), "{}", f.describe());
    assert!(cases.len() > 10, "{cases:#?}");
    for case in &cases {
        let want = if case.name.starts_with("UEM-GET-003") { "error" } else { "passed" };
        assert_eq!(case.status, want, "{case:#?}\n{}", f.describe());
    }
    assert!(f.stdout.contains("did not answer within --timeout (2s)"), "{}", f.describe());
    for line in f.stdout.lines() {
        assert!(!line.starts_with("FAIL") && !line.starts_with("NOT MET"), "a broken rule was said: {line}");
    }
}

/// The same hung query beside a broken rule: the broken rule wins (exit 1), the hung scenario is
/// still an ERROR, not a failure.
#[test]
fn one_hung_query_beside_a_broken_rule_fails_the_run() {
    let (f, cases) = any_data_with_one_hung_query(&[Quirk::Uem(Uem::BadCaseSensitive)]);
    assert_eq!(f.code, Some(1), "{}", f.describe());
    assert!(f.verdict().starts_with("VERDICT: FAIL"), "{}", f.describe());
    let status = |id: &str| cases.iter().find(|c| c.name.starts_with(id)).map(|c| c.status.as_str());
    assert_eq!(status("UEM-GET-003"), Some("error"), "{cases:#?}");
    assert_eq!(status("UEM-ANY-002"), Some("failure"), "case-sensitive names break the rule: {cases:#?}");
}

/// A front that forwards 40 requests, then is down for a second (every connection dropped,
/// every new one refused) and comes back: `--retries 3` waits 0.2 + 0.4 + 0.8 s at least and
/// rides it out (the run passes, some scenarios flaky); without retries the scenarios that met
/// it are not judged (exit 3), none failed.
#[test]
fn a_restart_of_a_second_is_ridden_out_with_retries_and_not_judged_without() {
    let restarts = Weather::Restarts { after: 40, down: Duration::from_secs(1) };
    let weathered = Weathered::start(ReferenceOptions::default(), restarts);
    let f = binary::run(&["run", "--base-url", weathered.url(), "--retries", "3"], LIMIT);
    eprintln!("{}", weathered.front.describe());
    assert_eq!(f.code, Some(0), "{}\n{}", weathered.front.describe(), f.describe());
    assert!(weathered.front.after_restart() > 0, "the run went on after the restart\n{}", weathered.front.describe());
    assert!(f.stdout.contains("sent again after a transport error (--retries)"), "{}", f.describe());

    let weathered = Weathered::start(ReferenceOptions::default(), restarts);
    let f = binary::run(&["run", "--base-url", weathered.url()], LIMIT);
    eprintln!("{}", weathered.front.describe());
    assert_eq!(f.code, Some(3), "{}\n{}", weathered.front.describe(), f.describe());
    assert!(f.verdict().starts_with("VERDICT: ERROR"), "{}", f.describe());
    for line in f.stdout.lines() {
        assert!(!line.starts_with("FAIL") && !line.starts_with("NOT MET"), "a broken rule was said: {line}");
    }
    // A probe scenario lists each query that got no answer with a few words, and the
    // transport's error chain once, not once a query.
    let listed: Vec<&str> = f.stdout.lines().filter(|l| l.trim_start().starts_with("- query=")).collect();
    assert!(listed.iter().all(|l| !l.contains("error sending request")), "{}", f.describe());
    let in_full = f.stdout.matches("the first in full").count();
    assert!(listed.is_empty() || in_full > 0, "{}", f.describe());
}

/// A representative part of the run: both APIs and the `@any-data` scenarios that send the most
/// queries at once.
const PART: &str = "@apple-vpp or @UEM-ANY-002 or @UEM-ANY-005 or @sample";

/// No scenario line says a broken rule.
fn assert_no_broken_rule(f: &Finished) {
    for line in f.stdout.lines() {
        assert!(!line.starts_with("FAIL") && !line.starts_with("NOT MET"), "a broken rule was said: {line}");
    }
}

/// One request in twenty answered 503 without `Retry-After`, among conformant answers: each is
/// sent again after a backoff, every scenario is judged and passes, and so few push-backs cut no
/// pace (the summary names no capacity learned from them).
#[test]
fn a_stray_503_in_twenty_requests_is_sent_again_and_the_run_passes() {
    let weathered = Weathered::start(ReferenceOptions::default(), Weather::EveryNth { n: 20, status: 503 });
    let f = binary::run(&["run", "--base-url", weathered.url(), "--tags", PART], LIMIT);
    let seen = weathered.front.describe();
    assert_eq!(f.code, Some(0), "{seen}\n{}", f.describe());
    assert!(weathered.front.refused() >= 3, "the front refused too few to test anything\n{seen}");
    let lines = f.scenario_lines();
    assert!(!lines.is_empty() && lines.iter().all(|(s, _)| s == "PASS"), "{}", f.describe());
}

/// A gateway whose implementation is still starting answers its first eight requests 502:
/// `--retries 3` sends them again and the run passes; without retries the scenarios those
/// requests served were not judged, so the run is not either (exit 3; under `--strict`, since
/// which scenarios the first eight serve is the scheduler's choice, and an unjudged SHOULD
/// alone counts only there), and no rule is said broken.
#[test]
fn a_gateway_still_starting_is_ridden_out_with_retries_and_not_judged_without() {
    let warming = Weather::FirstN { n: 8, status: 502 };
    let weathered = Weathered::start(ReferenceOptions::default(), warming);
    let f = binary::run(&["run", "--base-url", weathered.url(), "--tags", PART, "--retries", "3"], LIMIT);
    let seen = weathered.front.describe();
    assert_eq!(f.code, Some(0), "{seen}\n{}", f.describe());
    assert!(weathered.front.refused() == 8 && weathered.front.accepted() > 8, "{seen}");

    let weathered = Weathered::start(ReferenceOptions::default(), warming);
    let f = binary::run(&["run", "--base-url", weathered.url(), "--tags", PART, "--strict"], LIMIT);
    let seen = weathered.front.describe();
    assert_eq!(f.code, Some(3), "{seen}\n{}", f.describe());
    assert!(f.verdict().starts_with("VERDICT: ERROR"), "{}", f.describe());
    assert_no_broken_rule(&f);
}

/// Nothing usable behind the front, said as a CDN says it (520) or as an overloaded gateway does
/// (503 without `Retry-After`, whatever the pace): the target is down, not slow. The run ends
/// not judged (exit 3) after a bounded number of requests, each a few, not a wait per request.
#[test]
fn a_front_with_nothing_usable_behind_it_is_not_judged_after_a_few_requests() {
    for status in [520, 503] {
        let weathered = Weathered::start(ReferenceOptions::default(), Weather::Always { status });
        let f = binary::run(&["run", "--base-url", weathered.url()], LIMIT);
        let seen = weathered.front.describe();
        eprintln!("{status}: {seen}");
        assert_eq!(f.code, Some(3), "{status}: {seen}\n{}", f.describe());
        assert!(f.verdict().starts_with("VERDICT: ERROR"), "{}", f.describe());
        assert_no_broken_rule(&f);
        let arrived = weathered.front.accepted() + weathered.front.refused();
        assert!(arrived <= 100, "{status}: {arrived} requests reached a target that never answered\n{seen}");
    }
}
