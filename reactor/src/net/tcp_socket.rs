//! `TcpSocket`: a TCP socket not yet bound, listening or connected, for
//! setting options that must come first (the listen backlog, address
//! reuse, buffer sizes).

mod options;

use super::sys;
use super::{TcpListener, TcpStream};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};

/// A TCP socket that has not yet become a listener or a connection.
///
/// Make one with [`new_v4`](TcpSocket::new_v4) or
/// [`new_v6`](TcpSocket::new_v6), set options, then either
/// [`bind`](TcpSocket::bind) and [`listen`](TcpSocket::listen) for a
/// [`TcpListener`], or [`connect`](TcpSocket::connect) for a
/// [`TcpStream`]. The socket registers with the runtime only then, so it
/// can be made and configured outside one.
///
/// # Examples
///
/// ```
/// use braid::net::{TcpSocket, TcpStream};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let socket = TcpSocket::new_v4()?;
///     socket.set_reuseaddr(true)?;
///     socket.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = socket.listen(4096)?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (_server, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     Ok(())
/// }
/// ```
pub struct TcpSocket {
    fd: OwnedFd,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. too many open files.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// # drop(socket);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            fd: sys::tcp_socket(false)?,
        })
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. that the machine has no IPv6.
    ///
    /// # Examples
    ///
    /// ```
    /// match braid::net::TcpSocket::new_v6() {
    ///     Ok(socket) => drop(socket),
    ///     Err(error) => println!("no IPv6 here: {error}"),
    /// }
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            fd: sys::tcp_socket(true)?,
        })
    }

    /// Binds the socket to `addr` (port `0` picks a free port).
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. [`io::ErrorKind::AddrInUse`] or
    /// `PermissionDenied` for a privileged port.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        sys::bind(self.fd.as_fd(), addr)
    }

    /// Turns the socket into a listener with room for `backlog` connections
    /// that finished their handshake but were not yet accepted. The OS caps
    /// it (on Linux at `net.core.somaxconn`, 4096 by default since 5.4). A
    /// burst of connections larger than the backlog overflows it, and the
    /// clients that overflow wait for a SYN retry (a second or more).
    ///
    /// An unbound socket is bound to a free port first, as the OS does.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Panics
    ///
    /// Outside a braid runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::TcpSocket::new_v4()?;
    ///     socket.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let listener = socket.listen(4096)?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// }
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        sys::listen(self.fd.as_fd(), backlog)?;
        TcpListener::from_mio(mio::net::TcpListener::from(self.fd))
    }

    /// Connects to `addr`, waiting for the handshake without blocking the
    /// thread.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. `ConnectionRefused`.
    ///
    /// # Panics
    ///
    /// Outside a braid runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::{TcpListener, TcpSocket};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let socket = TcpSocket::new_v4()?;
    ///     socket.set_nodelay(true)?;
    ///     let stream = socket.connect(listener.local_addr()?).await?;
    ///     assert!(stream.nodelay()?);
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok(())
    /// }
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        sys::connect(self.fd.as_fd(), addr)?;
        let stream = TcpStream::from_mio(mio::net::TcpStream::from(self.fd))?;
        stream.wait_connected().await?;
        Ok(stream)
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.fd.as_fd())
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("fd", &self.fd.as_raw_fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}
