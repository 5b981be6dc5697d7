//! `--expectations FILE`: the known deviations a certificate is issued under, as data (like
//! web-platform-tests' expectation files or the OpenID suite's expected-failures file). Each
//! `[[waiver]]` names a scenario, the outcome expected (`fail`, `flaky`, `skip`), a mandatory
//! reason, and optionally a link and an expiry date:
//!
//! ```toml
//! [[waiver]]
//! scenario = "APL-CFG-007"
//! expect = "fail"
//! reason = "error 9631's message is reworded on our side; fix planned for 4.2"
//! link = "https://tracker.example/VPP-42"
//! expires = 2026-12-31
//! ```
//!
//! An unknown scenario ID or a missing reason is an error naming the file and the line. A waiver
//! past its expiry date no longer applies: the run goes on, says so, and judges the scenario as
//! if it had none. The file's digest and every entry that applies go into the sealed reports.
//! `expect = "flaky"` may say how many times the scenario runs at most (`attempts`, 2 to 10).

use super::ConfigError;
use crate::outcome::{Expect, Waiver};
use serde::Deserialize;
use sha2::Digest as _;
use std::path::{Path, PathBuf};

/// A loaded, validated expectations file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    pub path: PathBuf,
    /// SHA-256 (hex) of the file's bytes.
    pub digest: String,
    /// The waivers that apply today.
    pub waivers: Vec<Waiver>,
    /// Those past their expiry date: they no longer apply, and the run says so.
    pub expired: Vec<Waiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<toml::Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    scenario: Option<String>,
    expect: Option<String>,
    reason: Option<String>,
    link: Option<String>,
    expires: Option<toml::Value>,
    attempts: Option<u32>,
}

