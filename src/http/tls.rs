//! Trust and identity: the system's CA certificates (read once per process) and a client
//! certificate with its key.

use super::error::{chain, source};

/// Makes ring the process's rustls crypto provider, once, before any client is built (reqwest is
/// built without a provider of its own). A provider already installed by the embedding program
/// is kept.
pub fn install_crypto_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        if tokio_rustls::rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race to another installer leaves that one in place, which is as good.
            let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        }
    });
}

/// The system's CA certificates, read once per process (reading them is most of what building a
/// client costs: a directory of files). A machine without any (a slim container) gets none, and
/// still tests plain-HTTP targets and those of the given CAs rather than refusing to start.
pub(super) fn system_roots() -> &'static [reqwest::Certificate] {
    static ROOTS: std::sync::OnceLock<Vec<reqwest::Certificate>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
            .collect()
    })
}

/// Starts reading the system's CA certificates on a thread of their own, so that a client built
/// later finds them read, or waits only for the rest.
pub fn warm_up() {
    std::thread::spawn(system_roots);
}

/// Whether a client certificate and its key (PEM, the key first or last) make a usable identity:
/// both parse and the key is the certificate's. Checked before any request is sent.
pub fn check_identity(pem: &[u8]) -> Result<(), String> {
    let identity = identity_from_pem(pem)?;
    install_crypto_provider();
    reqwest::Client::builder().tls_certs_only(Vec::new()).identity(identity).build().map(drop).map_err(|e| {
        use tokio_rustls::rustls::Error as Tls;
        if matches!(source::<Tls>(&e), Some(Tls::InconsistentKeys(_))) {
            "the private key is not the key of the certificate (a wrong --client-key?)".to_owned()
        } else {
            format!("the certificate and key cannot be used ({})", chain(&e))
        }
    })
}

/// A client certificate and its key, PEM, as the TLS stack takes them; the error says which
/// part is wrong and never shows the key.
pub(super) fn identity_from_pem(pem: &[u8]) -> Result<reqwest::Identity, String> {
    reqwest::Identity::from_pem(pem)
        .map_err(|e| format!("--client-cert/--client-key: not a PEM certificate and private key ({})", chain(&e)))
}
