//! One run, in named stages: select the scenarios, prepare the target (provider state, login),
//! execute the cucumber run with the suite's writers, and collect the outcome. The runner writes the live output (cucumber's
//! terminal writer and progress) and no file: the caller exports the outcome (summary, reports)
//! and computes the exit status from it.

mod levels;
pub mod output;
pub mod prepare;
mod progress;
pub mod select;

pub use crate::outcome::{RunOutcome, ScenarioResult, Stop, Verdict};
pub use output::SharedOut;
pub use select::OPT_IN_TAG;

use crate::catalog::{self, Level};
use crate::client::{Client, ClientOptions};
use crate::config::{ConfigError, Loaded, RunConfig};
use crate::gate::{Gate, NotRun};
use crate::redact::Redactor;
use crate::steps::{self, RunContext, VppWorld};
use cucumber::{Cucumber, WriterExt as _, event, gherkin, writer};
use futures::FutureExt as _;
use output::Redacting;
use progress::Progress;
use select::{EmbeddedFeatures, has_tag, scenario_filter};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where a run writes as it goes, and what it shares with its caller.
pub struct RunIo {
    /// The live output: cucumber's terminal writer and progress lines.
    pub out: SharedOut,
    /// Where cucumber's JUnit and Cucumber JSON writers write.
    pub junit: Box<dyn Write>,
    pub json: Box<dyn Write>,
    /// Every secret the run meets, to redact everything it prints.
    pub redactor: Redactor,
    /// Stops the run (a signal the caller watches for, `--max-failures`).
    pub gate: Arc<Gate>,
}

/// Runs the selected scenarios against `target`.
pub async fn run(config: &RunConfig, files: &Loaded, target: Target, io: RunIo) -> Result<RunOutcome, ConfigError> {
    let selection = Selection::of(config)?;
    let client = prepare(config, files, &selection, &target, &io).await?;
    let mut notices = target.notices(config);
    let ctx = context(config, &selection, &target, client);
    let seed = ctx.seed;
    announce(config, &selection, &target, seed, &io);
    let gate = io.gate.clone();
    let need_canonical_data = selection.need_canonical_data;
    let skipped_by_waiver = selection.skipped_by_waiver.clone();
    let (mut results, harness_errors) = execute(config, selection, ctx.clone(), io).await;
    results.extend(skipped_by_waiver);
    let scenarios = collect(results, &ctx);
    if let Some(Some(missing)) = ctx.canonical_data_missing.get() {
        // First: it explains the failures the reports list after it.
        notices.insert(0, missing.notice.clone());
    }
    let stopped = gate.stopped();
    notices.extend(ctx.client.traffic().notices());
    if let Some(url) = target.state_url(config, need_canonical_data)
        && let Err(e) = tear_down(&ctx.client, url, &config.tenant, stopped).await
    {
        notices.push(format!("the provider state was not torn down: {e}"));
    }
    Ok(RunOutcome {
        scenarios,
        harness_errors,
        target: target.described,
        seed,
        strict: config.strict,
        notices,
        stopped,
        profile: config.profile.as_str().to_owned(),
        waivers: config.expectations.as_ref().map(|e| e.waivers.clone()).unwrap_or_default(),
        expectations_digest: config.expectations.as_ref().map(|e| e.digest.clone()),
    })
}

/// Requests under way at once per scenario that may run at once (`--concurrency`).
const IN_FLIGHT_PER_SCENARIO: usize = 4;

/// How the notice of a target without the canonical data set begins.
const CANONICAL_DATA_NOTICE: &str = "the target does not hold the canonical data set";

