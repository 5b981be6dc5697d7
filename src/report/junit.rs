//! JUnit XML as Maven Surefire writes it (its report schema 3.0), which Jenkins, GitLab, GitHub
//! test-report actions and junitparser read: one `<testsuite>` with the counts, one `<testcase>`
//! for every selected scenario (waived and not-run ones included) with its feature as
//! `classname`. A failed check is a `<failure>`, a scenario not judged (ERROR: no usable answer,
//! or the suite's own failure) an `<error>` whose `type` is the cause (refused, timed-out,
//! pushed-back…), each with the first line as `message` and the whole explanation as its text; a
//! scenario not run, not met or waived is `<skipped message="why">`; one that passed only after
//! requests were sent again carries a `<flakyFailure>` for each.

use crate::outcome::{FailureKind, RunOutcome, ScenarioResult, Status};
use std::fmt::Write as _;

/// What a test case shows, decided by the scenario's status alone.
enum Shown {
    Passed,
    Failure { kind: String, message: String, text: String },
    Error { kind: String, message: String, text: String },
    Skipped { message: String },
}

fn shown(s: &ScenarioResult, outcome: &RunOutcome) -> Shown {
    let message = || s.headline().unwrap_or_default();
    let text =
        || s.failure().map(|f| f.text_with("in the run's notices")).unwrap_or_else(|| s.reason().unwrap_or_default());
    match s.status {
        Status::Pass | Status::Warning | Status::Flaky => Shown::Passed,
        Status::StaleWaiver if !outcome.strict => Shown::Passed,
        Status::StaleWaiver => Shown::Failure {
            kind: "stale-waiver".into(),
            message: "stale waiver: a `fail` waiver expects this scenario to fail, and it passed (--strict)".into(),
            text: outcome.waiver(&s.id).map(|w| w.note()).unwrap_or_default(),
        },
        Status::Fail => Shown::Failure { kind: "finding".into(), message: message(), text: text() },
        Status::Error => {
            let kind = match s.failure().map(|f| f.kind) {
                Some(FailureKind::Transport(kind)) => kind.as_str(),
                Some(FailureKind::Suite) => "suite",
                _ => "error",
            };
            Shown::Error { kind: kind.into(), message: message(), text: text() }
        }
        Status::NotMet => Shown::Skipped { message: format!("{} not met: {}", s.level.note(), message()) },
        Status::Waived => {
            Shown::Skipped { message: outcome.waiver(&s.id).map(|w| w.note()).unwrap_or_else(|| "waived".into()) }
        }
        Status::NotRun | Status::Skipped => Shown::Skipped { message: s.reason().unwrap_or_else(|| "not run".into()) },
    }
}

/// Text safe in an attribute value: XML escapes, line ends kept as character references (an
/// XML reader folds a raw line end in an attribute into a space).
fn attr(text: &str) -> String {
    body(text).replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
}

/// Text safe as element content: XML escapes, and no character XML 1.0 forbids.
fn body(text: &str) -> String {
    let allowed: String = text.chars().map(|c| if is_xml_char(c) { c } else { '\u{fffd}' }).collect();
    // An apostrophe needs no escape in XML content or a double-quoted attribute.
    super::html::esc(&allowed).replace("&#39;", "'")
}

/// Characters XML 1.0 allows.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Seconds with at most three decimals, as Surefire's schema wants them.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The JUnit XML of a run: the suite with its counts and properties, then a test case a scenario.
pub fn render(outcome: &RunOutcome) -> String {
    let cases: Vec<(&ScenarioResult, Shown)> = outcome.scenarios.iter().map(|s| (s, shown(s, outcome))).collect();
    let count = |f: fn(&Shown) -> bool| cases.iter().filter(|(_, c)| f(c)).count();
    let failures = count(|c| matches!(c, Shown::Failure { .. }));
    let errors = count(|c| matches!(c, Shown::Error { .. }));
    let skipped = count(|c| matches!(c, Shown::Skipped { .. }));
    let total_ms: u64 = outcome.scenarios.iter().map(|s| s.duration_ms).max().unwrap_or(0);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuite name=\"vpp-conformance\" version=\"3.0\" time=\"{}\" tests=\"{}\" errors=\"{errors}\" skipped=\"{skipped}\" failures=\"{failures}\">",
        seconds(total_ms),
        cases.len()
    );
    properties(&mut x, outcome);
    for (s, case) in &cases {
        test_case(&mut x, s, case, outcome);
    }
    x.push_str("</testsuite>\n");
    x
}

