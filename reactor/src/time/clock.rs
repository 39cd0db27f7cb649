//! The driver's clock: real time, or a paused test clock that moves only
//! when told to.
//!
//! # Whether a deadline has passed
//!
//! A timer being set asks whether its deadline has passed already, so that
//! a sleep first polled after its deadline completes on that poll (the
//! promise of `Sleep::is_elapsed`). Reading the real clock is a good part
//! of setting a timer (`Instant::now` reads the cycle counter: about 25 ns
//! on a virtual machine), so on Linux [`Clock::has_passed`] first reads the
//! coarse monotonic clock (about 5 ns: the time of the kernel's last tick,
//! with no cycle counter read). The rules:
//!
//! 1. The coarse time is never later than the real time (it is the real
//!    clock as of the kernel's last timekeeping update), and trails it by
//!    at most one kernel tick (its resolution) while the kernel keeps time.
//! 2. A deadline at or before the coarse time has passed. A deadline more
//!    than four kernel ticks after the coarse time has not.
//!    Only a deadline in between costs a read of the real clock.
//! 3. So the answer is the real clock's, unless the kernel's timekeeping
//!    stalls for longer than that: then a sleep due within the window
//!    registers as pending and completes at the driver's next turn, a
//!    tick late, instead of on its first poll.
//! 4. The coarse time is placed on std's `Instant` (`CLOCK_MONOTONIC` on
//!    Linux) through the clock's base: `CLOCK_MONOTONIC` is read just
//!    before and just after the base `Instant` is taken, and the later
//!    reading stands for the base. The three reads are taken again until
//!    the two readings are at most a quarter tick apart, so the placement
//!    errs early (rule 1 holds), by at most a quarter tick, which the
//!    window of rule 2 covers with the tick of rule 1.

use crate::sync::Mutex;
use std::time::{Duration, Instant as StdInstant};

/// Time as the timers see it, in milliseconds ("ticks") since `base`.
#[derive(Debug)]
pub(crate) struct Clock {
    base: StdInstant,
    /// Time since `base` while paused; `None` for a real clock.
    paused: Option<Mutex<Duration>>,
    /// The cheap lower bound of a real clock, where the platform has one.
    coarse: Option<Coarse>,
}

#[cfg(all(target_os = "linux", not(miri), not(loom)))]
mod coarse;

/// No coarse clock: elsewhere than Linux, and under Miri and loom, whose
/// runs read no clock but std's. Every check reads the real clock.
#[cfg(not(all(target_os = "linux", not(miri), not(loom))))]
mod coarse {
    use std::time::{Duration, Instant as StdInstant};

    #[derive(Debug, Clone, Copy)]
    pub(super) enum Coarse {}

    impl Coarse {
        pub(super) fn with_base() -> Option<(StdInstant, Coarse)> {
            None
        }

        pub(super) fn settles(&self, _offset: Duration) -> Option<bool> {
            match *self {}
        }
    }
}

use coarse::Coarse;

/// How far a paused clock can move from its start: a million years.
/// `advance` saturates here, so that the paused time, and any deadline a
/// program forms from it (a sleep of 30 years stands for "never"), is
/// still a valid `Instant` and a tick that fits the wheel's arithmetic.
/// At the end the clock stays put; timers set after it still fire when
/// the runtime jumps the clock to them (auto-advance), at that end time.
pub(crate) const MAX_PAUSED: Duration = Duration::from_secs(86_400 * 365 * 1_000_000);

