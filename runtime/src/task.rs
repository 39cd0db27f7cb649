//! Tasks: the handles to spawned tasks ([`JoinHandle`], [`AbortHandle`]) and
//! their identity ([`Id`], [`id()`], [`try_id()`]).
//!
//! # Examples
//!
//! ```
//! let rt = braid::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let handle = braid::spawn(async { braid::task::id() });
//!     let id = handle.id();
//!     assert_eq!(handle.await.unwrap(), id);
//! });
//! ```
//!
//! # Layout
//!
//! A task is a `Cell<F, S>` (see `header.rs`): a `Header` with the atomic
//! state word and a `const` vtable for `(F, S)`, then its `Meta` (id, spawn
//! location, age, poll count), the scheduler handle, the stage (future, then
//! output) and the join waker. Every pointer to a task points at its header.
//!
//! # References
//!
//! The state word counts references. Each of these values holds one:
//!
//! - `Task`: the owned-task list's entry (one per live task);
//! - `Notified`: a run-queue entry (at most one exists, marked by `NOTIFIED`);
//! - [`JoinHandle`] and [`AbortHandle`];
//! - every `Waker` made from the task.
//!
//! Whoever drops the count to zero frees the allocation.
//!
//! # Rules
//!
//! 1. The stage belongs to the thread that set `RUNNING` (a worker polling or
//!    cancelling, or shutdown). Nobody else touches it while the bit is set.
//! 2. Once `COMPLETE` is set, the stage holds the output. If `JOIN_INTEREST`
//!    was set at that moment, the output belongs to the join handle (it
//!    reads it, or drops it when dropped); otherwise the completer drops it.
//! 3. The join waker field is written by the join handle only while
//!    `JOIN_WAKER` is clear and the task is not complete; the completer reads
//!    it only if `JOIN_WAKER` was set when it set `COMPLETE`. A join handle
//!    dropped before `COMPLETE` clears `JOIN_WAKER` with its interest and
//!    drops the waker it stored: it is another task's reference, and two
//!    tasks that stopped awaiting each other's handles would otherwise keep
//!    each other alive for good.
//! 4. A wake that finds the task running sets `NOTIFIED`; the runner then
//!    re-queues it when the poll returns, so a wake is never lost and the task
//!    is never in two queues or polled by two threads.
//! 5. `abort` sets `CANCELLED`; the next runner drops the future instead of
//!    polling it. Shutdown claims idle tasks directly and cancels them.

mod abort;
mod harness;
mod header;
mod id;
mod join;
mod list;
mod state;
mod waker;

pub use abort::AbortHandle;
pub(crate) use header::{Header, Meta};
pub(crate) use id::CurrentTask;
pub use id::{Id, id, try_id};
pub use join::JoinHandle;
pub(crate) use list::OwnedTasks;

use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use crate::context::{self, Context, Stamp};
use crate::sync::UnsafeCell;
use harness::Harness;
use header::{Cell, Stage};
use state::State;

/// What a task needs from the scheduler that runs it.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queues a woken task.
    fn schedule(&self, task: Notified);

    /// Queues a task that woke itself during its poll (or used up its
    /// budget): behind the tasks already waiting, never in a LIFO slot.
    /// `cx` is the thread's context that the poll ran on (rule 3 of
    /// `context`).
    fn yield_now(&self, task: Notified, cx: &Context) {
        let _ = cx;
        self.schedule(task);
    }

    /// The task completed: unlink it from the owned list. True if it was
    /// linked (the caller then drops the list's reference).
    fn release(&self, task: NonNull<Header>) -> bool;

    /// The task's last reference is gone: true if the scheduler takes it,
    /// to free it later through `Vtable::free` (the work-stealing
    /// scheduler hands it to the worker that allocated it). By default the
    /// task is freed at once.
    fn defer_free(&self, task: NonNull<Header>) -> bool {
        let _ = task;
        false
    }

    /// A panic of one of its tasks that nobody observed: the output
    /// holding it was dropped unread (see `unhandled_panic.rs`). By
    /// default it is dropped.
    fn unhandled_panic(&self, payload: Box<dyn std::any::Any + Send>) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(payload)));
    }
}

/// An untyped pointer to a task. Holds no reference by itself.
#[derive(Clone, Copy)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a task's shared state is reached only through atomics and the
// ownership rules above; its future and output are `Send`.
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn from_ptr(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only used while some reference keeps the
        // task alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn meta(&self) -> &Meta {
        // SAFETY: as above; `ptr` came from the task's allocation.
        unsafe { Header::meta(self.ptr) }
    }

    /// Runs the queue entry on this thread's context `cx`.
    ///
    /// # Safety
    ///
    /// Hands over a queue entry's reference.
    unsafe fn poll(self, cx: &Context) {
        // SAFETY: forwarded.
        unsafe { (self.header().vtable.poll)(self.ptr, cx) }
    }

    /// # Safety
    ///
    /// Hands over the owned list's reference; the task is unlinked.
    pub(crate) unsafe fn shutdown(self) {
        // SAFETY: forwarded.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// # Safety
    ///
    /// Only the join handle calls this; `dst` points to a
    /// `Poll<Result<Output, JoinError>>` of the task's output type.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    ///
    /// Called once, by the join handle, handing over its reference.
    pub(crate) unsafe fn drop_join_handle_slow(self) {
        // SAFETY: forwarded.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    pub(crate) fn remote_abort(self) {
        use state::TransitionToNotified;
        match self.header().state.transition_to_notified_and_cancel() {
            // SAFETY: the transition added a reference for the queue entry.
            TransitionToNotified::Submit => unsafe { (self.header().vtable.schedule)(self.ptr) },
            TransitionToNotified::DoNothing => {}
            TransitionToNotified::Dealloc => unreachable!("abort never drops a reference"),
        }
    }

    /// Drops one reference, freeing the task if it was the last.
    pub(crate) fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }
}

