//! The free functions that act on the current runtime.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::context;
use crate::task::JoinHandle;

/// Spawns a task on the current runtime. It starts running at once, in
/// parallel with the caller, whether or not the handle is awaited.
///
/// # Panics
///
/// Outside a braid runtime.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handles: Vec<_> = (0..4).map(|i| braid::spawn(async move { i * 10 })).collect();
///     let mut sum = 0;
///     for handle in handles {
///         sum += handle.await.unwrap();
///     }
///     assert_eq!(sum, 60);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    context::with_current_in(|handle, thread| match handle {
        Some(handle) => handle.inner.spawn(future, location, thread),
        None => panic!("`braid::spawn` {}", context::NO_RUNTIME),
    })
}

/// Runs a blocking closure on the current runtime's blocking pool, so it
/// does not stall the async workers.
///
/// # Panics
///
/// Outside a braid runtime.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// let len = rt.block_on(async {
///     braid::spawn_blocking(|| std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0))
///         .await
///         .unwrap()
/// });
/// assert!(len > 0);
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let location = Location::caller();
    context::with_current(|handle| match handle {
        Some(handle) => handle.inner.blocking().spawn(Some(handle), f, location),
        None => panic!("`braid::spawn_blocking` {}", context::NO_RUNTIME),
    })
}

/// Gives the other tasks on this worker a turn: the task goes to the back
/// of the queue and resumes on its next poll.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// rt.block_on(async {
///     for _ in 0..3 {
///         braid::yield_now().await;
///     }
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Woken during its own poll, the task is queued behind the others
        // when the poll returns (task state rule 4).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