impl Expectations {
    /// Reads and validates the file against the catalogue, with today's date (UTC).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = super::files::read_text("--expectations", path)?;
        let today = chrono::Utc::now().date_naive();
        Self::parse(&text, path, today)
    }

    /// The file's text, validated: every error names the file and the entry's line.
    pub fn parse(text: &str, path: &Path, today: chrono::NaiveDate) -> Result<Self, ConfigError> {
        let err = |line: Option<usize>, what: String| {
            let at = line.map(|l| format!(":{l}")).unwrap_or_default();
            ConfigError(format!("--expectations {}{at}: {what}", path.display()))
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| err(None, e.to_string().trim_end().to_owned()))?;
        let known: Vec<String> = crate::catalog::scenarios().into_iter().map(|s| s.id).collect();
        let mut waivers: Vec<Waiver> = Vec::new();
        let mut expired: Vec<Waiver> = Vec::new();
        for (index, entry) in raw.waiver.into_iter().enumerate() {
            let line = line_of(text, entry.span().start);
            let entry = entry.into_inner();
            let here = |what: String| err(Some(line), format!("waiver {}: {what}", index + 1));
            let scenario = entry.scenario.ok_or_else(|| here("no `scenario` (a scenario ID)".into()))?;
            if !known.contains(&scenario) {
                return Err(here(format!(
                    "{scenario:?} is not a scenario ID of this suite (see `vpp-conformance list`)"
                )));
            }
            let expect = match entry.expect.as_deref() {
                Some("fail") => Expect::Fail,
                Some("flaky") => Expect::Flaky,
                Some("skip") => Expect::Skip,
                Some(other) => {
                    return Err(here(format!("{scenario}: expect = {other:?}: give \"fail\", \"flaky\" or \"skip\"")));
                }
                None => return Err(here(format!("{scenario}: no `expect` (\"fail\", \"flaky\" or \"skip\")"))),
            };
            let reason = entry.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
            let reason = reason.ok_or_else(|| here(format!("{scenario}: no `reason`: every waiver says why")))?;
            let expires = match entry.expires {
                None => None,
                Some(value) => {
                    let text = match &value {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Datetime(d) => d.to_string(),
                        other => format!("{other:?}"),
                    };
                    let date = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                        .map_err(|_| here(format!("{scenario}: expires = {text}: give a date, as 2026-12-31")))?;
                    Some((date < today, date.format("%Y-%m-%d").to_string()))
                }
            };
            if waivers.iter().chain(&expired).any(|w| w.scenario == scenario) {
                return Err(here(format!("{scenario} has a waiver already")));
            }
            let attempts = match (entry.attempts, expect) {
                (None, _) => None,
                (Some(n), Expect::Flaky) if (2..=10).contains(&n) => Some(n),
                (Some(n), Expect::Flaky) => {
                    return Err(here(format!("{scenario}: attempts = {n}: give 2 to 10 (runs of a flaky scenario)")));
                }
                (Some(_), _) => {
                    return Err(here(format!("{scenario}: `attempts` is for expect = \"flaky\" only")));
                }
            };
            let past = expires.as_ref().is_some_and(|(past, _)| *past);
            let expires = expires.map(|(_, date)| date);
            let waiver = Waiver { scenario, expect, reason, link: entry.link, expires, attempts };
            if past { expired.push(waiver) } else { waivers.push(waiver) }
        }
        let digest = hex::encode(sha2::Sha256::digest(text.as_bytes()));
        Ok(Self { path: path.to_owned(), digest, waivers, expired })
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Expectations, ConfigError> {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        Expectations::parse(text, Path::new("exp.toml"), today)
    }

    #[test]
    fn entries_parse_and_errors_name_the_line() {
        let ok = parse(
            "[[waiver]]\nscenario = \"APL-CFG-007\"\nexpect = \"fail\"\nreason = \"reworded\"\nexpires = 2026-01-15\n\n[[waiver]]\nscenario = \"UEM-QRY-001\"\nexpect = \"flaky\"\nreason = \"r\"\nlink = \"https://x\"\nexpires = \"2027-01-01\"\n",
        )
        .unwrap();
        assert_eq!(ok.waivers.len(), 2);
        assert_eq!(ok.waivers[0].expires.as_deref(), Some("2026-01-15"));
        assert_eq!(ok.waivers[1].expect, Expect::Flaky);
        assert_eq!(ok.digest.len(), 64);
        let second = "[[waiver]]\nscenario = \"APL-CFG-007\"\nexpect = \"fail\"\nreason = \"r\"\n\n";
        let unknown = parse(&format!("{second}[[waiver]]\nscenario = \"NOPE-1\"\nexpect = \"fail\"\nreason = \"r\"\n"))
            .unwrap_err();
        assert!(
            unknown.0.starts_with("--expectations exp.toml:6: waiver 2:") && unknown.0.contains("NOPE-1"),
            "{unknown}"
        );
        let reasonless =
            parse("\n[[waiver]]\nscenario = \"APL-CFG-007\"\nexpect = \"fail\"\nreason = \" \"\n").unwrap_err();
        assert!(reasonless.0.contains("exp.toml:2:") && reasonless.0.contains("no `reason`"), "{reasonless}");
        // Expired: kept apart, applied to nothing.
        let expired =
            parse("[[waiver]]\nscenario = \"APL-CFG-007\"\nexpect = \"fail\"\nreason = \"r\"\nexpires = 2026-01-14\n")
                .unwrap();
        assert!(expired.waivers.is_empty());
        assert_eq!(expired.expired[0].expires.as_deref(), Some("2026-01-14"));
        let attempts = "[[waiver]]\nscenario = \"APL-CFG-007\"\nexpect = \"flaky\"\nreason = \"r\"\nattempts = ";
        assert_eq!(parse(&format!("{attempts}4\n")).unwrap().waivers[0].attempts, Some(4));
        assert!(parse(&format!("{attempts}1\n")).is_err());
        assert!(parse(&format!("{attempts}4\n").replace("flaky", "fail")).is_err(), "attempts are for flaky only");
        assert!(parse("[[waiver]]\nscenario = \"APL-CFG-007\"\nexpect = \"pass\"\nreason = \"r\"\n").is_err());
        assert!(
            parse("[[waiver]]\nscenario = \"APL-CFG-007\"\nexpect = \"fail\"\nreason = \"r\"\ntypo = 1\n").is_err()
        );
    }
}
