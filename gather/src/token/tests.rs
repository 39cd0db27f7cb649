//! Unit tests of the token tree.

use super::*;
use std::task::Waker;

#[test]
fn cancel_wakes_a_registered_waiter_once() {
    let token = CancellationToken::new();
    let mut wait = pin!(token.cancelled());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    token.cancel();
    assert!(wait.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn dropped_waiter_is_withdrawn() {
    let token = CancellationToken::new();
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..100 {
        let mut wait = pin!(token.cancelled());
        assert!(wait.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(token.node.inner_waiters_for_test(), 0);
}

#[test]
fn dropped_children_leave_the_tree_even_through_a_middle_node() {
    let root = CancellationToken::new();
    let middle = root.child_token();
    let leaf = middle.child_token();
    drop(middle);
    assert_eq!(
        root.child_count(),
        1,
        "the middle node still has a live child"
    );
    root.cancel();
    assert!(leaf.is_cancelled());
    drop(leaf);
    assert_eq!(root.child_count(), 0);

    let root = CancellationToken::new();
    let middle = root.child_token();
    let leaf = middle.child_token();
    drop(middle);
    drop(leaf);
    assert_eq!(
        root.child_count(),
        0,
        "an unused middle node goes with its last child"
    );
}

#[test]
fn child_of_cancelled_parent_is_born_cancelled() {
    let root = CancellationToken::new();
    root.cancel();
    let child = root.child_token();
    assert!(child.is_cancelled());
    assert_eq!(root.child_count(), 0);
}

#[test]
fn a_deep_chain_is_freed_without_recursing() {
    // Deep enough to overflow a test thread's stack one frame per level.
    let depth = if cfg!(miri) { 1_000 } else { 100_000 };
    let root = CancellationToken::new();
    for cancel_first in [false, true] {
        let mut leaf = root.child_token();
        for _ in 0..depth {
            leaf = leaf.child_token();
        }
        if cancel_first {
            root.cancel();
            assert!(leaf.is_cancelled());
        }
        drop(leaf);
        assert_eq!(root.child_count(), 0);
    }
}

#[test]
fn a_cancelled_chain_dropped_root_first_takes_one_step_per_node() {
    // Rule 8 of `node.rs`: each handle's drop stops at its own parent
    // rather than re-walking the chain above it.
    let depth = if cfg!(miri) { 200 } else { 10_000 };
    let mut chain = vec![CancellationToken::new()];
    for _ in 0..depth {
        let next = chain.last().unwrap().child_token();
        chain.push(next);
    }
    chain[0].cancel();
    node::take_detach_steps();
    drop(chain);
    let steps = node::take_detach_steps();
    assert!(steps <= 2 * depth, "{steps} parent locks for {depth} nodes");
}

#[test]
fn a_deep_cancelled_chain_dropped_root_first_is_freed() {
    let depth = if cfg!(miri) { 1_000 } else { 200_000 };
    let mut chain = vec![CancellationToken::new()];
    for _ in 0..depth {
        let next = chain.last().unwrap().child_token();
        chain.push(next);
    }
    chain[0].cancel();
    assert!(chain[depth].is_cancelled());
    drop(chain);
}

#[test]
fn clones_share_the_node() {
    let root = CancellationToken::new();
    let child = root.child_token();
    let copy = child.clone();
    drop(child);
    assert_eq!(root.child_count(), 1);
    drop(copy);
    assert_eq!(root.child_count(), 0);
}
