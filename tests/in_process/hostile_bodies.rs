//! Hostile targets, what they answer: an HTML page, broken JSON, an endless or a gigabyte body,
//! bytes that are not HTTP at all. Whatever it sends, a run ends within its time bound, every
//! selected scenario ends with a reason that says why (FAILED on an answer that breaks a rule,
//! ERROR on one that is no usable answer: over the cap, not HTTP), nothing panics, and the body
//! cap bounds the memory.
//!
//! Each target is a real server on a loopback port (`tests/support/hostile.rs`), written with raw
//! `TcpListener` and raw HTTP/1.1 bytes, so it can misbehave in ways a well-behaved HTTP server
//! library would not allow.

use crate::support::hostile::{
    JSON_IDS, JSON_TAGS, THREE_IDS, THREE_TAGS, TIMEOUT, assert_every_scenario_failed, assert_every_scenario_unjudged,
    assert_no_timeout, config, read_request, reply_then_close, respond, run, serve,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use vpp_conformance::http::{MAX_BODY_BYTES, human_size};
use vpp_conformance::reference::uem::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE};

// ---------------------------------------------------------------------------------------------
// Answers an HTML page
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_fails_naming_the_media_type_or_not_json() {
    let url = serve(|mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            let page = b"<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1></body></html>\n";
            respond(&mut stream, "200 OK", "text/html; charset=utf-8", page).await;
        }
    })
    .await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(
        &run,
        &url,
        THREE_IDS,
        "that the media type is text/html or the body is not JSON",
        |r| r.contains("text/html") && (r.contains("not JSON") || r.contains("media type")),
    );
    // The Apple scenario checks the media type; the UEM ones read the body first.
    let apple = run.outcome.scenario("APL-CFG-001").unwrap();
    let reason = apple.reason().unwrap();
    assert!(
        reason.contains("application/json") && reason.contains("text/html"),
        "APL-CFG-001 should show the expected and the actual media type:\n{reason}"
    );
    let list = run.outcome.scenario("UEM-SMP-001").unwrap();
    assert!(list.reason().unwrap().contains("not JSON"), "{}", run.report());
    assert_no_timeout(&run);
}

