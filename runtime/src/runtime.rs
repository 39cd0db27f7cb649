//! `Runtime`: owns the worker threads, the driver and the blocking pool.

use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

use crate::builder::Builder;
use crate::context;
use crate::handle::Handle;
use crate::scheduler::Scheduler;
use crate::sync::os_thread;
use crate::task::JoinHandle;

/// A braid runtime: worker threads that run tasks, an I/O and timer driver,
/// and a pool for blocking calls.
///
/// Dropping it shuts it down: the workers stop, every task's future is
/// dropped (queued, waiting or running ones alike) and the threads are
/// joined. Blocking calls that are still running are not waited for; see
/// [`shutdown_timeout`](Runtime::shutdown_timeout) to wait for them.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// let sum = rt.block_on(async {
///     let a = braid::spawn(async { 1 });
///     let b = braid::spawn(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(sum, 3);
/// ```
pub struct Runtime {
    handle: Handle,
    workers: Vec<os_thread::JoinHandle<()>>,
    shut_down: bool,
}

impl Runtime {
    /// A multi-thread runtime with one worker per available core.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    pub(crate) fn from_parts(handle: Handle, workers: Vec<os_thread::JoinHandle<()>>) -> Runtime {
        Runtime {
            handle,
            workers,
            shut_down: false,
        }
    }

    /// Runs `future` to completion on the calling thread. Tasks it spawns
    /// run on the workers (on this thread, for a current-thread runtime).
    /// The future need not be `Send`.
    ///
    /// # Panics
    ///
    /// When called from inside a runtime (a task, or another `block_on`):
    /// blocking there would stall the tasks that thread drives.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = braid::Runtime::new().unwrap();
    /// let local = Rc::new(5); // not Send: fine for block_on
    /// assert_eq!(rt.block_on(async move { *local + 1 }), 6);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task onto this runtime, from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let join = rt.spawn(async { 7 });
    /// assert_eq!(rt.block_on(join).unwrap(), 7);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// The runtime's handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// assert_eq!(rt.block_on(async { braid::Handle::current() }), handle);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime the current one on this thread until the guard
    /// drops: [`braid::spawn`](crate::spawn), [`Handle::current`] and the
    /// `net` and `time` constructors then work here without a `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = braid::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let join = braid::spawn(async { "spawned from a plain thread" });
    /// // A timer finds the runtime's driver when it is made, here too.
    /// let nap = braid::time::sleep(Duration::from_millis(1));
    /// rt.block_on(nap);
    /// assert_eq!(rt.block_on(join).unwrap(), "spawned from a plain thread");
    /// ```
    pub fn enter(&self) -> crate::EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts the runtime down, waiting at most `timeout` for blocking calls
    /// that are still running (the async tasks are always dropped at once).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = braid::Runtime::new().unwrap();
    /// let slow = rt.handle().spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)));
    /// drop(slow);
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    fn shutdown(&mut self, blocking_timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        // Dropped on one of its own workers: joining them from there would
        // wait for itself. The runtime still shuts down, without waiting
        // for its threads (they exit at their next check), and then says
        // what went wrong, unless a panic is already unwinding.
        let on_own_worker = worker_of(&self.handle);
        if on_own_worker || (context::is_driving() && os_thread::panicking()) {
            self.workers.clear();
        }
        match &self.handle.inner {
            Scheduler::MultiThread(shared) => {
                shared.signal_shutdown();
                for worker in self.workers.drain(..) {
                    // A worker only panics on a bug in the scheduler itself;
                    // task panics are caught.
                    worker.join().expect("a braid worker thread panicked");
                }
                let _enter = context::enter(&self.handle);
                shared.shutdown_tasks();
            }
            Scheduler::CurrentThread(shared) => {
                shared.signal_shutdown();
                let _enter = context::enter(&self.handle);
                shared.shutdown_tasks();
            }
        }
        self.handle.inner.blocking().shutdown(blocking_timeout);
        if on_own_worker && !os_thread::panicking() {
            panic!(
                "a braid runtime was dropped (or shut down) from one of its own worker \
                 threads, which would wait for itself; drop it outside the runtime"
            );
        }
    }
}

/// Whether this thread is one of the handle's runtime's workers.
fn worker_of(handle: &Handle) -> bool {
    context::is_driving() && context::with_current(|current| current == Some(handle))
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .field("workers", &self.workers.len())
            .finish()
    }
}
