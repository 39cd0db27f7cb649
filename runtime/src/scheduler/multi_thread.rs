//! The work-stealing scheduler: shared state and where tasks go.
//!
//! # Where a task goes
//!
//! - spawned or woken from outside the runtime: the injector, then one
//!   sleeper is woken (see `idle.rs`);
//! - spawned on a worker: the back of that worker's deque;
//! - woken while its worker runs another task (message passing): the
//!   worker's LIFO slot, displacing the previous occupant to the deque, so
//!   the receiver runs next with the sender's data still in cache;
//! - woken by itself (yield, spent budget): the back of the deque.
//!
//! The slot, its epoch and the rules that keep its task from being
//! stranded behind a long poll are in `lifo.rs`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::Location;
use std::ptr::{self, NonNull};

use crossbeam_utils::CachePadded;

use super::Spawner;
use super::driver::DriverCell;
use super::idle::Idle;
use super::lifo;
use super::queue::{Injector, Steal};
use super::remote_free::Outside;
use super::stall::StallWatch;
use super::worker::{Core, Pushed, Remote};
use crate::blocking::BlockingPool;
use crate::context::Context;
use crate::metrics::{SharedCounter, WorkerMetrics};
use crate::quiescence::Quiescence;
use crate::stall::StallConfig;
use crate::sync::{Arc, AtomicBool, Ordering, fence};
use crate::task::{self, Id, Notified, OwnedTasks, Schedule, Task};
use crate::unhandled_panic::PanicPolicy;

/// The multi-thread scheduler: the state its workers share (each worker's
/// own state is its `Core`, in `worker.rs`).
pub(crate) struct MultiThread {
    /// A cache line (or two) each: a worker writes its own `epoch` at every
    /// poll, which must not bounce a line its peers' polls touch.
    remotes: Box<[CachePadded<Remote>]>,
    inject: Injector<Notified>,
    /// Written at every search and park: kept off the line of the fields
    /// every poll reads (`shutdown`, `remotes`).
    idle: CachePadded<Idle>,
    owned: OwnedTasks,
    /// Each worker's counters, on cache lines of their own: written only by
    /// that worker, at every poll.
    metrics: Box<[CachePadded<WorkerMetrics>]>,
    /// Tasks spawned from threads that are not workers. Written at every
    /// such spawn: kept off the line of the fields every poll reads.
    remote_spawns: CachePadded<SharedCounter>,
    /// Those tasks, once dead, for the spawning side to free
    /// (`remote_free.rs`, rule 4).
    outside: Outside,
    /// Rule 7 of idle.rs. Its watcher role is written at parks and wakes:
    /// kept off the line of the fields every poll reads.
    stall: CachePadded<StallWatch>,
    shutdown: AtomicBool,
    driver: Option<Arc<DriverCell>>,
    blocking: BlockingPool,
    /// What keeps a paused clock from jumping; `None` on the real clock.
    quiescence: Option<Arc<Quiescence>>,
    panics: PanicPolicy,
    /// `MAINTENANCE_INTERVAL` unless a model shortened it; set
    /// before the workers start, so not part of any modelled protocol.
    #[cfg(loom)]
    maintenance_interval: crate::sync::CounterU32,
}

impl MultiThread {
    /// Creates the shared state and the worker cores to run on threads.
    pub(crate) fn new(
        workers: usize,
        driver: Option<Arc<DriverCell>>,
        blocking: BlockingPool,
        quiescence: Option<Arc<Quiescence>>,
        stall: StallConfig,
    ) -> (Arc<MultiThread>, Vec<Core>) {
        crate::context::host_crates();
        let mut remotes = Vec::with_capacity(workers);
        let mut cores = Vec::with_capacity(workers);
        for index in 0..workers {
            let core = Core::new(index, driver.clone());
            remotes.push(CachePadded::new(core.remote()));
            cores.push(core);
        }
        let shared = Arc::new(MultiThread {
            remotes: remotes.into_boxed_slice(),
            inject: Injector::new(),
            idle: CachePadded::new(Idle::new(workers)),
            owned: OwnedTasks::new(workers * 4),
            metrics: (0..workers).map(|_| CachePadded::default()).collect(),
            remote_spawns: CachePadded::default(),
            outside: Outside::new(),
            stall: CachePadded::new(StallWatch::new(workers, stall)),
            shutdown: AtomicBool::new(false),
            driver,
            blocking,
            quiescence,
            panics: PanicPolicy::new(),
            #[cfg(loom)]
            maintenance_interval: crate::sync::CounterU32::new(super::MAINTENANCE_INTERVAL),
        });
        (shared, cores)
    }

