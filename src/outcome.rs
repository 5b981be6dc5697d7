//! The results of a run, as data: each scenario's verdict, level and reason, why a run stopped,
//! and the status each documented requirement gets in a report. The runner fills it in; the
//! reports, the regression report and the exit status read it. It knows nothing of cucumber,
//! HTTP or files.

use crate::catalog::Level;
use serde::{Deserialize, Serialize};

/// The words every reason for not running a scenario starts with.
pub const NOT_RUN: &str = "not run";

/// The signal that interrupted a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: a CI system cancelling the job.
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Why the rest of a run does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupted(Signal),
    /// `--max-failures N` failed scenarios were reached.
    MaxFailures(usize),
}

impl Stop {
    /// What a scenario this stop left unfinished reports.
    pub fn reason(self) -> String {
        match self {
            Stop::Interrupted(_) => format!("{NOT_RUN} (interrupted)"),
            Stop::MaxFailures(n) => format!("{NOT_RUN} (--max-failures {n} reached)"),
        }
    }

    pub fn signal(self) -> Option<Signal> {
        match self {
            Stop::Interrupted(s) => Some(s),
            Stop::MaxFailures(_) => None,
        }
    }
}

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
    /// What the target's data gave nothing to check ("no escaped name to ask"): coverage, not a
    /// finding about the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<String>,
    /// Requests sent again after a transport error (`--retries`): a scenario that passed with
    /// any is flaky. Left out when empty, so results of runs without retries read as before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flaky: Vec<String>,
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
    /// The profile certified: `full` or `live`.
    pub profile: String,
    /// The waivers of the expectations file (`--expectations`) the run was judged under.
    pub waivers: Vec<Waiver>,
    /// The SHA-256 (hex) of the expectations file's content, when one was given.
    pub expectations_digest: Option<String>,
}

/// The words a scenario that a `skip` waiver kept out of the run reports.
pub const SKIPPED_BY_WAIVER: &str = "not run (an expectations file skips it)";

/// The outcome an expectations file says a scenario is expected to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// It fails: a failure does not fail the run; a pass is a stale waiver.
    Fail,
    /// It may pass or fail: a failure does not fail the run.
    Flaky,
    /// It is not run at all.
    Skip,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Fail => "fail",
            Expect::Flaky => "flaky",
            Expect::Skip => "skip",
        }
    }
}

/// One entry of an expectations file: a known deviation, and why it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    pub scenario: String,
    pub expect: Expect,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// `YYYY-MM-DD`: after this day the waiver is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl Waiver {
    /// The line a waived scenario is shown with.
    pub fn note(&self) -> String {
        let link = self.link.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
        let expected = match self.expect {
            Expect::Fail => "expected to fail",
            Expect::Flaky => "known to be flaky",
            Expect::Skip => "skipped",
        };
        format!("waived ({expected}): {}{link}", self.reason)
    }
}

impl ScenarioResult {
    /// Whether this result fails the run: a failed MUST scenario (or SHOULD, under `--strict`).
    pub fn fails_run(&self, strict: bool) -> bool {
        self.verdict == Verdict::Failed && self.level.enforced(strict)
    }
}

/// Whether a waiver covers this result: a failure expected (`fail` or `flaky`), or a scenario a
/// `skip` waiver kept out of the run.
pub fn is_waived(result: &ScenarioResult, waiver: Option<&Waiver>) -> bool {
    match (waiver.map(|w| w.expect), &result.verdict) {
        (Some(Expect::Fail | Expect::Flaky), Verdict::Failed) => true,
        (Some(Expect::Skip), Verdict::NotRun) => result.reason.as_deref() == Some(SKIPPED_BY_WAIVER),
        _ => false,
    }
}

/// Whether a waiver expects this result to fail and it passed: the waiver is stale.
pub fn is_stale(result: &ScenarioResult, waiver: Option<&Waiver>) -> bool {
    waiver.is_some_and(|w| w.expect == Expect::Fail) && result.verdict == Verdict::Passed
}

impl RunOutcome {
    /// Every text a target's answers may have put in the results (reasons, warnings, coverage
    /// notes, requests sent again, notices), passed through `f`: the caller redacts them once
    /// more with every secret the run learned, since a token learned late in a run may stand in
    /// a reason written before it was known.
    pub fn map_texts(&mut self, f: impl Fn(&str) -> String) {
        for s in &mut self.scenarios {
            if let Some(r) = &mut s.reason {
                *r = f(r);
            }
            for t in s.warnings.iter_mut().chain(s.coverage.iter_mut()).chain(s.flaky.iter_mut()) {
                *t = f(t);
            }
        }
        for n in &mut self.notices {
            *n = f(n);
        }
    }

    /// The waiver of a scenario, if the expectations file has one.
    pub fn waiver(&self, id: &str) -> Option<&Waiver> {
        self.waivers.iter().find(|w| w.scenario == id)
    }

    /// Whether a waiver covers this result (see [`is_waived`]).
    pub fn is_waived(&self, result: &ScenarioResult) -> bool {
        is_waived(result, self.waiver(&result.id))
    }

