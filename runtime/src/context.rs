//! Per-thread runtime context: which runtime `spawn` and `Handle::current`
//! use, and whether this thread is already driving async tasks.
//!
//! The thread-local holds a pointer to the entering code's `Handle`, not a
//! clone of it: entering and leaving (on every `block_on`) touch no
//! reference count. The guards that set it borrow that handle and are only
//! made here, on the stack of the code that enters, so they are dropped in
//! the reverse order of their making while the handle is still alive.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;

use crate::handle::Handle;
use crate::sync::thread_local;

struct Context {
    /// The current runtime's handle, or null.
    current: Cell<*const Handle>,
    /// Set on worker threads and inside `block_on`: blocking here would stall
    /// the tasks this thread runs.
    driving: Cell<bool>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            current: Cell::new(ptr::null()),
            driving: Cell::new(false),
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
