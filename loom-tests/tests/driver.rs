//! The I/O and timer driver handed between workers
//! (`runtime/src/scheduler/driver.rs`, `park.rs`), on the real driver of
//! `braid-reactor` with its scripted OS poller
//! (`reactor/src/driver/sys_scripted.rs`): readiness arrives when the model
//! says, and a poll with a timeout returns at once. A due timer that
//! nobody turns the driver for shows up as a deadlock of the thread
//! awaiting the task it wakes.
#![cfg(loom)]

use braid::loom_harness::MultiThread;
use braid_loom_tests::{block_on, check_bounded, check_long};
use braid_reactor::loom_harness::Socket;
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

/// Starts `workers` workers of a scheduler with a driver; with
/// `maintenance`, a maintenance pass (with its non-blocking driver turn)
/// every that many ticks instead of every 61.
fn start(workers: usize, maintenance: Option<u32>) -> (MultiThread, Vec<thread::JoinHandle<()>>) {
    let (pool, workers) = MultiThread::with_driver(workers);
    if let Some(ticks) = maintenance {
        pool.set_maintenance_interval(ticks);
    }
    // Each worker holds the driver's handle entered, as a runtime's
    // worker thread does (step 2 of the driver's docs): the current driver
    // is per thread, loom's threads included.
    let threads = workers
        .into_iter()
        .map(|worker| {
            let driver = pool.driver();
            thread::spawn(move || {
                let _entered = driver.enter();
                worker.run();
            })
        })
        .collect();
    (pool, threads)
}

fn stop(pool: MultiThread, threads: Vec<thread::JoinHandle<()>>) {
    pool.signal_shutdown();
    for thread in threads {
        thread.join().unwrap();
    }
    pool.shutdown_tasks();
    assert_eq!(pool.alive(), 0, "a task outlived shutdown");
}

#[test]
fn last_idle_worker_wakes_the_driver_for_a_timer() {
    // One task sleeps on the paused clock, which jumps to its timer only
    // once every worker is idle. The worker parked in the driver decided
    // while the other still ran the task (no jump, no timeout): the other,
    // the last to fall idle and finding the driver taken, must interrupt
    // it so that it decides again (`park.rs`). Else the timer never fires
    // (deadlock). The sleep finds the driver through its worker's current
    // handle (entered by `start`).
    //
    // Some executions run past loom's default of 1,000 branches: 20,000.
    // At bound 2 it caught a parker that took a notification with a store
    // (`take_notification` in `park.rs`): a worker erased the shutdown's
    // unpark and slept through it.
    check_long(
        "driver::last_idle_worker_wakes_the_driver",
        Some(2),
        Some(20_000),
        || {
            let (pool, threads) = start(2, None);
            let entered = pool.driver().enter();
            let sleeper = pool.spawn(async {
                braid_reactor::time::sleep(std::time::Duration::from_millis(1)).await;
            });
            block_on(sleeper).unwrap();
            stop(pool, threads);
            drop(entered);
        },
    );
}

/// A flag a task blocks its worker thread on: "blocking code in async".
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }

    fn wait(&self) {
        let mut open = self.0.0.lock().unwrap();
        while !*open {
            open = self.0.1.wait(open).unwrap();
        }
    }
}

#[test]
fn busy_worker_hands_over() {
    // Every tick is a maintenance tick: the worker that takes the busy
    // task turns the driver without blocking first, and may hold it while
    // the other worker falls idle, fails to take it and sleeps on its
    // condvar (rule 1 of `scheduler/driver.rs`). The busy task then blocks
    // its worker until the model's thread has seen the socket readable,
    // which only a turn of the driver dispatches: by the idle worker, once
    // it is handed the driver (rule 2). Neither worker was woken by a
    // producer, so no searcher hand-off (rule 3 of `idle.rs`) wakes the
    // sleeper instead. A hand-over lost leaves the driver unturned with one
    // worker blocked and the other asleep (deadlock).
    check_bounded("driver::busy_worker_hands_over", None, || {
        let (pool, threads) = start(2, Some(1));
        let socket = Socket::register(&pool.driver());
        let gate = Gate::default();
        let busy = {
            let gate = gate.clone();
            pool.spawn(async move { gate.wait() })
        };
        socket.arrive_readable();
        block_on(socket.readable()).expect("the driver shut down");
        gate.open();
        block_on(busy).unwrap();
        drop(socket);
        stop(pool, threads);
    });
}
