//! A panicking child cancels its siblings, waits for them, and the panic is
//! resumed in the task awaiting the gather — also after an error failed the
//! group first; a stream polled after its panic ends.

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/manual.rs"]
mod manual;

use braid_gather::{GatherError, as_completed, try_gather};
use fixtures::{Boxed, DropCounter, DropGuard};
use manual::Tasks;
use std::panic::{self, AssertUnwindSafe};

/// Panics when dropped: a destructor that fails as its future is cancelled.
struct PanicsOnDrop(#[allow(dead_code, reason = "held for its drop")] DropGuard);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("panicked while cancelled");
    }
}

#[test]
fn try_gather_resumes_a_panic_that_follows_the_first_error() {
    let (tasks, _spawner) = Tasks::enter();
    let drops = DropCounter::new();
    let guard = PanicsOnDrop(drops.guard());
    let children: Vec<Boxed<Result<(), &str>>> = vec![
        Box::pin(async { Err("first error") }),
        Box::pin(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(())
        }),
    ];
    let group = try_gather(children);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| tasks.drive(group)));
    let payload = caught.expect_err("the panic is not swallowed by the error");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"panicked while cancelled")
    );
    assert_eq!(drops.count(), 1);
}

#[test]
fn try_gather_without_a_panic_still_reports_the_error() {
    let (tasks, _spawner) = Tasks::enter();
    let children: Vec<Boxed<Result<(), &str>>> = vec![
        Box::pin(async { Err("first error") }),
        Box::pin(std::future::pending()),
    ];
    let result = tasks.drive(try_gather(children));
    assert_eq!(
        result,
        Err(GatherError::Failed {
            index: 0,
            error: "first error"
        })
    );
}

#[test]
fn as_completed_ends_after_its_panic() {
    let (tasks, _spawner) = Tasks::enter();
    let children: Vec<Boxed<u8>> = vec![
        Box::pin(async { panic!("child exploded") }),
        Box::pin(async { 1 }),
    ];
    let mut stream = as_completed(children);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        tasks.drive(Box::pin(stream.next()));
    }));
    assert!(caught.is_err(), "the first read resumes the panic");
    assert_eq!(
        tasks.drive(Box::pin(stream.next())),
        None,
        "read again, the stream has ended"
    );
}

/// The same on a Tokio runtime, with siblings on other threads.
#[cfg(feature = "tokio")]
mod on_tokio {
    use super::fixtures::{DropCounter, pending_with, runtime};
    use braid_gather::{gather, try_gather};
    use futures::FutureExt;
    use std::future::Future;
    use std::panic::AssertUnwindSafe;
    use std::pin::Pin;

    type Child = Pin<Box<dyn Future<Output = u8> + Send>>;

    fn children(drops: &DropCounter, started: &DropCounter, siblings: usize) -> Vec<Child> {
        let mut children: Vec<Child> = Vec::new();
        for _ in 0..siblings {
            let sibling = pending_with(drops.guard(), started.clone());
            children.push(Box::pin(async move {
                sibling.await;
                0
            }));
        }
        let waits = started.clone();
        children.push(Box::pin(async move {
            while waits.count() < siblings {
                tokio::task::yield_now().await;
            }
            panic!("child exploded");
        }));
        children
    }

    #[test]
    fn panic_is_resumed_after_siblings_are_dropped() {
        let drops = DropCounter::new();
        let started = DropCounter::new();
        runtime().block_on(async {
            let caught = AssertUnwindSafe(gather(children(&drops, &started, 10)))
                .catch_unwind()
                .await;
            assert_eq!(
                drops.count(),
                10,
                "siblings are gone before the panic resumes"
            );
            let payload = caught.expect_err("the child's panic reaches the awaiting task");
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"child exploded"));
        });
    }

    #[test]
    fn try_gather_resumes_a_panic_too() {
        let drops = DropCounter::new();
        let started = DropCounter::new();
        runtime().block_on(async {
            let fallible = children(&drops, &started, 5)
                .into_iter()
                .map(|child| child.map(Ok::<u8, ()>));
            let caught = AssertUnwindSafe(try_gather(fallible)).catch_unwind().await;
            assert_eq!(drops.count(), 5);
            assert!(caught.is_err());
        });
    }

    #[test]
    fn a_spawned_gather_reports_the_panic_through_its_join_handle() {
        let drops = DropCounter::new();
        let started = DropCounter::new();
        let rt = runtime();
        let handle = rt.spawn(gather(children(&drops, &started, 3)));
        let error = rt.block_on(handle).unwrap_err();
        assert!(error.is_panic());
        assert_eq!(drops.count(), 3);
    }
}
