//! `diff`: what changed between two runs' results (their Cucumber JSON, `run --json`), rendered
//! for a person or a CI job summary, and returned for the exit status (anything newly failing).

use crate::config::files;
use crate::report::diff::{self, Changes, DiffFormat};
use std::io::Write;
use std::path::Path;

/// Compares the run of `base` with the run of `new` and writes the changes on `out` in `format`.
/// The error, a file that cannot be read or is not a run's Cucumber JSON, names the file.
pub fn diff(base: &Path, new: &Path, format: DiffFormat, out: &mut impl Write) -> Result<Changes, String> {
    let run = |path: &Path| {
        let text = files::read_text("", path).map_err(|e| e.0)?;
        diff::parse_cucumber_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (base, new) = (run(base)?, run(new)?);
    let changes = diff::compare(&base, &new);
    // A closed pipe (`| head`) ends the output quietly; the changes stand.
    write!(out, "{}", diff::render(&changes, format)).ok();
    Ok(changes)
}
