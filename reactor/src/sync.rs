//! The one place that names the platform's synchronisation primitives.
//!
//! Everything else in the crate imports its atomics and `Arc` from here, so
//! that under `--cfg loom` the loom model checker sees every shared access of
//! the real code. The locks are `parking_lot`'s outside loom; they guard
//! plain data (the registration slab, the timer wheel, waker slots), and
//! under loom they become loom's so the models can interleave around them.

#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::Arc;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
/// Real OS threads whatever the build: the threads that run blocking calls
/// for a driver made without a runtime. No model runs that path.
pub(crate) use std::thread as os_thread;

#[cfg(loom)]
pub(crate) use lock::{Condvar, Mutex};
#[cfg(not(loom))]
pub(crate) use parking_lot::Mutex;

/// Under loom the locks must be loom's: its threads are coroutines on one OS
/// thread, so a `parking_lot` lock held across a modelled atomic (the
/// readiness re-check under the waiters lock) would block that thread for
/// good when another modelled thread contends for it. Same `lock()` as
/// `parking_lot` (no poisoning).
#[cfg(loom)]
mod lock {
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        }
    }

    /// Loom's condvar, taking and returning the guard of [`Mutex`] (the
    /// scripted poller of `driver/sys_scripted.rs` blocks on it).
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn wait<'a, T>(
            &self,
            guard: loom::sync::MutexGuard<'a, T>,
        ) -> loom::sync::MutexGuard<'a, T> {
            self.0
                .wait(guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

/// `std::task::Wake` takes std's `Arc` whatever the build; wakers made from
/// it are not part of any modelled protocol.
pub(crate) use std::sync::Arc as StdArc;

/// What a signal handler touches, and the table it finds them in: std's
/// whatever the build, as a handler runs outside any model (and the signal
/// module is not built under loom).
#[cfg(all(unix, not(loom)))]
pub(crate) use std::sync::{OnceLock, atomic::AtomicBool as StdAtomicBool};
