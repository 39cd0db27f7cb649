//! `.limit(n)` never runs more than n children at once, and runs them all.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{as_completed, gather, gather_settled};
use fixtures::runtime;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Tracks how many children run at once, and the most that ever did.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl InFlight {
    async fn run(self: Arc<Self>, i: usize) -> usize {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        self.now.fetch_sub(1, Ordering::SeqCst);
        i
    }
}

#[test]
fn limit_three_never_exceeds_three_in_flight() {
    let in_flight = Arc::new(InFlight::default());
    let results = runtime().block_on(gather((0..200).map(|i| in_flight.clone().run(i))).limit(3));
    assert_eq!(results, (0..200).collect::<Vec<_>>());
    let most = in_flight.most.load(Ordering::SeqCst);
    assert!((1..=3).contains(&most), "{most} children ran at once");
}

#[test]
fn limit_applies_to_settled_and_as_completed() {
    let in_flight = Arc::new(InFlight::default());
    let rt = runtime();
    let settled = rt.block_on(gather_settled((0..50).map(|i| in_flight.clone().run(i))).limit(3));
    assert!(settled.iter().all(Result::is_ok));
    rt.block_on(async {
        let mut stream = as_completed((0..50).map(|i| in_flight.clone().run(i))).limit(3);
        let mut seen = vec![false; 50];
        while let Some((index, value)) = stream.next().await {
            assert_eq!(index, value);
            assert!(!std::mem::replace(&mut seen[index], true));
        }
        assert!(seen.into_iter().all(|s| s));
    });
    assert!(in_flight.most.load(Ordering::SeqCst) <= 3);
}

#[test]
fn limit_larger_than_the_group_runs_everything() {
    let results = runtime().block_on(gather((0..5).map(|i| async move { i })).limit(1000));
    assert_eq!(results, [0, 1, 2, 3, 4]);
}
