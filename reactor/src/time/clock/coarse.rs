//! Linux's `CLOCK_MONOTONIC_COARSE`, the cheap lower bound of the real
//! clock that `Clock::has_passed` reads first (rules 1, 2 and 4 of the
//! `clock` module's docs).

use std::time::{Duration, Instant as StdInstant};

/// The window after the coarse time, in kernel ticks, for whose
/// deadlines `Clock::has_passed` reads the real clock too (rule 2 of
/// the `clock` module's docs).
const TICKS: u32 = 4;

/// Tries at a close pair of readings around the base (rule 4) before
/// the clock goes without a coarse bound.
const ATTEMPTS: u32 = 8;

/// Linux's `CLOCK_MONOTONIC_COARSE`, placed on std's `Instant`, which
/// std documents as `clock_gettime(CLOCK_MONOTONIC)` on Linux.
#[derive(Debug, Clone, Copy)]
pub(super) struct Coarse {
    /// `CLOCK_MONOTONIC`, read just after the clock's base `Instant`.
    /// As that read is no earlier than the base, a coarse reading `c`
    /// is at or after `base + (c - monotonic)`: `c - monotonic` (or
    /// zero, when `c` is the earlier) is a lower bound of the real
    /// time since the base as well (rule 1).
    monotonic: Duration,
    /// `TICKS` of the coarse clock's resolution.
    window: Duration,
}

impl Coarse {
    /// A clock's base `Instant` and the coarse clock placed on it
    /// (rule 4). `None` where the kernel offers no coarse clock, or
    /// one whose ticks are so long that it would seldom settle a
    /// deadline, or when no try brought the readings close enough.
    pub(super) fn with_base() -> Option<(StdInstant, Coarse)> {
        let resolution = resolution(libc::CLOCK_MONOTONIC_COARSE)?;
        if resolution.is_zero() || resolution > Duration::from_millis(100) {
            return None;
        }
        let (base, monotonic) = close_pair(
            resolution / 4,
            || read(libc::CLOCK_MONOTONIC),
            StdInstant::now,
        )?;
        let coarse = Coarse {
            monotonic,
            window: resolution * TICKS,
        };
        Some((base, coarse))
    }

    /// `Some(passed)` when the coarse time settles whether a deadline
    /// `offset` after the base has passed (rule 2), `None` when only
    /// the real clock can.
    pub(super) fn settles(&self, offset: Duration) -> Option<bool> {
        let since = read(libc::CLOCK_MONOTONIC_COARSE)?.saturating_sub(self.monotonic);
        if offset <= since {
            Some(true)
        } else if offset > since.saturating_add(self.window) {
            Some(false)
        } else {
            None
        }
    }
}

/// Reads `monotonic`, takes `instant`, and reads `monotonic` again,
/// until the two readings are at most `within` apart (at most
/// `ATTEMPTS` times): the instant and the later reading, which is no
/// earlier than the instant and at most `within` after it.
fn close_pair<I>(
    within: Duration,
    mut monotonic: impl FnMut() -> Option<Duration>,
    mut instant: impl FnMut() -> I,
) -> Option<(I, Duration)> {
    for _ in 0..ATTEMPTS {
        let before = monotonic()?;
        let taken = instant();
        let after = monotonic()?;
        if after.saturating_sub(before) <= within {
            return Some((taken, after));
        }
    }
    None
}

/// One reading of `clock`; `None` if the kernel refuses it.
fn read(clock: libc::clockid_t) -> Option<Duration> {
    query(libc::clock_gettime, clock)
}

/// The resolution of `clock`; `None` if the kernel refuses it.
fn resolution(clock: libc::clockid_t) -> Option<Duration> {
    query(libc::clock_getres, clock)
}

/// `clock_gettime` or `clock_getres`, with the `timespec` it writes as
/// a `Duration`.
fn query(
    call: unsafe extern "C" fn(libc::clockid_t, *mut libc::timespec) -> libc::c_int,
    clock: libc::clockid_t,
) -> Option<Duration> {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `call` is one of the two clock calls above, which write
    // one `timespec` through the pointer, and `time` is one, valid and
    // writable.
    if unsafe { call(clock, &mut time) } != 0 {
        return None;
    }
    let seconds = u64::try_from(time.tv_sec).ok()?;
    let nanos = u32::try_from(time.tv_nsec).ok()?;
    Some(Duration::new(seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rule 4: a pair of readings further apart than asked is taken
    /// again, and the instant comes with the later reading of its pair.
    #[test]
    fn the_base_is_placed_by_the_first_close_pair_of_readings() {
        let ms = Duration::from_millis;
        let mut readings = [ms(0), ms(10), ms(20), ms(21), ms(30), ms(30)].into_iter();
        let mut instants = 0..;
        let placed = close_pair(ms(1), || readings.next(), || instants.next());
        assert_eq!(placed, Some((Some(1), ms(21))));

        let mut apart = (0..).map(|step| ms(10 * step));
        assert_eq!(
            close_pair(ms(1), || apart.next(), || ()),
            None,
            "no pair came close",
        );
        let mut refused = [Some(ms(0)), None].into_iter().flatten();
        assert_eq!(close_pair(ms(1), || refused.next(), || ()), None);
    }
}
