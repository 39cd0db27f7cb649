//! One worker thread: find a task, run it, and sleep when there is none.
//!
//! Each tick the worker takes, in order: every 61st tick the injector first
//! (so remote spawns cannot starve behind local work); its LIFO slot (at
//! most three times in a row, so two tasks waking each other cannot starve
//! the deque); its deque; the injector. With nothing there it searches:
//! steals half of a random peer's deque, a peer's stale LIFO slot, or a
//! batch from the injector. Then it parks (see `idle.rs` and `park.rs`).
//! Every 61st tick it also turns the I/O driver without blocking, so a
//! CPU-bound runtime still sees its sockets and timers.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::time::Duration;
#[cfg(not(loom))]
use std::time::Instant;

use super::driver::DriverCell;
use super::lifo::{self, Look};
use super::multi_thread::Shared;
use super::park::{Parker, Unparker};
use super::queue::{Local, Stealer};
use crate::metrics::BusyClock;
use crate::sync::{Arc, thread, thread_local};
use crate::task::Notified;

/// The ticks between maintenance passes. A model may shorten it
/// (`MultiThread::set_maintenance_interval`), so that a busy worker's
/// non-blocking driver turn happens within the few ticks loom explores.
#[cfg(not(loom))]
fn maintenance_interval(_shared: &Shared) -> u32 {
    super::MAINTENANCE_INTERVAL
}

#[cfg(loom)]
fn maintenance_interval(shared: &Shared) -> u32 {
    shared.maintenance_interval()
}

/// How long a searcher that found nothing keeps looking before it parks: a
/// burst of work (a gather's next batch, a reply) often lands within
/// microseconds, and a park costs a futex wait and a wake. Kept short: a
/// spinning worker holds a CPU the kernel needs for I/O-bound work
/// (BENCHMARKS.md has the measurements behind the value).
#[cfg(not(loom))]
const SEARCH_SPIN: Duration = Duration::from_micros(2);

/// Spin-loop hints between two passes of a spinning searcher.
const SPIN_PAUSES: u32 = 64;

/// Where [`Core::push_local`] put the new work, which decides whom the
/// pusher must wake (rules 1 and 6 of `idle.rs`).
#[must_use]
pub(super) enum Pushed {
    /// An entry went to the deque, where any searcher may steal it.
    Deque,
    /// The only new entry sits in the LIFO slot.
    LifoOnly,
}

/// A worker's private state.
pub(crate) struct Core {
    index: usize,
    tick: u32,
    lifo_polls: u32,
    /// True while a task is being polled: only then do wakes use the slot.
    running: bool,
    is_searching: bool,
    /// Set when this worker woke up from watching the LIFO slots: its next
    /// search makes one pass whether or not it may search (rule 6).
    was_watching: bool,
    local: Local<Notified>,
    parker: Parker,
    rng: u32,
    /// The peers' LIFO entries this worker saw on its last search pass.
    seen_lifo: lifo::SeenLifo,
    /// Time awake, for the busy-duration metric.
    busy: BusyClock,
}

impl Core {
    pub(super) fn new(index: usize, driver: Option<Arc<DriverCell>>) -> Core {
        Core {
            index,
            tick: 0,
            lifo_polls: 0,
            running: false,
            is_searching: false,
            was_watching: false,
            local: Local::new_fifo(),
            parker: Parker::new(driver),
            // Any odd seed works for xorshift; spread them per worker.
            rng: (index as u32).wrapping_mul(0x9E37_79B9) | 1,
            seen_lifo: lifo::SeenLifo::new(),
            busy: BusyClock::default(),
        }
    }

    pub(super) fn stealer(&self) -> Stealer<Notified> {
        self.local.stealer()
    }

    pub(super) fn unparker(&self) -> Unparker {
        self.parker.unparker()
    }

    pub(super) fn push_back(&self, task: Notified) {
        self.local.push(task);
    }

    pub(super) fn index(&self) -> usize {
        self.index
    }

    /// Makes a task just allocated on this worker its own (its frees come
    /// back here, see `remote_free.rs`), first freeing what came back so
    /// far, so that the allocation reuses that memory.
    pub(super) fn adopt(&mut self, task: &crate::task::Task, shared: &Shared) {
        self.free_returned(shared);
        task.set_home(self.index);
    }