/// Asks the target for the canonical data set, once, when the first scenario that needs it is
/// about to start (the others wait for the answer; scenarios that need no data go on meanwhile),
/// and says so on `out` at once when it lacks any of it.
async fn check_canonical_data(ctx: &RunContext, out: &mut impl Write) {
    ctx.canonical_data_missing
        .get_or_init(|| async {
            let gaps = prepare::canonical_data_gaps(&ctx.client, &ctx.uem_base, &ctx.tenant).await.err()?;
            let notice = canonical_data_notice(&gaps);
            writeln!(out, "NOTICE: {notice}").ok();
            Some(crate::steps::CanonicalDataMissing {
                summary: format!("{} of {} canonical accounts missing or different", gaps.len(), catalog_accounts()),
                notice,
            })
        })
        .await;
}

fn catalog_accounts() -> usize {
    crate::checks::accounts::canonical_accounts().len()
}

/// What a run says once when the target lacks the canonical data set: what is missing, and how
/// to go on.
fn canonical_data_notice(gaps: &[String]) -> String {
    format!(
        "{CANONICAL_DATA_NOTICE} that the @sample and @rule scenarios need ({} of {} accounts missing or different: {}). \
         Load it first (`vpp-conformance fixtures` prints it in the format `serve --accounts` reads; \
         `--state-setup-url` loads it through a provider-state endpoint), or certify a live service with \
         `--profile live`, which runs only the scenarios that need no particular data.",
        gaps.len(),
        catalog_accounts(),
        gaps.join("; ")
    )
}

/// Whether a scenario (with its feature and rule) is selected.
type Filter = Box<dyn Fn(&gherkin::Feature, Option<&gherkin::Rule>, &gherkin::Scenario) -> bool>;

/// What every scenario of the run shares: where the targets are, the client, the seed (given,
/// or picked and printed), the budgets, and what the scenarios learn once for all.
fn context(config: &RunConfig, selection: &Selection, target: &Target, client: Client) -> Arc<RunContext> {
    let seed = config.seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
            % 1_000_000_000
    });
    Arc::new(RunContext {
        vpp_base: target.vpp_base.clone(),
        uem_base: target.uem_base.clone(),
        tenant: config.tenant.clone(),
        second_tenant: config.second_tenant.clone(),
        client,
        seed,
        max_requests: config.max_requests.max(1),
        concurrency: config.concurrency.max(1),
        warnings: Mutex::default(),
        coverage: Mutex::default(),
        listing: Default::default(),
        canonical_data_missing: Default::default(),
        needs_canonical_data: selection.canonical_uem.clone(),
        retried: Mutex::default(),
    })
}

/// The run's first lines: the suite, the target, the profile and the seed; what narrowed the
/// selection.
fn announce(config: &RunConfig, selection: &Selection, target: &Target, seed: u64, io: &RunIo) {
    let mut out = Redacting { inner: io.out.clone(), redactor: io.redactor.clone() };
    let profile = match config.profile {
        crate::config::Profile::Live => " in the live profile",
        crate::config::Profile::Full => "",
    };
    writeln!(
        out,
        "vpp-conformance {}: running against {}{profile} (seed {seed})",
        env!("CARGO_PKG_VERSION"),
        target.described
    )
    .ok();
    if let Some(note) = &selection.narrowed {
        writeln!(out, "{note}").ok();
    }
}

/// The scenarios a run selects, and what they need of the target.
struct Selection {
    features: Vec<gherkin::Feature>,
    filter: Filter,
    selected: usize,
    /// A scenario needs the canonical data set (all but `@any-data`): a provider state.
    need_canonical_data: bool,
    /// A UEM scenario is selected: the login.
    need_uem: bool,
    /// The UEM scenarios that need the canonical data set, by ID.
    canonical_uem: std::collections::HashSet<String>,
    /// The scenarios a `skip` waiver keeps out, reported as waived.
    skipped_by_waiver: Vec<ScenarioResult>,
    /// What `--shard` and `--only-failed` left of the selection, when given.
    narrowed: Option<String>,
}

