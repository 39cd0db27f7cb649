//! The cooperative budget: how much work one task may do in one poll.
//!
//! A task whose resources are always ready (a socket with data queued, a
//! timer already due, a finished `JoinHandle`) would otherwise never return
//! `Pending` and would starve every other task queued on its worker. The
//! scheduler runs each poll inside [`budget`]; every braid resource calls
//! [`poll_proceed`] before doing work, and once the budget is spent the
//! resource wakes its task and returns `Pending`, so the task goes to the back
//! of the queue.
//!
//! Outside [`budget`] (a plain executor, a test) the budget is unlimited.
//!
//! The budget is the `budget` slot of this thread's
//! [`ThreadContext`]: a scheduler that holds
//! that context runs each poll with [`ThreadContext::budget`] on it, and
//! [`budget`] here finds it first.

use std::cell::Cell;
use std::task::{Context, Poll};

use crate::context::{self, ThreadContext};

/// Units one poll may spend. Tokio uses the same figure; it keeps a tight
/// loop of ready operations to a few tens of microseconds.
pub const BUDGET: u8 = 128;

/// The budget in force on a thread: units left, and whether a resource
/// was refused for want of one (a forced yield) during this poll.
#[derive(Clone, Copy)]
pub(crate) struct Budget {
    left: u8,
    refused: bool,
}

/// The budget in force on this thread, `None` when none is (also once the
/// thread's context is destroyed).
#[inline]
fn current() -> Option<Budget> {
    context::with(|cx| cx.and_then(|cx| cx.budget.get()))
}

/// Runs `f` (one poll of a task) with a fresh budget, restoring the previous
/// one afterwards, also if `f` panics.
///
/// # Examples
///
/// ```
/// use braid_reactor::coop;
///
/// assert_eq!(coop::remaining(), None);
/// coop::budget(|| assert_eq!(coop::remaining(), Some(coop::BUDGET)));
/// assert_eq!(coop::remaining(), None);
/// ```
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    budget_and_forced_yield(f).0
}

/// Runs `f` as [`budget`] does, and also says whether a resource refused
/// it for want of budget (a forced yield): what [`forced_yield`] would
/// have said at its end. For schedulers that count forced yields.
///
/// # Examples
///
/// ```
/// use braid_reactor::coop;
/// use std::task::{Context, Waker};
///
/// let mut cx = Context::from_waker(Waker::noop());
/// let (spent, forced) = coop::budget_and_forced_yield(|| {
///     let mut spent = 0;
///     while coop::poll_proceed(&mut cx).is_ready() {
///         spent += 1;
///     }
///     spent
/// });
/// assert_eq!((spent, forced), (coop::BUDGET, true));
/// assert_eq!(coop::budget_and_forced_yield(|| ()), ((), false));
/// ```
pub fn budget_and_forced_yield<R>(f: impl FnOnce() -> R) -> (R, bool) {
    context::with(|cx| match cx {
        Some(cx) => cx.budget_and_forced_yield(f),
        // Teardown: no context, no budget (rule 5 of `context`).
        None => (f(), false),
    })
}

/// Puts a thread's budget back as it was when dropped, also when the code
/// that ran under another budget panicked.
struct Restore<'a> {
    slot: &'a Cell<Option<Budget>>,
    previous: Option<Budget>,
}

impl Restore<'_> {
    /// Puts `budget` in force in `slot` until the guard drops.
    fn replace(slot: &Cell<Option<Budget>>, budget: Option<Budget>) -> Restore<'_> {
        Restore {
            slot,
            previous: slot.replace(budget),
        }
    }
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.slot.set(self.previous);
    }
}

impl ThreadContext {
    /// Runs `f` (one poll of a task) with a fresh budget in this context,
    /// restoring the previous one afterwards, also if `f` panics: the
    /// [`coop::budget`](budget) of a host that already holds its context
    /// (rule 4 of [`context`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::context::ThreadContext;
    ///
    /// let cx = ThreadContext::new();
    /// assert_eq!(cx.budget(|| 6 * 7), 42);
    /// ```
    #[inline]
    pub fn budget<R>(&self, f: impl FnOnce() -> R) -> R {
        self.budget_and_forced_yield(f).0
    }

