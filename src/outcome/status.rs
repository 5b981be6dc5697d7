//! A documented requirement's status: the word every output shows, and whether it fails the run.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A documented requirement's status: what every output shows. Decided by
/// [`classify`](super::classify) alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "pass")]
    Pass,
    /// Passed, with warnings (what the documentation leaves open).
    #[serde(rename = "warning")]
    Warning,
    /// Passed, but only after a request was sent again (`--retries`).
    #[serde(rename = "flaky")]
    Flaky,
    /// A MUST scenario (or SHOULD under `--strict`) failed, or the suite did.
    #[serde(rename = "fail")]
    Fail,
    /// Not judged: no usable answer came (refused, reset, TLS, silent past `--timeout`, pushed
    /// back past the retries, a gateway with nothing behind it, a body over `--max-body-size`),
    /// or the suite itself failed. Never a broken rule: it makes the run's status 3 where a
    /// failure would count, never 1. (Runs of earlier versions wrote `timed out`.)
    #[serde(rename = "error", alias = "timed out")]
    Error,
    /// A SHOULD (without `--strict`) or INFO scenario that failed: reported, not failing.
    #[serde(rename = "not met")]
    NotMet,
    /// Selected, but it did not run to its end (interrupted, stopped, its target down).
    #[serde(rename = "not run")]
    NotRun,
    /// Not selected.
    #[serde(rename = "skipped")]
    Skipped,
    /// A failure an expectations file expects (or a scenario a `skip` waiver kept out).
    #[serde(rename = "waived")]
    Waived,
    /// A `fail` waiver covers it, and it passed: the waiver is stale (a failure under `--strict`).
    #[serde(rename = "stale waiver")]
    StaleWaiver,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Pass,
        Status::Warning,
        Status::Flaky,
        Status::Fail,
        Status::Error,
        Status::NotMet,
        Status::NotRun,
        Status::Skipped,
        Status::Waived,
        Status::StaleWaiver,
    ];

    /// Whether a scenario of this status fails the run: a rule seen broken (a stale waiver only
    /// under `--strict`). An ERROR never does: it was not judged.
    pub fn fails_run(self, strict: bool) -> bool {
        match self {
            Status::Fail => true,
            Status::StaleWaiver => strict,
            _ => false,
        }
    }

    /// Whether the scenario passed (with or without notes).
    pub fn passed(self) -> bool {
        matches!(self, Status::Pass | Status::Warning | Status::Flaky)
    }

    /// The word every output shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warning => "warning",
            Status::Flaky => "flaky",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::NotMet => "not met",
            Status::NotRun => "not run",
            Status::Skipped => "skipped",
            Status::Waived => "waived",
            Status::StaleWaiver => "stale waiver",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
