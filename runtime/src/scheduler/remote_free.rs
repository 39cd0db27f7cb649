//! Tasks freed far from home: each worker's list of task allocations that
//! other threads let go of, for the worker to free itself.
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
//! thread cache, every few spawns (`SPAWNS_PER_FREE` in `worker.rs`), at its
//! regular maintenance and before it sleeps.
//!
//! # Protocol
//!
//! The list is a stack of task headers, linked through the owned-list links
//! (`Links::next`), free after a task's last reference is gone.
//!
//! 1. Any thread pushes (a compare-and-swap loop on the head). A push
//!    publishes the task with `Release`; the home worker takes the whole
//!    list with one `Acquire` swap, so no node is ever popped by two threads
//!    and there is no ABA.
//! 2. Only the home worker takes the list, except at shutdown, when the
//!    runtime takes it for the last time and leaves `CLOSED` in the head: a
//!    late push then fails, and its thread frees the task itself.
//! 3. A pusher that finds the home worker asleep frees the task itself: a
//!    parked worker allocates nothing, and memory must not wait for it.

use std::ptr::{self, NonNull};

use crate::sync::{AtomicPtr, Ordering};
use crate::task::Header;

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
            // SAFETY: the task is dead and ours (the contract): its links
            // are ours to write.
            unsafe { task.as_ref() }
                .owned
                .with_mut(|links| unsafe { (*links).next = NonNull::new(head) });
            // Release: the task's last writes (and the link) happen before
            // the home worker's take.
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

    /// Frees every task on the list. Called by the home worker only.
    pub(crate) fn free_all(&self) {
        // Relaxed: a quick look first, as the list is usually empty; the
        // swap below acquires whatever is taken.
        if self.head.load(Ordering::Relaxed).is_null() {
            return;
        }
        free_list(self.head.swap(ptr::null_mut(), Ordering::Acquire));
    }

    /// Rule 2: frees every task on the list and closes it.
    pub(crate) fn close(&self) {
        free_list(self.head.swap(CLOSED, Ordering::Acquire));
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
