//! The I/O and timer driver as the scheduler sees it: one per runtime,
//! polled by whichever worker goes idle first, interrupted by a waker.
//!
//! # Handing the driver over
//!
//! An idle worker that finds the driver taken sleeps on its condvar. The
//! holder may be another idle worker parked in it (which will poll for
//! both), but it may also be a busy worker making its non-blocking turn, or
//! a parked one just woken to run a task; either may then run a long task
//! that never yields, and nobody would poll the OS though a worker is idle.
//! So every release of the driver hands it over:
//!
//! 1. A worker that fails to take the driver for a park records a waker
//!    that unparks it in `waiting`, under the `waiting` lock, in the same
//!    critical section as its `try_lock`.
//! 2. Whoever releases the driver does so first, then takes `waiting` and
//!    wakes every worker recorded there.
//!
//! No hand-over is lost: if the waiter's critical section comes first, the
//! releaser finds it recorded; if the releaser's comes first, its release
//! happened before the waiter's `try_lock`, which then succeeds (or fails
//! because a third worker took the driver, and that one releases it in
//! turn). An unparked waiter simply parks again and takes the driver. A
//! waiter woken some other way keeps its entry, which costs it at most one
//! spurious return from a later park.

use std::task::Waker;
use std::time::Duration;

use crate::sync::{Mutex, TryMutex, TryMutexGuard};

/// The runtime's driver, shared by its workers.
pub(crate) struct DriverCell {
    driver: TryMutex<braid_reactor::driver::Driver>,
    handle: braid_reactor::driver::Handle,
    /// Idle workers that found the driver taken and sleep on their condvar:
    /// a waker each, that unparks it. (Wakers, so that the cell needs
    /// nothing of `park.rs`, whose parker holds the cell.)
    waiting: Mutex<Vec<Waker>>,
}

/// The driver, held by one worker; releasing it hands it over.
pub(crate) struct DriverGuard<'a> {
    /// `Some` until the guard drops: released before the hand-over.
    driver: Option<TryMutexGuard<'a, braid_reactor::driver::Driver>>,
    cell: &'a DriverCell,
}

impl DriverCell {
    /// A driver whose blocking calls (host-name lookups) run through
    /// `blocking`, the runtime's blocking pool.
    pub(crate) fn new(
        start_paused: bool,
        blocking: Box<dyn braid_reactor::driver::BlockingSpawner>,
    ) -> std::io::Result<DriverCell> {
        let driver = braid_reactor::driver::Driver::with_blocking(start_paused, blocking)?;
        let handle = driver.handle();
        Ok(DriverCell {
            driver: TryMutex::new(driver),
            handle,
            waiting: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn handle(&self) -> &braid_reactor::driver::Handle {
        &self.handle
    }

    fn try_lock(&self) -> Option<DriverGuard<'_>> {
        self.driver.try_lock().map(|driver| DriverGuard {
            driver: Some(driver),
            cell: self,
        })
    }

    /// The driver for a park; if another worker holds it, `waiter` is
    /// recorded and unparked when the driver is released (rule 1).
    pub(crate) fn try_lock_or_wait(&self, waiter: &Waker) -> Option<DriverGuard<'_>> {
        let mut waiting = self.waiting.lock();
        let guard = self.try_lock();
        if guard.is_none() && !waiting.iter().any(|w| w.will_wake(waiter)) {
            waiting.push(waiter.clone());
        }
        guard
    }

    /// Interrupts a worker blocked in the driver's poll.
    pub(crate) fn unpark(&self) {
        self.handle.unpark();
    }

    /// A non-blocking turn, for busy workers, so I/O and timers are not
    /// starved by CPU-bound tasks. Skipped if another worker holds it.
    pub(crate) fn turn_nonblocking(&self) {
        if let Some(mut guard) = self.try_lock() {
            guard.park(Some(Duration::ZERO), &|| false);
        }
    }

    /// Wakes every task waiting on I/O or a timer; new registrations fail.
    pub(crate) fn shutdown(&self) {
        self.driver.lock().shutdown();
    }

    /// Rule 2, after the driver was released.
    fn hand_over(&self) {
        let waiting = std::mem::take(&mut *self.waiting.lock());
        for waiter in waiting {
            waiter.wake();
        }
    }
}

impl DriverGuard<'_> {
    /// Blocks in the driver. `auto_advance` is asked at the moment a paused
    /// clock would jump: true when nothing else in the runtime is running.
    pub(crate) fn park(&mut self, timeout: Option<Duration>, auto_advance: &dyn Fn() -> bool) {
        if let Some(driver) = &mut self.driver {
            driver.park(timeout, auto_advance);
        }
    }
}

impl Drop for DriverGuard<'_> {
    fn drop(&mut self) {
        drop(self.driver.take());
        self.cell.hand_over();
    }
}
