//! The summary a run's log ends with, as pytest's and cargo test's do: what was not met, waived,
//! not run, the warnings and notices, then every failure with its whole reason, then the short
//! summary (one line a failure: ID, level, the first line of why; one line for every scenario of
//! a target found down) and the verdict line CI logs are searched for. With `--quiet`, only the
//! short summary and the verdict.

use crate::outcome::{Conclusion, Counts, Down, RunOutcome, ScenarioResult, Status, Stop};
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
    write_short_summary(out, outcome, detail);
    let verdict = verdict_line(outcome);
    // Under --quiet, no blank line: a line a cause, then the verdict.
    let verdict = if detail == Detail::Quiet { verdict.trim_start() } else { verdict.as_str() };
    writeln!(out, "{verdict}").ok();
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

/// Every failure of the run, whole: its steps, then what was expected, what came and the
/// exchange; then what could not be judged, an origin found down once for all its scenarios.
fn write_failures(out: &mut impl Write, outcome: &RunOutcome) {
    let failed: Vec<&ScenarioResult> = outcome.failed().collect();
    if !failed.is_empty() {
        writeln!(out, "\nFailures ({}):", failed.len()).ok();
        failed.into_iter().for_each(|s| write_whole(out, outcome, s));
    }
    let errors: Vec<&ScenarioResult> = outcome.errors().collect();
    if errors.is_empty() {
        return;
    }
    writeln!(out, "\nNot judged ({}): no usable answer came, so no rule was seen broken:", errors.len()).ok();
    for (down, ids) in down_groups(&errors) {
        writeln!(out, "  {} (said above): {}", down.plain(), ids.join(", ")).ok();
    }
    errors.into_iter().filter(|s| down_of(s).is_none()).for_each(|s| write_whole(out, outcome, s));
}

/// One scenario that did not pass, whole: its steps and why.
fn write_whole(out: &mut impl Write, outcome: &RunOutcome, s: &ScenarioResult) {
    writeln!(out, "\n---- {} {} ({}, {}) ----", s.id, s.name, s.level, s.status).ok();
    for step in &s.steps {
        let mark = match step.ran {
            crate::outcome::StepRan::Passed => "ok  ",
            crate::outcome::StepRan::Ended if s.status == Status::Error => "ERROR",
            crate::outcome::StepRan::Ended => "FAIL",
            crate::outcome::StepRan::Undefined => "UNDEFINED",
            crate::outcome::StepRan::NotReached => "--  ",
        };
        writeln!(out, "  {mark} {}{}", step.keyword, step.text).ok();
    }
    let text = match (s.status, s.failure()) {
        (Status::StaleWaiver, _) => {
            "a `fail` waiver expects this scenario to fail, and it passed: the waiver is stale \
                                     (remove it); under --strict this fails the run"
                .to_owned()
        }
        (_, Some(f)) => f.text_with("above"),
        _ => s.reason().unwrap_or_default(),
    };
    for line in text.lines() {
        writeln!(out, "  {line}").ok();
    }
    let _ = outcome;
}

/// The origin found down that ended `s`, with its cause.
fn down_of(s: &ScenarioResult) -> Option<&Down> {
    s.failure().filter(|_| s.status == Status::Error)?.down.as_ref()
}

/// The scenarios of each origin found down, with its cause: one line each, however many.
fn down_groups<'a>(scenarios: &[&'a ScenarioResult]) -> Vec<(&'a Down, Vec<&'a str>)> {
    let mut groups: Vec<(&Down, Vec<&str>)> = Vec::new();
    for s in scenarios {
        let Some(down) = down_of(s) else { continue };
        match groups.iter_mut().find(|(d, _)| d.origin == down.origin) {
            Some((_, ids)) => ids.push(&s.id),
            None => groups.push((down, vec![&s.id])),
        }
    }
    groups
}

