//! [`AbortHandle`]: cancels one task, whether a runtime's task or a task
//! group's child.
//!
//! The handle is one concrete type, so `braid::JoinHandle::abort_handle`
//! and [`TaskGroup::spawn`](crate::TaskGroup::spawn) return the same thing,
//! yet what it reaches differs: a task's state word in braid's runtime, a
//! slot and its generation in a group. So the handle stores an
//! [`AbortTask`] of any type, erased: moved into a buffer of [`WORDS`]
//! words when it fits (both of those do), boxed when it does not, beside a
//! table of the three functions that abort, look at and drop a value of
//! that type.

use std::fmt;
use std::mem::{self, MaybeUninit};

use crate::Id;

/// What an [`AbortHandle`] reaches: one task, which it can cancel and ask
/// whether it has finished. A runtime that hosts braid's gathers implements
/// it to hand out `AbortHandle`s for its own tasks, through
/// [`host::abort_handle`](crate::host::abort_handle).
///
/// # Examples
///
/// ```
/// use braid_gather::host::{self, AbortTask};
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// /// A task that is only ever a flag.
/// struct Flag(Arc<AtomicBool>);
///
/// impl AbortTask for Flag {
///     fn abort(&self) {
///         self.0.store(true, Ordering::SeqCst);
///     }
///     fn is_finished(&self) -> bool {
///         self.0.load(Ordering::SeqCst)
///     }
/// }
///
/// let flag = Arc::new(AtomicBool::new(false));
/// let handle = host::abort_handle(host::next_id(), Flag(flag.clone()));
/// handle.abort();
/// assert!(flag.load(Ordering::SeqCst) && handle.is_finished());
/// ```
pub trait AbortTask: Send + Sync + 'static {
    /// Cancels the task unless it has finished; doing so twice, or after it
    /// finished, does nothing.
    fn abort(&self);

    /// Whether the task has finished: returned, panicked, or been cancelled
    /// and dropped.
    fn is_finished(&self) -> bool;
}

/// Words of an [`AbortTask`] stored inline: a task group's child is three
/// (its group, slot and generation), a runtime task one.
const WORDS: usize = 3;

type Buffer = MaybeUninit<[usize; WORDS]>;

/// How to use the value in a [`Buffer`].
struct Vtable {
    abort: unsafe fn(*const Buffer),
    is_finished: unsafe fn(*const Buffer) -> bool,
    drop: unsafe fn(*mut Buffer),
}

/// The vtable for values of type `A`.
struct VtableOf<A>(A);

impl<A: AbortTask> VtableOf<A> {
    const VTABLE: Vtable = Vtable {
        abort: Self::abort,
        is_finished: Self::is_finished,
        drop: Self::drop,
    };

    /// # Safety
    ///
    /// `buffer` holds a live `A`.
    unsafe fn abort(buffer: *const Buffer) {
        // SAFETY: per the contract.
        unsafe { &*buffer.cast::<A>() }.abort();
    }

    /// # Safety
    ///
    /// `buffer` holds a live `A`.
    unsafe fn is_finished(buffer: *const Buffer) -> bool {
        // SAFETY: per the contract.
        unsafe { &*buffer.cast::<A>() }.is_finished()
    }

    /// # Safety
    ///
    /// `buffer` holds a live `A`, which is not used again.
    unsafe fn drop(buffer: *mut Buffer) {
        // SAFETY: per the contract.
        unsafe { buffer.cast::<A>().drop_in_place() }
    }
}

/// An [`AbortTask`] too large or too aligned for the buffer, boxed.
struct Boxed<A>(Box<A>);

