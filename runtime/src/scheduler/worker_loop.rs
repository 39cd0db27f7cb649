//! The body of a worker thread: find a task, run it, search the peers when
//! there is none, and sleep when the search finds nothing.
//!
//! Which task comes next is the core's choice (`worker.rs`); the search is
//! bounded in time (`SEARCH_SPIN`, or `LIFO_WATCH` of `lifo.rs` while a
//! peer's fresh LIFO entry may go stale), and yields the CPU between passes
//! after a quick re-wake (`REWAKE_WINDOW`); sleeping follows `idle.rs` and
//! `park.rs`. Every 61st tick the worker also turns the I/O driver without
//! blocking, so a CPU-bound runtime still sees its sockets and timers.

use std::cell::RefCell;
use std::time::Duration;
#[cfg(not(loom))]
use std::time::Instant;

use super::lifo;
use super::multi_thread::{self, MultiThread};
use super::remote_free::MAINTENANCES_PER_OUTSIDE_FREE;
use super::worker::{Core, Remote};
use crate::context::Context;
use crate::metrics::{BusyClock, WorkerMetrics};
use crate::sync::{Arc, thread};
use crate::task::Notified;

/// How long a searcher that found nothing keeps looking before it parks: a
/// burst of work (a gather's next batch, a reply) often lands within
/// microseconds, and a park costs a futex wait and a wake. Kept short: a
/// spinning worker holds a CPU the kernel needs for I/O-bound work
/// (BENCHMARKS.md has the measurements behind the value).
#[cfg(not(loom))]
const SEARCH_SPIN: Duration = Duration::from_micros(2);

/// A producer's wake this soon after a worker parked makes the worker's
/// searches yield its CPU between passes instead of spinning, until it next
/// parks.
///
/// Work that arrives faster than a park and a wake take (a task spawning
/// children one at a time) wakes the same sleeper over and over: it takes
/// the one task there is, finds nothing more within `SEARCH_SPIN`, and
/// parks just before the next push wakes it again. When the kernel has put
/// the sleeper on the producer's CPU, as it sometimes does even with another
/// CPU free, each of those wakes is a switch away from the producer and
/// back, and the producer's loop crawls while its peer spins on the one CPU
/// they share. A searcher that yields hands that CPU back: the producer
/// pushes on, the searcher finds the work on its next pass, and, still
/// searching, it makes the producer's next wake unnecessary (rule 1 of
/// `idle.rs`). On a CPU of its own a yield returns at once. BENCHMARKS.md
/// ("Two workers on one CPU") has the measurements.
#[cfg(not(loom))]
const REWAKE_WINDOW: Duration = Duration::from_micros(25);

/// Spin-loop hints between two passes of a spinning searcher.
const SPIN_PAUSES: u32 = 64;

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

/// The body of a worker thread.
pub(crate) fn run(shared: Arc<MultiThread>, core: Core) {
    let index = core.index();
    multi_thread::enter(shared, core, |shared, core, context| {
        Worker {
            shared,
            core,
            context,
            index,
            own: shared.remote(index),
            metrics: shared.worker_metrics(index),
            tick: 0,
            is_searching: false,
            was_watching: false,
            rewoken: false,
            busy: BusyClock::default(),
        }
        .run();
    });
}

/// A worker thread's state. The core is borrowed only for short steps, so
/// that the tasks it runs find it free to queue their wakes on.
struct Worker<'a> {
    shared: &'a MultiThread,
    core: &'a RefCell<Core>,
    /// This thread's context, taken once: every poll runs on it (rule 3 of
    /// `context`).
    context: &'a Context,
    index: usize,
    /// This worker's entries in `shared`, looked up once: a poll touches
    /// both, and an index into `shared` costs a bounds check each time.
    own: &'a Remote,
    metrics: &'a WorkerMetrics,
    tick: u32,
    is_searching: bool,
    /// Set when this worker woke up from watching the LIFO slots: its next
    /// search makes one pass whether or not it may search (rule 6 of
    /// `idle.rs`).
    was_watching: bool,
    /// Set when a producer woke this worker within `REWAKE_WINDOW` of its
    /// parking: until it parks again, its searches yield between passes.
    /// Never set under loom, which has no clock.
    rewoken: bool,
    /// Time awake, for the busy-duration metric.
    busy: BusyClock,
}

