//! [`ChildTask`] and [`SmallChildTask`]: a gather child as a runtime
//! receives it, with the child's future stored inline when it is small.
//!
//! A runtime reached through [`Spawn`](crate::Spawn) cannot be generic over
//! the child's future type, so the future must be type-erased. Boxing it
//! would cost every child a second allocation next to the runtime's task
//! (and, when the child finishes on another worker than the one that spawned
//! it, a second cross-thread free). Instead a `ChildTask` is a concrete
//! type: a buffer of [`INLINE`] bytes with the future moved into it, plus a
//! table of the functions that poll and drop a future of that type. The
//! runtime stores the `ChildTask` inside its task like any future, so a
//! small child costs one allocation. A future too large or too aligned for
//! the buffer is boxed.
//!
//! One size for every child makes a runtime task larger than most children
//! need: the buffer is sized for a child that holds a sleep and a guard or
//! two, where the child of a computation takes half of it. So a runtime may
//! move a child whose future fits [`SMALL_INLINE`] bytes into a
//! [`SmallChildTask`] before it spawns it ([`ChildTask::into_small`]), and
//! store that instead: its task is then 96 bytes smaller, which is memory
//! the spawning worker writes and the worker that runs the child reads.
//!
//! The buffer's future is pinned once its task is: both types are `!Unpin`
//! and only polled through `Pin`, so the future never moves after its first
//! poll (it moves, as any future may, before: the move into a small task is
//! one of those moves, and takes the task by value, so it cannot happen to
//! a task that was pinned).

use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::mem::{self, MaybeUninit};
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};

use crate::Id;
use crate::spawn::BoxedTask;
use crate::sync::UnsafeCell;

/// Bytes of a future stored inline in a [`ChildTask`]. The gather wrapper
/// takes about 60 of them (the child's slot in its group, its token and
/// nested-gather hold, made when asked for); the rest fits a child that
/// awaits a sleep or a timeout while holding a guard or two, or computes:
/// such a child, about 100 bytes, is the common case, and boxing it costs a
/// second allocation and, when it finishes on another worker, a free that
/// contends for the spawning thread's heap. A child that holds a socket's
/// whole state machine is boxed.
pub(crate) const INLINE: usize = 192;

/// Bytes of a future stored inline in a [`SmallChildTask`]: the wrapper and
/// a child of a few words (a computation on its inputs, a channel send),
/// or a boxed future.
pub(crate) const SMALL_INLINE: usize = 96;

/// The inline storage: aligned for any future up to 16-byte alignment.
#[repr(C, align(16))]
struct Buffer<const N: usize>([MaybeUninit<u8>; N]);

