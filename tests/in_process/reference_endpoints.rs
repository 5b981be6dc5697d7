//! The reference target's login route (UEM's `util/authorization`), the `Authorization` it then
//! enforces on the account resource, and its provider-state route, over real HTTP.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::uem::AUTHORIZATION_MEDIA_TYPE;
use vpp_conformance::reference::{Credentials, Quirk, ReferenceOptions, ReferenceTarget, STATE_PATH};

const TENANT: &str = "SRP00000";
const USER: &str = "admin";
const PASSWORD: &str = "s3cret: pässword/+";

fn credentials() -> Credentials {
    Credentials { username: USER.to_owned(), password: PASSWORD.to_owned() }
}

fn with_auth() -> ReferenceOptions {
    ReferenceOptions { auth: Some(credentials()), ..ReferenceOptions::default() }
}

async fn start(options: ReferenceOptions) -> ReferenceTarget {
    ReferenceTarget::start(options).await.expect("the reference starts")
}

/// Standard, padded base64, written here so the test does not share the server's decoder.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn login_body(username: &str, password: &str) -> Value {
    json!({"username": username, "password": base64(password.as_bytes()), "provider": "LOCAL"})
}

/// `POST /{tenant}/api/v1/util/authorization` with the vendor media type.
async fn post_login(base: &str, tenant: &str, body: impl Into<reqwest::Body>, media_type: &str) -> Response {
    Client::new()
        .post(format!("{base}/{tenant}/api/v1/util/authorization"))
        .header(CONTENT_TYPE, media_type)
        .body(body)
        .send()
        .await
        .expect("the login request is answered")
}

/// Logs in with `body` and returns the issued `Authorization` value, failing the test otherwise.
async fn issued_value(base: &str, tenant: &str, body: &Value) -> String {
    let response = post_login(base, tenant, body.to_string(), AUTHORIZATION_MEDIA_TYPE).await;
    let status = response.status();
    let content_type = header(&response, CONTENT_TYPE.as_str());
    let text = response.text().await.expect("a login body");
    assert_eq!(status, StatusCode::OK, "the login {body} should be accepted, got body {text}");
    assert!(content_type.starts_with("text/plain"), "the issued value is text/plain, got {content_type:?}");
    text
}

