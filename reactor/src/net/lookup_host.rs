//! `lookup_host`: resolving a host name without blocking a worker.

use super::addr::{self, ToSocketAddrs};
use std::io;
use std::net::SocketAddr;

/// Resolves `host` (`"host:port"`, `(host, port)`, or any other
/// [`ToSocketAddrs`]) to its socket addresses, in the resolver's order.
///
/// A host name is resolved by the OS resolver (`getaddrinfo`) on the
/// runtime's blocking pool, so the calling task waits without blocking its
/// worker; a numeric address (`"127.0.0.1:80"`, `"[::1]:80"`) is parsed at
/// once and never reaches the pool. Every socket constructor that takes an
/// address (`TcpStream::connect`, `TcpListener::bind`, `UdpSocket::bind`,
/// `connect` and `send_to`) resolves it this way.
///
/// # Errors
///
/// What the resolver reports (e.g. an unknown host), `InvalidInput` for a
/// string without a valid port, or an error saying the runtime's blocking
/// pool has shut down.
///
/// # Panics
///
/// Outside a braid runtime, when `host` is a host name.
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let addrs: Vec<_> = braid::net::lookup_host("localhost:8080").await?.collect();
///     assert!(addrs.iter().all(|addr| addr.port() == 8080 && addr.ip().is_loopback()));
///
///     let mut numeric = braid::net::lookup_host("127.0.0.1:80").await?;
///     assert_eq!(numeric.next(), Some("127.0.0.1:80".parse().unwrap()));
///     Ok(())
/// }
/// ```
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(addr::resolve(host).await?.into_iter())
}
