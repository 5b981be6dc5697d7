//! Two independent tools agree with the description: openapi-spec-validator (is it a valid
//! OpenAPI 3.1 description?) and Schemathesis (does the built-in reference target behave as it
//! says?), from the virtualenv `scripts/install-python-tools.sh` creates.

use super::{INSTALL, feature_queries, root};
use crate::support::binary;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};
use vpp_conformance::{catalog, openapi};

/// A tool of the virtualenv, or `None` (after saying so) when it is not installed and the
/// environment does not require it.
fn tool(name: &str) -> Option<PathBuf> {
    let path = root().join("target/py-tools/bin").join(name);
    if path.is_file() {
        return Some(path);
    }
    let required = std::env::var("VPP_CONFORMANCE_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    let message = format!("{} is not installed (target/py-tools/bin/{name})", name);
    assert!(!required, "{message}; VPP_CONFORMANCE_REQUIRE_TOOLS=1 requires it: run {INSTALL}");
    eprintln!("skipped: {message}; run {INSTALL}");
    None
}

/// The document in a fresh directory, for tools that read a file.
fn document_in_tempdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vpp-conformance.openapi.json");
    std::fs::write(&path, openapi::document_text()).unwrap();
    (dir, path)
}

#[test]
fn openapi_spec_validator_accepts_the_description() {
    let Some(validator) = tool("openapi-spec-validator") else { return };
    let (_dir, path) = document_in_tempdir();
    let mut command = Command::new(validator);
    command.args(["--schema", "3.1", "--validation-errors", "all"]).arg(&path);
    let output = binary::run_command(command, Duration::from_secs(120));
    assert!(output.success(), "openapi-spec-validator refuses the description:\n{}", output.describe());
    assert!(output.stdout.contains("OK"), "{}", output.describe());
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    format!("[{}]", items.into_iter().map(toml_string).collect::<Vec<_>>().join(", "))
}

/// The narrowed run's configuration: the tenant is always the documented one (another tenant has
/// no data, and is answered 404), and half the generated GUIDs and
/// queries are the canonical data set's GUIDs and the queries the features send, so generated
/// requests find accounts.
fn schemathesis_config() -> String {
    let guids: Vec<&str> = catalog::accounts_fixture()["vppAccounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["guid"].as_str().unwrap())
        .collect();
    let queries = feature_queries();
    format!(
        "[cache]\nenabled = false\n\n\
         [parameters]\n\
         \"path.tenantGuid\" = {tenant}\n\
         \"path.vppAccountGuid\" = {{ dictionary = \"account-guids\", probability = 0.5 }}\n\
         \"query.query\" = {{ dictionary = \"feature-queries\", probability = 0.3 }}\n\n\
         [dictionaries.account-guids]\nvalues = {guids}\n\n\
         [dictionaries.feature-queries]\nvalues = {queries}\n",
        tenant = toml_string(openapi::documented_tenant()),
        guids = toml_array(guids),
        queries = toml_array(queries.iter().map(String::as_str)),
    )
}

/// The checks Schemathesis runs: no 5xx, only documented statuses, the documented media type,
/// bodies valid against the schemas.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Which operation a request of the HAR report went to.
fn operation_of(url: &str) -> &'static str {
    let path = url::Url::parse(url).map(|u| u.path().to_owned()).unwrap_or_default();
    if path.eq_ignore_ascii_case(openapi::SERVICE_CONFIG_PATH) {
        "config"
    } else if path.trim_end_matches('/').ends_with("/vppAccounts") {
        "list"
    } else {
        "one"
    }
}

/// What one Schemathesis run left behind.
struct SchemathesisRun {
    output: binary::Finished,
    junit: String,
    har: Value,
}

