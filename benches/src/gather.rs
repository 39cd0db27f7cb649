//! The gather workloads: braid's `gather`, `try_gather` and `as_completed`
//! against what a Tokio or smol program writes for the same job.
//!
//! A child doubles its index, so every result can be checked against its
//! position. The generic strategies (`*_await_each`, `*_join_all`,
//! `*_unordered`, `try_gather_cancel_abort_each`) run on all three
//! runtimes; the others use one runtime's own API.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::measure::Run;
use crate::runtime::{BenchRuntime, Braid, Tokio};
use crate::sync::{Arc, AtomicUsize, Ordering};

/// Children of the `as_completed` and `try_gather_cancel` workloads.
pub const CHILDREN_10K: usize = 10_000;
/// The failing child of `try_gather_cancel`: the last one spawned.
pub const FAILS_LAST: usize = CHILDREN_10K - 1;
/// The failing child of `try_gather_first_fails`: the first one.
pub const FAILS_FIRST: usize = 0;
/// How long the pending children of `try_gather_cancel` would sleep.
const LONG_SLEEP: Duration = Duration::from_secs(30);

/// A gather child: doubles its index.
pub(crate) async fn child(index: usize) -> u64 {
    2 * index as u64
}

/// Panics unless `results` is the children's output, in input order.
pub(crate) fn check_in_order(workload: &str, results: &[u64], n: usize) {
    assert_eq!(results.len(), n, "{workload}: wrong number of results");
    for (index, &result) in results.iter().enumerate() {
        assert_eq!(
            result,
            2 * index as u64,
            "{workload}: result {index} out of place"
        );
    }
}

/// Panics unless `pairs` holds every child's (index, output) exactly once.
fn check_completed(workload: &str, mut pairs: Vec<(usize, u64)>, n: usize) {
    pairs.sort_unstable_by_key(|&(index, _)| index);
    assert!(
        pairs.iter().enumerate().all(|(i, &(index, _))| i == index),
        "{workload}: lost a child"
    );
    let results: Vec<u64> = pairs.into_iter().map(|(_, result)| result).collect();
    check_in_order(workload, &results, n);
}

/// Runs `gatherer` as a task on `rt` and times it.
pub(crate) fn time_in_task<R, F>(rt: &R, gatherer: F) -> (Duration, F::Output)
where
    R: BenchRuntime,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on_task(async move {
        let start = Instant::now();
        let output = gatherer.await;
        (start.elapsed(), output)
    })
}

