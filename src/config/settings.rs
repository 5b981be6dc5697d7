//! The settings of a run, defined once: each is a flag of `run` (with its environment variable,
//! for those that have one) and a key of the `--config` file, under the same name (`--base-url`
//! and `base-url`). The help text, the file's keys and the generated reference
//! (`docs/reference.md`) all come from [`Settings`]; the defaults from [`RunConfig::default`].
//!
//! `--config vpp-conformance.toml` holds the settings a team keeps in its repository, so a CI job
//! is one short command. The file holds no secrets of its own: a header whose value is secret
//! names the environment variable that holds it (`headers-from-env`), as on the command line.
//!
//! Precedence is flags, then environment variables, then the file, then the defaults. Paths in
//! the file are relative to the file's own directory, so the same file works from any directory
//! (as with Cargo.toml).

use super::{ConfigError, RunConfig};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What one source says: the command line's flags (and the environment variables clap reads
/// for them), or the file's keys. Every value is optional, and an unknown key is an error (a
/// typo must not be silently ignored by a CI gate). [`super::resolve`] merges the two over the
/// defaults. A key is its field's name in kebab-case; a flag is the same, but for the repeatable
/// ones, which are singular (`--header`, key `headers`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[command(mut_args(show_default))]
pub struct Settings {
    /// Base URL of the target, for both APIs (for example http://localhost:8080).
    #[arg(long, value_name = "URL", env = "VPP_CONFORMANCE_BASE_URL")]
    pub base_url: Option<String>,
    /// Base URL of the Apple VPP service configuration target (overrides --base-url).
    #[arg(long, value_name = "URL", env = "VPP_CONFORMANCE_VPP_BASE_URL")]
    pub vpp_base_url: Option<String>,
    /// Base URL of the UEM target (overrides --base-url).
    #[arg(long, value_name = "URL", env = "VPP_CONFORMANCE_UEM_BASE_URL")]
    pub uem_base_url: Option<String>,
    /// The tenant GUID that stands for the documented SRP00000.
    #[arg(long, value_name = "GUID", env = "VPP_CONFORMANCE_TENANT")]
    pub tenant: Option<String>,
    /// Which scenarios to certify: full (every one; the target holds the canonical data set) or
    /// live (only those that need no particular data, for a production service).
    #[arg(long, value_name = "full|live")]
    pub profile: Option<String>,
    /// Another tenant the target holds: the opt-in @tenants scenarios check that it sees nothing of --tenant's.
    #[arg(long, value_name = "GUID")]
    pub second_tenant: Option<String>,
    /// A header sent with every request, as 'Name: value' (repeatable). Its value never appears in output.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    #[serde(default)]
    pub headers: Vec<String>,
    /// A header whose value is read from an environment variable, as 'Name=VARIABLE' (repeatable),
    /// so that a secret appears neither in the process list nor in a CI log.
    #[arg(long = "header-from-env", value_name = "NAME=VARIABLE")]
    #[serde(default)]
    pub headers_from_env: Vec<String>,
    /// A cucumber tag expression selecting scenarios, for example '@uem and not @sample'.
    #[arg(long, value_name = "EXPR")]
    pub tags: Option<String>,
    /// Seconds each request may take, body included.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The most requests under way at once to each target: a ceiling, within which the run learns
    /// from the target's latencies how many it serves without queueing. 1 runs everything one
    /// after another.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Cucumber JSON report.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Seed of the @any-data probes (printed in every run; give it again to repeat a run).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Write a certification report (.html, or .md for CI job summaries); repeatable.
    #[arg(long = "report", value_name = "FILE")]
    #[serde(default)]
    pub reports: Vec<PathBuf>,
    /// Sign the reports' digest with this Ed25519 private key (PKCS#8 PEM, or 64 hex digits).
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,
    /// At most this many requests per @any-data scenario.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<usize>,
    /// The largest response body read, as 64MiB, 512KiB or bytes; raise it for a tenant whose
    /// account list is larger (about 250 bytes an account).
    #[arg(long, value_name = "SIZE")]
    pub max_body_size: Option<Size>,
    /// Trust this CA certificate (PEM) besides the system's, for a target behind a private CA (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    #[serde(default)]
    pub ca_certs: Vec<PathBuf>,
    /// Do not verify the target's TLS certificate. Said in the output and in every report.
    #[arg(long)]
    #[serde(default)]
    pub insecure: bool,
    /// Fail the run when a SHOULD scenario fails (by default it is a warning).
    #[arg(long)]
    #[serde(default)]
    pub strict: bool,
    /// Stop the run after N failed scenarios; the rest are reported as not run.
    #[arg(long, value_name = "N")]
    pub max_failures: Option<usize>,
    /// POST the canonical data set here before the run, and a teardown after (like Pact's provider states).
    #[arg(long, value_name = "URL", env = "VPP_CONFORMANCE_STATE_SETUP_URL")]
    pub state_setup_url: Option<String>,
    /// At most N requests per second (N/s) or per minute (N/m) leave the suite, across the whole run.
    #[arg(long, value_name = "N/s")]
    pub rate_limit: Option<String>,
    /// The longest a request waits, in all, for a target that answers 429 or 503 (its
    /// Retry-After, or a backoff) before it ends not judged (ERROR), saying the target pushed back.
    #[arg(long, value_name = "SECONDS")]
    pub max_retry_after: Option<f64>,
    /// The most requests the whole run sends again after a push-back (429, 503); once spent, a
    /// push-back ends its request not judged (ERROR), and the log says so.
    #[arg(long, value_name = "N")]
    pub max_pushbacks: Option<u64>,
    /// Send a request again, up to N times with backoff, after a transport error (a reset, a
    /// timeout); a scenario that passes only then is reported flaky. A failed check is never retried.
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// A client certificate (PEM) for a target that asks for one; with --client-key.
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM); the environment variable VPP_CONFORMANCE_CLIENT_KEY may name it.
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// A TOML file of waivers (known deviations, each with a reason): an expected failure does not
    /// fail the run and is reported as waived; the file's entries are sealed into the reports.
    #[arg(long, value_name = "FILE")]
    pub expectations: Option<PathBuf>,
    /// Run the I-th of N parts of the selection (a deterministic split: every scenario in exactly one part).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Run only what an earlier run (its Cucumber JSON, from --json) failed or did not run.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub only_failed: Option<PathBuf>,
    /// A label of the run, as KEY=VALUE (repeatable), e.g. implementation=2.4.1 or commit=abc123:
    /// sealed into the run's facts and stated in every output; `merge` takes only parts with the same labels.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    #[serde(default)]
    pub labels: Vec<String>,
    /// Write Allure results (one *-result.json a scenario, with executor, environment and
    /// categories) into this directory, replacing the suite's earlier results there.
    #[arg(long, value_name = "DIR")]
    pub allure_results: Option<PathBuf>,
    /// The file these settings were read from (none for the command line's): errors about a
    /// value name the key in it rather than a flag the user never typed.
    #[serde(skip)]
    #[arg(skip)]
    pub source: Option<PathBuf>,
}

