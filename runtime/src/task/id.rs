//! Task ids: a number per task, unique for the life of the process
//! ([`Id`], made by `braid_gather::host::next_id`), and the id of the task
//! this thread is polling.

use std::cell::Cell;

use crate::context;

/// A task's id: unique among all the tasks of the process, never reused.
/// The type is gather's, whose counter also numbers task groups' children,
/// so a group child's id is the id of the task that runs it.
pub use braid_gather::Id;

/// The task this thread is polling, if any: the `task` field of the
/// thread's [`Context`](crate::context::Context).
pub(crate) struct CurrentTask(Cell<Option<Id>>);

impl CurrentTask {
    pub(crate) const fn new() -> CurrentTask {
        CurrentTask(Cell::new(None))
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
    context::with(|cx| cx.and_then(|cx| cx.task.0.get()))
}

/// Makes `id` the current task's until dropped (restoring the previous one,
/// for a task polled inside another's poll, as `block_on` in a blocking call
/// does). It sets and restores the slot of the context the poll already
/// holds, with no thread-local access of its own.
pub(crate) struct CurrentGuard<'a> {
    slot: &'a CurrentTask,
    previous: Option<Id>,
}

pub(crate) fn enter(cx: &context::Context, id: Id) -> CurrentGuard<'_> {
    CurrentGuard {
        slot: &cx.task,
        previous: cx.task.0.replace(Some(id)),
    }
}

impl Drop for CurrentGuard<'_> {
    fn drop(&mut self) {
        self.slot.0.set(self.previous);
    }
}
