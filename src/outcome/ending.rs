//! How a scenario ended, and why, as types: why a run stopped (a signal, `--max-failures`), why
//! a request got no usable answer, why a scenario was not run or failed. The words a person
//! reads come from `Display`; no decision anywhere reads them.

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
            Stop::MaxFailures { max } => NotRun::MaxFailures { max },
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
    MaxFailures { max: usize },
    /// The target of this origin did not answer earlier requests of the run.
    TargetDown { origin: String, cause: TransportKind, detail: String },
    /// An expectations file's `skip` waiver keeps it out of the run.
    SkipWaiver,
    /// The run lacks what the scenario needs: an option (`--second-tenant`), or room for the
    /// tenant's list (`--max-body-size`). A limit of the run, no finding about the target.
    Unavailable { why: String },
}

impl NotRun {
    /// The short form a grouped listing uses.
    pub fn kind(&self) -> &'static str {
        match self {
            NotRun::Interrupted(_) => "interrupted",
            NotRun::MaxFailures { .. } => "max-failures",
            NotRun::TargetDown { .. } => "target-down",
            NotRun::SkipWaiver => "skip-waiver",
            NotRun::Unavailable { .. } => "unavailable",
        }
    }
}

impl fmt::Display for NotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotRun::Interrupted(signal) => write!(f, "not run: the run was interrupted ({})", signal.name()),
            NotRun::MaxFailures { max } => write!(f, "not run: --max-failures {max} was reached"),
            NotRun::TargetDown { detail, .. } => write!(f, "not run: the target did not answer ({detail})"),
            NotRun::SkipWaiver => f.write_str("not run: an expectations file skips it"),
            NotRun::Unavailable { why } => write!(f, "not run: {why}"),
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
