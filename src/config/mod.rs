//! One resolved, validated run configuration. Bad input is a [`ConfigError`] naming the option,
//! which the command line turns into exit status 2.

pub mod expectations;
pub mod file;
pub mod keys;
pub mod units;

pub use expectations::Expectations;
pub use file::{Settings, Size};
pub use keys::Loaded;
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
}

/// How an error about an output file names the setting its path came from: the flag, or the key
/// of the config file (a user who wrote `junit = "…"` never typed `--junit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputNames {
    pub junit: String,
    pub json: String,
    pub reports: String,
}

impl Default for OutputNames {
    fn default() -> Self {
        Self { junit: "--junit".into(), json: "--json".into(), reports: "--report".into() }
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
            retries: 0,
            client_cert: None,
            client_key: None,
            expectations: None,
            shard: None,
            only_failed: None,
        }
    }
}

impl RunConfig {
    /// Whether neither API has a target, so the run uses the built-in reference.
    pub fn uses_reference(&self) -> bool {
        self.vpp_base_url.is_none() && self.uem_base_url.is_none()
    }
}

/// The one place a run's configuration is worked out: the command line's settings (flags, and
/// the environment variables that stand in for them) over the file's, over the defaults of
/// [`RunConfig::default`]; each value validated, the error naming the option. Headers merge by
/// name, the command line's replacing the file's; a list given on the command line replaces the
/// file's. `env` is read for `--header-from-env` values and the UEM login.
pub fn resolve(
    flags: Settings,
    file: Settings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<RunConfig, ConfigError> {
    let defaults = RunConfig::default();
    let url = |option: &str, flag: &Option<String>, in_file: &Option<String>| {
        flag.as_ref().or(in_file.as_ref()).map(|u| parse_base_url(option, u)).transpose()
    };
    // Each layer is resolved whole (its own base URL filling its per-API ones) before layers
    // merge: a --base-url on the command line wins over the file's uem-base-url too.
    url("--base-url", &flags.base_url, &file.base_url)?;
    let layer = |base: &Option<String>, specific: &Option<String>| specific.clone().or_else(|| base.clone());
    let vpp = url(
        "--vpp-base-url",
        &layer(&flags.base_url, &flags.vpp_base_url),
        &layer(&file.base_url, &file.vpp_base_url),
    )?;
    let uem = url(
        "--uem-base-url",
        &layer(&flags.base_url, &flags.uem_base_url),
        &layer(&file.base_url, &file.uem_base_url),
    )?;
    let state_setup_url = url("--state-setup-url", &flags.state_setup_url, &file.state_setup_url)?;
    let tags = flags.tags.or(file.tags);
    if let Some(t) = &tags {
        parse_tags(t)?;
    }
    let timeout = flags.timeout.or(file.timeout).unwrap_or(defaults.timeout.as_secs_f64());
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 3600.0) {
        return Err(ConfigError(format!("--timeout {timeout}: give a number of seconds above 0 and at most 3600")));
    }
    let max_requests = flags.max_requests.or(file.max_requests).unwrap_or(defaults.max_requests);
    if max_requests == 0 {
        return Err(ConfigError("--max-requests 0: an @any-data scenario needs at least one request".into()));
    }
    let max_body_bytes = match flags.max_body_size.or(file.max_body_size) {
        Some(size) => {
            crate::config::units::parse_size(&size.text()).map_err(|e| ConfigError(format!("--max-body-size {e}")))?
        }
        None => defaults.max_body_bytes,
    };
    let max_failures = flags.max_failures.or(file.max_failures);
    if max_failures == Some(0) {
        return Err(ConfigError("--max-failures 0: give at least 1 (leave it out to run every scenario)".into()));
    }
    let concurrency = flags.concurrency.or(file.concurrency).unwrap_or(defaults.concurrency);
    if concurrency == 0 {
        return Err(ConfigError("--concurrency 0: at least one request must be under way at a time".into()));
    }
    // Headers merge by name: the file's first, then the flags', a later one replacing an earlier.
    let mut headers: Vec<(String, String)> = Vec::new();
    for (literal, from_env) in [(&file.headers, &file.headers_from_env), (&flags.headers, &flags.headers_from_env)] {
        let parsed =
            literal.iter().map(|h| parse_header(h)).chain(from_env.iter().map(|spec| header_from_env(spec, &env)));
        for header in parsed {
            let header = header?;
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(&header.0));
            headers.push(header);
        }
    }
    let rate_limit = flags
        .rate_limit
        .or(file.rate_limit)
        .map(|r| crate::config::units::parse_rate(&r).map_err(|e| ConfigError(format!("--rate-limit {e}"))))
        .transpose()?;
    let max_retry_after = flags.max_retry_after.or(file.max_retry_after).unwrap_or(60.0);
    if !(max_retry_after.is_finite() && (0.0..=3600.0).contains(&max_retry_after)) {
        return Err(ConfigError(format!(
            "--max-retry-after {max_retry_after}: give a number of seconds from 0 to 3600"
        )));
    }
    let retries = flags.retries.or(file.retries).unwrap_or(defaults.retries);
    if retries > 10 {
        return Err(ConfigError(format!("--retries {retries}: at most 10 (a target that needs more is not healthy)")));
    }
    let client_cert = flags.client_cert.or(file.client_cert);
    let client_key = flags
        .client_key
        .or_else(|| env(CLIENT_KEY_VAR).filter(|v| !v.is_empty()).map(PathBuf::from))
        .or(file.client_key);
    match (&client_cert, &client_key) {
        (Some(_), None) => {
            return Err(ConfigError(format!(
                "--client-cert needs --client-key (or {CLIENT_KEY_VAR}): the private key"
            )));
        }
        (None, Some(_)) => return Err(ConfigError("--client-key needs --client-cert: the certificate".into())),
        _ => {}
    }
    let or_file = |flag: Vec<PathBuf>, in_file: Vec<PathBuf>| if flag.is_empty() { in_file } else { flag };
    let key_in_file = |key: &str, flag: &str, from_flag: bool| match (&file.source, from_flag) {
        (Some(path), false) => format!("{key} (in {})", path.display()),
        _ => flag.to_owned(),
    };
    let output_names = OutputNames {
        junit: key_in_file("junit", "--junit", flags.junit.is_some()),
        json: key_in_file("json", "--json", flags.json.is_some()),
        reports: key_in_file("reports", "--report", !flags.reports.is_empty()),
    };
    Ok(RunConfig {
        output_names,
        vpp_base_url: vpp,
        uem_base_url: uem,
        tenant: parse_tenant(flags.tenant.as_deref().or(file.tenant.as_deref()).unwrap_or(&defaults.tenant))?,
        profile: match flags.profile.or(file.profile).as_deref() {
            None | Some("full") => Profile::Full,
            Some("live") => Profile::Live,
            Some(other) => {
                return Err(ConfigError(format!(
                    "--profile {other:?}: give full (every scenario; the target holds the canonical data set) or live (only those that need no particular data)"
                )));
            }
        },
        second_tenant: flags
            .second_tenant
            .or(file.second_tenant)
            .map(|t| parse_tenant(&t).map_err(|e| ConfigError(e.0.replacen("--tenant", "--second-tenant", 1))))
            .transpose()?,
        headers,
        tags,
        timeout: Duration::from_secs_f64(timeout),
        concurrency,
        junit: flags.junit.or(file.junit),
        json: flags.json.or(file.json),
        seed: flags.seed.or(file.seed),
        max_requests,
        max_body_bytes,
        reports: or_file(flags.reports, file.reports),
        sign_key: flags.sign_key.or(file.sign_key),
        ca_certs: or_file(flags.ca_certs, file.ca_certs),
        insecure: flags.insecure.or(file.insecure).unwrap_or(defaults.insecure),
        strict: flags.strict.or(file.strict).unwrap_or(defaults.strict),
        max_failures,
        state_setup_url,
        uem_login: uem_login_from_env(&env)?,
        rate_limit,
        max_retry_after: Duration::from_secs_f64(max_retry_after),
        retries,
        client_cert,
        client_key,
        expectations: flags.expectations.or(file.expectations).map(|p| Expectations::load(&p)).transpose()?,
        shard: flags.shard.or(file.shard).map(|s| parse_shard(&s)).transpose()?,
        only_failed: flags.only_failed.or(file.only_failed),
        ..defaults
    })
}

