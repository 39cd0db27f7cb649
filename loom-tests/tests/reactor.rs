//! The reactor's readiness word, waiter slots and waiter list
//! (`reactor/src/driver/*`), the registration slab's generations, and the
//! timer wheels behind their locks.
#![cfg(loom)]

use std::future::poll_fn;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use braid_loom_tests::{CountingWaker, check};
use braid_reactor::loom_harness::{Io, Registrations, TimerWheel};
use loom::sync::Arc;
use loom::thread;

#[test]
fn readiness_racing_registration_wakes_the_reader() {
    check("reactor::readiness_racing_registration", || {
        let io = Io::new();
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.dispatch_readable())
        };
        // Deadlock (a lost wake-up) fails the model.
        let event = braid_loom_tests::block_on(poll_fn(|cx| io.poll_read(cx))).unwrap();
        driver.join().unwrap();
        let _ = event;
    });
}

#[test]
fn two_waiters_racing_one_event_are_both_woken() {
    check("reactor::two_waiters_one_event", || {
        let io = Io::new();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let io = io.clone();
                thread::spawn(move || {
                    // Deadlock (a waiter whose wake was lost) fails the model.
                    braid_loom_tests::block_on(io.wait_readable()).unwrap();
                })
            })
            .collect();
        io.dispatch_readable();
        for waiter in waiters {
            waiter.join().unwrap();
        }
    });
}

#[test]
fn a_waiter_dropped_racing_an_event_leaves_nothing_behind() {
    check("reactor::waiter_dropped_racing_event", || {
        let io = Io::new();
        let (counter, waker) = CountingWaker::new();
        let mut waiting = Box::pin(io.wait_readable());
        let polled = waiting.as_mut().poll(&mut Context::from_waker(&waker));
        assert!(polled.is_pending());
        drop(waker);
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.dispatch_readable())
        };
        drop(waiting);
        driver.join().unwrap();
        assert!(counter.wakes() <= 1);
        assert_eq!(io.waiter_count(), 0, "the dropped waiter's entry leaked");
        assert_eq!(
            std::sync::Arc::strong_count(&counter),
            1,
            "the dropped waiter's waker leaked"
        );
        // A later waiter still sees the event.
        let polled = Box::pin(io.wait_readable())
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(polled.is_ready());
    });
}

#[test]
fn clearing_racing_a_new_event_keeps_it() {
    check("reactor::clear_racing_event", || {
        let io = Io::new();
        io.dispatch_readable();
        let seen = braid_loom_tests::block_on(poll_fn(|cx| io.poll_read(cx))).unwrap();
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.dispatch_readable())
        };
        // The read would block: clear what was seen. The event racing in
        // must survive the clear or wake the next wait.
        io.clear(seen);
        braid_loom_tests::block_on(poll_fn(|cx| io.poll_read(cx))).unwrap();
        driver.join().unwrap();
    });
}

#[test]
fn a_stale_event_never_reaches_the_slot_reuser() {
    check("reactor::slab_generation", || {
        let registrations = Arc::new(Registrations::new());
        let (old, _old_io) = registrations.insert();
        let driver = {
            let registrations = registrations.clone();
            thread::spawn(move || registrations.dispatch_readable(old))
        };
        assert!(registrations.remove(old));
        let (new, new_io) = registrations.insert();
        assert_eq!(new & 0xFF_FFFF, old & 0xFF_FFFF, "the slot is reused");
        driver.join().unwrap();
        let polled = new_io.poll_read(&mut Context::from_waker(Waker::noop()));
        assert!(
            polled.is_pending(),
            "the old socket's event reached the new one"
        );
        assert!(registrations.remove(new));
        assert!(registrations.is_empty());
    });
}

#[test]
fn timer_cancel_racing_fire() {
    check("reactor::timer_cancel_racing_fire", || {
        let wheel = Arc::new(TimerWheel::new());
        let (counter, waker) = CountingWaker::new();
        let timer = wheel.insert(Duration::from_millis(1), &waker);
        drop(waker);
        let clock = {
            let wheel = wheel.clone();
            thread::spawn(move || wheel.advance(Duration::from_millis(1)))
        };
        wheel.remove(timer);
        clock.join().unwrap();
        assert!(wheel.is_empty(), "a cancelled timer's entry leaked");
        assert!(counter.wakes() <= 1);
        assert_no_waker_left(&counter);
    });
}

