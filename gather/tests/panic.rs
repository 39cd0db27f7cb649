//! A panicking child cancels its siblings, waits for them, and the panic is
//! resumed in the task awaiting the gather.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{gather, try_gather};
use fixtures::{DropCounter, pending_with, runtime};
use futures::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

type Child = Pin<Box<dyn Future<Output = u8> + Send>>;

fn children(drops: &DropCounter, started: &DropCounter, siblings: usize) -> Vec<Child> {
    let mut children: Vec<Child> = Vec::new();
    for _ in 0..siblings {
        let sibling = pending_with(drops.guard(), started.clone());
        children.push(Box::pin(async move {
            sibling.await;
            0
        }));
    }
    let waits = started.clone();
    children.push(Box::pin(async move {
        while waits.count() < siblings {
            tokio::task::yield_now().await;
        }
        panic!("child exploded");
    }));
    children
}

#[test]
fn panic_is_resumed_after_siblings_are_dropped() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    runtime().block_on(async {
        let caught = AssertUnwindSafe(gather(children(&drops, &started, 10)))
            .catch_unwind()
            .await;
        assert_eq!(
            drops.count(),
            10,
            "siblings are gone before the panic resumes"
        );
        let payload = caught.expect_err("the child's panic reaches the awaiting task");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"child exploded"));
    });
}

#[test]
fn try_gather_resumes_a_panic_too() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    runtime().block_on(async {
        let fallible = children(&drops, &started, 5)
            .into_iter()
            .map(|child| child.map(Ok::<u8, ()>));
        let caught = AssertUnwindSafe(try_gather(fallible)).catch_unwind().await;
        assert_eq!(drops.count(), 5);
        assert!(caught.is_err());
    });
}

#[test]
fn a_spawned_gather_reports_the_panic_through_its_join_handle() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let rt = runtime();
    let handle = rt.spawn(gather(children(&drops, &started, 3)));
    let error = rt.block_on(handle).unwrap_err();
    assert!(error.is_panic());
    assert_eq!(drops.count(), 3);
}
