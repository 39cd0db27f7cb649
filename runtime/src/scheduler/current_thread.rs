//! The current-thread flavour: every task runs on the thread inside
//! `block_on`, which also drives the I/O driver when it has nothing to run.
//! Tasks spawned while no thread is inside `block_on` wait for the next one.
//!
//! Several threads may be inside `block_on` at once. The run queue and
//! parker (the core) go to one of them, which runs the tasks; the others
//! only poll their own future, and also wait for the core: whoever hands it
//! back (its `block_on` returned) wakes them, and the first to take it
//! drives the tasks from then on, with its own future still pending.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::future::poll_fn;
use std::pin::{Pin, pin};
use std::ptr::{self, NonNull};
use std::task::{Context, Poll, Wake, Waker};

use crossbeam_utils::CachePadded;

use super::driver::DriverCell;
use super::park::{Parker, Unparker};
use super::{MAINTENANCE_INTERVAL, Spawner};
use crate::blocking::BlockingPool;
use crate::context::Context as ThreadContext;
use crate::metrics::{BusyClock, SharedCounter, WorkerMetrics};
use crate::quiescence::Quiescence;
use crate::sync::{Arc, AtomicBool, CounterU64, Mutex, Ordering, StdArc};
use crate::task::{Header, Notified, OwnedTasks, Schedule, Task};
use crate::unhandled_panic::PanicPolicy;

/// The current-thread scheduler: its queues, shared with the threads that
/// spawn onto it (the thread inside `block_on` runs its tasks, holding its
/// `Core`).
pub(crate) struct CurrentThread {
    inject: Mutex<VecDeque<Notified>>,
    pub(crate) owned: OwnedTasks,
    /// The counters of the thread that runs the tasks: written only by the
    /// holder of `core`, at every poll, on a line of their own.
    pub(crate) metrics: CachePadded<WorkerMetrics>,
    /// Tasks spawned from threads other than the core's holder.
    pub(crate) remote_spawns: SharedCounter,
    /// The core's queue length, as its holder last left it. Written at
    /// every push and pop: kept off the line other threads read
    /// (`shutdown`, the injector's lock).
    local_depth: CachePadded<CounterU64>,
    /// The run queue and parker, taken by the thread inside `block_on`.
    core: Mutex<Option<Box<Core>>>,
    /// Threads inside `block_on` without the core, to wake when it is
    /// handed back (see the module docs).
    core_waiters: Mutex<Vec<Waker>>,
    unparker: Unparker,
    shutdown: AtomicBool,
    pub(crate) driver: Option<Arc<DriverCell>>,
    pub(crate) blocking: BlockingPool,
    /// What keeps a paused clock from jumping; `None` on the real clock.
    quiescence: Option<Arc<Quiescence>>,
    pub(crate) panics: PanicPolicy,
}

struct Core {
    local: VecDeque<Notified>,
    parker: Parker,
    /// Polls made, of the `block_on` future and of tasks, across loops and
    /// across `block_on` calls: the driver is turned every
    /// `MAINTENANCE_INTERVAL` of them, however the polls fall into batches.
    tick: u32,
    /// Time awake inside `block_on`, for the busy-duration metric.
    busy: BusyClock,
}

struct CoreContext {
    shared: Arc<CurrentThread>,
    core: RefCell<Option<Box<Core>>>,
}

/// The core this thread drives, while it does: the `core` field of the
/// thread's [`Context`](crate::context::Context).
pub(crate) struct CurrentCore(Cell<*const CoreContext>);

impl CurrentCore {
    pub(crate) const fn new() -> CurrentCore {
        CurrentCore(Cell::new(ptr::null()))
    }
}

/// The core context this thread drives, or null: the `core` slot of
/// `thread`, this thread's context (a `Context` is not `Sync`, so a
/// reference to one stays on its thread), which the caller holds.
fn current(thread: Option<&ThreadContext>) -> *const CoreContext {
    thread.map_or(ptr::null(), |thread| thread.core.0.get())
}

/// How a `block_on` beside the driving thread ended.
enum Beside<T> {
    Ready(T),
    /// The core was handed back: take it and drive.
    CoreFree,
}

/// Wakes the `block_on` future: sets its flag and unparks the thread.
struct MainWaker {
    woken: AtomicBool,
    unparker: Unparker,
}

impl Wake for MainWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.unparker.unpark();
    }
}

impl CurrentThread {
    pub(crate) fn new(
        driver: Option<Arc<DriverCell>>,
        blocking: BlockingPool,
        quiescence: Option<Arc<Quiescence>>,
    ) -> Arc<CurrentThread> {
        crate::context::host_crates();
        let parker = Parker::new(driver.clone());
        Arc::new(CurrentThread {
            inject: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(1),
            metrics: CachePadded::default(),
            remote_spawns: SharedCounter::default(),
            local_depth: CachePadded::new(CounterU64::new(0)),
            unparker: parker.unparker(),
            core: Mutex::new(Some(Box::new(Core {
                local: VecDeque::new(),
                parker,
                tick: 0,
                busy: BusyClock::default(),
            }))),
            core_waiters: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            driver,
            blocking,
            quiescence,
            panics: PanicPolicy::new(),
        })
    }