fn header(response: &Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn get(url: String, authorization: Option<&str>) -> Response {
    let mut request = Client::new().get(&url);
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    request.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// The status and the JSON body (`Null` when it is not JSON).
async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts a 400 (or `status`) answered with the `{"code", "message"}` error shape.
async fn assert_error(response: Response, status: StatusCode, what: &str) {
    let (got, body) = status_and_json(response).await;
    assert_eq!(got, status, "{what}: expected {status}, got {got} with {body}");
    assert_eq!(body["code"], status.as_u16(), "{what}: the error body should carry the code, got {body}");
    assert!(body["message"].is_string(), "{what}: the error body should carry a message, got {body}");
}

async fn assert_unauthorized(response: Response, what: &str) {
    let challenge = header(&response, WWW_AUTHENTICATE.as_str());
    assert_eq!(challenge, "besng-basic", "{what}: a 401 challenges with besng-basic");
    assert_error(response, StatusCode::UNAUTHORIZED, what).await;
}

fn list_url(base: &str, tenant: &str) -> String {
    format!("{base}/{tenant}/api/v1/vppAccounts")
}

/// The GUID of the first canonical account.
fn first_guid() -> String {
    let fixture = ReferenceOptions::default().accounts;
    fixture["vppAccounts"][0]["guid"].as_str().expect("the fixture's accounts have GUIDs").to_owned()
}

async fn post_state(base: &str, body: impl Into<reqwest::Body>) -> Response {
    Client::new()
        .post(format!("{base}{STATE_PATH}"))
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .expect("the provider-state request is answered")
}

async fn account_count(base: &str, tenant: &str) -> usize {
    let (status, body) = status_and_json(get(list_url(base, tenant), None).await).await;
    assert_eq!(status, StatusCode::OK, "listing {tenant}'s accounts: {body}");
    body["vppAccounts"].as_array().unwrap_or_else(|| panic!("a list of accounts, got {body}")).len()
}

#[tokio::test]
async fn the_right_credentials_get_a_besng_basic_value() {
    let target = start(with_auth()).await;
    let value = issued_value(&target.url(), TENANT, &login_body(USER, PASSWORD)).await;
    let token = value.strip_prefix("besng-basic ").unwrap_or_else(|| panic!("not a besng-basic value: {value:?}"));
    assert!(token.len() >= 32, "the token should be long enough not to guess, got {token:?}");
    assert!(!token.contains(PASSWORD) && !token.contains(USER), "the token must not carry the credentials");

    // The tenant is case-insensitive, a domain is allowed, and plain JSON (with a charset) is accepted.
    let mut body = login_body(USER, PASSWORD);
    body["domain"] = "corp.example".into();
    body["provider"] = "AD".into();
    let response = post_login(&target.url(), "srp00000", body.to_string(), "application/json; charset=utf-8").await;
    assert_eq!(response.status(), StatusCode::OK, "application/json logins are accepted");
    assert_eq!(response.text().await.unwrap(), value, "one server issues one value");
}

#[tokio::test]
async fn wrong_credentials_are_400() {
    let target = start(with_auth()).await;
    for (user, password, what) in
        [(USER, "wrong", "a wrong password"), ("other", PASSWORD, "a wrong user"), ("ADMIN", PASSWORD, "another case")]
    {
        let body = login_body(user, password).to_string();
        let response = post_login(&target.url(), TENANT, body, AUTHORIZATION_MEDIA_TYPE).await;
        assert_error(response, StatusCode::BAD_REQUEST, what).await;
    }
    // The password goes base64-encoded: the plain text, even when it happens to be valid base64, is wrong.
    let plain = json!({"username": USER, "password": "c2VjcmV0", "provider": "LOCAL"});
    let target = start(ReferenceOptions {
        auth: Some(Credentials { username: USER.into(), password: "c2VjcmV0".into() }),
        ..ReferenceOptions::default()
    })
    .await;
    let response = post_login(&target.url(), TENANT, plain.to_string(), AUTHORIZATION_MEDIA_TYPE).await;
    assert_error(response, StatusCode::BAD_REQUEST, "an unencoded password").await;
}

#[tokio::test]
async fn malformed_logins_are_400() {
    for options in [with_auth(), ReferenceOptions::default()] {
        let auth = options.auth.is_some();
        let target = start(options).await;
        let encoded = base64(PASSWORD.as_bytes());
        let bodies = [
            "not json".to_owned(),
            json!([USER, PASSWORD]).to_string(),
            json!({"password": encoded, "provider": "LOCAL"}).to_string(),
            json!({"username": USER, "provider": "LOCAL"}).to_string(),
            json!({"username": USER, "password": encoded}).to_string(),
            json!({"username": USER, "password": PASSWORD, "provider": "LOCAL"}).to_string(),
            json!({"username": USER, "password": encoded.trim_end_matches('='), "provider": "LOCAL"}).to_string(),
            json!({"username": 7, "password": encoded, "provider": "LOCAL"}).to_string(),
            json!({"username": USER, "password": encoded, "provider": false}).to_string(),
            json!({"username": USER, "password": encoded, "provider": "LOCAL", "domain": 1}).to_string(),
        ];
        assert!(encoded.ends_with('='), "the unpadded case needs a password whose base64 is padded");
        for body in bodies {
            let response = post_login(&target.url(), TENANT, body.clone(), AUTHORIZATION_MEDIA_TYPE).await;
            assert_error(response, StatusCode::BAD_REQUEST, &format!("{body} (auth configured: {auth})")).await;
        }
    }
}

#[tokio::test]
async fn the_login_route_is_a_post_of_json_for_the_known_tenant() {
    let target = start(with_auth()).await;
    let base = target.url();
    let body = login_body(USER, PASSWORD).to_string();
    let response = get(format!("{base}/{TENANT}/api/v1/util/authorization"), None).await;
    assert_eq!(header(&response, "allow"), "POST", "a GET on the login route is told to POST");
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, "GET on the login route").await;
    let response = post_login(&base, TENANT, body.clone(), "text/plain").await;
    assert_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "a text/plain login").await;
    let response = post_login(&base, "OTHER", body, AUTHORIZATION_MEDIA_TYPE).await;
    assert_error(response, StatusCode::NOT_FOUND, "a login for an unknown tenant").await;
}

