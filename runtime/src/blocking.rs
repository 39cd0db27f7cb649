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
use crate::quiescence::Quiescence;
use crate::sync::{Arc, Condvar, Mutex, Weak};
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
    /// Counts the calls queued or running when the clock is paused
    /// (`quiescence.rs`); `None` on the real clock.
    quiescence: Option<Arc<Quiescence>>,
    max_threads: usize,
    keep_alive: Duration,
    threads: ThreadConfig,
}

struct State {
    queue: VecDeque<Notified>,
    /// Threads taking calls.
    num_threads: usize,
    /// Threads started and not yet through their stop hook: those that
    /// stopped taking calls still count until then, for shutdown to wait
    /// for.
    num_alive: usize,
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

/// The last call returned (rule 5 of `quiescence.rs`): the driver's
/// holder decided while it ran that the paused clock may not jump.
fn wake_driver_holder(handle: Option<&crate::Handle>) {
    if let Some(driver) = handle.and_then(|handle| handle.inner.driver()) {
        driver.unpark();
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        threads: ThreadConfig,
        keep_alive: Duration,
        quiescence: Option<Arc<Quiescence>>,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    num_threads: 0,
                    num_alive: 0,
                    num_idle: 0,
                    num_notify: 0,
                    shutdown: false,
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                quiescence,
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
        if let Some(quiescence) = &inner.quiescence {
            quiescence.blocking_call_queued();
        }
        state.queue.push_back(notified);
        if state.num_idle > 0 {
            state.num_idle -= 1;
            state.num_notify += 1;
            inner.work.notify_one();
        } else if state.num_threads < inner.max_threads {
            state.num_threads += 1;
            state.num_alive += 1;
            let pool = self.clone();
            let exiting = self.clone();
            let handle = handle.cloned();
            let started = inner.threads.spawn(
                handle.clone(),
                move || pool.run_thread(handle),
                move || exiting.thread_exited(),
            );
            if let Err(error) = started {
                state.num_threads -= 1;
                state.num_alive -= 1;
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

    /// The life of one thread, in `handle`'s context (entered by the
    /// thread's start); it stops taking calls when idle past the keep-alive,
    /// or at shutdown.
    fn run_thread(self, handle: Option<crate::Handle>) {
        let inner = &*self.inner;
        let mut state = inner.state.lock();
        'work: loop {
            while let Some(task) = state.queue.pop_front() {
                drop(state);
                task.run();
                // After the run, which woke the awaiting task (rule 2 of
                // `quiescence.rs`).
                if inner
                    .quiescence
                    .as_ref()
                    .is_some_and(|q| q.blocking_call_done())
                {
                    wake_driver_holder(handle.as_ref());
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
    }

    /// A thread is through its stop hook: the last one lets shutdown
    /// return. (Also when the thread panicked on its way.)
    fn thread_exited(&self) {
        let inner = &*self.inner;
        let mut state = inner.state.lock();
        state.num_alive -= 1;
        if state.num_alive == 0 {
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
            if let Some(quiescence) = &inner.quiescence {
                let _ = quiescence.blocking_call_done();
            }
            task.shutdown();
        }
        let Some(timeout) = timeout else { return };
        let deadline = Instant::now() + timeout;
        let mut state = inner.state.lock();
        while state.num_alive > 0 {
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
    use crate::sync::{AtomicBool, Ordering, os_thread};

    /// Spawns `f` onto `pool` and returns once a pool thread runs it.
    fn spawn_and_wait_for_start<R: Send + 'static>(
        pool: &BlockingPool,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> JoinHandle<R> {
        let started = Arc::new(AtomicBool::new(false));
        let join = pool.spawn(
            None,
            {
                let started = started.clone();
                move || {
                    started.store(true, Ordering::Release);
                    f()
                }
            },
            Location::caller(),
        );
        eventually("the call starts", || started.load(Ordering::Acquire));
        join
    }

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
            None,
        );
        let join = pool.spawn(None, || 1, Location::caller());
        assert_eq!(crate::park_thread::block_on(join).unwrap(), 1);
        eventually("the idle thread exits", || pool.num_threads() == 0);
        // The pool is not done for: the next call starts a thread again
        // (held until counted, so the keep-alive cannot retire it first).
        let (release, released) = std::sync::mpsc::channel::<()>();
        let join = pool.spawn(
            None,
            move || {
                released.recv().unwrap();
                2
            },
            Location::caller(),
        );
        assert_eq!(pool.num_threads(), 1);
        release.send(()).unwrap();
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
            None,
        );
        let join = spawn_and_wait_for_start(&pool, || {
            os_thread::sleep(Duration::from_millis(30));
        });
        pool.shutdown(Some(Duration::from_secs(10)));
        // The call finished and its thread exited before shutdown returned,
        // long before the keep-alive would have retired it.
        assert!(join.is_finished());
        assert_eq!(pool.num_threads(), 0);
    }

    #[test]
    #[cfg_attr(miri, ignore = "waits on the wall clock")]
    fn a_paused_pool_counts_each_call_until_it_returned_or_was_dropped() {
        let quiescence = Arc::new(Quiescence::new());
        let pool = BlockingPool::new(
            1,
            ThreadConfig::new("test-blocking".into()),
            Duration::from_secs(10),
            Some(quiescence.clone()),
        );
        let (release, released) = std::sync::mpsc::channel::<()>();
        let running = pool.spawn(None, move || released.recv().unwrap(), Location::caller());
        // The one thread is busy: this one waits in the queue.
        let queued = pool.spawn(None, || (), Location::caller());
        assert!(!quiescence.may_advance(|| true), "two calls are counted");
        release.send(()).unwrap();
        crate::park_thread::block_on(running).unwrap();
        crate::park_thread::block_on(queued).unwrap();
        eventually("both calls are uncounted", || {
            quiescence.may_advance(|| true)
        });

        let (release, released) = std::sync::mpsc::channel::<()>();
        // Shutdown drops what is still queued: the call must have started
        // for it to be the running one.
        let running = spawn_and_wait_for_start(&pool, move || released.recv().unwrap());
        let dropped = pool.spawn(None, || (), Location::caller());
        // Shut down from another thread: it waits for the running call.
        let shutdown = os_thread::spawn({
            let pool = pool.clone();
            move || pool.shutdown(Some(Duration::from_secs(10)))
        });
        eventually("the queued call is dropped", || dropped.is_finished());
        assert!(
            !quiescence.may_advance(|| true),
            "the running call is still counted"
        );
        release.send(()).unwrap();
        shutdown.join().unwrap();
        crate::park_thread::block_on(running).unwrap();
        assert!(quiescence.may_advance(|| true));
    }
}
