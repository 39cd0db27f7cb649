//! One connection of the server, served as a task of its own.

use super::Executor;
use super::serve::BoxError;
use crate::CancellationToken;
use crate::net::TcpStream;
use crate::sync::{Arc, AtomicBool, Ordering};
use crate::time;
use http::{Request, Response};
use http_body::Body;
use hyper::body::Incoming;
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;
use tower_service::Service;

/// What a connection task needs besides its stream.
pub(super) struct Connection<S> {
    pub(super) builder: Arc<auto::Builder<Executor>>,
    pub(super) service: S,
    /// How long the client gets to send its first request's head.
    pub(super) header_read_timeout: Duration,
    /// Cancelled when the server shuts down gracefully, and when `abort` is.
    pub(super) graceful: CancellationToken,
    /// Cancelled when the server's future is dropped.
    pub(super) abort: CancellationToken,
}

impl<S, B> Connection<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    /// Serves `stream` until the client closes it, an error ends it, the
    /// connection finishes after a graceful shutdown, or the server is
    /// dropped.
    ///
    /// The first request must arrive within the header-read timeout.
    /// hyper's own timeout covers each request head once the protocol is
    /// known, but not the bytes it reads first to tell HTTP/2 from HTTP/1:
    /// a client that connects and sends nothing, or a prefix of the HTTP/2
    /// preface, would hold the connection forever.
    pub(super) async fn run(self, stream: TcpStream) {
        // Small responses go out at once rather than waiting for an ACK.
        let _ = stream.set_nodelay(true);
        let first_request = Arc::new(AtomicBool::new(false));
        let service = Watched {
            inner: TowerToHyperService::new(self.service),
            first_request: Arc::clone(&first_request),
        };
        let connection = self.builder.serve_connection_with_upgrades(stream, service);
        let mut connection = pin!(connection);
        let mut first_deadline = Some(time::sleep(self.header_read_timeout));
        let mut cancelled = pin!(self.graceful.cancelled());
        let mut aborted = pin!(self.abort.cancelled());
        let mut watching = false;
        let mut asked_to_finish = false;
        poll_fn(|cx| {
            // Registered on the first poll only: this future is its task's
            // whole body, and a task's waker wakes that task whichever one
            // was handed out, so the registration stays good; each later
            // wake reads the tokens' flags instead of taking their lock.
            // Both tokens: once a graceful shutdown has woken the task, a
            // drop of the server that follows must wake it again.
            if !watching {
                watching = true;
                let _ = cancelled.as_mut().poll(cx);
                let _ = aborted.as_mut().poll(cx);
            }
            if self.abort.is_cancelled() {
                return Poll::Ready(());
            }
            if !asked_to_finish && self.graceful.is_cancelled() {
                asked_to_finish = true;
                connection.as_mut().graceful_shutdown();
            }
            // A connection's error (a reset, a header timeout) is the end of
            // that connection and nothing more.
            if connection.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            if let Some(deadline) = &mut first_deadline {
                // Relaxed: the flag is read for itself, it publishes nothing.
                if first_request.load(Ordering::Relaxed) {
                    first_deadline = None;
                } else if Pin::new(deadline).poll(cx).is_ready() {
                    return Poll::Ready(());
                }
            }
            Poll::Pending
        })
        .await;
    }
}

/// The service as hyper sees it, noting that a request arrived.
struct Watched<S> {
    inner: TowerToHyperService<S>,
    first_request: Arc<AtomicBool>,
}

impl<S, R> hyper::service::Service<R> for Watched<S>
where
    TowerToHyperService<S>: hyper::service::Service<R>,
{
    type Response = <TowerToHyperService<S> as hyper::service::Service<R>>::Response;
    type Error = <TowerToHyperService<S> as hyper::service::Service<R>>::Error;
    type Future = <TowerToHyperService<S> as hyper::service::Service<R>>::Future;

    fn call(&self, request: R) -> Self::Future {
        self.first_request.store(true, Ordering::Relaxed);
        self.inner.call(request)
    }
}