impl Settings {
    /// The key of the file for each setting, with the id of its flag (`headers`, `headers`: the
    /// flag `--header`), in the order of the help.
    pub fn keys() -> Vec<(String, String)> {
        Self::flags().get_arguments().map(|a| (key_of(a), a.get_id().to_string())).collect()
    }

    /// The help of `run --config`: the file's keys are the flags' names, but for the lists'
    /// (plural where the flag, given once per item, is singular), which it names.
    pub fn config_help() -> String {
        let flags = Self::flags();
        let plural: Vec<String> = flags
            .get_arguments()
            .map(key_of)
            .filter(|key| flags.get_arguments().all(|a| a.get_long() != Some(key)))
            .collect();
        format!(
            "A TOML file with any of these settings, under their long flags' names (the lists' in the plural: {}; \
             every key in docs/reference.md); flags and environment variables win",
            plural.join(", ")
        )
    }

    /// The settings as the flags of a command.
    fn flags() -> clap::Command {
        use clap::Args as _;
        Self::augment_args(clap::Command::new("run"))
    }
}

/// The key of the file for a setting's flag: its id in kebab-case.
fn key_of(arg: &clap::Arg) -> String {
    arg.get_id().as_str().replace('_', "-")
}

/// The default of each setting that has one, as the help and the reference show it: read from
/// [`RunConfig::default`], the one place the defaults are written.
pub fn defaults() -> Vec<(&'static str, String)> {
    let d = RunConfig::default();
    let seconds = |t: Duration| t.as_secs_f64().to_string();
    vec![
        ("tenant", d.tenant),
        ("profile", d.profile.as_str().to_owned()),
        ("timeout", seconds(d.timeout)),
        ("concurrency", d.concurrency.to_string()),
        ("max_requests", d.max_requests.to_string()),
        ("max_body_size", crate::http::human_size(d.max_body_bytes)),
        ("max_retry_after", seconds(d.max_retry_after)),
        ("max_pushbacks", d.max_pushbacks.to_string()),
        ("retries", d.retries.to_string()),
    ]
}

/// `arg`'s help ending with its default, as clap shows the defaults it applies itself (these are
/// applied in [`super::resolve`], after the file is read, so clap must not apply them).
fn show_default(arg: clap::Arg) -> clap::Arg {
    let Some((_, value)) = defaults().into_iter().find(|(id, _)| arg.get_id() == *id) else { return arg };
    let with_default = |help: &clap::builder::StyledStr| format!("{help} [default: {value}]");
    let long = arg.get_long_help().map(with_default);
    let arg = match arg.get_help().map(with_default) {
        Some(help) => arg.help(help),
        None => arg,
    };
    match long {
        Some(long) => arg.long_help(long),
        None => arg,
    }
}

