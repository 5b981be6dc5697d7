//! Hostile targets: whatever a target does (refuse, hang, drip, flood, redirect forever, crash
//! mid-reply, answer garbage or HTML), a run ends within its time bound, every selected scenario
//! fails with a reason that says why (or, once the target is known not to answer at all, is
//! reported as not run with that reason), stdout ends with `VERDICT: FAIL`, and nothing panics. And
//! whatever a target echoes or sends, the `--header` values and the `token` values never reach
//! stdout, the JUnit report or the Cucumber JSON report: their fingerprints do.
//!
//! Each target is a real server on a loopback port, written with raw `TcpListener` and raw
//! HTTP/1.1 bytes, so it can misbehave in ways a well-behaved HTTP server library would not allow.

mod support;

use serde_json::{Value, json};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::Captured;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vpp_conformance::catalog;
use vpp_conformance::client::{MAX_BODY_BYTES, human_size};
use vpp_conformance::config::RunConfig;
use vpp_conformance::redact::fingerprint;
use vpp_conformance::reference::uem::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE};
use vpp_conformance::runner::{RunOutcome, SharedOut, Verdict};

/// One scenario per request shape: the Apple POST, a UEM list query, a UEM GET by GUID.
const THREE_TAGS: &str = "@APL-CFG-001 or @UEM-SMP-001 or @UEM-GET-001";
const THREE_IDS: &[&str] = &["APL-CFG-001", "UEM-SMP-001", "UEM-GET-001"];
/// Scenarios whose first check after the status reads the body as JSON.
const JSON_TAGS: &str = "@APL-CFG-002 or @UEM-SMP-001 or @UEM-GET-001";
const JSON_IDS: &[&str] = &["APL-CFG-002", "UEM-SMP-001", "UEM-GET-001"];

/// The request timeout of the tests that expect the target to answer (badly).
const TIMEOUT: Duration = Duration::from_secs(2);
/// The request timeout of the tests that expect the timeout to end the exchange.
const SHORT_TIMEOUT: Duration = Duration::from_secs(1);
/// A run that has not ended after this long hung: the test fails instead of hanging too.
const RUN_LIMIT: Duration = Duration::from_secs(40);

// ---------------------------------------------------------------------------------------------
// Captured stdout
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 servers
// ---------------------------------------------------------------------------------------------

/// The head of a request as a raw server read it.
#[derive(Debug)]
struct Request {
    /// Path and query, as sent.
    target: String,
    /// Names in lower case.
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads a request head, then its body (by `Content-Length`), so that closing the socket later
/// does not reset the connection under a reply the client has not read yet.
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let _method = request_line.next()?;
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let request = Request { target, headers };
    let length: usize = request.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut have = buf.len() - head_end;
    while have < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Some(request)
}

/// Writes a complete response with a `Content-Length`, then closes the connection.
async fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// Starts a server on a loopback port that hands each connection to `handler`; returns its
/// base URL. The server lives as long as the test's runtime.
async fn serve<F, Fut>(handler: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handler(stream));
        }
    });
    url
}

// ---------------------------------------------------------------------------------------------
// Running the suite and checking the outcome
// ---------------------------------------------------------------------------------------------

struct Run {
    outcome: RunOutcome,
    stdout: String,
    elapsed: Duration,
}

impl Run {
    /// Everything about the run, for an assertion message.
    fn report(&self) -> String {
        format!(
            "elapsed: {:?}\nscenarios: {:#?}\n--- stdout ---\n{}",
            self.elapsed, self.outcome.scenarios, self.stdout
        )
    }
}

fn config(url: &str, tags: &str, timeout: Duration) -> RunConfig {
    RunConfig {
        vpp_base_url: Some(url.to_owned()),
        uem_base_url: Some(url.to_owned()),
        timeout,
        tags: Some(tags.to_owned()),
        ..RunConfig::default()
    }
}

