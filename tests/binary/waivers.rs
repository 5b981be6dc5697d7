//! An expectations file (`--expectations`): a failure it expects does not fail the run and is
//! shown as waived, with its reason, in the summary, JUnit, Cucumber JSON and the sealed reports;
//! a waived scenario that passes is a stale waiver (a failure under `--strict`); a `flaky`
//! waiver runs a failing scenario again and waives it only when an attempt passes; an expired
//! waiver stops applying, with a notice, and the run goes on; an unknown scenario or a missing
//! reason is an exit-2 error naming the line; and the waivers are sealed, so editing one breaks
//! `verify-report`.

use crate::support::binary;
use crate::support::in_process::{config_for, run_with};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use std::path::Path;
use std::time::Duration;
use vpp_conformance::config::{Expectations, RunConfig};
use vpp_conformance::outcome::Status;
use vpp_conformance::reference::AppleQuirk as Apple;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::report::seal;
use vpp_conformance::report::verify::{self, Verification};

const LIMIT: Duration = Duration::from_secs(60);
const REASON: &str = "error 9617's message is reworded on our side; fix planned for 4.2";

fn expectations(dir: &Path, text: &str) -> Expectations {
    let path = dir.join("expectations.toml");
    std::fs::write(&path, text).unwrap();
    Expectations::load(&path).expect("valid expectations")
}

fn waiver(id: &str, expect: &str, reason: &str) -> String {
    format!("[[waiver]]\nscenario = \"{id}\"\nexpect = \"{expect}\"\nreason = \"{reason}\"\n\n")
}

/// The Apple VPP scenarios against a reference whose error 9617 has the wrong message (so
/// APL-CFG-007 and the snapshot of APL-CFG-008, both MUST, fail), judged under `text` and a
/// waiver of APL-CFG-008, every output written into `dir`.
async fn apple_run(dir: &Path, text: &str, strict: bool) -> (vpp_conformance::runner::RunOutcome, String) {
    let target =
        ReferenceTarget::start(ReferenceOptions::default().with_quirk(Quirk::Apple(Apple::BadErrorMessage(9617))))
            .await
            .unwrap();
    let config = RunConfig {
        tags: Some("@apple-vpp".into()),
        strict,
        seed: Some(3),
        expectations: Some(expectations(dir, &format!("{text}{}", waiver("APL-CFG-008", "fail", "same message")))),
        junit: Some(dir.join("junit.xml")),
        json: Some(dir.join("cucumber.json")),
        reports: vec![dir.join("report.html"), dir.join("report.md")],
        sign_key: Some(key_file(dir)),
        ..config_for(&target.url())
    };
    run_with(&config).await
}

