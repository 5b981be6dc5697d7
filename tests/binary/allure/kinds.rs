//! Every other kind of run, read by `allure generate` with the run's own counts: interrupted by
//! SIGINT, waived (an expected failure, a stale waiver, a skip; without and with `--strict`),
//! retried (requests sent again after a reset, and a `flaky` waiver's second attempt), two shards
//! (merged, and their results read together), and `--only-failed`. Runs are kept small with `--tags` where the kind allows.

use super::{LIMIT, Work, allure, assert_allure_agrees, generate, outcome_of};
use crate::support::binary::{self, hanging_server, with_reference};
use crate::support::fronts::{resetting_front, upstream_of};
use crate::support::in_process::{config_for, run_with};
use std::collections::BTreeSet;
use vpp_conformance::config::{Expectations, RunConfig};
use vpp_conformance::outcome::{RunOutcome, Status};
use vpp_conformance::reference::{AppleQuirk, Quirk, ReferenceOptions, ReferenceTarget};

/// The reference with error 9617's message reworded: APL-CFG-007 and APL-CFG-008 (MUST) fail.
fn reworded() -> ReferenceOptions {
    ReferenceOptions::default().with_quirk(Quirk::Apple(AppleQuirk::BadErrorMessage(9617)))
}

fn waiver(id: &str, expect: &str) -> String {
    format!("[[waiver]]\nscenario = \"{id}\"\nexpect = \"{expect}\"\nreason = \"known on our side\"\n\n")
}

fn ids<'a>(scenarios: impl Iterator<Item = &'a vpp_conformance::outcome::ScenarioResult>) -> BTreeSet<&'a str> {
    scenarios.map(|s| s.id.as_str()).collect()
}

