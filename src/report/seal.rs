//! The digest that closes a report, and its optional Ed25519 signature. The digest is the
//! SHA-256 of the report's data in canonical JSON; the signature signs the digest's hex text.

use super::ReportData;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// SHA-256 of the canonical JSON of the data, in hex.
    pub digest: String,
    /// Ed25519 signature of `digest` (its ASCII text), in hex.
    pub signature: Option<String>,
    /// The signer's public key, in hex, so a reader knows which key to ask for.
    pub public_key: Option<String>,
}

/// The canonical JSON of a report's data: what the digest covers.
pub fn canonical(data: &ReportData) -> String {
    serde_json::to_string(data).expect("report data serializes")
}

pub fn digest(data: &ReportData) -> String {
    hex::encode(Sha256::digest(canonical(data).as_bytes()))
}

/// Seals data, signing when a key is given.
pub fn seal(data: &ReportData, key: Option<&SigningKey>) -> Seal {
    let digest = digest(data);
    let (signature, public_key) = match key {
        Some(k) => {
            (Some(hex::encode(k.sign(digest.as_bytes()).to_bytes())), Some(hex::encode(k.verifying_key().as_bytes())))
        }
        None => (None, None),
    };
    Seal { digest, signature, public_key }
}

/// Whether the seal's signature is the given key's signature of its digest.
pub fn signature_holds(seal: &Seal, key: &VerifyingKey) -> Result<(), String> {
    let sig = seal.signature.as_deref().ok_or("the report is not signed")?;
    let bytes: [u8; 64] =
        hex::decode(sig.trim()).ok().and_then(|b| b.try_into().ok()).ok_or("the signature is not 64 bytes of hex")?;
    key.verify(seal.digest.as_bytes(), &Signature::from_bytes(&bytes))
        .map_err(|_| "the signature does not match this public key and digest".to_owned())
}

/// Signs a run's facts: the Ed25519 signature of the SHA-256 of their canonical JSON.
pub fn sign_facts(facts: &mut crate::outcome::facts::RunFacts, key: &SigningKey) {
    let digest = hex::encode(Sha256::digest(facts.canonical().as_bytes()));
    let signature = hex::encode(key.sign(digest.as_bytes()).to_bytes());
    let public_key = hex::encode(key.verifying_key().as_bytes());
    facts.signature = Some(crate::outcome::facts::FactsSignature { digest, signature, public_key });
}

/// Whether a run's facts are signed by `key` and unaltered since.
pub fn facts_signed_by(facts: &crate::outcome::facts::RunFacts, key: &VerifyingKey) -> Result<(), String> {
    let sig = facts.signature.as_ref().ok_or("its facts are not signed (run it with --sign-key)")?;
    let digest = hex::encode(Sha256::digest(facts.canonical().as_bytes()));
    if digest != sig.digest {
        return Err("its facts were altered after they were signed (their digest differs)".into());
    }
    let bytes: [u8; 64] = hex::decode(sig.signature.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("its signature is not 64 bytes of hex")?;
    key.verify(digest.as_bytes(), &Signature::from_bytes(&bytes))
        .map_err(|_| "its facts are not signed by this public key".to_owned())
}

/// A report's text as the seal covers it: line ends made LF and trailing line ends left out, so
/// a copy converted to CRLF (git's autocrlf, mail) or given a final newline stays intact while
/// any other change breaks it.
pub fn canonical_text(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").trim_end_matches('\n').to_owned()
}

/// The data and seal a report embeds, as JSON (the same in every format).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Embedded {
    pub data: ReportData,
    pub seal: Seal,
}
