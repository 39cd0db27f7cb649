//! What a task group child's [`AbortHandle`](crate::AbortHandle) reaches:
//! the child's slot and generation (rules 5 and 6 of `slots.rs`).

use std::ptr::NonNull;

use super::slots::{Shared, Slot};
use crate::host::AbortTask;
use crate::sync::Arc;

/// One child of a group, as its abort handle sees it: a reference to the
/// group, which keeps the slot alive (rule 1), and the child's generation,
/// so the handle never reaches a later child of the same slot (rule 5).
pub(super) struct ChildAbort<T> {
    shared: Arc<Shared<T>>,
    slot: NonNull<Slot<T>>,
    generation: usize,
}

// SAFETY: the handle only touches its slot's atomic occupant word and waker
// cell, which its reference keeps alive.
unsafe impl<T: Send> Send for ChildAbort<T> {}
// SAFETY: as for `Send`: every method takes `&self` and is atomic.
unsafe impl<T: Send> Sync for ChildAbort<T> {}

impl<T> ChildAbort<T> {
    pub(super) fn new(
        shared: Arc<Shared<T>>,
        slot: NonNull<Slot<T>>,
        generation: usize,
    ) -> ChildAbort<T> {
        ChildAbort {
            shared,
            slot,
            generation,
        }
    }
}

impl<T: Send + 'static> AbortTask for ChildAbort<T> {
    fn abort(&self) {
        self.shared.abort(self.slot, self.generation);
    }

    fn is_finished(&self) -> bool {
        self.shared.is_finished(self.slot, self.generation)
    }
}
