//! Timers on the real clock: only "not early" and "eventually".

mod support;

use braid_reactor::time::{Duration, Instant, interval, sleep, timeout};
use std::future::pending;
use support::{Harness, eventually};

#[test]
#[cfg_attr(miri, ignore)]
fn a_real_sleep_is_never_early_and_eventually_completes() {
    eventually(|| {
        let harness = Harness::new();
        harness.block_on(async {
            for millis in [0, 1, 5, 20] {
                let wanted = Duration::from_millis(millis);
                let std_start = std::time::Instant::now();
                let start = Instant::now();
                sleep(wanted).await;
                assert!(std_start.elapsed() >= wanted, "sleep({wanted:?}) was early");
                assert!(start.elapsed() >= wanted);
            }
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_real_timeout_and_interval_are_never_early() {
    eventually(|| {
        let harness = Harness::new();
        harness.block_on(async {
            let start = std::time::Instant::now();
            assert!(
                timeout(Duration::from_millis(15), pending::<()>())
                    .await
                    .is_err()
            );
            assert!(start.elapsed() >= Duration::from_millis(15));

            let start = Instant::now();
            let mut ticks = interval(Duration::from_millis(5));
            for n in 0..4 {
                let scheduled = ticks.tick().await;
                assert!(Instant::now() >= scheduled);
                assert!(scheduled >= start + Duration::from_millis(5) * n);
            }
        });
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_earlier_timer_interrupts_a_parked_driver() {
    eventually(|| {
        let harness = Harness::new();
        let (release, released) = futures::channel::oneshot::channel::<()>();
        // The driver thread parks towards an hour-long timer...
        let long = harness.spawn(async move { timeout(Duration::from_secs(3600), released).await });
        std::thread::sleep(Duration::from_millis(20));
        // ...and must wake for a 10 ms one inserted from another thread.
        harness.block_on(async { sleep(Duration::from_millis(10)).await });
        release.send(()).unwrap();
        assert!(matches!(long.join().unwrap(), Ok(Ok(()))));
    });
}
