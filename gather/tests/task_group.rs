//! `TaskGroup`: order of `join_next` and `join_all`, panics, cancellation
//! through the token, abort handles, shutdown and drop, with exact drop
//! counts.

#[path = "support/braid_rt.rs"]
mod braid_rt;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/manual.rs"]
mod manual;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use braid_gather::{TaskGroup, current_token};
use braid_rt::run;
use fixtures::DropCounter;
use manual::{Tasks, poll_noop, poll_task};
use std::task::Poll;

/// A child that finishes when `gate` reaches `turn`, then opens the next.
async fn in_turn(gate: Arc<AtomicUsize>, turn: usize) -> usize {
    while gate.load(Ordering::SeqCst) != turn {
        braid::yield_now().await;
    }
    gate.fetch_add(1, Ordering::SeqCst);
    turn
}

#[test]
fn join_next_gives_completion_order_and_join_all_spawn_order() {
    // On the hand-driven spawner, so the test picks the completion order:
    // every child is run to completion in the reverse of spawn order, and
    // in an order shuffled by a fixed permutation.
    const N: usize = 40;
    for order in [
        (0..N).rev().collect::<Vec<_>>(),
        (0..N).map(|i| (i * 7) % N).collect(),
    ] {
        let (tasks, _spawner) = Tasks::enter();
        let mut group = TaskGroup::new();
        for i in 0..N {
            group.spawn(async move { i });
        }
        let mut spawned: Vec<Option<_>> = tasks.take().into_iter().map(Some).collect();
        for &i in &order {
            assert!(poll_task(spawned[i].as_mut().unwrap()));
        }
        let mut joined = Vec::new();
        while let Poll::Ready(Some(outcome)) = poll_noop(&mut Box::pin(group.join_next())) {
            joined.push(outcome.unwrap());
        }
        assert_eq!(joined, order, "completion order");

        let mut group = TaskGroup::new();
        for i in 0..N {
            group.spawn(async move { i });
        }
        for mut task in tasks.take().into_iter().rev() {
            assert!(poll_task(&mut task));
        }
        let all = poll_noop(&mut Box::pin(group.join_all()));
        assert_eq!(all, Poll::Ready((0..N).collect()), "spawn order");
    }
}

#[test]
fn an_empty_group_joins_at_once() {
    run(async {
        let mut group = TaskGroup::<u8>::new();
        assert!(group.join_next().await.is_none());
        assert!(group.join_all().await.is_empty());
    });
}

#[test]
fn join_all_resumes_a_panic_after_cancelling_and_waiting_for_the_rest() {
    let drops = DropCounter::new();
    let body = {
        let drops = drops.clone();
        async move {
            let mut group = TaskGroup::new();
            for _ in 0..8 {
                let guard = drops.slow_guard(Duration::from_millis(5));
                group.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<u32>().await
                });
            }
            group.spawn(async {
                braid::time::sleep(Duration::from_millis(10)).await;
                panic!("child failed")
            });
            group.join_all().await
        }
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| run(body)));
    let payload = result.expect_err("the child's panic is resumed");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"child failed"));
    assert_eq!(drops.count(), 8, "every sibling was gone before the panic");
}

#[test]
fn join_all_of_a_cancelled_group_panics_saying_so() {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        run(async {
            let mut group = TaskGroup::new();
            group.spawn(std::future::pending::<()>());
            group.token().cancel();
            group.join_all().await
        })
    }));
    let payload = result.expect_err("no value for a cancelled child");
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or(payload.downcast_ref::<String>().map(String::as_str));
    assert!(
        message.is_some_and(|m| m.contains("cancelled")),
        "{message:?}"
    );
}

