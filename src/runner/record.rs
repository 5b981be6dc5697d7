//! The run's one cucumber writer: it turns cucumber's events into each scenario's record (how
//! it ended, each step, the attempts a `flaky` waiver asked for), prints one line a scenario as
//! it finishes, and stops the run at `--max-failures`. How a step ended is read from the typed
//! payload it failed with (a [`Failure`] or a [`NotRun`]), never from words. And the records
//! read back: how each planned scenario ended and what became of its steps.

use super::output::SharedOut;
use super::progress::Progress;
use super::select::Planned;
use crate::catalog;
use crate::gate::Gate;
use crate::outcome::{Ended, Failure, NotRun, ScenarioResult, StepRan, StepRecord, Stop, Waiver, classify};
use crate::steps::{RunContext, VppWorld};
use crate::sync::Locked;
use cucumber::event::{self, Cucumber, Feature, RetryableScenario, Rule, Scenario, Step, StepError};
use cucumber::{Event, Writer, gherkin, parser, writer};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the run learned of each scenario, shared with the runner.
#[derive(Debug, Default)]
pub struct Records {
    /// The last attempt of each scenario that finished, by ID.
    pub finished: HashMap<String, Recorded>,
    /// Features that did not parse: the run cannot be trusted.
    pub harness_errors: usize,
}

/// A scenario as it ran.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// When its last attempt started, in milliseconds since the Unix epoch.
    pub started_at: u64,
    pub ended: Ended,
    /// Each step's fate and time, by (background, line).
    pub steps: HashMap<(bool, usize), (StepRan, u64)>,
    pub failed_attempts: Vec<Failure>,
    pub duration_ms: u64,
}

/// The attempt under way of one scenario.
struct Attempt {
    started: Instant,
    started_at: u64,
    step_started: Option<Instant>,
    ended: Option<Ended>,
    steps: HashMap<(bool, usize), (StepRan, u64)>,
}

impl Attempt {
    fn new() -> Self {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let started_at = since_epoch.as_millis() as u64;
        Self { started: Instant::now(), started_at, step_started: None, ended: None, steps: HashMap::new() }
    }
}

/// See the module documentation.
pub struct Recorder {
    pub records: Arc<Mutex<Records>>,
    attempts: HashMap<String, Attempt>,
    failed_attempts: HashMap<String, Vec<Failure>>,
    planned: HashMap<String, Planned>,
    waivers: Vec<Waiver>,
    strict: bool,
    ctx: Arc<RunContext>,
    gate: Arc<Gate>,
    max_failures: Option<usize>,
    failures: usize,
    progress: Progress,
    /// Where the line of each finished scenario goes (`None` with `--quiet`).
    out: Option<SharedOut>,
    /// The origins found down whose one cause the log said: their scenarios get no line each.
    said_down: std::collections::HashSet<String>,
}