/// Runs the suite in-process; a run that does not end within [`RUN_LIMIT`] fails the test.
async fn run(config: RunConfig) -> Run {
    let out = Captured::default();
    let started = Instant::now();
    let outcome = tokio::time::timeout(RUN_LIMIT, vpp_conformance::app::run(&config, SharedOut::new(out.clone())))
        .await
        .unwrap_or_else(|_| {
            panic!("the run did not end within {RUN_LIMIT:?}: it hung\n--- stdout so far ---\n{}", out.text())
        })
        .unwrap_or_else(|e| panic!("the run did not start: {e}"));
    Run { outcome, stdout: out.text(), elapsed: started.elapsed() }
}

/// Texts that would mean the suite itself broke, rather than failing the target.
const SUITE_BUG_MARKERS: &[&str] = &[
    "panicked at",
    "called `Option::unwrap()`",
    "called `Result::unwrap()`",
    "the step panicked",
    "has no definition",
    "the before hook failed",
];

/// Every scenario of `ids` ran once and failed with a reason that names the request to `url`
/// and satisfies `explains` (described by `why`), or, once a first one showed that the target
/// does not answer at all, was not run with that reason; stdout says `VERDICT: FAIL` with each
/// failed ID.
fn assert_every_scenario_failed(run: &Run, url: &str, ids: &[&str], why: &str, explains: impl Fn(&str) -> bool) {
    // Shown by the test harness when the test fails (or with --nocapture).
    println!("{}", run.report());
    let outcome = &run.outcome;
    assert!(!outcome.passed(), "a hostile target must fail the run\n{}", run.report());
    assert_eq!(outcome.harness_errors, 0, "the harness itself must not break\n{}", run.report());
    let mut ran: Vec<&str> = outcome.scenarios.iter().map(|s| s.id.as_str()).collect();
    ran.sort_unstable();
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    assert_eq!(ran, wanted, "exactly the selected scenarios ran\n{}", run.report());
    let host = url.trim_start_matches("http://");
    assert!(
        outcome.scenarios.iter().any(|s| s.verdict == Verdict::Failed),
        "the first scenario to meet the target fails\n{}",
        run.report()
    );
    for s in &outcome.scenarios {
        let reason = s.reason.as_deref().unwrap_or_default();
        match s.verdict {
            Verdict::Failed => {}
            Verdict::NotRun => assert!(
                reason.starts_with("not run: the target did not answer ("),
                "{} is not run for another reason than the target's silence: {reason}\n{}",
                s.id,
                run.report()
            ),
            Verdict::Passed => panic!("{} must fail\n{}", s.id, run.report()),
        }
        assert!(!reason.trim().is_empty(), "{} failed without a reason\n{}", s.id, run.report());
        assert!(explains(reason), "{}: the reason should say {why}; it is:\n{reason}\n{}", s.id, run.report());
        assert!(reason.contains(host), "{}: the reason should name the request to {host}; it is:\n{reason}", s.id);
        for marker in SUITE_BUG_MARKERS {
            assert!(!reason.contains(marker), "{}: the reason shows a bug of the suite ({marker:?}):\n{reason}", s.id);
        }
    }
    assert!(run.stdout.contains("VERDICT: FAIL"), "stdout must end with the verdict\n{}", run.report());
    let verdict_line = run.stdout.lines().find(|l| l.contains("VERDICT: FAIL")).unwrap_or_default();
    for s in outcome.scenarios.iter().filter(|s| s.verdict == Verdict::Failed) {
        assert!(verdict_line.contains(&s.id), "the verdict line must name {}: {verdict_line}", s.id);
    }
    let not_run = outcome.not_run().count();
    if not_run > 0 {
        assert!(verdict_line.contains(&format!("; {not_run} not run")), "{verdict_line}");
    }
    assert!(!run.stdout.contains("VERDICT: PASS"), "a failed run never says PASS\n{}", run.report());
}

fn assert_ended_within(run: &Run, bound: Duration) {
    assert!(run.elapsed <= bound, "the run took {:?}, more than its bound of {bound:?}\n{}", run.elapsed, run.report());
}

/// Timeout × scenarios + a few seconds: what a run may take when every exchange times out.
fn timeout_bound(timeout: Duration, scenarios: usize) -> Duration {
    timeout * scenarios as u32 + Duration::from_secs(4)
}

