//! `TcpListener`: accepts TCP connections.

use super::addr;
use super::io_source::IoSource;
use super::tcp_stream::TcpStream;
use crate::driver::Direction;
use mio::Interest;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll, ready};

/// A TCP socket listening for connections.
///
/// # Examples
///
/// ```
/// use braid_reactor::net::{TcpListener, TcpStream};
///
/// braid_reactor::driver::block_on(false, async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     assert_eq!(server.peer_addr()?, client.local_addr()?);
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener {
    io: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to the first address that accepts it (port `0`
    /// picks a free port).
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
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = braid_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let listener = addr::try_each(addr, mio::net::TcpListener::bind)?;
        Ok(TcpListener {
            io: IoSource::new(listener, Interest::READABLE)?,
        })
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
    /// use braid_reactor::net::{TcpListener, TcpStream};
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_stream, _peer) = listener.accept().await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
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
    /// use braid_reactor::net::TcpListener;
    /// use std::future::poll_fn;
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let (_stream, peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
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
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = braid_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
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
