//! The regression report: what changed between two runs of the same target, read from their
//! Cucumber JSON (`run --json`). Scenarios are matched by their stable ID tags, never by name,
//! so renaming a scenario is not a change. Both runs' labels are stated, and each documented
//! operation's latency compared (`latency.rs`).

pub mod latency;

use crate::outcome::latency::Latency;
use latency::{LatencyChanges, Thresholds};
use std::collections::BTreeMap;

/// A scenario's outcome in one run, read back from its Cucumber JSON, in the results model's
/// words: `Pass`; `NotMet` (a SHOULD or INFO scenario that failed without failing its run: its
/// steps are `skipped`, with the reason embedded); `Fail`; `NotRun` (interrupted or stopped, or
/// the target did not answer: nothing to compare, neither fixed nor a regression); `Waived` (a
/// failure an expectations file expects, or a scenario a `skip` waiver kept out).
pub use crate::outcome::Status as Outcome;

/// How the regression report words an outcome.
fn text(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass | Outcome::Warning | Outcome::Flaky => "passed",
        Outcome::NotMet => "not met",
        Outcome::Fail | Outcome::StaleWaiver => "failed",
        Outcome::Error => "not judged (error)",
        Outcome::NotRun | Outcome::Skipped => "not run",
        Outcome::Waived => "waived",
    }
}

/// Results of one run by scenario ID, with names for display; its labels and latencies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunResults {
    pub scenarios: BTreeMap<String, (String, Outcome)>,
    pub labels: Vec<(String, String)>,
    /// `None` for a run of an earlier version, which recorded none.
    pub latency: Option<Latency>,
    /// What the run was judged under: `--strict`, the expectations file's digest, the profile.
    pub judged_under: (bool, Option<String>, String),
}

/// A run's results, read from the facts its Cucumber JSON carries (`run --json`): each
/// scenario's status as the run decided it.
pub fn parse_cucumber_json(text: &str) -> Result<RunResults, String> {
    let facts = crate::outcome::facts::read(text)?;
    let scenarios = facts.results.into_iter().map(|r| (r.id, (r.name, r.status))).collect();
    let s = facts.selection;
    let judged_under = (s.strict, s.expectations_digest, s.profile);
    Ok(RunResults { scenarios, labels: s.labels, latency: facts.latency, judged_under })
}

/// What changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Passed before (or did not exist) and fail now.
    pub newly_failing: Vec<(String, String)>,
    pub fixed: Vec<(String, String)>,
    pub added: Vec<(String, String, Outcome)>,
    pub removed: Vec<(String, String)>,
    pub still_failing: Vec<(String, String)>,
    /// SHOULD or INFO scenarios that passed before and are not met now: worth a look, not a regression.
    pub newly_not_met: Vec<(String, String)>,
    /// Judged in the earlier run (passed, failed, not met) and not judged in the later one
    /// (ERROR: no usable answer): no regression, and no comparison either.
    pub newly_unjudged: Vec<(String, String)>,
    /// Not judged in the later run, as in the earlier one, or not run in it (interrupted,
    /// stopped, lacking an option): nothing to compare.
    pub not_run: Vec<(String, String)>,
    pub unchanged_passing: usize,
    /// Each run's labels (`--label`): the earlier's, the later's.
    pub labels: (Labels, Labels),
    /// Each documented operation's latency in both runs, and which got slower.
    pub latency: LatencyChanges,
    /// Why the two runs' statuses do not compare alike, when they were judged under different
    /// rules (`--strict`, the expectations, the profile): a change may be the rules', not the target's.
    pub judged_apart: Option<String>,
}

/// A run's labels (`--label`), name and value, in the order given.
pub type Labels = Vec<(String, String)>;

impl Changes {
    /// A CI gate fails when anything newly fails, added scenarios included.
    pub fn regressed(&self) -> bool {
        !self.newly_failing.is_empty()
    }

    /// Whether an operation got slower (what `--fail-on-slower` fails on).
    pub fn slower(&self) -> bool {
        self.latency.slower().next().is_some()
    }
}

