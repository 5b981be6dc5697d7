//! One run, in named stages: select the scenarios, prepare the target (provider state, login),
//! execute the cucumber run with the suite's recorder, and collect the outcome. The runner
//! writes the live log (one line a finished scenario) and no file: the caller exports the
//! outcome (summary, reports) and computes the exit status from it.

pub mod output;
pub mod prepare;
mod progress;
mod record;
pub mod select;

pub use crate::outcome::{RunOutcome, ScenarioResult, Stop, Verdict};
pub use output::SharedOut;
pub use select::OPT_IN_TAG;

use crate::config::{ConfigError, Loaded, RunConfig};
use crate::gate::Gate;
use crate::http::Client;
use crate::outcome::{Ended, Expect, Selection as SelectionFacts, Waiver};
use crate::redact::Redactor;
use crate::steps::{self, RunContext, VppWorld};
use crate::sync::Locked;
use cucumber::Cucumber;
use cucumber::event::Retries;
use cucumber::runner::basic::RetryOptions;
use futures::FutureExt as _;
use output::Redacting;
use prepare::CanonicalDataMissing;
use record::{Recorded, Recorder, Records};
use select::{EmbeddedFeatures, Planned, Selection};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where a run writes as it goes, and what it shares with its caller.
pub struct RunIo {
    /// The live log: a line for each finished scenario.
    pub out: SharedOut,
    /// Every secret the run meets, to redact everything it prints.
    pub redactor: Redactor,
    /// Stops the run (a signal the caller watches for, `--max-failures`).
    pub gate: Arc<Gate>,
}

/// Runs the selected scenarios against `target`.
pub async fn run(config: &RunConfig, files: &Loaded, target: Target, io: RunIo) -> Result<RunOutcome, ConfigError> {
    let selection = Selection::of(config)?;
    // The steps the selection uses, compiled while the system's CA certificates are still being
    // read for the client; then its schemas, on a thread of their own while the first requests
    // are answered (started earlier, they held up the reading of the certificates on two cores).
    let texts = || selection.running().flat_map(|p| &p.steps).map(|s| s.text.as_str());
    let steps = steps::collection_for(texts());
    let client = prepare::target(config, files, &selection, &target, &io).await?;
    steps::compile_schemas_ahead(texts());
    let mut notices = target.notices(config);
    notices.extend(expired_waivers(config));
    let ctx = context(config, &selection, &target, client);
    let seed = ctx.seed;
    announce(config, &selection, &target, seed, &io);
    // The data check runs beside the scenarios: none waits for it.
    let data_check = prepare::data_check(&ctx, &selection);
    let gate = io.gate.clone();
    let records = execute(config, &selection, steps, ctx.clone(), io).await;
    let missing = match data_check {
        Some(check) => check.await.ok().flatten(),
        None => None,
    };
    let stopped = gate.stopped();
    let scenarios = collect(&selection.planned, records.finished, &ctx, missing.as_ref(), stopped, &waivers(config));
    if let Some(missing) = &missing {
        // First: it explains the failures the reports list after it.
        notices.insert(0, missing.notice.clone());
    }
    notices.extend(ctx.client.traffic().notices());
    let capacity = capacity(&ctx.client);
    let need_canonical_data = selection.running().any(|p| p.needs_canonical_data);
    if let Some(url) = target.state_url(config, need_canonical_data)
        && let Err(e) = prepare::tear_down(&ctx.client, url, &config.tenant, stopped).await
    {
        notices.push(format!("the provider state was not torn down: {e}"));
    }
    let mut outcome = RunOutcome {
        scenarios,
        harness_errors: records.harness_errors,
        target: target.described.clone(),
        seed,
        strict: config.strict,
        notices,
        stopped,
        profile: config.profile.as_str().to_owned(),
        waivers: waivers(config),
        expectations_digest: config.expectations.as_ref().map(|e| e.digest.clone()),
        capacity,
        selection: SelectionFacts {
            tags: config.tags.clone(),
            profile: config.profile.as_str().to_owned(),
            strict: config.strict,
            expectations_digest: config.expectations.as_ref().map(|e| e.digest.clone()),
            seed,
            vpp_target: target.vpp_base.clone(),
            uem_target: target.uem_base.clone(),
            scenarios: selection.whole.clone(),
            labels: config.labels.clone(),
        },
        part: config.shard.map(|s| crate::outcome::Part { index: s.index, total: s.total }),
        only_failed: config.only_failed.is_some(),
        latency: Some(ctx.client.traffic().latency),
    };
    outcome.classify();
    Ok(outcome)
}

