//! `CancellationToken`: a tree of cancellation flags.

mod drop_guard;
mod node;
mod slab;
mod wait;

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::{Context, Poll};

use crate::sync::Arc;
pub use drop_guard::DropGuard;
use node::Node;
pub(crate) use node::Watch;
pub use wait::{WaitForCancellation, WaitForCancellationFutureOwned};

/// A cancellation flag that can be shared, awaited and nested.
///
/// Cancelling a token cancels every token derived from it with
/// [`child_token`](Self::child_token), however deep; cancelling a child never
/// cancels its parent. Clones share one flag. When the last clone of a child
/// token is dropped, the child is removed from its parent, so a long-lived
/// token with many short-lived children does not grow.
///
/// Each gather child runs with a child token of its group as
/// [`current_token`](crate::current_token()), which is how cancelling a gather
/// reaches the gathers nested inside its children.
///
/// # Examples
///
/// ```
/// use braid::CancellationToken;
///
/// let parent = CancellationToken::new();
/// let child = parent.child_token();
/// let grandchild = child.child_token();
///
/// child.cancel();
/// assert!(grandchild.is_cancelled());
/// assert!(!parent.is_cancelled(), "cancellation never flows up");
///
/// parent.cancel();
/// assert!(parent.is_cancelled());
/// ```
pub struct CancellationToken {
    node: Arc<Node>,
}

impl CancellationToken {
    /// A new token with no parent, not cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = braid::CancellationToken::new();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn new() -> CancellationToken {
        CancellationToken { node: Node::root() }
    }

    /// A new token that is cancelled whenever this one is (and already
    /// cancelled if this one is). Cancelling the child leaves this one alone.
    ///
    /// # Examples
    ///
    /// ```
    /// let parent = braid::CancellationToken::new();
    /// let child = parent.child_token();
    /// parent.cancel();
    /// assert!(child.is_cancelled());
    /// ```
    pub fn child_token(&self) -> CancellationToken {
        CancellationToken {
            node: Node::child_of(&self.node),
        }
    }

    /// Cancels this token and every token derived from it, and wakes every
    /// task waiting in [`cancelled`](Self::cancelled). Cancelling twice is
    /// harmless.
    ///
    /// # Panics
    ///
    /// A waiter's waker is user code, and may panic as it is woken. That
    /// never stops the cancellation: every token derived from this one is
    /// cancelled before any waker runs, and every other waiter is still
    /// woken. Then the first such panic is resumed here, in the caller.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = braid::CancellationToken::new();
    /// token.cancel();
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        if let Some(payload) = Node::cancel(&self.node) {
            std::panic::resume_unwind(payload);
        }
    }

    /// Cancels as [`cancel`](Self::cancel) does, but drops a waker's panic
    /// (the panic hook has reported it already): for the gathers and
    /// groups cancelling their own token in the middle of their
    /// bookkeeping, which a resumed panic would cut short.
    pub(crate) fn cancel_contained(&self) {
        drop(Node::cancel(&self.node));
    }

    /// Whether this token has been cancelled. One atomic load: cheap enough to
    /// call in a tight loop.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = braid::CancellationToken::new();
    /// assert!(!token.is_cancelled());
    /// token.clone().cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.is_cancelled()
    }

    /// A future that completes once this token is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let token = braid::CancellationToken::new();
    /// let waiter = token.clone();
    /// token.cancel();
    /// waiter.cancelled().await;
    /// assert!(waiter.is_cancelled());
    /// # });
    /// ```
    pub fn cancelled(&self) -> WaitForCancellation<'_> {
        WaitForCancellation::new(self)
    }

    /// A future that completes once this token is cancelled, owning the
    /// token (a clone of it), so it can be stored or moved into a task
    /// without borrowing.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let token = braid::CancellationToken::new();
    ///     let waiter = braid::spawn(token.clone().cancelled_owned());
    ///     token.cancel();
    ///     waiter.await.unwrap();
    /// });
    /// ```
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned::new(self)
    }

    /// A guard that cancels this token when it is dropped, unless
    /// [`disarm`](DropGuard::disarm)ed first: ties a token's lifetime to a
    /// scope, so every way out of the scope (return, `?`, panic, a dropped
    /// future) cancels.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = braid::CancellationToken::new();
    /// let watcher = token.clone();
    /// {
    ///     let _guard = token.drop_guard();
    ///     assert!(!watcher.is_cancelled());
    /// }
    /// assert!(watcher.is_cancelled());
    /// ```
    pub fn drop_guard(self) -> DropGuard {
        DropGuard::new(self)
    }

    /// Runs `future` until it completes (`Some(output)`) or this token is
    /// cancelled (`None`, and `future` is dropped).
    ///
    /// When both are ready at the same poll, **the cancellation wins**: the
    /// token is looked at first, and `future` is not polled again once it is
    /// cancelled, so no work starts after a cancel has been seen.
    /// tokio-util's `run_until_cancelled` is biased the other way (it polls
    /// the future first, so a future that is ready wins over a cancellation
    /// that is too); code ported from it that relies on a ready future's
    /// value being kept must check `is_cancelled` itself.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let token = braid::CancellationToken::new();
    /// assert_eq!(token.run_until_cancelled(async { 7 }).await, Some(7));
    ///
    /// token.cancel();
    /// let never = std::future::pending::<u32>();
    /// assert_eq!(token.run_until_cancelled(never).await, None);
    /// # });
    /// ```
    pub async fn run_until_cancelled<F: Future>(&self, future: F) -> Option<F::Output> {
        let mut future = pin!(future);
        let mut cancelled = pin!(self.cancelled());
        poll_fn(|cx| {
            if cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            future.as_mut().poll(cx).map(Some)
        })
        .await
    }

    /// [`run_until_cancelled`](Self::run_until_cancelled), owning the token,
    /// so the future it returns borrows nothing and can be spawned. The same
    /// tie-break: when both are ready, the cancellation wins.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let token = braid::CancellationToken::new();
    ///     let worker = braid::spawn(
    ///         token.clone().run_until_cancelled_owned(std::future::pending::<u32>()),
    ///     );
    ///     token.cancel();
    ///     assert_eq!(worker.await.unwrap(), None);
    /// });
    /// ```
    pub async fn run_until_cancelled_owned<F: Future>(self, future: F) -> Option<F::Output> {
        self.run_until_cancelled(future).await
    }

    /// Live child tokens of this one (children whose every clone was dropped
    /// are removed). Only in the crate's unit tests and the loom models,
    /// which check that the tree does not grow.
    #[cfg(any(test, loom))]
    pub fn child_count(&self) -> usize {
        self.node.child_count()
    }

    /// Asks for `cx`'s waker to be woken on cancellation; see [`Watch`].
    pub(crate) fn watch(&self, key: &mut Option<usize>, cx: &Context<'_>) -> Watch {
        self.node.watch(key, cx.waker())
    }

    /// Withdraws a registration made by [`watch`](Self::watch).
    pub(crate) fn unwatch(&self, key: usize) {
        self.node.unwatch(key);
    }
}

impl Default for CancellationToken {
    fn default() -> CancellationToken {
        CancellationToken::new()
    }
}

impl Clone for CancellationToken {
    fn clone(&self) -> CancellationToken {
        self.node.handle_inc();
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        Node::handle_dec(&self.node);
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

#[cfg(test)]
mod tests;

#[cfg(all(test, feature = "tokio"))]
mod tree_tests;
