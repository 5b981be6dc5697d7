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
    /// The target kept answering 429 or 503 beyond what the suite retries (`--max-retry-after`,
    /// the run's budget of push-back retries).
    PushedBack,
    /// A gateway in front of the target answered 502 or 504: it got no answer from the
    /// implementation behind it.
    Gateway,
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
            TransportKind::Gateway => "gateway",
            TransportKind::TooManyRedirects => "too-many-redirects",
            TransportKind::Other => "transport",
        }
    }

    /// Whether a connection to the target could not be made at all: the target is down.
    pub fn cannot_connect(self) -> bool {
        matches!(self, TransportKind::Refused | TransportKind::Tls)
    }

    /// Whether an origin that has not given one usable answer in the run, and meets this, is
    /// down: nothing it could answer would be judged (a refusal, a failed handshake, silence, a
    /// gateway with nothing behind it, push-back whatever the pace).
    pub fn downs_a_silent_origin(self) -> bool {
        matches!(
            self,
            TransportKind::Refused
                | TransportKind::Tls
                | TransportKind::TimedOut
                | TransportKind::Gateway
                | TransportKind::PushedBack
        )
    }

    /// Whether the same request may well succeed if sent again (`--retries`).
    pub fn transient(self) -> bool {
        matches!(
            self,
            TransportKind::Refused
                | TransportKind::TimedOut
                | TransportKind::Reset
                | TransportKind::Gateway
                | TransportKind::Other
        )
    }

    /// What became of one request that met this, in a few plain words (its error chain is said
    /// once elsewhere).
    pub fn once(self) -> &'static str {
        match self {
            TransportKind::Refused => "connection refused",
            TransportKind::Tls => "TLS handshake failed",
            TransportKind::TimedOut => "no answer within --timeout",
            TransportKind::Reset => "connection broken",
            TransportKind::BodyOverCap => "body over --max-body-size",
            TransportKind::PushedBack => "pushed back past the retries",
            TransportKind::Gateway => "a gateway got no answer (502 or 504)",
            TransportKind::TooManyRedirects => "too many redirects",
            TransportKind::Other => "no usable answer",
        }
    }

    /// What a target that met this on every request did, in plain words.
    pub fn every_time(self) -> &'static str {
        match self {
            TransportKind::Refused => "refused every connection",
            TransportKind::Tls => "failed the TLS handshake",
            TransportKind::TimedOut => "did not answer within --timeout",
            TransportKind::Reset => "broke every connection",
            TransportKind::BodyOverCap => "answered with bodies over --max-body-size",
            TransportKind::PushedBack => "kept pushing back (429 or 503)",
            TransportKind::Gateway => "answered only through a gateway that got no answer (502 or 504)",
            TransportKind::TooManyRedirects => "redirected beyond the redirects the suite follows",
            TransportKind::Other => "gave no usable answer",
        }
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

/// An origin found down: it gave no usable answer (refused, failed the TLS handshake, stayed
/// silent, or a gateway had nothing behind it), so nothing it serves can be judged. Every
/// scenario that needs it ends ERROR with this one cause, whether or not its own request went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Down {
    /// `scheme://host:port`.
    pub origin: String,
    pub cause: TransportKind,
    /// The first request that met the cause, and what the transport said (redacted).
    pub detail: String,
    /// What preparing the run asked of it (a login, a provider state), when that got no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preparing: Option<String>,
}

impl Down {
    /// The cause in plain words, without what the transport said.
    pub fn plain(&self) -> String {
        match &self.preparing {
            Some(what) => format!("the target at {} could not be prepared: {what} got no usable answer", self.origin),
            None => format!("the target at {} {}", self.origin, self.cause.every_time()),
        }
    }
}

impl fmt::Display for Down {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.plain(), self.detail)
    }
}

/// Why a request was not sent, or is not judged on an answer of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withheld {
    /// The run stopped (a signal, `--max-failures`): not run.
    Stopped(NotRun),
    /// Its origin is down: an ERROR with the origin's one cause.
    Down(Down),
}

impl fmt::Display for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Withheld::Stopped(n) => n.fmt(f),
            Withheld::Down(d) => d.fmt(f),
        }
    }
}

/// Why a scenario did not run to its end, for a reason that is neither the target's answer nor
/// its silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NotRun {
    /// A signal stopped the run.
    Interrupted(Signal),
    /// `--max-failures N` was reached.
    MaxFailures { max: usize },
    /// An expectations file's `skip` waiver keeps it out of the run.
    SkipWaiver,
    /// The run lacks what the scenario needs (an option: `--second-tenant`). Not judged, and
    /// no finding about the target.
    Unavailable { why: String },
}

impl NotRun {
    /// The short form a grouped listing uses.
    pub fn kind(&self) -> &'static str {
        match self {
            NotRun::Interrupted(_) => "interrupted",
            NotRun::MaxFailures { .. } => "max-failures",
            NotRun::SkipWaiver => "skip-waiver",
            NotRun::Unavailable { .. } => "unavailable",
        }
    }

    /// Whether the run's exit status counts it as not judged (where a failure would count): a
    /// scenario kept from running by what the run lacks. A stop is said by its own status (1 for
    /// `--max-failures`, 130 and 143 for a signal), and a `skip` waiver is the user's choice.
    pub fn unjudged(&self) -> bool {
        matches!(self, NotRun::Unavailable { .. })
    }
}

