//! The files a run writes, every one rendered from the outcome: JUnit, Cucumber JSON (with the
//! run's facts), the sealed certification reports and Allure results. Every path is opened (its folder made),
//! and the signing key read, before the run, so a bad one is an error before any request; each
//! file is renamed into place only when complete.

use super::atomic::PendingFile;
use super::{Format, ReportData, render, seal};
use crate::outcome::RunOutcome;
use crate::outcome::facts::RunFacts;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The outputs a run was asked for, open and waiting for their contents.
pub struct Outputs {
    junit: Option<(PendingFile, String)>,
    json: Option<(PendingFile, String)>,
    reports: Vec<(PendingFile, String)>,
    signing_key: Option<ed25519_dalek::SigningKey>,
    /// `--allure-results DIR`, made before the run.
    allure: Option<(PathBuf, String)>,
}

/// What a run writes, and where (the options' values), with the name of the setting each path
/// came from (`--junit`, or `junit (in ci.toml)`).
#[derive(Debug, Clone, Copy)]
pub struct Requested<'a> {
    pub junit: Option<&'a Path>,
    pub json: Option<&'a Path>,
    pub reports: &'a [PathBuf],
    /// `--sign-key`, read and checked (`RunConfig::load`).
    pub signing_key: Option<&'a ed25519_dalek::SigningKey>,
    pub names: &'a crate::config::OutputNames,
    /// `--allure-results DIR`.
    pub allure: Option<&'a Path>,
}

fn pending(path: &Path, what: &str) -> Result<(PendingFile, String), String> {
    PendingFile::create(path)
        .map(|f| (f, what.to_owned()))
        .map_err(|e| format!("{what} {}: cannot create the file ({e})", path.display()))
}

fn commit((file, what): (PendingFile, String), text: &str) -> Result<(), String> {
    let path = file.path().to_owned();
    file.writer()
        .write_all(text.as_bytes())
        .and_then(|()| file.commit())
        .map_err(|e| format!("{what} {}: cannot write the file ({e})", path.display()))
}

impl Outputs {
    /// Opens every requested output beside its path, and reads the signing key; the error names
    /// the setting.
    pub fn open(requested: Requested) -> Result<Self, String> {
        let names = requested.names;
        let mut reports = Vec::new();
        for path in requested.reports {
            if Format::from_path(path).is_none() {
                return Err(format!("{} {}: the file must end in .html or .md", names.reports, path.display()));
            }
            reports.push(pending(path, &names.reports)?);
        }
        let junit = requested.junit.map(|p| pending(p, &names.junit)).transpose()?;
        let json = requested.json.map(|p| pending(p, &names.json)).transpose()?;
        let allure = match requested.allure {
            Some(dir) => {
                super::allure::prepare(dir, &names.allure)?;
                Some((dir.to_owned(), names.allure.clone()))
            }
            None => None,
        };
        Ok(Self { junit, json, reports, signing_key: requested.signing_key.cloned(), allure })
    }

    /// Puts every file in place, each rendered from `outcome`, saying so on `out`: JUnit, the
    /// Cucumber JSON with the run's facts (signed with a key), the sealed reports. `tags` is the
    /// run's tag expression, which the reports state.
    pub fn finish(
        self,
        tags: Option<&str>,
        outcome: &RunOutcome,
        parts: Option<&str>,
        out: &mut impl Write,
    ) -> Result<(), String> {
        if let Some(file) = self.junit {
            commit(file, &super::junit::render(outcome))?;
        }
        if let Some(file) = self.json {
            let mut facts = RunFacts::of(outcome);
            if let Some(key) = &self.signing_key {
                seal::sign_facts(&mut facts, key);
            }
            commit(file, &super::cucumber::render(outcome, &facts))?;
        }
        if let Some((dir, what)) = &self.allure {
            let n = super::allure::write(dir, outcome).map_err(|e| format!("{what} {e}"))?;
            writeln!(out, "Allure results written to {} ({n} result file(s))", dir.display()).ok();
        }
        if self.reports.is_empty() {
            return Ok(());
        }
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut data = ReportData::from_outcome(outcome, tags, now);
        data.parts = parts.map(str::to_owned);
        let seal = seal::seal(&data, self.signing_key.as_ref());
        for file in self.reports {
            let path = file.0.path().to_owned();
            let format = Format::from_path(&path).expect("checked when opened");
            commit(file, &render(format, &data, &seal))?;
            writeln!(
                out,
                "Report written to {} (sealed: results digest SHA-256 {}, which verify-report checks)",
                path.display(),
                seal.digest
            )
            .ok();
        }
        Ok(())
    }
}
