//! One resolved, validated run configuration. Bad input is a [`ConfigError`] naming the option,
//! which the command line turns into exit status 2.
//!
//! [`Settings`] (`settings.rs`) defines every setting once, as a flag of `run` and a key of the
//! `--config` file; [`resolve`] (`resolve.rs`) merges the command line's over the file's over
//! [`RunConfig::default`], the one place the defaults are written; `files.rs` reads any file a
//! user names (every command's "cannot read the file"), `keys.rs` the keys and certificates a
//! configuration names, `expectations.rs` the waivers, `units.rs` sizes and rates.

pub mod expectations;
pub mod files;
pub mod keys;
mod resolve;
pub mod settings;
pub mod units;

pub use expectations::Expectations;
pub use keys::Loaded;
pub use resolve::{header_from_env, parse_base_url, parse_header, parse_profile, parse_tags, parse_tenant, resolve};
pub use settings::{Settings, Size};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Target of the Apple VPP scenarios; `None` with `uem_base_url` also `None` means the built-in
    /// reference target.
    pub vpp_base_url: Option<String>,
    pub uem_base_url: Option<String>,
    pub tenant: String,
    /// Which scenarios a run certifies: all, or only those that need no canonical data set.
    pub profile: Profile,
    /// Another tenant the target holds (`--second-tenant`), for the opt-in `@tenants` scenarios.
    pub second_tenant: Option<String>,
    pub headers: Vec<(String, String)>,
    /// A cucumber tag expression; `None` runs every scenario that is not opt-in.
    pub tags: Option<String>,
    pub timeout: Duration,
    /// The most requests under way at once to each origin: the ceiling of its adaptive limit.
    /// 1 is strictly serial.
    pub concurrency: usize,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub color: bool,
    /// Progress as a status line on stderr (a terminal) rather than plain lines on stdout.
    pub progress_on_terminal: bool,
    /// `--quiet`: the log holds only the failures' lines and the verdict.
    pub quiet: bool,
    /// How errors about the output files name where each path came from.
    pub output_names: OutputNames,
    /// Seed of the `@any-data` probes; `None` picks one (and the run prints it).
    pub seed: Option<u64>,
    /// At most this many requests per `@any-data` scenario, so a large tenant stays fast.
    pub max_requests: usize,
    /// The largest response body read (`--max-body-size`): a list of a large tenant needs more
    /// than the default.
    pub max_body_bytes: usize,
    /// Certification reports to write (`.html` or `.md`).
    pub reports: Vec<PathBuf>,
    /// An Ed25519 private key that signs the reports' digest.
    pub sign_key: Option<PathBuf>,
    /// Extra trusted roots (PEM), for targets behind a private CA.
    pub ca_certs: Vec<PathBuf>,
    /// Certificates are not verified: said in the output and in every report.
    pub insecure: bool,
    /// A failed SHOULD scenario fails the run instead of warning.
    pub strict: bool,
    /// The run stops after this many failed scenarios (`--max-failures`); the rest are not run.
    pub max_failures: Option<usize>,
    /// Where the canonical data set is POSTed before the run (and a teardown after), as Pact's
    /// provider states are.
    pub state_setup_url: Option<String>,
    /// UEM credentials: the run obtains an `Authorization` value from the target first.
    pub uem_login: Option<UemLogin>,
    /// At most this many requests leave per second (or minute), across the whole run.
    pub rate_limit: Option<crate::http::RateLimit>,
    /// The longest a request waits, in all, for a target that pushes back (429, 503 with
    /// `Retry-After`) before it fails saying so.
    pub max_retry_after: Duration,
    /// The run's budget of push-back retries (`--max-pushbacks`).
    pub max_pushbacks: u64,
    /// Times a request is sent again after a transport error; a scenario that passed only then is
    /// flaky.
    pub retries: u32,
    /// A client certificate (PEM) and its private key (PEM), checked before any request.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// The waivers the run is judged under (`--expectations`), validated.
    pub expectations: Option<Expectations>,
    /// `--shard I/N`: the I-th (from 1) of N parts of the selection.
    pub shard: Option<Shard>,
    /// `--only-failed FILE`: the Cucumber JSON of an earlier run; only what it did not pass runs.
    pub only_failed: Option<PathBuf>,
    /// `--label KEY=VALUE`, in the order given, each key once.
    pub labels: Vec<(String, String)>,
    /// `--allure-results DIR`.
    pub allure_results: Option<PathBuf>,
}

