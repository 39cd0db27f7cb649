//! One worker's counters: written only by that worker, with a relaxed load
//! and store (no locked read-modify-write), on a cache line of its own; read
//! by anyone, at any time, through `RuntimeMetrics`.
//!
//! Under `cfg(braid_no_metrics)` every write is compiled out, so that the
//! cost of the counters can be measured (`BENCHMARKS.md`); the cfg exists for
//! that measurement only.

use std::time::Duration;
#[cfg(not(braid_no_metrics))]
use std::time::Instant;

use crate::context::Context;
use crate::sync::{CounterU64, Ordering};

/// A count written by one thread and read by any.
#[derive(Debug, Default)]
pub(crate) struct Counter(CounterU64);

impl Counter {
    /// Adds `n`. Only the counter's owner calls this, so a load and a store
    /// cannot lose an update.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        #[cfg(not(braid_no_metrics))]
        {
            let value = self.0.load(Ordering::Relaxed);
            self.0.store(value.wrapping_add(n), Ordering::Relaxed);
        }
        #[cfg(braid_no_metrics)]
        let _ = n;
    }

    #[inline]
    pub(crate) fn incr(&self) {
        self.add(1);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A count any thread may add to (a locked add), for events off the
/// workers: spawns from other threads.
#[derive(Debug, Default)]
pub(crate) struct SharedCounter(CounterU64);

impl SharedCounter {
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        #[cfg(not(braid_no_metrics))]
        self.0.fetch_add(n, Ordering::Relaxed);
        #[cfg(braid_no_metrics)]
        let _ = n;
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The counters of one worker (or of the current-thread runtime's thread).
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    /// Written by the current-thread runtime; a multi-thread worker's polls
    /// are counted by its LIFO slot's epoch (`lifo::Slot::polls_started`).
    pub(crate) polls: Counter,
    /// Tasks taken from peers' deques and LIFO slots.
    pub(crate) steals: Counter,
    pub(crate) parks: Counter,
    /// Tasks spawned from this worker's thread.
    pub(crate) spawns: Counter,
    pub(crate) forced_yields: Counter,
    busy_nanos: Counter,
}

impl WorkerMetrics {
    /// Runs one poll under a fresh cooperative budget in `cx`, the
    /// thread's context that the caller holds, and counts it as a forced
    /// yield if the budget ran out during it.
    #[inline]
    pub(crate) fn poll_in_budget(&self, cx: &Context, poll: impl FnOnce()) {
        #[cfg(not(braid_no_metrics))]
        if crate::context::poll_in_budget(cx, poll).1 {
            self.forced_yields.incr();
        }
        #[cfg(braid_no_metrics)]
        crate::context::poll_in_budget(cx, poll);
    }

    pub(crate) fn busy_duration(&self) -> Duration {
        Duration::from_nanos(self.busy_nanos.get())
    }
}

/// The owner's clock for busy time: started when the worker wakes, stopped
/// (adding the time since to its counter) when it parks.
#[derive(Debug, Default)]
pub(crate) struct BusyClock {
    #[cfg(not(braid_no_metrics))]
    since: Option<Instant>,
}

impl BusyClock {
    pub(crate) fn start(&mut self) {
        #[cfg(not(braid_no_metrics))]
        {
            self.since = Some(Instant::now());
        }
    }

    /// Adds the busy time since [`start`](Self::start) to `metrics`.
    pub(crate) fn stop(&mut self, metrics: &WorkerMetrics) {
        #[cfg(not(braid_no_metrics))]
        if let Some(since) = self.since.take() {
            let nanos = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
            metrics.busy_nanos.add(nanos);
        }
        #[cfg(braid_no_metrics)]
        let _ = metrics;
    }
}
