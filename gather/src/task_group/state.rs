//! The atomic words of a task group: each slot's occupant word, and the
//! stack of completed slots.
//!
//! # Occupant word
//!
//! | bits      | meaning                                        | set by                         |
//! |-----------|------------------------------------------------|--------------------------------|
//! | `..2`     | the generation: which child holds the slot     | the owner, as it reuses a slot |
//! | `0b01`    | `ABORTED`: this generation's child was aborted | an abort handle (CAS, same generation) |
//! | `0b10`    | `FINISHED`: this generation's child completed  | the child (a store), before it is pushed |
//!
//! A new generation starts with both bits clear. An abort handle names the
//! generation it was made for, so once the slot is reused its abort finds
//! another generation and does nothing.
//!
//! # Completed stack
//!
//! A Treiber stack (R. K. Treiber, *Systems Programming: Coping with
//! Parallelism*, IBM RJ 5118, 1986) of slots, linked through each slot's
//! `next`: children push, the owner takes the whole stack at once. Popping
//! one entry is never done, so there is no ABA; the stack is newest first,
//! and the owner reverses each batch it takes into completion order.

use std::ptr;

use crate::sync::{AtomicPtr, AtomicUsize, Ordering};

const ABORTED: usize = 0b01;
const FINISHED: usize = 0b10;
const GENERATION_SHIFT: u32 = 2;

/// A slot's occupant word.
#[derive(Debug)]
pub(crate) struct Occupant(AtomicUsize);

/// Result of [`Occupant::transition_to_aborted`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToAborted {
    /// The child is marked; the caller wakes it.
    Ok,
    /// The child finished, was aborted before, or left the slot.
    Gone,
}

impl Occupant {
    pub(crate) fn new() -> Occupant {
        Occupant(AtomicUsize::new(0))
    }

    /// The generation of the slot's child, read by the owner (the only
    /// writer of the generation).
    pub(crate) fn generation(&self) -> usize {
        self.0.load(Ordering::Relaxed) >> GENERATION_SHIFT
    }

    /// A new generation, for the next child; by the owner, once the last
    /// child's outcome is taken.
    pub(crate) fn next_generation(&self) {
        let next = (self.generation() + 1) << GENERATION_SHIFT;
        // Relaxed: an abort handle of the old generation only needs to see
        // a different word; the new child is handed over by its spawn.
        self.0.store(next, Ordering::Relaxed);
    }

    /// Marks `generation`'s child aborted, unless it finished or left.
    pub(crate) fn transition_to_aborted(&self, generation: usize) -> ToAborted {
        let mut word = self.0.load(Ordering::Relaxed);
        loop {
            if word >> GENERATION_SHIFT != generation || word & (ABORTED | FINISHED) != 0 {
                return ToAborted::Gone;
            }
            // Release: pairs with the child's Acquire in `is_aborted`;
            // nothing else is handed over.
            match self.0.compare_exchange_weak(
                word,
                word | ABORTED,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return ToAborted::Ok,
                Err(now) => word = now,
            }
        }
    }

    /// Whether `generation`'s child was aborted.
    pub(crate) fn is_aborted(&self, generation: usize) -> bool {
        let word = self.0.load(Ordering::Acquire);
        word >> GENERATION_SHIFT == generation && word & ABORTED != 0
    }

    /// Marks `generation`'s child finished; by that child, as it completes.
    /// A store, not a read-modify-write: the only bit it may overwrite is
    /// `ABORTED`, which nobody needs once the child has finished.
    pub(crate) fn finish(&self, generation: usize) {
        // Relaxed: read only by abort handles, which hand nothing over.
        self.0.store(
            (generation << GENERATION_SHIFT) | FINISHED,
            Ordering::Relaxed,
        );
    }

    /// Whether `generation`'s child has finished (or its slot moved on).
    pub(crate) fn is_finished(&self, generation: usize) -> bool {
        let word = self.0.load(Ordering::Relaxed);
        word >> GENERATION_SHIFT != generation || word & FINISHED != 0
    }
}

/// The stack of completed slots; `T` is the slot type.
#[derive(Debug)]
pub(crate) struct Completed<T>(AtomicPtr<T>);

impl<T> Completed<T> {
    pub(crate) fn new() -> Completed<T> {
        Completed(AtomicPtr::new(ptr::null_mut()))
    }

    /// Pushes `node`, whose link is `next`.
    pub(crate) fn push(&self, node: *mut T, next: &AtomicPtr<T>) {
        let mut head = self.0.load(Ordering::Relaxed);
        loop {
            // Relaxed: published by the Release of the exchange below.
            next.store(head, Ordering::Relaxed);
            // Release: the slot's outcome, written before, goes with it to
            // the owner's Acquire in `take_all`.
            match self
                .0
                .compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(now) => head = now,
            }
        }
    }

    /// Takes every pushed node, newest first (null when none).
    pub(crate) fn take_all(&self) -> *mut T {
        // Acquire: see each node's outcome and link (see `push`).
        self.0.swap(ptr::null_mut(), Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abort_reaches_its_own_generation_only() {
        let occupant = Occupant::new();
        assert_eq!(occupant.generation(), 0);
        assert!(!occupant.is_finished(0));
        occupant.finish(0);
        assert!(occupant.is_finished(0));
        assert_eq!(occupant.transition_to_aborted(0), ToAborted::Gone);
        occupant.next_generation();
        assert_eq!(occupant.generation(), 1);
        assert!(occupant.is_finished(0), "the old child left the slot");
        assert!(!occupant.is_finished(1));
        assert_eq!(occupant.transition_to_aborted(0), ToAborted::Gone);
        assert!(!occupant.is_aborted(1));
        assert_eq!(occupant.transition_to_aborted(1), ToAborted::Ok);
        assert!(occupant.is_aborted(1));
        assert_eq!(occupant.transition_to_aborted(1), ToAborted::Gone);
    }

    #[test]
    fn the_stack_gives_back_newest_first() {
        let nodes: Vec<_> = (0..3)
            .map(|_| AtomicPtr::<u8>::new(ptr::null_mut()))
            .collect();
        let mut values = [10_u8, 11, 12];
        let stack = Completed::<u8>::new();
        assert!(stack.take_all().is_null());
        for (value, next) in values.iter_mut().zip(&nodes) {
            stack.push(value, next);
        }
        let head = stack.take_all();
        // SAFETY: `head` points into `values`, alive and not borrowed.
        assert_eq!(unsafe { *head }, 12);
        assert_eq!(nodes[2].load(Ordering::Relaxed), &mut values[1] as *mut u8);
        assert!(stack.take_all().is_null());
    }
}
