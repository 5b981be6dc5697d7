//! The results of a run: every scenario's result, what the run was judged under and selected,
//! why it stopped, and what it counts: its verdict.

use super::classifier::classify;
use super::ending::{Ended, Failure, NotRun, Signal, Stop};
use super::scenario::ScenarioResult;
use super::status::Status;
use super::waiver::Waiver;
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// What the run learned of each target's capacity, for the reports.
    pub capacity: Vec<String>,
    /// The whole selection this run is (a part of).
    pub selection: Selection,
    /// `--shard I/N`: which part of the selection this run is.
    pub part: Option<Part>,
    /// `--only-failed` narrowed the selection: the run is no complete part of it.
    pub only_failed: bool,
    /// How long each documented operation took (`None`: not recorded, by an earlier version).
    pub latency: Option<super::latency::Latency>,
}

/// What a run selected as a whole, before `--shard` and `--only-failed` narrowed it: runs are
/// parts of one certificate only when they share it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// The tag expression (`None`: every scenario that is not opt-in).
    pub tags: Option<String>,
    /// `full` or `live`.
    pub profile: String,
    pub strict: bool,
    /// The SHA-256 of the expectations file, when one was given.
    pub expectations_digest: Option<String>,
    pub seed: u64,
    /// The base URL of each API's target (empty: that API was not tested).
    pub vpp_target: String,
    pub uem_target: String,
    /// Every scenario of the whole selection, by ID, in the catalogue's order.
    pub scenarios: Vec<String>,
    /// `--label KEY=VALUE`: what the run says it measured (an implementation's version, a
    /// commit), in the order given. Sealed with the rest; the parts of one certificate share them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<(String, String)>,
}

impl Selection {
    /// The labels as `KEY=VALUE, …` (empty without labels).
    pub fn labels_text(&self) -> String {
        labels_text(&self.labels)
    }
}

/// Labels (`--label`) as `KEY=VALUE, …`, in their order (empty without labels): the one way every
/// output writes them.
pub fn labels_text(labels: &[(String, String)]) -> String {
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

/// `--shard I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub index: usize,
    pub total: usize,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// What a run concludes: the verdict word every output states, and the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    /// Every scenario where a failure counts was judged, and none failed.
    Pass,
    /// A rule was seen broken where a failure counts.
    Fail,
    /// None was seen broken, but a scenario where a failure would count could not be judged.
    Error,
    /// A signal stopped the run.
    Interrupted(Signal),
}

impl Conclusion {
    pub fn word(self) -> &'static str {
        match self {
            Conclusion::Pass => "PASS",
            Conclusion::Fail => "FAIL",
            Conclusion::Error => "ERROR",
            Conclusion::Interrupted(_) => "INTERRUPTED",
        }
    }
}

/// What a run counts, by status: every output states these numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub passed: usize,
    pub flaky: usize,
    pub failed: usize,
    /// Not judged: no usable answer (at any level; the exit status counts those where a
    /// failure would count).
    pub errors: usize,
    pub not_met: usize,
    pub not_run: usize,
    pub waived: usize,
    pub stale: usize,
}

impl RunOutcome {
    /// Every text a target's answers may have put in the results, passed through `f`: the
    /// caller redacts them once more with every secret the run learned, since a token learned
    /// late in a run may stand in a reason written before it was known.
    pub fn map_texts(&mut self, f: impl Fn(&str) -> String) {
        let failure = |x: &mut Failure| {
            x.message = f(&x.message);
            if let Some(e) = &mut x.exchange {
                *e = f(e);
            }
        };
        for s in &mut self.scenarios {
            match &mut s.ended {
                Ended::Failed(x) | Ended::Error(x) => failure(x),
                Ended::NotRun(NotRun::Unavailable { why }) => *why = f(why),
                _ => {}
            }
            s.failed_attempts.iter_mut().for_each(failure);
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

    /// The scenarios of this status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &ScenarioResult> {
        self.with(status)
    }

    fn with(&self, status: Status) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(move |s| s.status == status)
    }

    /// The scenarios whose result fails the run.
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.fails_run(self.strict))
    }

    /// The scenarios that leave the run not judged (ERROR, or not run for want of what they need),
    /// where a failure would count.
    pub fn unjudged(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.unjudged(self.strict))
    }

    /// Every ERROR, at any level.
    pub fn errors(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::Error)
    }

    /// SHOULD (without `--strict`) and INFO scenarios that failed: reported, not failing.
    pub fn not_met(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::NotMet)
    }

    /// Scenarios that passed only after a request was sent again (`--retries`).
    pub fn flaky(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::Flaky)
    }

    /// Scenarios that did not run to their end (interrupted, stopped, their target down).
    pub fn not_run(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::NotRun)
    }

    /// Scenarios whose failure (or absence) a waiver covers.
    pub fn waived(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::Waived)
    }

    /// Scenarios a `fail` waiver expected to fail that passed.
    pub fn stale(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::StaleWaiver)
    }

    /// The counts every output states.
    pub fn counts(&self) -> Counts {
        let n = |status| self.with(status).count();
        Counts {
            total: self.scenarios.len(),
            passed: n(Status::Pass) + n(Status::Warning),
            flaky: n(Status::Flaky),
            failed: n(Status::Fail),
            errors: n(Status::Error),
            not_met: n(Status::NotMet),
            not_run: n(Status::NotRun),
            waived: n(Status::Waived),
            stale: n(Status::StaleWaiver),
        }
    }

    /// Whether the run was interrupted by a signal.
    pub fn interrupted(&self) -> bool {
        self.stopped.and_then(Stop::signal).is_some()
    }

    /// What the run concludes, decided here once: interrupted by a signal; else FAIL when a rule
    /// was seen broken where a failure counts (or `--max-failures` stopped it), which wins; else
    /// ERROR when a scenario where a failure would count could not be judged (or a feature did
    /// not parse); else PASS.
    pub fn conclusion(&self) -> Conclusion {
        if let Some(signal) = self.stopped.and_then(Stop::signal) {
            Conclusion::Interrupted(signal)
        } else if self.failed().next().is_some() || matches!(self.stopped, Some(Stop::MaxFailures { .. })) {
            Conclusion::Fail
        } else if self.harness_errors > 0 || self.unjudged().next().is_some() {
            Conclusion::Error
        } else {
            Conclusion::Pass
        }
    }

    /// Whether the run passed: every scenario where a failure counts judged, and none failed.
    pub fn passed(&self) -> bool {
        self.conclusion() == Conclusion::Pass
    }

    /// `PASS`, `FAIL`, `ERROR` or `INTERRUPTED`.
    pub fn verdict_word(&self) -> &'static str {
        self.conclusion().word()
    }

    /// The result of a scenario by its ID.
    pub fn scenario(&self, id: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    /// Decides every scenario's status with [`classify`]: once, when the results are complete.
    pub fn classify(&mut self) {
        let (strict, waivers) = (self.strict, std::mem::take(&mut self.waivers));
        for s in &mut self.scenarios {
            let waiver = waivers.iter().find(|w| w.scenario == s.id);
            s.status = classify(s, strict, waiver);
        }
        self.waivers = waivers;
    }
}
