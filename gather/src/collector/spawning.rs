//! Spawning a group's children: up to its limit, or forgetting the rest once
//! the group has failed or been cancelled.

use std::future::Future;

use super::Running;
use crate::child::Child;
use crate::group::Group;
use crate::spawn::BoxedTask;

/// The futures of a group not yet spawned, type-erased so the gather types
/// only name the output type.
pub(super) trait Unspawned<T>: Send {
    /// Wraps the next future as child `index` of `group`.
    fn next_child(&mut self, group: &Group<T>, index: usize) -> Option<BoxedTask>;
}

impl<F> Unspawned<F::Output> for std::vec::IntoIter<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn next_child(&mut self, group: &Group<F::Output>, index: usize) -> Option<BoxedTask> {
        let future = self.next()?;
        Some(Box::pin(Child::new(future, group.clone(), index)))
    }
}

/// Spawns children up to the limit, or forgets the unspawned ones once the
/// group has failed or been cancelled.
pub(super) fn refill<T>(
    running: &mut Running<T>,
    unspawned: &mut Option<Box<dyn Unspawned<T>>>,
    len: usize,
    limit: usize,
) {
    let Some(source) = unspawned else { return };
    let group = &running.group;
    if group.failure().is_some() || group.token().is_cancelled() {
        *unspawned = None;
        group.forget_unspawned(len - running.spawned);
        return;
    }
    // `remaining` only falls, so this overestimates the children in flight
    // and never lets more than `limit` run.
    let gone = len - group.remaining();
    let in_flight = running.spawned - gone;
    let room = limit.saturating_sub(in_flight).min(len - running.spawned);
    if room > 0 {
        let spawner = running
            .spawner
            .as_ref()
            .expect("a group with children has a spawner");
        let end = running.spawned + room;
        let mut next = running.spawned;
        let mut batch = std::iter::from_fn(|| {
            if next == end {
                return None;
            }
            let child = source.next_child(group, next)?;
            next += 1;
            Some(child)
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
