//! `merge`: the parts of one certification (the shards of a run, or the Apple VPP and UEM halves
//! run against different hosts) made into one outcome, one verdict and one sealed report, only
//! when they are a complete, consistent and unaltered set:
//!
//! - **one selection**: every part was run by this suite version under the same tags, profile,
//!   `--strict`, expectations and seed; runs of one selection (the same targets too) are its
//!   shards, `1/N` … `N/N` each exactly once, or a single unsharded run; selections of different
//!   targets (the halves) hold no scenario in common;
//! - **every scenario exactly once**: each part holds exactly the scenarios its shard deals it;
//! - **nothing certified from a field nobody checks**: with `--public-key`, every part's facts
//!   must carry a valid signature by that key; without, each scenario's recorded status must be
//!   what the classifier gives its recorded ending, and what the file's Cucumber steps show.
//!
//! Otherwise it refuses, naming what is missing, extra, mixed or altered.

use crate::catalog;
use crate::outcome::facts::{self, RunFacts};
use crate::outcome::{Part, RunOutcome, Selection, Status, classify};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One file given to `merge`.
pub struct Input {
    pub name: String,
    pub facts: RunFacts,
    /// What the file's Cucumber elements show of each scenario: `passed`, `failed` or `skipped`.
    pub shown: HashMap<String, &'static str>,
}

/// Reads one `run --json` file.
pub fn read(name: &str, json: &str) -> Result<Input, String> {
    let facts = facts::read(json).map_err(|e| format!("{name}: {e}"))?;
    let features: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("{name}: not JSON: {e}"))?;
    let mut shown = HashMap::new();
    for feature in features.as_array().into_iter().flatten() {
        for element in feature.get("elements").and_then(|e| e.as_array()).into_iter().flatten() {
            let tags: Vec<String> = element
                .get("tags")
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
                .map(|n| n.trim_start_matches('@').to_owned())
                .collect();
            let Some(id) = catalog::scenario_id(&tags) else { continue };
            let statuses: Vec<&str> = element
                .get("steps")
                .and_then(|s| s.as_array())
                .into_iter()
                .flatten()
                .map(|s| s.pointer("/result/status").and_then(|v| v.as_str()).unwrap_or("undefined"))
                .collect();
            let seen = if statuses.iter().any(|s| !matches!(*s, "passed" | "skipped")) {
                "failed"
            } else if statuses.contains(&"skipped") || statuses.is_empty() {
                "skipped"
            } else {
                "passed"
            };
            if shown.insert(id.clone(), seen).is_some() {
                return Err(format!("{name}: scenario {id} appears twice in the Cucumber elements"));
            }
        }
    }
    Ok(Input { name: name.to_owned(), facts, shown })
}

/// What the Cucumber steps of a scenario of this status show.
fn shown_as(status: Status, strict: bool) -> &'static str {
    match status {
        Status::Pass | Status::Warning | Status::Flaky => "passed",
        Status::StaleWaiver if !strict => "passed",
        Status::StaleWaiver | Status::Fail | Status::Error => "failed",
        Status::NotMet | Status::NotRun | Status::Waived | Status::Skipped => "skipped",
    }
}

/// How the parts of a certificate were authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authenticated {
    /// Every part's facts carry a valid signature of this key (hex).
    SignedBy(String),
    /// No key was given: each part's facts agree with its steps, and nothing proves who ran it.
    Unsigned,
}

/// The merged run.
pub struct Merged {
    pub outcome: RunOutcome,
    pub tags: Option<String>,
    pub parts: String,
}