/// The short summary: a line for each scenario that fails the run or leaves it not judged (an
/// origin found down: one line for all its scenarios). Under `--quiet`, without a heading.
fn write_short_summary(out: &mut impl Write, outcome: &RunOutcome, detail: Detail) {
    let failed: Vec<&ScenarioResult> = outcome.failed().collect();
    let unjudged: Vec<&ScenarioResult> = outcome.unjudged().collect();
    if failed.is_empty() && unjudged.is_empty() {
        return;
    }
    if detail == Detail::Full {
        writeln!(out, "\nShort summary of the failures and of what could not be judged:").ok();
    }
    for s in failed.iter().chain(unjudged.iter().filter(|s| down_of(s).is_none())) {
        let why = match s.status {
            Status::StaleWaiver => "stale waiver: expected to fail, it passed (--strict)".to_owned(),
            _ => s.headline().unwrap_or_default(),
        };
        writeln!(out, "{:<12} {} ({}): {why}", s.status.as_str().to_uppercase(), s.id, s.level).ok();
    }
    // An origin found down is one line with all its scenarios, at any level.
    let errors: Vec<&ScenarioResult> = outcome.errors().collect();
    for (down, ids) in down_groups(&errors) {
        writeln!(out, "{:<12} {} scenario(s): {}", "ERROR", ids.len(), down.plain()).ok();
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

/// The scenarios' IDs in parentheses, or nothing.
fn ids<'a>(it: impl Iterator<Item = &'a ScenarioResult>) -> String {
    let ids: Vec<&str> = it.map(|s| s.id.as_str()).collect();
    if ids.is_empty() { String::new() } else { format!(" ({})", ids.join(", ")) }
}

/// What was not judged, in a few words: the one cause when an origin found down explains it all.
fn not_judged(outcome: &RunOutcome, total: usize) -> Option<String> {
    let errors: Vec<&ScenarioResult> = outcome.errors().collect();
    if errors.is_empty() {
        return None;
    }
    let groups = down_groups(&errors);
    let why = match groups.as_slice() {
        [(down, ids)] if ids.len() == errors.len() => format!(": {}", down.plain()),
        _ => ids(errors.iter().copied()),
    };
    Some(format!("{} of {total} scenarios could not be judged{why}", errors.len()))
}

/// `VERDICT: PASS|FAIL|ERROR|INTERRUPTED: …`, the line CI logs are searched for.
pub fn verdict_line(outcome: &RunOutcome) -> String {
    let c = outcome.counts();
    let extra = extras(&c, outcome.strict);
    let target = &outcome.target;
    let harness = match outcome.harness_errors {
        0 => String::new(),
        n => format!("; {n} harness error(s): features that did not parse"),
    };
    let mut parts = Vec::new();
    if c.failed > 0 {
        parts.push(format!("{} of {} scenarios failed{}", c.failed, c.total, ids(outcome.with_status(Status::Fail))));
    }
    if outcome.strict && c.stale > 0 {
        parts.push(format!("{} stale waiver(s) under --strict{}", c.stale, ids(outcome.stale())));
    }
    parts.extend(not_judged(outcome, c.total));
    let said = parts.join("; ");
    let passed = format!("{} of {} scenarios passed", c.passed + c.flaky, c.total);
    let word = outcome.verdict_word();
    match outcome.conclusion() {
        Conclusion::Interrupted(signal) => {
            let finished = if said.is_empty() { "none failed".to_owned() } else { said };
            format!(
                "\nVERDICT: {word} by {}: {} of {} scenarios finished, {finished}{extra}{harness} ({target})",
                signal.name(),
                c.total - c.not_run,
                c.total
            )
        }
        Conclusion::Pass if said.is_empty() => format!("\nVERDICT: {word}: {passed}{extra} ({target})"),
        Conclusion::Pass => format!("\nVERDICT: {word}: {passed}; {said}{extra} ({target})"),
        Conclusion::Fail | Conclusion::Error if said.is_empty() => {
            format!("\nVERDICT: {word}: {passed}{extra}{harness} ({target})")
        }
        Conclusion::Fail | Conclusion::Error => format!("\nVERDICT: {word}: {said}{extra}{harness} ({target})"),
    }
}
