//! Dropping a pending gather cancels (drops) every child.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{as_completed, gather};
use fixtures::{DropCounter, pending_with, runtime};

#[test]
fn dropping_a_gather_drops_n_children() {
    const N: usize = 64;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let rt = runtime();
    let children: Vec<_> = (0..N)
        .map(|_| pending_with(drops.guard(), started.clone()))
        .collect();
    let task = rt.spawn(gather(children));
    rt.block_on(async {
        // Wait for every child to run, so they are dropped by cancellation
        // rather than before their first poll.
        while started.count() < N {
            tokio::task::yield_now().await;
        }
        assert_eq!(drops.count(), 0);
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        drops.wait_for(N).await;
    });
    assert_eq!(drops.count(), N);
}

#[test]
fn dropping_as_completed_midway_drops_the_rest() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let rt = runtime();
    rt.block_on(async {
        let mut children: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> = (0
            ..5)
            .map(|_| Box::pin(pending_with(drops.guard(), started.clone())) as _)
            .collect();
        children.push(Box::pin(async {}));
        let mut stream = as_completed(children);
        assert_eq!(stream.next().await, Some((5, ())));
        drop(stream);
        drops.wait_for(5).await;
    });
    assert_eq!(drops.count(), 5);
}
