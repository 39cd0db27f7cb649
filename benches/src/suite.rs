//! The criterion side: one benchmark group per workload of an area, one
//! benchmark per runtime.

use std::time::Duration;

use criterion::Criterion;

use crate::catalog::{Area, RUNTIME_NAMES, Runtimes, catalog};
use crate::runtime::{BenchRuntime, Braid, Smol, Tokio};

/// Worker count of the criterion suites: `BRAID_BENCH_WORKERS`, or every
/// available core.
fn workers() -> usize {
    std::env::var("BRAID_BENCH_WORKERS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Benchmarks every workload of `area` on the runtimes that have it.
///
/// # Examples
///
/// ```no_run
/// use braid_benches::{Area, suite};
///
/// let mut criterion = criterion::Criterion::default().configure_from_args();
/// suite::bench_area(&mut criterion, Area::Time);
/// criterion.final_summary();
/// ```
pub fn bench_area(criterion: &mut Criterion, area: Area) {
    let runtimes = Runtimes::new(workers());
    for workload in catalog()
        .into_iter()
        .filter(|workload| workload.area == area)
    {
        let mut group = criterion.benchmark_group(workload.name);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500));
        bench_one(
            &mut group,
            RUNTIME_NAMES[0],
            workload.braid,
            &runtimes.braid,
        );
        bench_one(
            &mut group,
            RUNTIME_NAMES[1],
            workload.tokio,
            &runtimes.tokio,
        );
        bench_one(&mut group, RUNTIME_NAMES[2], workload.smol, &runtimes.smol);
        group.finish();
    }
    debug_assert_eq!(RUNTIME_NAMES, [Braid::NAME, Tokio::NAME, Smol::NAME]);
}

/// One runtime's benchmark of `workload`, timed by the workload itself.
fn bench_one<R: BenchRuntime>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    run: Option<fn(&R) -> crate::Run>,
    rt: &R,
) {
    let Some(run) = run else { return };
    group.bench_function(name, |bencher| {
        bencher.iter_custom(|iters| (0..iters).map(|_| run(rt).elapsed).sum());
    });
}

/// A `main` for a criterion suite of one area.
///
/// # Examples
///
/// ```no_run
/// // The whole of `benches/scheduler.rs`'s `main`:
/// braid_benches::suite::main(braid_benches::Area::Scheduler);
/// ```
pub fn main(area: Area) {
    let mut criterion = Criterion::default().configure_from_args();
    bench_area(&mut criterion, area);
    criterion.final_summary();
}
