//! Cucumber JSON, written from the results model, which Cucumber report tools read
//! (multiple-cucumber-html-reporter, Jenkins' Cucumber reports): a feature object for each
//! feature of the selection, a scenario element for every selected scenario (waived and not-run
//! ones included), each with its steps (the background's first) and their real status. A step a
//! scenario ended on is `failed` for a failure, and for an ERROR too (Cucumber has no status for
//! "not judged", and such a scenario must never count as passed), with a message that says it
//! was not judged; `skipped` with the reason as an embedded text for a scenario not run, not met
//! or waived; a stale waiver under `--strict` adds a failed step that says so. Tools count a
//! scenario by its steps, so no scenario is left without one.
//!
//! The first feature object also carries the run's facts (`"vpp-conformance"`), which `merge`,
//! `diff` and `--only-failed` read.

use crate::catalog;
use crate::outcome::facts::{FIELD, RunFacts};
use crate::outcome::{RunOutcome, ScenarioResult, Status, StepRan};
use base64::Engine as _;
use serde_json::{Value, json};

/// A step's `result.status` as Cucumber tools read it.
fn step_status(s: &ScenarioResult, ran: StepRan) -> &'static str {
    match ran {
        StepRan::Passed => "passed",
        StepRan::NotReached => "skipped",
        StepRan::Undefined => "undefined",
        StepRan::Ended => match s.status {
            Status::Fail | Status::Error => "failed",
            _ => "skipped",
        },
    }
}

fn embedding(text: &str) -> Value {
    json!({"mime_type": "text/plain", "data": base64::engine::general_purpose::STANDARD.encode(text)})
}

/// What the step a scenario ended on says, beside its status.
fn ended_note(s: &ScenarioResult, outcome: &RunOutcome) -> Option<String> {
    let why = || s.failure().map(|f| f.text_with("in the run's notices")).or_else(|| s.reason());
    match s.status {
        Status::NotMet => Some(format!("{} not met: {}", s.level.note(), why()?)),
        Status::Waived => {
            let note = outcome.waiver(&s.id).map(|w| w.note()).unwrap_or_else(|| "waived".into());
            Some(match s.failure() {
                Some(f) => format!("{note}\nthe failure: {}", f.text_with("in the run's notices")),
                None => note,
            })
        }
        Status::NotRun => why(),
        _ => None,
    }
}

fn steps(s: &ScenarioResult, outcome: &RunOutcome) -> Vec<Value> {
    let mut steps: Vec<Value> = s
        .steps
        .iter()
        .map(|step| {
            let status = step_status(s, step.ran);
            let mut result = json!({"status": status, "duration": step.duration_ms * 1_000_000});
            let mut value = json!({"keyword": step.keyword, "name": step.text, "line": step.line});
            if step.ran == StepRan::Ended {
                if status == "failed" {
                    let text = s.failure().map(|f| f.to_string()).unwrap_or_default();
                    // Cucumber has no word for "not judged": a failed step that says so.
                    let text = match s.status {
                        Status::Error => {
                            format!("ERROR, not judged: no usable answer came, so no rule was seen broken\n{text}")
                        }
                        _ => text,
                    };
                    result["error_message"] = Value::String(text);
                }
                if let Some(note) = ended_note(s, outcome) {
                    value["embeddings"] = json!([embedding(&note)]);
                }
            }
            if step.background {
                value["background"] = Value::Bool(true);
            }
            value["result"] = result;
            value
        })
        .collect();
    let mut notes: Vec<String> = s.flaky.iter().map(|r| format!("FLAKY: a request was sent again: {r}")).collect();
    notes.extend(s.failed_attempts.iter().map(|f| format!("FLAKY: an earlier attempt failed: {}", f.headline())));
    if s.status == Status::StaleWaiver && !outcome.strict {
        notes.push("stale waiver: a `fail` waiver expects this scenario to fail, and it passed (remove it)".into());
    }
    if let Some(last) = steps.last_mut().filter(|_| !notes.is_empty()) {
        let list = last.as_object_mut().expect("a step is an object").entry("embeddings").or_insert(json!([]));
        if let Some(list) = list.as_array_mut() {
            list.extend(notes.iter().map(|n| embedding(n)));
        }
    }
    if s.status == Status::StaleWaiver && outcome.strict {
        let note = outcome.waiver(&s.id).map(|w| w.note()).unwrap_or_default();
        steps.push(json!({
            "keyword": "Then ",
            "name": "the expectations file's waiver of this scenario still holds (a stale waiver fails a --strict run)",
            "line": s.steps.last().map_or(0, |st| st.line),
            "result": {
                "status": "failed",
                "duration": 0,
                "error_message": format!("stale waiver: expected to fail, the scenario passed; remove the waiver ({note})"),
            },
        }));
    }
    steps
}

fn tags(tags: &[String], line: usize) -> Value {
    Value::Array(tags.iter().map(|t| json!({"name": format!("@{t}"), "line": line})).collect())
}

/// The Cucumber JSON of a run, with its facts (signed when `facts` carries a signature).
pub fn render(outcome: &RunOutcome, facts: &RunFacts) -> String {
    let mut features: Vec<Value> = Vec::new();
    for f in catalog::features() {
        let uri = f.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let feature_id = uri.trim_end_matches(".feature").replace('/', ";");
        let plain = f.scenarios.iter().map(|s| (None, s));
        let ruled = f.rules.iter().flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        let mut elements = Vec::new();
        for (_, sc) in plain.chain(ruled) {
            let Some(id) = catalog::scenario_id(&sc.tags) else { continue };
            let Some(s) = outcome.scenario(&id) else { continue };
            let name = catalog::report_name(&s.id, s.level, &s.name);
            elements.push(json!({
                "id": format!("{feature_id};{}", id.to_ascii_lowercase()),
                "keyword": sc.keyword,
                "type": "scenario",
                "name": name,
                "description": sc.description.clone().unwrap_or_default(),
                "line": sc.position.line,
                "tags": tags(&sc.tags, sc.position.line.saturating_sub(1)),
                "steps": steps(s, outcome),
            }));
        }
        if elements.is_empty() {
            continue;
        }
        features.push(json!({
            "uri": uri,
            "id": feature_id,
            "keyword": f.keyword,
            "name": f.name,
            "description": f.description.clone().unwrap_or_default(),
            "line": f.position.line,
            "tags": tags(&f.tags, f.position.line.saturating_sub(1)),
            "elements": elements,
        }));
    }
    if features.is_empty() {
        // A run of no scenario (an empty shard) still says what it was part of.
        features.push(json!({
            "uri": "vpp-conformance",
            "id": "vpp-conformance",
            "keyword": "Feature",
            "name": "vpp-conformance: a run of no scenario",
            "description": "",
            "line": 1,
            "tags": [],
            "elements": [],
        }));
    }
    features[0][FIELD] = serde_json::to_value(facts).expect("facts serialize");
    serde_json::to_string_pretty(&features).expect("JSON serializes")
}
