//! `futures::io::copy` between two braid streams.

mod support;

use braid_reactor::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt, copy};
use support::{Harness, eventually};

async fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
#[cfg_attr(miri, ignore)]
fn copy_moves_every_byte_from_one_stream_to_another() {
    eventually(|| {
        Harness::new().block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            // source_writer -> source_reader ==copy==> sink_writer -> sink_reader
            let (mut source_writer, source_reader) = pair(&listener).await;
            let (mut sink_writer, mut sink_reader) = pair(&listener).await;
            let payload: Vec<u8> = (0..1_000_000u32).map(|n| (n % 251) as u8).collect();

            let produce = async {
                source_writer.write_all(&payload).await.unwrap();
                source_writer.close().await.unwrap();
            };
            let relay = async {
                let copied = copy(&source_reader, &mut sink_writer).await.unwrap();
                sink_writer.close().await.unwrap();
                copied
            };
            let consume = async {
                let mut received = Vec::new();
                sink_reader.read_to_end(&mut received).await.unwrap();
                received
            };
            let ((), copied, received) = futures::join!(produce, relay, consume);
            assert_eq!(copied, payload.len() as u64);
            assert!(received == payload, "bytes were lost or reordered");
        });
    });
}
