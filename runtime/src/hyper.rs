//! HTTP on braid with hyper (feature `hyper`).
//!
//! - [`serve`](serve()) runs an HTTP/1 and HTTP/2 server for any tower
//!   service (an axum `Router` as it is), each connection a task, with
//!   graceful shutdown.
//! - [`Executor`] and [`Timer`] are hyper's runtime hooks on braid, for
//!   hyper's and hyper-util's own builders (servers and clients).
//! - [`TcpStream`](crate::net::TcpStream) implements `hyper::rt::{Read,
//!   Write}` itself, so a stream goes into hyper with no adapter.
//!
//! ```
//! use http_body_util::Full;
//! use hyper::body::Bytes;
//! use hyper::{Request, Response};
//!
//! braid::Runtime::new().unwrap().block_on(async {
//!     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let service = tower::service_fn(|_request| async {
//!         Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("hello"))))
//!     });
//!     let stop = braid::CancellationToken::new();
//!     let signal = stop.clone();
//!     let server = braid::spawn(
//!         braid::hyper::serve(listener, service)
//!             .with_graceful_shutdown(async move { signal.cancelled().await })
//!             .into_future(),
//!     );
//!
//!     // A client on hyper's connection API, over a braid stream.
//!     let stream = braid::net::TcpStream::connect(addr).await?;
//!     let (mut sender, connection) = hyper::client::conn::http1::handshake(stream)
//!         .await
//!         .unwrap();
//!     braid::spawn(connection);
//!     let request = Request::get("/").body(Full::new(Bytes::new())).unwrap();
//!     let response = sender.send_request(request).await.unwrap();
//!     assert_eq!(response.status(), 200);
//!
//!     drop(sender);
//!     stop.cancel();
//!     server.await.unwrap()
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Libraries that need a Tokio runtime
//!
//! Crates written against `tokio::io` alone work on braid's streams with
//! the `tokio-io` feature. A library that needs a Tokio *runtime* (its
//! timers, its sockets, `tokio::spawn`: reqwest, sqlx) cannot run on
//! braid's workers. Give it a Tokio runtime of its own, on its own threads,
//! and send its work there through a `tokio::runtime::Handle`: the
//! `JoinHandle` that `Handle::spawn` returns is a plain future, which a
//! braid task awaits like any other.
//!
//! ```
//! use std::time::Duration;
//!
//! // One Tokio worker thread beside braid's, for the Tokio-bound library.
//! let tokio_runtime = tokio::runtime::Builder::new_multi_thread()
//!     .worker_threads(1)
//!     .enable_all()
//!     .build()?;
//! let tokio_handle = tokio_runtime.handle().clone();
//!
//! let answer = braid::Runtime::new()?.block_on(async move {
//!     // Stands for a call into the library, say `reqwest::get(url)`.
//!     let call = async {
//!         tokio::time::sleep(Duration::from_millis(5)).await;
//!         42
//!     };
//!     tokio_handle.spawn(call).await.expect("the Tokio task panicked")
//! });
//! assert_eq!(answer, 42);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Each call costs two hand-offs between the runtimes: the spawn wakes a
//! Tokio worker, and the Tokio task's completion wakes the braid task from
//! the Tokio thread (a cross-runtime wake, like any wake from another
//! thread: the task goes to braid's shared queue and an idle worker is
//! unparked). That is a few microseconds per call, nothing next to a
//! network round trip; spawn the whole conversation with the library as one
//! Tokio task, rather than each small step, when calls are many and short.

mod connection;
mod connections;
mod executor;
mod serve;
mod timer;

pub use executor::Executor;
pub use serve::{Serve, serve};
pub use timer::Timer;
