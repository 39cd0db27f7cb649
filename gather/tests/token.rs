//! `.token()` cancels a group from outside; the gather returns once every
//! child has stopped.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{CancellationToken, GatherError, gather, try_gather};
use fixtures::{DropCounter, pending_with, runtime};

#[test]
fn token_cancel_stops_try_gather() {
    const N: usize = 16;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let token = CancellationToken::new();
    let rt = runtime();
    let result = rt.block_on(async {
        let children = (0..N).map(|_| {
            let child = pending_with(drops.guard(), started.clone());
            async move {
                child.await;
                Ok::<u8, ()>(0)
            }
        });
        let group = tokio::spawn(try_gather(children).token(&token));
        while started.count() < N {
            tokio::task::yield_now().await;
        }
        token.cancel();
        group.await.unwrap()
    });
    assert_eq!(result, Err(GatherError::Cancelled));
    assert_eq!(drops.count(), N);
}

#[test]
fn a_token_cancelled_before_the_first_poll_runs_nothing() {
    let started = DropCounter::new();
    let token = CancellationToken::new();
    token.cancel();
    let result = runtime().block_on(
        try_gather((0..4).map(|_| {
            let started = started.clone();
            async move {
                drop(started.guard());
                Ok::<(), ()>(())
            }
        }))
        .token(&token),
    );
    assert_eq!(result, Err(GatherError::Cancelled));
    assert_eq!(started.count(), 0);
}

#[test]
fn cancelling_the_group_never_cancels_the_parent_token() {
    let token = CancellationToken::new();
    let result = runtime().block_on(
        try_gather((0..2).map(|i| async move { if i == 0 { Err("fails") } else { Ok(()) } }))
            .token(&token),
    );
    assert!(matches!(result, Err(GatherError::Failed { index: 0, .. })));
    assert!(!token.is_cancelled());
}

#[test]
fn plain_gather_is_cancelled_by_run_until_cancelled() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let token = CancellationToken::new();
    let rt = runtime();
    let result = rt.block_on(async {
        let canceller = token.clone();
        let waits = started.clone();
        tokio::spawn(async move {
            while waits.count() < 4 {
                tokio::task::yield_now().await;
            }
            canceller.cancel();
        });
        let children = (0..4).map(|_| pending_with(drops.guard(), started.clone()));
        token.run_until_cancelled(gather(children)).await
    });
    assert_eq!(result, None);
    rt.block_on(drops.wait_for(4));
}
