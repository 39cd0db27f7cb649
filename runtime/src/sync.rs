//! The one place that names the platform's synchronisation primitives.
//!
//! Everything else in the crate imports atomics, `UnsafeCell`, `Arc`, locks and
//! threads from here, so that under `--cfg loom` the loom model checker sees
//! every shared access of the real code. Locks are `parking_lot`'s outside
//! loom; both sides offer the same small API (`lock()` without poisoning,
//! `Condvar::wait` taking and returning the guard).

#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
#[cfg(not(loom))]
pub(crate) use std::thread;
/// Real OS threads, std's whatever the build: the worker threads that
/// `Builder::build` starts and the blocking pool's. No model runs those
/// paths (the models start their workers on `thread`, which is loom's), so
/// they stay outside the checker.
pub(crate) use std::thread as os_thread;
#[cfg(not(loom))]
pub(crate) use std::thread_local;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
#[cfg(loom)]
pub(crate) use loom::thread;
/// Loom runs its threads as coroutines on one OS thread, so a std
/// thread-local would be shared by every modelled worker: under loom the
/// declarations go to loom's `thread_local!`, which takes no `const { }`
/// initialiser; this strips it (the value is the same, made lazily).
#[cfg(loom)]
macro_rules! loom_thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        loom::thread_local!($(#[$attr])* $vis static $name: $t = $init);
        $crate::sync::loom_thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        loom::thread_local!($(#[$attr])* $vis static $name: $t = $init);
        $crate::sync::loom_thread_local!($($rest)*);
    };
}
#[cfg(loom)]
pub(crate) use loom_thread_local as thread_local;
#[cfg(loom)]
pub(crate) use loom_thread_local;
/// std's `Arc` under loom too: the schedulers take `self: &Arc<Self>`, which
/// only std's `Arc` allows. No modelled protocol lives in an `Arc`'s count;
/// the task's own reference count is in its state word, which loom sees.
#[cfg(loom)]
pub(crate) use std::sync::Arc;

/// The weak side of `Arc`, std's in every build as `Arc` is.
pub(crate) use std::sync::Weak;

/// A value set once for the life of the process, outside any modelled
/// protocol (the epoch of spawn times), so std's whatever the build.
pub(crate) use std::sync::OnceLock;

/// `std::task::Wake` needs std's `Arc` whatever the build; only wakers of
/// threads outside the modelled protocols use it.
pub(crate) use std::sync::Arc as StdArc;

/// Likewise, for a setting a loom model changes before the threads start
/// (the maintenance interval).
#[cfg(loom)]
pub(crate) use std::sync::atomic::AtomicU32 as CounterU32;
/// Counters that no protocol depends on (task ids, poll counts, metrics):
/// std's atomic whatever the build, so loom does not explore their
/// interleavings.
pub(crate) use std::sync::atomic::{AtomicPtr as CounterPtr, AtomicU64 as CounterU64};

pub(crate) use cell::UnsafeCell;
pub(crate) use lock::{Condvar, Mutex};
#[cfg(not(loom))]
pub(crate) use lock::{Mutex as TryMutex, MutexGuard as TryMutexGuard};
#[cfg(loom)]
pub(crate) use try_lock::{TryMutex, TryMutexGuard};

#[cfg(not(loom))]
mod cell {
    /// `std::cell::UnsafeCell` with loom's access API, so that the same code
    /// compiles against both.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(loom)]
mod cell {
    pub(crate) use loom::cell::UnsafeCell;
}

#[cfg(not(loom))]
mod lock {
    use std::time::Duration;

    pub(crate) use parking_lot::MutexGuard;

    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(parking_lot::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock()
        }

        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock()
        }
    }

    #[derive(Debug, Default)]
    pub(crate) struct Condvar(parking_lot::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(parking_lot::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(&mut guard);
            guard
        }

        pub(crate) fn wait_timeout<'a, T>(
            &self,
            mut guard: MutexGuard<'a, T>,
            timeout: Duration,
        ) -> MutexGuard<'a, T> {
            self.0.wait_for(&mut guard, timeout);
            guard
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

#[cfg(loom)]
mod lock {
    use std::time::Duration;

    pub(crate) use loom::sync::MutexGuard;

    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }

        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
    }

    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap()
        }

        /// Loom has no clock: a timed wait is modelled as a wait that may
        /// also return spuriously, which callers must tolerate anyway.
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            _timeout: Duration,
        ) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap()
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

/// A mutex taken mostly with `try_lock` (the driver's): under loom, a lock
/// on a modelled atomic flag. Loom's own mutex marks every thread whose
/// next step is a `try_lock` of it as blocked when another thread takes
/// it, until that one releases it (tokio-rs/loom#376); a holder that keeps
/// it while it waits (the driver's, across its poll) then reads as a
/// deadlock. Outside loom it is `Mutex`.
#[cfg(loom)]
mod try_lock {
    use loom::cell::{MutPtr, UnsafeCell};
    use loom::sync::atomic::{AtomicBool, Ordering};
    use std::ops::{Deref, DerefMut};

    #[derive(Debug)]
    pub(crate) struct TryMutex<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }

    pub(crate) struct TryMutexGuard<'a, T> {
        locked: &'a AtomicBool,
        value: MutPtr<T>,
    }

    // SAFETY: as `std::sync::Mutex`: the flag gives one thread at a time
    // access to the value.
    unsafe impl<T: Send> Sync for TryMutex<T> {}

    impl<T> TryMutex<T> {
        pub(crate) fn new(value: T) -> TryMutex<T> {
            TryMutex {
                locked: AtomicBool::new(false),
                value: UnsafeCell::new(value),
            }
        }

        pub(crate) fn try_lock(&self) -> Option<TryMutexGuard<'_, T>> {
            // Acquire: what the last holder did is visible.
            self.locked
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .ok()
                .map(|_| TryMutexGuard {
                    locked: &self.locked,
                    value: self.value.get_mut(),
                })
        }

        pub(crate) fn lock(&self) -> TryMutexGuard<'_, T> {
            loop {
                if let Some(guard) = self.try_lock() {
                    return guard;
                }
                loom::thread::yield_now();
            }
        }
    }

    impl<T> Deref for TryMutexGuard<'_, T> {
        type Target = T;

        fn deref(&self) -> &T {
            // SAFETY: the guard holds the lock; loom checks the access.
            unsafe { self.value.deref() }
        }
    }

    impl<T> DerefMut for TryMutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: as in `deref`.
            unsafe { self.value.deref() }
        }
    }

    impl<T> Drop for TryMutexGuard<'_, T> {
        fn drop(&mut self) {
            // Release: publishes the holder's writes to the next one.
            self.locked.store(false, Ordering::Release);
        }
    }
}
