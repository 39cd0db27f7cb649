//! The token of the gather group the running child belongs to.

use std::cell::RefCell;

use crate::CancellationToken;

thread_local! {
    /// Set only while a gather child's own future is being polled.
    static CURRENT: RefCell<Option<CancellationToken>> = const { RefCell::new(None) };
}

/// The cancellation token of the gather child being polled on this thread, or
/// `None` outside a gather child.
///
/// Each child of a gather runs with a child token of its group's token, so a
/// gather started inside a child is nested in the outer gather's cancellation
/// scope automatically. Pass it to code that should stop when the group is
/// cancelled: `current_token().unwrap().cancelled().await`.
///
/// # Examples
///
/// ```
/// assert!(braid_gather::current_token().is_none());
/// ```
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # #[tokio::main(flavor = "multi_thread")]
/// # async fn main() {
/// use braid_gather::{current_token, gather};
///
/// let inside = gather([async { current_token().is_some() }]).await;
/// assert_eq!(inside, [true]);
/// # }
/// # #[cfg(not(feature = "tokio"))]
/// # fn main() {}
/// ```
pub fn current_token() -> Option<CancellationToken> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Makes `token` the current token until the guard is dropped, then restores
/// the previous one (also when the poll it wraps panics).
pub(crate) fn enter(token: &CancellationToken) -> Scope {
    let previous = CURRENT.with(|current| current.replace(Some(token.clone())));
    Scope { previous }
}

/// Restores the token that was current before [`enter`].
#[derive(Debug)]
pub(crate) struct Scope {
    previous: Option<CancellationToken>,
}

impl Drop for Scope {
    fn drop(&mut self) {
        let ours = CURRENT.with(|current| current.replace(self.previous.take()));
        // Dropped after the borrow ends: dropping a token may take its lock.
        drop(ours);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_and_restore() {
        let outer = CancellationToken::new();
        let inner = outer.child_token();
        {
            let _outer = enter(&outer);
            {
                let _inner = enter(&inner);
                inner.cancel();
                assert!(current_token().unwrap().is_cancelled());
            }
            assert!(!current_token().unwrap().is_cancelled());
        }
        assert!(current_token().is_none());
    }
}
