//! `gather!` and `try_gather!` over futures of different types.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::GatherError;
use fixtures::{DropCounter, pending_with, runtime};
use std::time::Duration;

#[test]
fn heterogeneous_gather() {
    let (number, text, list) = runtime().block_on(braid_gather::gather!(
        async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            1_u8
        },
        async { String::from("two") },
        async { vec![3.0_f64] },
    ));
    assert_eq!(number, 1);
    assert_eq!(text, "two");
    assert_eq!(list, [3.0]);
}

#[test]
fn heterogeneous_try_gather_fails_fast() {
    let drops = DropCounter::new();
    let started = DropCounter::new();
    let rt = runtime();
    let sibling = pending_with(drops.guard(), started.clone());
    let waits = started.clone();
    let result = rt.block_on(braid_gather::try_gather!(
        async {
            sibling.await;
            Ok::<u8, &str>(1)
        },
        async move {
            while waits.count() < 1 {
                tokio::task::yield_now().await;
            }
            Err::<String, _>("second failed")
        },
    ));
    assert_eq!(
        result,
        Err(GatherError::Failed {
            index: 1,
            error: "second failed"
        })
    );
    assert_eq!(drops.count(), 1);

    let ok = rt.block_on(braid_gather::try_gather!(
        async { Ok::<_, ()>('a') },
        async { Ok(2_i64) }
    ));
    assert_eq!(ok, Ok(('a', 2)));
}
