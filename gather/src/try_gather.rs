//! `try_gather`: fail fast on the first error, cancelling the siblings.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::collector::{Collector, fails_on_error, resume_any_panic, settled_outcome};
use crate::{CancellationToken, GatherError};

/// Runs every future as a task of its own and resolves to their `Ok` values
/// in input order, or to the first error.
///
/// The first child to return `Err` (or to panic) cancels its siblings; the
/// future resolves to [`GatherError::Failed`] with that child's index and
/// error, but only once every sibling has finished or been dropped, so no
/// child outlives the call. A panic — also one after the first error, such
/// as a sibling's destructor panicking as it is cancelled — is resumed in the
/// awaiting task instead.
/// If the token given with [`token`](TryGather::token) is cancelled first, it
/// resolves to [`GatherError::Cancelled`]; so it does, also after cancelling
/// the siblings, when a child is cancelled on its own (through its
/// [`current_token`](crate::current_token())).
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     use braid::{GatherError, try_gather};
///
///     async fn parse(text: &'static str) -> Result<u32, std::num::ParseIntError> {
///         text.parse()
///     }
///
///     let all = try_gather(["1", "2", "3"].map(parse)).await;
///     assert_eq!(all, Ok(vec![1, 2, 3]));
///
///     let failed = try_gather(["1", "two", "3"].map(parse)).await;
///     assert!(matches!(failed, Err(GatherError::Failed { index: 1, .. })));
/// }
/// ```
pub fn try_gather<I, T, E>(futures: I) -> TryGather<T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    TryGather {
        collector: Collector::new(futures, fails_on_error),
    }
}

/// The future returned by [`try_gather`].
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     let ok: braid::TryGather<u8, ()> = braid::try_gather([async { Ok(1) }]);
///     assert_eq!(ok.await, Ok(vec![1]));
/// }
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<T, E> {
    collector: Collector<Result<T, E>>,
}

impl<T, E> TryGather<T, E> {
    /// Runs at most `limit` children at once, starting the next as each one
    /// finishes; after a failure no further child is started.
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
    ///     let ids = braid::try_gather((0..10).map(|n| async move { Ok::<_, ()>(n) }));
    ///     assert_eq!(ids.limit(3).await.unwrap().len(), 10);
    /// }
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> TryGather<T, E> {
        self.collector.set_limit(limit);
        self
    }

    /// Runs the group under a child of `token`: cancelling `token` cancels
    /// every child, and the gather resolves to [`GatherError::Cancelled`] once
    /// they have all stopped. The group replaces the enclosing gather's scope
    /// ([`current_token`](crate::current_token())) as its parent.
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
    ///     use braid::{CancellationToken, GatherError, try_gather};
    ///
    ///     let token = CancellationToken::new();
    ///     let forever = try_gather([std::future::pending::<Result<(), ()>>()]).token(&token);
    ///     token.cancel();
    ///     assert_eq!(forever.await, Err(GatherError::Cancelled));
    /// }
    /// ```
    #[track_caller]
    pub fn token(mut self, token: &CancellationToken) -> TryGather<T, E> {
        self.collector.set_parent(token);
        self
    }
}

impl<T, E> Future for TryGather<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    type Output = Result<Vec<T>, GatherError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = ready!(self.collector.poll_settled(cx));
        // A panic is not an error value: it is resumed even when an error
        // failed the group first (a sibling panicking as it was cancelled).
        resume_any_panic(&group);
        if let Some(index) = group.failure() {
            return Poll::Ready(match settled_outcome(&group, index) {
                Ok(Err(error)) => Err(GatherError::Failed { index, error }),
                Err(error) if error.is_panic() => unreachable!("panics were resumed above"),
                // Cancelled on its own (its `current_token()`, or its task
                // dropped): no results, and no error value to report.
                Err(_) => Err(GatherError::Cancelled),
                Ok(Ok(_)) => unreachable!("a failure is an error, a panic or a cancellation"),
            });
        }
        let mut outputs = Vec::with_capacity(group.len());
        for index in 0..group.len() {
            match settled_outcome(&group, index) {
                Ok(Ok(output)) => outputs.push(output),
                // Without a recorded failure, a child without a value was
                // cancelled or dropped.
                Ok(Err(_)) | Err(_) => return Poll::Ready(Err(GatherError::Cancelled)),
            }
        }
        Poll::Ready(Ok(outputs))
    }
}

impl<T, E> fmt::Debug for TryGather<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("collector", &self.collector)
            .finish()
    }
}
