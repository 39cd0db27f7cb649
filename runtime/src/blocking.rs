//! The blocking pool: threads for `spawn_blocking`, started on demand up to a
//! limit and retired after sitting idle.
//!
//! A blocking call runs as an ordinary task (so it has a `JoinHandle`, a
//! panic becomes a `JoinError`, and a queued call can be aborted), whose
//! future calls the closure once. The pool keeps a queue of them; an idle
//! thread takes the next one, and when none is idle a new thread is started
//! unless `max_blocking_threads` are running, in which case the call waits in
//! the queue.
//!
//! A thread is handed the runtime's [`Handle`](crate::Handle) when it is
//! started, by the call that starts it, and enters it for its life (so
//! `Handle::current()` works in a blocking call, and the thread can wake a
//! paused clock's driver). The pool itself holds no handle: the runtime owns
//! the pool, and nothing in the pool points back at the runtime.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::context;
use crate::sync::{Arc, AtomicUsize, Condvar, Mutex, Ordering, Weak};
use crate::task::{self, Header, JoinHandle, Notified, Schedule};
use crate::thread_config::ThreadConfig;

/// How long an idle blocking thread waits for work before it exits.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Idle threads wait here for work.
    work: Condvar,
    /// Shutdown waits here for the threads to exit.
    exited: Condvar,
    /// Calls queued or running; read without the lock to decide whether the
    /// paused clock may auto-advance.
    pending: AtomicUsize,
    max_threads: usize,
    keep_alive: Duration,
    threads: ThreadConfig,
}

struct State {
    queue: VecDeque<Notified>,
    num_threads: usize,
    num_idle: usize,
    /// Wake-ups handed to idle threads and not yet taken.
    num_notify: usize,
    shutdown: bool,
}

/// See [`BlockingPool::driver_spawner`].
struct DriverSpawner(Weak<Inner>);

impl braid_reactor::driver::BlockingSpawner for DriverSpawner {
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
        if let Some(inner) = self.0.upgrade() {
            let pool = BlockingPool { inner };
            // The driver makes its calls from a task or a `block_on` of its
            // runtime, whose handle is then current: a thread started for
            // the call is handed that one.
            context::with_current(|current| {
                let handle = current.filter(|handle| handle.inner.blocking().is(&pool));
                // Detached: the driver waits for the result through `work`.
                // Its location is this line: the reactor's blocking calls
                // (name resolution) have no user call site of their own.
                drop(pool.spawn(handle, work, Location::caller()));
            });
        }
    }
}

impl std::fmt::Debug for DriverSpawner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriverSpawner").finish_non_exhaustive()
    }
}

/// The future of a blocking call: runs the closure on its first poll.
struct BlockingTask<F>(Option<F>);

// The closure is never pinned: it is moved out and called.
impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking task is polled once");
        Poll::Ready(f())
    }
}

/// Blocking tasks are never woken (they are queued once and never return
/// `Pending`) and are in no owned list.
struct NoSchedule;

impl Schedule for NoSchedule {
    fn schedule(&self, _task: Notified) {
        unreachable!("a blocking task is queued once and never woken");
    }

    fn release(&self, _task: NonNull<Header>) -> bool {
        false
    }
}

