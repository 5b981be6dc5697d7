//! The summary a run ends with, on the terminal: warnings, what was not met, what was not run,
//! notices, and the verdict line CI logs are searched for.

use crate::outcome::{RunOutcome, ScenarioResult, Stop};
use std::io::Write;

/// Warnings and the verdict, after cucumber's own summary.
pub fn write(out: &mut impl Write, outcome: &RunOutcome) {
    let warned: Vec<&ScenarioResult> = outcome.scenarios.iter().filter(|s| !s.warnings.is_empty()).collect();
    if !warned.is_empty() {
        writeln!(out, "\nWarnings (the documentation leaves these open; they never fail a run):").ok();
        for s in warned {
            for w in &s.warnings {
                writeln!(out, "  [{}] {w}", s.id).ok();
            }
        }
    }
    let covered: Vec<&ScenarioResult> = outcome.scenarios.iter().filter(|s| !s.coverage.is_empty()).collect();
    if !covered.is_empty() {
        writeln!(out, "\nCoverage (what the target's data gave nothing to check; no finding about the target):").ok();
        for s in covered {
            for c in &s.coverage {
                writeln!(out, "  [{}] {c}", s.id).ok();
            }
        }
    }
    let flaky: Vec<&ScenarioResult> = outcome.flaky().collect();
    if !flaky.is_empty() {
        writeln!(out, "\nFlaky: passed, but only after requests were sent again (--retries):").ok();
        for s in flaky {
            for r in &s.flaky {
                writeln!(out, "  [{}] FLAKY {r}", s.id).ok();
            }
        }
    }
    let not_met: Vec<&ScenarioResult> = outcome.not_met().collect();
    if !not_met.is_empty() {
        writeln!(out, "\nNot met, without failing the run (SHOULD: a failure under --strict; INFO: observed only):")
            .ok();
        for s in &not_met {
            // What was expected and what came back, before the request and response details.
            let why: Vec<&str> = s
                .reason
                .as_deref()
                .unwrap_or("")
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("request:"))
                .filter(|l| !l.is_empty())
                .take(4)
                .collect();
            writeln!(out, "  [{}] {} {}: {}", s.id, s.level, s.name, why.join(" / ")).ok();
        }
    }
    let waived: Vec<&ScenarioResult> = outcome.waived().collect();
    if !waived.is_empty() {
        writeln!(
            out,
            "\nWaived ({}): failures the expectations file expects, with its reasons (they do not fail the run):",
            waived.len()
        )
        .ok();
        for s in &waived {
            let note = outcome.waiver(&s.id).map(|w| w.note()).unwrap_or_default();
            writeln!(out, "  [{}] {} {}: {note}", s.id, s.level, s.name).ok();
        }
    }
    let stale: Vec<&ScenarioResult> = outcome.stale().collect();
    if !stale.is_empty() {
        writeln!(
            out,
            "\nStale waivers ({}): expected to fail, they passed; remove their waivers ({}):",
            stale.len(),
            if outcome.strict { "a failure under --strict" } else { "--strict makes this a failure" }
        )
        .ok();
        for s in &stale {
            writeln!(out, "  [{}] {} {}", s.id, s.level, s.name).ok();
        }
    }
    // Not run, grouped by reason (one target down, or the interruption, explains them all).
    let mut not_run: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in outcome.not_run() {
        let reason = s.reason.as_deref().unwrap_or(crate::outcome::NOT_RUN);
        match not_run.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, ids)) => ids.push(&s.id),
            None => not_run.push((reason, vec![&s.id])),
        }
    }
    let not_run_count: usize = not_run.iter().map(|(_, ids)| ids.len()).sum();
    if !not_run.is_empty() {
        writeln!(out, "\nNot run ({not_run_count}): the run cannot say whether the target meets these:").ok();
        for (reason, ids) in &not_run {
            writeln!(out, "  {reason}: {}", ids.join(", ")).ok();
        }
    }
    if let Some(Stop::MaxFailures(n)) = outcome.stopped {
        writeln!(out, "\nNOTICE: the run stopped after {n} failed scenario(s) (--max-failures {n})").ok();
    }
    for notice in &outcome.notices {
        writeln!(out, "\nNOTICE: {notice}").ok();
    }
    let failed: Vec<&ScenarioResult> = outcome.failed().collect();
    let total = outcome.scenarios.len();
    let mut not_run_text = if not_run_count == 0 { String::new() } else { format!("; {not_run_count} not run") };
    if !waived.is_empty() {
        not_run_text.push_str(&format!("; {} waived", waived.len()));
    }
    if !stale.is_empty() {
        not_run_text.push_str(&format!("; {} stale waiver(s)", stale.len()));
    }
    if let Some(signal) = outcome.stopped.and_then(Stop::signal) {
        let ids: Vec<&str> = failed.iter().map(|s| s.id.as_str()).collect();
        let ids = if ids.is_empty() { String::new() } else { format!(" ({})", ids.join(", ")) };
        writeln!(
            out,
            "\nVERDICT: INTERRUPTED by {}: {} of {total} scenarios finished, {} failed{ids}{not_run_text} ({})",
            signal.name(),
            total - not_run_count,
            failed.len(),
            outcome.target
        )
        .ok();
    } else if outcome.passed() {
        let met = total - not_met.len() - waived.len();
        let mut extra =
            if not_met.is_empty() { String::new() } else { format!("; {} SHOULD/INFO not met", not_met.len()) };
        extra.push_str(&not_run_text);
        writeln!(out, "\nVERDICT: PASS: {met} of {total} scenarios passed{extra} ({})", outcome.target).ok();
    } else {
        let ids: Vec<&str> = failed.iter().map(|s| s.id.as_str()).collect();
        writeln!(
            out,
            "\nVERDICT: FAIL: {} of {total} scenarios failed{}{}{not_run_text}{}",
            failed.len() + if outcome.strict { stale.len() } else { 0 },
            {
                let ids: Vec<&str> =
                    ids.iter().copied().chain(stale.iter().filter(|_| outcome.strict).map(|s| s.id.as_str())).collect();
                if ids.is_empty() { String::new() } else { format!(" ({})", ids.join(", ")) }
            },
            if outcome.harness_errors > 0 {
                format!("; {} harness errors", outcome.harness_errors)
            } else {
                String::new()
            },
            format_args!(" ({})", outcome.target)
        )
        .ok();
    }
    out.flush().ok();
}
