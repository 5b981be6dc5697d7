//! The results of a run, as data: how each scenario ended and why (a type, never a sentence),
//! its level, and the one classifier that decides its status. The runner fills it in; every
//! output (the log, JUnit, Cucumber JSON, the certification reports, the facts `merge`, `diff`
//! and `--only-failed` read) and the exit status read it. It knows nothing of cucumber, HTTP or
//! files.
//!
//! The words a person reads come from `Display`; no decision anywhere reads them.
//!
//! - `ending`: how a scenario ended and why (a signal, a transport error, not run, a failure);
//! - `status`: the status every output shows;
//! - `scenario`: one scenario's result and its steps;
//! - `waiver`: the waivers of an expectations file;
//! - `classifier`: [`classify`], the one classifier of a status;
//! - `run`: the results of a run, what it selected, what it counts;
//! - `shards`: which scenarios each part of a selection holds (`--shard I/N`);
//! - `facts`: the run's facts that `merge`, `diff` and `--only-failed` read back.

mod classifier;
mod ending;
pub mod facts;
mod run;
mod scenario;
mod shards;
mod status;
mod waiver;

pub use classifier::classify;
pub use ending::{Ended, Failure, FailureKind, NotRun, Signal, Stop, TransportError, TransportKind, Verdict};
pub use run::{Counts, Part, RunOutcome, Selection};
pub use scenario::{ScenarioResult, StepRan, StepRecord};
pub use status::Status;
pub use waiver::{Expect, Waiver};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Level;

    fn result(ended: Ended, level: Level) -> ScenarioResult {
        ScenarioResult {
            id: "X-1".into(),
            name: "x".into(),
            level,
            feature: "f".into(),
            ended,
            warnings: vec![],
            coverage: vec![],
            flaky: vec![],
            failed_attempts: vec![],
            steps: vec![],
            duration_ms: 3,
            status: Status::Pass,
        }
    }

    /// Every way a scenario can be not run goes into the run's facts (Cucumber JSON) and comes
    /// back the same: an internally tagged variant holding a bare number or string cannot be
    /// written at all (`run --json` once panicked on `--max-failures`).
    #[test]
    fn every_not_run_reason_is_written_and_read_back() {
        let reasons = [
            NotRun::Interrupted(Signal::Interrupt),
            NotRun::MaxFailures { max: 2 },
            NotRun::TargetDown { origin: "http://h".into(), cause: TransportKind::TimedOut, detail: "d".into() },
            NotRun::SkipWaiver,
            NotRun::Unavailable { why: "needs --second-tenant".into() },
        ];
        for reason in reasons {
            let ended = Ended::NotRun(reason.clone());
            let json = serde_json::to_string(&ended).unwrap_or_else(|e| panic!("{reason:?}: {e}"));
            assert_eq!(serde_json::from_str::<Ended>(&json).unwrap(), ended, "{json}");
        }
    }

    fn status(ended: Ended, level: Level, strict: bool, expect: Option<Expect>, rerun: bool) -> Status {
        let waiver = expect.map(|expect| Waiver {
            scenario: "X-1".into(),
            expect,
            reason: "r".into(),
            link: None,
            expires: None,
            attempts: None,
        });
        let mut r = result(ended, level);
        if rerun {
            r.failed_attempts.push(Failure::finding("an earlier attempt"));
        }
        classify(&r, strict, waiver.as_ref())
    }

    fn failed() -> Ended {
        Ended::Failed(Failure::finding("x"))
    }

    fn timed_out() -> Ended {
        Ended::Failed(Failure::transport(&TransportError::new(TransportKind::TimedOut, "slow")))
    }

    #[test]
    fn one_classifier_decides_each_status() {
        use Level::*;
        assert_eq!(status(Ended::Passed, Must, false, None, false), Status::Pass);
        assert_eq!(status(Ended::Passed, Must, false, None, true), Status::Flaky);
        let mut retried = result(Ended::Passed, Must);
        retried.flaky.push("GET x (attempt 1): reset".into());
        assert_eq!(classify(&retried, false, None), Status::Flaky);
        assert_eq!(status(failed(), Must, false, None, false), Status::Fail);
        assert_eq!(status(timed_out(), Must, false, None, false), Status::TimedOut);
        assert_eq!(status(timed_out(), Should, false, None, false), Status::NotMet);
        assert_eq!(status(failed(), Should, false, None, false), Status::NotMet);
        assert_eq!(status(failed(), Should, true, None, false), Status::Fail);
        assert_eq!(status(failed(), Info, true, None, false), Status::NotMet);
        assert_eq!(
            status(Ended::NotRun(NotRun::Interrupted(Signal::Interrupt)), Must, false, None, false),
            Status::NotRun
        );
        assert_eq!(status(Ended::NotRun(NotRun::SkipWaiver), Must, false, Some(Expect::Skip), false), Status::Waived);
        assert_eq!(status(failed(), Must, false, Some(Expect::Fail), false), Status::Waived);
        assert_eq!(status(Ended::Passed, Must, false, Some(Expect::Fail), false), Status::StaleWaiver);
        // A flaky waiver covers a scenario that passed on a later attempt, never one that failed every attempt.
        assert_eq!(status(failed(), Must, false, Some(Expect::Flaky), false), Status::Fail);
        assert_eq!(status(Ended::Passed, Must, false, Some(Expect::Flaky), true), Status::Waived);
        assert_eq!(status(Ended::Passed, Must, false, Some(Expect::Flaky), false), Status::Pass);
        let suite = Ended::Failed(Failure::suite("no step definition"));
        assert_eq!(status(suite, Info, false, Some(Expect::Fail), false), Status::Fail);
    }

    #[test]
    fn a_stale_waiver_fails_only_a_strict_run() {
        assert!(Status::StaleWaiver.fails_run(true));
        assert!(!Status::StaleWaiver.fails_run(false));
        assert!(Status::TimedOut.fails_run(false));
        assert!(!Status::NotMet.fails_run(true));
    }

    #[test]
    fn statuses_serialize_as_the_words_outputs_show() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn a_result_round_trips_through_its_facts() {
        let mut result = result(
            Ended::NotRun(NotRun::TargetDown {
                origin: "http://a:1".into(),
                cause: TransportKind::Refused,
                detail: "refused".into(),
            }),
            Level::Must,
        );
        result.status = Status::NotRun;
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<ScenarioResult>(&json).unwrap(), result, "{json}");
        assert!(json.contains("\"verdict\":\"not run\""), "{json}");
    }
}
