//! Conformance levels: a failed MUST scenario fails the run; a failed SHOULD scenario is a
//! warning (a failure under --strict); a failed INFO scenario is reported only. The JUnit and
//! Cucumber JSON reports agree with the verdict, so a CI dashboard does not go red for a run that
//! passed.

use crate::support::in_process::{config_for, run_with};
use vpp_conformance::catalog::{self, Level};
use vpp_conformance::config::RunConfig;
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::Verdict;

#[test]
fn every_scenario_has_exactly_one_level_and_the_levels_are_where_the_documentation_puts_them() {
    for s in catalog::scenarios() {
        let n = s.tags.iter().filter(|t| Level::TAGS.contains(&t.as_str())).count();
        assert_eq!(n, 1, "{} needs exactly one of @must, @should, @info", s.id);
    }
    let level = |id: &str| catalog::scenarios().into_iter().find(|s| s.id == id).unwrap().level;
    assert_eq!(level("UEM-QRY-001"), Level::Must);
    assert_eq!(level("UEM-QRY-002"), Level::Should);
    assert_eq!(level("UEM-QRY-016"), Level::Info);
    assert_eq!(level("UEM-QRY-023"), Level::Info);
    // Every sample the documentation shows is stated, so binding.
    for s in catalog::scenarios().iter().filter(|s| s.tags.iter().any(|t| t == "sample")) {
        assert_eq!(s.level, Level::Must, "{}", s.id);
    }
}

struct Run {
    outcome: vpp_conformance::runner::RunOutcome,
    stdout: String,
    junit: String,
    json: serde_json::Value,
}

async fn run(quirks: &[Uem], strict: bool) -> Run {
    let mut options = ReferenceOptions::default();
    for q in quirks {
        options = options.with_quirk(Quirk::Uem(q.clone()));
    }
    let target = ReferenceTarget::start(options).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = RunConfig {
        strict,
        tags: Some("@uem and not @any-data".into()),
        junit: Some(dir.path().join("junit.xml")),
        json: Some(dir.path().join("cucumber.json")),
        ..config_for(&target.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let json = serde_json::from_str(&std::fs::read_to_string(dir.path().join("cucumber.json")).unwrap()).unwrap();
    Run { outcome, stdout, junit, json }
}

/// The JUnit `<testcase>` element of the scenario ID, as text.
fn junit_case<'a>(junit: &'a str, id: &str) -> &'a str {
    let start = junit.find(&format!("name=\"{id}:")).unwrap_or_else(|| panic!("{id} not in the JUnit report"));
    let open = junit[..start].rfind("<testcase").unwrap();
    let head_end = open + junit[open..].find('>').unwrap();
    if junit[..head_end].ends_with('/') {
        return &junit[open..=head_end];
    }
    let close = junit[start..].find("</testcase>").map(|i| start + i).unwrap_or(junit.len());
    &junit[open..close]
}

