//! One scenario as Allure results: its `*-result.json` (and those of its earlier attempts), with
//! one mapping of statuses, so that Allure's counts are the run's:
//!
//! | the run | Allure |
//! |---|---|
//! | pass, warning | `passed` |
//! | flaky; a `flaky` waiver's scenario that passed on a later attempt | `passed`, `statusDetails.flaky`, with its earlier attempt(s) |
//! | fail, not met, a stale waiver under `--strict` | `failed` (the level as `severity`) |
//! | a failure a waiver covers | `failed`, `statusDetails.known`, the waiver's reason |
//! | error (not judged) | `broken` |
//! | not run, kept out by a `skip` waiver | `skipped`, with why |
//! | a stale waiver without `--strict` | `passed` |
//!
//! A scenario not selected is not written. Identity is the scenario's ID (`testCaseId`,
//! `fullName`, `historyId`), never its title, so that Allure's history follows it across runs and
//! versions of the suite; the target and the seed are parameters marked `excluded`, so they never
//! split that history.

use crate::catalog::{Level, ScenarioInfo};
use crate::outcome::{Ended, Failure, FailureKind, RunOutcome, ScenarioResult, Status, StepRan};
use serde_json::{Value, json};

/// Allure's word for a status. A waived scenario is shown as it ended: a failure the waiver
/// expects is `failed` (and known), a scenario a `skip` waiver kept out `skipped`, and one a
/// `flaky` waiver ran again until it passed `passed` (and flaky), as `--retries` makes it: Allure
/// once counted that pass among its skipped.
pub fn status_of(s: &ScenarioResult, strict: bool) -> &'static str {
    match s.status {
        Status::Pass | Status::Warning | Status::Flaky => "passed",
        Status::StaleWaiver if !strict => "passed",
        Status::Fail | Status::NotMet | Status::StaleWaiver => "failed",
        Status::Waived if s.failure().is_some() => "failed",
        Status::Waived if matches!(s.ended, Ended::Passed) => "passed",
        Status::Error => "broken",
        Status::Waived | Status::NotRun | Status::Skipped => "skipped",
    }
}

fn severity(level: Level) -> &'static str {
    match level {
        Level::Must => "critical",
        Level::Should => "normal",
        Level::Info => "minor",
    }
}

/// What an attempt's trace starts with: the cause of a broken one, the documentation section of
/// a failed one. The categories (`categories.json`) match these lines.
pub fn cause_line(failure: &Failure) -> Option<String> {
    match failure.kind {
        FailureKind::Transport(kind) => Some(format!("cause: {}", kind.as_str())),
        FailureKind::Suite => Some("cause: suite".to_owned()),
        FailureKind::Finding => None,
    }
}

/// A scenario's result, and its files: the result itself with its attachments.
pub struct Written {
    pub uuid: String,
    pub json: Value,
    /// (file name, text) of each attachment.
    pub attachments: Vec<(String, String)>,
}

/// The labels every attempt of a scenario carries.
fn labels(info: &ScenarioInfo, host: &str) -> Vec<Value> {
    let api = if info.tags.iter().any(|t| t == "apple-vpp") { "Apple VPP" } else { "UEM" };
    let mut labels = vec![
        json!({"name": "feature", "value": api}),
        json!({"name": "story", "value": info.section}),
        json!({"name": "severity", "value": severity(info.level)}),
        json!({"name": "parentSuite", "value": "vpp-conformance"}),
        json!({"name": "suite", "value": info.feature}),
        json!({"name": "host", "value": host}),
        json!({"name": "framework", "value": "vpp-conformance"}),
        json!({"name": "language", "value": "gherkin"}),
    ];
    labels.extend(info.tags.iter().map(|t| json!({"name": "tag", "value": t})));
    labels
}

