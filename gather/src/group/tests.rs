//! Unit tests of the slot array: values by index, leftovers dropped once,
//! misuse named, many threads.

use super::*;
use crate::deferred::Hold;
use crate::sync::Arc;

fn never_fails<T>(_: &Outcome<T>) -> bool {
    false
}

fn config<T>(wake_each: bool) -> Config<T> {
    Config {
        fails: never_fails,
        wake_each,
    }
}

/// Counts its drops in a shared counter.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn values_come_back_by_index_and_leftovers_are_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let group = Group::new(4, CancellationToken::new(), config(true));
    for index in [3, 1, 0, 2] {
        group.member(index).complete(Ok(Tracked(drops.clone())));
    }
    assert_eq!(group.remaining(), 0);
    let order: Vec<_> = (0..4).map(|k| group.finished_at(k).unwrap()).collect();
    assert_eq!(order, [3, 1, 0, 2]);
    let taken = group.take(1).unwrap().unwrap();
    drop(taken);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(group);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[test]
fn unfinished_slots_are_not_dropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    // Members with references of their own (`wake_each`): the two children
    // that never finish hold none, so dropping the collector's frees it.
    let group = Group::new(3, CancellationToken::new(), config(true));
    let child = group.member(0);
    assert!(group.take(0).is_none());
    child.complete(Ok(Tracked(drops.clone())));
    assert_eq!(group.remaining(), 2);
    drop(group);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn first_failure_cancels_the_token() {
    let token = CancellationToken::new();
    let fails: fn(&Outcome<u8>) -> bool = |outcome| outcome.is_err();
    let group = Group::new(
        3,
        token.child_token(),
        Config {
            fails,
            wake_each: false,
        },
    );
    group.member(2).complete(Ok(1));
    assert!(!group.token().is_cancelled());
    group.member(1).complete(Err(JoinError::cancelled()));
    group.member(0).complete(Err(JoinError::cancelled()));
    assert_eq!(group.failure(), Some(1));
    assert!(group.token().is_cancelled());
    assert!(!token.is_cancelled());
}

#[test]
#[should_panic(expected = "completed twice")]
fn completing_twice_names_the_mistake() {
    let group = Group::new(1, CancellationToken::new(), config::<u8>(false));
    group.member(0).complete(Ok(1));
    group.member(0).complete(Ok(2));
}

#[test]
#[should_panic(expected = "taken twice")]
fn taking_twice_names_the_mistake() {
    let group = Group::new(1, CancellationToken::new(), config::<u8>(false));
    group.member(0).complete(Ok(1));
    let _ = group.take(0);
    let _ = group.take(0);
}

#[test]
fn the_hold_is_released_after_the_last_values_are_dropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let hold = Hold::new();
    let group = Group::new(2, CancellationToken::new(), config(false));
    group.hold_until_released(hold.link().try_guard().unwrap());
    group.member(0).complete(Ok(Tracked(drops.clone())));
    // What the enclosing child's completion saw when it ran.
    let seen = Arc::new(AtomicUsize::new(usize::MAX));
    let (drops_then, record) = (drops.clone(), seen.clone());
    hold.finish(move || record.store(drops_then.load(Ordering::SeqCst), Ordering::SeqCst));
    assert_eq!(
        seen.load(Ordering::SeqCst),
        usize::MAX,
        "the group is alive"
    );
    let last_child = group.member(1);
    drop(group);
    last_child.complete(Ok(Tracked(drops.clone())));
    assert_eq!(
        seen.load(Ordering::SeqCst),
        2,
        "both values were dropped before the completion ran"
    );
}

#[test]
fn zero_slots_allocate_and_free() {
    let group = Group::<String>::new(0, CancellationToken::new(), config(false));
    assert_eq!(group.remaining(), 0);
    drop(group.clone());
}

#[test]
#[cfg_attr(miri, ignore)]
fn children_on_many_threads() {
    let drops = Arc::new(AtomicUsize::new(0));
    let group = Group::new(64, CancellationToken::new(), config(true));
    let threads: Vec<_> = (0..64)
        .map(|index| {
            let child = group.member(index);
            let drops = drops.clone();
            crate::sync::thread::spawn(move || child.complete(Ok(Tracked(drops))))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let mut seen: Vec<_> = (0..64).map(|k| group.finished_at(k).unwrap()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..64).collect::<Vec<_>>());
    drop(group);
    assert_eq!(drops.load(Ordering::SeqCst), 64);
}

#[test]
fn children_on_threads_sharing_one_reference() {
    // Rule 6: without `wake_each`, the children hold one reference between
    // them; the collector lets go first, and the last child frees the group.
    const CHILDREN: usize = 8;
    let drops = Arc::new(AtomicUsize::new(0));
    let group = Group::new(CHILDREN, CancellationToken::new(), config(false));
    let members: Vec<_> = (0..CHILDREN).map(|index| group.member(index)).collect();
    drop(group);
    let threads: Vec<_> = members
        .into_iter()
        .map(|child| {
            let drops = drops.clone();
            crate::sync::thread::spawn(move || child.complete(Ok(Tracked(drops))))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        CHILDREN,
        "freed with every value"
    );
}

#[test]
fn forgetting_the_last_children_releases_their_reference() {
    let drops = Arc::new(AtomicUsize::new(0));
    let group = Group::new(3, CancellationToken::new(), config(false));
    group.member(0).complete(Ok(Tracked(drops.clone())));
    // The other two are never spawned: the collector counts them down,
    // which leaves its own reference as the only one.
    group.forget_unspawned(2);
    assert_eq!(group.remaining(), 0);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(group);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "freed with the collector's"
    );
    // Forgetting nothing once every child is done releases nothing twice.
    let group = Group::new(1, CancellationToken::new(), config(false));
    group.member(0).complete(Ok(Tracked(drops.clone())));
    group.forget_unspawned(0);
    drop(group);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}
