//! Dropped child tokens leave their parent, so the tree does not grow.
//! Unit tests: they read the tree's size, which only test and loom builds
//! expose.

use crate::{CancellationToken, current_token, gather};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap()
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_parent_with_100k_dropped_children_does_not_grow() {
    let parent = CancellationToken::new();
    let keep = parent.child_token();
    for _ in 0..100_000 {
        let child = parent.child_token();
        let grandchild = child.child_token();
        drop(child);
        drop(grandchild);
        assert_eq!(parent.child_count(), 1);
    }
    drop(keep);
    assert_eq!(parent.child_count(), 0);
    parent.cancel();
}

#[test]
fn groups_leave_the_scope_they_ran_in() {
    let scope = CancellationToken::new();
    let rt = runtime();
    rt.block_on(async {
        for _ in 0..50 {
            let counts = crate::gather_settled([async {
                let token = current_token().unwrap();
                gather((0..10).map(|_| async {})).await;
                // The nested children's tasks are dropped just after they
                // report, so their tokens may take a moment to leave.
                for _ in 0..100_000 {
                    if token.child_count() == 0 {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
                token.child_count()
            }])
            .token(&scope)
            .await;
            assert_eq!(
                *counts[0].as_ref().unwrap(),
                0,
                "the nested group left its child"
            );
        }
        for _ in 0..100_000 {
            if scope.child_count() == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
    });
    assert_eq!(scope.child_count(), 0);
}
