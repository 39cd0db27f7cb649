//! `Sleep`: a future that completes at a deadline.

use super::Instant;
use super::entry::{EntryState, TimerKey};
use crate::coop;
use crate::driver::Handle;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

/// Waits until `duration` has passed.
///
/// The sleep completes at the first driver turn at or after its deadline
/// rounded up to the next millisecond; see the [module docs](super).
///
/// # Panics
///
/// Outside a braid runtime: "must be called from the context of a braid
/// runtime".
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, Instant, sleep};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let start = Instant::now();
///     sleep(Duration::from_millis(100)).await;
///     assert!(start.elapsed() >= Duration::from_millis(100));
/// });
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let handle = Handle::current();
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Sleep::new(handle, deadline)
}

/// Waits until `deadline`.
///
/// # Panics
///
/// Outside a braid runtime.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, Instant, sleep_until};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let deadline = Instant::now() + Duration::from_secs(2);
///     sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Handle::current(), deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It enters the timer wheel on its first poll and leaves it when dropped,
/// so an unpolled or cancelled sleep costs the wheel nothing. Once the
/// runtime has shut down, polling a sleep that has not completed panics.
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, sleep};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let mut sleep = sleep(Duration::from_secs(1));
///     (&mut sleep).await;
///     assert!(sleep.is_elapsed());
/// });
/// ```
pub struct Sleep {
    handle: Handle,
    deadline: Instant,
    /// The wheel entry, from the first poll on.
    key: Option<TimerKey>,
}

impl Sleep {
    pub(crate) fn new(handle: Handle, deadline: Instant) -> Sleep {
        Sleep {
            handle,
            deadline,
            key: None,
        }
    }

    /// The instant the sleep completes at (before rounding).
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant, sleep_until};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let deadline = Instant::now() + Duration::from_secs(1);
    ///     assert_eq!(sleep_until(deadline).deadline(), deadline);
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the sleep is over: its timer has fired, or, for a sleep never
    /// polled (so not yet in the timer wheel), its deadline has passed on its
    /// runtime's clock. Either way the next poll completes at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, advance, sleep};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let mut sleep = sleep(Duration::from_millis(5));
    ///     assert!(!sleep.is_elapsed());
    ///     (&mut sleep).await;
    ///     assert!(sleep.is_elapsed());
    ///
    ///     let never_polled = braid::time::sleep(Duration::from_millis(5));
    ///     advance(Duration::from_millis(5)).await;
    ///     assert!(never_polled.is_elapsed());
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        let timers = self.handle.timers();
        match self.key {
            Some(key) => timers.state(key) == EntryState::Fired,
            None => timers.clock().has_passed(self.deadline.into_std()),
        }
    }

    /// Moves the deadline; the sleep becomes pending again if it had
    /// completed. A sleep waited on, moved to a deadline that has passed,
    /// completes at once: the task waiting on it is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::time::{Duration, Instant, sleep};
    ///
    /// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
    ///     let start = Instant::now();
    ///     let mut sleep = sleep(Duration::from_secs(1));
    ///     sleep.reset(start + Duration::from_secs(3));
    ///     (&mut sleep).await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(3));
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let Some(key) = self.key {
            let (_, interrupt) = self.handle.timers().reset(key, deadline.into_std());
            if interrupt {
                self.handle.unpark();
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        ready!(coop::poll_proceed(cx));
        let this = &mut *self;
        let state = match this.key {
            Some(key) => this.handle.timers().poll(key, cx.waker()),
            None => {
                let timers = this.handle.timers();
                let (key, state, interrupt) = timers.insert(this.deadline.into_std(), cx.waker());
                this.key = Some(key);
                if interrupt {
                    this.handle.unpark();
                }
                state
            }
        };
        match state {
            EntryState::Fired => Poll::Ready(()),
            EntryState::Pending => Poll::Pending,
            EntryState::Shutdown => {
                panic!(
                    "a braid sleep was polled after its runtime shut down; timers no longer fire"
                )
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.handle.timers().remove(key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}