/// The statusDetails of a result: its first line as the message; expected, actual and the
/// exchange as the trace (after the line the categories match).
fn details(s: &ScenarioResult, outcome: &RunOutcome, info: &ScenarioInfo) -> Value {
    let mut details = serde_json::Map::new();
    let waiver = outcome.waiver(&s.id);
    let message = match (s.status, waiver) {
        (Status::Waived | Status::StaleWaiver, Some(w)) => Some(w.note()),
        _ => s.headline(),
    };
    if let Some(m) = message {
        details.insert("message".into(), Value::String(m));
    }
    if let Some(f) = s.failure() {
        let first = cause_line(f).unwrap_or_else(|| format!("documentation: {}", info.section));
        details.insert("trace".into(), Value::String(format!("{first}\n{}", f.text_with("in the run's notices"))));
    } else if let Some(why) = s.reason() {
        details.insert("trace".into(), Value::String(why));
    }
    if s.status == Status::Waived && s.failure().is_some() {
        details.insert("known".into(), Value::Bool(true));
    }
    let rerun = !s.flaky.is_empty() || !s.failed_attempts.is_empty();
    if rerun && matches!(s.ended, Ended::Passed) {
        details.insert("flaky".into(), Value::Bool(true));
    }
    Value::Object(details)
}

/// `start` and `stop` put in `json`, when the scenario started at all: one that never did (kept
/// out by a `skip` waiver, never reached before a stop) has no time, rather than 1970's.
fn timed(mut json: Value, start: Option<u64>, duration_ms: u64) -> Value {
    if let Some(start) = start {
        json["start"] = json!(start);
        json["stop"] = json!(start + duration_ms);
    }
    json
}

/// Each step with its own status and time, from the scenario's start (if it started).
fn steps(s: &ScenarioResult, start: Option<u64>, strict: bool) -> Vec<Value> {
    let ended = status_of(s, strict);
    let mut at = start;
    s.steps
        .iter()
        .map(|step| {
            let status = match step.ran {
                StepRan::Passed => "passed",
                StepRan::Ended => ended,
                StepRan::Undefined => "broken",
                StepRan::NotReached => "skipped",
            };
            let from = at;
            at = at.map(|t| t + step.duration_ms);
            timed(
                json!({"name": format!("{}{}", step.keyword, step.text), "status": status, "stage": "finished"}),
                from,
                step.duration_ms,
            )
        })
        .collect()
}

/// The run's parameters of every result: excluded, so they never split a scenario's history.
fn parameters(outcome: &RunOutcome) -> Vec<Value> {
    vec![
        json!({"name": "target", "value": outcome.target, "excluded": true}),
        json!({"name": "seed", "value": outcome.seed.to_string(), "excluded": true}),
    ]
}

/// The scenario's final result.
pub fn result(s: &ScenarioResult, outcome: &RunOutcome, info: &ScenarioInfo, host: &str, uuid: String) -> Written {
    let start = s.started_at;
    let mut attachments = Vec::new();
    let mut json = json!({
        "uuid": uuid,
        "historyId": s.id,
        "testCaseId": s.id,
        "fullName": s.id,
        "name": crate::catalog::report_name(&s.id, s.level, &s.name),
        "status": status_of(s, outcome.strict),
        "statusDetails": details(s, outcome, info),
        "stage": "finished",
        "labels": labels(info, host),
        "parameters": parameters(outcome),
        "steps": steps(s, start, outcome.strict),
        "links": links(outcome, &s.id),
    });
    json = timed(json, start, s.duration_ms);
    if let Some(exchange) = s.failure().and_then(|f| f.exchange.clone()) {
        let file = format!("vpp-conformance-{uuid}-attachment.txt");
        json["attachments"] = json!([{"name": "exchange", "source": file, "type": "text/plain"}]);
        attachments.push((file, exchange));
    }
    Written { uuid, json, attachments }
}

/// A link only where a URL is known: a waiver's.
fn links(outcome: &RunOutcome, id: &str) -> Vec<Value> {
    let link = outcome.waiver(id).and_then(|w| w.link.clone());
    link.filter(|l| l.starts_with("https://") || l.starts_with("http://"))
        .map(|url| vec![json!({"name": "waiver", "url": url, "type": "issue"})])
        .unwrap_or_default()
}

