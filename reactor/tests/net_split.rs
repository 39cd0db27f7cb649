//! `TcpStream::into_split`: the owned halves work from two tasks at once,
//! reunite only with each other, and dropping the write half ends the
//! stream's writing.

mod support;

use braid::net::tcp::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use support::eventually;

const MESSAGES: usize = 500;
const MESSAGE: &[u8] = b"0123456789abcdef";

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

/// An echo server on `stream` until end-of-file.
async fn echo(mut stream: TcpStream) {
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf).await.unwrap() {
            0 => return,
            n => stream.write_all(&buf[..n]).await.unwrap(),
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn halves_are_used_from_two_tasks_at_once() {
    eventually(|| {
        runtime().block_on(async {
            let (client, server) = connected().await;
            let echoer = braid::spawn(echo(server));
            let (mut read, mut write) = client.into_split();
            // The writer and the reader run as separate tasks, each waiting
            // on its own direction while the other is mid-transfer.
            let writer = braid::spawn(async move {
                for _ in 0..MESSAGES {
                    write.write_all(MESSAGE).await.unwrap();
                }
                write
            });
            let reader = braid::spawn(async move {
                let mut received = vec![0; MESSAGES * MESSAGE.len()];
                read.read_exact(&mut received).await.unwrap();
                (read, received)
            });
            let write = writer.await.unwrap();
            let (read, received) = reader.await.unwrap();
            assert!(received.chunks(MESSAGE.len()).all(|chunk| chunk == MESSAGE));
            // Reunited, the stream still works, then closes cleanly.
            let mut stream = read.reunite(write).unwrap();
            stream.write_all(b"last").await.unwrap();
            let mut last = [0; 4];
            stream.read_exact(&mut last).await.unwrap();
            assert_eq!(&last, b"last");
            drop(stream);
            echoer.await.unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn halves_of_different_streams_do_not_reunite() {
    eventually(|| {
        runtime().block_on(async {
            let (a, _a_peer) = connected().await;
            let (b, _b_peer) = connected().await;
            let (a_local, b_local) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            let (read_a, write_a) = a.into_split();
            let (read_b, write_b) = b.into_split();
            let ReuniteError(read_a, write_b) = read_a.reunite(write_b).unwrap_err();
            let error = write_a.reunite(read_b).unwrap_err();
            assert!(error.to_string().contains("two different TCP streams"));
            let ReuniteError(read_b, write_a) = error;
            // The halves came back intact and pair up with their own.
            let a: TcpStream = read_a.reunite(write_a).unwrap();
            let b: TcpStream = write_b.reunite(read_b).unwrap();
            assert_eq!(a.local_addr().unwrap(), a_local);
            assert_eq!(b.local_addr().unwrap(), b_local);
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_the_write_half_shuts_down_writing_and_reunite_does_not() {
    eventually(|| {
        runtime().block_on(async {
            let (client, mut server) = connected().await;
            let (read, write): (OwnedReadHalf, OwnedWriteHalf) = client.into_split();
            // Reuniting keeps the write direction open.
            let client = read.reunite(write).unwrap();
            let (_read, mut write) = client.into_split();
            write.write_all(b"tail").await.unwrap();
            drop(write);
            let mut received = Vec::new();
            server.read_to_end(&mut received).await.unwrap();
            assert_eq!(received, b"tail");
        })
    });
}
