//! The driver's timer state: the clock, the wheel behind a lock, and what a
//! parked driver is waiting for.
//!
//! Any thread may insert, cancel or fire timers (`time::advance` fires from
//! the caller's thread); wakers are collected under the lock and woken after
//! it is released, each under the panic policy of `wake.rs`. When a new timer is earlier than the one a parked driver
//! sleeps towards, the inserting side learns so (the `bool` results below)
//! and unparks the driver, so that the new timer interrupts the poll.

use super::clock::Clock;
use super::entry::{EntryState, TimerKey};
use super::wheel::Wheel;
use crate::sync::{AtomicU64, Mutex, Ordering};
use crate::wake::Site;
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
    wheel: Mutex<Wheel>,
    /// The tick a parked driver will wake at (`u64::MAX`: no timer), or
    /// `NOT_PARKED`. Written under the wheel lock so an insert either is
    /// seen by the park's computation or sees the park.
    parked_until: AtomicU64,
}

/// Wakes fired timers; a panicking waker costs no other timer its wake
/// (see `wake.rs`).
fn wake_all(wakers: Vec<Waker>) {
    crate::wake::wake_all(wakers, Site::Timers);
}

impl Timers {
    pub(crate) fn new(start_paused: bool) -> Timers {
        Timers {
            clock: Clock::new(start_paused),
            wheel: Mutex::new(Wheel::new()),
            parked_until: AtomicU64::new(NOT_PARKED),
        }
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Pending timers.
    pub(crate) fn len(&self) -> usize {
        self.wheel.lock().len()
    }

    /// The tick for `deadline`; `0` (due) once it has passed, so a timer
    /// polled after its deadline completes at once.
    fn tick_for(&self, deadline: StdInstant) -> u64 {
        if deadline <= self.clock.now() {
            0
        } else {
            self.clock.tick_for(deadline)
        }
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
        let tick = self.tick_for(deadline);
        let mut wheel = self.wheel.lock();
        let (key, state) = wheel.insert(tick, Some(waker.clone()));
        (key, state, self.interrupts_park(state, tick))
    }

    /// Moves a timer; the `bool` says the driver must be unparked.
    pub(crate) fn reset(&self, key: TimerKey, deadline: StdInstant) -> (EntryState, bool) {
        let tick = self.tick_for(deadline);
        let mut wheel = self.wheel.lock();
        let state = wheel.reset(key, tick);
        (state, self.interrupts_park(state, tick))
    }

    pub(crate) fn poll(&self, key: TimerKey, waker: &Waker) -> EntryState {
        self.wheel.lock().poll(key, waker)
    }

    pub(crate) fn state(&self, key: TimerKey) -> EntryState {
        self.wheel.lock().state(key)
    }

    pub(crate) fn remove(&self, key: TimerKey) {
        self.wheel.lock().remove(key);
    }

    /// Decides how long a park may block and records it for inserters.
    /// With a paused clock and `auto_advance`, jumps the clock to the next
    /// timer instead (never more than `timeout` ahead) and fires it.
    pub(crate) fn prepare_park(
        &self,
        timeout: Option<Duration>,
        auto_advance: &dyn Fn() -> bool,
    ) -> Park {
        let mut wheel = self.wheel.lock();
        let next = wheel.next_expiration();
        if self.clock.is_paused() {
            if let (Some(next), true) = (next, next.is_some() && auto_advance()) {
                let mut wakers = Vec::new();
                self.auto_advance(&mut wheel, next, timeout, &mut wakers);
                drop(wheel);
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
    /// timer fires, the wheel empties, or `limit` of paused time is used.
    fn auto_advance(
        &self,
        wheel: &mut Wheel,
        mut next: u64,
        limit: Option<Duration>,
        wakers: &mut Vec<Waker>,
    ) {
        let limit_at = limit.map(|limit| self.clock.since_base().saturating_add(limit));
        loop {
            let target = Duration::from_millis(next);
            if let Some(limit_at) = limit_at.filter(|&limit_at| target > limit_at) {
                self.clock.advance_to(limit_at);
                wheel.advance_to(self.clock.now_tick(), wakers);
                return;
            }
            self.clock.advance_to(target);
            if wheel.advance_to(next, wakers) > 0 {
                return;
            }
            match wheel.next_expiration() {
                Some(later) => next = later,
                None => return,
            }
        }
    }

    /// Fires every timer due by the clock's current time.
    pub(crate) fn fire_due(&self) {
        let mut wakers = Vec::new();
        {
            let mut wheel = self.wheel.lock();
            let now = self.clock.now_tick();
            wheel.advance_to(now, &mut wakers);
        }
        wake_all(wakers);
    }

    /// Moves the paused clock by `duration` and fires what is due.
    ///
    /// # Panics
    ///
    /// If the clock is not paused.
    pub(crate) fn advance(&self, duration: Duration) {
        let mut wakers = Vec::new();
        {
            let mut wheel = self.wheel.lock();
            assert!(
                self.clock.advance(duration),
                "time::advance needs a paused clock: build the runtime with start_paused(true)"
            );
            wheel.advance_to(self.clock.now_tick(), &mut wakers);
        }
        wake_all(wakers);
    }

    /// Wakes every pending timer as shut down; later ones are refused.
    pub(crate) fn shutdown(&self) {
        let mut wakers = Vec::new();
        self.wheel.lock().shutdown(&mut wakers);
        wake_all(wakers);
    }
}