pub fn compare(base: &RunResults, new: &RunResults, thresholds: Thresholds) -> Changes {
    let mut c = Changes {
        labels: (base.labels.clone(), new.labels.clone()),
        latency: latency::compare(base.latency.as_ref(), new.latency.as_ref(), thresholds),
        judged_apart: judged_apart(&base.judged_under, &new.judged_under),
        ..Changes::default()
    };
    // The reader gives pass, not met, fail, not run and waived; a waived outcome is compared as
    // not met, and the statuses only a report has are compared as what they are to a run.
    let as_compared = |o: Outcome| match o {
        Outcome::Waived => Outcome::NotMet,
        Outcome::Warning | Outcome::Flaky | Outcome::StaleWaiver => Outcome::Pass,
        Outcome::Skipped => Outcome::NotRun,
        other => other,
    };
    for (id, (name, outcome)) in &new.scenarios {
        let outcome = &as_compared(*outcome);
        // A scenario the earlier run did not run has no result to compare with: as if new,
        // except that it is not listed as added.
        let before = base.scenarios.get(id).map(|(_, o)| as_compared(*o));
        let judged = |o: Outcome| matches!(o, Outcome::Pass | Outcome::Fail | Outcome::NotMet);
        match (before, outcome) {
            (Some(b), Outcome::Error) if judged(b) => c.newly_unjudged.push((id.clone(), name.clone())),
            (Some(_), Outcome::NotRun | Outcome::Error) => c.not_run.push((id.clone(), name.clone())),
            (None, Outcome::NotRun) => c.not_run.push((id.clone(), name.clone())),
            (Some(Outcome::NotRun | Outcome::Error), Outcome::Fail) => c.newly_failing.push((id.clone(), name.clone())),
            (Some(Outcome::NotRun | Outcome::Error), _) => c.unchanged_passing += 1,
            (None, o) => {
                c.added.push((id.clone(), name.clone(), *o));
                if *o == Outcome::Fail {
                    c.newly_failing.push((id.clone(), name.clone()));
                }
            }
            (Some(Outcome::Fail), Outcome::Fail) => c.still_failing.push((id.clone(), name.clone())),
            (Some(_), Outcome::Fail) => c.newly_failing.push((id.clone(), name.clone())),
            (Some(Outcome::Fail | Outcome::NotMet), Outcome::Pass) => c.fixed.push((id.clone(), name.clone())),
            (Some(Outcome::Pass), Outcome::NotMet) => c.newly_not_met.push((id.clone(), name.clone())),
            (Some(Outcome::Fail), Outcome::NotMet) => c.fixed.push((id.clone(), name.clone())),
            // Not met before and now, or passed before and now (waived outcomes are mapped above).
            (Some(_), _) => c.unchanged_passing += 1,
        }
    }
    for (id, (name, _)) in &base.scenarios {
        if !new.scenarios.contains_key(id) {
            c.removed.push((id.clone(), name.clone()));
        }
    }
    c
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Html,
}

fn sections(c: &Changes) -> Vec<(&'static str, Vec<(String, String)>)> {
    vec![
        ("Newly failing", c.newly_failing.clone()),
        ("Fixed", c.fixed.clone()),
        ("Added", c.added.iter().map(|(id, n, o)| (id.clone(), format!("{n} ({})", text(*o)))).collect()),
        ("Removed", c.removed.clone()),
        ("Still failing", c.still_failing.clone()),
        ("Newly not met (SHOULD/INFO: a warning, not a regression)", c.newly_not_met.clone()),
        (
            "Newly not judged (ERROR in the later run: no usable answer, so nothing to compare)",
            c.newly_unjudged.clone(),
        ),
        ("Not run or not judged in the later run (interrupted, stopped, or no usable answer)", c.not_run.clone()),
        (
            "Slower (p95 grew past the thresholds)",
            c.latency
                .slower()
                .map(|o| (o.op.name().to_owned(), latency::text_lines_of(o, c.latency.recorded)))
                .collect(),
        ),
    ]
}

