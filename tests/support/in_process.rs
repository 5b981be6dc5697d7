//! The in-process driver: runs the suite inside the test process (`app::run`, as `run` does) and
//! captures what it prints. Runs take turns (cucumber swaps the process-wide panic hook).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
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