/// How to poll and drop the future in a [`Buffer`], and its size.
struct Vtable {
    poll: unsafe fn(*mut u8, &mut Context<'_>) -> Poll<()>,
    drop: unsafe fn(*mut u8),
    size: usize,
}

/// The vtable for futures of type `F`.
struct VtableOf<F>(F);

impl<F: Future<Output = ()>> VtableOf<F> {
    const VTABLE: Vtable = Vtable {
        poll: Self::poll,
        drop: Self::drop,
        size: mem::size_of::<F>(),
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

/// A type-erased future in a buffer of `N` bytes: the body of both task
/// types.
struct Stored<const N: usize> {
    /// Holds a live future of `vtable`'s type: the child's own, or, when
    /// that does not fit, the box it was moved into. Only ever reached
    /// through raw pointers from the `UnsafeCell`, never through a `&mut`
    /// to the buffer, which would assert exclusive access over the borrows
    /// a pinned future keeps into itself.
    buffer: UnsafeCell<Buffer<N>>,
    vtable: &'static Vtable,
    boxed: bool,
    id: Option<Id>,
    /// The future is pinned in place once the task is.
    _pinned: PhantomPinned,
}

impl<const N: usize> Stored<N> {
    /// An empty buffer for a future with `vtable`: the caller writes the
    /// future into it before anything polls or drops it.
    fn empty(vtable: &'static Vtable, boxed: bool, id: Option<Id>) -> Stored<N> {
        Stored {
            buffer: UnsafeCell::new(Buffer([MaybeUninit::uninit(); N])),
            vtable,
            boxed,
            id,
            _pinned: PhantomPinned,
        }
    }

    /// Moves `future`, which fits the buffer, into it.
    fn inline<F: Future<Output = ()>>(future: F, boxed: bool) -> Stored<N> {
        debug_assert!(mem::size_of::<F>() <= N && mem::align_of::<F>() <= 16);
        let stored = Stored::empty(&VtableOf::<F>::VTABLE, boxed, None);
        // SAFETY: the buffer is large and aligned enough for `F` (checked by
        // the caller), and the vtable stored with it is `F`'s.
        stored
            .buffer
            .with_mut(|buffer| unsafe { buffer.cast::<F>().write(future) });
        stored
    }

    /// Moves the future into a buffer of `M` bytes, if it fits.
    fn resize<const M: usize>(self) -> Result<Stored<M>, Stored<N>> {
        let size = self.vtable.size;
        if size > M {
            return Err(self);
        }
        debug_assert!(M <= N, "a task only moves to a smaller buffer");
        let moved = Stored::<M>::empty(self.vtable, self.boxed, self.id);
        self.buffer.with(|from| {
            moved.buffer.with_mut(|to| {
                // SAFETY: `from` holds a live future of `size` bytes, which
                // has never been pinned (`self` is owned, and both task types
                // are `!Unpin`), so it may move; `to` is a separate buffer of
                // `M >= size` bytes with the same 16-byte alignment. The copy
                // takes the whole `M` bytes (the first `M` of `from`'s `N`),
                // a fixed size the compiler copies in a few moves; bytes
                // past the future's are copied as the uninitialised bytes
                // they are.
                unsafe { ptr::copy_nonoverlapping(from.cast::<Buffer<M>>(), to, 1) }
            });
        });
        // The future now lives in `moved`: `self` must not drop it.
        mem::forget(self);
        Ok(moved)
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this: &Stored<N> = &self;
        // SAFETY: the buffer holds a live future of the vtable's type
        // (`inline`, `resize`), not dropped before `Drop`; it is pinned
        // because `self` is and the buffer is part of `self`.
        this.buffer
            .with_mut(|buffer| unsafe { (this.vtable.poll)(buffer.cast(), cx) })
    }

    /// The `Debug` output of a task type named `name` around this body.
    fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let storage = if self.boxed { "boxed" } else { "inline" };
        f.debug_struct(name)
            .field("storage", &storage)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<const N: usize> Drop for Stored<N> {
    fn drop(&mut self) {
        let vtable = self.vtable;
        // SAFETY: the buffer holds a live future of the vtable's type,
        // dropped here once; nothing reads the buffer afterwards.
        self.buffer
            .with_mut(|buffer| unsafe { (vtable.drop)(buffer.cast()) });
    }
}

/// A gather child, ready to run as a task of its own: what a [`Spawn`]er
/// receives. Poll it to completion (its output reaches the gather through
/// the group, so the task may be detached), or drop it to cancel the child.
///
/// A runtime stores it inside its task like any future; the child's own
/// future sits inline in it when small, so spawning the child allocates
/// once. A runtime that can store a second, smaller type moves the children
/// that fit into a [`SmallChildTask`] first ([`into_small`](Self::into_small)).
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
pub struct ChildTask(Stored<INLINE>);

// SAFETY: a `ChildTask` is only made from `F: Send` futures (`new`), and it
// hands out no shared access to its future.
unsafe impl Send for ChildTask {}

impl ChildTask {
    pub(crate) fn new<F>(future: F) -> ChildTask
    where
        F: Future<Output = ()> + Send + 'static,
    {
        const {
            // `BoxedTask` must fit both sizes, and does: two pointers.
            assert!(mem::size_of::<BoxedTask>() <= SMALL_INLINE);
            assert!(SMALL_INLINE <= INLINE);
        }
        if mem::size_of::<F>() > INLINE || mem::align_of::<F>() > mem::align_of::<Buffer<INLINE>>()
        {
            let boxed: BoxedTask = Box::pin(future);
            return ChildTask(Stored::inline(boxed, true));
        }
        ChildTask(Stored::inline(future, false))
    }

    /// Gives the child the id that its group handed out at `spawn`.
    pub(crate) fn with_id(mut self, id: Id) -> ChildTask {
        self.0.id = Some(id);
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
        self.0.id
    }

    /// Moves the child into a [`SmallChildTask`] if its future fits one
    /// (a boxed future always does), or gives it back unchanged. The child
    /// keeps its id. A runtime that stores both types spawns the small one
    /// in a smaller task; the child behaves the same either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_gather::{ChildTask, Spawn, enter_spawner, gather};
    /// use std::sync::{Arc, Mutex};
    ///
    /// /// Keeps each child in whichever type it fits, to run it by hand.
    /// #[derive(Default)]
    /// struct BySize(Mutex<Vec<Result<braid_gather::SmallChildTask, ChildTask>>>);
    ///
    /// impl Spawn for BySize {
    ///     fn spawn(&self, task: ChildTask) {
    ///         self.0.lock().unwrap().push(task.into_small());
    ///     }
    /// }
    ///
    /// let by_size = Arc::new(BySize::default());
    /// let _spawner = enter_spawner(by_size.clone());
    /// let waker = std::task::Waker::noop();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// let mut small = Box::pin(gather((1..=2).map(|n| async move { n + 1 })));
    /// let mut large = Box::pin(gather([async {
    ///     let bytes = [1_u8; 128];
    ///     std::future::ready(()).await;
    ///     bytes.len()
    /// }]));
    /// assert!(small.as_mut().poll(&mut cx).is_pending()); // spawns its two
    /// assert!(large.as_mut().poll(&mut cx).is_pending()); // spawns its one
    /// let tasks: Vec<_> = by_size.0.lock().unwrap().drain(..).collect();
    /// let fits: Vec<bool> = tasks.iter().map(Result::is_ok).collect();
    /// assert_eq!(fits, [true, true, false]);
    /// for task in tasks {
    ///     match task {
    ///         Ok(small) => futures::executor::block_on(small),
    ///         Err(task) => futures::executor::block_on(task),
    ///     }
    /// }
    /// assert_eq!(small.as_mut().poll(&mut cx), std::task::Poll::Ready(vec![2, 3]));
    /// assert_eq!(large.as_mut().poll(&mut cx), std::task::Poll::Ready(vec![128]));
    /// ```
    #[allow(
        clippy::result_large_err,
        reason = "the child comes back as it was handed in, by value: boxing it would cost the large ones an allocation"
    )]
    pub fn into_small(self) -> Result<SmallChildTask, ChildTask> {
        self.0.resize().map(SmallChildTask).map_err(ChildTask)
    }

    /// Whether the child's future is stored inline (for tests).
    #[cfg(test)]
    pub(crate) fn is_inline(&self) -> bool {
        !self.0.boxed
    }
}

impl Future for ChildTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: a projection to the only field, which is never moved out
        // of a pinned `ChildTask`.
        unsafe { self.map_unchecked_mut(|task| &mut task.0) }.poll(cx)
    }
}

