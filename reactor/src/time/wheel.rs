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

    /// Moves a timer to a new deadline, whatever its state.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: u64) -> EntryState {
        self.unlink_if_pending(key);
        self.schedule(key, deadline)
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

    fn unlink_if_pending(&mut self, key: TimerKey) {
        let node = self.entries.node(key);
        if node.state == Some(EntryState::Pending) {
            let (level, slot) = (node.level, node.slot);
            let state = &mut self.levels[level];
            self.entries
                .unlink(&mut state.heads[slot], Entries::index(key));
            if state.heads[slot] == NIL {
                state.occupied &= !(1 << slot);
            }
            self.len -= 1;
        }
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
mod tests {
    use super::*;
    use crate::sync::StdArc as Arc;
    use std::task::Wake;

    /// Records the deadline of the entry it belongs to when woken.
    struct Recorder {
        deadline: u64,
        log: Arc<parking_lot::Mutex<Vec<u64>>>,
    }

    impl Wake for Recorder {
        fn wake(self: Arc<Self>) {
            self.log.lock().push(self.deadline);
        }
    }

    /// xorshift64: deterministic pseudo-random deadlines.
    fn random(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn insert_recorded(
        wheel: &mut Wheel,
        deadline: u64,
        log: &Arc<parking_lot::Mutex<Vec<u64>>>,
    ) -> TimerKey {
        let waker = Waker::from(Arc::new(Recorder {
            deadline,
            log: log.clone(),
        }));
        let (key, state) = wheel.insert(deadline, Some(waker));
        assert_eq!(state, EntryState::Pending);
        key
    }

    fn fire(wheel: &mut Wheel, now: u64) -> usize {
        let mut wakers = Vec::new();
        let fired = wheel.advance_to(now, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        fired
    }

    #[test]
    fn ten_thousand_random_deadlines_fire_in_order_and_never_early() {
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        // Spread over every level: up to ~2^33 ms.
        let deadlines: Vec<u64> = (0..10_000)
            .map(|i| 1 + random(&mut seed) % (1u64 << (3 + 3 * (i % 11))))
            .collect();
        for &deadline in &deadlines {
            insert_recorded(&mut wheel, deadline, &log);
        }
        assert_eq!(wheel.len(), 10_000);
        // Advance in uneven steps; after each, exactly the due ones fired.
        let mut now = 0;
        while wheel.len() > 0 {
            let before = log.lock().len();
            let shift = random(&mut seed) % 30;
            now += 1 + random(&mut seed) % (1 << shift);
            fire(&mut wheel, now);
            let log = log.lock();
            assert!(
                log[before..].iter().all(|&deadline| deadline <= now),
                "fired early"
            );
            let due = deadlines
                .iter()
                .filter(|&&deadline| deadline <= now)
                .count();
            assert_eq!(log.len(), due, "a due timer did not fire by {now}");
        }
        let log = log.lock();
        assert!(
            log.windows(2).all(|pair| pair[0] <= pair[1]),
            "fired out of order"
        );
    }

    #[test]
    fn entries_cascade_down_to_fire_on_their_exact_tick() {
        let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let far = 64 * 64 * 64 + 5 * 64 * 64 + 7 * 64 + 3;
        let key = insert_recorded(&mut wheel, far, &log);
        assert_eq!(wheel.entries.node(key).level, 3);
        // The next expiration is the level-3 slot start, before the deadline.
        let start = wheel.next_expiration().unwrap();
        assert!(start <= far);
        fire(&mut wheel, far - 1);
        assert!(log.lock().is_empty());
        assert_eq!(wheel.entries.node(key).level, 0, "cascaded to level 0");
        assert_eq!(wheel.next_expiration(), Some(far));
        fire(&mut wheel, far);
        assert_eq!(*log.lock(), [far]);
        assert_eq!(wheel.state(key), EntryState::Fired);
    }

    #[test]
    fn cancel_removes_the_entry() {
        let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let keys: Vec<TimerKey> = (1..=100)
            .map(|deadline| insert_recorded(&mut wheel, deadline * 1000, &log))
            .collect();
        assert_eq!(wheel.len(), 100);
        for key in keys.iter().step_by(2) {
            wheel.remove(*key);
        }
        assert_eq!(wheel.len(), 50);
        assert_eq!(fire(&mut wheel, 1_000_000), 50);
        assert_eq!(wheel.len(), 0);
        assert!(log.lock().iter().all(|deadline| deadline % 2000 == 0));
        assert_eq!(wheel.next_expiration(), None);
    }

    #[test]
    fn a_due_deadline_fires_at_insert() {
        let mut wheel = Wheel::new();
        fire(&mut wheel, 10);
        let (key, state) = wheel.insert(10, None);
        assert_eq!(state, EntryState::Fired);
        assert_eq!(wheel.len(), 0);
        wheel.remove(key);
    }

    #[test]
    fn reset_moves_a_pending_or_fired_entry() {
        let mut wheel = Wheel::new();
        let (key, _) = wheel.insert(5, None);
        assert_eq!(wheel.reset(key, 500), EntryState::Pending);
        assert_eq!(fire(&mut wheel, 499), 0);
        assert_eq!(fire(&mut wheel, 500), 1);
        assert_eq!(wheel.reset(key, 600), EntryState::Pending);
        assert_eq!(wheel.len(), 1);
        assert_eq!(fire(&mut wheel, 600), 1);
    }

    #[test]
    fn deadlines_beyond_the_wheel_span_wait_and_fire_on_time() {
        let mut wheel = Wheel::new();
        let far = 3 << 36;
        let (key, _) = wheel.insert(far, None);
        assert_eq!(fire(&mut wheel, far - 1), 0);
        assert_eq!(wheel.state(key), EntryState::Pending);
        assert_eq!(fire(&mut wheel, far), 1);
    }

    #[test]
    fn shutdown_wakes_pending_entries_and_refuses_new_ones() {
        let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let key = insert_recorded(&mut wheel, 70, &log);
        let mut wakers = Vec::new();
        wheel.shutdown(&mut wakers);
        assert_eq!(wakers.len(), 1);
        assert_eq!(wheel.state(key), EntryState::Shutdown);
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.insert(80, None).1, EntryState::Shutdown);
    }
}