// ---------------------------------------------------------------------------------------------
// Answers broken JSON
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json_fails_as_not_json() {
    let url = serve(|mut stream| async move {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        let content_type = if request.path().starts_with("/mdm/") {
            "application/json"
        } else if request.path().ends_with("/vppAccounts") {
            LIST_MEDIA_TYPE
        } else {
            ACCOUNT_MEDIA_TYPE
        };
        let broken = br#"{"vppAccounts":[{"guid":"17c24f36-b724-4591-9624-e76bb197b466","name":"VPP-tok"#;
        respond(&mut stream, "200 OK", content_type, broken).await;
    })
    .await;

    let run = run(config(&url, JSON_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, JSON_IDS, "that the body is not JSON", |r| r.contains("not JSON"));
    // The failure shows what came back, so the reader sees where the body broke off.
    for s in &run.outcome.scenarios {
        let reason = s.reason().unwrap();
        assert!(
            reason.contains("HTTP 200") && reason.contains(r#""name":"VPP-tok"#),
            "{}: the reason should show the status and the body excerpt:\n{reason}",
            s.id
        );
    }
    assert_no_timeout(&run);
}

// ---------------------------------------------------------------------------------------------
// Floods the client
// ---------------------------------------------------------------------------------------------

/// How a flooding target frames its endless body.
#[derive(Clone, Copy)]
enum Flood {
    /// `Transfer-Encoding: chunked`, never a last chunk.
    Chunked,
    /// No length: the body runs until the connection closes (never).
    UntilClose,
    /// `Content-Length` of a gigabyte, and that gigabyte really sent.
    AnnouncedGigabyte,
}

/// Floods one client as `how` says, keeping in `most` the most bytes one connection got into the
/// kernel.
async fn flood(mut stream: TcpStream, how: Flood, most: Arc<AtomicU64>) {
    if read_request(&mut stream).await.is_none() {
        return;
    }
    let framing = match how {
        Flood::Chunked => "Transfer-Encoding: chunked\r\n".to_owned(),
        Flood::UntilClose => "Connection: close\r\n".to_owned(),
        Flood::AnnouncedGigabyte => format!("Content-Length: {}\r\n", 1u64 << 30),
    };
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let block = vec![b'7'; 256 * 1024];
    let mut mine = 0u64;
    // Ends when the client hangs up (it must), or after a gigabyte at most.
    while mine < 1u64 << 30 {
        let written = match how {
            Flood::Chunked => {
                let size = format!("{:x}\r\n", block.len());
                stream.write_all(size.as_bytes()).await.is_ok()
                    && stream.write_all(&block).await.is_ok()
                    && stream.write_all(b"\r\n").await.is_ok()
            }
            Flood::UntilClose | Flood::AnnouncedGigabyte => stream.write_all(&block).await.is_ok(),
        };
        if !written {
            return;
        }
        mine += block.len() as u64;
        most.fetch_max(mine, Ordering::Relaxed);
    }
}

/// What the kernel may hold between the flooding server and the client on loopback (both sockets'
/// buffers, which Linux grows up to a few MiB each), beyond what the client read.
const IN_FLIGHT: u64 = 32 * 1024 * 1024;

/// Every scenario fails at the body cap, none by the timeout, and the client hung up on each flood
/// after reading about the cap: what the server got into the kernel on any one connection stays
/// within the cap and what the sockets hold. That bounds the suite's memory by the cap, whatever the
/// machine's load; the peak memory itself is measured by `scripts/bench-hostile.sh flood`.
async fn assert_flood_fails_at_the_cap(how: Flood, says: &'static str) {
    let most = Arc::new(AtomicU64::new(0));
    let counter = most.clone();
    let url = serve(move |stream| flood(stream, how, counter.clone())).await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that the body is over the cap", |r| {
        // The cap, and how to raise it for a tenant that needs more.
        r.contains(says) && r.contains(&human_size(MAX_BODY_BYTES)) && r.contains("--max-body-size")
    });
    assert_no_timeout(&run);
    let bound = MAX_BODY_BYTES as u64 + IN_FLIGHT;
    let most = most.load(Ordering::Relaxed);
    println!("the most one flood got into the kernel before the client hung up: {most} bytes");
    assert!(
        most <= bound,
        "{most} bytes sent on one connection, over {bound}: the client read past the cap\n{}",
        run.report()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_chunked_body_fails_at_the_cap_quickly() {
    assert_flood_fails_at_the_cap(Flood::Chunked, "exceeds the cap").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_without_a_length_fails_at_the_cap_quickly() {
    assert_flood_fails_at_the_cap(Flood::UntilClose, "exceeds the cap").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announced_gigabyte_fails_at_the_cap_without_reading_it() {
    assert_flood_fails_at_the_cap(Flood::AnnouncedGigabyte, "over the cap").await;
}

// ---------------------------------------------------------------------------------------------
// Answers garbage
// ---------------------------------------------------------------------------------------------

/// Deterministic noise (xorshift), none of it a plausible start of an HTTP response.
fn garbage(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    out[0] = 0xFF;
    out
}

/// A reason for bytes that are not an HTTP response: the exchange failed, and it says why.
fn says_it_is_not_http(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("the exchange failed") && (r.contains("invalid") || r.contains("parse"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bytes_fail_with_a_reason() {
    let url = reply_then_close(garbage(2048)).await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that the reply could not be parsed", says_it_is_not_http);
    assert_no_timeout(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_that_is_not_http_fails_with_a_reason() {
    let url = reply_then_close(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n".to_vec()).await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that the reply could not be parsed", says_it_is_not_http);
    assert_no_timeout(&run);
}
