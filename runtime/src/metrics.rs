//! `RuntimeMetrics`: counters and gauges of a running runtime, stable and
//! always compiled.
//!
//! Per-worker counters are written only by their worker (see
//! `metrics/worker.rs`); gauges (queue depths, live tasks, blocking threads)
//! are read from the structures themselves when asked. Every read is a
//! snapshot of one value at one moment: two reads are not consistent with
//! each other while the runtime runs.

mod worker;

pub(crate) use worker::{BusyClock, SharedCounter, WorkerMetrics};

use std::fmt;
use std::time::Duration;

use crate::handle::Handle;
use crate::scheduler::Scheduler;

/// A view of a runtime's counters, from
/// [`Handle::metrics`](crate::Handle::metrics). Each method reads the live
/// value; keep the value to read again later.
///
/// Workers are numbered `0..num_workers()`; a current-thread runtime has
/// one, the thread inside `block_on` that runs the tasks.
///
/// # Examples
///
/// ```
/// let rt = braid::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let metrics = rt.handle().metrics();
/// rt.block_on(async {
///     for _ in 0..10 {
///         braid::spawn(async {}).await.unwrap();
///     }
/// });
/// assert_eq!(metrics.num_workers(), 2);
/// assert_eq!(metrics.spawned_tasks_count(), 10);
/// let polls: u64 = (0..2).map(|i| metrics.worker_poll_count(i)).sum();
/// assert!(polls >= 10);
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    fn worker(&self, index: usize) -> &WorkerMetrics {
        let workers = self.num_workers();
        assert!(
            index < workers,
            "worker index {index} out of range: the runtime has {workers} worker(s)"
        );
        match &self.handle.inner {
            Scheduler::MultiThread(shared) => shared.worker_metrics(index),
            Scheduler::CurrentThread(shared) => &shared.metrics,
        }
    }

    /// Worker threads (1 for a current-thread runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.handle().metrics().num_workers(), 3);
    /// ```
    pub fn num_workers(&self) -> usize {
        match &self.handle.inner {
            Scheduler::MultiThread(shared) => shared.num_workers(),
            Scheduler::CurrentThread(_) => 1,
        }
    }

    /// Tasks spawned and not yet completed.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let handle = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().metrics().num_alive_tasks(), 1);
    /// handle.abort();
    /// let _ = rt.block_on(handle);
    /// assert_eq!(rt.handle().metrics().num_alive_tasks(), 0);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.inner.owned().len()
    }

    /// Tasks spawned on this runtime so far (not counting `spawn_blocking`
    /// calls).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// rt.block_on(async { braid::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.handle().metrics().spawned_tasks_count(), 1);
    /// ```
    pub fn spawned_tasks_count(&self) -> u64 {
        let remote = match &self.handle.inner {
            Scheduler::MultiThread(shared) => shared.remote_spawns().get(),
            Scheduler::CurrentThread(shared) => shared.remote_spawns.get(),
        };
        let local: u64 = (0..self.num_workers())
            .map(|i| self.worker(i).spawns.get())
            .sum();
        remote + local
    }

    /// Tasks waiting in the runtime's shared queue (woken or spawned from
    /// outside the workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_current_thread().build().unwrap();
    /// let _task = rt.spawn(async {});
    /// // Nothing runs a current-thread runtime outside `block_on`.
    /// assert_eq!(rt.handle().metrics().global_queue_depth(), 1);
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        match &self.handle.inner {
            Scheduler::MultiThread(shared) => shared.global_queue_depth(),
            Scheduler::CurrentThread(shared) => shared.global_queue_depth(),
        }
    }

    /// Tasks waiting in worker `index`'s own queue.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().worker_local_queue_depth(0), 0);
    /// ```
    pub fn worker_local_queue_depth(&self, index: usize) -> usize {
        let _ = self.worker(index);
        match &self.handle.inner {
            Scheduler::MultiThread(shared) => shared.local_queue_depth(index),
            Scheduler::CurrentThread(shared) => shared.local_queue_depth(),
        }
    }

    /// Polls worker `index` has made (of tasks; `block_on`'s own future is
    /// not counted).
    ///
    /// # Panics
    ///
    /// If `index` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(async { braid::spawn(async {}).await.unwrap() });
    /// assert!(rt.handle().metrics().worker_poll_count(0) >= 1);
    /// ```
    pub fn worker_poll_count(&self, index: usize) -> u64 {
        let worker = self.worker(index);
        match &self.handle.inner {
            Scheduler::MultiThread(shared) => shared.poll_count(index),
            Scheduler::CurrentThread(_) => worker.polls.get(),
        }
    }

    /// Tasks worker `index` has taken from its peers' queues.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// // A lone worker has nobody to steal from.
    /// rt.block_on(async { braid::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.handle().metrics().worker_steal_count(0), 0);
    /// ```
    pub fn worker_steal_count(&self, index: usize) -> u64 {
        self.worker(index).steals.get()
    }

    /// Times worker `index` went to sleep for want of work.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = rt.handle().metrics();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// // With nothing left to do, the worker goes to sleep.
    /// while metrics.worker_park_count(0) == 0 {
    ///     std::thread::yield_now();
    /// }
    /// ```
    pub fn worker_park_count(&self, index: usize) -> u64 {
        self.worker(index).parks.get()
    }

    /// How long worker `index` has been awake (not parked), summed; the
    /// time since it last woke is added when it next parks.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`num_workers`](Self::num_workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(async {
    ///     braid::spawn(async { std::thread::sleep(std::time::Duration::from_millis(5)) })
    ///         .await
    ///         .unwrap()
    /// });
    /// // Counted once the worker parks again.
    /// let metrics = rt.handle().metrics();
    /// while metrics.worker_total_busy_duration(0) < std::time::Duration::from_millis(5) {
    ///     std::thread::yield_now();
    /// }
    /// ```
    pub fn worker_total_busy_duration(&self, index: usize) -> Duration {
        self.worker(index).busy_duration()
    }

    /// Threads of the blocking pool now started.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// rt.block_on(rt.handle().spawn_blocking(|| ())).unwrap();
    /// assert!(rt.handle().metrics().num_blocking_threads() <= 1);
    /// ```
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.inner.blocking().num_threads()
    }

    /// Threads of the blocking pool waiting for a call.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let metrics = rt.handle().metrics();
    /// assert!(metrics.num_idle_blocking_threads() <= metrics.num_blocking_threads());
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.inner.blocking().num_idle_threads()
    }

    /// Times a task was made to yield because it spent its cooperative
    /// budget (a loop over always-ready resources).
    ///
    /// A forced yield is counted when its poll returns. The task has woken
    /// itself by then, so another worker may run it to completion before
    /// the count moves: read it after the runtime settles, not the instant
    /// the task's `JoinHandle` resolves.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(async {
    ///     braid::spawn(async {
    ///         // Timers already due are always ready: each one spends a unit.
    ///         for _ in 0..1_000 {
    ///             braid::time::sleep(std::time::Duration::ZERO).await;
    ///         }
    ///     })
    ///     .await
    ///     .unwrap()
    /// });
    /// assert!(rt.handle().metrics().budget_forced_yield_count() >= 1);
    /// ```
    pub fn budget_forced_yield_count(&self) -> u64 {
        (0..self.num_workers())
            .map(|i| self.worker(i).forced_yields.get())
            .sum()
    }

    /// Readiness events the I/O driver has handed to sockets.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().io_driver_ready_count(), 0);
    /// ```
    pub fn io_driver_ready_count(&self) -> u64 {
        self.handle
            .inner
            .driver()
            .map_or(0, |driver| driver.handle().io_ready_count())
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("spawned_tasks_count", &self.spawned_tasks_count())
            .field("global_queue_depth", &self.global_queue_depth())
            .finish_non_exhaustive()
    }
}
