//! The driver's own buffers.

use super::{Driver, FIRED_KEPT};
use crate::time::{Duration, Instant, sleep_until};
use std::task::{Context, Waker};

/// A park that fires a burst of timers keeps room for `FIRED_KEPT`
/// wakers afterwards, not for the burst.
#[test]
fn a_burst_of_fired_timers_leaves_the_kept_room_only() {
    let mut driver = Driver::new(false).unwrap();
    let _guard = driver.handle().enter();
    let deadline = Instant::now() + Duration::from_millis(100);
    let mut sleeps: Vec<_> = (0..4 * FIRED_KEPT)
        .map(|_| Box::pin(sleep_until(deadline)))
        .collect();
    let mut cx = Context::from_waker(Waker::noop());
    let mut registered = 0;
    for sleep in &mut sleeps {
        registered += usize::from(sleep.as_mut().poll(&mut cx).is_pending());
    }
    assert!(
        registered > FIRED_KEPT,
        "the deadline passed while registering"
    );
    let left = deadline.checked_duration_since(Instant::now());
    std::thread::sleep(left.unwrap_or_default() + Duration::from_millis(5));
    driver.park(Some(Duration::ZERO), &|| false);
    for sleep in &mut sleeps {
        assert!(sleep.as_mut().poll(&mut cx).is_ready());
    }
    assert!(driver.fired.is_empty());
    assert!(driver.fired.capacity() <= FIRED_KEPT);
}
