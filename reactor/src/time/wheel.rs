//! The hierarchical timer wheel: 6 levels of 64 slots, 1 ms per tick.
//!
//! Level `l` slot `s` holds entries whose deadline, in ticks, has `s` in bits
//! `6l..6l+6` and agrees with `elapsed` above them; level 0 covers the next
//! 64 ms one tick per slot, level 1 the next 4 s at 64 ms per slot, up to
//! level 5 at about 12.4 days per slot (about 2.2 years in all; later
//! deadlines wait in the farthest slot and are placed again when it comes
//! round). An entry's level is the highest 6-bit group in which its
//! deadline differs from `elapsed`.
//!
//! Advancing to `now` repeatedly takes the earliest occupied slot whose
//! start is at or before `now`, moves `elapsed` to that start, fires the
//! entries whose deadline has come and re-places the others, which now
//! land on a lower level (the cascade). Insert and cancel are O(1): a
//! bitmap per level finds occupied slots, and each slot is a doubly linked
//! list of arena indices.

use super::entry::{Entries, EntryState, NIL, TimerKey};
use std::task::Waker;

const LEVELS: usize = 6;
const SLOT_BITS: usize = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const SLOT_MASK: u64 = SLOTS as u64 - 1;
/// How far ahead of `elapsed` an entry may be placed: 63 top-level slots,
/// so a distant entry never shares the current top-level slot.
const MAX_AHEAD: u64 = SLOT_MASK << (SLOT_BITS * (LEVELS - 1));

#[derive(Debug)]
struct Level {
    /// Bit `s` is set when slot `s` holds an entry.
    occupied: u64,
    heads: [u32; SLOTS],
}

/// The wheel: entries, their slots, and the time it has advanced to.
#[derive(Debug)]
pub(crate) struct Wheel {
    /// Ticks processed so far; only grows.
    elapsed: u64,
    levels: [Level; LEVELS],
    entries: Entries,
    /// Pending entries.
    len: usize,
    is_shutdown: bool,
}

