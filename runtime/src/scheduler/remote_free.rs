//! Tasks freed far from home: lists of task allocations that other threads
//! let go of, for the thread that allocated them to free.
//!
//! # Why
//!
//! A task is allocated on the worker that spawns it and freed wherever its
//! last reference drops, often another worker (a gather child runs where it
//! was stolen to, and frees itself when it completes). With the system
//! allocator, a free on one thread of memory that another thread's arena
//! handed out takes that arena's lock, which the home worker holds as it
//! allocates the next tasks, so the two workers wait on each other
//! (`BENCHMARKS.md`, "Where a task is freed"). So a task freed
//! on another thread while its home worker is awake goes on the home
//! worker's list instead, and the home worker frees it, into its own
//! thread cache, every few spawns ([`SPAWNS_PER_FREE`]), at its regular
//! maintenance and before it sleeps.
//!
//! A task spawned from outside the workers (`Runtime::spawn` on a thread of
//! the application, a spawn inside `block_on`) has no home worker, and the
//! same cost falls on the thread that spawns: it allocates, the workers
//! free, and each waits on the other for the arena. So the runtime keeps
//! one more list, [`Outside`], for those tasks, which the spawning side
//! frees (rule 4).
//!
//! # Protocol
//!
//! A list is a stack of task headers, linked through the owned-list links
//! (`Links::next`), free after a task's last reference is gone.
//!
//! 1. Any thread pushes (a compare-and-swap loop on the head). A push
//!    publishes the task with `Release`; a take swaps the whole list for an
//!    empty one with an `Acquire` compare-and-swap, so no node is ever
//!    popped by two threads and there is no ABA: a take that finds the
//!    head it read takes the list hanging from that head now, published by
//!    the push that wrote it.
//! 2. A worker's list is taken by its home worker only, the [`Outside`]
//!    list by the threads of rule 4. At shutdown the runtime takes each
//!    list for the last time and leaves `CLOSED` in the head, which no take
//!    replaces: a late push then fails, and its thread frees the task
//!    itself.
//! 3. A pusher that finds the home worker asleep frees the task itself: a
//!    parked worker allocates nothing, and memory must not wait for it.
//! 4. The [`Outside`] list is taken by the spawn that brings the runtime's
//!    count of spawns from outside the workers to a multiple of
//!    [`SPAWNS_PER_FREE`] (on its own thread, which allocates next), by a
//!    worker going to sleep, and by a worker at every
//!    [`MAINTENANCES_PER_OUTSIDE_FREE`]-th maintenance pass. No thread can
//!    tell whether more spawns from outside will come, so the workers' takes
//!    bound how long a task waits when they stop.

use std::ptr::{self, NonNull};

use crossbeam_utils::CachePadded;

use crate::sync::{AtomicPtr, CounterU64, Ordering};
use crate::task::Header;

/// A worker frees what came back to it once per this many of its spawns
/// (and at its maintenance and before it sleeps), and the [`Outside`] list
/// is taken once per this many spawns from outside: a look at a list is a
/// read of a line that other threads write, so looking at every spawn would
/// move that line back and forth once per task.
pub(super) const SPAWNS_PER_FREE: u32 = 32;

/// A worker takes the [`Outside`] list at this many maintenance passes'
/// interval (rule 4): rarely enough that the spawning side frees nearly all
/// of it while it spawns, and often enough that a burst of spawns from
/// outside is not kept long after it ends.
pub(super) const MAINTENANCES_PER_OUTSIDE_FREE: u32 = 64;

/// Marks a list taken for the last time (rule 2): no header lives there.
const CLOSED: *mut Header = ptr::dangling_mut();

/// One worker's list of tasks to free.
pub(crate) struct RemoteFree {
    head: AtomicPtr<Header>,
}

