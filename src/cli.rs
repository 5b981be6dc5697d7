//! The command line: a stable interface CI scripts depend on. Exit status 0 when every selected
//! scenario passed, 1 when any failed (an unreachable target included), 2 for a usage or
//! configuration error, 130 and 143 when SIGINT or SIGTERM interrupted the run (128 + the
//! signal's number, as shells report it).

use crate::catalog;
use crate::config::Settings;
use crate::config::{self, ConfigError, RunConfig};
use crate::gate::{Gate, Signal, Stop};
use crate::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use crate::runner::SharedOut;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Every selected scenario passed (a SHOULD or INFO one not met aside).
pub const EXIT_OK: u8 = 0;
/// A scenario failed the run, or did not run (its target did not answer).
pub const EXIT_FAILED: u8 = 1;
/// A usage or configuration error, or a target that cannot be prepared.
pub const EXIT_USAGE: u8 = 2;
/// SIGINT (Ctrl-C) interrupted the run; the reports were written.
pub const EXIT_INTERRUPTED_SIGINT: u8 = 130;
/// SIGTERM (a CI system cancelling the job) interrupted the run; the reports were written.
pub const EXIT_INTERRUPTED_SIGTERM: u8 = 143;

fn exit_code_of(signal: Signal) -> u8 {
    match signal {
        Signal::Interrupt => EXIT_INTERRUPTED_SIGINT,
        Signal::Terminate => EXIT_INTERRUPTED_SIGTERM,
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "vpp-conformance",
    version,
    about = "Conformance suite for Apple's VPP service configuration endpoint and the UEM Apple VPP account resource"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the scenarios against a target (the built-in reference target when no base URL is given).
    Run(Box<RunArgs>),
    /// Serve the built-in reference target, for people building clients.
    Serve(ServeArgs),
    /// Print every scenario with its ID, tags and documentation section.
    List(ListArgs),
    /// Check a certification report: its digest, its text, and (with a public key) its signature.
    VerifyReport(VerifyArgs),
    /// Print the OpenAPI 3.1 description of both APIs (also shipped as openapi/vpp-conformance.openapi.json).
    Openapi,
    /// Print the canonical data set as `serve --accounts` reads it ({"tenantGuid": …, "vppAccounts": [...]}),
    /// or with --service-config the documented service configuration.
    Fixtures(FixturesArgs),
    /// Compare the Cucumber JSON results of two runs (`run --json`): exit 1 when anything newly fails.
    Diff(DiffArgs),
    /// Merge several runs (`run --json` files: shards, or halves run against different hosts) into
    /// one verdict and one sealed report: exit 0 when the merged run passes, 1 when it fails, 2
    /// when the runs cannot be merged (different suite versions or expectations, or overlapping
    /// scenarios with different results).
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The Cucumber JSON files `run --json` wrote.
    #[arg(required = true, value_name = "RUN.json")]
    pub files: Vec<PathBuf>,
    /// Write a certification report (.html or .md) of the merged run; repeatable.
    #[arg(long = "report", value_name = "FILE")]
    pub reports: Vec<PathBuf>,
    /// Sign the reports' digest with this Ed25519 private key (PKCS#8 PEM, or 64 hex digits).
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,
    /// Merge only parts whose facts are signed by this Ed25519 public key (PEM, or 64 hex
    /// digits) and unaltered since: each run given --sign-key signs its facts.
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The report (.html or .md) written by `run --report`.
    pub file: PathBuf,
    /// The signer's Ed25519 public key (PEM, or 64 hex digits) to check the signature with.
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Cucumber JSON of the earlier run.
    pub base: PathBuf,
    /// Cucumber JSON of the later run.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::report::diff::DiffFormat,
}

/// `run`'s options: the file to read settings from, the settings (each a flag and a key of that
/// file, defined once in [`Settings`]), and how much to print.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A TOML file with any of these settings (keys as the long flags: base-url, tenant, headers,
    /// headers-from-env, tags, timeout, junit, reports, ...); flags and environment variables win.
    #[arg(long, value_name = "FILE", env = "VPP_CONFORMANCE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Settings,
    /// Print only a line for each failure (ID, level, the first line of why) and the verdict.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Serve the accounts of this JSON file ({"tenantGuid": …, "vppAccounts": [...]}) instead of
    /// the canonical data set, to try `run --tags @any-data` by hand.
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
    /// Wait this many milliseconds before every response (to measure a run over a slow network).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Serve only N requests at once, each taking --latency-ms of a worker's time, the others
    /// queueing (a target of modest capacity, to measure the suite against one).
    #[arg(long, value_name = "N", requires = "latency_ms")]
    pub workers: Option<usize>,
    /// Require a UEM login, with the credentials of VPP_CONFORMANCE_UEM_USERNAME and
    /// VPP_CONFORMANCE_UEM_PASSWORD (the variables `run` logs in with).
    #[arg(long)]
    pub require_login: bool,
    /// Serve HTTPS with this certificate (PEM); with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Require a client certificate signed by this CA (PEM), as a production target may; needs --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct FixturesArgs {
    /// Print the documented service configuration (the response of POST /mdm/VPPServiceConfigSrv) instead.
    #[arg(long)]
    pub service_config: bool,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl RunArgs {
    /// The validated configuration these flags, the environment and the `--config` file describe.
    pub fn to_config(&self) -> Result<RunConfig, ConfigError> {
        self.to_config_with(|var| std::env::var(var).ok())
    }

    /// As [`to_config`](Self::to_config), with the environment given (for tests).
    pub fn to_config_with(&self, env: impl Fn(&str) -> Option<String>) -> Result<RunConfig, ConfigError> {
        let file = self.config.as_deref().map(Settings::load).transpose()?.unwrap_or_default();
        let mut config = config::resolve(self.settings.clone(), file, env)?;
        config.color = std::io::stdout().is_terminal();
        config.progress_on_terminal = !self.quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        config.quiet = self.quiet;
        Ok(config)
    }
}

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
        Command::Fixtures(args) => {
            let path = if args.service_config {
                "fixtures/apple-vpp-service-config.json"
            } else {
                "fixtures/uem-vpp-accounts.json"
            };
            let text = catalog::FIXTURES.iter().find(|e| e.path == path).map(|e| e.text).unwrap_or_default();
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::from(EXIT_OK)
        }
        Command::Openapi => {
            let _ = std::io::stdout().lock().write_all(crate::openapi::document_text().as_bytes());
            ExitCode::from(EXIT_OK)
        }
    }
}

