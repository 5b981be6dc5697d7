//! A minimal recording HTTP forward proxy on loopback.
//!
//! Lets a test prove that a client really went through a proxy (and with which request line),
//! for plain HTTP (absolute-form requests) and for HTTPS (`CONNECT` tunnels).

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The most a request head may take; anything longer is refused rather than buffered.
const MAX_HEAD: usize = 64 * 1024;

/// A running proxy. Dropping it aborts the accept loop and every open connection.
pub struct HttpProxy {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl HttpProxy {
    /// The request lines received so far, as the client sent them, in arrival order
    /// (e.g. `GET http://127.0.0.1:1234/x HTTP/1.1` or `CONNECT localhost:443 HTTP/1.1`).
    /// A line is recorded before the upstream is contacted, so a failed upstream still shows up.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for HttpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a proxy on 127.0.0.1.
///
/// It serves one request per connection: plain requests are forwarded with
/// `Connection: close`, so the upstream ends the exchange and keep-alive clients open a new
/// connection (and thus send a new, recorded request line) for the next request.
pub async fn http_proxy() -> HttpProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let task = tokio::spawn({
        let log = log.clone();
        async move {
            // Aborting this loop drops the set, which aborts the connection tasks too.
            let mut connections = JoinSet::new();
            loop {
                let Ok((client, _)) = listener.accept().await else { continue };
                while connections.try_join_next().is_some() {}
                connections.spawn(handle(client, log.clone()));
            }
        }
    });
    HttpProxy { url, log, task }
}

async fn handle(mut client: TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let (head, rest) = match read_head(&mut client).await {
        Ok(head_and_rest) => head_and_rest,
        Err(status) => {
            if let Some(status) = status {
                let _ = client.write_all(&reply(status)).await;
            }
            return;
        }
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        let _ = client.write_all(&reply("400 Bad Request")).await;
        return;
    };
    log.lock().unwrap().push(request_line.clone());

    if method.eq_ignore_ascii_case("CONNECT") {
        let Ok(mut upstream) = TcpStream::connect(target).await else {
            let _ = client.write_all(&reply("502 Bad Gateway")).await;
            return;
        };
        if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err()
            || upstream.write_all(&rest).await.is_err()
        {
            return;
        }
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        return;
    }

    let Some((authority, origin_form)) = split_absolute(target) else {
        let _ = client.write_all(&reply("400 Bad Request")).await;
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        let _ = client.write_all(&reply("502 Bad Gateway")).await;
        return;
    };
    // Hop-by-hop headers are the proxy's business, not the origin's; `Connection: close` makes
    // the origin end the exchange after one response (see `http_proxy`).
    let mut forwarded = format!("{method} {origin_form} {version}\r\n");
    for line in lines.filter(|l| !l.is_empty()) {
        let name = line.split(':').next().unwrap_or_default().trim();
        let hop_by_hop = ["connection", "proxy-connection", "keep-alive", "proxy-authorization"];
        if !hop_by_hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(forwarded.as_bytes()).await.is_err() || upstream.write_all(&rest).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// Reads up to and including the blank line that ends the request head; returns the head
/// (without the blank line) and any bytes already read past it. `Err(Some(status))` asks for an
/// error reply, `Err(None)` (EOF or a read error) for just closing.
async fn read_head(client: &mut TcpStream) -> Result<(String, Vec<u8>), Option<&'static str>> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            buf.truncate(end);
            let head = String::from_utf8(buf).map_err(|_| Some("400 Bad Request"))?;
            return Ok((head, rest));
        }
        if buf.len() >= MAX_HEAD {
            return Err(Some("431 Request Header Fields Too Large"));
        }
        let room = chunk.len().min(MAX_HEAD - buf.len());
        match client.read(&mut chunk[..room]).await {
            Ok(0) | Err(_) => return Err(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Splits `http://host[:port]/path?query` into (`host:port`, `/path?query`). The path is
/// passed on verbatim (no URL parser normalising it), since tests may send odd paths on purpose.
fn split_absolute(target: &str) -> Option<(String, String)> {
    let scheme = target.get(..7)?;
    if !scheme.eq_ignore_ascii_case("http://") {
        return None;
    }
    let rest = &target[7..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let authority = authority.rsplit('@').next()?;
    if authority.is_empty() {
        return None;
    }
    // A port follows the last ':' unless that ':' is inside an IPv6 literal.
    let has_port = authority.rfind(':').is_some_and(|i| !authority[i..].contains(']'));
    let authority = if has_port { authority.to_owned() } else { format!("{authority}:80") };
    let origin_form = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    Some((authority, origin_form))
}

/// A bodiless error response that closes the connection.
fn reply(status: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
}
