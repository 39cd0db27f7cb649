//! `UdpSocket`: datagrams.

mod options;

use super::addr::{self, ToSocketAddrs};
use super::io_source::IoSource;
use crate::driver::Direction;
use mio::Interest;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

/// A UDP socket.
///
/// All methods take `&self`, so one task can send while another receives,
/// and any number of tasks can share one socket (through an `Arc`): each
/// task waiting in `recv_from`, `send_to` and the rest is woken when the
/// socket turns ready, and each datagram goes to one of them.
///
/// # Examples
///
/// ```
/// use braid::net::UdpSocket;
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"hi", b.local_addr()?).await?;
///     let mut buf = [0; 8];
///     let (len, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..len], from), (&b"hi"[..], a.local_addr()?));
///     Ok(())
/// }
/// ```
pub struct UdpSocket {
    pub(super) io: IoSource<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to the first address that accepts it.
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
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     Ok(())
    /// }
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let socket = addr::try_each(addr, mio::net::UdpSocket::bind).await?;
        UdpSocket::from_mio(socket)
    }

    fn from_mio(socket: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: IoSource::new(socket, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// Takes over a bound `std` socket. Braid sets it non-blocking itself,
    /// so a socket in either mode works.
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
    ///     let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let socket = braid::net::UdpSocket::from_std(std_socket)?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// }
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        UdpSocket::from_mio(mio::net::UdpSocket::from_std(socket))
    }

    /// Gives the socket back as a `std` socket, deregistered from the
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
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let std_socket = socket.into_std()?;
    ///     std_socket.send_to(b"hi", std_socket.local_addr()?)?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(std_socket.recv(&mut buf)?, 2); // blocks until it arrives
    ///     Ok(())
    /// }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        let socket = std::net::UdpSocket::from(self.io.into_inner()?);
        socket.set_nonblocking(false)?;
        Ok(socket)
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
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// Sends one datagram to the first address `target` resolves to; returns
    /// the bytes sent.
    ///
    /// # Errors
    ///
    /// What the OS reports, or `InvalidInput` when `target` resolves to
    /// nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.send_to(b"abc", b.local_addr()?).await?, 3);
    ///     Ok(())
    /// }
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = addr::resolve_one(target).await?;
        self.io
            .io(Direction::Write, |socket| socket.send_to(buf, target))
            .await
    }

    /// Receives one datagram; returns its length and sender. A datagram
    /// longer than `buf` is truncated.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"abc", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv_from(&mut buf).await?, (3, a.local_addr()?));
    ///     Ok(())
    /// }
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .io(Direction::Read, |socket| socket.recv_from(buf))
            .await
    }

    /// Receives one datagram without removing it from the queue: the next
    /// receive returns it again. Returns its length and sender.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"abc", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let peeked = b.peek_from(&mut buf).await?;
    ///     assert_eq!(b.recv_from(&mut buf).await?, peeked);
    ///     Ok(())
    /// }
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .io(Direction::Read, |socket| socket.peek_from(buf))
            .await
    }

    /// Polls to send one datagram to `target`; for code that drives the
    /// socket from its own `poll` functions (QUIC stacks and other protocol
    /// crates).
    ///
    /// On `Pending` the task is woken when the socket may be writable. The
    /// socket keeps one waker for `poll_send_to` (shared with other
    /// `poll_` sends): when several tasks poll at once, only the last is
    /// woken. The async methods wake every waiting task.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    /// use std::future::poll_fn;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let target = b.local_addr()?;
    ///     let sent = poll_fn(|cx| a.poll_send_to(cx, b"quic", target)).await?;
    ///     assert_eq!(sent, 4);
    ///     Ok(())
    /// }
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |socket| socket.send_to(buf, target))
    }

    /// Polls to receive one datagram into `buf`; returns its length and
    /// sender. A datagram longer than `buf` is truncated.
    ///
    /// Unlike Tokio's, which fills a `ReadBuf`, it takes a plain `&mut [u8]`
    /// (braid has no `ReadBuf`) and returns the length received. The waker
    /// rule is as for [`poll_send_to`](UdpSocket::poll_send_to).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    /// use std::future::poll_fn;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"quic", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     let (len, from) = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    ///     assert_eq!((&buf[..len], from), (&b"quic"[..], a.local_addr()?));
    ///     Ok(())
    /// }
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io
            .poll_io(cx, Direction::Read, |socket| socket.recv_from(buf))
    }

    /// Sets the default peer for [`send`](UdpSocket::send) and filters
    /// [`recv`](UdpSocket::recv) to datagrams from it; the first address
    /// that connects wins.
    ///
    /// # Errors
    ///
    /// The last address's error, or `InvalidInput` when `addr` resolves to
    /// nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     a.send(b"x").await?;
    ///     assert_eq!(b.recv_from(&mut [0; 4]).await?.1, a.local_addr()?);
    ///     Ok(())
    /// }
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        addr::try_each(addr, |addr| self.io.get().connect(addr)).await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. when the socket is not connected.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.send(b"four").await?, 4);
    ///     Ok(())
    /// }
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .io(Direction::Write, |socket| socket.send(buf))
            .await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UdpSocket;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     b.send(b"pong").await?;
    ///     let mut buf = [0; 8];
    ///     let len = a.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..len], b"pong");
    ///     Ok(())
    /// }
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.io(Direction::Read, |socket| socket.recv(buf)).await
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
