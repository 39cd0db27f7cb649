//! Dropping sockets deregisters them and frees their slab slots.

mod support;

use braid_reactor::net::{TcpListener, TcpStream, UdpSocket};
use support::{Harness, eventually};

#[test]
#[cfg_attr(miri, ignore)]
fn a_thousand_sockets_opened_and_dropped_leave_the_slab_empty() {
    eventually(|| {
        let harness = Harness::new();
        let handle = harness.handle().clone();
        harness.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut open = Vec::new();
            for round in 0..10 {
                // 50 connections = 100 sockets per round, in batches so the
                // process stays well under its file limit.
                for _ in 0..50 {
                    let client = TcpStream::connect(addr).await.unwrap();
                    let (server, _) = listener.accept().await.unwrap();
                    open.push((client, server));
                }
                assert_eq!(handle.io_registration_count(), 1 + 100 * (round % 2 + 1));
                if round % 2 == 1 {
                    open.clear();
                    assert_eq!(handle.io_registration_count(), 1);
                }
            }
            drop(listener);
            assert_eq!(handle.io_registration_count(), 0);
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn udp_sockets_free_their_slots_too() {
    let harness = Harness::new();
    let handle = harness.handle().clone();
    harness.block_on(async {
        let sockets: Vec<UdpSocket> =
            futures::future::try_join_all((0..100).map(|_| UdpSocket::bind("127.0.0.1:0")))
                .await
                .unwrap();
        assert_eq!(handle.io_registration_count(), 100);
        drop(sockets);
        assert_eq!(handle.io_registration_count(), 0);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_reused_slot_does_not_wake_the_old_owner() {
    eventually(|| {
        let harness = Harness::new();
        harness.block_on(async {
            use futures::io::{AsyncReadExt, AsyncWriteExt};
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // Churn slots so new sockets reuse freed ones, and check each
            // new pair still sees exactly its own traffic.
            for n in 0..200u32 {
                let mut client = TcpStream::connect(addr).await.unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                client.write_all(&n.to_le_bytes()).await.unwrap();
                let mut buf = [0; 4];
                server.read_exact(&mut buf).await.unwrap();
                assert_eq!(u32::from_le_bytes(buf), n);
            }
        });
    });
}
