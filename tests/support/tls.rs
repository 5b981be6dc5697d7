//! A throwaway PKI and a TLS-terminating front for loopback HTTP servers.
//!
//! Tests that exercise certificate handling need a real TLS server whose trust anchor they control:
//! `https_front` puts TLS (with a certificate from a fresh, per-front CA) in front of any plain
//! HTTP server such as a wiremock `MockServer`, so the same mocks can be reached over `https://`.

use std::net::SocketAddr;
use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use vpp_conformance::reference::front::Front;
use vpp_conformance::reference::tls::{TlsFiles, start};

/// A certificate authority generated at run time, so no key material lives in the repository
/// and every test can have a CA that nothing else trusts.
pub struct TestPki {
    /// The CA certificate, PEM-encoded: what a client must trust.
    pub ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A leaf certificate and its private key, PEM-encoded.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
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
        Leaf { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
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
    /// The product's own TLS front (`serve --tls-cert`); dropping it stops it.
    _front: Front,
}

/// Starts a TLS front on 127.0.0.1 for the plain HTTP server at `upstream`
/// (`http://127.0.0.1:PORT`), presenting a certificate for `names` from a fresh CA: the front
/// `serve --tls-cert` uses, so the tests exercise it too. A failed handshake (a client that
/// rejects the certificate) only closes that connection.
pub async fn https_front(upstream: &str, names: &[&str]) -> HttpsFront {
    let upstream: SocketAddr = upstream_addr(upstream).parse().expect("the upstream is host:port on loopback");
    let pki = TestPki::new();
    let leaf = pki.issue(names);
    let files =
        TlsFiles { cert_pem: leaf.cert_pem.into_bytes(), key_pem: leaf.key_pem.into_bytes(), client_ca_pem: None };

    let dir = tempfile::tempdir().expect("tempdir");
    let ca_pem_path = dir.path().join("ca.pem");
    std::fs::write(&ca_pem_path, &pki.ca_pem).expect("write CA PEM");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind TLS front");
    let front = start(listener, upstream, &files).expect("the TLS front starts");
    let addr = front.addr;
    let host = names.first().copied().unwrap_or("127.0.0.1");
    let url = format!("https://{host}:{}", addr.port());
    HttpsFront { url, addr, ca_pem: pki.ca_pem, ca_pem_path, _dir: dir, _front: front }
}

/// `host:port` of an `http://` URL (the port defaults to 80).
fn upstream_addr(upstream: &str) -> String {
    let url = url::Url::parse(upstream).unwrap_or_else(|e| panic!("upstream {upstream:?}: {e}"));
    let host = url.host_str().unwrap_or_else(|| panic!("upstream {upstream:?} has no host"));
    let port = url.port_or_known_default().unwrap_or(80);
    format!("{host}:{port}")
}
