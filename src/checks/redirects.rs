//! Redirects on a documented request. Neither contract mentions one: a redirect that keeps the
//! method and the path (a service moved to another host, which "the URLs may change" allows) is
//! reported as a warning (by the step that sends it); one that changes the method or the path means that what answered is not
//! the documented request, and fails.

use super::{Findings, Mismatch};

/// The method an HTTP client sends after a redirect answered with `status` (RFC 9110 §15.4, and
/// what browsers and reqwest do): 303 turns anything but HEAD into GET, 301 and 302 turn POST
/// into GET, 307 and 308 keep the method.
pub fn next_method(method: &str, status: u16) -> String {
    match status {
        303 if !method.eq_ignore_ascii_case("HEAD") => "GET".to_owned(),
        301 | 302 if method.eq_ignore_ascii_case("POST") => "GET".to_owned(),
        _ => method.to_owned(),
    }
}

/// Judges a documented request `method url` that was answered from `final_url` after redirects,
/// the first of which had the status `first_status` (when it is known).
pub fn judge(method: &str, url: &str, first_status: Option<u16>, final_url: &str) -> Findings {
    let mut findings = Findings::default();
    let path = |u: &str| {
        url::Url::parse(u).map(|p| p.path().trim_end_matches('/').to_owned()).unwrap_or_else(|_| u.to_owned())
    };
    if let Some(status) = first_status {
        let then = next_method(method, status);
        if then != method {
            findings.fail(Mismatch::new(
                "redirect",
                "the documented request is answered as sent, not by another method",
                format!("{method} {} answered (200)", path(url)),
                format!("HTTP {status} to {final_url}, which the client then asks with {then}"),
            ));
        }
    }
    if path(final_url) != path(url) {
        findings.fail(Mismatch::new(
            "redirect",
            "the documented request is answered at its documented path",
            format!("{method} {} answered (200)", path(url)),
            format!("redirected to {final_url} (path {})", path(final_url)),
        ));
    }
    // One that keeps both is allowed ("the URLs may change"); the step that sent it warned.
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_see_other_on_post_changes_the_method_and_a_moved_path_fails() {
        let f = judge("POST", "http://h/mdm/VPPServiceConfigSrv", Some(303), "http://h/mdm/serviceConfiguration");
        assert_eq!(f.failures.len(), 2, "{}", f.failure_text());
        assert!(f.failure_text().contains("then asks with GET"), "{}", f.failure_text());
        let f = judge("POST", "http://h/mdm/VPPServiceConfigSrv", Some(307), "http://other/mdm/VPPServiceConfigSrv/");
        assert!(f.is_ok(), "{f:?}");
        assert_eq!(next_method("GET", 301), "GET");
        assert_eq!(next_method("HEAD", 303), "HEAD");
        assert_eq!(next_method("POST", 308), "POST");
    }
}
