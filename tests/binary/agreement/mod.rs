//! One truth in every output (#21): one run is written into its log, JUnit XML, Cucumber JSON and
//! both certification reports (HTML, Markdown), and each of them must say what the results model
//! says, scenario by scenario and in its counts, for every kind of run: all pass, MUST failures, a
//! SHOULD not met, a dead target, a run interrupted by SIGINT, waivers (an expected failure, a
//! stale waiver, a skip) without and with `--strict`, and flaky scenarios.
//!
//! What each status looks like in each output is written once, in [`SHOWN`]; one checker,
//! [`assert_outputs_agree`], holds every run to it. Real readers of the files take part as CI
//! dashboards would: xmllint (the Surefire schema) and junitparser read the JUnit XML,
//! multiple-cucumber-html-reporter the Cucumber JSON, which once counted scenarios not run as
//! passed. Each is skipped when missing, except in CI (`VPP_CONFORMANCE_REQUIRE_TOOLS=1`);
//! `scripts/install-python-tools.sh` and `scripts/install-node-tools.sh` install them.

mod consumers;

use crate::support::binary::{self, assert_valid_junit, hanging_server};
use crate::support::fronts::{resetting_front, upstream_of};
use crate::support::in_process::{config_for, run_with};
use consumers::{assert_cucumber_reporter_agrees, assert_junitparser_agrees};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vpp_conformance::catalog;
use vpp_conformance::config::{Expectations, RunConfig};
use vpp_conformance::outcome::{Ended, NotRun, RunOutcome, ScenarioResult, Status, facts};
use vpp_conformance::reference::AppleQuirk as Apple;
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::report::verify::{self, Verification};
use vpp_conformance::report::{ReportData, html, markdown};

/// What a test waits for a run or a tool at most before it gives up on it (no timing is judged).
const LIMIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// What each status looks like in each output: the one table every check reads.

/// What a JUnit `<testcase>` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JUnit {
    Passed,
    Failure,
    Error,
    Skipped,
}

/// A scenario as Cucumber tools count it from its steps: any step failed or undefined, failed;
/// else any skipped, skipped; else passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cucumber {
    Passed,
    Failed,
    Skipped,
}

/// How every output shows one status.
struct Shown {
    status: Status,
    /// `Some(strict)`: the row holds only in a run with (`true`) or without `--strict`.
    strict: Option<bool>,
    /// The JUnit elements the status may show as (a failure for a broken rule, an error for a
    /// request that got no usable answer).
    junit: &'static [JUnit],
    cucumber: Cucumber,
    /// The status word of its line in the log (and in the log's short summary).
    log: &'static str,
}

const fn row(
    status: Status,
    strict: Option<bool>,
    junit: &'static [JUnit],
    cucumber: Cucumber,
    log: &'static str,
) -> Shown {
    Shown { status, strict, junit, cucumber, log }
}

const SHOWN: &[Shown] = &[
    row(Status::Pass, None, &[JUnit::Passed], Cucumber::Passed, "PASS"),
    row(Status::Warning, None, &[JUnit::Passed], Cucumber::Passed, "WARNING"),
    row(Status::Flaky, None, &[JUnit::Passed], Cucumber::Passed, "FLAKY"),
    row(Status::StaleWaiver, Some(false), &[JUnit::Passed], Cucumber::Passed, "STALE WAIVER"),
    row(Status::StaleWaiver, Some(true), &[JUnit::Failure], Cucumber::Failed, "STALE WAIVER"),
    row(Status::Fail, None, &[JUnit::Failure], Cucumber::Failed, "FAIL"),
    row(Status::Error, None, &[JUnit::Error], Cucumber::Failed, "ERROR"),
    row(Status::NotMet, None, &[JUnit::Skipped], Cucumber::Skipped, "NOT MET"),
    row(Status::Waived, None, &[JUnit::Skipped], Cucumber::Skipped, "WAIVED"),
    row(Status::NotRun, None, &[JUnit::Skipped], Cucumber::Skipped, "NOT RUN"),
];

