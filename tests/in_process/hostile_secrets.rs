//! Hostile targets, secrets: whatever a target echoes or sends, the `--header` values and the
//! `token` values never reach stdout, the JUnit report or the Cucumber JSON report: their
//! fingerprints do.
//!
//! Each target is a real server on a loopback port (`tests/support/hostile.rs`), written with raw
//! `TcpListener` and raw HTTP/1.1 bytes, so it can misbehave in ways a well-behaved HTTP server
//! library would not allow.

use crate::support::hostile::{
    JSON_IDS, JSON_TAGS, Run, TIMEOUT, assert_every_scenario_failed, config, read_request, respond, run, serve,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use vpp_conformance::catalog;
use vpp_conformance::config::RunConfig;
use vpp_conformance::redact::fingerprint;
use vpp_conformance::reference::uem::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE};
use vpp_conformance::runner::{RunOutcome, Verdict};

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

const HEADER_VALUE: &str = "Bearer hdr-SECRET-987654321";
const HEADER_SECRET: &str = "hdr-SECRET-987654321";
const APPLE_TOKEN: &str = "tok-SECRET-apl0a1b2c3d4e5";

/// The token a leaky target sends for the n-th canonical account in a list.
fn list_token(n: usize) -> String {
    format!("tok-SECRET-list{n}-abc123def456")
}

/// The token a leaky target sends for the n-th canonical account by GUID (not the listed one).
fn get_token(n: usize) -> String {
    format!("tok-SECRET-get{n}-fed654cba321")
}

fn all_secrets() -> Vec<String> {
    let n = catalog::accounts_fixture()["vppAccounts"].as_array().unwrap().len();
    let mut secrets = vec![HEADER_VALUE.to_owned(), HEADER_SECRET.to_owned(), APPLE_TOKEN.to_owned()];
    secrets.extend((0..n).map(list_token));
    secrets.extend((0..n).map(get_token));
    secrets
}

/// A target that echoes the `Authorization` header it receives (in bodies and in a media type)
/// and serves the canonical accounts with secret tokens of its own, wrong enough to fail.
async fn leaky_target(mut stream: TcpStream) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let auth = request.header("authorization").unwrap_or("").to_owned();
    let accounts = catalog::accounts_fixture()["vppAccounts"].as_array().unwrap().clone();
    let path = request.path().to_owned();
    let uem = "/SRP00000/api/v1/vppAccounts";
    if path == "/mdm/VPPServiceConfigSrv" {
        let body = json!({
            "status": 0,
            "receivedAuthorization": auth,
            "token": APPLE_TOKEN,
            "errorCodes": [{"errorNumber": 9601, "errorMessage": format!("Login required: {auth}")}],
        });
        // The header echoed in the media type too: the mismatch message shows it.
        let content_type = format!("text/plain; echo=\"{auth}\"");
        respond(&mut stream, "200 OK", &content_type, body.to_string().as_bytes()).await;
    } else if path == uem {
        let listed: Vec<Value> = accounts
            .iter()
            .enumerate()
            .map(|(n, a)| {
                let mut a = a.clone();
                a["token"] = json!(list_token(n));
                a["receivedAuthorization"] = json!(auth);
                a
            })
            .collect();
        let body = json!({ "vppAccounts": listed, "debug": { "authorization": auth } });
        respond(&mut stream, "200 OK", LIST_MEDIA_TYPE, body.to_string().as_bytes()).await;
    } else if let Some(guid) = path.strip_prefix(&format!("{uem}/")) {
        match accounts.iter().position(|a| a["guid"] == guid) {
            Some(n) => {
                let mut a = accounts[n].clone();
                a["token"] = json!(get_token(n));
                a["name"] = json!(format!("renamed by {auth}"));
                respond(&mut stream, "200 OK", ACCOUNT_MEDIA_TYPE, a.to_string().as_bytes()).await;
            }
            None => {
                let body = json!({ "message": format!("no account {guid} for {auth}") });
                respond(&mut stream, "404 Not Found", "application/json", body.to_string().as_bytes()).await;
            }
        }
    } else {
        respond(&mut stream, "404 Not Found", "text/plain", auth.as_bytes()).await;
    }
}

