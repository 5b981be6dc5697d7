//! The one classifier of a scenario's status.

use super::ending::{Ended, NotRun};
use super::scenario::ScenarioResult;
use super::status::Status;
use super::waiver::{Expect, Waiver};

/// The one classifier: a scenario's status from how it ended, its level, `--strict` and its
/// waiver. Every output and the exit status read what this decides.
pub fn classify(result: &ScenarioResult, strict: bool, waiver: Option<&Waiver>) -> Status {
    let expect = waiver.map(|w| w.expect);
    let retried = !result.flaky.is_empty();
    let rerun = !result.failed_attempts.is_empty();
    match &result.ended {
        Ended::NotRun(NotRun::SkipWaiver) => Status::Waived,
        Ended::NotRun(_) => Status::NotRun,
        // Nothing was judged: no waiver covers it and no level makes it "not met".
        Ended::Error(_) => Status::Error,
        // A `flaky` waiver covers a scenario that passed on an attempt, not one that failed them all.
        Ended::Failed(_) if expect == Some(Expect::Fail) => Status::Waived,
        Ended::Failed(_) if result.level.enforced(strict) => Status::Fail,
        Ended::Failed(_) => Status::NotMet,
        Ended::Passed if expect == Some(Expect::Fail) => Status::StaleWaiver,
        Ended::Passed if expect == Some(Expect::Flaky) && rerun => Status::Waived,
        Ended::Passed if retried || rerun => Status::Flaky,
        Ended::Passed if !result.warnings.is_empty() => Status::Warning,
        Ended::Passed => Status::Pass,
    }
}
