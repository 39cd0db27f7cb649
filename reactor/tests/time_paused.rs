//! Timers under the paused clock: `advance` and auto-advance.

mod support;

use braid_reactor::driver::{Driver, block_on};
use braid_reactor::time::{Duration, Instant, Sleep, advance, sleep};
use futures::FutureExt;
use std::pin::Pin;
use std::task::{Context, Waker};
use support::Harness;

fn is_ready(sleep: &mut Sleep) -> bool {
    Pin::new(sleep)
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

#[test]
fn advance_completes_sleeps_in_deadline_order() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut sleeps: Vec<Sleep> = [30, 10, 20]
            .map(|ms| sleep(Duration::from_millis(ms)))
            .into();
        assert!(sleeps.iter_mut().all(|sleep| !is_ready(sleep)));
        advance(Duration::from_millis(10)).await;
        assert_eq!(
            sleeps.iter().map(Sleep::is_elapsed).collect::<Vec<_>>(),
            [false, true, false]
        );
        advance(Duration::from_millis(10)).await;
        assert_eq!(
            sleeps.iter().map(Sleep::is_elapsed).collect::<Vec<_>>(),
            [false, true, true]
        );
        advance(Duration::from_millis(10)).await;
        assert!(sleeps.iter_mut().all(is_ready));
    });
}

#[test]
fn a_sleep_never_completes_before_its_deadline() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut nap = sleep(Duration::from_millis(100));
        assert!(!is_ready(&mut nap));
        advance(Duration::from_millis(99)).await;
        assert!(!is_ready(&mut nap));
        advance(Duration::from_micros(999)).await;
        assert!(!is_ready(&mut nap), "completed 1 µs early");
        advance(Duration::from_micros(1)).await;
        assert!(is_ready(&mut nap));
    });
}

#[test]
fn sub_millisecond_deadlines_round_up() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut nap = sleep(Duration::from_micros(1500));
        assert!(!is_ready(&mut nap));
        advance(Duration::from_micros(1500)).await;
        // Due at the next whole millisecond, per the documented rule.
        assert!(!is_ready(&mut nap));
        advance(Duration::from_micros(500)).await;
        assert!(is_ready(&mut nap));
    });
}

#[test]
fn ten_thousand_random_sleeps_complete_exactly_when_due() {
    let harness = Harness::paused();
    harness.block_on(async {
        let start = Instant::now();
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut sleeps: Vec<(Duration, Sleep)> = (0..10_000)
            .map(|_| {
                let after = Duration::from_millis(1 + random() % 300_000);
                (after, sleep(after))
            })
            .collect();
        for (_, sleep) in &mut sleeps {
            assert!(!is_ready(sleep));
        }
        assert_eq!(harness.handle().timer_entry_count(), 10_000);
        let mut remaining = sleeps.len();
        while remaining > 0 {
            advance(Duration::from_millis(1 + random() % 20_000)).await;
            let now = Instant::now() - start;
            remaining = 0;
            for (after, sleep) in &sleeps {
                assert_eq!(
                    sleep.is_elapsed(),
                    *after <= now,
                    "sleep({after:?}) at {now:?}"
                );
                remaining += usize::from(!sleep.is_elapsed());
            }
            assert_eq!(harness.handle().timer_entry_count(), remaining);
        }
    });
}

#[test]
fn auto_advance_jumps_to_the_next_timer() {
    block_on(true, async {
        let start = Instant::now();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        sleep(Duration::from_millis(1)).await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(3600) + Duration::from_millis(1)
        );
    });
}

#[test]
fn auto_advance_never_jumps_past_the_timeout() {
    let mut driver = Driver::new(true).unwrap();
    let _guard = driver.handle().enter();
    let start = Instant::now();
    let mut nap = sleep(Duration::from_secs(10));
    assert!(!is_ready(&mut nap));
    driver.park(Some(Duration::from_secs(4)), &|| true);
    assert_eq!(start.elapsed(), Duration::from_secs(4));
    assert!(!is_ready(&mut nap));
    driver.park(None, &|| true);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert!(is_ready(&mut nap));
}

