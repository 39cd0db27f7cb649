//! Tokio's I/O traits, `tokio::io::{AsyncRead, AsyncWrite}`, on braid's
//! streams and their owned halves (feature `tokio-io`), so crates written
//! against `tokio::io` (tokio-util codecs, tokio-rustls, hyper-util's
//! `TokioIo`) take a braid stream as it is. Only the traits come from
//! Tokio, never its runtime.
//!
//! Reads land in the caller's `ReadBuf` without zeroing or copying; the
//! rest is as `foreign_io.rs` says.

use super::TcpStream;
use super::foreign_io::{HasStream, StreamIo};
use super::tcp::{OwnedReadHalf as TcpReadHalf, OwnedWriteHalf as TcpWriteHalf};
#[cfg(unix)]
use super::unix::{OwnedReadHalf as UnixReadHalf, OwnedWriteHalf as UnixWriteHalf, UnixStream};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

macro_rules! tokio_read {
    ($($ty:ty),*) => {$(
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: `poll_read_uninit` only writes initialised bytes
                // into the slice, never de-initialises any.
                let unfilled = unsafe { buf.unfilled_mut() };
                let n = ready!(self.stream().poll_read_uninit(cx, unfilled))?;
                // SAFETY: on `Ok(n)` the read initialised the first `n`
                // unfilled bytes.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
        }
    )*};
}

macro_rules! tokio_write {
    ($($ty:ty),*) => {$(
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.stream().poll_write_bytes(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.stream().poll_write_vectored_bytes(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.stream().shutdown_write())
            }
        }
    )*};
}

tokio_read!(TcpStream, TcpReadHalf);
tokio_write!(TcpStream, TcpWriteHalf);
#[cfg(unix)]
tokio_read!(UnixStream, UnixReadHalf);
#[cfg(unix)]
tokio_write!(UnixStream, UnixWriteHalf);