#[tokio::test]
async fn without_auth_configured_any_login_works_and_nothing_is_enforced() {
    let target = start(ReferenceOptions::default()).await;
    let base = target.url();
    let a = issued_value(&base, TENANT, &login_body("anyone", "anything")).await;
    let b = issued_value(&base, TENANT, &login_body("someone-else", "")).await;
    assert!(a.starts_with("besng-basic "), "a besng-basic value even without setup, got {a:?}");
    assert_eq!(a, b, "the value is issued once per server start");
    for authorization in [None, Some("garbage"), Some(a.as_str())] {
        let response = get(list_url(&base, TENANT), authorization).await;
        assert_eq!(response.status(), StatusCode::OK, "no auth configured: {authorization:?} is served");
    }
}

#[tokio::test]
async fn with_auth_the_list_wants_the_issued_value() {
    let open = start(ReferenceOptions::default()).await;
    let target = start(with_auth()).await;
    let base = target.url();
    let value = issued_value(&base, TENANT, &login_body(USER, PASSWORD)).await;

    assert_unauthorized(get(list_url(&base, TENANT), None).await, "a list without Authorization").await;
    for wrong in ["besng-basic nope", "Bearer x", &value.to_uppercase(), &value[..value.len() - 1]] {
        assert_unauthorized(get(list_url(&base, TENANT), Some(wrong)).await, &format!("a list with {wrong:?}")).await;
    }
    let query = "?query=name%3DVPP-token-version-3";
    assert_unauthorized(get(format!("{}{query}", list_url(&base, TENANT)), None).await, "a query").await;

    for suffix in ["", query] {
        let (status, body) =
            status_and_json(get(format!("{}{suffix}", list_url(&base, TENANT)), Some(&value)).await).await;
        assert_eq!(status, StatusCode::OK, "the issued value opens the list{suffix}: {body}");
        let (_, expected) =
            status_and_json(get(format!("{}{suffix}", list_url(&open.url(), TENANT)), None).await).await;
        assert!(body["vppAccounts"].as_array().is_some_and(|a| !a.is_empty()), "accounts are listed: {body}");
        assert_eq!(body, expected, "an authenticated list{suffix} serves what a reference without auth does");
    }
}

#[tokio::test]
async fn with_auth_get_by_guid_wants_the_issued_value() {
    let open = start(ReferenceOptions::default()).await;
    let target = start(with_auth()).await;
    let base = target.url();
    let value = issued_value(&base, TENANT, &login_body(USER, PASSWORD)).await;
    let url = format!("{}/{}", list_url(&base, TENANT), first_guid());

    assert_unauthorized(get(url.clone(), None).await, "GET by GUID without Authorization").await;
    assert_unauthorized(get(url.clone(), Some("besng-basic nope")).await, "GET by GUID, wrong value").await;
    // Even an unknown GUID is refused before it is looked up.
    let unknown = format!("{}/00000000-0000-0000-0000-000000000000", list_url(&base, TENANT));
    assert_unauthorized(get(unknown, None).await, "GET of an unknown GUID without Authorization").await;

    let (status, body) = status_and_json(get(url, Some(&value)).await).await;
    assert_eq!(status, StatusCode::OK, "the issued value opens GET by GUID: {body}");
    let open_url = format!("{}/{}", list_url(&open.url(), TENANT), first_guid());
    let (_, expected) = status_and_json(get(open_url, None).await).await;
    assert_eq!(body["guid"], first_guid(), "the account asked for: {body}");
    assert_eq!(body, expected, "an authenticated GET by GUID serves what a reference without auth does");
}

