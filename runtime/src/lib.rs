//! braid: a multi-threaded, work-stealing async runtime (docs being written).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod blocking;
mod builder;
mod context;
mod handle;
mod park_thread;
mod runtime;
mod scheduler;
mod spawn;
mod sync;
mod task;

pub use braid_gather::{
    AsCompleted, CancellationToken, Gather, GatherError, GatherSettled, JoinError, TryGather,
    WaitForCancellation, as_completed, current_token, gather, gather_settled, try_gather,
};
pub use braid_macros::{main, test};
pub use braid_reactor::{net, time};
pub use builder::Builder;
pub use handle::{Handle, TryCurrentError};
pub use runtime::Runtime;
pub use spawn::{spawn, spawn_blocking, yield_now};
pub use task::{AbortHandle, JoinHandle};
