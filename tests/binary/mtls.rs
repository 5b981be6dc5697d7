//! Client certificates, end to end: the reference behind the TLS front `serve --tls-cert
//! --tls-key --client-ca` uses, requiring a client certificate signed by a CA of the test's own.
//! A run with the right certificate passes; one without, or with a certificate the target's CA
//! did not sign, is not judged (ERROR, exit 3), with a message that says a client certificate is
//! wanted or names the one refused; one whose key is not the certificate's is a usage error
//! (exit 2) before any request.

use std::path::Path;
use std::time::Duration;

use crate::support::binary;
use crate::support::in_process::{config_for, run_with};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use vpp_conformance::config::RunConfig;
use vpp_conformance::outcome::Conclusion;
use vpp_conformance::reference::tls::{TlsFiles, start};
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::Verdict;

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    (pem, Issuer::new(params, key))
}

/// A leaf (certificate PEM, key PEM) for `names`, for a server or a client.
fn leaf(issuer: &Issuer<'static, KeyPair>, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
    let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().unwrap();
    (params.signed_by(&key, issuer).unwrap().pem(), key.serialize_pem())
}

struct Setup {
    _dir: tempfile::TempDir,
    _reference: ReferenceTarget,
    _front: vpp_conformance::reference::front::Front,
    url: String,
    server_ca: std::path::PathBuf,
    client_cert: std::path::PathBuf,
    client_key: std::path::PathBuf,
    wrong_key: std::path::PathBuf,
    /// A client certificate (and its key) signed by a CA the target does not trust for clients.
    stranger_cert: std::path::PathBuf,
    stranger_key: std::path::PathBuf,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (server_ca_pem, server_ca) = ca("test server CA");
    let (client_ca_pem, client_ca) = ca("test client CA");
    let (server_cert, server_key) = leaf(&server_ca, &["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let (client_cert, client_key) = leaf(&client_ca, &["vpp-conformance client"], ExtendedKeyUsagePurpose::ClientAuth);
    let wrong_key = KeyPair::generate().unwrap().serialize_pem();
    let (stranger_cert, stranger_key) = leaf(&server_ca, &["a stranger"], ExtendedKeyUsagePurpose::ClientAuth);
    let reference = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = reference.url().trim_start_matches("http://").parse().unwrap();
    let files = TlsFiles {
        cert_pem: server_cert.into_bytes(),
        key_pem: server_key.into_bytes(),
        client_ca_pem: Some(client_ca_pem.into_bytes()),
    };
    let front = start(listener, upstream, &files).expect("the TLS front starts");
    Setup {
        url: format!("https://127.0.0.1:{}", front.addr.port()),
        server_ca: write("server-ca.pem", &server_ca_pem),
        client_cert: write("client.pem", &client_cert),
        client_key: write("client.key", &client_key),
        wrong_key: write("wrong.key", &wrong_key),
        stranger_cert: write("stranger.pem", &stranger_cert),
        stranger_key: write("stranger.key", &stranger_key),
        _dir: dir,
        _reference: reference,
        _front: front,
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_client_certificate_passes_and_none_is_refused_clearly() {
    let t = setup().await;
    let base = RunConfig { tags: Some("@apple-vpp".into()), ca_certs: vec![t.server_ca.clone()], ..config_for(&t.url) };
    let with_cert =
        RunConfig { client_cert: Some(t.client_cert.clone()), client_key: Some(t.client_key.clone()), ..base.clone() };
    let (outcome, out) = run_with(&with_cert).await;
    assert!(outcome.passed(), "the run with the client certificate failed:\n{out}");

    let (outcome, out) = run_with(&base).await;
    assert_eq!(outcome.conclusion(), Conclusion::Error, "a refused handshake is not judged:\n{out}");
    let s0 = &outcome.scenarios[0];
    assert_eq!(s0.verdict(), Verdict::Error);
    let reason = s0.reason().unwrap_or_default();
    assert!(reason.contains("want of a client certificate"), "the refusal says why: {reason}\n{out}");

    let stranger = RunConfig {
        client_cert: Some(t.stranger_cert.clone()),
        client_key: Some(t.stranger_key.clone()),
        ..base.clone()
    };
    let (outcome, out) = run_with(&stranger).await;
    assert_eq!(outcome.conclusion(), Conclusion::Error, "a refused certificate is not judged:\n{out}");
    let reason = outcome.scenarios[0].reason().unwrap_or_default();
    let named = format!("refused the client certificate --client-cert {}", t.stranger_cert.display());
    assert!(reason.contains(&named), "the refusal names the certificate: {reason}\n{out}");
}

/// `run` against the TLS front, trusting its CA, presenting `cert` with `key`.
fn run_args<'a>(t: &'a Setup, cert: &'a Path, key: &'a Path) -> [&'a str; 9] {
    ["run", "--base-url", &t.url, "--ca-cert", s(&t.server_ca), "--client-cert", s(cert), "--client-key", s(key)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_is_not_the_certificates_is_a_usage_error_before_any_request() {
    let t = setup().await;
    let args = run_args(&t, &t.client_cert, &t.wrong_key);
    let done = binary::run_env_async(&[], &args, Duration::from_secs(60)).await;
    assert_eq!(done.code, Some(2), "{}", done.describe());
    assert!(done.stderr.contains("not the key of the certificate"), "{}", done.describe());
    assert!(!done.stdout.contains("running against"), "no run started: {}", done.describe());
    let key = std::fs::read_to_string(&t.wrong_key).unwrap();
    let body = key.lines().nth(1).unwrap();
    assert!(!done.stdout.contains(body) && !done.stderr.contains(body), "the key leaked");

    // A certificate file that carries its own key besides: the key given with --client-key is
    // the one used, and the one checked (the check and the client once took different keys).
    let bundled = t._dir.path().join("cert-with-its-key.pem");
    let text = std::fs::read_to_string(&t.client_cert).unwrap() + &std::fs::read_to_string(&t.client_key).unwrap();
    std::fs::write(&bundled, text).unwrap();
    let done = binary::run_env_async(&[], &run_args(&t, &bundled, &t.wrong_key), Duration::from_secs(60)).await;
    assert_eq!(done.code, Some(2), "{}", done.describe());
    assert!(done.stderr.contains("not the key of the certificate"), "{}", done.describe());

    // The key's path may come from the environment instead.
    let args = ["run", "--base-url", &t.url, "--ca-cert", s(&t.server_ca), "--client-cert", s(&t.client_cert)];
    let done =
        binary::run_env_async(&[("VPP_CONFORMANCE_CLIENT_KEY", s(&t.wrong_key))], &args, Duration::from_secs(60)).await;
    assert_eq!(done.code, Some(2), "{}", done.describe());
    assert!(done.stderr.contains("not the key of the certificate"), "{}", done.describe());
}

/// The binary's exit path for a client certificate the target refuses: not judged (exit 3),
/// the certificate named once in the log, the verdict saying the handshake failed, in a short
/// log, and no rule said broken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_client_certificate_exits_3_naming_it() {
    let t = setup().await;
    let args = run_args(&t, &t.stranger_cert, &t.stranger_key);
    let done = binary::run_env_async(&[], &args, Duration::from_secs(60)).await;
    assert_eq!(done.code, Some(3), "{}", done.describe());
    let named = format!("refused the client certificate --client-cert {}", t.stranger_cert.display());
    assert_eq!(done.stdout.matches(&named).count(), 1, "the log names the certificate once\n{}", done.describe());
    assert!(done.verdict().contains("failed the TLS handshake"), "{}", done.describe());
    assert!(done.stdout.lines().count() <= 30, "{}", done.describe());
    assert!(!done.stdout.lines().any(|l| l.starts_with("FAIL")), "{}", done.describe());
}

/// `serve --tls-cert --tls-key --client-ca`, through the command line, as people rehearse a
/// production set-up: the binary's run with the client certificate passes, without it fails.
#[test]
fn serve_over_https_requiring_a_client_certificate_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (server_ca_pem, server_ca) = ca("cli server CA");
    let (client_ca_pem, client_ca) = ca("cli client CA");
    let (server_cert, server_key) = leaf(&server_ca, &["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let (client_cert, client_key) = leaf(&client_ca, &["vpp-conformance client"], ExtendedKeyUsagePurpose::ClientAuth);
    let (server_cert, server_key, client_ca_file, server_ca_file, client_cert, client_key) = (
        write("server.pem", &server_cert),
        write("server.key", &server_key),
        write("client-ca.pem", &client_ca_pem),
        write("server-ca.pem", &server_ca_pem),
        write("client.pem", &client_cert),
        write("client.key", &client_key),
    );
    let mut serve = binary::spawn(&[
        "serve",
        "--port",
        "0",
        "--tls-cert",
        s(&server_cert),
        "--tls-key",
        s(&server_key),
        "--client-ca",
        s(&client_ca_file),
    ]);
    let line = serve.wait_for_line("announcing the URL", Duration::from_secs(30), |l| l.contains("listening on"));
    let url = line.rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("https://"), "{line}");
    let limit = Duration::from_secs(60);
    let common = ["run", "--base-url", &url, "--tags", "@apple-vpp", "--ca-cert", s(&server_ca_file)];
    let mut with_cert = common.to_vec();
    with_cert.extend(["--client-cert", s(&client_cert), "--client-key", s(&client_key)]);
    binary::run(&with_cert, limit).assert_code(0);
    let without = binary::run(&common, limit);
    without.assert_code(3);
    assert!(without.stdout.contains("client certificate"), "the refusal says why\n{}", without.describe());
    drop(serve);
}