impl Selection {
    fn of(config: &RunConfig) -> Result<Self, ConfigError> {
        // An API without a target is left out rather than failed: testing one service alone is normal.
        let skip_api = match (config.uses_reference(), &config.vpp_base_url, &config.uem_base_url) {
            (false, None, Some(_)) => Some("apple-vpp"),
            (false, Some(_), None) => Some("uem"),
            _ => None,
        };
        let features = catalog::features();
        let live = config.profile == crate::config::Profile::Live;
        let filter = scenario_filter(&features, config.tags.as_deref(), skip_api, live)?;
        let tagged: Vec<(String, bool, bool)> = features
            .iter()
            .flat_map(|f| {
                let plain = f.scenarios.iter().map(move |s| (f, None, s));
                let ruled = f.rules.iter().flat_map(move |r| r.scenarios.iter().map(move |s| (f, Some(r), s)));
                plain.chain(ruled).filter(|(f, r, s)| filter(f, *r, s)).map(|(f, r, s)| {
                    let id = catalog::scenario_id(&s.tags).unwrap_or_default();
                    (id, !has_tag(f, r, s, select::ANY_DATA_TAG), has_tag(f, r, s, "uem"))
                })
            })
            .collect();
        if tagged.is_empty() {
            return Err(ConfigError(format!(
                "--tags {:?} selects no scenario (see `vpp-conformance list`){}",
                config.tags.as_deref().unwrap_or_default(),
                if live { " in the live profile" } else { "" }
            )));
        }
        let (kept, narrowed) = narrow(config, &tagged.iter().map(|(id, _, _)| id.clone()).collect::<Vec<_>>())?;
        let waivers = config.expectations.as_ref().map(|e| e.waivers.as_slice()).unwrap_or_default();
        let skipped =
            |id: &String| waivers.iter().any(|w| &w.scenario == id && w.expect == crate::outcome::Expect::Skip);
        let run: Vec<&(String, bool, bool)> =
            tagged.iter().filter(|(id, _, _)| kept.contains(id) && !skipped(id)).collect();
        let infos = catalog::scenarios();
        let skipped_by_waiver = kept
            .iter()
            .filter(|id| skipped(id))
            .filter_map(|id| infos.iter().find(|i| &i.id == id))
            .map(|info| ScenarioResult {
                id: info.id.clone(),
                name: info.name.clone(),
                level: info.level,
                verdict: Verdict::NotRun,
                reason: Some(crate::outcome::SKIPPED_BY_WAIVER.to_owned()),
                warnings: Vec::new(),
                coverage: Vec::new(),
                flaky: Vec::new(),
            })
            .collect();
        let run_ids: std::collections::HashSet<String> = run.iter().map(|(id, _, _)| id.clone()).collect();
        Ok(Self {
            selected: run.len(),
            need_canonical_data: run.iter().any(|(_, canonical, _)| *canonical),
            need_uem: run.iter().any(|(_, _, uem)| *uem),
            canonical_uem: run.iter().filter(|(_, c, u)| *c && *u).map(|(id, _, _)| id.clone()).collect(),
            features,
            filter: Box::new(move |f, r, s| {
                filter(f, r, s) && catalog::scenario_id(&s.tags).is_some_and(|id| run_ids.contains(&id))
            }),
            skipped_by_waiver,
            narrowed,
        })
    }
}

/// The selection narrowed by `--shard` and `--only-failed`, and what to say about it.
fn narrow(config: &RunConfig, selected: &[String]) -> Result<(Vec<String>, Option<String>), ConfigError> {
    let mut kept = selected.to_vec();
    let mut said = Vec::new();
    if let Some(shard) = config.shard {
        kept = select::shard_part(&kept, shard);
        said.push(format!("shard {shard}: {} of the {} selected scenarios", kept.len(), selected.len()));
    }
    if let Some(previous) = &config.only_failed {
        let before = kept.len();
        kept = select::only_failed(&kept, previous)?;
        said.push(format!(
            "--only-failed: {} of {before} scenarios, those {} did not pass",
            kept.len(),
            previous.display()
        ));
    }
    let mut note = (!said.is_empty()).then(|| said.join("; "));
    if kept.is_empty()
        && let Some(n) = &mut note
    {
        n.push_str(": nothing to run here (not an error)");
    }
    Ok((kept, note))
}

