//! What one run of a workload reports, and the statistics over runs.

use std::time::Duration;

/// One run of a workload.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, scheduler};
///
/// let run = scheduler::block_on_ready(&Braid::with_workers(1));
/// assert_eq!(run.units, 10_000);
/// assert!(run.latency.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    /// Wall-clock time of the measured part.
    pub elapsed: Duration,
    /// How many units of work (tasks, yields, round trips…) it did; the
    /// floor and the throughput columns divide by this.
    pub units: u64,
    /// Per-operation latency, for the workloads that measure one.
    pub latency: Option<Latency>,
}

/// Latency percentiles of the operations of one run.
///
/// # Examples
///
/// ```
/// use braid_benches::Latency;
/// use std::time::Duration;
///
/// let mut samples: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
/// let latency = Latency::from_samples(&mut samples);
/// assert_eq!(latency.p50, Duration::from_micros(50));
/// assert_eq!(latency.p99, Duration::from_micros(99));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// The median.
    pub p50: Duration,
    /// The 99th percentile.
    pub p99: Duration,
}

impl Latency {
    /// Percentiles of `samples` (sorted in place).
    ///
    /// # Panics
    ///
    /// If `samples` is empty: a run that measured nothing is a broken run.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_benches::Latency;
    /// use std::time::Duration;
    ///
    /// let latency = Latency::from_samples(&mut [Duration::from_millis(3)]);
    /// assert_eq!(latency.p99, Duration::from_millis(3));
    /// ```
    pub fn from_samples(samples: &mut [Duration]) -> Latency {
        assert!(!samples.is_empty(), "no latency samples were recorded");
        samples.sort_unstable();
        Latency {
            p50: percentile(samples, 50),
            p99: percentile(samples, 99),
        }
    }
}

/// The `pct`-th percentile of sorted `values` (nearest rank).
fn percentile<T: Copy>(sorted: &[T], pct: usize) -> T {
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// The median of `values`, the lower middle for an even count; `None` when
/// empty.
///
/// # Examples
///
/// ```
/// assert_eq!(braid_benches::median(&mut [3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(braid_benches::median(&mut []), None);
/// ```
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    Some(values[(values.len() - 1) / 2])
}

/// The interquartile range of `values` relative to their median: how
/// noisy a set of samples is (0.1 = the middle half spans 10% of the median).
///
/// # Examples
///
/// ```
/// let spread = braid_benches::relative_spread(&mut [9.0, 10.0, 10.0, 11.0, 30.0]);
/// assert_eq!(spread, Some(0.1));
/// ```
pub fn relative_spread(values: &mut [f64]) -> Option<f64> {
    let middle = median(values)?;
    let low = percentile(values, 25);
    let high = percentile(values, 75);
    (middle > 0.0).then(|| (high - low) / middle)
}
