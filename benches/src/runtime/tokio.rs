//! [`BenchRuntime`] for Tokio's multi-thread runtime.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use super::{BenchRuntime, any_local_port};

/// Tokio's multi-thread runtime with every driver enabled.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio};
///
/// let rt = Tokio::with_workers(1);
/// assert_eq!(rt.block_on(async { Tokio::spawn(async { 3 }).await }), 3);
/// ```
#[derive(Debug)]
pub struct Tokio {
    runtime: tokio::runtime::Runtime,
    workers: usize,
}

impl Tokio {
    /// The Tokio runtime underneath, for workloads that use Tokio's own API.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_benches::{BenchRuntime, Tokio};
    ///
    /// let rt = Tokio::with_workers(1);
    /// assert_eq!(rt.runtime().metrics().num_workers(), 1);
    /// ```
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }
}

/// A Tokio task's handle that resolves to its output.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio};
///
/// let rt = Tokio::with_workers(1);
/// let join: braid_benches::TokioJoin<u8> = rt.spawn_remote(async { 1 });
/// assert_eq!(rt.block_on(join), 1);
/// ```
#[derive(Debug)]
pub struct TokioJoin<T>(tokio::task::JoinHandle<T>);

impl<T> Future for TokioJoin<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let result = ready!(Pin::new(&mut self.0).poll(cx));
        Poll::Ready(result.expect("a benchmark task failed"))
    }
}

/// A Tokio `TcpStream` seen through the `futures-io` traits the workloads use.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio};
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// let rt = Tokio::with_workers(1);
/// rt.block_on(async {
///     let listener = Tokio::bind_local().await.unwrap();
///     let mut client = Tokio::connect(Tokio::local_addr(&listener)).await.unwrap();
///     let mut server = Tokio::accept(&listener).await.unwrap();
///     client.write_all(b"hi").await.unwrap();
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hi");
/// });
/// ```
#[derive(Debug)]
pub struct TokioStream(tokio::net::TcpStream);

impl futures::io::AsyncRead for TokioStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read = tokio::io::ReadBuf::new(buf);
        ready!(tokio::io::AsyncRead::poll_read(
            Pin::new(&mut self.0),
            cx,
            &mut read
        ))?;
        Poll::Ready(Ok(read.filled().len()))
    }
}

impl futures::io::AsyncWrite for TokioStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(Pin::new(&mut self.0), cx)
    }
}

impl BenchRuntime for Tokio {
    const NAME: &'static str = "tokio";

    type Join<T: Send + 'static> = TokioJoin<T>;
    type Listener = tokio::net::TcpListener;
    type Stream = TokioStream;

    fn with_workers(workers: usize) -> Tokio {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .expect("failed to build the Tokio runtime");
        Tokio { runtime, workers }
    }

    fn workers(&self) -> usize {
        self.workers
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn spawn<F>(future: F) -> TokioJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoin(tokio::spawn(future))
    }

    fn spawn_remote<F>(&self, future: F) -> TokioJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoin(self.runtime.spawn(future))
    }

    fn detach<T: Send + 'static>(join: TokioJoin<T>) {
        drop(join);
    }

    async fn cancel<T: Send + 'static>(join: TokioJoin<T>) {
        join.0.abort();
        let _cancelled_or_finished = join.0.await;
    }

    async fn yield_now() {
        tokio::task::yield_now().await;
    }

    async fn sleep_until(deadline: Instant) {
        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
    }

    async fn bind_local() -> io::Result<tokio::net::TcpListener> {
        tokio::net::TcpListener::bind(any_local_port()).await
    }

    async fn bind_local_with_backlog(backlog: u32) -> io::Result<tokio::net::TcpListener> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(any_local_port())?;
        socket.listen(backlog)
    }

    fn local_addr(listener: &tokio::net::TcpListener) -> SocketAddr {
        listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    async fn accept(listener: &tokio::net::TcpListener) -> io::Result<TokioStream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(TokioStream(stream))
    }

    async fn connect(addr: SocketAddr) -> io::Result<TokioStream> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(TokioStream(stream))
    }
}
