//! Entry points for the loom models in `loom-tests/` (compiled only under
//! `--cfg loom`): the task system on a minimal scheduler, and the
//! work-stealing scheduler with its workers on modelled threads. Both run the
//! crate's real code; only the harness around it lives here.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::ptr::NonNull;
use std::time::Duration;

use crate::blocking::BlockingPool;
use crate::quiescence::Quiescence;
use crate::scheduler::{self, DriverCell, RemoteFree, Spawner, run_worker};
use crate::sync::{Arc, AtomicUsize, Mutex, Ordering};
use crate::task::{self, Header, JoinHandle, Notified, Schedule, Task};

/// A run queue and an owned-task list for tasks built by [`task::new`],
/// driven by hand: the smallest scheduler the task state machine runs on.
///
/// # Examples
///
/// ```ignore
/// let scheduler = braid::loom_harness::TaskScheduler::new();
/// let join = scheduler.spawn(async { 1 });
/// assert!(scheduler.tick());
/// ```
#[derive(Clone)]
pub struct TaskScheduler {
    inner: Arc<Inner>,
}

struct Inner {
    queue: Mutex<VecDeque<Notified>>,
    /// The owned list: the `Task` reference of every live task.
    owned: Mutex<Vec<Task>>,
    /// Tasks whose allocation was freed (their scheduler handle dropped).
    freed: AtomicUsize,
}

/// The scheduler handle each task stores; dropped when the task is freed.
struct Handle(Arc<Inner>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.freed.fetch_add(1, Ordering::SeqCst);
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: Notified) {
        self.0.queue.lock().push_back(task);
    }

    fn release(&self, task: NonNull<Header>) -> bool {
        let mut owned = self.0.owned.lock();
        match owned.iter().position(|t| t.raw().ptr() == task) {
            Some(index) => {
                // The caller drops the list's reference along with the
                // runner's.
                std::mem::forget(owned.swap_remove(index));
                true
            }
            None => false,
        }
    }
}

impl TaskScheduler {
    /// An empty scheduler.
    pub fn new() -> TaskScheduler {
        TaskScheduler {
            inner: Arc::new(Inner {
                queue: Mutex::new(VecDeque::new()),
                owned: Mutex::new(Vec::new()),
                freed: AtomicUsize::new(0),
            }),
        }
    }

    /// Allocates a task, links it and queues its first poll.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = task::new(
            future,
            Handle(self.inner.clone()),
            std::panic::Location::caller(),
            crate::context::spawn_time(),
        );
        self.inner.owned.lock().push(task);
        self.inner.queue.lock().push_back(notified);
        join
    }

    /// Runs the oldest queue entry; false if the queue was empty.
    pub fn tick(&self) -> bool {
        let next = self.inner.queue.lock().pop_front();
        match next {
            Some(task) => {
                task.run();
                true
            }
            None => false,
        }
    }

    /// Runs queue entries until none is left.
    pub fn run_until_idle(&self) {
        while self.tick() {}
    }

    /// Runtime shutdown: cancels every live task through the owned list,
    /// then drops the queue entries left.
    pub fn shutdown(&self) {
        let owned = std::mem::take(&mut *self.inner.owned.lock());
        for task in owned {
            let raw = task.raw();
            std::mem::forget(task);
            // SAFETY: the list's reference is handed over and the task is
            // no longer in the list.
            unsafe { raw.shutdown() };
        }
        let queued = std::mem::take(&mut *self.inner.queue.lock());
        drop(queued);
    }

    /// Queue entries waiting to run.
    pub fn queued(&self) -> usize {
        self.inner.queue.lock().len()
    }

    /// Tasks still linked in the owned list.
    pub fn alive(&self) -> usize {
        self.inner.owned.lock().len()
    }

    /// Task allocations freed so far.
    pub fn freed(&self) -> usize {
        self.inner.freed.load(Ordering::SeqCst)
    }
}

impl Default for TaskScheduler {
    fn default() -> TaskScheduler {
        TaskScheduler::new()
    }
}

impl fmt::Debug for TaskScheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskScheduler").finish_non_exhaustive()
    }
}

/// The work-stealing scheduler with `n` workers, no I/O driver and no
/// blocking threads; its workers are run by the model on its own threads.
///
/// # Examples
///
/// ```ignore
/// let (pool, workers) = braid::loom_harness::MultiThread::new(2);
/// ```
#[derive(Clone)]
pub struct MultiThread {
    shared: Arc<scheduler::MultiThread>,
}