/// The statuses of a scenario's steps in Cucumber JSON.
fn json_statuses(json: &serde_json::Value, id: &str) -> Vec<String> {
    let mut elements = json.as_array().unwrap().iter().flat_map(|f| f["elements"].as_array().unwrap());
    let element = elements
        .find(|e| e["name"].as_str().is_some_and(|n| n.starts_with(&format!("{id}:"))))
        .unwrap_or_else(|| panic!("{id} not in the Cucumber JSON"));
    element["steps"].as_array().unwrap().iter().map(|s| s["result"]["status"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_should_scenario_warns_and_does_not_fail_the_run_or_its_reports() {
    let r = run(&[Uem::BadAsciiCaseFold], false).await;
    let s = r.outcome.scenario("UEM-QRY-002").expect("UEM-QRY-002 ran");
    assert_eq!((s.level, &s.verdict()), (Level::Should, &Verdict::Failed), "{}", r.stdout);
    assert!(r.outcome.passed(), "a SHOULD failure must not fail the run:\n{}", r.stdout);
    assert!(r.stdout.contains("VERDICT: PASS"), "{}", r.stdout);
    assert!(r.stdout.contains("[UEM-QRY-002] SHOULD"), "the summary lists what was not met:\n{}", r.stdout);
    let case = junit_case(&r.junit, "UEM-QRY-002");
    assert!(case.contains("<skipped") && !case.contains("<failure"), "JUnit: {case}");
    assert!(case.contains("SHOULD (a warning; --strict makes it a failure) not met"), "JUnit keeps the reason: {case}");
    assert!(case.contains("missing c79e29a1"), "JUnit keeps the reason: {case}");
    let statuses = json_statuses(&r.json, "UEM-QRY-002");
    assert!(statuses.contains(&"skipped".to_owned()) && !statuses.contains(&"failed".to_owned()), "{statuses:?}");
    // MUST scenarios of the same run are untouched.
    assert!(!junit_case(&r.junit, "UEM-QRY-001").contains("<skipped"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_makes_a_failed_should_scenario_fail_the_run_and_its_reports() {
    let r = run(&[Uem::BadAsciiCaseFold], true).await;
    assert!(!r.outcome.passed(), "{}", r.stdout);
    let failed: Vec<&str> = r.outcome.failed().map(|s| s.id.as_str()).collect();
    assert_eq!(failed, ["UEM-QRY-002"], "{}", r.stdout);
    assert!(r.stdout.contains("VERDICT: FAIL") && r.stdout.contains("UEM-QRY-002"), "{}", r.stdout);
    assert!(junit_case(&r.junit, "UEM-QRY-002").contains("<failure"), "{}", r.junit);
    assert!(json_statuses(&r.json, "UEM-QRY-002").contains(&"failed".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_info_scenario_is_reported_only_even_under_strict() {
    let r = run(&[Uem::OkQueryRequired], true).await;
    let s = r.outcome.scenario("UEM-QRY-023").expect("UEM-QRY-023 ran");
    assert_eq!((s.level, &s.verdict()), (Level::Info, &Verdict::Failed), "{}", r.stdout);
    assert!(r.outcome.passed(), "{}", r.stdout);
    assert!(r.stdout.contains("[UEM-QRY-023] INFO"), "{}", r.stdout);
    assert!(junit_case(&r.junit, "UEM-QRY-023").contains("<skipped"), "{}", r.junit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_must_scenario_fails_the_run_whatever_the_other_levels_do() {
    let r = run(&[Uem::BadCaseSensitive], false).await;
    assert!(!r.outcome.passed());
    let failed: Vec<&str> = r.outcome.failed().map(|s| s.id.as_str()).collect();
    assert!(failed.contains(&"UEM-QRY-001"), "{failed:?}");
    assert!(failed.iter().all(|id| catalog::scenarios().iter().any(|s| s.id == *id && s.level == Level::Must)));
    assert!(junit_case(&r.junit, "UEM-QRY-001").contains("<failure"));
}

/// The whole default selection agrees with the levels: a target that folds only ASCII case (a
/// SHOULD) is not failed by another scenario that would demand it as a MUST (`@any-data`); the
/// SHOULD scenarios that ask it, on the canonical data and on the data the tenant lists, are not met.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_selection_fails_no_should_behaviour_as_a_must() {
    let target = ReferenceTarget::start(ReferenceOptions::default().with_quirk(Quirk::Uem(Uem::BadAsciiCaseFold)))
        .await
        .unwrap();
    let (outcome, stdout) = run_with(&RunConfig { seed: Some(1), ..config_for(&target.url()) }).await;
    assert!(outcome.passed(), "{stdout}");
    let not_met: Vec<&str> = outcome.not_met().map(|s| s.id.as_str()).collect();
    let mut not_met = not_met;
    not_met.sort();
    assert_eq!(not_met, ["UEM-ANY-013", "UEM-QRY-002"], "{stdout}");
}