/// Runs `st run` against a fresh reference target with `config` as its `schemathesis.toml` (in
/// the working directory, where a user keeps it) and `args` after the URL, with JUnit and HAR
/// reports (which change nothing of what is tested).
async fn run_schemathesis(st: PathBuf, config: String, args: &[&str]) -> SchemathesisRun {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let (dir, path) = document_in_tempdir();
    std::fs::write(dir.path().join("schemathesis.toml"), &config).unwrap();
    let (junit, har) = (dir.path().join("junit.xml"), dir.path().join("requests.har.json"));
    let mut command = Command::new(st);
    command
        .args(["--no-color", "run"])
        .arg(&path)
        .args(["--url", &target.url()])
        .args(args)
        .args(["--report", "junit,har", "--report-junit-path"])
        .arg(&junit)
        .arg("--report-har-path")
        .arg(&har)
        .current_dir(dir.path())
        .env("NO_COLOR", "1");
    let started = Instant::now();
    // The reference serves from its own thread; the blocking wait happens off the runtime.
    let output =
        tokio::task::spawn_blocking(move || binary::run_command(command, Duration::from_secs(300))).await.unwrap();
    eprintln!("schemathesis {args:?} took {:.1?}", started.elapsed());
    drop(target);
    assert!(
        output.success(),
        "Schemathesis found failures (description: {}, schemathesis.toml:\n{config}):\n{}",
        openapi::FILE,
        output.describe()
    );
    let junit = std::fs::read_to_string(&junit).unwrap();
    let har = serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();
    SchemathesisRun { output, junit, har }
}

impl SchemathesisRun {
    /// A run that tested nothing would also exit 0: every operation was tested, and the requests
    /// found data (accounts listed, accounts got by GUID, unknown GUIDs refused).
    fn assert_tested_everything(&self) {
        for op in [
            format!("POST {}", openapi::SERVICE_CONFIG_PATH),
            format!("GET {}", openapi::ACCOUNT_LIST_PATH),
            format!("GET {}", openapi::ACCOUNT_PATH),
        ] {
            assert!(
                self.junit.contains(&format!("<testcase name=\"{op}\"")),
                "Schemathesis did not test {op}:\n{}",
                self.junit
            );
        }
        let mut seen = std::collections::BTreeMap::<(&str, u64, bool), usize>::new();
        for entry in self.har["log"]["entries"].as_array().unwrap() {
            let op = operation_of(entry["request"]["url"].as_str().unwrap_or_default());
            let status = entry["response"]["status"].as_u64().unwrap_or_default();
            let text = entry["response"]["content"]["text"].as_str().unwrap_or_default();
            let found = serde_json::from_str::<Value>(text)
                .is_ok_and(|b| b["vppAccounts"].as_array().is_some_and(|a| !a.is_empty()) || b["guid"].is_string());
            *seen.entry((op, status, found)).or_default() += 1;
        }
        eprintln!("requests by (operation, status, found accounts): {seen:?}");
        for wanted in
            [("config", 200, false), ("list", 200, true), ("list", 200, false), ("one", 200, true), ("one", 404, false)]
        {
            assert!(seen.contains_key(&wanted), "no request answered {wanted:?}: {seen:?}");
        }
    }
}

/// A narrowed run that goes deep where the data is: the four checks on responses, half the
/// generated GUIDs and queries from the data set and the features, 100 examples.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_in_the_reference_target() {
    let Some(st) = tool("st") else { return };
    let run = run_schemathesis(
        st,
        schemathesis_config(),
        &[
            "--checks",
            CHECKS,
            // The stateful phase runs in `schemathesis_default_run_is_clean`.
            "--phases",
            "examples,coverage,fuzzing",
            "--mode",
            "all",
            "--max-examples",
            "100",
            "--seed",
            "20260420",
            // One worker: on CPython 3.11 two threads parsing source at once (Hypothesis describing a
            // lambda) can fail with "SystemError: AST constructor recursion depth mismatch".
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--request-timeout",
            "10",
        ],
    )
    .await;
    run.assert_tested_everything();
}

/// What a user who points Schemathesis at their own server writes in `schemathesis.toml` (the
/// README's OpenAPI section): the documented tenant, which holds the documented accounts.
fn schemathesis_user_config() -> String {
    format!("[parameters]\n\"path.tenantGuid\" = {}\n", toml_string(openapi::documented_tenant()))
}

/// Schemathesis as a user runs it: every default check and phase (stateful included), only the
/// documented tenant configured, a fixed seed. Nothing it reports may be the description's fault
/// (issue 18, `docs/errata.md` › Silent points the OpenAPI description decides).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_default_run_is_clean() {
    let Some(st) = tool("st") else { return };
    let run = run_schemathesis(st, schemathesis_user_config(), &["--max-examples", "100", "--seed", "18"]).await;
    let stdout = &run.output.stdout;
    for phase in ["Examples", "Coverage", "Fuzzing", "Stateful"] {
        assert!(stdout.contains(&format!("✅ {phase}")), "the {phase} phase did not pass:\n{stdout}");
    }
    assert!(stdout.contains("No issues found"), "{stdout}");
    run.assert_tested_everything();
}
