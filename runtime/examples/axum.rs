//! An axum application on braid: routes, JSON, shared state and graceful
//! shutdown, served by `braid::hyper::serve` (axum needs no runtime
//! feature for this: `default-features = false, features = ["json",
//! "http1", "http2"]`).
//!
//! `cargo run -p braid --features hyper --example axum` serves on
//! 127.0.0.1:3000 for a minute, then shuts down gracefully (`-- --seconds
//! N` for another span); `-- --demo` serves on a free port, calls every
//! route once, shuts down and exits. (`runtime/tests/http_examples.rs` runs
//! the demo.) With `braid::signal::ctrl_c()` the shutdown signal can be
//! Ctrl-C instead of the timer: pass it to `with_graceful_shutdown`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use braid::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use serde::{Deserialize, Serialize};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Shared by every request.
#[derive(Clone, Default)]
struct AppState {
    visits: Arc<AtomicU64>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Visits {
    visits: u64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Greeting {
    name: String,
    message: String,
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from axum on braid!\n" }))
        .route("/visits", post(visit).get(visits))
        .route("/greet/{name}", get(greet))
        .with_state(AppState::default())
}

async fn visit(State(state): State<AppState>) -> Json<Visits> {
    let visits = state.visits.fetch_add(1, Ordering::Relaxed) + 1;
    Json(Visits { visits })
}

async fn visits(State(state): State<AppState>) -> Json<Visits> {
    Json(Visits {
        visits: state.visits.load(Ordering::Relaxed),
    })
}

async fn greet(Path(name): Path<String>) -> Json<Greeting> {
    let message = format!("Hello, {name}!");
    Json(Greeting { name, message })
}

/// What the demo's client saw.
#[derive(Debug)]
pub(crate) struct Demo {
    pub(crate) root: String,
    pub(crate) visits: u64,
    pub(crate) greeting: String,
    pub(crate) missing: StatusCode,
}

/// Serves on a free port, calls each route, shuts down gracefully.
pub(crate) async fn demo() -> io::Result<Demo> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = braid::CancellationToken::new();
    let signal = stop.clone();
    let server = braid::spawn(
        braid::hyper::serve(listener, app())
            .with_graceful_shutdown(async move { signal.cancelled().await })
            .into_future(),
    );

    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(stream)
        .await
        .map_err(io::Error::other)?;
    braid::spawn(connection);
    let mut call = async |method: Method, path: &str| -> io::Result<(StatusCode, String)> {
        sender.ready().await.map_err(io::Error::other)?;
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .body(Full::new(Bytes::new()))
            .expect("a valid request");
        let response = sender
            .send_request(request)
            .await
            .map_err(io::Error::other)?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(io::Error::other)?;
        Ok((
            status,
            String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        ))
    };

    let (_, root) = call(Method::GET, "/").await?;
    for _ in 0..3 {
        call(Method::POST, "/visits").await?;
    }
    let (_, visits) = call(Method::GET, "/visits").await?;
    let visits: Visits = serde_json::from_str(&visits).map_err(io::Error::other)?;
    let (_, greeting) = call(Method::GET, "/greet/braid").await?;
    let (missing, _) = call(Method::GET, "/nowhere").await?;
    println!(
        "[client] / -> {root:?}; visits -> {visits:?}; greet -> {greeting}; /nowhere -> {missing}"
    );
    drop(sender);

    stop.cancel();
    server.await.expect("the server task panicked")?;
    Ok(Demo {
        root,
        visits: visits.visits,
        greeting,
        missing,
    })
}

#[braid::main]
async fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|arg| arg == "--demo") {
        let demo = demo().await?;
        let expected = (3, StatusCode::NOT_FOUND);
        assert_eq!((demo.visits, demo.missing), expected, "{demo:?}");
        assert!(!demo.root.is_empty() && demo.greeting.contains("Hello, braid!"));
        return Ok(());
    }
    let seconds = match args.iter().position(|arg| arg == "--seconds") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .expect("--seconds takes a whole number"),
        None => 60,
    };
    let listener = TcpListener::bind("127.0.0.1:3000").await?;
    println!(
        "serving on http://{} for {seconds} s",
        listener.local_addr()?
    );
    braid::hyper::serve(listener, app())
        .with_graceful_shutdown(braid::time::sleep(Duration::from_secs(seconds)))
        .await?;
    println!("shut down gracefully");
    Ok(())
}
