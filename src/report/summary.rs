//! The summary a run's log ends with, as pytest's and cargo test's do: what was not met, waived,
//! not run, the warnings and notices, then every failure with its whole reason, then the short
//! summary (one line a failure: ID, level, the first line of why) and the verdict line CI logs
//! are searched for. With `--quiet`, only the short summary and the verdict.

use crate::outcome::{Counts, RunOutcome, ScenarioResult, Status, Stop};
use std::io::Write;

/// How much of the summary to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    /// `--quiet`: the failures' lines and the verdict.
    Quiet,
}

/// The summary of `outcome`, after the run's own lines.
pub fn write(out: &mut impl Write, outcome: &RunOutcome, detail: Detail) {
    if detail == Detail::Full {
        write_sections(out, outcome);
        write_failures(out, outcome);
    }
    write_short_summary(out, outcome);
    writeln!(out, "{}", verdict_line(outcome)).ok();
    out.flush().ok();
}

/// A titled list of the scenarios of `status`, each with `line`: `Title (n): what it means`.
fn section(
    out: &mut impl Write,
    outcome: &RunOutcome,
    status: Status,
    (title, meaning): (&str, &str),
    line: impl Fn(&ScenarioResult) -> String,
) {
    let listed: Vec<&ScenarioResult> = outcome.scenarios.iter().filter(|s| s.status == status).collect();
    if listed.is_empty() {
        return;
    }
    writeln!(out, "\n{title} ({}): {meaning}", listed.len()).ok();
    for s in listed {
        writeln!(out, "  {}", line(s)).ok();
    }
}

fn write_sections(out: &mut impl Write, outcome: &RunOutcome) {
    let notes = |title: &str, pick: &dyn Fn(&ScenarioResult) -> &Vec<String>, out: &mut dyn Write| {
        let with: Vec<&ScenarioResult> = outcome.scenarios.iter().filter(|s| !pick(s).is_empty()).collect();
        if !with.is_empty() {
            writeln!(out, "\n{title}:").ok();
            for s in with {
                for n in pick(s) {
                    writeln!(out, "  [{}] {n}", s.id).ok();
                }
            }
        }
    };
    notes("Warnings (the documentation leaves these open; they never fail a run)", &|s| &s.warnings, out);
    notes(
        "Coverage (what the target's data gave nothing to check; no finding about the target)",
        &|s| &s.coverage,
        out,
    );
    section(out, outcome, Status::Flaky, ("Flaky", "passed, but only on a later try"), |s| {
        let why = s.flaky.first().cloned().or_else(|| s.failed_attempts.first().map(|f| f.headline()));
        format!("[{}] FLAKY {}", s.id, why.unwrap_or_default())
    });
    let not_met = ("Not met", "without failing the run (SHOULD: a failure under --strict; INFO: observed only)");
    section(out, outcome, Status::NotMet, not_met, |s| {
        format!("[{}] {} {}: {}", s.id, s.level, s.name, s.headline().unwrap_or_default())
    });
    section(
        out,
        outcome,
        Status::Waived,
        ("Waived", "what the expectations file expects (they do not fail the run)"),
        |s| {
            let note = outcome.waiver(&s.id).map(|w| w.note()).unwrap_or_default();
            format!("[{}] {} {}: {note}", s.id, s.level, s.name)
        },
    );
    if !outcome.strict {
        let stale =
            ("Stale waivers", "expected to fail, they passed; remove their waivers (--strict makes this a failure)");
        section(out, outcome, Status::StaleWaiver, stale, |s| format!("[{}] {} {}", s.id, s.level, s.name));
    }
    // Not run, grouped by reason: one target down, or the interruption, explains them all.
    let mut not_run: Vec<(String, Vec<&str>)> = Vec::new();
    for s in outcome.not_run() {
        let reason = s.reason().unwrap_or_default();
        match not_run.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, ids)) => ids.push(&s.id),
            None => not_run.push((reason, vec![&s.id])),
        }
    }
    if !not_run.is_empty() {
        let n: usize = not_run.iter().map(|(_, ids)| ids.len()).sum();
        writeln!(out, "\nNot run ({n}): the run cannot say whether the target meets these:").ok();
        for (reason, ids) in &not_run {
            writeln!(out, "  {reason}: {}", ids.join(", ")).ok();
        }
    }
    if let Some(Stop::MaxFailures { max }) = outcome.stopped {
        writeln!(out, "\nNOTICE: the run stopped after {max} failed scenario(s) (--max-failures {max})").ok();
    }
    for line in &outcome.capacity {
        writeln!(out, "\nTarget capacity: {line}").ok();
    }
    for notice in &outcome.notices {
        writeln!(out, "\nNOTICE: {notice}").ok();
    }
}

