//! The files a configuration names, read and checked in one place before any request: the key
//! that signs the reports, the CA certificates to trust, the client certificate and its key. A
//! file that cannot be read or holds the wrong thing is a usage error naming its option.

use super::files::{read_bytes, read_text};
use super::{ConfigError, RunConfig};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::Path;

/// What the configuration's files hold.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// `--sign-key`.
    pub signing_key: Option<SigningKey>,
    /// `--ca-cert`, each file's PEM (at least one certificate each).
    pub ca_certs: Vec<Vec<u8>>,
    /// `--client-key` and `--client-cert`, as one PEM, checked to belong together.
    pub identity_pem: Option<Vec<u8>>,
}

impl RunConfig {
    /// Reads and checks every file the configuration names.
    pub fn load(&self) -> Result<Loaded, ConfigError> {
        let signing_key = self.sign_key.as_deref().map(read_signing_key).transpose()?;
        Ok(Loaded { signing_key, ca_certs: ca_certs(self)?, identity_pem: identity(self)? })
    }
}

/// The `--sign-key` file's key.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, ConfigError> {
    read_key("--sign-key", path, signing_key)
}

/// `merge --public-key` and `verify-report --public-key`: the signer's Ed25519 public key.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, ConfigError> {
    read_key("--public-key", path, public_key)
}

/// The key in the file `option` names, read by `parse`; the error names the option and the file.
fn read_key<K>(option: &str, path: &Path, parse: fn(&str) -> Result<K, String>) -> Result<K, ConfigError> {
    let text = read_text(option, path)?;
    parse(&text).map_err(|e| ConfigError(format!("{option} {}: {e}", path.display())))
}

/// A signing key from a file: PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) or 64 hex digits.
pub fn signing_key(text: &str) -> Result<SigningKey, String> {
    if text.contains("-----BEGIN") {
        return SigningKey::from_pkcs8_pem(text).map_err(|e| format!("not an Ed25519 PKCS#8 private key: {e}"));
    }
    let seed = key_bytes(text).ok_or("neither a PEM private key nor 64 hex digits of an Ed25519 seed")?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A public key from a file: SPKI PEM (`openssl pkey -pubout`) or 64 hex digits.
pub fn public_key(text: &str) -> Result<VerifyingKey, String> {
    if text.contains("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(text).map_err(|e| format!("not an Ed25519 public key: {e}"));
    }
    let bytes = key_bytes(text).ok_or("neither a PEM public key nor 64 hex digits of an Ed25519 public key")?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an Ed25519 public key: {e}"))
}

/// The 32 bytes of a key written as 64 hex digits, white space around them aside.
fn key_bytes(text: &str) -> Option<[u8; 32]> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}

/// The client certificate and its key (`--client-cert`, `--client-key`), read and checked before
/// any request: a file that cannot be read, holds no certificate or no key, or a key that is not
/// the certificate's, is a usage error. The key's text is never shown.
fn identity(config: &RunConfig) -> Result<Option<Vec<u8>>, ConfigError> {
    let (Some(cert), Some(key)) = (&config.client_cert, &config.client_key) else { return Ok(None) };
    let (cert_pem, key_pem) = (read_bytes("--client-cert", cert)?, read_bytes("--client-key", key)?);
    let has = |pem: &[u8], what: &str| String::from_utf8_lossy(pem).contains(&format!("-----BEGIN {what}"));
    if !has(&cert_pem, "CERTIFICATE-----") {
        return Err(ConfigError(format!(
            "--client-cert {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file",
            cert.display()
        )));
    }
    if !["PRIVATE KEY-----", "RSA PRIVATE KEY-----", "EC PRIVATE KEY-----"].iter().any(|w| has(&key_pem, w)) {
        return Err(ConfigError(format!(
            "--client-key {}: no PEM private key (-----BEGIN PRIVATE KEY-----) in the file",
            key.display()
        )));
    }
    let mut pem = key_pem;
    pem.push(b'\n');
    pem.extend_from_slice(&cert_pem);
    crate::http::check_identity(&pem)
        .map_err(|e| ConfigError(format!("--client-cert {} --client-key {}: {e}", cert.display(), key.display())))?;
    Ok(Some(pem))
}

/// The `--ca-cert` files, each holding at least one PEM certificate.
fn ca_certs(config: &RunConfig) -> Result<Vec<Vec<u8>>, ConfigError> {
    config
        .ca_certs
        .iter()
        .map(|path| {
            let pem = read_bytes("--ca-cert", path)?;
            // reqwest skips whatever is not a PEM block: a file without a certificate would be
            // ignored, and the run would blame the target for the user's file.
            match reqwest::Certificate::from_pem_bundle(&pem) {
                Ok(certs) if !certs.is_empty() => Ok(pem),
                Ok(_) => Err(ConfigError(format!(
                    "--ca-cert {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file",
                    path.display()
                ))),
                Err(e) => Err(ConfigError(format!("--ca-cert {}: not a PEM certificate ({e})", path.display()))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_in_either_form_and_a_bad_one_names_its_option() {
        let hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        let key = signing_key(hex).unwrap();
        assert_eq!(key.to_bytes()[0], 0x9d);
        assert!(signing_key(&hex[..62]).is_err());
        assert!(signing_key("not a key").is_err());
        let public = hex::encode(key.verifying_key().as_bytes());
        assert_eq!(public_key(&format!("{public}\n")).unwrap(), key.verifying_key());
        assert!(public_key(&public[..62]).unwrap_err().starts_with("neither a PEM public key"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, "zz").unwrap();
        let config = RunConfig { sign_key: Some(path), ..RunConfig::default() };
        let err = config.load().unwrap_err();
        assert!(err.0.starts_with("--sign-key"), "{err}");
        let missing = RunConfig { ca_certs: vec![dir.path().join("none.pem")], ..RunConfig::default() };
        assert!(missing.load().unwrap_err().0.starts_with("--ca-cert"));
        assert!(RunConfig::default().load().unwrap().signing_key.is_none());
    }
}
