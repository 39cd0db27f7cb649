//! `Handle`: a cheap, cloneable reference to a runtime, for spawning onto it
//! from anywhere.

use std::fmt;
use std::future::Future;
use std::panic::Location;

use crate::context;
use crate::scheduler::Scheduler;
use crate::sync::StdArc;
use crate::task::JoinHandle;
use braid_gather::ChildTask;

/// A reference to a runtime: spawn onto it, or block on it, from any thread.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let answer = std::thread::spawn(move || {
///     let join = handle.spawn(async { 1 + 1 });
///     handle.block_on(join).unwrap()
/// })
/// .join()
/// .unwrap();
/// assert_eq!(answer, 2);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Scheduler,
    /// What gather spawns its children through on this runtime's threads;
    /// made once, so entering the runtime (every `block_on`) allocates
    /// nothing.
    spawner: StdArc<dyn braid_gather::Spawn>,
}

/// Returned by [`Handle::try_current`] outside a runtime.
///
/// # Examples
///
/// ```
/// let err = braid::Handle::try_current().unwrap_err();
/// assert!(err.to_string().contains("braid runtime"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no braid runtime is running on this thread")
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The handle of the runtime this code runs in.
    ///
    /// # Panics
    ///
    /// Outside a runtime (not in a task, a `block_on`, a blocking call, or
    /// under a [`Runtime::enter`](crate::Runtime::enter) guard).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = braid::Handle::current();
    ///     assert_eq!(handle.spawn(async { 5 }).await.unwrap(), 5);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(_) => panic!("`Handle::current` {}", context::NO_RUNTIME),
        }
    }

    /// The handle of the runtime this code runs in, or an error outside one.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(braid::Handle::try_current().is_err());
    /// let rt = braid::Runtime::new().unwrap();
    /// rt.block_on(async { assert!(braid::Handle::try_current().is_ok()) });
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|handle| handle.cloned()).ok_or(TryCurrentError(()))
    }

    /// Makes this handle's runtime the current one on this thread until
    /// the guard drops (see [`EnterGuard`](crate::EnterGuard)).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let join = std::thread::spawn(move || {
    ///     let _guard = handle.enter();
    ///     assert_eq!(braid::Handle::current(), handle);
    ///     braid::spawn(async { 1 + 2 })
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(rt.block_on(join).unwrap(), 3);
    /// ```
    pub fn enter(&self) -> crate::EnterGuard<'_> {
        context::enter_public(self)
    }

    /// Spawns a task onto this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let join = rt.handle().spawn(async { "done" });
    /// assert_eq!(rt.block_on(join).unwrap(), "done");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = Location::caller();
        context::with(|thread| self.inner.spawn(future, location, thread))
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let join = rt.handle().spawn_blocking(|| 40 + 2);
    /// assert_eq!(rt.block_on(join).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner
            .blocking()
            .spawn(Some(self), f, Location::caller())
    }

    /// Runs `future` to completion on the calling thread, with this runtime
    /// as its context.
    ///
    /// # Panics
    ///
    /// When called from a thread that is already driving async tasks (a
    /// worker, or inside another `block_on`); and, on a runtime built with
    /// [`UnhandledPanic::ShutdownRuntime`](crate::UnhandledPanic), once a
    /// task's unobserved panic has shut it down, with that panic's message.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().block_on(async { 3 }), 3);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _guard = context::enter_driving(self, "block_on");
        let panics = self.inner.panics();
        // Under `UnhandledPanic::Ignore` (the default) the future runs as it
        // is: the guard's wrapper would cost every `block_on` its poll.
        if panics.shuts_down() {
            self.run_block_on(panics.guard(future))
        } else {
            self.run_block_on(future)
        }
    }

    fn run_block_on<F: Future>(&self, future: F) -> F::Output {
        match &self.inner {
            Scheduler::MultiThread(shared) => shared.block_on(future),
            Scheduler::CurrentThread(shared) => shared.block_on(future),
        }
    }

    pub(crate) fn new(inner: Scheduler) -> Handle {
        let spawner = StdArc::new(GatherSpawner(inner.clone()));
        Handle { inner, spawner }
    }

    /// The spawner gather uses on this runtime's threads.
    pub(crate) fn spawner(&self) -> StdArc<dyn braid_gather::Spawn> {
        self.spawner.clone()
    }

    /// Lists every live task of this runtime: id, state, polls, age and
    /// spawn location. The runtime keeps running while the dump is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let idle = rt.spawn(std::future::pending::<()>());
    /// let dump = rt.handle().dump();
    /// assert_eq!(dump.tasks().len(), 1);
    /// assert_eq!(dump.tasks()[0].id(), idle.id());
    /// // One line per task, under a header line.
    /// assert_eq!(dump.to_string().lines().count(), 2);
    /// ```
    pub fn dump(&self) -> crate::TaskDump {
        crate::TaskDump::capture(self.inner.owned())
    }

    /// The runtime's counters: tasks, queues, per-worker polls, steals,
    /// parks and busy time, the blocking pool, the I/O driver.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     braid::spawn(async {}).await.unwrap();
    ///     let metrics = braid::Handle::current().metrics();
    ///     assert_eq!(metrics.spawned_tasks_count(), 1);
    ///     assert!(metrics.num_workers() >= 1);
    /// });
    /// ```
    pub fn metrics(&self) -> crate::RuntimeMetrics {
        crate::RuntimeMetrics::new(self.clone())
    }
}

