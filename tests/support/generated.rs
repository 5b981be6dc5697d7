//! Files the crate generates and the repository ships (the OpenAPI description, the command
//! line's reference page): the shipped file must be what the code generates now.

use std::path::Path;

/// Fails unless the file at `relative` (below the repository) holds `expected`, naming the first
/// line that differs and the command that regenerates it; with the environment variable
/// `update` set (to anything but 0), writes `expected` there instead.
pub fn check_shipped(relative: &str, expected: &str, generator: &str, update: &str, regenerate: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var(update).is_ok_and(|v| !v.is_empty() && v != "0") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, expected).unwrap();
        eprintln!("rewrote {relative}");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual == expected {
        return;
    }
    let line = actual.lines().zip(expected.lines()).position(|(a, e)| a != e).map_or_else(
        || format!("the files differ in length ({} and {} lines)", actual.lines().count(), expected.lines().count()),
        |i| {
            format!(
                "first difference at line {}:\n  shipped:   {}\n  generated: {}",
                i + 1,
                actual.lines().nth(i).unwrap_or_default().trim(),
                expected.lines().nth(i).unwrap_or_default().trim()
            )
        },
    );
    panic!(
        "{relative} is not what {generator} generates ({line}).\nRegenerate it with `{regenerate}` and commit the result."
    );
}
