//! `TcpStream`: a TCP connection, readable and writable through
//! `futures_io`.

use super::addr;
use super::io_source::IoSource;
use crate::driver::Direction;
use futures_io::{AsyncRead, AsyncWrite};
use mio::Interest;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A TCP connection.
///
/// Both `TcpStream` and `&TcpStream` implement [`AsyncRead`] and
/// [`AsyncWrite`], so one task can read while another writes through a
/// shared reference. As those traits expect, each direction keeps one
/// waker: the last task to poll a direction is the one woken when it turns
/// ready, and a task it displaced waits until it is polled again (another
/// poll by that task, say). So give each direction one reader and one
/// writer. `poll_close` shuts down the write half; the peer then reads
/// end-of-file.
///
/// With braid's feature `hyper` it also implements `hyper::rt::{Read,
/// Write}`, and with `tokio-io` `tokio::io::{AsyncRead, AsyncWrite}`, with
/// the same semantics; those reads fill the caller's uninitialised buffer
/// directly.
///
/// # Examples
///
/// ```
/// use braid_reactor::net::{TcpListener, TcpStream};
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// braid_reactor::driver::block_on(false, async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     client.close().await?;
///     let mut received = Vec::new();
///     server.read_to_end(&mut received).await?;
///     assert_eq!(received, b"ping");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpStream {
    io: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to the first address that accepts a connection.
    ///
    /// # Errors
    ///
    /// The last address's error (e.g. `ConnectionRefused`), or
    /// `InvalidInput` when `addr` resolves to nothing.
    ///
    /// # Panics
    ///
    /// Outside a braid runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::net::{TcpListener, TcpStream};
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last_error = None;
        for addr in addr::resolve(addr)? {
            match TcpStream::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(addr::no_addresses))
    }

    /// A non-blocking connect: the socket turns writable when the handshake
    /// ends, either way; the socket error then says which way.
    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        stream.wait_connected().await?;
        Ok(stream)
    }

    async fn wait_connected(&self) -> io::Result<()> {
        let registration = self.io.registration();
        let mut waiter = registration.waiter(Direction::Write);
        loop {
            let event = poll_fn(|cx| registration.poll_waiter(cx, &mut waiter)).await?;
            if let Some(error) = self.io.get().take_error()? {
                return Err(error);
            }
            // On Linux a connecting TCP socket reports no readiness at all
            // until the handshake ends (`tcp_poll` is silent in SYN-SENT),
            // and the registration starts with none: the event alone says
            // the connect is over, and the socket error said how. Elsewhere
            // the peer's address tells a finished connect from an early
            // event, at one more system call per connect.
            if cfg!(any(target_os = "linux", target_os = "android")) {
                return Ok(());
            }
            match self.io.get().peer_addr() {
                Ok(_) => return Ok(()),
                // Still connecting: the OS reports `NotConnected` until the
                // handshake ends.
                Err(error) if error.kind() == io::ErrorKind::NotConnected => {
                    registration.clear_readiness(event);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Wraps an accepted mio stream.
    pub(super) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(stream, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// This end's address.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::net::{TcpListener, TcpStream};
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(stream.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. `NotConnected`.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::net::{TcpListener, TcpStream};
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
    }

    /// Turns Nagle's algorithm off (`true`) or on (`false`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::net::{TcpListener, TcpStream};
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_nodelay(true)?;
    ///     assert!(stream.nodelay()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::net::{TcpListener, TcpStream};
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_nodelay(false)?;
    ///     assert!(!stream.nodelay()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get().nodelay()
    }

    /// Shuts down the read half, the write half, or both. After
    /// `Shutdown::Write` the peer reads end-of-file.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. `NotConnected` after the peer reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::net::{TcpListener, TcpStream};
    /// use futures::io::AsyncReadExt;
    /// use std::net::Shutdown;
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.shutdown(Shutdown::Write)?;
    ///     assert_eq!(server.read(&mut [0; 8]).await?, 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get().shutdown(how)
    }

    /// Reads into a buffer that may be uninitialised; on `Ready(Ok(n))` the
    /// first `n` bytes of `buf` are initialised.
    #[cfg(any(feature = "hyper", feature = "tokio-io"))]
    pub(super) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Read, |stream| {
            super::read_uninit::read_uninit(stream, buf)
        })
    }

    fn poll_read_inner(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Read, |mut stream| stream.read(buf))
    }

    fn poll_read_vectored_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Read, |mut stream| stream.read_vectored(bufs))
    }

    pub(super) fn poll_write_inner(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |mut stream| stream.write(buf))
    }

    pub(super) fn poll_write_vectored_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |mut stream| {
            stream.write_vectored(bufs)
        })
    }

    pub(super) fn poll_close_inner(&self) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown(Shutdown::Write))
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_inner(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_vectored_inner(cx, bufs)
    }
}

impl AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_inner(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_vectored_inner(cx, bufs)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_inner(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_inner(cx, bufs)
    }

    /// TCP has no user-space buffer to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_close_inner()
    }
}

impl AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_inner(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_inner(cx, bufs)
    }

    /// TCP has no user-space buffer to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_close_inner()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}
