//! A peer that resets the connection while a task waits in a read or a
//! write: the waiting task wakes with an error, nothing hangs, and the
//! runtime serves the next connection.

use std::io::{ErrorKind, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};

use crate::support;

#[path = "../../../reactor/tests/support/linger.rs"]
mod linger;

#[test]
#[cfg_attr(miri, ignore)]
fn a_reset_during_a_pending_read_fails_it_after_the_data_sent() {
    support::eventually(|| {
        for (name, rt) in support::flavours() {
            rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let (reached, resetting) = std::sync::mpsc::channel::<()>();
                let peer = std::thread::spawn(move || {
                    let mut peer = std::net::TcpStream::connect(addr).unwrap();
                    peer.write_all(b"partial").unwrap();
                    // Reset only once the reader waits for more.
                    resetting.recv().unwrap();
                    std::thread::sleep(Duration::from_millis(20));
                    linger::reset(peer).unwrap();
                });
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = [0; 7];
                stream.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"partial");
                reached.send(()).unwrap();
                let error = stream.read(&mut [0; 16]).await.unwrap_err();
                assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{name}");
                peer.join().unwrap();
                serves_another_connection(&listener).await;
            });
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_reset_during_a_blocked_write_fails_it() {
    support::eventually(|| {
        for (name, rt) in support::flavours() {
            rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let peer = std::net::TcpStream::connect(addr).unwrap();
                let (mut stream, _) = listener.accept().await.unwrap();
                // The peer never reads: the writer fills the buffers and
                // waits for room, and is waiting when the reset comes.
                let progress = Arc::new(AtomicUsize::new(0));
                let writer = braid::spawn({
                    let progress = progress.clone();
                    async move {
                        let chunk = vec![7u8; 64 * 1024];
                        let mut written = 0usize;
                        loop {
                            match stream.write(&chunk).await {
                                Ok(n) => {
                                    written += n;
                                    progress.store(written, Ordering::SeqCst);
                                }
                                Err(error) => return (written, error),
                            }
                        }
                    }
                });
                // Reset once the writer has written something and had the
                // time to fill the buffers.
                while progress.load(Ordering::SeqCst) == 0 {
                    braid::time::sleep(Duration::from_millis(5)).await;
                }
                braid::time::sleep(Duration::from_millis(100)).await;
                linger::reset(peer).unwrap();
                let (written, error) = writer.await.unwrap();
                assert!(written > 0, "{name}: nothing was written before the reset");
                assert!(
                    matches!(
                        error.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
                    ),
                    "{name}: {error}"
                );
                serves_another_connection(&listener).await;
            });
        }
    });
}

async fn serves_another_connection(listener: &TcpListener) {
    let addr = listener.local_addr().unwrap();
    let mut client = TcpStream::connect(addr).await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    client.write_all(b"again").await.unwrap();
    let mut buf = [0; 5];
    server.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"again");
}