/// A base URL as given: absolute http(s), no query; the trailing slash is dropped so paths join.
pub fn parse_base_url(option: &str, value: &str) -> Result<String, ConfigError> {
    let parsed =
        url::Url::parse(value).map_err(|e| ConfigError(format!("{option} {value:?}: not an absolute URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ConfigError(format!("{option} {value:?}: the scheme must be http or https")));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(ConfigError(format!("{option} {value:?}: a base URL has no query or fragment")));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // It would be printed in every line that names the target; credentials go in a header.
        return Err(ConfigError(format!(
            "{option}: a base URL carries no user or password (give them as a header, or as a UEM login)"
        )));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// `Name: value`, as curl takes it.
pub fn parse_header(value: &str) -> Result<(String, String), ConfigError> {
    let (name, val) =
        value.split_once(':').ok_or_else(|| ConfigError("--header takes 'Name: value' (no colon found)".into()))?;
    let name = name.trim();
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ConfigError(format!("--header: {name:?} is not a valid header name")))?;
    reqwest::header::HeaderValue::from_str(val.trim())
        .map_err(|_| ConfigError(format!("--header {name}: the value is not a valid header value")))?;
    Ok((name.to_owned(), val.trim().to_owned()))
}

/// `Name=VARIABLE`: the header `Name` with the value of the environment variable `VARIABLE`.
pub fn header_from_env(spec: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<(String, String), ConfigError> {
    let (name, var) =
        spec.split_once('=').ok_or_else(|| ConfigError(format!("--header-from-env {spec:?}: give 'Name=VARIABLE'")))?;
    let value = lookup(var.trim()).ok_or_else(|| {
        ConfigError(format!("--header-from-env {spec:?}: the environment variable {} is not set", var.trim()))
    })?;
    parse_header(&format!("{}: {value}", name.trim()))
        .map_err(|e| ConfigError(format!("--header-from-env {spec:?}: {}", e.0.trim_start_matches("--header "))))
}

/// A cucumber tag expression (`@uem and not @sample`).
pub fn parse_tags(expr: &str) -> Result<cucumber::gherkin::tagexpr::TagOperation, ConfigError> {
    expr.parse().map_err(|e| ConfigError(format!("--tags {expr:?}: not a tag expression ({e})")))
}

/// The tenant stands in a URL path: it must not be empty or hold a slash.
pub fn parse_tenant(value: &str) -> Result<String, ConfigError> {
    if value.is_empty() || value.contains('/') || value.contains('?') || value.contains('#') {
        return Err(ConfigError(format!("--tenant {value:?}: a tenant GUID has no '/', '?' or '#' and is not empty")));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_and_headers_are_validated() {
        assert_eq!(parse_base_url("--base-url", "http://h:1/x/").unwrap(), "http://h:1/x");
        assert!(parse_base_url("--base-url", "ftp://h").is_err());
        assert!(parse_base_url("--base-url", "localhost:8080").is_err());
        let userinfo = parse_base_url("--base-url", "http://bob:hunter22@h:1").unwrap_err();
        assert!(!userinfo.0.contains("hunter22"), "the refusal does not repeat the password: {userinfo}");
        assert_eq!(parse_header("Authorization: Bearer x").unwrap(), ("Authorization".into(), "Bearer x".into()));
        assert!(parse_header("no colon").is_err());
        assert!(parse_tags("@uem and").is_err());
        assert!(parse_tags("@uem and not @sample").is_ok());
        let env = |v: &str| (v == "UEM_AUTH").then(|| "Bearer from-env".to_owned());
        assert_eq!(header_from_env("Authorization=UEM_AUTH", env).unwrap().1, "Bearer from-env");
        assert!(header_from_env("Authorization=MISSING", env).unwrap_err().0.contains("MISSING is not set"));
        assert!(header_from_env("Authorization", env).is_err());
        assert_eq!(parse_shard("2/3").unwrap(), Shard { index: 2, total: 3 });
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

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
