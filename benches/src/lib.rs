//! braid side by side with Tokio and smol.
//!
//! Every workload is written once, in this crate, against the small
//! [`BenchRuntime`] trait, and run on [`Braid`], [`Tokio`] (multi-thread)
//! and [`Smol`] (`async-executor` on N threads plus `async-io`) with the
//! same worker count and the same runtime-agnostic channels and atomics.
//! Each run checks what its tasks computed. The criterion suites
//! (`cargo bench -p braid-benches`) and the `compare` binary (`cargo run
//! --release -p braid-benches --bin compare`) both read [`catalog`].
//!
//! # Examples
//!
//! ```
//! use braid_benches::{BenchRuntime, Braid, Tokio, scheduler};
//!
//! let braid = scheduler::ping_pong(&Braid::with_workers(2));
//! let tokio = scheduler::ping_pong(&Tokio::with_workers(2));
//! println!("braid/tokio: {:.2}", braid.elapsed.as_secs_f64() / tokio.elapsed.as_secs_f64());
//! ```

mod catalog;
#[cfg(unix)]
pub mod cpu;
pub mod floor;
pub mod gather;
pub mod http;
mod latch;
mod measure;
pub mod memory;
pub mod net;
mod runtime;
pub mod scheduler;
pub mod suite;
mod sync;
pub mod task_group;
pub mod time;

pub use catalog::{Area, ECHO_ROUND_TRIPS, RUNTIME_NAMES, Runtimes, Workload, catalog};
pub use latch::Latch;
pub use measure::{Latency, Run, median, relative_spread};
pub use runtime::{BenchRuntime, Braid, Smol, Tokio, TokioStream};
pub use runtime::{BraidJoin, TokioJoin};
