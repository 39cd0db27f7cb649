//! The owner's side of a task group's slots: the free list, the tail
//! segment, the completed slots taken from the stack, and the counts taken
//! ahead for the spawns to come (rules 2, 3, 5, 7 and 11 of `slots.rs`).

use std::collections::VecDeque;
use std::fmt;
use std::ptr::{self, NonNull};

use super::seat::Seat;
use super::slots::{AHEAD, DOUBLINGS, FIRST_SEGMENT, Segment, Shared, Slot};
use crate::group::Outcome;
use crate::sync::{Arc, AtomicPtr, Ordering};

/// The owner's side of the slots (rules 2, 3 and 5).
pub(crate) struct Slots<T> {
    free: Vec<NonNull<Slot<T>>>,
    tail: *const Segment<T>,
    /// Slots of the tail segment handed out so far.
    tail_used: usize,
    segments: u32,
    /// Completed slots taken from the stack, in completion order.
    ready: VecDeque<NonNull<Slot<T>>>,
    /// A batch taken from the stack, newest first, being reversed.
    batch: Vec<NonNull<Slot<T>>>,
    /// Rule 11: references to `Shared` taken ahead, one per spawn to come.
    refs_ahead: usize,
    /// Rule 11: units of `remaining` taken ahead, one per spawn to come.
    counts_ahead: usize,
}

// SAFETY: the owner's side is only used by the owner; its pointers are into
// segments kept alive by the owner's reference (rule 1).
unsafe impl<T: Send> Send for Slots<T> {}
// SAFETY: `&Slots` gives access to nothing (every method takes `&mut`).
unsafe impl<T: Send> Sync for Slots<T> {}

impl<T> Slots<T> {
    pub(crate) fn new() -> Slots<T> {
        Slots {
            free: Vec::new(),
            tail: ptr::null(),
            tail_used: 0,
            segments: 0,
            ready: VecDeque::new(),
            batch: Vec::new(),
            refs_ahead: 0,
            counts_ahead: 0,
        }
    }

    /// Rules 2, 3, 9 and 11: a slot for the child spawned `seq`-th, and the
    /// seat that child completes through, with a reference to `Shared` and
    /// a unit of `remaining` of its own.
    pub(crate) fn claim(&mut self, shared: &Arc<Shared<T>>, seq: u64) -> Seat<T> {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => self.next_fresh(shared),
        };
        // SAFETY: rule 3: a free slot is the owner's alone.
        let slot_ref = unsafe { slot.as_ref() };
        // SAFETY: as above: `seq` is only ever touched by the owner.
        unsafe { slot_ref.seq.with_mut(|place| *place = seq) };
        if self.counts_ahead == 0 {
            shared.add_remaining(AHEAD);
            self.counts_ahead = AHEAD;
        }
        self.counts_ahead -= 1;
        if self.refs_ahead == 0 {
            for _ in 0..AHEAD {
                // SAFETY: `shared` is a live reference; each one taken here
                // goes to one seat, or back in `give_back_refs`.
                unsafe { Arc::increment_strong_count(Arc::as_ptr(shared)) };
            }
            self.refs_ahead = AHEAD;
        }
        self.refs_ahead -= 1;
        // SAFETY: one of the references taken ahead above, now the seat's.
        let reference = unsafe { Arc::from_raw(Arc::as_ptr(shared)) };
        Seat::new(reference, slot, slot_ref.occupant.generation())
    }

    /// Rule 11: the units of `remaining` taken ahead and not spent, which
    /// the caller gives back to `Shared`; no spawn may follow.
    pub(crate) fn take_counts_ahead(&mut self) -> usize {
        std::mem::take(&mut self.counts_ahead)
    }

    /// Rule 11: gives back the references to `shared` taken ahead; by the
    /// owner as it is dropped, which still holds its own.
    pub(crate) fn give_back_refs(&mut self, shared: &Arc<Shared<T>>) {
        for _ in 0..std::mem::take(&mut self.refs_ahead) {
            // SAFETY: taken ahead by `claim` and given to no seat; not the
            // last reference, as the caller holds one.
            unsafe { Arc::decrement_strong_count(Arc::as_ptr(shared)) };
        }
    }

    /// The next never-used slot, appending a segment when the tail is full.
    fn next_fresh(&mut self, shared: &Shared<T>) -> NonNull<Slot<T>> {
        // SAFETY: rule 1: the tail lives as long as `shared`.
        let full = match unsafe { self.tail.as_ref() } {
            Some(tail) => self.tail_used == tail.slots.len(),
            None => true,
        };
        if full {
            let len = FIRST_SEGMENT << self.segments.min(DOUBLINGS);
            let slots = (0..len).map(|_| Slot::new()).collect();
            let segment = Box::into_raw(Box::new(Segment {
                slots,
                next: AtomicPtr::new(ptr::null_mut()),
            }));
            // Release: rule 1, the segment is built before it is seen.
            // SAFETY: the tail, if any, is alive (rule 1).
            match unsafe { self.tail.as_ref() } {
                Some(tail) => tail.next.store(segment, Ordering::Release),
                None => shared.head.store(segment, Ordering::Release),
            }
            shared.appended();
            self.tail = segment;
            self.tail_used = 0;
            self.segments += 1;
        }
        // SAFETY: rule 1; `tail_used` is within the tail segment.
        let slot = unsafe { &(*self.tail).slots[self.tail_used] };
        self.tail_used += 1;
        NonNull::from(slot)
    }

    /// Rules 3 and 5: the next completed child's spawn position and
    /// outcome, in completion order; its slot goes back on the free list.
    pub(crate) fn take_next(&mut self, shared: &Shared<T>) -> Option<(u64, Outcome<T>)> {
        if self.ready.is_empty() {
            self.collect(shared);
        }
        let slot = self.ready.pop_front()?;
        // SAFETY: rule 3: a slot on the ready queue is the owner's, and
        // holds an outcome written by its child before the push.
        let taken = unsafe {
            let slot = slot.as_ref();
            let outcome = slot.value.with(|value| (*value).assume_init_read());
            let seq = slot.seq.with(|seq| *seq);
            slot.occupant.next_generation();
            (seq, outcome)
        };
        self.free.push(slot);
        Some(taken)
    }

    /// Moves what the children pushed onto the ready queue, oldest first.
    fn collect(&mut self, shared: &Shared<T>) {
        let mut node = shared.completed.take_all();
        while let Some(slot) = NonNull::new(node) {
            self.batch.push(slot);
            // SAFETY: rule 3: the stack's nodes are the owner's once taken;
            // their links were published by the push.
            node = unsafe { slot.as_ref() }.next.load(Ordering::Relaxed);
        }
        self.ready.extend(self.batch.drain(..).rev());
    }

    /// Segments made so far, for tests of growth.
    #[cfg(test)]
    pub(crate) fn segment_count(&self) -> u32 {
        self.segments
    }

    /// Rule 7: drops the outcomes taken but not joined.
    pub(crate) fn drop_ready(&mut self) {
        while let Some(slot) = self.ready.pop_front() {
            // SAFETY: rule 3: the owner's, holding an outcome; its slot is
            // put back on the free list so it is never read again.
            unsafe {
                slot.as_ref()
                    .value
                    .with_mut(|value| (*value).assume_init_drop())
            };
            self.free.push(slot);
        }
    }
}

impl<T> fmt::Debug for Slots<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slots")
            .field("segments", &self.segments)
            .field("free", &self.free.len())
            .field("ready", &self.ready.len())
            .finish_non_exhaustive()
    }
}