/// The pool just fell idle. The call woke its awaiting task before it was
/// counted as finished, so a driver that parked in between decided that a
/// paused clock may not jump, and nothing else would make it decide again.
fn wake_paused_driver(handle: Option<&crate::Handle>) {
    if let Some(driver) = handle.and_then(|handle| handle.inner.driver()) {
        if driver.handle().is_paused() {
            driver.unpark();
        }
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        threads: ThreadConfig,
        keep_alive: Duration,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    num_threads: 0,
                    num_idle: 0,
                    num_notify: 0,
                    shutdown: false,
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                pending: AtomicUsize::new(0),
                max_threads,
                keep_alive,
                threads,
            }),
        }
    }

    /// Whether `self` and `other` are the same pool.
    fn is(&self, other: &BlockingPool) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The I/O driver's way onto this pool, for the blocking calls of its
    /// sockets (host-name lookups). It holds the pool weakly: the driver
    /// does not keep the pool alive, and a call made after the pool is gone
    /// is dropped unrun (the driver reports that as an error).
    pub(crate) fn driver_spawner(&self) -> Box<dyn braid_reactor::driver::BlockingSpawner> {
        Box::new(DriverSpawner(Arc::downgrade(&self.inner)))
    }

    /// True when no blocking call is queued or running.
    pub(crate) fn is_idle(&self) -> bool {
        self.inner.pending.load(Ordering::Acquire) == 0
    }

    /// Queues `f`. A thread started for it is handed `handle`, its
    /// runtime's (`None` only for a pool without one, as in unit tests).
    pub(crate) fn spawn<F, R>(
        &self,
        handle: Option<&crate::Handle>,
        f: F,
        location: &'static Location<'static>,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, notified, join) = task::new(
            BlockingTask(Some(f)),
            NoSchedule,
            location,
            context::spawn_time(),
        );
        // Not kept in an owned list: the queue is where shutdown finds it.
        drop(task);
        let inner = &self.inner;
        let mut state = inner.state.lock();
        if state.shutdown {
            drop(state);
            notified.shutdown();
            return join;
        }
        inner.pending.fetch_add(1, Ordering::AcqRel);
        state.queue.push_back(notified);
        if state.num_idle > 0 {
            state.num_idle -= 1;
            state.num_notify += 1;
            inner.work.notify_one();
        } else if state.num_threads < inner.max_threads {
            state.num_threads += 1;
            let pool = self.clone();
            let handle = handle.cloned();
            let started = inner.threads.spawn(move || pool.run_thread(handle));
            if let Err(error) = started {
                state.num_threads -= 1;
                // The call stays queued for a running thread if there is
                // one; with none, it could never run.
                assert!(
                    state.num_threads > 0,
                    "failed to start a blocking thread and none is running: {error}"
                );
            }
        }
        join
    }

    /// The life of one thread, entered in `handle` throughout; it drops the
    /// handle when it exits (idle past the keep-alive, or at shutdown).
    fn run_thread(self, handle: Option<crate::Handle>) {
        let inner = &*self.inner;
        let _enter = handle.as_ref().map(context::enter);
        let mut state = inner.state.lock();
        'work: loop {
            while let Some(task) = state.queue.pop_front() {
                drop(state);
                task.run();
                if inner.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
                    wake_paused_driver(handle.as_ref());
                }
                state = inner.state.lock();
            }
            if state.shutdown {
                break;
            }
            state.num_idle += 1;
            let idle_since = Instant::now();
            loop {
                state = inner.work.wait_timeout(state, inner.keep_alive);
                if state.num_notify > 0 {
                    state.num_notify -= 1;
                    continue 'work;
                }
                if state.shutdown {
                    state.num_idle -= 1;
                    break 'work;
                }
                if idle_since.elapsed() >= inner.keep_alive {
                    state.num_idle -= 1;
                    break 'work;
                }
            }
        }
        state.num_threads -= 1;
        if state.num_threads == 0 {
            inner.exited.notify_all();
        }
    }

    /// Refuses new calls, cancels the queued ones and waits up to `timeout`
    /// for the running ones (not at all for `None`).
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let inner = &*self.inner;
        let queued = {
            let mut state = inner.state.lock();
            state.shutdown = true;
            inner.work.notify_all();
            std::mem::take(&mut state.queue)
        };
        for task in queued {
            inner.pending.fetch_sub(1, Ordering::AcqRel);
            task.shutdown();
        }
        let Some(timeout) = timeout else { return };
        let deadline = Instant::now() + timeout;
        let mut state = inner.state.lock();
        while state.num_threads > 0 {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = inner.exited.wait_timeout(state, deadline - now);
        }
    }

    /// Threads now started.
    pub(crate) fn num_threads(&self) -> usize {
        self.inner.state.lock().num_threads
    }

    /// Threads now waiting for a call.
    pub(crate) fn num_idle_threads(&self) -> usize {
        self.inner.state.lock().num_idle
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::{AtomicBool, os_thread};

    /// Polls `seen` until it holds, for at most ten seconds.
    fn eventually(what: &str, seen: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !seen() {
            assert!(Instant::now() < deadline, "never happened: {what}");
            os_thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "waits on the wall clock")]
    fn idle_threads_exit_after_the_keep_alive_and_new_ones_start_on_demand() {
        let pool = BlockingPool::new(
            4,
            ThreadConfig::new("test-blocking".into()),
            Duration::from_millis(20),
        );
        let join = pool.spawn(None, || 1, Location::caller());
        assert_eq!(crate::park_thread::block_on(join).unwrap(), 1);
        eventually("the idle thread exits", || pool.num_threads() == 0);
        // The pool is not done for: the next call starts a thread again.
        let join = pool.spawn(None, || 2, Location::caller());
        assert_eq!(pool.num_threads(), 1);
        assert_eq!(crate::park_thread::block_on(join).unwrap(), 2);
        eventually("the second thread exits", || pool.num_threads() == 0);
        pool.shutdown(Some(Duration::from_secs(1)));
    }

    #[test]
    #[cfg_attr(miri, ignore = "waits on the wall clock")]
    fn shutdown_waits_for_a_running_call_within_its_timeout() {
        let pool = BlockingPool::new(
            1,
            ThreadConfig::new("test-blocking".into()),
            Duration::from_secs(10),
        );
        let started = Arc::new(AtomicBool::new(false));
        let join = pool.spawn(
            None,
            {
                let started = started.clone();
                move || {
                    started.store(true, Ordering::Release);
                    os_thread::sleep(Duration::from_millis(30));
                }
            },
            Location::caller(),
        );
        eventually("the call starts", || started.load(Ordering::Acquire));
        pool.shutdown(Some(Duration::from_secs(10)));
        // The call finished and its thread exited before shutdown returned,
        // long before the keep-alive would have retired it.
        assert!(join.is_finished());
        assert_eq!(pool.num_threads(), 0);
    }
}