fn read_or_exit(path: &std::path::Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("vpp-conformance: {}: cannot read the file ({e})", path.display());
        ExitCode::from(EXIT_USAGE)
    })
}

fn verify_report(args: VerifyArgs) -> ExitCode {
    use crate::report::seal;
    use crate::report::verify::{self, Verification};
    let text = match read_or_exit(&args.file) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let key = match &args.public_key {
        Some(path) => match read_or_exit(path).map(|t| seal::load_verifying_key(&t)) {
            Ok(Ok(k)) => Some(k),
            Ok(Err(e)) => {
                eprintln!("vpp-conformance: --public-key {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
            Err(code) => return code,
        },
        None => None,
    };
    match verify::verify(&text, key.as_ref()) {
        Verification::Intact { signer, checked } => {
            println!("{}: intact (the digest matches the results and the text)", args.file.display());
            match (signer, checked) {
                (Some(k), true) => println!("signature: valid, by the Ed25519 key {k}"),
                (Some(k), false) => println!("signature: present (key {k}), not checked: give --public-key"),
                (None, _) => println!("signature: none: the report is unsigned (nothing proves who issued it)"),
            }
            ExitCode::from(EXIT_OK)
        }
        Verification::Broken(why) => {
            println!("{}: NOT intact: {why}", args.file.display());
            ExitCode::from(EXIT_FAILED)
        }
    }
}

fn diff(args: DiffArgs) -> ExitCode {
    use crate::report::diff;
    let mut runs = Vec::new();
    for path in [&args.base, &args.new] {
        match read_or_exit(path).map(|t| diff::parse_cucumber_json(&t)) {
            Ok(Ok(r)) => runs.push(r),
            Ok(Err(e)) => {
                eprintln!("vpp-conformance: {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
            Err(code) => return code,
        }
    }
    let changes = diff::compare(&runs[0], &runs[1]);
    print!("{}", diff::render(&changes, args.format));
    if changes.regressed() { ExitCode::from(EXIT_FAILED) } else { ExitCode::from(EXIT_OK) }
}

fn merge(args: MergeArgs) -> ExitCode {
    let mut out = std::io::stdout();
    let request = crate::app::MergeRequest {
        files: &args.files,
        reports: &args.reports,
        sign_key: args.sign_key.as_deref(),
        public_key: args.public_key.as_deref(),
    };
    match crate::app::merge(request, &mut out) {
        Ok(outcome) if outcome.passed() => ExitCode::from(EXIT_OK),
        Ok(_) => ExitCode::from(EXIT_FAILED),
        Err(e) => {
            eprintln!("vpp-conformance merge: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn run(args: RunArgs) -> ExitCode {
    // Reading the system's CA certificates overlaps reading the options and the features.
    crate::http::warm_up();
    let config = match args.to_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vpp-conformance: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let gate = Arc::new(Gate::new());
    // Listening starts before the run does: from here on a signal never ends the process unheard.
    let signals = tokio::spawn(stop_on_signals(Signals::listen(), gate.clone()));
    let result = crate::app::run_gated(&config, SharedOut::new(std::io::stdout()), gate.clone()).await;
    signals.abort();
    let interrupted = gate.stopped().and_then(Stop::signal);
    match (result, interrupted) {
        (Ok(_), Some(signal)) => ExitCode::from(exit_code_of(signal)),
        (Err(e), Some(signal)) => {
            eprintln!("vpp-conformance: interrupted by {} before the scenarios ran: {e}", signal.name());
            ExitCode::from(exit_code_of(signal))
        }
        (Ok(outcome), None) if outcome.passed() => ExitCode::from(EXIT_OK),
        (Ok(_), None) => ExitCode::from(EXIT_FAILED),
        (Err(e), None) => {
            eprintln!("vpp-conformance: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The first SIGINT or SIGTERM stops the run through `gate` (the run then writes its reports and
/// ends); a second one ends the process at once, leaving any earlier report files as they were.
async fn stop_on_signals(signals: Option<Signals>, gate: Arc<Gate>) {
    let Some(mut signals) = signals else { return };
    let first = signals.next().await;
    eprintln!(
        "\nvpp-conformance: {} received: stopping the run and writing the reports (send it again to quit at once)",
        first.name()
    );
    gate.stop(Stop::Interrupted { signal: first });
    let second = signals.next().await;
    crate::report::atomic::discard_pending();
    eprintln!("vpp-conformance: {} received again: quitting at once, no report written", second.name());
    std::process::exit(exit_code_of(second).into());
}

/// SIGINT and SIGTERM, listened for from creation on.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    /// `None` when the signals cannot be listened for (they then keep their default action).
    fn listen() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Some(Self {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }
}

/// Ctrl-C, where there are no Unix signals.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> Option<Self> {
        Some(Self)
    }

    async fn next(&mut self) -> Signal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let listener = match std::net::TcpListener::bind((args.host.as_str(), args.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("vpp-conformance: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut options = ReferenceOptions::default();
    if let Some(path) = &args.accounts {
        match load_accounts(path) {
            Ok(accounts) => options.accounts = accounts,
            Err(e) => {
                eprintln!("vpp-conformance: --accounts {}: {e}", path.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let latency = Duration::from_millis(args.latency_ms);
    match args.workers {
        Some(workers) => options = options.with_quirk(Quirk::Workers { workers, service: latency }),
        None if args.latency_ms > 0 => options = options.with_quirk(Quirk::Latency(latency)),
        None => {}
    }
    if args.require_login {
        match config::uem_login_from_env(|v| std::env::var(v).ok()) {
            Ok(Some(login)) => {
                options.auth =
                    Some(crate::reference::Credentials { username: login.username, password: login.password })
            }
            Ok(None) => {
                eprintln!(
                    "vpp-conformance: --require-login needs {} and {}",
                    config::UEM_USERNAME_VAR,
                    config::UEM_PASSWORD_VAR
                );
                return ExitCode::from(EXIT_USAGE);
            }
            Err(e) => {
                eprintln!("vpp-conformance: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let tls = match tls_files(&args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("vpp-conformance: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // With TLS, the reference listens on a loopback port of its own behind the TLS front.
    let (listener, front_listener) = match tls {
        Some(_) => match std::net::TcpListener::bind(("127.0.0.1", 0)) {
            Ok(inner) => (inner, Some(listener)),
            Err(e) => {
                eprintln!("vpp-conformance: cannot listen on loopback: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => (listener, None),
    };
    let target = match ReferenceTarget::start_on(listener, options).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("vpp-conformance: cannot start the reference target: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut _front = None;
    let url = match (tls, front_listener) {
        (Some(files), Some(front_listener)) => {
            let upstream = target.url().trim_start_matches("http://").parse().expect("the reference's own address");
            match crate::reference::tls::start(front_listener, upstream, &files) {
                Ok(front) => {
                    let url = format!("https://{}:{}", args.host, front.addr.port());
                    _front = Some(front);
                    url
                }
                Err(e) => {
                    eprintln!("vpp-conformance: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            }
        }
        _ => target.url(),
    };
    let target = Served { url, _reference: target };
    println!("vpp-conformance reference target listening on {}", target.url());
    if args.client_ca.is_some() {
        println!("  a client certificate signed by --client-ca is required");
    }
    println!("  POST {}/mdm/VPPServiceConfigSrv", target.url());
    println!("  GET  {}/SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3", target.url());
    println!(
        "  POST {}/SRP00000/api/v1/util/authorization (a login is {})",
        target.url(),
        if args.require_login { "required" } else { "accepted, not required" }
    );
    println!("  POST {}{} (provider states: run --state-setup-url)", target.url(), crate::reference::STATE_PATH);
    println!("Press Ctrl-C to stop.");
    std::io::stdout().flush().ok();
    tokio::signal::ctrl_c().await.ok();
    ExitCode::from(EXIT_OK)
}

/// The reference (and its TLS front), as `serve` names it.
struct Served {
    url: String,
    _reference: ReferenceTarget,
}

impl Served {
    fn url(&self) -> String {
        self.url.clone()
    }
}

/// The files of `serve --tls-cert --tls-key --client-ca`, read and checked.
fn tls_files(args: &ServeArgs) -> Result<Option<crate::reference::tls::TlsFiles>, String> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else { return Ok(None) };
    let read = |flag: &str, path: &std::path::Path| {
        std::fs::read(path).map_err(|e| format!("{flag} {}: cannot read the file ({e})", path.display()))
    };
    let files = crate::reference::tls::TlsFiles {
        cert_pem: read("--tls-cert", cert)?,
        key_pem: read("--tls-key", key)?,
        client_ca_pem: args.client_ca.as_deref().map(|p| read("--client-ca", p)).transpose()?,
    };
    crate::reference::tls::server_config(&files)?;
    Ok(Some(files))
}

/// An accounts file: an object with `tenantGuid` and a `vppAccounts` array of objects.
fn load_accounts(path: &std::path::Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the file ({e})"))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("not JSON ({e})"))?;
    if !value.get("tenantGuid").is_some_and(|t| t.is_string()) {
        return Err("needs a \"tenantGuid\" string".into());
    }
    match value.get("vppAccounts").and_then(|a| a.as_array()) {
        Some(items) if items.iter().all(|i| i.is_object()) => Ok(value),
        _ => Err("needs a \"vppAccounts\" array of account objects".into()),
    }
}

fn list(args: ListArgs) -> ExitCode {
    let scenarios = catalog::scenarios();
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) ends the listing quietly.
    let _ = write_list(&mut out, &scenarios, args.json);
    ExitCode::from(EXIT_OK)
}

fn write_list(out: &mut impl Write, scenarios: &[catalog::ScenarioInfo], json: bool) -> std::io::Result<()> {
    if json {
        return writeln!(out, "{}", serde_json::to_string_pretty(scenarios).expect("serializable"));
    }
    for s in scenarios {
        let tags: Vec<String> = s.tags.iter().filter(|t| **t != s.id).map(|t| format!("@{t}")).collect();
        writeln!(
            out,
            "{:<12} {:<6} {}\n                    tags: {}\n                    documentation: {}",
            s.id,
            s.level,
            s.name,
            tags.join(" "),
            s.section
        )?;
    }
    let count = |level| scenarios.iter().filter(|s| s.level == level).count();
    writeln!(
        out,
        "{} scenarios: {} MUST (a failure fails the run), {} SHOULD (a warning; a failure under --strict), {} INFO (reported only)",
        scenarios.len(),
        count(catalog::Level::Must),
        count(catalog::Level::Should),
        count(catalog::Level::Info)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> RunArgs {
        let all = ["vpp-conformance", "run"].iter().chain(args).copied();
        match Cli::try_parse_from(all).expect("valid arguments").command {
            Command::Run(args) => *args,
            other => panic!("not a run: {other:?}"),
        }
    }

    /// A layer is resolved whole before layers merge: a base URL given on the command line (or in
    /// the environment) wins over the file's per-API URLs, so a login goes where the user said.
    #[test]
    fn a_higher_layers_base_url_wins_over_the_files_per_api_urls() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "uem-base-url = \"http://file-uem:1\"\nbase-url = \"http://file:1\"\n").unwrap();
        let no_env = |_: &str| None;
        let c = run_args(&["--config", file.to_str().unwrap(), "--base-url", "http://flag:2"]).to_config_with(no_env);
        let c = c.unwrap();
        assert_eq!(c.uem_base_url.as_deref(), Some("http://flag:2"));
        assert_eq!(c.vpp_base_url.as_deref(), Some("http://flag:2"));
        let c = run_args(&["--config", file.to_str().unwrap()]).to_config_with(no_env).unwrap();
        assert_eq!(c.uem_base_url.as_deref(), Some("http://file-uem:1"));
        assert_eq!(c.vpp_base_url.as_deref(), Some("http://file:1"));
    }

    #[test]
    fn the_body_cap_comes_from_the_flag_else_the_file_else_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let no_env = |_: &str| None;
        let cap = |args: &[&str]| run_args(args).to_config_with(no_env).map(|c| c.max_body_bytes);
        assert_eq!(cap(&[]).unwrap(), crate::http::MAX_BODY_BYTES);
        std::fs::write(&file, "max-body-size = \"64MiB\"\n").unwrap();
        let f = file.to_str().unwrap();
        assert_eq!(cap(&["--config", f]).unwrap(), 64 << 20);
        assert_eq!(cap(&["--config", f, "--max-body-size", "8MiB"]).unwrap(), 8 << 20);
        std::fs::write(&file, "max-body-size = 1048576\n").unwrap();
        assert_eq!(cap(&["--config", f]).unwrap(), 1 << 20);
        let err = cap(&["--max-body-size", "lots"]).unwrap_err();
        assert!(err.0.contains("--max-body-size"), "the error names the flag: {}", err.0);
    }
}