#[test]
fn an_interrupted_run_shows_what_finished_and_the_rest_as_skipped() {
    let Some(allure) = allure() else { return };
    let work = Work::new();
    // The Apple scenarios finish against a reference; the UEM ones hang until SIGINT comes.
    let uem = hanging_server();
    let finished = with_reference(ReferenceOptions::default(), |vpp| {
        let (results, json) = (work.arg("allure-results"), work.arg("run.json"));
        binary::interrupted_run(vpp, &uem, &["--allure-results", &results, "--json", &json], LIMIT)
    });
    finished.assert_code(130);
    let outcome = outcome_of(&work.path("run.json"));
    assert!(outcome.interrupted() && outcome.counts().not_run > 0, "{}", finished.describe());
    let report = generate(&allure, &[&work.path("allure-results")], &work.path("report"), None);
    assert_allure_agrees("interrupted", &outcome, &report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waived_stale_and_skipped_scenarios_without_and_with_strict() {
    let Some(allure) = allure() else { return };
    let work = Work::new();
    let target = ReferenceTarget::start(reworded()).await.expect("the reference starts");
    // APL-CFG-007 and APL-CFG-008 fail as expected, APL-CFG-001 passes (stale), APL-CFG-006 is skipped.
    let text: String =
        [("APL-CFG-007", "fail"), ("APL-CFG-008", "fail"), ("APL-CFG-001", "fail"), ("APL-CFG-006", "skip")]
            .into_iter()
            .map(|(id, expect)| waiver(id, expect))
            .collect();
    std::fs::write(work.path("expectations.toml"), text).unwrap();
    for strict in [false, true] {
        let results = work.path(if strict { "strict-results" } else { "results" });
        let config = RunConfig {
            tags: Some("@apple-vpp".into()),
            strict,
            expectations: Some(Expectations::load(&work.path("expectations.toml")).expect("valid expectations")),
            allure_results: Some(results.clone()),
            ..config_for(&target.url())
        };
        let (outcome, log) = run_with(&config).await;
        let waived = ids(outcome.waived());
        assert_eq!(waived, BTreeSet::from(["APL-CFG-006", "APL-CFG-007", "APL-CFG-008"]), "{log}");
        assert_eq!(ids(outcome.stale()), BTreeSet::from(["APL-CFG-001"]), "{log}");
        let what = if strict { "waived, --strict" } else { "waived" };
        let report = generate(&allure, &[&results], &work.path(&format!("report-{strict}")), None);
        assert_allure_agrees(what, &outcome, &report);
        for id in ["APL-CFG-007", "APL-CFG-008"] {
            assert_eq!(report.test(id)["known"], true, "{what}: Allure marks {id}'s waived failure known");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_scenarios_are_flaky_with_their_earlier_attempts() {
    let Some(allure) = allure() else { return };
    let work = Work::new();
    // Requests sent again (`--retries`): every fifth connection reset.
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.expect("the reference starts");
    let (url, _) = resetting_front(upstream_of(&target), 5).await;
    let config = RunConfig {
        tags: Some("@apple-vpp or @UEM-ANY-005".into()),
        retries: 2,
        allure_results: Some(work.path("retries")),
        ..config_for(&url)
    };
    let (outcome, log) = run_with(&config).await;
    assert!(outcome.passed() && outcome.counts().flaky > 0, "a pass with flaky scenarios:\n{log}");
    let report = generate(&allure, &[&work.path("retries")], &work.path("report-retries"), None);
    assert_allure_agrees("retried (--retries)", &outcome, &report);

    // A `flaky` waiver: APL-CFG-001's first answer is a 500, its second attempt passes.
    let options = ReferenceOptions::default().with_quirk(Quirk::Apple(AppleQuirk::BadFirstAnswers(1)));
    let target = ReferenceTarget::start(options).await.expect("the reference starts");
    std::fs::write(work.path("expectations.toml"), format!("{}attempts = 3\n", waiver("APL-CFG-001", "flaky")))
        .unwrap();
    let config = RunConfig {
        tags: Some("@APL-CFG-001".into()),
        expectations: Some(Expectations::load(&work.path("expectations.toml")).expect("valid expectations")),
        allure_results: Some(work.path("flaky-waiver")),
        ..config_for(&target.url())
    };
    let (outcome, log) = run_with(&config).await;
    let s = outcome.scenario("APL-CFG-001").unwrap();
    assert!(s.status == Status::Waived && s.failed_attempts.len() == 1, "failed once, then passed:\n{log}");
    let report = generate(&allure, &[&work.path("flaky-waiver")], &work.path("report-flaky-waiver"), None);
    assert_allure_agrees("retried (a flaky waiver)", &outcome, &report);
    assert_eq!(report.retries.len(), 1, "the failed first attempt is APL-CFG-001's retry");
}

/// The outcome of parts merged: each selected scenario of each part.
fn merged(parts: &[RunOutcome]) -> RunOutcome {
    let mut whole = parts[0].clone();
    whole.scenarios =
        parts.iter().flat_map(|p| p.scenarios.iter().filter(|s| s.status != Status::Skipped)).cloned().collect();
    whole
}

#[test]
fn two_shards_merged_or_read_together_are_one_run() {
    let Some(allure) = allure() else { return };
    let work = Work::new();
    let parts: Vec<RunOutcome> = with_reference(reworded(), |url| {
        (1..=2)
            .map(|i| {
                let (json, results) = (work.arg(&format!("shard-{i}.json")), work.arg(&format!("shard-{i}")));
                let shard = format!("{i}/2");
                let args = ["run", "--base-url", url, "--seed", "7", "--shard", &shard, "--json", &json];
                let args = [&args[..], &["--allure-results", &results]].concat();
                let code = binary::run(&args, LIMIT).code;
                assert!(matches!(code, Some(0 | 1)), "shard {shard} exited {code:?}");
                outcome_of(&work.path(&format!("shard-{i}.json")))
            })
            .collect()
    });
    let results = work.arg("merged-results");
    let merge = ["merge", &work.arg("shard-1.json"), &work.arg("shard-2.json"), "--allure-results", &results];
    binary::run(&merge, LIMIT).assert_code(1);
    let whole = merged(&parts);
    assert!(whole.counts().failed > 0 && whole.counts().passed > 0, "a merged run with failures and passes");
    let report = generate(&allure, &[&work.path("merged-results")], &work.path("report"), None);
    assert_allure_agrees("merged (two shards)", &whole, &report);
    // Or Allure reads both shards' results directories at once: the same run.
    let shards = [work.path("shard-1"), work.path("shard-2")];
    let report = generate(&allure, &[&shards[0], &shards[1]], &work.path("report-of-shards"), None);
    assert_allure_agrees("two shards' results, read together", &whole, &report);
}

#[test]
fn only_failed_writes_only_what_ran_again() {
    let Some(allure) = allure() else { return };
    let work = Work::new();
    let (first, again) = with_reference(reworded(), |url| {
        let (json, results, again) = (work.arg("first.json"), work.arg("allure-results"), work.arg("again.json"));
        let first = ["run", "--base-url", url, "--tags", "@apple-vpp", "--json", &json];
        binary::run(&first, LIMIT).assert_code(1);
        let rerun = ["run", "--base-url", url, "--tags", "@apple-vpp", "--only-failed", &json];
        let rerun = [&rerun[..], &["--allure-results", &results, "--json", &again]].concat();
        binary::run(&rerun, LIMIT).assert_code(1);
        (outcome_of(&work.path("first.json")), outcome_of(&work.path("again.json")))
    });
    let selected: BTreeSet<&str> = ids(again.scenarios.iter().filter(|s| s.status != Status::Skipped));
    assert_eq!(selected, ids(first.failed()), "--only-failed runs again what failed, and only that");
    let report = generate(&allure, &[&work.path("allure-results")], &work.path("report"), None);
    assert_allure_agrees("--only-failed", &again, &report);
}
