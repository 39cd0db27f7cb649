//! Shared fixtures for the behaviour tests: drop counters, and (with the
//! `tokio` feature) a Tokio runtime.
#![allow(dead_code, unreachable_pub, reason = "each test file uses a subset")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A boxed child future, for groups of children of different bodies.
pub type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A multi-thread Tokio runtime with four workers and timers.
#[cfg(feature = "tokio")]
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
        DropGuard {
            count: self.0.clone(),
            delay: Duration::ZERO,
        }
    }

    /// A guard whose drop takes `delay` (blocking its thread) before it is
    /// counted, so that a gather returning before its descendants are gone
    /// is caught every time rather than once in a while.
    pub fn slow_guard(&self, delay: Duration) -> DropGuard {
        DropGuard {
            count: self.0.clone(),
            delay,
        }
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Waits (without asserting on time) until `expected` guards have been
    /// dropped; panics after a generous bound instead of hanging.
    #[cfg(feature = "tokio")]
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

/// Adds one to its counter when dropped (after its delay, if any).
#[derive(Debug)]
pub struct DropGuard {
    count: Arc<AtomicUsize>,
    delay: Duration,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        self.count.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future that never completes and holds `guard` until dropped; it counts
/// its first poll in `started`.
pub async fn pending_with(guard: DropGuard, started: DropCounter) {
    let _guard = guard;
    drop(started.guard());
    std::future::pending::<()>().await
}