impl Recorder {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        planned: &[Planned],
        waivers: Vec<Waiver>,
        strict: bool,
        ctx: Arc<RunContext>,
        gate: Arc<Gate>,
        max_failures: Option<usize>,
        progress: Progress,
        out: Option<SharedOut>,
    ) -> Self {
        Self {
            records: Arc::default(),
            attempts: HashMap::new(),
            failed_attempts: HashMap::new(),
            planned: planned.iter().map(|p| (p.id.clone(), p.clone())).collect(),
            waivers,
            strict,
            ctx,
            gate,
            max_failures,
            failures: 0,
            progress,
            out,
            said_down: Default::default(),
        }
    }

    fn scenario_event(&mut self, scenario: &gherkin::Scenario, ev: RetryableScenario<VppWorld>) {
        let Some(id) = catalog::scenario_id(&scenario.tags) else { return };
        let RetryableScenario { event, retries } = ev;
        match event {
            Scenario::Started => {
                self.attempts.insert(id, Attempt::new());
            }
            Scenario::Hook(_, event::Hook::Failed(_, info)) => {
                let attempt = self.attempts.entry(id).or_insert_with(Attempt::new);
                attempt.ended.get_or_insert(Ended::failure(Failure::suite(format!(
                    "a hook of the suite failed: {}",
                    panic_text(&info)
                ))));
            }
            Scenario::Background(step, ev) => self.step_event(&id, true, &step, ev),
            Scenario::Step(step, ev) => self.step_event(&id, false, &step, ev),
            Scenario::Finished => {
                let attempt = self.attempts.remove(&id).unwrap_or_else(Attempt::new);
                let ended = attempt.ended.unwrap_or(Ended::Passed);
                // cucumber runs a failed scenario (or one not judged) again while it has retries
                // left (a `flaky` waiver).
                if let Some(f) = ended.failed().filter(|_| retries.is_some_and(|r| r.left > 0)) {
                    self.failed_attempts.entry(id).or_default().push(f.clone());
                    return;
                }
                let recorded = Recorded {
                    started_at: attempt.started_at,
                    ended,
                    steps: attempt.steps,
                    failed_attempts: self.failed_attempts.remove(&id).unwrap_or_default(),
                    duration_ms: attempt.started.elapsed().as_millis() as u64,
                };
                self.finished(&id, &recorded);
                self.records.locked().finished.insert(id, recorded);
            }
            _ => {}
        }
    }

    fn step_event(&mut self, id: &str, background: bool, step: &gherkin::Step, ev: Step<VppWorld>) {
        let attempt = self.attempts.entry(id.to_owned()).or_insert_with(Attempt::new);
        let key = (background, step.position.line);
        let took = || attempt.step_started.map_or(0, |t| t.elapsed().as_millis() as u64);
        let (ran, ended) = match ev {
            Step::Started => {
                attempt.step_started = Some(Instant::now());
                return;
            }
            Step::Passed(..) => (StepRan::Passed, None),
            Step::Skipped => (
                StepRan::Undefined,
                Some(Ended::failure(Failure::suite("a step has no definition in this suite (a bug of the suite)"))),
            ),
            Step::Failed(_, _, _, error) => (StepRan::Ended, Some(ended_by(&error))),
        };
        let ms = took();
        attempt.steps.insert(key, (ran, ms));
        if let Some(ended) = ended {
            attempt.ended.get_or_insert(ended);
        }
    }

    /// A scenario's last attempt finished: its line, progress, and `--max-failures`.
    fn finished(&mut self, id: &str, recorded: &Recorded) {
        let Some(planned) = self.planned.get(id) else { return };
        let probe = ScenarioResult {
            id: id.to_owned(),
            name: planned.name.clone(),
            level: planned.level,
            feature: planned.feature.clone(),
            ended: recorded.ended.clone(),
            warnings: if self.ctx.has_warnings(id) { vec![String::new()] } else { Vec::new() },
            coverage: Vec::new(),
            flaky: self.ctx.client.retried_for(id),
            failed_attempts: recorded.failed_attempts.clone(),
            steps: Vec::new(),
            duration_ms: recorded.duration_ms,
            started_at: Some(recorded.started_at),
            status: crate::outcome::Status::Pass,
        };
        let status = classify(&probe, self.strict, self.waivers.iter().find(|w| w.scenario == id));
        let fails = status.fails_run(self.strict);
        self.progress.scenario_done(id, status, fails);
        if let Some(out) = &mut self.out {
            // An origin found down is said once, with its cause, not once per scenario.
            let line = match probe.failure().and_then(|f| f.down.as_ref()) {
                Some(down) if status == crate::outcome::Status::Error => {
                    self.said_down.insert(down.origin.clone()).then(|| super::output::down_line(down))
                }
                _ => Some(super::output::scenario_line(&probe, status)),
            };
            if let Some(line) = line {
                out.write_all(self.ctx.client.redactor().redact(&line).as_bytes()).ok();
            }
        }
        if fails && let Some(max) = self.max_failures {
            self.failures += 1;
            if self.failures >= max {
                self.gate.stop(Stop::MaxFailures { max });
            }
        }
    }
}