#[test]
fn cancelling_the_token_cancels_every_child_and_join_next_reports_it() {
    const N: usize = 32;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    run(async {
        let mut group = TaskGroup::new();
        for _ in 0..N {
            let guard = drops.guard();
            let started = started.clone();
            group.spawn(async move {
                let _guard = guard;
                drop(started.guard());
                std::future::pending::<()>().await
            });
        }
        while started.count() < N {
            braid::yield_now().await;
        }
        group.token().cancel();
        let mut cancelled = 0;
        while let Some(outcome) = group.join_next().await {
            assert!(outcome.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, N);
        assert_eq!(drops.count(), N, "every child dropped, exactly once");
    });
    assert_eq!(drops.count(), N);
}

#[test]
fn shutdown_returns_after_every_child_is_dropped() {
    const N: usize = 64;
    let drops = DropCounter::new();
    let values = DropCounter::new();
    run(async {
        let mut group = TaskGroup::new();
        for i in 0..N {
            let guard = drops.slow_guard(Duration::from_micros(200));
            let value = values.guard();
            group.spawn(async move {
                let _guard = guard;
                if i % 2 == 0 {
                    return Some(value);
                }
                std::future::pending::<()>().await;
                None
            });
        }
        braid::time::sleep(Duration::from_millis(5)).await;
        group.shutdown().await;
        assert_eq!(drops.count(), N, "no child future outlived shutdown");
        assert_eq!(values.count(), N, "every value made or not, dropped once");
        assert!(group.is_empty());
        // Nothing is dropped twice after.
        drop(group);
    });
    assert_eq!(drops.count(), N);
    assert_eq!(values.count(), N);
}

#[test]
fn dropping_the_group_cancels_every_child() {
    const N: usize = 32;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let token = run(async {
        let mut group = TaskGroup::new();
        for _ in 0..N {
            let guard = drops.guard();
            let started = started.clone();
            group.spawn(async move {
                let _guard = guard;
                drop(started.guard());
                std::future::pending::<()>().await
            });
        }
        while started.count() < N {
            braid::yield_now().await;
        }
        let token = group.token().clone();
        drop(group);
        assert!(token.is_cancelled());
        // The children stop at their next wake, which the drop triggered.
        for _ in 0..10_000 {
            if drops.count() == N {
                break;
            }
            braid::time::sleep(Duration::from_millis(1)).await;
        }
        token
    });
    assert!(token.is_cancelled());
    assert_eq!(drops.count(), N, "every child dropped exactly once");
}

#[test]
fn an_abort_cancels_one_child_only() {
    run(async {
        let mut group = TaskGroup::new();
        let stuck = group.spawn(async {
            // A token of its own: the abort must reach it through it too.
            current_token().unwrap().cancelled().await;
            0
        });
        let gate = Arc::new(AtomicUsize::new(0));
        let other = group.spawn(in_turn(gate.clone(), 1));
        braid::time::sleep(Duration::from_millis(5)).await;
        stuck.abort();
        assert!(group.join_next().await.unwrap().unwrap_err().is_cancelled());
        assert!(stuck.is_finished());
        assert!(!other.is_finished());
        gate.store(1, Ordering::SeqCst);
        assert_eq!(group.join_next().await.unwrap().unwrap(), 1);
        // The finished child's slot is reused; the old handle reaches nothing.
        group.spawn(async { 2 });
        stuck.abort();
        assert_eq!(group.join_next().await.unwrap().unwrap(), 2);
    });
}

#[test]
fn values_never_joined_are_dropped_with_the_group() {
    let values = DropCounter::new();
    run(async {
        let mut group = TaskGroup::new();
        for _ in 0..10 {
            let value = values.guard();
            group.spawn(async move { value });
        }
        // Take one batch onto the ready queue, leave the rest on the stack.
        drop(group.join_next().await);
        braid::time::sleep(Duration::from_millis(5)).await;
        drop(group);
    });
    assert_eq!(values.count(), 10);
}

#[test]
fn a_nested_group_is_cancelled_by_the_outer_token() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    run(async {
        let mut outer = TaskGroup::new();
        for _ in 0..4 {
            let (drops, started) = (drops.clone(), started.clone());
            outer.spawn(async move {
                let mut inner = TaskGroup::new();
                for _ in 0..4 {
                    let guard = drops.guard();
                    let started = started.clone();
                    inner.spawn(async move {
                        let _guard = guard;
                        drop(started.guard());
                        std::future::pending::<()>().await
                    });
                }
                // Cancelled from outside: join_next reports the children.
                let mut cancelled = 0;
                while let Some(outcome) = inner.join_next().await {
                    assert!(outcome.unwrap_err().is_cancelled());
                    cancelled += 1;
                }
                cancelled
            });
        }
        while started.count() < 16 {
            braid::yield_now().await;
        }
        let nested = outer.token().child_token();
        outer.token().cancel();
        assert!(nested.is_cancelled());
        outer.shutdown().await;
        assert_eq!(drops.count(), 16, "every grandchild dropped");
    });
}

#[test]
fn a_gather_inside_a_child_is_cancelled_with_the_group() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    run(async {
        let mut group = TaskGroup::new();
        let (inner_drops, inner_started) = (drops.clone(), started.clone());
        group.spawn(async move {
            braid_gather::gather((0..4).map(|_| {
                let guard = inner_drops.guard();
                let started = inner_started.clone();
                async move {
                    let _guard = guard;
                    drop(started.guard());
                    std::future::pending::<()>().await
                }
            }))
            .await;
        });
        while started.count() < 4 {
            braid::yield_now().await;
        }
        group.shutdown().await;
        assert_eq!(drops.count(), 4, "the gather's children are gone too");
    });
}

#[test]
fn join_next_reports_a_panic_and_leaves_the_siblings_running() {
    run(async {
        let mut group = TaskGroup::new();
        group.spawn(async { panic!("one child fails") });
        let gate = Arc::new(AtomicUsize::new(0));
        group.spawn(in_turn(gate.clone(), 1));
        let failed = group.join_next().await.unwrap().unwrap_err();
        assert!(failed.is_panic());
        assert!(!group.token().is_cancelled(), "join_next cancels nothing");
        gate.store(1, Ordering::SeqCst);
        assert_eq!(group.join_next().await.unwrap().unwrap(), 1);
    });
}

#[test]
#[should_panic(expected = "TaskGroup::spawn must be called from the context of a braid runtime")]
fn a_spawn_outside_a_runtime_says_so() {
    let mut group = TaskGroup::new();
    group.spawn(async {});
}

#[test]
fn a_group_inside_a_failed_gather_leaves_no_child_behind() {
    // The gather returns only once the group's children, dropped slowly on
    // other workers, are gone (rule 10 of `task_group/slots.rs`).
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let result = run({
        let started = started.clone();
        async move {
            let in_group = started.clone();
            let drops_in_group = drops.clone();
            let with_group = async move {
                let (started, drops) = (in_group, drops_in_group);
                let mut group = TaskGroup::new();
                for _ in 0..4 {
                    let guard = drops.slow_guard(Duration::from_millis(10));
                    let started = started.clone();
                    group.spawn(async move {
                        let _guard = guard;
                        drop(started.guard());
                        std::future::pending::<()>().await
                    });
                }
                group.join_next().await;
                Ok(())
            };
            let failing = {
                let started = started.clone();
                async move {
                    while started.count() < 4 {
                        braid::yield_now().await;
                    }
                    Err("failed")
                }
            };
            let result = braid_gather::try_gather([
                Box::pin(with_group) as fixtures::Boxed<Result<(), &str>>,
                Box::pin(failing),
            ])
            .await;
            assert_eq!(drops.count(), 4, "no grandchild outlived the gather");
            result
        }
    });
    assert!(result.is_err());
}
