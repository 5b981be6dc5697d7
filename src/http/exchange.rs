//! One request and its reply, read within the body cap, and how an exchange is told to people
//! (secrets replaced, bodies cut to an excerpt).

use super::error::{chain, transport_error};
use super::options::{Ask, ClientOptions};
use super::politeness::RetryId;
use super::units::{human_duration, human_size, suggested_cap};
use crate::outcome::{TransportError, TransportKind, Withheld};
use crate::redact::Redactor;
use std::fmt;
use std::time::{Duration, Instant};

/// How much of a body a failure message shows.
const EXCERPT_BYTES: usize = 1500;

/// What came back from the target.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Where redirects led, when they did: the reply is that URL's (and a 301/302/303 on POST
    /// was followed with GET, as HTTP clients do).
    pub redirected_to: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The body's share of what its origin's answers hold, given back when the reply goes
    /// (`None` for a reply no origin counts).
    pub held: Option<std::sync::Arc<super::origin::HeldBody>>,
}

/// One request and its outcome, redacted.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub request_body: Option<String>,
    pub outcome: Result<Reply, TransportError>,
    pub elapsed: Duration,
    /// Why the request was not judged on an answer of its own: the run stopped (it was not sent,
    /// or dropped in flight), or its origin is down (the origin's one cause).
    pub withheld: Option<Withheld>,
    /// Each time the request was sent again after a transport error (`--retries`), as the run's
    /// traffic records it: an answer that came only then makes its scenario flaky, once a step
    /// credits them to it ([`Client::credit_retries`](super::Client::credit_retries)).
    pub retried: Vec<RetryId>,
    /// The outcome is that of an identical `GET` sent once for several requests
    /// ([`shared`](super::shared)): this one was not sent itself.
    pub shared: bool,
}

/// Sends one request with `http` and reads its reply within `options`' body cap; the
/// time to the answer's head comes with it (what a queue at the target delays).
pub(super) async fn send_one(
    http: &reqwest::Client,
    options: &ClientOptions,
    scoped: &[(String, String, String)],
    ask: Ask<'_>,
) -> Result<(Reply, Option<String>, Duration), TransportError> {
    let url = ask.url;
    let request = request(http, options, scoped, ask)?;
    let sent = Instant::now();
    let mut response = request.send().await.map_err(|e| not_answered(&e, url, options))?;
    // Until the answer's head: what a queue at the target delays, whatever the body's size.
    let first_byte = sent.elapsed();
    let status = response.status().as_u16();
    let redirected_to = (response.url().as_str() != url).then(|| response.url().to_string());
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let retry_after =
        response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = read_body(&mut response, status, options.max_body_bytes).await?;
    Ok((Reply { status, redirected_to, content_type, body, held: None }, retry_after, first_byte))
}

/// The request as asked: the suite's `Accept` unless the user gives one, the user's headers, the
/// headers scoped to the URL in place of same-named ones, and the body with its media type.
fn request(
    http: &reqwest::Client,
    options: &ClientOptions,
    scoped: &[(String, String, String)],
    ask: Ask<'_>,
) -> Result<reqwest::RequestBuilder, TransportError> {
    let Ask { method, url, body, accept, .. } = ask;
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|e| TransportError::new(TransportKind::Other, format!("bad method {method}: {e}")))?;
    let mut request = http.request(method, url);
    for (name, value) in headers_sent(options, scoped, url, accept) {
        request = request.header(name, value);
    }
    if let Some((body, media_type)) = body {
        request = request.header(reqwest::header::CONTENT_TYPE, media_type).body(body.to_owned());
    }
    Ok(request)
}

/// The headers a request to `url` carries besides its body's media type, in the order sent: the
/// suite's `Accept` unless the user gives one, the user's headers, and the headers scoped to the
/// URL in place of same-named ones.
pub(super) fn headers_sent<'a>(
    options: &'a ClientOptions,
    scoped: &'a [(String, String, String)],
    url: &'a str,
    accept: Option<&'a str>,
) -> impl Iterator<Item = (&'a str, &'a str)> {
    // A header given by the user replaces the suite's own (one Accept, not two).
    let user_sets = |name: &str| options.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let accept = accept.filter(|_| !user_sets("accept")).map(|a| ("Accept", a));
    let scoped_here = move |(p, _, _): &&'a (String, String, String)| url.starts_with(p.as_str());
    let user = options
        .headers
        .iter()
        .filter(move |(name, _)| !scoped.iter().filter(scoped_here).any(|(_, n, _)| n.eq_ignore_ascii_case(name)));
    let scoped = scoped.iter().filter(scoped_here).map(|(_, n, v)| (n.as_str(), v.as_str()));
    accept.into_iter().chain(user.map(|(n, v)| (n.as_str(), v.as_str()))).chain(scoped)
}