    /// Frees the tasks of this worker's that other threads let go of.
    fn free_returned(&self, shared: &Shared) {
        shared.remotes[self.index].remote_free.free_all();
    }

    /// Queues a task on this worker (see `multi_thread.rs`, "Where a task
    /// goes"). Returns where the push left stealable work: `Deque` when an
    /// entry went to the deque, `LifoOnly` when the only new entry is in
    /// the LIFO slot.
    pub(super) fn push_local(&mut self, task: Notified, is_yield: bool, shared: &Shared) -> Pushed {
        if is_yield || !self.running {
            self.local.push(task);
            return Pushed::Deque;
        }
        match shared.remotes[self.index].lifo.push(task) {
            Some(prev) => {
                self.local.push(prev);
                Pushed::Deque
            }
            None => Pushed::LifoOnly,
        }
    }

    fn take_lifo(&self, shared: &Shared) -> Option<Notified> {
        shared.remotes[self.index].lifo.take()
    }

    fn next_task(&mut self, shared: &Shared) -> Option<Notified> {
        if self.tick % maintenance_interval(shared) == 0 {
            if let Some(task) = steal_from_injector(shared, &self.local) {
                self.lifo_polls = 0;
                return Some(task);
            }
        }
        if let Some(task) = self.take_lifo(shared) {
            if self.lifo_polls < lifo::MAX_LIFO_POLLS {
                self.lifo_polls += 1;
                return Some(task);
            }
            self.local.push(task);
        }
        self.lifo_polls = 0;
        self.local
            .pop()
            .or_else(|| steal_from_injector(shared, &self.local))
    }

    fn next_random(&mut self, bound: usize) -> usize {
        // xorshift32: cheap, and good enough to spread steal targets.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        (x as usize) % bound
    }

    /// One pass over the peers. Returns a task, and whether a peer holds a
    /// fresh LIFO entry worth watching.
    fn steal_pass(&mut self, shared: &Shared) -> (Option<Notified>, bool) {
        let n = shared.remotes.len();
        let start = self.next_random(n);
        let mut watching = false;
        self.seen_lifo.start_pass();
        for i in 0..n {
            let peer = (start + i) % n;
            if peer == self.index {
                continue;
            }
            let remote = &shared.remotes[peer];
            loop {
                let before = self.local.len();
                let stolen = remote.stealer.steal_batch_and_pop(&self.local);
                if stolen.is_retry() {
                    continue;
                }
                if let Some(task) = stolen.success() {
                    let taken = self.local.len() - before + 1;
                    shared.metrics[self.index].steals.add(taken as u64);
                    return (Some(task), false);
                }
                break;
            }
            match remote.lifo.look(peer, &mut self.seen_lifo) {
                Look::Taken(task) => {
                    shared.metrics[self.index].steals.incr();
                    return (Some(task), false);
                }
                Look::Fresh => watching = true,
                Look::Nothing => {}
            }
        }
        (steal_from_injector(shared, &self.local), watching)
    }
}

fn steal_from_injector(shared: &Shared, local: &Local<Notified>) -> Option<Notified> {
    loop {
        let stolen = shared.inject.steal_batch_and_pop(local);
        if stolen.is_retry() {
            continue;
        }
        return stolen.success();
    }
}

/// How long a searcher has watched a fresh LIFO entry. Under loom, which
/// must replay every execution exactly, it counts passes instead of reading
/// the wall clock: one more pass after the first sighting, enough for the
/// entry to be seen stale when its owner is stuck.
struct WatchClock {
    #[cfg(not(loom))]
    started: Instant,
    #[cfg(loom)]
    passes: std::cell::Cell<u32>,
}

impl WatchClock {
    fn start() -> WatchClock {
        WatchClock {
            #[cfg(not(loom))]
            started: Instant::now(),
            #[cfg(loom)]
            passes: std::cell::Cell::new(0),
        }
    }

    /// Whether to stop searching: after `LIFO_WATCH` while a fresh LIFO
    /// entry is `watching`, else after `SEARCH_SPIN`.
    #[cfg(not(loom))]
    fn expired(&self, watching: bool) -> bool {
        let limit = if watching {
            lifo::LIFO_WATCH
        } else {
            SEARCH_SPIN
        };
        self.started.elapsed() > limit
    }