    /// `block_on` from a thread that is not a worker: the future runs here,
    /// its tasks on the workers.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        let (Some(quiescence), Some(driver)) = (&self.quiescence, &self.driver) else {
            return crate::park_thread::block_on(future);
        };
        quiescence.block_on(future, || {
            if self.may_advance() {
                // Every worker sleeps, one of them in the driver having
                // decided while we ran: have it decide again (rule 5 of
                // `quiescence.rs`).
                driver.unpark();
            }
        })
    }

    /// Whether the paused clock may jump now: no worker but the asking one,
    /// no blocking call and no `block_on` poll runs (`quiescence.rs`).
    /// Always false on the real clock.
    pub(super) fn may_advance(&self) -> bool {
        self.quiescence
            .as_ref()
            .is_some_and(|quiescence| quiescence.may_advance(|| self.idle.all_others_parked()))
    }

    /// The ticks between a worker's maintenance passes
    /// (`worker_loop.rs`). A model may shorten it
    /// (`set_maintenance_interval`, under loom only), so
    /// that a busy worker's non-blocking driver turn happens within the few
    /// ticks loom explores.
    #[cfg(not(loom))]
    pub(super) fn maintenance_interval(&self) -> u32 {
        super::MAINTENANCE_INTERVAL
    }

    /// The ticks between a worker's maintenance passes (see above).
    #[cfg(loom)]
    pub(super) fn maintenance_interval(&self) -> u32 {
        self.maintenance_interval.load(Ordering::Relaxed)
    }

    /// Shortens the maintenance interval, before the workers start.
    #[cfg(loom)]
    pub(crate) fn set_maintenance_interval(&self, ticks: u32) {
        assert!(ticks > 0, "a maintenance pass every 0 ticks");
        self.maintenance_interval.store(ticks, Ordering::Relaxed);
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    /// What other threads may touch of each worker.
    pub(super) fn remotes(&self) -> &[CachePadded<Remote>] {
        &self.remotes
    }

    /// Whether worker `index` is inside a task's poll (its poll epoch is
    /// odd, see `lifo::Slot::polls_started`).
    pub(crate) fn is_polling(&self, index: usize) -> bool {
        self.remotes[index].lifo.epoch().load(Ordering::Acquire) % 2 == 1
    }

    /// What other threads may touch of worker `index`.
    pub(super) fn remote(&self, index: usize) -> &Remote {
        &self.remotes[index]
    }

    /// A worker's take of the tasks spawned from outside that died
    /// (rule 4 of `remote_free.rs`).
    pub(super) fn free_outside(&self) {
        self.outside.free_all();
    }

    /// The queue of tasks spawned or woken off the workers.
    pub(super) fn injector(&self) -> &Injector<Notified> {
        &self.inject
    }

    /// Who is awake (`idle.rs`).
    pub(super) fn idle(&self) -> &Idle {
        &self.idle
    }

    /// The stall detector (rule 7 of `idle.rs`).
    pub(super) fn stall(&self) -> &StallWatch {
        &self.stall
    }

    /// Worker `index`'s counters.
    pub(crate) fn worker_metrics(&self, index: usize) -> &WorkerMetrics {
        &self.metrics[index]
    }

    /// Tasks spawned from threads that are not workers.
    pub(crate) fn remote_spawns(&self) -> &SharedCounter {
        &self.remote_spawns
    }

    /// The tasks alive on this runtime.
    pub(crate) fn owned(&self) -> &OwnedTasks {
        &self.owned
    }

    pub(crate) fn driver(&self) -> Option<&Arc<DriverCell>> {
        self.driver.as_ref()
    }

    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
    }

    /// What an unobserved task panic does, and whether one shut it down.
    pub(crate) fn panics(&self) -> &PanicPolicy {
        &self.panics
    }

    /// Spawns many tasks, each with the id it was given if any (see
    /// `task::new_detached`), then wakes as many sleepers as they can use
    /// (up to one per task).
    pub(crate) fn spawn_batch<F>(
        self: &Arc<Self>,
        futures: impl Iterator<Item = (F, Option<Id>)>,
        location: &'static Location<'static>,
    ) where
        F: Future<Output = ()> + Send + 'static,
    {
        let mut queued = 0;
        // Rule 5 of idle.rs: a sleeper per task, so the batch runs in
        // parallel at once. The first is woken as soon as the first task is
        // queued, to wake while the rest are spawned; then, once all are,
        // up to one per task again: that is rule 1's look after the last
        // push, and the first one woken may be asleep again by then.
        let wake_up_to = |wanted: usize, woken: &mut usize| {
            while *woken < wanted.min(self.num_workers()) {
                let Some(index) = self.idle.sleeper_for_batch() else {
                    return;
                };
                self.remotes[index].unparker.unpark();
                *woken += 1;
            }
        };
        let mut woken = 0;
        crate::context::with(|thread| {
            // One stamp for the batch: off the workers, a clock read per
            // task would be a measurable share of each spawn.
            let spawned_at = crate::context::spawn_time_in(thread);
            with_core(thread, self, |mut core| {
                for (future, given) in futures {
                    let (task, notified) =
                        task::new_detached(future, given, self.clone(), location, spawned_at);
                    if let Some(core) = core.as_deref_mut() {
                        core.adopt(&task, &self.remotes[core.index()]);
                    }
                    match (self.owned.bind(task), core.as_deref()) {
                        (Ok(()), Some(core)) => core.push_back(notified),
                        (Ok(()), None) => self.inject.push(notified),
                        (Err(task), _) => {
                            drop(notified);
                            task.shutdown();
                            continue;
                        }
                    }
                    queued += 1;
                    if queued == 1 {
                        wake_up_to(1, &mut woken);
                    }
                }
                match core {
                    Some(core) => self.metrics[core.index()].spawns.add(queued as u64),
                    None => {
                        self.remote_spawns.add(queued as u64);
                        self.outside.spawned(queued as u64);
                    }
                }
            })
        });
        if self.drained_after_shutdown() {
            return;
        }
        let mut woken = 0;
        wake_up_to(queued, &mut woken);
    }

    /// Queues a task. `is_yield`: it goes behind the waiting tasks, never in
    /// the LIFO slot (spawns use this too).
    /// `thread` is this thread's context, held by the caller (`None` once
    /// it is destroyed).
    pub(super) fn schedule_task(
        self: &Arc<Self>,
        task: Notified,
        is_yield: bool,
        thread: Option<&Context>,
    ) {
        if self.is_shutdown() {
            // Shutdown cancels every task through the owned list; a late
            // queue entry only carries a reference.
            drop(task);
            return;
        }
        // `self` is often the `Arc` stored in the task's own allocation (a
        // wake goes through the task's scheduler handle). Once the entry is
        // queued, another worker may run, complete and free the task, so
        // nothing may read that `Arc` after the push: use the `MultiThread` it
        // points to, which the caller's worker or runtime handle keeps
        // alive.
        let shared: &MultiThread = self;
        let task = match with_core(thread, self, |core| match core {
            Some(core) => {
                let own = &shared.remotes[core.index()];
                Ok((core.push_local(task, is_yield, own), core.index()))
            }
            None => Err(task),
        }) {
            Ok((Pushed::Deque, pusher)) => {
                shared.notify_parked_by(Some(pusher));
                return;
            }
            Ok((Pushed::LifoOnly, _)) => {
                // Rule 6 of idle.rs: a watcher will look at the slot.
                if let Some(index) = shared.idle.worker_to_notify_for_lifo() {
                    shared.remotes[index].unparker.unpark();
                }
                return;
            }
            Err(task) => task,
        };
        shared.inject.push(task);
        if shared.drained_after_shutdown() {
            return;
        }
        shared.notify_parked();
    }

    /// After a push into the injector from outside the workers (a spawn, or
    /// a wake on any thread): the runtime may have shut down since the
    /// caller last looked, and its last drain run before the push; the
    /// entry would then keep its task, and the task this `MultiThread`, alive
    /// for good. So look again, and drain the injector if it has. The
    /// `SeqCst` fence pairs with the one in `drain_queues`: either that
    /// drain sees the entry, or this look sees the shutdown.
    fn drained_after_shutdown(&self) -> bool {
        fence(Ordering::SeqCst);
        if !self.is_shutdown() {
            return false;
        }
        drain(|| self.inject.steal());
        true
    }

    /// Wakes one sleeper if work was added and nobody is searching for it.
    pub(super) fn notify_parked(&self) {
        self.notify_parked_by(None);
    }

    /// As [`notify_parked`](Self::notify_parked), after a push by worker
    /// `pusher`.
    fn notify_parked_by(&self, pusher: Option<usize>) {
        match self.idle.worker_to_notify() {
            // The pusher itself, in its own driver turn: it is counted as
            // searching now and runs its queue once the turn ends, so
            // interrupting its own poll would only cost a write to the
            // driver's waker and an empty poll.
            Some(index) if Some(index) == pusher => {}
            Some(index) => self.remotes[index].unparker.unpark(),
            None => {}
        }
    }

    /// Whether the injector or a deque holds work a searcher may take.
    pub(super) fn has_stealable_work(&self) -> bool {
        !self.inject.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }

    /// Whether a LIFO slot holds an entry (rule 6 of idle.rs).
    pub(super) fn has_lifo_entry(&self) -> bool {
        lifo::any_entry(self.remotes.iter().map(|r| &r.lifo))
    }

    /// Polls worker `index` has started.
    pub(crate) fn poll_count(&self, index: usize) -> u64 {
        self.remotes[index].lifo.polls_started()
    }

    /// Entries in worker `index`'s deque and LIFO slot.
    pub(crate) fn local_queue_depth(&self, index: usize) -> usize {
        let remote = &self.remotes[index];
        remote.stealer.len() + usize::from(remote.lifo.is_occupied())
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Stops the workers (they exit their loop at the next check).
    pub(crate) fn signal_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        for remote in self.remotes.iter() {
            remote.unparker.unpark();
        }
    }

    /// After the workers have exited: cancel every task and drop every
    /// queue entry.
    pub(crate) fn shutdown_tasks(&self) {
        self.owned.close_and_shutdown_all();
        self.drain_queues();
        if let Some(driver) = &self.driver {
            driver.shutdown();
        }
        // Tasks woken by the driver's shutdown, or by futures dropped above.
        self.drain_queues();
        self.close_remote_frees();
    }

    /// Frees the tasks every worker was handed, and those spawned from
    /// outside that died (rule 2 of `remote_free.rs`): after this, tasks are
    /// freed where they die.
    fn close_remote_frees(&self) {
        for remote in self.remotes.iter() {
            remote.remote_free.close();
        }
        self.outside.close();
    }

    fn drain_queues(&self) {
        // Pairs with the fence of a push from outside the workers
        // (`drained_after_shutdown`), made after the shutdown flag was set.
        fence(Ordering::SeqCst);
        for remote in self.remotes.iter() {
            remote.lifo.drain();
        }
        // The deques too: each entry holds a task, each task this `MultiThread`,
        // which holds the stealers; an entry left there would keep the whole
        // runtime alive in a cycle. The workers have exited (or, when the
        // runtime is dropped from a panicking worker, are about to), so
        // only stealers remain to empty them.
        for remote in self.remotes.iter() {
            drain(|| remote.stealer.steal());
        }
        drain(|| self.inject.steal());
    }
}

