//! TCP and UDP sockets driven by the braid reactor.
//!
//! Every socket registers with the current runtime's driver when it is
//! created and deregisters (freeing its slab slot) when it is dropped.
//! Addresses are anything implementing [`ToSocketAddrs`]; each resolved
//! address is tried in turn, as `std` does. A host name is resolved on the
//! runtime's blocking pool ([`lookup_host`]), so no worker ever blocks in
//! the OS resolver; a numeric address is parsed at once.
//!
//! Every error a socket call can meet (address in use, permission denied,
//! connection refused or reset, not connected, too many open files) comes
//! back as the OS's [`std::io::Error`]; none panics. On Unix every socket
//! type implements `AsRawFd` and `AsFd`; `TcpSocket`, linger and the Unix
//! sockets are Unix-only (socket options go through libc).
//!
//! # Panics
//!
//! Creating a socket outside a braid runtime panics with "must be called
//! from the context of a braid runtime".

/// The `futures_io` traits of a split stream's owned halves: each half
/// forwards to the `&Stream` impls of the stream it shares (its `stream`
/// field). Invoked by `tcp/split.rs` and `unix/split.rs`, whose imports
/// bring the names it uses.
macro_rules! owned_half_io {
    () => {
        impl AsyncRead for OwnedReadHalf {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_read_vectored(cx, bufs)
            }
        }

        impl AsyncWrite for OwnedWriteHalf {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self.stream).poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self.stream).poll_close(cx)
            }
        }
    };
}

mod addr;
#[cfg(unix)]
mod fd;
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
mod foreign_io;
#[cfg(feature = "hyper")]
mod hyper_io;
mod io_source;
mod lookup_host;
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
mod read_uninit;
#[cfg(unix)]
mod sys;
pub mod tcp;
mod tcp_listener;
#[cfg(unix)]
mod tcp_socket;
mod tcp_stream;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod udp_socket;
#[cfg(unix)]
pub mod unix;

pub use addr::ToSocketAddrs;
pub use lookup_host::lookup_host;
pub use tcp_listener::TcpListener;
#[cfg(unix)]
pub use tcp_socket::TcpSocket;
pub use tcp_stream::TcpStream;
pub use udp_socket::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixDatagram, UnixListener, UnixStream};

// What DESIGN promises of the sockets, checked at every build: they move
// between tasks and are shared by them (`Arc<UdpSocket>`), `TcpStream` is
// `Unpin` (so `AsyncReadExt` needs no pinning), and the futures of their
// async fns can be spawned.
const _: () = {
    const fn shareable<T: Send + Sync + Unpin>() {}
    shareable::<TcpListener>();
    shareable::<TcpStream>();
    shareable::<UdpSocket>();
    shareable::<tcp::OwnedReadHalf>();
    shareable::<tcp::OwnedWriteHalf>();

    fn spawnable<T: Send + 'static>(_: T) {}
    #[allow(dead_code)] // type-checked, never run
    async fn futures_are_send(listener: TcpListener, socket: UdpSocket) {
        spawnable(TcpListener::bind("127.0.0.1:0"));
        spawnable(TcpStream::connect("127.0.0.1:0"));
        spawnable(UdpSocket::bind("127.0.0.1:0"));
        spawnable(async move { listener.accept().await });
        spawnable(async move {
            let mut buf = [0; 8];
            let _ = socket.recv_from(&mut buf).await;
            let _ = socket.recv(&mut buf).await;
            let _ = socket.send_to(&buf, "127.0.0.1:0").await;
            let _ = socket.send(&buf).await;
            socket.connect("127.0.0.1:0").await
        });
        spawnable(lookup_host("localhost:0"));
    }
};

// The same for the Unix-only types.
#[cfg(unix)]
const _: () = {
    const fn shareable<T: Send + Sync + Unpin>() {}
    shareable::<TcpSocket>();
    shareable::<UnixListener>();
    shareable::<UnixStream>();
    shareable::<UnixDatagram>();
    shareable::<unix::OwnedReadHalf>();
    shareable::<unix::OwnedWriteHalf>();

    fn spawnable<T: Send + 'static>(_: T) {}
    #[allow(dead_code)] // type-checked, never run
    async fn futures_are_send(socket: TcpSocket, stream: TcpStream, datagram: UnixDatagram) {
        spawnable(socket.connect("127.0.0.1:0".parse().unwrap()));
        spawnable(UnixStream::connect("/tmp/socket"));
        spawnable(async move { stream.peek(&mut [0; 8]).await });
        spawnable(async move {
            let mut buf = [0; 8];
            let _ = datagram.recv_from(&mut buf).await;
            datagram.send_to(&buf, "/tmp/socket").await
        });
    }
};
