//! The files a run writes: JUnit and Cucumber JSON (filled by cucumber's writers as the run goes)
//! and the sealed certification reports (rendered from the outcome). Every path is opened, and
//! the signing key read, before the run, so a bad one is an error before any request; each file
//! is renamed into place only when complete.

use super::atomic::PendingFile;
use super::{Format, ReportData, render, seal};
use crate::outcome::RunOutcome;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The outputs a run was asked for, open and waiting for their contents.
pub struct Outputs {
    junit: Option<PendingFile>,
    json: Option<PendingFile>,
    reports: Vec<PendingFile>,
    signing_key: Option<ed25519_dalek::SigningKey>,
}

/// What a run writes, and where (the options' values).
#[derive(Debug, Clone, Copy, Default)]
pub struct Requested<'a> {
    pub junit: Option<&'a Path>,
    pub json: Option<&'a Path>,
    pub reports: &'a [PathBuf],
    /// `--sign-key`, read and checked (`RunConfig::load`).
    pub signing_key: Option<&'a ed25519_dalek::SigningKey>,
}

fn pending(path: &Path, what: &str) -> Result<PendingFile, String> {
    PendingFile::create(path).map_err(|e| format!("{what} {}: cannot create the file ({e})", path.display()))
}

fn commit(file: PendingFile, what: &str) -> Result<(), String> {
    let path = file.path().to_owned();
    file.commit().map_err(|e| format!("{what} {}: cannot write the file ({e})", path.display()))
}

impl Outputs {
    /// Opens every requested output beside its path, and reads the signing key; the error names
    /// the option.
    pub fn open(requested: Requested) -> Result<Self, String> {
        let signing_key = requested.signing_key.cloned();
        let mut reports = Vec::new();
        for path in requested.reports {
            if Format::from_path(path).is_none() {
                return Err(format!("--report {}: the file must end in .html or .md", path.display()));
            }
            reports.push(pending(path, "--report")?);
        }
        let junit = requested.junit.map(|p| pending(p, "--junit")).transpose()?;
        let json = requested.json.map(|p| pending(p, "--json")).transpose()?;
        Ok(Self { junit, json, reports, signing_key })
    }

    /// Where cucumber's JUnit writer writes (nowhere without `--junit`).
    pub fn junit_writer(&self) -> Box<dyn Write> {
        writer_of(&self.junit)
    }

    /// Where cucumber's JSON writer writes (nowhere without `--json`).
    pub fn json_writer(&self) -> Box<dyn Write> {
        writer_of(&self.json)
    }

    /// Puts every file in place: JUnit and JSON as cucumber wrote them, and each certification
    /// report sealed (and signed with a key), saying so on `out`.
    /// `tags` is the run's tag expression, which the reports state.
    pub fn finish(self, tags: Option<&str>, outcome: &RunOutcome, out: &mut impl Write) -> Result<(), String> {
        if let Some(json) = &self.json {
            // The run's facts, for `merge` and `--only-failed`; an empty document (a run that
            // stopped before cucumber wrote) is left as it is.
            json.edit(|bytes| {
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Ok(bytes.to_vec());
                }
                let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
                super::merge::annotate(text, outcome, tags).map(String::into_bytes)
            })
            .map_err(|e| format!("--json {}: cannot add the run's facts ({e})", json.path().display()))?;
        }
        if let Some(junit) = &self.junit {
            let flaky: Vec<(&str, &[String])> = outcome.flaky().map(|s| (s.id.as_str(), s.flaky.as_slice())).collect();
            if !flaky.is_empty() {
                junit
                    .edit(|bytes| Ok(with_flaky_failures(&String::from_utf8_lossy(bytes), &flaky).into_bytes()))
                    .map_err(|e| {
                        format!("--junit {}: cannot mark the flaky scenarios ({e})", junit.path().display())
                    })?;
            }
        }
        for (file, what) in [(self.junit, "--junit"), (self.json, "--json")] {
            if let Some(file) = file {
                commit(file, what)?;
            }
        }
        if self.reports.is_empty() {
            return Ok(());
        }
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let data = ReportData::from_outcome(outcome, tags, now);
        let seal = seal::seal(&data, self.signing_key.as_ref());
        for file in self.reports {
            let path = file.path().to_owned();
            let format = Format::from_path(&path).expect("checked when opened");
            file.writer()
                .write_all(render(format, &data, &seal).as_bytes())
                .and_then(|()| file.commit())
                .map_err(|e| format!("--report {}: cannot write the file ({e})", path.display()))?;
            writeln!(out, "Report written to {} (SHA-256 {})", path.display(), seal.digest).ok();
        }
        Ok(())
    }
}

fn writer_of(file: &Option<PendingFile>) -> Box<dyn Write> {
    match file {
        Some(f) => Box::new(f.writer()),
        None => Box::new(io::sink()),
    }
}

/// The JUnit XML with a `<flakyFailure>` (as Maven Surefire writes one, which Jenkins and other
/// CI tools show) in each test case of a scenario that passed only after requests were sent
/// again: cucumber's writer cannot add one. The test cases are found by their names, which start
/// with `Scenario: ID: `.
pub fn with_flaky_failures(xml: &str, flaky: &[(&str, &[String])]) -> String {
    let mut out = xml.to_owned();
    for (id, retried) in flaky {
        let Some(start) = out.find(&format!("<testcase name=\"Scenario: {id}: ")) else { continue };
        let Some(end) = out[start..].find('>').map(|i| start + i + 1) else { continue };
        if out[..end].ends_with("/>") {
            continue;
        }
        let text = retried.join("\n").replace("]]>", "]]]]><![CDATA[>");
        let element = format!(
            "<flakyFailure message=\"passed only after requests were sent again (--retries)\" type=\"flaky\"><![CDATA[{text}]]></flakyFailure>"
        );
        out.insert_str(end, &element);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flaky_scenario_gets_a_flaky_failure_and_no_other_does() {
        let xml = r#"<testsuite><testcase name="Scenario: A-1: x (MUST): f:1:1" time="0.1"><system-out>a</system-out></testcase><testcase name="Scenario: A-2: y (MUST): f:2:1" time="0.1"></testcase></testsuite>"#;
        let retried = vec!["GET http://t/x (attempt 1: reset)".to_owned()];
        let marked = with_flaky_failures(xml, &[("A-2", retried.as_slice())]);
        assert_eq!(marked.matches("<flakyFailure").count(), 1, "{marked}");
        let at = marked.find("<flakyFailure").unwrap();
        assert!(at > marked.find("A-2").unwrap() && marked[at..].contains("attempt 1"), "{marked}");
        assert_eq!(with_flaky_failures(xml, &[("Z-9", retried.as_slice())]), xml, "an unknown ID changes nothing");
    }
}
