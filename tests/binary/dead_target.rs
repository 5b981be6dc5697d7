//! A target that does not answer at all (a closed port, a listener that never answers, a body
//! that trickles) is recognised from the first requests of a run, per target: the remaining
//! scenarios are reported as "not run: the target did not answer (…)" instead of each waiting out
//! its own timeout: only the first wave of requests reaches it, so the run ends within about two
//! timeouts with every scenario reported. (The tests count the requests; `scripts/bench-hostile.sh
//! dead` times such runs.)
//! `--max-failures N` stops a run after N failed scenarios. Failures read "failed", never
//! "panicked".
//!
//! Each test drives the real binary against real loopback servers.

use crate::support::binary::{
    self, Counting, Finished, assert_valid_junit, closed_port, hanging_server, junit_cases, trickling_server,
};
use std::time::Duration;
use vpp_conformance::http::limit::INITIAL_LIMIT;
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};

/// What any run may take before the test gives up on it (a hang guard).
const LIMIT: Duration = Duration::from_secs(120);

struct Run {
    finished: Finished,
    junit: String,
}

/// Runs against `vpp` and `uem` with `--timeout 2` and a JUnit report.
fn run_against(vpp: &str, uem: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let mut args =
        vec!["run", "--vpp-base-url", vpp, "--uem-base-url", uem, "--timeout", "2", "--junit", junit.to_str().unwrap()];
    args.extend(extra);
    let finished = binary::run(&args, LIMIT);
    assert_valid_junit(&junit);
    let junit =
        std::fs::read_to_string(&junit).unwrap_or_else(|e| panic!("no JUnit report: {e}\n{}", finished.describe()));
    Run { finished, junit }
}

/// The run failed, reported every selected scenario (in JUnit too), the
/// first ones failed (or, at SHOULD, not met) with a reason satisfying `explains` and the rest
/// not run with it (all of them, when the check for the canonical data set found the target
/// down first); nothing says "panicked".
fn assert_dead_target_reported(run: &Run, explains: impl Fn(&str) -> bool) {
    let f = &run.finished;
    let total = binary::default_selection().len();
    assert_eq!(f.code, Some(1), "a target that does not answer fails the run\n{}", f.describe());
    let verdict = f.verdict();
    assert!(verdict.starts_with("VERDICT: FAIL: "), "{}", f.describe());
    assert!(verdict.contains(" not run "), "the verdict counts the scenarios not run: {verdict}");
    let reason_line = f
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("not run: the target did not answer ("))
        .unwrap_or_else(|| panic!("no reason for the scenarios not run\n{}", f.describe()));
    assert!(explains(reason_line), "the reason does not say why: {reason_line}");
    let cases = junit_cases(&run.junit);
    assert_eq!(cases.len(), total, "every selected scenario is in the JUnit report: {cases:#?}");
    // A request that got no usable answer is a JUnit <error>, as Surefire marks a test that
    // could not complete.
    let failed = cases.iter().filter(|c| c.status == "error").count();
    let not_run: Vec<_> = cases.iter().filter(|c| c.status == "skipped").collect();
    // The first requests fail their scenarios, or, when the run's first request (the check for
    // the canonical data set) found the target down, every scenario is not run.
    assert!(failed >= 1 || not_run.len() == total, "the first requests fail their scenarios: {cases:#?}");
    assert_eq!(failed + not_run.len(), total, "{cases:#?}");
    // Skipped in JUnit: a scenario not run, or a SHOULD scenario whose request went unanswered
    // (not met, a warning), each saying why.
    assert!(
        not_run.iter().all(|c| c.output.contains("not run: the target did not answer (")
            || (c.output.contains(" not met: ") && explains(&c.output))),
        "a skipped scenario without the reason: {not_run:#?}"
    );
    for (what, text) in [("stdout", &f.stdout), ("JUnit", &run.junit)] {
        assert!(!text.to_lowercase().contains("panicked"), "{what} calls a failed check a panic\n{text}");
    }
}

fn mentions_timeout(text: &str) -> bool {
    text.contains("within --timeout (2s)")
}

#[test]
fn a_closed_port_ends_the_run_at_once_with_every_scenario_reported() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let run = run_against(&url, &url, &[]);
    assert_dead_target_reported(&run, |r| r.contains("cannot connect") && r.contains("127.0.0.1"));
}

