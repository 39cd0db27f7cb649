//! The thread's one thread-local: which runtime `spawn` and
//! `Handle::current` use, whether this thread is already driving async
//! tasks, and the per-thread state of every other module and crate.
//!
//! 1. A thread of a braid runtime (a worker, a `block_on`, a blocking-pool
//!    thread) uses one thread-local, [`Context`]. Each module that keeps
//!    per-thread state owns the type of its field here (the task being
//!    polled, the scheduler's current core or worker, the `block_on`
//!    parker) and reaches it through [`with`]; no other module declares a
//!    thread-local.
//! 2. The reactor's and gather's per-thread state are fields too: when the
//!    first runtime is built, [`host_crates`] registers the lookups that
//!    make those crates use them rather than thread-locals of their own
//!    (their `set_thread_context`). Code here that already holds the
//!    context calls the reactor's `ThreadContext` directly (the budget of
//!    each poll, [`poll_in_budget`]).
//! 3. Every access checks that the context is still alive (it owns the
//!    `block_on` waker, the current driver and the ambient spawner, so it
//!    has a destructor). A loop that polls (a worker, a current-thread
//!    `block_on`, a thread's `block_on`) therefore takes the context once,
//!    with [`with_or_fresh`], and hands it to every poll it runs: the poll sets the task id and the budget on
//!    it and restores them through it, and a task that yields finds its
//!    worker there, with no thread-local access of its own. A spawn looks
//!    the context up once, for the runtime, the spawn time and the worker.
//! 4. The context is made without running code (a `const` initialiser).
//!    It is destroyed with the thread's other thread-locals; from then on
//!    [`with`] passes `None`, and every caller reads that as "outside any
//!    runtime" and restores nothing. [`with_or_fresh`] passes a fresh
//!    context made for the call instead, which nothing else finds: what
//!    runs on it is outside any runtime as well.
//! 5. It holds a pointer to the entering code's `Handle`, not a clone of
//!    it: entering and leaving (on every `block_on`) touch no reference
//!    count. The guards that set it follow two rules:
//!    - The crate's own guards ([`SetCurrentGuard`]) borrow that handle and
//!      are only made here, on the stack of the code that enters, so they
//!      are dropped in the reverse order of their making while the handle
//!      is still alive.
//!    - The public [`EnterGuard`] is in user hands, where it may be
//!      forgotten or dropped out of order, so it points at a boxed clone of
//!      the handle that it frees only when the context still points at it
//!      (it is the innermost guard), or is gone. Otherwise it leaks the box,
//!      so every pointer saved by a guard made after it stays valid, and
//!      panics naming the mistake.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr;
use std::time::{Duration, Instant};

use crate::handle::Handle;
use crate::park_thread::ThreadParker;
use crate::scheduler::{CurrentCore, CurrentWorker};
use crate::sync::{OnceLock, os_thread, thread_local};
use crate::task::CurrentTask;

/// Everything a thread keeps for the runtime (rule 1).
pub(crate) struct Context {
    /// The current runtime's handle, or null.
    current: Cell<*const Handle>,
    /// Set on worker threads and inside `block_on`: blocking here would stall
    /// the tasks this thread runs.
    driving: Cell<bool>,
    /// A worker's last reading of the clock (see [`spawn_time`]); `None`
    /// on every other thread.
    clock: Cell<Option<Stamp>>,
    /// The task being polled (`task::id`).
    pub(crate) task: CurrentTask,
    /// The current-thread scheduler's core, while this thread drives it.
    pub(crate) core: CurrentCore,
    /// The multi-thread scheduler's worker that this thread runs.
    pub(crate) worker: CurrentWorker,
    /// The waker and parker that `block_on` reuses on this thread.
    pub(crate) parker: ThreadParker,
    /// The reactor's state: the current driver, the cooperative budget.
    pub(crate) reactor: braid_reactor::context::ThreadContext,
    /// Gather's state: the ambient spawner, the child being polled.
    pub(crate) gather: braid_gather::ThreadContext,
}

impl Context {
    const fn new() -> Context {
        Context {
            current: Cell::new(ptr::null()),
            driving: Cell::new(false),
            clock: Cell::new(None),
            task: CurrentTask::new(),
            core: CurrentCore::new(),
            worker: CurrentWorker::new(),
            parker: ThreadParker::new(),
            reactor: braid_reactor::context::ThreadContext::new(),
            gather: braid_gather::ThreadContext::new(),
        }
    }
}

