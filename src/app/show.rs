//! The commands that show what the suite carries: `list` (every scenario, with its ID, level,
//! tags and documentation section) and `fixtures` (the canonical data set, or the documented
//! service configuration).

use crate::catalog::{self, Level, ScenarioInfo};
use std::io::Write;

/// `list`: every scenario, as a table or (with `json`) as JSON, then the count of each level.
pub fn list(json: bool, out: &mut impl Write) -> std::io::Result<()> {
    let scenarios = catalog::scenarios();
    if json {
        return writeln!(out, "{}", serde_json::to_string_pretty(&scenarios).expect("serializable"));
    }
    for s in &scenarios {
        let tags: Vec<String> = s.tags.iter().filter(|t| **t != s.id).map(|t| format!("@{t}")).collect();
        writeln!(
            out,
            "{:<12} {:<6} {}\n                    tags: {}\n                    documentation: {}",
            s.id,
            s.level,
            s.name,
            tags.join(" "),
            s.section
        )?;
    }
    counts(out, &scenarios)
}

/// The line that ends the table: how many scenarios, and of each level what a failure does.
fn counts(out: &mut impl Write, scenarios: &[ScenarioInfo]) -> std::io::Result<()> {
    let count = |level| scenarios.iter().filter(|s| s.level == level).count();
    writeln!(
        out,
        "{} scenarios: {} MUST (a failure fails the run), {} SHOULD (a warning; a failure under --strict), {} INFO (reported only)",
        scenarios.len(),
        count(Level::Must),
        count(Level::Should),
        count(Level::Info)
    )
}

/// `fixtures`: the canonical data set as `serve --accounts` reads it, or (with `service_config`)
/// the documented service configuration.
pub fn fixture(service_config: bool) -> &'static str {
    let path = if service_config { "fixtures/apple-vpp-service-config.json" } else { "fixtures/uem-vpp-accounts.json" };
    catalog::FIXTURES.iter().find(|e| e.path == path).map(|e| e.text).unwrap_or_default()
}
