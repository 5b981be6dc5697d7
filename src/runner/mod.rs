//! Cucumber set up once: the embedded features, the steps, the tag filter, concurrency, the
//! writers (cucumber's own terminal, JUnit and Cucumber JSON writers, tee'd), and the verdict.

mod levels;
pub mod prepare;

use crate::catalog::{self, Level};
use crate::client::{Client, ClientOptions};
use crate::config::{ConfigError, RunConfig, parse_tags};
use crate::gate::{Gate, NotRun, Stop};
use crate::redact::Redactor;
use crate::reference::{ReferenceOptions, ReferenceTarget};
use crate::report::atomic::PendingFile;
use crate::steps::{self, RunContext, VppWorld};
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::{Cucumber, WriterExt as _, event, gherkin, parser, writer};
use futures::FutureExt as _;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// Scenarios with this tag check behaviour the documentation does not state; they run only when
/// a tag expression names it.
pub const OPT_IN_TAG: &str = "opt-in";

/// How one scenario ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    /// The scenario did not run to its end, for a reason that is not the target's answer: the run
    /// was interrupted or stopped (`--max-failures`), or its target did not answer at all. The
    /// reason says which.
    #[serde(rename = "not run")]
    NotRun,
}

/// One scenario's result, for the verdict and the reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioResult {
    pub id: String,
    pub name: String,
    pub level: Level,
    pub verdict: Verdict,
    /// Why it failed: request, response and expectation, redacted.
    pub reason: Option<String>,
    pub warnings: Vec<String>,
}

/// The results of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub scenarios: Vec<ScenarioResult>,
    /// Features that did not parse, hooks that failed: the run cannot be trusted.
    pub harness_errors: usize,
    pub target: String,
    /// The seed of the `@any-data` probes.
    pub seed: u64,
    /// Whether a failed SHOULD scenario fails the run.
    pub strict: bool,
    /// What every reader of the results must be told: certificates not verified, for one.
    pub notices: Vec<String>,
    /// Why the run stopped before its end (a signal, `--max-failures`), if it did.
    pub stopped: Option<Stop>,
}

impl ScenarioResult {
    /// Whether this result fails the run: a failed MUST scenario (or SHOULD, under `--strict`).
    pub fn fails_run(&self, strict: bool) -> bool {
        self.verdict == Verdict::Failed && self.level.enforced(strict)
    }
}

impl RunOutcome {
    /// The scenarios whose failure fails the run.
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.fails_run(self.strict))
    }

    /// SHOULD (without `--strict`) and INFO scenarios that failed: reported, not failing.
    pub fn not_met(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.verdict == Verdict::Failed && !s.fails_run(self.strict))
    }

    /// Scenarios that did not run to their end (interrupted, stopped, or their target down).
    pub fn not_run(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.verdict == Verdict::NotRun)
    }

    /// Whether the run was interrupted by a signal.
    pub fn interrupted(&self) -> bool {
        self.stopped.and_then(Stop::signal).is_some()
    }

    /// A run passes when it ran every selected scenario to its end and none failed.
    pub fn passed(&self) -> bool {
        self.harness_errors == 0
            && self.failed().next().is_none()
            && self.not_run().next().is_none()
            && self.stopped.is_none()
    }

    /// The result of a scenario by its ID.
    pub fn scenario(&self, id: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.id == id)
    }
}

/// A writer several owners share, so the summary follows cucumber's output on the same stream.
#[derive(Clone)]
pub struct SharedOut(Arc<Mutex<Box<dyn Write + Send>>>);