/// One worker of a [`MultiThread`], to be run on a modelled thread.
pub struct Worker {
    run: Box<dyn FnOnce() + Send>,
}

impl MultiThread {
    /// The shared state and `workers` worker cores.
    pub fn new(workers: usize) -> (MultiThread, Vec<Worker>) {
        MultiThread::build(workers, false)
    }

    /// As [`new`](MultiThread::new), with an I/O and timer driver that the
    /// idle workers turn and hand over (`scheduler/driver.rs`). Its clock
    /// is paused (it jumps to the next timer when every worker is idle),
    /// and its OS poller is the scripted one of `braid_reactor`: sockets
    /// get their readiness from `braid_reactor::loom_harness::Socket`.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// let (pool, workers) = braid::loom_harness::MultiThread::with_driver(2);
    /// let socket = braid_reactor::loom_harness::Socket::register(&pool.driver());
    /// ```
    pub fn with_driver(workers: usize) -> (MultiThread, Vec<Worker>) {
        MultiThread::build(workers, true)
    }

    fn build(workers: usize, with_driver: bool) -> (MultiThread, Vec<Worker>) {
        // The driver's clock is paused: so is the quiescence of its runtime.
        let quiescence = with_driver.then(|| Arc::new(Quiescence::new()));
        let blocking = BlockingPool::new(
            1,
            crate::thread_config::ThreadConfig::new("braid-loom-blocking".into()),
            Duration::ZERO,
            quiescence.clone(),
        );
        let driver = with_driver.then(|| {
            Arc::new(
                DriverCell::new(true, blocking.driver_spawner())
                    .expect("the scripted poller always opens"),
            )
        });
        let (shared, cores) =
            scheduler::MultiThread::new(workers, driver, blocking, quiescence, Default::default());
        let workers = cores
            .into_iter()
            .map(|core| {
                let shared = shared.clone();
                Worker {
                    run: Box::new(move || run_worker(shared, core)),
                }
            })
            .collect();
        (MultiThread { shared }, workers)
    }

    /// Spawns from outside the workers: the injector, then a sleeper is
    /// woken if nobody searches.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = std::panic::Location::caller();
        crate::context::with(|thread| self.shared.spawn(future, location, thread))
    }

    /// Spawns a batch from outside the workers (as a gather does): the
    /// injector, then up to one sleeper woken per task.
    pub fn spawn_batch<F>(&self, futures: impl IntoIterator<Item = F>)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.shared.spawn_batch(
            futures.into_iter().map(|future| (future, None)),
            std::panic::Location::caller(),
        );
    }

    /// Tells the workers to exit and wakes them.
    pub fn signal_shutdown(&self) {
        self.shared.signal_shutdown();
    }

    /// Once the workers have exited: cancels every task, drops every queue
    /// entry.
    pub fn shutdown_tasks(&self) {
        self.shared.shutdown_tasks();
    }

    /// Tasks spawned and not yet released.
    pub fn alive(&self) -> usize {
        self.shared.owned().len()
    }

    /// A maintenance pass (the injector first, a non-blocking driver turn)
    /// every `ticks` ticks of each worker instead of every 61, so that a
    /// busy worker's driver turn is within reach of a model. Call before
    /// the workers run.
    ///
    /// # Panics
    ///
    /// If `ticks` is 0.
    pub fn set_maintenance_interval(&self, ticks: u32) {
        self.shared.set_maintenance_interval(ticks);
    }

    /// A handle to the driver of [`with_driver`](MultiThread::with_driver).
    ///
    /// # Panics
    ///
    /// If the scheduler was made by [`new`](MultiThread::new), without one.
    pub fn driver(&self) -> braid_reactor::driver::Handle {
        self.shared
            .driver()
            .expect("made without a driver")
            .handle()
            .clone()
    }

    /// Tasks not yet freed, once the workers have exited and this is the
    /// last handle: every task allocation holds a reference to the shared
    /// state until it is freed, and nothing else does then.
    pub fn tasks_unfreed(&self) -> usize {
        Arc::strong_count(&self.shared) - 1
    }
}

impl Worker {
    /// The worker loop, until shutdown.
    pub fn run(self) {
        (self.run)();
    }
}

impl fmt::Debug for MultiThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiThread").finish_non_exhaustive()
    }
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}