/// How a planned scenario ended: as recorded; not run when a `skip` waiver kept it out or the run
/// stopped before it finished (one that gave no result otherwise is a bug of the suite). A
/// failure says so when the target lacks the canonical data set the scenario needs (`missing`,
/// in a few words), and that a `flaky` waiver expected an attempt to pass.
pub fn ended(
    planned: &Planned,
    recorded: Option<&Recorded>,
    stopped: Option<Stop>,
    missing: Option<&str>,
    flaky_waiver: Option<&Waiver>,
) -> Ended {
    let mut ended = match (recorded, planned.skipped_by_waiver) {
        (_, true) => Ended::NotRun(NotRun::SkipWaiver),
        (Some(r), false) => r.ended.clone(),
        (None, false) => match stopped {
            Some(stop) => Ended::NotRun(stop.not_run()),
            None => Ended::failure(Failure::suite("the scenario gave no result (a bug of the suite)")),
        },
    };
    if let (Ended::Failed(f), Some(missing)) = (&mut ended, missing)
        && planned.needs_canonical_data
        && planned.uem
    {
        f.data_missing = Some(missing.to_owned());
    }
    if let (Ended::Failed(f) | Ended::Error(f), Some(w)) = (&mut ended, flaky_waiver) {
        let tries = 1 + recorded.map_or(0, |r| r.failed_attempts.len());
        f.message = format!(
            "failed every one of its {tries} attempt(s): its waiver expects it to be flaky, not to fail ({}); \
             the last attempt:\n{}",
            w.note(),
            f.message
        );
    }
    ended
}

/// A planned scenario's steps with what became of each as recorded. When the scenario did not
/// pass and no step ended it (not run before its first step, or a failure no step carries), the
/// first step not passed holds the reason.
pub fn steps(planned: &Planned, recorded: Option<&Recorded>, ended: &Ended) -> Vec<StepRecord> {
    let mut steps = planned.steps.clone();
    if let Some(r) = recorded {
        for step in &mut steps {
            if let Some((fate, ms)) = r.steps.get(&(step.background, step.line)) {
                step.ran = *fate;
                step.duration_ms = *ms;
            }
        }
    }
    if !matches!(ended, Ended::Passed)
        && !steps.iter().any(|s| s.ran == StepRan::Ended)
        && let Some(step) = steps.iter_mut().find(|s| s.ran != StepRan::Passed)
    {
        step.ran = StepRan::Ended;
    }
    steps
}

/// How a failed step ended the scenario, from what it failed with.
fn ended_by(error: &StepError) -> Ended {
    match error {
        StepError::Panic(info) => {
            if let Some(failure) = info.downcast_ref::<Failure>() {
                Ended::failure(failure.clone())
            } else if let Some(why) = info.downcast_ref::<NotRun>() {
                Ended::NotRun(why.clone())
            } else {
                Ended::failure(Failure::suite(format!("the suite failed (a bug of the suite): {}", panic_text(info))))
            }
        }
        StepError::NotFound => {
            Ended::failure(Failure::suite("a step has no definition in this suite (a bug of the suite)"))
        }
        StepError::AmbiguousMatch(e) => {
            Ended::failure(Failure::suite(format!("a step matches several definitions (a bug of the suite): {e}")))
        }
    }
}

/// The words of a panic that is no typed failure (a bug of the suite).
fn panic_text(info: &event::Info) -> String {
    info.downcast_ref::<String>()
        .cloned()
        .or_else(|| info.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

impl Writer<VppWorld> for Recorder {
    type Cli = cucumber::cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<VppWorld>>>, _cli: &Self::Cli) {
        let event = match event {
            Ok(event) => event.into_inner(),
            Err(_) => {
                self.records.locked().harness_errors += 1;
                return;
            }
        };
        match event {
            Cucumber::Feature(_, Feature::Scenario(sc, ev)) => self.scenario_event(&sc, ev),
            Cucumber::Feature(_, Feature::Rule(_, Rule::Scenario(sc, ev))) => self.scenario_event(&sc, ev),
            _ => {}
        }
    }
}

/// The recorder keys every event by its scenario's ID, so it needs no ordering of events.
impl writer::Normalized for Recorder {}
