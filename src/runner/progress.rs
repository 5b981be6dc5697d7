//! How far a run is, as it goes.

use super::output::SharedOut;
use crate::outcome::{ScenarioResult, Verdict};
use std::io::Write;

/// How far a run is: scenarios done out of those selected, and failures so far. On a terminal,
/// one status line on stderr, rewritten in place; elsewhere (CI logs) a plain line per scenario.
pub struct Progress {
    pub total: usize,
    pub done: std::sync::atomic::AtomicUsize,
    pub failed: std::sync::atomic::AtomicUsize,
    pub on_terminal: bool,
    pub out: SharedOut,
}

impl Progress {
    pub fn scenario_done(&self, result: &ScenarioResult, strict: bool) {
        use std::sync::atomic::Ordering::SeqCst;
        let id = &result.id;
        let failed = result.fails_run(strict);
        let done = self.done.fetch_add(1, SeqCst) + 1;
        let failures = self.failed.fetch_add(usize::from(failed), SeqCst) + usize::from(failed);
        let verdict = match (&result.verdict, failed) {
            (Verdict::Passed, _) => "passed".to_owned(),
            (Verdict::NotRun, _) => "not run".to_owned(),
            (Verdict::Failed, true) => "failed".to_owned(),
            (Verdict::Failed, false) => format!("{} not met", result.level),
        };
        if self.on_terminal {
            let end = if done == self.total { "\n" } else { "" };
            eprint!("\r\x1b[K[{done}/{}] {failures} failed so far; {id} {verdict}{end}", self.total);
        } else {
            // One write per line, so it cannot interleave with cucumber's own output.
            let line =
                format!("progress: {done}/{} scenarios done, {failures} failed so far ({id} {verdict})\n", self.total);
            self.out.clone().write_all(line.as_bytes()).ok();
        }
    }
}
