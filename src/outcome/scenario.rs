//! One scenario's result: how it ended, its steps, its notes, and the status decided for it.

use super::ending::{Ended, Failure, FailureKind, NotRun, Verdict};
use super::status::Status;
use crate::catalog::Level;
use serde::{Deserialize, Serialize};

/// One step as it ran (or did not): for the outputs that show steps (Cucumber JSON, the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// `Given `, `When `, `Then `, `And `…
    pub keyword: String,
    pub text: String,
    pub line: usize,
    /// A step of the feature's background.
    pub background: bool,
    pub ran: StepRan,
    pub duration_ms: u64,
}

/// What became of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepRan {
    Passed,
    /// The step the scenario ended on: failed, or stopped for a reason of the run.
    Ended,
    /// The suite has no definition for it.
    Undefined,
    /// Not reached.
    NotReached,
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub id: String,
    pub name: String,
    pub level: Level,
    /// The feature it belongs to (JUnit's classname).
    pub feature: String,
    pub ended: Ended,
    /// Findings the documentation leaves open, met in this scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What the target's data gave nothing to check: coverage, not a finding about the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<String>,
    /// Requests sent again after a transport error (`--retries`): a scenario that passed with
    /// any is flaky.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flaky: Vec<String>,
    /// Earlier attempts that failed, when a `flaky` waiver has the scenario run again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_attempts: Vec<Failure>,
    /// Its steps, in order, background first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRecord>,
    #[serde(default)]
    pub duration_ms: u64,
    /// When its last attempt started, in milliseconds since the Unix epoch (for outputs with a
    /// timeline, as Allure's); absent from facts of earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<u64>,
    /// Decided once, by [`classify`](super::classify), when the run is collected (or the runs merged).
    pub status: Status,
}

impl ScenarioResult {
    pub fn verdict(&self) -> Verdict {
        match self.ended {
            Ended::Passed => Verdict::Passed,
            Ended::Failed(_) => Verdict::Failed,
            Ended::Error(_) => Verdict::Error,
            Ended::NotRun(_) => Verdict::NotRun,
        }
    }

    /// What it failed with: a finding (FAILED), or why it could not be judged (ERROR).
    pub fn failure(&self) -> Option<&Failure> {
        self.ended.failed()
    }

    pub fn not_run(&self) -> Option<&NotRun> {
        match &self.ended {
            Ended::NotRun(n) => Some(n),
            _ => None,
        }
    }

    /// Why it failed or did not run, in words.
    pub fn reason(&self) -> Option<String> {
        match &self.ended {
            Ended::Passed => None,
            Ended::Failed(f) | Ended::Error(f) => Some(f.to_string()),
            Ended::NotRun(n) => Some(n.to_string()),
        }
    }

    /// The first line of the reason.
    pub fn headline(&self) -> Option<String> {
        match &self.ended {
            Ended::Passed => None,
            Ended::Failed(f) | Ended::Error(f) => Some(f.headline()),
            Ended::NotRun(n) => Some(n.to_string()),
        }
    }

    /// Whether this result fails the run: a rule seen broken where a failure counts.
    pub fn fails_run(&self, strict: bool) -> bool {
        self.status.fails_run(strict)
    }

    /// Whether this result leaves the run not judged: an ERROR or a scenario not run for want of
    /// what it needs, where a failure would count (the suite's own failure counts at any level).
    pub fn unjudged(&self, strict: bool) -> bool {
        let counts = self.level.enforced(strict);
        match (&self.ended, self.status) {
            (Ended::Error(f), Status::Error) => counts || f.kind == FailureKind::Suite,
            (Ended::NotRun(n), Status::NotRun) => counts && n.unjudged(),
            _ => false,
        }
    }
}
