//! This crate's per-thread state, and where a host runtime keeps it.
//!
//! 1. Everything this crate keeps per thread (the current driver, set by
//!    [`Handle::enter`](crate::driver::Handle::enter), and the cooperative
//!    budget of [`coop`](crate::coop)) is one [`ThreadContext`].
//! 2. A runtime that has a thread-local context of its own embeds a
//!    `ThreadContext` in it and registers, once per process, the function
//!    that finds it ([`set_thread_context`]). From then on this crate keeps
//!    no thread-local of its own, on any thread: a thread of that runtime
//!    uses one thread-local in all. The braid runtime registers when it
//!    builds its first runtime.
//! 3. Until one is registered (the crate used alone, or under another
//!    runtime), the crate keeps the `ThreadContext` in a thread-local of its
//!    own.
//! 4. A host that already holds its context may call the `ThreadContext`
//!    methods ([`ThreadContext::budget`]) directly, skipping the lookup: they
//!    act on the state that the lookup finds when `self` is the context it
//!    returns for this thread.
//! 5. Once a thread's context is destroyed (its thread-locals are being torn
//!    down), the crate finds none there: no driver is current, the budget is
//!    unlimited, and guards dropped then restore nothing.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ptr;

use crate::coop::Budget;
use crate::driver::Handle;
use crate::sync::{OnceLock, thread_local};

/// The reactor's state for one thread: the driver made current by
/// [`Handle::enter`](crate::driver::Handle::enter) and the cooperative
/// budget in force. A host runtime embeds one in its own thread-local
/// context and registers where it is with [`set_thread_context`]; without
/// one, the crate keeps its own (see the [module docs](self)).
///
/// # Examples
///
/// ```
/// use braid_reactor::context::ThreadContext;
///
/// // What a runtime keeps in its own thread-local context.
/// thread_local! {
///     static CONTEXT: ThreadContext = const { ThreadContext::new() };
/// }
/// CONTEXT.with(|cx| assert!(cx.budget(|| true)));
/// ```
pub struct ThreadContext {
    /// The current driver, or `None`.
    pub(crate) driver: RefCell<Option<Handle>>,
    /// The budget in force, or `None` outside any (unlimited).
    pub(crate) budget: Cell<Option<Budget>>,
    /// The timer wheel this thread inserts into (modulo the driver's
    /// count), or `usize::MAX` until its first timer (`time/timers.rs`).
    pub(crate) timer_wheel: Cell<usize>,
}

impl ThreadContext {
    /// An empty context: no current driver, no budget in force.
    ///
    /// # Examples
    ///
    /// ```
    /// let cx = braid_reactor::context::ThreadContext::new();
    /// # drop(cx);
    /// ```
    pub const fn new() -> ThreadContext {
        ThreadContext {
            driver: RefCell::new(None),
            budget: Cell::new(None),
            timer_wheel: Cell::new(usize::MAX),
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
/// from now on, for the whole process (rule 2 of the [module docs](self)).
/// Call it once, before any thread enters a driver or runs a budget.
///
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
/// use braid_reactor::context::{ThreadContext, set_thread_context};
/// use braid_reactor::coop;
/// use std::ptr;
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
/// // A budget entered on the host's context is the one the crate sees.
/// CONTEXT.with(|cx| cx.budget(|| assert_eq!(coop::remaining(), Some(coop::BUDGET))));
/// ```
pub unsafe fn set_thread_context(locate: fn() -> *const ThreadContext) -> bool {
    HOST.set(locate).is_ok()
}

/// Calls `f` with this thread's context: the host's (rule 2), else the
/// crate's own (rule 3); `None` once it is destroyed (rule 5).
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
