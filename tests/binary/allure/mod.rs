//! Allure results (`--allure-results`, issue #34) as Allure Report 3 itself reads them: the real
//! `allure generate` (pinned in scripts/node-tools/, installed into target/node-tools/ by
//! scripts/install-node-tools.sh; skipped when missing, except in CI) builds its report from the
//! files of every kind of run, and its own counts (`summary.json`), each test's status and its
//! flaky and retry marks must be the run's, under the one mapping of docs/certification.md:
//!
//! | the run | Allure |
//! |---|---|
//! | pass, warning, flaky (and a `flaky` waiver's pass) | `passed` (flaky: marked flaky, earlier attempts as retries) |
//! | fail, not met, a stale waiver under `--strict` | `failed` |
//! | a failure a waiver covers | `failed`, marked known |
//! | error (not judged) | `broken` |
//! | not run, kept out by a `skip` waiver | `skipped` |
//! | a stale waiver without `--strict` | `passed` |
//!
//! Allure says nothing when it reads good results: a line it prints (an unreadable file, a
//! missing attachment) fails the test. `history.rs` keeps one history file over three runs; the
//! other kinds of run (interrupted, waived, retried, merged, `--only-failed`) are in `kinds.rs`.

mod history;
mod kinds;

use crate::support::binary;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use vpp_conformance::outcome::{Ended, NotRun, RunOutcome, ScenarioResult, Status, facts};

/// A hang guard for a run or `allure generate`, far above what either takes.
const LIMIT: Duration = Duration::from_secs(300);

/// The `allure` command of target/node-tools, or `None` (skipped) unless required.
fn allure() -> Option<PathBuf> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/node-tools/node_modules/.bin/allure");
    let found = binary::tool("node").and_then(|_| bin.is_file().then_some(bin));
    binary::required_or_skipped(found, "allure (Allure Report 3)", "scripts/install-node-tools.sh")
}

/// A report `allure generate` made: its summary and every test result it holds.
struct Report {
    dir: PathBuf,
    summary: Value,
    /// Each test's result (`data/test-results/*.json`), retries apart.
    tests: Vec<Value>,
    retries: Vec<Value>,
}

impl Report {
    /// The test whose `fullName` (the scenario's ID) is `id`.
    fn test(&self, id: &str) -> &Value {
        self.tests
            .iter()
            .find(|t| t["fullName"] == id)
            .unwrap_or_else(|| panic!("no test {id} in {}", self.dir.display()))
    }

    /// The scenario IDs of the tests whose `id` is among `key` of the summary (`flakyTests`, …).
    fn named_in(&self, key: &str) -> BTreeSet<String> {
        let ids: Vec<&Value> = self.summary[key].as_array().unwrap_or_else(|| panic!("summary.{key}")).iter().collect();
        let id_of = |id: &Value| self.tests.iter().find(|t| &t["id"] == id).map(|t| t["fullName"].as_str().unwrap());
        ids.into_iter()
            .map(|id| id_of(id).unwrap_or_else(|| panic!("summary.{key}: no test {id}")).to_owned())
            .collect()
    }
}