/// Drops queue entries until `steal` reports the queue empty.
fn drain(steal: impl Fn() -> Steal<Notified>) {
    loop {
        match steal() {
            Steal::Success(task) => drop(task),
            Steal::Retry => continue,
            Steal::Empty => return,
        }
    }
}

impl Spawner for MultiThread {
    fn bind_and_schedule(
        self: &Arc<Self>,
        task: Task,
        notified: Notified,
        thread: Option<&Context>,
    ) {
        with_core(thread, self, |core| match core {
            Some(core) => {
                core.adopt(&task, &self.remotes[core.index()]);
                self.metrics[core.index()].spawns.incr();
            }
            None => {
                self.remote_spawns.add(1);
                self.outside.spawned(1);
            }
        });
        match self.owned.bind(task) {
            Ok(()) => self.schedule_task(notified, true, thread),
            Err(task) => {
                drop(notified);
                task.shutdown();
            }
        }
    }
}

impl Schedule for Arc<MultiThread> {
    fn schedule(&self, task: Notified) {
        crate::context::with(|thread| self.schedule_task(task, false, thread));
    }

    fn yield_now(&self, task: Notified, cx: &Context) {
        self.schedule_task(task, true, Some(cx));
    }

    fn release(&self, task: NonNull<crate::task::Header>) -> bool {
        self.owned.remove(task)
    }

