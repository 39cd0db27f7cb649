//! A child's slot is completed only once the gathers started inside it have
//! no children left, so no outer gather returns while a grandchild exists.
//! Driven by hand: the test picks the interleaving, and needs no runtime.

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/manual.rs"]
mod manual;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use braid_gather::{BoxedTask, CancellationToken, as_completed, gather, gather_settled};
use fixtures::{DropCounter, DropGuard, pending_with};
use manual::{Tasks, poll_noop, poll_task};

/// Runs the outer gather's one child once, which starts its nested gather;
/// returns the child and the grandchildren it spawned, none of them queued.
fn start_child(tasks: &Tasks) -> (BoxedTask, Vec<BoxedTask>) {
    let mut child = tasks.take().pop().expect("the outer child is queued");
    assert!(
        !poll_task(&mut child),
        "the child waits for its nested gather"
    );
    (child, tasks.take())
}

#[test]
fn a_cancelled_child_completes_after_its_grandchildren_are_gone() {
    let (tasks, _spawner) = Tasks::enter();
    let (drops, started) = (DropCounter::new(), DropCounter::new());
    let token = CancellationToken::new();
    let leaves: Vec<_> = (0..2)
        .map(|_| pending_with(drops.guard(), started.clone()))
        .collect();
    let mut outer = gather_settled([async move {
        gather(leaves).await;
    }])
    .token(&token);
    assert!(poll_noop(&mut outer).is_pending());
    let (mut child, mut grandchildren) = start_child(&tasks);
    assert_eq!(grandchildren.len(), 2);
    for grandchild in &mut grandchildren {
        assert!(!poll_task(grandchild));
    }
    assert_eq!(started.count(), 2);

    token.cancel();
    // The child sees the cancellation first and drops its future, nested
    // gather and all, while the grandchildren still exist.
    assert!(poll_task(&mut child));
    assert_eq!(drops.count(), 0);
    assert!(
        poll_noop(&mut outer).is_pending(),
        "the outer gather waits for the grandchildren"
    );
    assert!(poll_task(&mut grandchildren[0]));
    assert!(poll_noop(&mut outer).is_pending(), "one grandchild is left");
    assert!(poll_task(&mut grandchildren[1]));
    assert_eq!(drops.count(), 2);
    let Poll::Ready(outcomes) = poll_noop(&mut outer) else {
        panic!("the last grandchild completed the outer slot");
    };
    assert!(outcomes[0].as_ref().unwrap_err().is_cancelled());
}

#[test]
fn a_nested_gather_that_finished_adds_no_wait() {
    let (tasks, _spawner) = Tasks::enter();
    let mut outer = gather([async { gather([async { 7 }]).await[0] + 1 }]);
    assert!(poll_noop(&mut outer).is_pending());
    let (mut child, mut grandchildren) = start_child(&tasks);
    assert!(poll_task(&mut grandchildren[0]));
    assert!(poll_task(&mut child));
    assert_eq!(
        poll_noop(&mut outer),
        Poll::Ready(vec![8]),
        "the child's slot was completed as it finished"
    );
}

#[test]
fn unspawned_futures_of_a_limited_nested_gather_go_with_the_child() {
    let (tasks, _spawner) = Tasks::enter();
    let (drops, started) = (DropCounter::new(), DropCounter::new());
    let token = CancellationToken::new();
    let leaves: Vec<_> = (0..3)
        .map(|_| pending_with(drops.guard(), started.clone()))
        .collect();
    let mut outer = gather_settled([async move {
        gather(leaves).limit(1).await;
    }])
    .token(&token);
    assert!(poll_noop(&mut outer).is_pending());
    let (mut child, grandchildren) = start_child(&tasks);
    assert_eq!(grandchildren.len(), 1, "limit(1): one in flight");
    token.cancel();
    assert!(poll_task(&mut child));
    assert_eq!(
        drops.count(),
        2,
        "the two never spawned went with the child's future"
    );
    assert!(poll_noop(&mut outer).is_pending());
    // Dropped unpolled, as a runtime shutting down would.
    drop(grandchildren);
    assert_eq!(drops.count(), 3);
    assert!(poll_noop(&mut outer).is_ready());
}

/// Panics when dropped, as a careless destructor might.
struct PanicsOnDrop(#[allow(dead_code, reason = "held for its drop")] DropGuard);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("destructor panicked");
    }
}

#[test]
fn a_grandchild_destructor_that_panics_still_completes_the_outer_slot() {
    let (tasks, _spawner) = Tasks::enter();
    let drops = DropCounter::new();
    let token = CancellationToken::new();
    let leaf = PanicsOnDrop(drops.guard());
    let leaves: Vec<Pin<Box<dyn Future<Output = ()> + Send>>> = vec![Box::pin(async move {
        let _leaf = leaf;
        std::future::pending::<()>().await;
    })];
    let mut outer = gather_settled([async move {
        gather(leaves).await;
    }])
    .token(&token);
    assert!(poll_noop(&mut outer).is_pending());
    let (mut child, mut grandchildren) = start_child(&tasks);
    assert!(!poll_task(&mut grandchildren[0]));
    token.cancel();
    assert!(poll_task(&mut child));
    assert!(poll_noop(&mut outer).is_pending());
    assert!(
        poll_task(&mut grandchildren[0]),
        "the panic is caught as the grandchild's outcome"
    );
    assert_eq!(drops.count(), 1);
    assert!(poll_noop(&mut outer).is_ready());
}

#[test]
fn a_started_gather_returned_as_the_value_does_not_hold_the_slot_open() {
    let (tasks, _spawner) = Tasks::enter();
    // The child reads one pair and returns the rest of the stream: its
    // collector lives on in the outer gather's output, its children with it.
    let mut outer = gather([async {
        let mut rest = as_completed(vec![std::future::ready(1), std::future::ready(2)]);
        let first = rest.next().await;
        (first, rest)
    }]);
    let mut output = None;
    for _ in 0..10 {
        if let Poll::Ready(done) = poll_noop(&mut outer) {
            output = Some(done);
            break;
        }
        tasks.run_once();
    }
    let mut output = output.expect("the outer gather finished");
    let (first, rest) = &mut output[0];
    assert!(first.is_some());
    let second = futures::executor::block_on(rest.next());
    assert!(second.is_some(), "the stream still has its other child");
    assert_eq!(futures::executor::block_on(rest.next()), None);
}
