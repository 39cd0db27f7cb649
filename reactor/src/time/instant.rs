//! braid's `Instant`: reads the paused clock when the runtime's is paused.

use crate::driver::with_current;
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A moment in time, as the current runtime's clock sees it.
///
/// Like [`std::time::Instant`], except that [`Instant::now`] reads the
/// paused test clock when the current runtime was started paused, so code
/// that measures time sees the time `advance` moved to.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, Instant, advance};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let start = Instant::now();
///     advance(Duration::from_secs(5)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(5));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(std::time::Instant);

impl Instant {
    /// The current time: the paused clock's inside a paused runtime, the
    /// system's monotonic clock otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let earlier = braid::time::Instant::now();
    /// assert!(braid::time::Instant::now() >= earlier);
    /// ```
    pub fn now() -> Instant {
        with_current(|handle| match handle {
            Some(handle) if handle.timers().clock().is_paused() => {
                Instant(handle.timers().clock().now())
            }
            _ => Instant(std::time::Instant::now()),
        })
    }

    /// Wraps a `std` instant.
    ///
    /// # Examples
    ///
    /// ```
    /// let now = std::time::Instant::now();
    /// assert_eq!(braid::time::Instant::from_std(now).into_std(), now);
    /// ```
    pub fn from_std(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }

    /// The `std` instant.
    ///
    /// # Examples
    ///
    /// ```
    /// let now = braid::time::Instant::now();
    /// let _: std::time::Instant = now.into_std();
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant};
    ///
    /// let start = Instant::now();
    /// let later = start + Duration::from_secs(2);
    /// assert_eq!(later.duration_since(start), Duration::from_secs(2));
    /// assert_eq!(start.duration_since(later), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant};
    ///
    /// let start = Instant::now();
    /// let later = start + Duration::from_secs(1);
    /// assert_eq!(later.checked_duration_since(start), Some(Duration::from_secs(1)));
    /// assert_eq!(start.checked_duration_since(later), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_duration_since(earlier.0)
    }

    /// Time since `self` by [`Instant::now`], zero if `self` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant, advance};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let start = Instant::now();
    ///     advance(Duration::from_millis(250)).await;
    ///     assert_eq!(start.elapsed(), Duration::from_millis(250));
    /// });
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant};
    ///
    /// assert!(Instant::now().checked_add(Duration::from_secs(1)).is_some());
    /// assert!(Instant::now().checked_add(Duration::MAX).is_none());
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self - duration`, or `None` on overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant};
    ///
    /// assert!(Instant::now().checked_sub(Duration::MAX).is_none());
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }

    /// A deadline so far ahead that it stands for "never": about 30 years.
    pub(crate) fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(86_400 * 365 * 30)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.0
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// On overflow; see [`Instant::checked_add`].
    fn add(self, duration: Duration) -> Instant {
        Instant(self.0 + duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        self.0 += duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// On overflow; see [`Instant::checked_sub`].
    fn sub(self, duration: Duration) -> Instant {
        Instant(self.0 - duration)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        self.0 -= duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturating, like [`Instant::duration_since`].
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
