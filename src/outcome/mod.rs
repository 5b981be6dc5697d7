//! The results of a run, as data: how each scenario ended and why (a type, never a sentence),
//! its level, and the one classifier that decides its status. The runner fills it in; every
//! output (the log, JUnit, Cucumber JSON, the certification reports, the facts `merge`, `diff`
//! and `--only-failed` read) and the exit status read it. It knows nothing of cucumber, HTTP or
//! files.
//!
//! The words a person reads come from `Display`; no decision anywhere reads them.

pub mod facts;

use crate::catalog::Level;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The signal that interrupted a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    #[serde(rename = "SIGINT")]
    Interrupt,
    /// SIGTERM: a CI system cancelling the job.
    #[serde(rename = "SIGTERM")]
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Why the rest of a run does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stop", rename_all = "kebab-case")]
pub enum Stop {
    Interrupted {
        signal: Signal,
    },
    /// `--max-failures N` failed scenarios were reached.
    MaxFailures {
        max: usize,
    },
}

impl Stop {
    /// Why a scenario this stop left unfinished is not run.
    pub fn not_run(self) -> NotRun {
        match self {
            Stop::Interrupted { signal } => NotRun::Interrupted(signal),
            Stop::MaxFailures { max } => NotRun::MaxFailures(max),
        }
    }

    pub fn signal(self) -> Option<Signal> {
        match self {
            Stop::Interrupted { signal } => Some(signal),
            Stop::MaxFailures { .. } => None,
        }
    }
}

/// Why a request got no usable answer: what the transport saw, never what a message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    /// No connection could be made: refused, or the name did not resolve.
    Refused,
    /// The TLS handshake failed (an untrusted certificate, a client certificate refused).
    Tls,
    /// No complete answer within `--timeout`.
    TimedOut,
    /// The connection broke during the exchange (a reset, a close, a body cut short).
    Reset,
    /// The answer's body is larger than `--max-body-size`: a limit of the run.
    BodyOverCap,
    /// The target kept answering 429 (or 503 with `Retry-After`) beyond `--max-retry-after`.
    PushedBack,
    /// More redirects than the suite follows.
    TooManyRedirects,
    /// Anything else the HTTP stack refused (a malformed answer, a bad header).
    Other,
}

impl TransportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Refused => "refused",
            TransportKind::Tls => "tls",
            TransportKind::TimedOut => "timed-out",
            TransportKind::Reset => "reset",
            TransportKind::BodyOverCap => "body-over-cap",
            TransportKind::PushedBack => "pushed-back",
            TransportKind::TooManyRedirects => "too-many-redirects",
            TransportKind::Other => "transport",
        }
    }

    /// Whether a connection to the target could not be made at all: the target is down.
    pub fn cannot_connect(self) -> bool {
        matches!(self, TransportKind::Refused | TransportKind::Tls)
    }

    /// Whether the same request may well succeed if sent again (`--retries`).
    pub fn transient(self) -> bool {
        matches!(self, TransportKind::Refused | TransportKind::TimedOut | TransportKind::Reset | TransportKind::Other)
    }
}

/// A request that got no usable answer: the kind decides, the text explains (redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportError {
    pub kind: TransportKind,
    pub text: String,
}

impl TransportError {
    pub fn new(kind: TransportKind, text: impl Into<String>) -> Self {
        Self { kind, text: text.into() }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a scenario did not run to its end, for a reason that is not the target's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NotRun {
    /// A signal stopped the run.
    Interrupted(Signal),
    /// `--max-failures N` was reached.
    MaxFailures(usize),
    /// The target of this origin did not answer earlier requests of the run.
    TargetDown { origin: String, cause: TransportKind, detail: String },
    /// An expectations file's `skip` waiver keeps it out of the run.
    SkipWaiver,
    /// The run lacks what the scenario needs: an option (`--second-tenant`), or room for the
    /// tenant's list (`--max-body-size`). A limit of the run, no finding about the target.
    Unavailable(String),
}

impl NotRun {
    /// The short form a grouped listing uses.
    pub fn kind(&self) -> &'static str {
        match self {
            NotRun::Interrupted(_) => "interrupted",
            NotRun::MaxFailures(_) => "max-failures",
            NotRun::TargetDown { .. } => "target-down",
            NotRun::SkipWaiver => "skip-waiver",
            NotRun::Unavailable(_) => "unavailable",
        }
    }
}

