//! `UnixStream`: a Unix stream connection, readable and writable through
//! `futures_io`.

use super::path_error::with_path;
use super::split::{OwnedReadHalf, OwnedWriteHalf, split};
use super::{SocketAddr, UCred};
use crate::driver::Direction;
use crate::net::io_source::IoSource;
use crate::net::sys;
use crate::sync::Arc;
use futures_io::{AsyncRead, AsyncWrite};
use mio::Interest;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A Unix stream connection.
///
/// Both `UnixStream` and `&UnixStream` implement [`AsyncRead`] and
/// [`AsyncWrite`], with one waker per direction as for
/// [`TcpStream`](crate::net::TcpStream); for two tasks, prefer
/// [`into_split`](UnixStream::into_split). `poll_close` shuts down the
/// write direction.
///
/// # Examples
///
/// ```
/// use braid::net::UnixStream;
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     Ok(())
/// }
/// ```
pub struct UnixStream {
    pub(in crate::net) io: IoSource<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket listening at `path`.
    ///
    /// # Errors
    ///
    /// What the OS reports, with `path` in the message: `NotFound` when
    /// nothing is there, `ConnectionRefused` when nobody listens (a stale
    /// socket file), `PermissionDenied`.
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
    ///     let path = std::env::temp_dir().join(format!("braid-doc-connect-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = braid::net::UnixListener::bind(&path)?;
    ///     let stream = braid::net::UnixStream::connect(&path).await?;
    ///     assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     drop(listener);
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let path = path.as_ref();
        let stream =
            mio::net::UnixStream::connect(path).map_err(|e| with_path(e, "connect", path))?;
        let stream = UnixStream::from_mio(stream)?;
        // The connect may still be under way: it is over once the socket
        // turns writable, and the socket error says how it ended.
        stream
            .io
            .io(Direction::Write, |socket| match socket.take_error()? {
                Some(error) => Err(error),
                None => Ok(()),
            })
            .await
            .map_err(|e| with_path(e, "connect", path))?;
        Ok(stream)
    }

    /// Two connected, unnamed streams.
    ///
    /// # Errors
    ///
    /// What the OS reports, e.g. too many open files.
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
    ///     let (a, b) = braid::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed() && b.local_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    pub(super) fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::new(stream, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// Takes over a connected `std` stream; braid sets it non-blocking
    /// itself, so a stream in either mode works.
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
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = braid::net::UnixStream::from_std(a)?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    /// Gives the stream back as a `std` stream, deregistered and in
    /// blocking mode.
    ///
    /// # Errors
    ///
    /// What the OS reports for deregistering it or setting it blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, b) = braid::net::UnixStream::pair()?;
    ///     let (mut a, mut b) = (a.into_std()?, b.into_std()?);
    ///     a.write_all(b"x")?;
    ///     let mut buf = [0; 1];
    ///     b.read_exact(&mut buf)?; // blocks until it arrives
    ///     Ok(())
    /// }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        let stream = std::os::unix::net::UnixStream::from(self.io.into_inner()?);
        stream.set_nonblocking(false)?;
        Ok(stream)
    }

    /// Splits the stream into halves that two tasks can own and use at
    /// once; as [`TcpStream::into_split`](crate::net::TcpStream::into_split).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, mut b) = braid::net::UnixStream::pair()?;
    ///     let (mut read, mut write) = a.into_split();
    ///     let writer = braid::spawn(async move { write.write_all(b"hi").await });
    ///     let mut buf = [0; 2];
    ///     b.read_exact(&mut buf).await?;
    ///     b.write_all(&buf).await?;
    ///     read.read_exact(&mut buf).await?;
    ///     writer.await.unwrap()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split(Arc::new(self))
    }

    /// This end's address (unnamed unless it was bound to a path).
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
    ///     let (a, _b) = braid::net::UnixStream::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }

    /// The peer's address: the listener's path for a connected client.
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
    ///     let (a, _b) = braid::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().peer_addr()
    }

    /// The credentials of the peer process.
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
    ///     let (a, _b) = braid::net::UnixStream::pair()?;
    ///     assert_eq!(a.peer_cred()?.uid(), a.peer_cred()?.uid());
    ///     Ok(())
    /// }
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        let (pid, uid, gid) = sys::peer_cred(self.io.get().as_fd())?;
        Ok(UCred { pid, uid, gid })
    }

    /// Shuts down the read direction, the write direction, or both.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::io::AsyncReadExt;
    /// use std::net::Shutdown;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, mut b) = braid::net::UnixStream::pair()?;
    ///     a.shutdown(Shutdown::Write)?;
    ///     assert_eq!(b.read(&mut [0; 4]).await?, 0);
    ///     Ok(())
    /// }
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get().shutdown(how)
    }
}

/// One `futures_io` implementation for `UnixStream` and `&UnixStream`.
macro_rules! async_io {
    ($($ty:ty),*) => {$(
        impl AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Direction::Read, |mut s| s.read(buf))
            }

            fn poll_read_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &mut [IoSliceMut<'_>]) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Direction::Read, |mut s| s.read_vectored(bufs))
            }
        }

        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Direction::Write, |mut s| s.write(buf))
            }

            fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Direction::Write, |mut s| s.write_vectored(bufs))
            }

            /// A socket has no user-space buffer to flush.
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.shutdown(Shutdown::Write))
            }
        }
    )*};
}

async_io!(UnixStream, &UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}
