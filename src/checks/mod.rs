//! Plain checks, with no cucumber inside: each takes what the target sent and what the
//! documentation fixes, and returns every difference with where it is (a JSON path), what was
//! expected and what came. Things the documentation leaves open are never failures; where worth
//! knowing they become warnings.

pub mod accounts;
pub mod code_points;
pub mod media_type;
pub mod probes;
pub mod query_oracle;
pub mod redirects;
pub mod schema;
pub mod service_config;
pub mod snapshot;

use std::fmt;

/// One way the response breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Where in the response, as a JSON path (`$.errorCodes[3].errorMessage`) or a header name.
    pub at: String,
    /// The documented rule that is broken, in a few words.
    pub rule: String,
    pub expected: String,
    pub actual: String,
}

impl Mismatch {
    pub fn new(
        at: impl Into<String>,
        rule: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Self { at: at.into(), rule: rule.into(), expected: expected.into(), actual: actual.into() }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}\n    expected: {}\n    actual:   {}", self.at, self.rule, self.expected, self.actual)
    }
}

/// What a check found: failures break the documented contract; warnings note what the
/// documentation does not fix (an extra field, an unusual date format).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub failures: Vec<Mismatch>,
    pub warnings: Vec<String>,
}

impl Findings {
    pub fn fail(&mut self, m: Mismatch) {
        self.failures.push(m);
    }

    pub fn warn(&mut self, w: impl Into<String>) {
        self.warnings.push(w.into());
    }

    pub fn extend(&mut self, other: Findings) {
        self.failures.extend(other.failures);
        self.warnings.extend(other.warnings);
    }

    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// The failures, one per paragraph, for a failure message.
    pub fn failure_text(&self) -> String {
        self.failures.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
    }
}

/// A JSON value as a short, single-line text for messages.
pub fn show(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 200 { format!("{}…", text.chars().take(200).collect::<String>()) } else { text }
}
