//! A gather of 100k children.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::{gather, try_gather};
use fixtures::{DropCounter, runtime};

#[test]
#[cfg_attr(miri, ignore)]
fn one_hundred_thousand_children() {
    const N: u64 = 100_000;
    let drops = DropCounter::new();
    let rt = runtime();
    let results = rt.block_on(gather((0..N).map(|i| {
        let guard = drops.guard();
        async move {
            let _guard = guard;
            i * 2
        }
    })));
    assert_eq!(results.len(), N as usize);
    assert!(results.iter().enumerate().all(|(i, v)| *v == i as u64 * 2));
    assert_eq!(drops.count(), N as usize);

    let sum = rt.block_on(try_gather((0..N).map(|i| async move { Ok::<_, ()>(i) })));
    assert_eq!(sum.unwrap().into_iter().sum::<u64>(), N * (N - 1) / 2);
}
