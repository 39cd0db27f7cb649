//! [`BenchRuntime`] for braid.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use super::{BenchRuntime, any_local_port};

/// braid's multi-thread runtime.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid};
///
/// let rt = Braid::with_workers(1);
/// assert_eq!(rt.block_on(async { Braid::spawn(async { 3 }).await }), 3);
/// ```
#[derive(Debug)]
pub struct Braid {
    runtime: braid::Runtime,
    workers: usize,
}

impl Braid {
    /// The braid runtime underneath, for workloads that use braid's own API.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_benches::{BenchRuntime, Braid};
    ///
    /// let rt = Braid::with_workers(1);
    /// assert_eq!(rt.runtime().handle().metrics().num_alive_tasks(), 0);
    /// ```
    pub fn runtime(&self) -> &braid::Runtime {
        &self.runtime
    }
}

/// A braid task's handle that resolves to its output.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid};
///
/// let rt = Braid::with_workers(1);
/// let join: braid_benches::BraidJoin<u8> = rt.spawn_remote(async { 1 });
/// assert_eq!(rt.block_on(join), 1);
/// ```
#[derive(Debug)]
pub struct BraidJoin<T>(braid::JoinHandle<T>);

impl<T> Future for BraidJoin<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let result = ready!(Pin::new(&mut self.0).poll(cx));
        Poll::Ready(result.expect("a benchmark task failed"))
    }
}

impl BenchRuntime for Braid {
    const NAME: &'static str = "braid";

    type Join<T: Send + 'static> = BraidJoin<T>;
    type Listener = braid::net::TcpListener;
    type Stream = braid::net::TcpStream;

    fn with_workers(workers: usize) -> Braid {
        let runtime = braid::Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .expect("failed to build the braid runtime");
        Braid { runtime, workers }
    }

    fn workers(&self) -> usize {
        self.workers
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn spawn<F>(future: F) -> BraidJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        BraidJoin(braid::spawn(future))
    }

    fn spawn_remote<F>(&self, future: F) -> BraidJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        BraidJoin(self.runtime.spawn(future))
    }

    fn detach<T: Send + 'static>(join: BraidJoin<T>) {
        drop(join);
    }

    async fn cancel<T: Send + 'static>(join: BraidJoin<T>) {
        join.0.abort();
        let _cancelled_or_finished = join.0.await;
    }

    async fn yield_now() {
        braid::yield_now().await;
    }

    async fn sleep_until(deadline: Instant) {
        braid::time::sleep_until(braid::time::Instant::from_std(deadline)).await;
    }

    async fn bind_local() -> io::Result<braid::net::TcpListener> {
        braid::net::TcpListener::bind(any_local_port()).await
    }

    async fn bind_local_with_backlog(backlog: u32) -> io::Result<braid::net::TcpListener> {
        let socket = braid::net::TcpSocket::new_v4()?;
        socket.bind(any_local_port())?;
        socket.listen(backlog)
    }

    fn local_addr(listener: &braid::net::TcpListener) -> SocketAddr {
        listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    async fn accept(listener: &braid::net::TcpListener) -> io::Result<braid::net::TcpStream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<braid::net::TcpStream> {
        let stream = braid::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}