/// Whole milliseconds in `duration`, rounded up, saturating.
fn ceil_millis(duration: Duration) -> u64 {
    let millis = duration.as_millis();
    let rounded = if Duration::from_millis(millis as u64) < duration {
        millis + 1
    } else {
        millis
    };
    u64::try_from(rounded).unwrap_or(u64::MAX)
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let placed = if start_paused {
            None
        } else {
            Coarse::with_base()
        };
        let (base, coarse) = match placed {
            Some((base, coarse)) => (base, Some(coarse)),
            None => (StdInstant::now(), None),
        };
        Clock {
            base,
            paused: start_paused.then(|| Mutex::new(Duration::ZERO)),
            coarse,
        }
    }

    /// Whether `deadline` is at or before [`now`](Clock::now), reading the
    /// real clock only when the coarse one cannot tell (module docs).
    pub(crate) fn has_passed(&self, deadline: StdInstant) -> bool {
        self.offset_has_passed(deadline.saturating_duration_since(self.base))
    }

    /// As [`has_passed`](Clock::has_passed), for the deadline `offset`
    /// after the base. A deadline before the base is at offset zero, and
    /// has passed: the base is.
    fn offset_has_passed(&self, offset: Duration) -> bool {
        match self.coarse.and_then(|coarse| coarse.settles(offset)) {
            Some(passed) => passed,
            None => offset <= self.since_base(),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    pub(crate) fn now(&self) -> StdInstant {
        match &self.paused {
            Some(offset) => self.base + *offset.lock(),
            None => StdInstant::now(),
        }
    }

    /// The current tick, rounded down: every deadline at or before it has
    /// passed.
    pub(crate) fn now_tick(&self) -> u64 {
        u64::try_from(self.since_base().as_millis()).unwrap_or(u64::MAX)
    }

    /// The tick at which a timer for `deadline` is due: `0` once the
    /// deadline has passed (as [`has_passed`](Clock::has_passed) decides),
    /// so that a timer set after its deadline fires at once; otherwise the
    /// deadline's tick, rounded up, at which it has passed.
    pub(crate) fn due_tick(&self, deadline: StdInstant) -> u64 {
        let offset = deadline.saturating_duration_since(self.base);
        if self.offset_has_passed(offset) {
            0
        } else {
            ceil_millis(offset)
        }
    }

    /// Real time left until `tick` begins.
    pub(crate) fn until_tick(&self, tick: u64) -> Duration {
        Duration::from_millis(tick).saturating_sub(self.since_base())
    }

    /// Moves a paused clock forward by `duration`, saturating at
    /// [`MAX_PAUSED`]; `false` if the clock is not paused.
    pub(crate) fn advance(&self, duration: Duration) -> bool {
        match &self.paused {
            Some(offset) => {
                let mut offset = offset.lock();
                *offset = offset.saturating_add(duration).min(MAX_PAUSED);
                true
            }
            None => false,
        }
    }

    /// Moves a paused clock forward to `since_base` after its start (at
    /// most [`MAX_PAUSED`]), unless it is already past it.
    pub(crate) fn advance_to(&self, since_base: Duration) {
        if let Some(offset) = &self.paused {
            let mut offset = offset.lock();
            *offset = (*offset).max(since_base.min(MAX_PAUSED));
        }
    }

    /// Time since the clock started.
    pub(crate) fn since_base(&self) -> Duration {
        self.now().saturating_duration_since(self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let clock = Clock::new(true);
        let base = clock.now();
        assert_eq!(clock.due_tick(base + Duration::from_micros(1500)), 2);
        assert_eq!(clock.due_tick(base + Duration::from_millis(2)), 2);
        assert!(clock.advance(Duration::from_micros(1999)));
        assert_eq!(clock.now_tick(), 1);
        assert!(clock.advance(Duration::from_micros(1)));
        assert_eq!(clock.now_tick(), 2);
        assert_eq!(clock.until_tick(5), Duration::from_millis(3));
    }

    #[test]
    fn a_deadline_that_has_passed_is_due_at_tick_zero() {
        let clock = Clock::new(true);
        let base = clock.now();
        let deadline = base + Duration::from_micros(1500);
        assert_eq!(clock.due_tick(deadline), 2);
        assert!(clock.advance(Duration::from_micros(1499)));
        assert_eq!(clock.due_tick(deadline), 2, "not yet passed");
        assert!(clock.advance(Duration::from_micros(1)));
        assert_eq!(clock.due_tick(deadline), 0, "passed at its instant");
        if let Some(before_base) = base.checked_sub(Duration::from_secs(1)) {
            assert_eq!(clock.due_tick(before_base), 0);
            assert!(clock.has_passed(before_base));
        }
    }

    /// Deadlines on both sides of now, inside the coarse clock's window
    /// and beyond it: `has_passed` says yes to each one that had passed
    /// before the call, and to none that had not passed by its end.
    #[test]
    fn has_passed_answers_as_the_real_clock_does() {
        let clock = Clock::new(false);
        for _ in 0..20 {
            let around = StdInstant::now();
            for micros in (0..=40_000).step_by(250) {
                let offset = Duration::from_micros(micros);
                let deadlines = [around.checked_sub(offset), around.checked_add(offset)];
                for deadline in deadlines.into_iter().flatten() {
                    let before = StdInstant::now();
                    let passed = clock.has_passed(deadline);
                    let after = StdInstant::now();
                    if deadline <= before {
                        assert!(passed, "a deadline {offset:?} from now had passed");
                    }
                    if passed {
                        assert!(
                            deadline <= after,
                            "a deadline {offset:?} from now had not passed"
                        );
                    }
                }
            }
            // The next round meets the coarse clock at another point of
            // the kernel's tick.
            std::thread::sleep(Duration::from_micros(700));
        }
    }

    /// The check above covers the coarse clock only where there is one.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(loom)))]
    fn a_real_clock_on_linux_has_a_coarse_bound_and_a_paused_one_does_not() {
        assert!(Clock::new(false).coarse.is_some());
        assert!(Clock::new(true).coarse.is_none());
    }

    #[test]
    fn a_real_clock_does_not_advance_by_hand() {
        let clock = Clock::new(false);
        assert!(!clock.is_paused());
        assert!(!clock.advance(Duration::from_secs(1)));
    }

    #[test]
    fn advance_saturates_at_the_end_of_the_paused_range() {
        let clock = Clock::new(true);
        let start = clock.now();
        assert!(clock.advance(Duration::MAX));
        assert_eq!(clock.now() - start, MAX_PAUSED);
        assert!(clock.advance(Duration::MAX));
        clock.advance_to(Duration::MAX);
        assert_eq!(clock.now() - start, MAX_PAUSED, "stays at the end");
        let end_tick = clock.now_tick();
        assert_eq!(u128::from(end_tick), MAX_PAUSED.as_millis());
        // Deadlines past the end still form and map to ticks.
        let later = clock.now() + Duration::from_secs(86_400 * 365 * 30);
        assert!(clock.due_tick(later) > end_tick);
    }

    #[test]
    fn advance_to_never_goes_back() {
        let clock = Clock::new(true);
        clock.advance_to(Duration::from_millis(10));
        clock.advance_to(Duration::from_millis(4));
        assert_eq!(clock.now_tick(), 10);
    }
}
