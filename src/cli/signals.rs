//! SIGINT and SIGTERM during a run: the first stops the run (which still writes its reports),
//! a second ends the process at once. The exit status says which signal it was (128 + its
//! number, as shells report it).

use super::{EXIT_INTERRUPTED_SIGINT, EXIT_INTERRUPTED_SIGTERM};
use crate::gate::{Gate, Signal, Stop};
use std::sync::Arc;

/// The exit status of a run `signal` interrupted.
pub(super) fn exit_code_of(signal: Signal) -> u8 {
    match signal {
        Signal::Interrupt => EXIT_INTERRUPTED_SIGINT,
        Signal::Terminate => EXIT_INTERRUPTED_SIGTERM,
    }
}

/// Listens for SIGINT and SIGTERM from now on, and stops the run through `gate` when one comes:
/// see [`stop_on_signals`]. Listening starts before the run does, so that from here on a signal
/// never ends the process unheard. Abort the task when the run is over.
pub(super) fn watch(gate: Arc<Gate>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(stop_on_signals(Signals::listen(), gate))
}

/// Until Ctrl-C (SIGINT) comes: `serve` ends then, SIGTERM keeping its default action.
pub(super) async fn until_ctrl_c() {
    tokio::signal::ctrl_c().await.ok();
}

/// The first SIGINT or SIGTERM stops the run through `gate` (the run then writes its reports and
/// ends); a second one ends the process at once, leaving any earlier report files as they were.
async fn stop_on_signals(signals: Option<Signals>, gate: Arc<Gate>) {
    let Some(mut signals) = signals else { return };
    let first = signals.next().await;
    eprintln!(
        "\nvpp-conformance: {} received: stopping the run and writing the reports (send it again to quit at once)",
        first.name()
    );
    gate.stop(Stop::Interrupted { signal: first });
    let second = signals.next().await;
    crate::report::atomic::discard_pending();
    eprintln!("vpp-conformance: {} received again: quitting at once, no report written", second.name());
    std::process::exit(exit_code_of(second).into());
}

/// SIGINT and SIGTERM, listened for from creation on.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    /// `None` when the signals cannot be listened for (they then keep their default action).
    fn listen() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Some(Self {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }
}

/// Ctrl-C, where there are no Unix signals.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> Option<Self> {
        Some(Self)
    }

    async fn next(&mut self) -> Signal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}