fn key_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("issuer.pem");
    let key = SigningKey::from_bytes(&[9u8; 32]);
    std::fs::write(&path, key.to_pkcs8_pem(Default::default()).unwrap().as_bytes()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_failure_is_waived_with_its_reason_everywhere_and_does_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (outcome, stdout) = apple_run(dir.path(), &waiver("APL-CFG-007", "fail", REASON), false).await;
    assert!(outcome.passed(), "a waived failure does not fail the run:\n{stdout}");
    let waived: Vec<&str> = outcome.waived().map(|s| s.id.as_str()).collect();
    assert_eq!(waived, ["APL-CFG-007", "APL-CFG-008"], "{stdout}");
    assert!(stdout.contains("VERDICT: PASS") && stdout.contains("; 2 waived"), "{stdout}");
    assert!(stdout.contains(&"[APL-CFG-007] MUST".to_string()) && stdout.contains(REASON), "{stdout}");

    // JUnit: a skipped test case (not a failure) that says why.
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let at = junit.find("\"APL-CFG-007:").expect("APL-CFG-007 in JUnit");
    let case = &junit[junit[..at].rfind("<testcase").unwrap()..];
    let case = &case[..case.find("</testcase>").unwrap()];
    assert!(case.contains("<skipped") && !case.contains("<failure"), "{case}");
    assert!(case.contains("waived (expected to fail)") && case.contains("reworded on our side"), "{case}");
    // Cucumber JSON: skipped with the reason, read back as waived; and the run's facts.
    let json = std::fs::read_to_string(dir.path().join("cucumber.json")).unwrap();
    let parsed = vpp_conformance::report::diff::parse_cucumber_json(&json).unwrap();
    assert_eq!(parsed.scenarios["APL-CFG-007"].1, vpp_conformance::outcome::Status::Waived);
    assert!(!json.contains("\"status\": \"failed\""), "no failed step in Cucumber JSON");
    let facts = vpp_conformance::outcome::facts::read(&json).unwrap();
    assert_eq!(facts.waivers.len(), 2);
    assert_eq!(facts.selection.expectations_digest, outcome.expectations_digest);

    // The reports: a waived row, apart from passes and failures, with the reason; the waivers sealed.
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(html.contains("Verdict: PASS") && html.contains("<td class=\"waived\">waived</td>"), "HTML row");
    assert!(html.contains("2 waived,") && md.contains("2 waived,"));
    assert!(html.contains("id=\"waivers\"") && html.contains(REASON));
    assert!(md.contains("🏷️ waived") && md.contains("## Waivers"));
    let embedded = vpp_conformance::report::html::extract(&html).unwrap();
    let row = embedded.data.rows.iter().find(|r| r.id == "APL-CFG-007").unwrap();
    assert_eq!(row.status, Status::Waived);
    let sealed = embedded.data.expectations.as_ref().expect("the waivers are in the sealed data");
    assert_eq!(sealed.waivers[0].reason, REASON);
    assert_eq!(Some(&sealed.digest), outcome.expectations_digest.as_ref());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_sealed_with_waivers_verifies_and_an_edited_waiver_breaks_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}{}", waiver("APL-CFG-007", "fail", REASON), waiver("APL-CFG-002", "flaky", "a slow proxy"));
    apple_run(dir.path(), &text, false).await;
    let public = SigningKey::from_bytes(&[9u8; 32]).verifying_key();
    let pub_path = dir.path().join("issuer.pub.pem");
    std::fs::write(&pub_path, public.to_public_key_pem(Default::default()).unwrap()).unwrap();
    for file in ["report.html", "report.md"] {
        let path = dir.path().join(file);
        let report = std::fs::read_to_string(&path).unwrap();
        assert!(matches!(verify::verify(&report, Some(&public)), Verification::Intact { checked: true, .. }), "{file}");
        let ok =
            binary::run(&["verify-report", path.to_str().unwrap(), "--public-key", pub_path.to_str().unwrap()], LIMIT);
        assert_eq!(ok.code, Some(0), "{}", ok.describe());

        // One waiver's reason edited where the reader sees it.
        if file == "report.html" {
            let edited = report.replacen("fix planned for 4.2", "fix planned for 9.9", 1);
            assert_ne!(edited, report);
            assert!(matches!(verify::verify(&edited, None), Verification::Broken(_)), "a visible edit");
        }
        // One waiver edited in the sealed data, the digest recomputed: the signature catches it.
        let mut embedded = match file {
            "report.html" => vpp_conformance::report::html::extract(&report),
            _ => vpp_conformance::report::markdown::extract(&report),
        }
        .unwrap();
        embedded.data.expectations.as_mut().unwrap().waivers[1].reason = "edited".into();
        let forged_seal = seal::Seal { digest: seal::digest(&embedded.data), ..embedded.seal.clone() };
        let format = vpp_conformance::report::Format::from_path(Path::new(file)).unwrap();
        let forged = vpp_conformance::report::render(format, &embedded.data, &forged_seal);
        assert!(matches!(verify::verify(&forged, Some(&public)), Verification::Broken(_)), "{file}");
        let forged_path = dir.path().join(format!("forged-{file}"));
        std::fs::write(&forged_path, forged).unwrap();
        let bad = binary::run(
            &["verify-report", forged_path.to_str().unwrap(), "--public-key", pub_path.to_str().unwrap()],
            LIMIT,
        );
        assert_eq!(bad.code, Some(1), "{}", bad.describe());
        // And an edit of the embedded data alone (the digest not recomputed).
        let mut tampered = embedded.clone();
        tampered.seal = forged_seal.clone();
        tampered.seal.digest = embedded.seal.digest.clone();
        let text = vpp_conformance::report::render(format, &tampered.data, &tampered.seal);
        assert!(matches!(verify::verify(&text, None), Verification::Broken(_)), "{file}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waived_scenario_that_passes_is_a_stale_waiver_and_fails_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}{}", waiver("APL-CFG-007", "fail", REASON), waiver("APL-CFG-001", "fail", "was broken"));
    let (outcome, stdout) = apple_run(dir.path(), &text, false).await;
    let stale: Vec<&str> = outcome.stale().map(|s| s.id.as_str()).collect();
    assert_eq!(stale, ["APL-CFG-001"], "{stdout}");
    assert!(outcome.passed(), "without --strict a stale waiver is reported only:\n{stdout}");
    assert!(stdout.contains("Stale waivers (1)") && stdout.contains("1 stale waiver"), "{stdout}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<td class=\"stale-waiver\">stale waiver</td>"));

    let dir = tempfile::tempdir().unwrap();
    let (outcome, stdout) = apple_run(dir.path(), &text, true).await;
    assert!(!outcome.passed(), "under --strict a stale waiver fails the run:\n{stdout}");
    assert!(stdout.contains("VERDICT: FAIL") && stdout.contains("APL-CFG-001"), "{stdout}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("Verdict: FAIL"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skip_waiver_keeps_the_scenario_out_and_reports_it_waived() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}{}", waiver("APL-CFG-007", "skip", REASON), waiver("APL-CFG-006", "skip", "not ours"));
    let (outcome, stdout) = apple_run(dir.path(), &text, false).await;
    assert!(outcome.passed(), "{stdout}");
    assert_eq!(outcome.waived().count(), 3, "{stdout}");
    assert!(outcome.not_run().next().is_none());
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    // Kept out of the run, but in every output: JUnit shows it skipped, saying why.
    let at = junit.find("\"APL-CFG-007:").expect("APL-CFG-007 is in JUnit");
    let case = &junit[at..junit[at..].find("</testcase>").map_or(junit.len(), |i| at + i)];
    assert!(case.contains("<skipped message=\"waived (skipped)") && case.contains(REASON), "{case}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("3 waived,"), "the report counts them");
}

