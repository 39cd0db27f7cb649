//! What a task group child's [`AbortHandle`](crate::AbortHandle) reaches:
//! the child's slot and generation (rules 5, 6 and 11 of `slots.rs`).

use std::ptr::NonNull;

use super::slots::{Shared, Slot, as_non_null};
use crate::host::AbortTask;
use crate::sync::Arc;

/// One child of a group, as its abort handle sees it: a unit of the group's
/// `handles`, which keeps the group, and so the slot, alive (rules 1 and
/// 11), and the child's generation, so the handle never reaches a later
/// child of the same slot (rule 5).
pub(super) struct ChildAbort<T> {
    shared: NonNull<Shared<T>>,
    slot: NonNull<Slot<T>>,
    generation: usize,
}

// SAFETY: the handle only touches its slot's atomic occupant word and waker
// cell and the group's atomic `handles`, which its unit keeps alive.
unsafe impl<T: Send> Send for ChildAbort<T> {}
// SAFETY: as for `Send`: every method takes `&self` and is atomic.
unsafe impl<T: Send> Sync for ChildAbort<T> {}

impl<T> ChildAbort<T> {
    /// A handle for `generation`'s child of `slot`, one of `shared`'s slots.
    pub(super) fn new(
        shared: &Arc<Shared<T>>,
        slot: NonNull<Slot<T>>,
        generation: usize,
    ) -> ChildAbort<T> {
        shared.add_handle();
        ChildAbort {
            shared: as_non_null(shared),
            slot,
            generation,
        }
    }

    fn shared(&self) -> &Shared<T> {
        // SAFETY: rule 11: our unit of `handles` keeps the group alive.
        unsafe { self.shared.as_ref() }
    }
}

impl<T: Send + 'static> AbortTask for ChildAbort<T> {
    fn abort(&self) {
        self.shared().abort(self.slot, self.generation);
    }

    fn is_finished(&self) -> bool {
        self.shared().is_finished(self.slot, self.generation)
    }
}

impl<T> Drop for ChildAbort<T> {
    fn drop(&mut self) {
        // SAFETY: the group's handles' reference was taken when it was
        // made, and this handle gives up the unit `new` added.
        unsafe { Shared::handle_gone(self.shared) };
    }
}
