//! JoinHandle: detaching, finishing, reading the output.

mod support;

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

#[test]
fn dropping_the_join_handle_detaches_the_task() {
    for (name, rt) in support::flavours() {
        let (tx, rx) = std::sync::mpsc::channel();
        rt.block_on(async move {
            let handle = braid::spawn(async move {
                braid::yield_now().await;
                tx.send("still ran").unwrap();
            });
            drop(handle);
            // Keep the runtime busy until the detached task reports.
            for _ in 0..1000 {
                braid::yield_now().await;
            }
        });
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)).unwrap(),
            "still ran",
            "{name}"
        );
    }
}

#[test]
fn is_finished_turns_true_and_output_is_dropped_once_when_unread() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let token = drops.token();
        let handle = rt.spawn(async move { token });
        rt.block_on(async {
            while !handle.is_finished() {
                braid::yield_now().await;
            }
        });
        assert_eq!(drops.count(), 0, "{name}: output kept for the handle");
        drop(handle);
        assert_eq!(drops.count(), 1, "{name}: output dropped with the handle");
    }
}

#[test]
fn output_of_a_detached_task_is_dropped_by_the_task() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let token = drops.token();
        rt.block_on(async move {
            let (tx, rx) = std::sync::mpsc::channel();
            drop(braid::spawn(async move {
                tx.send(()).unwrap();
                token
            }));
            loop {
                if rx.try_recv().is_ok() {
                    break;
                }
                braid::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(drops.count(), 1, "{name}");
    }
}

#[test]
fn join_handle_is_send_and_awaitable_from_another_task() {
    for (name, rt) in support::flavours() {
        let out = rt.block_on(async {
            let inner = braid::spawn(async { 3 });
            braid::spawn(async move { inner.await.unwrap() * 2 })
                .await
                .unwrap()
        });
        assert_eq!(out, 6, "{name}");
    }
}

/// Awaits `task` as a joiner that is woken by its completion: the first
/// poll leaves the waker, then `release` lets the task finish, and the
/// handle is polled again only when that waker fires. (A join handle polled
/// for another reason in the few instructions between the task's
/// completion and its unlink may see the output while the task still
/// counts; the contract is about the woken joiner.)
async fn join_when_woken(task: braid::JoinHandle<u32>, release: &AtomicBool) -> u32 {
    let mut task = pin!(task);
    let mut first = true;
    poll_fn(|cx| {
        let polled = task.as_mut().poll(cx);
        if first {
            first = false;
            assert!(polled.is_pending(), "the task waits for its release");
            release.store(true, Ordering::SeqCst);
            return Poll::Pending;
        }
        polled
    })
    .await
    .unwrap()
}

/// A task that finishes with `value` once `release` is set.
async fn released_task(value: u32, release: Arc<AtomicBool>) -> u32 {
    while !release.load(Ordering::SeqCst) {
        braid::yield_now().await;
    }
    value
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_joined_task_no_longer_counts_as_alive() {
    // The task leaves the runtime's list of live tasks before its join
    // handle is woken: each join below is followed at once by a read of
    // the count, from the joining task and from outside.
    for (name, rt) in support::flavours() {
        let handle = rt.handle().clone();
        let seen_alive = rt.block_on(async move {
            let mut seen_alive = 0;
            for i in 0..2_000u32 {
                let release = Arc::new(AtomicBool::new(false));
                let task = braid::spawn(released_task(i, release.clone()));
                assert_eq!(join_when_woken(task, &release).await, i);
                // The block_on future is no task: nothing else is alive.
                seen_alive += handle.metrics().num_alive_tasks();
            }
            seen_alive
        });
        assert_eq!(seen_alive, 0, "{name}: joined tasks counted as alive");
        for i in 0..500u32 {
            let release = Arc::new(AtomicBool::new(false));
            let task = rt.spawn(released_task(i, release.clone()));
            assert_eq!(rt.block_on(join_when_woken(task, &release)), i);
            assert_eq!(
                rt.handle().metrics().num_alive_tasks(),
                0,
                "{name}: join {i}"
            );
        }
    }
}
