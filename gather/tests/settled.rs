//! `gather_settled` turns panics and cancellations into values.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{CancellationToken, gather_settled};
use fixtures::{DropCounter, pending_with, runtime};
use std::future::Future;
use std::pin::Pin;

type Child = Pin<Box<dyn Future<Output = u32> + Send>>;

#[test]
fn panic_and_cancel_are_values() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let token = CancellationToken::new();
    runtime().block_on(async {
        let pending = pending_with(drops.guard(), started.clone());
        let panicking = started.clone();
        let children: Vec<Child> = vec![
            Box::pin(async move {
                drop(panicking.guard());
                panic!("settled panic");
            }),
            Box::pin(async move {
                pending.await;
                3
            }),
        ];
        let settled = tokio::spawn(gather_settled(children).token(&token));
        // Cancel once both children are inside their first poll: the panic
        // is then a panic whatever the timing, and the pending child is
        // cancelled out of its wait. (That a child finished before the
        // cancel keeps its value is checked, deterministically, in
        // outer_cancel.rs.)
        while started.count() < 2 {
            tokio::task::yield_now().await;
        }
        token.cancel();
        let outcomes = settled.await.unwrap();
        assert_eq!(drops.count(), 1);
        let panic = outcomes[0].as_ref().unwrap_err();
        assert!(panic.is_panic());
        assert_eq!(
            panic.to_string(),
            "task panicked with message \"settled panic\""
        );
        assert!(outcomes[1].as_ref().unwrap_err().is_cancelled());
    });
}

#[test]
fn a_panic_does_not_cancel_the_siblings() {
    let finished = DropCounter::new();
    let outcomes = runtime().block_on(gather_settled((0..10_u32).map(|i| {
        let finished = finished.clone();
        async move {
            if i == 0 {
                panic!("first");
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            drop(finished.guard());
            i
        }
    })));
    assert_eq!(finished.count(), 9);
    assert!(outcomes[0].is_err());
    assert!(outcomes[1..].iter().all(Result::is_ok));
}