/// Where the run sends its requests: the configured base URLs, or a target the caller started
/// (the built-in reference, which the runner knows nothing of).
#[derive(Debug, Clone)]
pub struct Target {
    pub vpp_base: String,
    pub uem_base: String,
    /// The UEM login, when the target wants one.
    pub login: Option<crate::config::UemLogin>,
    /// As the output and the reports name it.
    pub described: String,
    /// Reached directly, never through a proxy of the environment (a target on this machine the
    /// caller started: reqwest would send even loopback requests through a proxy).
    pub direct: bool,
}

impl Target {
    /// The target the configuration names.
    pub fn configured(config: &RunConfig) -> Self {
        let vpp_base = config.vpp_base_url.clone().unwrap_or_default();
        let uem_base = config.uem_base_url.clone().unwrap_or_default();
        let described = if vpp_base == uem_base {
            vpp_base.clone()
        } else {
            format!("Apple VPP: {}; UEM: {}", or_none(&vpp_base), or_none(&uem_base))
        };
        Self { vpp_base, uem_base, login: config.uem_login.clone(), described, direct: false }
    }

    /// The provider-state URL, when the selection needs the canonical data set.
    fn state_url<'c>(&self, config: &'c RunConfig, need_canonical_data: bool) -> Option<&'c str> {
        config.state_setup_url.as_deref().filter(|_| need_canonical_data)
    }

    /// What every reader of the results must be told.
    fn notices(&self, config: &RunConfig) -> Vec<String> {
        let mut notices = Vec::new();
        if config.insecure {
            notices.push(
                "TLS certificates were NOT verified (--insecure): this run cannot tell the real target from an impostor"
                    .to_owned(),
            );
        }
        notices
    }
}

/// The run's client, after the target is prepared: the canonical data set set up (a provider
/// state) and the UEM login done, its `Authorization` sent to the UEM target only.
async fn prepare(
    config: &RunConfig,
    files: &Loaded,
    selection: &Selection,
    target: &Target,
    io: &RunIo,
) -> Result<Client, ConfigError> {
    // Tokens of the canonical data set show as fingerprints too, so expected and actual values in
    // a message are written the same way.
    io.redactor.learn_tokens_in_value(catalog::accounts_fixture());
    let client = Client::new(
        ClientOptions {
            timeout: config.timeout,
            headers: config.headers.clone(),
            ca_certs: files.ca_certs.clone(),
            insecure: config.insecure,
            proxies_from_env: !target.direct,
            max_body_bytes: config.max_body_bytes,
            // Each of --concurrency scenarios may have a few requests under way (an @any-data
            // scenario asks many): enough to keep a distant target busy, few enough that the
            // bodies held at once stay bounded (a date query on 50 000 accounts is megabytes).
            max_in_flight: config.concurrency.max(1) * IN_FLIGHT_PER_SCENARIO,
            rate_limit: config.rate_limit,
            max_retry_after: config.max_retry_after,
            retries: config.retries,
            identity_pem: files.identity_pem.clone(),
        },
        io.redactor.clone(),
    )
    .map_err(ConfigError)?
    .with_gate(io.gate.clone());
    let state_url = target.state_url(config, selection.need_canonical_data);
    if let Some(url) = state_url {
        prepare::provider_state(&client, url, &config.tenant, prepare::StateAction::Setup)
            .await
            .map_err(|e| ConfigError(format!("the target cannot be prepared: {e}")))?;
    }
    let Some(login) = target.login.as_ref().filter(|_| selection.need_uem && !target.uem_base.is_empty()) else {
        return Ok(client);
    };
    match prepare::log_in(&client, &target.uem_base, &config.tenant, login).await {
        Ok(value) => {
            let scope = format!("{}/{}/", target.uem_base, crate::steps::common::tenant_segment(&config.tenant));
            Ok(client.with_scoped_header(&scope, "Authorization", &value))
        }
        Err(e) => {
            if let Some(url) = state_url {
                prepare::provider_state(&client, url, &config.tenant, prepare::StateAction::Teardown).await.ok();
            }
            Err(ConfigError(format!("the target cannot be prepared: {e}")))
        }
    }
}

