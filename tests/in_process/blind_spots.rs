//! The blind spots of issue 15, each closed by a scenario: a seeded defect of the reference target
//! fails exactly the scenarios that cover it (under `--strict`, so SHOULD scenarios count too),
//! with a reason that names the problem and, where a decision lies behind the expectation, the
//! errata section that records it; the benign variations pass. And `fixtures` prints a data set
//! `serve --accounts` loads, which passes the canonical scenarios.

use crate::support::in_process::{config_for, restore_panic_hook, run_with};
use futures::StreamExt as _;
use std::collections::BTreeSet;
use vpp_conformance::config::RunConfig;
use vpp_conformance::reference::AppleQuirk as Apple;
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::{RunOutcome, Verdict};

/// A seeded defect, the scenarios it must fail (all of them, and no other), and a phrase the
/// reason of the first one must hold.
struct Defect {
    quirk: Quirk,
    fails: &'static [&'static str],
    reason_holds: &'static str,
    tags: Option<&'static str>,
}

fn defects() -> Vec<Defect> {
    let d = |quirk, fails, reason_holds| Defect { quirk, fails, reason_holds, tags: None };
    vec![
        d(Quirk::Apple(Apple::BadSwappedServiceUrls), &["APL-CFG-009"], "(the service getUsersSrvUrl names)"),
        d(Quirk::Apple(Apple::BadInvitationParamsStripped), &["APL-CFG-010"], "no cc=us, no mt=8"),
        d(Quirk::Apple(Apple::BadRedirectToGet), &["APL-CFG-011"], "which the client then asks with GET"),
        d(
            Quirk::Uem(Uem::BadNotFoundLeaksAccount),
            &["UEM-GET-004", "UEM-GET-005", "UEM-ANY-010"],
            "the 404 (\"not found\") carries account data",
        ),
        d(Quirk::Uem(Uem::BadDatesWithoutMillis), &["UEM-ANY-011"], "(no milliseconds; the same instant is"),
        d(Quirk::Uem(Uem::BadDateExactMatchRefused), &["UEM-QRY-024", "UEM-QRY-025"], "HTTP status"),
        d(Quirk::Uem(Uem::BadNameMatchesHolder), &["UEM-QRY-026"], "not expected 6359d1fc"),
        Defect {
            quirk: Quirk::Uem(Uem::BadTenantIgnored),
            fails: &["UEM-TEN-001", "UEM-TEN-002"],
            reason_holds: "carries account data",
            tags: Some("@tenants"),
        },
    ]
}

async fn run_strict(quirks: Vec<Quirk>, tags: Option<&str>) -> (RunOutcome, String) {
    let mut options = ReferenceOptions::default();
    for q in quirks {
        options = options.with_quirk(q);
    }
    let target = ReferenceTarget::start(options).await.expect("reference starts");
    let config = RunConfig {
        strict: true,
        tags: tags.map(str::to_owned),
        second_tenant: Some("SRP00001".to_owned()),
        ..config_for(&target.url())
    };
    run_with(&config).await
}

