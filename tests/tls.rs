//! HTTPS targets and proxies, end to end: a private CA given with `--ca-cert` (or
//! `RunConfig::ca_certs`) is trusted, an unknown CA and a certificate for another name are
//! refused with a reason that says so, `--insecure` reaches anything but says so in the output and
//! in every report, and a run honours `HTTP_PROXY`/`HTTPS_PROXY` against a given target but never
//! for the built-in reference.
//!
//! The in-process runner shares the process environment, so proxy variables are only ever set
//! for a child process (the binary), never in this process.

mod support;

use std::path::Path;
use std::time::Duration;

use support::process::{self, Finished, closed_port};
use support::proxy::http_proxy;
use support::tls::https_front;
use support::{config_for, run_with};
use vpp_conformance::config::RunConfig;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::{RunOutcome, Verdict};

/// How long one invocation of the binary may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);
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

/// Asserts the run failed, that something was selected, that every selected scenario failed, and
/// that each failure's reason satisfies `reason_ok`.
fn assert_all_failed(outcome: &RunOutcome, stdout: &str, what: &str, reason_ok: impl Fn(&str) -> bool) {
    let context = format!("{what}\n--- results ---\n{}\n--- stdout ---\n{stdout}", results(outcome));
    assert!(!outcome.passed(), "the run passed\n{context}");
    assert!(!outcome.scenarios.is_empty(), "no scenario ran\n{context}");
    for s in &outcome.scenarios {
        assert_eq!(s.verdict(), Verdict::Failed, "{} did not fail\n{context}", s.id);
        let reason = s.reason().unwrap_or_else(|| panic!("{} failed without a reason\n{context}", s.id));
        assert!(reason_ok(&reason), "{}: unexpected reason {reason:?}\n{context}", s.id);
    }
    assert!(outcome.failed().count() > 0, "no failure fails the run\n{context}");
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

/// Runs the binary with `args` and exactly these proxy/suite variables (see
/// `support::process::command`), off the async runtime so the servers the test started keep
/// serving, killing it after [`DEADLINE`].
async fn run_bin_async(envs: &[(&str, &str)], args: &[&str]) -> Finished {
    process::run_env_async(envs, args, DEADLINE).await
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
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
async fn an_unknown_ca_fails_the_run_with_a_reason_about_the_certificate() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let config = RunConfig { tags: Some(ONE_SCENARIO.to_owned()), ..config_for(&front.url) };

    let (outcome, stdout) = run_with(&config).await;

    assert_all_failed(&outcome, &stdout, "a front whose CA is not trusted", mentions_certificate);
    assert!(stdout.contains("VERDICT: FAIL"), "no failing verdict line\n{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_for_another_name_fails_the_run_even_with_its_ca_trusted() {
    let target = reference().await;
    let front = https_front(&target.url(), &["example.invalid"]).await;
    let url = format!("https://localhost:{}", front.addr.port());
    let config = RunConfig {
        tags: Some(ONE_SCENARIO.to_owned()),
        ca_certs: vec![front.ca_pem_path.clone()],
        ..config_for(&url)
    };

    let (outcome, stdout) = run_with(&config).await;

    assert_all_failed(&outcome, &stdout, "a certificate for example.invalid reached as localhost", |reason| {
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

// ---------------------------------------------------------------------------------------------
// The binary: --ca-cert and its errors
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_binary_trusts_a_ca_given_with_ca_cert_and_only_then() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let ca = path_str(&front.ca_pem_path);

    let trusted = run_bin_async(&[], &["run", "--base-url", &front.url, "--ca-cert", ca, "--tags", ONE_SCENARIO]).await;
    trusted.assert_code(0);
    assert!(trusted.stdout.contains("VERDICT: PASS"), "no passing verdict\n{}", trusted.describe());

    let untrusted = run_bin_async(&[], &["run", "--base-url", &front.url, "--tags", ONE_SCENARIO]).await;
    untrusted.assert_code(1);
    assert!(untrusted.stdout.contains("VERDICT: FAIL"), "no failing verdict\n{}", untrusted.describe());
    assert!(
        untrusted.stdout.to_lowercase().contains("certificate"),
        "the output does not say the certificate was refused\n{}",
        untrusted.describe()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_ca_cert_file_is_a_usage_error_naming_the_file() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let missing = "/nonexistent.pem";

    let run =
        run_bin_async(&[], &["run", "--base-url", &front.url, "--ca-cert", missing, "--tags", ONE_SCENARIO]).await;

    run.assert_code(2);
    assert!(run.stderr.contains(missing), "stderr does not name {missing}\n{}", run.describe());
    assert!(!run.stdout.contains("VERDICT"), "a usage error must not run scenarios\n{}", run.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ca_cert_file_that_is_not_pem_is_a_usage_error() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let not_pem = dir.path().join("not-a-certificate.pem");
    std::fs::write(&not_pem, "hello\n").expect("write the file");

    let run =
        run_bin_async(&[], &["run", "--base-url", &front.url, "--ca-cert", path_str(&not_pem), "--tags", ONE_SCENARIO])
            .await;

    run.assert_code(2);
    assert!(!run.stdout.contains("VERDICT"), "a usage error must not run scenarios\n{}", run.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ca_cert_file_with_a_broken_certificate_block_is_a_usage_error() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // Not base64 at all, and base64 that is not a DER certificate: two different places to fail.
    let cases = [
        ("not-base64.pem", "-----BEGIN CERTIFICATE-----\n!!!not base64\n-----END CERTIFICATE-----\n"),
        ("not-der.pem", "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write the file");

        let run = run_bin_async(
            &[],
            &["run", "--base-url", &front.url, "--ca-cert", path_str(&path), "--tags", ONE_SCENARIO],
        )
        .await;

        run.assert_code(2);
        assert!(!run.stdout.contains("VERDICT"), "a usage error must not run scenarios\n{}", run.describe());
    }
}

// ---------------------------------------------------------------------------------------------
// The binary: proxies from the environment
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn plain_http_goes_through_http_proxy() {
    let target = reference().await;
    let proxy = http_proxy().await;
    let url = target.url();

    let run = run_bin_async(&[("HTTP_PROXY", &proxy.url)], &["run", "--base-url", &url, "--tags", ONE_SCENARIO]).await;

    run.assert_code(0);
    let requests = proxy.requests();
    assert!(
        requests.iter().any(|line| line.contains("/mdm/VPPServiceConfigSrv")),
        "the proxy saw no request for the service configuration: {requests:?}\n{}",
        run.describe()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn https_goes_through_https_proxy_as_a_connect_tunnel() {
    let target = reference().await;
    let front = https_front(&target.url(), &["localhost", "127.0.0.1"]).await;
    let proxy = http_proxy().await;
    let ca = path_str(&front.ca_pem_path);

    let run = run_bin_async(
        &[("HTTPS_PROXY", &proxy.url)],
        &["run", "--base-url", &front.url, "--ca-cert", ca, "--tags", ONE_SCENARIO],
    )
    .await;

    run.assert_code(0);
    let expected = format!("CONNECT localhost:{} HTTP/1.1", front.addr.port());
    let requests = proxy.requests();
    assert!(requests.contains(&expected), "the proxy saw no {expected:?}: {requests:?}\n{}", run.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_built_in_reference_ignores_proxies_from_the_environment() {
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let envs = [("HTTP_PROXY", dead.as_str()), ("http_proxy", dead.as_str()), ("ALL_PROXY", dead.as_str())];

    let run = run_bin_async(&envs, &["run", "--tags", ONE_SCENARIO]).await;

    run.assert_code(0);
    assert!(
        run.stdout.contains("built-in reference target"),
        "not run against the built-in reference\n{}",
        run.describe()
    );

    // The control: the same dead proxy does break a run against a given target, so the exit 0
    // above is the built-in reference ignoring the proxy, not the variables being ignored.
    let target = reference().await;
    let proxied = run_bin_async(&envs, &["run", "--base-url", &target.url(), "--tags", ONE_SCENARIO]).await;
    proxied.assert_code(1);
}