/// A size as the file may write it: a number of bytes, or text with a unit.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

/// On the command line a size is text; it is checked with the other settings, naming the flag.
impl std::str::FromStr for Size {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Size::Text(text.to_owned()))
    }
}

impl Size {
    pub fn text(&self) -> String {
        match self {
            Size::Bytes(n) => n.to_string(),
            Size::Text(t) => t.clone(),
        }
    }
}

impl Settings {
    /// Reads and checks the file; relative paths become relative to its directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = super::files::read_text("--config", path)?;
        let mut file = Self::parse(&text).map_err(|e| ConfigError(format!("--config {}: {e}", path.display())))?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        file.resolve_paths(dir);
        file.source = Some(path.to_owned());
        Ok(file)
    }

    /// The file's text as settings; the error names the key and line, as the `toml` crate says.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())
    }

    fn resolve_paths(&mut self, dir: &Path) {
        let join = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        self.junit
            .iter_mut()
            .chain(self.json.iter_mut())
            .chain(self.sign_key.iter_mut())
            .chain(self.client_cert.iter_mut())
            .chain(self.client_key.iter_mut())
            .for_each(join);
        self.expectations
            .iter_mut()
            .chain(self.only_failed.iter_mut())
            .chain(self.allure_results.iter_mut())
            .for_each(join);
        self.reports.iter_mut().chain(self.ca_certs.iter_mut()).for_each(join);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_key_parses_and_unknown_keys_are_refused() {
        let file = Settings::parse(
            r#"
            base-url = "http://localhost:8080"
            tenant = "T1"
            headers = ["X-Client: ci"]
            headers-from-env = ["Authorization=UEM_AUTH"]
            tags = "@uem"
            timeout = 5
            concurrency = 2
            max-requests = 10
            seed = 7
            junit = "out/junit.xml"
            reports = ["out/cert.html"]
            ca-certs = ["ca.pem"]
            insecure = false
            strict = true
            state-setup-url = "http://localhost:8080/_state"
            rate-limit = "15/s"
            max-retry-after = 30
            max-pushbacks = 200
            retries = 2
            client-cert = "client.pem"
            client-key = "client.key"
            "#,
        )
        .unwrap();
        assert_eq!(file.timeout, Some(5.0));
        assert_eq!(file.headers_from_env, ["Authorization=UEM_AUTH"]);
        assert!(file.strict && !file.insecure);
        assert_eq!((file.rate_limit.as_deref(), file.retries), (Some("15/s"), Some(2)));
        let err = Settings::parse("base_url = \"http://x\"").unwrap_err();
        assert!(err.contains("base_url"), "the error names the unknown key: {err}");
        assert!(Settings::parse("timeout = \"soon\"").is_err());
    }

    /// The flags and the keys are one list: each flag's key is a key of the file, and the file
    /// knows no key that is not a flag's (serde lists those it knows when it refuses one).
    #[test]
    fn every_flag_is_a_key_of_the_file_and_every_key_a_flag() {
        let keys: Vec<String> = Settings::keys().into_iter().map(|(key, _)| key).collect();
        assert!(keys.len() >= 30 && keys.contains(&"headers-from-env".to_owned()), "{keys:?}");
        for key in &keys {
            let err = Settings::parse(&format!("{key} = 1")).err().unwrap_or_default();
            assert!(!err.contains("unknown field"), "{key}: {err}");
        }
        let err = Settings::parse("no-such-key = 1").unwrap_err();
        let known = err.split_once("expected one of").map(|(_, list)| list).unwrap_or_else(|| panic!("{err}"));
        let known: Vec<&str> = known.split('`').skip(1).step_by(2).collect();
        assert_eq!(known, keys, "the file's keys are the flags'");
        for (id, _) in defaults() {
            assert!(keys.contains(&id.replace('_', "-")), "a default for {id}, which is no setting");
        }
    }

    #[test]
    fn the_config_help_names_the_keys_that_are_not_their_flags_names() {
        let help = Settings::config_help();
        assert!(
            help.contains("(the lists' in the plural: headers, headers-from-env, reports, ca-certs, labels;"),
            "{help}"
        );
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let mut file = Settings::parse("junit = \"out/j.xml\"\nca-certs = [\"/abs/ca.pem\", \"ca.pem\"]").unwrap();
        file.resolve_paths(Path::new("/repo/ci"));
        assert_eq!(file.junit.unwrap(), Path::new("/repo/ci/out/j.xml"));
        assert_eq!(file.ca_certs, [PathBuf::from("/abs/ca.pem"), PathBuf::from("/repo/ci/ca.pem")]);
    }
}
