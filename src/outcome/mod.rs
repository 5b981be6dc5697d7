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
//! - `facts`: the run's facts that `merge`, `diff` and `--only-failed` read back;
//! - `latency`: how long each documented operation took, as mergeable histograms.

mod classifier;
mod ending;
pub mod facts;
pub mod latency;
mod run;
mod scenario;
mod shards;
mod status;
mod waiver;

pub use classifier::classify;
pub use ending::{
    Down, Ended, Failure, FailureKind, NotRun, Signal, Stop, TransportError, TransportKind, Verdict, Withheld,
};
pub use run::{Conclusion, Counts, Part, RunOutcome, Selection, labels_text};
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
            started_at: None,
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
            NotRun::SkipWaiver,
            NotRun::Unavailable { why: "needs --second-tenant".into() },
        ];
        for reason in reasons {
            let ended = Ended::NotRun(reason.clone());
            let json = serde_json::to_string(&ended).unwrap_or_else(|e| panic!("{reason:?}: {e}"));
            assert_eq!(serde_json::from_str::<Ended>(&json).unwrap(), ended, "{json}");
        }
    }

    /// Facts written by earlier versions still read: a transport failure was `failed` and a
    /// scenario of a down target `not run`; both are ERRORs, and a finding stays a failure.
    #[test]
    fn earlier_facts_read_as_the_four_outcomes() {
        let transport =
            r#"{"verdict":"failed","why":{"kind":{"kind":"transport","transport":"timed-out"},"message":"slow"}}"#;
        let down = r#"{"verdict":"not run","why":{"kind":"target-down","origin":"http://a:1","cause":"refused","detail":"GET /x: refused"}}"#;
        let finding = r#"{"verdict":"failed","why":{"kind":{"kind":"finding"},"message":"HTTP 500"}}"#;
        let read = |json: &str| serde_json::from_str::<Ended>(json).unwrap();
        assert!(matches!(read(transport), Ended::Error(f) if f.timed_out()));
        match read(down) {
            Ended::Error(f) => {
                assert_eq!(f.kind, FailureKind::Transport(TransportKind::Refused));
                assert_eq!(f.down.map(|d| d.origin).as_deref(), Some("http://a:1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(read(finding), Ended::Failed(f) if f.kind == FailureKind::Finding));
        let old_status: Status = serde_json::from_str("\"timed out\"").unwrap();
        assert_eq!(old_status, Status::Error);
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
        Ended::failure(Failure::finding("x"))
    }

    fn timed_out() -> Ended {
        Ended::failure(Failure::transport(&TransportError::new(TransportKind::TimedOut, "slow")))
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
        // No usable answer is no finding, at any level, and no waiver covers it.
        assert_eq!(status(timed_out(), Must, false, None, false), Status::Error);
        assert_eq!(status(timed_out(), Should, false, None, false), Status::Error);
        assert_eq!(status(timed_out(), Info, true, None, false), Status::Error);
        assert_eq!(status(timed_out(), Must, false, Some(Expect::Fail), false), Status::Error);
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
        let suite = Ended::failure(Failure::suite("no step definition"));
        assert_eq!(status(suite, Info, false, Some(Expect::Fail), false), Status::Error);
    }

    #[test]
    fn a_stale_waiver_fails_only_a_strict_run() {
        assert!(Status::StaleWaiver.fails_run(true));
        assert!(!Status::StaleWaiver.fails_run(false));
        assert!(!Status::Error.fails_run(true), "an error is not judged: it never fails the run");
        assert!(!Status::NotMet.fails_run(true));
    }

    fn run_of(results: Vec<ScenarioResult>, strict: bool) -> RunOutcome {
        let mut outcome = RunOutcome { scenarios: results, strict, ..RunOutcome::default() };
        outcome.classify();
        outcome
    }

    /// FAIL wins over ERROR; an ERROR counts where a failure would (MUST; SHOULD under
    /// `--strict`), the suite's own at any level; a scenario not run for want of an option is
    /// not judged.
    #[test]
    fn the_conclusion_keeps_broken_rules_apart_from_what_was_not_judged() {
        use Level::*;
        let unavailable = || Ended::NotRun(NotRun::Unavailable { why: "needs --second-tenant".into() });
        let cases = [
            (vec![(Ended::Passed, Must), (timed_out(), Must)], false, Conclusion::Error),
            (vec![(failed(), Must), (timed_out(), Must)], false, Conclusion::Fail),
            (vec![(Ended::Passed, Must), (timed_out(), Should)], false, Conclusion::Pass),
            (vec![(Ended::Passed, Must), (timed_out(), Should)], true, Conclusion::Error),
            (vec![(Ended::failure(Failure::suite("bug")), Info)], false, Conclusion::Error),
            (vec![(unavailable(), Must)], false, Conclusion::Error),
            (vec![(unavailable(), Should)], false, Conclusion::Pass),
            (vec![(failed(), Should)], false, Conclusion::Pass),
            (vec![(Ended::Passed, Must)], false, Conclusion::Pass),
        ];
        for (results, strict, want) in cases {
            let outcome = run_of(results.iter().map(|(e, l)| result(e.clone(), *l)).collect(), strict);
            assert_eq!(outcome.conclusion(), want, "{results:?} strict={strict}");
        }
        let mut stopped = run_of(vec![result(failed(), Must)], false);
        stopped.stopped = Some(Stop::Interrupted { signal: Signal::Terminate });
        assert_eq!(stopped.conclusion(), Conclusion::Interrupted(Signal::Terminate));
        assert_eq!(stopped.verdict_word(), "INTERRUPTED");
    }

    #[test]
    fn statuses_serialize_as_the_words_outputs_show() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn a_result_round_trips_through_its_facts() {
        let down = Down {
            origin: "http://a:1".into(),
            cause: TransportKind::Refused,
            detail: "refused".into(),
            preparing: None,
        };
        let mut result = result(Ended::Error(Failure::down(&down)), Level::Must);
        result.status = Status::Error;
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<ScenarioResult>(&json).unwrap(), result, "{json}");
        assert!(json.contains("\"verdict\":\"error\""), "{json}");
    }
}
