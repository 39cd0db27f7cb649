//! The one place that names the platform's synchronisation primitives.
//!
//! Everything else in the crate imports its atomics, `UnsafeCell`, `Arc`,
//! locks, threads and thread-locals from here, so that under `--cfg loom`
//! the loom model checker sees every shared access of the real code. Each
//! of braid's crates has a seam with this API and these rules:
//!
//! 1. `Arc` is loom's under loom and std's otherwise. `StdArc` is std's in
//!    every build, for where loom's cannot go: a trait object (only std's
//!    `Arc` coerces to `Arc<dyn _>`) and `std::task::Wake`, whose methods
//!    take std's `Arc`. Nothing behind a `StdArc` is part of a modelled
//!    protocol.
//! 2. `Mutex::lock` returns the guard: no poisoning, a panic while a lock
//!    is held does not make the next `lock` fail (and the lock is
//!    unwind-safe, as std's is). The lock is `parking_lot`'s in a plain
//!    build, loom's under loom (a `parking_lot` lock held across a modelled
//!    step would block loom's one OS thread for good) and std's under Miri
//!    (`parking_lot` 0.12 hands the futex syscall a reference where it
//!    takes a pointer, which Miri reports as undefined behaviour; its fix
//!    needs Rust 1.95). `Condvar::wait` takes and returns the guard.
//! 3. `thread_local!` takes std's syntax, `const { }` initialisers
//!    included, and is std's outside loom. Under loom it declares loom's
//!    thread-locals, without the `const`: loom runs its threads as
//!    coroutines on one OS thread, so a std thread-local would be shared by
//!    every modelled thread.
//! 4. `UnsafeCell` has loom's `with`/`with_mut` in both builds.
//! 5. Whatever is std's in every build says why where it is named.
//!
//! This crate departs from rule 1 in one way: its `Arc` is std's under loom
//! too, because the schedulers take `self: &Arc<Self>` (the spawns of
//! `scheduler.rs`' `Spawner` and what they call), a receiver that only
//! std's `Arc` may be on stable Rust. No modelled protocol lives in an
//! `Arc`'s count: a task's own reference count is in its state word, which
//! loom sees. `Weak` is std's with it.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
};
#[cfg(not(loom))]
pub(crate) use std::thread;
#[cfg(not(loom))]
pub(crate) use std::thread_local;

#[cfg(loom)]
pub(crate) use local::{loom_thread_local, loom_thread_local as thread_local};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
};
#[cfg(loom)]
pub(crate) use loom::thread;

/// Std's in every build: see the module docs (rule 1 and this crate's
/// departure from it).
pub(crate) use std::sync::{Arc, Weak};

/// See rule 1 of the module docs.
pub(crate) use std::sync::Arc as StdArc;

/// Real OS threads, std's whatever the build: the worker threads that
/// `Builder::build` starts and the blocking pool's. No model runs those
/// paths (the models start their workers on `thread`, which is loom's), so
/// they stay outside the checker.
pub(crate) use std::thread as os_thread;

/// A value set once for the life of the process, outside any modelled
/// protocol (the epoch of spawn times), so std's whatever the build.
pub(crate) use std::sync::OnceLock;

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

#[cfg(loom)]
mod local {
    /// Rule 3 of the module docs: loom's `thread_local!` takes no `const { }`
    /// initialiser, so this strips it (the value is the same, made lazily).
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

    pub(crate) use loom_thread_local;
}

#[cfg(not(any(loom, miri)))]
mod lock {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    use std::time::Duration;

    pub(crate) use parking_lot::MutexGuard;

    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

    // Rule 2: no poisoning, so unwind-safe as std's poisoning lock is.
    impl<T> UnwindSafe for Mutex<T> {}
    impl<T> RefUnwindSafe for Mutex<T> {}

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

#[cfg(any(loom, miri))]
mod lock {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    use std::sync::{PoisonError, TryLockError};
    use std::time::Duration;

    #[cfg(loom)]
    use loom::sync as imp;
    #[cfg(not(loom))]
    use std::sync as imp;

    pub(crate) use imp::MutexGuard;

    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(imp::Mutex<T>);

    // Rule 2: no poisoning, so unwind-safe as std's poisoning lock is.
    impl<T> UnwindSafe for Mutex<T> {}
    impl<T> RefUnwindSafe for Mutex<T> {}

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(imp::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }

        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            match self.0.try_lock() {
                Ok(guard) => Some(guard),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            }
        }
    }

    #[derive(Debug, Default)]
    pub(crate) struct Condvar(imp::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(imp::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
        }

        /// Loom has no clock: a timed wait is modelled as a wait that may
        /// also return spuriously, which callers must tolerate anyway.
        #[cfg(loom)]
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            _timeout: Duration,
        ) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
        }

        #[cfg(not(loom))]
        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            timeout: Duration,
        ) -> MutexGuard<'a, T> {
            match self.0.wait_timeout(guard, timeout) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            }
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
