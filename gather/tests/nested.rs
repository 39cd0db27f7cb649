//! Cancelling an outer gather reaches gathers nested three levels deep.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{CancellationToken, current_token, gather, gather_settled, try_gather};
use fixtures::{DropCounter, pending_with, runtime};

#[test]
fn nested_cancellation_three_levels_deep() {
    const WIDTH: usize = 3;
    let leaves = WIDTH * WIDTH * WIDTH;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let token = CancellationToken::new();
    let rt = runtime();
    let outer = {
        let (drops, started) = (drops.clone(), started.clone());
        gather_settled((0..WIDTH).map(move |_| {
            let (drops, started) = (drops.clone(), started.clone());
            async move {
                gather((0..WIDTH).map(|_| {
                    let (drops, started) = (drops.clone(), started.clone());
                    async move {
                        gather((0..WIDTH).map(|_| pending_with(drops.guard(), started.clone())))
                            .await;
                    }
                }))
                .await;
            }
        }))
        .token(&token)
    };
    let outcomes = rt.block_on(async {
        let outer = tokio::spawn(outer);
        while started.count() < leaves {
            tokio::task::yield_now().await;
        }
        token.cancel();
        outer.await.unwrap()
    });
    assert_eq!(
        drops.count(),
        leaves,
        "every leaf is dropped before the outer gather returns"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o.as_ref().unwrap_err().is_cancelled())
    );
}

#[test]
fn each_level_sees_a_token_nested_in_the_level_above() {
    let rt = runtime();
    let result = rt.block_on(try_gather([async {
        let outer = current_token().expect("a child runs with a token");
        let inner = gather([async { current_token().expect("so does a nested child") }]).await;
        let inner = inner.into_iter().next().unwrap();
        assert!(!inner.is_cancelled());
        outer.cancel();
        // Cancelling the outer child's token reached the nested one.
        Ok::<_, ()>(inner.is_cancelled())
    }]));
    assert_eq!(result, Ok(vec![true]));
}

#[test]
fn a_nested_failure_does_not_cancel_the_outer_siblings() {
    let rt = runtime();
    let outcomes = rt.block_on(gather([
        Box::pin(async { try_gather([async { Err::<(), _>("inner") }]).await.is_err() })
            as std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>,
        Box::pin(async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            !current_token().unwrap().is_cancelled()
        }),
    ]));
    assert_eq!(outcomes, [true, true]);
}
