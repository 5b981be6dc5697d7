//! Trust and identity: the system's CA certificates (read once per process, at the first
//! handshake) and a client certificate with its key.

use std::sync::Arc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{DigitallySignedStruct, SignatureScheme};

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

/// The system's CA certificates, read once per process, when a TLS handshake first needs them
/// (or ahead, by [`warm_up`], when the run names an https URL): a run over plain HTTP reads none
/// (reading them was a fifth of a short run's start). A handshake the run did not foresee (a
/// plain-HTTP target redirecting to https, an https proxy from the environment) reads them on
/// its worker, a few milliseconds once. A machine without any (a slim container) gets none, and
/// still tests plain-HTTP targets and those of the given CAs.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<CertificateDer<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// Starts reading the system's CA certificates on a thread of their own, so that the first
/// handshake finds them read, or waits only for the rest.
pub fn warm_up() {
    std::thread::spawn(system_roots);
}

/// The TLS set-up of the run's clients: the server's certificate checked against the system's
/// CA certificates and the given ones (`--ca-cert`, PEM), the system's read at the first
/// handshake; or not checked (`--insecure`); with a client certificate when one is given.
pub(super) fn client_config(
    ca_pems: &[Vec<u8>],
    identity_pem: Option<&[u8]>,
    insecure: bool,
) -> Result<rustls::ClientConfig, String> {
    install_crypto_provider();
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    // The given CAs are checked now, not at the first handshake: one that is not a certificate
    // is a usage error, before any request.
    let mut given = rustls::RootCertStore::empty();
    for pem in ca_pems {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("a CA certificate is not PEM: {e}"))?;
            given.add(cert).map_err(|e| format!("a CA certificate cannot be used: {e}"))?;
        }
    }
    let verifier =
        Arc::new(LazyRoots { given, provider: provider.clone(), built: std::sync::OnceLock::new(), insecure });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity_pem {
        Some(pem) => {
            // The PEM is the key's file, then the certificate's: the first key is `--client-key`'s.
            let bad = |e: &dyn std::fmt::Display| {
                format!("--client-cert/--client-key: not a PEM certificate and private key ({e})")
            };
            let certs = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().map_err(|e| bad(&e))?;
            let key = PrivateKeyDer::from_pem_slice(pem).map_err(|e| bad(&e))?;
            builder.with_client_auth_cert(certs, key).map_err(|e| match e {
                rustls::Error::InconsistentKeys(_) => {
                    "the private key is not the key of the certificate (a wrong --client-key?)".to_owned()
                }
                e => format!("the certificate and key cannot be used ({e})"),
            })?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Checks a server's certificate against the system's CA certificates and the given ones, read
/// and built into a verifier at the first handshake; or, under `--insecure`, takes any
/// certificate and any signature.
#[derive(Debug)]
struct LazyRoots {
    /// The CAs given (`--ca-cert`), checked when the client was set up.
    given: rustls::RootCertStore,
    provider: Arc<rustls::crypto::CryptoProvider>,
    /// `None` when no CA certificate at all is known: every certificate is then of an unknown
    /// issuer, as with an empty store.
    built: std::sync::OnceLock<Option<Arc<WebPkiServerVerifier>>>,
    insecure: bool,
}

impl LazyRoots {
    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        let built = self.built.get_or_init(|| {
            let mut store = self.given.clone();
            store.add_parsable_certificates(system_roots().iter().cloned());
            WebPkiServerVerifier::builder_with_provider(Arc::new(store), self.provider.clone()).build().ok()
        });
        built.as_ref().ok_or(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer))
    }
}

/// One of rustls' checks of a handshake's signature (TLS 1.2's or 1.3's).
type SignatureCheck = fn(
    &[u8],
    &CertificateDer<'_>,
    &DigitallySignedStruct,
    &rustls::crypto::WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, rustls::Error>;

impl LazyRoots {
    fn signature(
        &self,
        check: SignatureCheck,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if self.insecure {
            return Ok(HandshakeSignatureValid::assertion());
        }
        check(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
}

impl ServerCertVerifier for LazyRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.insecure {
            return Ok(ServerCertVerified::assertion());
        }
        self.verifier()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signature(rustls::crypto::verify_tls12_signature, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signature(rustls::crypto::verify_tls13_signature, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        if self.insecure {
            // Whatever a server signs with, legacy ones included, as reqwest's own `--insecure`
            // verifier offered: a SHA-1 appliance or a P-521 test certificate is reached.
            use SignatureScheme::*;
            return vec![
                RSA_PKCS1_SHA1,
                ECDSA_SHA1_Legacy,
                RSA_PKCS1_SHA256,
                ECDSA_NISTP256_SHA256,
                RSA_PKCS1_SHA384,
                ECDSA_NISTP384_SHA384,
                RSA_PKCS1_SHA512,
                ECDSA_NISTP521_SHA512,
                RSA_PSS_SHA256,
                RSA_PSS_SHA384,
                RSA_PSS_SHA512,
                ED25519,
                ED448,
            ];
        }
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Whether a client certificate and its key (PEM, the key first or last) make a usable identity:
/// both parse and the key is the certificate's. Checked before any request is sent.
pub fn check_identity(pem: &[u8]) -> Result<(), String> {
    client_config(&[], Some(pem), false).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Under `--insecure` a server may sign with anything reqwest's own insecure verifier took,
    /// legacy schemes included; otherwise only what the crypto provider verifies.
    #[test]
    fn insecure_offers_every_signature_scheme_and_checking_only_those_it_verifies() {
        let schemes = |insecure| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let given = rustls::RootCertStore::empty();
            LazyRoots { given, provider, built: std::sync::OnceLock::new(), insecure }.supported_verify_schemes()
        };
        let legacy = [SignatureScheme::RSA_PKCS1_SHA1, SignatureScheme::ECDSA_NISTP521_SHA512];
        assert!(legacy.iter().all(|s| schemes(true).contains(s)), "{:?}", schemes(true));
        assert!(legacy.iter().all(|s| !schemes(false).contains(s)), "{:?}", schemes(false));
    }
}
