//! Where a run's live output goes: one stream several writers share, with every known secret
//! replaced and cucumber's wording of a failed check put in the suite's words.

use crate::redact::Redactor;
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
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// Output that replaces secrets before they reach the stream: cucumber's writers print step
/// text and failure messages, which are redacted already, but this is the last line of defence.
pub struct Redacting<W: Write> {
    pub inner: W,
    pub redactor: Redactor,
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(suite_wording(&self.redactor.redact(&text)).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// cucumber words a failed check as a panic ("Step panicked. Captured output: …", a JUnit
/// failure of type "Step Panicked"), which a vendor reads as a crash of the suite. A step of this
/// suite fails by design: its message says what was expected and what came, so it is shown as
/// it is, and the JUnit type says "Step Failed". And a skipped background step is not "failed". Each phrase reaches the output in one write
/// (a line of the terminal, an XML element, the whole JSON), so replacing it in the stream holds.
fn suite_wording(text: &str) -> std::borrow::Cow<'_, str> {
    const WORDING: &[(&str, &str)] = &[
        ("Step panicked. Captured output: ", ""),
        ("Step Panicked", "Step Failed"),
        ("Hook Panicked", "Hook Failed"),
        // What cucumber prints for a skipped background step (a SHOULD not met, a scenario not run).
        ("Background step failed: ", "Background step skipped: "),
    ];
    if !WORDING.iter().any(|(from, _)| text.contains(from)) {
        return text.into();
    }
    WORDING.iter().fold(text.to_owned(), |t, (from, to)| t.replace(from, to)).into()
}