impl fmt::Display for NotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotRun::Interrupted(signal) => write!(f, "not run: the run was interrupted ({})", signal.name()),
            NotRun::MaxFailures(n) => write!(f, "not run: --max-failures {n} was reached"),
            NotRun::TargetDown { detail, .. } => write!(f, "not run: the target did not answer ({detail})"),
            NotRun::SkipWaiver => f.write_str("not run: an expectations file skips it"),
            NotRun::Unavailable(why) => write!(f, "not run: {why}"),
        }
    }
}

/// What kind of failure a scenario met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "transport", rename_all = "kebab-case")]
pub enum FailureKind {
    /// The target's answer broke a documented rule (or a reading of it, at the scenario's level).
    Finding,
    /// A request got no usable answer.
    Transport(TransportKind),
    /// The suite itself failed: a step without a definition, a bug. Fails the run at any level.
    Suite,
}

/// Why a scenario failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    /// What was expected and what came, for people; its first line is the headline.
    pub message: String,
    /// The errata decision the expectation rests on (`docs/errata.md › heading`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// The request and the response, described and redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<String>,
    /// The scenario needs the canonical data set and the target lacks it: this says how much
    /// (a short summary); the failure then says nothing of the rule yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_missing: Option<String>,
}

impl Failure {
    pub fn finding(message: impl Into<String>) -> Self {
        Self { kind: FailureKind::Finding, message: message.into(), decision: None, exchange: None, data_missing: None }
    }

    pub fn transport(error: &TransportError) -> Self {
        Self { kind: FailureKind::Transport(error.kind), ..Self::finding(error.text.clone()) }
    }

    pub fn suite(message: impl Into<String>) -> Self {
        Self { kind: FailureKind::Suite, ..Self::finding(message) }
    }

    /// Whether the target did not answer within `--timeout`.
    pub fn timed_out(&self) -> bool {
        self.kind == FailureKind::Transport(TransportKind::TimedOut)
    }

    /// The first line of what was found (after what the missing data set explains).
    pub fn headline(&self) -> String {
        let line = self.message.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        let line = line.strip_suffix(':').unwrap_or(line);
        match &self.data_missing {
            Some(_) => format!("needs the canonical data set the target lacks: {line}"),
            None => line.to_owned(),
        }
    }

    /// The failure's words with the notice about the data set pointed to as `notice_at` says.
    pub fn text_with(&self, notice_at: &str) -> String {
        let mut text = String::new();
        if let Some(missing) = &self.data_missing {
            text.push_str(&format!(
                "needs the canonical data set, which the target does not hold ({missing}: see the NOTICE {notice_at}); \
                 so this says nothing of the rule yet:\n"
            ));
        }
        text.push_str(self.message.trim_end());
        if let Some(decision) = &self.decision {
            text.push_str(&format!("\n    decision: {decision}"));
        }
        if let Some(exchange) = &self.exchange {
            text.push('\n');
            text.push_str(exchange.trim_end());
        }
        text
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_with("on the canonical data set"))
    }
}

/// How a scenario's last attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", content = "why", rename_all = "kebab-case")]
pub enum Ended {
    Passed,
    Failed(Failure),
    #[serde(rename = "not run")]
    NotRun(NotRun),
}

/// How a scenario ended, without the why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    #[serde(rename = "not run")]
    NotRun,
}

/// One step as it ran (or did not): for the outputs that show steps (Cucumber JSON, the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// `Given `, `When `, `Then `, `And `…
    pub keyword: String,
    pub text: String,
    pub line: usize,
    /// A step of the feature's background.
    pub background: bool,
    pub ran: StepRan,
    pub duration_ms: u64,
}

