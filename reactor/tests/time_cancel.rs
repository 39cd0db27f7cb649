//! Cancelling a timer by dropping it removes its wheel entry.

mod support;

use braid_reactor::time::{Duration, Sleep, advance, sleep, timeout};
use std::future::pending;
use std::pin::Pin;
use std::task::{Context, Waker};
use support::Harness;

fn poll_once(sleep: &mut Sleep) {
    assert!(
        Pin::new(sleep)
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
    );
}

#[test]
fn a_sleep_enters_the_wheel_on_first_poll_and_leaves_on_drop() {
    let harness = Harness::paused();
    harness.block_on(async {
        let handle = harness.handle();
        let mut nap = sleep(Duration::from_secs(1));
        assert_eq!(
            handle.timer_entry_count(),
            0,
            "unpolled sleeps cost nothing"
        );
        assert!(!handle.has_timers());
        poll_once(&mut nap);
        assert_eq!(handle.timer_entry_count(), 1);
        assert!(handle.has_timers());
        drop(nap);
        assert_eq!(handle.timer_entry_count(), 0);
        assert!(!handle.has_timers());
    });
}

#[test]
fn dropping_many_sleeps_empties_the_wheel() {
    let harness = Harness::paused();
    harness.block_on(async {
        let handle = harness.handle();
        let mut sleeps: Vec<Sleep> = (1..=1000)
            .map(|i| sleep(Duration::from_millis(i * 37)))
            .collect();
        sleeps.iter_mut().for_each(poll_once);
        assert_eq!(handle.timer_entry_count(), 1000);
        // Drop every other one, then the rest in reverse.
        let mut index = 0;
        sleeps.retain(|_| {
            index += 1;
            index % 2 == 0
        });
        assert_eq!(handle.timer_entry_count(), 500);
        while sleeps.pop().is_some() {}
        assert_eq!(handle.timer_entry_count(), 0);
        // Nothing cancelled fires later.
        advance(Duration::from_secs(100)).await;
        assert_eq!(handle.timer_entry_count(), 0);
    });
}

#[test]
fn a_fired_sleep_is_no_longer_counted() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut nap = sleep(Duration::from_millis(3));
        poll_once(&mut nap);
        advance(Duration::from_millis(3)).await;
        assert!(nap.is_elapsed());
        assert_eq!(harness.handle().timer_entry_count(), 0);
    });
}

#[test]
fn a_reset_sleep_keeps_one_entry() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut nap = sleep(Duration::from_millis(3));
        poll_once(&mut nap);
        let later = nap.deadline() + Duration::from_secs(1);
        nap.reset(later);
        assert_eq!(harness.handle().timer_entry_count(), 1);
        advance(Duration::from_millis(3)).await;
        assert!(!nap.is_elapsed());
    });
}

#[test]
fn a_dropped_timeout_removes_its_timer() {
    let harness = Harness::paused();
    harness.block_on(async {
        let mut bounded = Box::pin(timeout(Duration::from_secs(5), pending::<()>()));
        assert!(
            bounded
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending()
        );
        assert_eq!(harness.handle().timer_entry_count(), 1);
        drop(bounded);
        assert_eq!(harness.handle().timer_entry_count(), 0);
    });
}
