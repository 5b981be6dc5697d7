//! The command line: a stable interface CI scripts depend on. Exit status 0 when every selected
//! scenario passed, 1 when a rule was seen broken, 2 for a usage or configuration error, 3 when
//! nothing was seen broken but a scenario could not be judged (no usable answer: hurl's code for
//! a runtime error), 130 and 143 when SIGINT or SIGTERM interrupted the run (128 + the signal's
//! number, as shells report it).
//!
//! Here: `main`, the dispatch to each command and the exit codes. The grammar is in `args.rs`,
//! the signals in `signals.rs`, the generated reference page (`docs/reference.md`) in
//! `manual.rs`; what the commands do is in [`crate::app`].

mod args;
pub mod manual;
mod signals;

pub use crate::app::serve::ServeArgs;
pub use args::{Cli, Command, DiffArgs, FixturesArgs, ListArgs, MergeArgs, RunArgs, VerifyArgs};

use crate::gate::{Gate, Stop};
use crate::outcome::Conclusion;
use crate::report::verify::Verification;
use crate::runner::SharedOut;
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

/// Every selected scenario passed (a SHOULD or INFO one not met aside).
pub const EXIT_OK: u8 = 0;
/// A rule was seen broken where a failure counts (MUST; SHOULD under `--strict`). This wins.
pub const EXIT_FAILED: u8 = 1;
/// A usage or configuration error, or a target that refused its preparation with an answer.
pub const EXIT_USAGE: u8 = 2;
/// Nothing was seen broken, but a scenario where a failure would count could not be judged: no
/// usable answer came (refused, reset, TLS, silent, pushed back, a gateway's 502/504), or the
/// suite itself failed. A CI job may retry on this status alone.
pub const EXIT_ERROR: u8 = 3;
/// SIGINT (Ctrl-C) interrupted the run; the reports were written.
pub const EXIT_INTERRUPTED_SIGINT: u8 = 130;
/// SIGTERM (a CI system cancelling the job) interrupted the run; the reports were written.
pub const EXIT_INTERRUPTED_SIGTERM: u8 = 143;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            e.print().ok();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vpp-conformance: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match cli.command {
        Command::Run(args) => runtime.block_on(run(*args)),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::List(args) => list(args),
        Command::VerifyReport(args) => verify_report(args),
        Command::Diff(args) => diff(args),
        Command::Merge(args) => merge(args),
        Command::Fixtures(args) => fixtures(args),
        Command::Openapi => print_bytes(crate::openapi::document_text().as_bytes()),
    }
}

/// `fixtures`: the canonical data set, or the documented service configuration.
fn fixtures(args: FixturesArgs) -> ExitCode {
    print_bytes(crate::app::show::fixture(args.service_config).as_bytes())
}

/// Writes `bytes` on stdout; a closed pipe (`| head`) ends the output quietly.
fn print_bytes(bytes: &[u8]) -> ExitCode {
    let _ = std::io::stdout().lock().write_all(bytes);
    ExitCode::from(EXIT_OK)
}

/// `verify-report`: 0 when the report is intact, 1 when it is not.
fn verify_report(args: VerifyArgs) -> ExitCode {
    match crate::app::verify::verify_report(&args.file, args.public_key.as_deref(), &mut std::io::stdout()) {
        Ok(Verification::Intact { .. }) => ExitCode::from(EXIT_OK),
        Ok(Verification::Broken(_)) => ExitCode::from(EXIT_FAILED),
        Err(e) => usage_error(e),
    }
}

/// `diff`: 1 when anything newly fails (or, with `--fail-on-slower`, an operation got slower),
/// else 3 when something judged in the base run could not be judged in the new one.
fn diff(args: DiffArgs) -> ExitCode {
    if !(args.slower_ms.is_finite() && args.slower_ms >= 0.0) {
        return usage_error(format!("--slower-ms {}: give a number of milliseconds of 0 or more", args.slower_ms));
    }
    let thresholds = crate::report::diff::latency::Thresholds {
        ratio_percent: args.slower_by,
        at_least: std::time::Duration::from_secs_f64(args.slower_ms / 1e3),
    };
    let runs = (args.base.as_path(), args.new.as_path());
    match crate::app::diff::diff(runs, args.format, thresholds, &mut std::io::stdout()) {
        Ok(changes) if changes.regressed() => ExitCode::from(EXIT_FAILED),
        Ok(changes) if args.fail_on_slower && changes.slower() => ExitCode::from(EXIT_FAILED),
        Ok(changes) if !changes.newly_unjudged.is_empty() => ExitCode::from(EXIT_ERROR),
        Ok(_) => ExitCode::from(EXIT_OK),
        Err(e) => usage_error(e),
    }
}

/// The exit status of a run's (or a merged run's) conclusion.
fn exit_of(conclusion: Conclusion) -> ExitCode {
    ExitCode::from(match conclusion {
        Conclusion::Pass => EXIT_OK,
        Conclusion::Fail => EXIT_FAILED,
        Conclusion::Error => EXIT_ERROR,
        Conclusion::Interrupted(signal) => signals::exit_code_of(signal),
    })
}

/// Says what was wrong with the command, and exits with [`EXIT_USAGE`].
fn usage_error(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("vpp-conformance: {error}");
    ExitCode::from(EXIT_USAGE)
}

fn merge(args: MergeArgs) -> ExitCode {
    let mut out = std::io::stdout();
    let request = crate::app::MergeRequest {
        files: &args.files,
        reports: &args.reports,
        allure: args.allure_results.as_deref(),
        sign_key: args.sign_key.as_deref(),
        public_key: args.public_key.as_deref(),
    };
    match crate::app::merge(request, &mut out) {
        Ok(outcome) => exit_of(outcome.conclusion()),
        Err(e) => {
            eprintln!("vpp-conformance merge: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn run(args: RunArgs) -> ExitCode {
    let config = match args.to_config() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    // Reading the system's CA certificates overlaps reading the features, when a handshake will
    // need them; over plain HTTP they are read only if a redirect leads to https.
    if config.names_https() {
        crate::http::warm_up();
    }
    let gate = Arc::new(Gate::new());
    let signals = signals::watch(gate.clone());
    let result = crate::app::run_gated(&config, SharedOut::new(std::io::stdout()), gate.clone()).await;
    signals.abort();
    let interrupted = gate.stopped().and_then(Stop::signal);
    match (result, interrupted) {
        (Ok(_), Some(signal)) => ExitCode::from(signals::exit_code_of(signal)),
        (Err(e), Some(signal)) => {
            eprintln!("vpp-conformance: interrupted by {} before the scenarios ran: {e}", signal.name());
            ExitCode::from(signals::exit_code_of(signal))
        }
        (Ok(outcome), None) => exit_of(outcome.conclusion()),
        (Err(e), None) => usage_error(e),
    }
}

/// `serve`: until Ctrl-C.
async fn serve(args: ServeArgs) -> ExitCode {
    match crate::app::serve::start(&args, &mut std::io::stdout()).await {
        Ok(_served) => {
            signals::until_ctrl_c().await;
            ExitCode::from(EXIT_OK)
        }
        Err(e) => usage_error(e),
    }
}

fn list(args: ListArgs) -> ExitCode {
    // A closed pipe (`| head`) ends the listing quietly.
    let _ = crate::app::show::list(args.json, &mut std::io::stdout().lock());
    ExitCode::from(EXIT_OK)
}
