//! The collector on a hand-driven spawner: spawning, limit refills,
//! forgetting after a failure, cancelling on drop.

use super::*;
use crate::spawn::BoxedTask;
use crate::sync::{Arc, AtomicUsize, Mutex, Ordering};
use crate::{ChildTask, enter_spawner, gather, try_gather};
use std::future::Future;
use std::pin::Pin;
use std::task::Waker;

/// Queues spawned tasks; the test runs them by hand on its own thread.
struct Queue(Mutex<Vec<BoxedTask>>);

impl Default for Queue {
    fn default() -> Queue {
        Queue(Mutex::new(Vec::new()))
    }
}

impl Spawn for Queue {
    fn spawn(&self, task: ChildTask) {
        self.0.lock().push(Box::pin(task));
    }
}

impl Queue {
    /// Polls every queued task once; returns how many were still pending.
    fn run_once(&self) -> usize {
        let tasks: Vec<_> = std::mem::take(&mut *self.0.lock());
        let mut cx = Context::from_waker(Waker::noop());
        let mut pending = 0;
        for mut task in tasks {
            if task.as_mut().poll(&mut cx).is_pending() {
                pending += 1;
                self.0.lock().push(task);
            }
        }
        pending
    }
}

/// Counts its drops.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn drive<F: Future + Unpin>(queue: &Queue, mut future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..100 {
        if let Poll::Ready(output) = Pin::new(&mut future).poll(&mut cx) {
            return output;
        }
        queue.run_once();
    }
    panic!("the gather did not finish");
}

#[test]
fn gather_through_a_hand_driven_spawner() {
    let queue = StdArc::new(Queue::default());
    let _spawner = enter_spawner(queue.clone());
    let squares = drive(&queue, gather((0..5_u32).map(|n| async move { n * n })));
    assert_eq!(squares, [0, 1, 4, 9, 16]);
}

#[test]
fn limit_spawns_as_children_finish() {
    let queue = StdArc::new(Queue::default());
    let _spawner = enter_spawner(queue.clone());
    let mut cx = Context::from_waker(Waker::noop());
    let mut group = gather((0..5_u32).map(|n| async move { n })).limit(2);
    assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
    assert_eq!(queue.0.lock().len(), 2);
    assert_eq!(queue.run_once(), 0);
    assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
    assert_eq!(queue.0.lock().len(), 2);
    assert_eq!(drive(&queue, group), [0, 1, 2, 3, 4]);
}

#[test]
fn a_failure_forgets_the_unspawned_children() {
    let queue = StdArc::new(Queue::default());
    let _spawner = enter_spawner(queue.clone());
    let group = try_gather((0..4_u32).map(|n| async move { if n == 0 { Err(n) } else { Ok(n) } }));
    let result = drive(&queue, group.limit(1));
    assert_eq!(
        result,
        Err(crate::GatherError::Failed { index: 0, error: 0 })
    );
    assert!(queue.0.lock().is_empty());
}

#[test]
fn dropping_a_running_gather_cancels_its_children() {
    let queue = StdArc::new(Queue::default());
    let _spawner = enter_spawner(queue.clone());
    let mut cx = Context::from_waker(Waker::noop());
    let mut group = gather((0..3).map(|_| std::future::pending::<()>()));
    assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
    assert_eq!(queue.run_once(), 3);
    drop(group);
    assert_eq!(queue.run_once(), 0, "every child saw the cancellation");
}

#[test]
fn a_failure_forgets_the_unspawned_children_a_batch_per_poll() {
    let n = 3 * SPAWN_BATCH;
    let queue = StdArc::new(Queue::default());
    let _spawner = enter_spawner(queue.clone());
    let mut cx = Context::from_waker(Waker::noop());
    let drops = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..n)
        .map(|i| {
            let tracked = Tracked(drops.clone());
            async move {
                let _tracked = tracked;
                if i == 0 { Err(i) } else { Ok(i) }
            }
        })
        .collect();
    let mut group = try_gather(futures).limit(1);
    assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
    queue.run_once(); // the first child fails
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let mut polls = 0;
    let result = loop {
        polls += 1;
        let before = drops.load(Ordering::SeqCst);
        let polled = Pin::new(&mut group).poll(&mut cx);
        // Each poll drops at most one batch of the futures never spawned.
        assert!(drops.load(Ordering::SeqCst) - before <= SPAWN_BATCH);
        if let Poll::Ready(result) = polled {
            break result;
        }
    };
    assert_eq!(
        result,
        Err(crate::GatherError::Failed { index: 0, error: 0 })
    );
    assert_eq!(drops.load(Ordering::SeqCst), n, "every future dropped once");
    assert!(polls >= 3, "the forgetting took {polls} polls");
    assert!(queue.0.lock().is_empty(), "none of them was spawned");
}

#[test]
fn dropping_a_gather_between_two_batches_frees_its_group() {
    let n = SPAWN_BATCH + 1;
    let queue = StdArc::new(Queue::default());
    let _spawner = enter_spawner(queue.clone());
    let mut cx = Context::from_waker(Waker::noop());
    let drops = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..n)
        .map(|_| {
            let tracked = Tracked(drops.clone());
            async move { tracked }
        })
        .collect();
    let mut group = gather(futures);
    assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
    // The first batch finishes: its outputs wait in the group's slots.
    assert_eq!(queue.run_once(), 0);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(group);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        n,
        "the future never spawned and the outputs in the slots are dropped"
    );
}

/// A stand-in for a runtime's sleep as big as braid's (a deadline, the
/// driver's handle and the timer's key), ready at once.
struct SleepSized {
    _deadline: std::time::Instant,
    _driver: StdArc<()>,
    _key: Option<(u32, u64)>,
}

impl Future for SleepSized {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

/// Keeps the children it is handed, unrun.
#[derive(Default)]
struct Keep(Mutex<Vec<ChildTask>>);

impl Spawn for Keep {
    fn spawn(&self, task: ChildTask) {
        self.0.lock().push(task);
    }
}

#[test]
fn a_child_that_sleeps_with_a_drop_guard_is_spawned_without_a_box() {
    let kept = StdArc::new(Keep::default());
    let _spawner = enter_spawner(kept.clone());
    let guard = StdArc::new(());
    let children = (0..4_usize).map(|index| {
        let guard = guard.clone();
        async move {
            let _guard = guard;
            if index == 3 {
                return Err(index);
            }
            SleepSized {
                _deadline: std::time::Instant::now(),
                _driver: StdArc::new(()),
                _key: None,
            }
            .await;
            Ok(index as u64)
        }
    });
    let mut group = try_gather(children);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
    let inline: Vec<bool> = kept.0.lock().iter().map(ChildTask::is_inline).collect();
    assert_eq!(
        inline, [true; 4],
        "the gather wrapper and the child fit inline"
    );
}