impl RemoteFree {
    pub(crate) fn new() -> RemoteFree {
        RemoteFree {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Rule 1: hands a dead task over to the home worker. Returns false,
    /// keeping the task for the caller to free, once the list is closed.
    ///
    /// # Safety
    ///
    /// `task`'s last reference is gone: nothing else uses it any more.
    pub(crate) unsafe fn push(&self, task: NonNull<Header>) -> bool {
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            if head == CLOSED {
                return false;
            }
            // SAFETY: the task is dead and ours (the contract): its header
            // is alive and its links are ours to write.
            unsafe {
                task.as_ref()
                    .owned
                    .with_mut(|links| (*links).next = NonNull::new(head));
            }
            // Release: the task's last writes (and the link) happen before
            // the take that finds it.
            match self.head.compare_exchange_weak(
                head,
                task.as_ptr(),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => head = actual,
            }
        }
    }

    /// Takes the list and frees every task on it (rules 1 and 2); a closed
    /// list stays closed.
    pub(crate) fn free_all(&self) {
        // Relaxed: a quick look first, as the list is usually empty; the
        // compare-and-swap that takes it acquires whatever it takes.
        let mut head = self.head.load(Ordering::Relaxed);
        while !head.is_null() && head != CLOSED {
            match self.head.compare_exchange_weak(
                head,
                ptr::null_mut(),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return free_list(head),
                Err(actual) => head = actual,
            }
        }
    }

    /// Rule 2: frees every task on the list and closes it.
    pub(crate) fn close(&self) {
        free_list(self.head.swap(CLOSED, Ordering::Acquire));
    }
}

/// The list of the tasks allocated off the workers (rule 4), and the count
/// of spawns from outside that paces its takes. Each on a line of its own:
/// the workers write the list, the spawning threads the count.
pub(crate) struct Outside {
    list: CachePadded<RemoteFree>,
    spawns: CachePadded<CounterU64>,
}

impl Outside {
    pub(crate) fn new() -> Outside {
        Outside {
            list: CachePadded::new(RemoteFree::new()),
            spawns: CachePadded::new(CounterU64::new(0)),
        }
    }

    /// Rule 1 for a task allocated off the workers: returns false, keeping
    /// the task for the caller to free, once the list is closed.
    ///
    /// # Safety
    ///
    /// As [`RemoteFree::push`].
    pub(crate) unsafe fn push(&self, task: NonNull<Header>) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.list.push(task) }
    }

    /// Counts `spawns` more spawns from outside the workers, made on this
    /// thread, and takes the list each time the count passes a multiple of
    /// [`SPAWNS_PER_FREE`] (rule 4).
    pub(crate) fn spawned(&self, spawns: u64) {
        // Relaxed: only the pace of the takes depends on the count.
        let before = self.spawns.fetch_add(spawns, Ordering::Relaxed);
        let per_free = u64::from(SPAWNS_PER_FREE);
        if before / per_free != before.wrapping_add(spawns) / per_free {
            self.list.free_all();
        }
    }

    /// A worker's take (rule 4).
    pub(crate) fn free_all(&self) {
        self.list.free_all();
    }

    /// Rule 2: frees every task on the list and closes it.
    pub(crate) fn close(&self) {
        self.list.close();
    }
}

/// Frees the tasks of a list taken off a head.
fn free_list(mut next: *mut Header) {
    while let Some(task) = NonNull::new(next) {
        if next == CLOSED {
            return;
        }
        // SAFETY: the task was pushed dead (rule 1) and taken by us alone;
        // its link is read before it is freed.
        unsafe {
            next = task
                .as_ref()
                .owned
                .with(|links| (*links).next.map_or(ptr::null_mut(), NonNull::as_ptr));
            (task.as_ref().vtable.free)(task);
        }
    }
}

impl Drop for RemoteFree {
    fn drop(&mut self) {
        // The runtime closes every list at shutdown; free whatever a list
        // that was never closed still holds.
        free_list(self.head.swap(CLOSED, Ordering::Acquire));
    }
}
