//! Spawning a group's children: up to its limit, or forgetting the rest once
//! the group has failed or been cancelled.

use std::future::Future;
use std::task::Waker;

use super::Running;
use crate::ChildTask;
use crate::child_future::Child;
use crate::group::Group;

/// The futures of a group not yet spawned, type-erased so the gather types
/// only name the output type.
pub(super) trait Unspawned<T>: Send {
    /// Wraps the next future as child `index` of `group`.
    fn next_child(&mut self, group: &Group<T>, index: usize) -> Option<ChildTask>;

    /// Drops the next `count` futures unspawned.
    fn forget(&mut self, count: usize);
}

impl<F> Unspawned<F::Output> for std::vec::IntoIter<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn next_child(&mut self, group: &Group<F::Output>, index: usize) -> Option<ChildTask> {
        let future = self.next()?;
        Some(ChildTask::new(Child::new(future, group.member(index))))
    }

    fn forget(&mut self, count: usize) {
        if let Some(last) = count.checked_sub(1) {
            // `nth` drops the ones it skips, then this drops the last.
            drop(self.nth(last));
        }
    }
}

/// Most children one poll of a group ([`gather`](crate::gather()),
/// [`try_gather`](crate::try_gather()), [`gather_settled`](crate::gather_settled),
/// [`as_completed`](crate::as_completed)) spawns, or forgets once the group
/// has failed or been cancelled. A group of 100k would otherwise spawn them
/// all in its first poll and hold its worker that long; past this many it
/// wakes itself and goes on in its next poll, behind the tasks queued
/// meanwhile. A spawn takes tens of nanoseconds, so a batch holds the
/// worker for tens of microseconds, about as long as one poll that does
/// real work. Smaller batches cost more than they give back: while the
/// group waits behind its own children for its next poll, the other workers
/// run out of stolen children and go to sleep, to be woken again by the
/// next batch (`BENCHMARKS.md`, "Children spawned a thousand at a time").
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     // Spawned over three polls of the group; the results still come
///     // back complete and in input order.
///     let n = 2 * braid_gather::SPAWN_BATCH + 1;
///     let out = braid::gather((0..n).map(|i| async move { i })).await;
///     assert!(out.into_iter().eq(0..n));
/// }
/// ```
pub const SPAWN_BATCH: usize = 1024;

/// Spawns children up to the limit, at most [`SPAWN_BATCH`] of them, or
/// forgets as many of the unspawned ones once the group has failed or been
/// cancelled (dropping a future runs its destructor: that is work too).
/// When the batch cut the spawning or the forgetting short, wakes `waker`
/// to go on.
pub(super) fn refill<T>(
    running: &mut Running<T>,
    unspawned: &mut Option<Box<dyn Unspawned<T>>>,
    len: usize,
    limit: usize,
    waker: &Waker,
) {
    let Some(source) = unspawned else { return };
    let group = &running.group;
    if group.failure().is_some() || group.token().is_cancelled() {
        let count = (len - running.spawned).min(SPAWN_BATCH);
        source.forget(count);
        // Forgotten children take their indices as spawned ones would.
        running.spawned += count;
        group.forget_unspawned(count);
        if running.spawned == len {
            *unspawned = None;
        } else {
            waker.wake_by_ref();
        }
        return;
    }
    // `remaining` only falls, so this overestimates the children in flight
    // and never lets more than `limit` run.
    let gone = len - group.remaining();
    let in_flight = running.spawned - gone;
    let room = limit.saturating_sub(in_flight).min(len - running.spawned);
    let batch_len = room.min(SPAWN_BATCH);
    if batch_len < room {
        waker.wake_by_ref();
    }
    if batch_len > 0 {
        let spawner = running
            .spawner
            .as_ref()
            .expect("a group with children has a spawner");
        let end = running.spawned + batch_len;
        let mut next = running.spawned;
        let mut batch = std::iter::from_fn(|| {
            if next == end {
                return None;
            }
            // Returned as it comes: a child task is a few hundred bytes,
            // and unwrapping and rewrapping it would copy it once more.
            let child = source.next_child(group, next);
            next += usize::from(child.is_some());
            child
        });
        spawner.spawn_batch(&mut batch);
        // A spawner that stopped reading early still gets the whole batch.
        batch.for_each(|child| spawner.spawn(child));
        running.spawned = next;
    }
    if running.spawned == len {
        *unspawned = None;
    }
}
