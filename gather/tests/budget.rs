//! Groups at the cooperative-budget boundary complete: the collector never
//! hangs waiting on a wake it already consumed (futures-rs#2140 hung exactly
//! there), nor at the boundary of its own spawn batch.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::SPAWN_BATCH;
use braid_gather::{as_completed, gather, try_gather};
use fixtures::runtime;

/// Tokio's cooperative budget: its `coop` module keeps the figure private,
/// so it is written here; braid's own (`braid_reactor::coop::BUDGET`) is
/// tested in `runtime/tests/gather.rs`.
const TOKIO_BUDGET: usize = 128;

/// One below, at and one above each boundary, each size once.
fn sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = [TOKIO_BUDGET, SPAWN_BATCH]
        .into_iter()
        .flat_map(|boundary| [boundary - 1, boundary, boundary + 1])
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

async fn yields_a_few_times(i: usize) -> usize {
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    i
}

#[test]
fn groups_around_the_budget_and_the_spawn_batch_complete() {
    let rt = runtime();
    for n in sizes() {
        for _ in 0..20 {
            let results = rt.block_on(gather((0..n).map(yields_a_few_times)));
            assert_eq!(results, (0..n).collect::<Vec<_>>());
            let ok = rt.block_on(try_gather(
                (0..n).map(|i| async move { Ok::<_, ()>(yields_a_few_times(i).await) }),
            ));
            assert_eq!(ok.unwrap().len(), n);
            let count = rt.block_on(async {
                let mut stream = as_completed((0..n).map(yields_a_few_times));
                let mut count = 0;
                while stream.next().await.is_some() {
                    count += 1;
                }
                count
            });
            assert_eq!(count, n);
        }
    }
}

#[test]
fn gathers_inside_spawned_tasks_on_one_worker() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let totals = rt.block_on(async {
        let tasks: Vec<_> = sizes()
            .into_iter()
            .map(|n| {
                tokio::spawn(async move { gather((0..n).map(yields_a_few_times)).await.len() })
            })
            .collect();
        let mut totals = Vec::new();
        for task in tasks {
            totals.push(task.await.unwrap());
        }
        totals
    });
    assert_eq!(totals, sizes());
}
