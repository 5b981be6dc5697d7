//! A throwaway PKI and a TLS-terminating front for loopback HTTP servers.
//!
//! Tests that exercise certificate handling need a real TLS server whose trust anchor they control:
//! `https_front` puts TLS (with a certificate from a fresh, per-front CA) in front of any plain
//! HTTP server such as a wiremock `MockServer`, so the same mocks can be reached over `https://`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority generated at run time, so no key material lives in the repository
/// and every test can have a CA that nothing else trusts.
pub struct TestPki {
    /// The CA certificate, PEM-encoded: what a client must trust.
    pub ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A leaf certificate and its private key, ready for a rustls server.
pub struct Leaf {
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
}

impl TestPki {
    /// Generates a fresh CA key and self-signed CA certificate.
    pub fn new() -> TestPki {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names to reject");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // A distinct subject, so the CA is never confused with the leaves it signs.
        params.distinguished_name.push(DnType::CommonName, "vpp-conformance test CA");
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate().expect("CA key");
        let ca_pem = params.self_signed(&key).expect("self-sign CA").pem();
        TestPki { ca_pem, issuer: Issuer::new(params, key) }
    }

    /// Issues a server certificate for `names`, signed by this CA. A name that parses as an IP
    /// address becomes an IP SAN (rcgen decides this), anything else a DNS SAN.
    pub fn issue(&self, names: &[&str]) -> Leaf {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("valid subject alt names");
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, first.as_str());
        }
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign leaf");
        Leaf { cert: cert.der().clone(), key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())) }
    }

    /// A rustls server configuration presenting a leaf for `names`.
    ///
    /// The provider is chosen explicitly: rustls panics when asked for the process default while
    /// several providers are compiled in or none has been installed, and this keeps the test
    /// server independent of whatever the client side (reqwest) picks.
    pub fn server_config(&self, names: &[&str]) -> Arc<ServerConfig> {
        let leaf = self.issue(names);
        // No ALPN is advertised, so clients speak HTTP/1.1, which is what the plaintext side
        // forwards byte for byte.
        let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("default protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.cert], leaf.key)
            .expect("leaf matches its key");
        Arc::new(config)
    }
}

impl Default for TestPki {
    fn default() -> Self {
        TestPki::new()
    }
}

/// A running TLS front. Dropping it aborts the accept loop and, with it, every open connection.
pub struct HttpsFront {
    /// `https://{first name}:{port}`, no trailing slash.
    pub url: String,
    /// Where the front listens (always on 127.0.0.1).
    pub addr: SocketAddr,
    /// The CA certificate, PEM-encoded.
    pub ca_pem: String,
    /// A PEM file holding the CA certificate, for code that takes a path (e.g. a CLI flag).
    pub ca_pem_path: PathBuf,
    _dir: tempfile::TempDir,
    task: JoinHandle<()>,
}

impl Drop for HttpsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a TLS front on 127.0.0.1 for the plain HTTP server at `upstream`
/// (`http://127.0.0.1:PORT`), presenting a certificate for `names` from a fresh CA.
///
/// Each connection is handled in its own task: after the handshake, its plaintext bytes are
/// relayed to a new upstream connection. A failed handshake (e.g. a client that rejects the
/// certificate) only closes that connection.
pub async fn https_front(upstream: &str, names: &[&str]) -> HttpsFront {
    let upstream = upstream_addr(upstream);
    let pki = TestPki::new();
    let acceptor = TlsAcceptor::from(pki.server_config(names));

    let dir = tempfile::tempdir().expect("tempdir");
    let ca_pem_path = dir.path().join("ca.pem");
    std::fs::write(&ca_pem_path, &pki.ca_pem).expect("write CA PEM");

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind TLS front");
    let addr = listener.local_addr().expect("local addr");
    let host = names.first().copied().unwrap_or("127.0.0.1");
    let url = format!("https://{host}:{}", addr.port());

    let task = tokio::spawn(async move {
        // Owning the connection tasks here means aborting this loop drops the set, which aborts
        // them all.
        let mut connections = JoinSet::new();
        loop {
            let Ok((tcp, _)) = listener.accept().await else { continue };
            while connections.try_join_next().is_some() {}
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            connections.spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut plain) = TcpStream::connect(&upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });

    HttpsFront { url, addr, ca_pem: pki.ca_pem, ca_pem_path, _dir: dir, task }
}

/// `host:port` of an `http://` URL (the port defaults to 80).
fn upstream_addr(upstream: &str) -> String {
    let url = url::Url::parse(upstream).unwrap_or_else(|e| panic!("upstream {upstream:?}: {e}"));
    let host = url.host_str().unwrap_or_else(|| panic!("upstream {upstream:?} has no host"));
    let port = url.port_or_known_default().unwrap_or(80);
    format!("{host}:{port}")
}
