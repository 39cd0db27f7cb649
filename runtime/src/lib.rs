//! braid: a multi-threaded, work-stealing async runtime with structured,
//! ordered `gather`.
//!
//! # A first program
//!
//! ```
//! use std::time::Duration;
//!
//! #[braid::main]
//! async fn main() {
//!     // Two calls of 100 ms and 200 ms, run in parallel as tasks: the
//!     // results come back in input order after 200 ms, not 300.
//!     let answers = braid::gather([fetch(1, 100), fetch(2, 200)]).await;
//!     assert_eq!(answers, [10, 20]);
//! }
//!
//! async fn fetch(id: u32, millis: u64) -> u32 {
//!     braid::time::sleep(Duration::from_millis(millis)).await;
//!     id * 10
//! }
//! ```
//!
//! # The runtime
//!
//! A [`Runtime`] owns worker threads (one per core by default, see
//! [`Builder`]) that run tasks made by [`spawn`]. Each worker keeps its own
//! queue and steals from the others when it runs dry; a task woken by
//! another task on the same worker runs next, while its data is still in
//! cache. Idle workers sleep; the first to fall idle waits on the I/O and
//! timer driver, so there is no separate reactor thread. Blocking code goes
//! to [`spawn_blocking`], which runs it on a pool of threads of its own.
//!
//! ```
//! let rt = braid::Runtime::new().unwrap();
//! let total = rt.block_on(async {
//!     let tasks: Vec<_> = (1..=10).map(|i| braid::spawn(async move { i * i })).collect();
//!     let mut total = 0;
//!     for task in tasks {
//!         total += task.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 385);
//! ```
//!
//! A [`JoinHandle`] gives the task's output, or a [`JoinError`] if it
//! panicked or was aborted; dropping it lets the task run on detached.
//! Dropping the runtime drops every task that is still pending.
//!
//! # gather
//!
//! [`gather`](gather()) runs many futures as tasks and returns their outputs in input
//! order; [`try_gather`](try_gather()) returns the first error and cancels the rest;
//! [`gather_settled`] reports each child's panic or cancellation as a value;
//! [`as_completed`] yields `(index, output)` as children finish; [`gather!`]
//! and [`try_gather!`] take futures of different types. Every child runs
//! inside the group's [`CancellationToken`] scope ([`current_token`]), so
//! cancelling a group cancels its children and every group nested inside
//! them, and a group that fails fast returns only after every child is gone.
//!
//! ```
//! # braid::Runtime::new().unwrap().block_on(async {
//! use braid::GatherError;
//!
//! let result = braid::try_gather((0..5).map(|i| async move {
//!     if i == 3 { Err("three failed") } else { Ok(i) }
//! }))
//! .await;
//! assert!(matches!(result, Err(GatherError::Failed { index: 3, .. })));
//! # });
//! ```
//!
//! # Time and I/O
//!
//! [`time`] has [`sleep`](time::sleep), [`timeout`](time::timeout) and
//! [`interval`](time::interval), on a hierarchical timer wheel; with
//! [`Builder::start_paused`] the clock stands still and jumps to the next
//! timer whenever the runtime is idle, so timer tests run instantly and
//! exactly. [`net`] has TCP and UDP sockets that implement the `futures-io`
//! traits. [`signal`] waits for Ctrl-C or any Unix signal, on the same
//! driver (no signal thread).
//!
//! # Companion crates
//!
//! braid is the runtime: tasks, time, sockets, signals, gather. The rest
//! comes from runtime-agnostic crates that work on it as they are:
//! `futures` (or `futures-lite`) for `AsyncReadExt`/`AsyncWriteExt` on
//! sockets and for `select!`; `async-channel` or `futures::channel` for
//! channels; `async-lock` for a mutex, read-write lock or semaphore;
//! `async-fs` and `async-process` for files and processes. The guide's
//! [Coming from Tokio](guide::coming_from_tokio) page maps each Tokio item
//! to its braid counterpart or crate.
//!
//! # The guide
//!
//! The [`guide`] walks from a first program through tasks, gather,
//! timeouts, sockets and cancellation, with a table for readers coming from
//! Tokio.
//!
//! # Misuse
//!
//! Calling [`spawn`] outside a runtime, [`Runtime::block_on`] inside one, or
//! building a runtime with zero workers fails with a message (or an
//! `io::Error`) that names the mistake, never with a hang.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod blocking;
mod builder;
mod context;
mod dump;
pub mod guide;
mod handle;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(loom)]
#[doc(hidden)]
pub mod loom_harness;
mod metrics;
mod park_thread;
mod quiescence;
mod runtime;
mod scheduler;
mod spawn;
mod stall;
mod sync;
pub mod task;
mod thread_config;
mod unhandled_panic;

pub use braid_gather::{
    AsCompleted, CancellationToken, DropGuard, Gather, GatherError, GatherSettled, JoinError,
    TaskGroup, TryGather, WaitForCancellation, WaitForCancellationFutureOwned, as_completed,
    current_token, gather, gather_settled, try_gather,
};
pub use braid_macros::{main, test};
#[cfg(all(unix, not(loom)))]
pub use braid_reactor::signal;
pub use braid_reactor::{net, time};
pub use builder::Builder;
pub use context::EnterGuard;
pub use dump::{TaskDump, TaskSnapshot, TaskState};
pub use handle::{Handle, TryCurrentError};
pub use metrics::RuntimeMetrics;
pub use runtime::Runtime;
pub use spawn::{spawn, spawn_blocking, yield_now};
pub use stall::StallReport;
pub use task::{AbortHandle, JoinHandle};
pub use unhandled_panic::UnhandledPanic;
