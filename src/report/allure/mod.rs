//! Allure results (`--allure-results DIR`): the directory of `*-result.json` files that Allure
//! (`allure generate`, Allure 3) builds its report and its history from, written from the
//! results model like every other output. Beside the results: `executor.json` (the build's name
//! and order), `environment.properties` (the suite's version, the target, the labels) and
//! `categories.json` (what could not be judged, grouped by cause; what failed, by documentation
//! section).
//!
//! A run replaces the suite's own earlier results in the directory (the files named
//! `vpp-conformance-*`), and leaves anything else there alone: the new files are written whole
//! first, then the old ones removed, so the directory never holds half a run.
//!
//! - `result.rs`: one scenario as Allure results, and the one mapping of statuses.

mod result;

use super::atomic::PendingFile;
use crate::outcome::{RunOutcome, Status, TransportKind};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub use result::status_of;

/// The prefix of every file the suite writes in an Allure results directory.
const PREFIX: &str = "vpp-conformance-";

/// Makes the directory (and its parents), before the run: a path that cannot be one is an
/// error naming the setting before any request.
pub fn prepare(dir: &Path, setting: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{setting} {}: cannot create the directory ({e})", dir.display()))
}

/// The machine that ran the suite, as Allure's `host` label wants it.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A UUID (version 4 in form) for one result file, from the moment, the process and what it is.
fn uuid(what: &str) -> String {
    use sha2::Digest as _;
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let d = sha2::Sha256::digest(format!("{nanos}:{n}:{}:{what}", std::process::id()).as_bytes());
    let h = hex::encode(&d[..16]);
    format!("{}-{}-4{}-a{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    let file = PendingFile::create(path).map_err(|e| format!("{}: cannot create the file ({e})", path.display()))?;
    use std::io::Write as _;
    file.writer()
        .write_all(text.as_bytes())
        .and_then(|()| file.commit())
        .map_err(|e| format!("{}: cannot write the file ({e})", path.display()))
}

/// The suite's own files in the directory now: they go once the new ones are in place.
fn earlier_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(PREFIX)))
        .collect()
}

/// Writes the results of `outcome` into `dir`, replacing the suite's earlier ones; returns how
/// many result files it wrote.
pub fn write(dir: &Path, outcome: &RunOutcome) -> Result<usize, String> {
    let earlier = earlier_files(dir);
    let infos = crate::catalog::scenarios();
    let host = host();
    let mut written = 0;
    for s in outcome.scenarios.iter().filter(|s| s.status != Status::Skipped) {
        let Some(info) = infos.iter().find(|i| i.id == s.id) else { continue };
        for mut attempt in result::earlier_attempts(s, outcome, info, &host) {
            let id = uuid(&format!("{}:earlier:{written}", s.id));
            attempt["uuid"] = Value::String(id.clone());
            write_file(&dir.join(format!("{PREFIX}{id}-result.json")), &attempt.to_string())?;
            written += 1;
        }
        let r = result::result(s, outcome, info, &host, uuid(&s.id));
        for (file, text) in &r.attachments {
            write_file(&dir.join(file), text)?;
        }
        write_file(&dir.join(format!("{PREFIX}{}-result.json", r.uuid)), &r.json.to_string())?;
        written += 1;
    }
    write_file(&dir.join("executor.json"), &executor(dir, outcome).to_string())?;
    write_file(&dir.join("environment.properties"), &environment(outcome))?;
    write_file(&dir.join("categories.json"), &categories(outcome, &infos).to_string())?;
    for old in earlier {
        std::fs::remove_file(&old).map_err(|e| format!("{}: cannot remove an earlier result ({e})", old.display()))?;
    }
    Ok(written)
}