    fn unhandled_panic(&self, payload: Box<dyn std::any::Any + Send>) {
        if self.panics.report(payload) {
            self.signal_shutdown();
        }
    }

    fn defer_free(&self, task: NonNull<crate::task::Header>) -> bool {
        // SAFETY: the task's last reference is gone and it is ours: the
        // header and its links are ours to read.
        let home = unsafe { task.as_ref().owned.with(|links| (*links).home) };
        if self.is_shutdown() {
            // Rule 2 of remote_free.rs: the lists are closed, or about to be.
            return false;
        }
        let Some(remote) = self.remotes.get(usize::from(home)) else {
            // `NO_HOME`: allocated off the workers, for the spawning side
            // to free (rule 4).
            // SAFETY: dead and ours, as above; a closed list gives it back.
            return unsafe { self.outside.push(task) };
        };
        if !remote.unparker.is_awake() {
            // Rule 3 of remote_free.rs: nobody to free it soon.
            return false;
        }
        let at_home = crate::context::with(|thread| {
            with_core(thread, self, |core| {
                core.is_some_and(|core| usize::from(home) == core.index())
            })
        });
        // SAFETY: dead and ours, as above; a closed list gives it back.
        !at_home && unsafe { remote.remote_free.push(task) }
    }
}

/// The running worker of this thread, if any.
struct WorkerContext {
    shared: Arc<MultiThread>,
    core: RefCell<Core>,
}

