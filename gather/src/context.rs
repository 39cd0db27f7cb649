//! This crate's per-thread state, and where a host runtime keeps it: one
//! [`ThreadContext`] per thread, in the host's thread-local context once
//! one is registered, else in this module's own. The rules are numbered in
//! the docs of [`set_thread_context`], public as this module is not.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ptr;

use crate::Spawn;
use crate::current::ChildScope;
use crate::sync::{OnceLock, StdArc, thread_local};

/// The gather state of one thread: the spawner made ambient by
/// [`enter_spawner`](crate::enter_spawner) and the scope of the gather
/// child being polled. A host runtime embeds one in its own thread-local
/// context and registers where it is with [`set_thread_context`]; without
/// one, the crate keeps its own (the rules are in [`set_thread_context`]).
///
/// # Examples
///
/// ```
/// use braid_gather::ThreadContext;
///
/// // What a runtime keeps in its own thread-local context.
/// thread_local! {
///     static CONTEXT: ThreadContext = const { ThreadContext::new() };
/// }
/// CONTEXT.with(|cx| println!("{cx:?}"));
/// ```
pub struct ThreadContext {
    /// The ambient spawner, or `None`.
    pub(crate) ambient: RefCell<Option<StdArc<dyn Spawn>>>,
    /// Set only while a gather child's own future is being polled: points
    /// at a `ChildScope` on the stack of that poll.
    pub(crate) scope: Cell<*const ChildScope<'static>>,
}

impl ThreadContext {
    /// An empty context: no ambient spawner, no child being polled.
    ///
    /// # Examples
    ///
    /// ```
    /// let cx = braid_gather::ThreadContext::new();
    /// # drop(cx);
    /// ```
    pub const fn new() -> ThreadContext {
        ThreadContext {
            ambient: RefCell::new(None),
            scope: Cell::new(ptr::null()),
        }
    }
}

impl Default for ThreadContext {
    fn default() -> ThreadContext {
        ThreadContext::new()
    }
}

impl fmt::Debug for ThreadContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadContext").finish_non_exhaustive()
    }
}

/// Finds this thread's context in the host's thread-local (rule 2).
type Locate = fn() -> *const ThreadContext;

/// The host's lookup; std's whatever the build, as a process-wide setting
/// outside every modelled protocol.
static HOST: OnceLock<Locate> = OnceLock::new();

thread_local! {
    /// The context of a thread where no host registered one (rule 3).
    static OWN: ThreadContext = const { ThreadContext::new() };
}

/// Registers `locate` as the way to find each thread's [`ThreadContext`]
/// from now on, for the whole process, so that a runtime's threads keep
/// this crate's state in the runtime's own thread-local context:
///
/// 1. Everything this crate keeps per thread (the ambient spawner and the
///    scope of the gather child being polled) is one `ThreadContext`.
/// 2. A runtime with a thread-local context of its own embeds one in it and
///    registers, once per process, the function that finds it. From then
///    on this crate keeps no thread-local of its own, on any thread. The
///    braid runtime registers when it builds its first runtime.
/// 3. Until one is registered (under Tokio, under an executor of your own),
///    the crate keeps the `ThreadContext` in a thread-local of its own.
/// 4. Once a thread's context is destroyed (its thread-locals are being
///    torn down), the crate finds none there: no spawner is ambient, no
///    child scope is current, and guards dropped then restore nothing.
///
/// Call it once, before any thread enters a spawner or polls a gather.
/// Returns `false`, and changes nothing, when a lookup was registered
/// already.
///
/// # Safety
///
/// On every thread that calls it, `locate` must return either a pointer to
/// that thread's own `ThreadContext`, the same one on each call and used by
/// no other thread, that stays valid until the thread's thread-locals are
/// destroyed, or null once the context is gone (during that teardown).
/// A `ThreadContext` kept in a `thread_local!` and found with `try_with`
/// does this (see the example).
///
/// # Examples
///
/// ```
/// use braid_gather::{ChildTask, Spawn, ThreadContext, enter_spawner, gather, set_thread_context};
/// use std::{ptr, sync::Arc};
///
/// thread_local! {
///     static CONTEXT: ThreadContext = const { ThreadContext::new() };
/// }
///
/// fn locate() -> *const ThreadContext {
///     CONTEXT
///         .try_with(|cx| ptr::from_ref(cx))
///         .unwrap_or(ptr::null())
/// }
///
/// // SAFETY: `locate` finds this thread's own context in a thread-local,
/// // valid until that is destroyed, and null after.
/// assert!(unsafe { set_thread_context(locate) });
/// assert!(!unsafe { set_thread_context(locate) });
///
/// struct ThreadPerTask;
/// impl Spawn for ThreadPerTask {
///     fn spawn(&self, task: ChildTask) {
///         std::thread::spawn(move || futures::executor::block_on(task));
///     }
/// }
///
/// // The spawner is kept in `CONTEXT`, and found there.
/// let _spawner = enter_spawner(Arc::new(ThreadPerTask));
/// let squares = futures::executor::block_on(gather((1..=3).map(|n| async move { n * n })));
/// assert_eq!(squares, [1, 4, 9]);
/// ```
pub unsafe fn set_thread_context(locate: fn() -> *const ThreadContext) -> bool {
    HOST.set(locate).is_ok()
}

/// Calls `f` with this thread's context: the host's (rule 2), else the
/// crate's own (rule 3); `None` once it is destroyed (rule 4).
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(Option<&ThreadContext>) -> R) -> R {
    let cx = match HOST.get() {
        Some(locate) => locate(),
        None => OWN.try_with(ptr::from_ref).unwrap_or(ptr::null()),
    };
    // SAFETY: non-null, it is this thread's context, valid until the
    // thread's thread-locals are destroyed (the contract of
    // `set_thread_context`, or `OWN` itself); that teardown cannot begin
    // while this thread is inside `f`.
    f(unsafe { cx.as_ref() })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::spawn::try_current_spawner;
    use crate::{ChildTask, enter_spawner};

    crate::sync::thread_local! {
        static HOSTED: ThreadContext = const { ThreadContext::new() };
        /// Makes `locate` report this thread's context as gone.
        static GONE: Cell<bool> = const { Cell::new(false) };
    }

    fn locate() -> *const ThreadContext {
        if GONE.with(Cell::get) {
            return ptr::null();
        }
        HOSTED.try_with(ptr::from_ref).unwrap_or(ptr::null())
    }

    struct Inline;
    impl Spawn for Inline {
        fn spawn(&self, task: ChildTask) {
            drop(task);
        }
    }

    #[test]
    fn a_registered_lookup_is_the_only_place_the_state_is_kept() {
        // SAFETY: `HOSTED` is this thread's own, valid until its
        // thread-locals are destroyed; null after (`try_with`) or when
        // `GONE` says so.
        let first = unsafe { set_thread_context(locate) };
        // Other tests may have registered it first; no other lookup exists.
        // SAFETY: as above.
        assert!(first || !unsafe { set_thread_context(locate) });
        let guard = enter_spawner(StdArc::new(Inline));
        assert!(HOSTED.with(|cx| cx.ambient.borrow().is_some()));
        GONE.with(|gone| gone.set(true));
        assert!(try_current_spawner().is_none(), "found in a second place");
        GONE.with(|gone| gone.set(false));
        assert!(try_current_spawner().is_some());
        drop(guard);
        assert!(HOSTED.with(|cx| cx.ambient.borrow().is_none()));
    }
}
