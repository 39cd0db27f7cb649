//! The driver's timer state: the clock, the wheels, each behind its own
//! lock, and what a parked driver is waiting for.
//!
//! # One wheel per thread, as far as they go
//!
//! A thread inserts its timers into one wheel, the same each time (its
//! number is kept in the thread's `ThreadContext`, handed out in turn the
//! first time the thread inserts a timer, modulo the wheel count). So the
//! workers of a runtime, which set and cancel most timers, each use a wheel
//! that the others seldom touch, rather than all taking turns on one lock
//! and on the cache lines of one arena. A timer's key names its wheel, so
//! any thread may poll, move or cancel it there. A driver has a wheel per
//! hardware thread, at most 16; threads beyond that share them.
//!
//! # Rules
//!
//! 1. Any thread may insert, cancel or fire timers (`time::advance` fires
//!    from the caller's thread); wakers are collected under the locks and
//!    woken after they are released, each under the panic policy of
//!    `wake.rs`.
//! 2. An operation on one timer takes its wheel's lock only. Whatever looks
//!    at every wheel at once (the park's decision, the paused clock's
//!    jumps, `advance`) takes every wheel's lock, in wheel order, so two of
//!    them never wait on each other. Firing what is due and shutting down
//!    take the locks one at a time.
//! 3. When a new timer is earlier than the one a parked driver sleeps
//!    towards, the inserting side learns so (the `bool` results below) and
//!    unparks the driver, so that the new timer interrupts the poll. The
//!    park records its wake-up tick in `parked_until` while it holds every
//!    wheel's lock, and an insert reads it under its wheel's lock: either
//!    the park saw the new timer, or the insert sees the park.

use super::clock::Clock;
use super::entry::{EntryState, TimerKey};
use super::wheel::Wheel;
use crate::sync::{AtomicU64, Mutex, MutexGuard, Ordering, StdAtomicUsize};
use crate::wake::Site;
use crossbeam_utils::CachePadded;
use std::task::Waker;
use std::time::{Duration, Instant as StdInstant};

/// `parked_until` when no driver is blocked on the timers.
const NOT_PARKED: u64 = 0;

/// What [`Timers::prepare_park`] decided.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Park {
    /// Block in the poller for this long (`None`: until woken).
    Wait(Option<Duration>),
    /// The paused clock jumped to the next timer and fired it; do not block.
    Advanced,
}

#[derive(Debug)]
pub(crate) struct Timers {
    clock: Clock,
    /// Each on cache lines of its own (see the module docs).
    wheels: Box<[CachePadded<Mutex<Wheel>>]>,
    /// The tick a parked driver will wake at (`u64::MAX`: no timer), or
    /// `NOT_PARKED`. Written under every wheel's lock (rule 3).
    parked_until: AtomicU64,
    /// The next wheel number to hand to a thread.
    next_wheel: StdAtomicUsize,
}

/// Wakes fired timers; a panicking waker costs no other timer its wake
/// (see `wake.rs`).
fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    crate::wake::wake_all(wakers, Site::Timers);
}

/// How many wheels a driver has: one per hardware thread, at most 16.
/// Two under loom, so that the models cover timers in different wheels.
fn wheel_count() -> usize {
    if cfg!(loom) {
        2
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
    }
}

impl Timers {
    pub(crate) fn new(start_paused: bool) -> Timers {
        Timers::with_wheels(start_paused, wheel_count())
    }

    fn with_wheels(start_paused: bool, wheels: usize) -> Timers {
        Timers {
            clock: Clock::new(start_paused),
            wheels: (0..wheels.max(1))
                .map(|_| CachePadded::new(Mutex::new(Wheel::new())))
                .collect(),
            parked_until: AtomicU64::new(NOT_PARKED),
            next_wheel: StdAtomicUsize::new(0),
        }
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Pending timers.
    pub(crate) fn len(&self) -> usize {
        self.wheels.iter().map(|wheel| wheel.lock().len()).sum()
    }

    /// The wheel this thread inserts into.
    fn own_wheel(&self) -> usize {
        let number = crate::context::with(|cx| match cx {
            Some(cx) => {
                let mut number = cx.timer_wheel.get();
                if number == usize::MAX {
                    number = self
                        .next_wheel
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    cx.timer_wheel.set(number);
                }
                number
            }
            None => 0,
        });
        number % self.wheels.len()
    }

    fn wheel(&self, key: TimerKey) -> MutexGuard<'_, Wheel> {
        self.wheels[key.wheel()].lock()
    }

