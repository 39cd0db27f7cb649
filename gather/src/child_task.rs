//! [`ChildTask`]: a gather child as a runtime receives it, with the child's
//! future stored inline when it is small.
//!
//! A runtime reached through [`Spawn`](crate::Spawn) cannot be generic over
//! the child's future type, so the future must be type-erased. Boxing it
//! would cost every child a second allocation next to the runtime's task
//! (and, when the child finishes on another worker than the one that spawned
//! it, a second cross-thread free). Instead a `ChildTask` is a concrete
//! type: a buffer of [`INLINE`] bytes with the future moved into it, plus a
//! table of the two functions that poll and drop a future of that type. The
//! runtime stores the `ChildTask` inside its task like any future, so a
//! small child costs one allocation. A future too large or too aligned for
//! the buffer is boxed.
//!
//! The buffer's future is pinned once the `ChildTask` is: a `ChildTask` is
//! `!Unpin`, and it is only polled through `Pin`, so the future never moves
//! after its first poll (it moves, as any future may, before).

use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::mem::{self, MaybeUninit};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::Id;
use crate::spawn::BoxedTask;
use crate::sync::UnsafeCell;

/// Bytes of a future stored inline. The gather wrapper takes about 60 of them
/// (the child's slot in its group, its token and nested-gather hold, made
/// when asked for); the rest fits a child that awaits a sleep or a timeout
/// while holding a guard or two, or computes: such a child, about 100 bytes,
/// is the common case, and boxing it costs a second allocation and, when it
/// finishes on another worker, a free that contends for the spawning
/// thread's heap. A child that holds a socket's whole state machine is
/// boxed.
pub(crate) const INLINE: usize = 192;

/// The inline storage: aligned for any future up to 16-byte alignment.
#[repr(C, align(16))]
struct Buffer([MaybeUninit<u8>; INLINE]);

/// How to poll and drop the future in a [`Buffer`].
struct Vtable {
    poll: unsafe fn(*mut u8, &mut Context<'_>) -> Poll<()>,
    drop: unsafe fn(*mut u8),
}

/// The vtable for futures of type `F`.
struct VtableOf<F>(F);

impl<F: Future<Output = ()>> VtableOf<F> {
    const VTABLE: Vtable = Vtable {
        poll: Self::poll,
        drop: Self::drop,
    };

    /// # Safety
    ///
    /// `ptr` points at an `F` that is pinned (it never moves again) and not
    /// dropped.
    unsafe fn poll(ptr: *mut u8, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: per the contract, a live `F` that stays where it is.
        unsafe { Pin::new_unchecked(&mut *ptr.cast::<F>()) }.poll(cx)
    }