/// The provider state taken down after the run: an interrupted run ends now; a run stopped by
/// `--max-failures` still cleans up, through a gate that lets the request go.
async fn tear_down(client: &Client, url: &str, tenant: &str, stopped: Option<Stop>) -> Result<(), String> {
    match stopped {
        Some(Stop::Interrupted(_)) => Err("the run was interrupted".to_owned()),
        Some(Stop::MaxFailures(_)) => {
            let client = client.clone().with_gate(Arc::default());
            prepare::provider_state(&client, url, tenant, prepare::StateAction::Teardown).await
        }
        None => prepare::provider_state(client, url, tenant, prepare::StateAction::Teardown).await,
    }
}

/// Runs cucumber over the selection with the suite's writers (terminal, JUnit and Cucumber JSON,
/// tee'd behind the levels), and returns each scenario's result as it finished and the count of
/// harness errors (features that did not parse, hooks that failed).
async fn execute(
    config: &RunConfig,
    selection: Selection,
    ctx: Arc<RunContext>,
    io: RunIo,
) -> (Vec<ScenarioResult>, usize) {
    let Selection { features, filter, selected, .. } = selection;
    let waivers = config.expectations.as_ref().map(|e| e.waivers.clone()).unwrap_or_default();
    let recorder = Recorder::new(config, selected, &io, waivers.clone());
    let results = recorder.results.clone();
    let redacting = |inner| Redacting { inner, redactor: io.redactor.clone() };
    let coloring = if config.color { writer::Coloring::Auto } else { writer::Coloring::Never };
    let writer = writer::Basic::raw(redacting(Box::new(io.out.clone()) as Box<dyn Write>), coloring, 0)
        .summarized()
        .tee::<VppWorld, _>(writer::JUnit::for_tee(redacting(io.junit), 0))
        .tee::<VppWorld, _>(writer::Json::for_tee(redacting(io.json)))
        .normalized::<VppWorld>();
    let writer = levels::Levels::new(writer, config.strict, io.redactor.clone(), io.gate.clone())
        .with_retries(ctx.clone())
        .with_waivers(waivers.clone());
    let runner = cucumber::runner::Basic::default()
        .max_concurrent_scenarios(Some(config.concurrency.max(1)))
        .steps(steps::collection());
    let before_ctx = ctx.clone();
    let before_out = io.out.clone();
    let before_redactor = io.redactor.clone();
    let finished =
        Cucumber::<VppWorld, _, (), _, _, cucumber::cli::Empty>::custom(EmbeddedFeatures(features), runner, writer)
            .fail_on_skipped()
            .with_default_cli()
            .before(move |_, _, scenario, world: &mut VppWorld| {
                world.ctx = Some(before_ctx.clone());
                world.scenario = catalog::scenario_id(&scenario.tags).unwrap_or_else(|| scenario.name.clone());
                let ctx = before_ctx.clone();
                let needs_data = ctx.needs_canonical_data.contains(&world.scenario) && !ctx.uem_base.is_empty();
                let mut out = Redacting { inner: before_out.clone(), redactor: before_redactor.clone() };
                async move {
                    if needs_data {
                        check_canonical_data(&ctx, &mut out).await;
                    }
                }
                .boxed_local()
            })
            .after(move |feature, rule, scenario, finished, world| {
                recorder.record(feature, rule, scenario, finished, world.map(|w| &*w));
                futures::future::ready(()).boxed_local()
            })
            .filter_run((), move |f, r, s| filter(f, r, s))
            .await;
    use cucumber::writer::Stats as _;
    let harness_errors = finished.parsing_errors() + finished.hook_errors();
    drop(finished);
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    (results, harness_errors)
}

