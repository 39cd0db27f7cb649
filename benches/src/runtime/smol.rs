//! [`BenchRuntime`] for smol: one `async-executor` run by N threads, with
//! `async-io` as reactor and timers (what `smol` re-exports).

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Instant;

use smol::{Async, Executor, Task, Timer};

use super::{BenchRuntime, any_local_port};
use crate::sync::{Arc, thread};

thread_local! {
    /// The executor that `Smol::spawn` reaches from inside the runtime: set
    /// on every worker thread, and on a thread inside `Smol::block_on`.
    static CURRENT: RefCell<Option<Arc<Executor<'static>>>> = const { RefCell::new(None) };
}

/// Makes `executor` this thread's current one until dropped.
struct EnterGuard {
    previous: Option<Arc<Executor<'static>>>,
}

impl EnterGuard {
    fn enter(executor: &Arc<Executor<'static>>) -> EnterGuard {
        let previous = CURRENT.with(|current| current.replace(Some(Arc::clone(executor))));
        EnterGuard { previous }
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| *current.borrow_mut() = self.previous.take());
    }
}

/// smol: an `async-executor` on N threads plus `async-io`.
///
/// Dropping it stops and joins the worker threads.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Smol};
///
/// let rt = Smol::with_workers(2);
/// assert_eq!(rt.block_on(async { Smol::spawn(async { 3 }).await }), 3);
/// ```
#[derive(Debug)]
pub struct Smol {
    executor: Arc<Executor<'static>>,
    stop: Option<smol::channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Drop for Smol {
    fn drop(&mut self) {
        // Closing the channel ends every worker's `run`.
        drop(self.stop.take());
        for worker in self.threads.drain(..) {
            worker.join().expect("a smol worker thread panicked");
        }
    }
}

impl BenchRuntime for Smol {
    const NAME: &'static str = "smol";

    type Join<T: Send + 'static> = Task<T>;
    type Listener = Async<TcpListener>;
    type Stream = Async<TcpStream>;

    fn with_workers(workers: usize) -> Smol {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|index| {
                let executor = Arc::clone(&executor);
                let stopped = stopped.clone();
                thread::Builder::new()
                    .name(format!("smol-worker-{index}"))
                    .spawn(move || {
                        let _current = EnterGuard::enter(&executor);
                        smol::block_on(executor.run(async {
                            let _closed = stopped.recv().await;
                        }));
                    })
                    .expect("failed to start a smol worker")
            })
            .collect();
        Smol {
            executor,
            stop: Some(stop),
            threads,
        }
    }

    fn workers(&self) -> usize {
        self.threads.len()
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _current = EnterGuard::enter(&self.executor);
        smol::block_on(future)
    }

    fn spawn<F>(future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        CURRENT.with(|current| {
            current
                .borrow()
                .as_ref()
                .expect("Smol::spawn called outside the smol runtime")
                .spawn(future)
        })
    }

    fn spawn_remote<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.executor.spawn(future)
    }

    fn detach<T: Send + 'static>(join: Task<T>) {
        join.detach();
    }

    async fn cancel<T: Send + 'static>(join: Task<T>) {
        let _output_if_finished = join.cancel().await;
    }

    async fn yield_now() {
        smol::future::yield_now().await;
    }

    async fn sleep_until(deadline: Instant) {
        Timer::at(deadline).await;
    }

    async fn bind_local() -> io::Result<Async<TcpListener>> {
        Async::<TcpListener>::bind(any_local_port())
    }

    async fn bind_local_with_backlog(backlog: u32) -> io::Result<Async<TcpListener>> {
        // smol has no socket builder: bind with std, then listen again with
        // the larger backlog (Linux and the BSDs let a listening socket
        // change its backlog this way).
        let listener = TcpListener::bind(any_local_port())?;
        relisten(&listener, backlog)?;
        Async::new(listener)
    }

    fn local_addr(listener: &Async<TcpListener>) -> SocketAddr {
        listener
            .get_ref()
            .local_addr()
            .expect("a bound listener has an address")
    }

    async fn accept(listener: &Async<TcpListener>) -> io::Result<Async<TcpStream>> {
        let (stream, _) = listener.accept().await?;
        stream.get_ref().set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Async<TcpStream>> {
        let stream = Async::<TcpStream>::connect(addr).await?;
        stream.get_ref().set_nodelay(true)?;
        Ok(stream)
    }
}

/// Calls `listen` again on a listening socket, with `backlog`.
#[cfg(unix)]
fn relisten(listener: &TcpListener, backlog: u32) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
    // SAFETY: the descriptor is open for the call (borrowed from
    // `listener`); `backlog` is a plain integer.
    if unsafe { libc::listen(listener.as_raw_fd(), backlog) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere the listener keeps `std`'s backlog.
#[cfg(not(unix))]
fn relisten(_listener: &TcpListener, _backlog: u32) -> io::Result<()> {
    Ok(())
}
