//! The front of `serve`: it takes the user's port at once but listens on it only once the
//! reference behind it is ready, then relays each connection to the reference on its loopback
//! port, terminating TLS first when asked (`serve --tls-cert`).
//!
//! The reference (wiremock) answers 404 to everything from the moment it listens until its routes
//! are mounted, and a large `--accounts` file takes a while to load: a client that connected in
//! that window was told the tenant does not exist. Behind the front, a client that comes too
//! early finds no listener (its connection is refused, which every client reads as "not up yet"),
//! and one that connects is answered by a reference that holds its whole tenant.

use std::net::{SocketAddr, ToSocketAddrs as _};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// A port taken (bound) and not yet listened on: connections to it are refused.
pub struct Reserved {
    socket: TcpSocket,
    pub addr: SocketAddr,
}

/// Takes `host:port` (port 0: a free one) without listening on it; the error names the address.
pub fn reserve(host: &str, port: u16) -> Result<Reserved, String> {
    let failed = |e: std::io::Error| format!("cannot listen on {host}:{port}: {e}");
    let mut last = None;
    for addr in (host, port).to_socket_addrs().map_err(failed)? {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() };
        // SO_REUSEADDR, as std's TcpListener::bind sets it: a port a stopped server left in
        // TIME_WAIT can be taken again at once.
        let bound = socket.and_then(|s| s.set_reuseaddr(true).and_then(|()| s.bind(addr)).map(|()| s));
        match bound.and_then(|s| s.local_addr().map(|addr| (s, addr))) {
            Ok((socket, addr)) => return Ok(Reserved { socket, addr }),
            Err(e) => last = Some(e),
        }
    }
    Err(failed(last.unwrap_or_else(|| std::io::Error::other("the host has no address"))))
}

impl Reserved {
    /// Listens at last, for a front (or a test's server) to accept on.
    pub fn listen(self) -> Result<tokio::net::TcpListener, String> {
        self.socket.listen(1024).map_err(|e| format!("cannot listen on {}: {e}", self.addr))
    }
}

/// A running front; dropping it stops it and every connection.
pub struct Front {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The buffer of each direction of a relayed connection: a list of 50 000 accounts is 12 MB.
const RELAY_BUFFER: usize = 64 * 1024;

/// Relays every connection `listener` accepts to `upstream` (the reference, plain HTTP), through
/// `tls` when given.
pub fn start(listener: tokio::net::TcpListener, upstream: SocketAddr, tls: Option<TlsAcceptor>) -> Front {
    let addr = listener.local_addr().expect("a listening socket has an address");
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                // Out of file descriptors, say: wait a little rather than spin a core.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            while connections.try_join_next().is_some() {}
            let tls = tls.clone();
            connections.spawn(async move {
                // Requests and answers are small and go one after the other: never hold one back.
                let _ = tcp.set_nodelay(true);
                match tls {
                    // A client without an acceptable certificate is refused in the handshake.
                    Some(acceptor) => {
                        if let Ok(mut tls) = acceptor.accept(tcp).await {
                            relay(&mut tls, upstream).await;
                        }
                    }
                    None => relay(&mut { tcp }, upstream).await,
                }
            });
        }
    });
    Front { addr, task }
}

/// Relays `client` to a connection of its own to `upstream`, until either side closes.
async fn relay<C>(client: &mut C, upstream: SocketAddr)
where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Ok(mut plain) = TcpStream::connect(upstream).await else { return };
    let _ = plain.set_nodelay(true);
    let _ = tokio::io::copy_bidirectional_with_sizes(client, &mut plain, RELAY_BUFFER, RELAY_BUFFER).await;
}