#[test]
fn unknown_reasonless_and_expired_waivers_are_exit_2_errors_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = waiver("APL-CFG-007", "fail", "r");
    for (text, line, says) in [
        (
            format!("{good}[[waiver]]\nscenario = \"APL-CFG-999\"\nexpect = \"fail\"\nreason = \"r\"\n"),
            6,
            "APL-CFG-999",
        ),
        (format!("{good}[[waiver]]\nscenario = \"APL-CFG-001\"\nexpect = \"fail\"\n"), 6, "no `reason`"),
    ] {
        let path = dir.path().join("expectations.toml");
        std::fs::write(&path, &text).unwrap();
        let run = binary::run(&["run", "--expectations", path.to_str().unwrap()], LIMIT);
        assert_eq!(run.code, Some(2), "{}", run.describe());
        assert!(
            run.stderr.contains(&format!("expectations.toml:{line}:")) && run.stderr.contains(says),
            "the error names the file, the line and the fault:\n{}",
            run.describe()
        );
        assert!(!run.stdout.contains("scenario(s) against"), "nothing ran:\n{}", run.describe());
    }
}

/// On the day a waiver expires, the gate gives a verdict, not a configuration error: the waiver
/// no longer applies, the run says so, and the scenario is judged as if it had none.
#[test]
fn an_expired_waiver_stops_applying_and_the_run_goes_on_saying_so() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let options = ReferenceOptions::default().with_quirk(Quirk::Apple(Apple::BadErrorMessage(9617)));
    let target = rt.block_on(ReferenceTarget::start(options)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("expectations.toml");
    let expired = format!("{}\nexpires = 2026-01-01\n", waiver("APL-CFG-007", "fail", REASON).trim_end());
    std::fs::write(&path, format!("{expired}\n\n{}", waiver("APL-CFG-008", "fail", "same message"))).unwrap();
    let report = dir.path().join("report.md");
    let run = binary::run(
        &[
            "run",
            "--base-url",
            &target.url(),
            "--tags",
            "@apple-vpp",
            "--expectations",
            path.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "a verdict, not a configuration error:\n{}", run.describe());
    assert!(run.verdict().starts_with("VERDICT: FAIL: 1 of 11 scenarios failed (APL-CFG-007)"), "{}", run.describe());
    let notice = run.stdout.lines().find(|l| l.contains("expired on 2026-01-01")).expect("a notice names it");
    assert!(notice.contains("APL-CFG-007") && notice.contains("no longer applies"), "{notice}");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("expired on 2026-01-01") && text.contains("❌ fail"), "{text}");
    rt.block_on(async move { drop(target) });
}

/// A run of APL-CFG-001 alone against a target whose first `failing` answers are HTTP 500,
/// under a `flaky` waiver.
async fn flaky_run(dir: &Path, failing: usize, strict: bool) -> (vpp_conformance::runner::RunOutcome, String) {
    let options = ReferenceOptions::default().with_quirk(Quirk::Apple(Apple::BadFirstAnswers(failing)));
    let target = ReferenceTarget::start(options).await.unwrap();
    let text =
        format!("{}attempts = 3\n", waiver("APL-CFG-001", "flaky", "the load balancer drops a request now and then"));
    let config = RunConfig {
        tags: Some("@APL-CFG-001".into()),
        strict,
        expectations: Some(expectations(dir, &text)),
        junit: Some(dir.join("junit.xml")),
        ..config_for(&target.url())
    };
    run_with(&config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_waiver_runs_a_failing_scenario_again_and_waives_it_when_an_attempt_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (outcome, stdout) = flaky_run(dir.path(), 1, true).await;
    let s = outcome.scenario("APL-CFG-001").unwrap();
    assert_eq!(s.status, Status::Waived, "{stdout}");
    assert_eq!(s.failed_attempts.len(), 1, "the first attempt failed, the second passed: {stdout}");
    assert!(outcome.passed(), "{stdout}");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("<flakyFailure message=\"passed on a later attempt"), "{junit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_waiver_never_hides_a_scenario_that_fails_every_attempt() {
    let dir = tempfile::tempdir().unwrap();
    // Fails 5 times: more than the 3 attempts the waiver allows.
    let (outcome, stdout) = flaky_run(dir.path(), 5, false).await;
    let s = outcome.scenario("APL-CFG-001").unwrap();
    assert_eq!(s.status, Status::Fail, "a failure on every attempt is a failure\n{stdout}");
    assert_eq!(s.failed_attempts.len(), 2, "{stdout}");
    let reason = s.reason().unwrap_or_default();
    assert!(
        reason.contains("failed every one of its 3 attempt(s)") && reason.contains("known to be flaky"),
        "{reason}"
    );
    assert!(!outcome.passed() && stdout.contains("VERDICT: FAIL"), "{stdout}");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("<failure") && !junit.contains("<skipped"), "{junit}");
}
