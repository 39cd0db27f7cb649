//! The owned-task list: every live task of a runtime, so that shutdown can
//! cancel the ones that sit idle (held only by wakers) and free them.
//!
//! Sharded by task address to keep spawns on different workers off each
//! other's lock. Each shard is an intrusive doubly linked list through the
//! task headers; the links are only touched under the shard's lock.

use std::ptr::NonNull;

use super::header::Header;
use super::{RawTask, Task};
use crate::sync::Mutex;
use crossbeam_utils::CachePadded;

pub(crate) struct OwnedTasks {
    /// Each on a cache line of its own: workers spawning and completing
    /// tasks of different shards must not contend for one line.
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
    closed: bool,
}

// SAFETY: the shards hold pointers to tasks, which are `Send`; the pointers
// are only followed under the shard lock.
unsafe impl Send for Shard {}

impl OwnedTasks {
    /// A list with at least `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        // One shard under loom: a task's shard is picked by its address,
        // which changes between executions, and loom must replay each one
        // exactly. The list's logic is the same for any shard count.
        #[cfg(loom)]
        let shards = {
            let _ = shards;
            1_usize
        };
        let n = shards.max(1).next_power_of_two();
        let shards = (0..n)
            .map(|_| {
                CachePadded::new(Mutex::new(Shard {
                    head: None,
                    len: 0,
                    closed: false,
                }))
            })
            .collect();
        OwnedTasks { shards }
    }

    fn shard(&self, ptr: NonNull<Header>) -> &Mutex<Shard> {
        // Task cells are at least 64-byte apart; drop the low bits that
        // never differ.
        let index = (ptr.as_ptr() as usize >> 6) & (self.shards.len() - 1);
        &self.shards[index]
    }

    /// Adds a new task. Fails, giving the task back, once the list is
    /// closed (the runtime is shutting down): the caller shuts it down.
    pub(crate) fn bind(&self, task: Task) -> Result<(), Task> {
        let ptr = task.raw().ptr();
        let mut shard = self.shard(ptr).lock();
        if shard.closed {
            return Err(task);
        }
        let old_head = shard.head;
        // SAFETY: the shard lock is held, which guards every task's links.
        unsafe {
            set_links(ptr, None, old_head, true);
            if let Some(old) = old_head {
                with_links(old, |links| links.prev = Some(ptr));
            }
        }
        shard.head = Some(ptr);
        shard.len += 1;
        // The list now owns the task's reference.
        std::mem::forget(task);
        Ok(())
    }

    /// Unlinks a completed task. True if it was linked: the caller then
    /// drops the list's reference.
    pub(crate) fn remove(&self, ptr: NonNull<Header>) -> bool {
        let mut shard = self.shard(ptr).lock();
        // SAFETY: the shard lock is held.
        unsafe { unlink(&mut shard, ptr) }
    }

    /// Closes the list and shuts down every task still in it. Tasks bound
    /// later are refused. Returns how many were shut down.
    pub(crate) fn close_and_shutdown_all(&self) -> usize {
        let mut count = 0;
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.closed = true;
            while let Some(ptr) = shard.head {
                // SAFETY: the shard lock is held and `ptr` is linked here.
                let removed = unsafe { unlink(&mut shard, ptr) };
                debug_assert!(removed);
                // Shutting down may drop futures that run arbitrary code,
                // including spawns that take this lock: release it first.
                drop(shard);
                // SAFETY: the list's reference is handed over, and the task
                // was unlinked.
                unsafe { RawTask::from_ptr(ptr).shutdown() };
                count += 1;
                shard = self.shard(ptr).lock();
            }
        }
        count
    }

    /// Calls `f` with every task in the list, under each shard's lock in
    /// turn (so `f` must not spawn, nor complete a task). The list's
    /// reference keeps each task alive during its call.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            let mut next = shard.head;
            while let Some(ptr) = next {
                f(RawTask::from_ptr(ptr));
                // SAFETY: the shard lock is held and `ptr` is linked here.
                next = unsafe { with_links(ptr, |links| links.next) };
            }
        }
    }

    /// Tasks alive in the runtime (for tests and metrics).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }
}

/// # Safety
///
/// The lock of the shard that `ptr` hashes to is held, and no other
/// reference to its links exists.
unsafe fn with_links<R>(ptr: NonNull<Header>, f: impl FnOnce(&mut super::header::Links) -> R) -> R {
    // SAFETY: the task is alive (the list holds a reference) and the lock
    // serialises access to its links.
    unsafe { ptr.as_ref() }
        .owned
        .with_mut(|links| f(unsafe { &mut *links }))
}

