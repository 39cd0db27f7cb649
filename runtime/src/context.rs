//! Per-thread runtime context: which runtime `spawn` and `Handle::current`
//! use, and whether this thread is already driving async tasks.

use std::cell::{Cell, RefCell};

use crate::handle::Handle;
use crate::sync::thread_local;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
    /// Set on worker threads and inside `block_on`: blocking here would stall
    /// the tasks this thread runs.
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

/// Makes `handle` the thread's current runtime until dropped (nests).
pub(crate) struct SetCurrentGuard {
    prev: Option<Handle>,
    _reactor: Option<braid_reactor::driver::EnterGuard>,
    _spawner: braid_gather::SpawnerGuard,
}

pub(crate) fn enter(handle: &Handle) -> SetCurrentGuard {
    let reactor = handle.inner.driver().map(|driver| driver.handle().enter());
    let spawner = braid_gather::enter_spawner(handle.spawner());
    let prev = CURRENT.with(|c| c.replace(Some(handle.clone())));
    SetCurrentGuard {
        prev,
        _reactor: reactor,
        _spawner: spawner,
    }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| *c.borrow_mut() = self.prev.take());
    }
}

/// Marks the thread as driving async tasks until dropped.
pub(crate) struct DrivingGuard {
    _current: SetCurrentGuard,
}

/// Enters `handle` for a worker or a `block_on`. Panics if this thread is
/// already driving tasks: blocking it would stall them, or deadlock.
#[track_caller]
pub(crate) fn enter_driving(handle: &Handle, what: &str) -> DrivingGuard {
    if DRIVING.with(|d| d.replace(true)) {
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

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        DRIVING.with(|d| d.set(false));
    }
}

/// Whether this thread drives async tasks (a worker, or inside `block_on`).
pub(crate) fn is_driving() -> bool {
    DRIVING.with(Cell::get)
}

/// Calls `f` with the current runtime's handle, without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_ref()))
}

/// The message for runtime functions called outside any runtime: the
/// reactor's, so that `spawn` and `sleep` say the same.
pub(crate) const NO_RUNTIME: &str = braid_reactor::driver::NO_RUNTIME;
