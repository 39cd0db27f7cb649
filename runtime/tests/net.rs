//! Sockets through the runtime: echo under load, I/O while workers are busy.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};

async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        braid::spawn(async move {
            let mut buf = [0u8; 1024];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

async fn round_trip(addr: std::net::SocketAddr, message: Vec<u8>) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&message).await.unwrap();
    let mut back = vec![0u8; message.len()];
    stream.read_exact(&mut back).await.unwrap();
    back
}

#[test]
#[cfg_attr(miri, ignore)]
fn echo_with_a_hundred_concurrent_clients() {
    support::eventually(|| {
        for (name, rt) in support::flavours() {
            rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = braid::spawn(echo_server(listener));
                let replies = braid::gather((0..100u32).map(|i| {
                    let message = format!("client {i} says hello").into_bytes();
                    async move { (round_trip(addr, message.clone()).await, message) }
                }))
                .await;
                for (back, sent) in replies {
                    assert_eq!(back, sent, "{name}");
                }
                server.abort();
            });
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn io_keeps_flowing_while_every_worker_is_busy() {
    // One worker, kept busy by a task that is always ready: the driver is
    // only turned by the worker's periodic maintenance, and must be.
    support::eventually(|| {
        let rt = support::multi(1);
        let stop = Arc::new(AtomicBool::new(false));
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = braid::spawn(echo_server(listener));
            let spinner = braid::spawn({
                let stop = stop.clone();
                async move {
                    while !stop.load(Ordering::Relaxed) {
                        braid::yield_now().await;
                    }
                }
            });
            for i in 0..20u8 {
                let back = braid::spawn(round_trip(addr, vec![i; 100])).await.unwrap();
                assert_eq!(back, vec![i; 100]);
            }
            stop.store(true, Ordering::Relaxed);
            spinner.await.unwrap();
            server.abort();
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn sockets_fail_cleanly_after_their_runtime_shut_down() {
    support::eventually(|| {
        let rt = support::multi(1);
        let stream = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let accept =
                braid::spawn(async move { listener.accept().await.map(|(stream, _)| stream) });
            let client = TcpStream::connect(addr).await.unwrap();
            drop(accept.await.unwrap().unwrap());
            client
        });
        drop(rt);
        let other = support::current();
        let mut stream = stream;
        let result = other.block_on(async { stream.write_all(b"late").await });
        let err = result.expect_err("the old runtime's socket must not work");
        assert!(err.to_string().contains("shut down"), "{err}");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn tasks_sharing_one_udp_socket_each_get_a_datagram() {
    support::eventually(|| {
        for (name, rt) in support::flavours() {
            let mut received = rt.block_on(async {
                let socket = Arc::new(braid::net::UdpSocket::bind("127.0.0.1:0").await.unwrap());
                let addr = socket.local_addr().unwrap();
                let receivers: Vec<_> = (0..8)
                    .map(|_| {
                        let socket = socket.clone();
                        braid::spawn(async move {
                            let mut buf = [0; 8];
                            let (len, _) = socket.recv_from(&mut buf).await.unwrap();
                            buf[..len].to_vec()
                        })
                    })
                    .collect();
                // On the current-thread runtime this lets every receiver
                // run up to its wait before the datagrams go out.
                braid::yield_now().await;
                let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                for n in 0..8u8 {
                    sender.send_to(&[n], addr).unwrap();
                }
                let mut received = Vec::new();
                for receiver in receivers {
                    received.push(receiver.await.unwrap());
                }
                received
            });
            received.sort();
            let sent: Vec<Vec<u8>> = (0..8u8).map(|n| vec![n]).collect();
            assert_eq!(received, sent, "{name}");
        }
    });
}
