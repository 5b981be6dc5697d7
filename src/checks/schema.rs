//! JSON Schema (draft 2020-12) validation against the schemas in `schemas/`. Each error names
//! the JSON path of the offending value; values are masked so a token cannot leak through a
//! schema message.

use super::{Findings, Mismatch};
use crate::catalog;
use std::sync::OnceLock;

/// The base every schema `$id` shares, so `$ref`s between embedded schemas resolve offline.
pub const SCHEMA_BASE: &str = "https://vpp-conformance.invalid/schemas/";

/// Serves the embedded schemas to `$ref`s, and refuses everything else: validation never
/// touches the network.
struct EmbeddedSchemas;

impl jsonschema::Retrieve for EmbeddedSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let wanted = uri.as_str();
        catalog::SCHEMAS
            .iter()
            .find(|e| wanted == format!("{SCHEMA_BASE}{}", e.path.trim_start_matches("schemas/")))
            .map(|e| serde_json::from_str(e.text).map_err(Into::into))
            .unwrap_or_else(|| Err(format!("{wanted} is not an embedded schema").into()))
    }
}

/// The validator of the schema `name`, compiled the first time a step asks for it: a run compiles
/// only the schemas its scenarios use (compiling all four was a tenth of a short run).
fn validator(name: &str) -> Option<&'static jsonschema::Validator> {
    static COMPILED: [OnceLock<jsonschema::Validator>; catalog::SCHEMAS.len()] =
        [const { OnceLock::new() }; catalog::SCHEMAS.len()];
    let path = format!("schemas/{name}.schema.json");
    let i = catalog::SCHEMAS.iter().position(|e| e.path == path)?;
    Some(COMPILED[i].get_or_init(|| {
        let value: serde_json::Value = serde_json::from_str(catalog::SCHEMAS[i].text).expect("embedded schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .with_retriever(EmbeddedSchemas)
            .build(&value)
            .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"))
    }))
}

/// Compiles the schemas `names` on a thread of their own, so that the first answer a step checks
/// against one does not wait for it (the first compilation also sets up the draft's
/// meta-schemas: about 1.3 ms). An unknown name is left for [`validate`] to report.
pub fn compile_ahead(names: Vec<String>) {
    if !names.is_empty() {
        std::thread::spawn(move || {
            for name in &names {
                let _ = validator(name);
            }
        });
    }
}

/// Every way `instance` breaks the schema `name` (`service-config`, `vpp-account`, `vpp-account-list`).
pub fn validate(name: &str, instance: &serde_json::Value) -> Findings {
    let mut findings = Findings::default();
    let Some(validator) = validator(name) else {
        findings.fail(Mismatch::new("schema", "a known schema", "one of schemas/*.schema.json", name));
        return findings;
    };
    for error in validator.iter_errors(instance) {
        let path = error.instance_path().to_string();
        findings.fail(Mismatch::new(
            json_pointer_to_path(&path),
            format!("valid against schemas/{name}.schema.json"),
            format!("schema rule at {}", error.schema_path()),
            error.masked().to_string(),
        ));
    }
    findings
}

/// `/vppAccounts/0/guid` as `$.vppAccounts[0].guid`, the form the rest of the reports use.
pub fn json_pointer_to_path(pointer: &str) -> String {
    let mut out = String::from("$");
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
            out.push_str(&format!("[{part}]"));
        } else {
            out.push('.');
            out.push_str(&part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiled one by one when asked, every embedded schema still compiles, and an unknown name
    /// is a finding rather than a panic.
    #[test]
    fn every_embedded_schema_compiles_when_asked() {
        for e in catalog::SCHEMAS {
            let name = e.path.trim_start_matches("schemas/").trim_end_matches(".schema.json");
            assert!(validator(name).is_some(), "{name}");
            assert!(!validate(name, &serde_json::json!(17)).failures.is_empty(), "{name} takes a number");
        }
        assert!(validator("no-such-schema").is_none());
        assert_eq!(validate("no-such-schema", &serde_json::json!({})).failures.len(), 1);
    }
}