impl fmt::Display for NotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotRun::Interrupted(signal) => write!(f, "not run: the run was interrupted ({})", signal.name()),
            NotRun::MaxFailures { max } => write!(f, "not run: --max-failures {max} was reached"),
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
    /// A request got no usable answer: nothing was judged.
    Transport(TransportKind),
    /// The suite itself failed: a step without a definition, a bug. Nothing was judged.
    Suite,
}

impl FailureKind {
    /// Whether the target's answer was judged: only a finding is; the others are ERRORs.
    pub fn judged(self) -> bool {
        self == FailureKind::Finding
    }
}

/// Why a scenario failed, or could not be judged.
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
    /// The origin found down, when this is its one cause (the same for every scenario that
    /// needs it, so outputs say it once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<Down>,
}

impl Failure {
    pub fn finding(message: impl Into<String>) -> Self {
        Self {
            kind: FailureKind::Finding,
            message: message.into(),
            decision: None,
            exchange: None,
            data_missing: None,
            down: None,
        }
    }

    /// A request's transport error: not judged, but for a redirect loop, which is an answer
    /// (a redirect is no part of either contract) and so a finding.
    pub fn transport(error: &TransportError) -> Self {
        let kind = match error.kind {
            TransportKind::TooManyRedirects => FailureKind::Finding,
            kind => FailureKind::Transport(kind),
        };
        Self { kind, ..Self::finding(error.text.clone()) }
    }

    pub fn suite(message: impl Into<String>) -> Self {
        Self { kind: FailureKind::Suite, ..Self::finding(message) }
    }

    /// The one cause of an origin found down.
    pub fn down(down: &Down) -> Self {
        Self {
            kind: FailureKind::Transport(down.cause),
            down: Some(down.clone()),
            ..Self::finding(format!("not judged: {down}"))
        }
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
            Some(_) if self.kind.judged() => format!("needs the canonical data set the target lacks: {line}"),
            _ => line.to_owned(),
        }
    }

    /// The failure's words with the notice about the data set pointed to as `notice_at` says.
    pub fn text_with(&self, notice_at: &str) -> String {
        let mut text = String::new();
        if let Some(missing) = self.data_missing.as_ref().filter(|_| self.kind.judged()) {
            text.push_str(&format!(
                "needs the canonical data set, which the target does not hold ({missing}: see the NOTICE {notice_at}); \
                 so this says nothing of the rule yet:\n"
            ));
        }
        text.push_str(self.message.trim_end());
        if let Some(decision) = self.decision.as_ref().filter(|_| self.kind.judged()) {
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

/// How a scenario's last attempt ended: the four outcomes. FAILED is a rule seen broken on an
/// answer; ERROR is no usable answer (or the suite's own failure), so nothing was judged; NOT RUN
/// is a scenario the run did not take to its end for a reason of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", content = "why", rename_all = "kebab-case", from = "wire::Ended")]
pub enum Ended {
    Passed,
    /// A rule seen broken (a [`FailureKind::Finding`]).
    Failed(Failure),
    /// Not judged: a [`FailureKind::Transport`] or [`FailureKind::Suite`] failure.
    Error(Failure),
    #[serde(rename = "not run")]
    NotRun(NotRun),
}

impl Ended {
    /// A failed step's ending: FAILED for a finding, ERROR for anything else.
    pub fn failure(failure: Failure) -> Self {
        if failure.kind.judged() { Ended::Failed(failure) } else { Ended::Error(failure) }
    }

    /// The failure of a FAILED or ERROR ending.
    pub fn failed(&self) -> Option<&Failure> {
        match self {
            Ended::Failed(f) | Ended::Error(f) => Some(f),
            _ => None,
        }
    }
}

/// How facts written by earlier versions read: a transport failure was `failed`, and a scenario
/// whose origin was down `not run`; both are ERRORs now.
mod wire {
    use super::{Down, Failure, NotRun as Now, TransportKind};
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(tag = "kind", rename_all = "kebab-case")]
    pub enum NotRun {
        Interrupted(super::Signal),
        MaxFailures { max: usize },
        TargetDown { origin: String, cause: TransportKind, detail: String },
        SkipWaiver,
        Unavailable { why: String },
    }

    #[derive(Deserialize)]
    #[serde(tag = "verdict", content = "why", rename_all = "kebab-case")]
    pub enum Ended {
        Passed,
        Failed(Failure),
        Error(Failure),
        #[serde(rename = "not run")]
        NotRun(NotRun),
    }

    impl From<Ended> for super::Ended {
        fn from(wire: Ended) -> Self {
            match wire {
                Ended::Passed => Self::Passed,
                Ended::Failed(f) | Ended::Error(f) => Self::failure(f),
                Ended::NotRun(NotRun::TargetDown { origin, cause, detail }) => {
                    Self::Error(Failure::down(&Down { origin, cause, detail, preparing: None }))
                }
                Ended::NotRun(NotRun::Interrupted(s)) => Self::NotRun(Now::Interrupted(s)),
                Ended::NotRun(NotRun::MaxFailures { max }) => Self::NotRun(Now::MaxFailures { max }),
                Ended::NotRun(NotRun::SkipWaiver) => Self::NotRun(Now::SkipWaiver),
                Ended::NotRun(NotRun::Unavailable { why }) => Self::NotRun(Now::Unavailable { why }),
            }
        }
    }
}

/// How a scenario ended, without the why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    Error,
    #[serde(rename = "not run")]
    NotRun,
}
