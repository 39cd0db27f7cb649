//! The I/O driver, timer wheel, `net` and `time` types of the braid runtime.
//!
//! The runtime (`braid`) re-exports [`net`] and [`time`] and turns the
//! [`driver::Driver`] from its idle workers; see the [`driver`] module for
//! the contract between the two.

#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod coop;
#[doc(hidden)]
pub mod driver;
#[cfg(loom)]
#[doc(hidden)]
pub mod loom;
pub mod net;
#[cfg(all(unix, not(loom)))]
pub mod signal;
mod sync;
pub mod time;
mod wake;
