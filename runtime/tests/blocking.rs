//! spawn_blocking: its own threads, in parallel with async tasks.

mod support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

#[test]
fn spawn_blocking_runs_in_parallel_with_async_tasks() {
    for (name, rt) in support::flavours() {
        // The blocking call waits for an async task to run: if it ran on the
        // thread that runs tasks, this would deadlock.
        let out = rt.block_on(async {
            let (tx, rx) = std::sync::mpsc::channel();
            let blocking = braid::spawn_blocking(move || {
                rx.recv_timeout(Duration::from_secs(10)).unwrap() * 2
            });
            braid::spawn(async move { tx.send(21).unwrap() })
                .await
                .unwrap();
            blocking.await.unwrap()
        });
        assert_eq!(out, 42, "{name}");
    }
}

#[test]
fn blocking_calls_run_on_separate_threads_concurrently() {
    let rt = support::multi(1);
    let barrier = Arc::new(Barrier::new(4));
    rt.block_on(async {
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let barrier = barrier.clone();
                // Only passes if all four run at the same time.
                braid::spawn_blocking(move || barrier.wait())
            })
            .collect();
        for call in calls {
            call.await.unwrap();
        }
    });
    assert!(rt.handle().metrics().num_blocking_threads() >= 4);
}

#[test]
fn max_blocking_threads_caps_the_pool_and_queues_the_rest() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(2)
        .build()
        .unwrap();
    let out = rt.block_on(async {
        let calls: Vec<_> = (0..20)
            .map(|i| {
                braid::spawn_blocking(move || {
                    std::thread::sleep(Duration::from_millis(1));
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for call in calls {
            sum += call.await.unwrap();
        }
        sum
    });
    assert_eq!(out, (0..20).sum::<i32>());
    assert!(rt.handle().metrics().num_blocking_threads() <= 2);
}

#[test]
fn a_panicking_blocking_call_becomes_a_join_error() {
    let rt = support::multi(1);
    let err = rt.block_on(async {
        braid::spawn_blocking(|| panic!("blocking boom"))
            .await
            .unwrap_err()
    });
    assert!(err.is_panic());
}

#[test]
fn handle_current_works_on_blocking_threads() {
    let rt = support::multi(1);
    let out = rt.block_on(async {
        braid::spawn_blocking(|| {
            let handle = braid::Handle::current();
            handle.block_on(braid::spawn(async { 5 })).unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 5);
}

#[test]
fn shutdown_timeout_waits_for_running_blocking_calls() {
    let rt = support::multi(1);
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = finished.clone();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    drop(rt.handle().spawn_blocking(move || {
        started_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    }));
    started_rx.recv().unwrap();
    rt.shutdown_timeout(Duration::from_secs(10));
    assert!(finished.load(std::sync::atomic::Ordering::SeqCst));
}
