//! The waivers of an expectations file: a known deviation, what is expected of it, and why.

use serde::{Deserialize, Serialize};

/// The outcome an expectations file says a scenario is expected to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// It fails: a failure does not fail the run; a pass is a stale waiver.
    Fail,
    /// It may fail now and then: it is run again when it fails, and waived if an attempt passes.
    Flaky,
    /// It is not run at all.
    Skip,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Fail => "fail",
            Expect::Flaky => "flaky",
            Expect::Skip => "skip",
        }
    }
}

/// One entry of an expectations file: a known deviation, and why it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    pub scenario: String,
    pub expect: Expect,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// `YYYY-MM-DD`: after this day the waiver no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// For `flaky`: how many times the scenario runs at most while it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
}

impl Waiver {
    /// The line a waived scenario is shown with.
    pub fn note(&self) -> String {
        let link = self.link.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
        let expected = match self.expect {
            Expect::Fail => "expected to fail",
            Expect::Flaky => "known to be flaky",
            Expect::Skip => "skipped",
        };
        format!("waived ({expected}): {}{link}", self.reason)
    }
}