/// `allure generate RESULTS… -o OUT`, with `historyPath` in its config file when `history` is
/// given; it must succeed and print nothing (no warning, no file it could not read).
fn generate(allure: &Path, results: &[&Path], out: &Path, history: Option<&Path>) -> Report {
    let work = out.parent().expect("the report's directory is in one");
    let config = out.with_extension("allurerc.json");
    let rc = match history {
        Some(file) => serde_json::json!({"name": "vpp-conformance", "historyPath": file}),
        None => serde_json::json!({"name": "vpp-conformance"}),
    };
    std::fs::write(&config, rc.to_string()).unwrap();
    let mut cmd = Command::new(allure);
    cmd.arg("generate").args(results).arg("-o").arg(out).arg("--config").arg(&config).current_dir(work);
    let generated = binary::run_command(cmd, LIMIT);
    assert!(generated.success(), "allure generate failed\n{}", generated.describe());
    let said = format!("{}{}", generated.stdout, generated.stderr);
    assert!(said.trim().is_empty(), "allure warned or complained reading the results\n{}", generated.describe());
    let summary = read_json(&out.join("summary.json"));
    let mut tests = Vec::new();
    for entry in std::fs::read_dir(out.join("data/test-results")).expect("the report's test results") {
        tests.push(read_json(&entry.unwrap().path()));
    }
    let (retries, tests) = tests.into_iter().partition(|t| t["isRetry"] == true);
    Report { dir: out.to_owned(), summary, tests, retries }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The run a binary wrote into its Cucumber JSON (`--json`), read back as `merge` reads it.
fn outcome_of(json: &Path) -> RunOutcome {
    let text = std::fs::read_to_string(json).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    facts::read(&text).unwrap_or_else(|e| panic!("{}: {e}", json.display())).outcome()
}

/// Allure's status for a scenario of the run, as the table above has it.
fn expected_status(s: &ScenarioResult, strict: bool) -> &'static str {
    match (s.status, &s.ended) {
        (Status::Pass | Status::Warning | Status::Flaky, _) => "passed",
        (Status::StaleWaiver, _) if !strict => "passed",
        (Status::Fail | Status::NotMet | Status::StaleWaiver, _) => "failed",
        (Status::Waived, Ended::Failed(_)) => "failed",
        (Status::Waived, Ended::Passed) => "passed",
        (Status::Waived, Ended::NotRun(NotRun::SkipWaiver)) | (Status::NotRun, _) => "skipped",
        (Status::Error, _) => "broken",
        (status, ended) => panic!("{}: no Allure status for {status} ({ended:?})", s.id),
    }
}

/// The scenarios Allure must mark flaky: those that passed only on a later try.
fn flaky(outcome: &RunOutcome) -> BTreeSet<String> {
    let passed_again = |s: &&ScenarioResult| {
        s.status == Status::Flaky || (s.status == Status::Waived && matches!(s.ended, Ended::Passed))
    };
    outcome.scenarios.iter().filter(passed_again).map(|s| s.id.clone()).collect()
}

/// The scenarios with earlier attempts, which Allure shows as retries.
fn retried(outcome: &RunOutcome) -> BTreeSet<String> {
    let again = |s: &&ScenarioResult| !s.flaky.is_empty() || !s.failed_attempts.is_empty();
    outcome.scenarios.iter().filter(again).map(|s| s.id.clone()).collect()
}

/// The run's own counts, as Allure's `stats` would hold them: from the outcome's counts, with
/// the waived scenarios split by how they ended.
fn expected_stats(outcome: &RunOutcome) -> BTreeMap<&'static str, usize> {
    let c = outcome.counts();
    let waived = |ended: fn(&Ended) -> bool| outcome.waived().filter(|s| ended(&s.ended)).count();
    let (stale_passed, stale_failed) = if outcome.strict { (0, c.stale) } else { (c.stale, 0) };
    let mut stats = BTreeMap::from([
        ("total", c.total),
        ("passed", c.passed + c.flaky + stale_passed + waived(|e| matches!(e, Ended::Passed))),
        ("failed", c.failed + c.not_met + stale_failed + waived(|e| matches!(e, Ended::Failed(_)))),
        ("broken", c.errors),
        ("skipped", c.not_run + waived(|e| matches!(e, Ended::NotRun(_)))),
        ("flaky", flaky(outcome).len()),
        ("retries", retried(outcome).len()),
        // A failure a waiver expects: known, so Allure accepts it.
        ("accepted", waived(|e| matches!(e, Ended::Failed(_)))),
    ]);
    stats.retain(|_, n| *n > 0);
    stats
}

