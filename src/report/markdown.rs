//! The certification report in Markdown, for CI job summaries (GitHub's `$GITHUB_STEP_SUMMARY`,
//! GitLab's Markdown reports). The results are embedded, hex-encoded, in a closing HTML comment.

use super::seal::{Embedded, Seal};
use super::{ReportData, Row};
use crate::outcome::Status;

const DATA_OPEN: &str = "<!-- vpp-conformance-results:";
const DATA_CLOSE: &str = "-->";

/// Text safe inside a Markdown table cell or list item.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace('\n', " ")
}

fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::TimedOut => "⏱️ timed out",
        Status::Flaky => "🔁 flaky",
        Status::Warning => "⚠️ warning",
        Status::NotMet => "🔸 not met",
        Status::NotRun => "⏹️ not run",
        Status::Skipped => "➖ skipped",
        Status::Waived => "🏷️ waived",
        Status::StaleWaiver => "❗ stale waiver",
    }
}

pub fn render(data: &ReportData, seal: &Seal) -> String {
    let mut m = String::new();
    let mark = match data.verdict.as_str() {
        "PASS" => "✅",
        "FAIL" => "❌",
        _ => "⏹️",
    };
    m.push_str(&format!("# vpp-conformance certification report: {mark} {}\n\n", data.verdict));
    m.push_str(&format!("**Verdict: {}**: {}.\n\n", data.verdict, data.counts()));
    if data.verdict == "INTERRUPTED" {
        m.push_str("> **The run was interrupted**: the requirements not run are not certified either way.\n\n");
    }
    let failing: Vec<&Row> = data.failing().collect();
    if !failing.is_empty() {
        m.push_str(&format!("## What failed ({})\n\n", failing.len()));
        for r in failing {
            m.push_str(&format!(
                "- `{}` {} ({}, {}): {}\n",
                r.id,
                cell(&r.name),
                r.level,
                r.status,
                cell(r.headline())
            ));
        }
        m.push('\n');
    }
    for notice in &data.notices {
        m.push_str(&format!("> **WARNING: {}**\n\n", cell(notice)));
    }
    m.push_str(&format!("- Target: {}\n", cell(&data.target)));
    m.push_str(&format!("- Date: {}\n", data.generated_at));
    m.push_str(&format!("- Suite: {} {}\n", data.suite, data.suite_version));
    m.push_str(&format!("- Tags selected: {}\n", cell(data.tags.as_deref().unwrap_or("(all but opt-in)"))));
    m.push_str(&format!("- Seed: {}\n", data.seed));
    if let Some(profile) = data.profile_line() {
        m.push_str(&format!("- Profile: {}\n", cell(&profile)));
    }
    if let Some(parts) = &data.parts {
        m.push_str(&format!("- Parts: {}\n", cell(parts)));
    }
    for c in &data.capacity {
        m.push_str(&format!("- Target capacity: {}\n", cell(c)));
    }
    m.push_str(&format!("- Levels: {}\n\n", data.levels_rule()));
    m.push_str("| ID | Requirement | Documentation | API | Level | Result |\n|---|---|---|---|---|---|\n");
    for r in &data.rows {
        m.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            r.id,
            cell(&r.name),
            cell(&r.section),
            r.api,
            r.level,
            icon(r.status)
        ));
    }
    if let Some(e) = &data.expectations {
        m.push_str(&format!(
            "\n## Waivers\n\nIssued under an expectations file of {} waiver(s), SHA-256 `{}`.\n\n| ID | Expected | Reason | Link | Expires |\n|---|---|---|---|---|\n",
            e.waivers.len(),
            e.digest
        ));
        for w in &e.waivers {
            m.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                cell(&w.scenario),
                w.expect.as_str(),
                cell(&w.reason),
                cell(w.link.as_deref().unwrap_or("")),
                cell(w.expires.as_deref().unwrap_or(""))
            ));
        }
    }
    let detailed: Vec<&Row> = data.rows.iter().filter(|r| r.has_details()).collect();
    if !detailed.is_empty() {
        m.push_str("\n## Failures and warnings\n");
        for r in detailed {
            m.push_str(&format!(
                "\n### `{}` {} ({}, {})\n\nDocumentation: {}\n",
                r.id,
                cell(&r.name),
                r.level,
                r.status,
                cell(&r.section)
            ));
            if let Some(waiver) = &r.waiver {
                m.push_str(&format!("\n{}\n", cell(waiver)));
            }
            if let Some(reason) = &r.reason {
                m.push_str(&format!("\n```text\n{}\n```\n", reason.replace("```", "`\u{200b}``")));
            }
            for w in &r.warnings {
                m.push_str(&format!("\n- {}", cell(w)));
            }
            if !r.warnings.is_empty() {
                m.push('\n');
            }
            if !r.coverage.is_empty() {
                m.push_str("\n**Coverage**: what this data gave nothing to check:\n");
                for c in &r.coverage {
                    m.push_str(&format!("\n- {}", cell(c)));
                }
                m.push('\n');
            }
            if !r.flaky.is_empty() {
                m.push_str("\n**Flaky**: passed only after requests were sent again (--retries):\n");
                for f in &r.flaky {
                    m.push_str(&format!("\n- {}", cell(f)));
                }
                m.push('\n');
            }
        }
    }
    m.push_str(&format!("\n## Seal\n\n- SHA-256 of the results: `{}`\n", seal.digest));
    match (&seal.signature, &seal.public_key) {
        (Some(sig), Some(key)) => {
            m.push_str(&format!("- Ed25519 signature: `{sig}`\n- Signer's public key: `{key}`\n"));
        }
        _ => m.push_str("- Signature: not signed\n"),
    }
    m.push_str("\nCheck this report with `vpp-conformance verify-report FILE [--public-key KEY]`.\n\n");
    let json = serde_json::to_string(&Embedded { data: data.clone(), seal: seal.clone() }).expect("serializable");
    m.push_str(&format!("{DATA_OPEN}{}{DATA_CLOSE}\n", hex::encode(json.as_bytes())));
    m
}

/// The embedded results of a Markdown report.
pub fn extract(text: &str) -> Option<Embedded> {
    let start = text.rfind(DATA_OPEN)? + DATA_OPEN.len();
    let end = start + text[start..].find(DATA_CLOSE)?;
    serde_json::from_slice(&hex::decode(text[start..end].trim()).ok()?).ok()
}
