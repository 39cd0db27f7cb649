//! `TcpSocket`: the listen backlog holds a burst of connects, options read
//! back as set, and socket errors come back as the OS's `io::Error`.

mod support;

use braid::net::{TcpListener, TcpSocket, TcpStream};
use std::io::ErrorKind;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::eventually;

const CONNECTS: usize = 2_000;

/// A SYN retry takes a second or more; a connect that got into the backlog
/// takes far less. So a connect over this bound waited on a retry.
const SYN_RETRY_BOUND: Duration = Duration::from_millis(900);

fn runtime() -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime")
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_burst_of_connects_fits_a_backlog_of_4096_without_syn_retries() {
    let slow = eventually(|| {
        runtime().block_on(async {
            let socket = TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let listener = socket.listen(4096).unwrap();
            let addr = listener.local_addr().unwrap();
            // Accepts run beside the burst, as in a server; the backlog,
            // not the acceptor's speed, is what keeps clients from retrying.
            let acceptor = braid::spawn(async move {
                let mut accepted = Vec::with_capacity(CONNECTS);
                while accepted.len() < CONNECTS {
                    accepted.push(listener.accept().await.unwrap().0);
                }
                accepted
            });
            let slow = Arc::new(AtomicUsize::new(0));
            let clients: Vec<_> = (0..CONNECTS)
                .map(|_| {
                    let slow = slow.clone();
                    braid::spawn(async move {
                        let start = Instant::now();
                        let stream = TcpStream::connect(addr).await.unwrap();
                        if start.elapsed() > SYN_RETRY_BOUND {
                            slow.fetch_add(1, Ordering::Relaxed);
                        }
                        stream
                    })
                })
                .collect();
            let mut streams = Vec::with_capacity(CONNECTS);
            for client in clients {
                streams.push(client.await.unwrap());
            }
            assert_eq!(acceptor.await.unwrap().len(), CONNECTS);
            slow.load(Ordering::Relaxed)
        })
    });
    assert_eq!(
        slow, 0,
        "{slow} of {CONNECTS} connects waited on a SYN retry"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn options_read_back_as_set() {
    let socket = TcpSocket::new_v4().unwrap();
    for on in [true, false] {
        socket.set_reuseaddr(on).unwrap();
        assert_eq!(socket.reuseaddr().unwrap(), on);
        socket.set_reuseport(on).unwrap();
        assert_eq!(socket.reuseport().unwrap(), on);
        socket.set_keepalive(on).unwrap();
        assert_eq!(socket.keepalive().unwrap(), on);
        socket.set_nodelay(on).unwrap();
        assert_eq!(socket.nodelay().unwrap(), on);
    }
    socket.set_send_buffer_size(100_000).unwrap();
    assert!(socket.send_buffer_size().unwrap() >= 100_000);
    socket.set_recv_buffer_size(100_000).unwrap();
    assert!(socket.recv_buffer_size().unwrap() >= 100_000);
    assert_eq!(socket.linger().unwrap(), None);
    socket.set_linger(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
    socket.set_linger(None).unwrap();
    assert_eq!(socket.linger().unwrap(), None);
}

#[test]
#[cfg_attr(miri, ignore)]
fn reuseport_lets_two_listeners_share_a_port() {
    eventually(|| {
        runtime().block_on(async {
            let first = TcpSocket::new_v4().unwrap();
            first.set_reuseport(true).unwrap();
            first.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = first.local_addr().unwrap();
            let second = TcpSocket::new_v4().unwrap();
            second.set_reuseport(true).unwrap();
            second.bind(addr).unwrap();
            let (a, b) = (first.listen(16).unwrap(), second.listen(16).unwrap());
            assert_eq!(a.local_addr().unwrap(), b.local_addr().unwrap());
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn socket_errors_are_the_os_errors() {
    eventually(|| {
        runtime().block_on(async {
            let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let socket = TcpSocket::new_v4().unwrap();
            let error = socket.bind(taken.local_addr().unwrap()).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AddrInUse);

            let closed = taken.local_addr().unwrap();
            drop(taken);
            let error = TcpSocket::new_v4()
                .unwrap()
                .connect(closed)
                .await
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ConnectionRefused);

            // An IPv6 address on an IPv4 socket: the OS's EAFNOSUPPORT or
            // EINVAL, not a panic.
            let socket = TcpSocket::new_v4().unwrap();
            assert!(socket.bind("[::1]:0".parse().unwrap()).is_err());
        })
    });
}

#[test]
fn the_default_backlog_is_1024() {
    assert_eq!(TcpListener::DEFAULT_BACKLOG, 1024);
}

#[test]
#[cfg_attr(miri, ignore)]
fn ipv6_loopback_where_the_machine_has_it() {
    let socket = match TcpSocket::new_v6() {
        Ok(socket) => socket,
        Err(error) => {
            println!("skipped: no IPv6 sockets on this machine ({error})");
            return;
        }
    };
    if let Err(error) = socket.bind("[::1]:0".parse().unwrap()) {
        println!("skipped: no IPv6 loopback on this machine ({error})");
        return;
    }
    eventually(move || {
        runtime().block_on(async move {
            let listener = socket.listen(128).unwrap();
            let addr = listener.local_addr().unwrap();
            assert!(addr.is_ipv6());
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, client.local_addr().unwrap());
            assert_eq!(server.local_addr().unwrap(), addr);
            let by_name = TcpListener::bind("[::1]:0").await.unwrap();
            assert!(by_name.local_addr().unwrap().is_ipv6());
        })
    });
}
