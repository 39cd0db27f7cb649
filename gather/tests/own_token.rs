//! A child that cancels its own `current_token()` is cancelled — alone, not
//! its group — and each gather says so in its own terms: a value for
//! `gather_settled`, `Cancelled` for `try_gather`, a panic naming the cause
//! for `gather` and `as_completed`, which have no value to give for it. The
//! last three fail fast: the siblings are cancelled and gone first. Driven
//! by hand, no runtime needed.

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/manual.rs"]
mod manual;

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use braid_gather::{
    ChildTask, GatherError, Spawn, as_completed, current_token, enter_spawner, gather,
    gather_settled, try_gather,
};
use fixtures::{Boxed, DropCounter, pending_with};
use manual::Tasks;

/// Cancels its own scope, then waits (and is cancelled out of the wait).
async fn cancels_itself() -> u8 {
    current_token().expect("a gather child").cancel();
    std::future::pending::<()>().await;
    unreachable!("a child whose token is cancelled is not polled on");
}

/// A child that cancels itself, and a sibling that waits forever.
fn children(drops: &DropCounter, started: &DropCounter) -> Vec<Boxed<u8>> {
    let sibling = pending_with(drops.guard(), started.clone());
    vec![
        Box::pin(async move {
            sibling.await;
            0
        }),
        Box::pin(cancels_itself()),
    ]
}

fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default()
}

#[test]
fn plain_gather_cancels_the_siblings_then_panics_naming_the_cause() {
    let (tasks, _spawner) = Tasks::enter();
    let (drops, started) = (DropCounter::new(), DropCounter::new());
    let gathered = gather(children(&drops, &started));
    let caught = panic::catch_unwind(AssertUnwindSafe(|| tasks.drive(gathered)));
    let payload = caught.expect_err("a plain gather has no value for the child");
    let message = message(payload.as_ref());
    assert!(
        message.contains("gather child 1 was cancelled although its gather was not"),
        "{message}"
    );
    assert!(message.contains("current_token()"), "{message}");
    assert_eq!(drops.count(), 1, "the sibling is gone before the panic");
}

#[test]
fn as_completed_does_the_same() {
    let (tasks, _spawner) = Tasks::enter();
    let (drops, started) = (DropCounter::new(), DropCounter::new());
    let mut stream = as_completed(children(&drops, &started));
    let caught = panic::catch_unwind(AssertUnwindSafe(|| tasks.drive(Box::pin(stream.next()))));
    let payload = caught.expect_err("no pair to yield for the child");
    assert!(message(payload.as_ref()).contains("gather child 1 was cancelled"));
    assert_eq!(drops.count(), 1);
}

#[test]
fn try_gather_cancels_the_siblings_and_reports_cancelled() {
    let (tasks, _spawner) = Tasks::enter();
    let (drops, started) = (DropCounter::new(), DropCounter::new());
    let fallible = children(&drops, &started)
        .into_iter()
        .map(|child| async move { Ok::<u8, ()>(child.await) });
    let result = tasks.drive(try_gather(fallible));
    assert_eq!(result, Err(GatherError::Cancelled));
    assert_eq!(drops.count(), 1);
}

#[test]
fn gather_settled_reports_the_cancellation_and_keeps_the_siblings() {
    let (tasks, _spawner) = Tasks::enter();
    let children: Vec<Boxed<u8>> = vec![Box::pin(async { 7 }), Box::pin(cancels_itself())];
    let outcomes = tasks.drive(gather_settled(children));
    assert_eq!(*outcomes[0].as_ref().unwrap(), 7);
    assert!(outcomes[1].as_ref().unwrap_err().is_cancelled());
}

/// Drops every task it is given, as a runtime shutting down does.
struct Discards;

impl Spawn for Discards {
    fn spawn(&self, task: ChildTask) {
        drop(task);
    }
}

#[test]
fn a_child_dropped_by_its_runtime_is_named_as_such() {
    let _spawner = enter_spawner(Arc::new(Discards));
    let caught = panic::catch_unwind(|| futures::executor::block_on(gather([async { 1 }])));
    let payload = caught.expect_err("the child never ran");
    assert!(
        message(payload.as_ref()).contains("its runtime dropped the task"),
        "{}",
        message(payload.as_ref())
    );
}
