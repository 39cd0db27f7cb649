//! Tokio's I/O traits, `tokio::io::{AsyncRead, AsyncWrite}`, on braid's
//! streams (feature `tokio-io`), so crates written against `tokio::io`
//! (tokio-util codecs, tokio-rustls, hyper-util's `TokioIo`) take a braid
//! stream as it is. Only the traits come from Tokio, never its runtime.
//!
//! Reads land in the caller's `ReadBuf` without zeroing or copying. The
//! semantics are those of the `futures-io` impls: one waker per direction,
//! no user-space write buffer (flushing is a no-op), and `poll_shutdown`
//! closes the write half.

use super::tcp_stream::TcpStream;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `poll_read_uninit` only writes initialised bytes into the
        // slice, never de-initialises any.
        let n = ready!(self.poll_read_uninit(cx, unsafe { buf.unfilled_mut() }))?;
        // SAFETY: on `Ok(n)` the read initialised the first `n` unfilled
        // bytes.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
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