fn failed_ids(outcome: &RunOutcome) -> BTreeSet<String> {
    outcome.scenarios.iter().filter(|s| s.verdict() == Verdict::Failed).map(|s| s.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_blind_spot_defect_fails_exactly_its_scenarios_and_says_why() {
    let runs = futures::stream::iter(defects())
        .map(|d| async move {
            let (outcome, stdout) = run_strict(vec![d.quirk.clone()], d.tags).await;
            (d, outcome, stdout)
        })
        .buffer_unordered(3)
        .collect::<Vec<_>>()
        .await;
    restore_panic_hook();
    let mut problems = Vec::new();
    for (d, outcome, stdout) in &runs {
        let failed = failed_ids(outcome);
        let expected: BTreeSet<String> = d.fails.iter().map(|s| (*s).to_owned()).collect();
        if failed != expected {
            problems.push(format!("{:?}: failed {failed:?}, expected {expected:?}\n{stdout}", d.quirk));
            continue;
        }
        let reason = outcome.scenario(d.fails[0]).and_then(|s| s.reason()).unwrap_or_default();
        if !reason.contains(d.reason_holds) {
            problems.push(format!("{:?}: {}'s reason lacks {:?}:\n{reason}", d.quirk, d.fails[0], d.reason_holds));
        }
        if !reason.contains("decision: docs/errata.md › ") {
            problems.push(format!("{:?}: {}'s reason names no decision:\n{reason}", d.quirk, d.fails[0]));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// A 400 for a malformed GUID, and a redirect that keeps the method and the path (to another
/// host), are conformant: every scenario passes, even under --strict; the redirect is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn benign_variations_pass_even_strict() {
    let (outcome, stdout) = run_strict(vec![Quirk::Uem(Uem::OkMalformedGuid400)], None).await;
    assert!(failed_ids(&outcome).is_empty() && outcome.passed(), "{stdout}");
    assert!(outcome.scenarios.iter().all(|s| s.warnings.is_empty()), "{stdout}");

    let (outcome, stdout) = run_strict(vec![Quirk::Apple(Apple::OkRedirectToOtherHost)], None).await;
    assert!(failed_ids(&outcome).is_empty() && outcome.passed(), "{stdout}");
    let warned = outcome.scenario("APL-CFG-011").map(|s| s.warnings.join("\n")).unwrap_or_default();
    assert!(warned.contains("was redirected to http://localhost:"), "{warned}\n{stdout}");
}

/// Without --second-tenant the @tenants scenarios are not run (and say what they need); with
/// one, against a target that keeps its tenants apart, they pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_scenarios_need_a_second_tenant() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.expect("reference starts");
    let config = RunConfig { tags: Some("@tenants".into()), ..config_for(&target.url()) };
    let (outcome, stdout) = run_with(&config).await;
    assert_eq!(outcome.scenarios.len(), 2, "{stdout}");
    for s in &outcome.scenarios {
        assert_eq!(s.verdict(), Verdict::NotRun, "{stdout}");
        assert!(s.reason().unwrap_or_default().contains("--second-tenant"), "{stdout}");
    }
    let same = RunConfig { second_tenant: Some("srp00000".into()), ..config };
    let (outcome, stdout) = run_with(&same).await;
    assert!(outcome.scenarios.iter().all(|s| s.verdict() == Verdict::NotRun), "{stdout}");
    assert!(stdout.contains("is the tenant under test"), "{stdout}");
    let (outcome, stdout) = run_strict(Vec::new(), Some("@tenants")).await;
    assert_eq!(outcome.scenarios.len(), 2, "{stdout}");
    assert!(outcome.passed() && failed_ids(&outcome).is_empty(), "{stdout}");
    // The default selection leaves them out.
    let (outcome, _) = run_strict(Vec::new(), Some("@uem and @rule")).await;
    assert!(outcome.scenario("UEM-TEN-001").is_none());
}

/// Failure text shows names as the data holds them: `Acme, Retail\East`, one backslash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_in_failures_are_escaped_once() {
    let (outcome, stdout) = run_strict(vec![Quirk::Uem(Uem::BadQueryIgnored)], Some("@UEM-SMP-001")).await;
    let reason = outcome.scenario("UEM-SMP-001").and_then(|s| s.reason()).unwrap_or_default();
    assert!(reason.contains(r#"76d6358f-acfb-4771-9e1f-22bc4446f8a8 ("Acme, Retail\East")"#), "{reason}\n{stdout}");
    // The message itself (the body excerpt after it is JSON, with JSON's own escape).
    let message = reason.split("\nrequest:").next().unwrap_or_default();
    assert!(!message.contains(r"Retail\\East"), "{message}");
    assert!(reason.contains("decision: docs/errata.md › The three documented accounts, reconciled by majority"));
}