    /// Every wheel's lock, in wheel order (rule 2).
    fn lock_all(&self) -> Vec<MutexGuard<'_, Wheel>> {
        self.wheels.iter().map(|wheel| wheel.lock()).collect()
    }

    /// Whether a parked driver must wake for a timer at `tick`.
    fn interrupts_park(&self, state: EntryState, tick: u64) -> bool {
        state == EntryState::Pending && tick < self.parked_until.load(Ordering::Relaxed)
    }

    /// Adds a timer; the `bool` says the driver must be unparked.
    pub(crate) fn insert(
        &self,
        deadline: StdInstant,
        waker: &Waker,
    ) -> (TimerKey, EntryState, bool) {
        let tick = self.clock.due_tick(deadline);
        let index = self.own_wheel();
        let mut wheel = self.wheels[index].lock();
        let (key, state) = wheel.insert(tick, Some(waker.clone()));
        (
            key.in_wheel(index),
            state,
            self.interrupts_park(state, tick),
        )
    }

    /// Moves a timer; the `bool` says the driver must be unparked.
    pub(crate) fn reset(&self, key: TimerKey, deadline: StdInstant) -> (EntryState, bool) {
        let tick = self.clock.due_tick(deadline);
        let mut wheel = self.wheel(key);
        let (state, fired) = wheel.reset(key, tick);
        let interrupt = self.interrupts_park(state, tick);
        drop(wheel);
        // Woken outside the lock, as every firing is (rule 1).
        wake_all(fired);
        (state, interrupt)
    }

    pub(crate) fn poll(&self, key: TimerKey, waker: &Waker) -> EntryState {
        self.wheel(key).poll(key, waker)
    }

    pub(crate) fn state(&self, key: TimerKey) -> EntryState {
        self.wheel(key).state(key)
    }

    pub(crate) fn remove(&self, key: TimerKey) {
        self.wheel(key).remove(key);
    }

    /// Decides how long a park may block and records it for inserters.
    /// With a paused clock and `auto_advance`, jumps the clock to the next
    /// timer instead (never more than `timeout` ahead) and fires it.
    pub(crate) fn prepare_park(
        &self,
        timeout: Option<Duration>,
        auto_advance: &dyn Fn() -> bool,
    ) -> Park {
        let mut wheels = self.lock_all();
        let next = next_expiration(&wheels);
        if self.clock.is_paused() {
            if let (Some(next), true) = (next, next.is_some() && auto_advance()) {
                let mut wakers = Vec::new();
                self.auto_advance(&mut wheels, next, timeout, &mut wakers);
                drop(wheels);
                wake_all(wakers);
                return Park::Advanced;
            }
            // Real time does not move a paused clock: only the timeout
            // bounds the wait, and any new timer interrupts it.
            if timeout != Some(Duration::ZERO) {
                self.parked_until.store(u64::MAX, Ordering::Relaxed);
            }
            return Park::Wait(timeout);
        }
        let until_timer = next.map(|tick| self.clock.until_tick(tick));
        let wait = match (timeout, until_timer) {
            (Some(timeout), Some(until_timer)) => Some(timeout.min(until_timer)),
            (timeout, until_timer) => timeout.or(until_timer),
        };
        if wait != Some(Duration::ZERO) {
            self.parked_until
                .store(next.unwrap_or(u64::MAX), Ordering::Relaxed);
        }
        Park::Wait(wait)
    }

    /// The park is over; inserts no longer need to interrupt it.
    pub(crate) fn finish_park(&self) {
        self.parked_until.store(NOT_PARKED, Ordering::Relaxed);
    }

    /// Jumps the paused clock slot by slot (cascades fire nothing) until a
    /// timer fires, every wheel empties, or `limit` of paused time is used.
    fn auto_advance(
        &self,
        wheels: &mut [MutexGuard<'_, Wheel>],
        mut next: u64,
        limit: Option<Duration>,
        wakers: &mut Vec<Waker>,
    ) {
        let limit_at = limit.map(|limit| self.clock.since_base().saturating_add(limit));
        loop {
            let target = Duration::from_millis(next);
            if let Some(limit_at) = limit_at.filter(|&limit_at| target > limit_at) {
                self.clock.advance_to(limit_at);
                advance_all(wheels, self.clock.now_tick(), wakers);
                return;
            }
            self.clock.advance_to(target);
            if advance_all(wheels, next, wakers) > 0 {
                return;
            }
            match next_expiration(wheels) {
                Some(later) => next = later,
                None => return,
            }
        }
    }

    /// Fires every timer due by the clock's current time. `wakers` is the
    /// caller's buffer, empty before and after, so that a driver that fires
    /// timers on every turn does not allocate each time.
    pub(crate) fn fire_due(&self, wakers: &mut Vec<Waker>) {
        let now = self.clock.now_tick();
        for wheel in self.wheels.iter() {
            wheel.lock().advance_to(now, wakers);
        }
        wake_all(wakers.drain(..));
    }

    /// Moves the paused clock by `duration` and fires what is due.
    ///
    /// # Panics
    ///
    /// If the clock is not paused.
    pub(crate) fn advance(&self, duration: Duration) {
        let mut wakers = Vec::new();
        {
            let mut wheels = self.lock_all();
            assert!(
                self.clock.advance(duration),
                "time::advance needs a paused clock: build the runtime with start_paused(true)"
            );
            advance_all(&mut wheels, self.clock.now_tick(), &mut wakers);
        }
        wake_all(wakers);
    }

    /// Wakes every pending timer as shut down; later ones are refused.
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        for wheel in self.wheels.iter() {
            wheel.lock().shutdown(&mut wakers);
        }
        wake_all(wakers);
    }
}