fn waivers(config: &RunConfig) -> Vec<Waiver> {
    config.expectations.as_ref().map(|e| e.waivers.clone()).unwrap_or_default()
}

/// What the run says of each waiver past its expiry date: it no longer applies.
fn expired_waivers(config: &RunConfig) -> Vec<String> {
    let Some(expectations) = &config.expectations else { return Vec::new() };
    expectations
        .expired
        .iter()
        .map(|w| {
            format!(
                "the waiver of {} (expect = \"{}\") in {} expired on {}: it no longer applies, and {} is judged as \
                 if it had none (renew it with a reason, or remove it)",
                w.scenario,
                w.expect.as_str(),
                expectations.path.display(),
                w.expires.as_deref().unwrap_or("?"),
                w.scenario
            )
        })
        .collect()
}

/// Scenarios under way at once: they wait on their requests, which the adaptive limit of each
/// origin (within `--concurrency`) holds back as the target needs, so they all may start.
const SCENARIOS_AT_ONCE: usize = 64;

/// Scenarios under way at once: with `--concurrency 1`, one at a time, so that the run is serial
/// in every sense (one request, one scenario).
fn scenarios_at_once(concurrency: usize) -> usize {
    if concurrency <= 1 { 1 } else { SCENARIOS_AT_ONCE }
}

/// What every scenario of the run shares: where the targets are, the client, the seed (given,
/// or picked and printed), the budgets, and what the scenarios learn once for all.
fn context(config: &RunConfig, selection: &Selection, target: &Target, client: Client) -> Arc<RunContext> {
    let seed = config.seed.unwrap_or_else(|| derived_seed(&|name| std::env::var(name).ok()).0);
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
        needs_canonical_data: selection
            .planned
            .iter()
            .filter(|p| p.needs_canonical_data && p.uem)
            .map(|p| p.id.clone())
            .collect(),
    })
}

/// The CI systems' identifiers of one run of a pipeline: the same for every job and shard of it,
/// and for a job run again (never the attempt number), so that its parts still merge.
const CI_RUN_IDS: [&str; 3] = ["GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILD_TAG"];

