//! Self-test of the TLS front and the recording proxy in `support`, using plain reqwest against a
//! wiremock upstream, so tests built on them can trust what they report.
//!
//! Every client calls `.no_proxy()` or sets its own proxy: otherwise reqwest would pick up
//! `HTTP(S)_PROXY`/`ALL_PROXY` from the environment (it does not bypass loopback by default),
//! and these tests would depend on the machine they run on.

use std::error::Error;

use crate::support::proxy::http_proxy;
use crate::support::tls::{HttpsFront, https_front};
use reqwest::{Certificate, Client, Proxy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An upstream that answers every GET with 200 "ok".
async fn upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_string("ok")).mount(&server).await;
    server
}

/// The front's CA, read from the file it wrote (the path is what CLI-level tests would pass on).
fn ca_of(front: &HttpsFront) -> Certificate {
    let pem = std::fs::read(&front.ca_pem_path).expect("read CA PEM");
    Certificate::from_pem(&pem).expect("parse CA PEM")
}

/// A client that trusts `front`'s CA in addition to the system roots.
fn trusting(front: &HttpsFront) -> Client {
    Client::builder().no_proxy().tls_certs_merge([ca_of(front)]).build().expect("client")
}

/// `err` and all its sources, joined, so a failed assertion shows the real cause.
fn chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(" <- ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn get_ok(client: &Client, url: &str) {
    let response = client.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {}", chain(&e)));
    assert_eq!(response.status(), 200, "GET {url}");
    assert_eq!(response.text().await.expect("body"), "ok", "GET {url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_trusting_the_ca_reaches_the_upstream_by_name_and_ip() {
    let server = upstream().await;
    let front = https_front(&server.uri(), &["localhost", "127.0.0.1"]).await;
    assert_eq!(front.url, format!("https://localhost:{}", front.addr.port()));
    let client = trusting(&front);

    get_ok(&client, &format!("{}/x", front.url)).await;
    // The IP name must have become an IP SAN for this to verify.
    get_ok(&client, &format!("https://127.0.0.1:{}/x", front.addr.port())).await;

    // Many connections at once: separate clients, so nothing is pooled.
    let many = (0..20).map(|_| {
        let url = front.url.clone();
        let client = trusting(&front);
        async move { get_ok(&client, &url).await }
    });
    futures::future::join_all(many).await;
}

#[tokio::test]
async fn a_default_client_rejects_the_unknown_ca_and_the_front_survives() {
    let server = upstream().await;
    let front = https_front(&server.uri(), &["localhost", "127.0.0.1"]).await;

    let err = Client::builder().no_proxy().build().expect("client").get(&front.url).send().await;
    let err = err.expect_err("an unknown CA must be refused");
    let text = chain(&err);
    assert!(text.to_lowercase().contains("certificate"), "unexpected error: {text}");

    // The refused handshake did not take the front down.
    get_ok(&trusting(&front), &front.url).await;
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let server = upstream().await;
    let front = https_front(&server.uri(), &["example.invalid"]).await;
    assert!(front.url.starts_with("https://example.invalid:"), "{}", front.url);

    let url = format!("https://localhost:{}", front.addr.port());
    let err = trusting(&front).get(&url).send().await.expect_err("hostname mismatch must be refused");
    let text = chain(&err);
    assert!(text.contains("not valid for name"), "unexpected error: {text}");
}

#[tokio::test]
async fn accepting_invalid_certs_reaches_the_untrusted_front() {
    let server = upstream().await;
    let front = https_front(&server.uri(), &["example.invalid"]).await;
    let client = Client::builder().no_proxy().tls_danger_accept_invalid_certs(true).build().expect("client");
    get_ok(&client, &format!("https://localhost:{}/", front.addr.port())).await;
}

#[tokio::test]
async fn plain_http_goes_through_the_proxy_in_absolute_form() {
    let server = upstream().await;
    let proxy = http_proxy().await;
    let client = Client::builder().proxy(Proxy::http(&proxy.url).expect("proxy")).build().expect("client");

    get_ok(&client, &format!("{}/x?y=1", server.uri())).await;
    get_ok(&client, &format!("{}/again", server.uri())).await;

    let expected = [format!("GET {}/x?y=1 HTTP/1.1", server.uri()), format!("GET {}/again HTTP/1.1", server.uri())];
    assert_eq!(proxy.requests(), expected);
    // The origin saw origin-form requests.
    let paths: Vec<String> =
        server.received_requests().await.expect("recording on").iter().map(|r| r.url.path().to_owned()).collect();
    assert_eq!(paths, ["/x", "/again"]);
}

#[tokio::test]
async fn https_goes_through_the_proxy_as_a_connect_tunnel() {
    let server = upstream().await;
    let front = https_front(&server.uri(), &["localhost", "127.0.0.1"]).await;
    let proxy = http_proxy().await;
    let client = Client::builder()
        .proxy(Proxy::https(&proxy.url).expect("proxy"))
        .tls_certs_merge([ca_of(&front)])
        .build()
        .expect("client");

    get_ok(&client, &front.url).await;

    assert_eq!(proxy.requests(), [format!("CONNECT localhost:{} HTTP/1.1", front.addr.port())]);
}

#[tokio::test]
async fn the_proxy_refuses_an_oversized_head() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let proxy = http_proxy().await;
    let mut tcp = tokio::net::TcpStream::connect(proxy.url.trim_start_matches("http://")).await.expect("connect");
    // Exactly 64 KiB with no blank line: the proxy reads all of it and gives up. (Sending more
    // would leave unread bytes, and closing on those resets the connection, losing the reply.)
    let mut head = b"GET http://127.0.0.1:1/ HTTP/1.1\r\nX-Pad: ".to_vec();
    head.resize(64 * 1024, b'a');
    tcp.write_all(&head).await.expect("send head");
    let mut reply = Vec::new();
    let _ = tcp.read_to_end(&mut reply).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 431 "), "unexpected reply: {reply:?}");
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}
