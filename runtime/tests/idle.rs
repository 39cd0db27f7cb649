//! An idle runtime sleeps: its workers wait in the driver and on their
//! condvars instead of waking one another round and round.
//!
//! Counted, not timed: over a stretch in which nothing runs, a sleeping
//! worker parks once and stays parked, where a loop of wake-ups parks and
//! wakes thousands of times (each wake-up is a park count more).
#![cfg(unix)]

use std::time::Duration;

/// Parks and polls of `rt`'s workers over half a second with nothing to do.
fn idle_counts(rt: &braid::Runtime) -> (u64, u64) {
    rt.block_on(async { braid::spawn(async {}).await.unwrap() });
    // Let the workers fall asleep.
    std::thread::sleep(Duration::from_millis(100));
    let metrics = rt.handle().metrics();
    let counts = || {
        (0..metrics.num_workers()).fold((0, 0), |(parks, polls), worker| {
            (
                parks + metrics.worker_park_count(worker),
                polls + metrics.worker_poll_count(worker),
            )
        })
    };
    let (parks_before, polls_before) = counts();
    std::thread::sleep(Duration::from_millis(500));
    let (parks_after, polls_after) = counts();
    (parks_after - parks_before, polls_after - polls_before)
}

#[test]
fn idle_workers_sleep() {
    for (name, rt) in [
        (
            "multi_thread(4)",
            braid::Builder::new_multi_thread().worker_threads(4).build(),
        ),
        (
            "multi_thread(4), paused clock",
            braid::Builder::new_multi_thread()
                .worker_threads(4)
                .start_paused(true)
                .build(),
        ),
    ] {
        let (parks, polls) = idle_counts(&rt.unwrap());
        assert_eq!(polls, 0, "{name}: a task ran on an idle runtime");
        // A straggler still falling asleep when the stretch began may park
        // once or twice more; a loop of wake-ups parks without end.
        assert!(
            parks < 50,
            "{name}: the idle workers parked {parks} times in 500 ms"
        );
    }
}