thread_local! {
    static CONTEXT: Context = const { Context::new() };
}

/// Calls `f` with this thread's context, or with `None` once it is
/// destroyed (rule 4).
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(Option<&Context>) -> R) -> R {
    let cx = CONTEXT.try_with(ptr::from_ref).unwrap_or(ptr::null());
    // SAFETY: a thread-local stays valid until its thread's thread-locals
    // are destroyed, which cannot begin while this thread is inside `f`.
    f(unsafe { cx.as_ref() })
}

/// Calls `f` with this thread's context, or with a fresh one made for the
/// call once it is destroyed (rule 4): for the loops that hold it across
/// their polls (rule 3).
#[inline]
pub(crate) fn with_or_fresh<R>(f: impl FnOnce(&Context) -> R) -> R {
    with(|cx| {
        let fresh;
        let cx = match cx {
            Some(cx) => cx,
            None => {
                fresh = Context::new();
                &fresh
            }
        };
        f(cx)
    })
}

/// This thread's reactor state, for that crate's lookup (rule 2).
fn locate_reactor() -> *const braid_reactor::context::ThreadContext {
    with(|cx| cx.map_or(ptr::null(), |cx| ptr::from_ref(&cx.reactor)))
}

/// This thread's gather state, for that crate's lookup (rule 2).
fn locate_gather() -> *const braid_gather::ThreadContext {
    with(|cx| cx.map_or(ptr::null(), |cx| ptr::from_ref(&cx.gather)))
}

/// Makes the reactor and gather keep their per-thread state in [`Context`]
/// (rule 2); once per process, before the first runtime's threads start.
///
/// # Panics
///
/// If another host registered its own lookups first: the budget that the
/// schedulers set here would then not be the one the reactor reads.
pub(crate) fn host_crates() {
    static HOSTED: OnceLock<()> = OnceLock::new();
    HOSTED.get_or_init(|| {
        // SAFETY: both return this thread's own fields of `CONTEXT`, valid
        // until its thread-locals are destroyed, and null from then on
        // (`with`).
        let reactor = unsafe { braid_reactor::context::set_thread_context(locate_reactor) };
        // SAFETY: as above.
        let gather = unsafe { braid_gather::set_thread_context(locate_gather) };
        assert!(
            reactor && gather,
            "braid could not host the per-thread state of braid-reactor and braid-gather: \
             another runtime registered its own first"
        );
    });
}

/// Runs `f` (one poll) under a fresh cooperative budget in `cx`, the
/// context the caller holds (rule 3), and says whether the budget ran out
/// during it (a forced yield).
#[inline]
pub(crate) fn poll_in_budget<R>(cx: &Context, f: impl FnOnce() -> R) -> (R, bool) {
    cx.reactor.budget_and_forced_yield(f)
}

/// Makes `handle` the thread's current runtime until dropped (nests).
pub(crate) struct SetCurrentGuard<'a> {
    prev: *const Handle,
    _reactor: Option<braid_reactor::driver::EnterGuard>,
    _spawner: braid_gather::SpawnerGuard,
    _handle: PhantomData<&'a Handle>,
}

pub(crate) fn enter(handle: &Handle) -> SetCurrentGuard<'_> {
    let reactor = handle.inner.driver().map(|driver| driver.handle().enter());
    let spawner = braid_gather::enter_spawner(handle.spawner());
    let prev = with(|cx| cx.map_or(ptr::null(), |cx| cx.current.replace(handle)));
    SetCurrentGuard {
        prev,
        _reactor: reactor,
        _spawner: spawner,
        _handle: PhantomData,
    }
}

impl Drop for SetCurrentGuard<'_> {
    fn drop(&mut self) {
        with(|cx| {
            if let Some(cx) = cx {
                cx.current.set(self.prev);
            }
        });
    }
}