fn shown(status: Status, strict: bool) -> &'static Shown {
    SHOWN
        .iter()
        .find(|r| r.status == status && r.strict.is_none_or(|s| s == strict))
        .unwrap_or_else(|| panic!("no output shows a selected scenario as {status} (strict: {strict})"))
}

/// The run as a reader of JUnit or Cucumber JSON counts it, from the outcome's own counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Seen {
    total: usize,
    passed: usize,
    /// JUnit's failures and errors together (Cucumber has no word for "not judged").
    failed: usize,
    skipped: usize,
}

fn seen(outcome: &RunOutcome) -> Seen {
    let c = outcome.counts();
    let stale = |counted: bool| if counted { c.stale } else { 0 };
    Seen {
        total: c.total,
        passed: c.passed + c.flaky + stale(!outcome.strict),
        failed: c.failed + c.errors + stale(outcome.strict),
        skipped: c.not_met + c.waived + c.not_run,
    }
}

// ---------------------------------------------------------------------------------------------
// One run and its files.

/// The files one run writes, in a directory of their own.
struct Outputs {
    dir: tempfile::TempDir,
}

impl Outputs {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // The Cucumber JSON alone in its directory: the reporter reads every file of one.
        std::fs::create_dir(dir.path().join("cucumber")).unwrap();
        Self { dir }
    }

    fn junit(&self) -> PathBuf {
        self.dir.path().join("junit.xml")
    }

    fn json(&self) -> PathBuf {
        self.dir.path().join("cucumber/run.json")
    }

    fn reports(&self) -> [PathBuf; 2] {
        [self.dir.path().join("report.html"), self.dir.path().join("report.md")]
    }

    /// `config`, writing every output here.
    fn config(&self, config: RunConfig) -> RunConfig {
        RunConfig { junit: Some(self.junit()), json: Some(self.json()), reports: self.reports().into(), ..config }
    }

    /// The same for the binary: `--junit`, `--json` and a `--report` for each format.
    fn args(&self) -> Vec<String> {
        let [html, md] = self.reports();
        [("--junit", self.junit()), ("--json", self.json()), ("--report", html), ("--report", md)]
            .into_iter()
            .flat_map(|(flag, path)| [flag.to_owned(), path.display().to_string()])
            .collect()
    }
}

/// A run: its results, its log, its files.
struct Run {
    outcome: RunOutcome,
    log: String,
    files: Outputs,
}

impl Run {
    /// Runs the suite in-process (in its turn) with `config`, every output written.
    async fn in_process(config: RunConfig) -> Run {
        let files = Outputs::new();
        let (outcome, log) = run_with(&files.config(config)).await;
        Run { outcome, log, files }
    }

    /// Each scenario's ID and status, for a failing assertion.
    fn describe(&self) -> String {
        let lines: Vec<String> = self.outcome.scenarios.iter().map(|s| format!("  {} {}", s.id, s.status)).collect();
        format!("{}\n--- log ---\n{}", lines.join("\n"), self.log)
    }

    /// The run is the kind its case is about (else the case would check something else).
    fn expect(&self, what: &str, holds: impl Fn(&RunOutcome) -> bool) {
        assert!(holds(&self.outcome), "the run is not {what}:\n{}", self.describe());
        eprintln!("{what}: {:?}", self.outcome.counts());
    }

    fn count(&self, status: Status) -> usize {
        self.outcome.scenarios.iter().filter(|s| s.status == status).count()
    }
}