    #[cfg(loom)]
    fn expired(&self, watching: bool) -> bool {
        self.passes.set(self.passes.get() + 1);
        !watching || self.passes.get() > 1
    }
}

/// The running worker of this thread, if any.
struct WorkerContext {
    shared: Arc<Shared>,
    core: RefCell<Core>,
}

// The seam's `thread_local!`: one value per modelled thread under loom.
thread_local! {
    static CURRENT: Cell<*const WorkerContext> = const { Cell::new(ptr::null()) };
}

/// Calls `f` with this thread's worker core if the thread is a worker of
/// `shared` (and the core is not in use), else with `None`.
pub(super) fn with_current<R>(shared: &Arc<Shared>, f: impl FnOnce(Option<&mut Core>) -> R) -> R {
    let cx = CURRENT.with(Cell::get);
    if cx.is_null() {
        return f(None);
    }
    // SAFETY: `CURRENT` is set only while `run` keeps the context alive on
    // this thread's stack.
    let cx = unsafe { &*cx };
    if !Arc::ptr_eq(&cx.shared, shared) {
        return f(None);
    }
    match cx.core.try_borrow_mut() {
        Ok(mut core) => f(Some(&mut core)),
        Err(_) => f(None),
    }
}

/// The body of a worker thread.
pub(crate) fn run(shared: Arc<Shared>, core: Core) {
    let cx = WorkerContext {
        shared,
        core: RefCell::new(core),
    };
    struct Reset(*const WorkerContext);
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(CURRENT.with(|c| c.replace(&cx)));
    cx.run();
}

impl WorkerContext {
    fn run(&self) {
        let shared = &*self.shared;
        self.core.borrow_mut().busy.start();
        crate::context::refresh_clock();
        while !shared.is_shutdown() {
            let (task, maintenance) = {
                let mut core = self.core.borrow_mut();
                core.tick = core.tick.wrapping_add(1);
                let maintenance = core.tick % maintenance_interval(shared) == 0;
                (core.next_task(shared), maintenance)
            };
            if maintenance {
                crate::context::refresh_clock();
                if let Some(driver) = &shared.driver {
                    driver.turn_nonblocking();
                }
                self.free_returned();
            }
            if let Some(task) = task {
                self.run_task(task);
                continue;
            }
            if let Some(task) = self.search() {
                self.run_task(task);
                continue;
            }
            self.park();
        }
    }

    fn run_task(&self, task: Notified) {
        let shared = &*self.shared;
        let index = {
            let mut core = self.core.borrow_mut();
            if core.is_searching {
                core.is_searching = false;
                if shared.idle.transition_worker_from_searching() {
                    // The last searcher found work: hand the search over, as
                    // more work may be waiting (idle.rs, rule 3).
                    shared.notify_parked();
                }
            }
            core.running = true;
            let remote = &shared.remotes[core.index];
            remote.poll.record(task.meta());
            remote.lifo.start_poll();
            core.index
        };
        let metrics = &shared.metrics[index];
        metrics.polls.incr();
        let forced_yield = braid_reactor::coop::budget(|| {
            task.run();
            cfg!(not(braid_no_metrics)) && braid_reactor::coop::forced_yield()
        });
        if forced_yield {
            metrics.forced_yields.incr();
        }
        shared.remotes[index].lifo.end_poll();
        self.core.borrow_mut().running = false;
    }

    fn search(&self) -> Option<Notified> {
        let shared = &*self.shared;
        let mut core = self.core.borrow_mut();
        if core.was_watching && !core.is_searching {
            // The watcher's last look (rule 6): one pass, which also records
            // what it sees for the next look. `was_watching` stays set, so
            // that `park` takes the role again if a slot still holds an
            // entry.
            return core.steal_pass(shared).0;
        }
        if !core.is_searching {
            core.is_searching = shared.idle.transition_worker_to_searching();
            if !core.is_searching {
                return None;
            }
        }
        let watch = WatchClock::start();
        loop {
            let (task, watching) = core.steal_pass(shared);
            if task.is_some() || shared.is_shutdown() {
                return task;
            }
            if watch.expired(watching) {
                return None;
            }
            drop(core);
            if watching {
                thread::yield_now();
            } else {
                for _ in 0..SPIN_PAUSES {
                    std::hint::spin_loop();
                }
            }
            core = self.core.borrow_mut();
        }
    }