#[test]
fn timer_poll_racing_fire_is_woken() {
    check("reactor::timer_poll_racing_fire", || {
        let wheel = Arc::new(TimerWheel::new());
        let timer = wheel.insert(Duration::from_millis(1), Waker::noop());
        let clock = {
            let wheel = wheel.clone();
            thread::spawn(move || wheel.advance(Duration::from_millis(1)))
        };
        // Deadlock (a lost wake-up) fails the model.
        braid_loom_tests::block_on(poll_fn(|cx| {
            if wheel.poll(timer, cx.waker()) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        clock.join().unwrap();
        wheel.remove(timer);
        assert!(wheel.is_empty());
    });
}

#[test]
fn a_waiter_waiting_again_after_an_event_is_woken_by_the_next() {
    check("reactor::waiter_rearm_racing_event", || {
        let io = Io::new();
        let mut reads = Box::pin(io.wait_readable_twice());
        let polled = reads.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(polled.is_pending(), "no event yet: the waiter registers");
        // The first event takes the waiter's waker; the entry stays.
        io.dispatch_readable();
        // The second races the read loop clearing the first and waiting
        // again through the same, now waker-less, entry: it must re-arm it
        // before its re-check, or the second event wakes nobody (deadlock).
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.dispatch_readable())
        };
        braid_loom_tests::block_on(reads).unwrap();
        driver.join().unwrap();
        assert_eq!(io.waiter_count(), 0, "the finished waiter's entry leaked");
    });
}

#[test]
fn an_earlier_timer_interrupts_the_parked_driver() {
    // The driver parks towards a timer an hour away; another thread inserts
    // one due in a minute. Either the park's decision (under the wheel
    // lock) sees the new timer, or the insert sees the park and unparks
    // the driver, which then parks towards the new timer. A park left
    // waiting for the later deadline is a deadlock (the fake poller never
    // times out), as the timer would fire up to an hour late.
    check("reactor::earlier_timer_interrupts_park", || {
        a_sooner_timer_interrupts_the_park(false);
    });
}

#[test]
fn an_earlier_timer_in_another_wheel_interrupts_the_parked_driver() {
    // As above, with the two timers inserted by two threads, so into two
    // wheels (`reactor/src/time/timers.rs`, rule 3): the park decides
    // under every wheel's lock, and the insert reads the park under its
    // own wheel's lock. A park that looked at one wheel only would wait
    // for the later timer (a deadlock).
    check("reactor::earlier_timer_in_another_wheel", || {
        a_sooner_timer_interrupts_the_park(true);
    });
}

/// The two models above: a timer an hour away (set on another thread when
/// `later_elsewhere`), a driver parking until its wait is short, and a
/// timer a minute away set while it parks.
fn a_sooner_timer_interrupts_the_park(later_elsewhere: bool) {
    const SOON: Duration = Duration::from_secs(60);
    const WITHIN: Duration = Duration::from_secs(120);
    const LATER: Duration = Duration::from_secs(3600);
    let wheel = Arc::new(TimerWheel::with_real_clock());
    let later = if later_elsewhere {
        let wheel = wheel.clone();
        thread::spawn(move || wheel.insert(LATER, Waker::noop()))
            .join()
            .unwrap()
    } else {
        wheel.insert(LATER, Waker::noop())
    };
    let driver = {
        let wheel = wheel.clone();
        thread::spawn(move || while wheel.park_driver(WITHIN).is_none_or(|wait| wait > WITHIN) {})
    };
    let sooner = wheel.insert(SOON, Waker::noop());
    if later_elsewhere {
        assert_ne!(sooner.wheel(), later.wheel(), "one wheel per thread");
    }
    driver.join().unwrap();
    wheel.remove(sooner);
    wheel.remove(later);
    assert!(wheel.is_empty());
}

/// No clone of the waker behind `counter` is left anywhere.
fn assert_no_waker_left(counter: &std::sync::Arc<CountingWaker>) {
    assert_eq!(
        std::sync::Arc::strong_count(counter),
        1,
        "a waker clone leaked"
    );
}

#[test]
fn a_timer_cancelled_from_another_thread_racing_fire() {
    // A timer lives in the wheel of the thread that set it; another thread
    // cancels it there while the clock fires it, and a timer of that other
    // thread's own wheel fires meanwhile.
    check("reactor::cancel_from_another_wheel_racing_fire", || {
        let wheel = Arc::new(TimerWheel::new());
        let (counter, waker) = CountingWaker::new();
        let timer = wheel.insert(Duration::from_millis(1), &waker);
        let canceller = {
            let wheel = wheel.clone();
            let waker = waker.clone();
            thread::spawn(move || {
                let own = wheel.insert(Duration::ZERO, &waker);
                assert_ne!(own.wheel(), timer.wheel(), "one wheel per thread");
                wheel.remove(timer);
                own
            })
        };
        drop(waker);
        wheel.advance(Duration::from_millis(1));
        let own = canceller.join().unwrap();
        // The other thread's timer was due when set: fired at once, or by
        // the advance, whichever came first.
        assert!(wheel.poll(own, Waker::noop()), "a due timer did not fire");
        wheel.remove(own);
        assert!(wheel.is_empty(), "a cancelled timer's entry leaked");
        assert!(counter.wakes() <= 2, "a timer was woken twice");
        assert_no_waker_left(&counter);
    });
}
