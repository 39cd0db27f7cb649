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
        let canceller = token.clone();
        let waits = started.clone();
        let children: Vec<Child> = vec![
            Box::pin(async { 1 }),
            Box::pin(async { panic!("settled panic") }),
            Box::pin(async move {
                pending.await;
                3
            }),
            Box::pin(async move {
                // Cancel once the pending child runs; this child is already
                // done by then and keeps its value.
                while waits.count() < 1 {
                    tokio::task::yield_now().await;
                }
                canceller.cancel();
                4
            }),
        ];
        let outcomes = gather_settled(children).token(&token).await;
        assert_eq!(drops.count(), 1);
        assert_eq!(*outcomes[0].as_ref().unwrap(), 1);
        let panic = outcomes[1].as_ref().unwrap_err();
        assert!(panic.is_panic());
        assert_eq!(
            panic.to_string(),
            "task panicked with message \"settled panic\""
        );
        assert!(outcomes[2].as_ref().unwrap_err().is_cancelled());
        assert_eq!(*outcomes[3].as_ref().unwrap(), 4);
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
