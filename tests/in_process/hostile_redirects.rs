//! Hostile targets, redirects: a target that redirects to itself forever fails every selected
//! scenario saying so, after a bounded number of redirects per request, within its time bound.
//!
//! Each target is a real server on a loopback port (`tests/support/hostile.rs`), written with raw
//! `TcpListener` and raw HTTP/1.1 bytes, so it can misbehave in ways a well-behaved HTTP server
//! library would not allow.

use crate::support::hostile::{
    THREE_IDS, THREE_TAGS, TIMEOUT, assert_every_scenario_failed, assert_no_timeout, config, read_request, run, serve,
};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;

// ---------------------------------------------------------------------------------------------
// Redirects to itself forever
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
    // It followed a bounded number of redirects per request, then gave up: no endless loop. The
    // check for the canonical data set asks for each canonical account besides the scenarios.
    let hits = *hits.lock().unwrap();
    let per_request = vpp_conformance::http::MAX_REDIRECTS + 1;
    let checked = vpp_conformance::checks::accounts::canonical_accounts().len();
    assert!(
        hits >= THREE_IDS.len() && hits <= (THREE_IDS.len() + checked) * per_request,
        "{hits} requests reached the target; at most {per_request} per scenario expected"
    );
    assert_no_timeout(&run);
}
