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
        Status::Error => "🚫 error (not judged)",
        Status::Flaky => "🔁 flaky",
        Status::Warning => "⚠️ warning",
        Status::NotMet => "🔸 not met",
        Status::NotRun => "⏹️ not run",
        Status::Skipped => "➖ skipped",
        Status::Waived => "🏷️ waived",
        Status::StaleWaiver => "❗ stale waiver",
    }
}

/// The whole report: the verdict, what failed, the notices, the run's facts, the requirements,
/// the waivers, the details of each failure and warning, the seal, and the embedded results.
pub fn render(data: &ReportData, seal: &Seal) -> String {
    let mut m = String::new();
    verdict(&mut m, data);
    failures(&mut m, data);
    unjudged(&mut m, data);
    for notice in &data.notices {
        m.push_str(&format!("> **WARNING: {}**\n\n", cell(notice)));
    }
    run_facts(&mut m, data);
    matrix(&mut m, data);
    waivers(&mut m, data);
    if data.detailed().next().is_some() {
        m.push_str("\n## Failures and warnings\n");
        data.detailed().for_each(|r| detail(&mut m, r));
    }
    sealed(&mut m, seal);
    let json = serde_json::to_string(&Embedded { data: data.clone(), seal: seal.clone() }).expect("serializable");
    m.push_str(&format!("{DATA_OPEN}{}{DATA_CLOSE}\n", hex::encode(json.as_bytes())));
    m
}

/// The title with the verdict, the counts, and what an interrupted run certifies.
fn verdict(m: &mut String, data: &ReportData) {
    let mark = match data.verdict.as_str() {
        "PASS" => "✅",
        "FAIL" => "❌",
        "ERROR" => "🚫",
        _ => "⏹️",
    };
    m.push_str(&format!("# vpp-conformance certification report: {mark} {}\n\n", data.verdict));
    m.push_str(&format!("**Verdict: {}**: {}.\n\n", data.verdict, data.counts()));
    if !data.labels.is_empty() {
        let labels: Vec<String> = data.labels.iter().map(|(k, v)| format!("`{}={}`", cell(k), cell(v))).collect();
        m.push_str(&format!("Labels: {}\n\n", labels.join(" ")));
    }
    if data.verdict == "INTERRUPTED" {
        m.push_str("> **The run was interrupted**: the requirements not run are not certified either way.\n\n");
    }
    if data.verdict == "ERROR" {
        m.push_str(&format!("> **{}**\n\n", super::UNJUDGED_NOTE));
    }
}

/// What failed the run.
fn failures(m: &mut String, data: &ReportData) {
    let failing: Vec<&Row> = data.failing().collect();
    if failing.is_empty() {
        return;
    }
    m.push_str(&format!("## What failed ({})\n\n", failing.len()));
    for r in failing {
        m.push_str(&format!("- `{}` {} ({}, {}): {}\n", r.id, cell(&r.name), r.level, r.status, cell(r.headline())));
    }
    m.push('\n');
}

/// What could not be judged, one line a cause.
fn unjudged(m: &mut String, data: &ReportData) {
    let groups = data.unjudged();
    if groups.is_empty() {
        return;
    }
    let n: usize = groups.iter().map(|(_, rows)| rows.len()).sum();
    m.push_str(&format!("## What could not be judged ({n})\n\n"));
    for (why, rows) in groups {
        let ids: Vec<String> = rows.iter().map(|r| format!("`{}`", r.id)).collect();
        m.push_str(&format!("- {}: {}\n", ids.join(", "), cell(why)));
    }
    m.push('\n');
}

/// The run's facts: target, date, suite, selection, seed, what applies, and levels.
fn run_facts(m: &mut String, data: &ReportData) {
    m.push_str(&format!("- Target: {}\n", cell(&data.target)));
    m.push_str(&format!("- Date: {}\n", data.generated_at));
    m.push_str(&format!("- Suite: {} {}\n", data.suite, data.suite_version));
    m.push_str(&format!("- Tags selected: {}\n", cell(data.tags.as_deref().unwrap_or("(all but opt-in)"))));
    m.push_str(&format!("- Seed: {}\n", data.seed));
    for (key, value) in &data.labels {
        m.push_str(&format!("- Label: {}={}\n", cell(key), cell(value)));
    }
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
}

/// The requirements table: one row a documented requirement, with its result.
fn matrix(m: &mut String, data: &ReportData) {
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
}

/// The expectations file the report was issued under, every waiver of it.
fn waivers(m: &mut String, data: &ReportData) {
    let Some(e) = &data.expectations else { return };
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

/// One requirement's details: its waiver, reason, warnings, coverage notes and retries.
fn detail(m: &mut String, r: &Row) {
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
    list(m, "", &r.warnings);
    list(m, "\n**Coverage**: what this data gave nothing to check:\n", &r.coverage);
    list(m, "\n**Flaky**: passed only after requests were sent again (--retries):\n", &r.flaky);
}

/// `items` as a list after `intro`; nothing when there are none.
fn list(m: &mut String, intro: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    m.push_str(intro);
    for item in items {
        m.push_str(&format!("\n- {}", cell(item)));
    }
    m.push('\n');
}

/// The seal: the digest, the signature if any, and how to check them.
fn sealed(m: &mut String, seal: &Seal) {
    m.push_str(&format!("\n## Seal\n\n- SHA-256 of the results: `{}`\n", seal.digest));
    match (&seal.signature, &seal.public_key) {
        (Some(sig), Some(key)) => {
            m.push_str(&format!("- Ed25519 signature: `{sig}`\n- Signer's public key: `{key}`\n"));
        }
        _ => m.push_str("- Signature: not signed\n"),
    }
    m.push_str("\nCheck this report with `vpp-conformance verify-report FILE [--public-key KEY]`.\n\n");
}

/// The embedded results of a Markdown report.
pub fn extract(text: &str) -> Option<Embedded> {
    let start = text.rfind(DATA_OPEN)? + DATA_OPEN.len();
    let end = start + text[start..].find(DATA_CLOSE)?;
    serde_json::from_slice(&hex::decode(text[start..end].trim()).ok()?).ok()
}