/// Every failure of the run, whole: its steps, then what was expected, what came and the exchange.
fn write_failures(out: &mut impl Write, outcome: &RunOutcome) {
    let failed: Vec<&ScenarioResult> = outcome.failed().collect();
    if failed.is_empty() {
        return;
    }
    writeln!(out, "\nFailures ({}):", failed.len()).ok();
    for s in failed {
        writeln!(out, "\n---- {} {} ({}, {}) ----", s.id, s.name, s.level, s.status).ok();
        for step in &s.steps {
            let mark = match step.ran {
                crate::outcome::StepRan::Passed => "ok  ",
                crate::outcome::StepRan::Ended => "FAIL",
                crate::outcome::StepRan::Undefined => "UNDEFINED",
                crate::outcome::StepRan::NotReached => "--  ",
            };
            writeln!(out, "  {mark} {}{}", step.keyword, step.text).ok();
        }
        let text = match (s.status, s.failure()) {
            (Status::StaleWaiver, _) => {
                "a `fail` waiver expects this scenario to fail, and it passed: the waiver is stale (remove it); \
                 under --strict this fails the run"
                    .to_owned()
            }
            (_, Some(f)) => f.text_with("above"),
            _ => s.reason().unwrap_or_default(),
        };
        for line in text.lines() {
            writeln!(out, "  {line}").ok();
        }
    }
}

/// The short summary: a line for each scenario that fails the run.
fn write_short_summary(out: &mut impl Write, outcome: &RunOutcome) {
    let failed: Vec<&ScenarioResult> = outcome.failed().collect();
    if failed.is_empty() {
        return;
    }
    writeln!(out, "\nShort summary of the failures:").ok();
    for s in failed {
        let why = match s.status {
            Status::StaleWaiver => "stale waiver: expected to fail, it passed (--strict)".to_owned(),
            _ => s.headline().unwrap_or_default(),
        };
        writeln!(out, "{:<12} {} ({}): {why}", s.status.as_str().to_uppercase(), s.id, s.level).ok();
    }
}

/// The counts after the verdict: what else than passing there was.
fn extras(c: &Counts, strict: bool) -> String {
    let mut parts = Vec::new();
    let mut add = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    add(c.flaky, "flaky");
    add(c.not_met, "SHOULD/INFO not met");
    add(c.not_run, "not run");
    add(c.waived, "waived");
    if !strict {
        add(c.stale, "stale waiver(s)");
    }
    parts.iter().map(|p| format!("; {p}")).collect()
}

/// `VERDICT: PASS|FAIL|INTERRUPTED: …`, the line CI logs are searched for.
pub fn verdict_line(outcome: &RunOutcome) -> String {
    let c = outcome.counts();
    let extra = extras(&c, outcome.strict);
    let target = &outcome.target;
    let ids = |it: &mut dyn Iterator<Item = &ScenarioResult>| {
        let ids: Vec<&str> = it.map(|s| s.id.as_str()).collect();
        if ids.is_empty() { String::new() } else { format!(" ({})", ids.join(", ")) }
    };
    let harness = match outcome.harness_errors {
        0 => String::new(),
        n => format!("; {n} harness error(s): features that did not parse"),
    };
    let failing = {
        let mut parts = Vec::new();
        let scenarios = c.failed + c.timed_out;
        if scenarios > 0 {
            let timed = if c.timed_out > 0 { format!(", {} of them timed out", c.timed_out) } else { String::new() };
            parts.push(format!(
                "{scenarios} of {} scenarios failed{timed}{}",
                c.total,
                ids(&mut outcome.scenarios.iter().filter(|s| matches!(s.status, Status::Fail | Status::TimedOut)))
            ));
        }
        if outcome.strict && c.stale > 0 {
            parts.push(format!("{} stale waiver(s) under --strict{}", c.stale, ids(&mut outcome.stale())));
        }
        parts.join("; ")
    };
    if let Some(signal) = outcome.stopped.and_then(Stop::signal) {
        let failed = if failing.is_empty() { "none failed".to_owned() } else { failing };
        return format!(
            "\nVERDICT: INTERRUPTED by {}: {} of {} scenarios finished, {failed}{extra}{harness} ({target})",
            signal.name(),
            c.total - c.not_run,
            c.total
        );
    }
    if outcome.passed() {
        return format!("\nVERDICT: PASS: {} of {} scenarios passed{extra} ({target})", c.passed + c.flaky, c.total);
    }
    let why =
        if failing.is_empty() { format!("{} of {} scenarios passed", c.passed + c.flaky, c.total) } else { failing };
    format!("\nVERDICT: FAIL: {why}{extra}{harness} ({target})")
}
