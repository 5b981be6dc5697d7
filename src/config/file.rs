//! `--config vpp-conformance.toml`: the settings a team keeps in its repository, so a CI job is
//! one short command. The file holds no secrets of its own: a header whose value is secret names
//! the environment variable that holds it (`headers-from-env`), as on the command line.
//!
//! Precedence is flags, then environment variables, then this file, then built-in defaults. Paths
//! in the file are relative to the file's own directory, so the same file works from any
//! directory (as with Cargo.toml).

use super::ConfigError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What one source says: the file's keys (every one optional, and an unknown key an error: a
/// typo must not be silently ignored by a CI gate), and the command line's flags, which carry the
/// same names. [`super::resolve`] merges the two over the defaults.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    pub base_url: Option<String>,
    pub vpp_base_url: Option<String>,
    pub uem_base_url: Option<String>,
    pub tenant: Option<String>,
    pub second_tenant: Option<String>,
    /// `full` or `live`.
    pub profile: Option<String>,
    /// `Name: value`, as `--header` takes them.
    #[serde(default)]
    pub headers: Vec<String>,
    /// `Name=VARIABLE`, as `--header-from-env` takes them.
    #[serde(default)]
    pub headers_from_env: Vec<String>,
    pub tags: Option<String>,
    /// Seconds each request may take.
    pub timeout: Option<f64>,
    pub concurrency: Option<usize>,
    pub max_requests: Option<usize>,
    /// `"64MiB"`, or a number of bytes.
    pub max_body_size: Option<Size>,
    pub seed: Option<u64>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    #[serde(default)]
    pub reports: Vec<PathBuf>,
    pub sign_key: Option<PathBuf>,
    #[serde(default)]
    pub ca_certs: Vec<PathBuf>,
    pub insecure: Option<bool>,
    pub strict: Option<bool>,
    pub max_failures: Option<usize>,
    pub state_setup_url: Option<String>,
    /// `"15/s"` or `"600/m"`: requests per second or minute, across the whole run.
    pub rate_limit: Option<String>,
    /// Seconds a request waits at most, in all, for a target that pushes back (429/503).
    pub max_retry_after: Option<f64>,
    /// Times a request is sent again after a transport error.
    pub retries: Option<u32>,
    /// A client certificate (PEM) and its private key (PEM), for a target that asks for one.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// The expectations file (waivers): see [`super::expectations`].
    pub expectations: Option<PathBuf>,
    /// `I/N`: run the I-th of N parts of the selection.
    pub shard: Option<String>,
    /// The Cucumber JSON of an earlier run: run only what it did not pass.
    pub only_failed: Option<PathBuf>,
    /// The file these settings were read from (none for the command line's): errors about a
    /// value name the key in it rather than a flag the user never typed.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// A size as the file may write it: a number of bytes, or text with a unit.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
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
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("--config {}: cannot read the file ({e})", path.display())))?;
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
        self.expectations.iter_mut().chain(self.only_failed.iter_mut()).for_each(join);
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
            retries = 2
            client-cert = "client.pem"
            client-key = "client.key"
            "#,
        )
        .unwrap();
        assert_eq!(file.timeout, Some(5.0));
        assert_eq!(file.headers_from_env, ["Authorization=UEM_AUTH"]);
        assert_eq!(file.strict, Some(true));
        assert_eq!((file.rate_limit.as_deref(), file.retries), (Some("15/s"), Some(2)));
        let err = Settings::parse("base_url = \"http://x\"").unwrap_err();
        assert!(err.contains("base_url"), "the error names the unknown key: {err}");
        assert!(Settings::parse("timeout = \"soon\"").is_err());
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let mut file = Settings::parse("junit = \"out/j.xml\"\nca-certs = [\"/abs/ca.pem\", \"ca.pem\"]").unwrap();
        file.resolve_paths(Path::new("/repo/ci"));
        assert_eq!(file.junit.unwrap(), Path::new("/repo/ci/out/j.xml"));
        assert_eq!(file.ca_certs, [PathBuf::from("/abs/ca.pem"), PathBuf::from("/repo/ci/ca.pem")]);
    }
}