#[tokio::test]
async fn the_apple_route_never_wants_authorization() {
    let target = start(with_auth()).await;
    let response = Client::new().post(format!("{}/mdm/VPPServiceConfigSrv", target.url())).send().await.unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "the Apple service configuration is served without Authorization: {body}");
    assert_eq!(body, ReferenceOptions::default().service_config, "the documented service configuration");
}

#[tokio::test]
async fn two_servers_issue_different_values() {
    let a = start(with_auth()).await;
    let b = start(with_auth()).await;
    let value_a = issued_value(&a.url(), TENANT, &login_body(USER, PASSWORD)).await;
    let value_b = issued_value(&b.url(), TENANT, &login_body(USER, PASSWORD)).await;
    assert_ne!(value_a, value_b, "two servers with the same credentials issue different values");
    assert_unauthorized(get(list_url(&b.url(), TENANT), Some(&value_a)).await, "one server's value at another").await;
}

#[tokio::test]
async fn bad_auth_not_required_serves_requests_without_authorization() {
    let target = start(with_auth().with_quirk(Quirk::Uem(Uem::BadAuthNotRequired))).await;
    let base = target.url();
    let guid_url = format!("{}/{}", list_url(&base, TENANT), first_guid());
    for (url, what) in [(list_url(&base, TENANT), "list"), (guid_url.clone(), "GET by GUID")] {
        assert_eq!(get(url.clone(), None).await.status(), StatusCode::OK, "{what} without Authorization is served");
        assert_eq!(get(url.clone(), Some(" ")).await.status(), StatusCode::OK, "{what} with a blank Authorization");
        assert_unauthorized(get(url, Some("besng-basic nope")).await, &format!("{what}, a wrong value")).await;
    }
    let value = issued_value(&base, TENANT, &login_body(USER, PASSWORD)).await;
    assert_eq!(get(guid_url, Some(&value)).await.status(), StatusCode::OK, "the issued value still works");
    let response = post_login(&base, TENANT, login_body(USER, "wrong").to_string(), AUTHORIZATION_MEDIA_TYPE).await;
    assert_error(response, StatusCode::BAD_REQUEST, "the login still checks the password").await;
}

#[tokio::test]
async fn bad_any_authorization_accepted_takes_any_value_but_not_none() {
    let target = start(with_auth().with_quirk(Quirk::Uem(Uem::BadAnyAuthorizationAccepted))).await;
    let base = target.url();
    let guid_url = format!("{}/{}", list_url(&base, TENANT), first_guid());
    for (url, what) in [(list_url(&base, TENANT), "list"), (guid_url, "GET by GUID")] {
        for any in ["besng-basic nope", "Bearer whatever", "x"] {
            let status = get(url.clone(), Some(any)).await.status();
            assert_eq!(status, StatusCode::OK, "{what} with Authorization {any:?} is (wrongly) served");
        }
        assert_unauthorized(get(url.clone(), None).await, &format!("{what} without Authorization")).await;
        assert_unauthorized(get(url, Some("")).await, &format!("{what} with an empty Authorization")).await;
    }
}

#[tokio::test]
async fn the_auth_quirks_change_nothing_without_auth() {
    let options = ReferenceOptions::default()
        .with_quirk(Quirk::Uem(Uem::BadAuthNotRequired))
        .with_quirk(Quirk::Uem(Uem::BadAnyAuthorizationAccepted));
    let target = start(options).await;
    assert_eq!(account_count(&target.url(), TENANT).await, 7, "no auth configured: the list is open");
}

#[tokio::test]
async fn default_routes_behave_as_before() {
    let target = start(ReferenceOptions::default()).await;
    let base = target.url();
    let response = Client::new().post(list_url(&base, TENANT)).send().await.unwrap();
    assert_eq!(header(&response, "allow"), "GET", "a POST on the list is told to GET");
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, "POST on the list").await;
    assert_error(get(list_url(&base, "OTHER"), None).await, StatusCode::NOT_FOUND, "an unknown tenant").await;
    let response = Client::new().get(format!("{base}/mdm/VPPServiceConfigSrv")).send().await.unwrap();
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, "GET on the Apple route").await;
}