/// What became of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepRan {
    Passed,
    /// The step the scenario ended on: failed, or stopped for a reason of the run.
    Ended,
    /// The suite has no definition for it.
    Undefined,
    /// Not reached.
    NotReached,
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub id: String,
    pub name: String,
    pub level: Level,
    /// The feature it belongs to (JUnit's classname).
    pub feature: String,
    pub ended: Ended,
    /// Findings the documentation leaves open, met in this scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What the target's data gave nothing to check: coverage, not a finding about the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<String>,
    /// Requests sent again after a transport error (`--retries`): a scenario that passed with
    /// any is flaky.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flaky: Vec<String>,
    /// Earlier attempts that failed, when a `flaky` waiver has the scenario run again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_attempts: Vec<Failure>,
    /// Its steps, in order, background first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRecord>,
    #[serde(default)]
    pub duration_ms: u64,
    /// Decided once, by [`classify`], when the run is collected (or the runs merged).
    pub status: Status,
}

impl ScenarioResult {
    pub fn verdict(&self) -> Verdict {
        match self.ended {
            Ended::Passed => Verdict::Passed,
            Ended::Failed(_) => Verdict::Failed,
            Ended::NotRun(_) => Verdict::NotRun,
        }
    }

    pub fn failure(&self) -> Option<&Failure> {
        match &self.ended {
            Ended::Failed(f) => Some(f),
            _ => None,
        }
    }

    pub fn not_run(&self) -> Option<&NotRun> {
        match &self.ended {
            Ended::NotRun(n) => Some(n),
            _ => None,
        }
    }

    /// Why it failed or did not run, in words.
    pub fn reason(&self) -> Option<String> {
        match &self.ended {
            Ended::Passed => None,
            Ended::Failed(f) => Some(f.to_string()),
            Ended::NotRun(n) => Some(n.to_string()),
        }
    }

    /// The first line of the reason.
    pub fn headline(&self) -> Option<String> {
        match &self.ended {
            Ended::Passed => None,
            Ended::Failed(f) => Some(f.headline()),
            Ended::NotRun(n) => Some(n.to_string()),
        }
    }

    /// Whether this result fails the run.
    pub fn fails_run(&self, strict: bool) -> bool {
        self.status.fails_run(strict)
    }
}

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

/// A documented requirement's status: what every output shows. Decided by [`classify`] alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "pass")]
    Pass,
    /// Passed, with warnings (what the documentation leaves open).
    #[serde(rename = "warning")]
    Warning,
    /// Passed, but only after a request was sent again (`--retries`).
    #[serde(rename = "flaky")]
    Flaky,
    /// A MUST scenario (or SHOULD under `--strict`) failed, or the suite did.
    #[serde(rename = "fail")]
    Fail,
    /// The target did not answer a request, alone, within `--timeout`: it fails as `fail` does,
    /// and says so apart (as web-platform-tests keep TIMEOUT apart from FAIL).
    #[serde(rename = "timed out")]
    TimedOut,
    /// A SHOULD (without `--strict`) or INFO scenario that failed: reported, not failing.
    #[serde(rename = "not met")]
    NotMet,
    /// Selected, but it did not run to its end (interrupted, stopped, its target down).
    #[serde(rename = "not run")]
    NotRun,
    /// Not selected.
    #[serde(rename = "skipped")]
    Skipped,
    /// A failure an expectations file expects (or a scenario a `skip` waiver kept out).
    #[serde(rename = "waived")]
    Waived,
    /// A `fail` waiver covers it, and it passed: the waiver is stale (a failure under `--strict`).
    #[serde(rename = "stale waiver")]
    StaleWaiver,
}

