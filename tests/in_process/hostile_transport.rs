//! Hostile targets, the connection itself: a target that refuses, accepts and never answers,
//! stalls after its headers, drips its body or crashes mid-reply. Whatever it does, each exchange
//! ends by what the target did or by the run's timeout (never by waiting on the target), every
//! selected scenario ends not judged (ERROR) with a reason that says why (once the target is
//! known not to answer at all, every scenario carries that one cause), stdout ends with
//! `VERDICT: ERROR` and says no broken rule, and nothing panics.
//!
//! Each target is a real server on a loopback port (`tests/support/hostile.rs`), written with raw
//! `TcpListener` and raw HTTP/1.1 bytes, so it can misbehave in ways a well-behaved HTTP server
//! library would not allow.

use crate::support::hostile::{
    JSON_IDS, JSON_TAGS, SHORT_TIMEOUT, THREE_IDS, THREE_TAGS, TIMEOUT, assert_ended_by_the_timeout,
    assert_every_scenario_unjudged, assert_no_timeout, config, mentions_timeout, read_request, reply_then_close, run,
    serve,
};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use vpp_conformance::http::Client;
use vpp_conformance::http::limit::INITIAL_LIMIT;
use vpp_conformance::http::options::ClientOptions;
use vpp_conformance::outcome::{TransportKind, Withheld};
use vpp_conformance::redact::Redactor;

// ---------------------------------------------------------------------------------------------
// Refuses connections
// ---------------------------------------------------------------------------------------------

/// The first refusals tell the origin's record the target is down before their places are freed:
/// of many requests at once to a closed port, at most one wave (as many as the adaptive limit
/// first lets out) is sent, and every request, sent or not, carries the origin's one cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_one_wave_of_requests_goes_to_a_closed_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(ClientOptions { timeout: TIMEOUT, ..ClientOptions::default() }, Redactor::new()).unwrap();
    let url = format!("http://127.0.0.1:{port}/mdm/VPPServiceConfigSrv");
    let asked = 16 * INITIAL_LIMIT;
    let exchanges = futures::future::join_all((0..asked).map(|_| client.send("GET", &url, None, None))).await;
    let sent = client.traffic().sent as usize;
    assert!(
        (1..=INITIAL_LIMIT).contains(&sent),
        "{sent} of {asked} requests were sent to a closed port: more than one wave ({INITIAL_LIMIT})"
    );
    let causes: std::collections::HashSet<String> = exchanges
        .iter()
        .map(|e| match &e.withheld {
            Some(Withheld::Down(down)) if down.cause == TransportKind::Refused => down.detail.clone(),
            other => panic!("every request carries the origin's cause: {other:?}"),
        })
        .collect();
    assert_eq!(causes.len(), 1, "one cause, the same for every request: {causes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_fails_every_scenario_saying_it_cannot_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that it cannot connect", |r| {
        r.to_ascii_lowercase().contains("connect")
    });
    assert_no_timeout(&run);
}

// ---------------------------------------------------------------------------------------------
// Accepts and never answers
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_answers_fails_by_the_timeout() {
    let url = serve(|mut stream| async move {
        let _request = read_request(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(stream);
    })
    .await;

    let run = run(config(&url, THREE_TAGS, SHORT_TIMEOUT)).await;

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that it timed out", mentions_timeout);
    assert_ended_by_the_timeout(&run);
}

/// The same, once the status line and headers are out: the timeout covers the body too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_stalls_after_its_headers_fails_by_the_timeout() {
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

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that it timed out", mentions_timeout);
    assert_ended_by_the_timeout(&run);
}

// ---------------------------------------------------------------------------------------------
// Drips the body
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_body_fails_by_the_timeout() {
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

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that it timed out", mentions_timeout);
    assert_ended_by_the_timeout(&run);
}

// ---------------------------------------------------------------------------------------------
// Crashes mid-reply
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

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that the connection closed mid-reply", says_the_reply_broke);
    assert_no_timeout(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_crashes_mid_status_line_fails_with_a_reason() {
    let url = reply_then_close(b"HTTP/1.1 2".to_vec()).await;

    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;

    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "that the connection closed mid-reply", says_the_reply_broke);
    assert_no_timeout(&run);
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

    assert_every_scenario_unjudged(&run, &url, JSON_IDS, "that reading the body failed", |r| {
        r.contains("reading the body failed") && r.contains("HTTP 200")
    });
    assert_no_timeout(&run);
}

// ---------------------------------------------------------------------------------------------
// The checks above can fail
// ---------------------------------------------------------------------------------------------

/// Against a conformant target (the built-in reference) the hostile-target assertion fails:
/// it cannot pass vacuously.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "a hostile target must not pass the run")]
async fn the_failure_assertion_rejects_a_passing_run() {
    let target =
        vpp_conformance::reference::ReferenceTarget::start(vpp_conformance::reference::ReferenceOptions::default())
            .await
            .unwrap();
    let url = target.url();
    let run = run(config(&url, THREE_TAGS, TIMEOUT)).await;
    assert!(run.outcome.passed(), "the reference target must pass\n{}", run.report());
    assert_every_scenario_unjudged(&run, &url, THREE_IDS, "anything", |_| true);
}

/// Identical reads sent once (`http::shared`): a request asked while an identical one is under
/// way takes its outcome, and when that is no answer, what it means for the target. The first
/// here is the canonical data check's (which reports nothing of the target's health); the
/// scenario's request beside it finds the target down and carries its one cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_read_asked_meanwhile_carries_the_cause_the_first_one_met() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(ClientOptions { timeout: TIMEOUT, ..ClientOptions::default() }, Redactor::new()).unwrap();
    let quiet = client.without_health_reports();
    let url = format!("http://127.0.0.1:{port}/SRP00000/api/v1/vppAccounts");
    let (first, asked_meanwhile) =
        tokio::join!(quiet.send("GET", &url, None, None), client.send("GET", &url, None, None));
    assert_eq!(client.traffic().sent, 1, "one request went");
    assert!(first.withheld.is_none() && first.outcome.is_err() && !first.shared, "{first:?}");
    match &asked_meanwhile.withheld {
        Some(Withheld::Down(down)) => assert_eq!(down.cause, TransportKind::Refused),
        other => panic!("the target is down, and the request carries its cause: {other:?}"),
    }
}
