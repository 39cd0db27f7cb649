//! End-of-file: a closed peer reads as `Ok(0)`; `poll_close` half-closes.

mod support;

use braid_reactor::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::net::Shutdown;
use support::{Harness, eventually};

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
#[cfg_attr(miri, ignore)]
fn reading_after_the_peer_closed_gives_zero() {
    eventually(|| {
        Harness::new().block_on(async {
            let (mut client, server) = pair().await;
            let mut server = server;
            server.write_all(b"last words").await.unwrap();
            drop(server);
            let mut received = Vec::new();
            client.read_to_end(&mut received).await.unwrap();
            assert_eq!(received, b"last words");
            assert_eq!(client.read(&mut [0; 16]).await.unwrap(), 0);
            assert_eq!(client.read(&mut [0; 16]).await.unwrap(), 0, "EOF stays EOF");
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn close_half_closes_and_the_other_direction_keeps_working() {
    eventually(|| {
        Harness::new().block_on(async {
            let (mut client, mut server) = pair().await;
            client.write_all(b"request").await.unwrap();
            client.close().await.unwrap();
            let mut request = Vec::new();
            server.read_to_end(&mut request).await.unwrap();
            assert_eq!(request, b"request");
            server.write_all(b"response").await.unwrap();
            server.shutdown(Shutdown::Write).unwrap();
            let mut response = Vec::new();
            client.read_to_end(&mut response).await.unwrap();
            assert_eq!(response, b"response");
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_shared_reference_reads_and_writes() {
    eventually(|| {
        Harness::new().block_on(async {
            let (client, server) = pair().await;
            let (mut reader, mut writer) = (&client, &client);
            (&server).write_all(b"to client").await.unwrap();
            let mut buf = [0; 9];
            reader.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"to client");
            writer.write_all(b"to server").await.unwrap();
            (&server).read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"to server");
            assert_eq!(client.peer_addr().unwrap(), server.local_addr().unwrap());
        });
    });
}