/// Turns each finished scenario into its result: progress, `--max-failures`, the result list.
struct Recorder {
    progress: Progress,
    strict: bool,
    gate: Arc<Gate>,
    max_failures: Option<usize>,
    failures: std::sync::atomic::AtomicUsize,
    results: Arc<Mutex<Vec<ScenarioResult>>>,
    /// A failure a waiver covers does not count towards `--max-failures`.
    waivers: Vec<crate::outcome::Waiver>,
}

impl Recorder {
    fn new(config: &RunConfig, selected: usize, io: &RunIo, waivers: Vec<crate::outcome::Waiver>) -> Self {
        Self {
            progress: Progress {
                total: selected,
                done: Default::default(),
                failed: Default::default(),
                on_terminal: config.progress_on_terminal,
                out: io.out.clone(),
            },
            strict: config.strict,
            gate: io.gate.clone(),
            max_failures: config.max_failures,
            failures: Default::default(),
            results: Arc::default(),
            waivers,
        }
    }

    fn record(
        &self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
        finished: &event::ScenarioFinished,
        world: Option<&VppWorld>,
    ) {
        // A step without a definition is a bug of the suite: it fails the run at any level.
        let level = match finished {
            event::ScenarioFinished::StepSkipped => Level::Must,
            _ => Level::of(feature, rule, scenario),
        };
        let (verdict, reason) = match finished {
            event::ScenarioFinished::StepPassed => (Verdict::Passed, None),
            event::ScenarioFinished::StepSkipped => {
                (Verdict::Failed, Some("a step has no definition in this suite (a bug of the suite)".to_owned()))
            }
            event::ScenarioFinished::StepFailed(_, _, err) => match not_run_reason(err, &self.gate) {
                Some(why) => (Verdict::NotRun, Some(why)),
                None => (Verdict::Failed, Some(step_error_text(err))),
            },
            event::ScenarioFinished::BeforeHookFailed(_) => {
                (Verdict::Failed, Some("the before hook failed".to_owned()))
            }
        };
        let reason = reason.map(|r| match world.and_then(|w| w.ctx.as_ref()) {
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
            coverage: Vec::new(),
            flaky: Vec::new(),
        };
        self.progress.scenario_done(&result, self.strict);
        if result.fails_run(self.strict)
            && !crate::outcome::is_waived(&result, self.waivers.iter().find(|w| w.scenario == result.id))
            && let Some(max) = self.max_failures
            && self.failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 >= max
        {
            self.gate.stop(Stop::MaxFailures(max));
        }
        self.results.lock().unwrap_or_else(|e| e.into_inner()).push(result);
    }
}

/// The results with their warnings, in the catalogue's order.
fn collect(mut scenarios: Vec<ScenarioResult>, ctx: &RunContext) -> Vec<ScenarioResult> {
    for (id, warning) in ctx.take_warnings() {
        if let Some(s) = scenarios.iter_mut().find(|s| s.id == id) {
            s.warnings.push(warning);
        }
    }
    for (id, note) in ctx.take_coverage() {
        if let Some(s) = scenarios.iter_mut().find(|s| s.id == id) {
            s.coverage.push(note);
        }
    }
    for (id, retried) in ctx.take_retried() {
        if let Some(s) = scenarios.iter_mut().find(|s| s.id == id) {
            s.flaky.push(retried);
        }
    }
    let order: std::collections::HashMap<String, usize> =
        catalog::scenarios().into_iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    scenarios.sort_by_key(|s| order.get(&s.id).copied().unwrap_or(usize::MAX));
    scenarios
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