/// The attempts before the last, as results of their own with the same identity, so that Allure
/// shows them as retries: each earlier attempt a `flaky` waiver ran, or, for requests sent again
/// (`--retries`), one attempt that met the transport errors.
pub fn earlier_attempts(s: &ScenarioResult, outcome: &RunOutcome, info: &ScenarioInfo, host: &str) -> Vec<Value> {
    let start = s.started_at;
    let mut attempts: Vec<(String, String, Option<String>)> = s
        .failed_attempts
        .iter()
        .map(|f| {
            let status = if f.kind.judged() { "failed" } else { "broken" };
            (status.to_owned(), f.headline(), cause_line(f))
        })
        .collect();
    if !s.flaky.is_empty() {
        let message = format!("requests were sent again after a transport error: {}", s.flaky.join("; "));
        attempts.push(("broken".to_owned(), message, Some("cause: retried".to_owned())));
    }
    let n = attempts.len() as u64;
    attempts
        .into_iter()
        .enumerate()
        .map(|(i, (status, message, first))| {
            // Before the last attempt, in order.
            let at = start.map(|t| t.saturating_sub(n - i as u64));
            let attempt = json!({
                "uuid": String::new(),
                "historyId": s.id,
                "testCaseId": s.id,
                "fullName": s.id,
                "name": crate::catalog::report_name(&s.id, s.level, &s.name),
                "status": status,
                "statusDetails": {"message": message, "trace": first.unwrap_or_default()},
                "stage": "finished",
                "labels": labels(info, host),
                "parameters": parameters(outcome),
            });
            timed(attempt, at, 0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::NotRun;

    fn waived(ended: Ended, failed_attempts: usize) -> ScenarioResult {
        ScenarioResult {
            id: "APL-CFG-001".into(),
            name: "x".into(),
            level: Level::Must,
            feature: "f".into(),
            ended,
            warnings: vec![],
            coverage: vec![],
            flaky: vec![],
            failed_attempts: (0..failed_attempts).map(|_| Failure::finding("an earlier attempt")).collect(),
            steps: vec![],
            duration_ms: 3,
            started_at: Some(10),
            status: Status::Waived,
        }
    }

    /// A waived scenario is shown as it ended: an expected failure failed, a skip skipped, and a
    /// `flaky` waiver's pass on a later attempt passed (once counted among the skipped).
    #[test]
    fn a_waived_scenario_is_shown_as_it_ended() {
        assert_eq!(status_of(&waived(Ended::failure(Failure::finding("x")), 0), false), "failed");
        assert_eq!(status_of(&waived(Ended::NotRun(NotRun::SkipWaiver), 0), false), "skipped");
        let passed_again = waived(Ended::Passed, 1);
        assert_eq!(status_of(&passed_again, false), "passed");
        assert_eq!(status_of(&passed_again, true), "passed");
    }

    /// A scenario that never started has no time in its result or steps (Allure once dated it
    /// 1970 and made the run 56 years long); one that did has its own.
    #[test]
    fn only_a_scenario_that_started_has_a_time() {
        let mut s = waived(Ended::NotRun(NotRun::SkipWaiver), 0);
        s.started_at = None;
        s.steps = vec![crate::outcome::StepRecord {
            keyword: "Given ".into(),
            text: "x".into(),
            line: 1,
            background: false,
            ran: StepRan::NotReached,
            duration_ms: 0,
        }];
        let outcome = RunOutcome { scenarios: vec![s.clone()], ..RunOutcome::default() };
        let info = crate::catalog::scenarios().into_iter().find(|i| i.id == s.id).unwrap();
        let never = result(&s, &outcome, &info, "h", "u".into()).json;
        assert!(never.get("start").is_none() && never.get("stop").is_none(), "{never}");
        assert!(never["steps"][0].get("start").is_none(), "{never}");
        s.started_at = Some(1_700_000_000_000);
        let started = result(&s, &outcome, &info, "h", "u".into()).json;
        assert_eq!(
            (started["start"].as_u64(), started["stop"].as_u64()),
            (Some(1_700_000_000_000), Some(1_700_000_000_003))
        );
        assert_eq!(started["steps"][0]["start"].as_u64(), Some(1_700_000_000_000));
    }
}
