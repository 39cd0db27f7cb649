//! hyper's timeouts on braid's `Timer`: a client that sends its request
//! head too slowly is cut off, and `Timer::reset` moves a sleep.
#![cfg(feature = "hyper")]

#[path = "support/http.rs"]
mod http;
mod support;

use braid::net::TcpStream;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use http::{get, start_with, text};
use hyper::StatusCode;
use hyper::rt::Timer as _;
use std::time::Duration;
use support::{eventually, multi};

#[test]
#[cfg_attr(miri, ignore)]
fn a_client_sending_headers_too_slowly_is_cut_off() {
    eventually(|| {
        multi(2).block_on(async {
            let server = start_with(
                |_| async { text("hello") },
                |serve| serve.header_read_timeout(Duration::from_millis(200)),
            )
            .await;
            let mut stream = TcpStream::connect(server.addr).await.unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
            // One header byte every 50 ms: the head would take 5 s in all.
            let header = [b'x'; 100];
            let mut sent = 0;
            for byte in header.chunks(1) {
                if stream.write_all(byte).await.is_err() {
                    break;
                }
                sent += 1;
                braid::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(sent < header.len(), "the slow client was never cut off");
            // What the server sent before closing, if anything, is no 200.
            let mut received = Vec::new();
            let _ = stream.read_to_end(&mut received).await;
            assert!(!String::from_utf8_lossy(&received).contains("200 OK"));

            // A prompt client is still served.
            assert_eq!(
                get(server.addr, "/").await,
                (StatusCode::OK, "hello".to_owned())
            );
            server.stop().await.unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_silent_client_is_cut_off() {
    eventually(|| {
        multi(2).block_on(async {
            let server = start_with(
                |_| async { text("hello") },
                |serve| serve.header_read_timeout(Duration::from_millis(200)),
            )
            .await;
            // One sends nothing; one sends the start of the HTTP/2 preface
            // and stops, so the protocol is never told.
            let mut silent = TcpStream::connect(server.addr).await.unwrap();
            let mut preface = TcpStream::connect(server.addr).await.unwrap();
            preface.write_all(b"PRI * HT").await.unwrap();
            for stream in [&mut silent, &mut preface] {
                let mut received = Vec::new();
                // The server closes the connection: end-of-file (or a reset).
                let _ = stream.read_to_end(&mut received).await;
                assert!(received.is_empty(), "{received:?}");
            }
            assert_eq!(
                get(server.addr, "/").await,
                (StatusCode::OK, "hello".to_owned())
            );
            server.stop().await.unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn timer_reset_moves_the_deadline() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let timer = braid::hyper::Timer::new();
        let start = braid::time::Instant::now();
        let mut sleep = timer.sleep(Duration::from_secs(10));
        // Polled once, so the sleep is in the wheel when it moves.
        assert!(futures::poll!(sleep.as_mut()).is_pending());
        timer.reset(&mut sleep, (start + Duration::from_secs(30)).into_std());
        sleep.await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        assert_eq!(timer.now(), (start + Duration::from_secs(30)).into_std());

        // A sleep made elsewhere is replaced by one of braid's.
        let mut foreign: std::pin::Pin<Box<dyn hyper::rt::Sleep>> =
            Box::pin(Foreign(braid::time::sleep(Duration::from_secs(100))));
        timer.reset(&mut foreign, (start + Duration::from_secs(31)).into_std());
        foreign.await;
        assert_eq!(start.elapsed(), Duration::from_secs(31));
    });
}

/// A `hyper::rt::Sleep` that is not braid's.
struct Foreign(braid::time::Sleep);

impl Future for Foreign {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for Foreign {}