impl SharedOut {
    pub fn new(out: impl Write + Send + 'static) -> Self {
        Self(Arc::new(Mutex::new(Box::new(out))))
    }
}

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// Output that replaces secrets before they reach the stream: cucumber's writers print step
/// text and failure messages, which are redacted already, but this is the last line of defence.
struct Redacting<W: Write> {
    inner: W,
    redactor: Redactor,
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(suite_wording(&self.redactor.redact(&text)).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// cucumber words a failed check as a panic ("Step panicked. Captured output: …", a JUnit
/// failure of type "Step Panicked"), which a vendor reads as a crash of the suite. A step of this
/// suite fails by design: its message says what was expected and what came, so it is shown as
/// it is, and the JUnit type says "Step Failed". And a skipped background step is not "failed". Each phrase reaches the output in one write
/// (a line of the terminal, an XML element, the whole JSON), so replacing it in the stream holds.
fn suite_wording(text: &str) -> std::borrow::Cow<'_, str> {
    const WORDING: &[(&str, &str)] = &[
        ("Step panicked. Captured output: ", ""),
        ("Step Panicked", "Step Failed"),
        ("Hook Panicked", "Hook Failed"),
        // What cucumber prints for a skipped background step (a SHOULD not met, a scenario not run).
        ("Background step failed: ", "Background step skipped: "),
    ];
    if !WORDING.iter().any(|(from, _)| text.contains(from)) {
        return text.into();
    }
    WORDING.iter().fold(text.to_owned(), |t, (from, to)| t.replace(from, to)).into()
}

/// The embedded features, parsed from memory once per run, so the binary needs no files.
struct EmbeddedFeatures(Vec<gherkin::Feature>);

impl<I> cucumber::Parser<I> for EmbeddedFeatures {
    type Cli = cucumber::cli::Empty;
    type Output = futures::stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, _input: I, _cli: Self::Cli) -> Self::Output {
        let mut features = self.0;
        fn rename(outer: &[String], s: &mut gherkin::Scenario) {
            if let Some(id) = catalog::scenario_id(&s.tags) {
                let level = Level::from_tags(outer.iter().chain(&s.tags));
                s.name = catalog::report_name(&id, level, &s.name);
            }
        }
        for f in &mut features {
            let feature_tags = f.tags.clone();
            f.scenarios.iter_mut().for_each(|s| rename(&feature_tags, s));
            for r in &mut f.rules {
                let outer: Vec<String> = feature_tags.iter().chain(&r.tags).cloned().collect();
                r.scenarios.iter_mut().for_each(|s| rename(&outer, s));
            }
        }
        futures::stream::iter(features.into_iter().map(Ok).collect::<Vec<_>>())
    }
}

