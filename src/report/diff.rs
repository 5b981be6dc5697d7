//! The regression report: what changed between two runs of the same target, read from their
//! Cucumber JSON (`run --json`). Scenarios are matched by their stable ID tags, never by name,
//! so renaming a scenario is not a change.

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
        Outcome::Pass | Outcome::Warning => "passed",
        Outcome::NotMet => "not met",
        Outcome::Fail | Outcome::StaleWaiver => "failed",
        Outcome::NotRun | Outcome::Skipped => "not run",
        Outcome::Waived => "waived",
    }
}

/// Whether a step's embedded log lines say it was not run.
fn says_not_run(step: &serde_json::Value) -> bool {
    says(step, crate::outcome::NOT_RUN)
}

/// Whether a step's embedded log lines say its failure was waived.
fn says_waived(step: &serde_json::Value) -> bool {
    says(step, "waived")
}

/// Whether one of a step's embedded log lines starts with `prefix`.
fn says(step: &serde_json::Value, prefix: &str) -> bool {
    use base64::Engine as _;
    step.get("embeddings").and_then(|e| e.as_array()).into_iter().flatten().any(|e| {
        e.get("data")
            .and_then(|d| d.as_str())
            .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
            .is_some_and(|text| text.starts_with(prefix.as_bytes()))
    })
}

/// The scenario ID tag of a Cucumber JSON element (a scenario, or the background written for it).
pub fn element_id(element: &serde_json::Value) -> Option<String> {
    let tags: Vec<String> = element
        .get("tags")
        .and_then(|t| t.as_array())
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
        .map(|n| n.trim_start_matches('@').to_owned())
        .collect();
    crate::catalog::scenario_id(&tags)
}

/// Results of one run by scenario ID, with names for display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunResults {
    pub scenarios: BTreeMap<String, (String, Outcome)>,
}

/// Reads Cucumber JSON: features, their elements (scenarios, and the backgrounds cucumber writes
/// for each), tags and step results. A background element carries its scenario's tags, ID tag
/// included, so the two are matched by that ID (cucumber-rs writes the scenario element first,
/// then its background: matching by position would give a background's result to the next
/// scenario).
pub fn parse_cucumber_json(text: &str) -> Result<RunResults, String> {
    #[derive(Default)]
    struct Seen {
        name: Option<String>,
        failed: bool,
        not_run: bool,
        not_met: bool,
        waived: bool,
    }
    let features: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let features = features.as_array().ok_or("not Cucumber JSON: the top level is not an array of features")?;
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for feature in features {
        for element in feature.get("elements").and_then(|e| e.as_array()).into_iter().flatten() {
            let Some(id) = element_id(element) else { continue };
            let steps: Vec<&serde_json::Value> =
                element.get("steps").and_then(|s| s.as_array()).into_iter().flatten().collect();
            let statuses: Vec<&str> = steps
                .iter()
                .map(|s| s.pointer("/result/status").and_then(|v| v.as_str()).unwrap_or("undefined"))
                .collect();
            let entry = seen.entry(id.clone()).or_default();
            entry.failed |= statuses.iter().any(|st| !matches!(*st, "passed" | "skipped"));
            entry.not_met |= statuses.contains(&"skipped");
            entry.not_run |= steps.iter().any(|s| says_not_run(s));
            entry.waived |= steps.iter().any(|s| says_waived(s));
            if element.get("type").and_then(|t| t.as_str()) != Some("background") {
                let name = element.get("name").and_then(|n| n.as_str()).unwrap_or_default();
                entry.name = Some(crate::catalog::plain_name(&id, name).to_owned());
            }
        }
    }
    let mut results = RunResults::default();
    for (id, s) in seen {
        // A background without its scenario element is no scenario result.
        let Some(name) = s.name else { continue };
        let outcome = if s.failed {
            Outcome::Fail
        } else if s.not_run {
            Outcome::NotRun
        } else if s.waived {
            Outcome::Waived
        } else if s.not_met {
            Outcome::NotMet
        } else {
            Outcome::Pass
        };
        results.scenarios.insert(id, (name, outcome));
    }
    Ok(results)
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
    /// Not run in the later run (interrupted, stopped, the target down): nothing to compare.
    pub not_run: Vec<(String, String)>,
    pub unchanged_passing: usize,
}

impl Changes {
    /// A CI gate fails when anything newly fails, added scenarios included.
    pub fn regressed(&self) -> bool {
        !self.newly_failing.is_empty()
    }
}