impl fmt::Debug for ChildTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_as("ChildTask", f)
    }
}

/// A gather child whose future fits a smaller buffer than a [`ChildTask`]'s:
/// made by [`ChildTask::into_small`], for a runtime to store in a smaller
/// task. Poll it to completion, or drop it to cancel the child, as a
/// `ChildTask`.
///
/// # Examples
///
/// ```
/// use braid_gather::{ChildTask, SmallChildTask, Spawn, enter_spawner, gather};
/// use std::sync::{Arc, Mutex};
///
/// /// Keeps the small children to run them later.
/// #[derive(Default)]
/// struct Later(Mutex<Vec<SmallChildTask>>);
///
/// impl Spawn for Later {
///     fn spawn(&self, task: ChildTask) {
///         let small = task.into_small().expect("a child of a few words fits");
///         self.0.lock().unwrap().push(small);
///     }
/// }
///
/// let later = Arc::new(Later::default());
/// let _spawner = enter_spawner(later.clone());
/// let mut tripled = Box::pin(gather((1..=3).map(|n| async move { n * 3 })));
/// let waker = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(&waker);
/// assert!(tripled.as_mut().poll(&mut cx).is_pending()); // spawns the three
/// let tasks: Vec<SmallChildTask> = later.0.lock().unwrap().drain(..).collect();
/// assert!(tasks.iter().all(|task| task.id().is_none()));
/// for task in tasks {
///     futures::executor::block_on(task);
/// }
/// assert_eq!(tripled.as_mut().poll(&mut cx), std::task::Poll::Ready(vec![3, 6, 9]));
/// ```
pub struct SmallChildTask(Stored<SMALL_INLINE>);

// SAFETY: made only from a `ChildTask`, which is `Send` (see there).
unsafe impl Send for SmallChildTask {}

impl SmallChildTask {
    /// The id its group gave the child, as [`ChildTask::id`].
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_gather::{ChildTask, SmallChildTask, Spawn, TaskGroup, enter_spawner};
    /// use std::sync::{Arc, Mutex};
    ///
    /// /// Keeps the children it is handed, once small.
    /// #[derive(Default)]
    /// struct Later(Mutex<Vec<SmallChildTask>>);
    ///
    /// impl Spawn for Later {
    ///     fn spawn(&self, task: ChildTask) {
    ///         let small = task.into_small().expect("an empty child fits");
    ///         self.0.lock().unwrap().push(small);
    ///     }
    /// }
    ///
    /// let later = Arc::new(Later::default());
    /// let _spawner = enter_spawner(later.clone());
    /// let mut group = TaskGroup::<()>::new();
    /// let handle = group.spawn(async {});
    /// let ids: Vec<_> = later.0.lock().unwrap().iter().map(SmallChildTask::id).collect();
    /// assert_eq!(ids, [Some(handle.id())]);
    /// ```
    pub fn id(&self) -> Option<Id> {
        self.0.id
    }
}

impl Future for SmallChildTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: a projection to the only field, which is never moved out
        // of a pinned `SmallChildTask`.
        unsafe { self.map_unchecked_mut(|task| &mut task.0) }.poll(cx)
    }
}

impl fmt::Debug for SmallChildTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_as("SmallChildTask", f)
    }
}

#[cfg(test)]
mod tests;
