//! Shared fixtures for the behaviour tests: a Tokio runtime and drop counters.
#![allow(dead_code, unreachable_pub, reason = "each test file uses a subset")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A multi-thread Tokio runtime with four workers and timers.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap()
}

/// Counts drops of the guards it hands out.
#[derive(Clone, Debug, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    pub fn new() -> DropCounter {
        DropCounter::default()
    }

    pub fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Waits (without asserting on time) until `expected` guards have been
    /// dropped; panics after a generous bound instead of hanging.
    pub async fn wait_for(&self, expected: usize) {
        for _ in 0..10_000 {
            if self.count() >= expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("only {} of {expected} guards were dropped", self.count());
    }
}

/// Adds one to its counter when dropped.
#[derive(Debug)]
pub struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future that never completes and holds `guard` until dropped; it counts
/// its first poll in `started`.
pub async fn pending_with(guard: DropGuard, started: DropCounter) {
    let _guard = guard;
    drop(started.guard());
    std::future::pending::<()>().await
}
