//! Reports people hand on: a certification report (HTML or Markdown) that states the verdict and
//! every documented requirement's result, sealed with a SHA-256 digest (and optionally an Ed25519
//! signature); and a regression report comparing two runs' Cucumber JSON.
//!
//! A report is a pure function of its [`ReportData`], which it embeds: `verify-report` re-renders
//! the report from the embedded data and compares every byte, so an edit anywhere is caught.

pub mod allure;
pub mod atomic;
pub mod cucumber;
pub mod diff;
pub mod files;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod seal;
pub mod summary;
pub mod verify;

use crate::catalog;
use crate::outcome::{RunOutcome, Status, Waiver};
use serde::{Deserialize, Serialize};

/// What a report says first when its verdict is ERROR.
pub const UNJUDGED_NOTE: &str = "Not judged: the target gave no usable answer to requirements where a failure \
     would count, and no rule was seen broken. This certifies neither conformance nor its absence: run again \
     when the target answers.";

/// One documented requirement's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub section: String,
    pub api: String,
    /// `MUST`, `SHOULD` or `INFO`.
    pub level: String,
    pub status: Status,
    pub reason: Option<String>,
    pub warnings: Vec<String>,
    /// What the data gave nothing to check; left out when empty (reports keep their digests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<String>,
    /// Requests sent again after a transport error: the scenario is flaky. Left out when empty,
    /// so reports of runs without retries (and their digests) are as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flaky: Vec<String>,
    /// The waiver's reason, for a waived or stale-waiver row (absent otherwise, so reports
    /// without waivers keep their digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<String>,
}

/// The expectations file a report was issued under: its digest and every entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationsData {
    /// SHA-256 (hex) of the file's content.
    pub digest: String,
    pub waivers: Vec<Waiver>,
}

impl Row {
    /// The first line of the reason.
    pub fn headline(&self) -> &str {
        self.reason.as_deref().and_then(|t| t.lines().find(|l| !l.trim().is_empty())).unwrap_or("").trim()
    }

    /// Whether the row has more to say than its status: a reason, warnings, a waiver, requests
    /// sent again, coverage notes.
    pub fn has_details(&self) -> bool {
        self.reason.is_some()
            || !self.warnings.is_empty()
            || self.waiver.is_some()
            || !self.flaky.is_empty()
            || !self.coverage.is_empty()
    }
}

/// Everything a certification report states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportData {
    pub suite: String,
    pub suite_version: String,
    pub generated_at: String,
    pub target: String,
    pub tags: Option<String>,
    /// The profile certified when it is not the full one (`live`): absent from reports of full
    /// runs, whose data (and digests) are as they always were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub seed: u64,
    /// Whether failed SHOULD scenarios failed the run.
    pub strict: bool,
    /// What the reader must be told before anything else (certificates not verified, for one).
    pub notices: Vec<String>,
    pub verdict: String,
    pub rows: Vec<Row>,
    /// The waivers the run was judged under (absent without `--expectations`, so reports without
    /// waivers keep their digest and render as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectations: Option<ExpectationsData>,
    /// A merged certificate: of how many parts, and whether each was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<String>,
    /// What the run learned of each target's capacity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity: Vec<String>,
    /// The run's labels (`--label`), in the order given; absent without labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<(String, String)>,
}