/// Allure's `stats` without what depends on the history file (`new`); the failures it accepts
/// as known (`resolutions.accepted`) as `accepted`.
fn stats_of(report: &Report) -> BTreeMap<&'static str, usize> {
    let stats = report.summary["stats"].as_object().expect("summary.stats");
    let known = ["total", "passed", "failed", "broken", "skipped", "unknown", "flaky", "retries"];
    let other: Vec<&String> = stats
        .keys()
        .filter(|k| !known.contains(&k.as_str()) && !["new", "resolutions"].contains(&k.as_str()))
        .collect();
    assert!(other.is_empty(), "summary.stats has {other:?}: {stats:?}");
    let mut counts: BTreeMap<&str, usize> =
        known.into_iter().filter_map(|k| Some((k, stats.get(k)?.as_u64()? as usize))).collect();
    if let Some(resolutions) = stats.get("resolutions").and_then(Value::as_object) {
        let only_accepted = resolutions.keys().all(|k| k == "accepted");
        assert!(only_accepted, "Allure resolved a failure otherwise than as a known one: {resolutions:?}");
        counts.insert("accepted", resolutions["accepted"].as_u64().unwrap() as usize);
    }
    counts
}

/// Allure read what the run ran: each selected scenario once, with the status the table gives
/// it, its start (none for one that never started), its retries, and the run's counts in its
/// summary; every attachment a result names found.
/// Returns Allure's counts, for the log.
fn assert_allure_agrees(what: &str, outcome: &RunOutcome, report: &Report) -> BTreeMap<&'static str, usize> {
    let selected: Vec<&ScenarioResult> = outcome.scenarios.iter().filter(|s| s.status != Status::Skipped).collect();
    assert!(!selected.is_empty(), "{what}: a run of no scenario checks nothing");
    let mut shown: Vec<&str> = report.tests.iter().map(|t| t["fullName"].as_str().expect("a fullName")).collect();
    shown.sort_unstable();
    let mut ids: Vec<&str> = selected.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(shown, ids, "{what}: Allure shows each selected scenario once, and nothing else");
    for s in &selected {
        let test = report.test(&s.id);
        assert_eq!(
            test["status"],
            expected_status(s, outcome.strict),
            "{what}: Allure's status of {} ({})",
            s.id,
            s.status
        );
        assert_eq!(test["testCase"]["fullName"], s.id.as_str(), "{what}: {}'s test case is its ID", s.id);
        // When it started, as the run recorded it; no time at all for one that never did.
        assert_eq!(test["start"].as_u64(), s.started_at, "{what}: {}'s start in Allure", s.id);
        assert_no_missing_attachment(what, test);
    }
    assert_eq!(report.named_in("flakyTests"), flaky(outcome), "{what}: the tests Allure marks flaky");
    assert_eq!(report.named_in("retryTests"), retried(outcome), "{what}: the tests Allure shows with retries");
    for retry in &report.retries {
        let id = retry["fullName"].as_str().unwrap();
        assert!(retried(outcome).contains(id), "{what}: a retry of {id}, which ran once");
    }
    let (theirs, ours) = (stats_of(report), expected_stats(outcome));
    assert_eq!(theirs, ours, "{what}: Allure's counts against the run's {:?}", outcome.counts());
    eprintln!("{what}: the run {:?}; Allure {theirs:?}", outcome.counts());
    theirs
}

/// Every attachment a test's steps name was found among the results.
fn assert_no_missing_attachment(what: &str, test: &Value) {
    fn walk<'a>(steps: &'a Value, found: &mut Vec<&'a Value>) {
        for step in steps.as_array().into_iter().flatten() {
            if step["type"] == "attachment" {
                found.push(&step["link"]);
            }
            walk(&step["steps"], found);
        }
    }
    let mut links = Vec::new();
    walk(&test["steps"], &mut links);
    for link in links {
        assert_ne!(
            link["missed"], true,
            "{what}: {} names an attachment Allure did not find: {link}",
            test["fullName"]
        );
    }
}

/// The directories and files of one test: results, reports, Cucumber JSON, config.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}
