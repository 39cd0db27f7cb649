//! The I/O driver, timer wheel, `net` and `time` types of the braid runtime.
//!
//! The runtime (`braid`) re-exports [`net`] and [`time`] and turns the
//! [`driver::Driver`] from its idle workers. It reaches this crate through
//! three documented modules only: [`driver`], whose docs list every call it
//! makes and when, [`coop`], the cooperative budget its schedulers run
//! each poll under, and [`context`], where it keeps this crate's per-thread
//! state inside its own thread-local context.
//!
//! The one hidden module, `loom_harness`, exists only in a `--cfg loom` build: it is
//! the harness the `braid-loom-tests` models drive the driver's real code
//! through, not an API.

#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod context;
pub mod coop;
pub mod driver;
#[cfg(loom)]
#[doc(hidden)]
pub mod loom_harness;
pub mod net;
#[cfg(all(unix, not(loom)))]
pub mod signal;
mod sync;
pub mod time;
mod wake;
