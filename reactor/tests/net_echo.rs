//! An echo server serving 100 concurrent clients over loopback.

mod support;

use braid_reactor::net::{TcpListener, TcpStream};
use futures::executor::LocalPool;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use futures::task::LocalSpawnExt;
use std::net::SocketAddr;
use std::sync::mpsc;
use support::{Harness, eventually};

const CLIENTS: usize = 100;
const CLIENT_THREADS: usize = 4;

async fn echo(mut stream: TcpStream) {
    let mut buf = [0; 1024];
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
}

async fn client(addr: SocketAddr, id: usize) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    for round in 0..10 {
        let message = format!("client {id} round {round}");
        stream.write_all(message.as_bytes()).await.unwrap();
        let mut reply = vec![0; message.len()];
        stream.read_exact(&mut reply).await.unwrap();
        assert_eq!(reply, message.as_bytes());
    }
    stream.close().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
}

#[test]
#[cfg_attr(miri, ignore)]
fn one_hundred_concurrent_clients_get_their_bytes_back() {
    eventually(|| {
        let harness = Harness::new();
        let (addr_sender, addr_receiver) = mpsc::channel();
        let server = {
            let handle = harness.handle().clone();
            std::thread::spawn(move || {
                let _guard = handle.enter();
                let mut pool = LocalPool::new();
                let spawner = pool.spawner();
                pool.run_until(async move {
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    addr_sender.send(listener.local_addr().unwrap()).unwrap();
                    for _ in 0..CLIENTS {
                        let (stream, _) = listener.accept().await.unwrap();
                        spawner.spawn_local(echo(stream)).unwrap();
                    }
                });
                // Serve the accepted connections until every client is done.
                pool.run();
            })
        };
        let addr = addr_receiver.recv().unwrap();
        let clients: Vec<_> = (0..CLIENT_THREADS)
            .map(|thread| {
                let ids = (0..CLIENTS).filter(move |id| id % CLIENT_THREADS == thread);
                harness.spawn(futures::future::join_all(
                    ids.map(move |id| client(addr, id)),
                ))
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
        server.join().unwrap();
        assert_eq!(harness.handle().io_registration_count(), 0);
    });
}
