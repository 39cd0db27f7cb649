//! `as_completed` yields each index once, in completion order.
#![cfg(feature = "tokio")]

#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::as_completed;
use fixtures::runtime;
use futures::StreamExt;
use futures::channel::oneshot;

#[test]
fn each_index_once_in_completion_order() {
    // Child `order[k]` is released only after the k-th pair was received, so
    // the completion order is exactly `order`.
    let order = [3, 0, 4, 1, 2];
    let mut releases: Vec<Option<oneshot::Sender<()>>> = Vec::new();
    let mut children = Vec::new();
    for index in 0..order.len() {
        let (tx, rx) = oneshot::channel::<()>();
        releases.push(Some(tx));
        children.push(async move {
            rx.await.unwrap();
            index * 10
        });
    }
    let seen = runtime().block_on(async {
        let mut stream = as_completed(children);
        let mut seen = Vec::new();
        for &next in &order {
            releases[next].take().unwrap().send(()).unwrap();
            let (index, value) = stream.next().await.unwrap();
            assert_eq!(value, index * 10);
            seen.push(index);
        }
        assert_eq!(stream.next().await, None);
        seen
    });
    assert_eq!(seen, order);
}

#[test]
fn works_as_a_stream() {
    let mut pairs = runtime()
        .block_on(as_completed((0..100_usize).map(|i| async move { i * 2 })).collect::<Vec<_>>());
    pairs.sort_unstable();
    assert_eq!(pairs, (0..100).map(|i| (i, i * 2)).collect::<Vec<_>>());
}
