//! The one place a run's configuration is worked out from its two layers of [`Settings`] and
//! the defaults, and the checks of each value; an error names the option.

use super::{CLIENT_KEY_VAR, ConfigError, Expectations, OutputNames, Profile, RunConfig, Settings};
use super::{parse_shard, uem_login_from_env};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The one place a run's configuration is worked out: the command line's settings (flags, and
/// the environment variables that stand in for them) over the file's, over the defaults of
/// [`RunConfig::default`]; each value validated, the error naming the option. Headers merge by
/// name, the command line's replacing the file's; a list given on the command line replaces the
/// file's. `env` is read for `--header-from-env` values, the client key and the UEM login.
pub fn resolve(
    flags: Settings,
    file: Settings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<RunConfig, ConfigError> {
    let defaults = RunConfig::default();
    let urls = BaseUrls::resolve(&flags, &file)?;
    let tags = flags.tags.clone().or(file.tags.clone()).map(|t| parse_tags(&t).map(|_| t)).transpose()?;
    let limits = Limits::resolve(&flags, &file, &defaults)?;
    let headers = headers(&flags, &file, &env)?;
    let output_names = output_names(&flags, &file);
    let rate_limit = flags
        .rate_limit
        .or(file.rate_limit)
        .map(|r| super::units::parse_rate(&r).map_err(|e| ConfigError(format!("--rate-limit {e}"))))
        .transpose()?;
    let client_key = flags
        .client_key
        .or_else(|| env(CLIENT_KEY_VAR).filter(|v| !v.is_empty()).map(PathBuf::from))
        .or(file.client_key);
    let (client_cert, client_key) = client_identity(flags.client_cert.or(file.client_cert), client_key)?;
    let or_file = |flag: Vec<PathBuf>, in_file: Vec<PathBuf>| if flag.is_empty() { in_file } else { flag };
    Ok(RunConfig {
        output_names,
        vpp_base_url: urls.vpp,
        uem_base_url: urls.uem,
        state_setup_url: urls.state_setup,
        tenant: parse_tenant(flags.tenant.as_deref().or(file.tenant.as_deref()).unwrap_or(&defaults.tenant))?,
        profile: flags.profile.or(file.profile).map(|p| parse_profile(&p)).transpose()?.unwrap_or(defaults.profile),
        second_tenant: flags
            .second_tenant
            .or(file.second_tenant)
            .map(|t| parse_tenant(&t).map_err(|e| ConfigError(e.0.replacen("--tenant", "--second-tenant", 1))))
            .transpose()?,
        headers,
        tags,
        timeout: limits.timeout,
        concurrency: limits.concurrency,
        junit: flags.junit.or(file.junit),
        json: flags.json.or(file.json),
        seed: flags.seed.or(file.seed),
        max_requests: limits.max_requests,
        max_body_bytes: limits.max_body_bytes,
        reports: or_file(flags.reports, file.reports),
        sign_key: flags.sign_key.or(file.sign_key),
        ca_certs: or_file(flags.ca_certs, file.ca_certs),
        insecure: flags.insecure || file.insecure,
        strict: flags.strict || file.strict,
        max_failures: limits.max_failures,
        uem_login: uem_login_from_env(&env)?,
        rate_limit,
        max_retry_after: limits.max_retry_after,
        max_pushbacks: limits.max_pushbacks,
        retries: limits.retries,
        client_cert,
        client_key,
        expectations: flags.expectations.or(file.expectations).map(|p| Expectations::load(&p)).transpose()?,
        shard: flags.shard.or(file.shard).map(|s| parse_shard(&s)).transpose()?,
        only_failed: flags.only_failed.or(file.only_failed),
        labels: super::parse_labels(if flags.labels.is_empty() { &file.labels } else { &flags.labels })?,
        allure_results: flags.allure_results.or(file.allure_results),
        ..defaults
    })
}

/// The targets' URLs, validated.
struct BaseUrls {
    vpp: Option<String>,
    uem: Option<String>,
    state_setup: Option<String>,
}

impl BaseUrls {
    /// Each layer is resolved whole (its own base URL filling its per-API ones) before layers
    /// merge: a `--base-url` on the command line wins over the file's `uem-base-url` too.
    fn resolve(flags: &Settings, file: &Settings) -> Result<Self, ConfigError> {
        let url = |option: &str, flag: Option<&String>, in_file: Option<&String>| {
            flag.or(in_file).map(|u| parse_base_url(option, u)).transpose()
        };
        url("--base-url", flags.base_url.as_ref(), file.base_url.as_ref())?;
        let layer = |s: &Settings, specific: &Option<String>| specific.clone().or_else(|| s.base_url.clone());
        let (flag_vpp, file_vpp) = (layer(flags, &flags.vpp_base_url), layer(file, &file.vpp_base_url));
        let (flag_uem, file_uem) = (layer(flags, &flags.uem_base_url), layer(file, &file.uem_base_url));
        Ok(Self {
            vpp: url("--vpp-base-url", flag_vpp.as_ref(), file_vpp.as_ref())?,
            uem: url("--uem-base-url", flag_uem.as_ref(), file_uem.as_ref())?,
            state_setup: url("--state-setup-url", flags.state_setup_url.as_ref(), file.state_setup_url.as_ref())?,
        })
    }
}

/// The numbers that bound a run, validated: the flag's, else the file's, else the default.
struct Limits {
    timeout: Duration,
    max_requests: usize,
    max_body_bytes: usize,
    max_failures: Option<usize>,
    concurrency: usize,
    max_retry_after: Duration,
    max_pushbacks: u64,
    retries: u32,
}

impl Limits {
    fn resolve(flags: &Settings, file: &Settings, defaults: &RunConfig) -> Result<Self, ConfigError> {
        let seconds = |s: f64| Duration::from_secs_f64(s);
        let timeout = flags.timeout.or(file.timeout).unwrap_or(defaults.timeout.as_secs_f64());
        let ok = timeout.is_finite() && timeout > 0.0 && timeout <= 3600.0;
        within("--timeout", timeout, ok, "give a number of seconds above 0 and at most 3600")?;
        let max_requests = flags.max_requests.or(file.max_requests).unwrap_or(defaults.max_requests);
        within("--max-requests", max_requests, max_requests > 0, "an @any-data scenario needs at least one request")?;
        let max_body_bytes = match flags.max_body_size.clone().or(file.max_body_size.clone()) {
            Some(size) => {
                super::units::parse_size(&size.text()).map_err(|e| ConfigError(format!("--max-body-size {e}")))?
            }
            None => defaults.max_body_bytes,
        };
        let max_failures = flags.max_failures.or(file.max_failures);
        if let Some(n) = max_failures {
            within("--max-failures", n, n > 0, "give at least 1 (leave it out to run every scenario)")?;
        }
        let concurrency = flags.concurrency.or(file.concurrency).unwrap_or(defaults.concurrency);
        within("--concurrency", concurrency, concurrency > 0, "at least one request must be under way at a time")?;
        let max_retry_after =
            flags.max_retry_after.or(file.max_retry_after).unwrap_or(defaults.max_retry_after.as_secs_f64());
        let ok = max_retry_after.is_finite() && (0.0..=3600.0).contains(&max_retry_after);
        within("--max-retry-after", max_retry_after, ok, "give a number of seconds from 0 to 3600")?;
        let max_pushbacks = flags.max_pushbacks.or(file.max_pushbacks).unwrap_or(defaults.max_pushbacks);
        let retries = flags.retries.or(file.retries).unwrap_or(defaults.retries);
        within("--retries", retries, retries <= 10, "at most 10 (a target that needs more is not healthy)")?;
        Ok(Self {
            timeout: seconds(timeout),
            max_requests,
            max_body_bytes,
            max_failures,
            concurrency,
            max_retry_after: seconds(max_retry_after),
            max_pushbacks,
            retries,
        })
    }
}

/// `value` when it is `ok`, else the error `OPTION VALUE: why`.
fn within<T: fmt::Display>(option: &str, value: T, ok: bool, why: &str) -> Result<T, ConfigError> {
    if ok { Ok(value) } else { Err(ConfigError(format!("{option} {value}: {why}"))) }
}

/// The headers of both layers, merged by name: the file's first, then the flags', a later one
/// replacing an earlier.
fn headers(
    flags: &Settings,
    file: &Settings,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for layer in [file, flags] {
        let literal = layer.headers.iter().map(|h| parse_header(h));
        for header in literal.chain(layer.headers_from_env.iter().map(|spec| header_from_env(spec, env))) {
            let header = header?;
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(&header.0));
            headers.push(header);
        }
    }
    Ok(headers)
}

/// A client certificate and its key come together, or not at all.
fn client_identity(
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> Result<(Option<PathBuf>, Option<PathBuf>), ConfigError> {
    match (&cert, &key) {
        (Some(_), None) => {
            Err(ConfigError(format!("--client-cert needs --client-key (or {CLIENT_KEY_VAR}): the private key")))
        }
        (None, Some(_)) => Err(ConfigError("--client-key needs --client-cert: the certificate".into())),
        _ => Ok((cert, key)),
    }
}

/// How errors about the output files name where each path came from: the key of the file, when
/// the file gave it.
fn output_names(flags: &Settings, file: &Settings) -> OutputNames {
    let name = |key: &str, flag: &str, from_flag: bool| match (&file.source, from_flag) {
        (Some(path), false) => format!("{key} (in {})", path.display()),
        _ => flag.to_owned(),
    };
    OutputNames {
        junit: name("junit", "--junit", flags.junit.is_some()),
        json: name("json", "--json", flags.json.is_some()),
        reports: name("reports", "--report", !flags.reports.is_empty()),
        allure: name("allure-results", "--allure-results", flags.allure_results.is_some()),
    }
}

/// `full` or `live`.
pub fn parse_profile(value: &str) -> Result<Profile, ConfigError> {
    match value {
        "full" => Ok(Profile::Full),
        "live" => Ok(Profile::Live),
        other => Err(ConfigError(format!(
            "--profile {other:?}: give full (every scenario; the target holds the canonical data set) or live (only those that need no particular data)"
        ))),
    }
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
    use crate::config::Shard;

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
}
