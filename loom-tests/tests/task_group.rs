//! The task group (`gather/src/task_group*`): its segment list of slots,
//! the completion stack, the children waker on its token and the limit's
//! hand-over, through the public `TaskGroup` API with a spawner whose
//! children the model runs on its own threads. Under loom a segment holds
//! one slot, so a second spawn appends a segment while the first child
//! completes and a cancel walks the list.
#![cfg(loom)]

use std::future::Future;
use std::sync::atomic::{AtomicBool as StdAtomicBool, Ordering as StdOrdering};
use std::sync::{Arc as StdArc, Mutex as StdMutex};
use std::task::{Context, Wake, Waker};

use braid_gather::{BoxedTask, ChildTask, Spawn, SpawnerGuard, TaskGroup, enter_spawner};
use braid_loom_tests::{Drops, Tracked, check};
use loom::thread;

/// Keeps the spawned children for the model to run.
#[derive(Default)]
struct Children(StdMutex<Vec<BoxedTask>>);

impl Spawn for Children {
    fn spawn(&self, task: ChildTask) {
        self.0.lock().unwrap().push(Box::pin(task));
    }
}

impl Children {
    fn enter() -> (StdArc<Children>, SpawnerGuard) {
        let children = StdArc::new(Children::default());
        let guard = enter_spawner(children.clone());
        (children, guard)
    }

    /// The one child spawned since the last call.
    fn take_one(&self) -> BoxedTask {
        let mut queue = self.0.lock().unwrap();
        assert_eq!(queue.len(), 1);
        queue.pop().unwrap()
    }
}

/// Runs a child that is ready at once on its own modelled thread.
fn run_ready(mut child: BoxedTask) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let polled = child.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(polled.is_ready(), "a ready child completes in one poll");
    })
}

/// Polls `future` to completion, parking between polls unless it was woken
/// meanwhile, in which case it yields instead: a waker cell woken while it
/// is being registered wakes its registrar at once (rule 3 of
/// `waker_cell.rs`), which would otherwise be a spin loom cannot see past.
/// A wake that never comes still leaves the thread parked, which loom
/// reports as a deadlock.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark {
        thread: thread::Thread,
        woken: StdAtomicBool,
    }

    impl Wake for Unpark {
        fn wake(self: StdArc<Self>) {
            self.woken.store(true, StdOrdering::SeqCst);
            self.thread.unpark();
        }
    }

    let unpark = StdArc::new(Unpark {
        thread: thread::current(),
        woken: StdAtomicBool::new(false),
    });
    let waker = Waker::from(unpark.clone());
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) =
            future.as_mut().poll(&mut Context::from_waker(&waker))
        {
            return output;
        }
        if unpark.woken.swap(false, StdOrdering::SeqCst) {
            thread::yield_now();
        } else {
            thread::park();
        }
    }
}

/// A child that waits until the group cancels it.
async fn until_cancelled() -> Tracked<u32> {
    std::future::pending().await
}

#[test]
fn spawn_racing_completion_racing_cancel() {
    check("task_group::spawn_racing_completion_racing_cancel", || {
        let drops = Drops::new();
        let (children, _spawner) = Children::enter();
        let mut group = TaskGroup::new();
        let value = drops.track(0);
        group.spawn(async move { value });
        let first = run_ready(children.take_one());
        let canceller = {
            let token = group.token().clone();
            thread::spawn(move || token.cancel())
        };
        // Appends the second segment while the first child completes and
        // the cancel walks the segments to wake waiting children.
        group.spawn(until_cancelled());
        // Deadlock (a cancel that never reached the waiting child) fails
        // the model.
        let mut second = children.take_one();
        let waiter = thread::spawn(move || block_on(second.as_mut()));
        let mut outcomes = Vec::new();
        block_on(async {
            while let Some(outcome) = group.join_next().await {
                outcomes.push(outcome);
            }
        });
        for thread in [first, canceller, waiter] {
            thread.join().unwrap();
        }
        assert_eq!(outcomes.len(), 2);
        let cancelled = outcomes
            .iter()
            .filter(|outcome| outcome.as_ref().is_err_and(|e| e.is_cancelled()))
            .count();
        assert!(cancelled >= 1, "the waiting child was cancelled");
        drop(outcomes);
        drop(group);
        assert_eq!(drops.count(), 1, "the value dropped exactly once");
    });
}

