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

use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

pub use crate::outcome::NOT_RUN;

pub use crate::outcome::{Signal, Stop};

/// The payload a step fails with when its request was not sent, so that the runner reports the
/// scenario as not run rather than failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRun(pub String);

#[derive(Debug, Clone)]
enum Health {
    /// The target answered a request of this run.
    Answered,
    /// The reason its scenarios are not run.
    Down(String),
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
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
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
        match rx.wait_for(Option::is_some).await {
            Ok(s) => s.expect("waited for Some"),
            // The sender lives as long as `self`.
            Err(_) => std::future::pending().await,
        }
    }

    /// Why a request to `url` is not sent, if it is not.
    pub fn refusal(&self, url: &str) -> Option<String> {
        if let Some(stop) = self.stopped() {
            return Some(stop.reason());
        }
        match self.targets.lock().unwrap_or_else(|e| e.into_inner()).get(&origin(url)) {
            Some(Health::Down(reason)) => Some(reason.clone()),
            _ => None,
        }
    }

    /// The target of `url` answered (with any status).
    pub fn answered(&self, url: &str) {
        let mut targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        targets.entry(origin(url)).or_insert(Health::Answered);
    }

    /// No connection to the target of `url` could be made (`why`, redacted): it is down.
    pub fn unreachable(&self, url: &str, why: &str) {
        let mut targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        let entry = targets.entry(origin(url)).or_insert(Health::Answered);
        if matches!(entry, Health::Answered) {
            *entry = Health::Down(down_reason(why));
        }
    }

    /// A request to the target of `url` timed out (`why`, redacted): it is down unless it has
    /// answered before.
    pub fn timed_out(&self, url: &str, why: &str) {
        let mut targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        targets.entry(origin(url)).or_insert_with(|| Health::Down(down_reason(why)));
    }

    /// Targets known to be down, with the reason their scenarios were not run.
    pub fn down(&self) -> Vec<(String, String)> {
        let targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        let mut down: Vec<(String, String)> = targets
            .iter()
            .filter_map(|(o, h)| match h {
                Health::Down(r) => Some((o.clone(), r.clone())),
                Health::Answered => None,
            })
            .collect();
        down.sort();
        down
    }

    /// Whether a failure's text comes from a request this gate refused, and the reason. Steps
    /// that send through the client directly report such a refusal in their own words; the
    /// reason is quoted whole in them.
    pub fn not_run_reason(&self, text: &str) -> Option<String> {
        let stop = self.stopped().map(Stop::reason);
        stop.into_iter().chain(self.down().into_iter().map(|(_, r)| r)).find(|r| text.contains(r.as_str()))
    }
}

fn down_reason(why: &str) -> String {
    format!("{NOT_RUN}: the target did not answer ({why})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_judged_down_by_its_origin_and_only_once() {
        let gate = Gate::new();
        gate.unreachable("http://a.example:1/x", "refused");
        gate.unreachable("http://a.example:1/y", "another reason");
        assert_eq!(
            gate.refusal("http://a.example:1/z?q=1").as_deref(),
            Some("not run: the target did not answer (refused)")
        );
        assert_eq!(gate.refusal("http://b.example:1/x"), None);
        assert_eq!(gate.refusal("http://a.example:2/x"), None);
    }

    #[test]
    fn a_timeout_downs_a_target_only_before_its_first_answer() {
        let gate = Gate::new();
        gate.answered("http://up.example/x");
        gate.timed_out("http://up.example/y", "slow");
        assert_eq!(gate.refusal("http://up.example/z"), None);
        gate.timed_out("http://hung.example/y", "no answer");
        assert!(gate.refusal("http://hung.example/").is_some());
        gate.answered("http://hung.example/late");
        assert!(gate.refusal("http://hung.example/").is_some(), "a late answer does not revive it");
    }

    #[test]
    fn the_first_stop_wins_and_refuses_every_request() {
        let gate = Gate::new();
        gate.stop(Stop::Interrupted(Signal::Terminate));
        gate.stop(Stop::MaxFailures(1));
        assert_eq!(gate.stopped(), Some(Stop::Interrupted(Signal::Terminate)));
        assert_eq!(gate.refusal("http://any.example/").as_deref(), Some("not run (interrupted)"));
        assert_eq!(
            gate.not_run_reason("GET http://x/: not run (interrupted)").as_deref(),
            Some("not run (interrupted)")
        );
        assert_eq!(gate.not_run_reason("HTTP 500"), None);
    }
}
