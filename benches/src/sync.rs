//! The one place this crate names `std::sync` and `std::thread`, like every
//! other crate of the workspace (the benchmarks are never run under loom).

pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
pub(crate) use std::sync::{Arc, Condvar, Mutex};
pub(crate) use std::thread;
