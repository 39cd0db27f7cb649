//! hyper's I/O traits, `hyper::rt::{Read, Write}`, on braid's streams
//! (feature `hyper`), so a stream goes straight into hyper's connection
//! builders with no adapter.
//!
//! Reads land in hyper's uninitialised buffer without zeroing or copying.
//! The semantics are those of the `futures-io` impls: one waker per
//! direction, no user-space write buffer (flushing is a no-op), and a
//! shutdown closes the write half.

use super::tcp_stream::TcpStream;
use hyper::rt::{Read, ReadBufCursor, Write};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

impl Read for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `poll_read_uninit` only writes initialised bytes into the
        // slice, never de-initialises any.
        let n = ready!(self.poll_read_uninit(cx, unsafe { buf.as_mut() }))?;
        // SAFETY: on `Ok(n)` the read initialised the first `n` bytes.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl Write for TcpStream {
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

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_close_inner()
    }
}
