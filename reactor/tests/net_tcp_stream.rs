//! `TcpStream`'s additions: `peek`, TTL, linger, and the errors of a reset
//! connection.

mod support;

use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::io::ErrorKind;
use std::time::Duration;
use support::eventually;

fn runtime() -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime")
}

async fn connected() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
#[cfg_attr(miri, ignore)]
fn peek_then_read_returns_the_same_bytes() {
    eventually(|| {
        runtime().block_on(async {
            let (mut client, mut server) = connected().await;
            // The peek waits for data that is not there yet.
            let peeker = braid::spawn(async move {
                let mut peeked = [0; 11];
                let n = server.peek(&mut peeked).await.unwrap();
                // Peeking again sees the same bytes: nothing was consumed.
                let mut again = [0; 11];
                assert_eq!(server.peek(&mut again).await.unwrap(), n);
                assert_eq!(peeked[..n], again[..n]);
                let mut read = vec![0; n];
                server.read_exact(&mut read).await.unwrap();
                assert_eq!(read, &peeked[..n]);
                n
            });
            client.write_all(b"hello world").await.unwrap();
            assert!(peeker.await.unwrap() > 0);
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn ttl_linger_and_nodelay_read_back_as_set() {
    eventually(|| {
        runtime().block_on(async {
            let (client, _server) = connected().await;
            client.set_ttl(17).unwrap();
            assert_eq!(client.ttl().unwrap(), 17);
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap());
            assert_eq!(client.linger().unwrap(), None);
            client.set_linger(Some(Duration::from_secs(5))).unwrap();
            assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(5)));
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.set_ttl(33).unwrap();
            assert_eq!(listener.ttl().unwrap(), 33);
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_zero_linger_resets_the_peer_with_an_io_error() {
    eventually(|| {
        runtime().block_on(async {
            let (client, mut server) = connected().await;
            client.set_linger(Some(Duration::ZERO)).unwrap();
            drop(client);
            let error = server.read(&mut [0; 8]).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ConnectionReset);
        })
    });
}
