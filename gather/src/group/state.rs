//! The atomic words of a gather group: each slot's state and the group's first
//! failure.
//!
//! # Slot state
//!
//! | state     | bits   | meaning                                   | set by                    |
//! |-----------|--------|-------------------------------------------|---------------------------|
//! | `EMPTY`   | `0b00` | no value; the slot's child may write it   | allocation                |
//! | `WRITING` | `0b01` | the child is writing the value            | the child (from `EMPTY`)  |
//! | `FULL`    | `0b10` | a value is there; the group owns it       | the child (from `WRITING`)|
//! | `TAKEN`   | `0b11` | the collector moved the value out         | the collector (from `FULL`)|
//!
//! The states only move forward. `WRITING` makes a second write to the same
//! slot a detected bug instead of a data race, and `TAKEN` does the same for a
//! second read.
//!
//! # First failure
//!
//! `NO_FAILURE` until a child fails under fail-fast; then the index of the
//! first child that failed, never changed again. A second word of the same
//! kind records the group's first panic.

use crate::sync::{AtomicUsize, Ordering};

const EMPTY: usize = 0b00;
const WRITING: usize = 0b01;
const FULL: usize = 0b10;
const TAKEN: usize = 0b11;

/// A loaded slot state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_full(self) -> bool {
        self.0 == FULL
    }
}

/// The state word of one slot.
#[derive(Debug)]
pub(crate) struct SlotState(AtomicUsize);

/// Result of [`SlotState::transition_to_writing`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToWriting {
    /// The caller now has the slot to itself until `publish`.
    Ok,
    /// The slot was written before: a second child claimed the same index.
    AlreadyWritten,
}

/// Result of [`SlotState::transition_to_taken`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToTaken {
    /// The value is the caller's to move out.
    Ok,
    /// No value has been published yet.
    NotReady,
    /// The value was taken before.
    AlreadyTaken,
}

impl SlotState {
    pub(crate) fn new() -> SlotState {
        SlotState(AtomicUsize::new(EMPTY))
    }

    /// `EMPTY → WRITING`, by the slot's child.
    pub(crate) fn transition_to_writing(&self) -> ToWriting {
        // Relaxed: no data is handed over by this step; `publish` does that.
        match self
            .0
            .compare_exchange(EMPTY, WRITING, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => ToWriting::Ok,
            Err(_) => ToWriting::AlreadyWritten,
        }
    }

    /// `WRITING → FULL`: the value written is now the group's.
    pub(crate) fn publish(&self) {
        // Release pairs with the Acquire in `transition_to_taken` and with
        // the group's last-reference fence, which both read the value.
        self.0.store(FULL, Ordering::Release);
    }

    /// `FULL → TAKEN`, by the collector.
    pub(crate) fn transition_to_taken(&self) -> ToTaken {
        match self
            .0
            .compare_exchange(FULL, TAKEN, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => ToTaken::Ok,
            Err(TAKEN) => ToTaken::AlreadyTaken,
            Err(_) => ToTaken::NotReady,
        }
    }

    /// The state, for the last reference's clean-up (which has synchronised
    /// with every writer through the reference count).
    pub(crate) fn load_exclusive(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Relaxed))
    }
}

const NO_FAILURE: usize = usize::MAX;

/// The index of the group's first failure.
#[derive(Debug)]
pub(crate) struct FirstFailure(AtomicUsize);

/// Result of [`FirstFailure::record`].
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Record {
    /// This is the group's first failure; the caller cancels the siblings.
    First,
    /// Another child failed first.
    Later,
}

impl FirstFailure {
    pub(crate) fn new() -> FirstFailure {
        FirstFailure(AtomicUsize::new(NO_FAILURE))
    }

    pub(crate) fn record(&self, index: usize) -> Record {
        debug_assert_ne!(index, NO_FAILURE);
        // Relaxed: the failing value is handed over by its slot's state, not
        // by this word; the collector reads the slot with Acquire.
        match self
            .0
            .compare_exchange(NO_FAILURE, index, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => Record::First,
            Err(_) => Record::Later,
        }
    }

    pub(crate) fn get(&self) -> Option<usize> {
        match self.0.load(Ordering::Relaxed) {
            NO_FAILURE => None,
            index => Some(index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_moves_forward_only() {
        let state = SlotState::new();
        assert_eq!(state.transition_to_taken(), ToTaken::NotReady);
        assert_eq!(state.transition_to_writing(), ToWriting::Ok);
        assert_eq!(state.transition_to_taken(), ToTaken::NotReady);
        assert_eq!(state.transition_to_writing(), ToWriting::AlreadyWritten);
        state.publish();
        assert!(state.load_exclusive().is_full());
        assert_eq!(state.transition_to_taken(), ToTaken::Ok);
        assert_eq!(state.transition_to_taken(), ToTaken::AlreadyTaken);
        assert!(!state.load_exclusive().is_full());
    }

    #[test]
    fn first_failure_sticks() {
        let failure = FirstFailure::new();
        assert_eq!(failure.get(), None);
        assert_eq!(failure.record(3), Record::First);
        assert_eq!(failure.record(1), Record::Later);
        assert_eq!(failure.get(), Some(3));
    }
}
