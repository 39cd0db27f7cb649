//! The one place that names the platform's synchronisation primitives.
//!
//! Everything else in the crate imports its atomics and `Arc` from here, so
//! that under `--cfg loom` the loom model checker sees every shared access of
//! the real code. The locks are `parking_lot`'s; they guard plain data (the
//! registration slab, the timer wheel, waker slots) rather than a lock-free
//! protocol, so loom has nothing to gain from replacing them.

#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

pub(crate) use parking_lot::Mutex;

/// `std::task::Wake` takes std's `Arc` whatever the build; wakers made from
/// it are not part of any modelled protocol.
pub(crate) use std::sync::Arc as StdArc;
