//! What the transport saw, as a [`TransportKind`](crate::outcome::TransportKind) decided from
//! the error's sources (never its text), with words for people.

use super::options::MAX_REDIRECTS;
use crate::outcome::{TransportError, TransportKind};

/// What the transport saw, from reqwest's own classification and the error's sources (a TLS
/// error, an I/O error's kind, a connection hyper saw closed), with words for people.
/// `certificate` names the client certificate the run presents (`--client-cert`), if any.
pub(super) fn transport_error(e: &reqwest::Error, certificate: Option<&str>) -> TransportError {
    use std::io::ErrorKind as Io;
    let text = chain(e);
    let io_kind = source::<std::io::Error>(e).map(|io| io.kind());
    let closed = source::<hyper::Error>(e).is_some_and(|h| h.is_incomplete_message() || h.is_closed())
        || matches!(io_kind, Some(Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof));
    let tls = source::<tokio_rustls::rustls::Error>(e);
    let kind = if e.is_redirect() {
        TransportKind::TooManyRedirects
    } else if e.is_timeout() {
        TransportKind::TimedOut
    } else if tls.is_some() {
        TransportKind::Tls
    } else if e.is_connect() {
        TransportKind::Refused
    } else if closed || e.is_body() {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    let what = match kind {
        TransportKind::TooManyRedirects => {
            format!("the target redirected more than {MAX_REDIRECTS} times (a redirect loop?)")
        }
        TransportKind::TimedOut => "the request timed out".to_owned(),
        TransportKind::Tls => "cannot connect to the target: the TLS handshake failed".to_owned(),
        TransportKind::Refused => "cannot connect to the target".to_owned(),
        _ => "the exchange failed".to_owned(),
    };
    // TLS 1.3 refuses a missing or unknown client certificate only after the handshake, with an
    // alert that reads obscurely: say what it means.
    let refused_certificate = source::<tokio_rustls::rustls::Error>(e).is_some_and(|t| {
        use tokio_rustls::rustls::{AlertDescription as A, Error as T};
        matches!(t, T::AlertReceived(A::CertificateRequired | A::UnknownCA | A::BadCertificate))
    });
    if refused_certificate {
        let why = match certificate {
            Some(file) => format!(
                "the target refused the client certificate --client-cert {file} (is it signed by a CA the \
                 target trusts, and not expired?)"
            ),
            None => "the target refused the connection for want of a client certificate (give --client-cert \
                     and --client-key, signed by a CA the target trusts)"
                .to_owned(),
        };
        return TransportError::new(TransportKind::Tls, format!("{what}: {why}: {text}"));
    }
    TransportError::new(kind, format!("{what}: {text}"))
}

/// The first source of `e` (itself included) of type `T`, found through I/O errors' inner errors
/// too: an I/O error's `source()` skips the error it wraps (and TLS errors come wrapped twice).
pub(super) fn source<'e, T: std::error::Error + 'static>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e T> {
    let mut next: Option<&'e (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        next = match err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// The error with its sources, since reqwest's top-level message alone rarely says why.
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
