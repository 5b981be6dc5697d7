//! Fronts put before a target: a TCP front that resets some connections (for `--retries`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};
use vpp_conformance::reference::ReferenceTarget;

/// A TCP front for `upstream` that resets every `nth` connection once the request arrives: with
/// `--retries`, the scenarios whose requests it reset pass as flaky. Its base URL, and how many
/// requests it reset.
pub async fn resetting_front(upstream: std::net::SocketAddr, nth: usize) -> (String, Arc<AtomicUsize>) {
    resetting_front_where(upstream, move |n| n.is_multiple_of(nth)).await
}

/// As [`resetting_front`], resetting only the `n`-th connection (from 1).
pub async fn resetting_connection(upstream: std::net::SocketAddr, n: usize) -> (String, Arc<AtomicUsize>) {
    resetting_front_where(upstream, move |i| i == n).await
}

/// A front that resets the connections `reset` picks by their number (from 1).
async fn resetting_front_where(
    upstream: std::net::SocketAddr,
    reset: impl Fn(usize) -> bool + Send + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let resets = Arc::new(AtomicUsize::new(0));
    let count = resets.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let Ok((mut client, _)) = listener.accept().await else { continue };
            n += 1;
            if reset(n) {
                let count = count.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    // Counted only when a request came: a connection the client opened and
                    // never used is no reset request.
                    if !matches!(client.read(&mut buf).await, Ok(n) if n > 0) {
                        return;
                    }
                    // A linger of zero makes the close a reset (RST), not an orderly end; it does not
                    // block on drop, since nothing is left to send.
                    #[allow(deprecated)]
                    let _ = client.set_linger(Some(Duration::ZERO));
                    count.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                });
                continue;
            }
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (url, resets)
}

/// The address of a reference target, for a front that forwards to it.
pub fn upstream_of(target: &ReferenceTarget) -> std::net::SocketAddr {
    target.url().trim_start_matches("http://").parse().unwrap()
}
