//! Aborting tasks that wait and tasks that run.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn abort_of_an_idle_task_drops_its_future_promptly() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let token = drops.token();
        let handle = rt.spawn(async move {
            let _token = token;
            std::future::pending::<()>().await;
        });
        let err = rt.block_on(async {
            braid::yield_now().await;
            handle.abort();
            handle.await.unwrap_err()
        });
        assert!(err.is_cancelled(), "{name}: {err:?}");
        assert_eq!(drops.count(), 1, "{name}: future dropped exactly once");
    }
}

#[test]
fn abort_of_a_running_task_takes_effect_at_its_next_yield() {
    for (name, rt) in support::flavours() {
        let started = Arc::new(AtomicBool::new(false));
        let past_yield = Arc::new(AtomicBool::new(false));
        let handle = rt.spawn({
            let started = started.clone();
            let past_yield = past_yield.clone();
            async move {
                started.store(true, Ordering::SeqCst);
                loop {
                    braid::yield_now().await;
                    past_yield.store(true, Ordering::SeqCst);
                }
            }
        });
        let abort = handle.abort_handle();
        let err = rt.block_on(async move {
            while !started.load(Ordering::SeqCst) {
                braid::yield_now().await;
            }
            abort.abort();
            handle.await.unwrap_err()
        });
        assert!(err.is_cancelled(), "{name}");
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
