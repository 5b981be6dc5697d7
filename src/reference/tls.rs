//! HTTPS for the reference (`serve --tls-cert FILE --tls-key FILE [--client-ca FILE]`), so that a
//! production set-up (TLS, a client certificate required) can be rehearsed locally: a TLS front
//! terminates TLS, asks for a client certificate signed by the given CA when there is one, and
//! relays the plain bytes to the reference on a loopback port.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
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

/// A running TLS front; dropping it stops it and every connection.
pub struct TlsFront {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
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

/// Starts the front on `listener`, relaying to `upstream` (the reference, plain HTTP).
pub fn start(listener: std::net::TcpListener, upstream: SocketAddr, files: &TlsFiles) -> Result<TlsFront, String> {
    let acceptor = TlsAcceptor::from(server_config(files)?);
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let listener = TcpListener::from_std(listener).map_err(|e| e.to_string())?;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let Ok((tcp, _)) = listener.accept().await else { continue };
            while connections.try_join_next().is_some() {}
            let acceptor = acceptor.clone();
            connections.spawn(async move {
                // A client without an acceptable certificate is refused in the handshake.
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut plain) = TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    Ok(TlsFront { addr, task })
}