    /// # Safety
    ///
    /// `ptr` points at a live `F`, which is not used again.
    unsafe fn drop(ptr: *mut u8) {
        // SAFETY: per the contract.
        unsafe { ptr.cast::<F>().drop_in_place() }
    }
}

/// A gather child, ready to run as a task of its own: what a [`Spawn`]er
/// receives. Poll it to completion (its output reaches the gather through
/// the group, so the task may be detached), or drop it to cancel the child.
///
/// A runtime stores it inside its task like any future; the child's own
/// future sits inline in it when small, so spawning the child allocates
/// once.
///
/// [`Spawn`]: crate::Spawn
///
/// # Examples
///
/// ```
/// use braid_gather::{ChildTask, Spawn, enter_spawner, gather};
/// use std::sync::{Arc, Mutex};
///
/// /// Keeps the children to run them by hand.
/// #[derive(Default)]
/// struct Later(Mutex<Vec<ChildTask>>);
///
/// impl Spawn for Later {
///     fn spawn(&self, task: ChildTask) {
///         self.0.lock().unwrap().push(task);
///     }
/// }
///
/// let later = Arc::new(Later::default());
/// let _spawner = enter_spawner(later.clone());
/// let mut doubled = Box::pin(gather((1..=3).map(|n| async move { n * 2 })));
/// let waker = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(&waker);
/// assert!(doubled.as_mut().poll(&mut cx).is_pending()); // spawns the three
/// for task in later.0.lock().unwrap().drain(..) {
///     futures::executor::block_on(task);
/// }
/// assert_eq!(doubled.as_mut().poll(&mut cx), std::task::Poll::Ready(vec![2, 4, 6]));
/// ```
pub struct ChildTask {
    /// Holds a live future of `vtable`'s type: the child's own, or, when
    /// that does not fit, the box it was moved into. Only ever reached
    /// through raw pointers from the `UnsafeCell`, never through a `&mut`
    /// to the buffer, which would assert exclusive access over the borrows
    /// a pinned future keeps into itself.
    buffer: UnsafeCell<Buffer>,
    vtable: &'static Vtable,
    boxed: bool,
    id: Option<Id>,
    /// The future is pinned in place once the task is.
    _pinned: PhantomPinned,
}

// SAFETY: a `ChildTask` is only made from `F: Send` futures (`new`), and it
// hands out no shared access to its future.
unsafe impl Send for ChildTask {}

impl ChildTask {
    pub(crate) fn new<F>(future: F) -> ChildTask
    where
        F: Future<Output = ()> + Send + 'static,
    {
        if mem::size_of::<F>() > INLINE || mem::align_of::<F>() > mem::align_of::<Buffer>() {
            let boxed: BoxedTask = Box::pin(future);
            return ChildTask::inline(boxed, true);
        }
        ChildTask::inline(future, false)
    }

    /// Moves `future`, which fits the buffer, into it.
    fn inline<F: Future<Output = ()>>(future: F, boxed: bool) -> ChildTask {
        const {
            // `BoxedTask` must fit, and does: two pointers.
            assert!(mem::size_of::<BoxedTask>() <= INLINE);
        }
        debug_assert!(mem::size_of::<F>() <= INLINE && mem::align_of::<F>() <= 16);
        let buffer = UnsafeCell::new(Buffer([MaybeUninit::uninit(); INLINE]));
        // SAFETY: the buffer is large and aligned enough for `F` (checked by
        // the caller), and the vtable stored with it is `F`'s.
        buffer.with_mut(|buffer| unsafe { buffer.cast::<F>().write(future) });
        ChildTask {
            buffer,
            vtable: &VtableOf::<F>::VTABLE,
            boxed,
            id: None,
            _pinned: PhantomPinned,
        }
    }

    /// Gives the child the id that its group handed out at `spawn`.
    pub(crate) fn with_id(mut self, id: Id) -> ChildTask {
        self.id = Some(id);
        self
    }

    /// The id a [`TaskGroup`](crate::TaskGroup) gave this child when it was
    /// spawned (its [`AbortHandle::id`](crate::AbortHandle::id)), for the
    /// runtime to give the task that runs it, so that the child sees the
    /// same id from inside; `None` for a gather's child, whose task takes an
    /// id of its own.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_gather::{ChildTask, Spawn, TaskGroup, enter_spawner, gather};
    /// use std::sync::{Arc, Mutex};
    ///
    /// /// Keeps the children to look at them.
    /// #[derive(Default)]
    /// struct Later(Mutex<Vec<ChildTask>>);
    ///
    /// impl Spawn for Later {
    ///     fn spawn(&self, task: ChildTask) {
    ///         self.0.lock().unwrap().push(task);
    ///     }
    /// }
    ///
    /// let later = Arc::new(Later::default());
    /// let _spawner = enter_spawner(later.clone());
    /// let mut group = TaskGroup::<()>::new();
    /// let handle = group.spawn(async {});
    /// let waker = std::task::Waker::noop();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// let mut gathered = Box::pin(gather([async {}]));
    /// assert!(gathered.as_mut().poll(&mut cx).is_pending()); // spawns its child
    /// let ids: Vec<_> = later.0.lock().unwrap().iter().map(ChildTask::id).collect();
    /// assert_eq!(ids, [Some(handle.id()), None]);
    /// ```
    pub fn id(&self) -> Option<Id> {
        self.id
    }

