//! Conformance levels reach cucumber's own writers. A SHOULD scenario that fails (without
//! `--strict`) or an INFO scenario that fails is not a failure of the target: the terminal, the
//! JUnit report and the Cucumber JSON must not call it one, or a CI dashboard reading the JUnit
//! file would go red for a run whose exit status is 0. So before the writers see it, its failed
//! step becomes a log line with the reason, followed by a skipped step: JUnit shows a skipped test
//! case whose output holds the reason, Cucumber JSON a skipped step with the reason embedded.
//!
//! A scenario that did not run to its end (the run interrupted or stopped, its target down) is
//! shown the same way at every level: a skipped step after a log line with the reason, which
//! starts with "not run".

use crate::catalog::Level;
use cucumber::event::{Cucumber, Feature, RetryableScenario, Rule, Scenario, Source, Step};
use cucumber::{Event, Writer, gherkin, parser, writer};

/// Wraps the writers; see the module documentation.
pub struct Levels<Wr> {
    inner: Wr,
    strict: bool,
    /// Cucumber JSON embeds the log line base64-encoded, out of reach of the output's redaction.
    redactor: crate::redact::Redactor,
    /// Tells a step that did not run to its end from a failure.
    gate: std::sync::Arc<crate::gate::Gate>,
    /// Where the requests sent again (`--retries`) are noted, and how many of each scenario's
    /// were shown: each becomes a log line before its step's result, so JUnit and Cucumber JSON
    /// say the scenario is flaky.
    retries: Option<(std::sync::Arc<crate::steps::RunContext>, std::collections::HashMap<String, usize>)>,
    /// The expectations file's waivers: a failure one expects is shown as waived, not failed.
    waivers: Vec<crate::outcome::Waiver>,
}

impl<Wr> Levels<Wr> {
    pub fn new(
        inner: Wr,
        strict: bool,
        redactor: crate::redact::Redactor,
        gate: std::sync::Arc<crate::gate::Gate>,
    ) -> Self {
        Self { inner, strict, redactor, gate, retries: None, waivers: Vec::new() }
    }

    /// Shows the requests sent again after a transport error, as noted in `ctx`.
    pub fn with_retries(mut self, ctx: std::sync::Arc<crate::steps::RunContext>) -> Self {
        self.retries = Some((ctx, Default::default()));
        self
    }

    /// Lines for the requests of scenario `id` sent again since the last call.
    fn new_retries(&mut self, id: &str) -> Vec<String> {
        let Some((ctx, shown)) = &mut self.retries else { return Vec::new() };
        let all = ctx.retried_of(id);
        let seen = shown.entry(id.to_owned()).or_default();
        let new = all
            .iter()
            .skip(*seen)
            .map(|r| format!("FLAKY: a request was sent again after a transport error (--retries): {r}\n"))
            .collect();
        *seen = all.len();
        new
    }

    /// A failure one of these waivers expects (`fail`, `flaky`) is written as a log line that
    /// starts with "waived" and gives the waiver's reason, then a skipped step: JUnit shows a
    /// skipped test case, Cucumber JSON a skipped step, neither a failure.
    pub fn with_waivers(mut self, waivers: Vec<crate::outcome::Waiver>) -> Self {
        self.waivers = waivers;
        self
    }

    /// The line a failed step is shown with instead, when it is no failure of the run.
    fn softened(&self, id: Option<&str>, level: Level, error: &cucumber::event::StepError) -> Option<String> {
        if let Some(why) = super::not_run_reason(error, &self.gate) {
            return Some(why);
        }
        let waiver = self.waivers.iter().find(|w| Some(w.scenario.as_str()) == id);
        if let Some(w) = waiver.filter(|w| w.expect != crate::outcome::Expect::Skip)
            && !matches!(error, cucumber::event::StepError::NotFound)
        {
            return Some(format!("{}\nthe failure: {}", w.note(), super::step_error_text(error).trim_end()));
        }
        (!enforced(level, self.strict, error))
            .then(|| format!("{} not met: {}", level.note(), super::step_error_text(error).trim_end()))
    }
}

