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

/// Keeps the spawned children for the test to run later.
#[derive(Default)]
struct Later(std::sync::Mutex<Vec<ChildTask>>);

impl Spawn for Later {
    fn spawn(&self, task: ChildTask) {
        self.0.lock().unwrap().push(task);
    }
}

impl Later {
    fn run_all(&self) {
        for task in std::mem::take(&mut *self.0.lock().unwrap()) {
            futures::executor::block_on(task);
        }
    }
}

#[test]
fn join_all_is_woken_by_the_last_child_with_counts_taken_ahead() {
    use std::task::{Poll, Wake, Waker};

    struct Flag(std::sync::atomic::AtomicBool);
    impl Wake for Flag {
        fn wake(self: StdArc<Self>) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    let later = StdArc::new(Later::default());
    let _spawner = enter_spawner(later.clone());
    let mut group = TaskGroup::new();
    // More than one batch of counts (rule 11), some of the last left over.
    let children = slots::AHEAD + 3;
    for i in 0..children {
        group.spawn(async move { i });
    }
    let flag = StdArc::new(Flag(std::sync::atomic::AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut join_all = Box::pin(group.join_all());
    assert!(
        join_all
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    later.run_all();
    assert!(
        flag.0.load(std::sync::atomic::Ordering::SeqCst),
        "the last child wakes join_all"
    );
    match join_all.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(values) => assert_eq!(values, (0..children).collect::<Vec<_>>()),
        Poll::Pending => panic!("every child completed"),
    }
}

#[test]
fn the_group_is_freed_when_its_owner_children_and_handles_are_gone() {
    let later = StdArc::new(Later::default());
    let _spawner = enter_spawner(later.clone());
    let mut group = TaskGroup::new();
    let handles: Vec<_> = (0..slots::AHEAD + 3)
        .map(|i| group.spawn(async move { i }))
        .collect();
    let shared = StdArc::downgrade(&group.shared);
    drop(group);
    later.run_all();
    assert!(handles.iter().all(AbortHandle::is_finished));
    for handle in &handles {
        handle.abort(); // finished: nothing to abort, and no harm done
    }
    assert!(shared.upgrade().is_some(), "the handles keep the group");
    drop(handles);
    assert!(
        shared.upgrade().is_none(),
        "no reference taken ahead is left over"
    );
}
