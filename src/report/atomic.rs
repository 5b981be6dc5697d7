//! Report files replaced whole. Each is written to a temporary file beside its path and renamed
//! into place when complete, so a reader (a CI step, a person with last night's report open)
//! never sees a partial or empty file, and an older report is replaced only by a complete newer
//! one. The temporary file is created before the run, so an unwritable path is an error before
//! anything runs.

use crate::sync::Locked;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Temporary files not yet renamed into place, so that a process that must quit at once (a
/// second signal) can remove them first.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A report file being written; see the module documentation.
#[derive(Debug)]
pub struct PendingFile {
    /// `None` once committed.
    tmp: Option<tempfile::NamedTempFile>,
    path: PathBuf,
    /// What the run writes, kept in memory until [`PendingFile::commit`] (reports are small).
    buffer: Buffer,
}

/// The in-memory contents of a [`PendingFile`], for a writer that must be moved elsewhere
/// (cucumber's).
#[derive(Debug, Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.locked().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl PendingFile {
    /// Creates the temporary file beside `path`; the error says why the path cannot be written.
    pub fn create(path: &Path) -> io::Result<Self> {
        if path.is_dir() {
            return Err(io::Error::other("it is a directory"));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // A report's folder is made, as a build tool makes its output folders.
        std::fs::create_dir_all(dir)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)?;
        PENDING.locked().push(tmp.path().to_owned());
        Ok(Self { tmp: Some(tmp), path: path.to_owned(), buffer: Buffer::default() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A writer into this file's contents.
    pub fn writer(&self) -> Buffer {
        self.buffer.clone()
    }

    /// The contents written so far, replaced by what `edit` makes of them (the Cucumber JSON,
    /// once complete, gets the run's facts).
    pub fn edit(&self, edit: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>) -> Result<(), String> {
        let mut bytes = self.buffer.0.locked();
        *bytes = edit(&bytes)?;
        Ok(())
    }

    /// Writes the contents to the temporary file and renames it into place.
    pub fn commit(mut self) -> io::Result<()> {
        let mut tmp = self.tmp.take().expect("committed once");
        forget(tmp.path());
        let bytes = std::mem::take(&mut *self.buffer.0.locked());
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_all()?;
        // The file replaced keeps its permissions; a new one is readable by all, as a file
        // created the ordinary way would be (a temporary file is private).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&self.path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o644);
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))?;
        }
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        // NamedTempFile removes the file itself.
        if let Some(tmp) = &self.tmp {
            forget(tmp.path());
        }
    }
}

fn forget(tmp: &Path) {
    PENDING.locked().retain(|p| p != tmp);
}

/// Removes every temporary file not yet renamed into place: for a process about to quit
/// without running destructors.
pub fn discard_pending() {
    for path in PENDING.locked().drain(..) {
        std::fs::remove_file(path).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_committed_and_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junit.xml");
        std::fs::write(&path, "last night's report").unwrap();
        let pending = PendingFile::create(&path).unwrap();
        write!(pending.writer(), "<testsuites/>").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "last night's report");
        pending.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "<testsuites/>");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
    }

    #[test]
    fn an_abandoned_file_leaves_the_old_one_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        std::fs::write(&path, "old").unwrap();
        let pending = PendingFile::create(&path).unwrap();
        write!(pending.writer(), "partial").unwrap();
        drop(pending);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(PendingFile::create(&dir.path().join("report.html/x.xml")).is_err(), "a file is no folder");
        let nested = PendingFile::create(&dir.path().join("reports/ci/x.xml")).unwrap();
        nested.commit().unwrap();
        assert!(dir.path().join("reports/ci/x.xml").exists(), "the report's folders are made");
    }
}
