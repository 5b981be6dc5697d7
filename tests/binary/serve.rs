//! `serve` and `fixtures`, the commands for people building a client: `serve --port 0` announces
//! its URL and answers, `--require-login` takes the same variables `run` logs in with, and the data
//! set `fixtures` prints loads with `serve --accounts` and passes the canonical scenarios.

use std::time::Duration;

use crate::support::binary::{self, Finished, Running};
use crate::support::in_process::{config_for, run_with};
use vpp_conformance::config::RunConfig;

/// How long one invocation of the binary may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs the binary to completion with these variables (the suite's own and every proxy setting
/// cleared otherwise), killing it after [`DEADLINE`].
fn run_env(envs: &[(&str, &str)], args: &[&str]) -> Finished {
    binary::run_env(envs, args, DEADLINE)
}

/// `serve --port 0` with extra arguments and environment; the child and the URL it announced.
fn start_serve(args: &[&str], envs: &[(&str, &str)]) -> (Running, String) {
    let mut all = vec!["serve", "--port", "0"];
    all.extend_from_slice(args);
    let mut child = binary::spawn_env(envs, &all);
    // The first line; the rest of stdout keeps being read, so the server never blocks on a full pipe.
    let first = child.wait_for_line("announcing the URL", DEADLINE, |_| true);
    let url = first
        .strip_prefix("vpp-conformance reference target listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    (child, url)
}

#[test]
fn serve_require_login_and_run_log_in_with_the_same_variables() {
    let creds = [("VPP_CONFORMANCE_UEM_USERNAME", "ci"), ("VPP_CONFORMANCE_UEM_PASSWORD", "serve-pw-16180339")];
    let (_child, url) = start_serve(&["--require-login"], &creds);
    let f = run_env(&creds, &["run", "--base-url", &url, "--tags", "@UEM-SMP-001 or @UEM-GET-001"]);
    f.assert_passed(2);
    assert!(!f.stdout.contains("serve-pw-16180339") && !f.stderr.contains("serve-pw-16180339"));
    let f = run_env(&[], &["run", "--base-url", &url, "--tags", "@UEM-SMP-001"]);
    assert_eq!(f.code, Some(1), "without the login the target refuses\n{}", f.describe());
    assert!(f.stdout.contains("HTTP 401"), "{}", f.describe());
    let f = run_env(&creds[..1], &["run", "--base-url", &url]);
    assert_eq!(f.code, Some(2), "a user without a password is a configuration error\n{}", f.describe());
    assert!(f.stderr.contains("VPP_CONFORMANCE_UEM_PASSWORD"), "{}", f.describe());
}

#[test]
fn serve_on_port_0_announces_its_url_and_answers_the_service_configuration() {
    let (child, url) = start_serve(&[], &[]);
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("not a loopback URL with a port: {url:?}"));
    assert_ne!(port, 0, "port 0 must be replaced by the bound port");

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let (status, body) = rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("reqwest client");
        let response = client
            .post(format!("{url}/mdm/VPPServiceConfigSrv"))
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("serve answers");
        let status = response.status().as_u16();
        let body = response.text().await.expect("a body");
        (status, body)
    });
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    assert_eq!(json["status"], 0, "{json:#}");
    drop(child);
}

/// `fixtures` prints what `serve --accounts` reads, and a run against it passes the canonical
/// scenarios; `fixtures --service-config` prints the documented service configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_load_with_serve_accounts_and_pass() {
    let printed = binary::run(&["fixtures"], Duration::from_secs(30));
    assert_eq!(printed.code, Some(0), "{}", printed.describe());
    let accounts: serde_json::Value = serde_json::from_str(&printed.stdout).expect("JSON");
    assert_eq!(&accounts, vpp_conformance::catalog::accounts_fixture());
    let config = binary::run(&["fixtures", "--service-config"], Duration::from_secs(30));
    let config: serde_json::Value = serde_json::from_str(&config.stdout).expect("JSON");
    assert_eq!(&config, vpp_conformance::catalog::service_config_fixture());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.json");
    std::fs::write(&file, &printed.stdout).unwrap();
    let mut serve = binary::spawn(&["serve", "--port", "0", "--accounts", file.to_str().unwrap()]);
    let line = serve.wait_for_line("announcing the URL", Duration::from_secs(30), |l| l.contains("listening on"));
    let url = line.rsplit(' ').next().unwrap().to_owned();
    let config = RunConfig { tags: Some("@sample or @rule".into()), ..config_for(&url) };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed() && outcome.scenarios.len() > 30, "{stdout}");
    drop(serve);
}

