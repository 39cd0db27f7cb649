//! Results come back in input order, whatever order the children finish in.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::gather;
use fixtures::{DropCounter, runtime};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn input_order_under_reversed_finish_order() {
    let finished = Arc::new(Mutex::new(Vec::new()));
    let drops = DropCounter::new();
    let results = runtime().block_on(gather((0..8_u64).map(|i| {
        let finished = finished.clone();
        let guard = drops.guard();
        async move {
            let _guard = guard;
            // Later children sleep less, so they finish first.
            tokio::time::sleep(Duration::from_millis((8 - i) * 15)).await;
            finished.lock().unwrap().push(i);
            i * 100
        }
    })));
    assert_eq!(results, [0, 100, 200, 300, 400, 500, 600, 700]);
    assert_eq!(drops.count(), 8);
    let finished = finished.lock().unwrap();
    assert_eq!(finished.len(), 8);
    assert_eq!(
        finished.first(),
        Some(&7),
        "the shortest sleep finishes first"
    );
}

#[test]
fn a_gather_is_lazy() {
    let started = DropCounter::new();
    let rt = runtime();
    rt.block_on(async {
        let pending = gather((0..4).map(|_| {
            let started = started.clone();
            async move { drop(started.guard()) }
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(started.count(), 0, "nothing runs before the first poll");
        pending.await;
        assert_eq!(started.count(), 4);
    });
}

#[test]
fn outputs_are_dropped_exactly_once() {
    let drops = DropCounter::new();
    let outputs = runtime().block_on(gather((0..50).map(|_| {
        let guard = drops.guard();
        async move { guard }
    })));
    assert_eq!(drops.count(), 0);
    drop(outputs);
    assert_eq!(drops.count(), 50);
}