/// The one classifier: a scenario's status from how it ended, its level, `--strict` and its
/// waiver. Every output and the exit status read what this decides.
pub fn classify(result: &ScenarioResult, strict: bool, waiver: Option<&Waiver>) -> Status {
    let expect = waiver.map(|w| w.expect);
    let retried = !result.flaky.is_empty();
    let rerun = !result.failed_attempts.is_empty();
    match &result.ended {
        Ended::NotRun(NotRun::SkipWaiver) => Status::Waived,
        Ended::NotRun(_) => Status::NotRun,
        // A failure of the suite itself is never the target's, and never waived.
        Ended::Failed(f) if f.kind == FailureKind::Suite => Status::Fail,
        // A `flaky` waiver covers a scenario that passed on an attempt, not one that failed them all.
        Ended::Failed(_) if expect == Some(Expect::Fail) => Status::Waived,
        Ended::Failed(f) if result.level.enforced(strict) => {
            if f.timed_out() {
                Status::TimedOut
            } else {
                Status::Fail
            }
        }
        Ended::Failed(_) => Status::NotMet,
        Ended::Passed if expect == Some(Expect::Fail) => Status::StaleWaiver,
        Ended::Passed if expect == Some(Expect::Flaky) && rerun => Status::Waived,
        Ended::Passed if retried || rerun => Status::Flaky,
        Ended::Passed if !result.warnings.is_empty() => Status::Warning,
        Ended::Passed => Status::Pass,
    }
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Pass,
        Status::Warning,
        Status::Flaky,
        Status::Fail,
        Status::TimedOut,
        Status::NotMet,
        Status::NotRun,
        Status::Skipped,
        Status::Waived,
        Status::StaleWaiver,
    ];

    /// Whether a scenario of this status fails the run (a stale waiver only under `--strict`).
    pub fn fails_run(self, strict: bool) -> bool {
        match self {
            Status::Fail | Status::TimedOut => true,
            Status::StaleWaiver => strict,
            _ => false,
        }
    }

    /// Whether the scenario passed (with or without notes).
    pub fn passed(self) -> bool {
        matches!(self, Status::Pass | Status::Warning | Status::Flaky)
    }

    /// The word every output shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warning => "warning",
            Status::Flaky => "flaky",
            Status::Fail => "fail",
            Status::TimedOut => "timed out",
            Status::NotMet => "not met",
            Status::NotRun => "not run",
            Status::Skipped => "skipped",
            Status::Waived => "waived",
            Status::StaleWaiver => "stale waiver",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The results of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub scenarios: Vec<ScenarioResult>,
    /// Features that did not parse, hooks that failed: the run cannot be trusted.
    pub harness_errors: usize,
    pub target: String,
    /// The seed of the `@any-data` probes.
    pub seed: u64,
    /// Whether a failed SHOULD scenario fails the run.
    pub strict: bool,
    /// What every reader of the results must be told: certificates not verified, for one.
    pub notices: Vec<String>,
    /// Why the run stopped before its end (a signal, `--max-failures`), if it did.
    pub stopped: Option<Stop>,
    /// The profile certified: `full` or `live`.
    pub profile: String,
    /// The waivers of the expectations file (`--expectations`) the run was judged under.
    pub waivers: Vec<Waiver>,
    /// The SHA-256 (hex) of the expectations file's content, when one was given.
    pub expectations_digest: Option<String>,
    /// What the run learned of each target's capacity, for the reports.
    pub capacity: Vec<String>,
    /// The whole selection this run is (a part of).
    pub selection: Selection,
    /// `--shard I/N`: which part of the selection this run is.
    pub part: Option<Part>,
    /// `--only-failed` narrowed the selection: the run is no complete part of it.
    pub only_failed: bool,
}

/// What a run selected as a whole, before `--shard` and `--only-failed` narrowed it: runs are
/// parts of one certificate only when they share it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// The tag expression (`None`: every scenario that is not opt-in).
    pub tags: Option<String>,
    /// `full` or `live`.
    pub profile: String,
    pub strict: bool,
    /// The SHA-256 of the expectations file, when one was given.
    pub expectations_digest: Option<String>,
    pub seed: u64,
    /// The base URL of each API's target (empty: that API was not tested).
    pub vpp_target: String,
    pub uem_target: String,
    /// Every scenario of the whole selection, by ID, in the catalogue's order.
    pub scenarios: Vec<String>,
}