/// The headline and the one-line summary every format starts with.
fn headline(c: &Changes) -> (String, String) {
    let headline = if c.regressed() {
        format!("REGRESSION: {} scenario(s) newly failing", c.newly_failing.len())
    } else if !c.newly_unjudged.is_empty() {
        format!(
            "NOT JUDGED: nothing newly fails, but {} scenario(s) judged before could not be judged now",
            c.newly_unjudged.len()
        )
    } else {
        "NO REGRESSION: nothing newly fails".to_owned()
    };
    let mut summary = format!(
        "{} fixed, {} added, {} removed, {} still failing, {} newly not met, {} unchanged and not failing",
        c.fixed.len(),
        c.added.len(),
        c.removed.len(),
        c.still_failing.len(),
        c.newly_not_met.len(),
        c.unchanged_passing
    );
    if !c.newly_unjudged.is_empty() {
        summary.push_str(&format!(", {} newly not judged", c.newly_unjudged.len()));
    }
    if !c.not_run.is_empty() {
        summary.push_str(&format!(", {} not run or not judged", c.not_run.len()));
    }
    let slower = c.latency.slower().count();
    if slower > 0 {
        summary.push_str(&format!(", {slower} operation(s) slower"));
    }
    (headline, summary)
}

/// How two runs' rules differ, in words, if they do.
fn judged_apart(a: &(bool, Option<String>, String), b: &(bool, Option<String>, String)) -> Option<String> {
    let mut differ = Vec::new();
    if a.0 != b.0 {
        differ.push(format!("--strict {} then {}", if a.0 { "on" } else { "off" }, if b.0 { "on" } else { "off" }));
    }
    if a.1 != b.1 {
        differ.push("another expectations file".to_owned());
    }
    if a.2 != b.2 {
        differ.push(format!("the {} profile then the {} one", a.2, b.2));
    }
    (!differ.is_empty()).then(|| {
        format!(
            "NOTE: the runs were judged under different rules ({}): a change below may be the rules', not the target's",
            differ.join(", ")
        )
    })
}

/// Both runs' labels in words.
fn labels_line(c: &Changes) -> String {
    let text = |l: &[(String, String)]| match l.is_empty() {
        true => "(none)".to_owned(),
        false => crate::outcome::labels_text(l),
    };
    format!("Labels: before {}; after {}", text(&c.labels.0), text(&c.labels.1))
}

pub fn render(c: &Changes, format: DiffFormat) -> String {
    match format {
        DiffFormat::Text => render_text(c),
        DiffFormat::Markdown => render_markdown(c),
        DiffFormat::Html => render_html(c),
    }
}

