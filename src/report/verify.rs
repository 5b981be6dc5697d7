//! `verify-report`: a report is intact when its embedded results hash to the digest it states,
//! it is byte for byte what those results render, and (with a key) its signature holds.

use super::seal::{digest, signature_holds};
use ed25519_dalek::VerifyingKey;

/// What `verify-report` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Intact; signed by this public key (hex) when `Some`, the signature checked when `checked`.
    Intact {
        signer: Option<String>,
        checked: bool,
    },
    Broken(String),
}

/// Checks a report file's text: the embedded data's digest, the rendering, and (with a key) the
/// signature.
pub fn verify(text: &str, key: Option<&VerifyingKey>) -> Verification {
    let (format, embedded) = match super::html::extract(text)
        .map(|e| (super::Format::Html, e))
        .or_else(|| super::markdown::extract(text).map(|e| (super::Format::Markdown, e)))
    {
        Some(found) => found,
        None => {
            return Verification::Broken("no vpp-conformance results are embedded: not a report, or damaged".into());
        }
    };
    if embedded.data.suite_version != env!("CARGO_PKG_VERSION") {
        return Verification::Broken(format!(
            "the report was issued by vpp-conformance {}, this is {}: each version renders its own reports, so \
             verify it with vpp-conformance {}",
            embedded.data.suite_version,
            env!("CARGO_PKG_VERSION"),
            embedded.data.suite_version
        ));
    }
    let recomputed = digest(&embedded.data);
    if recomputed != embedded.seal.digest {
        return Verification::Broken(format!(
            "the results were changed: their digest is {recomputed}, the report states {}",
            embedded.seal.digest
        ));
    }
    let rendered = super::render(format, &embedded.data, &embedded.seal);
    if super::seal::canonical_text(&rendered) != super::seal::canonical_text(text) {
        return Verification::Broken(
            "the report's text was changed: it differs from the report its embedded results render".into(),
        );
    }
    match (key, &embedded.seal.signature) {
        (Some(k), _) => match signature_holds(&embedded.seal, k) {
            Ok(()) => Verification::Intact { signer: Some(hex::encode(k.as_bytes())), checked: true },
            Err(e) => Verification::Broken(e),
        },
        (None, Some(_)) => Verification::Intact { signer: embedded.seal.public_key.clone(), checked: false },
        (None, None) => Verification::Intact { signer: None, checked: false },
    }
}