/// The tag filter: the user's expression, and opt-in scenarios left out unless it names them:
/// by `@opt-in`, by their ID, or by a tag only opt-in scenarios carry (`@auth`). A tag they share
/// with the others (`@uem`) does not opt in.
fn scenario_filter(
    features: &[gherkin::Feature],
    tags: Option<&str>,
    skip_api: Option<&'static str>,
) -> Result<impl Fn(&gherkin::Feature, Option<&gherkin::Rule>, &gherkin::Scenario) -> bool + 'static, ConfigError> {
    let user: Option<TagOperation> = tags.map(parse_tags).transpose()?;
    // Every scenario's tags (feature, rule and its own), from the features this run already parsed.
    let all_tags: Vec<Vec<&String>> = features
        .iter()
        .flat_map(|f| {
            let plain = f.scenarios.iter().map(move |s| f.tags.iter().chain(&s.tags).collect());
            let ruled = f.rules.iter().flat_map(move |r| {
                r.scenarios.iter().map(move |s| f.tags.iter().chain(&r.tags).chain(&s.tags).collect())
            });
            plain.chain(ruled)
        })
        .collect();
    let is_opt_in = |tags: &Vec<&String>| tags.iter().any(|t| *t == OPT_IN_TAG);
    let opt_in_only = |tag: &str| {
        tag == OPT_IN_TAG
            || all_tags.iter().any(|s| is_opt_in(s) && s.iter().any(|t| *t == tag))
                && !all_tags.iter().any(|s| !is_opt_in(s) && s.iter().any(|t| *t == tag))
    };
    // The tags an expression names, as whole words, that opt in.
    let named: Vec<String> = tags
        .map(|t| {
            t.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .filter_map(|w| w.strip_prefix('@'))
                .filter(|w| opt_in_only(w))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(move |f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario| {
        let all = || f.tags.iter().chain(r.iter().flat_map(|r| &r.tags)).chain(s.tags.iter());
        let selected = user.as_ref().is_none_or(|op| op.eval(all()));
        let opt_in_ok = !all().any(|t| t == OPT_IN_TAG) || all().any(|t| named.contains(t));
        let api_ok = skip_api.is_none_or(|api| !all().any(|t| t == api));
        selected && opt_in_ok && api_ok
    })
}

/// A report file, written beside its path and renamed into place when complete.
fn pending_report(path: &std::path::Path, what: &str) -> Result<PendingFile, ConfigError> {
    PendingFile::create(path)
        .map_err(|e| ConfigError(format!("{what} {}: cannot create the file ({e})", path.display())))
}

fn commit_report(file: PendingFile, what: &str) -> Result<(), ConfigError> {
    let path = file.path().to_owned();
    file.commit().map_err(|e| ConfigError(format!("{what} {}: cannot write the file ({e})", path.display())))
}

/// Runs the selected scenarios against the configured target (or the built-in reference),
/// writing progress and failures to `out`.
pub async fn run(config: &RunConfig, out: SharedOut) -> Result<RunOutcome, ConfigError> {
    run_gated(config, out, Arc::new(Gate::new())).await
}

/// As [`run`], stopped through `gate` (by a signal the caller watches for): the requests in
/// flight are dropped, every scenario not finished is reported as not run, and the reports are
/// still written, complete.
pub async fn run_gated(config: &RunConfig, out: SharedOut, gate: Arc<Gate>) -> Result<RunOutcome, ConfigError> {
    // An API without a target is left out rather than failed: testing one service alone is normal.
    let skip_api = match (config.uses_reference(), &config.vpp_base_url, &config.uem_base_url) {
        (false, None, Some(_)) => Some("apple-vpp"),
        (false, Some(_), None) => Some("uem"),
        _ => None,
    };
    let features = catalog::features();
    let filter = scenario_filter(&features, config.tags.as_deref(), skip_api)?;
    // What the selection needs: the canonical data (a provider state), a UEM login.
    let selected: Vec<(bool, bool)> = features
        .iter()
        .flat_map(|f| {
            let plain = f.scenarios.iter().map(move |s| (f, None, s));
            let ruled = f.rules.iter().flat_map(move |r| r.scenarios.iter().map(move |s| (f, Some(r), s)));
            plain
                .chain(ruled)
                .filter(|(f, r, s)| filter(f, *r, s))
                .map(|(f, r, s)| (!has_tag(f, r, s, "any-data"), has_tag(f, r, s, "uem")))
        })
        .collect();
    let selectable = selected.len();
    let need_canonical_data = selected.iter().any(|(canonical, _)| *canonical);
    let need_uem = selected.iter().any(|(_, uem)| *uem);
    if selectable == 0 {
        return Err(ConfigError(format!(
            "--tags {:?} selects no scenario (see `vpp-conformance list`)",
            config.tags.as_deref().unwrap_or_default()
        )));
    }
    // Report files and keys are checked first, so a bad one is an error before anything runs.
    let signing_key = match &config.sign_key {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| crate::report::seal::load_signing_key(&text))
                .map_err(|e| ConfigError(format!("--sign-key {}: {e}", path.display())))?,
        ),
        None => None,
    };
    // Report files are created beside their paths now, and renamed into place when complete: an
    // older report is replaced only by a complete newer one.
    let mut report_files = Vec::new();
    for path in &config.reports {
        if crate::report::Format::from_path(path).is_none() {
            return Err(ConfigError(format!("--report {}: the file must end in .html or .md", path.display())));
        }
        report_files.push(pending_report(path, "--report")?);
    }
    let junit_file = config.junit.as_deref().map(|p| pending_report(p, "--junit")).transpose()?;
    let json_file = config.json.as_deref().map(|p| pending_report(p, "--json")).transpose()?;
    let writer_of = |file: &Option<PendingFile>| -> Box<dyn Write> {
        match file {
            Some(f) => Box::new(f.writer()),
            None => Box::new(io::sink()),
        }
    };
    let (junit, json) = (writer_of(&junit_file), writer_of(&json_file));
    let ca_certs = config
        .ca_certs
        .iter()
        .map(|path| {
            let pem = std::fs::read(path)
                .map_err(|e| ConfigError(format!("--ca-cert {}: cannot read the file ({e})", path.display())))?;
            // reqwest skips whatever is not a PEM block: a file without a certificate would be
            // ignored, and the run would blame the target for the user's file.
            match reqwest::Certificate::from_pem_bundle(&pem) {
                Ok(certs) if !certs.is_empty() => Ok(pem),
                Ok(_) => Err(ConfigError(format!(
                    "--ca-cert {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file",
                    path.display()
                ))),
                Err(e) => Err(ConfigError(format!("--ca-cert {}: not a PEM certificate ({e})", path.display()))),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The built-in reference requires a login, with credentials made up for this run, so that
    // every default run goes through the whole authentication flow.
    let (reference, login) = if config.uses_reference() {
        let credentials =
            crate::reference::Credentials { username: "vpp-conformance".to_owned(), password: made_up_password() };
        let options = ReferenceOptions { auth: Some(credentials.clone()), ..ReferenceOptions::default() };
        let target = ReferenceTarget::start(options)
            .await
            .map_err(|e| ConfigError(format!("cannot start the built-in reference target: {e}")))?;
        let login = crate::config::UemLogin {
            username: credentials.username,
            password: credentials.password,
            provider: "LOCAL".to_owned(),
            domain: None,
        };
        (Some(target), Some(login))
    } else {
        (None, config.uem_login.clone())
    };
    let (vpp_base, uem_base) = match &reference {
        Some(r) => (r.url(), r.url()),
        None => (config.vpp_base_url.clone().unwrap_or_default(), config.uem_base_url.clone().unwrap_or_default()),
    };
    let redactor = Redactor::new();
    // Tokens of the canonical data set show as fingerprints too, so expected and actual values in
    // a message are written the same way.
    redactor.learn_tokens_in_value(catalog::accounts_fixture());
    let mut client = Client::new(
        ClientOptions {
            timeout: config.timeout,
            headers: config.headers.clone(),
            ca_certs,
            insecure: config.insecure,
            proxies_from_env: reference.is_none(),
            max_body_bytes: config.max_body_bytes,
            max_in_flight: config.concurrency.max(1),
        },
        redactor.clone(),
    )
    .map_err(ConfigError)?
    .with_gate(gate.clone());
    let state_url = config.state_setup_url.as_deref().filter(|_| need_canonical_data);
    if let Some(url) = state_url {
        prepare::provider_state(&client, url, &config.tenant, prepare::StateAction::Setup)
            .await
            .map_err(|e| ConfigError(format!("the target cannot be prepared: {e}")))?;
    }
    if let Some(login) = login.as_ref().filter(|_| need_uem && !uem_base.is_empty()) {
        let value = match prepare::log_in(&client, &uem_base, &config.tenant, login).await {
            Ok(v) => v,
            Err(e) => {
                if let Some(url) = state_url {
                    prepare::provider_state(&client, url, &config.tenant, prepare::StateAction::Teardown).await.ok();
                }
                return Err(ConfigError(format!("the target cannot be prepared: {e}")));
            }
        };
        let scope = format!("{uem_base}/{}/", crate::steps::common::tenant_segment(&config.tenant));
        client = client.with_scoped_header(&scope, "Authorization", &value);
    }
    let mut notices = Vec::new();
    if config.insecure {
        notices.push(
            "TLS certificates were NOT verified (--insecure): this run cannot tell the real target from an impostor"
                .to_owned(),
        );
    }
    let target = match &reference {
        Some(r) => format!("built-in reference target at {}", r.url()),
        None if vpp_base == uem_base => vpp_base.clone(),
        None => format!("Apple VPP: {}; UEM: {}", or_none(&vpp_base), or_none(&uem_base)),
    };
    let seed = config.seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
            % 1_000_000_000
    });
    let ctx = Arc::new(RunContext {
        vpp_base,
        uem_base,
        tenant: config.tenant.clone(),
        second_tenant: config.second_tenant.clone(),
        client,
        seed,
        max_requests: config.max_requests.max(1),
        concurrency: config.concurrency.max(1),
        warnings: Mutex::default(),
        listing: Default::default(),
    });

    let mut out = Redacting { inner: out, redactor: redactor.clone() };
    writeln!(out, "vpp-conformance {}: running against {target} (seed {seed})", env!("CARGO_PKG_VERSION")).ok();

    let junit = Redacting { inner: junit, redactor: redactor.clone() };
    let json = Redacting { inner: json, redactor: redactor.clone() };
    let coloring = if config.color { writer::Coloring::Auto } else { writer::Coloring::Never };
    let writer = writer::Basic::raw(Redacting { inner: out.inner.clone(), redactor: redactor.clone() }, coloring, 0)
        .summarized()
        .tee::<VppWorld, _>(writer::JUnit::for_tee(junit, 0))
        .tee::<VppWorld, _>(writer::Json::for_tee(json))
        .normalized::<VppWorld>();
    let writer = levels::Levels::new(writer, config.strict, redactor.clone(), gate.clone());

    let results: Arc<Mutex<Vec<ScenarioResult>>> = Arc::default();
    let progress = Progress {
        total: selectable,
        done: Default::default(),
        failed: Default::default(),
        on_terminal: config.progress_on_terminal,
        out: out.inner.clone(),
    };
    let before_ctx = ctx.clone();
    let strict = config.strict;
    let after_results = results.clone();
    let after_gate = gate.clone();
    let max_failures = config.max_failures;
    let failures = std::sync::atomic::AtomicUsize::new(0);
    let runner = cucumber::runner::Basic::default()
        .max_concurrent_scenarios(Some(config.concurrency.max(1)))
        .steps(steps::collection());
    let cucumber =
        Cucumber::<VppWorld, _, (), _, _, cucumber::cli::Empty>::custom(EmbeddedFeatures(features), runner, writer)
            .fail_on_skipped()
            .with_default_cli()
            .before(move |_, _, scenario, world: &mut VppWorld| {
                world.ctx = Some(before_ctx.clone());
                world.scenario = catalog::scenario_id(&scenario.tags).unwrap_or_else(|| scenario.name.clone());
                futures::future::ready(()).boxed_local()
            })
            .after(move |feature, rule, scenario, finished, world| {
                // A step without a definition is a bug of the suite: it fails the run at any level.
                let level = match finished {
                    event::ScenarioFinished::StepSkipped => Level::Must,
                    _ => Level::of(feature, rule, scenario),
                };
                let (verdict, reason) = match finished {
                    event::ScenarioFinished::StepPassed => (Verdict::Passed, None),
                    event::ScenarioFinished::StepSkipped => (
                        Verdict::Failed,
                        Some("a step has no definition in this suite (a bug of the suite)".to_owned()),
                    ),
                    event::ScenarioFinished::StepFailed(_, _, err) => match not_run_reason(err, &after_gate) {
                        Some(why) => (Verdict::NotRun, Some(why)),
                        None => (Verdict::Failed, Some(step_error_text(err))),
                    },
                    event::ScenarioFinished::BeforeHookFailed(_) => {
                        (Verdict::Failed, Some("the before hook failed".to_owned()))
                    }
                };
                let reason = reason.map(|r| match world.as_ref().and_then(|w| w.ctx.as_ref()) {
                    Some(ctx) => ctx.client.redactor().redact(&r),
                    None => r,
                });
                let id = catalog::scenario_id(&scenario.tags).unwrap_or_default();
                let result = ScenarioResult {
                    name: catalog::plain_name(&id, &scenario.name).to_owned(),
                    id,
                    level,
                    verdict,
                    reason,
                    warnings: Vec::new(),
                };
                progress.scenario_done(&result, strict);
                if result.fails_run(strict)
                    && let Some(max) = max_failures
                    && failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 >= max
                {
                    after_gate.stop(Stop::MaxFailures(max));
                }
                after_results.lock().unwrap_or_else(|e| e.into_inner()).push(result);
                futures::future::ready(()).boxed_local()
            });
    let finished = cucumber.filter_run((), filter).await;
    use cucumber::writer::Stats as _;
    let harness_errors = finished.parsing_errors() + finished.hook_errors();
    drop(finished);

    let mut scenarios = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    for (id, warning) in ctx.take_warnings() {
        if let Some(s) = scenarios.iter_mut().find(|s| s.id == id) {
            s.warnings.push(warning);
        }
    }
    let order: Vec<String> = catalog::scenarios().into_iter().map(|s| s.id).collect();
    scenarios.sort_by_key(|s| order.iter().position(|id| *id == s.id).unwrap_or(usize::MAX));
    let stopped = gate.stopped();
    if let Some(url) = state_url {
        // An interrupted run ends now; a run stopped by --max-failures still cleans up.
        let teardown = match stopped {
            Some(Stop::Interrupted(_)) => Err("the run was interrupted".to_owned()),
            Some(Stop::MaxFailures(_)) => {
                let client = ctx.client.clone().with_gate(Arc::default());
                prepare::provider_state(&client, url, &config.tenant, prepare::StateAction::Teardown).await
            }
            None => prepare::provider_state(&ctx.client, url, &config.tenant, prepare::StateAction::Teardown).await,
        };
        if let Err(e) = teardown {
            notices.push(format!("the provider state was not torn down: {e}"));
        }
    }
    let outcome = RunOutcome { scenarios, harness_errors, target, seed, strict: config.strict, notices, stopped };
    write_summary(&mut out, &outcome);
    for (file, what) in [(junit_file, "--junit"), (json_file, "--json")] {
        if let Some(file) = file {
            commit_report(file, what)?;
        }
    }
    write_reports(config, report_files, &outcome, signing_key.as_ref(), &mut out)?;
    Ok(outcome)
}

