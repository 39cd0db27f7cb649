//! The owned halves of a split `UnixStream`.
//!
//! Both halves hold the stream in one `Arc`. The read half polls only the
//! read direction and the write half only the write direction, and each
//! direction has its own waker slot, so two tasks can use the halves at
//! once without displacing each other's wakers.

use super::SocketAddr;
use super::UnixStream;
use crate::sync::Arc;
use futures_io::{AsyncRead, AsyncWrite};
use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The read half of a [`UnixStream`], from
/// [`UnixStream::into_split`]; implements [`AsyncRead`].
///
/// # Examples
///
/// ```
/// use braid::net::UnixStream;
/// use braid::net::unix::OwnedReadHalf;
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let (client, mut server) = UnixStream::pair()?;
///     let (mut read, _write): (OwnedReadHalf, _) = client.into_split();
///     server.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     read.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<UnixStream>,
}

/// The write half of a [`UnixStream`], from
/// [`UnixStream::into_split`]; implements [`AsyncWrite`].
///
/// Dropping it, or closing it, shuts down the stream's write direction:
/// the peer reads end-of-file.
///
/// # Examples
///
/// ```
/// use braid::net::UnixStream;
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let (client, mut server) = UnixStream::pair()?;
///     let (_read, mut write) = client.into_split();
///     write.write_all(b"bye").await?;
///     drop(write); // the peer reads end-of-file
///     let mut received = Vec::new();
///     server.read_to_end(&mut received).await?;
///     assert_eq!(received, b"bye");
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<UnixStream>,
    /// False once `reunite` takes the stream back whole.
    shutdown_on_drop: bool,
}

/// The error of [`OwnedReadHalf::reunite`] for two halves of different
/// streams; it hands both halves back.
///
/// # Examples
///
/// ```
/// use braid::net::UnixStream;
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let (read_a, _write_a) = UnixStream::pair()?.0.into_split();
///     let (_read_b, write_b) = UnixStream::pair()?.0.into_split();
///     let error = read_a.reunite(write_b).unwrap_err();
///     println!("{error}");
///     let (_read_a, _write_b) = (error.0, error.1);
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite the halves of two different Unix streams")
    }
}

impl Error for ReuniteError {}

/// Splits a stream held in an `Arc` (see `UnixStream::into_split`).
pub(super) fn split(stream: Arc<UnixStream>) -> (OwnedReadHalf, OwnedWriteHalf) {
    let read = OwnedReadHalf {
        stream: stream.clone(),
    };
    let write = OwnedWriteHalf {
        stream,
        shutdown_on_drop: true,
    };
    (read, write)
}

impl OwnedReadHalf {
    /// The stream this half shares with its other half.
    #[cfg(any(feature = "hyper", feature = "tokio-io"))]
    pub(in crate::net) fn shared_stream(&self) -> &UnixStream {
        &self.stream
    }

    /// Puts the stream back together from its two halves.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], holding both halves, when `write` belongs to
    /// another stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UnixStream;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (stream, _other) = UnixStream::pair()?;
    ///     let (read, write) = stream.into_split();
    ///     let stream = read.reunite(write).expect("halves of one stream");
    ///     assert!(stream.local_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn reunite(self, mut write: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        if !Arc::ptr_eq(&self.stream, &write.stream) {
            return Err(ReuniteError(self, write));
        }
        write.shutdown_on_drop = false;
        drop(write);
        Ok(Arc::try_unwrap(self.stream)
            .unwrap_or_else(|_| unreachable!("only the two halves hold the stream")))
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
    /// use braid::net::UnixStream;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (read, _write) = UnixStream::pair()?.0.into_split();
    ///     assert!(read.peer_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
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
    /// use braid::net::UnixStream;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (read, _write) = UnixStream::pair()?.0.into_split();
    ///     assert!(read.local_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl OwnedWriteHalf {
    /// The stream this half shares with its other half.
    #[cfg(any(feature = "hyper", feature = "tokio-io"))]
    pub(in crate::net) fn shared_stream(&self) -> &UnixStream {
        &self.stream
    }

    /// Puts the stream back together; as [`OwnedReadHalf::reunite`].
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] when `read` belongs to another stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::UnixStream;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (read, write) = UnixStream::pair()?.0.into_split();
    ///     let _stream = write.reunite(read).expect("halves of one stream");
    ///     Ok(())
    /// }
    /// ```
    pub fn reunite(self, read: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        read.reunite(self)
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
    /// use braid::net::UnixStream;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (_read, write) = UnixStream::pair()?.0.into_split();
    ///     assert!(write.peer_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
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
    /// use braid::net::UnixStream;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (_read, write) = UnixStream::pair()?.0.into_split();
    ///     assert!(write.local_addr()?.is_unnamed());
    ///     Ok(())
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already; nothing is left to tell.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }
}

owned_half_io!();
