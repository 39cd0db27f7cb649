//! Graceful shutdown of `braid::hyper::serve`: the request in flight is
//! answered, idle connections are closed, new connections are refused, and
//! `serve` returns once every connection is gone.
#![cfg(feature = "hyper")]

#[path = "support/http.rs"]
mod http;
mod support;

use braid::CancellationToken;
use braid::net::TcpStream;
use futures::io::AsyncReadExt;
use http::{Client, start, text};
use hyper::StatusCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{eventually, multi};

#[test]
#[cfg_attr(miri, ignore)]
fn graceful_shutdown_finishes_the_request_in_flight_then_returns() {
    eventually(|| {
        multi(2).block_on(async {
            let entered = Arc::new(AtomicUsize::new(0));
            let release = CancellationToken::new();
            let (on_enter, gate) = (entered.clone(), release.clone());
            let server = start(move |request| {
                let (on_enter, gate) = (on_enter.clone(), gate.clone());
                async move {
                    if request.uri().path() == "/slow" {
                        on_enter.fetch_add(1, Ordering::SeqCst);
                        gate.cancelled().await;
                        text("slow done")
                    } else {
                        text("quick")
                    }
                }
            })
            .await;
            let addr = server.addr;

            // An idle keep-alive connection, and a slow request in flight.
            let mut idle = TcpStream::connect(addr).await.unwrap();
            let mut slow_client = Client::connect(addr).await.unwrap();
            let slow = braid::spawn(async move { slow_client.get("/slow").await });
            while entered.load(Ordering::SeqCst) == 0 {
                braid::time::sleep(Duration::from_millis(1)).await;
            }

            server.begin_stop();
            // The idle connection is closed: its client reads end-of-file.
            let mut buf = [0; 16];
            assert_eq!(idle.read(&mut buf).await.unwrap(), 0);
            // New connections are refused.
            let mut attempts = 0;
            while TcpStream::connect(addr).await.is_ok() {
                attempts += 1;
                assert!(
                    attempts < 1000,
                    "the listener still accepts after shutdown began"
                );
                braid::time::sleep(Duration::from_millis(1)).await;
            }
            // `serve` waits for the slow request.
            braid::time::sleep(Duration::from_millis(50)).await;
            assert!(
                !server.is_finished(),
                "serve returned with a request in flight"
            );
            assert!(!slow.is_finished());

            release.cancel();
            let (status, body) = slow.await.unwrap().unwrap();
            assert_eq!((status, body.as_str()), (StatusCode::OK, "slow done"));
            server.join().await.unwrap();
        })
    });
}

/// A request handler that never answers.
type Stuck = fn(
    hyper::Request<hyper::body::Incoming>,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = hyper::Response<http::Body>> + Send>,
>;

fn stuck(
    _: hyper::Request<hyper::body::Incoming>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = hyper::Response<http::Body>> + Send>> {
    Box::pin(async {
        std::future::pending::<()>().await;
        text("never")
    })
}

/// A server on `serve` (given a listener and a service whose requests
/// never finish), and a request to it in flight.
async fn a_stuck_request<F>(
    serve: F,
) -> (
    braid::JoinHandle<std::io::Result<()>>,
    braid::JoinHandle<Result<(StatusCode, String), hyper::Error>>,
)
where
    F: FnOnce(braid::net::TcpListener, http::Svc<Stuck>) -> braid::JoinHandle<std::io::Result<()>>,
{
    let listener = braid::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve(listener, http::Svc(stuck as Stuck));
    let mut client = Client::connect(addr).await.unwrap();
    let request = braid::spawn(async move { client.get("/").await });
    braid::time::sleep(Duration::from_millis(20)).await;
    (server, request)
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_the_server_drops_its_connections() {
    eventually(|| {
        multi(2).block_on(async {
            let (server, request) = a_stuck_request(|listener, service| {
                braid::spawn(braid::hyper::serve(listener, service).into_future())
            })
            .await;
            server.abort();
            // The connection goes with the server: the client sees it close.
            assert!(request.await.unwrap().is_err());
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_the_server_during_a_graceful_shutdown_drops_its_connections() {
    eventually(|| {
        multi(2).block_on(async {
            let stop = CancellationToken::new();
            let signal = stop.clone().cancelled_owned();
            let (server, request) = a_stuck_request(|listener, service| {
                braid::spawn(
                    braid::hyper::serve(listener, service)
                        .with_graceful_shutdown(signal)
                        .into_future(),
                )
            })
            .await;
            // The connection is asked to finish, and waits for its request.
            stop.cancel();
            braid::time::sleep(Duration::from_millis(20)).await;
            assert!(!request.is_finished());
            // A deadline on the shutdown drops the server: the connection
            // goes with it, though it was already finishing.
            server.abort();
            assert!(request.await.unwrap().is_err());
        })
    });
}