/// A tenant of `n` accounts in the form `serve --accounts` reads, each named `Account {i}`.
fn large_tenant(n: usize) -> serde_json::Value {
    let accounts: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "guid": format!("{i:08x}-0000-4000-8000-{i:012x}"),
                "name": format!("Account {i}"),
                "accountHolderInfo": format!("Company {}, office {}", i % 97, i % 13),
                "tokenExpiryDate": format!("20{:02}-{:02}-{:02}T10:00:00.{:03}Z", 20 + i % 15, 1 + i % 12, 1 + i % 28, i % 1000),
                "autoUpdateNewAppVersions": i % 2 == 0,
                "token": format!("{:040x}", i * 7919),
            })
        })
        .collect();
    serde_json::json!({"tenantGuid": "SRP00000", "vppAccounts": accounts})
}

/// What one connection to `port` got for `request`: refused, or the status of the answer (`None`
/// for a connection closed or reset without one).
enum Got {
    Refused,
    Status(Option<u16>),
}

fn ask(port: u16, request: &str) -> Got {
    use std::io::{Read as _, Write as _};
    let mut stream = match std::net::TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return Got::Refused,
        Err(e) => panic!("connecting to serve: {e}"),
    };
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let request = format!("GET {request} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return Got::Status(None);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    Got::Status(text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok()))
}

/// `serve --accounts` with a large tenant answers only once the tenant is loaded: a client that
/// connects in a loop from the moment the process starts is refused (or told 503) until then,
/// never answered 404 for the tenant it does not hold yet; and the "listening" line comes only
/// once it answers for the tenant.
#[test]
fn serve_answers_only_once_its_tenant_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenant.json");
    std::fs::write(&file, serde_json::to_vec(&large_tenant(50_000)).unwrap()).unwrap();
    let port = binary::closed_port();
    let query = "/SRP00000/api/v1/vppAccounts?query=name=Account%2049999";
    // The client starts before the process and asks until the tenant answers (a hang guard apart).
    let client = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + DEADLINE;
        let (mut refused, mut answers) = (0usize, std::collections::BTreeMap::<String, usize>::new());
        while std::time::Instant::now() < deadline {
            match ask(port, query) {
                Got::Refused => refused += 1,
                Got::Status(status) => {
                    *answers.entry(status.map_or("no answer".to_owned(), |s| s.to_string())).or_default() += 1;
                    if status == Some(200) {
                        break;
                    }
                }
            }
        }
        (refused, answers)
    });
    let mut serve = binary::spawn(&["serve", "--port", &port.to_string(), "--accounts", file.to_str().unwrap()]);
    serve.wait_for_line("announcing the URL", DEADLINE, |l| l.contains("listening on"));
    // Announced: it answers for the tenant at once.
    assert!(matches!(ask(port, query), Got::Status(Some(200))), "announced before it answers for its tenant");
    let (refused, answers) = client.join().expect("the client thread");
    println!("{refused} connection(s) refused, then answers by status: {answers:?}");
    assert_eq!(answers.get("200"), Some(&1), "the tenant never answered: {answers:?}");
    let early: Vec<&String> = answers.keys().filter(|s| !["200", "503"].contains(&s.as_str())).collect();
    assert!(early.is_empty(), "before its tenant was loaded, serve answered {early:?} ({answers:?})");
    drop(serve);
}
