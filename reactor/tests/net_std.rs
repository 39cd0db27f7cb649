//! `from_std` / `into_std`: braid sets a taken-over socket non-blocking
//! itself (so a blocking `std` socket works), and hands sockets back in
//! blocking mode.

mod support;

use braid::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use support::eventually;

/// Whether `O_NONBLOCK` is set on `fd`.
fn is_nonblocking(fd: &impl AsFd) -> bool {
    // SAFETY: the descriptor is open for the call (borrowed from `fd`);
    // `F_GETFL` takes no argument.
    let flags = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "fcntl failed");
    flags & libc::O_NONBLOCK != 0
}

/// One worker: a taken-over socket left blocking would stall it, and the
/// test would hang (caught by `eventually`).
fn one_worker() -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("runtime")
}

fn tcp_round_trip(std_listener: std::net::TcpListener, std_client: std::net::TcpStream) {
    eventually(move || {
        one_worker().block_on(async move {
            let listener = TcpListener::from_std(std_listener).unwrap();
            assert!(is_nonblocking(&listener));
            // The accept waits while the connect below has not come yet: a
            // blocking accept here would stall the only worker.
            let accept = braid::spawn(async move { listener.accept().await.unwrap().0 });
            braid::yield_now().await;
            let mut client = TcpStream::from_std(std_client).unwrap();
            assert!(is_nonblocking(&client));
            let mut server = accept.await.unwrap();
            let reader = braid::spawn(async move {
                let mut buf = [0; 5];
                server.read_exact(&mut buf).await.unwrap();
                buf
            });
            braid::yield_now().await;
            client.write_all(b"hello").await.unwrap();
            assert_eq!(&reader.await.unwrap(), b"hello");

            let mut std_stream = client.into_std().unwrap();
            assert!(!is_nonblocking(&std_stream));
            std_stream.write_all(b"!").unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn from_std_takes_a_blocking_tcp_socket() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // A blocking connect completes at once: the listener's backlog holds it.
    let std_client = std::net::TcpStream::connect(std_listener.local_addr().unwrap()).unwrap();
    assert!(!is_nonblocking(&std_listener) && !is_nonblocking(&std_client));
    tcp_round_trip(std_listener, std_client);
}

#[test]
#[cfg_attr(miri, ignore)]
fn from_std_takes_a_non_blocking_tcp_socket() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let std_client = std::net::TcpStream::connect(std_listener.local_addr().unwrap()).unwrap();
    std_listener.set_nonblocking(true).unwrap();
    std_client.set_nonblocking(true).unwrap();
    tcp_round_trip(std_listener, std_client);
}

#[test]
#[cfg_attr(miri, ignore)]
fn into_std_gives_a_blocking_listener_back() {
    eventually(|| {
        one_worker().block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let std_listener = listener.into_std().unwrap();
            assert!(!is_nonblocking(&std_listener));
            let mut client = std::net::TcpStream::connect(addr).unwrap();
            let (mut server, _) = std_listener.accept().unwrap();
            client.write_all(b"x").unwrap();
            let mut buf = [0; 1];
            server.read_exact(&mut buf).unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn from_std_takes_a_blocking_udp_socket_and_into_std_gives_it_back() {
    let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    assert!(!is_nonblocking(&std_socket));
    eventually(move || {
        one_worker().block_on(async move {
            let socket = UdpSocket::from_std(std_socket).unwrap();
            assert!(is_nonblocking(&socket));
            let addr = socket.local_addr().unwrap();
            let receiver = braid::spawn(async move {
                let mut buf = [0; 8];
                let (n, _) = socket.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"dgram");
                socket
            });
            braid::yield_now().await;
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            sender.send_to(b"dgram", addr).await.unwrap();
            let std_socket = receiver.await.unwrap().into_std().unwrap();
            assert!(!is_nonblocking(&std_socket));
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn from_std_takes_blocking_unix_sockets() {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let (da, db) = std::os::unix::net::UnixDatagram::pair().unwrap();
    eventually(move || {
        one_worker().block_on(async move {
            let (mut a, mut b) = (
                UnixStream::from_std(a).unwrap(),
                UnixStream::from_std(b).unwrap(),
            );
            assert!(is_nonblocking(&a) && is_nonblocking(&b));
            let reader = braid::spawn(async move {
                let mut buf = [0; 2];
                b.read_exact(&mut buf).await.unwrap();
                buf
            });
            braid::yield_now().await;
            a.write_all(b"ok").await.unwrap();
            assert_eq!(&reader.await.unwrap(), b"ok");
            assert!(!is_nonblocking(&a.into_std().unwrap()));

            let da = UnixDatagram::from_std(da).unwrap();
            assert!(is_nonblocking(&da));
            db.send(b"d").unwrap();
            assert_eq!(da.recv(&mut [0; 4]).await.unwrap(), 1);
        })
    });
}
