//! Helpers the integration tests share: run the suite in-process and capture its output.

#![allow(dead_code)]

pub mod generated;
pub mod hostile;
pub mod process;
pub mod proxy;
pub mod tls;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};
use vpp_conformance::config::{ConfigError, RunConfig};
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::{RunOutcome, SharedOut};

/// A clonable in-memory stdout.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the suite against `url` and returns the outcome with everything it printed.
pub async fn run_against(url: &str, tags: Option<&str>) -> (RunOutcome, String) {
    let config = RunConfig { tags: tags.map(str::to_owned), ..config_for(url) };
    run_with(&config).await
}

/// A configuration that points both APIs at `url`.
pub fn config_for(url: &str) -> RunConfig {
    RunConfig {
        vpp_base_url: Some(url.to_owned()),
        uem_base_url: Some(url.to_owned()),
        timeout: Duration::from_secs(10),
        ..RunConfig::default()
    }
}

/// cucumber silences the process-wide panic hook while it runs; runs take turns, and the default
/// hook is put back after each, so a test's own assertion message is not swallowed by another
/// test's run.
static RUN_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Awaits `run` (a future that calls `app::run`) in its turn, then puts back the default panic
/// hook. Every in-process run of the suite goes through here. The future starts only once the
/// turn is taken, so a clock started inside it measures the run alone.
pub async fn in_turn<T>(run: impl Future<Output = T>) -> T {
    let _turn = RUN_LOCK.lock().await;
    let result = run.await;
    restore_panic_hook();
    result
}

/// Runs the suite with this configuration and returns the outcome with everything it printed.
pub async fn run_with(config: &RunConfig) -> (RunOutcome, String) {
    let (outcome, out) = try_run_with(config).await;
    (outcome.expect("valid configuration"), out)
}

/// As [`run_with`], for a run that may stop before its scenarios (a configuration or a target
/// that cannot be prepared): the result, and everything the run printed.
pub async fn try_run_with(config: &RunConfig) -> (Result<RunOutcome, ConfigError>, String) {
    let out = Captured::default();
    let result = in_turn(vpp_conformance::app::run(config, SharedOut::new(out.clone()))).await;
    (result, out.text())
}

/// Starts a reference target with these options and runs the suite against it.
pub async fn run_against_reference(options: ReferenceOptions) -> (RunOutcome, String) {
    let target = ReferenceTarget::start(options).await.expect("reference starts");
    run_against(&target.url(), None).await
}

/// cucumber silences the panic hook while it runs and puts back the hook it found; runs that
/// overlap in one process can leave the silent one in place, which would hide a test's own
/// assertion message. Call after concurrent runs, before asserting.
pub fn restore_panic_hook() {
    drop(std::panic::take_hook());
}

/// A TCP front for `upstream` that resets every `nth` connection once the request arrives: with
/// `--retries`, the scenarios whose requests it reset pass as flaky. Its base URL, and how many
/// requests it reset.
pub async fn resetting_front(upstream: std::net::SocketAddr, nth: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let resets = Arc::new(AtomicUsize::new(0));
    let count = resets.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let Ok((mut client, _)) = listener.accept().await else { continue };
            n += 1;
            if n.is_multiple_of(nth) {
                let count = count.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    // Counted only when a request came: a connection the client opened and
                    // never used is no reset request.
                    if !matches!(client.read(&mut buf).await, Ok(n) if n > 0) {
                        return;
                    }
                    // A linger of zero makes the close a reset (RST), not an orderly end; it does not
                    // block on drop, since nothing is left to send.
                    #[allow(deprecated)]
                    let _ = client.set_linger(Some(Duration::ZERO));
                    count.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                });
                continue;
            }
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (url, resets)
}

/// The address of a reference target, for a front that forwards to it.
pub fn upstream_of(target: &ReferenceTarget) -> std::net::SocketAddr {
    target.url().trim_start_matches("http://").parse().unwrap()
}
