//! `as_completed` yields each index once, in completion order.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::as_completed;
use fixtures::{DropCounter, pending_with, runtime};
use futures::channel::oneshot;
use futures::{FutureExt, StreamExt};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::time::Duration;

#[test]
fn each_index_once_in_completion_order() {
    // Child `order[k]` is released only after the k-th pair was received, so
    // the completion order is exactly `order`.
    let order = [3, 0, 4, 1, 2];
    let mut releases: Vec<Option<oneshot::Sender<()>>> = Vec::new();
    let mut children = Vec::new();
    for index in 0..order.len() {
        let (tx, rx) = oneshot::channel::<()>();
        releases.push(Some(tx));
        children.push(async move {
            rx.await.unwrap();
            index * 10
        });
    }
    let seen = runtime().block_on(async {
        let mut stream = as_completed(children);
        let mut seen = Vec::new();
        for &next in &order {
            releases[next].take().unwrap().send(()).unwrap();
            let (index, value) = stream.next().await.unwrap();
            assert_eq!(value, index * 10);
            seen.push(index);
        }
        assert_eq!(stream.next().await, None);
        seen
    });
    assert_eq!(seen, order);
}

#[test]
fn works_as_a_stream() {
    let mut pairs = runtime()
        .block_on(as_completed((0..100_usize).map(|i| async move { i * 2 })).collect::<Vec<_>>());
    pairs.sort_unstable();
    assert_eq!(pairs, (0..100).map(|i| (i, i * 2)).collect::<Vec<_>>());
}

#[test]
fn a_panic_resumes_only_after_every_sibling_is_dropped() {
    const SIBLINGS: usize = 8;
    let rt = runtime();
    for _ in 0..10 {
        let drops = DropCounter::new();
        let started = DropCounter::new();
        let mut children: Vec<Pin<Box<dyn Future<Output = ()> + Send>>> = (0..SIBLINGS)
            .map(|_| {
                // Slow to drop, so a panic resumed early is seen every time.
                let guard = drops.slow_guard(Duration::from_millis(5));
                Box::pin(pending_with(guard, started.clone())) as _
            })
            .collect();
        let waits = started.clone();
        children.push(Box::pin(async move {
            while waits.count() < SIBLINGS {
                tokio::task::yield_now().await;
            }
            panic!("child exploded");
        }));
        let dropped = rt.block_on(async {
            let mut stream = as_completed(children);
            let caught = AssertUnwindSafe(stream.next()).catch_unwind().await;
            assert!(caught.is_err(), "the panic reaches the reader");
            drops.count()
        });
        assert_eq!(
            dropped, SIBLINGS,
            "siblings are gone before the panic resumes"
        );
    }
}
