//! Task ids: a number per task, unique for the life of the process, and the
//! id of the task this thread is polling.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;

use crate::context;
use crate::sync::{CounterU64, Ordering};

/// A task's id: unique among all the tasks of the process, never reused.
///
/// Get it from [`JoinHandle::id`](crate::JoinHandle::id),
/// [`AbortHandle::id`](crate::AbortHandle::id), or, inside the task, from
/// [`id()`]. Dumps and stall reports name tasks by it.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handle = braid::spawn(async { braid::task::id() });
///     let expected = handle.id();
///     assert_eq!(handle.await.unwrap(), expected);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(NonZeroU64);

/// The next id to hand out. A plain counter outside any modelled protocol,
/// so std's atomic whatever the build.
static NEXT_ID: CounterU64 = CounterU64::new(1);

impl Id {
    /// The id numbered `n`, if `n` is one (not 0).
    #[cfg_attr(
        loom,
        allow(
            dead_code,
            reason = "the detector that reads it is left out of loom builds"
        )
    )]
    pub(crate) fn from_u64(n: u64) -> Option<Id> {
        NonZeroU64::new(n).map(Id)
    }

    pub(crate) fn next() -> Id {
        // Relaxed: only uniqueness matters, which the RMW gives.
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("task ids ran out"))
    }

    /// The id as a number.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let handle = rt.spawn(async {});
    /// assert!(handle.id().as_u64() > 0);
    /// ```
    pub fn as_u64(&self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

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
