//! HTTPS targets, end to end in this process: a private CA given in `RunConfig::ca_certs` is
//! trusted, an unknown CA and a certificate for another name are refused with a reason that says
//! so, and `--insecure` reaches anything but says so in the output and in every report. The same
//! from the command line (`--ca-cert`) and the proxies are in `tests/binary/tls_flags.rs`.

use crate::support::in_process::{config_for, run_with};
use crate::support::tls::https_front;
use vpp_conformance::config::RunConfig;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::{RunOutcome, Verdict};

/// One quick scenario (a GET of the Apple VPP service configuration).
const ONE_SCENARIO: &str = "@APL-CFG-001";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async fn reference() -> ReferenceTarget {
    ReferenceTarget::start(ReferenceOptions::default()).await.expect("reference target starts")
}

/// Every scenario with its verdict and reason, for assertion messages.
fn results(outcome: &RunOutcome) -> String {
    outcome
        .scenarios
        .iter()
        .map(|s| format!("{} {:?}: {}", s.id, s.verdict(), s.reason().unwrap_or_else(|| "-".into())))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts the run was not judged (a TLS handshake refused is no answer): something was
/// selected, every selected scenario is an ERROR, each reason satisfies `reason_ok`, and nothing
/// is counted as a broken rule.
fn assert_all_unjudged(outcome: &RunOutcome, stdout: &str, what: &str, reason_ok: impl Fn(&str) -> bool) {
    let context = format!("{what}\n--- results ---\n{}\n--- stdout ---\n{stdout}", results(outcome));
    assert!(!outcome.passed(), "the run passed\n{context}");
    assert!(!outcome.scenarios.is_empty(), "no scenario ran\n{context}");
    for s in &outcome.scenarios {
        assert_eq!(s.verdict(), Verdict::Error, "{} was judged\n{context}", s.id);
        let reason = s.reason().unwrap_or_else(|| panic!("{} ended without a reason\n{context}", s.id));
        assert!(reason_ok(&reason), "{}: unexpected reason {reason:?}\n{context}", s.id);
    }
    assert_eq!(outcome.failed().count(), 0, "a refused handshake is no broken rule\n{context}");
    assert!(stdout.contains("VERDICT: ERROR"), "no ERROR verdict line\n{stdout}");
}

fn assert_passed(outcome: &RunOutcome, stdout: &str, what: &str) {
    assert!(
        outcome.passed(),
        "{what}: the run failed\n--- results ---\n{}\n--- stdout ---\n{stdout}",
        results(outcome)
    );
    assert!(!outcome.scenarios.is_empty(), "{what}: no scenario ran\n--- stdout ---\n{stdout}");
}

fn mentions_certificate(reason: &str) -> bool {
    reason.to_lowercase().contains("certificate")
}

// ---------------------------------------------------------------------------------------------
// In-process runs
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_whole_default_selection_passes_over_https_with_the_ca_trusted() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let config = RunConfig { ca_certs: vec![front.ca_pem_path.clone()], ..config_for(&front.url) };

    let (outcome, stdout) = run_with(&config).await;

    assert_passed(&outcome, &stdout, &format!("default selection against {}", front.url));
    assert!(outcome.scenarios.len() > 1, "the default selection ran only {:?}\n{stdout}", results(&outcome));
    assert!(outcome.notices.is_empty(), "unexpected notices {:?}\n{stdout}", outcome.notices);
    assert!(outcome.target.contains(&front.url), "target {:?} is not the HTTPS front\n{stdout}", outcome.target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unknown_ca_is_not_judged_with_a_reason_about_the_certificate() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let config = RunConfig { tags: Some(ONE_SCENARIO.to_owned()), ..config_for(&front.url) };

    let (outcome, stdout) = run_with(&config).await;

    assert_all_unjudged(&outcome, &stdout, "a front whose CA is not trusted", mentions_certificate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_for_another_name_is_not_judged_even_with_its_ca_trusted() {
    let target = reference().await;
    let front = https_front(&target.url(), &["example.invalid"]).await;
    let url = format!("https://localhost:{}", front.addr.port());
    let config = RunConfig {
        tags: Some(ONE_SCENARIO.to_owned()),
        ca_certs: vec![front.ca_pem_path.clone()],
        ..config_for(&url)
    };

    let (outcome, stdout) = run_with(&config).await;

    assert_all_unjudged(&outcome, &stdout, "a certificate for example.invalid reached as localhost", |reason| {
        let lower = reason.to_lowercase();
        mentions_certificate(reason) || lower.contains("name")
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn insecure_reaches_an_untrusted_front_and_says_so_in_the_output_and_every_report() {
    let target = reference().await;
    // Neither the CA is trusted nor does the name match: only no verification at all gets through.
    let front = https_front(&target.url(), &["example.invalid"]).await;
    let url = format!("https://localhost:{}", front.addr.port());
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("r.html");
    let md = dir.path().join("r.md");
    let config = RunConfig {
        tags: Some(ONE_SCENARIO.to_owned()),
        insecure: true,
        reports: vec![html.clone(), md.clone()],
        ..config_for(&url)
    };

    let (outcome, stdout) = run_with(&config).await;

    assert_passed(&outcome, &stdout, "--insecure against an untrusted front");
    let notice = outcome
        .notices
        .iter()
        .find(|n| n.contains("--insecure"))
        .unwrap_or_else(|| panic!("no notice mentions --insecure: {:?}\n{stdout}", outcome.notices));
    assert!(notice.contains("NOT verified"), "notice {notice:?} does not say certificates were NOT verified");
    assert!(stdout.contains("--insecure"), "stdout does not mention --insecure\n{stdout}");
    assert!(stdout.contains("NOT verified"), "stdout does not say certificates were NOT verified\n{stdout}");
    for report in [&html, &md] {
        let text = std::fs::read_to_string(report)
            .unwrap_or_else(|e| panic!("{}: cannot read the report ({e})\n{stdout}", report.display()));
        assert!(
            text.contains("NOT verified"),
            "{} does not carry the --insecure notice\n--- report ---\n{text}\n--- stdout ---\n{stdout}",
            report.display()
        );
    }
}
