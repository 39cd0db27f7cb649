//! [`DropGuard`]: a token cancelled when its guard goes out of scope.

use std::fmt;

use super::CancellationToken;

/// Cancels its token when dropped, unless [`disarm`](Self::disarm)ed.
/// Returned by [`CancellationToken::drop_guard`].
///
/// # Examples
///
/// ```
/// let token = braid::CancellationToken::new();
/// let guard = token.clone().drop_guard();
/// // The work finished normally: keep the token alive and uncancelled.
/// let kept = guard.disarm();
/// assert!(!kept.is_cancelled());
/// assert!(!token.is_cancelled());
/// ```
#[must_use = "the token is cancelled as soon as the guard is dropped"]
pub struct DropGuard {
    /// `None` once disarmed.
    token: Option<CancellationToken>,
}

impl DropGuard {
    pub(super) fn new(token: CancellationToken) -> DropGuard {
        DropGuard { token: Some(token) }
    }

    /// Gives the token back without cancelling it.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = braid::CancellationToken::new().drop_guard().disarm();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> CancellationToken {
        self.token
            .take()
            .expect("a guard holds its token until it is disarmed or dropped")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            token.cancel();
        }
    }
}

impl fmt::Debug for DropGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropGuard")
            .field("token", &self.token)
            .finish()
    }
}
