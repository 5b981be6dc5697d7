//! A run's facts: what `merge`, `diff` and `--only-failed` read back from a run. `run --json`
//! writes them into its Cucumber JSON, as a `"vpp-conformance"` field of the first feature object
//! (a field Cucumber tools ignore), so one file carries both what Cucumber tools read and what
//! this suite reads. A run of no scenario (an empty shard) writes one feature with no scenario,
//! to carry them.

use super::{Part, RunOutcome, ScenarioResult, Selection, Stop, Waiver};
use serde::{Deserialize, Serialize};

/// The key of the field that carries the facts.
pub const FIELD: &str = "vpp-conformance";

/// Everything a run measured and under what it was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFacts {
    pub suite_version: String,
    pub selection: Selection,
    /// `--shard I/N`, when the run was a part.
    #[serde(default)]
    pub part: Option<Part>,
    /// `--only-failed` narrowed it.
    #[serde(default)]
    pub only_failed: bool,
    /// The target as the run named it.
    pub target: String,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    #[serde(default)]
    pub harness_errors: usize,
    #[serde(default)]
    pub stopped: Option<Stop>,
    #[serde(default)]
    pub notices: Vec<String>,
    #[serde(default)]
    pub capacity: Vec<String>,
    /// Each scenario's result, its steps left out (the Cucumber elements show them).
    pub results: Vec<ScenarioResult>,
    /// How long each documented operation took (absent from facts of earlier versions: "not recorded").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<super::latency::Latency>,
    /// The Ed25519 signature of these facts' digest, when the run was given `--sign-key`.
    #[serde(default)]
    pub signature: Option<FactsSignature>,
}

/// A signature over the digest of a run's facts (the facts in canonical JSON, without it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactsSignature {
    /// SHA-256 of the canonical facts, hex.
    pub digest: String,
    /// Ed25519 signature of the digest's text, hex.
    pub signature: String,
    /// The signer's public key, hex.
    pub public_key: String,
}

impl RunFacts {
    /// The facts of a run (unsigned).
    pub fn of(outcome: &RunOutcome) -> Self {
        Self {
            suite_version: env!("CARGO_PKG_VERSION").to_owned(),
            selection: outcome.selection.clone(),
            part: outcome.part,
            only_failed: outcome.only_failed,
            target: outcome.target.clone(),
            waivers: outcome.waivers.clone(),
            harness_errors: outcome.harness_errors,
            stopped: outcome.stopped,
            notices: outcome.notices.clone(),
            capacity: outcome.capacity.clone(),
            results: outcome.scenarios.iter().map(|s| ScenarioResult { steps: Vec::new(), ..s.clone() }).collect(),
            latency: outcome.latency.clone(),
            signature: None,
        }
    }

    /// The bytes a signature covers: the facts in canonical JSON, without the signature.
    pub fn canonical(&self) -> String {
        serde_json::to_string(&RunFacts { signature: None, ..self.clone() }).expect("facts serialize")
    }

    /// The run these facts describe, as an outcome (statuses as recorded: callers classify again).
    pub fn outcome(&self) -> RunOutcome {
        RunOutcome {
            scenarios: self.results.clone(),
            harness_errors: self.harness_errors,
            target: self.target.clone(),
            seed: self.selection.seed,
            strict: self.selection.strict,
            notices: self.notices.clone(),
            stopped: self.stopped,
            profile: self.selection.profile.clone(),
            waivers: self.waivers.clone(),
            expectations_digest: self.selection.expectations_digest.clone(),
            capacity: self.capacity.clone(),
            selection: self.selection.clone(),
            part: self.part,
            only_failed: self.only_failed,
            latency: self.latency.clone(),
        }
    }
}

/// The facts a run's Cucumber JSON carries, or why there are none.
pub fn read(json: &str) -> Result<RunFacts, String> {
    let features: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let list = features.as_array().ok_or("not Cucumber JSON: the top level is not an array of features")?;
    let mut found = list.iter().filter_map(|f| f.get(FIELD));
    let facts = found.next().ok_or(
        "no \"vpp-conformance\" run facts: the file was not written by `vpp-conformance run --json` of this version",
    )?;
    if found.next().is_some() {
        return Err("more than one feature carries \"vpp-conformance\" run facts: the file was edited".into());
    }
    serde_json::from_value(facts.clone()).map_err(|e| format!("the \"vpp-conformance\" run facts: {e}"))
}