/// Makes a runtime the current one on this thread until dropped, so that
/// [`braid::spawn`](crate::spawn), [`Handle::current`] and the `net` and
/// `time` constructors work here without a `block_on`. Returned by
/// [`Runtime::enter`](crate::Runtime::enter) and [`Handle::enter`]; the
/// same as Tokio's `tokio::runtime::EnterGuard`, at the crate root beside
/// [`Runtime`](crate::Runtime) and [`Handle`].
///
/// Guards nest: dropping one makes the runtime current before it current
/// again. Drop them in the reverse order of their making; dropping one
/// while a guard made after it is still alive panics. The guard stays on
/// the thread that made it (it is not `Send`).
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// let join = {
///     let _guard = rt.enter();
///     // Not inside `block_on`, yet `braid::spawn` finds the runtime.
///     braid::spawn(async { 6 * 7 })
/// };
/// assert!(braid::Handle::try_current().is_err());
/// assert_eq!(rt.block_on(join).unwrap(), 42);
/// ```
#[must_use = "the runtime is current only while the guard lives"]
pub struct EnterGuard<'a> {
    /// The boxed clone the thread-local points at (rule 5).
    handle: *mut Handle,
    prev: *const Handle,
    _reactor: Option<braid_reactor::driver::EnterGuard>,
    _spawner: braid_gather::SpawnerGuard,
    _runtime: PhantomData<&'a Handle>,
}

pub(crate) fn enter_public(handle: &Handle) -> EnterGuard<'_> {
    let handle = Box::into_raw(Box::new(handle.clone()));
    // SAFETY: just made from a box; freed only by the guard's drop.
    let boxed = unsafe { &*handle };
    let reactor = boxed.inner.driver().map(|driver| driver.handle().enter());
    let spawner = braid_gather::enter_spawner(boxed.spawner());
    let prev = with(|cx| cx.map_or(ptr::null(), |cx| cx.current.replace(handle)));
    EnterGuard {
        handle,
        prev,
        _reactor: reactor,
        _spawner: spawner,
        _runtime: PhantomData,
    }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        let innermost = with(|cx| {
            cx.map(|cx| {
                let innermost = ptr::eq(cx.current.get(), self.handle);
                if innermost {
                    cx.current.set(self.prev);
                }
                innermost
            })
        });
        // `None`: dropped during thread teardown, with the context gone
        // (rule 4): nothing points at the box any more.
        if innermost.unwrap_or(true) {
            // SAFETY: made by `Box::into_raw` in `enter_public`; nothing
            // points at it any more, as it was the innermost guard's.
            drop(unsafe { Box::from_raw(self.handle) });
        } else if !os_thread::panicking() {
            panic!(
                "a braid `EnterGuard` was dropped while a runtime context entered after it \
                 was still current: drop `enter()` guards in the reverse order of their making"
            );
        }
    }
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// Marks the thread as driving async tasks until dropped.
pub(crate) struct DrivingGuard<'a> {
    _current: SetCurrentGuard<'a>,
}

/// Enters `handle` for a worker or a `block_on`. Panics if this thread is
/// already driving tasks: blocking it would stall them, or deadlock.
#[track_caller]
pub(crate) fn enter_driving<'a>(handle: &'a Handle, what: &str) -> DrivingGuard<'a> {
    if with(|cx| cx.is_some_and(|cx| cx.driving.replace(true))) {
        panic!(
            "`{what}` called from inside a braid runtime: this thread is already \
             driving async tasks, and blocking it would stall them. Use `.await` \
             instead, or run the blocking code in `braid::spawn_blocking`."
        );
    }
    DrivingGuard {
        _current: enter(handle),
    }
}

impl Drop for DrivingGuard<'_> {
    fn drop(&mut self) {
        with(|cx| {
            if let Some(cx) = cx {
                cx.driving.set(false);
            }
        });
    }
}

/// Whether this thread drives async tasks (a worker, or inside `block_on`).
pub(crate) fn is_driving() -> bool {
    with(|cx| cx.is_some_and(|cx| cx.driving.get()))
}

/// Calls `f` with the current runtime's handle, without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    with_current_in(|handle, _| f(handle))
}

/// [`with_current`], also handing `f` the context the handle was found in,
/// for a spawn (rule 3).
pub(crate) fn with_current_in<R>(f: impl FnOnce(Option<&Handle>, Option<&Context>) -> R) -> R {
    with(|cx| {
        let current = cx.map_or(ptr::null(), |cx| cx.current.get());
        // SAFETY: a non-null pointer was set by a guard still alive on this
        // thread (rule 5), which borrows or owns the handle.
        f(unsafe { current.as_ref() }, cx)
    })
}

