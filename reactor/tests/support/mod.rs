//! A minimal stand-in for the runtime: one thread turns the driver until the
//! harness drops, and the test thread runs futures with `futures`' executor
//! inside `handle.enter()`.

#![allow(dead_code)] // each test file uses part of it

use braid_reactor::driver::{Driver, Handle};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

pub(crate) mod linger;
mod watchdog;

#[allow(unused_imports)]
pub(crate) use watchdog::{eventually, within};

/// A driver turned by a background thread.
pub(crate) struct Harness {
    handle: Handle,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Harness {
    /// A real-clock driver.
    pub(crate) fn new() -> Harness {
        Harness::with_clock(false)
    }

    /// A driver whose clock starts paused; timers move only by `advance`.
    pub(crate) fn paused() -> Harness {
        Harness::with_clock(true)
    }

    fn with_clock(start_paused: bool) -> Harness {
        Harness::with_driver(Driver::new(start_paused).expect("driver"))
    }

    /// A harness turning `driver` (made with the spawner a test needs).
    pub(crate) fn with_driver(mut driver: Driver) -> Harness {
        let handle = driver.handle();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    driver.park(None, &|| false);
                }
            })
        };
        Harness {
            handle,
            stop,
            thread: Some(thread),
        }
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs `future` on this thread with the driver current.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _guard = self.handle.enter();
        futures::executor::block_on(future)
    }

    /// Runs `future` on a new thread with the driver current.
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = self.handle.clone();
        thread::spawn(move || {
            let _guard = handle.enter();
            futures::executor::block_on(future)
        })
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.handle.unpark();
        if let Some(thread) = self.thread.take() {
            let result = thread.join();
            if !thread::panicking() {
                result.expect("the driver thread panicked");
            }
        }
    }
}
