//! Cancelling an outer gather reaches gathers nested three levels deep, and
//! no outer gather returns before the grandchildren are gone.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{
    CancellationToken, Gather, GatherError, current_token, gather, gather_settled, try_gather,
};
use fixtures::{Boxed, DropCounter, pending_with, runtime};
use futures::FutureExt;
use futures::future::select;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// How long each leaf takes to drop: long enough that a gather returning
/// before its grandchildren are gone is caught every time.
const SLOW_DROP: Duration = Duration::from_millis(20);

/// `width` leaves that never finish and drop slowly, gathered.
fn leaves(width: usize, drops: &DropCounter, started: &DropCounter) -> Gather<()> {
    gather((0..width).map(|_| pending_with(drops.slow_guard(SLOW_DROP), started.clone())))
}

/// Waits until `count` leaves have started, then panics.
async fn explode_once(started: DropCounter, count: usize) {
    while started.count() < count {
        tokio::task::yield_now().await;
    }
    panic!("exploded");
}

#[test]
fn nested_cancellation_three_levels_deep() {
    const WIDTH: usize = 3;
    let leaf_count = WIDTH * WIDTH * WIDTH;
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
                    async move { leaves(WIDTH, &drops, &started).await }
                }))
                .await;
            }
        }))
        .token(&token)
    };
    let outcomes = rt.block_on(async {
        let outer = tokio::spawn(outer);
        while started.count() < leaf_count {
            tokio::task::yield_now().await;
        }
        token.cancel();
        outer.await.unwrap()
    });
    assert_eq!(
        drops.count(),
        leaf_count,
        "every leaf is dropped before the outer gather returns"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o.as_ref().unwrap_err().is_cancelled())
    );
}

#[test]
fn fail_fast_waits_for_the_grandchildren() {
    const WIDTH: usize = 3;
    let leaf_count = WIDTH * WIDTH;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let rt = runtime();
    let (result, dropped) = rt.block_on(async {
        let mut children: Vec<Boxed<Result<(), &str>>> = (0..WIDTH)
            .map(|_| {
                let nested = leaves(WIDTH, &drops, &started);
                Box::pin(async move {
                    nested.await;
                    Ok(())
                }) as _
            })
            .collect();
        let waits = started.clone();
        children.push(Box::pin(async move {
            while waits.count() < leaf_count {
                tokio::task::yield_now().await;
            }
            Err("failed")
        }));
        let result = try_gather(children).await;
        (result, drops.count())
    });
    assert_eq!(
        result,
        Err(GatherError::Failed {
            index: WIDTH,
            error: "failed"
        })
    );
    assert_eq!(
        dropped, leaf_count,
        "every grandchild is dropped before try_gather returns"
    );
}

#[test]
fn a_panic_in_a_child_with_nested_gathers_waits_for_the_grandchildren() {
    const WIDTH: usize = 4;
    let leaf_count = 2 * WIDTH;
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let rt = runtime();
    let (caught, dropped) = rt.block_on(async {
        // The panicking child has a gather of its own running beside it.
        let nested = leaves(WIDTH, &drops, &started);
        let explodes = explode_once(started.clone(), leaf_count);
        let sibling = leaves(WIDTH, &drops, &started);
        let children: Vec<Boxed<()>> = vec![
            Box::pin(async move {
                let _ = select(Box::pin(nested), Box::pin(explodes)).await;
            }),
            Box::pin(async move {
                sibling.await;
            }),
        ];
        let caught = AssertUnwindSafe(gather(children)).catch_unwind().await;
        (caught, drops.count())
    });
    assert_eq!(
        dropped, leaf_count,
        "every grandchild is dropped before the panic resumes"
    );
    let payload = caught.expect_err("the child's panic reaches the awaiting task");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"exploded"));
}

#[test]
fn an_outside_cancel_reaches_the_top_as_a_cancel_through_fallible_middle_layers() {
    const WIDTH: usize = 3;
    let leaf_count = WIDTH * WIDTH;
    let rt = runtime();
    for settled_middle in [false, true] {
        let drops = DropCounter::new();
        let started = DropCounter::new();
        let token = CancellationToken::new();
        let children: Vec<Boxed<Result<(), &str>>> = (0..WIDTH)
            .map(|_| {
                let nested = leaves(WIDTH, &drops, &started);
                let nested: Vec<_> = vec![nested];
                if settled_middle {
                    Box::pin(async move {
                        let middle = gather_settled(nested).await;
                        middle
                            .into_iter()
                            .try_for_each(|o| o.map(|_| ()))
                            .map_err(|_| "middle saw a cancellation")
                    }) as Boxed<_>
                } else {
                    let nested = nested.into_iter().map(|g| async move {
                        g.await;
                        Ok::<(), ()>(())
                    });
                    Box::pin(async move {
                        try_gather(nested)
                            .await
                            .map_err(|_| "middle was cancelled")?;
                        Ok(())
                    })
                }
            })
            .collect();
        let (result, dropped) = rt.block_on(async {
            let top = tokio::spawn(try_gather(children).token(&token));
            while started.count() < leaf_count {
                tokio::task::yield_now().await;
            }
            token.cancel();
            let result = top.await.unwrap();
            (result, drops.count())
        });
        assert_eq!(
            result,
            Err(GatherError::Cancelled),
            "settled middle: {settled_middle}"
        );
        assert_eq!(dropped, leaf_count);
    }
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