/// The message for runtime functions called outside any runtime: the
/// reactor's, so that `spawn` and `sleep` say the same.
pub(crate) const NO_RUNTIME: &str = braid_reactor::driver::NO_RUNTIME;

/// Reads the clock for this worker thread's [`spawn_time`]. Workers call it
/// when they wake and at each maintenance tick.
pub(crate) fn refresh_clock() {
    let now = Stamp::now();
    with(|cx| {
        if let Some(cx) = cx {
            cx.clock.set(Some(now));
        }
    });
}

/// When a task spawned now was spawned, for the dump's age. On a worker it
/// is the worker's last reading of the clock, which is at most one
/// maintenance interval of polls old, and saves a clock read per spawn (a
/// measurable share of a spawn); elsewhere it is read afresh.
pub(crate) fn spawn_time() -> Stamp {
    with(spawn_time_in)
}

/// [`spawn_time`] on `cx`, this thread's context, which a spawn holds
/// already (rule 3).
pub(crate) fn spawn_time_in(cx: Option<&Context>) -> Stamp {
    cx.and_then(|cx| cx.clock.get()).unwrap_or_else(Stamp::now)
}

/// A moment of the monotonic clock in 8 bytes, where an `Instant` takes 16:
/// nanoseconds since the first stamp the process took (good for 584 years).
/// Every task's metadata holds one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stamp(u64);

/// The moment stamps count from.
static EPOCH: OnceLock<Instant> = OnceLock::new();

impl Stamp {
    pub(crate) fn now() -> Stamp {
        // The epoch first, so that `now` is never before it.
        let epoch = *EPOCH.get_or_init(Instant::now);
        let nanos = Instant::now().duration_since(epoch).as_nanos();
        Stamp(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The moment as an `Instant`.
    pub(crate) fn instant(self) -> Instant {
        // A stamp exists only once the epoch is set.
        let epoch = *EPOCH.get_or_init(Instant::now);
        epoch + Duration::from_nanos(self.0)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::with;
    use braid_reactor::coop;

    /// The budget set on this thread's `Context` is the one the reactor
    /// reads: its lookup finds the runtime's context, not a thread-local
    /// of its own.
    fn reactor_reads_this_context() -> bool {
        let outside = coop::remaining();
        let inside = with(|cx| cx.unwrap().reactor.budget(coop::remaining));
        inside == Some(coop::BUDGET) && coop::remaining() == outside
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "a whole runtime: crossbeam's deques fail strict provenance"
    )]
    fn every_thread_of_a_runtime_keeps_the_reactor_state_in_its_context() {
        let rt = crate::Runtime::new().unwrap();
        assert!(reactor_reads_this_context(), "a plain thread");
        let (worker, blocking, driver) = rt.block_on(async {
            let worker = crate::spawn(async { reactor_reads_this_context() });
            let blocking = crate::spawn_blocking(|| {
                reactor_reads_this_context()
                    && braid_reactor::driver::Handle::try_current().is_some()
            });
            let driver = braid_reactor::driver::Handle::try_current().is_some();
            (worker.await.unwrap(), blocking.await.unwrap(), driver)
        });
        assert!(worker, "a worker");
        assert!(blocking, "a blocking-pool thread");
        assert!(driver, "block_on enters the driver");
        assert!(braid_reactor::driver::Handle::try_current().is_none());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "a whole runtime: crossbeam's deques fail strict provenance"
    )]
    fn nested_enters_restore_the_driver_in_the_one_context() {
        let outer = crate::Runtime::new().unwrap();
        let inner = crate::Builder::new_current_thread()
            .start_paused(true)
            .build()
            .unwrap();
        let paused = || braid_reactor::driver::Handle::try_current().map(|d| d.is_paused());
        let outer_guard = outer.enter();
        assert_eq!(paused(), Some(false));
        {
            let _inner_guard = inner.enter();
            assert_eq!(paused(), Some(true));
            assert!(braid_gather::current_token().is_none());
        }
        assert_eq!(paused(), Some(false));
        drop(outer_guard);
        assert!(braid_reactor::driver::Handle::try_current().is_none());
    }
}
