//! `diff`: what changed between two runs' results (their Cucumber JSON, `run --json`), rendered
//! for a person or a CI job summary, and returned for the exit status (anything newly failing).

use crate::config::files;
use crate::report::diff::latency::Thresholds;
use crate::report::diff::{self, Changes, DiffFormat};
use std::io::Write;
use std::path::Path;

/// Compares the run of `base` with the run of `new` and writes the changes on `out` in `format`;
/// an operation is slower past `thresholds`. The error, a file that cannot be read or is not a
/// run's Cucumber JSON, or a threshold out of range, names it.
pub fn diff(
    (base, new): (&Path, &Path),
    format: DiffFormat,
    thresholds: Thresholds,
    out: &mut impl Write,
) -> Result<Changes, String> {
    let ok = |v: f64| v.is_finite() && v >= 0.0;
    if !ok(thresholds.ratio_percent) {
        return Err(format!("--slower-by {}: give a percentage of 0 or more", thresholds.ratio_percent));
    }
    let run = |path: &Path| {
        let text = files::read_text("", path).map_err(|e| e.0)?;
        diff::parse_cucumber_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (base, new) = (run(base)?, run(new)?);
    let changes = diff::compare(&base, &new, thresholds);
    // A closed pipe (`| head`) ends the output quietly; the changes stand.
    write!(out, "{}", diff::render(&changes, format)).ok();
    Ok(changes)
}
