//! Hello, world over HTTP/1 and HTTP/2, with hyper on braid.
//!
//! `cargo run -p braid --features hyper --example hello_http` serves on
//! 127.0.0.1:3000 (try `curl http://127.0.0.1:3000/`) until stopped;
//! `-- --demo` serves on a free port, sends itself one request, shuts down
//! gracefully and exits. (`runtime/tests/http_examples.rs` runs the demo.)

use braid::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io;

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from("Hello, world!\n"))))
}

/// Serves on a free port, GETs `/` once, shuts down; the body it got.
pub(crate) async fn demo() -> io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = braid::CancellationToken::new();
    let signal = stop.clone();
    let server = braid::spawn(
        braid::hyper::serve(listener, tower::service_fn(hello))
            .with_graceful_shutdown(async move { signal.cancelled().await })
            .into_future(),
    );

    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(stream)
        .await
        .map_err(io::Error::other)?;
    braid::spawn(connection);
    let request = Request::get("/")
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .expect("a valid request");
    let response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(io::Error::other)?;
    let body = String::from_utf8_lossy(&body.to_bytes()).into_owned();
    println!("[client] got {body:?}");

    drop(sender);
    stop.cancel();
    server.await.expect("the server task panicked")?;
    Ok(body)
}

#[braid::main]
async fn main() -> io::Result<()> {
    if std::env::args().any(|arg| arg == "--demo") {
        demo().await?;
        return Ok(());
    }
    let listener = TcpListener::bind("127.0.0.1:3000").await?;
    println!("serving on http://{}", listener.local_addr()?);
    braid::hyper::serve(listener, tower::service_fn(hello)).await
}