/// Stdout, the JUnit report and the JSON report of a run with the secret header, reports in a
/// temporary directory.
struct Outputs {
    run: Run,
    junit: String,
    json: String,
}

impl Outputs {
    fn all(&self) -> [(&'static str, &str); 3] {
        [
            ("stdout", self.run.stdout.as_str()),
            ("the JUnit report", self.junit.as_str()),
            ("the JSON report", self.json.as_str()),
        ]
    }

    fn combined(&self) -> String {
        format!("{}\n{}\n{}", self.run.stdout, self.junit, self.json)
    }
}

async fn run_with_secret_header(url: &str, tags: &str) -> Outputs {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let json = dir.path().join("cucumber.json");
    let run = run(RunConfig {
        headers: vec![("Authorization".into(), HEADER_VALUE.into())],
        junit: Some(junit.clone()),
        json: Some(json.clone()),
        ..config(url, tags, TIMEOUT)
    })
    .await;
    let junit = std::fs::read_to_string(&junit).unwrap();
    let json = std::fs::read_to_string(&json).unwrap();
    Outputs { run, junit, json }
}

/// No secret in any output, nor in the results the library returns; the reports are well formed.
fn assert_no_secret_leaks(outputs: &Outputs, secrets: &[String]) {
    for (what, text) in outputs.all() {
        assert!(!text.trim().is_empty(), "{what} is empty");
        for secret in secrets {
            assert!(!text.contains(secret.as_str()), "{what} leaks the secret {secret:?}:\n{text}");
        }
    }
    for s in &outputs.run.outcome.scenarios {
        let reason = s.reason();
        let texts = reason.iter().chain(s.warnings.iter());
        for text in texts {
            for secret in secrets {
                assert!(!text.contains(secret.as_str()), "{}: the result leaks the secret {secret:?}:\n{text}", s.id);
            }
        }
    }
    // Redaction must not break the reports.
    serde_json::from_str::<Value>(&outputs.json)
        .unwrap_or_else(|e| panic!("the JSON report is not JSON ({e}):\n{}", outputs.json));
    let mut reader = quick_xml::Reader::from_str(&outputs.junit);
    let mut testcases = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.name().as_ref() == b"testcase" =>
            {
                testcases += 1
            }
            Ok(_) => {}
            Err(e) => panic!("the JUnit report is not XML ({e}):\n{}", outputs.junit),
        }
    }
    assert_eq!(testcases, outputs.run.outcome.scenarios.len(), "one JUnit test case per scenario:\n{}", outputs.junit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_headers_and_tokens_never_leak_but_their_fingerprints_show() {
    let url = serve(leaky_target).await;
    let tags = "@APL-CFG-001 or @APL-CFG-002 or @APL-CFG-007 or @APL-CFG-008 \
                or @UEM-SMP-001 or @UEM-GET-001 or @UEM-GET-002 or @UEM-CON-001";

    let outputs = run_with_secret_header(&url, tags).await;
    let run = &outputs.run;

    assert!(!run.outcome.passed(), "{}", run.report());
    assert_eq!(run.outcome.scenarios.len(), 8, "{}", run.report());
    for id in ["APL-CFG-001", "APL-CFG-002", "UEM-SMP-001", "UEM-GET-001", "UEM-CON-001"] {
        let s = run.outcome.scenario(id).unwrap();
        assert_eq!(s.verdict(), Verdict::Failed, "{id}\n{}", run.report());
        assert!(!s.reason().unwrap_or_default().is_empty(), "{id}\n{}", run.report());
    }
    assert!(run.stdout.contains("VERDICT: FAIL"), "{}", run.report());
    assert_no_secret_leaks(&outputs, &all_secrets());

    // The redaction is visible: the echoed header and the tokens show as fingerprints.
    let combined = outputs.combined();
    let header_shown = [HEADER_VALUE, HEADER_SECRET].iter().any(|s| run.stdout.contains(&fingerprint(s)));
    assert!(header_shown, "stdout should show the echoed header as a fingerprint\n{}", run.report());
    // The account by GUID comes back in UEM-GET-001's failure, with its token.
    let guid_index = catalog::accounts_fixture()["vppAccounts"]
        .as_array()
        .unwrap()
        .iter()
        .position(|a| a["guid"] == "6359d1fc-6b8b-4920-ae0e-9c8405cb08b5")
        .unwrap();
    let get = run.outcome.scenario("UEM-GET-001").unwrap();
    assert!(
        get.reason().unwrap().contains(&fingerprint(&get_token(guid_index))),
        "UEM-GET-001 should show the token it got as a fingerprint\n{}",
        run.report()
    );
    assert!(run.stdout.contains(&fingerprint(&get_token(guid_index))), "{}", run.report());
    let list_token_shown = (0..7).any(|n| combined.contains(&fingerprint(&list_token(n))));
    assert!(list_token_shown, "a listed token should show as a fingerprint\n{}", run.report());
    assert!(
        outputs.junit.contains("‹sha256:") && outputs.json.contains("‹sha256:"),
        "the reports should carry the fingerprints too\n--- junit ---\n{}\n--- json ---\n{}",
        outputs.junit,
        outputs.json
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_in_broken_json_never_leak() {
    const TRUNCATED_AFTER_TOKEN: &str = "tok-SECRET-trunc424242xyz";
    const CUT_MID_TOKEN: &str = "tok-SECRET-cut31337abcdef";
    let url = serve(|mut stream| async move {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        let auth = request.header("authorization").unwrap_or("").to_owned();
        let (content_type, body) = if request.path().starts_with("/mdm/") {
            // Cut inside the token value: no closing quote.
            (
                "application/json",
                format!(r#"{{"status":0,"echo":"{auth}","token":"{CUT_MID_TOKEN}"#),
            )
        } else if request.path().ends_with("/vppAccounts") {
            // Cut after the token, in the next field.
            (
                LIST_MEDIA_TYPE,
                format!(
                    r#"{{"vppAccounts":[{{"guid":"17c24f36-b724-4591-9624-e76bb197b466","token" : "{TRUNCATED_AFTER_TOKEN}","name":"VPP-tok"#
                ),
            )
        } else {
            // Not JSON at all around the token, and the header echoed raw.
            (
                ACCOUNT_MEDIA_TYPE,
                format!(
                    "{{'token': '{TRUNCATED_AFTER_TOKEN}'}} \"token\":\"{CUT_MID_TOKEN}\", {auth}"
                ),
            )
        };
        respond(&mut stream, "200 OK", content_type, body.as_bytes()).await;
    })
    .await;

    let outputs = run_with_secret_header(&url, JSON_TAGS).await;
    let run = &outputs.run;

    assert_every_scenario_failed(run, &url, JSON_IDS, "that the body is not JSON", |r| r.contains("not JSON"));
    let secrets =
        [HEADER_VALUE.to_owned(), HEADER_SECRET.to_owned(), TRUNCATED_AFTER_TOKEN.to_owned(), CUT_MID_TOKEN.to_owned()];
    assert_no_secret_leaks(&outputs, &secrets);
    for secret in [TRUNCATED_AFTER_TOKEN, CUT_MID_TOKEN] {
        assert!(
            run.stdout.contains(&fingerprint(secret)),
            "the token {secret} should show as a fingerprint\n{}",
            run.report()
        );
    }
    assert!(
        run.stdout.contains(&fingerprint(HEADER_VALUE)) || run.stdout.contains(&fingerprint(HEADER_SECRET)),
        "{}",
        run.report()
    );
}

/// A failure shows an excerpt of the body. A token that straddles the end of the excerpt must
/// not show its first part: the body must be redacted before it is cut, not after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_cut_by_the_body_excerpt_does_not_leak_its_first_part() {
    const TOKEN: &str = "QZXW-straddle-7c1e9a44b2d0f6e8";
    // Broken JSON (so the scenario fails with the excerpt), the token's value starting a little
    // before byte 1500, where the excerpt ends.
    let prefix = r#"{"vppAccounts":[{"pad":""#;
    let mid = r#"","token":""#;
    let pad = "p".repeat(1490 - prefix.len() - mid.len());
    let body = format!("{prefix}{pad}{mid}{TOKEN}\",\"name\":\"x\"}},{}", "q".repeat(600));
    assert_eq!(body.find(TOKEN), Some(1490));
    let body = Arc::new(body);
    let url = serve(move |mut stream| {
        let body = body.clone();
        async move {
            if read_request(&mut stream).await.is_some() {
                respond(&mut stream, "200 OK", LIST_MEDIA_TYPE, body.as_bytes()).await;
            }
        }
    })
    .await;

    let outputs = run_with_secret_header(&url, "@UEM-SMP-001").await;
    let run = &outputs.run;

    assert_every_scenario_failed(run, &url, &["UEM-SMP-001"], "not JSON", |r| r.contains("not JSON"));
    let first_part = &TOKEN[..10];
    for (what, text) in outputs.all() {
        assert!(!text.contains(first_part), "{what} leaks the first part of a token ({first_part:?}):\n{text}");
    }
    assert!(run.stdout.contains(&fingerprint(TOKEN)), "the token should show as a fingerprint\n{}", run.report());
}

// ---------------------------------------------------------------------------------------------
// The leak assertion can fail
// ---------------------------------------------------------------------------------------------

/// The leak assertion finds a secret in any of the outputs.
#[test]
#[should_panic(expected = "the JUnit report leaks the secret")]
fn the_leak_assertion_finds_a_leaked_secret() {
    let outputs = Outputs {
        run: Run {
            outcome: RunOutcome::default(),
            stdout: format!("VERDICT: FAIL {}", fingerprint(HEADER_SECRET)),
            elapsed: Duration::ZERO,
        },
        junit: format!("<testsuites><testcase name=\"x\">{HEADER_SECRET}</testcase></testsuites>"),
        json: "[]".into(),
    };
    assert_no_secret_leaks(&outputs, &[HEADER_SECRET.to_owned()]);
}

// ---------------------------------------------------------------------------------------------
// Escaped echoes
// ---------------------------------------------------------------------------------------------

/// A target written in PHP (`json_encode`) escapes `/` as `\/` when it echoes a credential into
/// JSON; base64 credentials hold slashes. The escaped echo must not show the credential either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_echoed_with_escaped_slashes_does_not_leak() {
    const CREDENTIAL: &str = "hdr/SECRET/9876+54321==";
    let url = serve(|mut stream| async move {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        let auth = request.header("authorization").unwrap_or("").to_owned();
        let echoed = serde_json::to_string(&auth).unwrap().replace('/', "\\/");
        let body = format!(r#"{{"status":0,"receivedAuthorization":{echoed}}}"#);
        respond(&mut stream, "200 OK", "application/json", body.as_bytes()).await;
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("cucumber.json"));
    let run = run(RunConfig {
        headers: vec![("Authorization".into(), format!("Bearer {CREDENTIAL}"))],
        junit: Some(junit.clone()),
        json: Some(json.clone()),
        ..config(&url, "@APL-CFG-002", TIMEOUT)
    })
    .await;
    let outputs =
        Outputs { junit: std::fs::read_to_string(&junit).unwrap(), json: std::fs::read_to_string(&json).unwrap(), run };

    assert!(!outputs.run.outcome.passed(), "{}", outputs.run.report());
    let escaped = CREDENTIAL.replace('/', "\\/");
    assert_no_secret_leaks(&outputs, &[CREDENTIAL.to_owned(), escaped]);
}
