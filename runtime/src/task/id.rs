//! Task ids: a number per task, unique for the life of the process
//! ([`Id`], made by `braid_gather::host::next_id`), and the id of the task
//! this thread is polling.

use std::cell::Cell;
use std::ptr::{self, NonNull};

use super::header::Header;
use crate::context;

/// A task's id: unique among all the tasks of the process, never reused.
/// The type is gather's, whose counter also numbers task groups' children,
/// so a group child's id is the id of the task that runs it.
pub use braid_gather::Id;

/// The task this thread is polling, if any: the `task` field of the
/// thread's [`Context`](crate::context::Context), holding the polled task's
/// header (null outside a poll), whose metadata has its id.
///
/// It also takes the wakes by reference that the task makes of itself
/// during its poll, such as a yield (a wake by value gives up the waker's
/// reference, an atomic operation either way, and takes the usual path).
/// Such a wake needs no atomic operation: the task is `RUNNING`,
/// so a wake only has to be remembered until the poll ends, and on the
/// polling thread that is the pointer's low bit ([`WOKEN`]; a header is
/// aligned to more than 1), which the end of the poll reads
/// (`CurrentGuard::woke_itself`) and turns into the `NOTIFIED` of a wake
/// from anywhere else.
pub(crate) struct CurrentTask(Cell<*const Header>);

/// The polled task woke itself (the low bit of [`CurrentTask`]'s pointer).
const WOKEN: usize = 1;

impl CurrentTask {
    pub(crate) const fn new() -> CurrentTask {
        CurrentTask(Cell::new(ptr::null()))
    }

    /// The polled task's header, without the [`WOKEN`] bit.
    fn polled(&self) -> *const Header {
        self.0.get().map_addr(|addr| addr & !WOKEN)
    }

    /// Takes a wake of the task whose waker's data pointer is `task`, if
    /// this thread is polling it.
    #[inline]
    pub(crate) fn take_wake_of(&self, task: *const ()) -> bool {
        let polled = self.polled();
        if polled.cast::<()>() != task {
            return false;
        }
        self.0.set(polled.map_addr(|addr| addr | WOKEN));
        true
    }
}

/// The id of the task being polled on this thread.
///
/// # Panics
///
/// Outside a task (in `block_on`'s own future, or on a plain thread).
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// let (inner, outer) = rt.block_on(async {
///     let handle = braid::spawn(async { braid::task::id() });
///     let outer = handle.id();
///     (handle.await.unwrap(), outer)
/// });
/// assert_eq!(inner, outer);
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("`braid::task::id` called outside a task")
}

/// The id of the task being polled on this thread, or `None` outside one.
///
/// # Examples
///
/// ```
/// assert!(braid::task::try_id().is_none());
/// let rt = braid::Runtime::new().unwrap();
/// let inside = rt.block_on(async { braid::spawn(async { braid::task::try_id() }).await.unwrap() });
/// assert!(inside.is_some());
/// ```
pub fn try_id() -> Option<Id> {
    context::with(|cx| {
        let polled = NonNull::new(cx?.task.polled().cast_mut())?;
        // SAFETY: the pointer is the one `Harness::poll` entered, from the
        // task's allocation, and its runner's reference keeps the task alive
        // until the poll's guard takes the pointer out again.
        Some(unsafe { Header::meta(polled) }.id)
    })
}

/// Makes a task the polled one until dropped (restoring the previous one,
/// for a task polled inside another's poll, as `block_on` in a blocking call
/// does). It sets and restores the slot of the context the poll already
/// holds, with no thread-local access of its own.
pub(crate) struct CurrentGuard<'a> {
    slot: &'a CurrentTask,
    previous: *const Header,
}

/// Enters the poll of the task at `task`, a pointer from its allocation.
pub(crate) fn enter(cx: &context::Context, task: NonNull<Header>) -> CurrentGuard<'_> {
    CurrentGuard {
        slot: &cx.task,
        previous: cx.task.0.replace(task.as_ptr()),
    }
}

impl CurrentGuard<'_> {
    /// Whether the task woke itself during the poll so far; clears it.
    pub(crate) fn woke_itself(&self) -> bool {
        let polled = self.slot.0.get();
        self.slot.0.set(polled.map_addr(|addr| addr & !WOKEN));
        polled.addr() & WOKEN != 0
    }
}

impl Drop for CurrentGuard<'_> {
    fn drop(&mut self) {
        self.slot.0.set(self.previous);
    }
}
