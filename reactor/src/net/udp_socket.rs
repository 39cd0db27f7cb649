//! `UdpSocket`: datagrams.

use super::addr;
use super::io_source::IoSource;
use crate::driver::Direction;
use mio::Interest;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

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
/// use braid_reactor::net::UdpSocket;
///
/// braid_reactor::driver::block_on(false, async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"hi", b.local_addr()?).await?;
///     let mut buf = [0; 8];
///     let (len, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..len], from), (&b"hi"[..], a.local_addr()?));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UdpSocket {
    io: IoSource<mio::net::UdpSocket>,
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
    /// braid_reactor::driver::block_on(false, async {
    ///     let socket = braid_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let socket = addr::try_each(addr, mio::net::UdpSocket::bind)?;
        Ok(UdpSocket {
            io: IoSource::new(socket, Interest::READABLE | Interest::WRITABLE)?,
        })
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
    /// braid_reactor::driver::block_on(false, async {
    ///     let socket = braid_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
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
    /// use braid_reactor::net::UdpSocket;
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.send_to(b"abc", b.local_addr()?).await?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = addr::resolve_one(target)?;
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
    /// use braid_reactor::net::UdpSocket;
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"abc", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv_from(&mut buf).await?, (3, a.local_addr()?));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .io(Direction::Read, |socket| socket.recv_from(buf))
            .await
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
    /// use braid_reactor::net::UdpSocket;
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     a.send(b"x").await?;
    ///     assert_eq!(b.recv_from(&mut [0; 4]).await?.1, a.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        addr::try_each(addr, |addr| self.io.get().connect(addr))
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
    /// use braid_reactor::net::UdpSocket;
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.send(b"four").await?, 4);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
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
    /// use braid_reactor::net::UdpSocket;
    ///
    /// braid_reactor::driver::block_on(false, async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     b.send(b"pong").await?;
    ///     let mut buf = [0; 8];
    ///     let len = a.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..len], b"pong");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
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
