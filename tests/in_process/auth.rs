//! The UEM login flow and the `@auth` scenarios, against the reference target with credentials
//! configured: the run logs in and sends the value it got to the UEM target only; a wrong password
//! stops the run with a reason and no secret; `@auth` catches a target that does not check.

use crate::support::in_process::{config_for, run_with, try_run_with};
use vpp_conformance::catalog::Level;
use vpp_conformance::config::{RunConfig, UemLogin};
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Credentials, Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::Verdict;

const USER: &str = "ci-robot";
const PASSWORD: &str = "pa55-word-for-auth-tests";

fn with_auth(quirks: &[Uem]) -> ReferenceOptions {
    let mut options = ReferenceOptions {
        auth: Some(Credentials { username: USER.into(), password: PASSWORD.into() }),
        ..ReferenceOptions::default()
    };
    for q in quirks {
        options = options.with_quirk(Quirk::Uem(q.clone()));
    }
    options
}

fn login(password: &str) -> Option<UemLogin> {
    Some(UemLogin { username: USER.into(), password: password.into(), provider: "LOCAL".into(), domain: None })
}

/// The value the reference issues, obtained the way any client would.
async fn issued_value(url: &str) -> String {
    use base64::Engine as _;
    let body = serde_json::json!({
        "username": USER,
        "password": base64::engine::general_purpose::STANDARD.encode(PASSWORD),
        "provider": "LOCAL",
    });
    let reply = reqwest::Client::new()
        .post(format!("{url}/SRP00000/api/v1/util/authorization"))
        .header("Content-Type", "application/vnd.blackberry.authorizationrequest-v1+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    reply.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_credentials_logs_in_and_passes_and_without_them_fails_with_401() {
    let target = ReferenceTarget::start(with_auth(&[])).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = RunConfig {
        uem_login: login(PASSWORD),
        junit: Some(dir.path().join("junit.xml")),
        json: Some(dir.path().join("cucumber.json")),
        reports: vec![dir.path().join("report.html")],
        ..config_for(&target.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    assert!(outcome.scenarios.iter().any(|s| s.id.starts_with("UEM-")), "{stdout}");

    // Neither the password nor the issued value appears anywhere the run wrote.
    let issued = issued_value(&target.url()).await;
    let credential = issued.split_once(' ').map(|(_, c)| c.to_owned()).unwrap_or(issued.clone());
    for (name, text) in [
        ("stdout", stdout.clone()),
        ("junit", std::fs::read_to_string(dir.path().join("junit.xml")).unwrap()),
        ("json", std::fs::read_to_string(dir.path().join("cucumber.json")).unwrap()),
        ("html", std::fs::read_to_string(dir.path().join("report.html")).unwrap()),
    ] {
        assert!(!text.contains(PASSWORD), "{name} leaks the password");
        assert!(!text.contains(&credential), "{name} leaks the issued Authorization value");
    }

    // The same target without a login: every UEM scenario meets a 401.
    let (outcome, stdout) =
        run_with(&RunConfig { tags: Some("@UEM-SMP-001".into()), ..config_for(&target.url()) }).await;
    assert!(!outcome.passed(), "{stdout}");
    let reason = outcome.scenario("UEM-SMP-001").and_then(|s| s.reason()).unwrap_or_default();
    assert!(reason.contains("HTTP 401"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_stops_the_run_with_the_exchange_and_no_secret() {
    let target = ReferenceTarget::start(with_auth(&[])).await.unwrap();
    let wrong = "not-the-pa55word-9931";
    let config = RunConfig { uem_login: login(wrong), ..config_for(&target.url()) };
    let (result, out) = try_run_with(&config).await;
    let err = result.expect_err("a failed login stops the run");
    let text = err.to_string();
    assert!(text.contains("logging in to the UEM target failed") && text.contains("HTTP 400"), "{text}");
    assert!(text.contains("/SRP00000/api/v1/util/authorization"), "the request is named: {text}");
    assert!(!text.contains(wrong) && !out.contains(wrong), "the password leaked: {text}");
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(wrong);
    assert!(!text.contains(&encoded), "the encoded password leaked: {text}");
}

/// The value obtained by logging in goes to the UEM target only: an Apple VPP target that answers
/// 500 to any request carrying `Authorization` still passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uem_authorization_goes_to_the_uem_target_only() {
    use wiremock::matchers::{header_exists, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let uem = ReferenceTarget::start(with_auth(&[])).await.unwrap();
    let apple = MockServer::start().await;
    Mock::given(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&apple)
        .await;
    let config_body = vpp_conformance::catalog::service_config_fixture().to_string();
    Mock::given(method("POST"))
        .and(path("/mdm/VPPServiceConfigSrv"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(config_body, "application/json"))
        .with_priority(2)
        .mount(&apple)
        .await;
    let config = RunConfig {
        vpp_base_url: Some(apple.uri()),
        uem_base_url: Some(uem.url()),
        uem_login: login(PASSWORD),
        tags: Some("@APL-CFG-001 or @UEM-SMP-001".into()),
        ..config_for(&uem.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    assert_eq!(outcome.scenarios.len(), 2, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_scenarios_pass_a_target_that_checks_and_catch_one_that_does_not() {
    let run = |quirks: &'static [Uem], strict: bool| async move {
        let target = ReferenceTarget::start(with_auth(quirks)).await.unwrap();
        let config =
            RunConfig { uem_login: login(PASSWORD), tags: Some("@auth".into()), strict, ..config_for(&target.url()) };
        run_with(&config).await
    };
    let (outcome, stdout) = run(&[], true).await;
    assert!(outcome.passed(), "{stdout}");
    assert_eq!(outcome.scenarios.len(), 3, "{stdout}");
    assert!(outcome.scenarios.iter().all(|s| s.level == Level::Should));

    for (quirk, caught, passes) in [
        (&[Uem::BadAuthNotRequired][..], &["UEM-AUTH-001", "UEM-AUTH-002"][..], &["UEM-AUTH-003"][..]),
        (&[Uem::BadAnyAuthorizationAccepted][..], &["UEM-AUTH-003"][..], &["UEM-AUTH-001", "UEM-AUTH-002"][..]),
    ] {
        // SHOULD: a warning by default, a failure under --strict.
        let (lenient, stdout) = run(quirk, false).await;
        assert!(lenient.passed(), "{quirk:?} is a SHOULD failure, a warning without --strict\n{stdout}");
        let (outcome, stdout) = run(quirk, true).await;
        assert!(!outcome.passed(), "{quirk:?}\n{stdout}");
        for id in caught {
            let s = outcome.scenario(id).unwrap();
            assert_eq!(s.verdict(), Verdict::Failed, "{quirk:?}: {id}\n{stdout}");
            assert!(s.reason().unwrap_or_default().contains("expected: 401"), "{:?}", s.reason());
        }
        for id in passes {
            assert_eq!(outcome.scenario(id).unwrap().verdict(), Verdict::Passed, "{quirk:?}: {id}\n{stdout}");
        }
    }
}

/// A refusal that carries the accounts anyway is caught: a target answering 401 with the data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_that_carries_accounts_is_caught() {
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let leaky = MockServer::start().await;
    let body = serde_json::json!({
        "message": "unauthorized",
        "vppAccounts": vpp_conformance::catalog::accounts_fixture()["vppAccounts"],
    });
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401).set_body_raw(body.to_string(), "application/json"))
        .mount(&leaky)
        .await;
    let config = RunConfig { tags: Some("@UEM-AUTH-001".into()), strict: true, ..config_for(&leaky.uri()) };
    let (outcome, stdout) = run_with(&config).await;
    let s = outcome.scenario("UEM-AUTH-001").expect("ran");
    assert_eq!(s.verdict(), Verdict::Failed, "{stdout}");
    assert!(s.reason().unwrap_or_default().contains("the refusal carries account data"), "{:?}", s.reason());
    // Tokens of the data set are never printed, not even in this message.
    for a in vpp_conformance::catalog::accounts_fixture()["vppAccounts"].as_array().unwrap() {
        assert!(!stdout.contains(a["token"].as_str().unwrap()), "a token leaked");
    }
}

/// A refusal that echoes the requested path (and so the GUID asked for) gives nothing away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_that_echoes_the_requested_guid_passes() {
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
    struct Echo;
    impl Respond for Echo {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let body =
                serde_json::json!({"code": 401, "message": format!("not authorized for {}", request.url.path())});
            ResponseTemplate::new(401).set_body_raw(body.to_string(), "application/json")
        }
    }
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(Echo).mount(&server).await;
    let config = RunConfig { tags: Some("@auth".into()), strict: true, ..config_for(&server.uri()) };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    assert_eq!(outcome.scenarios.len(), 3, "{stdout}");
}

/// A login that does not really succeed stops the run (exit 2) with the target's own words, and
/// never follows a redirect with the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_that_redirects_or_answers_a_page_stops_the_run_and_shows_why() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("token"))
        .mount(&elsewhere)
        .await;
    let cases = [
        ResponseTemplate::new(307).insert_header("Location", format!("{}/steal", elsewhere.uri()).as_str()),
        ResponseTemplate::new(200).set_body_raw("<html><body>Please sign in</body></html>", "text/html"),
        ResponseTemplate::new(200).set_body_raw("besng-basic abc\nbesng-basic def", "text/plain"),
        ResponseTemplate::new(401)
            .set_body_raw(r#"{"code":401,"message":"Invalid credentials for user"}"#, "application/json"),
        // A 200 in another shape than the documented text/plain: its body may be a credential.
        ResponseTemplate::new(200)
            .set_body_raw("{\n  \"access_token\": \"eyJhbGciOiJIUzI1NiJ9.SUPERSECRETJWT.sig\"\n}", "application/json"),
    ];
    for (i, reply) in cases.into_iter().enumerate() {
        let target = MockServer::start().await;
        Mock::given(method("POST")).and(path_regex("/util/authorization$")).respond_with(reply).mount(&target).await;
        let config =
            RunConfig { uem_login: login(PASSWORD), tags: Some("@UEM-SMP-001".into()), ..config_for(&target.uri()) };
        let (result, _) = try_run_with(&config).await;
        let err = result.expect_err("the login fails");
        let text = err.to_string();
        assert!(text.contains("logging in to the UEM target failed"), "case {i}: {text}");
        assert!(
            text.contains("\"password\": \"‹hidden›\""),
            "case {i}: the password is hidden, not fingerprinted: {text}"
        );
        if i == 3 {
            assert!(text.contains("Invalid credentials for user"), "the target's reason is shown: {text}");
        }
        assert!(!text.contains("SUPERSECRETJWT"), "case {i}: a 200's body is never shown: {text}");
    }
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "the login followed a redirect");
}

/// `@auth` leaves out every header of the user's, not only Authorization: a target that takes an
/// API key as its credential is not blamed for serving a request that carried one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_scenarios_send_none_of_the_users_headers() {
    use wiremock::matchers::header;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let reference = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let keyed = MockServer::start().await;
    // With the key, the target answers as the reference would (a 200 list); without, 401.
    Mock::given(header("x-api-key", "key-1234567890"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"vppAccounts":[]}"#, "application/json"))
        .with_priority(1)
        .mount(&keyed)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401).set_body_raw(r#"{"code":401}"#, "application/json"))
        .with_priority(2)
        .mount(&keyed)
        .await;
    let config = RunConfig {
        headers: vec![("X-Api-Key".into(), "key-1234567890".into())],
        tags: Some("@auth".into()),
        strict: true,
        ..config_for(&keyed.uri())
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    drop(reference);
}
