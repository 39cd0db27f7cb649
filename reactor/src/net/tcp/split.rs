//! The owned halves of a split `TcpStream`.
//!
//! Both halves hold the stream in one `Arc`. The read half polls only the
//! read direction and the write half only the write direction, and each
//! direction has its own waker slot, so two tasks can use the halves at
//! once without displacing each other's wakers.

use super::super::TcpStream;
use crate::sync::Arc;
use futures_io::{AsyncRead, AsyncWrite};
use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The read half of a [`TcpStream`], from
/// [`TcpStream::into_split`]; implements [`AsyncRead`].
///
/// # Examples
///
/// ```
/// use braid::net::{TcpListener, TcpStream};
/// use braid::net::tcp::OwnedReadHalf;
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
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
    stream: Arc<TcpStream>,
}

/// The write half of a [`TcpStream`], from
/// [`TcpStream::into_split`]; implements [`AsyncWrite`].
///
/// Dropping it, or closing it, shuts down the stream's write direction:
/// the peer reads end-of-file.
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
    stream: Arc<TcpStream>,
    /// False once `reunite` takes the stream back whole.
    shutdown_on_drop: bool,
}

/// The error of [`OwnedReadHalf::reunite`] for two halves of different
/// streams; it hands both halves back.
///
/// # Examples
///
/// ```
/// use braid::net::{TcpListener, TcpStream};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (read_a, _write_a) = TcpStream::connect(listener.local_addr()?).await?.into_split();
///     let (_read_b, write_b) = TcpStream::connect(listener.local_addr()?).await?.into_split();
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
        f.write_str("tried to reunite the halves of two different TCP streams")
    }
}

impl Error for ReuniteError {}

/// Splits a stream held in an `Arc` (see `TcpStream::into_split`).
pub(in crate::net) fn split(stream: Arc<TcpStream>) -> (OwnedReadHalf, OwnedWriteHalf) {
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
    pub(in crate::net) fn shared_stream(&self) -> &TcpStream {
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     let local = stream.local_addr()?;
    ///     let (read, write) = stream.into_split();
    ///     let stream = read.reunite(write).expect("halves of one stream");
    ///     assert_eq!(stream.local_addr()?, local);
    ///     Ok(())
    /// }
    /// ```
    pub fn reunite(self, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (read, _write) = TcpStream::connect(listener.local_addr()?).await?.into_split();
    ///     assert_eq!(read.peer_addr()?, listener.local_addr()?);
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (read, _write) = TcpStream::connect(listener.local_addr()?).await?.into_split();
    ///     assert!(read.local_addr()?.ip().is_loopback());
    ///     Ok(())
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// As [`TcpStream::peek`]: the next read returns the same bytes.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::{TcpListener, TcpStream};
    /// use futures::io::AsyncWriteExt;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (read, _write) = TcpStream::connect(listener.local_addr()?).await?.into_split();
    ///     let (mut server, _) = listener.accept().await?;
    ///     server.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(read.peek(&mut buf).await?, 1);
    ///     Ok(())
    /// }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.peek(buf).await
    }
}

impl OwnedWriteHalf {
    /// The stream this half shares with its other half.
    #[cfg(any(feature = "hyper", feature = "tokio-io"))]
    pub(in crate::net) fn shared_stream(&self) -> &TcpStream {
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (read, write) = TcpStream::connect(listener.local_addr()?).await?.into_split();
    ///     let _stream = write.reunite(read).expect("halves of one stream");
    ///     Ok(())
    /// }
    /// ```
    pub fn reunite(self, read: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_read, write) = TcpStream::connect(listener.local_addr()?).await?.into_split();
    ///     assert_eq!(write.peer_addr()?, listener.local_addr()?);
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
    /// use braid::net::{TcpListener, TcpStream};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_read, write) = TcpStream::connect(listener.local_addr()?).await?.into_split();
    ///     assert!(write.local_addr()?.ip().is_loopback());
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