#[test]
fn auto_advance_waits_while_an_unpark_is_pending() {
    let mut driver = Driver::new(true).unwrap();
    let _guard = driver.handle().enter();
    let start = Instant::now();
    let mut nap = sleep(Duration::from_secs(10));
    assert!(!is_ready(&mut nap));
    driver.handle().unpark();
    driver.park(None, &|| true);
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "jumped although work was signalled"
    );
    driver.park(None, &|| true);
    assert!(is_ready(&mut nap));
}

#[test]
fn an_unpark_between_the_two_looks_stops_the_jump() {
    let mut driver = Driver::new(true).unwrap();
    let _guard = driver.handle().enter();
    let handle = driver.handle().clone();
    let start = Instant::now();
    let mut nap = sleep(Duration::from_secs(10));
    assert!(!is_ready(&mut nap));
    // The park asks as it begins, turns without blocking, and asks again
    // under the timer lock. Between the two, another thread queues work
    // for the parked one, unparks it and falls idle: the second look finds
    // everyone idle, but the unpark is pending.
    let looks = std::cell::Cell::new(0);
    driver.park(None, &|| {
        looks.set(looks.get() + 1);
        if looks.get() == 2 {
            handle.unpark();
        }
        true
    });
    assert_eq!(looks.get(), 2);
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "jumped past an unpark that arrived between the looks"
    );
    driver.park(None, &|| true);
    assert!(is_ready(&mut nap));
}

#[test]
fn without_auto_advance_the_paused_clock_stands_still() {
    let mut driver = Driver::new(true).unwrap();
    let _guard = driver.handle().enter();
    let start = Instant::now();
    let mut nap = sleep(Duration::from_millis(1));
    assert!(!is_ready(&mut nap));
    driver.park(Some(Duration::from_millis(5)), &|| false);
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert!(!is_ready(&mut nap));
}

#[test]
fn advance_moves_instant_now() {
    let harness = Harness::paused();
    harness.block_on(async {
        let start = Instant::now();
        advance(Duration::from_secs(7)).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(7));
    });
}

#[test]
#[should_panic(expected = "paused clock")]
fn advance_on_a_real_clock_panics() {
    let harness = Harness::new();
    harness.block_on(advance(Duration::from_secs(1)));
}

#[test]
#[should_panic(expected = "must be called from the context of a braid runtime")]
fn sleep_outside_a_runtime_panics() {
    drop(sleep(Duration::from_secs(1)));
}

#[test]
fn a_never_polled_sleep_past_its_deadline_is_elapsed() {
    let harness = Harness::paused();
    harness.block_on(async {
        let nap = sleep(Duration::from_millis(5));
        let long = sleep(Duration::from_secs(5));
        assert!(!nap.is_elapsed());
        advance(Duration::from_millis(5)).await;
        assert!(nap.is_elapsed(), "the deadline has passed");
        assert!(!long.is_elapsed());
        // Asking did not put them in the wheel.
        assert_eq!(harness.handle().timer_entry_count(), 0);
    });
}

#[test]
fn a_sleep_already_past_its_deadline_completes_at_once() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut nap = sleep(Duration::from_millis(5));
        advance(Duration::from_millis(10)).await;
        // First polled after the deadline: ready without another turn.
        assert!((&mut nap).now_or_never().is_some());
        assert_eq!(harness.handle().timer_entry_count(), 0);
    });
}

struct CountingWaker(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Moving a sleep that a task waits on to a deadline already past fires it
/// at once: the waiting task is woken, as by the deadline coming round.
/// Moving it to a later deadline wakes nobody.
#[test]
fn a_sleep_reset_into_the_past_wakes_its_waiter() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let harness = Harness::paused();
    harness.block_on(async {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let mut nap = sleep(Duration::from_secs(5));
        assert!(
            Pin::new(&mut nap)
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        nap.reset(Instant::now() + Duration::from_secs(10));
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);

        nap.reset(Instant::now());
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(nap.is_elapsed());
        assert!(is_ready(&mut nap));
        // Already fired: a second move into the past has nobody to wake.
        nap.reset(Instant::now());
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    });
}
