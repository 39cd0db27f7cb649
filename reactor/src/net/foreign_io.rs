//! What the foreign I/O traits (`hyper::rt::{Read, Write}` in `hyper_io.rs`,
//! `tokio::io::{AsyncRead, AsyncWrite}` in `tokio_io.rs`) need of a stream,
//! so that each trait is written once for every stream type and half.
//!
//! The semantics are those of the `futures-io` impls: one waker per
//! direction, no user-space write buffer (flushing is a no-op), and a
//! shutdown closes the write half.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::task::{Context, Poll};

use super::TcpStream;
use super::tcp::{OwnedReadHalf as TcpReadHalf, OwnedWriteHalf as TcpWriteHalf};
#[cfg(unix)]
use super::unix::{OwnedReadHalf as UnixReadHalf, OwnedWriteHalf as UnixWriteHalf, UnixStream};
use crate::driver::Direction;
use std::io::Write;

/// A connected stream socket, as the foreign traits drive it.
pub(super) trait StreamIo {
    /// Reads into a buffer that may be uninitialised; on `Ready(Ok(n))` the
    /// first `n` bytes of `buf` are initialised.
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;

    fn poll_write_bytes(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    fn poll_write_vectored_bytes(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;

    /// Closes the write direction: the peer reads end of file.
    fn shutdown_write(&self) -> io::Result<()>;
}

/// One `StreamIo` per socket type: each has an `io: IoSource<_>` field and
/// a `shutdown(Shutdown)` method.
macro_rules! stream_io {
    ($($ty:ty),*) => {$(
        impl StreamIo for $ty {
            fn poll_read_uninit(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Direction::Read, |stream| {
                    super::read_uninit::read_uninit(stream, buf)
                })
            }

            fn poll_write_bytes(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Direction::Write, |mut stream| stream.write(buf))
            }

            fn poll_write_vectored_bytes(
                &self,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Direction::Write, |mut stream| stream.write_vectored(bufs))
            }

            fn shutdown_write(&self) -> io::Result<()> {
                self.shutdown(Shutdown::Write)
            }
        }
    )*};
}

stream_io!(TcpStream);
#[cfg(unix)]
stream_io!(UnixStream);

/// The stream behind each type the foreign traits are implemented for: a
/// stream itself, or the stream an owned half shares.
pub(super) trait HasStream {
    type Stream: StreamIo;
    fn stream(&self) -> &Self::Stream;
}

impl HasStream for TcpStream {
    type Stream = TcpStream;
    fn stream(&self) -> &TcpStream {
        self
    }
}

impl HasStream for TcpReadHalf {
    type Stream = TcpStream;
    fn stream(&self) -> &TcpStream {
        self.shared_stream()
    }
}

impl HasStream for TcpWriteHalf {
    type Stream = TcpStream;
    fn stream(&self) -> &TcpStream {
        self.shared_stream()
    }
}

#[cfg(unix)]
impl HasStream for UnixStream {
    type Stream = UnixStream;
    fn stream(&self) -> &UnixStream {
        self
    }
}

#[cfg(unix)]
impl HasStream for UnixReadHalf {
    type Stream = UnixStream;
    fn stream(&self) -> &UnixStream {
        self.shared_stream()
    }
}

#[cfg(unix)]
impl HasStream for UnixWriteHalf {
    type Stream = UnixStream;
    fn stream(&self) -> &UnixStream {
        self.shared_stream()
    }
}