fn slot_span(level: usize) -> u64 {
    1 << (SLOT_BITS * level)
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: std::array::from_fn(|_| Level {
                occupied: 0,
                heads: [NIL; SLOTS],
            }),
            entries: Entries::default(),
            len: 0,
            is_shutdown: false,
        }
    }

    /// Pending entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds a timer for `deadline`; one already due (at or before
    /// `elapsed`) is `Fired` at once and never linked.
    pub(crate) fn insert(&mut self, deadline: u64, waker: Option<Waker>) -> (TimerKey, EntryState) {
        let key = self.entries.alloc(deadline, waker);
        let state = self.schedule(key, deadline);
        (key, state)
    }

    /// Moves a timer to a new deadline, whatever its state. A pending timer
    /// moved to a deadline already due fires at once: its waker is returned,
    /// to be woken as the wheel's own firing would.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: u64) -> (EntryState, Option<Waker>) {
        let was_pending = self.unlink_if_pending(key);
        let state = self.schedule(key, deadline);
        let fired = if was_pending && state != EntryState::Pending {
            self.entries.node_mut(key).waker.take()
        } else {
            None
        };
        (state, fired)
    }

    /// Cancels a timer and frees its entry.
    pub(crate) fn remove(&mut self, key: TimerKey) {
        self.unlink_if_pending(key);
        self.entries.release(key);
    }

    /// The timer's state; a pending one stores `waker` to be woken when it
    /// fires.
    pub(crate) fn poll(&mut self, key: TimerKey, waker: &Waker) -> EntryState {
        let node = self.entries.node_mut(key);
        let state = node.state.expect("a keyed node has a state");
        if state == EntryState::Pending {
            match &node.waker {
                Some(stored) if stored.will_wake(waker) => {}
                _ => node.waker = Some(waker.clone()),
            }
        }
        state
    }

    /// The timer's state.
    pub(crate) fn state(&self, key: TimerKey) -> EntryState {
        self.entries
            .node(key)
            .state
            .expect("a keyed node has a state")
    }

    /// The start of the earliest occupied slot, in ticks: no entry fires
    /// before it, so a driver may sleep until then.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        self.next_slot().map(|(_, start)| start)
    }

    /// Processes every slot up to `now`, firing due entries (their wakers
    /// go to `wakers`) in deadline order. Returns how many fired.
    pub(crate) fn advance_to(&mut self, now: u64, wakers: &mut Vec<Waker>) -> usize {
        let mut fired = 0;
        while let Some((level, start)) = self.next_slot() {
            if start > now {
                break;
            }
            self.elapsed = self.elapsed.max(start);
            let slot = ((start >> (SLOT_BITS * level)) & SLOT_MASK) as usize;
            let state = &mut self.levels[level];
            state.occupied &= !(1 << slot);
            let mut index = Entries::take_list(&mut state.heads[slot]);
            while index != NIL {
                let next = self.entries.detach_next(index);
                let deadline = self.entries.at_mut(index).deadline;
                if deadline <= self.elapsed {
                    let node = self.entries.at_mut(index);
                    node.state = Some(EntryState::Fired);
                    wakers.extend(node.waker.take());
                    self.len -= 1;
                    fired += 1;
                } else {
                    self.link(index, deadline);
                }
                index = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
        fired
    }

    /// Unlinks every pending entry as `Shutdown` (wakers to `wakers`); later
    /// inserts are `Shutdown` at once.
    pub(crate) fn shutdown(&mut self, wakers: &mut Vec<Waker>) {
        self.is_shutdown = true;
        for level in &mut self.levels {
            for head in &mut level.heads {
                let mut index = Entries::take_list(head);
                while index != NIL {
                    let next = self.entries.detach_next(index);
                    let node = self.entries.at_mut(index);
                    node.state = Some(EntryState::Shutdown);
                    wakers.extend(node.waker.take());
                    index = next;
                }
            }
            level.occupied = 0;
        }
        self.len = 0;
    }

    fn schedule(&mut self, key: TimerKey, deadline: u64) -> EntryState {
        let state = if self.is_shutdown {
            EntryState::Shutdown
        } else if deadline <= self.elapsed {
            EntryState::Fired
        } else {
            self.link(Entries::index(key), deadline);
            self.len += 1;
            EntryState::Pending
        };
        let node = self.entries.node_mut(key);
        node.deadline = deadline;
        node.state = Some(state);
        state
    }

    /// Takes the timer out of its slot if it is pending; says whether it was.
    fn unlink_if_pending(&mut self, key: TimerKey) -> bool {
        let node = self.entries.node(key);
        let pending = node.state == Some(EntryState::Pending);
        if pending {
            let (level, slot) = (node.level, node.slot);
            let state = &mut self.levels[level];
            self.entries
                .unlink(&mut state.heads[slot], Entries::index(key));
            if state.heads[slot] == NIL {
                state.occupied &= !(1 << slot);
            }
            self.len -= 1;
        }
        pending
    }

    /// Links node `index` into the slot for `deadline` (`> elapsed`).
    fn link(&mut self, index: u32, deadline: u64) {
        let (level, slot) = self.placement(deadline);
        let node = self.entries.at_mut(index);
        node.level = level;
        node.slot = slot;
        let state = &mut self.levels[level];
        self.entries.push_front(&mut state.heads[slot], index);
        state.occupied |= 1 << slot;
    }

    fn placement(&self, deadline: u64) -> (usize, usize) {
        let at = deadline.min(self.elapsed.saturating_add(MAX_AHEAD));
        let differing = (self.elapsed ^ at) | SLOT_MASK;
        let highest_bit = 63 - differing.leading_zeros() as usize;
        let level = (highest_bit / SLOT_BITS).min(LEVELS - 1);
        let slot = ((at >> (SLOT_BITS * level)) & SLOT_MASK) as usize;
        (level, slot)
    }

    /// The earliest occupied slot over all levels, as (level, start tick).
    fn next_slot(&self) -> Option<(usize, u64)> {
        (0..LEVELS)
            .filter_map(|level| {
                let occupied = self.levels[level].occupied;
                if occupied == 0 {
                    return None;
                }
                let span = slot_span(level);
                let current = (self.elapsed >> (SLOT_BITS * level)) & SLOT_MASK;
                let ahead = u64::from(occupied.rotate_right(current as u32).trailing_zeros());
                Some((level, (self.elapsed & !(span - 1)) + ahead * span))
            })
            .min_by_key(|&(level, start)| (start, level))
    }
}

#[cfg(test)]
mod reference_tests;
#[cfg(test)]
mod tests;
