//! Dropping the runtime drops every task's future exactly once.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[test]
fn shutdown_drops_every_pending_future_exactly_once() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let n = 1000;
        rt.block_on(async {
            for i in 0..n {
                let token = drops.token();
                // A mix of tasks: waiting forever, queued but never run yet,
                // and spinning through the queues.
                match i % 3 {
                    0 => drop(braid::spawn(async move {
                        let _token = token;
                        std::future::pending::<()>().await
                    })),
                    1 => drop(braid::spawn(async move {
                        let _token = token;
                        loop {
                            braid::yield_now().await;
                        }
                    })),
                    _ => drop(braid::spawn(async move {
                        let _token = token;
                        braid::yield_now().await;
                        std::future::pending::<()>().await
                    })),
                }
            }
            braid::yield_now().await;
        });
        drop(rt);
        assert_eq!(
            drops.count(),
            n,
            "{name}: every future dropped exactly once"
        );
    }
}

#[test]
fn join_handles_of_shut_down_tasks_report_cancelled() {
    let rt = support::multi(2);
    let handle = rt.spawn(std::future::pending::<()>());
    drop(rt);
    let other = support::multi(1);
    let err = other.block_on(handle).unwrap_err();
    assert!(err.is_cancelled());
}

#[test]
fn spawning_after_shutdown_cancels_the_new_task() {
    let rt = support::multi(1);
    let handle = rt.handle().clone();
    drop(rt);
    let drops = support::DropCounter::default();
    let token = drops.token();
    let join = handle.spawn(async move {
        let _token = token;
    });
    assert_eq!(drops.count(), 1, "the future is dropped at once");
    let other = support::current();
    assert!(other.block_on(join).unwrap_err().is_cancelled());
}

#[test]
fn futures_dropped_at_shutdown_may_spawn_and_use_the_handle() {
    struct SpawnOnDrop;
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            // Shutdown enters the runtime, so this does not panic; the new
            // task is cancelled at once.
            drop(braid::spawn(async {}));
        }
    }
    for (name, rt) in support::flavours() {
        rt.spawn(async {
            let _guard = SpawnOnDrop;
            std::future::pending::<()>().await
        });
        rt.block_on(braid::yield_now());
        drop(rt);
        let _ = name;
    }
}

#[test]
fn drop_does_not_wait_for_a_running_blocking_call() {
    let rt = support::multi(1);
    let release = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    {
        let release = release.clone();
        drop(rt.handle().spawn_blocking(move || {
            started_tx.send(()).unwrap();
            while !release.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }));
    }
    started_rx.recv().unwrap();
    // Returns although the blocking call is still running.
    drop(rt);
    release.store(true, Ordering::SeqCst);
}

#[test]
fn queued_blocking_calls_are_cancelled_at_shutdown() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    {
        let release = release.clone();
        drop(rt.handle().spawn_blocking(move || {
            started_tx.send(()).unwrap();
            while !release.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }));
    }
    started_rx.recv().unwrap();
    let queued = rt.handle().spawn_blocking(|| "never runs");
    drop(rt);
    release.store(true, Ordering::SeqCst);
    let other = support::current();
    assert!(other.block_on(queued).unwrap_err().is_cancelled());
}