/// # Safety
///
/// As [`with_links`].
unsafe fn set_links(
    ptr: NonNull<Header>,
    prev: Option<NonNull<Header>>,
    next: Option<NonNull<Header>>,
    linked: bool,
) {
    // SAFETY: forwarded.
    unsafe {
        with_links(ptr, |links| {
            links.prev = prev;
            links.next = next;
            links.linked = linked;
        })
    }
}

/// # Safety
///
/// The shard's lock is held (`shard` is its guard's target) and `ptr`
/// hashes to this shard.
unsafe fn unlink(shard: &mut Shard, ptr: NonNull<Header>) -> bool {
    // SAFETY: lock held, per the contract.
    let (prev, next, linked) = unsafe { with_links(ptr, |l| (l.prev, l.next, l.linked)) };
    if !linked {
        return false;
    }
    // SAFETY: lock held; neighbours are linked tasks of this shard.
    unsafe {
        match prev {
            Some(prev) => with_links(prev, |l| l.next = next),
            None => shard.head = next,
        }
        if let Some(next) = next {
            with_links(next, |l| l.prev = prev);
        }
        set_links(ptr, None, None, false);
    }
    shard.len -= 1;
    true
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::{Arc, AtomicUsize, Mutex, Ordering as StdOrdering};
    use crate::task::{self, Notified, Schedule};
    use std::future::Future;

    /// A scheduler that keeps its tasks in an owned list, as the runtimes
    /// do, and its queue entries in a vector.
    struct Listed {
        owned: OwnedTasks,
        queue: Mutex<Vec<Notified>>,
    }

    impl Schedule for Arc<Listed> {
        fn schedule(&self, task: Notified) {
            self.queue.lock().push(task);
        }

        fn release(&self, task: NonNull<Header>) -> bool {
            self.owned.remove(task)
        }
    }

    fn listed(shards: usize) -> Arc<Listed> {
        Arc::new(Listed {
            owned: OwnedTasks::new(shards),
            queue: Mutex::new(Vec::new()),
        })
    }

    /// Counts its drops.
    struct Tracked(&'static AtomicUsize);

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, StdOrdering::SeqCst);
        }
    }

    /// Spawns `future` onto `sched`: bound to its list, queued once.
    fn spawn<F>(sched: &Arc<Listed>, future: F) -> Result<(), ()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (task, notified, join) = task::new(
            future,
            sched.clone(),
            std::panic::Location::caller(),
            crate::context::spawn_time(),
        );
        drop(join);
        match sched.owned.bind(task) {
            Ok(()) => {
                sched.schedule(notified);
                Ok(())
            }
            Err(task) => {
                drop(notified);
                task.shutdown();
                Err(())
            }
        }
    }

    fn run_queued(sched: &Listed) {
        let queued = std::mem::take(&mut *sched.queue.lock());
        for task in queued {
            task.run();
        }
    }

    #[test]
    fn completed_tasks_unlink_themselves_from_any_position() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        // Two shards, so both single-shard and cross-shard order occur.
        let sched = listed(2);
        for _ in 0..5 {
            let tracked = Tracked(&DROPS);
            spawn(&sched, async move { drop(tracked) }).unwrap();
        }
        assert_eq!(sched.owned.len(), 5);
        // Entries run in the reverse of spawn order: heads, middles and
        // tails of the shard lists unlink in turn.
        sched.queue.lock().reverse();
        run_queued(&sched);
        assert_eq!(sched.owned.len(), 0);
        assert_eq!(DROPS.load(StdOrdering::SeqCst), 5);
        // No task holds the scheduler any more: every one was freed.
        assert_eq!(Arc::strong_count(&sched), 1);
    }

    #[test]
    fn closing_shuts_down_what_is_left_and_refuses_new_tasks() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        let sched = listed(4);
        for _ in 0..6 {
            let tracked = Tracked(&DROPS);
            spawn(&sched, async move {
                let _tracked = tracked;
                std::future::pending::<()>().await
            })
            .unwrap();
        }
        // Polled once: now idle, held by the list (and by no waker).
        run_queued(&sched);
        assert_eq!(DROPS.load(StdOrdering::SeqCst), 0);
        assert_eq!(sched.owned.close_and_shutdown_all(), 6);
        assert_eq!(DROPS.load(StdOrdering::SeqCst), 6);
        assert_eq!(sched.owned.len(), 0);

        let tracked = Tracked(&DROPS);
        assert!(spawn(&sched, async move { drop(tracked) }).is_err());
        assert_eq!(
            DROPS.load(StdOrdering::SeqCst),
            7,
            "refused, dropped at once"
        );
        assert!(sched.queue.lock().is_empty());
        assert_eq!(Arc::strong_count(&sched), 1);
    }
}
