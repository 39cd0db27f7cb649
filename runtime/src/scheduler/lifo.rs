//! The LIFO slot: where a task woken by the task a worker is polling waits
//! to run next on that worker, and how it is kept from being stranded.
//!
//! A wake from inside a poll is usually message passing: the receiver runs
//! best right after the sender, on the sender's worker, with the data still
//! in cache. So such a wake goes to the worker's slot, not to the back of
//! its deque. But a task in the slot waits for the current poll to end; if
//! that poll runs long (blocking code in async), the task would wait with
//! it, while other workers sleep — the failure of an unstealable slot.
//! Stealing the slot freely instead breaks the locality it exists for:
//! searchers grab the receiver before its own worker gets to it. The rules
//! below steer between the two.
//!
//! # Who writes what
//!
//! Each worker has one [`Slot`]: an atomic pointer, null or a queue entry
//! whose task reference the slot owns, and the worker's poll *epoch*.
//!
//! 1. Only the owner pushes, and only while it polls a task: the push is a
//!    swap (`AcqRel`: it publishes the new entry to a searcher and acquires
//!    the one it displaces), and the displaced entry goes to the owner's
//!    deque. Whoever swaps or compare-exchanges an entry out of the slot
//!    owns its reference.
//! 2. The owner takes its own entry before its deque at each tick (a
//!    `Relaxed` look, then an `AcqRel` swap), but at most
//!    [`MAX_LIFO_POLLS`] times in a row, so two tasks waking each other
//!    cannot starve its deque.
//! 3. The owner alone writes its epoch: to an odd value as a poll starts,
//!    to an even one as it ends. It is a plain `Release` store of the
//!    `Relaxed` value read plus one, not a locked read-modify-write, twice
//!    a poll. The stall detector (rule 7 of `idle.rs`) reads the same
//!    epoch.
//! 4. A searcher takes a peer's entry only once it is *stale*: it must
//!    have seen the same entry under the same epoch on its previous pass
//!    over that peer (`lifo/seen.rs`), so the owner has been inside one
//!    poll for at least a pass. It reads the entry, then the epoch (both
//!    `Acquire`), and takes the entry with a compare-exchange (`AcqRel`)
//!    from the value it read, so an entry is taken once, by the owner or
//!    one searcher.
//! 5. A searcher that sees a fresh entry keeps searching for
//!    [`LIFO_WATCH`] before it parks, so a worker that blocks right after
//!    a wake loses its LIFO task within microseconds. If the owner is only
//!    passing messages, the entry keeps changing and the searcher gives up.
//! 6. A worker that parks while a slot holds an entry becomes the
//!    *watcher* (rule 6 of `idle.rs`), unless another is: it sleeps
//!    [`LIFO_RECHECK`] at a time and looks again, so a task stranded later
//!    waits about that long at most. Its look ([`any_entry`]) is `Acquire`
//!    loads of every slot after the `SeqCst` fence with which the worker
//!    recorded itself as parked (rule 2 of `idle.rs`); that fence pairs
//!    with the pusher's in `Idle::worker_to_notify_for_lifo`: either the
//!    pusher sees the worker parked or watching, or the look sees its
//!    entry. A push into the slot
//!    wakes a sleeper only when nobody searches or watches: message passing
//!    costs no wake-ups and no spinning thread, and keeps its locality.
//!    The role itself is held in the idle state beside the sleepers
//!    (`Idle::try_start_watching`, `stop_watching`), since the pusher's
//!    decision to wake a sleeper reads both. The `lifo_stranded` benchmark
//!    measures the wait.
//! 7. At shutdown, once the workers have exited, [`Slot::drain`] swaps
//!    every slot empty and drops the entry's reference.

mod seen;

use std::ptr::{self, NonNull};
use std::time::Duration;

use crate::sync::{AtomicPtr, AtomicUsize, Ordering};
use crate::task::{Header, Notified};
pub(crate) use seen::SeenLifo;
use seen::Sighting;
#[cfg(test)]
pub(crate) use seen::WATCHED;

/// LIFO polls in a row before the slot's occupant goes to the deque
/// (rule 2).
pub(crate) const MAX_LIFO_POLLS: u32 = 3;

/// How long a searcher keeps looking while some peer holds a fresh LIFO
/// task that may go stale (rule 5).
#[cfg(not(loom))]
pub(crate) const LIFO_WATCH: Duration = Duration::from_micros(50);

/// How long the watcher (rule 6) sleeps between two looks at the slots:
/// the longest a task woken just before its waker blocked may wait once
/// the first search round has missed it.
pub(crate) const LIFO_RECHECK: Duration = Duration::from_millis(1);

/// One worker's LIFO slot and poll epoch.
pub(crate) struct Slot {
    /// Null or a queue entry's reference (rule 1).
    entry: AtomicPtr<Header>,
    /// Bumped at the start of every poll this worker makes (to an odd
    /// value) and at its end (to an even one) (rule 3).
    epoch: AtomicUsize,
}

