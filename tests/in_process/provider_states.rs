//! `--state-setup-url`: the suite POSTs the canonical data set (under the tenant being tested)
//! before the scenarios that need it, and a teardown after, as Pact's provider states do. The
//! built-in reference implements the endpoint, so a reference started with other data passes.

use crate::support::in_process::{config_for, run_with, try_run_with};
use vpp_conformance::config::RunConfig;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget, STATE_PATH};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A reference that starts with one account of another name, under tenant `T0`.
fn other_data() -> ReferenceOptions {
    let mut accounts = vpp_conformance::catalog::accounts_fixture().clone();
    accounts["tenantGuid"] = "T0".into();
    accounts["vppAccounts"] = serde_json::json!([accounts["vppAccounts"][0].clone()]);
    accounts["vppAccounts"][0]["name"] = "Not canonical".into();
    ReferenceOptions { accounts, ..ReferenceOptions::default() }
}

async fn list(url: &str, tenant: &str) -> (u16, serde_json::Value) {
    let reply = reqwest::get(format!("{url}/{tenant}/api/v1/vppAccounts")).await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_canonical_data_is_set_up_under_the_tested_tenant_and_torn_down_after() {
    let target = ReferenceTarget::start(other_data()).await.unwrap();
    let url = target.url();
    // Without the state, the canonical scenarios fail: the data is not there.
    let (outcome, _) = run_with(&RunConfig { tags: Some("@UEM-SMP-001".into()), ..config_for(&url) }).await;
    assert!(!outcome.passed());

    let config = RunConfig {
        tenant: "TENANT-42".into(),
        state_setup_url: Some(format!("{url}{STATE_PATH}")),
        tags: Some("not @any-data".into()),
        ..config_for(&url)
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    assert!(outcome.notices.is_empty(), "{:?}", outcome.notices);

    // Torn down: the target serves what it started with again.
    let (status, body) = list(&url, "T0").await;
    assert_eq!(status, 200);
    assert_eq!(body["vppAccounts"][0]["name"], "Not canonical");
    assert_eq!(list(&url, "TENANT-42").await.0, 404, "the set-up tenant is gone after the teardown");
}

/// What a state endpoint received, for the tests that use a recording double.
async fn recording_state_endpoint(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/state")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
    server
}

fn bodies(requests: &[Request]) -> Vec<serde_json::Value> {
    requests.iter().map(|r| serde_json::from_slice(&r.body).expect("the state request is JSON")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_requests_have_pacts_shape_and_any_data_runs_need_none() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let states = recording_state_endpoint(200).await;
    let config = RunConfig {
        tenant: "SRP00000".into(),
        state_setup_url: Some(format!("{}/state", states.uri())),
        tags: Some("@UEM-SMP-001".into()),
        ..config_for(&target.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    let sent = bodies(&states.received_requests().await.unwrap());
    assert_eq!(sent.len(), 2, "one setup, one teardown: {sent:#?}");
    assert_eq!((sent[0]["action"].as_str(), sent[1]["action"].as_str()), (Some("setup"), Some("teardown")));
    assert_eq!(sent[0]["state"], "the canonical VPP data set");
    assert_eq!(sent[0]["params"]["tenantGuid"], "SRP00000");
    assert_eq!(sent[0]["params"]["vppAccounts"].as_array().map(Vec::len), Some(7));
    assert_eq!(&sent[0]["params"]["serviceConfiguration"], vpp_conformance::catalog::service_config_fixture());

    // Scenarios that work on any data need no state.
    let states = recording_state_endpoint(200).await;
    let config = RunConfig {
        state_setup_url: Some(format!("{}/state", states.uri())),
        tags: Some("@any-data and @apple-vpp".into()),
        ..config_for(&target.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    assert!(states.received_requests().await.unwrap().is_empty(), "no state request for @any-data alone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_setup_stops_the_run_and_a_failed_teardown_is_a_notice() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let states = recording_state_endpoint(500).await;
    let config = RunConfig {
        state_setup_url: Some(format!("{}/state", states.uri())),
        tags: Some("@UEM-SMP-001".into()),
        ..config_for(&target.url())
    };
    let (result, _) = try_run_with(&config).await;
    let err = result.expect_err("a refused setup stops the run");
    let text = err.to_string();
    assert!(text.contains("setting up the provider state") && text.contains("HTTP 500"), "{text}");

    // A 503 without Retry-After is push-back, no refusal: the state was never answered, so the
    // scenarios that need it could not be judged (ERROR, exit 3), and none of them FAILs.
    let unavailable = recording_state_endpoint(503).await;
    let config503 = RunConfig { state_setup_url: Some(format!("{}/state", unavailable.uri())), ..config.clone() };
    let (outcome, stdout) = run_with(&config503).await;
    assert_eq!(outcome.conclusion(), vpp_conformance::outcome::Conclusion::Error, "{stdout}");
    assert!(!outcome.scenarios.is_empty(), "{stdout}");
    assert!(outcome.scenarios.iter().all(|s| s.status == vpp_conformance::outcome::Status::Error), "{stdout}");
    assert!(stdout.contains("provider state"), "{stdout}");

    // Setup answered, teardown refused: the run stands, with a notice.
    let states = MockServer::start().await;
    Mock::given(wiremock::matchers::body_partial_json(serde_json::json!({"action": "setup"})))
        .respond_with(ResponseTemplate::new(200))
        .mount(&states)
        .await;
    Mock::given(wiremock::matchers::body_partial_json(serde_json::json!({"action": "teardown"})))
        .respond_with(ResponseTemplate::new(500))
        .mount(&states)
        .await;
    let config = RunConfig { state_setup_url: Some(format!("{}/state", states.uri())), ..config };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    assert!(outcome.notices.iter().any(|n| n.contains("not torn down")), "{:?}", outcome.notices);
    assert!(stdout.contains("NOTICE: the provider state was not torn down"), "{stdout}");
}

/// The state request carries none of the user's headers (credentials for the target) and follows
/// no redirect (a login page is no state).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_request_carries_no_user_header_and_a_redirect_is_a_failure() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let states = recording_state_endpoint(200).await;
    let config = RunConfig {
        headers: vec![("Authorization".into(), "Bearer state-secret-77".into())],
        state_setup_url: Some(format!("{}/state", states.uri())),
        tags: Some("@UEM-SMP-001".into()),
        ..config_for(&target.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed(), "{stdout}");
    let requests = states.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| !r.headers.contains_key("authorization")), "a user header reached the state URL");

    let redirecting = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/login"))
        .mount(&redirecting)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("login page"))
        .mount(&redirecting)
        .await;
    let config = RunConfig { state_setup_url: Some(format!("{}/state", redirecting.uri())), ..config };
    let (result, _) = try_run_with(&config).await;
    let err = result.expect_err("a redirect is no state");
    assert!(err.to_string().contains("HTTP 302"), "{err}");
}
