//! `serve`: the built-in reference target on a port of the user's, for people building clients:
//! the canonical data set or an accounts file, a latency and a worker pool to measure against,
//! a login to require, and a TLS front (with client certificates) as a production target has.

use crate::config;
use crate::reference::front::{self, Front};
use crate::reference::tls::{self, TlsFiles};
use crate::reference::{Credentials, Quirk, ReferenceOptions, ReferenceTarget};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `serve`'s options.
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

/// The reference serving behind its front (with TLS, when asked), until dropped.
pub struct Served {
    url: String,
    _reference: ReferenceTarget,
    _front: Front,
}

impl Served {
    /// Where it answers: `http://HOST:PORT`, or `https://…` with TLS.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Starts the reference as `args` say and announces it on `out`: its URL first, then what it
/// answers. The port is taken first, and listened on only once the reference holds its whole
/// data set: until then a client's connection is refused, so no client is ever answered by a
/// target still loading (a 404 for a tenant not read yet), and the announcement comes when it
/// answers. The error (a port taken, a file that cannot be read or holds the wrong thing) names
/// the option.
pub async fn start(args: &ServeArgs, out: &mut impl Write) -> Result<Served, String> {
    let reserved = front::reserve(&args.host, args.port)?;
    let options = reference_options(args)?;
    let tls = tls_acceptor(args)?;
    let reference =
        ReferenceTarget::start(options).await.map_err(|e| format!("cannot start the reference target: {e}"))?;
    let upstream = reference.url().trim_start_matches("http://").parse().expect("the reference's own address");
    // With TLS, the URL names the host as given, for the certificate's name to match.
    let url = match &tls {
        Some(_) => format!("https://{}:{}", args.host, reserved.addr.port()),
        None => format!("http://{}", reserved.addr),
    };
    let front = front::start(reserved.listen()?, upstream, tls);
    let served = Served { url, _reference: reference, _front: front };
    announce(out, served.url(), args);
    Ok(served)
}

/// What the reference serves and how: the accounts, a latency or a worker pool, a login.
fn reference_options(args: &ServeArgs) -> Result<ReferenceOptions, String> {
    let mut options = ReferenceOptions::default();
    if let Some(path) = &args.accounts {
        let text = config::files::read_text("--accounts", path).map_err(|e| e.0)?;
        options.accounts = accounts(&text).map_err(|e| format!("--accounts {}: {e}", path.display()))?;
    }
    let latency = Duration::from_millis(args.latency_ms);
    match args.workers {
        Some(workers) => options = options.with_quirk(Quirk::Workers { workers, service: latency }),
        None if args.latency_ms > 0 => options = options.with_quirk(Quirk::Latency(latency)),
        None => {}
    }
    if args.require_login {
        let login = config::uem_login_from_env(|v| std::env::var(v).ok()).map_err(|e| e.to_string())?;
        let login = login.ok_or_else(|| {
            format!("--require-login needs {} and {}", config::UEM_USERNAME_VAR, config::UEM_PASSWORD_VAR)
        })?;
        options.auth = Some(Credentials { username: login.username, password: login.password });
    }
    Ok(options)
}

fn announce(out: &mut impl Write, url: &str, args: &ServeArgs) {
    let login = if args.require_login { "required" } else { "accepted, not required" };
    let mut lines = vec![format!("vpp-conformance reference target listening on {url}")];
    if args.client_ca.is_some() {
        lines.push("  a client certificate signed by --client-ca is required".to_owned());
    }
    lines.push(format!("  POST {url}/mdm/VPPServiceConfigSrv"));
    lines.push(format!("  GET  {url}/SRP00000/api/v1/vppAccounts?query=name=VPP-token-version-3"));
    lines.push(format!("  POST {url}/SRP00000/api/v1/util/authorization (a login is {login})"));
    lines.push(format!("  POST {url}{} (provider states: run --state-setup-url)", crate::reference::STATE_PATH));
    lines.push("Press Ctrl-C to stop.".to_owned());
    for line in lines {
        writeln!(out, "{line}").ok();
    }
    out.flush().ok();
}

/// What terminates TLS with the files of `serve --tls-cert --tls-key --client-ca`, read and checked.
fn tls_acceptor(args: &ServeArgs) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else { return Ok(None) };
    let read = |flag: &str, path: &Path| config::files::read_bytes(flag, path).map_err(|e| e.0);
    let files = TlsFiles {
        cert_pem: read("--tls-cert", cert)?,
        key_pem: read("--tls-key", key)?,
        client_ca_pem: args.client_ca.as_deref().map(|p| read("--client-ca", p)).transpose()?,
    };
    tls::acceptor(&files).map(Some)
}

/// An accounts file's text: an object with `tenantGuid` and a `vppAccounts` array of objects.
fn accounts(text: &str) -> Result<serde_json::Value, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    if !value.get("tenantGuid").is_some_and(|t| t.is_string()) {
        return Err("needs a \"tenantGuid\" string".into());
    }
    match value.get("vppAccounts").and_then(|a| a.as_array()) {
        Some(items) if items.iter().all(|i| i.is_object()) => Ok(value),
        _ => Err("needs a \"vppAccounts\" array of account objects".into()),
    }
}