/// The worker this thread runs, while it does: the `worker` field of the
/// thread's [`Context`](crate::context::Context).
pub(crate) struct CurrentWorker(Cell<*const WorkerContext>);

impl CurrentWorker {
    pub(crate) const fn new() -> CurrentWorker {
        CurrentWorker(Cell::new(ptr::null()))
    }
}

/// Runs `f` as the worker of `shared` that owns `core`, on this thread:
/// while it runs, [`with_core`] hands spawns and wakes of `shared` on
/// this thread the core, unless `f` has it borrowed. `f` is also handed the
/// thread's context, for the polls it runs (rule 3 of `context`).
pub(super) fn enter(
    shared: Arc<MultiThread>,
    core: Core,
    f: impl FnOnce(&MultiThread, &RefCell<Core>, &Context),
) {
    let cx = WorkerContext {
        shared,
        core: RefCell::new(core),
    };
    struct Reset<'a>(&'a CurrentWorker, *const WorkerContext);
    impl Drop for Reset<'_> {
        fn drop(&mut self) {
            self.0.0.set(self.1);
        }
    }
    crate::context::with_or_fresh(|thread| {
        let _reset = Reset(&thread.worker, thread.worker.0.replace(&cx));
        f(&cx.shared, &cx.core, thread);
    });
}

/// Calls `f` with this thread's worker core if the thread is a worker of
/// `shared` (and the core is not in use), else with `None`. `thread` is
/// this thread's context, which the caller holds (`None` once it is
/// destroyed: no worker).
fn with_core<R>(
    thread: Option<&Context>,
    shared: &Arc<MultiThread>,
    f: impl FnOnce(Option<&mut Core>) -> R,
) -> R {
    let cx = thread.map_or(ptr::null(), |thread| thread.worker.0.get());
    if cx.is_null() {
        return f(None);
    }
    // SAFETY: a `Context` is not `Sync`, so `thread` is a context of this
    // thread, whose `worker` slot is set only while `enter` keeps the worker
    // context alive on this thread's stack.
    let cx = unsafe { &*cx };
    if !Arc::ptr_eq(&cx.shared, shared) {
        return f(None);
    }
    match cx.core.try_borrow_mut() {
        Ok(mut core) => f(Some(&mut core)),
        Err(_) => f(None),
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