/// `--shard I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub index: usize,
    pub total: usize,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// What a run counts, by status: every output states these numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub passed: usize,
    pub flaky: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub not_met: usize,
    pub not_run: usize,
    pub waived: usize,
    pub stale: usize,
}

impl RunOutcome {
    /// Every text a target's answers may have put in the results, passed through `f`: the
    /// caller redacts them once more with every secret the run learned, since a token learned
    /// late in a run may stand in a reason written before it was known.
    pub fn map_texts(&mut self, f: impl Fn(&str) -> String) {
        let failure = |x: &mut Failure| {
            x.message = f(&x.message);
            if let Some(e) = &mut x.exchange {
                *e = f(e);
            }
        };
        for s in &mut self.scenarios {
            match &mut s.ended {
                Ended::Failed(x) => failure(x),
                Ended::NotRun(NotRun::TargetDown { detail, .. }) => *detail = f(detail),
                Ended::NotRun(NotRun::Unavailable(why)) => *why = f(why),
                _ => {}
            }
            s.failed_attempts.iter_mut().for_each(failure);
            for t in s.warnings.iter_mut().chain(s.coverage.iter_mut()).chain(s.flaky.iter_mut()) {
                *t = f(t);
            }
        }
        for n in &mut self.notices {
            *n = f(n);
        }
    }

    /// The waiver of a scenario, if the expectations file has one.
    pub fn waiver(&self, id: &str) -> Option<&Waiver> {
        self.waivers.iter().find(|w| w.scenario == id)
    }