    /// Runs `f` as [`ThreadContext::budget`] does, and also says whether a
    /// resource refused it for want of budget (a forced yield), read as the
    /// previous budget is restored: the
    /// [`coop::budget_and_forced_yield`](budget_and_forced_yield) of a host
    /// that holds its context.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::context::ThreadContext;
    ///
    /// let cx = ThreadContext::new();
    /// assert_eq!(cx.budget_and_forced_yield(|| 42), (42, false));
    /// ```
    #[inline]
    pub fn budget_and_forced_yield<R>(&self, f: impl FnOnce() -> R) -> (R, bool) {
        let fresh = Budget {
            left: BUDGET,
            refused: false,
        };
        let restore = Restore::replace(&self.budget, Some(fresh));
        let output = f();
        let ended = self.budget.get();
        drop(restore);
        (output, ended.is_some_and(|budget| budget.refused))
    }
}

/// Whether, in the budget now in force, a resource returned `Pending`
/// because the budget was spent: the task was forced to yield. (A
/// scheduler that counts forced yields gets the answer for each poll from
/// [`budget_and_forced_yield`].)
///
/// # Examples
///
/// ```
/// use braid_reactor::coop;
/// use std::task::{Context, Waker};
///
/// let mut cx = Context::from_waker(Waker::noop());
/// let forced = coop::budget(|| {
///     while coop::poll_proceed(&mut cx).is_ready() {}
///     coop::forced_yield()
/// });
/// assert!(forced);
/// assert!(!coop::budget(coop::forced_yield));
/// ```
pub fn forced_yield() -> bool {
    current().is_some_and(|budget| budget.refused)
}

/// Units left in the current poll, or `None` when no budget is in force.
///
/// # Examples
///
/// ```
/// assert_eq!(braid_reactor::coop::remaining(), None);
/// ```
pub fn remaining() -> Option<u8> {
    current().map(|budget| budget.left)
}

/// Spends one unit, or, when none are left, wakes the task and returns
/// `Pending` so it yields to its queue.
///
/// # Examples
///
/// ```
/// use braid_reactor::coop;
/// use std::task::{Context, Poll, Waker};
///
/// let mut cx = Context::from_waker(Waker::noop());
/// coop::budget(|| {
///     for _ in 0..coop::BUDGET {
///         assert!(coop::poll_proceed(&mut cx).is_ready());
///     }
///     assert!(coop::poll_proceed(&mut cx).is_pending());
/// });
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    context::with(|thread| {
        let Some(slot) = thread.map(|thread| &thread.budget) else {
            return Poll::Ready(());
        };
        match slot.get() {
            None => Poll::Ready(()),
            Some(Budget { left: 0, .. }) => {
                slot.set(Some(Budget {
                    left: 0,
                    refused: true,
                }));
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(Budget { left, refused }) => {
                slot.set(Some(Budget {
                    left: left - 1,
                    refused,
                }));
                Poll::Ready(())
            }
        }
    })
}

/// Runs `f` with no budget in force, then puts the current one back as `f`
/// found it: for a resource that must be looked at even once its task's
/// budget is spent, as a timeout's deadline after its future spent it.
pub(crate) fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    context::with(|cx| match cx {
        Some(cx) => {
            let _restore = Restore::replace(&cx.budget, None);
            f()
        }
        None => f(),
    })
}

/// Whether the current poll may still do work; for loops that want to stop
/// early without spending a unit.
///
/// # Examples
///
/// ```
/// assert!(braid_reactor::coop::has_budget_remaining());
/// ```
pub fn has_budget_remaining() -> bool {
    remaining() != Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn budget_is_restored_after_a_panic() {
        let caught = std::panic::catch_unwind(|| budget(|| panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(remaining(), None);
    }

    #[test]
    fn nested_budget_restores_the_outer_one() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            assert!(poll_proceed(&mut cx).is_ready());
            budget(|| assert_eq!(remaining(), Some(BUDGET)));
            assert_eq!(remaining(), Some(BUDGET - 1));
        });
    }

    #[test]
    fn unconstrained_code_runs_without_the_spent_budget_and_leaves_it_spent() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            while poll_proceed(&mut cx).is_ready() {}
            unconstrained(|| {
                assert_eq!(remaining(), None);
                assert!(poll_proceed(&mut cx).is_ready());
            });
            assert_eq!(remaining(), Some(0));
            assert!(forced_yield());
        });
        assert_eq!(unconstrained(|| 42), 42);
        assert_eq!(remaining(), None);
    }
}
