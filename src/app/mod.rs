//! What the commands do, apart from how the command line reads them: a whole run as the
//! command line does it, after hurl's `main` (open the outputs, every path and key checked
//! before any request; run; export the outcome: the summary, the JUnit and Cucumber JSON files,
//! the sealed reports); `merge`; `serve` (`serve.rs`); `verify-report` (`verify.rs`); `diff`
//! (`diff.rs`); `list` and `fixtures` (`show.rs`). The exit status is the caller's to compute
//! from what each returns.

pub mod diff;
pub mod serve;
pub mod show;
pub mod verify;

use crate::config::{ConfigError, RunConfig};
use crate::gate::Gate;
use crate::outcome::RunOutcome;
use crate::redact::Redactor;
use crate::reference::{Credentials, ReferenceOptions, ReferenceTarget};
use crate::report::files::{Outputs, Requested};
use crate::report::summary::Detail;
use crate::runner::{self, RunIo, SharedOut, Target, output::Redacting};
use std::sync::Arc;

/// Runs the suite as configured, writing its output to `out` and its files where asked.
pub async fn run(config: &RunConfig, out: SharedOut) -> Result<RunOutcome, ConfigError> {
    run_gated(config, out, Arc::new(Gate::new())).await
}

/// As [`run`], stopped through `gate` (by a signal the caller watches for): the requests in
/// flight are dropped, every scenario not finished is reported as not run, and the outputs are
/// still written, complete.
pub async fn run_gated(config: &RunConfig, out: SharedOut, gate: Arc<Gate>) -> Result<RunOutcome, ConfigError> {
    // Every file the configuration names is read and checked before anything runs.
    let files = config.load()?;
    let outputs = Outputs::open(Requested {
        junit: config.junit.as_deref(),
        json: config.json.as_deref(),
        reports: &config.reports,
        signing_key: files.signing_key.as_ref(),
        names: &config.output_names,
        allure: config.allure_results.as_deref(),
    })
    .map_err(ConfigError)?;
    let redactor = Redactor::new();
    let io = RunIo { out: out.clone(), redactor: redactor.clone(), gate };
    // The built-in reference lives as long as the run.
    let (target, _reference) = target(config).await?;
    let mut outcome = runner::run(config, &files, target, io).await?;
    // Whatever is exported is redacted with every secret the run learned: a token learned late
    // may stand in a reason written before it was known.
    outcome.map_texts(|text| redactor.redact(text));
    let mut out = Redacting { inner: out, redactor };
    let detail = if config.quiet { Detail::Quiet } else { Detail::Full };
    crate::report::summary::write(&mut out, &outcome, detail);
    let mut said = if config.quiet { None } else { Some(&mut out) };
    let mut sink = std::io::sink();
    let report_out: &mut dyn std::io::Write = match &mut said {
        Some(o) => *o,
        None => &mut sink,
    };
    outputs.finish(config.tags.as_deref(), &outcome, None, &mut WriteRef(report_out)).map_err(ConfigError)?;
    Ok(outcome)
}

/// The configured target, or with no base URL the built-in reference, started on a loopback
/// port; it requires a login with credentials made up for this run, so that every default run
/// goes through the whole authentication flow.
async fn target(config: &RunConfig) -> Result<(Target, Option<ReferenceTarget>), ConfigError> {
    if !config.uses_reference() {
        return Ok((Target::configured(config), None));
    }
    let credentials = Credentials { username: "vpp-conformance".to_owned(), password: made_up_password() };
    let options = ReferenceOptions { auth: Some(credentials.clone()), ..ReferenceOptions::default() };
    let reference = ReferenceTarget::start(options)
        .await
        .map_err(|e| ConfigError(format!("cannot start the built-in reference target: {e}")))?;
    let login = crate::config::UemLogin {
        username: credentials.username,
        password: credentials.password,
        provider: "LOCAL".to_owned(),
        domain: None,
    };
    let target = Target {
        vpp_base: reference.url(),
        uem_base: reference.url(),
        login: Some(login),
        described: format!("built-in reference target at {}", reference.url()),
        direct: true,
    };
    Ok((target, Some(reference)))
}

/// A password for the built-in reference, different in every run.
fn made_up_password() -> String {
    use sha2::Digest as _;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let digest = sha2::Sha256::digest(format!("{nanos}:{}", std::process::id()).as_bytes());
    hex::encode(&digest[..12])
}

/// What `merge` is given.
pub struct MergeRequest<'a> {
    pub files: &'a [std::path::PathBuf],
    pub reports: &'a [std::path::PathBuf],
    /// `--allure-results DIR`: the merged run's Allure results.
    pub allure: Option<&'a std::path::Path>,
    pub sign_key: Option<&'a std::path::Path>,
    /// Every part must be signed by this key (its public half).
    pub public_key: Option<&'a std::path::Path>,
}

/// `merge`: the runs of these Cucumber JSON files (`run --json`) as one outcome, its summary on
/// `out` and its sealed reports written; the error says which runs cannot be one certificate,
/// and why.
pub fn merge(request: MergeRequest, out: &mut impl std::io::Write) -> Result<RunOutcome, String> {
    use crate::report::merge;
    let signing_key = request.sign_key.map(crate::config::keys::read_signing_key).transpose().map_err(|e| e.0)?;
    let public_key = request.public_key.map(crate::config::keys::read_public_key).transpose().map_err(|e| e.0)?;
    let names = crate::config::OutputNames::default();
    let outputs = Outputs::open(Requested {
        junit: None,
        json: None,
        reports: request.reports,
        signing_key: signing_key.as_ref(),
        names: &names,
        allure: request.allure,
    })?;
    let mut inputs = Vec::new();
    for path in request.files {
        let text = crate::config::files::read_text("", path).map_err(|e| e.0)?;
        inputs.push(merge::read(&path.display().to_string(), &text)?);
    }
    let merged = merge::merge(&inputs, public_key.as_ref())?;
    writeln!(
        out,
        "Merged {} run(s): {} scenario results; {}",
        inputs.len(),
        merged.outcome.scenarios.len(),
        merged.parts
    )
    .ok();
    crate::report::summary::write(out, &merged.outcome, Detail::Full);
    outputs.finish(merged.tags.as_deref(), &merged.outcome, Some(&merged.parts), out)?;
    Ok(merged.outcome)
}

/// A `&mut dyn Write` as a sized writer.
struct WriteRef<'a>(&'a mut dyn std::io::Write);

impl std::io::Write for WriteRef<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
