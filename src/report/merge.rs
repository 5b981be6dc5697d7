//! `merge`: several runs (the shards of one run, or the Apple and UEM halves run against
//! different hosts) made into one outcome, one verdict and one sealed report.
//!
//! A run's Cucumber JSON (`run --json`) carries what a merge needs beyond cucumber's own fields:
//! every feature object gets a `"vpp-conformance"` field with the run's facts (suite version,
//! expectations digest and waivers, seed, target, strictness) and the suite's own result of each
//! of the feature's scenarios. Cucumber report tools ignore fields they do not know.

use crate::catalog::Level;
use crate::outcome::{RunOutcome, ScenarioResult, Signal, Stop, Verdict, Waiver};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The key of the extra field in each feature object.
pub const FIELD: &str = "vpp-conformance";

/// A run's facts, as its Cucumber JSON carries them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFacts {
    pub suite_version: String,
    #[serde(default)]
    pub expectations_digest: Option<String>,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    pub seed: u64,
    pub target: String,
    pub strict: bool,
    /// `full` or `live`.
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub tags: Option<String>,
    #[serde(default)]
    pub harness_errors: usize,
    /// `interrupted (SIGINT)`, `interrupted (SIGTERM)` or `max-failures N`.
    #[serde(default)]
    pub stopped: Option<String>,
    #[serde(default)]
    pub notices: Vec<String>,
    /// The suite's result of each scenario of this feature.
    #[serde(default)]
    pub results: Vec<ResultFacts>,
}

/// One scenario's result, as the suite judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultFacts {
    pub id: String,
    pub name: String,
    pub level: Level,
    /// `passed`, `failed` or `not run`.
    pub verdict: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

fn verdict_word(v: &Verdict) -> &'static str {
    match v {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::NotRun => "not run",
    }
}

fn stop_text(stop: Stop) -> String {
    match stop {
        Stop::Interrupted(s) => format!("interrupted ({})", s.name()),
        Stop::MaxFailures(n) => format!("max-failures {n}"),
    }
}

fn stop_of(text: &str) -> Option<Stop> {
    match text {
        "interrupted (SIGINT)" => Some(Stop::Interrupted(Signal::Interrupt)),
        "interrupted (SIGTERM)" => Some(Stop::Interrupted(Signal::Terminate)),
        other => other.strip_prefix("max-failures ").and_then(|n| n.parse().ok()).map(Stop::MaxFailures),
    }
}

impl RunFacts {
    /// The facts of a run, without results.
    pub fn of(outcome: &RunOutcome, tags: Option<&str>) -> Self {
        Self {
            suite_version: env!("CARGO_PKG_VERSION").to_owned(),
            expectations_digest: outcome.expectations_digest.clone(),
            waivers: outcome.waivers.clone(),
            seed: outcome.seed,
            target: outcome.target.clone(),
            strict: outcome.strict,
            profile: outcome.profile.clone(),
            tags: tags.map(str::to_owned),
            harness_errors: outcome.harness_errors,
            stopped: outcome.stopped.map(stop_text),
            notices: outcome.notices.clone(),
            results: Vec::new(),
        }
    }
}

fn result_facts(r: &ScenarioResult) -> ResultFacts {
    ResultFacts {
        id: r.id.clone(),
        name: r.name.clone(),
        level: r.level,
        verdict: verdict_word(&r.verdict).to_owned(),
        reason: r.reason.clone(),
        warnings: r.warnings.clone(),
    }
}

/// The scenario IDs of a feature object's elements.
fn element_ids(feature: &serde_json::Value) -> Vec<String> {
    feature
        .get("elements")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| super::diff::element_id(e))
        .collect()
}

/// The Cucumber JSON a run wrote, with the run's facts added to every feature object (and each
/// scenario's result to the feature holding it; a result of no feature, a scenario a `skip`
/// waiver kept out, goes to the first).
pub fn annotate(json: &str, outcome: &RunOutcome, tags: Option<&str>) -> Result<String, String> {
    let mut features: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let Some(list) = features.as_array_mut() else { return Err("not an array of features".into()) };
    let facts = RunFacts::of(outcome, tags);
    let mut placed = std::collections::HashSet::new();
    let mut per_feature: Vec<Vec<ResultFacts>> = Vec::new();
    for feature in list.iter() {
        let ids = element_ids(feature);
        let results: Vec<ResultFacts> = outcome
            .scenarios
            .iter()
            .filter(|r| ids.contains(&r.id) && placed.insert(r.id.clone()))
            .map(result_facts)
            .collect();
        per_feature.push(results);
    }
    if let Some(first) = per_feature.first_mut() {
        first.extend(outcome.scenarios.iter().filter(|r| !placed.contains(&r.id)).map(result_facts));
    }
    for (feature, results) in list.iter_mut().zip(per_feature) {
        if let Some(obj) = feature.as_object_mut() {
            let facts = RunFacts { results, ..facts.clone() };
            obj.insert(FIELD.to_owned(), serde_json::to_value(facts).expect("serializable"));
        }
    }
    serde_json::to_string_pretty(&features).map_err(|e| e.to_string())
}

