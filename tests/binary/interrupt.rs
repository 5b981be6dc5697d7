//! A run interrupted by SIGINT (Ctrl-C) or SIGTERM (a CI system cancelling the job) loses
//! nothing: it stops without waiting for the requests in flight, its reports are written complete (every finished
//! scenario with its result, the others "not run (interrupted)"), JUnit stays valid against the
//! schema, `verify-report` accepts the certification reports, `diff` reads the Cucumber JSON, the
//! exit status is 130 or 143, and an older report is replaced only by a complete newer one.
//!
//! Each test drives the real binary against real loopback servers and sends real signals.

use crate::support::binary::{self, Finished, Running, assert_valid_junit, hanging_server, junit_cases};
use std::path::Path;
use std::time::Duration;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};

/// The runs' request timeout: the requests in flight hang this long, so a run that ends at all
/// before [`GUARD`] did not wait for them: the signal ended it, whatever the machine's load.
const TIMEOUT: &str = "3600";
/// A hang guard for each wait (a run getting going, a request arriving, the exit after the
/// signal): far above what any takes, far below [`TIMEOUT`].
const GUARD: Duration = Duration::from_secs(120);
const OLD_REPORT: &str = "last night's report, which must not be lost";

/// A reference target served on a runtime of its own for the whole test.
struct Reference {
    runtime: tokio::runtime::Runtime,
    target: Option<ReferenceTarget>,
}

impl Reference {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let target = runtime.block_on(ReferenceTarget::start(ReferenceOptions::default())).expect("reference starts");
        Self { runtime, target: Some(target) }
    }

    fn url(&self) -> String {
        self.target.as_ref().unwrap().url()
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let target = self.target.take();
        self.runtime.block_on(async move { drop(target) });
    }
}

/// Sends `signal` and waits for the exit. The requests in flight would hang for [`TIMEOUT`]: an
/// exit within [`GUARD`] is the signal's doing.
fn interrupt(run: Running, signal: &str) -> Finished {
    run.signal(signal);
    run.wait(GUARD)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// No temporary file is left beside the reports.
fn assert_no_temporary_files(dir: &Path) {
    let names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "temporary files left behind: {names:?}");
}

fn verify_report(path: &Path) {
    let f = binary::run(&["verify-report", path.to_str().unwrap()], GUARD);
    assert_eq!(f.code, Some(0), "verify-report rejects {}\n{}", path.display(), f.describe());
    assert!(f.stdout.contains("intact"), "{}", f.describe());
}

#[test]
fn sigint_keeps_the_finished_scenarios_and_reports_the_rest_as_not_run() {
    // The Apple scenarios run against a reference and finish; the UEM target accepts and never
    // answers, so its scenarios are in flight when the signal comes.
    let reference = Reference::start();
    let hanging = hanging_server();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let json = dir.path().join("cucumber.json");
    let html = dir.path().join("report.html");
    let md = dir.path().join("summary.md");
    for old in [&junit, &html] {
        std::fs::write(old, OLD_REPORT).unwrap();
    }
    let apple: Vec<String> = binary::default_selection().into_iter().filter(|id| id.starts_with("APL-")).collect();
    let total = binary::default_selection().len();
    assert!(!apple.is_empty() && apple.len() < total);

    let mut run = binary::spawn(&[
        "run",
        "--vpp-base-url",
        &reference.url(),
        "--uem-base-url",
        &hanging.url,
        "--timeout",
        TIMEOUT,
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--report",
        html.to_str().unwrap(),
        "--report",
        md.to_str().unwrap(),
    ]);
    // Every Apple scenario has finished (the log has a line for each); UEM requests hang.
    let finished = std::cell::Cell::new(0);
    run.wait_for_line("a line for each Apple scenario", GUARD, |l| {
        if l.starts_with("PASS ") && l.contains(" APL-") {
            finished.set(finished.get() + 1);
        }
        finished.get() == apple.len()
    });
    hanging.wait_for_requests(1, GUARD);
    // The files are not truncated when a run starts: last night's report is still there.
    assert_eq!(read(&html), OLD_REPORT, "the report was touched before the run ended");
    assert_eq!(read(&junit), OLD_REPORT, "the JUnit report was touched before the run ended");

    let f = interrupt(run, "INT");
    assert_eq!(f.code, Some(130), "SIGINT exits 130\n{}", f.describe());
    let verdict = f.verdict();
    assert!(
        verdict.starts_with(&format!(
            "VERDICT: INTERRUPTED by SIGINT: {} of {total} scenarios finished, none failed; {} not run",
            apple.len(),
            total - apple.len()
        )),
        "{}",
        f.describe()
    );
    assert!(f.stderr.contains("SIGINT received"), "{}", f.describe());

    // JUnit: valid, every selected scenario once, the finished ones passed, the others skipped
    // with the reason.
    assert_valid_junit(&junit);
    let cases = junit_cases(&read(&junit));
    assert_eq!(cases.len(), total, "{cases:#?}");
    for case in &cases {
        if apple.iter().any(|id| case.name.starts_with(&format!("{id}: "))) {
            assert_eq!(case.status, "passed", "{case:#?}");
        } else {
            assert_eq!(case.status, "skipped", "{case:#?}");
            assert!(case.output.contains("not run: the run was interrupted (SIGINT)"), "{case:#?}");
        }
    }
    assert!(!read(&junit).contains("anicked"), "cucumber's wording leaked into JUnit");

    // The certification reports: complete, sealed, and saying what happened.
    for report in [&html, &md] {
        verify_report(report);
    }
    let page = read(&html);
    assert!(page.contains("Verdict: INTERRUPTED"), "{page}");
    assert!(page.contains(&format!("{} not run", total - apple.len())), "the counts name the not-run scenarios");
    assert!(read(&md).contains("not run: the run was interrupted (SIGINT)"), "the Markdown report gives the reason");

    // Cucumber JSON: `diff` reads it, and tells not-run scenarios from failures.
    let d = binary::run(&["diff", json.to_str().unwrap(), json.to_str().unwrap()], GUARD);
    assert_eq!(d.code, Some(0), "diff cannot read the interrupted run's JSON\n{}", d.describe());
    assert!(d.stdout.contains(&format!("{} not run", total - apple.len())), "{}", d.describe());
    assert!(d.stdout.contains("NO REGRESSION"), "{}", d.describe());
    assert_no_temporary_files(dir.path());
}