async fn reference(quirks: &[Quirk]) -> ReferenceTarget {
    let options = quirks.iter().cloned().fold(ReferenceOptions::default(), ReferenceOptions::with_quirk);
    ReferenceTarget::start(options).await.expect("the reference starts")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The scenario ID a JUnit test case or a Cucumber element is named by (`ID: name (LEVEL)`).
fn id_of(name: &str) -> &str {
    name.split_once(": ").map_or(name, |(id, _)| id)
}

/// Every selected scenario appears exactly once among `ids`, and nothing else does.
fn assert_each_scenario_once<'a>(what: &str, ids: impl IntoIterator<Item = &'a str>, run: &Run) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for id in ids {
        *seen.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{what} shows these more than once: {twice:?}");
    let shown: BTreeSet<&str> = seen.into_keys().collect();
    let selected: BTreeSet<&str> = run.outcome.scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(shown, selected, "{what} does not show exactly the selected scenarios");
}

// ---------------------------------------------------------------------------------------------
// The checker.

/// Every output of `run` says what its outcome says: each selected scenario, with its status as
/// [`SHOWN`] has it, once in JUnit (its counts those of its cases and the outcome's), the
/// Cucumber JSON (and its facts), both reports' rows, and the log (its line, the short summary,
/// the verdict); and the real readers of JUnit and Cucumber JSON count what the run counted.
fn assert_outputs_agree(run: &Run) {
    assert!(!run.outcome.scenarios.is_empty(), "a run of no scenario checks nothing:\n{}", run.describe());
    let junit = assert_junit_agrees(run);
    assert_junitparser_agrees(run, &junit);
    assert_cucumber_agrees(run);
    assert_cucumber_reporter_agrees(run);
    for report in run.files.reports() {
        assert_report_agrees(run, &report);
    }
    assert_log_agrees(run);
}

/// One `<testcase>`: its scenario, feature and what it holds.
#[derive(Debug, PartialEq, Eq)]
struct Case {
    id: String,
    classname: String,
    shows: JUnit,
}

