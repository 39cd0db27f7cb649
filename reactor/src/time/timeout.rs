//! `timeout`: bounds how long a future may take.

use super::{Instant, Sleep, sleep, sleep_until};
use crate::coop;
use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `future` for at most `duration`: its output, or `Err(Elapsed)` once
/// the time is up. The future is dropped with the `Timeout`, so when the
/// time runs out it is cancelled at the point it was waiting.
///
/// The future is polled first, so one that is ready as the time runs out
/// wins. A future that spends its task's whole cooperative budget in a
/// poll (one that is always ready, looping over a socket with data queued)
/// still times out: the deadline is then looked at outside the budget.
///
/// # Panics
///
/// Outside a braid runtime.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, sleep, timeout};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = sleep(Duration::from_secs(10));
///     assert!(timeout(Duration::from_secs(1), slow).await.is_err());
/// });
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: sleep(duration),
    }
}

/// Like [`timeout`], with a deadline instead of a duration.
///
/// # Panics
///
/// Outside a braid runtime.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, Instant, sleep, timeout_at};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let deadline = Instant::now() + Duration::from_secs(1);
///     let result = timeout_at(deadline, sleep(Duration::from_secs(5))).await;
///     assert!(result.is_err());
///     assert_eq!(Instant::now(), deadline);
/// });
/// ```
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        sleep: sleep_until(deadline),
    }
}

/// The future returned by [`timeout`] and [`timeout_at`].
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, timeout};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let bounded = timeout(Duration::from_secs(1), async { "done" });
///     assert_eq!(bounded.await, Ok("done"));
/// });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Timeout<F> {
    /// Structurally pinned: never moved while the `Timeout` is pinned.
    future: F,
    /// Not pinned: `Sleep` is `Unpin`.
    sleep: Sleep,
}

impl<F> Timeout<F> {
    /// The inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, timeout};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let bounded = timeout(Duration::from_secs(1), std::future::ready(3));
    ///     let _inner: &std::future::Ready<i32> = bounded.get_ref();
    /// });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, timeout};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let mut bounded = timeout(Duration::from_secs(1), std::future::ready(3));
    ///     assert_eq!(bounded.get_mut().await, 3);
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// The inner future, dropping the timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, timeout};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let bounded = timeout(Duration::from_secs(1), std::future::ready(3));
    ///     assert_eq!(bounded.into_inner().await, 3);
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: `Timeout` has no `Drop`
        // impl, no method moves `future` out of a pinned `Timeout`
        // (`into_inner` takes `self` by value, which a pinned `!Unpin`
        // `Timeout` cannot give), and `Timeout` is `Unpin` only when `F` is.
        // `sleep` is `Unpin` and is only reached through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `this.future` stays where it is until dropped.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let mut poll_deadline = || {
            Pin::new(&mut this.sleep)
                .poll(cx)
                .map(|()| Err(Elapsed(())))
        };
        if had_budget && !coop::has_budget_remaining() {
            // The future spent the task's budget: the deadline is still
            // looked at, or a future that is always ready (a loop over a
            // socket with data queued) would never time out.
            coop::unconstrained(poll_deadline)
        } else {
            poll_deadline()
        }
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.sleep.deadline())
            .finish_non_exhaustive()
    }
}

/// The error of a [`timeout`] whose time ran out.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, sleep, timeout};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let error = timeout(Duration::ZERO, sleep(Duration::from_secs(1))).await.unwrap_err();
///     assert_eq!(error.to_string(), "deadline has elapsed");
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}
