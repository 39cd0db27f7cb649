//! The futures that wait for a token's cancellation: borrowing the token
//! ([`WaitForCancellation`]) or owning it ([`WaitForCancellationFutureOwned`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{CancellationToken, Watch};

/// A waiter's registration with a token: the one wait both futures share.
struct Waiter {
    /// The waiter registration, once there is one.
    key: Option<usize>,
}

impl Waiter {
    fn poll(&mut self, token: &CancellationToken, cx: &Context<'_>) -> Poll<()> {
        if token.is_cancelled() {
            return Poll::Ready(());
        }
        match token.watch(&mut self.key, cx) {
            Watch::Registered => Poll::Pending,
            Watch::Cancelled => Poll::Ready(()),
        }
    }

    fn withdraw(&mut self, token: &CancellationToken) {
        if let Some(key) = self.key.take() {
            token.unwatch(key);
        }
    }
}

/// The future returned by [`CancellationToken::cancelled`].
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let token = braid::CancellationToken::new();
/// let wait: braid::WaitForCancellation<'_> = token.cancelled();
/// token.cancel();
/// wait.await;
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellation<'a> {
    token: &'a CancellationToken,
    waiter: Waiter,
}

impl WaitForCancellation<'_> {
    pub(super) fn new(token: &CancellationToken) -> WaitForCancellation<'_> {
        WaitForCancellation {
            token,
            waiter: Waiter { key: None },
        }
    }
}

impl Future for WaitForCancellation<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.waiter.poll(this.token, cx)
    }
}

impl Drop for WaitForCancellation<'_> {
    fn drop(&mut self) {
        self.waiter.withdraw(self.token);
    }
}

impl fmt::Debug for WaitForCancellation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellation")
            .field("token", self.token)
            .finish()
    }
}

/// The future returned by [`CancellationToken::cancelled_owned`]: completes
/// once its token is cancelled, and owns the token, so it is `'static`.
///
/// # Examples
///
/// ```
/// braid::Runtime::new().unwrap().block_on(async {
///     let token = braid::CancellationToken::new();
///     let wait = token.clone().cancelled_owned();
///     token.cancel();
///     wait.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellationFutureOwned {
    token: CancellationToken,
    waiter: Waiter,
}

impl WaitForCancellationFutureOwned {
    pub(super) fn new(token: CancellationToken) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned {
            token,
            waiter: Waiter { key: None },
        }
    }
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.waiter.poll(&this.token, cx)
    }
}

impl Drop for WaitForCancellationFutureOwned {
    fn drop(&mut self) {
        self.waiter.withdraw(&self.token);
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned")
            .field("token", &self.token)
            .finish()
    }
}