#[tokio::test]
async fn a_state_setup_replaces_the_data_and_a_teardown_restores_it() {
    let target = start(ReferenceOptions::default()).await;
    let base = target.url();
    let account = json!({
        "guid": "0b6f2a5e-1c4d-4e8f-9a7b-3c2d1e0f9a8b",
        "name": "Only one",
        "accountHolderInfo": "Test holder",
        "tokenExpiryDate": "2030-01-02T03:04:05.678Z",
        "autoUpdateNewAppVersions": false,
        "token": "abc"
    });
    let setup = json!({
        "action": "setup",
        "state": "one account in T1",
        "params": {"tenantGuid": "T1", "vppAccounts": [account]}
    });
    let (status, body) = status_and_json(post_state(&base, setup.to_string()).await).await;
    assert_eq!(status, StatusCode::OK, "the setup is accepted: {body}");
    assert_eq!(body["action"], "setup", "the reply names the action: {body}");
    assert_eq!(body["state"], "one account in T1", "the reply echoes the state: {body}");
    assert_eq!(body["accounts"], 1, "the reply counts the accounts: {body}");

    let (status, list) = status_and_json(get(list_url(&base, "T1"), None).await).await;
    assert_eq!(status, StatusCode::OK, "the new tenant is served: {list}");
    assert_eq!(list, json!({"vppAccounts": [account]}), "exactly the data set up");
    let one_url = format!("{}/{}", list_url(&base, "t1"), account["guid"].as_str().unwrap());
    let (status, one) = status_and_json(get(one_url, None).await).await;
    assert_eq!((status, &one), (StatusCode::OK, &account), "GET by GUID serves the account set up");
    let old = get(list_url(&base, TENANT), None).await;
    assert_error(old, StatusCode::NOT_FOUND, "the canonical tenant after the setup").await;

    let teardown = json!({"action": "teardown", "state": "one account in T1", "params": {"tenantGuid": "T1"}});
    let (status, body) = status_and_json(post_state(&base, teardown.to_string()).await).await;
    assert_eq!(status, StatusCode::OK, "the teardown is accepted: {body}");
    assert_eq!(body["action"], "teardown", "the reply names the action: {body}");
    assert_eq!(account_count(&base, TENANT).await, 7, "the teardown restores the canonical accounts");
    let (_, restored) = status_and_json(get(list_url(&base, TENANT), None).await).await;
    assert_eq!(restored["vppAccounts"], ReferenceOptions::default().accounts["vppAccounts"], "the canonical data");
    assert_error(get(list_url(&base, "T1"), None).await, StatusCode::NOT_FOUND, "T1 after the teardown").await;
}

#[tokio::test]
async fn a_state_setup_can_replace_the_service_configuration() {
    let target = start(ReferenceOptions::default()).await;
    let base = target.url();
    let apple = || async {
        let response = Client::new().post(format!("{base}/mdm/VPPServiceConfigSrv")).send().await.unwrap();
        status_and_json(response).await.1
    };
    let config = json!({"status": 0, "custom": true});
    let setup = |params: Value| json!({"action": "setup", "state": "s", "params": params}).to_string();
    let data = json!({"tenantGuid": "T1", "vppAccounts": [], "serviceConfiguration": config});
    assert_eq!(post_state(&base, setup(data)).await.status(), StatusCode::OK, "setup with a configuration");
    assert_eq!(apple().await, config, "the service configuration set up is served");
    assert_eq!(account_count(&base, "T1").await, 0, "an empty data set is served as such");

    let data = json!({"tenantGuid": "T2", "vppAccounts": []});
    assert_eq!(post_state(&base, setup(data)).await.status(), StatusCode::OK, "setup without a configuration");
    assert_eq!(apple().await, config, "a setup without serviceConfiguration leaves it as it is");

    let teardown = json!({"action": "teardown", "state": "s"}).to_string();
    assert_eq!(post_state(&base, teardown).await.status(), StatusCode::OK, "teardown without params");
    assert_eq!(apple().await, ReferenceOptions::default().service_config, "the teardown restores the configuration");
}

