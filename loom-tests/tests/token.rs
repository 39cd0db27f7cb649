//! `CancellationToken` (`gather/src/token*`): cancellation racing the
//! creation of a child, the drop of a child and a waiter's registration.
#![cfg(loom)]

use braid_gather::CancellationToken;
use braid_loom_tests::check;
use loom::thread;

#[test]
fn a_child_made_during_cancel_is_cancelled() {
    check("token::cancel_racing_child_token", || {
        let parent = CancellationToken::new();
        let maker = {
            let parent = parent.clone();
            thread::spawn(move || parent.child_token())
        };
        parent.cancel();
        let child = maker.join().unwrap();
        assert!(
            child.is_cancelled(),
            "a child outlived its parent's cancel uncancelled"
        );
        drop(child);
        assert_eq!(parent.child_count(), 0);
    });
}

#[test]
fn a_child_dropped_during_cancel_leaves_the_tree() {
    check("token::cancel_racing_child_drop", || {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        let grandchild = child.child_token();
        let dropper = thread::spawn(move || {
            drop(child);
            grandchild.is_cancelled()
        });
        parent.cancel();
        let _ = dropper.join().unwrap();
        assert!(parent.is_cancelled());
        assert_eq!(
            parent.child_count(),
            0,
            "a dropped child leaked in its parent"
        );
    });
}

#[test]
fn a_waiter_registering_during_cancel_is_woken() {
    check("token::cancel_racing_cancelled", || {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        // Deadlock (a lost wake-up) fails the model.
        let waiter = thread::spawn(move || braid_loom_tests::block_on(child.cancelled()));
        parent.cancel();
        waiter.join().unwrap();
        assert_eq!(parent.child_count(), 0);
    });
}
