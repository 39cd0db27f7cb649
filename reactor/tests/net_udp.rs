//! UDP round trips.

mod support;

use braid_reactor::net::UdpSocket;
use support::{Harness, eventually};

#[test]
#[cfg_attr(miri, ignore)]
fn send_to_and_recv_from_round_trip() {
    eventually(|| {
        Harness::new().block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0; 64];
            for n in 0..50u8 {
                a.send_to(&[n; 3], b.local_addr().unwrap()).await.unwrap();
                let (len, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!((&buf[..len], from), (&[n; 3][..], a.local_addr().unwrap()));
                b.send_to(&buf[..len], from).await.unwrap();
                let (len, from) = a.recv_from(&mut buf).await.unwrap();
                assert_eq!((&buf[..len], from), (&[n; 3][..], b.local_addr().unwrap()));
            }
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connected_sockets_send_and_recv() {
    eventually(|| {
        Harness::new().block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            assert_eq!(a.send(b"ping").await.unwrap(), 4);
            let mut buf = [0; 8];
            let len = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..len], b"ping");
            b.send(b"pong").await.unwrap();
            let len = a.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..len], b"pong");
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_receiver_waits_for_a_datagram_sent_later() {
    eventually(|| {
        let harness = Harness::new();
        let receiver = harness.block_on(async { UdpSocket::bind("127.0.0.1:0").await.unwrap() });
        let addr = receiver.local_addr().unwrap();
        let waiting = harness.spawn(async move {
            let mut buf = [0; 8];
            let (len, _) = receiver.recv_from(&mut buf).await.unwrap();
            buf[..len].to_vec()
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"late", addr).unwrap();
        assert_eq!(waiting.join().unwrap(), b"late");
    });
}
