//! Ordered, structured gather (crate docs are written with the gather family).

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod as_completed;
mod child;
mod collector;
mod current;
mod error;
mod gather;
mod group;
mod join_error;
mod macros;
mod settled;
mod spawn;
mod sync;
mod token;
mod try_gather;

#[doc(hidden)]
pub mod __private;

pub use as_completed::{AsCompleted, as_completed};
pub use current::current_token;
pub use error::GatherError;
pub use gather::{Gather, gather};
pub use join_error::JoinError;
pub use settled::{GatherSettled, gather_settled};
pub use spawn::{BoxedTask, Spawn, SpawnerGuard, enter_spawner};
pub use token::{CancellationToken, WaitForCancellation};
pub use try_gather::{TryGather, try_gather};