impl ReportData {
    /// The results of a run, with every catalogued scenario: those not selected are `skipped`.
    pub fn from_outcome(outcome: &RunOutcome, tags: Option<&str>, generated_at: String) -> Self {
        let rows = catalog::scenarios()
            .into_iter()
            .map(|info| {
                let api = if info.tags.iter().any(|t| t == "apple-vpp") { "Apple VPP" } else { "UEM" };
                let result = outcome.scenario(&info.id);
                let waiver = outcome.waiver(&info.id);
                let status = result.map_or(Status::Skipped, |r| r.status);
                let reason = result.and_then(|r| match r.failure() {
                    Some(f) => Some(f.text_with("at the top of this report")),
                    None if r.status == Status::StaleWaiver => Some(
                        "a `fail` waiver expects this scenario to fail, and it passed: the waiver is stale (remove it)"
                            .to_owned(),
                    ),
                    None => r.reason(),
                });
                Row {
                    id: info.id.clone(),
                    name: info.name.clone(),
                    section: info.section.clone(),
                    api: api.to_owned(),
                    level: info.level.as_str().to_owned(),
                    status,
                    reason,
                    warnings: result.map(|r| r.warnings.clone()).unwrap_or_default(),
                    coverage: result.map(|r| r.coverage.clone()).unwrap_or_default(),
                    flaky: result
                        .map(|r| {
                            let attempts = r
                                .failed_attempts
                                .iter()
                                .map(|f| format!("an earlier attempt failed: {}", f.headline()));
                            r.flaky.iter().cloned().chain(attempts).collect()
                        })
                        .unwrap_or_default(),
                    waiver: waiver.filter(|_| matches!(status, Status::Waived | Status::StaleWaiver)).map(|w| w.note()),
                }
            })
            .collect();
        Self {
            suite: "vpp-conformance".into(),
            suite_version: env!("CARGO_PKG_VERSION").into(),
            generated_at,
            target: outcome.target.clone(),
            tags: tags.map(str::to_owned),
            profile: (outcome.profile == "live").then(|| outcome.profile.clone()),
            seed: outcome.seed,
            strict: outcome.strict,
            notices: outcome.notices.clone(),
            verdict: outcome.verdict_word().into(),
            rows,
            expectations: outcome
                .expectations_digest
                .clone()
                .map(|digest| ExpectationsData { digest, waivers: outcome.waivers.clone() }),
            parts: None,
            capacity: outcome.capacity.clone(),
            labels: outcome.selection.labels.clone(),
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    /// The counts line both formats print: each status with any requirement, in one order.
    pub fn counts(&self) -> String {
        let words = |status: Status| match status {
            Status::Pass => "passed".to_owned(),
            Status::Warning => "passed with warnings".to_owned(),
            Status::Fail => "failed".to_owned(),
            Status::Error => "not judged (ERROR: no usable answer)".to_owned(),
            Status::NotMet => "not met (SHOULD/INFO, not failing)".to_owned(),
            Status::StaleWaiver if self.strict => "stale waiver(s) (failing under --strict)".to_owned(),
            Status::StaleWaiver => "stale waiver(s) (a waived requirement that passed)".to_owned(),
            Status::Skipped => "not selected".to_owned(),
            other => other.as_str().to_owned(),
        };
        let parts: Vec<String> = Status::ALL
            .iter()
            .map(|&s| (s, self.count(s)))
            .filter(|&(s, n)| n > 0 || matches!(s, Status::Pass | Status::Fail))
            .map(|(s, n)| format!("{n} {}", words(s)))
            .collect();
        format!("{}, of {} documented requirements", parts.join(", "), self.rows.len())
    }

    /// The rows that fail the run, for the top of a report.
    pub fn failing(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.status.fails_run(self.strict))
    }

    /// The rows that could not be judged (ERROR), grouped by the first line of why: a target
    /// found down is one cause, said once for all its requirements.
    pub fn unjudged(&self) -> Vec<(&str, Vec<&Row>)> {
        let mut groups: Vec<(&str, Vec<&Row>)> = Vec::new();
        for r in self.rows.iter().filter(|r| r.status == Status::Error) {
            match groups.iter_mut().find(|(why, _)| *why == r.headline()) {
                Some((_, rows)) => rows.push(r),
                None => groups.push((r.headline(), vec![r])),
            }
        }
        groups
    }

    /// The rows with more to say than their status, for the details after the table.
    pub fn detailed(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.has_details())
    }

    /// The profile line, when the run was not a full one.
    pub fn profile_line(&self) -> Option<String> {
        self.profile.as_ref().map(|p| {
            format!("{p}: only the scenarios that need no particular data; those that need the canonical data set were not run")
        })
    }

    /// How failed SHOULD scenarios were judged, as the run facts say it.
    pub fn levels_rule(&self) -> &'static str {
        if self.strict {
            "strict: a failed MUST or SHOULD requirement fails the run"
        } else {
            "a failed MUST requirement fails the run; SHOULD is a warning; INFO is reported only"
        }
    }
}

/// The report formats, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
}

impl Format {
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(Format::Html),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// Renders a sealed report.
pub fn render(format: Format, data: &ReportData, seal: &seal::Seal) -> String {
    match format {
        Format::Html => html::render(data, seal),
        Format::Markdown => markdown::render(data, seal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports issued without waivers keep the canonical JSON (so the digest) they always had.
    #[test]
    fn data_without_waivers_serializes_as_before() {
        let outcome = RunOutcome { target: "t".into(), ..RunOutcome::default() };
        let data = ReportData::from_outcome(&outcome, None, "now".into());
        let json = seal::canonical(&data);
        assert!(!json.contains("expectations") && !json.contains("\"waiver\""), "{json}");
        assert!(!data.counts().contains("waived"));
        let html = html::render(&data, &seal::seal(&data, None));
        assert!(!html.contains("Waivers") && !html.contains(".waived"));
    }
}
