//! braid's `TcpStream` through `tokio::io`: tokio-util's `Framed` with a
//! `LinesCodec`, and hyper-util's `TokioIo` (feature `tokio-io`).
#![cfg(feature = "tokio-io")]

mod support;

use braid::net::{TcpListener, TcpStream};
use futures::{SinkExt, StreamExt};
use support::{eventually, multi};
use tokio_util::codec::{Framed, LinesCodec};

#[test]
#[cfg_attr(miri, ignore)]
fn framed_lines_over_a_braid_stream() {
    eventually(|| {
        multi(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // An upper-casing line echo server.
            let server = braid::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut lines = Framed::new(stream, LinesCodec::new());
                let mut echoed = 0;
                while let Some(line) = lines.next().await {
                    lines.send(line.unwrap().to_uppercase()).await.unwrap();
                    echoed += 1;
                }
                echoed
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let mut lines = Framed::new(stream, LinesCodec::new());
            // Long lines too, so that reads split them.
            let sent: Vec<String> = (0..50)
                .map(|i| format!("line {i} {}", "x".repeat(i * 300)))
                .collect();
            for line in &sent {
                lines.send(line.clone()).await.unwrap();
            }
            for line in &sent {
                assert_eq!(lines.next().await.unwrap().unwrap(), line.to_uppercase());
            }
            // Closing the write half ends the server's stream of lines.
            SinkExt::<String>::close(&mut lines).await.unwrap();
            assert_eq!(server.await.unwrap(), sent.len());
            assert!(lines.next().await.is_none());
        })
    });
}

#[cfg(feature = "hyper")]
#[test]
#[cfg_attr(miri, ignore)]
fn hyper_over_tokio_io_on_a_braid_stream() {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::rt::TokioIo;

    eventually(|| {
        multi(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = braid::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let service = hyper::service::service_fn(|_| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from(
                        "via TokioIo",
                    ))))
                });
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            braid::spawn(connection);
            let request = hyper::Request::get("/")
                .header("host", "localhost")
                .body(Full::new(Bytes::new()))
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(
                response.into_body().collect().await.unwrap().to_bytes(),
                "via TokioIo"
            );
            drop(sender);
            server.await.unwrap().unwrap();
        })
    });
}

/// The owned halves of a TCP stream, and a Unix stream and its halves,
/// through `tokio::io`: a `FramedRead` on a read half and a `FramedWrite`
/// on a write half, from two tasks at once.
#[test]
#[cfg_attr(miri, ignore)]
fn framed_over_halves_and_unix_streams() {
    use tokio_util::codec::{FramedRead, FramedWrite};

    multi(2).block_on(async {
        // A Unix stream pair: the whole stream, framed.
        let (left, right) = braid::net::UnixStream::pair().unwrap();
        let mut left = Framed::new(left, LinesCodec::new());
        let mut right = Framed::new(right, LinesCodec::new());
        left.send("over a unix socket").await.unwrap();
        assert_eq!(right.next().await.unwrap().unwrap(), "over a unix socket");

        // Its halves, each in a task of its own.
        let (a, b) = braid::net::UnixStream::pair().unwrap();
        let (a_read, a_write) = a.into_split();
        let (b_read, b_write) = b.into_split();
        let echo = braid::spawn(async move {
            let mut lines = FramedRead::new(b_read, LinesCodec::new());
            let mut out = FramedWrite::new(b_write, LinesCodec::new());
            while let Some(line) = lines.next().await {
                out.send(line.unwrap()).await.unwrap();
            }
        });
        let mut out = FramedWrite::new(a_write, LinesCodec::new());
        let mut replies = FramedRead::new(a_read, LinesCodec::new());
        for i in 0..20 {
            out.send(format!("unix half {i}")).await.unwrap();
            assert_eq!(
                replies.next().await.unwrap().unwrap(),
                format!("unix half {i}")
            );
        }
        drop(out); // dropping a write half shuts down its direction
        echo.await.unwrap();

        // A TCP stream's halves.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = braid::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, write) = stream.into_split();
            let mut lines = FramedRead::new(read, LinesCodec::new());
            let mut out = FramedWrite::new(write, LinesCodec::new());
            while let Some(line) = lines.next().await {
                out.send(line.unwrap().len().to_string()).await.unwrap();
            }
        });
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut out = FramedWrite::new(write, LinesCodec::new());
        let mut replies = FramedRead::new(read, LinesCodec::new());
        out.send("four").await.unwrap();
        assert_eq!(replies.next().await.unwrap().unwrap(), "4");
        drop(out);
        server.await.unwrap();
        assert!(replies.next().await.is_none());
    });
}