/// The seed when `--seed` is not given, and where it came from: derived from the CI's run
/// identifier where one is set, else from the UTC date, so that every shard of one run (and
/// each API's half of a certificate) picks the same one without talking, and `merge` takes
/// them; a new pipeline, or a new day, explores other probes.
pub fn derived_seed(env: &dyn Fn(&str) -> Option<String>) -> (u64, String) {
    use sha2::Digest as _;
    let (text, from) = match CI_RUN_IDS.iter().find_map(|name| Some((*name, env(name).filter(|v| !v.is_empty())?))) {
        Some((name, value)) => (format!("{name}={value}"), format!("derived from {name}")),
        None => {
            let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
            (day.clone(), format!("derived from the UTC date {day}"))
        }
    };
    let digest = sha2::Sha256::digest(text.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    (n % 1_000_000_000, from)
}

/// The run's first lines: the suite, the target, the profile and the seed; what narrowed the
/// selection.
fn announce(config: &RunConfig, selection: &Selection, target: &Target, seed: u64, io: &RunIo) {
    if config.quiet {
        return;
    }
    let mut out = Redacting { inner: io.out.clone(), redactor: io.redactor.clone() };
    let profile = match config.profile {
        crate::config::Profile::Live => " in the live profile",
        crate::config::Profile::Full => "",
    };
    let from = match config.seed {
        Some(_) => String::new(),
        None => format!(", {}; --seed to choose", derived_seed(&|name| std::env::var(name).ok()).1),
    };
    writeln!(
        out,
        "vpp-conformance {}: running {} scenario(s) against {}{profile} (seed {seed}{from})",
        env!("CARGO_PKG_VERSION"),
        selection.planned.len(),
        target.described
    )
    .ok();
    if !config.labels.is_empty() {
        writeln!(out, "labels: {}", crate::outcome::labels_text(&config.labels)).ok();
    }
    if let Some(note) = &selection.narrowed {
        writeln!(out, "{note}").ok();
    }
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

/// How many times a scenario with a `flaky` waiver runs, at most, when it keeps failing.
pub const FLAKY_ATTEMPTS: usize = 3;

/// Runs cucumber over the selection with the suite's recorder, and returns what it recorded.
async fn execute(
    config: &RunConfig,
    selection: &Selection,
    steps: cucumber::step::Collection<VppWorld>,
    ctx: Arc<RunContext>,
    io: RunIo,
) -> Records {
    let waivers = waivers(config);
    let progress = progress::Progress {
        total: selection.running().count(),
        done: 0,
        failed: 0,
        on_terminal: config.progress_on_terminal,
    };
    let out = (!config.quiet).then(|| io.out.clone());
    let recorder = Recorder::new(
        &selection.planned,
        waivers.clone(),
        config.strict,
        ctx.clone(),
        io.gate.clone(),
        config.max_failures,
        progress,
        out,
    );
    let records = recorder.records.clone();
    let flaky: Vec<(String, usize)> = waivers
        .iter()
        .filter(|w| w.expect == Expect::Flaky)
        .map(|w| (w.scenario.clone(), w.attempts.map_or(FLAKY_ATTEMPTS, |a| a as usize).max(1)))
        .collect();
    let runner = cucumber::runner::Basic::default()
        .max_concurrent_scenarios(Some(scenarios_at_once(config.concurrency)))
        .steps(steps)
        .retry_options(move |_, _, scenario, _| {
            let id = crate::catalog::scenario_id(&scenario.tags)?;
            let (_, attempts) = flaky.iter().find(|(s, _)| *s == id)?;
            Some(RetryOptions { retries: Retries::initial(attempts - 1), after: None })
        });
    let before_ctx = ctx.clone();
    let filter = selection.filter.clone();
    // The longest scenarios first: the @any-data ones send most requests one after another, and
    // started last they would stand alone at the end of the run. Outputs keep catalogue order.
    let mut features = selection.features.clone();
    features.sort_by_key(|f| !f.tags.iter().any(|t| t == select::ANY_DATA_TAG));
    Cucumber::<VppWorld, _, (), _, _, cucumber::cli::Empty>::custom(EmbeddedFeatures(features), runner, recorder)
        .with_default_cli()
        .before(move |_, _, scenario, world: &mut VppWorld| {
            world.ctx = Some(before_ctx.clone());
            world.scenario = crate::catalog::scenario_id(&scenario.tags).unwrap_or_else(|| scenario.name.clone());
            futures::future::ready(()).boxed_local()
        })
        .filter_run((), move |f, r, s| filter(f, r, s))
        .await;
    std::mem::take(&mut *records.locked())
}

/// Every planned scenario's result, in the catalogue's order: as it ran, or not run (a scenario
/// cucumber never finished: the run stopped; one a `skip` waiver kept out). Warnings only from
/// scenarios that ran; a failure the missing data set explains says so.
fn collect(
    planned: &[Planned],
    mut finished: std::collections::HashMap<String, Recorded>,
    ctx: &RunContext,
    missing: Option<&CanonicalDataMissing>,
    stopped: Option<Stop>,
    waivers: &[Waiver],
) -> Vec<ScenarioResult> {
    let mut warnings = group(ctx.take_warnings());
    let mut coverage = group(ctx.take_coverage());
    let traffic = ctx.client.traffic();
    // Each scenario's retries, said once per cause with a count: a restart can mean hundreds.
    let mut retried: std::collections::HashMap<&str, Vec<(crate::outcome::TransportKind, &str)>> = Default::default();
    for (scenario, kind, note) in traffic.credited() {
        retried.entry(scenario).or_default().push((kind, note));
    }
    planned
        .iter()
        .map(|p| {
            let recorded = finished.remove(&p.id);
            let flaky_waiver = waivers.iter().find(|w| w.scenario == p.id && w.expect == Expect::Flaky);
            let missing = missing.map(|m| m.summary.as_str());
            let ended = record::ended(p, recorded.as_ref(), stopped, missing, flaky_waiver);
            let ran = !matches!(ended, Ended::NotRun(_));
            let steps = record::steps(p, recorded.as_ref(), &ended);
            ScenarioResult {
                id: p.id.clone(),
                name: p.name.clone(),
                level: p.level,
                feature: p.feature.clone(),
                warnings: if ran { warnings.remove(&p.id).unwrap_or_default() } else { Vec::new() },
                coverage: if ran { coverage.remove(&p.id).unwrap_or_default() } else { Vec::new() },
                flaky: retried
                    .remove(p.id.as_str())
                    .map(|notes| crate::http::politeness::once_per_cause(notes.into_iter()))
                    .unwrap_or_default(),
                failed_attempts: recorded.as_ref().map(|r| r.failed_attempts.clone()).unwrap_or_default(),
                duration_ms: recorded.as_ref().map_or(0, |r| r.duration_ms),
                started_at: recorded.as_ref().map(|r| r.started_at),
                steps,
                ended,
                status: crate::outcome::Status::Pass,
            }
        })
        .collect()
}

/// (scenario, text) pairs grouped by scenario, in the order they came.
fn group(pairs: Vec<(String, String)>) -> std::collections::HashMap<String, Vec<String>> {
    let mut by: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (id, text) in pairs {
        by.entry(id).or_default().push(text);
    }
    by
}

/// What the run learned of each target's capacity, in words.
fn capacity(client: &Client) -> Vec<String> {
    client
        .capacity()
        .into_iter()
        .filter_map(|learned| {
            let (origin, s) = (learned.origin, learned.limit);
            let floor = s.floor?;
            let timed_out = if s.timed_out { "; a request timed out" } else { "" };
            let shared = match learned.shared {
                0 => String::new(),
                n => format!("; {n} identical GET request(s) took the outcome of the one sent"),
            };
            Some(format!(
                "{origin} served up to {} request(s) at once without queueing (learned from its latencies, within a \
                 ceiling of {}: --concurrency, lowered where its answers are large); fastest answer {}{timed_out}{shared}",
                s.max_unqueued.max(1),
                s.ceiling,
                latency(floor)
            ))
        })
        .collect()
}

/// A latency in words: milliseconds, or under one.
fn latency(d: std::time::Duration) -> String {
    if d < std::time::Duration::from_millis(1) { "under 1ms".to_owned() } else { format!("{}ms", d.as_millis()) }
}

fn or_none(url: &str) -> &str {
    if url.is_empty() { "(none: scenarios skipped)" } else { url }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_of_one_ci_run_derive_one_seed_and_a_rerun_keeps_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        let github = derived_seed(&env(&[("GITHUB_RUN_ID", "123"), ("GITHUB_RUN_ATTEMPT", "1")]));
        let rerun = derived_seed(&env(&[("GITHUB_RUN_ID", "123"), ("GITHUB_RUN_ATTEMPT", "2")]));
        assert_eq!(github, rerun, "the attempt number never changes the seed");
        assert_eq!(github.1, "derived from GITHUB_RUN_ID");
        assert_ne!(github.0, derived_seed(&env(&[("GITHUB_RUN_ID", "124")])).0, "another pipeline, another seed");
        assert_eq!(derived_seed(&env(&[("CI_PIPELINE_ID", "9")])).1, "derived from CI_PIPELINE_ID");
        let local = derived_seed(&env(&[]));
        assert!(local.1.starts_with("derived from the UTC date "), "{}", local.1);
        assert_eq!(local, derived_seed(&env(&[])), "the same day, the same seed");
        assert!(github.0 < 1_000_000_000);
    }
}
