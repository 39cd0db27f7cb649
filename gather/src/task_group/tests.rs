//! Unit tests of the task group's slots: reuse, segments, generations.

use crate::sync::StdArc;

use super::*;
use crate::{Spawn, enter_spawner};

/// Runs each child to completion as it is spawned.
struct Inline;

impl Spawn for Inline {
    fn spawn(&self, task: ChildTask) {
        futures::executor::block_on(task);
    }
}

fn join_next<T: Send + 'static>(group: &mut TaskGroup<T>) -> Option<Result<T, JoinError>> {
    futures::executor::block_on(group.join_next())
}

#[test]
fn a_group_that_drains_as_it_grows_reuses_its_slots() {
    let _spawner = enter_spawner(StdArc::new(Inline));
    let mut group = TaskGroup::new();
    let rounds = if cfg!(miri) { 100 } else { 10_000_u32 };
    for i in 0..rounds {
        group.spawn(async move { i });
        assert_eq!(join_next(&mut group).unwrap().unwrap(), i);
    }
    assert_eq!(group.slots.segment_count(), 1, "one slot, reused");
}

#[test]
fn segments_grow_by_doubling() {
    let _spawner = enter_spawner(StdArc::new(Inline));
    let mut group = TaskGroup::new();
    let first = slots::FIRST_SEGMENT;
    // Three segments: first, 2 × first, 4 × first.
    for i in 0..(7 * first) {
        group.spawn(async move { i });
    }
    assert_eq!(group.slots.segment_count(), 3);
    group.spawn(async { 0 });
    assert_eq!(group.slots.segment_count(), 4);
    let joined: Vec<_> = std::iter::from_fn(|| join_next(&mut group))
        .map(Result::unwrap)
        .collect();
    assert_eq!(joined.len(), 7 * first + 1);
}

#[test]
fn a_reused_slot_starts_a_new_generation() {
    let _spawner = enter_spawner(StdArc::new(Inline));
    let mut group = TaskGroup::new();
    let first = group.spawn(async { 1 });
    assert!(first.is_finished());
    assert_eq!(join_next(&mut group).unwrap().unwrap(), 1);
    let second = group.spawn(async { 2 });
    first.abort();
    assert_eq!(join_next(&mut group).unwrap().unwrap(), 2);
    assert!(second.is_finished());
}
