//! HTTPS for the reference (`serve --tls-cert FILE --tls-key FILE [--client-ca FILE]`), so that a
//! production set-up (TLS, a client certificate required) can be rehearsed locally: the front
//! (`front.rs`) terminates TLS, asks for a client certificate signed by the given CA when there is
//! one, and relays the plain bytes to the reference on a loopback port.

use super::front::Front;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto::ring};

/// What the TLS front presents and whom it lets in, PEM.
pub struct TlsFiles {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// When given, a client must present a certificate signed by this CA.
    pub client_ca_pem: Option<Vec<u8>>,
}

/// The rustls server configuration; the error names the option at fault.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&files.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-cert: not a PEM certificate ({e})"))?;
    if certs.is_empty() {
        return Err("--tls-cert: no PEM certificate in the file".into());
    }
    let key = PrivateKeyDer::from_pem_slice(&files.key_pem)
        .map_err(|_| "--tls-key: no PEM private key in the file".to_owned())?;
    let provider = Arc::new(ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match &files.client_ca_pem {
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| format!("--client-ca: not a PEM certificate ({e})"))?;
                roots.add(cert).map_err(|e| format!("--client-ca: {e}"))?;
            }
            if roots.is_empty() {
                return Err("--client-ca: no PEM certificate in the file".into());
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("--client-ca: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    // No ALPN: clients speak HTTP/1.1, which the relay forwards byte for byte.
    let config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("--tls-cert/--tls-key: the key is not the certificate's ({e})"))?;
    Ok(Arc::new(config))
}

/// What terminates TLS with the configuration of `files`.
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, String> {
    Ok(TlsAcceptor::from(server_config(files)?))
}

/// Starts a TLS front on `listener`, relaying to `upstream` (the reference, plain HTTP).
pub fn start(listener: std::net::TcpListener, upstream: SocketAddr, files: &TlsFiles) -> Result<Front, String> {
    let acceptor = acceptor(files)?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
    Ok(super::front::start(listener, upstream, Some(acceptor)))
}
