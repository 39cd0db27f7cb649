//! `serve`: an HTTP server for a tower service, on a braid `TcpListener`.

use super::connection::Connection;
use super::connections::Connections;
use super::{Executor, Timer};
use crate::CancellationToken;
use crate::net::TcpListener;
use crate::sync::Arc;
use crate::time;
use http::{Request, Response};
use http_body::Body;
use hyper::body::Incoming;
use hyper_util::server::conn::auto;
use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture, Pending, pending, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;
use tower_service::Service;

pub(super) type BoxError = Box<dyn StdError + Send + Sync>;

/// hyper's own default: a client gets this long to send a request's head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The first pause after an accept error that is not about one connection
/// (out of descriptors, say); each further error in a row doubles it, up to
/// [`MAX_ACCEPT_BACKOFF`].
const FIRST_ACCEPT_BACKOFF: Duration = Duration::from_millis(5);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves HTTP/1 and HTTP/2 on every connection `listener` accepts,
/// answering each request with `service`; await the returned [`Serve`].
///
/// Each connection runs as a task of its own and asks a clone of `service`
/// (an axum `Router` works as it is). The protocol is told by the client's
/// first bytes (HTTP/2 with prior knowledge, or HTTP/1.1). A client gets 30
/// seconds to send a request's head ([`Serve::header_read_timeout`]).
/// Errors of one connection end that connection only; accept errors are
/// survived: one about a single connection (`ECONNABORTED`) is skipped, any
/// other (`EMFILE`) is retried after a pause that doubles, up to a second,
/// while it lasts. Dropping the future drops every connection.
///
/// # Examples
///
/// ```
/// use http_body_util::Full;
/// use hyper::body::{Bytes, Incoming};
/// use hyper::{Request, Response};
/// use std::convert::Infallible;
///
/// async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
///     Ok(Response::new(Full::new(Bytes::from("hello"))))
/// }
///
/// braid::Runtime::new().unwrap().block_on(async {
///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
///     let service = tower::service_fn(hello);
///     // Stop at once: nothing is served, and `serve` returns.
///     braid::hyper::serve(listener, service).with_graceful_shutdown(async {}).await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn serve<S>(listener: TcpListener, service: S) -> Serve<S> {
    Serve {
        listener,
        service,
        signal: pending(),
        header_read_timeout: HEADER_READ_TIMEOUT,
    }
}

/// A server, made by [`serve`](serve()); `.await` it to run it.
///
/// Without [`with_graceful_shutdown`](Serve::with_graceful_shutdown) it runs
/// until dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// braid::Runtime::new().unwrap().block_on(async {
///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
///     let service = tower::service_fn(|_| async {
///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hi")))
///     });
///     braid::hyper::serve(listener, service)
///         .header_read_timeout(Duration::from_secs(5))
///         .with_graceful_shutdown(braid::time::sleep(Duration::from_millis(10)))
///         .await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve<S, F = Pending<()>> {
    listener: TcpListener,
    service: S,
    signal: F,
    header_read_timeout: Duration,
}

impl<S, F> Serve<S, F> {
    /// Shuts the server down gracefully once `signal` completes: it stops
    /// accepting (new connections are refused), asks every connection to
    /// finish the requests in flight and then close, and returns `Ok(())`
    /// once every connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let service = tower::service_fn(|_| async {
    ///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hi")))
    ///     });
    ///     let stop = braid::CancellationToken::new();
    ///     let signal = stop.clone();
    ///     let server = braid::spawn(
    ///         braid::hyper::serve(listener, service)
    ///             .with_graceful_shutdown(async move { signal.cancelled().await })
    ///             .into_future(),
    ///     );
    ///     stop.cancel();
    ///     server.await.unwrap()?;
    ///     // The listener is closed.
    ///     assert!(braid::net::TcpStream::connect(addr).await.is_err());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_graceful_shutdown<G>(self, signal: G) -> Serve<S, G>
    where
        G: Future<Output = ()> + Send + 'static,
    {
        Serve {
            listener: self.listener,
            service: self.service,
            signal,
            header_read_timeout: self.header_read_timeout,
        }
    }

    /// How long a client gets to send a request's head, from the moment the
    /// connection waits for one; a slower client's connection is closed.
    /// It bounds every request head on HTTP/1, and the first request of
    /// each connection on either protocol (counted from the accept, so a
    /// client that connects and stays silent is cut off too). 30 seconds
    /// unless set.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let listener = braid::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let service = tower::service_fn(|_| async {
    ///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    ///     });
    ///     braid::hyper::serve(listener, service)
    ///         .header_read_timeout(Duration::from_secs(2))
    ///         .with_graceful_shutdown(async {})
    ///         .await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Serve<S, F> {
        self.header_read_timeout = timeout;
        self
    }
}

impl<S, B, F> IntoFuture for Serve<S, F>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self))
    }
}

/// The accept loop, then the graceful shutdown.
async fn run<S, B, F>(server: Serve<S, F>) -> io::Result<()>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    let Serve {
        listener,
        service,
        signal,
        header_read_timeout,
    } = server;
    let builder = Arc::new(connection_builder(header_read_timeout));
    let connections = Arc::new(Connections::default());
    // Dropping the server cancels `abort`, and with it its child
    // `graceful`, so one registration per connection hears both.
    let abort = CancellationToken::new();
    let graceful = abort.child_token();
    let _abort_on_drop = CancelOnDrop(abort.clone());
    let mut signal = pin!(signal);
    let mut backoff = FIRST_ACCEPT_BACKOFF;
    loop {
        let accepted = poll_fn(|cx| match signal.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => listener.poll_accept(cx).map(Some),
        })
        .await;
        match accepted {
            None => break,
            Some(Ok((stream, _))) => {
                backoff = FIRST_ACCEPT_BACKOFF;
                let connection = Connection {
                    builder: Arc::clone(&builder),
                    service: service.clone(),
                    header_read_timeout,
                    graceful: graceful.clone(),
                    abort: abort.clone(),
                };
                let live = connections.enter();
                drop(crate::spawn(async move {
                    connection.run(stream).await;
                    drop(live);
                }));
            }
            Some(Err(error)) if is_connection_error(&error) => {}
            Some(Err(_)) => {
                // The connection that failed stays queued, so the
                // listener stays ready: retrying now would spin.
                let mut pause = pin!(time::sleep(backoff));
                backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                let stop = poll_fn(|cx| match signal.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(true),
                    Poll::Pending => pause.as_mut().poll(cx).map(|()| false),
                })
                .await;
                if stop {
                    break;
                }
            }
        }
    }
    drop(listener);
    graceful.cancel();
    connections.all_gone().await;
    Ok(())
}

fn connection_builder(header_read_timeout: Duration) -> auto::Builder<Executor> {
    let mut builder = auto::Builder::new(Executor::new());
    builder
        .http1()
        .timer(Timer::new())
        .header_read_timeout(header_read_timeout);
    builder.http2().timer(Timer::new());
    builder
}

/// Errors that concern one connection only: the next accept may succeed.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// Cancels its token when dropped.
struct CancelOnDrop(CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl<S, F> fmt::Debug for Serve<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("header_read_timeout", &self.header_read_timeout)
            .finish_non_exhaustive()
    }
}
