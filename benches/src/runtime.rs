//! The small runtime abstraction every workload is written against.

mod braid;
mod smol;
mod tokio;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use futures::io::{AsyncRead, AsyncWrite};

pub use self::braid::{Braid, BraidJoin};
pub use self::smol::Smol;
pub use self::tokio::{Tokio, TokioJoin, TokioStream};

/// What a workload needs from a runtime: spawn, block_on, yield, sleep, TCP.
///
/// Implemented for [`Braid`], [`Tokio`] (multi-thread runtime) and [`Smol`]
/// (`async-executor` on N threads plus `async-io`), each built with the same
/// number of workers. Join handles resolve to the task's output; a task
/// that panicked makes the awaiting workload panic too, so a broken run can
/// never pass for a fast one.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid};
///
/// let rt = Braid::with_workers(2);
/// let sum = rt.block_on(async {
///     let join = Braid::spawn(async { 40 });
///     Braid::yield_now().await;
///     join.await + 2
/// });
/// assert_eq!(sum, 42);
/// ```
pub trait BenchRuntime: Sized + 'static {
    /// The name printed in tables (`braid`, `tokio`, `smol`).
    const NAME: &'static str;

    /// A spawned task's handle; awaiting it gives the task's output.
    type Join<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;
    /// A bound TCP listener.
    type Listener: Send + Sync + 'static;
    /// A connected TCP stream, with `TCP_NODELAY` set.
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Builds the runtime with `workers` worker threads.
    fn with_workers(workers: usize) -> Self;

    /// The number of worker threads it was built with.
    fn workers(&self) -> usize;

    /// Runs `future` to completion on the calling thread.
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Runs `future` as a task on the workers and blocks until it is done.
    fn block_on_task<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.block_on(async { Self::spawn(future).await })
    }

    /// Spawns from inside the runtime (a task or `block_on`).
    fn spawn<F>(future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns from any thread, through the runtime itself.
    fn spawn_remote<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Lets the task run on without anyone awaiting it.
    fn detach<T: Send + 'static>(join: Self::Join<T>);

    /// Cancels the task and waits until its future has been dropped.
    fn cancel<T: Send + 'static>(join: Self::Join<T>) -> impl Future<Output = ()> + Send;

    /// Yields to the scheduler once.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Completes at `deadline` (a std instant, so every runtime is measured
    /// against the same clock).
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send;

    /// Binds a listener on an ephemeral port of 127.0.0.1.
    fn bind_local() -> impl Future<Output = io::Result<Self::Listener>> + Send;

    /// Binds a listener on an ephemeral port of 127.0.0.1 that queues up
    /// to `backlog` connections not yet accepted (capped by the OS).
    fn bind_local_with_backlog(
        backlog: u32,
    ) -> impl Future<Output = io::Result<Self::Listener>> + Send;

    /// The listener's address.
    fn local_addr(listener: &Self::Listener) -> SocketAddr;

    /// Accepts one connection.
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<Self::Stream>> + Send;

    /// Connects to `addr`.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

/// The loopback address with port 0, for `bind_local`.
fn any_local_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
