//! An HTTP client on braid: hyper-util's pooling client with braid's
//! executor and timer, connecting through braid's `TcpStream`.
//!
//! `cargo run -p braid --features hyper --example http_client -- http://127.0.0.1:3000/`
//! GETs a URL (plain `http`, host given as an address or a name);
//! `-- --demo` starts a hello server on a free port, sends it requests one
//! after another (the pool keeps connections alive for the next ones) and
//! then several at once, and exits. (`runtime/tests/http_examples.rs` runs
//! the demo.)

use braid::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::{Request, Response, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// Opens braid TCP connections for the client's pool, and counts them.
#[derive(Clone, Default)]
struct Connector {
    opened: Arc<AtomicUsize>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = Stream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let opened = Arc::clone(&self.opened);
        Box::pin(async move {
            let host = uri
                .host()
                .ok_or_else(|| io::Error::other("the URL has no host"))?;
            let port = uri.port_u16().unwrap_or(80);
            let stream = TcpStream::connect((host, port)).await?;
            stream.set_nodelay(true)?;
            opened.fetch_add(1, Ordering::Relaxed);
            Ok(Stream(stream))
        })
    }
}

/// A braid stream as the pool's connection: hyper's I/O traits come from
/// `TcpStream` itself; `Connection` tells the pool what it is.
struct Stream(TcpStream);

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Read for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl Write for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

type HttpClient = Client<Connector, Empty<Bytes>>;

fn client(connector: Connector) -> HttpClient {
    Client::builder(braid::hyper::Executor::new())
        .timer(braid::hyper::Timer::new())
        .pool_timer(braid::hyper::Timer::new())
        .build(connector)
}

async fn fetch(client: &HttpClient, uri: Uri) -> io::Result<(hyper::StatusCode, Bytes)> {
    let response = client.get(uri).await.map_err(io::Error::other)?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(io::Error::other)?;
    Ok((status, body.to_bytes()))
}

/// What the demo saw: the bodies, and how many connections the pool opened
/// for the sequential requests and for all of them.
#[derive(Debug)]
pub(crate) struct Demo {
    pub(crate) bodies: Vec<Bytes>,
    pub(crate) connections_for_sequential: usize,
    pub(crate) connections_in_all: usize,
}

pub(crate) const SEQUENTIAL: usize = 10;
pub(crate) const CONCURRENT: usize = 4;

/// Runs a hello server on a free port and the pooling client against it.
pub(crate) async fn demo() -> io::Result<Demo> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = braid::CancellationToken::new();
    let signal = stop.clone();
    let hello = tower::service_fn(|_: Request<Incoming>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
    });
    let server = braid::spawn(
        braid::hyper::serve(listener, hello)
            .with_graceful_shutdown(async move { signal.cancelled().await })
            .into_future(),
    );

    let connector = Connector::default();
    let client = client(connector.clone());
    let uri: Uri = format!("http://{addr}/").parse().expect("a valid URL");
    let mut bodies = Vec::new();
    for _ in 0..SEQUENTIAL {
        bodies.push(fetch(&client, uri.clone()).await?.1);
        // A moment for the connection to go back to the pool: it does once
        // its task has seen the response end.
        braid::time::sleep(Duration::from_millis(2)).await;
    }
    let connections_for_sequential = connector.opened.load(Ordering::Relaxed);
    let concurrent = braid::try_gather((0..CONCURRENT).map(|_| {
        let (client, uri) = (client.clone(), uri.clone());
        async move { fetch(&client, uri).await }
    }))
    .await
    .map_err(|error| io::Error::other(format!("{error:?}")))?;
    bodies.extend(concurrent.into_iter().map(|(_, body)| body));
    let connections_in_all = connector.opened.load(Ordering::Relaxed);
    println!(
        "[client] {} responses over {connections_in_all} connections \
         ({connections_for_sequential} for the {SEQUENTIAL} sequential ones)",
        bodies.len()
    );

    drop(client);
    stop.cancel();
    server.await.expect("the server task panicked")?;
    Ok(Demo {
        bodies,
        connections_for_sequential,
        connections_in_all,
    })
}

#[braid::main]
async fn main() -> io::Result<()> {
    let Some(arg) = std::env::args().nth(1) else {
        eprintln!("usage: http_client URL | --demo");
        std::process::exit(2);
    };
    if arg == "--demo" {
        let demo = demo().await?;
        assert!(demo.bodies.iter().all(|body| body == "hello"), "{demo:?}");
        assert!(demo.connections_for_sequential <= demo.connections_in_all);
        return Ok(());
    }
    let uri: Uri = arg.parse().map_err(io::Error::other)?;
    let (status, body) = fetch(&client(Connector::default()), uri).await?;
    println!("{status}");
    println!("{}", String::from_utf8_lossy(&body));
    Ok(())
}
