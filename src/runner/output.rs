//! Where a run's live output goes: one stream several writers share, with every known secret
//! replaced, and the line each finished scenario gets.

use crate::outcome::{Down, ScenarioResult, Status};
use crate::redact::Redactor;
use crate::sync::Locked;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// A writer several owners share, so the summary follows cucumber's output on the same stream.
#[derive(Clone)]
pub struct SharedOut(Arc<Mutex<Box<dyn Write + Send>>>);

impl SharedOut {
    pub fn new(out: impl Write + Send + 'static) -> Self {
        Self(Arc::new(Mutex::new(Box::new(out))))
    }
}

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.locked().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.locked().flush()
    }
}

/// Output that replaces secrets before they reach the stream: what the run prints is redacted
/// already, but this is the last line of defence.
pub struct Redacting<W: Write> {
    pub inner: W,
    pub redactor: Redactor,
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(self.redactor.redact(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The log's line for a scenario that finished: its status, ID, name and level, and for one
/// that did not pass, the first line of why. One write, so lines never interleave.
pub fn scenario_line(result: &ScenarioResult, status: Status) -> String {
    let why = match status {
        Status::Fail | Status::Error | Status::NotMet | Status::NotRun => {
            result.headline().map(|h| format!(": {h}")).unwrap_or_default()
        }
        Status::StaleWaiver => ": expected to fail, it passed (remove the waiver)".to_owned(),
        _ => String::new(),
    };
    format!(
        "{:<12} {:<12} {} ({}){why} [{} ms]\n",
        status.as_str().to_uppercase(),
        result.id,
        result.name,
        result.level,
        result.duration_ms
    )
}

/// The log's one line for an origin found down: its cause, in plain words, with what the
/// transport said once. Its scenarios get no line each.
pub fn down_line(down: &Down) -> String {
    format!("{:<12} {down}: every scenario that needs it ends ERROR (not judged)\n", "ERROR")
}
