//! The target's weather, on loopback: fronts put before a reference target that push back as API
//! gateways do (a number of requests a second taken, the rest answered 429 or 503 without
//! `Retry-After`), or restart (the listener closed for a while after some requests, every
//! connection dropped). Each front takes one request per connection (it answers
//! `Connection: close`, so every request is a connection of its own and is counted as it
//! arrives) and records what arrived when: the tests assert on these counts, never on a clock.
//!
//! [`Weathered`] holds a front, the reference behind it and the runtime serving both, so that a
//! test can point the real binary at it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use vpp_conformance::reference::{ReferenceOptions, ReferenceTarget};

use super::hostile::{find, respond};

/// What a front does to the requests it gets.
#[derive(Debug, Clone, Copy)]
pub enum Weather {
    /// Takes `per_second` requests in any one second (a sliding window of those it took, as a
    /// gateway counts) and answers `status` (429, 503) to the rest, without `Retry-After`.
    RateLimited { per_second: usize, status: u16 },
    /// Forwards `after` requests, then closes its listener and drops every connection for
    /// `down` (a restart: a connection is refused meanwhile), then listens on the same port again.
    Restarts { after: usize, down: Duration },
    /// Answers `status` to every `n`th request (the first is the `n`th), forwards the rest: a
    /// stray refusal among answers.
    EveryNth { n: usize, status: u16 },
    /// Answers `status` to the first `n` requests, then forwards every one: a gateway whose
    /// implementation is still starting.
    FirstN { n: usize, status: u16 },
    /// Answers `status` to every request: nothing usable behind it.
    Always { status: u16 },
}

/// A status line for the statuses the fronts answer.
fn status_line(status: u16) -> &'static str {
    match status {
        429 => "429 Too Many Requests",
        502 => "502 Bad Gateway",
        503 => "503 Service Unavailable",
        520 => "520 Web Server Returned an Unknown Error",
        other => panic!("no status line for {other}"),
    }
}

/// What a front saw.
#[derive(Debug, Default)]
struct Log {
    /// When each request arrived, refused or not.
    arrivals: Vec<Instant>,
    accepted: usize,
    refused: usize,
    first_refusal: Option<Instant>,
    /// When the requests taken over the last second arrived.
    window: VecDeque<Instant>,
    /// Requests that arrived once a restart was over.
    after_restart: usize,
    restarted: bool,
}

/// A front on a loopback port, before `upstream`.
#[derive(Clone)]
pub struct Front {
    pub url: String,
    log: Arc<Mutex<Log>>,
}

impl Front {
    /// Starts a front with this weather before `upstream`, on the current tokio runtime.
    pub async fn start(upstream: SocketAddr, weather: Weather) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let front = Front { url: format!("http://{addr}"), log: Arc::default() };
        let restart = Arc::new(Notify::new());
        let this = front.clone();
        tokio::spawn(async move {
            let mut listener = listener;
            loop {
                let mut connections = JoinSet::new();
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            connections.spawn(this.clone().handle(stream, upstream, weather, restart.clone()));
                        }
                        () = restart.notified() => break,
                    }
                }
                let Weather::Restarts { down, .. } = weather else { unreachable!("only a restart stops listening") };
                // The restart: nothing listens, every connection under way is dropped.
                drop(listener);
                connections.abort_all();
                tokio::time::sleep(down).await;
                listener = TcpListener::bind(addr).await.expect("the port is free again after the restart");
                this.log.lock().unwrap().restarted = true;
            }
        });
        front
    }

    /// One connection: its request is counted, then refused or forwarded.
    async fn handle(self, mut client: TcpStream, upstream: SocketAddr, weather: Weather, restart: Arc<Notify>) {
        let Some((head, body)) = read_raw_request(&mut client).await else { return };
        let take = self.arrived(weather);
        match weather {
            Weather::RateLimited { status, .. }
            | Weather::EveryNth { status, .. }
            | Weather::FirstN { status, .. }
            | Weather::Always { status }
                if !take =>
            {
                respond(&mut client, status_line(status), "text/plain", b"slow down").await;
                return;
            }
            Weather::Restarts { after, .. } if take && self.log.lock().unwrap().accepted == after => {
                restart.notify_one();
            }
            _ => {}
        }
        forward(client, upstream, &head, &body).await;
    }

    /// Notes a request that arrived now; whether the front takes it.
    fn arrived(&self, weather: Weather) -> bool {
        let now = Instant::now();
        let mut log = self.log.lock().unwrap();
        log.arrivals.push(now);
        if log.restarted {
            log.after_restart += 1;
        }
        let take = match weather {
            Weather::RateLimited { per_second, .. } => {
                while log.window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
                    log.window.pop_front();
                }
                log.window.len() < per_second
            }
            Weather::Restarts { .. } => true,
            Weather::EveryNth { n, .. } => !log.arrivals.len().is_multiple_of(n),
            Weather::FirstN { n, .. } => log.arrivals.len() > n,
            Weather::Always { .. } => false,
        };
        if take {
            log.accepted += 1;
            log.window.push_back(now);
        } else {
            log.refused += 1;
            log.first_refusal.get_or_insert(now);
        }
        take
    }

    /// Requests forwarded to the target.
    pub fn accepted(&self) -> usize {
        self.log.lock().unwrap().accepted
    }

    /// Requests answered with a push-back.
    pub fn refused(&self) -> usize {
        self.log.lock().unwrap().refused
    }

    /// Requests that arrived once a restart was over (0: it is not, or none came).
    pub fn after_restart(&self) -> usize {
        self.log.lock().unwrap().after_restart
    }

    /// What the front saw, in words, for an assertion message.
    pub fn describe(&self) -> String {
        let log = self.log.lock().unwrap();
        format!(
            "the front at {} saw {} request(s): {} taken, {} refused, {} after a restart; arrivals a second: {:?}",
            self.url,
            log.arrivals.len(),
            log.accepted,
            log.refused,
            log.after_restart,
            per_second(&log.arrivals)
        )
    }

    /// The most requests that arrived within one second (any second, not the clock's), counting
    /// those of seconds that start at or after `from`.
    pub fn busiest_second_from(&self, from: Instant) -> usize {
        busiest_second(&self.log.lock().unwrap().arrivals, from)
    }

    /// When the front first refused a request.
    pub fn first_refusal(&self) -> Option<Instant> {
        self.log.lock().unwrap().first_refusal
    }

    /// When the first request arrived.
    pub fn first_arrival(&self) -> Option<Instant> {
        self.log.lock().unwrap().arrivals.first().copied()
    }
}