/// Checks one part alone: its version, its signature or its consistency.
fn check_part(input: &Input, key: Option<&ed25519_dalek::VerifyingKey>) -> Result<(), String> {
    let (name, f) = (&input.name, &input.facts);
    if f.suite_version != env!("CARGO_PKG_VERSION") {
        return Err(format!(
            "{name} was run by vpp-conformance {}, this is {}: runs of another suite version are not merged",
            f.suite_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    if f.only_failed {
        return Err(format!("{name} was narrowed by --only-failed: it is no complete part of a selection"));
    }
    if let Some(key) = key {
        crate::report::seal::facts_signed_by(f, key).map_err(|e| format!("{name}: {e}"))?;
    }
    for r in &f.results {
        let waiver = f.waivers.iter().find(|w| w.scenario == r.id);
        let decided = classify(r, f.selection.strict, waiver);
        if decided != r.status {
            return Err(format!(
                "{name}: {} is recorded as {}, but how it ended makes it {decided}: the facts were edited",
                r.id, r.status
            ));
        }
        let expected = shown_as(r.status, f.selection.strict);
        match input.shown.get(&r.id) {
            Some(seen) if *seen == expected => {}
            Some(seen) => {
                return Err(format!(
                    "{name}: {} is {} in the run's facts, but its Cucumber steps show it {seen}: the file was edited",
                    r.id, r.status
                ));
            }
            None => return Err(format!("{name}: {} is in the run's facts but has no Cucumber element", r.id)),
        }
    }
    let recorded: HashSet<&str> = f.results.iter().map(|r| r.id.as_str()).collect();
    if let Some(extra) = input.shown.keys().find(|id| !recorded.contains(id.as_str())) {
        return Err(format!("{name}: {extra} has a Cucumber element but no result in the run's facts"));
    }
    Ok(())
}

/// What every part of one certificate shares: tags, profile, `--strict`, expectations, seed, labels.
type Common = (Option<String>, String, bool, Option<String>, u64, Vec<(String, String)>);

/// The selection without its targets: what every part of one certificate shares.
fn common(s: &Selection) -> Common {
    (s.tags.clone(), s.profile.clone(), s.strict, s.expectations_digest.clone(), s.seed, s.labels.clone())
}

fn describe(s: &Selection) -> String {
    let target = |t: &str| if t.is_empty() { "(none)".to_owned() } else { t.to_owned() };
    format!("Apple VPP {}, UEM {}", target(&s.vpp_target), target(&s.uem_target))
}

/// Several runs as one outcome, or why they cannot be one certificate.
pub fn merge(inputs: &[Input], key: Option<&ed25519_dalek::VerifyingKey>) -> Result<Merged, String> {
    let Some(first) = inputs.first() else { return Err("no run to merge".into()) };
    for input in inputs {
        check_part(input, key)?;
        let (a, b) = (common(&input.facts.selection), common(&first.facts.selection));
        if a != b {
            let what = if a.0 != b.0 {
                format!("tags {:?} and {:?}", a.0, b.0)
            } else if a.1 != b.1 {
                format!("the {} and the {} profile", a.1, b.1)
            } else if a.2 != b.2 {
                "--strict".to_owned()
            } else if a.3 != b.3 {
                format!("expectations {} and {}", a.3.as_deref().unwrap_or("none"), b.3.as_deref().unwrap_or("none"))
            } else if a.4 != b.4 {
                format!("--seed {} and {}", a.4, b.4)
            } else {
                let text = |l: &Vec<(String, String)>| match l.is_empty() {
                    true => "none".to_owned(),
                    false => crate::outcome::labels_text(l),
                };
                format!("labels {} and {}", text(&a.5), text(&b.5))
            };
            return Err(format!(
                "{} and {} are runs of different selections ({what}): the parts of one certificate share them",
                input.name, first.name
            ));
        }
        if input.facts.waivers != first.facts.waivers {
            return Err(format!(
                "{} and {} state different waivers under the same expectations file: the facts were edited",
                input.name, first.name
            ));
        }
    }
    // Runs of one selection (targets included) are its parts.
    let mut groups: Vec<(&Selection, Vec<&Input>)> = Vec::new();
    for input in inputs {
        match groups.iter_mut().find(|(s, _)| **s == input.facts.selection) {
            Some((_, parts)) => parts.push(input),
            None => groups.push((&input.facts.selection, vec![input])),
        }
    }
    let mut owner: HashMap<&str, &str> = HashMap::new();
    for (selection, parts) in &groups {
        check_group(selection, parts)?;
        for id in &selection.scenarios {
            if let Some(other) = owner.insert(id, &parts[0].name) {
                return Err(format!(
                    "{id} is in the selections of both {other} and {}: a certificate holds each scenario once",
                    parts[0].name
                ));
            }
        }
    }
    Ok(assemble(inputs, &groups, key))
}

/// The parts of one selection: `1/N` … `N/N` each once (or one unsharded run), each holding
/// exactly what its shard deals it.
fn check_group(selection: &Selection, parts: &[&Input]) -> Result<(), String> {
    let whole = describe(selection);
    let unsharded: Vec<&&Input> = parts.iter().filter(|p| p.facts.part.is_none()).collect();
    if !unsharded.is_empty() && parts.len() > 1 {
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        return Err(format!(
            "{} are runs of one selection ({whole}), and {} is a whole run, no shard: the set holds it twice",
            names.join(", "),
            unsharded[0].name
        ));
    }
    let mut seen: BTreeMap<usize, &str> = BTreeMap::new();
    let total = parts[0].facts.part.map(|p| p.total);
    for p in parts {
        let Some(part) = p.facts.part else { continue };
        if Some(part.total) != total {
            return Err(format!(
                "{} is shard {part} and {} shard {}: shards of one selection split it the same way",
                p.name,
                parts[0].name,
                parts[0].facts.part.map(|p| p.to_string()).unwrap_or_default()
            ));
        }
        if let Some(other) = seen.insert(part.index, &p.name) {
            return Err(format!("{other} and {} are both shard {part} of the selection ({whole})", p.name));
        }
    }
    if let Some(total) = total {
        let missing: Vec<String> =
            (1..=total).filter(|i| !seen.contains_key(i)).map(|i| Part { index: i, total }.to_string()).collect();
        if !missing.is_empty() {
            return Err(format!(
                "the set is incomplete: shard(s) {} of the selection ({whole}) are missing; a certificate is issued \
                 only for every part",
                missing.join(", ")
            ));
        }
    }
    for p in parts {
        let dealt = selection.dealt_to(p.facts.part);
        let held: HashSet<&str> = p.facts.results.iter().map(|r| r.id.as_str()).collect();
        let dealt_set: HashSet<&str> = dealt.iter().map(String::as_str).collect();
        let missing: Vec<&str> = dealt.iter().map(String::as_str).filter(|id| !held.contains(id)).collect();
        let extra: Vec<&str> =
            p.facts.results.iter().map(|r| r.id.as_str()).filter(|id| !dealt_set.contains(id)).collect();
        if !missing.is_empty() || !extra.is_empty() || held.len() != p.facts.results.len() {
            return Err(format!(
                "{} does not hold what its part of the selection deals it: missing {:?}, extra {:?}",
                p.name, missing, extra
            ));
        }
    }
    Ok(())
}

/// The merged outcome of a checked set.
fn assemble(
    inputs: &[Input],
    groups: &[(&Selection, Vec<&Input>)],
    key: Option<&ed25519_dalek::VerifyingKey>,
) -> Merged {
    let first = &inputs[0].facts;
    let order: HashMap<String, usize> = catalog::scenarios().into_iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut scenarios: Vec<_> = inputs.iter().flat_map(|i| i.facts.results.iter().cloned()).collect();
    scenarios.sort_by_key(|s| order.get(&s.id).copied().unwrap_or(usize::MAX));
    let mut targets: Vec<String> = Vec::new();
    let mut notices: Vec<String> = Vec::new();
    let mut capacity: Vec<String> = Vec::new();
    for f in inputs.iter().map(|i| &i.facts) {
        for (list, items) in [
            (&mut targets, vec![f.target.clone()]),
            (&mut notices, f.notices.clone()),
            (&mut capacity, f.capacity.clone()),
        ] {
            for item in items {
                if !list.contains(&item) {
                    list.push(item);
                }
            }
        }
    }
    let mut union = first.selection.clone();
    union.scenarios = scenarios.iter().map(|s| s.id.clone()).collect();
    let pick = |t: fn(&Selection) -> &String| {
        groups.iter().map(|(s, _)| t(s).clone()).find(|t| !t.is_empty()).unwrap_or_default()
    };
    union.vpp_target = pick(|s| &s.vpp_target);
    union.uem_target = pick(|s| &s.uem_target);
    let authenticated = match key {
        Some(k) => Authenticated::SignedBy(hex::encode(k.as_bytes())),
        None => Authenticated::Unsigned,
    };
    let parts = match &authenticated {
        Authenticated::SignedBy(k) => {
            format!("{} part(s), each signed by the Ed25519 key {k} and verified unaltered", inputs.len())
        }
        Authenticated::Unsigned => format!(
            "{} part(s), not signed: their facts agree with their steps, but nothing proves who ran them \
             (sign each run with --sign-key and merge with --public-key)",
            inputs.len()
        ),
    };
    let mut outcome = RunOutcome {
        scenarios,
        harness_errors: inputs.iter().map(|i| i.facts.harness_errors).sum(),
        target: targets.join("; "),
        seed: first.selection.seed,
        strict: first.selection.strict,
        notices,
        stopped: inputs.iter().find_map(|i| i.facts.stopped),
        profile: first.selection.profile.clone(),
        waivers: first.waivers.clone(),
        expectations_digest: first.selection.expectations_digest.clone(),
        capacity,
        selection: union,
        part: None,
        only_failed: false,
        // The parts' histograms merge into the whole run's percentiles; one part without any
        // (an earlier version's) leaves the whole unrecorded.
        latency: inputs.iter().map(|i| i.facts.latency.as_ref()).try_fold(
            crate::outcome::latency::Latency::default(),
            |mut all, part| {
                all.merge(part?);
                Some(all)
            },
        ),
    };
    outcome.classify();
    Merged { outcome, tags: first.selection.tags.clone(), parts }
}
