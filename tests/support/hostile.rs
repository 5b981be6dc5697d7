//! What the hostile-target tests share (`tests/hostile_*.rs`): raw HTTP/1.1 servers on loopback
//! ports, written with raw `TcpListener` and raw bytes so they can misbehave in ways a
//! well-behaved HTTP server library would not allow; a run of the suite against one, bounded in
//! time; and the assertion that a hostile target fails every selected scenario with a reason
//! that says why.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vpp_conformance::config::RunConfig;
use vpp_conformance::outcome::{FailureKind, ScenarioResult, TransportKind};
use vpp_conformance::runner::{RunOutcome, SharedOut, Verdict};

use super::in_process::{Captured, in_turn};

/// One scenario per request shape: the Apple POST, a UEM list query, a UEM GET by GUID.
pub const THREE_TAGS: &str = "@APL-CFG-001 or @UEM-SMP-001 or @UEM-GET-001";
pub const THREE_IDS: &[&str] = &["APL-CFG-001", "UEM-SMP-001", "UEM-GET-001"];
/// Scenarios whose first check after the status reads the body as JSON.
pub const JSON_TAGS: &str = "@APL-CFG-002 or @UEM-SMP-001 or @UEM-GET-001";
pub const JSON_IDS: &[&str] = &["APL-CFG-002", "UEM-SMP-001", "UEM-GET-001"];

/// The request timeout of the tests that expect the target to answer (badly): long, so that a
/// loaded machine never turns an answer into a timeout ([`assert_no_timeout`] would say so).
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// The request timeout of the tests that expect the timeout to end the exchange.
pub const SHORT_TIMEOUT: Duration = Duration::from_secs(1);
/// A run that has not ended after this long hung: the test fails instead of hanging too. A guard,
/// not a measure: the tests assert how each exchange ended, which no machine's load changes.
pub const RUN_LIMIT: Duration = Duration::from_secs(180);

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 servers
// ---------------------------------------------------------------------------------------------