/// How an error about an output file names the setting its path came from: the flag, or the key
/// of the config file (a user who wrote `junit = "…"` never typed `--junit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputNames {
    pub junit: String,
    pub json: String,
    pub reports: String,
    pub allure: String,
}

impl Default for OutputNames {
    fn default() -> Self {
        Self {
            junit: "--junit".into(),
            json: "--json".into(),
            reports: "--report".into(),
            allure: "--allure-results".into(),
        }
    }
}

/// `--shard I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 1 to `total`.
    pub index: usize,
    pub total: usize,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// `--label KEY=VALUE` (repeatable): a key of letters, digits, `.`, `_` and `-`, given once; a
/// value of one line.
pub fn parse_labels(given: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
    let mut labels: Vec<(String, String)> = Vec::new();
    for text in given {
        let bad = |why: &str| ConfigError(format!("--label {text:?}: {why}"));
        let (key, value) = text.split_once('=').ok_or_else(|| bad("give KEY=VALUE, as implementation=2.4.1"))?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
            return Err(bad("a key is letters, digits, '.', '_' and '-'"));
        }
        if value.chars().any(char::is_control) {
            return Err(bad("a value is one line of text"));
        }
        if labels.iter().any(|(k, _)| k == key) {
            return Err(bad("each key once"));
        }
        labels.push((key.to_owned(), value.to_owned()));
    }
    Ok(labels)
}

/// `I/N`, with 1 <= I <= N.
pub fn parse_shard(value: &str) -> Result<Shard, ConfigError> {
    let bad = || ConfigError(format!("--shard {value:?}: give I/N, as 2/3 (the second of three parts), 1 <= I <= N"));
    let (i, n) = value.split_once('/').ok_or_else(bad)?;
    let (index, total) = (i.trim().parse::<usize>().map_err(|_| bad())?, n.trim().parse::<usize>().map_err(|_| bad())?);
    if index == 0 || total == 0 || index > total {
        return Err(bad());
    }
    Ok(Shard { index, total })
}

/// Which scenarios a run certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Every scenario: the target holds the canonical data set (a test or staging system).
    Full,
    /// Only the scenarios that need no particular data (`@any-data`): a live service, whose data
    /// is its customers'. Those that need the canonical data set are not run.
    Live,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Full => "full",
            Profile::Live => "live",
        }
    }
}

/// The environment variable that may name the client key's file (`--client-key`), so that the
/// path of a secret stays out of the command line and the config file.
pub const CLIENT_KEY_VAR: &str = "VPP_CONFORMANCE_CLIENT_KEY";

/// Credentials for `POST /{tenantGuid}/api/v1/util/authorization`, read from the environment
/// only, so they appear in no process list, file or log.
#[derive(Clone, PartialEq, Eq)]
pub struct UemLogin {
    pub username: String,
    /// The plain password; the request carries it base64-encoded, as the API wants.
    pub password: String,
    pub provider: String,
    pub domain: Option<String>,
}

impl fmt::Debug for UemLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UemLogin")
            .field("username", &self.username)
            .field("password", &"‹hidden›")
            .field("provider", &self.provider)
            .field("domain", &self.domain)
            .finish()
    }
}

