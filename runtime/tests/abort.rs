//! Aborting tasks that wait and tasks that run.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn abort_of_an_idle_task_drops_its_future_promptly() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let token = drops.token();
        let polled = Arc::new(AtomicBool::new(false));
        let handle = rt.spawn({
            let polled = polled.clone();
            async move {
                let _token = token;
                polled.store(true, Ordering::SeqCst);
                std::future::pending::<()>().await;
            }
        });
        rt.block_on(async {
            // Idle: polled once, now waiting on nothing.
            while !polled.load(Ordering::SeqCst) {
                braid::yield_now().await;
            }
            handle.abort();
            // Dropped by the runtime without anyone awaiting the handle.
            while drops.count() == 0 {
                braid::yield_now().await;
            }
        });
        assert_eq!(drops.count(), 1, "{name}: future dropped exactly once");
        let err = rt.block_on(handle).unwrap_err();
        assert!(err.is_cancelled(), "{name}: {err:?}");
    }
}

/// What a task saw of its own abort: whether the poll that was running at
/// the abort went on to its end, and whether the task got past its next
/// yield.
#[derive(Default)]
struct Seen {
    finished_the_poll: AtomicBool,
    past_the_next_yield: AtomicBool,
}

#[test]
fn a_task_aborting_itself_stops_at_its_next_yield() {
    for (name, rt) in support::flavours() {
        let seen = Arc::new(Seen::default());
        let (abort_tx, abort_rx) = std::sync::mpsc::channel::<braid::AbortHandle>();
        let handle = rt.spawn({
            let seen = seen.clone();
            async move {
                braid::yield_now().await;
                abort_rx.recv().unwrap().abort();
                // The abort does not cut the running poll short ...
                seen.finished_the_poll.store(true, Ordering::SeqCst);
                braid::yield_now().await;
                // ... but the task is never polled again.
                seen.past_the_next_yield.store(true, Ordering::SeqCst);
            }
        });
        abort_tx.send(handle.abort_handle()).unwrap();
        let err = rt.block_on(handle).unwrap_err();
        assert!(err.is_cancelled(), "{name}");
        assert!(seen.finished_the_poll.load(Ordering::SeqCst), "{name}");
        assert!(!seen.past_the_next_yield.load(Ordering::SeqCst), "{name}");
    }
}

#[test]
fn abort_from_another_thread_of_a_running_task_takes_effect_at_its_next_yield() {
    for workers in [1, 2] {
        let rt = support::multi(workers);
        let seen = Arc::new(Seen::default());
        let (running_tx, running_rx) = std::sync::mpsc::channel();
        let aborted = Arc::new(AtomicBool::new(false));
        let handle = rt.spawn({
            let (seen, aborted) = (seen.clone(), aborted.clone());
            async move {
                running_tx.send(()).unwrap();
                // Inside this poll until the abort has been made.
                while !aborted.load(Ordering::SeqCst) {
                    std::hint::spin_loop();
                }
                seen.finished_the_poll.store(true, Ordering::SeqCst);
                braid::yield_now().await;
                seen.past_the_next_yield.store(true, Ordering::SeqCst);
            }
        });
        running_rx.recv().unwrap();
        handle.abort();
        aborted.store(true, Ordering::SeqCst);
        let err = rt.block_on(handle).unwrap_err();
        assert!(err.is_cancelled(), "{workers} workers");
        assert!(seen.finished_the_poll.load(Ordering::SeqCst));
        assert!(!seen.past_the_next_yield.load(Ordering::SeqCst));
    }
}

#[test]
fn abort_after_completion_keeps_the_output() {
    for (name, rt) in support::flavours() {
        let out = rt.block_on(async {
            let handle = braid::spawn(async { 9 });
            while !handle.is_finished() {
                braid::yield_now().await;
            }
            handle.abort();
            handle.await
        });
        assert_eq!(out.unwrap(), 9, "{name}");
    }
}

#[test]
fn abort_handle_outlives_the_task() {
    let rt = support::multi(2);
    let abort = rt.block_on(async {
        let handle = braid::spawn(async {});
        let abort = handle.abort_handle();
        handle.await.unwrap();
        abort
    });
    assert!(abort.is_finished());
    abort.abort();
}
