//! `advance`: moves the paused test clock.

use crate::driver::Handle;
use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

/// Moves the paused clock forward by `duration`, fires every timer that is
/// now due, then yields once so the tasks it woke can run.
///
/// Timers fire in deadline order, on the calling thread; a sleep whose
/// rounded deadline (see the [module docs](super)) is at or before the new
/// time completes.
///
/// The paused clock saturates a million years after the runtime started:
/// `advance(Duration::MAX)` moves it there and no further, and the clock
/// stays usable (`Instant::now` reads that time; a later sleep completes
/// when the runtime jumps the clock to it).
///
/// # Panics
///
/// Outside a braid runtime, or when the runtime's clock is not paused
/// (build it with `start_paused(true)`).
///
/// # Examples
///
/// ```
/// use braid::time::{Duration, Instant, advance};
///
/// braid::Builder::new_current_thread().start_paused(true).build().unwrap().block_on(async {
///     let start = Instant::now();
///     advance(Duration::from_secs(90)).await;
///     assert_eq!(Instant::now() - start, Duration::from_secs(90));
/// });
/// ```
pub async fn advance(duration: Duration) {
    let handle = Handle::current();
    handle.timers().advance(duration);
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}