#[test]
fn sigterm_exits_143_with_valid_junit_and_a_report_verify_report_accepts() {
    let hanging = hanging_server();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let html = dir.path().join("report.html");
    std::fs::write(&html, OLD_REPORT).unwrap();
    let total = binary::default_selection().len();
    let mut run = binary::spawn(&[
        "run",
        "--base-url",
        &hanging.url,
        "--timeout",
        TIMEOUT,
        "--junit",
        junit.to_str().unwrap(),
        "--report",
        html.to_str().unwrap(),
    ]);
    run.wait_for_line("announcing the run", GUARD, |l| l.contains("scenario(s) against"));
    // The first requests are in flight.
    hanging.wait_for_requests(1, GUARD);
    let f = interrupt(run, "TERM");
    assert_eq!(f.code, Some(143), "SIGTERM exits 143\n{}", f.describe());
    assert!(
        f.verdict().starts_with(&format!("VERDICT: INTERRUPTED by SIGTERM: 0 of {total} scenarios finished")),
        "{}",
        f.describe()
    );
    assert_valid_junit(&junit);
    let cases = junit_cases(&read(&junit));
    assert_eq!(cases.len(), total, "{cases:#?}");
    assert!(
        cases.iter().all(|c| c.status == "skipped" && c.output.contains("not run: the run was interrupted (SIGTERM)")),
        "{cases:#?}"
    );
    verify_report(&html);
    assert!(read(&html).contains("Verdict: INTERRUPTED"));
    assert_no_temporary_files(dir.path());
}

/// A signal before the scenarios start (here, while the target is being seeded) stops the run
/// as well, and the reports of the last run stay as they were.
#[test]
fn an_existing_report_survives_a_run_interrupted_before_its_scenarios() {
    let hanging = hanging_server();
    let reference = Reference::start();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let html = dir.path().join("report.html");
    for old in [&junit, &html] {
        std::fs::write(old, OLD_REPORT).unwrap();
    }
    let run = binary::spawn(&[
        "run",
        "--base-url",
        &reference.url(),
        "--state-setup-url",
        &format!("{}/_vpp-conformance/provider-states", hanging.url),
        "--timeout",
        TIMEOUT,
        "--junit",
        junit.to_str().unwrap(),
        "--report",
        html.to_str().unwrap(),
    ]);
    // The run announces itself once the target is seeded, which never happens: the seeding
    // request is in flight.
    hanging.wait_for_requests(1, GUARD);
    let f = interrupt(run, "INT");
    assert_eq!(f.code, Some(130), "{}", f.describe());
    assert!(f.stderr.contains("interrupted by SIGINT before the scenarios ran"), "{}", f.describe());
    assert_eq!(read(&junit), OLD_REPORT);
    assert_eq!(read(&html), OLD_REPORT);
    assert_no_temporary_files(dir.path());
}