    fn free_returned(&self) {
        self.core.borrow().free_returned(&self.shared);
    }

    /// Rule 7 of idle.rs, on the way to sleep: looks at the peers' polls,
    /// reports those stalled, and if one is inside a poll takes the stall
    /// watcher's role. Returns how long to sleep as the watcher.
    #[cfg(not(loom))]
    fn look_for_stalls(&self) -> Option<Duration> {
        let shared = &*self.shared;
        let stall = &shared.stall;
        if !stall.enabled() {
            return None;
        }
        let me = self.core.borrow().index;
        let reports = stall.look(me, |peer| {
            let remote = &shared.remotes[peer];
            (remote.lifo.epoch(), &remote.poll)
        });
        for report in &reports {
            crate::stall::report(&stall.config, report);
        }
        // This worker is already counted as parked: any count left is a
        // peer awake, which may start a long poll at any moment.
        if shared.idle.all_others_parked() {
            stall.decline();
            return None;
        }
        stall.try_start_watching().then(|| stall.watch_period())
    }

    /// Rule 7: woken while nobody watches for stalls, call a sleeper to it.
    #[cfg(not(loom))]
    fn call_stall_watcher(&self, me: usize) {
        let shared = &*self.shared;
        if !shared.stall.enabled() || !shared.stall.should_call_watcher() {
            return;
        }
        match shared.idle.a_sleeper(me) {
            Some(sleeper) => shared.remotes[sleeper].unparker.unpark(),
            None => shared.stall.decline(),
        }
    }

    #[cfg(loom)]
    fn call_stall_watcher(&self, _me: usize) {}

    #[cfg(loom)]
    fn look_for_stalls(&self) -> Option<Duration> {
        None
    }

    fn park(&self) {
        // Nothing waits for memory while this worker sleeps (rule 3 of
        // `remote_free.rs` stops new hand-overs meanwhile).
        self.free_returned();
        let shared = &*self.shared;
        let (index, parker, watch) = {
            let mut core = self.core.borrow_mut();
            let metrics = &shared.metrics[core.index];
            metrics.parks.incr();
            core.busy.stop(metrics);
            let was_searching = std::mem::replace(&mut core.is_searching, false);
            let was_watching = std::mem::replace(&mut core.was_watching, false);
            let last_searcher = shared
                .idle
                .transition_worker_to_parked(core.index, was_searching);
            let mut watch = false;
            if last_searcher || was_watching {
                if shared.has_stealable_work() {
                    // Rule 2 of idle.rs: work arrived while we were giving up.
                    shared.notify_parked();
                } else if shared.has_lifo_entry() {
                    // Rule 6: watch the slots, unless someone already does.
                    watch = shared.idle.try_start_watching();
                }
            }
            // Parked without the core borrowed: the driver wakes tasks from
            // inside `park`, and they are queued on this core.
            (core.index, core.parker.clone_parker(), watch)
        };
        let stall_watch = self.look_for_stalls();
        if !shared.is_shutdown() {
            let timeout = match (watch.then_some(lifo::LIFO_RECHECK), stall_watch) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            parker.park(timeout, || shared.is_idle());
        }
        if watch {
            shared.idle.stop_watching();
        }
        if stall_watch.is_some() {
            shared.stall.stop_watching();
        }
        let by_producer = {
            let mut core = self.core.borrow_mut();
            core.busy.start();
            crate::context::refresh_clock();
            if !shared.idle.transition_worker_from_parked(index) {
                // Woken by a producer: it counted us as searching (and the
                // search looks at the slots anyway).
                core.is_searching = true;
                true
            } else {
                core.was_watching = watch;
                false
            }
        };
        // Rule 7: a stall watcher back from its timeout takes the role
        // again as it parks; any other worker awake now wants a watcher.
        if stall_watch.is_none() || by_producer {
            self.call_stall_watcher(index);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