    fn with(&self, status: Status) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(move |s| s.status == status)
    }

    /// The scenarios whose result fails the run.
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.fails_run(self.strict))
    }

    /// SHOULD (without `--strict`) and INFO scenarios that failed: reported, not failing.
    pub fn not_met(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::NotMet)
    }

    /// Scenarios that passed only after a request was sent again (`--retries`).
    pub fn flaky(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::Flaky)
    }

    /// Scenarios that did not run to their end (interrupted, stopped, their target down).
    pub fn not_run(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::NotRun)
    }

    /// Scenarios whose failure (or absence) a waiver covers.
    pub fn waived(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::Waived)
    }

    /// Scenarios a `fail` waiver expected to fail that passed.
    pub fn stale(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.with(Status::StaleWaiver)
    }

    /// The counts every output states.
    pub fn counts(&self) -> Counts {
        let n = |status| self.with(status).count();
        Counts {
            total: self.scenarios.len(),
            passed: n(Status::Pass) + n(Status::Warning),
            flaky: n(Status::Flaky),
            failed: n(Status::Fail),
            timed_out: n(Status::TimedOut),
            not_met: n(Status::NotMet),
            not_run: n(Status::NotRun),
            waived: n(Status::Waived),
            stale: n(Status::StaleWaiver),
        }
    }

    /// Whether the run was interrupted by a signal.
    pub fn interrupted(&self) -> bool {
        self.stopped.and_then(Stop::signal).is_some()
    }

    /// A run passes when it ran every selected scenario to its end and none failed it.
    pub fn passed(&self) -> bool {
        self.harness_errors == 0
            && self.failed().next().is_none()
            && self.not_run().next().is_none()
            && self.stopped.is_none()
    }

    /// `PASS`, `FAIL` or `INTERRUPTED`.
    pub fn verdict_word(&self) -> &'static str {
        if self.interrupted() {
            "INTERRUPTED"
        } else if self.passed() {
            "PASS"
        } else {
            "FAIL"
        }
    }

    /// The result of a scenario by its ID.
    pub fn scenario(&self, id: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    /// Decides every scenario's status with [`classify`]: once, when the results are complete.
    pub fn classify(&mut self) {
        let (strict, waivers) = (self.strict, std::mem::take(&mut self.waivers));
        for s in &mut self.scenarios {
            let waiver = waivers.iter().find(|w| w.scenario == s.id);
            s.status = classify(s, strict, waiver);
        }
        self.waivers = waivers;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(ended: Ended, level: Level) -> ScenarioResult {
        ScenarioResult {
            id: "X-1".into(),
            name: "x".into(),
            level,
            feature: "f".into(),
            ended,
            warnings: vec![],
            coverage: vec![],
            flaky: vec![],
            failed_attempts: vec![],
            steps: vec![],
            duration_ms: 3,
            status: Status::Pass,
        }
    }

    fn status(ended: Ended, level: Level, strict: bool, expect: Option<Expect>, rerun: bool) -> Status {
        let waiver = expect.map(|expect| Waiver {
            scenario: "X-1".into(),
            expect,
            reason: "r".into(),
            link: None,
            expires: None,
            attempts: None,
        });
        let mut r = result(ended, level);
        if rerun {
            r.failed_attempts.push(Failure::finding("an earlier attempt"));
        }
        classify(&r, strict, waiver.as_ref())
    }

    fn failed() -> Ended {
        Ended::Failed(Failure::finding("x"))
    }

    fn timed_out() -> Ended {
        Ended::Failed(Failure::transport(&TransportError::new(TransportKind::TimedOut, "slow")))
    }

    #[test]
    fn one_classifier_decides_each_status() {
        use Level::*;
        assert_eq!(status(Ended::Passed, Must, false, None, false), Status::Pass);
        assert_eq!(status(Ended::Passed, Must, false, None, true), Status::Flaky);
        let mut retried = result(Ended::Passed, Must);
        retried.flaky.push("GET x (attempt 1): reset".into());
        assert_eq!(classify(&retried, false, None), Status::Flaky);
        assert_eq!(status(failed(), Must, false, None, false), Status::Fail);
        assert_eq!(status(timed_out(), Must, false, None, false), Status::TimedOut);
        assert_eq!(status(timed_out(), Should, false, None, false), Status::NotMet);
        assert_eq!(status(failed(), Should, false, None, false), Status::NotMet);
        assert_eq!(status(failed(), Should, true, None, false), Status::Fail);
        assert_eq!(status(failed(), Info, true, None, false), Status::NotMet);
        assert_eq!(
            status(Ended::NotRun(NotRun::Interrupted(Signal::Interrupt)), Must, false, None, false),
            Status::NotRun
        );
        assert_eq!(status(Ended::NotRun(NotRun::SkipWaiver), Must, false, Some(Expect::Skip), false), Status::Waived);
        assert_eq!(status(failed(), Must, false, Some(Expect::Fail), false), Status::Waived);
        assert_eq!(status(Ended::Passed, Must, false, Some(Expect::Fail), false), Status::StaleWaiver);
        // A flaky waiver covers a scenario that passed on a later attempt, never one that failed every attempt.
        assert_eq!(status(failed(), Must, false, Some(Expect::Flaky), false), Status::Fail);
        assert_eq!(status(Ended::Passed, Must, false, Some(Expect::Flaky), true), Status::Waived);
        assert_eq!(status(Ended::Passed, Must, false, Some(Expect::Flaky), false), Status::Pass);
        let suite = Ended::Failed(Failure::suite("no step definition"));
        assert_eq!(status(suite, Info, false, Some(Expect::Fail), false), Status::Fail);
    }

    #[test]
    fn a_stale_waiver_fails_only_a_strict_run() {
        assert!(Status::StaleWaiver.fails_run(true));
        assert!(!Status::StaleWaiver.fails_run(false));
        assert!(Status::TimedOut.fails_run(false));
        assert!(!Status::NotMet.fails_run(true));
    }

    #[test]
    fn statuses_serialize_as_the_words_outputs_show() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn a_result_round_trips_through_its_facts() {
        let mut result = result(
            Ended::NotRun(NotRun::TargetDown {
                origin: "http://a:1".into(),
                cause: TransportKind::Refused,
                detail: "refused".into(),
            }),
            Level::Must,
        );
        result.status = Status::NotRun;
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<ScenarioResult>(&json).unwrap(), result, "{json}");
        assert!(json.contains("\"verdict\":\"not run\""), "{json}");
    }
}
