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

use std::cell::Cell;
use std::task::{Context, Poll};

use crate::sync::thread_local;

/// Units one poll may spend. Tokio uses the same figure; it keeps a tight
/// loop of ready operations to a few tens of microseconds.
pub const BUDGET: u8 = 128;

/// The budget in force on this thread: units left, and whether a resource
/// was refused for want of one (a forced yield) during this poll.
#[derive(Clone, Copy)]
struct Budget {
    left: u8,
    refused: bool,
}

thread_local! {
    static REMAINING: Cell<Option<Budget>> = const { Cell::new(None) };
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
/// have said at its end, read by the same thread-local access that restores
/// the previous budget. For schedulers that count forced yields.
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
    struct Restore<'a> {
        previous: Option<Budget>,
        refused: &'a Cell<bool>,
    }
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let ended = REMAINING.with(|cell| cell.replace(self.previous));
            self.refused.set(ended.is_some_and(|budget| budget.refused));
        }
    }
    let fresh = Budget {
        left: BUDGET,
        refused: false,
    };
    let refused = Cell::new(false);
    let output = {
        let _restore = Restore {
            previous: REMAINING.with(|cell| cell.replace(Some(fresh))),
            refused: &refused,
        };
        f()
    };
    (output, refused.get())
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
    REMAINING.with(|cell| cell.get().is_some_and(|budget| budget.refused))
}

/// Units left in the current poll, or `None` when no budget is in force.
///
/// # Examples
///
/// ```
/// assert_eq!(braid_reactor::coop::remaining(), None);
/// ```
pub fn remaining() -> Option<u8> {
    REMAINING.with(|cell| cell.get().map(|budget| budget.left))
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
    REMAINING.with(|cell| match cell.get() {
        None => Poll::Ready(()),
        Some(Budget { left: 0, .. }) => {
            cell.set(Some(Budget {
                left: 0,
                refused: true,
            }));
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(Budget { left, refused }) => {
            cell.set(Some(Budget {
                left: left - 1,
                refused,
            }));
            Poll::Ready(())
        }
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
}
