//! The command line's grammar, as clap reads it: the subcommands and their flags. `run`'s
//! settings are defined in [`Settings`] (each a flag and a key of the config file), `serve`'s in
//! [`ServeArgs`], beside the code that reads them; this file puts the command together.

use crate::app::serve::ServeArgs;
use crate::config::{self, ConfigError, RunConfig, Settings};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

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
    /// Write the merged run's Allure results into this directory, replacing the suite's earlier ones there.
    #[arg(long, value_name = "DIR")]
    pub allure_results: Option<PathBuf>,
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
    /// An operation is slower when its p95 grew by at least this many percent (and --slower-ms).
    #[arg(long, value_name = "PERCENT", default_value_t = 50.0)]
    pub slower_by: f64,
    /// An operation is slower when its p95 grew by at least this many milliseconds (and --slower-by).
    #[arg(long, value_name = "MS", default_value_t = 20.0)]
    pub slower_ms: f64,
    /// Exit 1 when an operation got slower, as when a scenario newly fails.
    #[arg(long)]
    pub fail_on_slower: bool,
}

/// `run`'s options: the file to read settings from, the settings (each a flag and a key of that
/// file, defined once in [`Settings`]), and how much to print.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A TOML file of any of the settings; its help, which names the keys that are not their
    /// flag's name, is derived from the settings ([`Settings::config_help`]).
    #[arg(long, value_name = "FILE", env = "VPP_CONFORMANCE_CONFIG", help = Settings::config_help())]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Settings,
    /// Print only a line for each failure (ID, level, the first line of why) and the verdict.
    #[arg(short, long)]
    pub quiet: bool,
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