/// A step the suite has no definition for is a bug of the suite, whatever the level: never "not met".
fn enforced(level: Level, strict: bool, error: &cucumber::event::StepError) -> bool {
    level.enforced(strict) || matches!(error, cucumber::event::StepError::NotFound)
}

type ScenarioEvent<W> =
    (Source<gherkin::Feature>, Option<Source<gherkin::Rule>>, Source<gherkin::Scenario>, RetryableScenario<W>);

/// The parts of a scenario event, or the event back when it is not one.
fn scenario_event<W>(ev: Cucumber<W>) -> Result<ScenarioEvent<W>, Cucumber<W>> {
    match ev {
        Cucumber::Feature(f, Feature::Scenario(sc, ev)) => Ok((f, None, sc, ev)),
        Cucumber::Feature(f, Feature::Rule(r, Rule::Scenario(sc, ev))) => Ok((f, Some(r), sc, ev)),
        other => Err(other),
    }
}

impl<W, Wr> Writer<W> for Levels<Wr>
where
    W: cucumber::World,
    Wr: Writer<W>,
{
    type Cli = Wr::Cli;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<W>>>, cli: &Self::Cli) {
        let Ok(event) = event else { return self.inner.handle_event(event, cli).await };
        let (value, meta) = event.split();
        let (f, r, sc, ev) = match scenario_event(value) {
            Ok(parts) => parts,
            Err(other) => return self.inner.handle_event(Ok(meta.insert(other)), cli).await,
        };
        let level = Level::of(&f, r.as_deref(), &sc);
        let id = crate::catalog::scenario_id(&sc.tags);
        let RetryableScenario { event: scenario_event, retries } = ev;
        if matches!(&scenario_event, Scenario::Step(_, s) | Scenario::Background(_, s) if !matches!(s, Step::Started)) {
            let id = crate::catalog::scenario_id(&sc.tags).unwrap_or_default();
            for line in self.new_retries(&id) {
                let log = RetryableScenario { event: Scenario::Log(self.redactor.redact(&line)), retries };
                self.inner
                    .handle_event(Ok(meta.insert(Cucumber::scenario(f.clone(), r.clone(), sc.clone(), log))), cli)
                    .await;
            }
        }
        let softened = match &scenario_event {
            Scenario::Step(_, Step::Failed(_, _, _, e)) | Scenario::Background(_, Step::Failed(_, _, _, e)) => {
                self.softened(id.as_deref(), level, e)
            }
            _ => None,
        };
        let (step, background, note) = match (scenario_event, softened) {
            (Scenario::Step(st, _), Some(note)) => (st, false, note),
            (Scenario::Background(st, _), Some(note)) => (st, true, note),
            (other, _) => {
                let ev = RetryableScenario { event: other, retries };
                return self.inner.handle_event(Ok(meta.insert(Cucumber::scenario(f, r, sc, ev))), cli).await;
            }
        };
        let note = self.redactor.redact(&format!("{note}\n"));
        let log = RetryableScenario { event: Scenario::Log(note), retries };
        self.inner.handle_event(Ok(meta.insert(Cucumber::scenario(f.clone(), r.clone(), sc.clone(), log))), cli).await;
        let skipped =
            if background { Scenario::Background(step, Step::Skipped) } else { Scenario::Step(step, Step::Skipped) };
        let ev = RetryableScenario { event: skipped, retries };
        self.inner.handle_event(Ok(meta.insert(Cucumber::scenario(f, r, sc, ev))), cli).await;
    }
}

impl<W, Wr> writer::Stats<W> for Levels<Wr>
where
    W: cucumber::World,
    Wr: writer::Stats<W>,
{
    fn passed_steps(&self) -> usize {
        self.inner.passed_steps()
    }
    fn skipped_steps(&self) -> usize {
        self.inner.skipped_steps()
    }
    fn failed_steps(&self) -> usize {
        self.inner.failed_steps()
    }
    fn retried_steps(&self) -> usize {
        self.inner.retried_steps()
    }
    fn parsing_errors(&self) -> usize {
        self.inner.parsing_errors()
    }
    fn hook_errors(&self) -> usize {
        self.inner.hook_errors()
    }
}

impl<Wr: writer::Normalized> writer::Normalized for Levels<Wr> {}