impl Worker<'_> {
    /// What other threads may touch of this worker.
    fn own(&self) -> &Remote {
        self.own
    }

    fn metrics(&self) -> &WorkerMetrics {
        self.metrics
    }

    fn run(&mut self) {
        let shared = self.shared;
        self.busy.start();
        crate::context::refresh_clock();
        while !shared.is_shutdown() {
            self.tick = self.tick.wrapping_add(1);
            let maintenance = self.tick % shared.maintenance_interval() == 0;
            let (task, queued) =
                self.core
                    .borrow_mut()
                    .next_task(maintenance, self.own(), shared.injector());
            if queued {
                // Rule 1 of idle.rs: the batch is a push onto this deque.
                shared.notify_parked();
            }
            if maintenance {
                crate::context::refresh_clock();
                if let Some(driver) = shared.driver() {
                    driver.turn_nonblocking();
                }
                self.own().free_returned();
                if self.tick % (shared.maintenance_interval() * MAINTENANCES_PER_OUTSIDE_FREE) == 0
                {
                    shared.free_outside();
                }
            }
            // The driver's turn may have woken tasks onto this worker's
            // deque: they come before a search of the peers, which starts
            // from an empty deque of its own.
            let task = match task {
                None if maintenance => self.core.borrow_mut().pop_local(),
                task => task,
            };
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

    fn run_task(&mut self, task: Notified) {
        let shared = self.shared;
        {
            let mut core = self.core.borrow_mut();
            if self.is_searching {
                self.is_searching = false;
                if shared.idle().transition_worker_from_searching() {
                    // The last searcher found work: hand the search over, as
                    // more work may be waiting (idle.rs, rule 3).
                    shared.notify_parked();
                }
            }
            core.start_poll(&task, self.own());
        }
        // The poll count is the LIFO slot's epoch (`lifo::Slot::polls_started`).
        let context = self.context;
        self.metrics()
            .poll_in_budget(context, || task.run_in(context));
        self.core.borrow_mut().end_poll(self.own());
    }

    /// One pass over the peers and the injector (see `Core::steal_pass`).
    fn steal_pass(&self) -> (Option<Notified>, bool) {
        let shared = self.shared;
        self.core
            .borrow_mut()
            .steal_pass(shared.remotes(), shared.injector(), self.metrics())
    }

    fn search(&mut self) -> Option<Notified> {
        let shared = self.shared;
        if self.was_watching && !self.is_searching {
            // The watcher's last look (rule 6): one pass, which also records
            // what it sees for the next look; `park` takes the role again if
            // a slot still holds an entry.
            return self.steal_pass().0;
        }
        if !self.is_searching {
            self.is_searching = shared.idle().transition_worker_to_searching();
            if !self.is_searching {
                return None;
            }
        }
        let watch = WatchClock::start();
        loop {
            let (task, watching) = self.steal_pass();
            if task.is_some() || shared.is_shutdown() {
                return task;
            }
            if watch.expired(watching) {
                return None;
            }
            if watching || self.rewoken {
                // Rule 5 of lifo.rs, or `REWAKE_WINDOW`: a peer that
                // shares this CPU gets it back.
                thread::yield_now();
            } else {
                for _ in 0..SPIN_PAUSES {
                    std::hint::spin_loop();
                }
            }
        }
    }

    /// Rule 7 of idle.rs, on the way to sleep: looks at the peers' polls,
    /// reports those stalled, and if one is inside a poll takes the stall
    /// watcher's role. Returns how long to sleep as the watcher.
    #[cfg(not(loom))]
    fn look_for_stalls(&self) -> Option<Duration> {
        let shared = self.shared;
        let stall = shared.stall();
        if !stall.enabled() {
            return None;
        }
        let reports = stall.look(self.index, |peer| {
            let remote = shared.remote(peer);
            (remote.lifo.epoch(), &remote.poll)
        });
        for report in &reports {
            crate::stall::report(&stall.config, report);
        }
        // This worker is already counted as parked: any count left is a
        // peer awake, which may start a long poll at any moment.
        if shared.idle().all_others_parked() {
            stall.decline();
            return None;
        }
        stall.try_start_watching().then(|| stall.watch_period())
    }

    /// Rule 7: woken while nobody watches for stalls, call a sleeper to it.
    #[cfg(not(loom))]
    fn call_stall_watcher(&self) {
        let shared = self.shared;
        let stall = shared.stall();
        if !stall.enabled() || !stall.should_call_watcher() {
            return;
        }
        match shared.idle().a_sleeper(self.index) {
            Some(sleeper) => shared.remote(sleeper).unparker.unpark(),
            None => stall.decline(),
        }
    }

    #[cfg(loom)]
    fn call_stall_watcher(&self) {}

    #[cfg(loom)]
    fn look_for_stalls(&self) -> Option<Duration> {
        None
    }

    fn park(&mut self) {
        // Nothing waits for memory while this worker sleeps (rule 3 of
        // `remote_free.rs` stops new hand-overs meanwhile), nor, as far as
        // this worker can help it, while the runtime is idle (rule 4).
        self.own().free_returned();
        let shared = self.shared;
        shared.free_outside();
        let metrics = shared.worker_metrics(self.index);
        metrics.parks.incr();
        self.busy.stop(metrics);
        let was_searching = std::mem::replace(&mut self.is_searching, false);
        self.was_watching = false;
        shared
            .idle()
            .transition_worker_to_parked(self.index, was_searching);
        let mut watch = false;
        if shared.has_stealable_work() {
            // Rule 2 of idle.rs: work arrived while we were giving up. Every
            // worker looks, not only the last searcher: the last searcher's
            // hand-off (rule 3) finds no sleeper to wake in a worker that
            // had not yet recorded itself as parked.
            shared.notify_parked();
        } else if shared.has_lifo_entry() {
            // Rule 6: watch the slots, unless someone already does, whether
            // or not this worker searched: a pusher that saw it awake woke
            // nobody for its entry.
            watch = shared.idle().try_start_watching();
        }
        // Parked without the core borrowed: the driver wakes tasks from
        // inside `park`, and they are queued on this core.
        let parker = self.core.borrow().parker();
        let stall_watch = self.look_for_stalls();
        #[cfg(not(loom))]
        let parked_at = Instant::now();
        if !shared.is_shutdown() {
            let timeout = match (watch.then_some(lifo::LIFO_RECHECK), stall_watch) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            parker.park(timeout, || shared.may_advance());
        }
        if watch {
            shared.idle().stop_watching();
        }
        if stall_watch.is_some() {
            shared.stall().stop_watching();
        }
        self.busy.start();
        crate::context::refresh_clock();
        let by_producer = if !shared.idle().transition_worker_from_parked(self.index) {
            // Woken by a producer: it counted us as searching (and the
            // search looks at the slots anyway).
            self.is_searching = true;
            true
        } else {
            self.was_watching = watch;
            false
        };
        #[cfg(not(loom))]
        {
            self.rewoken = by_producer && parked_at.elapsed() < REWAKE_WINDOW;
        }
        // Rule 7: a stall watcher back from its timeout takes the role
        // again as it parks; any other worker awake now wants a watcher.
        if stall_watch.is_none() || by_producer {
            self.call_stall_watcher();
        }
    }
}