/// The owned list's reference to a task.
pub(crate) struct Task {
    raw: RawTask,
}

impl Task {
    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Records the worker that allocated the task (see `Links::home`).
    /// Called before the task is published to any other thread.
    pub(crate) fn set_home(&self, worker: usize) {
        let home = u16::try_from(worker).unwrap_or(header::NO_HOME);
        // SAFETY: the task is not yet bound to a list nor queued, so nothing
        // else reads its links.
        self.raw
            .header()
            .owned
            .with_mut(|links| unsafe { (*links).home = home });
    }

    /// Cancels a task that could not be bound to a closed runtime.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        // SAFETY: this value's reference is handed over; the task was never
        // linked.
        unsafe { raw.shutdown() }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

/// A run-queue entry: a task that must be polled.
pub(crate) struct Notified {
    raw: RawTask,
}

impl Notified {
    /// Turns a reference to the task into a queue entry, which owns it from
    /// then on.
    ///
    /// # Safety
    ///
    /// The caller holds one reference to the task (counted in its state) and
    /// gives it up: it came from [`Notified::into_raw`], or the task's own
    /// harness turns the reference of a wake or a yield into an entry. Each
    /// reference becomes at most one entry.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified {
        Notified {
            raw: RawTask::from_ptr(ptr),
        }
    }

    /// Polls (or cancels) the task, consuming the entry.
    pub(crate) fn run(self) {
        context::with_or_fresh(|cx| self.run_in(cx));
    }

    /// [`Notified::run`] for a caller that holds this thread's context
    /// already (a scheduler's loop): the poll makes no thread-local access
    /// of its own (rule 3 of `context`).
    pub(crate) fn run_in(self, cx: &Context) {
        let raw = self.raw;
        std::mem::forget(self);
        // SAFETY: this entry's reference is handed over.
        unsafe { raw.poll(cx) }
    }

    /// Cancels a queued task that will never run (a blocking call queued at
    /// shutdown), consuming the entry.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        // SAFETY: this entry's reference is handed over; tasks queued this
        // way are in no owned list.
        unsafe { raw.shutdown() }
    }

    pub(crate) fn meta(&self) -> &Meta {
        self.raw.meta()
    }

    /// Which task this entry is for (tests tell entries apart by it).
    #[cfg(test)]
    pub(crate) fn ptr(&self) -> NonNull<Header> {
        self.raw.ptr
    }

    /// For queues that store raw pointers (the LIFO slot).
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        let ptr = self.raw.ptr;
        std::mem::forget(self);
        ptr
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        // A queue entry dropped without running (queues drained at
        // shutdown): only its reference goes.
        self.raw.drop_reference();
    }
}

impl std::fmt::Debug for Notified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Notified").field(&self.raw.ptr).finish()
    }
}

/// Allocates a task spawned at `location` at the moment `spawned_at`
/// (`context::spawn_time`). Returns the owned list's reference, the first
/// queue entry and the join handle.
pub(crate) fn new<F, S>(
    future: F,
    scheduler: S,
    location: &'static Location<'static>,
    spawned_at: Stamp,
) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let raw = allocate(future, None, scheduler, State::new(), location, spawned_at);
    (Task { raw }, Notified { raw }, JoinHandle::new(raw))
}

/// Allocates a task that has no join handle (its output is dropped when it
/// completes): the owned list's reference and the first queue entry. Saves
/// the join handle's reference and its drop. The task's id is `given`, the
/// one a task group handed out for it (`ChildTask::id`), else a fresh one.
pub(crate) fn new_detached<F, S>(
    future: F,
    given: Option<Id>,
    scheduler: S,
    location: &'static Location<'static>,
    spawned_at: Stamp,
) -> (Task, Notified)
where
    F: Future<Output = ()> + Send + 'static,
    S: Schedule,
{
    let raw = allocate(
        future,
        given,
        scheduler,
        State::new_detached(),
        location,
        spawned_at,
    );
    (Task { raw }, Notified { raw })
}

fn allocate<F, S>(
    future: F,
    given: Option<Id>,
    scheduler: S,
    state: State,
    location: &'static Location<'static>,
    spawned_at: Stamp,
) -> RawTask
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // Written field by field into the allocation, rather than built on the
    // stack and moved in: the future is copied once, not twice (it is a few
    // hundred bytes for a gather child).
    let mut cell = Box::<Cell<F, S>>::new_uninit();
    let ptr = cell.as_mut_ptr();
    // SAFETY: `ptr` points at the allocation, valid for writes of each field;
    // every field is written before `assume_init`.
    let cell = unsafe {
        (&raw mut (*ptr).header).write(Header::new(&Harness::<F, S>::VTABLE, state));
        (&raw mut (*ptr).meta).write(Meta::new(given, location, spawned_at));
        (&raw mut (*ptr).scheduler).write(scheduler);
        (&raw mut (*ptr).stage).write(UnsafeCell::new(Stage::Running(future)));
        (&raw mut (*ptr).join_waker).write(UnsafeCell::new(None));
        cell.assume_init()
    };
    RawTask::from_ptr(NonNull::from(Box::leak(cell)).cast::<Header>())
}

#[cfg(all(test, not(loom)))]
mod tests;
