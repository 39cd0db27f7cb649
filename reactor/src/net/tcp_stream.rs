//! `TcpStream`: a TCP connection, readable and writable through
//! `futures_io`.

mod async_io;
mod options;

use super::addr::{self, ToSocketAddrs};
use super::io_source::IoSource;
use super::tcp::{OwnedReadHalf, OwnedWriteHalf};
use crate::driver::Direction;
use crate::sync::Arc;
use mio::Interest;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};

/// A TCP connection.
///
/// Both `TcpStream` and `&TcpStream` implement
/// [`AsyncRead`](futures_io::AsyncRead) and
/// [`AsyncWrite`](futures_io::AsyncWrite), so one task can read while
/// another writes through a shared reference; or
/// [`into_split`](TcpStream::into_split) gives each task a half it owns. As those traits expect, each direction keeps one
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
/// use braid::net::{TcpListener, TcpStream};
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     client.close().await?;
///     let mut received = Vec::new();
///     server.read_to_end(&mut received).await?;
///     assert_eq!(received, b"ping");
///     Ok(())
/// }
/// ```
pub struct TcpStream {
    pub(super) io: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to the first address that accepts a connection; a host name
    /// is resolved on the blocking pool (see [`lookup_host`](super::lookup_host)).
    /// For options set before connecting, use [`TcpSocket`](super::TcpSocket).
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok(())
    /// }
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last_error = None;
        for addr in addr::resolve(addr).await? {
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

    pub(super) async fn wait_connected(&self) -> io::Result<()> {
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

    /// Takes over a connected `std` stream. Braid sets it non-blocking
    /// itself, so a stream in either mode works.
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
    /// use futures::io::AsyncWriteExt;
    /// use std::io::Read;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let std_stream = std::net::TcpStream::connect(std_listener.local_addr()?)?;
    ///     let mut stream = braid::net::TcpStream::from_std(std_stream)?;
    ///     stream.write_all(b"hi").await?;
    ///     let (mut server, _) = std_listener.accept()?;
    ///     let mut buf = [0; 2];
    ///     server.read_exact(&mut buf)?;
    ///     assert_eq!(&buf, b"hi");
    ///     Ok(())
    /// }
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// Gives the stream back as a `std` stream, deregistered from the
    /// runtime and in blocking mode, as `std` expects.
    ///
    /// # Errors
    ///
    /// What the OS reports for deregistering it or setting it blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::{TcpListener, TcpStream};
    /// use std::io::Write;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     let mut std_stream = stream.into_std()?;
    ///     std_stream.write_all(b"blocking write")?;
    ///     Ok(())
    /// }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        let stream = std::net::TcpStream::from(self.io.into_inner()?);
        stream.set_nonblocking(false)?;
        Ok(stream)
    }

    /// Splits the stream into a read half and a write half that two tasks
    /// can own and use at once; [`OwnedReadHalf::reunite`] puts them back
    /// together. Dropping the write half shuts down the write direction
    /// (the peer reads end-of-file), as Tokio's does.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::{TcpListener, TcpStream};
    /// use futures::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut read, mut write) = client.into_split();
    ///     let writer = braid::spawn(async move { write.write_all(b"ping").await });
    ///     let mut buf = [0; 4];
    ///     server.read_exact(&mut buf).await?;
    ///     server.write_all(&buf).await?;
    ///     read.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"ping");
    ///     writer.await.unwrap()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::tcp::split(Arc::new(self))
    }

    /// Receives data into `buf` without removing it from the socket's
    /// queue: the next read (or peek) returns the same bytes. Returns the
    /// number of bytes peeked; `0` means the peer closed its write half.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. `ConnectionReset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::{TcpListener, TcpStream};
    /// use futures::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(b"hello").await?;
    ///     let mut peeked = [0; 5];
    ///     let n = server.peek(&mut peeked).await?;
    ///     let mut read = vec![0; n];
    ///     server.read_exact(&mut read).await?;
    ///     assert_eq!(read, &peeked[..n]);
    ///     Ok(())
    /// }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.io(Direction::Read, |stream| stream.peek(buf)).await
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(stream.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// }
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok(())
    /// }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
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
    /// use braid::net::{TcpListener, TcpStream};
    /// use futures::io::AsyncReadExt;
    /// use std::net::Shutdown;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.shutdown(Shutdown::Write)?;
    ///     assert_eq!(server.read(&mut [0; 8]).await?, 0);
    ///     Ok(())
    /// }
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get().shutdown(how)
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
