//! Fixtures shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The hang guard, shared with the reactor's tests.
#[path = "../../../reactor/tests/support/watchdog.rs"]
mod watchdog;

#[allow(unused_imports)]
pub(crate) use watchdog::{eventually, within};

/// Counts how many times values made from it were dropped.
#[derive(Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Bumps its counter when dropped.
pub struct DropToken(Arc<AtomicUsize>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `holds` until it is true, for at most thirty seconds: for what
/// another thread finishes after the test has seen its result (a completed
/// task leaves the runtime's list after the poll that completed it).
#[track_caller]
pub fn wait_for(what: &str, holds: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !holds() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

pub fn multi(workers: usize) -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

pub fn current() -> braid::Runtime {
    braid::Builder::new_current_thread().build().unwrap()
}

/// Both flavours, for tests that must hold on each.
pub fn flavours() -> Vec<(&'static str, braid::Runtime)> {
    vec![
        ("multi_thread(1)", multi(1)),
        ("multi_thread(4)", multi(4)),
        ("current_thread", current()),
    ]
}