/// The head of a request as a raw server read it.
#[derive(Debug)]
pub struct Request {
    /// Path and query, as sent.
    pub target: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads a request head, then its body (by `Content-Length`), so that closing the socket later
/// does not reset the connection under a reply the client has not read yet.
pub async fn read_request(stream: &mut TcpStream) -> Option<Request> {
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
pub async fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
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
pub async fn serve<F, Fut>(handler: F) -> String
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

/// A target that reads the request, writes these bytes and closes the connection.
pub async fn reply_then_close(bytes: Vec<u8>) -> String {
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

// ---------------------------------------------------------------------------------------------
// Running the suite and checking the outcome
// ---------------------------------------------------------------------------------------------

pub struct Run {
    pub outcome: RunOutcome,
    pub stdout: String,
    pub elapsed: Duration,
}

impl Run {
    /// Everything about the run, for an assertion message.
    pub fn report(&self) -> String {
        format!(
            "elapsed: {:?}\nscenarios: {:#?}\n--- stdout ---\n{}",
            self.elapsed, self.outcome.scenarios, self.stdout
        )
    }
}

pub fn config(url: &str, tags: &str, timeout: Duration) -> RunConfig {
    RunConfig {
        vpp_base_url: Some(url.to_owned()),
        uem_base_url: Some(url.to_owned()),
        timeout,
        tags: Some(tags.to_owned()),
        ..RunConfig::default()
    }
}

/// Runs the suite in-process; a run that does not end within [`RUN_LIMIT`] fails the test.
///
/// Runs take turns ([`in_turn`]); the clock starts when this run's turn comes.
pub async fn run(config: RunConfig) -> Run {
    let out = Captured::default();
    in_turn(async {
        let started = Instant::now();
        let outcome = tokio::time::timeout(RUN_LIMIT, vpp_conformance::app::run(&config, SharedOut::new(out.clone())))
            .await
            .unwrap_or_else(|_| {
                panic!("the run did not end within {RUN_LIMIT:?}: it hung\n--- stdout so far ---\n{}", out.text())
            })
            .unwrap_or_else(|e| panic!("the run did not start: {e}"));
        Run { outcome, stdout: out.text(), elapsed: started.elapsed() }
    })
    .await
}

/// Texts that would mean the suite itself broke, rather than failing the target.
pub const SUITE_BUG_MARKERS: &[&str] = &[
    "panicked at",
    "called `Option::unwrap()`",
    "called `Result::unwrap()`",
    "the step panicked",
    "has no definition",
    "the before hook failed",
];

/// Every scenario of `ids` ran once and FAILED on the target's answer with a reason that names
/// the request to `url` and satisfies `explains` (described by `why`); stdout says
/// `VERDICT: FAIL` with each failed ID.
pub fn assert_every_scenario_failed(run: &Run, url: &str, ids: &[&str], why: &str, explains: impl Fn(&str) -> bool) {
    assert_every_scenario_ended(run, (url, ids), Verdict::Failed, why, explains);
}

/// Every scenario of `ids` ran and ended not judged (ERROR): no usable answer came, or its
/// target was found down (whose one cause every scenario then carries), with a reason that names
/// the request to `url` and satisfies `explains`; stdout says `VERDICT: ERROR`, and no FAIL line.
pub fn assert_every_scenario_unjudged(run: &Run, url: &str, ids: &[&str], why: &str, explains: impl Fn(&str) -> bool) {
    assert_every_scenario_ended(run, (url, ids), Verdict::Error, why, explains);
    for line in run.stdout.lines() {
        assert!(!line.starts_with("FAIL ") && !line.starts_with("NOT MET "), "a broken rule was said: {line}");
    }
}

fn assert_every_scenario_ended(
    run: &Run,
    (url, ids): (&str, &[&str]),
    verdict: Verdict,
    why: &str,
    explains: impl Fn(&str) -> bool,
) {
    // Shown by the test harness when the test fails (or with --nocapture).
    println!("{}", run.report());
    let outcome = &run.outcome;
    assert!(!outcome.passed(), "a hostile target must not pass the run\n{}", run.report());
    assert_eq!(outcome.harness_errors, 0, "the harness itself must not break\n{}", run.report());
    let mut ran: Vec<&str> = outcome.scenarios.iter().map(|s| s.id.as_str()).collect();
    ran.sort_unstable();
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    assert_eq!(ran, wanted, "exactly the selected scenarios ran\n{}", run.report());
    let host = url.trim_start_matches("http://");
    for s in &outcome.scenarios {
        let reason = s.reason().unwrap_or_default();
        assert_eq!(s.verdict(), verdict, "{}: {reason}\n{}", s.id, run.report());
        assert!(!reason.trim().is_empty(), "{} ended without a reason\n{}", s.id, run.report());
        assert!(explains(&reason), "{}: the reason should say {why}; it is:\n{reason}\n{}", s.id, run.report());
        assert!(reason.contains(host), "{}: the reason should name the request to {host}; it is:\n{reason}", s.id);
        for marker in SUITE_BUG_MARKERS {
            assert!(!reason.contains(marker), "{}: the reason shows a bug of the suite ({marker:?}):\n{reason}", s.id);
        }
    }
    let word = match verdict {
        Verdict::Failed => "VERDICT: FAIL",
        _ => "VERDICT: ERROR",
    };
    let verdict_line = run.stdout.lines().find(|l| l.contains(word));
    let verdict_line = verdict_line.unwrap_or_else(|| panic!("stdout must end with {word}\n{}", run.report()));
    if verdict == Verdict::Failed {
        for s in &outcome.scenarios {
            assert!(verdict_line.contains(&s.id), "the verdict line must name {}: {verdict_line}", s.id);
        }
    }
    assert!(!run.stdout.contains("VERDICT: PASS"), "such a run never says PASS\n{}", run.report());
}

/// How each scenario ended, as the results model types it: the transport error that failed it,
/// or that made its target count as down (`None`: it failed on what the target sent).
pub fn transport_causes(run: &Run) -> Vec<(String, Option<TransportKind>)> {
    let cause = |s: &ScenarioResult| match s.failure().map(|f| f.kind) {
        Some(FailureKind::Transport(kind)) => Some(kind),
        _ => None,
    };
    run.outcome.scenarios.iter().map(|s| (s.id.clone(), cause(s))).collect()
}

/// No scenario waited out the timeout: each failed on what the target sent, or could not even
/// connect. So the run ended as soon as the target's answers were judged, which is what a clock
/// would show (and a loaded machine would blur).
pub fn assert_no_timeout(run: &Run) {
    for (id, cause) in transport_causes(run) {
        assert_ne!(cause, Some(TransportKind::TimedOut), "{id} waited out the timeout\n{}", run.report());
    }
}

/// The run's own timeout ended every exchange: each scenario failed by it, or was not run once
/// the target was found silent by it. A run so ended takes at most about two timeouts a
/// target (its first wave, then each request alone), and never waits on the target.
pub fn assert_ended_by_the_timeout(run: &Run) {
    for (id, cause) in transport_causes(run) {
        assert_eq!(cause, Some(TransportKind::TimedOut), "{id} was not ended by the timeout\n{}", run.report());
    }
}

pub fn mentions_timeout(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("timeout") || r.contains("timed out")
}