    /// The scenarios whose failure fails the run (a waived failure does not).
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.fails_run(self.strict) && !self.is_waived(s))
    }

    /// SHOULD (without `--strict`) and INFO scenarios that failed: reported, not failing.
    pub fn not_met(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios
            .iter()
            .filter(|s| s.verdict == Verdict::Failed && !s.fails_run(self.strict) && !self.is_waived(s))
    }

    /// Scenarios that passed only after a request was sent again (`--retries`).
    pub fn flaky(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.verdict == Verdict::Passed && !s.flaky.is_empty())
    }

    /// Scenarios that did not run to their end (interrupted, stopped, or their target down);
    /// not those a `skip` waiver kept out.
    pub fn not_run(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.verdict == Verdict::NotRun && !self.is_waived(s))
    }

    /// Scenarios whose failure (or absence) a waiver covers.
    pub fn waived(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| self.is_waived(s))
    }

    /// Scenarios a `fail` waiver expected to fail that passed: the waiver is stale (a failure
    /// of the run under `--strict`, as the OpenID suite fails when expected failures are not found).
    pub fn stale(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| is_stale(s, self.waiver(&s.id)))
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
            && !(self.strict && self.stale().next().is_some())
    }

    /// The result of a scenario by its ID.
    pub fn scenario(&self, id: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.id == id)
    }
}

/// A documented requirement's status in a report, with the words the sealed report data has
/// always used (so digests of earlier reports still verify).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "pass")]
    Pass,
    /// Passed, with notes.
    #[serde(rename = "warning")]
    Warning,
    #[serde(rename = "fail")]
    Fail,
    /// A SHOULD or INFO scenario that failed without failing the run.
    #[serde(rename = "not met")]
    NotMet,
    /// Selected, but the run was interrupted or stopped, or the target did not answer.
    #[serde(rename = "not run")]
    NotRun,
    /// Not selected.
    #[serde(rename = "skipped")]
    Skipped,
    /// Failed as an expectations file says it would (or kept out by a `skip` waiver): not failing.
    #[serde(rename = "waived")]
    Waived,
    /// A `fail` waiver covers it, and it passed.
    #[serde(rename = "stale waiver")]
    StaleWaiver,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Pass,
        Status::Warning,
        Status::Fail,
        Status::NotMet,
        Status::NotRun,
        Status::Skipped,
        Status::Waived,
        Status::StaleWaiver,
    ];

    /// As [`Status::of`], with the scenario's waiver, if any.
    pub fn judged(result: Option<&ScenarioResult>, strict: bool, waiver: Option<&Waiver>) -> Self {
        match result {
            Some(r) if is_waived(r, waiver) => Status::Waived,
            Some(r) if is_stale(r, waiver) => Status::StaleWaiver,
            _ => Status::of(result, strict),
        }
    }

    /// The status of a catalogued scenario in a run (`None`: it was not selected).
    pub fn of(result: Option<&ScenarioResult>, strict: bool) -> Self {
        match result {
            None => Status::Skipped,
            Some(r) if r.verdict == Verdict::NotRun => Status::NotRun,
            Some(r) if r.fails_run(strict) => Status::Fail,
            Some(r) if r.verdict == Verdict::Failed => Status::NotMet,
            Some(r) if !r.warnings.is_empty() => Status::Warning,
            Some(_) => Status::Pass,
        }
    }

    /// The word a report shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warning => "warning",
            Status::Fail => "fail",
            Status::NotMet => "not met",
            Status::NotRun => "not run",
            Status::Skipped => "skipped",
            Status::Waived => "waived",
            Status::StaleWaiver => "stale waiver",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(verdict: Verdict, level: Level, warnings: usize) -> ScenarioResult {
        ScenarioResult {
            id: "X-1".into(),
            name: "x".into(),
            level,
            verdict,
            reason: None,
            warnings: vec!["w".into(); warnings],
            coverage: Vec::new(),
            flaky: Vec::new(),
        }
    }

    #[test]
    fn statuses_follow_level_strictness_and_warnings() {
        assert_eq!(Status::of(None, false), Status::Skipped);
        assert_eq!(Status::of(Some(&result(Verdict::Passed, Level::Must, 0)), false), Status::Pass);
        assert_eq!(Status::of(Some(&result(Verdict::Passed, Level::Must, 1)), false), Status::Warning);
        assert_eq!(Status::of(Some(&result(Verdict::Failed, Level::Must, 0)), false), Status::Fail);
        assert_eq!(Status::of(Some(&result(Verdict::Failed, Level::Should, 0)), false), Status::NotMet);
        assert_eq!(Status::of(Some(&result(Verdict::Failed, Level::Should, 0)), true), Status::Fail);
        assert_eq!(Status::of(Some(&result(Verdict::Failed, Level::Info, 0)), true), Status::NotMet);
        assert_eq!(Status::of(Some(&result(Verdict::NotRun, Level::Must, 0)), false), Status::NotRun);
    }

    #[test]
    fn statuses_keep_the_words_sealed_reports_hold() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }
}
