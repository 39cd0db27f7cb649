//! For a runtime that runs tasks and hands out braid's task types for
//! them: how it makes a [`JoinError`], an [`Id`] and an [`AbortHandle`].
//!
//! braid's runtime builds its join handles' errors, its task ids and its
//! abort handles here. The `braid` facade does not re-export this module,
//! so a program using braid receives these values and never makes them: an
//! error it sees came from a task that really was cancelled or really did
//! panic, and an id names one task. A runtime of your own that hosts
//! braid's gathers (see [`Spawn`](crate::Spawn)) and wants the same types
//! for its own tasks makes them with these.

use std::any::Any;

use crate::{AbortHandle, Id, JoinError};

pub use crate::abort::AbortTask;

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

/// A fresh task id, never handed out before: the one counter that numbers
/// braid's tasks and task groups' children.
///
/// # Examples
///
/// ```
/// let first = braid_gather::host::next_id();
/// let second = braid_gather::host::next_id();
/// assert_ne!(first, second);
/// ```
pub fn next_id() -> Id {
    Id::next()
}

/// The id whose number is `n` ([`Id::as_u64`]), for a runtime that keeps
/// ids as numbers in atomics; `None` for 0, which is never an id.
///
/// # Examples
///
/// ```
/// let id = braid_gather::host::next_id();
/// assert_eq!(braid_gather::host::id_from_u64(id.as_u64()), Some(id));
/// assert_eq!(braid_gather::host::id_from_u64(0), None);
/// ```
pub fn id_from_u64(n: u64) -> Option<Id> {
    Id::from_u64(n)
}

/// An abort handle for the task `id`, which `task` cancels and watches.
/// `task` is stored in the handle without an allocation when it is at most
/// three words; a larger one is boxed.
///
/// # Examples
///
/// ```
/// use braid_gather::host::{self, AbortTask};
///
/// /// A task that finished long ago.
/// struct Done;
///
/// impl AbortTask for Done {
///     fn abort(&self) {}
///     fn is_finished(&self) -> bool {
///         true
///     }
/// }
///
/// let id = host::next_id();
/// let handle = host::abort_handle(id, Done);
/// assert_eq!(handle.id(), id);
/// assert!(handle.is_finished());
/// ```
pub fn abort_handle<A: AbortTask>(id: Id, task: A) -> AbortHandle {
    AbortHandle::new(id, task)
}
