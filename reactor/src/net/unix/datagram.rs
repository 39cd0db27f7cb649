//! `UnixDatagram`: Unix datagram sockets.

use super::SocketAddr;
use super::path_error::{bind_error, with_path};
use crate::driver::Direction;
use crate::net::io_source::IoSource;
use mio::Interest;
use std::fmt;
use std::io;
use std::path::Path;

/// A Unix datagram socket.
///
/// All methods take `&self`; any number of tasks may share one socket, and
/// each waiting task is woken when it turns ready, as for
/// [`UdpSocket`](crate::net::UdpSocket).
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let (a, b) = braid::net::UnixDatagram::pair()?;
///     a.send(b"hello").await?;
///     let mut buf = [0; 8];
///     let len = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..len], b"hello");
///     Ok(())
/// }
/// ```
pub struct UnixDatagram {
    pub(in crate::net) io: IoSource<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// A socket bound to a new socket file at `path`.
    ///
    /// # Errors
    ///
    /// As for [`UnixListener::bind`](crate::net::UnixListener::bind), with
    /// `path` in the message.
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
    ///     let path = std::env::temp_dir().join(format!("braid-doc-dgram-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let socket = braid::net::UnixDatagram::bind(&path)?;
    ///     assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let path = path.as_ref();
        let socket = mio::net::UnixDatagram::bind(path).map_err(|e| bind_error(e, path))?;
        UnixDatagram::from_mio(socket)
    }

    /// A socket bound to no path: it can send, and receive replies only
    /// once connected.
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
    ///     let socket = braid::net::UnixDatagram::unbound()?;
    ///     assert!(socket.local_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// Two connected, unnamed sockets.
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
    ///     let (a, b) = braid::net::UnixDatagram::pair()?;
    ///     b.send(b"x").await?;
    ///     assert_eq!(a.recv(&mut [0; 4]).await?, 1);
    ///     Ok(())
    /// }
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    fn from_mio(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: IoSource::new(socket, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// Takes over a `std` socket; braid sets it non-blocking itself.
    ///
    /// # Errors
    ///
    /// What the OS reports for setting it non-blocking or registering it.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = braid::net::UnixDatagram::from_std(a)?;
    ///     b.send(b"x")?;
    ///     assert_eq!(a.recv(&mut [0; 4]).await?, 1);
    ///     Ok(())
    /// }
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_mio(mio::net::UnixDatagram::from_std(socket))
    }

    /// Gives the socket back as a `std` socket, deregistered and in
    /// blocking mode.
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
    ///     let (a, b) = braid::net::UnixDatagram::pair()?;
    ///     let (a, b) = (a.into_std()?, b.into_std()?);
    ///     a.send(b"x")?;
    ///     assert_eq!(b.recv(&mut [0; 4])?, 1); // blocks until it arrives
    ///     Ok(())
    /// }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        let socket = std::os::unix::net::UnixDatagram::from(self.io.into_inner()?);
        socket.set_nonblocking(false)?;
        Ok(socket)
    }

    /// Sets the default peer for [`send`](UnixDatagram::send) and filters
    /// [`recv`](UnixDatagram::recv) to datagrams from it.
    ///
    /// # Errors
    ///
    /// What the OS reports, with `path` in the message.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let path = std::env::temp_dir().join(format!("braid-doc-dconn-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = braid::net::UnixDatagram::bind(&path)?;
    ///     let client = braid::net::UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"hi").await?;
    ///     assert_eq!(server.recv(&mut [0; 4]).await?, 2);
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref();
        self.io
            .get()
            .connect(path)
            .map_err(|e| with_path(e, "connect", path))
    }

    /// Sends one datagram to the socket bound at `path`; returns the bytes
    /// sent.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. `NotFound` or `ConnectionRefused` for a
    /// path nobody is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let path = std::env::temp_dir().join(format!("braid-doc-sendto-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = braid::net::UnixDatagram::bind(&path)?;
    ///     let client = braid::net::UnixDatagram::unbound()?;
    ///     assert_eq!(client.send_to(b"abc", &path).await?, 3);
    ///     assert_eq!(server.recv(&mut [0; 4]).await?, 3);
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io
            .io(Direction::Write, |socket| socket.send_to(buf, path))
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
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, b) = braid::net::UnixDatagram::pair()?;
    ///     a.send(b"abc").await?;
    ///     let mut buf = [0; 8];
    ///     let (len, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!((&buf[..len], from.is_unnamed()), (&b"abc"[..], true));
    ///     Ok(())
    /// }
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .io(Direction::Read, |socket| socket.recv_from(buf))
            .await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. `NotConnected`.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, _b) = braid::net::UnixDatagram::pair()?;
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
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, b) = braid::net::UnixDatagram::pair()?;
    ///     a.send(b"pong").await?;
    ///     let mut buf = [0; 8];
    ///     let len = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..len], b"pong");
    ///     Ok(())
    /// }
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.io(Direction::Read, |socket| socket.recv(buf)).await
    }

    /// The address the socket is bound to (unnamed if none).
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
    ///     let (a, _b) = braid::net::UnixDatagram::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. `NotConnected`.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, _b) = braid::net::UnixDatagram::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
