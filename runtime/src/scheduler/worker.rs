//! One worker: its private state ([`Core`]), what other threads may touch
//! of it ([`Remote`]), and how it picks its next task.
//!
//! Each tick the worker takes, in order: every 61st tick the injector first
//! (so remote spawns cannot starve behind local work); its LIFO slot (at
//! most three times in a row, so two tasks waking each other cannot starve
//! the deque); its deque; the injector. With nothing there it searches:
//! steals half of a random peer's deque, a peer's stale LIFO slot, or a
//! batch from the injector. The thread that runs the worker, its searches
//! and its sleep are in `worker_loop.rs`.

use crossbeam_utils::CachePadded;

use super::driver::DriverCell;
use super::lifo::{self, Look};
use super::park::{Parker, Unparker};
use super::queue::{Injector, Local, Stealer};
use super::remote_free::{RemoteFree, SPAWNS_PER_FREE};
use super::stall::PollInfo;
use crate::metrics::WorkerMetrics;
use crate::sync::Arc;
use crate::task::{Notified, Task};

/// Where [`Core::push_local`] put the new work, which decides whom the
/// pusher must wake (rules 1 and 6 of `idle.rs`).
#[must_use]
pub(super) enum Pushed {
    /// An entry went to the deque, where any searcher may steal it.
    Deque,
    /// The only new entry sits in the LIFO slot.
    LifoOnly,
}

/// What other threads may touch of a worker.
pub(super) struct Remote {
    pub(super) stealer: Stealer<Notified>,
    /// The LIFO slot and the poll epoch (`lifo.rs`).
    pub(super) lifo: lifo::Slot,
    /// The task of the poll under an odd epoch (rule 7 of idle.rs).
    pub(super) poll: PollInfo,
    pub(super) unparker: Unparker,
    /// Tasks this worker allocated that other threads let go of.
    pub(super) remote_free: RemoteFree,
}

impl Remote {
    /// The owner: frees the tasks of its own that other threads let go of.
    pub(super) fn free_returned(&self) {
        self.remote_free.free_all();
    }
}

/// A worker's private state: what a spawn or a wake on the worker's thread
/// reaches, through the thread's worker context (`multi_thread.rs`).
pub(crate) struct Core {
    index: usize,
    lifo_polls: u32,
    /// True while a task is being polled: only then do wakes use the slot.
    running: bool,
    local: Local<Notified>,
    parker: Parker,
    rng: u32,
    /// The peers' LIFO entries this worker saw on its last search pass.
    seen_lifo: lifo::SeenLifo,
    /// Spawns since this worker last freed what came back to it.
    spawns_since_free: u32,
}

impl Core {
    pub(super) fn new(index: usize, driver: Option<Arc<DriverCell>>) -> Core {
        Core {
            index,
            lifo_polls: 0,
            running: false,
            local: Local::new_fifo(),
            parker: Parker::new(driver),
            // Any odd seed works for xorshift; spread them per worker.
            rng: (index as u32).wrapping_mul(0x9E37_79B9) | 1,
            seen_lifo: lifo::SeenLifo::new(),
            spawns_since_free: 0,
        }
    }

    /// The part of this worker that other threads may touch.
    pub(super) fn remote(&self) -> Remote {
        Remote {
            stealer: self.local.stealer(),
            lifo: lifo::Slot::new(),
            poll: PollInfo::new(),
            unparker: self.parker.unparker(),
            remote_free: RemoteFree::new(),
        }
    }

    /// A handle on this worker's parker, to sleep on with the core not
    /// borrowed.
    pub(super) fn parker(&self) -> Parker {
        self.parker.clone_parker()
    }

    pub(super) fn push_back(&self, task: Notified) {
        self.local.push(task);
    }

    pub(super) fn index(&self) -> usize {
        self.index
    }

    /// Makes a task just allocated on this worker its own (its frees come
    /// back here, see `remote_free.rs`), and every `SPAWNS_PER_FREE` spawns
    /// frees what came back so far, so that the next allocations reuse that
    /// memory. `own` is this worker's remote part.
    pub(super) fn adopt(&mut self, task: &Task, own: &Remote) {
        self.spawns_since_free += 1;
        if self.spawns_since_free == SPAWNS_PER_FREE {
            self.spawns_since_free = 0;
            own.free_returned();
        }
        task.set_home(self.index);
    }