/// The most of `arrivals` (in order) within one second that starts at an arrival at or after `from`.
pub fn busiest_second(arrivals: &[Instant], from: Instant) -> usize {
    let mut most = 0;
    let mut end = 0;
    for (i, start) in arrivals.iter().enumerate().filter(|(_, t)| **t >= from) {
        end = end.max(i);
        while end < arrivals.len() && arrivals[end].duration_since(*start) < Duration::from_secs(1) {
            end += 1;
        }
        most = most.max(end - i);
    }
    most
}

/// Arrivals counted by the second from the first, for a message.
fn per_second(arrivals: &[Instant]) -> Vec<usize> {
    let Some(first) = arrivals.first() else { return Vec::new() };
    let mut counts = Vec::new();
    for t in arrivals {
        let second = t.duration_since(*first).as_secs() as usize;
        counts.resize(counts.len().max(second + 1), 0);
        counts[second] += 1;
    }
    counts
}

/// Reads a request: its head as text and its body (by `Content-Length`) as bytes.
async fn read_raw_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 256 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = buf.split_off(head_end);
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((head, body))
}

/// Sends the request on to `upstream` on a connection of its own (`Connection: close`), and its
/// answer back to the client, whose connection then closes.
async fn forward(mut client: TcpStream, upstream: SocketAddr, head: &str, body: &[u8]) {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    let mut rewritten: String = head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    rewritten.push_str("Connection: close\r\n\r\n");
    if server.write_all(rewritten.as_bytes()).await.is_err() || server.write_all(body).await.is_err() {
        return;
    }
    let _ = tokio::io::copy(&mut server, &mut client).await;
    let _ = client.shutdown().await;
}

/// A front with its reference target and the runtime that serves both, for the real binary to be
/// pointed at; everything stops when it is dropped.
pub struct Weathered {
    pub front: Front,
    reference: Option<ReferenceTarget>,
    rt: tokio::runtime::Runtime,
}

impl Weathered {
    pub fn start(options: ReferenceOptions, weather: Weather) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (reference, front) = rt.block_on(async {
            let reference = ReferenceTarget::start(options).await.expect("the reference starts");
            let upstream = reference.url().trim_start_matches("http://").parse().unwrap();
            let front = Front::start(upstream, weather).await;
            (reference, front)
        });
        Self { front, reference: Some(reference), rt }
    }

    pub fn url(&self) -> &str {
        &self.front.url
    }
}

impl Drop for Weathered {
    fn drop(&mut self) {
        let reference = self.reference.take();
        self.rt.block_on(async move { drop(reference) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_second_counts_from_a_start() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let arrivals = [ms(0), ms(10), ms(20), ms(900), ms(1500), ms(1600), ms(1700), ms(2400)];
        assert_eq!(busiest_second(&arrivals, t0), 4);
        assert_eq!(busiest_second(&arrivals, ms(1000)), 4, "1500, 1600, 1700, 2400");
        assert_eq!(busiest_second(&arrivals, ms(1650)), 2);
        assert_eq!(busiest_second(&arrivals, ms(3000)), 0);
    }
}