/// A list of tasks to free (`scheduler/remote_free.rs`: a worker's, or the
/// runtime's list of tasks spawned from outside the workers), with tasks
/// whose last reference other threads drop: each such task is handed to the
/// list, and freed by [`free_all`](HomeList::free_all), on any thread, or
/// [`close`](HomeList::close).
///
/// # Examples
///
/// ```ignore
/// let home = braid::loom_harness::HomeList::new();
/// drop(home.finished_task());
/// home.free_all();
/// assert_eq!(home.freed(), 1);
/// ```
#[derive(Clone)]
pub struct HomeList {
    inner: Arc<HomeInner>,
}

struct HomeInner {
    list: RemoteFree,
    /// Task allocations freed so far.
    freed: AtomicUsize,
    /// Tasks the list refused (closed): their droppers freed them.
    refused: AtomicUsize,
}

/// The scheduler handle of a [`HomeList`]'s tasks; dropped when one is freed.
struct HomeHandle(Arc<HomeInner>);

impl Drop for HomeHandle {
    fn drop(&mut self) {
        self.0.freed.fetch_add(1, Ordering::SeqCst);
    }
}

impl Schedule for HomeHandle {
    fn schedule(&self, _task: Notified) {
        unreachable!("a finished task is never woken");
    }

    fn release(&self, _task: NonNull<Header>) -> bool {
        false
    }

    fn defer_free(&self, task: NonNull<Header>) -> bool {
        // SAFETY: called with the task's last reference gone.
        let taken = unsafe { self.0.list.push(task) };
        if !taken {
            self.0.refused.fetch_add(1, Ordering::SeqCst);
        }
        taken
    }
}

/// The last reference to a finished task: dropping it frees the task
/// through the list.
pub struct FinishedTask(Option<Task>);

impl Drop for FinishedTask {
    fn drop(&mut self) {
        drop(self.0.take());
    }
}

impl fmt::Debug for FinishedTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinishedTask").finish_non_exhaustive()
    }
}

impl HomeList {
    /// An empty, open list.
    pub fn new() -> HomeList {
        HomeList {
            inner: Arc::new(HomeInner {
                list: RemoteFree::new(),
                freed: AtomicUsize::new(0),
                refused: AtomicUsize::new(0),
            }),
        }
    }

    /// A task that has run to completion, held only by the returned value.
    pub fn finished_task(&self) -> FinishedTask {
        let (task, notified) = task::new_detached(
            async {},
            None,
            HomeHandle(self.inner.clone()),
            std::panic::Location::caller(),
            crate::context::spawn_time(),
        );
        notified.run();
        FinishedTask(Some(task))
    }

    /// A take: frees every task handed over so far. The home worker's, for
    /// a worker's list; any thread's, for the list of tasks spawned from
    /// outside.
    pub fn free_all(&self) {
        self.inner.list.free_all();
    }

    /// Shutdown's last take: frees the rest and refuses later hand-overs.
    pub fn close(&self) {
        self.inner.list.close();
    }

    /// Tasks freed so far, through the list or by their droppers.
    pub fn freed(&self) -> usize {
        self.inner.freed.load(Ordering::SeqCst)
    }

    /// Hand-overs refused by a closed list.
    pub fn refused(&self) -> usize {
        self.inner.refused.load(Ordering::SeqCst)
    }
}

impl Default for HomeList {
    fn default() -> HomeList {
        HomeList::new()
    }
}

impl fmt::Debug for HomeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HomeList").finish_non_exhaustive()
    }
}

/// The stall detector's shared state (rule 7 of `idle.rs`): the claim of a
/// stalled poll's report, and the stall watcher's role.
///
/// # Examples
///
/// ```ignore
/// let watch = braid::loom_harness::StallClaims::new(2);
/// assert!(watch.claim(0, 7));
/// assert!(!watch.claim(0, 7));
/// ```
pub struct StallClaims(crate::scheduler::StallWatch);

impl StallClaims {
    /// The state of a runtime of `workers` workers.
    pub fn new(workers: usize) -> StallClaims {
        StallClaims(crate::scheduler::StallWatch::new(
            workers,
            Default::default(),
        ))
    }

    /// A detector claims the report of `worker`'s poll under `epoch`.
    pub fn claim(&self, worker: usize, epoch: usize) -> bool {
        self.0.claim(worker, epoch)
    }

    /// A waking worker asks whether it must call a watcher.
    pub fn should_call_watcher(&self) -> bool {
        self.0.should_call_watcher()
    }

    /// A parking worker takes the watcher role.
    pub fn try_start_watching(&self) -> bool {
        self.0.try_start_watching()
    }

    /// The watcher wakes and gives the role up.
    pub fn stop_watching(&self) {
        self.0.stop_watching()
    }
}

impl fmt::Debug for StallClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StallClaims").finish_non_exhaustive()
    }
}
