//! The regression report: what changed between two runs of the same target, read from their
//! Cucumber JSON (`run --json`). Scenarios are matched by their stable ID tags, never by name,
//! so renaming a scenario is not a change.

use std::collections::BTreeMap;

/// A scenario's outcome in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// A SHOULD or INFO scenario that failed without failing its run: its steps are `skipped`
    /// in Cucumber JSON, with the reason embedded (steps the suite has no definition for fail).
    NotMet,
    Failed,
}

/// Results of one run by scenario ID, with names for display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunResults {
    pub scenarios: BTreeMap<String, (String, Outcome)>,
}

/// Reads Cucumber JSON: features, their elements (scenarios and the backgrounds cucumber writes
/// before each), tags and step results. A background's failure belongs to the scenario after it.
pub fn parse_cucumber_json(text: &str) -> Result<RunResults, String> {
    let features: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let features = features.as_array().ok_or("not Cucumber JSON: the top level is not an array of features")?;
    let mut results = RunResults::default();
    for feature in features {
        let mut background_failed = false;
        for element in feature.get("elements").and_then(|e| e.as_array()).into_iter().flatten() {
            let statuses: Vec<&str> = element
                .get("steps")
                .and_then(|s| s.as_array())
                .into_iter()
                .flatten()
                .map(|s| s.pointer("/result/status").and_then(|v| v.as_str()).unwrap_or("undefined"))
                .collect();
            let failed = statuses.iter().any(|st| !matches!(*st, "passed" | "skipped"));
            let not_met = statuses.contains(&"skipped");
            if element.get("type").and_then(|t| t.as_str()) == Some("background") {
                background_failed = failed;
                continue;
            }
            let tags: Vec<String> = element
                .get("tags")
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
                .map(|n| n.trim_start_matches('@').to_owned())
                .collect();
            let Some(id) = crate::catalog::scenario_id(&tags) else { continue };
            let name = element.get("name").and_then(|n| n.as_str()).unwrap_or_default();
            let name = crate::catalog::plain_name(&id, name).to_owned();
            let outcome = if failed || background_failed {
                Outcome::Failed
            } else if not_met {
                Outcome::NotMet
            } else {
                Outcome::Passed
            };
            background_failed = false;
            results.scenarios.insert(id, (name, outcome));
        }
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
    for (id, (name, outcome)) in &new.scenarios {
        match (base.scenarios.get(id).map(|(_, o)| *o), outcome) {
            (None, o) => {
                c.added.push((id.clone(), name.clone(), *o));
                if *o == Outcome::Failed {
                    c.newly_failing.push((id.clone(), name.clone()));
                }
            }
            (Some(Outcome::Failed), Outcome::Failed) => c.still_failing.push((id.clone(), name.clone())),
            (Some(_), Outcome::Failed) => c.newly_failing.push((id.clone(), name.clone())),
            (Some(Outcome::Failed | Outcome::NotMet), Outcome::Passed) => c.fixed.push((id.clone(), name.clone())),
            (Some(Outcome::Passed), Outcome::NotMet) => c.newly_not_met.push((id.clone(), name.clone())),
            (Some(Outcome::Failed), Outcome::NotMet) => c.fixed.push((id.clone(), name.clone())),
            (Some(Outcome::NotMet), Outcome::NotMet) | (Some(Outcome::Passed), Outcome::Passed) => {
                c.unchanged_passing += 1
            }
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
        (
            "Added",
            c.added
                .iter()
                .map(|(id, n, o)| {
                    let outcome = match o {
                        Outcome::Passed => "passed",
                        Outcome::NotMet => "not met",
                        Outcome::Failed => "failed",
                    };
                    (id.clone(), format!("{n} ({outcome})"))
                })
                .collect(),
        ),
        ("Removed", c.removed.clone()),
        ("Still failing", c.still_failing.clone()),
        ("Newly not met (SHOULD/INFO: a warning, not a regression)", c.newly_not_met.clone()),
    ]
}

pub fn render(c: &Changes, format: DiffFormat) -> String {
    let headline = if c.regressed() {
        format!("REGRESSION: {} scenario(s) newly failing", c.newly_failing.len())
    } else {
        "NO REGRESSION: nothing newly fails".to_owned()
    };
    let summary = format!(
        "{} fixed, {} added, {} removed, {} still failing, {} newly not met, {} unchanged and not failing",
        c.fixed.len(),
        c.added.len(),
        c.removed.len(),
        c.still_failing.len(),
        c.newly_not_met.len(),
        c.unchanged_passing
    );
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