fn mentions_timeout(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("timeout") || r.contains("timed out")
}

// ---------------------------------------------------------------------------------------------
// 1. Refuses connections
// ---------------------------------------------------------------------------------------------

/// A target that reads the request, writes these bytes and closes the connection.
async fn reply_then_close(bytes: Vec<u8>) -> String {
    serve(move |mut stream| {
        let bytes = bytes.clone();
        async move {
            if read_request(&mut stream).await.is_none() {
                return;
            }
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_fails_every_scenario_saying_it_cannot_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that it cannot connect", |r| {
        r.to_ascii_lowercase().contains("connect")
    });
    assert_ended_within(&run, timeout_bound(TIMEOUT, THREE_IDS.len()));
}

// ---------------------------------------------------------------------------------------------
// 2. Accepts and never answers
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_answers_fails_by_the_timeout_within_the_bound() {
    let url = serve(|mut stream| async move {
        let _request = read_request(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(stream);
    })
    .await;

    let run = run(config(&url, THREE_TAGS, SHORT_TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that it timed out", mentions_timeout);
    assert_ended_within(&run, timeout_bound(SHORT_TIMEOUT, THREE_IDS.len()));
    assert!(
        run.elapsed >= SHORT_TIMEOUT,
        "a hang can only be detected by waiting out the timeout; the run took {:?}",
        run.elapsed
    );
}

/// The same, once the status line and headers are out: the timeout covers the body too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_stalls_after_its_headers_fails_by_the_timeout_within_the_bound() {
    let url = serve(|mut stream| async move {
        if read_request(&mut stream).await.is_none() {
            return;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{\"vpp";
        let _ = stream.write_all(head.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    })
    .await;

    let run = run(config(&url, THREE_TAGS, SHORT_TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that it timed out", mentions_timeout);
    assert_ended_within(&run, timeout_bound(SHORT_TIMEOUT, THREE_IDS.len()));
}

// ---------------------------------------------------------------------------------------------
// 3. Answers an HTML page
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
    let reason = apple.reason.as_deref().unwrap();
    assert!(
        reason.contains("application/json") && reason.contains("text/html"),
        "APL-CFG-001 should show the expected and the actual media type:\n{reason}"
    );
    let list = run.outcome.scenario("UEM-SMP-001").unwrap();
    assert!(list.reason.as_deref().unwrap().contains("not JSON"), "{}", run.report());
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

// ---------------------------------------------------------------------------------------------
// 4. Answers broken JSON
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
        let reason = s.reason.as_deref().unwrap();
        assert!(
            reason.contains("HTTP 200") && reason.contains(r#""name":"VPP-tok"#),
            "{}: the reason should show the status and the body excerpt:\n{reason}",
            s.id
        );
    }
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

// ---------------------------------------------------------------------------------------------
// 5. Redirects to itself forever
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_fails_saying_so() {
    let hits = Arc::new(Mutex::new(0usize));
    let counter = hits.clone();
    let url = serve(move |mut stream| {
        let counter = counter.clone();
        async move {
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            *counter.lock().unwrap() += 1;
            let reply = format!(
                "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                request.target
            );
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    })
    .await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that it was redirected", |r| {
        r.to_ascii_lowercase().contains("redirect")
    });
    // It followed a bounded number of redirects per request, then gave up: no endless loop.
    let hits = *hits.lock().unwrap();
    let per_request = vpp_conformance::client::MAX_REDIRECTS + 1;
    assert!(
        hits >= THREE_IDS.len() && hits <= THREE_IDS.len() * per_request,
        "{hits} requests reached the target; at most {per_request} per scenario expected"
    );
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

// ---------------------------------------------------------------------------------------------
// 6. Drips the body
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_body_fails_by_the_timeout_within_the_bound() {
    let url = serve(|mut stream| async move {
        if read_request(&mut stream).await.is_none() {
            return;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        loop {
            if stream.write_all(b" ").await.is_err() || stream.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    })
    .await;

    let run = run(config(&url, THREE_TAGS, SHORT_TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that it timed out", mentions_timeout);
    assert_ended_within(&run, timeout_bound(SHORT_TIMEOUT, THREE_IDS.len()));
}

// ---------------------------------------------------------------------------------------------
// 7. Floods the client
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

async fn flood(mut stream: TcpStream, how: Flood) {
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
    let mut sent = 0u64;
    // Ends when the client hangs up (it must), or after a gigabyte at most.
    while sent < 1u64 << 30 {
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
        sent += block.len() as u64;
    }
}

/// The peak resident memory of this test process, where the platform tells it.
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

async fn assert_flood_fails_at_the_cap(how: Flood, says: &'static str) {
    let url = serve(move |stream| flood(stream, how)).await;
    // A generous timeout: the cap, not the timeout, must end these exchanges.
    let timeout = Duration::from_secs(12);

    let run = run(config(&url, THREE_TAGS, timeout)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that the body is over the cap", |r| {
        // The cap, and how to raise it for a tenant that needs more.
        r.contains(says) && r.contains(&human_size(MAX_BODY_BYTES)) && r.contains("--max-body-size")
    });
    // Reading a gigabyte (or waiting out the timeout) would take far longer.
    assert_ended_within(&run, Duration::from_secs(8));
    if let Some(peak) = peak_memory_bytes() {
        println!("peak memory of the test process: {peak} bytes");
        assert!(peak < 256 * 1024 * 1024, "peak memory {peak} bytes: the body cap does not bound memory");
    }
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
// 8. Crashes mid-reply
// ---------------------------------------------------------------------------------------------

/// A reason for a reply cut short: the exchange failed, and it says how.
fn says_the_reply_broke(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    (r.contains("failed") || r.contains("error"))
        && (r.contains("closed") || r.contains("incomplete") || r.contains("connection") || r.contains("reset"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_crashes_mid_headers_fails_with_a_reason() {
    let url = reply_then_close(b"HTTP/1.1 200 OK\r\nContent-Type: appli".to_vec()).await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that the connection closed mid-reply", says_the_reply_broke);
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_crashes_mid_status_line_fails_with_a_reason() {
    let url = reply_then_close(b"HTTP/1.1 2".to_vec()).await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that the connection closed mid-reply", says_the_reply_broke);
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_shorter_than_its_length_fails_saying_the_body_broke_off() {
    let url = serve(|mut stream| async move {
        if read_request(&mut stream).await.is_none() {
            return;
        }
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"vppAccounts\":[";
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;

    let run = run(config(&url, JSON_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, JSON_IDS, "that reading the body failed", |r| {
        r.contains("reading the body failed") && r.contains("HTTP 200")
    });
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

// ---------------------------------------------------------------------------------------------
// 9. Answers garbage
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

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that the reply could not be parsed", says_it_is_not_http);
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_that_is_not_http_fails_with_a_reason() {
    let url = reply_then_close(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n".to_vec()).await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_failed(&run, &url, THREE_IDS, "that the reply could not be parsed", says_it_is_not_http);
    assert_ended_within(&run, timeout_bound(TIMEOUT, 1));
}

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
        let texts = s.reason.iter().chain(s.warnings.iter());
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
        assert_eq!(s.verdict, Verdict::Failed, "{id}\n{}", run.report());
        assert!(!s.reason.as_deref().unwrap_or_default().is_empty(), "{id}\n{}", run.report());
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
        get.reason.as_deref().unwrap().contains(&fingerprint(&get_token(guid_index))),
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
// The checks above can fail
// ---------------------------------------------------------------------------------------------

/// Against a conformant target (the built-in reference) the hostile-target assertion fails:
/// it cannot pass vacuously.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "a hostile target must fail the run")]
async fn the_failure_assertion_rejects_a_passing_run() {
    let target =
        vpp_conformance::reference::ReferenceTarget::start(vpp_conformance::reference::ReferenceOptions::default())
            .await
            .unwrap();
    let url = target.url();
    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;
    assert!(run.outcome.passed(), "the reference target must pass\n{}", run.report());
    assert_every_scenario_failed(&run, &url, THREE_IDS, "anything", |_| true);
}

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
