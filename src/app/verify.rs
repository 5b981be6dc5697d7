//! `verify-report`: whether a certification report is intact (its digest matches the results it
//! embeds, and its text is what they render) and, with the signer's public key, whether its
//! signature holds; said on the output for a person, and returned for the exit status.

use crate::config::{files, keys};
use crate::report::verify::{self, Verification};
use std::io::Write;
use std::path::Path;

/// Checks the report at `file` (the signature with `public_key`, when given) and says what it
/// found on `out`. The error, a file that cannot be read or a key that is not one, names the
/// file (and the option).
pub fn verify_report(file: &Path, public_key: Option<&Path>, out: &mut impl Write) -> Result<Verification, String> {
    let text = files::read_text("", file).map_err(|e| e.0)?;
    let key = public_key.map(keys::read_public_key).transpose().map_err(|e| e.0)?;
    let verification = verify::verify(&text, key.as_ref());
    let said = match &verification {
        Verification::Intact { signer, checked } => {
            let signature = match (signer, checked) {
                (Some(k), true) => format!("signature: valid, by the Ed25519 key {k}"),
                (Some(k), false) => format!("signature: present (key {k}), not checked: give --public-key"),
                (None, _) => "signature: none: the report is unsigned (nothing proves who issued it)".to_owned(),
            };
            format!("{}: intact (the digest matches the results and the text)\n{signature}", file.display())
        }
        Verification::Broken(why) => format!("{}: NOT intact: {why}", file.display()),
    };
    // A closed pipe (`| head`) ends the output quietly; the verdict stands.
    writeln!(out, "{said}").ok();
    Ok(verification)
}
