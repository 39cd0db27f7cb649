//! The one place that names the platform's synchronisation primitives.
//!
//! Everything else in the crate imports atomics, `UnsafeCell`, `Arc` and
//! `Mutex` from here, so that under `--cfg loom` the loom model checker sees
//! every shared access of the slot array and the token tree.
//!
//! Thread-locals too: loom runs every modelled thread on one OS thread, so a
//! `std` thread-local would be shared between them; loom's gives each
//! modelled thread its own, as the real threads have.
//!
//! The ambient spawner ([`crate::enter_spawner`]) is the one exception: it is
//! always a `std::sync::Arc<dyn Spawn>` ([`StdArc`]), because the runtime
//! hands it over as a trait object and loom's `Arc` cannot be coerced to one.
//! It is only cloned and called, never part of a modelled protocol, so loom
//! loses nothing by not seeing it.

pub(crate) use std::sync::Arc as StdArc;

#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
#[cfg(all(test, not(loom)))]
pub(crate) use std::thread;

#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
#[cfg(all(test, loom))]
pub(crate) use loom::thread;

pub(crate) use cell::UnsafeCell;
pub(crate) use local::thread_local;
pub(crate) use lock::Mutex;

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

/// A mutex without poisoning: a panic while the lock is held (only possible
/// in a waker's `clone`, run under the token lock) leaves the data consistent,
/// because every critical section in this crate writes its fields before
/// calling out.
mod lock {
    #[cfg(not(loom))]
    use std::sync as imp;

    #[cfg(loom)]
    use loom::sync as imp;

    #[derive(Debug)]
    pub(crate) struct Mutex<T>(imp::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(imp::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> imp::MutexGuard<'_, T> {
            self.0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        }
    }
}

mod local {
    /// `thread_local!` with a `const` initialiser, which std's makes free to
    /// read; loom's macro takes none, so under loom the same declaration goes
    /// through it as a plain initialiser.
    macro_rules! thread_local_seam {
        ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
            #[cfg(not(loom))]
            std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
            #[cfg(loom)]
            loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
        };
    }

    pub(crate) use thread_local_seam as thread_local;
}
