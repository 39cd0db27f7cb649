//! [`GroupAbortHandle`]: aborts one child of a task group.

use std::fmt;
use std::ptr::NonNull;

use super::slots::{Shared, Slot};
use crate::sync::Arc;

/// Aborts one child of a [`TaskGroup`](crate::TaskGroup), returned by its
/// [`spawn`](crate::TaskGroup::spawn).
///
/// A group's children are not tasks of braid's runtime (the group runs them
/// through [`Spawn`](crate::Spawn), on any runtime), so this is the group's
/// own abort handle rather than `braid::AbortHandle`; it does the same.
/// Aborting a child cancels it alone: its future is dropped at its next
/// wake (which the abort triggers), its [`current_token`] and everything
/// started with it are cancelled, and [`join_next`] reports it as a
/// cancelled [`JoinError`](crate::JoinError). Aborting a child that has
/// finished, or aborting twice, does nothing. The handle stays valid after
/// the child is joined: it never reaches a later child.
///
/// [`current_token`]: crate::current_token()
/// [`join_next`]: crate::TaskGroup::join_next
///
/// # Examples
///
/// ```
/// braid::Runtime::new().unwrap().block_on(async {
///     let mut group = braid::TaskGroup::new();
///     let stuck = group.spawn(std::future::pending::<u32>());
///     stuck.abort();
///     let joined = group.join_next().await.unwrap();
///     assert!(joined.unwrap_err().is_cancelled());
///     assert!(stuck.is_finished());
/// });
/// ```
pub struct GroupAbortHandle<T> {
    shared: Arc<Shared<T>>,
    slot: NonNull<Slot<T>>,
    generation: usize,
}

// SAFETY: the handle only touches its slot's atomic occupant word and waker
// cell, which the slot's reference keeps alive.
unsafe impl<T: Send> Send for GroupAbortHandle<T> {}
// SAFETY: as for `Send`: every method takes `&self` and is atomic.
unsafe impl<T: Send> Sync for GroupAbortHandle<T> {}

impl<T> GroupAbortHandle<T> {
    pub(crate) fn new(
        shared: Arc<Shared<T>>,
        slot: NonNull<Slot<T>>,
        generation: usize,
    ) -> GroupAbortHandle<T> {
        GroupAbortHandle {
            shared,
            slot,
            generation,
        }
    }

    /// Cancels this child alone, unless it has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     group.spawn(async { 1 });
    ///     group.spawn(std::future::pending()).abort();
    ///     let mut outcomes = vec![group.join_next().await, group.join_next().await];
    ///     outcomes.sort_by_key(|outcome| outcome.as_ref().unwrap().is_ok());
    ///     assert!(outcomes[0].as_ref().unwrap().as_ref().unwrap_err().is_cancelled());
    ///     assert_eq!(*outcomes[1].as_ref().unwrap().as_ref().unwrap(), 1);
    /// });
    /// ```
    pub fn abort(&self) {
        self.shared.abort(self.slot, self.generation);
    }

    /// Whether the child has finished: returned, panicked, or been
    /// cancelled and dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     let quick = group.spawn(async {});
    ///     group.join_next().await;
    ///     assert!(quick.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.shared.is_finished(self.slot, self.generation)
    }
}

impl<T> fmt::Debug for GroupAbortHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupAbortHandle")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
