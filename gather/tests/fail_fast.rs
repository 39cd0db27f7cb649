//! `try_gather` returns the first error with its index, and only after every
//! sibling has been cancelled and dropped.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{GatherError, try_gather};
use fixtures::{DropCounter, pending_with, runtime};
use std::future::Future;
use std::pin::Pin;

type Child = Pin<Box<dyn Future<Output = Result<u32, &'static str>> + Send>>;

#[test]
fn first_error_with_index_and_no_orphans() {
    const SIBLINGS: usize = 20;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let rt = runtime();
    rt.block_on(async {
        let mut children: Vec<Child> = Vec::new();
        for _ in 0..SIBLINGS {
            let sibling = pending_with(drops.guard(), started.clone());
            children.push(Box::pin(async move {
                sibling.await;
                Ok(0)
            }));
        }
        let waits_for_siblings = started.clone();
        children.insert(
            7,
            Box::pin(async move {
                // Fail only once every sibling is running, so they have
                // something to be cancelled out of.
                while waits_for_siblings.count() < SIBLINGS {
                    tokio::task::yield_now().await;
                }
                Err("bad input")
            }),
        );
        let result = try_gather(children).await;
        assert_eq!(
            result,
            Err(GatherError::Failed {
                index: 7,
                error: "bad input"
            })
        );
        assert_eq!(
            drops.count(),
            SIBLINGS,
            "every sibling is dropped before try_gather returns"
        );
    });
}

#[test]
fn all_ok_is_in_input_order() {
    let result = runtime().block_on(try_gather(
        (0..10_u32).map(|i| async move { Ok::<_, ()>(i) }),
    ));
    assert_eq!(result, Ok((0..10).collect::<Vec<_>>()));
}

#[test]
fn the_first_failure_wins_with_limit_and_later_children_never_start() {
    let started = DropCounter::new();
    let result = runtime().block_on(
        try_gather((0..100_u32).map(|i| {
            let started = started.clone();
            async move {
                drop(started.guard());
                if i == 0 { Err(i) } else { Ok(i) }
            }
        }))
        .limit(1),
    );
    assert_eq!(result, Err(GatherError::Failed { index: 0, error: 0 }));
    assert_eq!(
        started.count(),
        1,
        "with limit(1) nothing starts after the failure"
    );
}
