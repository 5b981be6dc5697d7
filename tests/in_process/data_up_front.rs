//! The canonical data set is asked for once, before the first scenario that needs it: a target
//! that lacks it is told so once, before the failures it explains, and first in the reports, with
//! how to load it, and each scenario that needs it says
//! so before its own words; a live service is certified with `--profile live`, which runs only
//! the scenarios that need no particular data.

use crate::support::in_process::{config_for, run_with};
use serde_json::Value;
use vpp_conformance::config::{Profile, RunConfig};
use vpp_conformance::outcome::Verdict;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};

/// The canonical data set without its edge accounts: the three documented ones only, as an
/// implementation written from the documentation alone holds.
fn documented_accounts_only() -> Value {
    let mut data = vpp_conformance::catalog::accounts_fixture().clone();
    let accounts = data["vppAccounts"].as_array_mut().unwrap();
    accounts.truncate(3);
    data
}

async fn target_with(accounts: Value) -> ReferenceTarget {
    ReferenceTarget::start(ReferenceOptions { accounts, ..ReferenceOptions::default() }).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_the_canonical_data_set_is_told_so_once_up_front() {
    let target = target_with(documented_accounts_only()).await;
    let (outcome, stdout) = run_with(&config_for(&target.url())).await;
    assert!(!outcome.passed(), "the scenarios that need the data set fail\n{stdout}");
    // Once, before the failures it explains: what is missing and how to go on.
    let notice = "NOTICE: the target does not hold the canonical data set";
    let notice_at = stdout.find(notice).expect(&stdout);
    // Once, in the summary's notices, before the failures section; never per scenario.
    assert_eq!(stdout.matches(notice).count(), 1, "said once\n{stdout}");
    let first_failure = stdout.find("needs the canonical data set, which").expect("failures say why");
    assert!(notice_at < first_failure, "the notice comes before the failures it explains\n{stdout}");
    let notice = stdout[notice_at..].lines().next().unwrap();
    assert!(notice.contains("4 of 7 accounts missing or different"), "{notice}");
    assert!(notice.contains("76d6358f") && notice.contains("HTTP 404"), "names what is missing: {notice}");
    assert!(notice.contains("vpp-conformance fixtures") && notice.contains("--profile live"), "{notice}");
    assert!(outcome.notices[0].starts_with("the target does not hold"), "first in the reports too");
    // Every failure of a scenario that needs the data set says so first; no @any-data one fails.
    let failed: Vec<_> = outcome.scenarios.iter().filter(|s| s.verdict() == Verdict::Failed).collect();
    assert!(!failed.is_empty(), "{stdout}");
    for s in &failed {
        let reason = s.reason().unwrap_or_default();
        assert!(reason.starts_with("needs the canonical data set"), "{}: {reason}", s.id);
        assert!(!s.id.starts_with("UEM-ANY") && !s.id.starts_with("APL-"), "{} needs no canonical account", s.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_with_the_canonical_data_set_hears_nothing_of_it() {
    let target = target_with(vpp_conformance::catalog::accounts_fixture().clone()).await;
    let (outcome, stdout) = run_with(&config_for(&target.url())).await;
    assert!(outcome.passed(), "{stdout}");
    assert!(!stdout.contains("canonical data set"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_profile_certifies_a_service_with_its_own_data() {
    let target = target_with(documented_accounts_only()).await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("live.md");
    let config = RunConfig { profile: Profile::Live, reports: vec![report.clone()], ..config_for(&target.url()) };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    assert!(stdout.contains("in the live profile"), "{stdout}");
    assert!(!stdout.contains("NOTICE: the target does not hold"), "no data set is asked for\n{stdout}");
    // Only scenarios that need no particular data ran: the @any-data ones.
    let any_data: Vec<String> = vpp_conformance::catalog::scenarios()
        .into_iter()
        .filter(|s| s.tags.iter().any(|t| t == "any-data") && !s.tags.iter().any(|t| t == "opt-in"))
        .map(|s| s.id)
        .collect();
    let ran: Vec<String> = outcome.scenarios.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ran, any_data);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("- Profile: live"), "the report says which profile was certified\n{text}");
}

#[test]
fn an_unknown_profile_is_a_usage_error_that_names_the_option() {
    let flags = vpp_conformance::config::Settings { profile: Some("production".into()), ..Default::default() };
    let err = vpp_conformance::config::resolve(flags, Default::default(), |_| None).unwrap_err();
    assert!(err.0.contains("--profile") && err.0.contains("live"), "{err}");
}
