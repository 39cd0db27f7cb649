//! `TaskGroup::limit`: never more children running than the limit, the
//! waiting ones started in spawn order, even while nobody joins.

#[path = "support/braid_rt.rs"]
mod braid_rt;
#[path = "support/manual.rs"]
mod manual;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use braid_gather::TaskGroup;
use braid_rt::run;
use manual::{Tasks, poll_noop, poll_task};
use std::task::Poll;

/// Counts the children running now and the most ever at once.
#[derive(Default)]
struct HighWater {
    running: AtomicUsize,
    most: AtomicUsize,
}

/// Holds its place in `HighWater::running` while alive.
struct Running(Arc<HighWater>);

impl Running {
    fn enter(counts: &Arc<HighWater>) -> Running {
        let now = counts.running.fetch_add(1, Ordering::SeqCst) + 1;
        counts.most.fetch_max(now, Ordering::SeqCst);
        Running(counts.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn the_limit_is_never_exceeded() {
    const LIMIT: usize = 3;
    const N: usize = 200;
    let counts = Arc::new(HighWater::default());
    let starts = Arc::new(Mutex::new(Vec::new()));
    let values = run(async {
        let mut group = TaskGroup::new().limit(LIMIT);
        for i in 0..N {
            let (counts, starts) = (counts.clone(), starts.clone());
            group.spawn(async move {
                let _running = Running::enter(&counts);
                starts.lock().unwrap().push(i);
                for _ in 0..(i % 4) {
                    braid::yield_now().await;
                }
                i
            });
        }
        group.join_all().await
    });
    assert_eq!(values, (0..N).collect::<Vec<_>>());
    let most = counts.most.load(Ordering::SeqCst);
    assert!((1..=LIMIT).contains(&most), "high-water mark {most}");
    assert_eq!(counts.running.load(Ordering::SeqCst), 0);
    assert_eq!(starts.lock().unwrap().len(), N);
}

#[test]
fn waiting_children_are_handed_to_the_runtime_in_spawn_order() {
    // On the hand-driven spawner, which sees each hand-over: the first
    // LIMIT at once, then one per finished child, in spawn order.
    const LIMIT: usize = 3;
    const N: usize = 12;
    let (tasks, _spawner) = Tasks::enter();
    let starts = Arc::new(Mutex::new(Vec::new()));
    let mut group = TaskGroup::new().limit(LIMIT);
    for i in 0..N {
        let starts = starts.clone();
        group.spawn(async move {
            starts.lock().unwrap().push(i);
            i
        });
    }
    assert_eq!(tasks.len(), LIMIT, "the others wait unstarted");
    // The queue is polled in hand-over order, so the starts record it.
    loop {
        let batch = tasks.take();
        if batch.is_empty() {
            break;
        }
        for mut task in batch {
            assert!(poll_task(&mut task));
            assert!(tasks.len() <= LIMIT, "a finished child hands over one");
        }
    }
    assert_eq!(*starts.lock().unwrap(), (0..N).collect::<Vec<_>>());
    let all = poll_noop(&mut Box::pin(group.join_all()));
    assert_eq!(all, Poll::Ready((0..N).collect()));
}

#[test]
fn waiting_children_start_while_nobody_joins() {
    let finished = Arc::new(AtomicUsize::new(0));
    run(async {
        let mut group = TaskGroup::new().limit(1);
        for _ in 0..10 {
            let finished = finished.clone();
            group.spawn(async move {
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
        for _ in 0..10_000 {
            if finished.load(Ordering::SeqCst) == 10 {
                break;
            }
            braid::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(finished.load(Ordering::SeqCst), 10);
        assert_eq!(group.len(), 10, "finished, not yet joined");
    });
}

#[test]
fn waiting_children_are_dropped_unstarted_on_shutdown() {
    let started = Arc::new(AtomicUsize::new(0));
    run(async {
        let mut group = TaskGroup::new().limit(2);
        for _ in 0..10 {
            let started = started.clone();
            group.spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await
            });
        }
        while started.load(Ordering::SeqCst) < 2 {
            braid::yield_now().await;
        }
        group.shutdown().await;
        assert!(group.is_empty());
    });
    assert_eq!(started.load(Ordering::SeqCst), 2);
}

#[test]
#[should_panic(expected = "before the first spawn")]
fn a_limit_after_a_spawn_is_refused() {
    run(async {
        let mut group = TaskGroup::new();
        group.spawn(async {});
        let _ = group.limit(1);
    });
}

#[test]
#[should_panic(expected = "limit(0)")]
fn a_limit_of_zero_is_refused() {
    let _ = TaskGroup::<()>::new().limit(0);
}
