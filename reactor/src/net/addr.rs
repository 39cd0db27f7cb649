//! Addresses: the [`ToSocketAddrs`] trait the socket constructors take, and
//! how they resolve it without blocking a worker.
//!
//! Rules:
//!
//! 1. An address that is already numeric (a `SocketAddr`, an IP with a port,
//!    or a string that parses as one) resolves at once, on the caller's
//!    thread; it never reaches the blocking pool.
//! 2. Anything else is a host name: it is resolved by [`lookup_host`] on the
//!    runtime's blocking pool, so no worker ever blocks in `getaddrinfo`.
//!
//! [`lookup_host`]: super::lookup_host

use crate::driver::Handle;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that names one or more socket addresses: a [`SocketAddr`]
/// (or its V4/V6 parts), an `(IpAddr, u16)` pair, a slice of addresses, or
/// a `"host:port"` string / `(host, port)` pair.
///
/// Like Tokio's trait of the same name, and unlike `std`'s, it resolves a
/// host name on the runtime's blocking pool (see
/// [`lookup_host`](super::lookup_host)); numeric addresses resolve at once.
/// It is implemented for the types above only (the trait is sealed).
///
/// # Examples
///
/// ```
/// use braid::net::TcpListener;
/// use std::net::{Ipv4Addr, SocketAddr};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let a = TcpListener::bind("127.0.0.1:0").await?;
///     let b = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
///     let c = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
///     let d = TcpListener::bind("localhost:0").await?; // resolved off the workers
///     for listener in [a, b, c, d] {
///         assert!(listener.local_addr()?.ip().is_loopback());
///     }
///     Ok(())
/// }
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

/// Seals [`ToSocketAddrs`]: the way an address resolves is braid's to
/// choose, so the trait's one method is out of users' reach.
///
/// Its items are `pub` in a private module: the supertrait of a public
/// trait must be as public as it, and the module keeps them unnameable.
#[allow(unreachable_pub)]
pub(super) mod sealed {
    use std::io;
    use std::net::SocketAddr;

    /// The one method of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// The addresses, or the host name to look up.
        fn to_resolve(&self) -> Resolve;
    }

    /// What an address becomes before any lookup (rule 1 or rule 2).
    #[derive(Debug)]
    pub enum Resolve {
        /// Numeric: resolved already (or malformed).
        Done(io::Result<Vec<SocketAddr>>),
        /// A host name and port, for the blocking pool.
        Host(String, u16),
    }
}

use sealed::{Resolve, ToSocketAddrsPriv};

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrsPriv + ?Sized> ToSocketAddrsPriv for &T {
    fn to_resolve(&self) -> Resolve {
        (**self).to_resolve()
    }
}

/// Implements the trait for types that are numeric already.
macro_rules! numeric {
    ($($ty:ty => |$value:ident| $addrs:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl ToSocketAddrsPriv for $ty {
            fn to_resolve(&self) -> Resolve {
                let $value = self;
                Resolve::Done(Ok($addrs))
            }
        }
    )*};
}

numeric! {
    SocketAddr => |addr| vec![*addr];
    SocketAddrV4 => |addr| vec![SocketAddr::V4(*addr)];
    SocketAddrV6 => |addr| vec![SocketAddr::V6(*addr)];
    (IpAddr, u16) => |pair| vec![SocketAddr::from(*pair)];
    (Ipv4Addr, u16) => |pair| vec![SocketAddr::from(*pair)];
    (Ipv6Addr, u16) => |pair| vec![SocketAddr::from(*pair)];
    [SocketAddr] => |addrs| addrs.to_vec();
    Vec<SocketAddr> => |addrs| addrs.clone();
}

impl<const N: usize> ToSocketAddrs for [SocketAddr; N] {}
impl<const N: usize> ToSocketAddrsPriv for [SocketAddr; N] {
    fn to_resolve(&self) -> Resolve {
        Resolve::Done(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_resolve(&self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::Done(Ok(vec![addr]));
        }
        // As `std` splits it: the port after the last colon.
        let Some((host, port)) = self.rsplit_once(':') else {
            return Resolve::Done(Err(invalid("invalid socket address: no port")));
        };
        let Ok(port) = port.parse::<u16>() else {
            return Resolve::Done(Err(invalid("invalid socket address: bad port value")));
        };
        (host, port).to_resolve()
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_resolve(&self) -> Resolve {
        self.as_str().to_resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_resolve(&self) -> Resolve {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolve::Done(Ok(vec![SocketAddr::new(ip, port)])),
            Err(_) => Resolve::Host(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_resolve(&self) -> Resolve {
        (self.0.as_str(), self.1).to_resolve()
    }
}

/// Every address `addr` names, in the resolver's order; host names are
/// looked up on the blocking pool of the current runtime (rule 2).
///
/// # Panics
///
/// Outside a braid runtime, when `addr` is a host name.
/// `addr` is read before the future is returned, so the future does not
/// borrow it.
pub(super) fn resolve(
    addr: impl ToSocketAddrs,
) -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'static {
    let resolve = addr.to_resolve();
    async move {
        match resolve {
            Resolve::Done(addrs) => addrs,
            Resolve::Host(host, port) => {
                let lookup =
                    move || std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port));
                let addrs = Handle::current().run_blocking(lookup).await??;
                Ok(addrs.collect())
            }
        }
    }
}

/// The first address `addr` names.
pub(super) async fn resolve_one(addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
    resolve(addr)
        .await?
        .into_iter()
        .next()
        .ok_or_else(no_addresses)
}

/// Tries `attempt` on each address, returning the first success or the last
/// error.
pub(super) async fn try_each<T>(
    addrs: impl ToSocketAddrs,
    mut attempt: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last_error = None;
    for addr in resolve(addrs).await? {
        match attempt(addr) {
            Ok(value) => return Ok(value),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(no_addresses))
}

/// The error for an address that resolves to nothing.
pub(super) fn no_addresses() -> io::Error {
    invalid("could not resolve to any address")
}

fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
