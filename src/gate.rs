//! Whether the run goes on: a signal or `--max-failures` stops it. One gate per run, shared by
//! every clone of the client, so that a stopped run drops the requests in flight and sends no
//! more. Whether one target is down is its origin's record in the client
//! (`crate::http::origin`), not the run's.

use tokio::sync::watch;

pub use crate::outcome::{Signal, Stop};

/// See the module documentation.
#[derive(Debug)]
pub struct Gate {
    stop: watch::Sender<Option<Stop>>,
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

impl Gate {
    pub fn new() -> Self {
        Self { stop: watch::Sender::new(None) }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_stop_wins() {
        let gate = Gate::new();
        assert_eq!(gate.stopped(), None);
        gate.stop(Stop::Interrupted { signal: Signal::Terminate });
        gate.stop(Stop::MaxFailures { max: 1 });
        assert_eq!(gate.stopped(), Some(Stop::Interrupted { signal: Signal::Terminate }));
    }
}
