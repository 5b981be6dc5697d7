//! How far a run is, on a terminal: one status line on stderr, rewritten in place. Elsewhere
//! (CI logs) nothing: the log's line for each finished scenario says as much, on stdout.

/// How far a run is: scenarios done out of those that run, and failures so far.
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub on_terminal: bool,
}

impl Progress {
    pub fn scenario_done(&mut self, id: &str, status: crate::outcome::Status, fails: bool) {
        self.done += 1;
        self.failed += usize::from(fails);
        if self.on_terminal {
            let end = if self.done == self.total { "\n" } else { "" };
            eprint!("\r\x1b[K[{}/{}] {} failed so far; {id} {status}{end}", self.done, self.total, self.failed);
        }
    }
}