/// One run read back from its Cucumber JSON: its facts (results gathered from every feature).
/// `None` for a run of no scenario (an empty shard writes `[]`).
pub fn read(json: &str) -> Result<Option<RunFacts>, String> {
    let features: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let list = features.as_array().ok_or("not Cucumber JSON: the top level is not an array of features")?;
    let mut merged: Option<RunFacts> = None;
    for feature in list {
        let facts = feature.get(FIELD).ok_or(
            "a feature has no \"vpp-conformance\" run facts: the file was not written by `vpp-conformance run --json` of this version",
        )?;
        let facts: RunFacts =
            serde_json::from_value(facts.clone()).map_err(|e| format!("the \"vpp-conformance\" run facts: {e}"))?;
        match &mut merged {
            None => merged = Some(facts),
            Some(m) => m.results.extend(facts.results),
        }
    }
    Ok(merged)
}

/// Several runs as one outcome, or why they cannot be merged. `runs` are (name, facts).
pub fn merge(runs: &[(String, RunFacts)]) -> Result<(RunOutcome, Option<String>), String> {
    let Some((first_name, first)) = runs.first() else { return Err("no run with results to merge".into()) };
    for (name, r) in &runs[1..] {
        if r.suite_version != first.suite_version {
            return Err(format!(
                "{name} was run by vpp-conformance {}, {first_name} by {}: runs of different suite versions are not merged",
                r.suite_version, first.suite_version
            ));
        }
        if r.expectations_digest != first.expectations_digest {
            let d = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
            return Err(format!(
                "{name} was judged under expectations {}, {first_name} under {}: runs with different expectations are not merged",
                d(&r.expectations_digest),
                d(&first.expectations_digest)
            ));
        }
        if r.strict != first.strict {
            return Err(format!("{name} and {first_name} differ in --strict: they are not merged"));
        }
        if r.profile != first.profile {
            return Err(format!(
                "{name} certified the {} profile, {first_name} the {}: runs of different profiles are not merged",
                r.profile, first.profile
            ));
        }
    }
    let mut results: BTreeMap<String, (String, ResultFacts)> = BTreeMap::new();
    for (name, run) in runs {
        for r in &run.results {
            match results.get(&r.id) {
                Some((other, earlier)) if earlier.verdict != r.verdict => {
                    return Err(format!(
                        "{} {} in {other} and {} in {name}: overlapping runs disagree",
                        r.id, earlier.verdict, r.verdict
                    ));
                }
                Some(_) => {}
                None => {
                    results.insert(r.id.clone(), (name.clone(), r.clone()));
                }
            }
        }
    }
    let scenarios = results
        .into_values()
        .map(|(_, r)| ScenarioResult {
            verdict: match r.verdict.as_str() {
                "passed" => Verdict::Passed,
                "failed" => Verdict::Failed,
                _ => Verdict::NotRun,
            },
            id: r.id,
            name: r.name,
            level: r.level,
            reason: r.reason,
            warnings: r.warnings,
            coverage: Vec::new(),
            flaky: Vec::new(),
        })
        .collect::<Vec<_>>();
    let order: std::collections::HashMap<String, usize> =
        crate::catalog::scenarios().into_iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut scenarios = scenarios;
    scenarios.sort_by_key(|s| order.get(&s.id).copied().unwrap_or(usize::MAX));
    let mut targets: Vec<String> = Vec::new();
    let mut notices: Vec<String> = Vec::new();
    for (_, r) in runs {
        if !targets.contains(&r.target) {
            targets.push(r.target.clone());
        }
        for n in &r.notices {
            if !notices.contains(n) {
                notices.push(n.clone());
            }
        }
    }
    let seeds: Vec<String> = runs.iter().map(|(n, r)| format!("{n}: {}", r.seed)).collect();
    if runs.iter().any(|(_, r)| r.seed != first.seed) {
        notices
            .push(format!("the merged runs used different seeds ({}); the report states the first", seeds.join(", ")));
    }
    let tags = if runs.iter().all(|(_, r)| r.tags == first.tags) {
        first.tags.clone()
    } else {
        Some(
            runs.iter()
                .map(|(_, r)| r.tags.clone().unwrap_or_else(|| "(all but opt-in)".into()))
                .collect::<Vec<_>>()
                .join(" | "),
        )
    };
    let stopped = runs.iter().filter_map(|(_, r)| r.stopped.as_deref().and_then(stop_of)).next();
    let outcome = RunOutcome {
        scenarios,
        harness_errors: runs.iter().map(|(_, r)| r.harness_errors).sum(),
        target: targets.join("; "),
        seed: first.seed,
        strict: first.strict,
        profile: first.profile.clone(),
        notices,
        stopped,
        waivers: first.waivers.clone(),
        expectations_digest: first.expectations_digest.clone(),
    };
    Ok((outcome, tags))
}