/// The build: its name from the run's labels, its order from a label (`build-order`, `build`)
/// that is a number, else one more than the directory's last.
fn executor(dir: &Path, outcome: &RunOutcome) -> Value {
    let labels = &outcome.selection.labels;
    let numbered = labels.iter().find(|(k, _)| matches!(k.as_str(), "build-order" | "build" | "build-number"));
    let order = numbered.and_then(|(_, v)| v.parse::<u64>().ok()).unwrap_or_else(|| {
        let last = std::fs::read_to_string(dir.join("executor.json")).ok();
        let last = last.and_then(|t| serde_json::from_str::<Value>(&t).ok());
        last.and_then(|v| v["buildOrder"].as_u64()).map_or(1, |n| n + 1)
    });
    let name = match labels.is_empty() {
        true => format!("vpp-conformance run #{order}"),
        false => outcome.selection.labels_text(),
    };
    json!({
        "name": "vpp-conformance",
        "type": "vpp-conformance",
        "buildName": name,
        "buildOrder": order,
        "reportName": format!("vpp-conformance: {}", outcome.target),
    })
}

/// A value as a `.properties` file holds it.
fn property(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r")
}

/// The suite's version, the target, the seed, the profile, and each label.
fn environment(outcome: &RunOutcome) -> String {
    let mut lines = vec![
        format!("vpp-conformance.version={}", env!("CARGO_PKG_VERSION")),
        format!("vpp-conformance.verdict={}", outcome.verdict_word()),
        format!("target={}", property(&outcome.target)),
        format!("seed={}", outcome.seed),
        format!("profile={}", property(&outcome.profile)),
        format!("strict={}", outcome.strict),
    ];
    for (key, value) in &outcome.selection.labels {
        lines.push(format!("label.{key}={}", property(value)));
    }
    lines.join("\n") + "\n"
}

/// What could not be judged, by cause, and what failed, by documentation section: the first
/// line of each result's trace says which ([`result::cause_line`]).
fn categories(outcome: &RunOutcome, infos: &[crate::catalog::ScenarioInfo]) -> Value {
    let causes = [
        (TransportKind::Refused, "the target refused the connection"),
        (TransportKind::TimedOut, "no answer within --timeout"),
        (TransportKind::PushedBack, "the target pushed back (429, 503) past the retries"),
        (TransportKind::Tls, "the TLS handshake failed"),
        (TransportKind::Gateway, "a gateway got no answer (502, 504)"),
        (TransportKind::Reset, "the connection broke"),
        (TransportKind::BodyOverCap, "a body over --max-body-size"),
        (TransportKind::Other, "no usable answer"),
    ];
    let mut list: Vec<Value> = causes
        .iter()
        .map(|(kind, words)| {
            json!({
                "name": format!("Not judged: {words}"),
                "matchedStatuses": ["broken"],
                "traceRegex": format!("(?s)cause: {}\\b.*", kind.as_str()),
            })
        })
        .collect();
    list.push(json!({"name": "Not judged: a bug of the suite", "matchedStatuses": ["broken"], "traceRegex": "(?s)cause: suite\\b.*"}));
    let mut sections: Vec<&str> = Vec::new();
    for s in outcome.scenarios.iter().filter(|s| matches!(s.status, Status::Fail | Status::NotMet)) {
        if let Some(info) = infos.iter().find(|i| i.id == s.id).filter(|i| !sections.contains(&i.section.as_str())) {
            sections.push(&info.section);
        }
    }
    for section in sections {
        list.push(json!({
            "name": format!("Broken rule: {section}"),
            "matchedStatuses": ["failed"],
            "traceRegex": format!("(?s)documentation: {}\n.*", regex::escape(section)),
        }));
    }
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_has_the_form_of_a_version_4_uuid_and_differs_each_time() {
        let (a, b) = (uuid("X-1"), uuid("X-1"));
        let re = regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$").unwrap();
        assert!(re.is_match(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn properties_keep_each_value_on_its_line() {
        assert_eq!(property("a\nb\\c"), "a\\nb\\\\c");
    }
}