/// The earliest slot any of the locked wheels waits for.
fn next_expiration(wheels: &[MutexGuard<'_, Wheel>]) -> Option<u64> {
    wheels
        .iter()
        .filter_map(|wheel| wheel.next_expiration())
        .min()
}

/// Advances every locked wheel to `now`; returns how many timers fired.
fn advance_all(wheels: &mut [MutexGuard<'_, Wheel>], now: u64, wakers: &mut Vec<Waker>) -> usize {
    wheels
        .iter_mut()
        .map(|wheel| wheel.advance_to(now, wakers))
        .sum()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    /// Inserts a timer due `after` from now on a new thread, which takes the
    /// next wheel number.
    fn insert_on_a_new_thread(timers: &std::sync::Arc<Timers>, after: Duration) -> TimerKey {
        let timers = timers.clone();
        std::thread::spawn(move || {
            let deadline = timers.clock().now() + after;
            timers.insert(deadline, Waker::noop()).0
        })
        .join()
        .unwrap()
    }

    /// Two wheels, each holding one timer set by a thread of its own, due
    /// after `first` and `second`.
    fn two_wheels(
        start_paused: bool,
        first: Duration,
        second: Duration,
    ) -> (std::sync::Arc<Timers>, TimerKey, TimerKey) {
        let timers = std::sync::Arc::new(Timers::with_wheels(start_paused, 2));
        let first = insert_on_a_new_thread(&timers, first);
        let second = insert_on_a_new_thread(&timers, second);
        assert_ne!(first.wheel(), second.wheel(), "one wheel per thread");
        (timers, first, second)
    }

    #[test]
    fn each_thread_inserts_into_a_wheel_of_its_own_and_any_thread_cancels() {
        let five = Duration::from_millis(5);
        let (timers, first, second) = two_wheels(true, five, five);
        // The same thread keeps its wheel.
        let deadline = timers.clock().now() + Duration::from_millis(9);
        let (mine, _, _) = timers.insert(deadline, Waker::noop());
        let (again, _, _) = timers.insert(deadline, Waker::noop());
        assert_eq!(mine.wheel(), again.wheel());
        assert_eq!(timers.len(), 4);
        // Cancelled from this thread, in the wheel the key names.
        timers.remove(first);
        assert_eq!(timers.len(), 3);
        assert_eq!(timers.state(second), EntryState::Pending);
        timers.advance(Duration::from_millis(5));
        assert_eq!(timers.state(second), EntryState::Fired);
        assert_eq!(timers.state(mine), EntryState::Pending);
        for key in [second, mine, again] {
            timers.remove(key);
        }
        assert_eq!(timers.len(), 0);
    }

    #[test]
    fn a_park_waits_for_the_earliest_timer_of_any_wheel() {
        let (timers, _later, _sooner) =
            two_wheels(false, Duration::from_secs(3600), Duration::from_secs(60));
        match timers.prepare_park(None, &|| false) {
            Park::Wait(Some(wait)) => assert!(wait <= Duration::from_secs(60), "{wait:?}"),
            other => panic!("expected a wait for the sooner timer, got {other:?}"),
        }
        timers.finish_park();
    }

    #[test]
    fn the_paused_clock_jumps_to_the_earliest_timer_of_any_wheel() {
        let (timers, later, sooner) =
            two_wheels(true, Duration::from_millis(700), Duration::from_millis(300));
        let start = timers.clock().now();
        assert_eq!(timers.prepare_park(None, &|| true), Park::Advanced);
        assert_eq!(timers.clock().now() - start, Duration::from_millis(300));
        assert_eq!(timers.state(sooner), EntryState::Fired);
        assert_eq!(timers.state(later), EntryState::Pending);
        assert_eq!(timers.prepare_park(None, &|| true), Park::Advanced);
        assert_eq!(timers.clock().now() - start, Duration::from_millis(700));
        assert_eq!(timers.state(later), EntryState::Fired);
    }

    #[test]
    fn shutdown_reaches_every_wheel() {
        let second = Duration::from_secs(1);
        let (timers, first, second) = two_wheels(true, second, second);
        timers.shutdown();
        assert_eq!(timers.state(first), EntryState::Shutdown);
        assert_eq!(timers.state(second), EntryState::Shutdown);
    }
}
