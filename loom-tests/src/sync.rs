//! The std primitives the fixtures use outside loom's view: counters read
//! only after the modelled threads are joined, and the `Arc` that
//! `std::task::Wake` requires.

pub(crate) use std::sync::Arc as StdArc;
pub(crate) use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};
