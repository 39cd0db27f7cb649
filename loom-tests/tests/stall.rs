//! The stall detector's hand-offs (rule 7 of `runtime/src/scheduler/idle.rs`):
//! detectors on several idle workers see the same stalled poll, and exactly
//! one reports it; waking workers call at most one sleeper to the watcher's
//! role.
#![cfg(loom)]

use std::sync::Arc;

use braid::loom_harness::StallClaims;
use braid_loom_tests::check;
use loom::thread;

#[test]
fn one_report_per_stalled_poll_whoever_looks() {
    check("stall::one_report_per_poll", || {
        let watch = Arc::new(StallClaims::new(3));
        let detectors: Vec<_> = (0..2)
            .map(|_| {
                let watch = watch.clone();
                thread::spawn(move || usize::from(watch.claim(0, 7)))
            })
            .collect();
        let mine = usize::from(watch.claim(0, 7));
        let claims: usize = mine
            + detectors
                .into_iter()
                .map(|d| d.join().unwrap())
                .sum::<usize>();
        assert_eq!(claims, 1, "a stalled poll reported {claims} times");
        // The worker's next stalled poll is reported again, once.
        assert!(watch.claim(0, 9));
        assert!(!watch.claim(0, 9));
        // Another worker's polls are claimed apart.
        assert!(watch.claim(1, 7));
    });
}

#[test]
fn waking_workers_call_one_watcher() {
    check("stall::one_watcher_called", || {
        let watch = Arc::new(StallClaims::new(3));
        let waker = {
            let watch = watch.clone();
            thread::spawn(move || usize::from(watch.should_call_watcher()))
        };
        let mine = usize::from(watch.should_call_watcher());
        let calls = mine + waker.join().unwrap();
        assert_eq!(calls, 1, "{calls} sleepers called to watch");
        // The called sleeper takes the role; while it holds it, nobody is
        // called and nobody else takes it.
        assert!(watch.try_start_watching());
        assert!(!watch.try_start_watching());
        assert!(!watch.should_call_watcher());
        // Back from its timeout the role is free for the next to park.
        watch.stop_watching();
        assert!(watch.try_start_watching());
    });
}