impl<A: AbortTask> AbortTask for Boxed<A> {
    fn abort(&self) {
        self.0.abort();
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

/// A handle that can cancel a task but not await it, returned by
/// `braid::JoinHandle::abort_handle` and by
/// [`TaskGroup::spawn`](crate::TaskGroup::spawn). Dropping it does nothing
/// to the task.
///
/// Aborting a task group's child cancels that child alone: its future is
/// dropped at its next wake (which the abort triggers), its
/// [`current_token`](crate::current_token()) and everything started with it
/// are cancelled, and [`join_next`](crate::TaskGroup::join_next) reports it
/// as a cancelled [`JoinError`](crate::JoinError). The handle stays valid
/// after the child is joined and never reaches a later child.
///
/// # Examples
///
/// ```
/// braid::Runtime::new().unwrap().block_on(async {
///     let handle = braid::spawn(std::future::pending::<()>());
///     let spawned: braid::AbortHandle = handle.abort_handle();
///
///     let mut group = braid::TaskGroup::new();
///     let child: braid::AbortHandle = group.spawn(std::future::pending::<()>());
///
///     spawned.abort();
///     child.abort();
///     assert!(handle.await.unwrap_err().is_cancelled());
///     assert!(group.join_next().await.unwrap().unwrap_err().is_cancelled());
///     assert!(spawned.is_finished() && child.is_finished());
/// });
/// ```
pub struct AbortHandle {
    id: Id,
    /// A live value of the vtable's type, moved in by `new`.
    buffer: Buffer,
    vtable: &'static Vtable,
}

// SAFETY: the buffer holds an `AbortTask`, which is `Send + Sync`; the
// handle hands out no access to it but through the vtable's `&` calls.
unsafe impl Send for AbortHandle {}
// SAFETY: as for `Send`.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// A handle for the task `id` that `task` reaches.
    pub(crate) fn new<A: AbortTask>(id: Id, task: A) -> AbortHandle {
        if mem::size_of::<A>() > mem::size_of::<Buffer>()
            || mem::align_of::<A>() > mem::align_of::<Buffer>()
        {
            return AbortHandle::inline(id, Boxed(Box::new(task)));
        }
        AbortHandle::inline(id, task)
    }

    /// Moves `task`, which fits the buffer, into it.
    fn inline<A: AbortTask>(id: Id, task: A) -> AbortHandle {
        const {
            // `Boxed` must fit, and does: one pointer.
            assert!(mem::size_of::<Boxed<()>>() <= mem::size_of::<Buffer>());
        }
        debug_assert!(
            mem::size_of::<A>() <= mem::size_of::<Buffer>()
                && mem::align_of::<A>() <= mem::align_of::<Buffer>()
        );
        let mut buffer = Buffer::uninit();
        // SAFETY: the buffer is large and aligned enough for `A` (checked by
        // the caller), and the vtable stored with it is `A`'s.
        unsafe { buffer.as_mut_ptr().cast::<A>().write(task) };
        AbortHandle {
            id,
            buffer,
            vtable: &VtableOf::<A>::VTABLE,
        }
    }

    /// Cancels the task, unless it has finished. Aborting twice, or a task
    /// that has finished, does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     group.spawn(async { 1 });
    ///     group.spawn(std::future::pending()).abort();
    ///     let mut outcomes = vec![group.join_next().await, group.join_next().await];
    ///     outcomes.sort_by_key(|outcome| outcome.as_ref().unwrap().is_ok());
    ///     assert!(outcomes[0].as_ref().unwrap().as_ref().unwrap_err().is_cancelled());
    ///     assert_eq!(*outcomes[1].as_ref().unwrap().as_ref().unwrap(), 1);
    /// });
    /// ```
    pub fn abort(&self) {
        // SAFETY: the buffer holds a live value of the vtable's type.
        unsafe { (self.vtable.abort)(&self.buffer) }
    }

    /// Whether the task has finished: returned, panicked, or been cancelled
    /// and dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let abort = rt.block_on(async {
    ///     let handle = braid::spawn(async {});
    ///     let abort = handle.abort_handle();
    ///     handle.await.unwrap();
    ///     abort
    /// });
    /// assert!(abort.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        // SAFETY: the buffer holds a live value of the vtable's type.
        unsafe { (self.vtable.is_finished)(&self.buffer) }
    }

    /// The task's id, as `braid::task::id()` returns inside it (for a task
    /// group's child too: its task takes the id the group gave it).
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let handle = braid::spawn(async { braid::task::id() });
    ///     let id = handle.abort_handle().id();
    ///     assert_eq!(handle.await.unwrap(), id);
    ///
    ///     let mut group = braid::TaskGroup::new();
    ///     let child = group.spawn(async { braid::task::id() });
    ///     assert_eq!(group.join_next().await.unwrap().unwrap(), child.id());
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        // SAFETY: the buffer holds a live value of the vtable's type,
        // dropped here once.
        unsafe { (self.vtable.drop)(&mut self.buffer) }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts aborts and drops in `counts` (0: aborts, 1: drops).
    struct Counting<const PAD: usize> {
        counts: Arc<[AtomicUsize; 2]>,
        _pad: [u64; PAD],
    }

    impl<const PAD: usize> AbortTask for Counting<PAD> {
        fn abort(&self) {
            self.counts[0].fetch_add(1, Ordering::SeqCst);
        }

        fn is_finished(&self) -> bool {
            self.counts[0].load(Ordering::SeqCst) > 0
        }
    }

    impl<const PAD: usize> Drop for Counting<PAD> {
        fn drop(&mut self) {
            self.counts[1].fetch_add(1, Ordering::SeqCst);
        }
    }

    fn exercise<const PAD: usize>() {
        let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let id = Id::next();
        let handle = AbortHandle::new(
            id,
            Counting::<PAD> {
                counts: counts.clone(),
                _pad: [7; PAD],
            },
        );
        // Moved, as a handle returned from a spawn is.
        let moved = vec![handle].pop().unwrap();
        assert!(!moved.is_finished());
        moved.abort();
        moved.abort();
        assert!(moved.is_finished());
        assert_eq!(moved.id(), id);
        assert_eq!(counts[0].load(Ordering::SeqCst), 2);
        assert_eq!(counts[1].load(Ordering::SeqCst), 0);
        drop(moved);
        assert_eq!(counts[1].load(Ordering::SeqCst), 1, "dropped exactly once");
    }

    #[test]
    fn a_task_that_fits_is_stored_inline_and_dropped_once() {
        // One pointer and two words of padding: exactly the buffer.
        assert_eq!(mem::size_of::<Counting<2>>(), mem::size_of::<Buffer>());
        exercise::<2>();
    }

    #[test]
    fn a_task_too_large_is_boxed_and_dropped_once() {
        assert!(mem::size_of::<Counting<8>>() > mem::size_of::<Buffer>());
        exercise::<8>();
    }

    #[test]
    fn debug_names_the_id_and_whether_it_finished() {
        let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let id = Id::next();
        let handle = AbortHandle::new(id, Counting::<0> { counts, _pad: [] });
        assert_eq!(
            format!("{handle:?}"),
            format!("AbortHandle {{ id: {id:?}, finished: false }}")
        );
    }
}
