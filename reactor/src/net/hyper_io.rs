//! hyper's I/O traits, `hyper::rt::{Read, Write}`, on braid's streams and
//! their owned halves (feature `hyper`), so a stream goes straight into
//! hyper's connection builders with no adapter.
//!
//! Reads land in hyper's uninitialised buffer without zeroing or copying;
//! the rest is as `foreign_io.rs` says.

use super::TcpStream;
use super::foreign_io::{HasStream, StreamIo};
use super::tcp::{OwnedReadHalf as TcpReadHalf, OwnedWriteHalf as TcpWriteHalf};
#[cfg(unix)]
use super::unix::{OwnedReadHalf as UnixReadHalf, OwnedWriteHalf as UnixWriteHalf, UnixStream};
use hyper::rt::{Read, ReadBufCursor, Write};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

macro_rules! hyper_read {
    ($($ty:ty),*) => {$(
        impl Read for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                mut buf: ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: `poll_read_uninit` only writes initialised bytes
                // into the slice, never de-initialises any.
                let unfilled = unsafe { buf.as_mut() };
                let n = ready!(self.stream().poll_read_uninit(cx, unfilled))?;
                // SAFETY: on `Ok(n)` the read initialised the first `n` bytes.
                unsafe { buf.advance(n) };
                Poll::Ready(Ok(()))
            }
        }
    )*};
}

macro_rules! hyper_write {
    ($($ty:ty),*) => {$(
        impl Write for $ty {
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

hyper_read!(TcpStream, TcpReadHalf);
hyper_write!(TcpStream, TcpWriteHalf);
#[cfg(unix)]
hyper_read!(UnixStream, UnixReadHalf);
#[cfg(unix)]
hyper_write!(UnixStream, UnixWriteHalf);
