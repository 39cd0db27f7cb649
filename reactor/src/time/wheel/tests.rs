//! Unit tests of the wheel: ordering, cascades, cancel, reset, shutdown.

use super::*;
use crate::sync::{Mutex, StdArc as Arc};
use std::task::Wake;

/// Records the deadline of the entry it belongs to when woken.
struct Recorder {
    deadline: u64,
    log: Arc<Mutex<Vec<u64>>>,
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

fn insert_recorded(wheel: &mut Wheel, deadline: u64, log: &Arc<Mutex<Vec<u64>>>) -> TimerKey {
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
    let log = Arc::new(Mutex::new(Vec::new()));
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
    let log = Arc::new(Mutex::new(Vec::new()));
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
    let log = Arc::new(Mutex::new(Vec::new()));
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
    assert_eq!(wheel.reset(key, 500).0, EntryState::Pending);
    assert_eq!(fire(&mut wheel, 499), 0);
    assert_eq!(fire(&mut wheel, 500), 1);
    assert_eq!(wheel.reset(key, 600).0, EntryState::Pending);
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
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let key = insert_recorded(&mut wheel, 70, &log);
    let mut wakers = Vec::new();
    wheel.shutdown(&mut wakers);
    assert_eq!(wakers.len(), 1);
    assert_eq!(wheel.state(key), EntryState::Shutdown);
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.insert(80, None).1, EntryState::Shutdown);
}
