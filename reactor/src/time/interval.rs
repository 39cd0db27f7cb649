//! `Interval`: ticks at a fixed period.

use super::{Instant, Sleep, sleep_until};
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

/// Ticks every `period`; the first tick completes at once.
///
/// # Panics
///
/// If `period` is zero, or outside a braid runtime.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, Instant, interval};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let start = Instant::now();
///     let mut ticks = interval(Duration::from_millis(10));
///     assert_eq!(ticks.tick().await, start);
///     assert_eq!(ticks.tick().await, start + Duration::from_millis(10));
///     assert_eq!(ticks.tick().await, start + Duration::from_millis(20));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first time at `start`.
///
/// # Panics
///
/// If `period` is zero, or outside a braid runtime.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, Instant, interval_at};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let start = Instant::now() + Duration::from_secs(1);
///     let mut ticks = interval_at(start, Duration::from_secs(1));
///     assert_eq!(ticks.tick().await, start);
///     assert_eq!(Instant::now(), start);
/// });
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "interval period must be greater than zero"
    );
    Interval {
        sleep: sleep_until(start),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when a tick is missed: it fires more than
/// 5 ms after it was due, because `tick` was called late (the task was
/// busy) or its worker was held up. A tick less late than that counts as
/// on time, so that timer granularity alone never moves the schedule.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, MissedTickBehavior, interval};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let mut ticks = interval(Duration::from_secs(1));
///     assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
///     ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back, at once, until caught up; the
    /// schedule is kept (ticks at `start + n * period`). The default.
    #[default]
    Burst,
    /// Fire one tick now and restart the schedule: the next tick is one
    /// period after this late one, however late it was. Consecutive ticks
    /// are then a period apart or more (less the 5 ms a tick may be late
    /// on time).
    Delay,
    /// Fire one tick now and drop the missed ones: the next tick is the next
    /// one on the original schedule that is still ahead.
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick scheduled for `scheduled` that fired at
    /// `now`, more than [`MISSED_AFTER`] late. While it is less than a
    /// period late, `Burst` and `Skip` keep the next tick on schedule.
    fn next_after_miss(self, scheduled: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => after(scheduled, period),
            MissedTickBehavior::Delay => after(now, period),
            MissedTickBehavior::Skip => {
                let late = now.duration_since(scheduled).as_nanos();
                let behind = late % period.as_nanos();
                // `behind` is under `period`, so it fits a `Duration`.
                let behind = Duration::new(
                    (behind / 1_000_000_000) as u64,
                    (behind % 1_000_000_000) as u32,
                );
                after(now, period - behind)
            }
        }
    }
}

/// How late a tick may fire and still count as on time: a few timer ticks,
/// so that a tick fired at the end of its millisecond, or on the driver's
/// next turn, does not restart a `Delay` schedule.
const MISSED_AFTER: Duration = Duration::from_millis(5);

/// `instant + period`, or the far future that stands for "never" when that
/// overflows, as for a `sleep` that long: a huge period means the next tick
/// never comes, not a panic.
fn after(instant: Instant, period: Duration) -> Instant {
    instant
        .checked_add(period)
        .unwrap_or_else(Instant::far_future)
}

/// Ticks at a fixed period; made by [`interval`] and [`interval_at`].
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, interval};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let mut ticks = interval(Duration::from_secs(60));
///     for _ in 0..3 {
///         ticks.tick().await;
///     }
///     assert_eq!(ticks.period(), Duration::from_secs(60));
/// });
/// ```
pub struct Interval {
    /// Completes at the next tick's scheduled time.
    sleep: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the time it was scheduled for.
    ///
    /// Cancel safe: dropping the future before it completes loses no tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant, interval};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let mut ticks = interval(Duration::from_secs(1));
    ///     let first = ticks.tick().await;
    ///     assert_eq!(ticks.tick().await - first, Duration::from_secs(1));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; on `Pending` the task is woken at it.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, interval};
    /// use std::future::poll_fn;
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let mut ticks = interval(Duration::from_secs(1));
    ///     poll_fn(|cx| ticks.poll_tick(cx)).await;
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.sleep).poll(cx));
        let scheduled = self.sleep.deadline();
        let now = Instant::now();
        let on_schedule = after(scheduled, self.period);
        let next = if now > after(scheduled, MISSED_AFTER) {
            self.missed_tick_behavior
                .next_after_miss(scheduled, now, self.period)
        } else {
            on_schedule
        };
        self.sleep.reset(next);
        Poll::Ready(scheduled)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant, advance, interval};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let mut ticks = interval(Duration::from_secs(1));
    ///     ticks.tick().await;
    ///     advance(Duration::from_millis(500)).await;
    ///     ticks.reset();
    ///     let reset_at = Instant::now();
    ///     assert_eq!(ticks.tick().await, reset_at + Duration::from_secs(1));
    /// });
    /// ```
    pub fn reset(&mut self) {
        self.sleep.reset(after(Instant::now(), self.period));
    }

    /// The period.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, interval};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     assert_eq!(interval(Duration::from_secs(2)).period(), Duration::from_secs(2));
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, MissedTickBehavior, interval};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let ticks = interval(Duration::from_secs(2));
    ///     assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// });
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Chooses what happens to missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, MissedTickBehavior, interval};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let mut ticks = interval(Duration::from_secs(2));
    ///     ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ///     assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// });
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("next", &self.sleep.deadline())
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed_tick_behavior)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YEAR: Duration = Duration::from_secs(365 * 86_400);

    #[test]
    fn skip_keeps_the_schedule_for_periods_past_u64_nanoseconds() {
        // 600 years is more nanoseconds than a `u64` holds.
        let period = YEAR * 600;
        let scheduled = Instant::now();
        let now = scheduled + period + Duration::from_secs(1);
        let next = MissedTickBehavior::Skip.next_after_miss(scheduled, now, period);
        assert_eq!(next, scheduled + period * 2);
    }

    #[test]
    fn an_overflowing_next_tick_is_the_far_future() {
        let now = Instant::now();
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let next = behavior.next_after_miss(now, now, Duration::MAX);
            assert!(next >= now + YEAR * 29, "{behavior:?}");
        }
    }
}
