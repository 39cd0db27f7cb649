//! [`Seat`]: a task group child's way to its group (rules 3, 4, 6, 9 and
//! 10 of `slots.rs`).

use std::cell::Cell;
use std::ptr::NonNull;
use std::task::Waker;

use super::slots::{Shared, Slot};
use crate::CancellationToken;
use crate::child_future::Parent;
use crate::group::Outcome;
use crate::sync::{Arc, Ordering};

/// A child's way to its group.
pub(crate) struct Seat<T> {
    shared: Arc<Shared<T>>,
    slot: NonNull<Slot<T>>,
    generation: usize,
    /// Whether the child left a waker in its slot, to take back as it
    /// completes; most children never wait.
    waited: Cell<bool>,
}

// SAFETY: a seat moves its child's `T` to the owner (rule 3); its slot
// pointer is kept valid by its reference (rule 1).
unsafe impl<T: Send> Send for Seat<T> {}

impl<T> Seat<T> {
    pub(super) fn new(
        shared: Arc<Shared<T>>,
        slot: NonNull<Slot<T>>,
        generation: usize,
    ) -> Seat<T> {
        Seat {
            shared,
            slot,
            generation,
            waited: Cell::new(false),
        }
    }

    fn slot(&self) -> &Slot<T> {
        // SAFETY: rule 1: our reference keeps the segment alive.
        unsafe { self.slot.as_ref() }
    }

    /// Where an abort handle reaches this child: its slot and generation.
    pub(crate) fn place(&self) -> (NonNull<Slot<T>>, usize) {
        (self.slot, self.generation)
    }
}

impl<T: Send + 'static> Parent for Seat<T> {
    type Output = T;

    fn token(&self) -> &CancellationToken {
        &self.shared.token
    }

    fn is_aborted(&self) -> bool {
        self.slot().occupant.is_aborted(self.generation)
    }

    fn wait(&self, waker: &Waker) -> bool {
        self.waited.set(true);
        self.slot().waker.register(waker);
        !self.shared.token.is_cancelled() && !self.is_aborted()
    }

    fn wait_for_abort(&self, waker: &Waker) -> bool {
        self.waited.set(true);
        self.slot().waker.register(waker);
        !self.is_aborted()
    }

    /// Rule 4.
    fn complete(self, outcome: Outcome<T>) {
        let slot = self.slot();
        // This child waits no more; its waker must not outlive it here.
        if self.waited.get() {
            slot.waker.clear();
        }
        let failed = outcome.is_err();
        // SAFETY: rule 3: the slot is this child's until the push below.
        unsafe { slot.value.with_mut(|value| (*value).write(outcome)) };
        slot.occupant.finish(self.generation);
        self.shared.completed.push(self.slot.as_ptr(), &slot.next);
        // AcqRel: rule 9, the last count sees every other child's push.
        match self.shared.remaining.fetch_sub(1, Ordering::AcqRel) {
            // Rule 10: the owner is gone and this was its last child.
            1 => self.shared.let_go(),
            before => {
                let last = before == 2;
                if last || failed || self.shared.wake_each.load(Ordering::Relaxed) {
                    self.shared.waker.wake();
                }
            }
        }
        if self.shared.limit.load(Ordering::Relaxed) != 0 {
            self.shared.release_place();
        }
    }
}
