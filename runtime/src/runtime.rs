//! `Runtime`: owns the worker threads, the driver and the blocking pool.

use std::fmt;
use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

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
/// [`shutdown_timeout`](Runtime::shutdown_timeout) to wait for them. A
/// worker stuck inside one task's poll (blocking or looping without
/// yielding) is waited for one second, then left detached with a line on
/// stderr naming it, as `shutdown_timeout` does at its timeout.
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
    /// blocking there would stall the tasks that thread drives. And, on a
    /// runtime built with
    /// [`UnhandledPanic::ShutdownRuntime`](crate::UnhandledPanic), once a
    /// task's unobserved panic has shut it down, with that panic's message.
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

    /// Shuts the runtime down, waiting at most `timeout` in all for the
    /// worker threads to stop and for blocking calls that are still running.
    ///
    /// Queued and waiting tasks are dropped at once. A worker still inside a
    /// task's poll when the time is up (a task that loops or blocks without
    /// returning to the scheduler) is left running, detached, and a line on
    /// stderr names it; that task's future is dropped on that thread when
    /// its poll returns. A worker between polls when the time is up (a
    /// timeout shorter than a thread's wake-up) is left to exit on its own,
    /// without a report. Blocking calls still running are left the same
    /// way (they cannot be interrupted). So this returns about `timeout`
    /// after it is called, at the latest, whatever the tasks do.
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

    /// Stops the runtime. With `timeout`, waits that long at most for the
    /// workers and the blocking calls together; without (a drop), waits
    /// [`DROP_WORKER_WAIT`] at most for the workers and not for blocking
    /// calls.
    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        let deadline = Instant::now() + timeout.unwrap_or(Duration::ZERO);
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
                join_workers(
                    std::mem::take(&mut self.workers),
                    timeout.unwrap_or(DROP_WORKER_WAIT),
                    |index| shared.is_polling(index),
                );
                let _enter = context::enter(&self.handle);
                shared.shutdown_tasks();
            }
            Scheduler::CurrentThread(shared) => {
                shared.signal_shutdown();
                let _enter = context::enter(&self.handle);
                shared.shutdown_tasks();
            }
        }
        let blocking_timeout = timeout.map(|_| deadline.saturating_duration_since(Instant::now()));
        self.handle.inner.blocking().shutdown(blocking_timeout);
        if on_own_worker && !os_thread::panicking() {
            panic!(
                "a braid runtime was dropped (or shut down) from one of its own worker \
                 threads, which would wait for itself; drop it outside the runtime"
            );
        }
    }
}

/// How long dropping a runtime waits for a worker stuck inside a task's
/// poll before leaving it detached (see [`Runtime::shutdown_timeout`]).
/// Workers stop within one poll of being told, so only a task that blocks
/// or loops without yielding makes a drop wait at all.
const DROP_WORKER_WAIT: Duration = Duration::from_secs(1);

/// Joins the workers that stop within `timeout` and detaches the others,
/// which exit once the poll they are stuck in returns (the shutdown flag is
/// already set). Those inside a task's poll (`in_poll`) are reported; the
/// others were on their way out (waking from a park: a timeout shorter
/// than a thread's wake-up leaves them so) and need no report.
fn join_workers(
    mut workers: Vec<os_thread::JoinHandle<()>>,
    timeout: Duration,
    in_poll: impl Fn(usize) -> bool,
) {
    let start = Instant::now();
    // The workers were just told to stop and normally have within
    // microseconds: look often at first, then back off to a millisecond.
    let mut pause = Duration::from_micros(10);
    while workers.iter().any(|worker| !worker.is_finished()) {
        let waited = start.elapsed();
        if waited >= timeout {
            break;
        }
        os_thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(Duration::from_millis(1));
    }
    let count = workers.len();
    for (index, worker) in workers.drain(..).enumerate() {
        if worker.is_finished() {
            // Task panics are caught; a worker thread ends by a panic only
            // when a thread hook panicked (or on a bug in the scheduler).
            // That panic's message is already out, from the panic hook of
            // the thread it happened on: the shutdown goes on, as panicking
            // here could abort a runtime dropped while unwinding.
            let _ = worker.join();
        } else if in_poll(index) {
            eprintln!(
                "braid: worker {index} of {count} (thread {:?}) is still inside a task's poll \
                 {:?} after shutdown began; leaving it running detached (the task blocks or \
                 loops without returning to the scheduler)",
                worker.thread().name().unwrap_or("unnamed"),
                start.elapsed(),
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
