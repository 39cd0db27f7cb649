//! A countdown latch: tasks count down, a plain thread waits for zero.

use crate::sync::{AtomicUsize, Condvar, Mutex, Ordering};

/// Counts down from `n`; [`wait`](Latch::wait) blocks the calling thread
/// until it reaches zero. Runtime-agnostic, so the remote-spawn workloads
/// can wait for their tasks without a `block_on` of their own.
///
/// # Examples
///
/// ```
/// use braid_benches::Latch;
/// use std::sync::Arc;
///
/// let latch = Arc::new(Latch::new(2));
/// let other = Arc::clone(&latch);
/// std::thread::spawn(move || {
///     other.count_down();
///     other.count_down();
/// });
/// latch.wait();
/// ```
#[derive(Debug)]
pub struct Latch {
    remaining: AtomicUsize,
    reached_zero: Mutex<bool>,
    condvar: Condvar,
}

impl Latch {
    /// A latch that opens after `n` count-downs.
    ///
    /// # Examples
    ///
    /// ```
    /// braid_benches::Latch::new(0).wait(); // already open
    /// ```
    pub fn new(n: usize) -> Latch {
        Latch {
            remaining: AtomicUsize::new(n),
            reached_zero: Mutex::new(n == 0),
            condvar: Condvar::new(),
        }
    }

    /// Counts one down; the last one wakes the waiter.
    ///
    /// # Panics
    ///
    /// When counted down more often than `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// let latch = braid_benches::Latch::new(1);
    /// latch.count_down();
    /// latch.wait();
    /// ```
    pub fn count_down(&self) {
        // AcqRel: the waiter, woken by the last count-down, sees every
        // counting task's writes.
        let before = self.remaining.fetch_sub(1, Ordering::AcqRel);
        assert!(
            before > 0,
            "latch counted down more often than it was set to"
        );
        if before == 1 {
            *self.reached_zero.lock().expect("latch mutex poisoned") = true;
            self.condvar.notify_all();
        }
    }

    /// Blocks until the count reaches zero.
    ///
    /// # Examples
    ///
    /// ```
    /// braid_benches::Latch::new(0).wait();
    /// ```
    pub fn wait(&self) {
        let mut reached_zero = self.reached_zero.lock().expect("latch mutex poisoned");
        while !*reached_zero {
            reached_zero = self
                .condvar
                .wait(reached_zero)
                .expect("latch mutex poisoned");
        }
    }
}