/// The environment variables of [`UemLogin`].
pub const UEM_USERNAME_VAR: &str = "VPP_CONFORMANCE_UEM_USERNAME";
pub const UEM_PASSWORD_VAR: &str = "VPP_CONFORMANCE_UEM_PASSWORD";
pub const UEM_PROVIDER_VAR: &str = "VPP_CONFORMANCE_UEM_PROVIDER";
pub const UEM_DOMAIN_VAR: &str = "VPP_CONFORMANCE_UEM_DOMAIN";

/// The credentials the environment gives: none when neither user nor password is set, an error
/// when only one is (a half-configured login must not silently run unauthenticated).
pub fn uem_login_from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<UemLogin>, ConfigError> {
    let get = |var: &str| lookup(var).filter(|v| !v.is_empty());
    match (get(UEM_USERNAME_VAR), get(UEM_PASSWORD_VAR)) {
        (None, None) => Ok(None),
        (Some(username), Some(password)) => Ok(Some(UemLogin {
            username,
            password,
            provider: get(UEM_PROVIDER_VAR).unwrap_or_else(|| "LOCAL".to_owned()),
            domain: get(UEM_DOMAIN_VAR),
        })),
        (Some(_), None) => Err(ConfigError(format!("{UEM_USERNAME_VAR} is set but {UEM_PASSWORD_VAR} is not"))),
        (None, Some(_)) => Err(ConfigError(format!("{UEM_PASSWORD_VAR} is set but {UEM_USERNAME_VAR} is not"))),
    }
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            vpp_base_url: None,
            uem_base_url: None,
            tenant: crate::catalog::DOCUMENTED_TENANT.to_owned(),
            profile: Profile::Full,
            second_tenant: None,
            headers: Vec::new(),
            tags: None,
            timeout: Duration::from_secs(30),
            concurrency: 64,
            junit: None,
            json: None,
            color: false,
            progress_on_terminal: false,
            quiet: false,
            output_names: OutputNames::default(),
            seed: None,
            max_requests: 200,
            max_body_bytes: crate::http::MAX_BODY_BYTES,
            reports: Vec::new(),
            sign_key: None,
            ca_certs: Vec::new(),
            insecure: false,
            strict: false,
            max_failures: None,
            state_setup_url: None,
            uem_login: None,
            rate_limit: None,
            max_retry_after: Duration::from_secs(60),
            max_pushbacks: crate::http::DEFAULT_MAX_PUSHBACKS,
            retries: 0,
            client_cert: None,
            client_key: None,
            expectations: None,
            shard: None,
            only_failed: None,
            labels: Vec::new(),
            allure_results: None,
        }
    }
}

impl RunConfig {
    /// Whether neither API has a target, so the run uses the built-in reference.
    pub fn uses_reference(&self) -> bool {
        self.vpp_base_url.is_none() && self.uem_base_url.is_none()
    }

    /// Whether a URL the run is given is an https one (a target, the provider-state URL): then
    /// the system's CA certificates are read ahead of the first handshake.
    pub fn names_https(&self) -> bool {
        let urls = [&self.vpp_base_url, &self.uem_base_url, &self.state_setup_url];
        urls.into_iter().flatten().any(|u| u.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_needs_both_user_and_password_and_never_prints_the_password() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |v: &str| pairs.iter().find(|(k, _)| *k == v).map(|(_, x)| (*x).to_owned())
        };
        assert_eq!(uem_login_from_env(vars(&[])).unwrap(), None);
        let login =
            uem_login_from_env(vars(&[(UEM_USERNAME_VAR, "admin"), (UEM_PASSWORD_VAR, "s3cret-pw")])).unwrap().unwrap();
        assert_eq!((login.provider.as_str(), login.domain.as_deref()), ("LOCAL", None));
        assert!(!format!("{login:?}").contains("s3cret-pw"));
        let half = uem_login_from_env(vars(&[(UEM_USERNAME_VAR, "admin")])).unwrap_err();
        assert!(half.0.contains(UEM_PASSWORD_VAR), "{half}");
    }
}
