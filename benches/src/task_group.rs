//! The task group workload: spawn children one by one into a
//! `TaskGroup` and join them all in spawn order, against Tokio's `JoinSet`
//! (sorted by index afterwards) and smol's spawn-and-await-each.

use crate::gather::{check_in_order, child, time_in_task};
use crate::measure::Run;
use crate::runtime::{Braid, Tokio};

/// Children of `task_group_10k`.
pub const SPAWNS_10K: usize = 10_000;

/// Spawns `n` children into a fresh group and joins them all.
async fn spawn_and_join_all(n: usize) -> Vec<u64> {
    let mut group = braid_gather::TaskGroup::new();
    for index in 0..n {
        group.spawn(child(index));
    }
    group.join_all().await
}

/// `task_group_10k` with braid's `TaskGroup` on braid.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, task_group};
///
/// assert_eq!(task_group::braid_task_group(&Braid::with_workers(2), 100).units, 100);
/// ```
pub fn braid_task_group(rt: &Braid, n: usize) -> Run {
    let (elapsed, results) = time_in_task(rt, spawn_and_join_all(n));
    check_in_order("braid task group", &results, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `task_group_10k` with `braid_gather::TaskGroup` on a Tokio runtime.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, task_group};
///
/// assert_eq!(task_group::braid_task_group_on_tokio(&Tokio::with_workers(2), 100).units, 100);
/// ```
pub fn braid_task_group_on_tokio(rt: &Tokio, n: usize) -> Run {
    let (elapsed, results) = time_in_task(rt, spawn_and_join_all(n));
    check_in_order("braid task group on tokio", &results, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}
