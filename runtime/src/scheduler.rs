//! Schedulers: the multi-thread work-stealing one and the current-thread one,
//! behind one handle.

mod current_thread;
mod driver;
mod idle;
mod lifo;
mod multi_thread;
mod park;
mod queue;
mod remote_free;
mod stall;
mod worker;
mod worker_loop;

pub(crate) use current_thread::{CurrentCore, CurrentThread};
pub(crate) use driver::DriverCell;
pub(crate) use multi_thread::{CurrentWorker, MultiThread};
#[cfg(loom)]
pub(crate) use remote_free::RemoteFree;
#[cfg(loom)]
pub(crate) use stall::StallWatch;
pub(crate) use worker_loop::run as run_worker;

use std::future::Future;
use std::panic::Location;

use crate::blocking::BlockingPool;
use crate::context::{self, Context};
use crate::sync::Arc;
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task};
use crate::unhandled_panic::PanicPolicy;

/// Ticks (polls) between two looks at the injector and two non-blocking
/// driver turns, in both schedulers; in the current-thread one also the
/// most tasks run between two polls of the `block_on` future. Prime, so it
/// does not fall into step with other periodic work.
const MAINTENANCE_INTERVAL: u32 = 61;

/// What a spawn needs of a scheduler: how a new task is counted, bound to
/// the owned list and queued. Each flavour says that; the spawns are
/// written once, here.
pub(crate) trait Spawner: Sized
where
    Arc<Self>: Schedule,
{
    /// Counts a new task, puts it in the owned list and queues it; shuts it
    /// down at once if the runtime is shutting down. `thread` is this
    /// thread's context, which the spawn holds (rule 3 of `context`).
    fn bind_and_schedule(
        self: &Arc<Self>,
        task: Task,
        notified: Notified,
        thread: Option<&Context>,
    );

    fn spawn<F>(
        self: &Arc<Self>,
        future: F,
        location: &'static Location<'static>,
        thread: Option<&Context>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let spawned_at = context::spawn_time_in(thread);
        let (task, notified, join) = task::new(future, self.clone(), location, spawned_at);
        self.bind_and_schedule(task, notified, thread);
        join
    }

    /// Spawns a task nobody joins (its output is `()`, dropped where it
    /// completes): no join handle to make and drop, which saves two atomic
    /// operations on the task's state word per spawn. Its id is `given`, if
    /// any (see `task::new_detached`).
    fn spawn_detached<F>(
        self: &Arc<Self>,
        future: F,
        given: Option<Id>,
        location: &'static Location<'static>,
        thread: Option<&Context>,
    ) where
        F: Future<Output = ()> + Send + 'static,
    {
        let spawned_at = context::spawn_time_in(thread);
        let (task, notified) =
            task::new_detached(future, given, self.clone(), location, spawned_at);
        self.bind_and_schedule(task, notified, thread);
    }
}

/// A runtime's scheduler, of either flavour.
#[derive(Clone)]
pub(crate) enum Scheduler {
    MultiThread(Arc<MultiThread>),
    CurrentThread(Arc<CurrentThread>),
}

impl Scheduler {
    /// Spawns `future`; `thread` is this thread's context, which the caller
    /// looked up (rule 3 of `context`).
    pub(crate) fn spawn<F>(
        &self,
        future: F,
        location: &'static Location<'static>,
        thread: Option<&Context>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Scheduler::MultiThread(shared) => shared.spawn(future, location, thread),
            Scheduler::CurrentThread(shared) => shared.spawn(future, location, thread),
        }
    }

    /// Spawns a task nobody joins (see `Spawner::spawn_detached`).
    pub(crate) fn spawn_detached<F>(
        &self,
        future: F,
        given: Option<Id>,
        location: &'static Location<'static>,
        thread: Option<&Context>,
    ) where
        F: Future<Output = ()> + Send + 'static,
    {
        match self {
            Scheduler::MultiThread(shared) => {
                shared.spawn_detached(future, given, location, thread)
            }
            Scheduler::CurrentThread(shared) => {
                shared.spawn_detached(future, given, location, thread)
            }
        }
    }

    pub(crate) fn blocking(&self) -> &BlockingPool {
        match self {
            Scheduler::MultiThread(shared) => shared.blocking(),
            Scheduler::CurrentThread(shared) => &shared.blocking,
        }
    }

    pub(crate) fn driver(&self) -> Option<&Arc<DriverCell>> {
        match self {
            Scheduler::MultiThread(shared) => shared.driver(),
            Scheduler::CurrentThread(shared) => shared.driver.as_ref(),
        }
    }

    /// What an unobserved task panic does, and whether one shut it down.
    pub(crate) fn panics(&self) -> &PanicPolicy {
        match self {
            Scheduler::MultiThread(shared) => shared.panics(),
            Scheduler::CurrentThread(shared) => &shared.panics,
        }
    }

    pub(crate) fn owned(&self) -> &crate::task::OwnedTasks {
        match self {
            Scheduler::MultiThread(shared) => shared.owned(),
            Scheduler::CurrentThread(shared) => &shared.owned,
        }
    }

    pub(crate) fn ptr_eq(&self, other: &Scheduler) -> bool {
        match (self, other) {
            (Scheduler::MultiThread(a), Scheduler::MultiThread(b)) => Arc::ptr_eq(a, b),
            (Scheduler::CurrentThread(a), Scheduler::CurrentThread(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}
