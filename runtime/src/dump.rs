//! `TaskDump`: what every live task of a runtime is doing, taken while the
//! runtime runs.
//!
//! The dump walks the owned-task lists one shard at a time, under each
//! shard's lock (which only spawns and completions of that shard wait for),
//! reading each task's state word and metadata. Nothing stops: the dump is
//! not one instant's picture, but each line is true of its task at the
//! moment it was read.

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::task::{Id, OwnedTasks, RawTask};

/// Every live task of a runtime, from [`Handle::dump`](crate::Handle::dump):
/// tasks spawned and not yet completed (calls of `spawn_blocking` are not
/// listed).
///
/// `Display` prints one line per task: id, state, polls, age and spawn
/// location, oldest first.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// let handle = rt.spawn(std::future::pending::<()>());
/// let dump = rt.handle().dump();
/// assert_eq!(dump.tasks().len(), 1);
/// assert_eq!(dump.tasks()[0].id(), handle.id());
/// println!("{dump}");
/// ```
#[derive(Debug, Clone)]
pub struct TaskDump {
    tasks: Vec<TaskSnapshot>,
}

/// One task in a [`TaskDump`].
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// let _handle = rt.spawn(std::future::pending::<()>());
/// let dump = rt.handle().dump();
/// let task = &dump.tasks()[0];
/// assert_eq!(task.location().file(), file!());
/// assert!(task.polls() <= 1);
/// ```
#[derive(Debug, Clone)]
pub struct TaskSnapshot {
    id: Id,
    location: &'static Location<'static>,
    state: TaskState,
    polls: u64,
    age: Duration,
}

/// What a task was doing when it was dumped.
///
/// # Examples
///
/// ```
/// let rt = braid::Builder::new_current_thread().build().unwrap();
/// let _handle = rt.spawn(std::future::pending::<()>());
/// // Not polled yet: nothing runs a current-thread runtime outside `block_on`.
/// assert_eq!(rt.handle().dump().tasks()[0].state(), braid::TaskState::Scheduled);
/// rt.block_on(braid::yield_now());
/// assert_eq!(rt.handle().dump().tasks()[0].state(), braid::TaskState::Idle);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting for a wake-up.
    Idle,
    /// Woken, waiting in a run queue.
    Scheduled,
    /// Being polled by a worker.
    Running,
    /// Finished, its output not yet taken (seen only in the moment between
    /// a task's completion and its leaving the list).
    CompleteUnjoined,
}

impl TaskDump {
    pub(crate) fn capture(owned: &OwnedTasks) -> TaskDump {
        let now = Instant::now();
        let mut tasks = Vec::new();
        owned.for_each(|raw: RawTask| {
            let snapshot = raw.header().state.load();
            let meta = raw.meta();
            let state = if snapshot.is_complete() {
                TaskState::CompleteUnjoined
            } else if snapshot.is_running() {
                TaskState::Running
            } else if snapshot.is_notified() {
                TaskState::Scheduled
            } else {
                TaskState::Idle
            };
            tasks.push(TaskSnapshot {
                id: meta.id,
                location: meta.location,
                state,
                polls: meta.polls(),
                age: now.saturating_duration_since(meta.spawned_at.instant()),
            });
        });
        tasks.sort_by_key(|task| task.id);
        TaskDump { tasks }
    }

    /// The tasks, oldest (lowest id) first.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// assert!(rt.handle().dump().tasks().is_empty());
    /// ```
    pub fn tasks(&self) -> &[TaskSnapshot] {
        &self.tasks
    }
}

impl TaskSnapshot {
    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let handle = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().dump().tasks()[0].id(), handle.id());
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    /// Where the task was spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let _handle = rt.spawn(std::future::pending::<()>()); let line = line!();
    /// assert_eq!(rt.handle().dump().tasks()[0].location().line(), line);
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// What the task was doing.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let _handle = rt.spawn(std::future::pending::<()>());
    /// let state = rt.handle().dump().tasks()[0].state();
    /// assert_ne!(state, braid::TaskState::CompleteUnjoined);
    /// ```
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// How many times the task has been polled.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_current_thread().build().unwrap();
    /// let _handle = rt.spawn(std::future::pending::<()>());
    /// rt.block_on(braid::yield_now());
    /// assert_eq!(rt.handle().dump().tasks()[0].polls(), 1);
    /// ```
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// How long ago the task was spawned. A task spawned on a worker counts
    /// from that worker's last reading of the clock (taken when it wakes and
    /// every 61 polls), and a gather's child from the start of its batch, so
    /// its age may be overstated by that much, never understated.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let _handle = rt.spawn(std::future::pending::<()>());
    /// std::thread::sleep(std::time::Duration::from_millis(5));
    /// assert!(rt.handle().dump().tasks()[0].age() >= std::time::Duration::from_millis(5));
    /// ```
    pub fn age(&self) -> Duration {
        self.age
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::CompleteUnjoined => "complete-unjoined",
        })
    }
}

impl fmt::Display for TaskSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>8}  {:<17}  {:>8}  {:>10}  {}",
            self.id,
            self.state,
            self.polls,
            format!("{:.3?}", self.age),
            self.location,
        )
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>8}  {:<17}  {:>8}  {:>10}  spawned at",
            "task", "state", "polls", "age"
        )?;
        for task in &self.tasks {
            writeln!(f, "{task}")?;
        }
        Ok(())
    }
}
