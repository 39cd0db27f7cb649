//! The driver's own buffers, and when a turn polls the OS.

use super::{Driver, FIRED_KEPT};
use crate::sync::Ordering;
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

/// Rule 5: with nothing but the waker registered, a non-blocking turn
/// leaves the OS alone, so an unpark stays pending; the next park that may
/// block polls, sees it and returns at once.
#[test]
fn a_non_blocking_turn_with_nothing_registered_skips_the_poll() {
    let mut driver = Driver::new(false).unwrap();
    driver.handle().unpark();
    driver.park(Some(Duration::ZERO), &|| false);
    assert!(
        driver.shared.notified.load(Ordering::Acquire),
        "the non-blocking turn polled the OS and took the unpark"
    );
    // Would block for good if the unpark had been lost.
    driver.park(None, &|| false);
    assert!(!driver.shared.notified.load(Ordering::Acquire));
}

/// Rule 5: a registered socket makes every turn poll, non-blocking ones
/// included; dropping the socket makes them skip again.
#[test]
fn a_non_blocking_turn_polls_while_a_socket_is_registered() {
    let mut driver = Driver::new(false).unwrap();
    let guard = driver.handle().enter();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let socket = crate::net::UdpSocket::from_std(socket).unwrap();
    driver.handle().unpark();
    driver.park(Some(Duration::ZERO), &|| false);
    assert!(!driver.shared.notified.load(Ordering::Acquire));
    // The new socket is writable: the turn dispatched that to it.
    assert!(driver.handle().io_ready_count() > 0);

    drop(socket);
    drop(guard);
    driver.handle().unpark();
    driver.park(Some(Duration::ZERO), &|| false);
    assert!(driver.shared.notified.load(Ordering::Acquire));
}

/// Rule 5: the signal pipe counts as a source: a turn must read it, or a
/// signal would wait for the next park that blocks.
#[test]
fn a_non_blocking_turn_polls_while_signals_are_watched() {
    let mut driver = Driver::new(false).unwrap();
    driver.handle().watch_signals().unwrap();
    driver.handle().unpark();
    driver.park(Some(Duration::ZERO), &|| false);
    assert!(!driver.shared.notified.load(Ordering::Acquire));
}
