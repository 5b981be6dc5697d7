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