    /// Whether the child's future is stored inline (for tests).
    #[cfg(test)]
    pub(crate) fn is_inline(&self) -> bool {
        !self.boxed
    }
}

impl Future for ChildTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this: &ChildTask = &self;
        // SAFETY: the buffer holds a live future of the vtable's type
        // (`new`), not dropped before `Drop`; it is pinned because `self` is
        // and the buffer is part of `self`.
        this.buffer
            .with_mut(|buffer| unsafe { (this.vtable.poll)(buffer.cast(), cx) })
    }
}

impl Drop for ChildTask {
    fn drop(&mut self) {
        let vtable = self.vtable;
        // SAFETY: the buffer holds a live future of the vtable's type,
        // dropped here once; nothing reads the buffer afterwards.
        self.buffer
            .with_mut(|buffer| unsafe { (vtable.drop)(buffer.cast()) });
    }
}

impl fmt::Debug for ChildTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let storage = if self.boxed { "boxed" } else { "inline" };
        f.debug_struct("ChildTask")
            .field("storage", &storage)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use crate::sync::{Arc, AtomicUsize, Ordering};
    use std::task::Waker;

    use super::*;

    /// Counts its drops.
    struct Tracked(Arc<AtomicUsize>);

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll(task: &mut Pin<Box<ChildTask>>) -> Poll<()> {
        task.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_small_future_is_inline_and_a_large_or_aligned_one_boxed() {
        assert!(ChildTask::new(async {}).is_inline());
        let large = [1_u8; INLINE + 1];
        assert!(!ChildTask::new(async move { assert_eq!(large[INLINE], 1) }).is_inline());
        #[repr(align(32))]
        struct Aligned(u8);
        let aligned = Aligned(1);
        assert!(
            !ChildTask::new(async move {
                let whole = aligned;
                assert_eq!(whole.0, 1);
            })
            .is_inline()
        );
    }

    /// A future that borrows its own local across an await (so it breaks if
    /// moved once polled), holds `extra` to set its size, and drops
    /// `tracked` when it finishes.
    fn self_borrowing<X: Send + 'static>(tracked: Tracked, extra: X) -> ChildTask {
        let mut yielded = false;
        ChildTask::new(async move {
            let _tracked = tracked;
            let _extra = extra;
            let local = 41_u32;
            let by_ref = &local;
            std::future::poll_fn(|cx| {
                if yielded {
                    return Poll::Ready(());
                }
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            })
            .await;
            assert_eq!(*by_ref + 1, 42);
        })
    }

    #[test]
    fn a_future_keeps_its_place_across_polls_and_drops_once() {
        let small = |tracked| self_borrowing(tracked, ());
        let large = |tracked| self_borrowing(tracked, [7_u8; INLINE]);
        let builders: [(bool, &dyn Fn(Tracked) -> ChildTask); 2] =
            [(true, &small), (false, &large)];
        for (inline, build) in builders {
            let drops = Arc::new(AtomicUsize::new(0));
            let mut task = Box::pin(build(Tracked(drops.clone())));
            assert_eq!(task.is_inline(), inline);
            assert!(poll(&mut task).is_pending());
            assert_eq!(drops.load(Ordering::SeqCst), 0);
            assert!(poll(&mut task).is_ready());
            assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped as it finished");
            drop(task);
            assert_eq!(drops.load(Ordering::SeqCst), 1, "and never again");
        }
    }

    #[test]
    fn an_unpolled_task_drops_its_future() {
        let drops = Arc::new(AtomicUsize::new(0));
        let tracked = Tracked(drops.clone());
        drop(ChildTask::new(async move { drop(tracked) }));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
