//! `braid::hyper::serve` serving HTTP/1 and HTTP/2: keep-alive, pipelining,
//! many connections at once, and clients that vanish mid-request.
#![cfg(feature = "hyper")]

#[path = "support/http.rs"]
mod http;
mod support;

use braid::net::TcpStream;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use http::{Client, get, start, text};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode, Version};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{DropCounter, eventually, multi};

#[test]
#[cfg_attr(miri, ignore)]
fn keep_alive_serves_many_requests_on_one_connection() {
    eventually(|| {
        multi(2).block_on(async {
            let server = start(|request| async move {
                match request.uri().path() {
                    "/a" => text("first"),
                    _ => text("other"),
                }
            })
            .await;
            let mut client = Client::connect(server.addr).await.unwrap();
            for i in 0..20 {
                let path = if i % 2 == 0 { "/a" } else { "/b" };
                let (status, body) = client.get(path).await.unwrap();
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body, if i % 2 == 0 { "first" } else { "other" });
            }
            drop(client);
            server.stop().await.unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn pipelined_requests_are_answered_in_order() {
    eventually(|| {
        multi(2).block_on(async {
            let server = start(|request| async move {
                let path = request.uri().path().to_owned();
                hyper::Response::new(Full::new(Bytes::from(path)))
            })
            .await;
            let mut stream = TcpStream::connect(server.addr).await.unwrap();
            // Three requests in one write, the last asking to close.
            stream
                .write_all(
                    b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n\
                      GET /two HTTP/1.1\r\nHost: x\r\n\r\n\
                      GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                )
                .await
                .unwrap();
            let mut received = String::new();
            stream.read_to_string(&mut received).await.unwrap();
            assert_eq!(received.matches("HTTP/1.1 200 OK").count(), 3, "{received}");
            let one = received.find("/one").unwrap();
            let two = received.find("/two").unwrap();
            let three = received.find("/three").unwrap();
            assert!(one < two && two < three, "{received}");
            server.stop().await.unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn two_hundred_connections_at_once() {
    const CLIENTS: usize = 200;
    eventually(|| {
        multi(4).block_on(async {
            let server = start(|_| async { text("hello") }).await;
            // Every connection is open before any request is sent.
            let mut clients = Vec::new();
            for _ in 0..CLIENTS {
                clients.push(Client::connect(server.addr).await.unwrap());
            }
            let answers = braid::gather(clients.into_iter().map(|mut client| async move {
                let answer = client.get("/").await.unwrap();
                (answer, client)
            }))
            .await;
            assert_eq!(answers.len(), CLIENTS);
            for ((status, body), _) in &answers {
                assert_eq!(*status, StatusCode::OK);
                assert_eq!(body, "hello");
            }
            drop(answers);
            server.stop().await.unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_client_vanishing_mid_request_leaves_nothing_behind() {
    eventually(|| {
        multi(2).block_on(async {
            let started = Arc::new(AtomicUsize::new(0));
            let ended = DropCounter::default();
            let (on_start, on_end) = (started.clone(), ended.clone());
            let server = start(move |request| {
                on_start.fetch_add(1, Ordering::SeqCst);
                let token = on_end.token();
                async move {
                    let _token = token;
                    // The body never arrives in full: the client leaves.
                    match request.into_body().collect().await {
                        Ok(body) => text(if body.to_bytes().is_empty() {
                            "empty"
                        } else {
                            "body"
                        }),
                        Err(_) => text("broken"),
                    }
                }
            })
            .await;
            let tasks_before = braid::Handle::current().metrics().num_alive_tasks();

            let mut stream = TcpStream::connect(server.addr).await.unwrap();
            stream
                .write_all(
                    b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial",
                )
                .await
                .unwrap();
            while started.load(Ordering::SeqCst) == 0 {
                braid::time::sleep(Duration::from_millis(1)).await;
            }
            drop(stream);

            // The handler ends, and so does the connection's task.
            while ended.count() < 1
                || braid::Handle::current().metrics().num_alive_tasks() > tasks_before
            {
                braid::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(ended.count(), 1);
            assert_eq!(
                braid::Handle::current().metrics().num_alive_tasks(),
                tasks_before
            );

            // And the server serves the next client.
            assert_eq!(
                get(server.addr, "/").await,
                (StatusCode::OK, "empty".to_owned())
            );
            server.stop().await.unwrap();
            assert_eq!(ended.count(), 2);
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn http2_with_prior_knowledge() {
    eventually(|| {
        multi(2).block_on(async {
            let server = start(|request| async move {
                assert_eq!(request.version(), Version::HTTP_2);
                text("over h2")
            })
            .await;
            let stream = TcpStream::connect(server.addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http2::Builder::new(braid::hyper::Executor::new())
                    .timer(braid::hyper::Timer::new())
                    .handshake(stream)
                    .await
                    .unwrap();
            braid::spawn(connection);
            // Several streams at once on the one connection.
            let responses = braid::gather((0..8).map(|_| {
                let request = Request::get("http://localhost/")
                    .body(Full::new(Bytes::new()))
                    .unwrap();
                let response = sender.send_request(request);
                async move {
                    let response = response.await.unwrap();
                    assert_eq!(response.version(), Version::HTTP_2);
                    response.into_body().collect().await.unwrap().to_bytes()
                }
            }))
            .await;
            assert!(responses.iter().all(|body| body == "over h2"));
            drop(sender);
            server.stop().await.unwrap();
        })
    });
}
