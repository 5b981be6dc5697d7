//! A target that does not answer at all (a closed port, a listener that never answers, a body
//! that trickles) is recognised from the first requests of a run, per target, and is no
//! verdict on the contract: every scenario that needs it ends ERROR (not judged) with the
//! target's one cause, whether or not its own request went out, so the verdict is the same
//! every run; the exit status is 3; the log says the cause once, in plain words, and stays short
//! (30 lines at most, 3 with `-q`); JUnit shows errors and no failure, Cucumber JSON no passed
//! scenario. Only the first wave of requests reaches it. (The tests count the requests;
//! `scripts/bench-hostile.sh dead` and `scripts/bench-weather.sh` time such runs.)
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
    json: String,
}

/// Runs against `vpp` and `uem` with `--timeout 2`, a JUnit report and Cucumber JSON.
fn run_against(vpp: &str, uem: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("run.json"));
    let mut args = vec!["run", "--vpp-base-url", vpp, "--uem-base-url", uem, "--timeout", "2"];
    args.extend(["--junit", junit.to_str().unwrap(), "--json", json.to_str().unwrap()]);
    args.extend(extra);
    let finished = binary::run(&args, LIMIT);
    assert_valid_junit(&junit);
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("no {}: {e}\n{}", p.display(), finished.describe()))
    };
    let (junit, json) = (read(&junit), read(&json));
    Run { finished, junit, json }
}

/// The run ended ERROR (exit 3), not judged: every selected scenario is an ERROR with the
/// target's one cause (which `explains`), in the log once and in JUnit as an `<error>` each;
/// no FAIL or NOT MET line; no Cucumber scenario passed; at most 30 lines; nothing "panicked".
fn assert_dead_target_reported(run: &Run, explains: impl Fn(&str) -> bool) {
    let f = &run.finished;
    let total = binary::default_selection().len();
    assert_eq!(f.code, Some(3), "a target that does not answer is not judged (exit 3)\n{}", f.describe());
    let verdict = f.verdict();
    let all = format!("VERDICT: ERROR: {total} of {total} scenarios could not be judged: the target at ");
    assert!(verdict.starts_with(&all), "{}", f.describe());
    assert!(explains(verdict), "the verdict says the cause in plain words: {verdict}");
    let lines = f.stdout.lines().count();
    assert!(lines <= 30, "{lines} lines for a dead target\n{}", f.describe());
    for line in f.stdout.lines() {
        assert!(!line.starts_with("FAIL") && !line.starts_with("NOT MET"), "a broken rule was said: {line}");
    }
    let chains = f.stdout.matches("(os error").count() + f.stdout.matches("no complete response").count();
    assert!(chains <= 1, "the transport's words said {chains} times\n{}", f.describe());
    let cases = junit_cases(&run.junit);
    assert_eq!(cases.len(), total, "every selected scenario is in the JUnit report: {cases:#?}");
    // A scenario not judged is a JUnit <error>, as Surefire marks a test that could not complete.
    assert!(cases.iter().all(|c| c.status == "error"), "errors and no failure: {cases:#?}");
    let passed_in_cucumber = run.json.matches("\"status\": \"passed\"").count();
    let failed_in_cucumber = run.json.matches("\"status\": \"failed\"").count();
    assert_eq!(failed_in_cucumber, total, "each scenario ends on a failed step in Cucumber JSON");
    assert!(run.json.contains("ERROR, not judged"), "Cucumber JSON says it was not judged");
    let _ = passed_in_cucumber; // steps before the first request may pass; the scenario does not
    for (what, text) in [("stdout", &f.stdout), ("JUnit", &run.junit)] {
        assert!(!text.to_lowercase().contains("panicked"), "{what} calls a failed check a panic\n{text}");
    }
}

fn mentions_timeout(text: &str) -> bool {
    text.contains("did not answer within --timeout")
}

#[test]
fn a_closed_port_ends_the_run_at_once_with_every_scenario_reported() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let run = run_against(&url, &url, &[]);
    assert_dead_target_reported(&run, |r| r.contains("refused every connection") && r.contains("127.0.0.1"));
    // Quiet: the one cause and the verdict.
    let quiet = binary::run(&["run", "--base-url", &url, "-q"], LIMIT);
    assert_eq!(quiet.code, Some(3), "{}", quiet.describe());
    assert!(quiet.stdout.lines().count() <= 3, "{}", quiet.describe());
    assert!(quiet.stdout.contains("refused every connection"), "{}", quiet.describe());
}

/// Five runs against one dead port give one verdict line and one exit status, 3: no race decides
/// which scenarios fail.
#[test]
fn a_dead_target_gets_the_same_verdict_every_run() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let verdicts: std::collections::HashSet<(Option<i32>, String)> = (0..5)
        .map(|_| {
            let f = binary::run(&["run", "--base-url", &url, "-q"], LIMIT);
            (f.code, f.verdict().to_owned())
        })
        .collect();
    assert_eq!(verdicts.len(), 1, "{verdicts:#?}");
    assert!(verdicts.iter().all(|(code, _)| *code == Some(3)), "{verdicts:#?}");
}

/// At most one wave of requests (as many as the adaptive limit lets out at once) reached the
/// silent target: the first timeout tells its origin's record the target is down before its place is freed,
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
    // Quiet: the one cause and the verdict.
    let quiet = binary::run(&["run", "--base-url", &server.url, "--timeout", "2", "-q"], LIMIT);
    assert_eq!(quiet.code, Some(3), "{}", quiet.describe());
    assert!(quiet.stdout.lines().count() <= 3, "{}", quiet.describe());
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
    assert_eq!(f.code, Some(3), "{}", f.describe());
    for case in junit_cases(&run.junit) {
        if case.name.starts_with("UEM-") {
            assert_eq!(case.status, "passed", "a UEM scenario suffered from the Apple target: {case:#?}");
        } else {
            assert_eq!(case.status, "error", "{case:#?}");
        }
    }
    assert!(f.verdict().contains(&format!("could not be judged: the target at {dead} refused")), "{}", f.describe());
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
