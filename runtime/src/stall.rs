//! `StallReport`: a poll that has run past the runtime's stall threshold
//! (`Builder::stall_threshold`), reported while it still runs.

use std::fmt;
use std::panic::Location;
use std::time::Duration;

use crate::sync::StdArc;
use crate::task::Id;

/// A task whose current poll has run longer than the stall threshold without
/// returning: blocking code in async, or a loop that never awaits. Handed to
/// [`Builder::on_stall`](crate::Builder::on_stall) once per such poll, while
/// the poll still runs.
///
/// `Display` names the task, where it was spawned, the worker and how long
/// so far; the default hook prints that line to stderr.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
///
/// let reports = Arc::new(Mutex::new(Vec::new()));
/// let rt = braid::Builder::new_multi_thread()
///     .worker_threads(2)
///     .stall_threshold(Duration::from_millis(20))
///     .on_stall({
///         let reports = reports.clone();
///         move |report: &braid::StallReport| reports.lock().unwrap().push(report.to_string())
///     })
///     .build()
///     .unwrap();
/// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(200)) })).unwrap();
/// let reports = reports.lock().unwrap();
/// assert_eq!(reports.len(), 1);
/// assert!(reports[0].contains(file!()), "{}", reports[0]);
/// ```
#[derive(Clone)]
pub struct StallReport {
    pub(crate) task_id: Id,
    pub(crate) location: &'static Location<'static>,
    pub(crate) elapsed: Duration,
    pub(crate) worker: usize,
}

impl StallReport {
    /// The stalled task.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use std::time::Duration;
    /// # let seen = Arc::new(Mutex::new(None));
    /// # let rt = braid::Builder::new_multi_thread()
    /// #     .worker_threads(2)
    /// #     .stall_threshold(Duration::from_millis(10))
    /// #     .on_stall({
    /// #         let seen = seen.clone();
    /// #         move |r: &braid::StallReport| *seen.lock().unwrap() = Some(r.clone())
    /// #     })
    /// #     .build()
    /// #     .unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(100)) })).unwrap();
    /// # let report = seen.lock().unwrap().clone().unwrap();
    /// println!("task {}", report.task_id());
    /// ```
    pub fn task_id(&self) -> Id {
        self.task_id
    }

    /// Where the stalled task was spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use std::time::Duration;
    /// # let seen = Arc::new(Mutex::new(None));
    /// # let rt = braid::Builder::new_multi_thread()
    /// #     .worker_threads(2)
    /// #     .stall_threshold(Duration::from_millis(10))
    /// #     .on_stall({
    /// #         let seen = seen.clone();
    /// #         move |r: &braid::StallReport| *seen.lock().unwrap() = Some(r.clone())
    /// #     })
    /// #     .build()
    /// #     .unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(100)) })).unwrap();
    /// # let report = seen.lock().unwrap().clone().unwrap();
    /// assert_eq!(report.location().file(), file!());
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// How long the poll had run when it was noticed (at least this long:
    /// it is measured from the first time an idle worker saw it running).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use std::time::Duration;
    /// # let seen = Arc::new(Mutex::new(None));
    /// # let rt = braid::Builder::new_multi_thread()
    /// #     .worker_threads(2)
    /// #     .stall_threshold(Duration::from_millis(10))
    /// #     .on_stall({
    /// #         let seen = seen.clone();
    /// #         move |r: &braid::StallReport| *seen.lock().unwrap() = Some(r.clone())
    /// #     })
    /// #     .build()
    /// #     .unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(100)) })).unwrap();
    /// # let report = seen.lock().unwrap().clone().unwrap();
    /// assert!(report.elapsed() >= Duration::from_millis(10));
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The worker (`0..num_workers`) that is stuck in the poll.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use std::time::Duration;
    /// # let seen = Arc::new(Mutex::new(None));
    /// # let rt = braid::Builder::new_multi_thread()
    /// #     .worker_threads(2)
    /// #     .stall_threshold(Duration::from_millis(10))
    /// #     .on_stall({
    /// #         let seen = seen.clone();
    /// #         move |r: &braid::StallReport| *seen.lock().unwrap() = Some(r.clone())
    /// #     })
    /// #     .build()
    /// #     .unwrap();
    /// # rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(100)) })).unwrap();
    /// # let report = seen.lock().unwrap().clone().unwrap();
    /// println!("worker {}", report.worker());
    /// ```
    pub fn worker(&self) -> usize {
        self.worker
    }
}

impl fmt::Display for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "braid: task {} spawned at {} has been in one poll for {:?} on worker {} \
             (blocking code in async?)",
            self.task_id, self.location, self.elapsed, self.worker
        )
    }
}

impl fmt::Debug for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StallReport")
            .field("task_id", &self.task_id)
            .field("location", &format_args!("{}", self.location))
            .field("elapsed", &self.elapsed)
            .field("worker", &self.worker)
            .finish()
    }
}

/// A hook from `Builder::on_stall`.
pub(crate) type StallHook = StdArc<dyn Fn(&StallReport) + Send + Sync>;

/// The stall detector's settings.
#[derive(Clone)]
#[cfg_attr(
    loom,
    allow(
        dead_code,
        reason = "the detector that reads it is left out of loom builds"
    )
)]
pub(crate) struct StallConfig {
    /// `Duration::MAX`: off.
    pub(crate) threshold: Duration,
    pub(crate) hook: StallHook,
}

/// The default threshold: a poll this long keeps a worker from everything
/// else it should run.
pub(crate) const DEFAULT_THRESHOLD: Duration = Duration::from_millis(100);

impl Default for StallConfig {
    fn default() -> StallConfig {
        StallConfig {
            threshold: DEFAULT_THRESHOLD,
            hook: StdArc::new(|report: &StallReport| eprintln!("{report}")),
        }
    }
}

impl fmt::Debug for StallConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StallConfig")
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// Hands `report` to the hook; a panic in the hook is caught, so the
/// worker that noticed the stall goes on.
#[cfg_attr(
    loom,
    allow(
        dead_code,
        reason = "the detector that reads it is left out of loom builds"
    )
)]
pub(crate) fn report(config: &StallConfig, report: &StallReport) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "braid::stall",
        task_id = report.task_id.as_u64(),
        spawned_at = %report.location,
        elapsed = ?report.elapsed,
        worker = report.worker,
        "a task has been in one poll past the stall threshold"
    );
    let hook = &config.hook;
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(report)));
}
