//! Binding and connecting errors come back as the right `io::ErrorKind`.

mod support;

use braid_reactor::net::{TcpListener, TcpStream, UdpSocket};
use std::io::ErrorKind;
use support::Harness;

#[test]
#[cfg_attr(miri, ignore)]
fn binding_a_port_in_use_gives_addr_in_use() {
    Harness::new().block_on(async {
        let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let error = TcpListener::bind(first.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse);

        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let error = UdpSocket::bind(udp.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connecting_to_a_closed_port_is_refused() {
    Harness::new().block_on(async {
        let addr = {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap()
        };
        let error = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_address_list_is_tried_in_order() {
    Harness::new().block_on(async {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let free = "127.0.0.1:0".parse().unwrap();
        let addrs = [taken.local_addr().unwrap(), free];
        let listener = TcpListener::bind(&addrs[..]).await.unwrap();
        assert_ne!(listener.local_addr().unwrap(), taken.local_addr().unwrap());
        let empty: &[std::net::SocketAddr] = &[];
        let error = TcpListener::bind(empty).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    });
}

#[test]
#[should_panic(expected = "must be called from the context of a braid runtime")]
fn binding_outside_a_runtime_panics() {
    let _ = futures::executor::block_on(TcpListener::bind("127.0.0.1:0"));
}