/// Why a request got no answer's head, classified.
fn not_answered(e: &reqwest::Error, url: &str, options: &ClientOptions) -> TransportError {
    let mut error = transport_error(e, options.identity_name.as_deref());
    // The alert of a refused client certificate can lose the race with the connection's
    // close: an HTTPS target that closes at once, when the run presents no certificate,
    // may be asking for one.
    if error.kind == TransportKind::Reset && url.starts_with("https:") && options.identity_pem.is_none() {
        error.text.push_str(
            " (a target that requires a client certificate may close the connection this way: \
             give --client-cert and --client-key)",
        );
    }
    error
}

/// The body of a reply of `status`, read within the cap of `max_body_bytes`: an announced body
/// over it is refused before it is read, one that grows over it as soon as it does.
async fn read_body(
    response: &mut reqwest::Response,
    status: u16,
    max_body_bytes: usize,
) -> Result<Vec<u8>, TransportError> {
    if let Some(len) = response.content_length()
        && len > max_body_bytes as u64
    {
        return Err(TransportError::new(
            TransportKind::BodyOverCap,
            format!(
                "HTTP {status}: the response announces a body of {len} bytes, over the cap of {} \
                 (raise it with --max-body-size, for example --max-body-size {})",
                human_size(max_body_bytes),
                human_size(suggested_cap(len as usize))
            ),
        ));
    }
    // Room for an announced body up front (within the cap), rather than doubling as it comes.
    let announced = response.content_length().unwrap_or(0).min(max_body_bytes as u64) as usize;
    // A large body fixes malloc's threshold before its buffer is allocated when it is announced,
    // as it grows past the size otherwise; once a body either way.
    let mut large = announced >= super::malloc::LARGE_BODY;
    if large {
        super::malloc::large_bodies_ahead();
    }
    let mut body = Vec::with_capacity(announced);
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        let kind = match transport_error(&e, None).kind {
            TransportKind::TimedOut => TransportKind::TimedOut,
            _ => TransportKind::Reset,
        };
        TransportError::new(
            kind,
            format!("HTTP {status}: reading the body failed after {} bytes: {}", body.len(), chain(&e)),
        )
    })? {
        if body.len() + chunk.len() > max_body_bytes {
            return Err(TransportError::new(
                TransportKind::BodyOverCap,
                format!(
                    "HTTP {status}: the response body exceeds the cap of {} (raise it with --max-body-size, \
                     for example --max-body-size {})",
                    human_size(max_body_bytes),
                    human_size(suggested_cap(max_body_bytes.saturating_mul(4)))
                ),
            ));
        }
        if !large && body.len() + chunk.len() >= super::malloc::LARGE_BODY {
            large = true;
            super::malloc::large_bodies_ahead();
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Exchange {
    /// The reply, or the transport failure with words that say what was requested.
    pub fn reply(&self) -> Result<&Reply, TransportError> {
        self.outcome
            .as_ref()
            .map_err(|e| TransportError::new(e.kind, format!("{} {}: {}", self.method, self.url, e.text)))
    }

    /// The body as text, with secrets replaced and cut to an excerpt.
    pub fn body_excerpt(&self, redactor: &Redactor) -> String {
        match &self.outcome {
            Ok(reply) => excerpt(&redactor.redact(&String::from_utf8_lossy(&reply.body))),
            Err(_) => String::new(),
        }
    }
}

fn excerpt(text: &str) -> String {
    if text.len() <= EXCERPT_BYTES {
        return text.to_owned();
    }
    let mut end = EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // Never cut a fingerprint in half: a reader compares them whole.
    if let Some(open) = text[..end].rfind('‹')
        && !text[open..end].contains('›')
        && let Some(close) = text[end..].find('›')
    {
        end += close + '›'.len_utf8();
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

impl Exchange {
    /// Request and response, for failure messages, with every secret the redactor knows replaced
    /// before the body is cut to an excerpt (a cut through a secret would leave part of it).
    pub fn describe(&self, redactor: &Redactor) -> String {
        let mut text = format!("request:  {} {}", self.method, self.url);
        if let Some(body) = &self.request_body {
            text.push_str(&format!(" with body {body}"));
        }
        match &self.outcome {
            Ok(reply) => {
                if let Some(to) = &reply.redirected_to {
                    text.push_str(&format!("\nredirected to {to}"));
                }
                text.push_str(&format!(
                    "\nresponse: HTTP {}, Content-Type: {}, {} bytes in {}",
                    reply.status,
                    reply.content_type.as_deref().unwrap_or("(none)"),
                    reply.body.len(),
                    human_duration(self.elapsed)
                ));
                if self.shared {
                    text.push_str(" (the answer to an identical request, sent once for both)");
                }
                if !reply.body.is_empty() {
                    text.push_str(&format!(
                        "\n          {}",
                        self.body_excerpt(redactor).replace('\n', "\n          ")
                    ));
                }
            }
            Err(e) if self.shared => {
                text.push_str(&format!("\nresponse: none, to an identical request sent once for both: {}", e.text))
            }
            Err(e) => text.push_str(&format!("\nresponse: none: {}", e.text)),
        }
        redactor.redact(&text)
    }
}

impl fmt::Display for Exchange {
    /// As [`Exchange::describe`] with only the secrets the URL and errors were redacted with.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&Redactor::new()))
    }
}
