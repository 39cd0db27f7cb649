//! `TcpListener`: accepts TCP connections.

#[cfg(unix)]
use super::TcpSocket;
use super::addr::{self, ToSocketAddrs};
use super::io_source::IoSource;
use super::tcp_stream::TcpStream;
use crate::driver::Direction;
use mio::Interest;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll, ready};

/// A TCP socket listening for connections.
///
/// # Examples
///
/// ```
/// use braid::net::{TcpListener, TcpStream};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     assert_eq!(server.peer_addr()?, client.local_addr()?);
///     Ok(())
/// }
/// ```
pub struct TcpListener {
    pub(super) io: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to the first address that accepts it (port `0`
    /// picks a free port), with `SO_REUSEADDR` set and a backlog of
    /// [`DEFAULT_BACKLOG`](TcpListener::DEFAULT_BACKLOG) (1024) connections.
    /// The OS caps the backlog (on Linux at `net.core.somaxconn`); for a
    /// larger one, or other options set before listening, use
    /// [`TcpSocket`](super::TcpSocket). A host name is resolved on the
    /// blocking pool (see [`lookup_host`](super::lookup_host)).
    ///
    /// # Errors
    ///
    /// The last address's error, e.g. [`io::ErrorKind::AddrInUse`], or
    /// `InvalidInput` when `addr` resolves to nothing.
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
    ///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     Ok(())
    /// }
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        addr::try_each(addr, TcpListener::bind_one).await
    }

    /// The backlog [`bind`](TcpListener::bind) listens with.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::net::TcpListener::DEFAULT_BACKLOG, 1024);
    /// ```
    pub const DEFAULT_BACKLOG: u32 = 1024;

    #[cfg(unix)]
    fn bind_one(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        // As `std` and mio do on Unix: a restarted server can bind its port
        // again while old connections sit in `TIME_WAIT`.
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(TcpListener::DEFAULT_BACKLOG)
    }

    /// mio's bind: `SO_REUSEADDR` off, which Windows needs for exclusive
    /// ports, and the same backlog of 1024.
    #[cfg(not(unix))]
    fn bind_one(addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::from_mio(mio::net::TcpListener::bind(addr)?)
    }

    /// Wraps a listening mio socket.
    pub(super) fn from_mio(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: IoSource::new(listener, Interest::READABLE)?,
        })
    }

    /// Takes over a listening `std` listener. Braid sets it non-blocking
    /// itself, so a listener in either mode works.
    ///
    /// # Errors
    ///
    /// What the OS reports for setting it non-blocking or registering it.
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
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let listener = braid::net::TcpListener::from_std(std_listener)?;
    ///     let client = braid::net::TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_server, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     Ok(())
    /// }
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::from_mio(mio::net::TcpListener::from_std(listener))
    }

    /// Gives the listener back as a `std` listener, deregistered from the
    /// runtime and in blocking mode, as `std` expects.
    ///
    /// # Errors
    ///
    /// What the OS reports for deregistering it or setting it blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let std_listener = listener.into_std()?;
    ///     let _client = std::net::TcpStream::connect(addr)?;
    ///     let (_server, _) = std_listener.accept()?; // blocks until the client is queued
    ///     Ok(())
    /// }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        let listener = std::net::TcpListener::from(self.io.into_inner()?);
        listener.set_nonblocking(false)?;
        Ok(listener)
    }

    /// Sets the IP time-to-live of the connections it accepts (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     listener.set_ttl(42)?;
    ///     assert_eq!(listener.ttl()?, 42);
    ///     Ok(())
    /// }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get().set_ttl(ttl)
    }

    /// The IP time-to-live (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.ttl()? > 0);
    ///     Ok(())
    /// }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get().ttl()
    }

    /// Waits for the next connection and returns it with the peer's address.
    ///
    /// Any number of tasks may wait in `accept` on one listener (through an
    /// `Arc` or a shared reference); each connection goes to one of them.
    ///
    /// # Errors
    ///
    /// What the OS reports for the accept, or a shutdown error once the
    /// runtime has shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_stream, _peer) = listener.accept().await?;
    ///     Ok(())
    /// }
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = self
            .io
            .io(Direction::Read, |listener| listener.accept())
            .await?;
        Ok((TcpStream::from_mio(stream)?, peer))
    }

    /// Polls for the next connection; on `Pending` the task is woken when one
    /// may be waiting.
    ///
    /// The listener keeps one waker for `poll_accept`: when several tasks
    /// poll it at once, only the last one to do so is woken. Tasks that
    /// share a listener should call [`accept`](TcpListener::accept), which
    /// wakes each of them.
    ///
    /// # Errors
    ///
    /// As for [`accept`](TcpListener::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::TcpListener;
    /// use std::future::poll_fn;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let (_stream, peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     Ok(())
    /// }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, peer) = ready!(
            self.io
                .poll_io(cx, Direction::Read, |listener| listener.accept())
        )?;
        Poll::Ready(TcpStream::from_mio(stream).map(|stream| (stream, peer)))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