pub fn compare(base: &RunResults, new: &RunResults) -> Changes {
    let mut c = Changes::default();
    // The reader gives pass, not met, fail, not run and waived; a waived outcome is compared as
    // not met, and the statuses only a report has are compared as what they are to a run.
    let as_compared = |o: Outcome| match o {
        Outcome::Waived => Outcome::NotMet,
        Outcome::Warning => Outcome::Pass,
        Outcome::StaleWaiver => Outcome::Pass,
        Outcome::Skipped => Outcome::NotRun,
        other => other,
    };
    for (id, (name, outcome)) in &new.scenarios {
        let outcome = &as_compared(*outcome);
        // A scenario the earlier run did not run has no result to compare with: as if new,
        // except that it is not listed as added.
        let before = base.scenarios.get(id).map(|(_, o)| as_compared(*o));
        match (before, outcome) {
            (_, Outcome::NotRun) => c.not_run.push((id.clone(), name.clone())),
            (Some(Outcome::NotRun), Outcome::Fail) => c.newly_failing.push((id.clone(), name.clone())),
            (Some(Outcome::NotRun), _) => c.unchanged_passing += 1,
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
        ("Not run in the later run (interrupted, stopped, or the target did not answer)", c.not_run.clone()),
    ]
}

pub fn render(c: &Changes, format: DiffFormat) -> String {
    let headline = if c.regressed() {
        format!("REGRESSION: {} scenario(s) newly failing", c.newly_failing.len())
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
    if !c.not_run.is_empty() {
        summary.push_str(&format!(", {} not run", c.not_run.len()));
    }
    let mut out = String::new();
    match format {
        DiffFormat::Text => {
            out.push_str(&format!("{headline}\n{summary}\n"));
            for (title, items) in sections(c) {
                if !items.is_empty() {
                    out.push_str(&format!("\n{title}:\n"));
                    for (id, name) in items {
                        out.push_str(&format!("  {id}  {name}\n"));
                    }
                }
            }
        }
        DiffFormat::Markdown => {
            out.push_str(&format!("## vpp-conformance regression report\n\n**{headline}**: {summary}.\n"));
            for (title, items) in sections(c) {
                if !items.is_empty() {
                    out.push_str(&format!("\n### {title}\n\n"));
                    for (id, name) in items {
                        out.push_str(&format!("- `{id}` {}\n", name.replace('|', "\\|")));
                    }
                }
            }
        }
        DiffFormat::Html => {
            let esc = super::html::esc;
            out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>vpp-conformance regression report</title>");
            out.push_str("<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem}.bad{color:#9b1c1c}.good{color:#0f6a2a}</style></head>\n<body>\n");
            out.push_str(&format!(
                "<h1>vpp-conformance regression report</h1>\n<p id=\"headline\" class=\"{}\"><strong>{}</strong>: {}.</p>\n",
                if c.regressed() { "bad" } else { "good" },
                esc(&headline),
                esc(&summary)
            ));
            for (title, items) in sections(c) {
                if !items.is_empty() {
                    out.push_str(&format!("<h2>{}</h2>\n<ul>\n", esc(title)));
                    for (id, name) in items {
                        out.push_str(&format!("<li><code>{}</code> {}</li>\n", esc(&id), esc(&name)));
                    }
                    out.push_str("</ul>\n");
                }
            }
            out.push_str("</body>\n</html>\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn step(status: &str, log: Option<&str>) -> serde_json::Value {
        let embeddings: Vec<serde_json::Value> = log
            .map(|l| {
                let data = base64::engine::general_purpose::STANDARD.encode(l);
                serde_json::json!({"data": data, "mime_type": "text/x.cucumber.log+plain"})
            })
            .into_iter()
            .collect();
        serde_json::json!({"keyword": "Then ", "name": "x", "result": {"status": status}, "embeddings": embeddings})
    }

    fn element(kind: &str, id: &str, steps: Vec<serde_json::Value>) -> serde_json::Value {
        serde_json::json!({"type": kind, "name": format!("{id}: a scenario (MUST)"), "tags": [{"name": id}], "steps": steps})
    }

    /// cucumber-rs writes a scenario's element, then its background's: each background belongs to
    /// the scenario of its own ID, not to the next one.
    #[test]
    fn a_background_belongs_to_the_scenario_of_its_id_and_not_run_is_its_own_outcome() {
        let json = serde_json::json!([{"elements": [
            element("scenario", "UEM-ANY-001", vec![]),
            element("background", "UEM-ANY-001", vec![step("failed", None)]),
            element("scenario", "UEM-ANY-002", vec![step("passed", None)]),
            element("background", "UEM-ANY-002", vec![step("passed", None)]),
            element("scenario", "UEM-ANY-003", vec![]),
            element("background", "UEM-ANY-003", vec![step("skipped", Some("not run (interrupted)\n"))]),
            element("scenario", "UEM-ANY-004", vec![step("skipped", Some("SHOULD (a warning) not met: x"))]),
        ]}]);
        let results = parse_cucumber_json(&json.to_string()).unwrap();
        let outcome = |id: &str| results.scenarios[id].1;
        assert_eq!(outcome("UEM-ANY-001"), Outcome::Fail);
        assert_eq!(outcome("UEM-ANY-002"), Outcome::Pass);
        assert_eq!(outcome("UEM-ANY-003"), Outcome::NotRun);
        assert_eq!(outcome("UEM-ANY-004"), Outcome::NotMet);

        let mut before = results.clone();
        before.scenarios.get_mut("UEM-ANY-003").unwrap().1 = Outcome::Pass;
        let changes = compare(&before, &results);
        assert!(!changes.regressed(), "a scenario not run is no regression: {changes:?}");
        assert_eq!(changes.not_run.len(), 1);
        let back = compare(&results, &before);
        assert!(back.fixed.is_empty(), "a scenario that ran again was not fixed: {back:?}");
    }
}