/// At most one wave of requests (as many as the adaptive limit lets out at once) reached the
/// silent target: the first timeout tells the gate the target is down before its place is freed,
/// so no request waiting for a place is sent. The run waited one timeout, not one a scenario.
fn assert_at_most_one_wave_reached(server: &Counting, run: &Run) {
    let seen = server.requests();
    eprintln!("the silent target got {seen} request(s)");
    assert!(seen >= 1, "no request reached the target\n{}", run.finished.describe());
    assert!(
        seen <= INITIAL_LIMIT,
        "{seen} requests reached a silent target, more than one wave ({INITIAL_LIMIT})\n{}",
        run.finished.describe()
    );
}

#[test]
fn a_target_that_never_answers_gets_at_most_one_wave_of_requests() {
    let server = hanging_server();
    let run = run_against(&server.url, &server.url, &[]);
    assert_dead_target_reported(&run, mentions_timeout);
    assert_at_most_one_wave_reached(&server, &run);
}

#[test]
fn a_body_that_trickles_gets_at_most_one_wave_of_requests() {
    let server = trickling_server();
    let run = run_against(&server.url, &server.url, &[]);
    assert_dead_target_reported(&run, mentions_timeout);
    assert_at_most_one_wave_reached(&server, &run);
}

/// The Apple and UEM targets are judged apart: one being down says nothing of the other.
#[test]
fn a_dead_apple_target_leaves_the_uem_scenarios_running() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let reference = rt.block_on(ReferenceTarget::start(ReferenceOptions::default())).unwrap();
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let run = run_against(&dead, &reference.url(), &[]);
    let f = &run.finished;
    assert_eq!(f.code, Some(1), "{}", f.describe());
    for case in junit_cases(&run.junit) {
        if case.name.starts_with("UEM-") {
            assert_eq!(case.status, "passed", "a UEM scenario suffered from the Apple target: {case:#?}");
        } else {
            assert!(["error", "skipped"].contains(&case.status.as_str()), "{case:#?}");
        }
    }
    assert!(f.verdict().contains("APL-"), "{}", f.describe());
    rt.block_on(async move { drop(reference) });
}

/// `--max-failures N` stops the run after N failed scenarios; the rest are not run.
#[test]
fn max_failures_stops_the_run_after_that_many_failures() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    // Wrong holders everywhere: many UEM scenarios fail.
    let options = ReferenceOptions::default().with_quirk(Quirk::Uem(Uem::BadFieldValue("accountHolderInfo".into())));
    let reference = rt.block_on(ReferenceTarget::start(options)).unwrap();
    let url = reference.url();
    let total = binary::default_selection().len();

    let full = run_against(&url, &url, &["--concurrency", "1"]);
    let all_failures = junit_cases(&full.junit).iter().filter(|c| c.status == "failure").count();
    assert!(all_failures > 2, "the defect fails several scenarios\n{}", full.finished.describe());

    let run = run_against(&url, &url, &["--concurrency", "1", "--max-failures", "2"]);
    let f = &run.finished;
    assert_eq!(f.code, Some(1), "{}", f.describe());
    let cases = junit_cases(&run.junit);
    assert_eq!(cases.len(), total);
    let failed = cases.iter().filter(|c| c.status == "failure").count();
    assert_eq!(failed, 2, "one scenario at a time: exactly two failures before the stop\n{}", f.describe());
    let stopped: Vec<_> = cases.iter().filter(|c| c.output.contains("not run: --max-failures 2 was reached")).collect();
    assert!(!stopped.is_empty(), "{}", f.describe());
    assert!(stopped.iter().all(|c| c.status == "skipped"), "{stopped:#?}");
    assert!(f.stdout.contains("the run stopped after 2 failed scenario(s) (--max-failures 2)"), "{}", f.describe());
    assert!(f.verdict().contains(&format!("; {} not run", stopped.len())), "{}", f.describe());

    let zero = binary::run(&["run", "--max-failures", "0"], LIMIT);
    assert_eq!(zero.code, Some(2), "{}", zero.describe());
    assert!(zero.stderr.contains("--max-failures"), "{}", zero.describe());
    rt.block_on(async move { drop(reference) });
}
