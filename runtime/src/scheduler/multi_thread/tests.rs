//! The scheduler's shared state: where the tasks spawned from outside the
//! workers are freed (on a real worker thread), and the layout of the
//! fields that every poll reads.

use std::future::Future;
use std::time::{Duration, Instant};

use super::MultiThread;
use crate::blocking::BlockingPool;
use crate::scheduler::{Spawner, run_worker};
use crate::sync::{Arc, AtomicBool, Ordering};

/// A scheduler with one worker, running on a thread of its own.
fn one_worker() -> (Arc<MultiThread>, std::thread::JoinHandle<()>) {
    let blocking = BlockingPool::new(
        1,
        crate::thread_config::ThreadConfig::new("braid-test-blocking".into()),
        Duration::ZERO,
        None,
    );
    let (shared, mut cores) = MultiThread::new(1, None, blocking, None, Default::default());
    let worker = {
        let (shared, core) = (shared.clone(), cores.remove(0));
        std::thread::spawn(move || run_worker(shared, core))
    };
    (shared, worker)
}

/// Spawns `future` from this thread, which is no worker.
fn spawn_from_outside(
    shared: &Arc<MultiThread>,
    future: impl Future<Output = ()> + Send + 'static,
) {
    shared.spawn_detached(future, None, std::panic::Location::caller(), None);
}

/// Waits for `done`, failing with `what` rather than hanging.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn stop(shared: &MultiThread, worker: std::thread::JoinHandle<()>) {
    shared.signal_shutdown();
    worker.join().unwrap();
    shared.shutdown_tasks();
}

// Below, a dead task on the outside list holds a reference to `shared`,
// as the test, the worker and every live task do.

#[test]
#[cfg_attr(
    miri,
    ignore = "a real worker thread; crossbeam's epoch fails strict provenance"
)]
fn a_worker_going_to_sleep_frees_the_tasks_spawned_from_outside() {
    let (shared, worker) = one_worker();
    static RAN: AtomicBool = AtomicBool::new(false);
    // The first spawn from outside: no spawn's take comes after it.
    spawn_from_outside(&shared, async { RAN.store(true, Ordering::SeqCst) });
    wait_until(
        "the worker went to sleep with a dead task on the outside list",
        || RAN.load(Ordering::SeqCst) && Arc::strong_count(&shared) == 2,
    );
    stop(&shared, worker);
    assert_eq!(Arc::strong_count(&shared), 1);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a real worker thread; crossbeam's epoch fails strict provenance"
)]
fn a_busy_worker_frees_the_tasks_spawned_from_outside_at_its_maintenance() {
    let (shared, worker) = one_worker();
    static STOP: AtomicBool = AtomicBool::new(false);
    static RAN: AtomicBool = AtomicBool::new(false);
    // Keeps the worker from sleeping until told to stop.
    spawn_from_outside(&shared, async {
        while !STOP.load(Ordering::SeqCst) {
            crate::spawn::yield_now().await;
        }
    });
    spawn_from_outside(&shared, async { RAN.store(true, Ordering::SeqCst) });
    wait_until("a busy worker kept a dead task on the outside list", || {
        RAN.load(Ordering::SeqCst) && Arc::strong_count(&shared) == 3
    });
    STOP.store(true, Ordering::SeqCst);
    stop(&shared, worker);
    assert_eq!(Arc::strong_count(&shared), 1);
}

#[test]
fn the_idle_state_is_off_the_line_of_the_shutdown_flag() {
    // The idle state is written at every search and park; the flag is
    // read at every poll.
    let idle = std::mem::offset_of!(MultiThread, idle);
    let shutdown = std::mem::offset_of!(MultiThread, shutdown);
    assert!(
        idle.abs_diff(shutdown) >= 64,
        "the idle state shares a line with the shutdown flag"
    );
}
