//! A file the user named, read in one place: the error says which option named it, which file it
//! is and why it cannot be read (`--config ci.toml: cannot read the file (No such file or
//! directory …)`), so that every command reports an unreadable file alike.

use super::ConfigError;
use std::path::Path;

/// The text of the file `option` names (`--config`, or `""` for a command's argument, which the
/// path alone names).
pub fn read_text(option: &str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| cannot_read(option, path, &e))
}

/// The bytes of the file `option` names, as [`read_text`].
pub fn read_bytes(option: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| cannot_read(option, path, &e))
}

/// `{option} {path}: cannot read the file ({why})`.
fn cannot_read(option: &str, path: &Path, error: &std::io::Error) -> ConfigError {
    let named = if option.is_empty() { path.display().to_string() } else { format!("{option} {}", path.display()) };
    ConfigError(format!("{named}: cannot read the file ({error})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_file_is_named_with_its_option_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.toml");
        let err = read_text("--config", &missing).unwrap_err().0;
        assert!(err.starts_with(&format!("--config {}: cannot read the file (", missing.display())), "{err}");
        let err = read_bytes("", &missing).unwrap_err().0;
        assert!(err.starts_with(&format!("{}: cannot read the file (", missing.display())), "{err}");
        std::fs::write(&missing, "x = 1").unwrap();
        assert_eq!(read_text("--config", &missing).unwrap(), "x = 1");
        assert_eq!(read_bytes("--ca-cert", &missing).unwrap(), b"x = 1");
    }
}
