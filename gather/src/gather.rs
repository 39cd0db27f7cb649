//! `gather`: run futures as parallel tasks, get their outputs in input order.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::collector::{Collector, fail, fails_without_value, settled_outcome};
use crate::current;

/// Runs every future as a task of its own and resolves to their outputs in
/// input order, whatever order they finish in.
///
/// Nothing is spawned until the returned future is first polled. A panic in a
/// child cancels its siblings, waits for them to stop, and is then resumed in
/// the awaiting task. So does a child cancelled on its own (through its
/// [`current_token`](crate::current_token()), or by its runtime dropping it):
/// there is no value to return for it, and the gather panics saying so.
/// Dropping the future before it completes cancels every child. A gather
/// of no futures is ready at once with an empty `Vec`.
///
/// First polled inside a gather child, the gather belongs to that child's
/// scope: cancelling the scope cancels it, and the child, being cancelled,
/// drops it. Moved out of that child and awaited elsewhere, such a
/// cancelled gather panics saying so instead of waiting for good.
///
/// For futures that return `Result`, `gather` gives every result as a value
/// (asyncio's `return_exceptions=True`); [`try_gather`](crate::try_gather())
/// stops at the first error instead.
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     use braid::gather;
///     use std::time::Duration;
///
///     let delays = [30, 10, 20];
///     let results = gather(delays.map(|ms| async move {
///         braid::time::sleep(Duration::from_millis(ms)).await;
///         ms * 10
///     }))
///     .await;
///     assert_eq!(results, [300, 100, 200]);
/// }
/// ```
pub fn gather<I>(futures: I) -> Gather<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    Gather {
        collector: Collector::new(futures, fails_without_value),
        outer_cancelled: false,
    }
}

/// The future returned by [`gather`]; resolves to the outputs in input order.
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     let pending: braid::Gather<u8> =
///         braid::gather((1..=2).map(|n| async move { n }));
///     assert_eq!(pending.await, [1, 2]);
/// }
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<T> {
    collector: Collector<T>,
    /// The enclosing scope was cancelled: this future is about to be dropped.
    outer_cancelled: bool,
}

impl<T> Gather<T> {
    /// Runs at most `limit` children at once, starting the next as each one
    /// finishes.
    ///
    /// # Panics
    ///
    /// Panics if `limit` is 0, or if the gather was already polled.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() {
    ///     let pages = braid::gather((0..100).map(|n| async move { n })).limit(8).await;
    ///     assert_eq!(pages.len(), 100);
    /// }
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> Gather<T> {
        self.collector.set_limit(limit);
        self
    }
}

impl<T> Future for Gather<T>
where
    T: Send + 'static,
{
    type Output = Vec<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        if self.outer_cancelled {
            return current::poll_cancelled_from_scope("a gather");
        }
        let group = ready!(self.collector.poll_settled(cx));
        if let Some(index) = group.failure() {
            fail(&group, index);
        }
        let mut outputs = Vec::with_capacity(group.len());
        for index in 0..group.len() {
            match settled_outcome(&group, index) {
                Ok(output) => outputs.push(output),
                // Without a failure, a child without a value means the group
                // was cancelled, which for a plain gather comes from its
                // scope: the enclosing child is being cancelled and will drop
                // this future.
                Err(_) => {
                    debug_assert!(group.token().is_cancelled());
                    self.outer_cancelled = true;
                    return current::poll_cancelled_from_scope("a gather");
                }
            }
        }
        Poll::Ready(outputs)
    }
}

impl<T> fmt::Debug for Gather<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("collector", &self.collector)
            .finish()
    }
}
