//! The driver's clock: real time, or a paused test clock that moves only
//! when told to.

use crate::sync::Mutex;
use std::time::{Duration, Instant as StdInstant};

/// Time as the timers see it, in milliseconds ("ticks") since `base`.
#[derive(Debug)]
pub(crate) struct Clock {
    base: StdInstant,
    /// Time since `base` while paused; `None` for a real clock.
    paused: Option<Mutex<Duration>>,
}

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
        Clock {
            base: StdInstant::now(),
            paused: start_paused.then(|| Mutex::new(Duration::ZERO)),
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

    /// The tick of `deadline`, rounded up: at that tick the deadline has
    /// passed.
    pub(crate) fn tick_for(&self, deadline: StdInstant) -> u64 {
        ceil_millis(deadline.saturating_duration_since(self.base))
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
        assert_eq!(clock.tick_for(base + Duration::from_micros(1500)), 2);
        assert_eq!(clock.tick_for(base + Duration::from_millis(2)), 2);
        assert!(clock.advance(Duration::from_micros(1999)));
        assert_eq!(clock.now_tick(), 1);
        assert!(clock.advance(Duration::from_micros(1)));
        assert_eq!(clock.now_tick(), 2);
        assert_eq!(clock.until_tick(5), Duration::from_millis(3));
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
        assert!(clock.tick_for(later) > end_tick);
    }

    #[test]
    fn advance_to_never_goes_back() {
        let clock = Clock::new(true);
        clock.advance_to(Duration::from_millis(10));
        clock.advance_to(Duration::from_millis(4));
        assert_eq!(clock.now_tick(), 10);
    }
}
