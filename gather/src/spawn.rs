//! How a gather reaches the runtime its children run on.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::ChildTask;
use crate::context;
use crate::sync::StdArc;

/// A child task boxed as a trait object: how a [`ChildTask`] stores a
/// future too large to keep inline, and a handy type for a spawner that
/// keeps its tasks in a queue (`Box::pin(task)`).
///
/// # Examples
///
/// ```
/// let task: braid_gather::BoxedTask = Box::pin(async {});
/// futures::executor::block_on(task);
/// ```
pub type BoxedTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A runtime that can run gather children as tasks.
///
/// braid's runtime implements this for its `braid::Handle` and installs its
/// spawner with [`enter_spawner`] on each of its threads; with the `tokio`
/// feature it is also implemented for `tokio::runtime::Handle`, which a
/// gather finds by itself inside a Tokio runtime. Implement it to run
/// gathers on an executor of your own.
///
/// # Examples
///
/// A (wasteful) spawner that runs each child on a thread of its own:
///
/// ```
/// use braid_gather::{ChildTask, Spawn, enter_spawner, gather};
/// use std::{sync::Arc, thread};
///
/// struct ThreadPerTask;
///
/// impl Spawn for ThreadPerTask {
///     fn spawn(&self, task: ChildTask) {
///         thread::spawn(move || futures::executor::block_on(task));
///     }
/// }
///
/// let _spawner = enter_spawner(Arc::new(ThreadPerTask));
/// let squares = futures::executor::block_on(gather((1..=3).map(|n| async move { n * n })));
/// assert_eq!(squares, [1, 4, 9]);
/// ```
pub trait Spawn: Send + Sync + 'static {
    /// Runs `task` as a task of its own. Its output is delivered through the
    /// group, so the runtime may detach the task.
    fn spawn(&self, task: ChildTask);

    /// Spawns a batch; runtimes override this to queue them all and then wake
    /// as many idle workers as the batch can use. Default: a loop of `spawn`.
    fn spawn_batch(&self, tasks: &mut dyn Iterator<Item = ChildTask>) {
        for task in tasks {
            self.spawn(task);
        }
    }
}

/// Makes `spawner` the ambient spawner of this thread until the returned
/// guard is dropped: gathers first polled on this thread meanwhile spawn
/// their children through it. Guards nest and restore the previous spawner.
///
/// A runtime calls this on each of its threads (workers and `block_on`) for
/// as long as they run its tasks; braid's does, so code on a braid runtime
/// never needs to. Call it to run gathers on an executor of your own (give
/// it an implementation of [`Spawn`]), or to put a wrapper around a
/// runtime's spawner for a stretch of code. The spawner is found on the
/// first poll only: a gather keeps the one it started with. The argument is
/// always std's `Arc`, loom or not: the spawner is outside every protocol
/// loom models.
///
/// # Examples
///
/// ```
/// use braid_gather::{ChildTask, Spawn, enter_spawner};
/// use std::{sync::Arc};
///
/// struct Inline;
/// impl Spawn for Inline {
///     fn spawn(&self, task: ChildTask) {
///         futures::executor::block_on(task);
///     }
/// }
///
/// let outer = enter_spawner(Arc::new(Inline));
/// let inner = enter_spawner(Arc::new(Inline));
/// drop(inner); // the outer spawner is ambient again
/// drop(outer);
/// ```
pub fn enter_spawner(spawner: StdArc<dyn Spawn>) -> SpawnerGuard {
    // Teardown: nothing to make ambient (rule 4 of `set_thread_context`).
    let previous = context::with(|cx| cx.and_then(|cx| cx.ambient.replace(Some(spawner))));
    SpawnerGuard {
        previous,
        _not_send: std::marker::PhantomData,
    }
}

/// Keeps a spawner ambient on this thread; dropping it restores the one
/// before. Returned by [`enter_spawner`]; not `Send`, as it restores a
/// thread-local.
///
/// # Examples
///
/// ```
/// # use braid_gather::{ChildTask, Spawn};
/// # use std::{sync::Arc};
/// # struct Inline;
/// # impl Spawn for Inline {
/// #     fn spawn(&self, task: ChildTask) { futures::executor::block_on(task); }
/// # }
/// let guard: braid_gather::SpawnerGuard = braid_gather::enter_spawner(Arc::new(Inline));
/// drop(guard);
/// ```
#[must_use = "the spawner is only ambient while the guard lives"]
pub struct SpawnerGuard {
    previous: Option<StdArc<dyn Spawn>>,
    /// The guard restores a thread-local, so it must stay on its thread.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for SpawnerGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Dropped outside the borrow: a spawner's drop may run any code.
        let ours = context::with(|cx| cx.map(|cx| cx.ambient.replace(previous)));
        drop(ours);
    }
}

impl fmt::Debug for SpawnerGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnerGuard").finish_non_exhaustive()
    }
}

/// The spawner a gather polled on this thread uses: the ambient one, else
/// (with the `tokio` feature) the current Tokio runtime.
///
/// # Panics
///
/// Panics, naming the mistake, when there is neither.
pub(crate) fn current_spawner() -> StdArc<dyn Spawn> {
    try_current_spawner().unwrap_or_else(|| {
        panic!(
            "gather must be polled from the context of a braid runtime \
             (or a Tokio runtime with the `tokio` feature)"
        )
    })
}

/// The spawner of [`current_spawner`], or `None` where there is none.
pub(crate) fn try_current_spawner() -> Option<StdArc<dyn Spawn>> {
    if let Some(spawner) = context::with(|cx| cx.and_then(|cx| cx.ambient.borrow().clone())) {
        return Some(spawner);
    }
    #[cfg(feature = "tokio")]
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        return Some(StdArc::new(handle));
    }
    None
}

#[cfg(feature = "tokio")]
impl Spawn for tokio::runtime::Handle {
    fn spawn(&self, task: ChildTask) {
        // The output goes through the group; the JoinHandle is not needed. A
        // child that fits runs in the smaller task (see `child_task.rs`).
        match task.into_small() {
            Ok(small) => drop(tokio::runtime::Handle::spawn(self, small)),
            Err(task) => drop(tokio::runtime::Handle::spawn(self, task)),
        }
    }
}