#[test]
fn shutdown_racing_completion() {
    check("task_group::shutdown_racing_completion", || {
        let drops = Drops::new();
        let (children, _spawner) = Children::enter();
        let mut group = TaskGroup::new();
        let value = drops.track(0);
        group.spawn(async move { value });
        let first = run_ready(children.take_one());
        group.spawn(until_cancelled());
        let mut second = children.take_one();
        let waiter = thread::spawn(move || block_on(second.as_mut()));
        block_on(group.shutdown());
        assert!(group.is_empty());
        // Every child's future and value is gone when shutdown returns.
        assert_eq!(drops.count(), 1);
        first.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn limit_hand_over_racing_spawn() {
    check("task_group::limit_hand_over_racing_spawn", || {
        let drops = Drops::new();
        let (children, _spawner) = Children::enter();
        let mut group = TaskGroup::new().limit(1);
        let (zero, one) = (drops.track(0), drops.track(1));
        group.spawn(async move { zero });
        let first = run_ready(children.take_one());
        // Queued behind the limit, or started at once if the first child
        // gave its place back already; either way started exactly once.
        group.spawn(async move { one });
        first.join().unwrap();
        let mut second = children.take_one();
        let polled = second
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(polled.is_ready());
        let values = block_on(group.join_all());
        assert_eq!(values.iter().map(|v| v.value).collect::<Vec<_>>(), [0, 1]);
        drop(values);
        assert_eq!(drops.count(), 2);
    });
}

#[test]
fn join_all_woken_by_the_last_child() {
    check("task_group::join_all_racing_completions", || {
        let drops = Drops::new();
        let (children, _spawner) = Children::enter();
        let mut group = TaskGroup::new();
        let (zero, one) = (drops.track(0), drops.track(1));
        group.spawn(async move { zero });
        let first = run_ready(children.take_one());
        group.spawn(async move { one });
        let second = run_ready(children.take_one());
        // Only the last completion wakes `join_all` (rule 9 of
        // `slots.rs`): a lost or early wake deadlocks or loses a value.
        let values = block_on(group.join_all());
        assert_eq!(values.iter().map(|v| v.value).collect::<Vec<_>>(), [0, 1]);
        first.join().unwrap();
        second.join().unwrap();
        drop(values);
        assert_eq!(drops.count(), 2);
    });
}

#[test]
fn group_dropped_racing_completion() {
    check("task_group::dropped_racing_completion", || {
        let drops = Drops::new();
        let (children, _spawner) = Children::enter();
        let mut group = TaskGroup::new();
        let value = drops.track(0);
        group.spawn(async move { value });
        let first = run_ready(children.take_one());
        group.spawn(until_cancelled());
        let mut second = children.take_one();
        let waiter = thread::spawn(move || block_on(second.as_mut()));
        // The owner's count and the last child's race to zero (rule 10 of
        // `slots.rs`): the unjoined value is dropped exactly once, by one
        // of them or by the last reference.
        drop(group);
        first.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn abort_handle_dropped_racing_group_drop_and_completion() {
    check("task_group::abort_handle_racing_drop", || {
        let drops = Drops::new();
        let (children, _spawner) = Children::enter();
        let mut group = TaskGroup::new();
        let value = drops.track(0);
        let handle = group.spawn(async move { value });
        let child = run_ready(children.take_one());
        // The handle and the owner share one reference to the group (rule
        // 11 of `slots.rs`): whichever gives up its unit last lets it go,
        // while the child may still be completing; loom reports a leaked or
        // twice-dropped group.
        let aborter = thread::spawn(move || {
            handle.abort();
            drop(handle);
        });
        drop(group);
        child.join().unwrap();
        aborter.join().unwrap();
        assert_eq!(drops.count(), 1);
    });
}
