//! Reports are checked for what they say, not only that they exist: the verdict, the matrix,
//! each failure with its reason, redaction, the seal (digest and signature) against one-character
//! edits, the regression report, JUnit XML against the JUnit schema, and the HTML page as a real
//! headless browser renders it.

use crate::support::binary::{self, tool};
use crate::support::in_process::{config_for, run_with};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::pkcs8::EncodePublicKey;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use vpp_conformance::config::RunConfig;
use vpp_conformance::redact::fingerprint;
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::report::diff::{self, DiffFormat};
use vpp_conformance::report::seal;
use vpp_conformance::report::verify::{self, Verification};

const HEADER_SECRET: &str = "Bearer report-secret-0123456789";

/// How long one invocation of the binary may take before the test fails.
const BIN_LIMIT: Duration = Duration::from_secs(60);

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

fn canonical_tokens() -> Vec<String> {
    vpp_conformance::catalog::accounts_fixture()["vppAccounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["token"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs against a defective reference (case-sensitive names, a wrong holder everywhere, so
/// failures quote bodies with tokens) writing every report into `dir`.
async fn failing_run(dir: &Path, extra: impl FnOnce(&mut RunConfig)) -> (RunConfig, String) {
    let options = ReferenceOptions::default()
        .with_quirk(Quirk::Uem(Uem::BadCaseSensitive))
        .with_quirk(Quirk::Uem(Uem::BadFieldValue("accountHolderInfo".into())));
    let target = ReferenceTarget::start(options).await.unwrap();
    let mut config = RunConfig {
        headers: vec![("Authorization".into(), HEADER_SECRET.into())],
        reports: vec![dir.join("report.html"), dir.join("report.md")],
        junit: Some(dir.join("junit.xml")),
        json: Some(dir.join("cucumber.json")),
        seed: Some(5),
        ..config_for(&target.url())
    };
    extra(&mut config);
    let (outcome, stdout) = run_with(&config).await;
    assert!(!outcome.passed());
    (config, stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certification_reports_state_the_verdict_the_matrix_and_each_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stdout) = failing_run(dir.path(), |_| {}).await;
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();

    // The verdict comes first, then the run's facts.
    let verdict_at = html.find("Verdict: FAIL").expect("verdict");
    assert!(verdict_at < html.find("id=\"matrix\"").unwrap());
    for fact in ["Target", "127.0.0.1", "Date", env!("CARGO_PKG_VERSION"), "Tags selected", "Seed"] {
        assert!(html.contains(fact), "HTML lacks {fact}");
        assert!(md.contains(fact), "Markdown lacks {fact}");
    }
    // Every catalogued requirement has a row; the failing one says fail and why.
    for s in vpp_conformance::catalog::scenarios() {
        assert!(html.contains(&format!("<tr id=\"{}\"", s.id)), "HTML matrix lacks {}", s.id);
        assert!(md.contains(&format!("| `{}` |", s.id)), "Markdown matrix lacks {}", s.id);
    }
    assert!(html.contains("<td class=\"fail\">fail</td></tr>"));
    let detail = &html[html.find("id=\"detail-UEM-QRY-001\"").expect("failure detail")..];
    assert!(detail.contains("missing 17c24f36"), "the reason is shown");
    assert!(detail.contains("request:  GET"), "the request is shown");
    assert!(md.contains("| `UEM-QRY-001` |") && md.contains("❌ fail"));
    assert!(md.contains("missing 17c24f36"));
    // The opt-in scenario was not selected.
    assert!(html.contains("<tr id=\"UEM-AUTH-001\">") && html.contains("class=\"skipped\""));
    // What failed stands at the top, before the matrix, with a link to its details; the failing
    // row is marked; every in-page link has its target.
    let top = &html[..html.find("id=\"matrix\"").unwrap()];
    assert!(top.contains("What failed") && top.contains("href=\"#detail-UEM-QRY-001\""), "{top}");
    assert!(html.contains("<tr id=\"UEM-QRY-001\" class=\"failing\">"), "the failing row is marked");
    for link in html.split("href=\"#").skip(1) {
        let anchor = &link[..link.find('"').unwrap()];
        assert!(html.contains(&format!("id=\"{anchor}\"")), "a link to #{anchor}, which does not exist");
    }
    let md_top = &md[..md.find("| ID |").unwrap()];
    assert!(md_top.contains("## What failed") && md_top.contains("`UEM-QRY-001`"), "{md_top}");
    // Every row states its level.
    assert!(html.contains("<td>MUST</td>") && html.contains("<td>SHOULD</td>") && html.contains("<td>INFO</td>"));
    assert!(md.contains("| UEM | SHOULD |") && md.contains("| UEM | INFO |"), "Markdown shows levels");
    assert!(stdout.contains("Report written to"));

    // Redaction: no header value and no token, in any report; fingerprints instead.
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let json = std::fs::read_to_string(dir.path().join("cucumber.json")).unwrap();
    for (name, text) in [("html", &html), ("md", &md), ("junit", &junit), ("json", &json), ("stdout", &stdout)] {
        assert!(!text.contains("report-secret-0123456789"), "{name} leaks the header value");
        for token in canonical_tokens() {
            assert!(!text.contains(&token), "{name} leaks a token");
        }
    }
    assert!(html.contains(&fingerprint(&canonical_tokens()[0])), "tokens show as fingerprints");
    assert!(md.contains(&fingerprint(&canonical_tokens()[0])), "tokens show as fingerprints");
}

fn flip(text: &str, char_index: usize) -> String {
    text.chars().enumerate().map(|(i, c)| if i == char_index { if c == 'x' { 'y' } else { 'x' } } else { c }).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_catches_a_one_character_edit_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    failing_run(dir.path(), |_| {}).await;
    for file in ["report.html", "report.md"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert_eq!(verify::verify(&text, None), Verification::Intact { signer: None, checked: false }, "{file}");
        let chars = text.chars().count();
        for k in 0..40 {
            let i = k * (chars - 1) / 39;
            let edited = flip(&text, i);
            assert!(
                matches!(verify::verify(&edited, None), Verification::Broken(_)),
                "{file}: an edit at character {i} of {chars} went unnoticed"
            );
        }
    }
}

/// git's autocrlf, a mail client or an editor's final newline change line ends only: the seal
/// covers the text with its line ends made LF and trailing ones ignored, so the report stays
/// intact and signed, while any other change still breaks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seal_survives_line_end_conversion_and_a_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let key_path = dir.path().join("issuer.pem");
    std::fs::write(&key_path, key.to_pkcs8_pem(Default::default()).unwrap().as_bytes()).unwrap();
    failing_run(dir.path(), |c| c.sign_key = Some(key_path.clone())).await;
    let public = key.verifying_key();
    for file in ["report.html", "report.md"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let crlf = text.replace('\n', "\r\n");
        for (how, copy) in
            [("CRLF", crlf.clone()), ("a final newline", format!("{text}\n")), ("both", format!("{crlf}\r\n\r\n"))]
        {
            assert!(
                matches!(verify::verify(&copy, Some(&public)), Verification::Intact { checked: true, .. }),
                "{file} with {how}: {:?}",
                verify::verify(&copy, Some(&public))
            );
        }
        // Any other change still breaks it: a line end inside a line, a space, a removed line end.
        let middle = crlf.find("\r\n").unwrap() + 2;
        for edited in [
            format!("{}\r\n{}", &crlf[..middle + 3], &crlf[middle + 3..]),
            crlf.replacen("\r\n", " \r\n", 1),
            crlf.replacen("\r\n", "", 1),
        ] {
            assert!(matches!(verify::verify(&edited, Some(&public)), Verification::Broken(_)), "{file}");
        }
    }
    // An unsigned report says it carries no signature.
    let unsigned = tempfile::tempdir().unwrap();
    failing_run(unsigned.path(), |_| {}).await;
    let run = binary::run(&["verify-report", path_str(&unsigned.path().join("report.md"))], BIN_LIMIT);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(run.stdout.contains("unsigned"), "{}", run.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signature_proves_the_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let key_path = dir.path().join("issuer.pem");
    std::fs::write(&key_path, key.to_pkcs8_pem(Default::default()).unwrap().as_bytes()).unwrap();
    let public_pem = key.verifying_key().to_public_key_pem(Default::default()).unwrap();
    let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
    failing_run(dir.path(), |c| c.sign_key = Some(key_path.clone())).await;

    let text = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let public = vpp_conformance::config::keys::public_key(&public_pem).unwrap();
    assert!(matches!(verify::verify(&text, Some(&public)), Verification::Intact { checked: true, .. }));
    assert!(matches!(verify::verify(&text, Some(&other)), Verification::Broken(_)), "another key must not verify");

    // A forger who edits the results and recomputes the digest cannot sign it.
    let mut embedded = vpp_conformance::report::html::extract(&text).unwrap();
    embedded.data.verdict = "PASS".into();
    let forged_seal = seal::Seal { digest: seal::digest(&embedded.data), ..embedded.seal.clone() };
    let forged = vpp_conformance::report::render(vpp_conformance::report::Format::Html, &embedded.data, &forged_seal);
    assert!(matches!(verify::verify(&forged, None), Verification::Intact { .. }), "consistent without a key");
    assert!(matches!(verify::verify(&forged, Some(&public)), Verification::Broken(_)), "the signature catches it");

    // And through the command line.
    let pub_path = dir.path().join("issuer.pub.pem");
    std::fs::write(&pub_path, &public_pem).unwrap();
    let report = dir.path().join("report.html");
    let ok = binary::run(&["verify-report", path_str(&report), "--public-key", path_str(&pub_path)], BIN_LIMIT);
    assert_eq!(ok.code, Some(0), "{}", ok.describe());
    assert!(ok.stdout.contains("signature: valid"), "{}", ok.describe());
    let forged_path = dir.path().join("forged.html");
    std::fs::write(&forged_path, forged).unwrap();
    let bad = binary::run(&["verify-report", path_str(&forged_path), "--public-key", path_str(&pub_path)], BIN_LIMIT);
    assert_eq!(bad.code, Some(1), "{}", bad.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_names_what_newly_fails_what_was_fixed_added_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let good = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let base_json = dir.path().join("base.json");
    let config = RunConfig {
        json: Some(base_json.clone()),
        tags: Some("@uem and not @UEM-QRY-015".into()),
        seed: Some(5),
        ..config_for(&good.url())
    };
    assert!(run_with(&config).await.0.passed());
    let new_dir = tempfile::tempdir().unwrap();
    failing_run(new_dir.path(), |c| c.tags = Some("@uem and not @UEM-QRY-014".into())).await;
    let new_json = new_dir.path().join("cucumber.json");

    let read = |p: &Path| diff::parse_cucumber_json(&std::fs::read_to_string(p).unwrap()).unwrap();
    let (base, new) = (read(&base_json), read(&new_json));
    let changes = diff::compare(&base, &new, Default::default());
    let ids = |v: &[(String, String)]| v.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert!(ids(&changes.newly_failing).contains(&"UEM-QRY-001".to_owned()), "{changes:?}");
    assert!(changes.added.iter().any(|(id, _, _)| id == "UEM-QRY-015"));
    assert_eq!(ids(&changes.removed), vec!["UEM-QRY-014".to_owned()]);
    assert!(changes.regressed());
    let back = diff::compare(&new, &base, Default::default());
    assert!(ids(&back.fixed).contains(&"UEM-QRY-001".to_owned()));
    assert!(!back.regressed());
    for format in [DiffFormat::Text, DiffFormat::Markdown, DiffFormat::Html] {
        let text = diff::render(&changes, format);
        assert!(text.contains("UEM-QRY-001") && text.contains("REGRESSION"), "{format:?}");
    }
    let regressed = binary::run(&["diff", path_str(&base_json), path_str(&new_json)], BIN_LIMIT);
    assert_eq!(regressed.code, Some(1), "{}", regressed.describe());
    let fixed = binary::run(&["diff", path_str(&new_json), path_str(&base_json), "--format", "markdown"], BIN_LIMIT);
    assert_eq!(fixed.code, Some(0), "{}", fixed.describe());
    assert!(fixed.stdout.contains("### Fixed"), "{}", fixed.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_xml_validates_against_the_junit_schema() {
    let Some(xmllint) = tool("xmllint") else { return };
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit.xsd");
    let dir = tempfile::tempdir().unwrap();
    failing_run(dir.path(), |_| {}).await;
    let good = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let passing = dir.path().join("passing.xml");
    assert!(run_with(&RunConfig { junit: Some(passing.clone()), ..config_for(&good.url()) }).await.0.passed());
    for file in [dir.path().join("junit.xml"), passing] {
        let out = Command::new(&xmllint).args(["--noout", "--schema"]).arg(&schema).arg(&file).output().unwrap();
        assert!(out.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    }
    // The schema rejects what CI readers reject, so the check above can fail.
    let broken = dir.path().join("broken.xml");
    std::fs::write(
        &broken,
        r#"<testsuites><testsuite name="x" tests="one" failures="0" errors="0"><testcase/></testsuite></testsuites>"#,
    )
    .unwrap();
    let out = Command::new(&xmllint).args(["--noout", "--schema"]).arg(&schema).arg(&broken).output().unwrap();
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_renders_in_a_headless_browser() {
    let Some(chromium) = tool("chromium") else { return };
    let dir = tempfile::tempdir().unwrap();
    failing_run(dir.path(), |_| {}).await;
    let page = format!("file://{}", dir.path().join("report.html").display());
    let profile = tempfile::tempdir().unwrap();
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let dom = Command::new(&chromium)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&page)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Verdict: FAIL"), "the rendered DOM shows the verdict:\n{}", &dom[..dom.len().min(2000)]);
    assert!(dom.contains("id=\"matrix\"") && dom.contains("<tr id=\"UEM-QRY-001\" class=\"failing\">"));
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let png = artifacts.join("certification-report.png");
    let _ = std::fs::remove_file(&png);
    let shot = Command::new(&chromium)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,1600")
        .arg(&page)
        .output()
        .unwrap();
    let bytes =
        std::fs::read(&png).unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&shot.stderr)));
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "a real screenshot ({} bytes)", bytes.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_has_one_line_a_scenario_and_no_progress_lines() {
    let good = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let (outcome, stdout) = run_with(&RunConfig { tags: Some("@apple-vpp".into()), ..config_for(&good.url()) }).await;
    assert!(!stdout.contains("progress"), "progress stays off the log:\n{stdout}");
    for s in &outcome.scenarios {
        let lines = stdout.lines().filter(|l| l.starts_with("PASS ") && l.contains(&format!(" {} ", s.id))).count();
        assert_eq!(lines, 1, "{}: one line\n{stdout}", s.id);
    }
    // Beyond one line a scenario: a blank line, what was learned of the target's capacity, the
    // verdict.
    assert!(stdout.lines().count() <= outcome.scenarios.len() + 5, "a passing run says little more:\n{stdout}");
}