/// The runtime as a [`braid_gather::Spawn`]er: gather children spawned
/// through a handle become tasks of its runtime, a batch of them queued at
/// once and as many idle workers woken as the batch can use.
///
/// Inside the runtime a gather finds its spawner by itself; this is for
/// code that drives gathers from elsewhere, or wraps the runtime's spawner
/// in its own. The trait's `spawn` is the inherent [`Handle::spawn`]'s
/// namesake, so call it through the trait.
///
/// # Examples
///
/// ```
/// use braid_gather::{ChildTask, Spawn, enter_spawner};
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// /// Counts the children it hands to the runtime.
/// struct Counting(braid::Handle, AtomicUsize);
///
/// impl Spawn for Counting {
///     fn spawn(&self, task: ChildTask) {
///         self.1.fetch_add(1, Ordering::SeqCst);
///         Spawn::spawn(&self.0, task);
///     }
/// }
///
/// let rt = braid::Runtime::new().unwrap();
/// let counting = Arc::new(Counting(rt.handle().clone(), AtomicUsize::new(0)));
/// let squares = rt.block_on({
///     let counting = counting.clone();
///     async move {
///         let _spawner = enter_spawner(counting);
///         braid::gather((1..=3).map(|n| async move { n * n })).await
///     }
/// });
/// assert_eq!(squares, [1, 4, 9]);
/// assert_eq!(counting.1.load(Ordering::SeqCst), 3);
/// ```
impl braid_gather::Spawn for Handle {
    #[track_caller]
    fn spawn(&self, task: ChildTask) {
        self.spawner.spawn(task);
    }

    #[track_caller]
    fn spawn_batch(&self, tasks: &mut dyn Iterator<Item = ChildTask>) {
        self.spawner.spawn_batch(tasks);
    }
}

/// Runs gather's children as tasks of the runtime. Holds the scheduler,
/// not a `Handle`, so a handle's spawner does not keep itself alive.
///
/// A child whose future fits a
/// [`SmallChildTask`](braid_gather::SmallChildTask) runs in one, in a task
/// 96 bytes smaller (see `braid_gather`'s `child_task.rs`). A batch takes
/// the size of its first child: a gather's children share one future type.
struct GatherSpawner(Scheduler);

impl GatherSpawner {
    /// Spawns one child, spawned by the code at `location`.
    fn spawn_one(&self, task: ChildTask, location: &'static Location<'static>) {
        let given = task.id();
        context::with(|thread| match task.into_small() {
            Ok(small) => self.0.spawn_detached(small, given, location, thread),
            Err(task) => self.0.spawn_detached(task, given, location, thread),
        });
    }
}

impl braid_gather::Spawn for GatherSpawner {
    #[track_caller]
    fn spawn(&self, task: ChildTask) {
        self.spawn_one(task, Location::caller());
    }

    #[track_caller]
    fn spawn_batch(&self, tasks: &mut dyn Iterator<Item = ChildTask>) {
        let location = Location::caller();
        match &self.0 {
            Scheduler::MultiThread(shared) => {
                let Some(first) = tasks.next() else {
                    return;
                };
                let with_id = |task: ChildTask| {
                    let given = task.id();
                    (task, given)
                };
                match first.into_small() {
                    Ok(first) => {
                        // Any child that does not fit waits for a batch of
                        // its own, after this one.
                        let mut large = Vec::new();
                        let given = first.id();
                        let rest = tasks.filter_map(|task| {
                            let given = task.id();
                            match task.into_small() {
                                Ok(small) => Some((small, given)),
                                Err(task) => {
                                    large.push((task, given));
                                    None
                                }
                            }
                        });
                        shared.spawn_batch(std::iter::once((first, given)).chain(rest), location);
                        if !large.is_empty() {
                            shared.spawn_batch(large.into_iter(), location);
                        }
                    }
                    Err(first) => shared
                        .spawn_batch(std::iter::once(first).chain(tasks).map(with_id), location),
                }
            }
            Scheduler::CurrentThread(_) => {
                for task in tasks {
                    self.spawn_one(task, location);
                }
            }
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flavor = match self.inner {
            Scheduler::MultiThread(_) => "multi_thread",
            Scheduler::CurrentThread(_) => "current_thread",
        };
        f.debug_struct("Handle")
            .field("flavor", &flavor)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Handle {
    fn eq(&self, other: &Handle) -> bool {
        self.inner.ptr_eq(&other.inner)
    }
}