/// The run's facts as the suite's properties.
fn properties(x: &mut String, outcome: &RunOutcome) {
    x.push_str("  <properties>\n");
    let properties = [
        ("vpp-conformance.version", env!("CARGO_PKG_VERSION").to_owned()),
        ("vpp-conformance.verdict", outcome.verdict_word().to_owned()),
        ("vpp-conformance.target", outcome.target.clone()),
        ("vpp-conformance.profile", outcome.profile.clone()),
        ("vpp-conformance.strict", outcome.strict.to_string()),
        ("vpp-conformance.seed", outcome.seed.to_string()),
    ];
    for (name, value) in properties {
        let _ = writeln!(x, "    <property name=\"{name}\" value=\"{}\"/>", attr(&value));
    }
    for (key, value) in &outcome.selection.labels {
        let _ = writeln!(x, "    <property name=\"vpp-conformance.label.{}\" value=\"{}\"/>", attr(key), attr(value));
    }
    x.push_str("  </properties>\n");
}

/// One scenario's `<testcase>`: its failure, flaky failures, skip or error, and what it printed.
fn test_case(x: &mut String, s: &ScenarioResult, case: &Shown, outcome: &RunOutcome) {
    let name = crate::catalog::report_name(&s.id, s.level, &s.name);
    let _ = write!(
        x,
        "  <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        attr(&name),
        attr(&s.feature),
        seconds(s.duration_ms)
    );
    let mut inner = String::new();
    if let Shown::Failure { kind, message, text } = case {
        let _ = writeln!(
            inner,
            "    <failure message=\"{}\" type=\"{}\">{}</failure>",
            attr(message),
            attr(kind),
            body(text)
        );
    }
    if s.status.passed() || s.status == Status::Waived {
        flaky_failures(&mut inner, s);
    }
    match case {
        Shown::Skipped { message } => {
            let _ = writeln!(inner, "    <skipped message=\"{}\"/>", attr(message));
        }
        Shown::Error { kind, message, text } => {
            let _ = writeln!(
                inner,
                "    <error message=\"{}\" type=\"{}\">{}</error>",
                attr(message),
                attr(kind),
                body(text)
            );
        }
        _ => {}
    }
    system_out(&mut inner, s, outcome);
    if inner.is_empty() {
        x.push_str("/>\n");
    } else {
        x.push_str(">\n");
        x.push_str(&inner);
        x.push_str("  </testcase>\n");
    }
}

/// A `<flakyFailure>` for each request sent again and each earlier attempt that failed.
fn flaky_failures(inner: &mut String, s: &ScenarioResult) {
    let retried = s.flaky.iter().map(|r| {
        ("passed only after requests were sent again (--retries)", format!("FLAKY: a request was sent again: {r}"))
    });
    let attempts = s
        .failed_attempts
        .iter()
        .map(|f| ("passed on a later attempt (a flaky waiver)", format!("FLAKY: an earlier attempt failed: {f}")));
    for (message, text) in retried.chain(attempts) {
        let _ = writeln!(
            inner,
            "    <flakyFailure message=\"{message}\" type=\"flaky\"><stackTrace>{}</stackTrace></flakyFailure>",
            body(&text)
        );
    }
}

/// What a reader of the test case is told besides its result: the failure a waiver or a level
/// keeps from failing, a stale waiver, the warnings and coverage notes.
fn system_out(inner: &mut String, s: &ScenarioResult, outcome: &RunOutcome) {
    let mut out_text: Vec<String> = Vec::new();
    if let (Status::NotMet | Status::Waived, Some(f)) = (s.status, s.failure()) {
        out_text.push(f.text_with("in the run's notices"));
    }
    if s.status == Status::StaleWaiver && !outcome.strict {
        out_text.push(
            "stale waiver: a `fail` waiver expects this scenario to fail, and it passed (remove the waiver)".into(),
        );
    }
    out_text.extend(s.warnings.iter().map(|w| format!("warning: {w}")));
    out_text.extend(s.coverage.iter().map(|c| format!("coverage: {c}")));
    if !out_text.is_empty() {
        let _ = writeln!(inner, "    <system-out>{}</system-out>", body(&out_text.join("\n")));
    }
}
