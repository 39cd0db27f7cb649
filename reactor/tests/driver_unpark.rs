//! `Handle::unpark` interrupts a park, and an early unpark is not lost.

mod support;

use braid_reactor::driver::{Driver, Handle};
use std::time::Duration;
use support::eventually;

#[test]
#[cfg_attr(miri, ignore)]
fn unpark_before_park_makes_the_next_park_return() {
    eventually(|| {
        let mut driver = Driver::new(false).unwrap();
        driver.handle().unpark();
        driver.handle().unpark();
        driver.park(None, &|| false);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn unpark_from_another_thread_interrupts_a_blocked_park() {
    eventually(|| {
        let mut driver = Driver::new(false).unwrap();
        let handle = driver.handle();
        let unparker = std::thread::spawn(move || {
            for _ in 0..100 {
                std::thread::sleep(Duration::from_millis(1));
                handle.unpark();
            }
        });
        // Each park returns only through an unpark (there is no I/O and no
        // timer); at least one of them must land while parked.
        for _ in 0..10 {
            driver.park(None, &|| false);
        }
        unparker.join().unwrap();
    });
}

#[test]
fn a_timed_park_returns_without_an_unpark() {
    support::eventually(|| {
        let mut driver = Driver::new(false).unwrap();
        driver.park(Some(Duration::from_millis(1)), &|| false);
        driver.park(Some(Duration::ZERO), &|| false);
    });
}

#[test]
fn enter_guards_nest_and_restore() {
    support::eventually(|| {
        let outer = Driver::new(false).unwrap();
        let inner = Driver::new(true).unwrap();
        assert!(Handle::try_current().is_none());
        let outer_guard = outer.handle().enter();
        {
            let _inner_guard = inner.handle().enter();
            // The inner driver's paused clock is the one `Instant` reads.
            let start = braid_reactor::time::Instant::now();
            std::thread::sleep(Duration::from_millis(2));
            assert_eq!(start.elapsed(), Duration::ZERO);
        }
        let start = braid_reactor::time::Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        assert!(
            start.elapsed() >= Duration::from_millis(2),
            "the outer, real clock is back"
        );
        drop(outer_guard);
        assert!(Handle::try_current().is_none());
    });
}

#[test]
fn handles_are_send_sync_and_drivers_send() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Handle>();
    send::<Driver>();
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_watchdog_fails_a_hang_and_passes_a_panic_through() {
    let hung = std::panic::catch_unwind(|| {
        support::within(Duration::from_millis(50), || {
            Driver::new(false).unwrap().park(None, &|| false)
        })
    });
    let message = *hung.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("did not finish within 50ms"), "{message}");
    let failed = std::panic::catch_unwind(|| eventually(|| panic!("the body's own message")));
    let message = *failed.unwrap_err().downcast::<&str>().unwrap();
    assert_eq!(message, "the body's own message");
}