    /// Queues a task on this worker (see `multi_thread.rs`, "Where a task
    /// goes"). Returns where the push left stealable work: `Deque` when an
    /// entry went to the deque, `LifoOnly` when the only new entry is in
    /// the LIFO slot.
    pub(super) fn push_local(&mut self, task: Notified, is_yield: bool, own: &Remote) -> Pushed {
        if is_yield || !self.running {
            self.local.push(task);
            return Pushed::Deque;
        }
        match own.lifo.push(task) {
            Some(prev) => {
                self.local.push(prev);
                Pushed::Deque
            }
            None => Pushed::LifoOnly,
        }
    }

    /// A poll of `task` starts: wakes from it use the LIFO slot, and the
    /// stall detector may see what is polled (rule 3 of `lifo.rs`).
    pub(super) fn start_poll(&mut self, task: &Notified, own: &Remote) {
        self.running = true;
        own.poll.record(task.meta());
        own.lifo.start_poll();
    }

    /// The poll started by [`start_poll`](Self::start_poll) has ended.
    pub(super) fn end_poll(&mut self, own: &Remote) {
        own.lifo.end_poll();
        self.running = false;
    }

    fn take_lifo(&self, own: &Remote) -> Option<Notified> {
        own.lifo.take()
    }

    /// The task to run next, from this worker's own queues and the
    /// injector; `maintenance` on a maintenance tick, which looks at the
    /// injector first. The flag is set when a batch from the injector also
    /// queued tasks on this worker's deque: the caller must then notify a
    /// sleeper, as after any push (rule 1 of `idle.rs`), since a worker
    /// on its way to sleep may have looked at both queues while the batch
    /// was in neither.
    /// A task from this worker's own deque, if any.
    pub(super) fn pop_local(&mut self) -> Option<Notified> {
        self.local.pop()
    }

    pub(super) fn next_task(
        &mut self,
        maintenance: bool,
        own: &Remote,
        inject: &Injector<Notified>,
    ) -> (Option<Notified>, bool) {
        if maintenance {
            if let (Some(task), queued) = self.take_from_injector(inject) {
                self.lifo_polls = 0;
                return (Some(task), queued);
            }
        }
        if let Some(task) = self.take_lifo(own) {
            if self.lifo_polls < lifo::MAX_LIFO_POLLS {
                self.lifo_polls += 1;
                return (Some(task), false);
            }
            self.local.push(task);
        }
        self.lifo_polls = 0;
        match self.local.pop() {
            Some(task) => (Some(task), false),
            None => self.take_from_injector(inject),
        }
    }

    /// A task from the injector, and whether the batch queued more on the
    /// deque.
    fn take_from_injector(&self, inject: &Injector<Notified>) -> (Option<Notified>, bool) {
        let before = self.local.len();
        let task = steal_from_injector(inject, &self.local);
        (task, self.local.len() > before)
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

    /// One pass over the peers (`remotes`, this worker's own included) and
    /// the injector, counting what it steals in `metrics`. Returns a task,
    /// and whether a peer holds a fresh LIFO entry worth watching.
    pub(super) fn steal_pass(
        &mut self,
        remotes: &[CachePadded<Remote>],
        inject: &Injector<Notified>,
        metrics: &WorkerMetrics,
    ) -> (Option<Notified>, bool) {
        let n = remotes.len();
        let start = self.next_random(n);
        let mut watching = false;
        self.seen_lifo.start_pass();
        for i in 0..n {
            let peer = (start + i) % n;
            if peer == self.index {
                continue;
            }
            let remote = &remotes[peer];
            loop {
                let before = self.local.len();
                let stolen = remote.stealer.steal_batch_and_pop(&self.local);
                if stolen.is_retry() {
                    continue;
                }
                if let Some(task) = stolen.success() {
                    // This worker searches with its own deque empty (and
                    // only it pushes there), so the length grew by the
                    // batch alone; a peer stealing part of the batch back
                    // meanwhile makes this a lower bound.
                    let taken = self.local.len().saturating_sub(before) + 1;
                    metrics.steals.add(taken as u64);
                    return (Some(task), false);
                }
                break;
            }
            match remote.lifo.look(peer, &mut self.seen_lifo) {
                Look::Taken(task) => {
                    metrics.steals.incr();
                    return (Some(task), false);
                }
                Look::Fresh => watching = true,
                Look::Nothing => {}
            }
        }
        (steal_from_injector(inject, &self.local), watching)
    }
}

fn steal_from_injector(inject: &Injector<Notified>, local: &Local<Notified>) -> Option<Notified> {
    loop {
        let stolen = inject.steal_batch_and_pop(local);
        if stolen.is_retry() {
            continue;
        }
        return stolen.success();
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