/// What a searcher's look at a peer's slot gave (rule 4).
#[must_use]
pub(crate) enum Look {
    /// The slot was empty, or its entry went to someone else first.
    Nothing,
    /// A fresh entry, to look at again on the next pass.
    Fresh,
    /// A stale entry, now the searcher's.
    Taken(Notified),
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            entry: AtomicPtr::new(ptr::null_mut()),
            epoch: AtomicUsize::new(0),
        }
    }

    /// The owner, during a poll: puts `task` in the slot and returns the
    /// entry it displaced, for the owner's deque (rule 1).
    pub(crate) fn push(&self, task: Notified) -> Option<Notified> {
        // AcqRel: publishes the entry to a stealer; acquires the displaced
        // one. (The pusher's fence orders it with the idle state.)
        let prev = self.entry.swap(task.into_raw().as_ptr(), Ordering::AcqRel);
        // SAFETY: the slot owned this entry's reference.
        NonNull::new(prev).map(|prev| unsafe { Notified::from_raw(prev) })
    }

    /// The owner: takes its own entry, if any (rule 2).
    pub(crate) fn take(&self) -> Option<Notified> {
        if self.entry.load(Ordering::Relaxed).is_null() {
            return None;
        }
        let entry = self.entry.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: the slot owned this entry's reference, now ours.
        NonNull::new(entry).map(|entry| unsafe { Notified::from_raw(entry) })
    }

    /// Whether the slot holds an entry, for a metric: no ordering, the
    /// answer is stale as soon as it is read.
    pub(crate) fn is_occupied(&self) -> bool {
        !self.entry.load(Ordering::Relaxed).is_null()
    }

    /// The owner, as a poll starts: the epoch turns odd (rule 3).
    pub(crate) fn start_poll(&self) {
        self.bump_epoch();
    }

    /// The owner, as a poll ends: the epoch turns even (rule 3).
    pub(crate) fn end_poll(&self) {
        self.bump_epoch();
    }

    /// Moves the epoch on. Only the owner writes it: a plain store, not a
    /// locked read-modify-write.
    fn bump_epoch(&self) {
        self.epoch.store(
            self.epoch.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Release,
        );
    }

    /// Polls the owner has started: the epoch moves on twice a poll (rule
    /// 3), so it counts them, and the worker needs no poll counter of its
    /// own for the metrics. (Exact while the epoch has not wrapped: 2^63
    /// polls with a 64-bit `usize`.)
    pub(crate) fn polls_started(&self) -> u64 {
        // Relaxed: a metric, stale as soon as it is read.
        (self.epoch.load(Ordering::Relaxed) as u64).div_ceil(2)
    }

    /// The poll epoch, for the stall detector (rule 7 of `idle.rs`).
    #[cfg_attr(
        loom,
        allow(
            dead_code,
            reason = "the detector that reads it is left out of loom builds"
        )
    )]
    pub(crate) fn epoch(&self) -> &AtomicUsize {
        &self.epoch
    }

    /// A searcher's look at peer `peer`'s slot, with what it saw there on
    /// its previous pass in `seen` (rule 4).
    pub(crate) fn look(&self, peer: usize, seen: &mut SeenLifo) -> Look {
        let entry = self.entry.load(Ordering::Acquire);
        if entry.is_null() {
            seen.forget(peer);
            return Look::Nothing;
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        match seen.look(peer, entry as usize, epoch) {
            // Same entry, same poll as last pass: the owner is stuck.
            Sighting::Stale => {
                if self
                    .entry
                    .compare_exchange(entry, ptr::null_mut(), Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    seen.forget(peer);
                    // SAFETY: the CAS moved the slot's reference to us.
                    let task = unsafe { Notified::from_raw(NonNull::new_unchecked(entry)) };
                    return Look::Taken(task);
                }
                Look::Nothing
            }
            Sighting::Fresh => Look::Fresh,
        }
    }

    /// After the workers have exited: drops the slot's entry (rule 7).
    pub(crate) fn drain(&self) {
        let entry = self.entry.swap(ptr::null_mut(), Ordering::AcqRel);
        if let Some(entry) = NonNull::new(entry) {
            // SAFETY: the slot owned this entry's reference.
            drop(unsafe { Notified::from_raw(entry) });
        }
    }
}

/// Whether any of `slots` holds an entry: the look of a worker going to
/// sleep (rule 6). The caller has recorded itself as parked, with the
/// fence that pairs with the pusher's (`Idle::transition_worker_to_parked`).
pub(crate) fn any_entry<'a>(mut slots: impl Iterator<Item = &'a Slot>) -> bool {
    slots.any(|slot| !slot.entry.load(Ordering::Acquire).is_null())
}
