//! Per-thread runtime context: which runtime `spawn` and `Handle::current`
//! use, and whether this thread is already driving async tasks.
//!
//! The thread-local holds a pointer to the entering code's `Handle`, not a
//! clone of it: entering and leaving (on every `block_on`) touch no
//! reference count. The guards that set it follow two rules:
//!
//! 1. The crate's own guards ([`SetCurrentGuard`]) borrow that handle and are
//!    only made here, on the stack of the code that enters, so they are
//!    dropped in the reverse order of their making while the handle is
//!    still alive.
//! 2. The public [`EnterGuard`] is in user hands, where it may be forgotten
//!    or dropped out of order, so it points at a boxed clone of the handle
//!    that it frees only when the thread-local still points at it (it is
//!    the innermost guard). Otherwise it leaks the box, so every pointer
//!    saved by a guard made after it stays valid, and panics naming the
//!    mistake.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr;
use std::time::{Duration, Instant};

use crate::handle::Handle;
use crate::sync::{OnceLock, os_thread, thread_local};

struct Context {
    /// The current runtime's handle, or null.
    current: Cell<*const Handle>,
    /// Set on worker threads and inside `block_on`: blocking here would stall
    /// the tasks this thread runs.
    driving: Cell<bool>,
    /// A worker's last reading of the clock (see [`spawn_time`]); `None`
    /// on every other thread.
    clock: Cell<Option<Stamp>>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            current: Cell::new(ptr::null()),
            driving: Cell::new(false),
            clock: Cell::new(None),
        }
    };
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
    let prev = CONTEXT.with(|cx| cx.current.replace(handle));
    SetCurrentGuard {
        prev,
        _reactor: reactor,
        _spawner: spawner,
        _handle: PhantomData,
    }
}

impl Drop for SetCurrentGuard<'_> {
    fn drop(&mut self) {
        CONTEXT.with(|cx| cx.current.set(self.prev));
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
    /// The boxed clone the thread-local points at (rule 2).
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
    let prev = CONTEXT.with(|cx| cx.current.replace(handle));
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
        // `try_with`: a guard dropped during thread teardown has nothing to
        // restore (and its box is leaked, which rule 2 allows).
        let innermost = CONTEXT
            .try_with(|cx| {
                let innermost = ptr::eq(cx.current.get(), self.handle);
                if innermost {
                    cx.current.set(self.prev);
                }
                innermost
            })
            .unwrap_or(false);
        if innermost {
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
    if CONTEXT.with(|cx| cx.driving.replace(true)) {
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
        CONTEXT.with(|cx| cx.driving.set(false));
    }
}

/// Whether this thread drives async tasks (a worker, or inside `block_on`).
pub(crate) fn is_driving() -> bool {
    CONTEXT.with(|cx| cx.driving.get())
}

/// Calls `f` with the current runtime's handle, without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let current = CONTEXT.with(|cx| cx.current.get());
    // SAFETY: a non-null pointer was set by a `SetCurrentGuard` still alive
    // on this thread's stack (see the module docs), which borrows the handle.
    f(unsafe { current.as_ref() })
}

/// The message for runtime functions called outside any runtime: the
/// reactor's, so that `spawn` and `sleep` say the same.
pub(crate) const NO_RUNTIME: &str = braid_reactor::driver::NO_RUNTIME;

/// Reads the clock for this worker thread's [`spawn_time`]. Workers call it
/// when they wake and at each maintenance tick.
pub(crate) fn refresh_clock() {
    let now = Stamp::now();
    // `try_with`: nothing to refresh during thread teardown.
    let _ = CONTEXT.try_with(|cx| cx.clock.set(Some(now)));
}

/// When a task spawned now was spawned, for the dump's age. On a worker it
/// is the worker's last reading of the clock, which is at most one
/// maintenance interval of polls old, and saves a clock read per spawn (a
/// measurable share of a spawn); elsewhere it is read afresh.
pub(crate) fn spawn_time() -> Stamp {
    CONTEXT
        .try_with(|cx| cx.clock.get())
        .ok()
        .flatten()
        .unwrap_or_else(Stamp::now)
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
