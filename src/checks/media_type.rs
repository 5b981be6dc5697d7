//! Media types compare by their essence (`type/subtype`), case-insensitively (RFC 9110 §8.3.1);
//! parameters such as `charset` are not fixed by the documentation, so they never fail a check.

use super::{Findings, Mismatch};

/// `type/subtype` in lower case, without parameters.
pub fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Checks the `Content-Type` of a response against the documented media type.
pub fn check_media_type(content_type: Option<&str>, expected: &str) -> Findings {
    let mut findings = Findings::default();
    match content_type {
        None => findings.fail(Mismatch::new(
            "Content-Type",
            "the documented media type",
            expected,
            "no Content-Type header",
        )),
        Some(ct) if essence(ct) != essence(expected) => {
            findings.fail(Mismatch::new("Content-Type", "the documented media type", expected, ct))
        }
        Some(_) => {}
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_parameters_and_case() {
        assert!(check_media_type(Some("Application/JSON; charset=utf-8"), "application/json").is_ok());
    }

    #[test]
    fn rejects_another_type_or_none() {
        assert!(
            !check_media_type(
                Some("application/vnd.blackberry.vppaccounts-v1+json"),
                "application/vnd.blackberry.vppaccount-v1+json"
            )
            .is_ok()
        );
        assert!(!check_media_type(None, "application/json").is_ok());
        assert!(!check_media_type(Some("text/html"), "application/json").is_ok());
    }
}