/// The suite's counts (`tests`, `failures`, `errors`, `skipped`) and its cases, as quick-xml reads them.
fn parse_junit(xml: &str) -> ([usize; 4], Vec<Case>) {
    use quick_xml::events::Event;
    let attr = |e: &quick_xml::events::BytesStart, name: &str| {
        let value = e.try_get_attribute(name).unwrap().unwrap_or_else(|| panic!("no {name} attribute"));
        value.unescape_value().unwrap().into_owned()
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut counts, mut cases, mut depth) = ([usize::MAX; 4], Vec::<Case>::new(), 0);
    loop {
        let (e, empty) = match reader.read_event().unwrap_or_else(|e| panic!("JUnit does not parse: {e}\n{xml}")) {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match (depth, e.name().as_ref()) {
            (0, b"testsuite") => {
                counts = ["tests", "failures", "errors", "skipped"].map(|n| attr(&e, n).parse().unwrap());
            }
            (1, b"testcase") => {
                let name = attr(&e, "name");
                cases.push(Case {
                    id: id_of(&name).to_owned(),
                    classname: attr(&e, "classname"),
                    shows: JUnit::Passed,
                });
            }
            // The result of a case is a child of it; `<flakyFailure>` and the outputs are notes.
            (2, result @ (b"failure" | b"error" | b"skipped")) => {
                let case = cases.last_mut().expect("inside a test case");
                assert_eq!(case.shows, JUnit::Passed, "{} holds more than one result", case.id);
                case.shows = match result {
                    b"failure" => JUnit::Failure,
                    b"error" => JUnit::Error,
                    _ => JUnit::Skipped,
                };
            }
            _ => {}
        }
        if !empty {
            depth += 1;
        }
    }
    (counts, cases)
}

/// JUnit: valid against the Surefire schema, every selected scenario once with its feature and
/// its status's element, the suite's counts those of its cases and the run's. Its cases.
fn assert_junit_agrees(run: &Run) -> Vec<Case> {
    let path = run.files.junit();
    assert_valid_junit(&path);
    let xml = read(&path);
    let ([tests, failures, errors, skipped], cases) = parse_junit(&xml);
    assert_each_scenario_once("JUnit", cases.iter().map(|c| c.id.as_str()), run);
    let strict = run.outcome.strict;
    for case in &cases {
        let s = run.outcome.scenario(&case.id).unwrap();
        let expected = shown(s.status, strict);
        assert!(
            expected.junit.contains(&case.shows),
            "JUnit shows {} ({}) as {:?}, not one of {:?}",
            s.id,
            s.status,
            case.shows,
            expected.junit
        );
        assert_eq!(case.classname, s.feature, "JUnit's classname of {} is its feature", s.id);
    }
    let n = |shows: JUnit| cases.iter().filter(|c| c.shows == shows).count();
    let counted = [cases.len(), n(JUnit::Failure), n(JUnit::Error), n(JUnit::Skipped)];
    assert_eq!([tests, failures, errors, skipped], counted, "JUnit's tests/failures/errors/skipped against its cases");
    let want = seen(&run.outcome);
    assert_eq!(
        (tests, failures + errors, skipped, n(JUnit::Passed)),
        (want.total, want.failed, want.skipped, want.passed),
        "JUnit's counts against the run's {:?}:\n{}",
        run.outcome.counts(),
        run.describe()
    );
    assert_eq!(errors, run.count(Status::Error), "a scenario not judged is an error, and only such a one");
    let verdict = format!("<property name=\"vpp-conformance.verdict\" value=\"{}\"/>", run.outcome.verdict_word());
    assert!(xml.contains(&verdict), "JUnit states the verdict {}", run.outcome.verdict_word());
    cases
}

/// Cucumber JSON: every selected scenario once, as an element with steps whose statuses count
/// it as [`SHOWN`] has it; its totals the run's; the facts it carries the run's results.
fn assert_cucumber_agrees(run: &Run) {
    let text = read(&run.files.json());
    let features: serde_json::Value = serde_json::from_str(&text).expect("Cucumber JSON parses");
    let elements: Vec<&serde_json::Value> =
        features.as_array().unwrap().iter().flat_map(|f| f["elements"].as_array().unwrap()).collect();
    let id = |e: &serde_json::Value| id_of(e["name"].as_str().unwrap()).to_owned();
    let ids: Vec<String> = elements.iter().map(|e| id(e)).collect();
    assert_each_scenario_once("Cucumber JSON", ids.iter().map(String::as_str), run);
    let mut counted = Seen { total: elements.len(), ..Seen::default() };
    for e in &elements {
        let s = run.outcome.scenario(&id(e)).unwrap();
        let steps: Vec<&str> =
            e["steps"].as_array().unwrap().iter().map(|st| st["result"]["status"].as_str().unwrap()).collect();
        assert!(!steps.is_empty(), "{} has no step: Cucumber tools would not count it", s.id);
        let counts_as = if steps.iter().any(|st| matches!(*st, "failed" | "undefined")) {
            Cucumber::Failed
        } else if steps.contains(&"skipped") {
            Cucumber::Skipped
        } else {
            Cucumber::Passed
        };
        let expected = shown(s.status, run.outcome.strict).cucumber;
        assert_eq!(counts_as, expected, "Cucumber JSON counts {} ({}) by its steps {steps:?}", s.id, s.status);
        match counts_as {
            Cucumber::Passed => counted.passed += 1,
            Cucumber::Failed => counted.failed += 1,
            Cucumber::Skipped => counted.skipped += 1,
        }
    }
    assert_eq!(counted, seen(&run.outcome), "Cucumber JSON's counts against the run's:\n{}", run.describe());
    let facts = facts::read(&text).expect("the Cucumber JSON carries the run's facts");
    let recorded: Vec<(&str, Status)> = facts.results.iter().map(|r| (r.id.as_str(), r.status)).collect();
    let ran: Vec<(&str, Status)> = run.outcome.scenarios.iter().map(|s| (s.id.as_str(), s.status)).collect();
    assert_eq!(recorded, ran, "the facts in the Cucumber JSON against the run's results");
    assert_eq!(facts.stopped, run.outcome.stopped);
}

/// A report (HTML or Markdown): intact (what it shows is what it embeds), the run's verdict, a
/// row for every catalogued requirement with the run's status (`skipped` if not selected).
fn assert_report_agrees(run: &Run, path: &Path) {
    let text = read(path);
    let intact = verify::verify(&text, None);
    assert!(matches!(intact, Verification::Intact { .. }), "{}: {intact:?}", path.display());
    let embedded = html::extract(&text).or_else(|| markdown::extract(&text)).expect("the report embeds its data");
    let data: ReportData = embedded.data;
    let name = path.file_name().unwrap().to_string_lossy();
    assert_eq!(data.verdict, run.outcome.verdict_word(), "{name}'s verdict");
    assert_eq!(data.strict, run.outcome.strict, "{name} says whether the run was strict");
    let rows: Vec<&str> = data.rows.iter().map(|r| r.id.as_str()).collect();
    let catalogued: Vec<String> = catalog::scenarios().into_iter().map(|s| s.id).collect();
    assert_eq!(rows, catalogued, "{name} has a row for each catalogued requirement, in order");
    for r in &data.rows {
        let status = run.outcome.scenario(&r.id).map_or(Status::Skipped, |s| s.status);
        assert_eq!(r.status, status, "{name}'s row {}", r.id);
    }
}

/// A line of the log that starts with a status word and a scenario ID: a scenario's line, or a
/// line of the short summary. The status is the first 12 columns.
fn status_line(line: &str) -> Option<(&str, &str)> {
    let (word, rest) = (line.get(..12)?, line.get(12..)?);
    let id = rest.strip_prefix(' ')?.split_whitespace().next()?;
    (!word.starts_with(' ') && catalog::is_id_tag(id)).then(|| (word.trim_end(), id))
}

/// Whether a scenario that ended this way has its line in the log: one the run never got to
/// (interrupted, a `skip` waiver, `--max-failures`) may have none, and one whose target was
/// found down has none (the log says the origin's cause once).
fn finished(s: &ScenarioResult) -> bool {
    let down = matches!(&s.ended, Ended::Error(f) if f.down.is_some());
    !down && !matches!(s.ended, Ended::NotRun(NotRun::Interrupted(_) | NotRun::SkipWaiver | NotRun::MaxFailures { .. }))
}

/// The log: a line for each finished scenario with its status word, the failures and the short
/// summary naming exactly the scenarios that fail the run, and one verdict line with the run's
/// verdict and counts.
fn assert_log_agrees(run: &Run) {
    let (outcome, log) = (&run.outcome, &run.log);
    let (lines, summary) = match log.split_once("\nShort summary of the failures and of what could not be judged:\n") {
        Some((lines, summary)) => (lines, Some(summary)),
        None => (log.as_str(), None),
    };
    let lines: Vec<(&str, &str)> = lines.lines().filter_map(status_line).collect();
    let logged: Vec<&str> = lines.iter().map(|(_, id)| *id).collect();
    let never_started =
        outcome.scenarios.iter().filter(|s| !finished(s) && !logged.contains(&s.id.as_str())).map(|s| s.id.as_str());
    assert_each_scenario_once(
        "The log's lines (and the scenarios never started)",
        logged.iter().copied().chain(never_started),
        run,
    );
    for (word, id) in &lines {
        let s = outcome.scenario(id).unwrap();
        assert_eq!(*word, shown(s.status, outcome.strict).log, "the log's line of {id} ({})\n{log}", s.status);
    }
    let failing: Vec<&ScenarioResult> = outcome.failed().collect();
    let summarized: Vec<(&str, &str)> = summary.map(|s| s.lines().map_while(status_line).collect()).unwrap_or_default();
    // Then the scenarios not judged where a failure would count, but for those of a target
    // found down, which the summary says in one line a target.
    let unjudged = outcome.unjudged().filter(|s| finished(s));
    let expected: Vec<(&str, &str)> =
        failing.iter().copied().chain(unjudged).map(|s| (shown(s.status, outcome.strict).log, s.id.as_str())).collect();
    assert_eq!(
        summarized, expected,
        "the short summary names each failing or unjudged scenario with its status\n{log}"
    );
    let failures_header = format!("\nFailures ({}):\n", failing.len());
    assert_eq!(log.contains(&failures_header), !failing.is_empty(), "the log's `{}`\n{log}", failures_header.trim());
    let verdicts: Vec<&str> = log.lines().filter(|l| l.starts_with("VERDICT: ")).collect();
    assert_eq!(verdicts.len(), 1, "one VERDICT line\n{log}");
    let verdict = verdicts[0];
    assert!(verdict.starts_with(&format!("VERDICT: {}", outcome.verdict_word())), "{verdict}");
    let c = outcome.counts();
    let of_all = match outcome.verdict_word() {
        "INTERRUPTED" => Some((c.total - c.not_run, "finished")),
        "PASS" => Some((c.passed + c.flaky, "passed")),
        "ERROR" => Some((c.errors, "could not be judged")),
        _ => (c.failed > 0).then_some((c.failed, "failed")),
    };
    if let Some((n, what)) = of_all {
        let says = format!("{n} of {} scenarios {what}", c.total);
        assert!(verdict.contains(&says), "the verdict should say {says:?}: {verdict}");
    }
    let stale = if outcome.strict { "stale waiver(s) under --strict" } else { "stale waiver(s)" };
    assert_eq!(
        verdict.contains(&format!("{} {stale}", c.stale)),
        c.stale > 0,
        "the verdict's stale waivers: {verdict}"
    );
    for (n, what) in
        [(c.flaky, "flaky"), (c.not_met, "SHOULD/INFO not met"), (c.not_run, "not run"), (c.waived, "waived")]
    {
        assert_eq!(verdict.contains(&format!("; {n} {what}")), n > 0, "the verdict's count of {what}: {verdict}");
    }
}

// ---------------------------------------------------------------------------------------------
// The kinds of run.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_passes_says_so_everywhere() {
    let target = reference(&[]).await;
    let run = Run::in_process(RunConfig { seed: Some(1), ..config_for(&target.url()) }).await;
    run.expect("a pass", |o| o.passed() && o.scenarios.iter().all(|s| s.status == Status::Pass));
    assert_outputs_agree(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn must_failures_agree_everywhere() {
    let target = reference(&[Quirk::Uem(Uem::BadCaseSensitive)]).await;
    let run = Run::in_process(RunConfig { seed: Some(1), ..config_for(&target.url()) }).await;
    run.expect("a run with MUST failures", |o| o.verdict_word() == "FAIL" && o.counts().failed > 0);
    assert_outputs_agree(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_should_not_met_agrees_everywhere() {
    // Case folded for ASCII only (UEM-QRY-002 and UEM-ANY-013, SHOULD), and dates written with an
    // offset: the right instants, a warning where the documentation leaves it open, UEM-ANY-011
    // (SHOULD) not met.
    let target = reference(&[Quirk::Uem(Uem::BadAsciiCaseFold), Quirk::Uem(Uem::OkDatesWithOffset)]).await;
    let run = Run::in_process(RunConfig { seed: Some(1), ..config_for(&target.url()) }).await;
    run.expect("a pass with SHOULD scenarios not met, and warnings", |o| {
        o.passed() && o.counts().not_met == 3 && run.count(Status::Warning) > 0
    });
    assert_outputs_agree(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_target_agrees_everywhere() {
    // The Apple target refuses every connection; the UEM one accepts and never answers.
    let closed = format!("http://127.0.0.1:{}", binary::closed_port());
    let config = RunConfig {
        uem_base_url: Some(hanging_server().url),
        timeout: Duration::from_secs(2),
        seed: Some(1),
        ..config_for(&closed)
    };
    let run = Run::in_process(config).await;
    run.expect("a dead target", |o| o.verdict_word() == "ERROR" && o.counts().errors == o.counts().total);
    assert_outputs_agree(&run);
}

/// An expectations file: APL-CFG-007 and APL-CFG-008 (which the target fails) expected to fail,
/// APL-CFG-001 (which passes) too, APL-CFG-006 skipped.
async fn waivers_run(strict: bool) -> Run {
    let target = reference(&[Quirk::Apple(Apple::BadErrorMessage(9617))]).await;
    let files = Outputs::new();
    let waiver =
        |id: &str, expect: &str| format!("[[waiver]]\nscenario = \"{id}\"\nexpect = \"{expect}\"\nreason = \"r\"\n\n");
    let text: String =
        [("APL-CFG-007", "fail"), ("APL-CFG-008", "fail"), ("APL-CFG-001", "fail"), ("APL-CFG-006", "skip")]
            .into_iter()
            .map(|(id, expect)| waiver(id, expect))
            .collect();
    let path = files.dir.path().join("expectations.toml");
    std::fs::write(&path, text).unwrap();
    let config = RunConfig {
        tags: Some("@apple-vpp".into()),
        strict,
        expectations: Some(Expectations::load(&path).expect("valid expectations")),
        ..config_for(&target.url())
    };
    let run = Run::in_process(config).await;
    run.expect("waived, stale and skipped", |o| {
        let waived: BTreeSet<&str> = o.waived().map(|s| s.id.as_str()).collect();
        let stale: Vec<&str> = o.stale().map(|s| s.id.as_str()).collect();
        waived == BTreeSet::from(["APL-CFG-006", "APL-CFG-007", "APL-CFG-008"]) && stale == ["APL-CFG-001"]
    });
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waived_stale_and_skipped_scenarios_agree_everywhere() {
    let run = waivers_run(false).await;
    run.expect("a pass (a stale waiver is reported only)", RunOutcome::passed);
    assert_outputs_agree(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_waiver_under_strict_fails_everywhere() {
    let run = waivers_run(true).await;
    run.expect("a failure (a stale waiver fails a --strict run)", |o| o.verdict_word() == "FAIL");
    assert_outputs_agree(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaky_scenarios_agree_everywhere() {
    let target = reference(&[]).await;
    // Every fifth connection reset; a date-bound @any-data scenario opens enough of them.
    let (url, _) = resetting_front(upstream_of(&target), 5).await;
    let config = RunConfig { tags: Some("@apple-vpp or @UEM-ANY-005".into()), retries: 2, ..config_for(&url) };
    let run = Run::in_process(config).await;
    run.expect("a pass with flaky scenarios", |o| o.passed() && o.counts().flaky > 0);
    assert_outputs_agree(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_agrees_everywhere() {
    // The real binary: the Apple scenarios finish against a reference, the UEM ones hang on a
    // target that never answers until SIGINT comes.
    let target = reference(&[]).await;
    let (vpp, uem) = (target.url(), hanging_server());
    let files = Outputs::new();
    let args = files.args();
    let finished = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        binary::interrupted_run(&vpp, &uem, &args, LIMIT)
    })
    .await
    .unwrap();
    finished.assert_code(130);
    let facts = facts::read(&read(&files.json())).unwrap_or_else(|e| panic!("{e}\n{}", finished.describe()));
    let run = Run { outcome: facts.outcome(), log: finished.stdout, files };
    run.expect("interrupted", |o| o.verdict_word() == "INTERRUPTED" && o.counts().not_run > 0);
    assert_outputs_agree(&run);
}
