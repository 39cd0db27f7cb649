//! The scope of the gather child being polled: its token, and the hold that
//! nested groups take on its completion, kept in the `scope` slot of this
//! thread's [`ThreadContext`](crate::ThreadContext).

use std::cell::OnceCell;
use std::ptr;

use crate::CancellationToken;
use crate::context;
use crate::deferred::{Hold, HoldLink};

/// The scope of one child's poll: its group's token, its own child token,
/// and its [`Hold`], each made the first time anyone asks for it. Most
/// children never do (they finish without waiting, never call
/// [`current_token`] and start no gather), so they never touch the token
/// tree and allocate nothing.
pub(crate) struct ChildScope<'a> {
    pub(crate) parent: &'a CancellationToken,
    pub(crate) own: &'a OnceCell<CancellationToken>,
    pub(crate) hold: &'a OnceCell<Hold>,
}

impl ChildScope<'_> {
    pub(crate) fn token(&self) -> &CancellationToken {
        self.own.get_or_init(|| self.parent.child_token())
    }
}

/// The cancellation token of the gather child being polled on this thread, or
/// `None` outside a gather child.
///
/// Each child of a gather runs with a child token of its group's token, so a
/// gather started inside a child is nested in the outer gather's cancellation
/// scope automatically. Pass it to code that should stop when the group is
/// cancelled: `current_token().unwrap().cancelled().await`.
///
/// The token is the child's own: cancelling it cancels that child (its
/// future is dropped when it next waits) and everything started inside it,
/// never the group's token. The gather then has no value for the child:
/// `gather_settled` reports a cancelled [`JoinError`](crate::JoinError),
/// `try_gather` cancels the siblings and returns
/// [`GatherError::Cancelled`](crate::GatherError::Cancelled), and `gather`
/// and `as_completed` cancel the siblings and then panic saying so.
///
/// # Examples
///
/// ```
/// assert!(braid::current_token().is_none());
/// ```
///
/// ```
/// #[braid::main]
/// async fn main() {
///     use braid::{current_token, gather};
///
///     let inside = gather([async { current_token().is_some() }]).await;
///     assert_eq!(inside, [true]);
/// }
/// ```
pub fn current_token() -> Option<CancellationToken> {
    with_current(|scope| scope.token().clone())
}

/// Whether this thread runs a gather child whose token is cancelled: the
/// child is being cancelled and will drop what it awaits.
pub(crate) fn in_cancelled_scope() -> bool {
    with_current(|scope| scope.token().is_cancelled()).unwrap_or(false)
}

/// A gather or `as_completed` whose group was cancelled from the scope it
/// started in (with the gather child that polled it first). Inside that
/// child, which is being cancelled and will drop it, it waits for that:
/// `Pending`. Polled anywhere else, it was moved out of that child, and
/// nothing will ever drop it for the awaiting task: a panic says so.
pub(crate) fn poll_cancelled_from_scope<T>(what: &str) -> std::task::Poll<T> {
    if in_cancelled_scope() {
        return std::task::Poll::Pending;
    }
    panic!(
        "{what} was cancelled with the gather child it was first polled in, and \
         is now polled outside that child: its children were cancelled and it has \
         no outputs to give; await it inside the child that started it, or start \
         it where it is awaited"
    )
}

/// A link to the current child's completion, for a collector starting in its
/// scope (see `deferred.rs`); `None` outside a gather child.
pub(crate) fn hold_link() -> Option<HoldLink> {
    with_current(|scope| scope.hold.get_or_init(Hold::new).link())
}

fn with_current<R>(f: impl FnOnce(&ChildScope<'_>) -> R) -> Option<R> {
    let scope = context::with(|cx| cx.map_or(ptr::null(), |cx| cx.scope.get()));
    if scope.is_null() {
        return None;
    }
    // SAFETY: the `scope` slot points at a `ChildScope` only between `enter`
    // and the drop of its `ScopeGuard`, which borrows that `ChildScope`, so it
    // is alive here; the slot is this thread's.
    Some(f(unsafe { &*scope }))
}

/// Makes `scope` the current scope until the guard is dropped, then restores
/// the previous one (also when the poll it wraps panics).
pub(crate) fn enter<'a>(scope: &'a ChildScope<'a>) -> ScopeGuard<'a> {
    let erased = (scope as *const ChildScope<'a>).cast::<ChildScope<'static>>();
    let previous = context::with(|cx| cx.map_or(ptr::null(), |cx| cx.scope.replace(erased)));
    ScopeGuard {
        previous,
        _scope: std::marker::PhantomData,
    }
}

/// Restores the scope that was current before [`enter`].
#[derive(Debug)]
pub(crate) struct ScopeGuard<'a> {
    previous: *const ChildScope<'static>,
    _scope: std::marker::PhantomData<&'a ChildScope<'a>>,
}

impl Drop for ScopeGuard<'_> {
    fn drop(&mut self) {
        // Teardown: nothing to restore (rule 4 of `set_thread_context`).
        context::with(|cx| {
            if let Some(cx) = cx {
                cx.scope.set(self.previous);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_and_restore() {
        let group = CancellationToken::new();
        let (outer_own, inner_own) = (OnceCell::new(), OnceCell::new());
        let (outer_hold, inner_hold) = (OnceCell::new(), OnceCell::new());
        let outer = ChildScope {
            parent: &group,
            own: &outer_own,
            hold: &outer_hold,
        };
        {
            let _outer = enter(&outer);
            let outer_token = current_token().unwrap();
            let inner = ChildScope {
                parent: &outer_token,
                own: &inner_own,
                hold: &inner_hold,
            };
            {
                let _inner = enter(&inner);
                current_token().unwrap().cancel();
                assert!(current_token().unwrap().is_cancelled());
            }
            assert!(!current_token().unwrap().is_cancelled());
        }
        assert!(current_token().is_none());
        assert_eq!(group.child_count(), 1, "asked for once, made once");
    }

    #[test]
    fn a_scope_that_is_never_asked_makes_no_token() {
        let group = CancellationToken::new();
        let (own, hold) = (OnceCell::new(), OnceCell::new());
        let scope = ChildScope {
            parent: &group,
            own: &own,
            hold: &hold,
        };
        drop(enter(&scope));
        assert!(own.get().is_none());
        assert!(hold.get().is_none());
        assert_eq!(group.child_count(), 0);
    }
}