/// Whether a scenario, its rule or its feature carries a tag (`@any-data` needs no provider
/// state; `@uem` needs the login).
fn has_tag(f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario, tag: &str) -> bool {
    f.tags.iter().chain(r.iter().flat_map(|r| &r.tags)).chain(&s.tags).any(|t| t == tag)
}

/// A password for the built-in reference, different in every run.
fn made_up_password() -> String {
    use sha2::Digest as _;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let digest = sha2::Sha256::digest(format!("{nanos}:{}", std::process::id()).as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

fn or_none(url: &str) -> &str {
    if url.is_empty() { "(none: scenarios skipped)" } else { url }
}

fn step_error_text(err: &event::StepError) -> String {
    match err {
        event::StepError::Panic(info) => info
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .or_else(|| info.downcast_ref::<NotRun>().map(|n| n.0.clone()))
            .unwrap_or_else(|| "the step panicked".to_owned()),
        other => other.to_string(),
    }
}

/// Why a step did not run to its end, when it is not the target's answer: a request the gate
/// refused or dropped (the run stopped, the target down), whether the step said so with
/// [`NotRun`] or in its own words.
fn not_run_reason(err: &event::StepError, gate: &Gate) -> Option<String> {
    match err {
        event::StepError::Panic(info) => match info.downcast_ref::<NotRun>() {
            Some(n) => Some(n.0.clone()),
            None => gate.not_run_reason(&step_error_text(err)),
        },
        _ => None,
    }
}

/// How far a run is: scenarios done out of those selected, and failures so far. On a terminal,
/// one status line on stderr, rewritten in place; elsewhere (CI logs) a plain line per scenario.
struct Progress {
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    failed: std::sync::atomic::AtomicUsize,
    on_terminal: bool,
    out: SharedOut,
}

impl Progress {
    fn scenario_done(&self, result: &ScenarioResult, strict: bool) {
        use std::sync::atomic::Ordering::SeqCst;
        let id = &result.id;
        let failed = result.fails_run(strict);
        let done = self.done.fetch_add(1, SeqCst) + 1;
        let failures = self.failed.fetch_add(usize::from(failed), SeqCst) + usize::from(failed);
        let verdict = match (&result.verdict, failed) {
            (Verdict::Passed, _) => "passed".to_owned(),
            (Verdict::NotRun, _) => "not run".to_owned(),
            (Verdict::Failed, true) => "failed".to_owned(),
            (Verdict::Failed, false) => format!("{} not met", result.level),
        };
        if self.on_terminal {
            let end = if done == self.total { "\n" } else { "" };
            eprint!("\r\x1b[K[{done}/{}] {failures} failed so far; {id} {verdict}{end}", self.total);
        } else {
            // One write per line, so it cannot interleave with cucumber's own output.
            let line =
                format!("progress: {done}/{} scenarios done, {failures} failed so far ({id} {verdict})\n", self.total);
            self.out.clone().write_all(line.as_bytes()).ok();
        }
    }
}

/// The certification reports the run was asked for, each sealed (and signed with a key).
fn write_reports(
    config: &RunConfig,
    files: Vec<PendingFile>,
    outcome: &RunOutcome,
    key: Option<&ed25519_dalek::SigningKey>,
    out: &mut impl Write,
) -> Result<(), ConfigError> {
    if files.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let data = crate::report::ReportData::from_outcome(outcome, config.tags.as_deref(), now);
    let seal = crate::report::seal::seal(&data, key);
    for file in files {
        let path = file.path().to_owned();
        let format = crate::report::Format::from_path(&path).expect("checked before the run");
        file.writer()
            .write_all(crate::report::render(format, &data, &seal).as_bytes())
            .and_then(|()| file.commit())
            .map_err(|e| ConfigError(format!("--report {}: cannot write the file ({e})", path.display())))?;
        writeln!(out, "Report written to {} (SHA-256 {})", path.display(), seal.digest).ok();
    }
    Ok(())
}

/// Warnings and the verdict, after cucumber's own summary.
fn write_summary(out: &mut impl Write, outcome: &RunOutcome) {
    let warned: Vec<&ScenarioResult> = outcome.scenarios.iter().filter(|s| !s.warnings.is_empty()).collect();
    if !warned.is_empty() {
        writeln!(out, "\nWarnings (the documentation leaves these open; they never fail a run):").ok();
        for s in warned {
            for w in &s.warnings {
                writeln!(out, "  [{}] {w}", s.id).ok();
            }
        }
    }
    let not_met: Vec<&ScenarioResult> = outcome.not_met().collect();
    if !not_met.is_empty() {
        writeln!(out, "\nNot met, without failing the run (SHOULD: a failure under --strict; INFO: observed only):")
            .ok();
        for s in &not_met {
            // What was expected and what came back, before the request and response details.
            let why: Vec<&str> = s
                .reason
                .as_deref()
                .unwrap_or("")
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("request:"))
                .filter(|l| !l.is_empty())
                .take(4)
                .collect();
            writeln!(out, "  [{}] {} {}: {}", s.id, s.level, s.name, why.join(" / ")).ok();
        }
    }
    // Not run, grouped by reason (one target down, or the interruption, explains them all).
    let mut not_run: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in outcome.not_run() {
        let reason = s.reason.as_deref().unwrap_or(crate::gate::NOT_RUN);
        match not_run.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, ids)) => ids.push(&s.id),
            None => not_run.push((reason, vec![&s.id])),
        }
    }
    let not_run_count: usize = not_run.iter().map(|(_, ids)| ids.len()).sum();
    if !not_run.is_empty() {
        writeln!(out, "\nNot run ({not_run_count}): the run cannot say whether the target meets these:").ok();
        for (reason, ids) in &not_run {
            writeln!(out, "  {reason}: {}", ids.join(", ")).ok();
        }
    }
    if let Some(Stop::MaxFailures(n)) = outcome.stopped {
        writeln!(out, "\nNOTICE: the run stopped after {n} failed scenario(s) (--max-failures {n})").ok();
    }
    for notice in &outcome.notices {
        writeln!(out, "\nNOTICE: {notice}").ok();
    }
    let failed: Vec<&ScenarioResult> = outcome.failed().collect();
    let total = outcome.scenarios.len();
    let not_run_text = if not_run_count == 0 { String::new() } else { format!("; {not_run_count} not run") };
    if let Some(signal) = outcome.stopped.and_then(Stop::signal) {
        let ids: Vec<&str> = failed.iter().map(|s| s.id.as_str()).collect();
        let ids = if ids.is_empty() { String::new() } else { format!(" ({})", ids.join(", ")) };
        writeln!(
            out,
            "\nVERDICT: INTERRUPTED by {}: {} of {total} scenarios finished, {} failed{ids}{not_run_text} ({})",
            signal.name(),
            total - not_run_count,
            failed.len(),
            outcome.target
        )
        .ok();
    } else if outcome.passed() {
        let met = total - not_met.len();
        let extra = if not_met.is_empty() { String::new() } else { format!("; {} SHOULD/INFO not met", not_met.len()) };
        writeln!(out, "\nVERDICT: PASS: {met} of {total} scenarios passed{extra} ({})", outcome.target).ok();
    } else {
        let ids: Vec<&str> = failed.iter().map(|s| s.id.as_str()).collect();
        writeln!(
            out,
            "\nVERDICT: FAIL: {} of {total} scenarios failed ({}){}{not_run_text}{}",
            failed.len(),
            ids.join(", "),
            if outcome.harness_errors > 0 {
                format!("; {} harness errors", outcome.harness_errors)
            } else {
                String::new()
            },
            format_args!(" ({})", outcome.target)
        )
        .ok();
    }
    out.flush().ok();
}
