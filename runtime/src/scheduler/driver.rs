//! The I/O and timer driver as the scheduler sees it: one per runtime,
//! polled by whichever worker goes idle first, interrupted by a waker.

use std::time::Duration;

use crate::sync::{Mutex, MutexGuard};

/// The runtime's driver, shared by its workers.
pub(crate) struct DriverCell {
    driver: Mutex<braid_reactor::driver::Driver>,
    handle: braid_reactor::driver::Handle,
}

pub(crate) struct DriverGuard<'a> {
    driver: MutexGuard<'a, braid_reactor::driver::Driver>,
}

impl DriverCell {
    pub(crate) fn new(start_paused: bool) -> std::io::Result<DriverCell> {
        let driver = braid_reactor::driver::Driver::new(start_paused)?;
        let handle = driver.handle();
        Ok(DriverCell {
            driver: Mutex::new(driver),
            handle,
        })
    }

    pub(crate) fn handle(&self) -> &braid_reactor::driver::Handle {
        &self.handle
    }

    /// The driver, unless another worker is already polling it.
    pub(crate) fn try_lock(&self) -> Option<DriverGuard<'_>> {
        self.driver.try_lock().map(|driver| DriverGuard { driver })
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
}

impl DriverGuard<'_> {
    /// Blocks in the driver. `auto_advance` is asked at the moment a paused
    /// clock would jump: true when nothing else in the runtime is running.
    pub(crate) fn park(&mut self, timeout: Option<Duration>, auto_advance: &dyn Fn() -> bool) {
        self.driver.park(timeout, auto_advance);
    }
}
