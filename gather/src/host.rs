//! For a runtime that runs tasks and reports how they ended as a
//! [`JoinError`]: the two ways to make one.
//!
//! braid's runtime builds its join handles' errors here. The `braid` facade
//! does not re-export this module, so a program using braid receives
//! `JoinError`s and never makes them: an error it sees came from a task that
//! really was cancelled or really did panic. A runtime of your own that
//! hosts braid's gathers (see [`Spawn`](crate::Spawn)) and wants the same
//! error type for its own tasks makes them with these.

use std::any::Any;

use crate::JoinError;

/// The error of a task cancelled before it finished (aborted, or shut down
/// with its runtime).
///
/// # Examples
///
/// ```
/// let err = braid_gather::host::cancelled();
/// assert!(err.is_cancelled());
/// assert_eq!(err.to_string(), "task was cancelled");
/// ```
pub fn cancelled() -> JoinError {
    JoinError::cancelled()
}

/// The error of a task whose future panicked; `payload` is what
/// [`std::panic::catch_unwind`] caught, handed back by
/// [`JoinError::into_panic`].
///
/// # Examples
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
/// let err = braid_gather::host::panicked(payload);
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "task panicked with message \"boom\"");
/// ```
pub fn panicked(payload: Box<dyn Any + Send + 'static>) -> JoinError {
    JoinError::panic(payload)
}