fn render_text(c: &Changes) -> String {
    let (headline, summary) = headline(c);
    let mut out = format!("{headline}\n{summary}\n{}\n", labels_line(c));
    if let Some(note) = &c.judged_apart {
        out.push_str(&format!("{note}\n"));
    }
    for (title, items) in sections(c) {
        if !items.is_empty() {
            out.push_str(&format!("\n{title}:\n"));
            for (id, name) in items {
                out.push_str(&format!("  {id}  {name}\n"));
            }
        }
    }
    out.push_str("\nLatency (p50 and p95 of each documented operation, before → after):\n");
    for line in latency::text_lines(&c.latency) {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

fn render_markdown(c: &Changes) -> String {
    let (headline, summary) = headline(c);
    let mut out = format!("## vpp-conformance regression report\n\n**{headline}**: {summary}.\n\n{}\n", labels_line(c));
    if let Some(note) = &c.judged_apart {
        out.push_str(&format!("\n> **{note}**\n"));
    }
    for (title, items) in sections(c) {
        if !items.is_empty() {
            out.push_str(&format!("\n### {title}\n\n"));
            for (id, name) in items {
                out.push_str(&format!("- `{id}` {}\n", name.replace('|', "\\|")));
            }
        }
    }
    out.push_str("\n### Latency\n\n");
    match c.latency.recorded {
        (false, false) => out.push_str("Not recorded in either run (runs of an earlier version).\n"),
        _ => out.push_str(&latency::markdown_table(&c.latency)),
    }
    out
}

fn render_html(c: &Changes) -> String {
    let esc = super::html::esc;
    let (headline, summary) = headline(c);
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>vpp-conformance regression report</title>",
    );
    out.push_str("<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem}.bad{color:#9b1c1c}.good{color:#0f6a2a}table{border-collapse:collapse}th,td{border:1px solid #d0d0d5;padding:.3rem .5rem}</style></head>\n<body>\n");
    out.push_str(&format!(
        "<h1>vpp-conformance regression report</h1>\n<p id=\"headline\" class=\"{}\"><strong>{}</strong>: {}.</p>\n<p id=\"labels\">{}</p>\n",
        if c.regressed() || c.slower() { "bad" } else { "good" },
        esc(&headline),
        esc(&summary),
        esc(&labels_line(c))
    ));
    if let Some(note) = &c.judged_apart {
        out.push_str(&format!("<p id=\"judged-apart\" class=\"bad\">{}</p>\n", esc(note)));
    }
    for (title, items) in sections(c) {
        if !items.is_empty() {
            out.push_str(&format!("<h2>{}</h2>\n<ul>\n", esc(title)));
            for (id, name) in items {
                out.push_str(&format!("<li><code>{}</code> {}</li>\n", esc(&id), esc(&name)));
            }
            out.push_str("</ul>\n");
        }
    }
    out.push_str("<h2>Latency</h2>\n<section id=\"latency\">\n");
    match c.latency.recorded {
        (false, false) => out.push_str("<p>Not recorded in either run (runs of an earlier version).</p>\n"),
        _ => {
            out.push_str("<ul>\n");
            for line in latency::text_lines(&c.latency) {
                out.push_str(&format!("<li>{}</li>\n", esc(&line)));
            }
            out.push_str("</ul>\n");
            out.push_str(&latency::svg(&c.latency));
        }
    }
    out.push_str("</section>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(pairs: &[(&str, Outcome)]) -> RunResults {
        let scenarios = pairs.iter().map(|(id, o)| (id.to_string(), (format!("{id} name"), *o))).collect();
        RunResults { scenarios, ..RunResults::default() }
    }

    #[test]
    fn not_run_is_neither_fixed_nor_a_regression_and_an_error_is_kept_apart_from_failures() {
        let before = results(&[
            ("A-1", Outcome::Pass),
            ("A-2", Outcome::Fail),
            ("A-3", Outcome::Pass),
            ("A-4", Outcome::Error),
            ("A-5", Outcome::Error),
        ]);
        let after = results(&[
            ("A-1", Outcome::NotRun),
            ("A-2", Outcome::Pass),
            ("A-3", Outcome::Error),
            ("A-4", Outcome::Fail),
            ("A-5", Outcome::Error),
        ]);
        let changes = compare(&before, &after, Thresholds::default());
        let named = |id: &str| vec![(id.to_owned(), format!("{id} name"))];
        assert_eq!(changes.not_run.len(), 2, "{changes:?}");
        assert_eq!(changes.fixed, named("A-2"));
        assert_eq!(changes.newly_unjudged, named("A-3"), "judged before, not judged now: no regression");
        assert_eq!(changes.newly_failing, named("A-4"), "not judged before, failing now: a regression");
        assert!(render(&changes, DiffFormat::Text).starts_with("REGRESSION"));
        let unjudged_only = compare(&before, &results(&[("A-3", Outcome::Error)]), Thresholds::default());
        assert_eq!(unjudged_only.judged_apart, None);
        let mut strict = results(&[("A-3", Outcome::Error)]);
        strict.judged_under.0 = true;
        let apart = compare(&before, &strict, Thresholds::default());
        assert!(
            render(&apart, DiffFormat::Text)
                .contains("NOTE: the runs were judged under different rules (--strict off then on")
        );
        assert!(!unjudged_only.regressed());
        assert!(render(&unjudged_only, DiffFormat::Text).starts_with("NOT JUDGED"));
        assert!(
            compare(&after, &before, Thresholds::default()).fixed.iter().all(|(id, _)| id != "A-1"),
            "a scenario that ran again was not fixed"
        );
    }
}
