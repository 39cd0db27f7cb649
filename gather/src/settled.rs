//! `gather_settled`: every child's outcome as a value, panics included.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::collector::{Collector, never_fails, settled_outcome};
use crate::{CancellationToken, JoinError};

/// Runs every future as a task of its own and resolves, once all have
/// finished, to each one's outcome in input order: `Ok(output)`, or a
/// [`JoinError`] for a child that panicked or was cancelled. Nothing fails
/// fast: a panic in one child leaves its siblings running.
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     use braid::gather_settled;
///     use std::future::Future;
///     use std::pin::Pin;
///
///     let children: Vec<Pin<Box<dyn Future<Output = u8> + Send>>> =
///         vec![Box::pin(async { 1 }), Box::pin(async { panic!("boom") }), Box::pin(async { 3 })];
///     let outcomes = gather_settled(children).await;
///     assert_eq!(*outcomes[0].as_ref().unwrap(), 1);
///     assert!(outcomes[1].as_ref().unwrap_err().is_panic());
///     assert_eq!(*outcomes[2].as_ref().unwrap(), 3);
/// }
/// ```
pub fn gather_settled<I>(futures: I) -> GatherSettled<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    GatherSettled {
        collector: Collector::new(futures, never_fails),
    }
}

/// The future returned by [`gather_settled`].
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     let settled: braid::GatherSettled<u8> = braid::gather_settled([async { 4 }]);
///     assert_eq!(settled.await.into_iter().map(Result::unwrap).collect::<Vec<_>>(), [4]);
/// }
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct GatherSettled<T> {
    collector: Collector<T>,
}

impl<T> GatherSettled<T> {
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
    ///     let all = braid::gather_settled((0..10).map(|n| async move { n })).limit(2).await;
    ///     assert!(all.iter().all(Result::is_ok));
    /// }
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> GatherSettled<T> {
        self.collector.set_limit(limit);
        self
    }

    /// Runs the group under a child of `token`: cancelling `token` cancels
    /// the children still running, whose outcomes become cancelled
    /// [`JoinError`]s; the future resolves once every child has stopped.
    ///
    /// # Panics
    ///
    /// Panics if the gather was already polled.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() {
    ///     let token = braid::CancellationToken::new();
    ///     let settled = braid::gather_settled([std::future::pending::<()>()]).token(&token);
    ///     token.cancel();
    ///     assert!(settled.await[0].as_ref().unwrap_err().is_cancelled());
    /// }
    /// ```
    #[track_caller]
    pub fn token(mut self, token: &CancellationToken) -> GatherSettled<T> {
        self.collector.set_parent(token);
        self
    }
}

impl<T> Future for GatherSettled<T>
where
    T: Send + 'static,
{
    type Output = Vec<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = ready!(self.collector.poll_settled(cx));
        Poll::Ready(
            (0..group.len())
                .map(|index| settled_outcome(&group, index))
                .collect(),
        )
    }
}

impl<T> fmt::Debug for GatherSettled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherSettled")
            .field("collector", &self.collector)
            .finish()
    }
}
