//! An idle runtime sleeps: its workers wait in the driver and on their
//! condvars instead of waking one another round and round.
//!
//! Checked through the process's CPU time over a stretch in which nothing
//! runs: a few wake-ups cost microseconds, a wake-up loop burns whole cores.
#![cfg(unix)]

use std::time::Duration;

/// CPU time (user and system) this process has used so far.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` fills the struct it is given; a zeroed `rusage`
    // is a valid value of it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// CPU time `rt` uses over half a second with nothing to do.
fn idle_cpu(rt: &braid::Runtime) -> Duration {
    rt.block_on(async { braid::spawn(async {}).await.unwrap() });
    // Let the workers fall asleep.
    std::thread::sleep(Duration::from_millis(100));
    let before = cpu_time();
    std::thread::sleep(Duration::from_millis(500));
    cpu_time() - before
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
        let used = idle_cpu(&rt.unwrap());
        // A tenth of the stretch on one core is far above what sleeping
        // workers use, and far below a loop of wake-ups.
        assert!(
            used < Duration::from_millis(50),
            "{name}: the idle runtime used {used:?} of CPU in 500 ms"
        );
    }
}
