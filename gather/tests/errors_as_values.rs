//! `gather` over fallible futures keeps every result as a value.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::gather;
use fixtures::{DropCounter, runtime};
use std::time::Duration;

#[test]
fn errors_are_values_and_siblings_finish() {
    let finished = DropCounter::new();
    let results = runtime().block_on(gather((0..6_u64).map(|i| {
        let finished = finished.clone();
        async move {
            if i % 2 == 1 {
                return Err(format!("child {i} failed"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            drop(finished.guard());
            Ok(i)
        }
    })));
    assert_eq!(finished.count(), 3, "an error does not cancel the siblings");
    assert_eq!(results[0], Ok(0));
    assert_eq!(results[1], Err(String::from("child 1 failed")));
    assert_eq!(results[4], Ok(4));
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 3);
}
