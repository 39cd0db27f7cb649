//! The HTTP workload: the same hyper hello service served by
//! `braid::hyper::serve` and, on Tokio, by hyper-util's auto builder, under
//! keep-alive load from a client on a Tokio runtime of its own.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use braid::CancellationToken;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;

use crate::measure::{Latency, Run};
use crate::runtime::{Braid, Tokio};

/// Keep-alive connections of the client.
pub const CONNECTIONS: usize = 32;
/// Requests each connection sends, one after another.
pub const REQUESTS: usize = 200;
/// Worker threads of the client's own runtime.
const CLIENT_WORKERS: usize = 2;
const BODY: &str = "Hello, world!";

/// The service both servers run: a tower service, as `serve` takes it.
#[derive(Clone, Copy, Debug)]
struct Hello;

impl tower_service::Service<Request<Incoming>> for Hello {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<Full<Bytes>>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Incoming>) -> Self::Future {
        std::future::ready(Ok(Response::new(Full::new(Bytes::from_static(
            BODY.as_bytes(),
        )))))
    }
}

/// `http_hello` on braid: `braid::hyper::serve`.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, http};
///
/// let run = http::braid_hello(&Braid::with_workers(2));
/// assert_eq!(run.units, (http::CONNECTIONS * http::REQUESTS) as u64);
/// ```
pub fn braid_hello(rt: &Braid) -> Run {
    let stop = CancellationToken::new();
    let signal = stop.clone();
    let (addr, server) = rt.runtime().block_on(async move {
        let listener = braid::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind failed");
        let addr = listener.local_addr().expect("no local address");
        let serve = braid::hyper::serve(listener, Hello)
            .with_graceful_shutdown(async move { signal.cancelled().await });
        (addr, braid::spawn(serve.into_future()))
    });
    let run = load(addr);
    stop.cancel();
    rt.runtime()
        .block_on(server)
        .expect("the server panicked")
        .expect("the server failed");
    run
}

/// `http_hello` on Tokio: hyper-util's auto builder with Tokio's executor
/// and timer, a task per connection, the same graceful shutdown.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, http};
///
/// let run = http::tokio_hello(&Tokio::with_workers(2));
/// assert_eq!(run.units, (http::CONNECTIONS * http::REQUESTS) as u64);
/// ```
pub fn tokio_hello(rt: &Tokio) -> Run {
    let stop = CancellationToken::new();
    let signal = stop.clone();
    let (addr, server) = rt.runtime().block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind failed");
        let addr = listener.local_addr().expect("no local address");
        (addr, tokio::spawn(tokio_serve(listener, signal)))
    });
    let run = load(addr);
    stop.cancel();
    rt.runtime().block_on(server).expect("the server panicked");
    run
}

async fn tokio_serve(listener: tokio::net::TcpListener, stop: CancellationToken) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted.expect("accept failed").0,
        };
        stream.set_nodelay(true).expect("nodelay failed");
        let (builder, stop) = (Arc::clone(&builder), stop.clone());
        connections.spawn(async move {
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(stream),
                TowerToHyperService::new(Hello),
            );
            let mut connection = pin!(connection);
            // As `braid::hyper::serve` does: register on the first poll,
            // then read the flag.
            let mut cancelled = pin!(stop.cancelled());
            let mut watching = false;
            let mut asked = false;
            poll_fn(|cx| {
                if !watching {
                    watching = true;
                    let _ = cancelled.as_mut().poll(cx);
                }
                if !asked && stop.is_cancelled() {
                    asked = true;
                    connection.as_mut().graceful_shutdown();
                }
                connection.as_mut().poll(cx).map(drop)
            })
            .await;
        });
    }
    while connections.join_next().await.is_some() {}
}

/// The client's runtime, made once and shared by every run.
fn client_runtime() -> &'static tokio::runtime::Runtime {
    static CLIENT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    CLIENT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(CLIENT_WORKERS)
            .thread_name("http-client")
            .enable_all()
            .build()
            .expect("failed to build the client runtime")
    })
}

/// Opens [`CONNECTIONS`] keep-alive connections to `addr`, then times
/// [`REQUESTS`] GETs on each, one after another per connection; latency is
/// per request, from sending it to having the whole body.
fn load(addr: SocketAddr) -> Run {
    let (elapsed, mut latencies) = client_runtime().block_on(async move {
        let mut senders = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            let stream = tokio::net::TcpStream::connect(addr)
                .await
                .expect("connect failed");
            stream.set_nodelay(true).expect("nodelay failed");
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .expect("handshake failed");
            tokio::spawn(connection);
            senders.push(sender);
        }
        let start = Instant::now();
        let clients: Vec<_> = senders
            .into_iter()
            .map(|sender| tokio::spawn(requests(sender)))
            .collect();
        let mut latencies = Vec::with_capacity(CONNECTIONS * REQUESTS);
        for client in clients {
            latencies.extend(client.await.expect("a client panicked"));
        }
        (start.elapsed(), latencies)
    });
    assert_eq!(
        latencies.len(),
        CONNECTIONS * REQUESTS,
        "http_hello: lost requests"
    );
    Run {
        elapsed,
        units: latencies.len() as u64,
        latency: Some(Latency::from_samples(&mut latencies)),
    }
}

async fn requests(
    mut sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let sent = Instant::now();
        sender.ready().await.expect("the connection closed");
        let request = Request::get("/")
            .header("host", "localhost")
            .body(Empty::new())
            .expect("a valid request");
        let response = sender.send_request(request).await.expect("request failed");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body failed")
            .to_bytes();
        assert_eq!(body, BODY.as_bytes(), "http_hello: wrong body");
        latencies.push(sent.elapsed());
    }
    latencies
}
