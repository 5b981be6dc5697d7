//! Whether a request may still go out: the run has not been stopped (a signal, `--max-failures`)
//! and its target is not known to be down. One gate per run, shared by every clone of the client,
//! so that a run which cannot learn anything more ends at once instead of waiting out a timeout
//! per scenario.
//!
//! A target is known to be down, per origin (scheme, host and port: the Apple and the UEM targets
//! may be different hosts, and one being down says nothing of the other), when a connection to it
//! cannot be made (refused, DNS, TLS), or when it has not answered a single request of the run
//! within the timeout (no answer, or a body trickling in too slowly). A target that answered
//! before and times out later is slow on that request, not down: that scenario fails as usual.

use crate::outcome::{NotRun, TransportError};
use crate::sync::Locked;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

pub use crate::outcome::{Signal, Stop};

#[derive(Debug, Clone)]
enum Health {
    /// The target answered a request of this run.
    Answered,
    /// Why its scenarios are not run.
    Down(NotRun),
}

/// See the module documentation.
#[derive(Debug)]
pub struct Gate {
    stop: watch::Sender<Option<Stop>>,
    targets: Mutex<HashMap<String, Health>>,
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

/// The origin of a URL (`http://host:port`), the unit a target is judged down by.
/// Called several times a request: only the scheme and authority are parsed, never a long query.
pub fn origin(url: &str) -> String {
    let authority_starts = url.find("://").map_or(0, |i| i + 3);
    let authority_ends = url[authority_starts..].find(['/', '?', '#']).map_or(url.len(), |i| authority_starts + i);
    match url::Url::parse(&url[..authority_ends]) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => url.to_owned(),
    }
}

impl Gate {
    pub fn new() -> Self {
        Self { stop: watch::Sender::new(None), targets: Mutex::new(HashMap::new()) }
    }

    /// Stops the run; the first reason given stays.
    pub fn stop(&self, why: Stop) {
        self.stop.send_if_modified(|s| {
            if s.is_none() {
                *s = Some(why);
                true
            } else {
                false
            }
        });
    }

    pub fn stopped(&self) -> Option<Stop> {
        *self.stop.borrow()
    }

    /// Resolves when the run is stopped (never, if it is not).
    pub async fn until_stopped(&self) -> Stop {
        let mut rx = self.stop.subscribe();
        let stopped = rx.wait_for(Option::is_some).await.map(|s| *s);
        match stopped {
            Ok(s) => s.expect("waited for Some"),
            // The sender lives as long as `self`.
            Err(_) => std::future::pending().await,
        }
    }

    /// Why a request to `url` is not sent, if it is not.
    pub fn refusal(&self, url: &str) -> Option<NotRun> {
        if let Some(stop) = self.stopped() {
            return Some(stop.not_run());
        }
        match self.targets.locked().get(&origin(url)) {
            Some(Health::Down(why)) => Some(why.clone()),
            _ => None,
        }
    }

    /// The target of `url` answered (with any status).
    pub fn answered(&self, url: &str) {
        let mut targets = self.targets.locked();
        targets.entry(origin(url)).or_insert(Health::Answered);
    }

    /// No connection to the target of `url` could be made (`request` names it, redacted): it is
    /// down.
    pub fn unreachable(&self, url: &str, error: &TransportError, request: &str) {
        let mut targets = self.targets.locked();
        let entry = targets.entry(origin(url)).or_insert(Health::Answered);
        if matches!(entry, Health::Answered) {
            *entry = Health::Down(down(url, error, request));
        }
    }

    /// A request to the target of `url` timed out: it is down unless it has answered before.
    pub fn timed_out(&self, url: &str, error: &TransportError, request: &str) {
        let mut targets = self.targets.locked();
        targets.entry(origin(url)).or_insert_with(|| Health::Down(down(url, error, request)));
    }
}

fn down(url: &str, error: &TransportError, request: &str) -> NotRun {
    NotRun::TargetDown { origin: origin(url), cause: error.kind, detail: format!("{request}: {}", error.text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::TransportKind;

    fn refused(text: &str) -> TransportError {
        TransportError::new(TransportKind::Refused, text)
    }

    #[test]
    fn the_origin_is_the_scheme_host_and_port_whatever_follows() {
        for (url, want) in [
            ("http://127.0.0.1:8080/a/b?query=name=x/y#z", "http://127.0.0.1:8080"),
            ("https://Example.COM:443?x=1", "https://example.com"),
            ("http://user:pw@host.test:81#frag", "http://host.test:81"),
            ("https://[::1]:9443/mdm", "https://[::1]:9443"),
        ] {
            assert_eq!(origin(url), want, "{url}");
        }
        assert_eq!(origin("not a url"), "not a url");
    }

    #[test]
    fn a_target_is_judged_down_by_its_origin_and_only_once() {
        let gate = Gate::new();
        gate.unreachable("http://a.example:1/x", &refused("refused"), "GET /x");
        gate.unreachable("http://a.example:1/y", &refused("another reason"), "GET /y");
        let why = gate.refusal("http://a.example:1/z?q=1").expect("down");
        assert_eq!(why.to_string(), "not run: the target did not answer (GET /x: refused)");
        assert!(matches!(why, NotRun::TargetDown { cause: TransportKind::Refused, .. }));
        assert_eq!(gate.refusal("http://b.example:1/x"), None);
        assert_eq!(gate.refusal("http://a.example:2/x"), None);
    }

    #[test]
    fn a_timeout_downs_a_target_only_before_its_first_answer() {
        let gate = Gate::new();
        let slow = TransportError::new(TransportKind::TimedOut, "slow");
        gate.answered("http://up.example/x");
        gate.timed_out("http://up.example/y", &slow, "GET /y");
        assert_eq!(gate.refusal("http://up.example/z"), None);
        gate.timed_out("http://hung.example/y", &slow, "GET /y");
        assert!(gate.refusal("http://hung.example/").is_some());
        gate.answered("http://hung.example/late");
        assert!(gate.refusal("http://hung.example/").is_some(), "a late answer does not revive it");
    }

    #[test]
    fn the_first_stop_wins_and_refuses_every_request() {
        let gate = Gate::new();
        gate.stop(Stop::Interrupted { signal: Signal::Terminate });
        gate.stop(Stop::MaxFailures { max: 1 });
        assert_eq!(gate.stopped(), Some(Stop::Interrupted { signal: Signal::Terminate }));
        assert_eq!(gate.refusal("http://any.example/"), Some(NotRun::Interrupted(Signal::Terminate)));
    }
}
