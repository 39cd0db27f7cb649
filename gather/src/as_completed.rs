//! `as_completed`: outputs as they finish, each with its input index.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::collector::{Collector, fail, fails_without_value, settled_outcome};
use crate::current;

/// Runs every future as a task of its own and yields `(index, output)` pairs
/// in the order the children finish, `index` being the child's position in
/// the input. Each index is yielded exactly once.
///
/// A panic in a child cancels its siblings, waits for them, and is resumed in
/// the task reading the stream; a child cancelled on its own (through its
/// [`current_token`](crate::current_token())) does the same with a panic
/// saying so, as there is no pair to yield for it. Dropping the stream
/// cancels the children still running. First polled inside a gather child,
/// the stream is cancelled with that child's scope; moved out of the child
/// and read elsewhere, it then panics saying so instead of waiting for
/// good. Use it as a [`Stream`], or through the inherent
/// [`next`](AsCompleted::next).
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     use braid::as_completed;
///     use std::time::Duration;
///
///     let mut finished = as_completed([300, 10].map(|ms| async move {
///         braid::time::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let mut seen = Vec::new();
///     while let Some((index, ms)) = finished.next().await {
///         seen.push((index, ms));
///     }
///     seen.sort();
///     assert_eq!(seen, [(0, 300), (1, 10)]);
/// }
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let mut collector = Collector::new(futures, fails_without_value);
    collector.wake_each();
    AsCompleted {
        collector,
        yielded: 0,
        outer_cancelled: false,
    }
}

/// The stream returned by [`as_completed`].
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     let mut one: braid::AsCompleted<&str> = braid::as_completed([async { "a" }]);
///     assert_eq!(one.next().await, Some((0, "a")));
///     assert_eq!(one.next().await, None);
/// }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<T> {
    collector: Collector<T>,
    /// Pairs yielded so far; the next completion position to read.
    yielded: usize,
    /// The enclosing scope was cancelled: this stream is about to be dropped.
    outer_cancelled: bool,
}

impl<T: Send + 'static> AsCompleted<T> {
    /// Runs at most `limit` children at once, starting the next as each one
    /// finishes.
    ///
    /// # Panics
    ///
    /// Panics if `limit` is 0, or if the stream was already polled.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() {
    ///     let mut done = braid::as_completed((0..5).map(|n| async move { n })).limit(2);
    ///     let mut count = 0;
    ///     while done.next().await.is_some() {
    ///         count += 1;
    ///     }
    ///     assert_eq!(count, 5);
    /// }
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> AsCompleted<T> {
        self.collector.set_limit(limit);
        self
    }

    /// The next child to finish, as `(index, output)`; `None` once every
    /// child's output has been yielded.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() {
    ///     let mut done = braid::as_completed([async { 5 }]);
    ///     assert_eq!(done.next().await, Some((0, 5)));
    ///     assert_eq!(done.next().await, None);
    /// }
    /// ```
    #[allow(
        clippy::should_implement_trait,
        reason = "an async counterpart of Iterator::next"
    )]
    pub async fn next(&mut self) -> Option<(usize, T)> {
        poll_fn(|cx| self.poll_next_pair(cx)).await
    }

    fn poll_next_pair(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, T)>> {
        if self.outer_cancelled {
            return current::poll_cancelled_from_scope("an as_completed stream");
        }
        if self.yielded == self.collector.len() {
            return Poll::Ready(None);
        }
        let group = self.collector.poll_progress(cx);
        // The next completion is read before the failure: a child records
        // its failure before it publishes its completion, so a failing child
        // seen here has its failure seen below, and its panic is never taken
        // for the next pair while its siblings still run.
        let next = group.finished_at(self.yielded);
        if let Some(failed) = group.failure() {
            // Fail-fast on a child without a value: report it once every
            // sibling has stopped.
            if group.remaining() != 0 {
                return Poll::Pending;
            }
            // The stream ends here: polled again after the panic, it yields
            // `None` rather than reading the slots a second time.
            self.yielded = group.len();
            fail(group, failed);
        }
        let Some(index) = next else {
            return Poll::Pending;
        };
        match settled_outcome(group, index) {
            Ok(output) => {
                self.yielded += 1;
                Poll::Ready(Some((index, output)))
            }
            // Without a failure, a child without a value means the group was
            // cancelled from its scope: the enclosing child is being
            // cancelled and will drop this stream.
            Err(_) => {
                debug_assert!(group.token().is_cancelled());
                self.outer_cancelled = true;
                current::poll_cancelled_from_scope("an as_completed stream")
            }
        }
    }
}

impl<T> Stream for AsCompleted<T>
where
    T: Send + 'static,
{
    type Item = (usize, T);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<(usize, T)>> {
        self.poll_next_pair(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.collector.len() - self.yielded;
        (left, Some(left))
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("yielded", &self.yielded)
            .field("collector", &self.collector)
            .finish()
    }
}