    /// Runs `future` to completion on this thread, running the runtime's
    /// tasks while it waits.
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let mut future = pin!(future);
        loop {
            // Taken in a statement of its own: the lock must not be held
            // while driving.
            let core = self.core.lock().take();
            if let Some(core) = core {
                return self.drive(core, future);
            }
            // Another thread is inside `block_on` and runs the tasks; this
            // one waits for its own future, or for the core to come back.
            if let Beside::Ready(output) = self.block_on_beside(future.as_mut()) {
                return output;
            }
        }
    }

    /// Runs the tasks with `core` until `future` is ready, then hands the
    /// core back and wakes the threads waiting for it.
    fn drive<F: Future>(self: &Arc<Self>, core: Box<Core>, future: Pin<&mut F>) -> F::Output {
        let cx = CoreContext {
            shared: self.clone(),
            core: RefCell::new(Some(core)),
        };
        struct Restore<'a> {
            cx: &'a CoreContext,
            slot: &'a CurrentCore,
            prev: *const CoreContext,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.slot.0.set(self.prev);
                // Hand the core back even when the future panicked.
                if let Some(core) = self.cx.core.borrow_mut().take() {
                    let shared = &self.cx.shared;
                    *shared.core.lock() = Some(core);
                    let waiting = std::mem::take(&mut *shared.core_waiters.lock());
                    for waker in waiting {
                        waker.wake();
                    }
                }
            }
        }
        // The thread's context, taken once for every poll of the loop
        // (rule 3 of `context`).
        crate::context::with_or_fresh(|thread| {
            let _restore = Restore {
                cx: &cx,
                slot: &thread.core,
                prev: thread.core.0.replace(&cx),
            };
            cx.run(future, thread)
        })
    }

    /// `block_on` on a thread other than the one running the tasks, until
    /// `future` is ready or the core is handed back. With a paused clock
    /// this thread counts as running whenever it is awake, so the clock
    /// never jumps past a timer it is about to set.
    fn block_on_beside<F: Future>(&self, mut future: Pin<&mut F>) -> Beside<F::Output> {
        /// The waker this thread keeps in `core_waiters`, taken out on the
        /// way out (also by a panic of the future) so that the list only
        /// holds threads still waiting.
        struct Waiting<'a> {
            waiters: &'a Mutex<Vec<Waker>>,
            waker: Option<Waker>,
        }
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                if let Some(waker) = self.waker.take() {
                    self.waiters.lock().retain(|w| !w.will_wake(&waker));
                }
            }
        }
        let mut waiting = Waiting {
            waiters: &self.core_waiters,
            waker: None,
        };
        let beside = poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Beside::Ready(output));
            }
            // On the list before looking, at every poll: a hand-back wakes
            // and empties the list, so a thread woken by one that then
            // finds the core taken again must put itself back for the next.
            {
                let mut waiters = waiting.waiters.lock();
                if let Some(old) = waiting.waker.take_if(|old| !old.will_wake(cx.waker())) {
                    waiters.retain(|w| !w.will_wake(&old));
                }
                if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    waiters.push(cx.waker().clone());
                }
                waiting.waker.get_or_insert_with(|| cx.waker().clone());
            }
            if self.core.lock().is_some() {
                return Poll::Ready(Beside::CoreFree);
            }
            Poll::Pending
        });
        let result = match (&self.quiescence, &self.driver) {
            (Some(quiescence), Some(driver)) => quiescence.block_on(beside, || {
                // The running thread may have parked in the driver while
                // this one ran, deciding then not to jump: have it decide
                // again (rule 5 of `quiescence.rs`).
                driver.unpark();
            }),
            _ => crate::park_thread::block_on(beside),
        };
        drop(waiting);
        result
    }

    /// Whether the paused clock may jump now: besides the thread asking
    /// (which runs the tasks), no blocking call and no other `block_on`
    /// poll runs (`quiescence.rs`). Always false on the real clock.
    fn may_advance(&self) -> bool {
        self.quiescence
            .as_ref()
            .is_some_and(|quiescence| quiescence.may_advance(|| true))
    }

    /// Whether this thread holds the core (runs the tasks) now.
    fn holds_core(&self, thread: Option<&ThreadContext>) -> bool {
        let cx = current(thread);
        // SAFETY: set only while `block_on` keeps the context alive on this
        // thread's stack.
        !cx.is_null() && ptr::eq(Arc::as_ptr(&unsafe { &*cx }.shared), self)
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject.lock().len()
    }

    pub(crate) fn local_queue_depth(&self) -> usize {
        match self.core.try_lock().as_deref() {
            Some(Some(core)) => core.local.len(),
            // Held by the thread inside `block_on`: as it last left it.
            _ => self.local_depth.load(Ordering::Relaxed) as usize,
        }
    }

    fn schedule_task(&self, task: Notified, thread: Option<&ThreadContext>) {
        if self.shutdown.load(Ordering::Acquire) {
            drop(task);
            return;
        }
        let cx = current(thread);
        if !cx.is_null() {
            // SAFETY: set only while `block_on` keeps the context alive on
            // this thread's stack.
            let cx = unsafe { &*cx };
            if ptr::eq(Arc::as_ptr(&cx.shared), self) {
                if let Ok(mut core) = cx.core.try_borrow_mut() {
                    if let Some(core) = core.as_mut() {
                        core.local.push_back(task);
                        self.local_depth
                            .store(core.local.len() as u64, Ordering::Relaxed);
                        return;
                    }
                }
            }
        }
        self.inject.lock().push_back(task);
        self.unparker.unpark();
    }

    pub(crate) fn signal_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        self.unparker.unpark();
    }

    /// Cancels every task and drops every queue entry.
    pub(crate) fn shutdown_tasks(&self) {
        self.owned.close_and_shutdown_all();
        self.drain_queues();
        if let Some(driver) = &self.driver {
            driver.shutdown();
        }
        self.drain_queues();
    }

    fn drain_queues(&self) {
        let local = self
            .core
            .lock()
            .as_mut()
            .map(|core| std::mem::take(&mut core.local));
        drop(local);
        let inject = std::mem::take(&mut *self.inject.lock());
        drop(inject);
    }
}

