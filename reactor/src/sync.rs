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
//! This crate's locks guard plain data (the registration slab, the timer
//! wheel, waker slots); its only `Condvar` is the scripted poller's, under
//! loom.

#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::thread_local;

#[cfg(loom)]
pub(crate) use local::{loom_thread_local, loom_thread_local as thread_local};
#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// See rule 1 of the module docs.
pub(crate) use std::sync::Arc as StdArc;

/// Real OS threads whatever the build: the threads that run blocking calls
/// for a driver made without a runtime. No model runs that path.
pub(crate) use std::thread as os_thread;

/// What a signal handler touches: std's whatever the build, as a handler
/// runs outside any model (and the signal module is not built under loom).
#[cfg(all(unix, not(loom)))]
pub(crate) use std::sync::atomic::AtomicBool as StdAtomicBool;

/// A number that only spreads threads over the timer wheels, outside
/// every modelled protocol (`time/timers.rs`): std's whatever the build.
pub(crate) use std::sync::atomic::AtomicUsize as StdAtomicUsize;

/// A process-wide setting made once, outside every modelled protocol (the
/// signal table, the host's context lookup): std's whatever the build.
pub(crate) use std::sync::OnceLock;

#[cfg(loom)]
pub(crate) use lock::Condvar;
pub(crate) use lock::{Mutex, MutexGuard};

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
    }
}

#[cfg(any(loom, miri))]
mod lock {
    use std::panic::{RefUnwindSafe, UnwindSafe};
    use std::sync::PoisonError;

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
    }

    #[cfg(loom)]
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(imp::Condvar);

    #[cfg(loom)]
    impl Condvar {
        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}