#[tokio::test]
async fn states_keep_quirks_and_auth() {
    let target = start(with_auth().with_quirk(Quirk::Uem(Uem::OkExtraFields))).await;
    let base = target.url();
    let value = issued_value(&base, TENANT, &login_body(USER, PASSWORD)).await;
    let setup = json!({
        "action": "setup",
        "state": "s",
        "params": {"tenantGuid": "T1", "vppAccounts": [{"guid": "g-1", "name": "n"}]}
    });
    let (status, body) = status_and_json(post_state(&base, setup.to_string()).await).await;
    assert_eq!(status, StatusCode::OK, "the state route needs no Authorization: {body}");
    assert_unauthorized(get(list_url(&base, "T1"), None).await, "the new tenant without Authorization").await;
    let (status, list) = status_and_json(get(list_url(&base, "T1"), Some(&value)).await).await;
    assert_eq!(status, StatusCode::OK, "the value issued before the setup still works: {list}");
    assert_eq!(list["vppAccounts"][0]["createdBy"], "reference", "the quirks survive the setup: {list}");
    assert_eq!(issued_value(&base, "T1", &login_body(USER, PASSWORD)).await, value, "login at the new tenant");
}

#[tokio::test]
async fn bad_state_bodies_are_400_and_change_nothing() {
    let target = start(ReferenceOptions::default()).await;
    let base = target.url();
    let accounts = json!([{"guid": "g"}]);
    let bodies = [
        "not json".to_owned(),
        json!(["setup"]).to_string(),
        json!({"state": "s", "params": {"tenantGuid": "T1", "vppAccounts": accounts}}).to_string(),
        json!({"action": "reset", "state": "s", "params": {"tenantGuid": "T1", "vppAccounts": accounts}}).to_string(),
        json!({"action": "Setup", "state": "s", "params": {"tenantGuid": "T1", "vppAccounts": accounts}}).to_string(),
        json!({"action": "setup", "state": "s"}).to_string(),
        json!({"action": "setup", "state": "s", "params": "T1"}).to_string(),
        json!({"action": "setup", "state": "s", "params": {"vppAccounts": accounts}}).to_string(),
        json!({"action": "setup", "state": "s", "params": {"tenantGuid": 1, "vppAccounts": accounts}}).to_string(),
        json!({"action": "setup", "state": "s", "params": {"tenantGuid": "", "vppAccounts": accounts}}).to_string(),
        json!({"action": "setup", "state": "s", "params": {"tenantGuid": "T1"}}).to_string(),
        json!({"action": "setup", "state": "s", "params": {"tenantGuid": "T1", "vppAccounts": {}}}).to_string(),
        json!({"action": "setup", "state": "s", "params": {"tenantGuid": "T1", "vppAccounts": [1]}}).to_string(),
        json!({"action": "setup", "state": 5, "params": {"tenantGuid": "T1", "vppAccounts": accounts}}).to_string(),
        json!({"action": "setup", "params": {"tenantGuid": "T1", "vppAccounts": [], "serviceConfiguration": 1}})
            .to_string(),
    ];
    for body in bodies {
        assert_error(post_state(&base, body.clone()).await, StatusCode::BAD_REQUEST, &body).await;
    }
    assert_eq!(account_count(&base, TENANT).await, 7, "refused setups change nothing");
}

#[tokio::test]
async fn the_state_route_is_post_only() {
    let target = start(ReferenceOptions::default()).await;
    let base = target.url();
    let response = get(format!("{base}{STATE_PATH}"), None).await;
    assert_eq!(header(&response, "allow"), "POST", "a GET on the state route is told to POST");
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, "GET on the state route").await;
    let response = Client::new().put(format!("{base}{STATE_PATH}")).send().await.unwrap();
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, "PUT on the state route").await;
}

#[test]
fn the_test_encoder_is_standard_base64() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"a"), "YQ==");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"password"), "cGFzc3dvcmQ=");
    assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
}
