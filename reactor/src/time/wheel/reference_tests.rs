//! The wheel against a reference model: random inserts, cancels, resets and
//! advances, with deadlines and advances aimed at every level boundary,
//! checked after every step against a plain map of pending deadlines.
//!
//! What must hold: an advance to `now` fires exactly the pending entries
//! whose deadline is at or before `now`, in deadline order, and no other;
//! every entry's state and the pending count match the model; and the next
//! expiration is after `now` and no later than the earliest pending
//! deadline (a driver that sleeps until then never sleeps past a timer).

use super::*;
use crate::sync::{Mutex, StdArc as Arc};
use std::collections::HashMap;
use std::task::Wake;

/// Records its entry's id when woken.
struct Recorder {
    id: u64,
    log: Arc<Mutex<Vec<u64>>>,
}

impl Wake for Recorder {
    fn wake(self: Arc<Self>) {
        self.log.lock().push(self.id);
    }
}

/// splitmix64: deterministic pseudo-random numbers from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Model {
    wheel: Wheel,
    /// Live entries: key, deadline, and whether the model has it pending.
    entries: HashMap<u64, (TimerKey, u64, bool)>,
    elapsed: u64,
    next_id: u64,
    log: Arc<Mutex<Vec<u64>>>,
}

impl Model {
    fn new() -> Model {
        Model {
            wheel: Wheel::new(),
            entries: HashMap::new(),
            elapsed: 0,
            next_id: 0,
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A tick `elapsed + d` where `d` is small, random at any level, or
    /// one tick either side of a boundary of a level's slots.
    fn interesting_tick(&self, rng: &mut Rng) -> u64 {
        let level = 1 + rng.below(LEVELS as u64) as usize;
        let span =
            slot_span(level.min(LEVELS - 1)) * if level == LEVELS { SLOTS as u64 } else { 1 };
        match rng.below(4) {
            0 => self.elapsed + rng.below(70),
            1 => self.elapsed + rng.below(1 << 36),
            2 => self.elapsed + span + rng.below(3) - 1,
            _ => {
                // The next boundary of that level's slots, as seen from
                // `elapsed`, give or take a tick.
                let boundary = (self.elapsed / span + 1) * span;
                boundary + rng.below(3) - 1
            }
        }
    }

    fn waker(&self, id: u64) -> Waker {
        Waker::from(Arc::new(Recorder {
            id,
            log: self.log.clone(),
        }))
    }

    fn pending_count(&self) -> usize {
        self.entries
            .values()
            .filter(|(_, _, pending)| *pending)
            .count()
    }

    fn insert(&mut self, deadline: u64) {
        let id = self.next_id;
        self.next_id += 1;
        let (key, state) = self.wheel.insert(deadline, Some(self.waker(id)));
        let pending = deadline > self.elapsed;
        let expected = if pending {
            EntryState::Pending
        } else {
            EntryState::Fired
        };
        assert_eq!(
            state, expected,
            "insert at {deadline}, elapsed {}",
            self.elapsed
        );
        self.entries.insert(id, (key, deadline, pending));
    }

    fn some_id(&self, rng: &mut Rng) -> Option<u64> {
        if self.entries.is_empty() {
            return None;
        }
        // Ids are never reused, so probing upwards from a random one finds a
        // live entry without sorting the map's keys.
        let start = rng.below(self.next_id);
        (start..self.next_id)
            .chain(0..start)
            .find(|id| self.entries.contains_key(id))
    }

    fn cancel(&mut self, id: u64) {
        let (key, _, _) = self.entries.remove(&id).unwrap();
        self.wheel.remove(key);
    }

    fn reset(&mut self, id: u64, deadline: u64) {
        let waker = self.waker(id);
        let entry = self.entries.get_mut(&id).unwrap();
        let was_pending = entry.2;
        let (state, fired) = self.wheel.reset(entry.0, deadline);
        entry.1 = deadline;
        entry.2 = deadline > self.elapsed;
        let expected = if entry.2 {
            EntryState::Pending
        } else {
            EntryState::Fired
        };
        assert_eq!(
            state, expected,
            "reset to {deadline}, elapsed {}",
            self.elapsed
        );
        // A pending entry moved into the past fires now, and only then.
        fired.into_iter().for_each(Waker::wake);
        let woken = std::mem::take(&mut *self.log.lock());
        let expected_woken = if was_pending && !entry.2 {
            vec![id]
        } else {
            vec![]
        };
        assert_eq!(woken, expected_woken, "reset to {deadline}");
        // A fired entry gave its waker away; as a sleep does after a reset,
        // poll again so the re-armed entry has one.
        assert_eq!(self.wheel.poll(entry.0, &waker), expected);
    }

    fn advance(&mut self, now: u64) {
        let mut due: Vec<(u64, u64)> = self
            .entries
            .iter()
            .filter(|(_, (_, deadline, pending))| *pending && *deadline <= now)
            .map(|(&id, &(_, deadline, _))| (deadline, id))
            .collect();
        due.sort_unstable();

        let mut wakers = Vec::new();
        let fired = self.wheel.advance_to(now, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        let woken = std::mem::take(&mut *self.log.lock());

        assert_eq!(fired, due.len(), "advance {} -> {now}", self.elapsed);
        let mut woken_sorted = woken.clone();
        woken_sorted.sort_unstable();
        let mut due_ids: Vec<u64> = due.iter().map(|&(_, id)| id).collect();
        due_ids.sort_unstable();
        assert_eq!(woken_sorted, due_ids, "advance {} -> {now}", self.elapsed);
        let deadlines: Vec<u64> = woken.iter().map(|id| self.entries[id].1).collect();
        assert!(
            deadlines.windows(2).all(|pair| pair[0] <= pair[1]),
            "fired out of deadline order: {deadlines:?}"
        );

        for (_, id) in due {
            self.entries.get_mut(&id).unwrap().2 = false;
        }
        self.elapsed = now;
    }

    /// Every entry's state, the count and the next expiration agree.
    fn check(&self) {
        assert_eq!(self.wheel.len(), self.pending_count());
        for (id, &(key, deadline, pending)) in &self.entries {
            let expected = if pending {
                EntryState::Pending
            } else {
                EntryState::Fired
            };
            assert_eq!(self.wheel.state(key), expected, "entry {id} at {deadline}");
        }
        let earliest = self
            .entries
            .values()
            .filter(|(_, _, pending)| *pending)
            .map(|&(_, deadline, _)| deadline)
            .min();
        match (self.wheel.next_expiration(), earliest) {
            (None, None) => {}
            (Some(next), Some(earliest)) => {
                assert!(
                    next > self.elapsed,
                    "next expiration {next} not after {}",
                    self.elapsed
                );
                assert!(
                    next <= earliest,
                    "next expiration {next} after the earliest deadline {earliest}"
                );
            }
            (next, earliest) => panic!("next expiration {next:?}, earliest pending {earliest:?}"),
        }
    }
}

fn run(seed: u64, steps: usize) {
    let mut rng = Rng(seed);
    let mut model = Model::new();
    for _ in 0..steps {
        match rng.below(20) {
            0..=7 => {
                let deadline = model.interesting_tick(&mut rng);
                model.insert(deadline);
            }
            8..=10 => {
                if let Some(id) = model.some_id(&mut rng) {
                    model.cancel(id);
                }
            }
            11..=13 => {
                if let Some(id) = model.some_id(&mut rng) {
                    let deadline = model.interesting_tick(&mut rng);
                    model.reset(id, deadline);
                }
            }
            _ => {
                // Advance to an interesting tick, or exactly to (or just
                // before) the earliest pending deadline.
                let earliest = model
                    .entries
                    .values()
                    .filter(|(_, _, pending)| *pending)
                    .map(|&(_, deadline, _)| deadline)
                    .min();
                let now = match (rng.below(3), earliest) {
                    (0, Some(earliest)) => earliest,
                    (1, Some(earliest)) => earliest - 1,
                    _ => model.interesting_tick(&mut rng),
                };
                model.advance(now.max(model.elapsed));
            }
        }
        model.check();
    }
}

#[test]
fn the_wheel_matches_a_reference_model_across_level_boundaries() {
    for seed in 0..200 {
        run(seed, 400);
    }
}

#[test]
fn long_runs_keep_matching_the_reference_model() {
    for seed in [7, 1_000_003, 0xDEAD_BEEF] {
        run(seed, 5_000);
    }
}