impl CoreContext {
    fn run<F: Future>(&self, mut future: Pin<&mut F>, thread: &ThreadContext) -> F::Output {
        let shared = &*self.shared;
        let main = StdArc::new(MainWaker {
            woken: AtomicBool::new(true),
            unparker: shared.unparker.clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        self.with_busy(BusyClock::start);
        struct Stop<'a>(&'a CoreContext);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                let metrics = &self.0.shared.metrics;
                self.0.with_busy(|busy| busy.stop(metrics));
            }
        }
        let _stop = Stop(self);
        loop {
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(output) =
                    crate::context::poll_in_budget(thread, || future.as_mut().poll(&mut cx)).0
                {
                    return output;
                }
                self.tick();
            }
            // A batch of tasks between two polls of the main future, even
            // when it is already woken again: a `block_on` future that
            // keeps yielding must not starve the tasks.
            let mut ran = 0;
            while ran < MAINTENANCE_INTERVAL {
                let Some(task) = self.next_task() else { break };
                shared.metrics.polls.incr();
                shared
                    .metrics
                    .poll_in_budget(thread, || task.run_in(thread));
                ran += 1;
                self.tick();
            }
            if ran == 0 && !main.woken.load(Ordering::Acquire) {
                let parker = self.core.borrow().as_ref().map(|c| c.parker.clone_parker());
                if let Some(parker) = parker {
                    shared.metrics.parks.incr();
                    self.with_busy(|busy| busy.stop(&shared.metrics));
                    parker.park(None, || shared.may_advance());
                    self.with_busy(BusyClock::start);
                }
            }
        }
    }

    /// Counts one poll; every `MAINTENANCE_INTERVAL` polls, turns the driver
    /// without blocking. Counting every poll, not batch sizes, is what
    /// keeps a thread that never parks (a `block_on` future that keeps
    /// waking itself, or that ping-pongs with one task) turning it.
    fn tick(&self) {
        let due = {
            let mut core = self.core.borrow_mut();
            let Some(core) = core.as_mut() else { return };
            core.tick = core.tick.wrapping_add(1);
            core.tick % MAINTENANCE_INTERVAL == 0
        };
        // Not borrowed across the turn: the tasks it wakes are queued on
        // the core.
        if due {
            if let Some(driver) = &self.shared.driver {
                driver.turn_nonblocking();
            }
        }
    }

    fn with_busy(&self, f: impl FnOnce(&mut BusyClock)) {
        if let Some(core) = self.core.borrow_mut().as_mut() {
            f(&mut core.busy);
        }
    }

    fn next_task(&self) -> Option<Notified> {
        let mut core = self.core.borrow_mut();
        let core = core.as_mut()?;
        if core.tick % MAINTENANCE_INTERVAL == 0 {
            if let Some(task) = self.shared.inject.lock().pop_front() {
                return Some(task);
            }
        }
        let task = core.local.pop_front();
        self.shared
            .local_depth
            .store(core.local.len() as u64, Ordering::Relaxed);
        task.or_else(|| self.shared.inject.lock().pop_front())
    }
}

impl Spawner for CurrentThread {
    fn bind_and_schedule(
        self: &Arc<Self>,
        task: Task,
        notified: Notified,
        thread: Option<&ThreadContext>,
    ) {
        if self.holds_core(thread) {
            self.metrics.spawns.incr();
        } else {
            self.remote_spawns.add(1);
        }
        match self.owned.bind(task) {
            Ok(()) => self.schedule_task(notified, thread),
            Err(task) => {
                drop(notified);
                task.shutdown();
            }
        }
    }
}

impl Schedule for Arc<CurrentThread> {
    fn schedule(&self, task: Notified) {
        crate::context::with(|thread| self.schedule_task(task, thread));
    }

    fn release(&self, task: NonNull<Header>) -> bool {
        self.owned.remove(task)
    }

    fn unhandled_panic(&self, payload: Box<dyn std::any::Any + Send>) {
        if self.panics.report(payload) {
            self.signal_shutdown();
        }
    }
}