/// `gather_N` with braid's `gather` on braid.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, gather};
///
/// assert_eq!(gather::braid_gather(&Braid::with_workers(2), 100).units, 100);
/// ```
pub fn braid_gather(rt: &Braid, n: usize) -> Run {
    let (elapsed, results) = time_in_task(rt, braid::gather((0..n).map(child)));
    check_in_order("braid gather", &results, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `gather_N` with `braid_gather::gather` on a Tokio runtime.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, gather};
///
/// assert_eq!(gather::braid_gather_on_tokio(&Tokio::with_workers(2), 100).units, 100);
/// ```
pub fn braid_gather_on_tokio(rt: &Tokio, n: usize) -> Run {
    let (elapsed, results) = time_in_task(rt, braid_gather::gather((0..n).map(child)));
    check_in_order("braid gather on tokio", &results, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `gather_N` with Tokio's `JoinSet`, results then sorted by index.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, gather};
///
/// assert_eq!(gather::tokio_join_set_sorted(&Tokio::with_workers(2), 100).units, 100);
/// ```
pub fn tokio_join_set_sorted(rt: &Tokio, n: usize) -> Run {
    let (elapsed, results) = time_in_task(rt, async move {
        let mut set = tokio::task::JoinSet::new();
        for index in 0..n {
            set.spawn(async move { (index, child(index).await) });
        }
        let mut pairs = Vec::with_capacity(n);
        while let Some(pair) = set.join_next().await {
            pairs.push(pair.expect("a gather child failed"));
        }
        pairs.sort_unstable_by_key(|&(index, _)| index);
        pairs
            .into_iter()
            .map(|(_, result)| result)
            .collect::<Vec<_>>()
    });
    check_in_order("tokio JoinSet", &results, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `gather_N` by spawning every child, then awaiting each handle in turn.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Smol, gather};
///
/// assert_eq!(gather::await_each(&Smol::with_workers(2), 100).units, 100);
/// ```
pub fn await_each<R: BenchRuntime>(rt: &R, n: usize) -> Run {
    let (elapsed, results) = time_in_task(rt, async move {
        let joins: Vec<_> = (0..n).map(|index| R::spawn(child(index))).collect();
        let mut results = Vec::with_capacity(n);
        for join in joins {
            results.push(join.await);
        }
        results
    });
    check_in_order("spawn then await each", &results, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `gather_N` with `futures::future::join_all` over the spawned handles.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, gather};
///
/// assert_eq!(gather::join_all(&Braid::with_workers(2), 100).units, 100);
/// ```
pub fn join_all<R: BenchRuntime>(rt: &R, n: usize) -> Run {
    let (elapsed, results) = time_in_task(rt, async move {
        futures::future::join_all((0..n).map(|index| R::spawn(child(index)))).await
    });
    check_in_order("join_all of handles", &results, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// A `try_gather_cancel` child: the one at `fail_at` fails at once, the
/// others sleep for [`LONG_SLEEP`]. Each counts its drop, so the workload
/// can check that every child is gone when the error comes back.
fn cancel_child<R: BenchRuntime>(
    index: usize,
    fail_at: usize,
    dropped: &Arc<AtomicUsize>,
) -> impl Future<Output = Result<u64, usize>> + Send + 'static {
    let guard = DropCounter(Arc::clone(dropped));
    async move {
        let _guard = guard;
        if index == fail_at {
            return Err(index);
        }
        R::sleep_until(Instant::now() + LONG_SLEEP).await;
        Ok(index as u64)
    }
}

/// Counts its own drop.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// Checks that the child at `fail_at` failed and all `n` children were
/// dropped.
fn check_cancelled(
    workload: &str,
    failed: Option<usize>,
    fail_at: usize,
    dropped: &AtomicUsize,
    n: usize,
) {
    assert_eq!(failed, Some(fail_at), "{workload}: wrong failing child");
    assert_eq!(
        dropped.load(Ordering::Acquire),
        n,
        "{workload}: children outlived the error"
    );
}

/// `try_gather_cancel` with braid's `try_gather`: [`CHILDREN_10K`]
/// children pending on a long sleep but the one at `fail_at`, which fails
/// at once; timed until the error is back with every child dropped.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, gather};
///
/// let rt = Braid::with_workers(2);
/// for fail_at in [gather::FAILS_FIRST, gather::FAILS_LAST] {
///     assert_eq!(gather::braid_try_gather_cancel(&rt, fail_at).units, 10_000);
/// }
/// ```
pub fn braid_try_gather_cancel(rt: &Braid, fail_at: usize) -> Run {
    let n = CHILDREN_10K;
    let dropped = Arc::new(AtomicUsize::new(0));
    let children: Vec<_> = (0..n)
        .map(|index| cancel_child::<Braid>(index, fail_at, &dropped))
        .collect();
    let (elapsed, result) = time_in_task(rt, braid::try_gather(children));
    let failed = match result {
        Err(braid::GatherError::Failed { index, .. }) => Some(index),
        _ => None,
    };
    check_cancelled("braid try_gather", failed, fail_at, &dropped, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `try_gather_cancel` with Tokio's `JoinSet`: the first error (from the
/// child at `fail_at`), then `shutdown` (abort all, wait for all).
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, gather};
///
/// let rt = Tokio::with_workers(2);
/// for fail_at in [gather::FAILS_FIRST, gather::FAILS_LAST] {
///     assert_eq!(gather::tokio_join_set_cancel(&rt, fail_at).units, 10_000);
/// }
/// ```
pub fn tokio_join_set_cancel(rt: &Tokio, fail_at: usize) -> Run {
    let n = CHILDREN_10K;
    let dropped = Arc::new(AtomicUsize::new(0));
    let children: Vec<_> = (0..n)
        .map(|index| cancel_child::<Tokio>(index, fail_at, &dropped))
        .collect();
    let (elapsed, failed) = time_in_task(rt, async move {
        let mut set = tokio::task::JoinSet::new();
        for child in children {
            set.spawn(child);
        }
        let mut failed = None;
        while let Some(result) = set.join_next().await {
            if let Err(index) = result.expect("a child panicked") {
                failed = Some(index);
                break;
            }
        }
        set.shutdown().await;
        failed
    });
    check_cancelled("tokio JoinSet", failed, fail_at, &dropped, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `try_gather_cancel` by hand: spawn all, take the first error (from the
/// child at `fail_at`) from a `FuturesUnordered` of handles, then cancel
/// each remaining task and wait for it.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Smol, gather};
///
/// let rt = Smol::with_workers(2);
/// for fail_at in [gather::FAILS_FIRST, gather::FAILS_LAST] {
///     assert_eq!(gather::try_gather_cancel_abort_each(&rt, fail_at).units, 10_000);
/// }
/// ```
pub fn try_gather_cancel_abort_each<R: BenchRuntime>(rt: &R, fail_at: usize) -> Run {
    let n = CHILDREN_10K;
    let dropped = Arc::new(AtomicUsize::new(0));
    let children: Vec<_> = (0..n)
        .map(|index| cancel_child::<R>(index, fail_at, &dropped))
        .collect();
    let (elapsed, failed) = time_in_task(rt, async move {
        let mut pending: FuturesUnordered<_> = children.into_iter().map(R::spawn).collect();
        let mut failed = None;
        while let Some(result) = pending.next().await {
            if let Err(index) = result {
                failed = Some(index);
                break;
            }
        }
        for join in pending {
            R::cancel(join).await;
        }
        failed
    });
    check_cancelled("cancel each", failed, fail_at, &dropped, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `as_completed_10k` with braid's `as_completed`.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, gather};
///
/// assert_eq!(gather::braid_as_completed(&Braid::with_workers(2)).units, 10_000);
/// ```
pub fn braid_as_completed(rt: &Braid) -> Run {
    let n = CHILDREN_10K;
    let (elapsed, pairs) = time_in_task(rt, async move {
        let mut completed = braid::as_completed((0..n).map(child));
        let mut pairs = Vec::with_capacity(n);
        while let Some(pair) = completed.next().await {
            pairs.push(pair);
        }
        pairs
    });
    check_completed("braid as_completed", pairs, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `as_completed_10k` with Tokio's `JoinSet::join_next`.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, gather};
///
/// assert_eq!(gather::tokio_join_set_next(&Tokio::with_workers(2)).units, 10_000);
/// ```
pub fn tokio_join_set_next(rt: &Tokio) -> Run {
    let n = CHILDREN_10K;
    let (elapsed, pairs) = time_in_task(rt, async move {
        let mut set = tokio::task::JoinSet::new();
        for index in 0..n {
            set.spawn(async move { (index, child(index).await) });
        }
        let mut pairs = Vec::with_capacity(n);
        while let Some(pair) = set.join_next().await {
            pairs.push(pair.expect("a child failed"));
        }
        pairs
    });
    check_completed("tokio JoinSet", pairs, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}

/// `as_completed_10k` with a `FuturesUnordered` of spawned handles.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Smol, gather};
///
/// assert_eq!(gather::unordered(&Smol::with_workers(2)).units, 10_000);
/// ```
pub fn unordered<R: BenchRuntime>(rt: &R) -> Run {
    let n = CHILDREN_10K;
    let (elapsed, pairs) = time_in_task(rt, async move {
        let mut pending: FuturesUnordered<_> = (0..n)
            .map(|index| {
                let join = R::spawn(child(index));
                async move { (index, join.await) }
            })
            .collect();
        let mut pairs = Vec::with_capacity(n);
        while let Some(pair) = pending.next().await {
            pairs.push(pair);
        }
        pairs
    });
    check_completed("FuturesUnordered of handles", pairs, n);
    Run {
        elapsed,
        units: n as u64,
        latency: None,
    }
}
