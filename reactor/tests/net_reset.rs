//! A peer that resets the connection gives an `io::Error`, not a hang or a
//! panic.

#![cfg(target_os = "linux")]

mod support;

use braid_reactor::net::TcpListener;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::os::fd::AsRawFd;
use support::{Harness, eventually};

/// `struct linger` from `<sys/socket.h>`.
#[repr(C)]
struct Linger {
    l_onoff: i32,
    l_linger: i32,
}

const SOL_SOCKET: i32 = 1;
const SO_LINGER: i32 = 13;

unsafe extern "C" {
    fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
}

/// Makes closing `stream` send RST instead of FIN (`SO_LINGER` of zero);
/// `std` offers no stable setter for it.
fn linger_zero(stream: &std::net::TcpStream) {
    let linger = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the fd is open for the duration of the call (borrowed from
    // `stream`), and `value`/`len` describe a live, correctly laid out
    // `struct linger`.
    let result = unsafe {
        setsockopt(
            stream.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            &linger,
            size_of::<Linger>() as u32,
        )
    };
    assert_eq!(
        result,
        0,
        "setsockopt(SO_LINGER): {}",
        std::io::Error::last_os_error()
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_reset_peer_fails_the_read() {
    eventually(|| {
        Harness::new().block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            linger_zero(&peer);
            drop(peer);
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
            linger_zero(&peer);
            drop(peer);
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
