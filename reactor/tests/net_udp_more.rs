//! `UdpSocket`'s additions: options, `peek_from`, the `poll_` methods and
//! multicast membership.

mod support;

use braid::net::UdpSocket;
use std::future::poll_fn;
use std::net::Ipv4Addr;
use support::eventually;

fn runtime() -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime")
}

#[test]
#[cfg_attr(miri, ignore)]
fn options_read_back_as_set() {
    eventually(|| {
        runtime().block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            assert!(!socket.broadcast().unwrap());
            socket.set_broadcast(true).unwrap();
            assert!(socket.broadcast().unwrap());
            socket.set_ttl(9).unwrap();
            assert_eq!(socket.ttl().unwrap(), 9);
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn peek_from_leaves_the_datagram_for_recv_from() {
    eventually(|| {
        runtime().block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let target = b.local_addr().unwrap();
            let peeker = braid::spawn(async move {
                let mut peeked = [0; 16];
                let (n, from) = b.peek_from(&mut peeked).await.unwrap();
                let mut read = [0; 16];
                assert_eq!(b.recv_from(&mut read).await.unwrap(), (n, from));
                assert_eq!(peeked[..n], read[..n]);
                (read[..n].to_vec(), from)
            });
            a.send_to(b"datagram", target).await.unwrap();
            let (read, from) = peeker.await.unwrap();
            assert_eq!(
                (read.as_slice(), from),
                (&b"datagram"[..], a.local_addr().unwrap())
            );
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn poll_send_to_and_poll_recv_from_drive_a_round_trip() {
    eventually(|| {
        runtime().block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            // The receive is polled before anything is sent: it must wait and
            // be woken.
            let receiver = braid::spawn(async move {
                let mut buf = [0; 16];
                let (n, from) = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
                (buf[..n].to_vec(), from)
            });
            braid::yield_now().await;
            let sent = poll_fn(|cx| a.poll_send_to(cx, b"polled", b_addr))
                .await
                .unwrap();
            assert_eq!(sent, 6);
            assert_eq!(receiver.await.unwrap(), (b"polled".to_vec(), a_addr));
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn multicast_membership_on_loopback() {
    eventually(|| {
        runtime().block_on(async {
            let socket = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            let group = Ipv4Addr::new(239, 255, 42, 1);
            match socket.join_multicast_v4(group, Ipv4Addr::LOCALHOST) {
                Ok(()) => {}
                Err(error) => {
                    println!("skipped: no multicast on loopback here ({error})");
                    return;
                }
            }
            // Joining twice is the OS's error, not a panic.
            assert!(
                socket
                    .join_multicast_v4(group, Ipv4Addr::LOCALHOST)
                    .is_err()
            );
            socket
                .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
                .unwrap();
            assert!(
                socket
                    .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
                    .is_err()
            );
        })
    });
}
