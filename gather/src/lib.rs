//! Run many futures as parallel tasks and get their results back in input
//! order: Python's `asyncio.gather`, made structured for Rust.
//!
//! The examples use the `braid` crate, which re-exports all of this one and
//! runs the children on its own workers. The same code runs on Tokio with
//! this crate's `tokio` feature (see [Runtimes](#runtimes)).
//!
//! # Results come back in input order
//!
//! Each future becomes a task of its own, so they run at the same time, on
//! as many workers as there are. Whatever order they finish in, the results
//! line up with the inputs: `results[i]` belongs to the `i`-th future.
//!
//! ```
//! #[braid::main]
//! async fn main() {
//!     use braid::gather;
//!     use std::time::Duration;
//!
//!     async fn call_api(result: u32, delay_ms: u64) -> u32 {
//!         braid::time::sleep(Duration::from_millis(delay_ms)).await;
//!         result
//!     }
//!
//!     // The second call finishes first; its result is still second.
//!     let results = gather([call_api(100, 20), call_api(200, 10)]).await;
//!     assert_eq!(results, [100, 200]);
//! }
//! ```
//!
//! For futures of different types, [`gather!`] returns a tuple:
//!
//! ```
//! #[braid::main]
//! async fn main() {
//!     let (user, posts) = braid::gather!(async { "ada" }, async { vec![1, 2, 3] }).await;
//!     assert_eq!((user, posts.len()), ("ada", 3));
//! }
//! ```
//!
//! # The whole takes as long as the slowest child
//!
//! Because the children run at the same time, a gather of a 1 s call and a
//! 2 s call takes about 2 s, not 3.
//!
//! ```
//! #[braid::main]
//! async fn main() {
//!     use std::time::{Duration, Instant};
//!
//!     let start = Instant::now();
//!     let waited = braid::gather([100, 200].map(|ms| async move {
//!         braid::time::sleep(Duration::from_millis(ms)).await;
//!         ms
//!     }))
//!     .await;
//!     println!("{waited:?} in {:?}", start.elapsed()); // about 200 ms, not 300
//!     assert_eq!(waited, [100, 200]);
//! }
//! ```
//!
//! # Errors as values
//!
//! Like `return_exceptions=True`: when the children return `Result`,
//! [`gather`](gather()) hands back every result and lets every child finish.
//! [`gather_settled`] goes one step further and also turns a child's panic or
//! cancellation into a [`JoinError`] value.
//!
//! ```
//! #[braid::main]
//! async fn main() {
//!     let results = braid::gather(["1", "x", "3"].map(|text| async move {
//!         text.parse::<u32>()
//!     }))
//!     .await;
//!     assert_eq!(results[0], Ok(1));
//!     assert!(results[1].is_err());
//!     assert_eq!(results[2], Ok(3));
//! }
//! ```
//!
//! # Fail fast
//!
//! [`try_gather`](try_gather()) stops at the first error: it cancels the
//! other children and returns [`GatherError::Failed`] with the failing
//! child's index — but only once every other child has stopped, so nothing
//! started by the gather outlives it. A panicking child is treated the same
//! way by `gather` and `try_gather`, and the panic is then resumed in the
//! task that awaited the gather.
//!
//! ```
//! #[braid::main]
//! async fn main() {
//!     use braid::{GatherError, try_gather};
//!     use std::time::Duration;
//!
//!     async fn call_api(id: u32) -> Result<u32, String> {
//!         if id == 2 {
//!             return Err(format!("API {id} failed"));
//!         }
//!         // Cancelled by the failure long before this sleep ends.
//!         braid::time::sleep(Duration::from_secs(60)).await;
//!         Ok(id * 100)
//!     }
//!
//!     let result = try_gather([1, 2, 3].map(call_api)).await;
//!     assert_eq!(result, Err(GatherError::Failed { index: 1, error: "API 2 failed".into() }));
//! }
//! ```
//!
//! # Cancellation
//!
//! Dropping a gather before it finishes cancels every child. A
//! [`CancellationToken`] given with `.token()` cancels the group from
//! outside; cancellation flows down into gathers started inside the children
//! (each child runs with its group's token as [`current_token()`]), never up.
//!
//! ```
//! #[braid::main]
//! async fn main() {
//!     use braid::{CancellationToken, GatherError, try_gather};
//!     use std::time::Duration;
//!
//!     let token = CancellationToken::new();
//!     let slow = try_gather((0..3).map(|_| async {
//!         braid::time::sleep(Duration::from_secs(60)).await;
//!         Ok::<_, ()>(())
//!     }))
//!     .token(&token);
//!
//!     let canceller = token.clone();
//!     braid::spawn(async move {
//!         braid::time::sleep(Duration::from_millis(10)).await;
//!         canceller.cancel();
//!     });
//!     assert_eq!(slow.await, Err(GatherError::Cancelled));
//! }
//! ```
//!
//! # No orphans, however deep
//!
//! When a `try_gather` or `gather` returns after a failure or a panic, or a
//! group cancelled through its token returns, every child has finished or
//! been dropped — and so has everything those children started with gathers
//! of their own, at every depth. A cancelled child drops its future at once
//! (so it stops doing work promptly), but its place in the outer group is
//! only filled once the gathers it had started have no children left and
//! the values in their slots are dropped. A child that starts no gather pays
//! nothing for this, and a nested gather that already finished adds no wait.
//!
//! ```
//! #[braid::main]
//! async fn main() {
//!     use braid::{GatherError, gather, try_gather};
//!     use std::sync::Arc;
//!     use std::sync::atomic::{AtomicUsize, Ordering};
//!     use std::time::Duration;
//!
//!     /// Counts itself out when dropped, slowly.
//!     struct Guard(Arc<AtomicUsize>);
//!     impl Drop for Guard {
//!         fn drop(&mut self) {
//!             std::thread::sleep(Duration::from_millis(10));
//!             self.0.fetch_add(1, Ordering::SeqCst);
//!         }
//!     }
//!
//!     let dropped = Arc::new(AtomicUsize::new(0));
//!     let grandchildren = (0..4).map(|_| {
//!         let guard = Guard(dropped.clone());
//!         async move {
//!             let _guard = guard;
//!             std::future::pending::<()>().await
//!         }
//!     });
//!     let nested = gather(grandchildren);
//!     let result = try_gather([
//!         Box::pin(async move {
//!             nested.await;
//!             Ok(())
//!         }) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>,
//!         Box::pin(async {
//!             braid::time::sleep(Duration::from_millis(20)).await;
//!             Err("failed")
//!         }),
//!     ])
//!     .await;
//!     assert_eq!(result, Err(GatherError::Failed { index: 1, error: "failed" }));
//!     assert_eq!(dropped.load(Ordering::SeqCst), 4, "no grandchild outlived the gather");
//! }
//! ```
//!
//! What is waited for is the gathers the child's future let go of — dropped
//! with it, or finished inside it. A started gather that leaves the child
//! alive (returned as its value, say a half-read [`as_completed`] stream, or
//! moved to another task) is not: its children belong to whoever holds it.
//!
//! # Also
//!
//! [`as_completed`] yields `(index, output)` pairs as the children finish,
//! and `.limit(n)` caps how many children run at once.
//!
//! # Runtimes
//!
//! A gather spawns its children on its first poll, through the [`Spawn`]
//! trait: on the spawner its runtime installed with [`enter_spawner`], or,
//! with the `tokio` feature, on the current Tokio runtime:
//!
//! ```
//! # #[cfg(feature = "tokio")]
//! #[tokio::main(flavor = "multi_thread")]
//! async fn main() {
//!     let squares = braid_gather::gather((1..=3).map(|n| async move { n * n })).await;
//!     assert_eq!(squares, [1, 4, 9]);
//! }
//! # #[cfg(not(feature = "tokio"))]
//! # fn main() {}
//! ```

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod abort;
mod as_completed;
mod child_future;
mod child_task;
mod collector;
mod context;
mod current;
mod deferred;
mod error;
mod gather;
mod group;
pub mod host;
mod id;
mod join_error;
mod macros;
mod settled;
mod spawn;
mod sync;
mod task_group;
mod token;
mod try_gather;

#[doc(hidden)]
pub mod __private;

pub use abort::AbortHandle;
pub use as_completed::{AsCompleted, as_completed};
pub use child_task::{ChildTask, SmallChildTask};
pub use collector::SPAWN_BATCH;
pub use context::{ThreadContext, set_thread_context};
pub use current::current_token;
pub use error::GatherError;
pub use gather::{Gather, gather};
pub use id::Id;
pub use join_error::JoinError;
pub use settled::{GatherSettled, gather_settled};
pub use spawn::{BoxedTask, Spawn, SpawnerGuard, enter_spawner};
pub use task_group::TaskGroup;
pub use token::{
    CancellationToken, DropGuard, WaitForCancellation, WaitForCancellationFutureOwned,
};
pub use try_gather::{TryGather, try_gather};
