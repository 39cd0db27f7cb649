//! A peer that resets the connection gives an `io::Error`, not a hang or a
//! panic.

#![cfg(target_os = "linux")]

mod support;

use braid_reactor::net::TcpListener;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use support::linger::reset;
use support::{Harness, eventually};

#[test]
#[cfg_attr(miri, ignore)]
fn a_reset_peer_fails_the_read() {
    eventually(|| {
        Harness::new().block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            reset(peer).unwrap();
            let error = stream.read(&mut [0; 16]).await.unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn writing_to_a_reset_peer_eventually_fails() {
    eventually(|| {
        Harness::new().block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            reset(peer).unwrap();
            let chunk = [7; 4096];
            let error = loop {
                if let Err(error) = stream.write_all(&chunk).await {
                    break error;
                }
            };
            assert!(matches!(
                error.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ));
        });
    });
}
