//! Cancellation from outside stays a cancellation all the way up: a child
//! that passes on a nested gather's `Cancelled` (or its cancelled values)
//! once its group is cancelled is recorded as cancelled, not as a failure or
//! a normal result (CPython's bpo-32684). Driven by hand, no runtime needed.
//!
//! Each child here cancels the outer token itself, in the middle of its
//! poll: that is the moment a cancel from another thread can land, made
//! certain.

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/manual.rs"]
mod manual;

use braid_gather::{CancellationToken, GatherError, current_token, gather_settled, try_gather};
use fixtures::{DropCounter, pending_with};
use manual::{Tasks, poll_noop};

#[test]
fn a_middle_try_gathers_cancelled_passed_on_with_question_mark_is_cancelled() {
    let (tasks, _spawner) = Tasks::enter();
    let (drops, started) = (DropCounter::new(), DropCounter::new());
    let token = CancellationToken::new();
    let outside = token.clone();
    let leaves: Vec<_> = (0..3)
        .map(|_| {
            let leaf = pending_with(drops.guard(), started.clone());
            async move {
                leaf.await;
                Ok::<(), &str>(())
            }
        })
        .collect();
    let outer = try_gather([async move {
        outside.cancel();
        let middle = try_gather(leaves).await;
        assert_eq!(middle, Err(GatherError::Cancelled));
        middle.map_err(|_| "middle layer cancelled")?;
        Ok::<(), &str>(())
    }])
    .token(&token);
    assert_eq!(tasks.drive(outer), Err(GatherError::Cancelled));
    assert_eq!(drops.count(), 3);
}

#[test]
fn a_middle_gather_settleds_cancelled_values_are_not_a_result() {
    let (tasks, _spawner) = Tasks::enter();
    let token = CancellationToken::new();
    let outside = token.clone();
    let outer = gather_settled([async move {
        outside.cancel();
        let middle = gather_settled((1..=2).map(|n| async move { n })).await;
        assert!(
            middle
                .iter()
                .all(|o| o.as_ref().unwrap_err().is_cancelled())
        );
        middle
    }])
    .token(&token);
    let outcomes = tasks.drive(outer);
    assert!(
        outcomes[0].as_ref().unwrap_err().is_cancelled(),
        "the top sees a cancellation, not Ok of cancelled values"
    );
}

#[test]
fn run_until_cancelled_ok_or_question_mark_is_cancelled() {
    let (tasks, _spawner) = Tasks::enter();
    let token = CancellationToken::new();
    let outside = token.clone();
    let outer = try_gather([async move {
        outside.cancel();
        let scope = current_token().expect("a child runs with a token");
        let value = scope
            .run_until_cancelled(std::future::pending::<u32>())
            .await
            .ok_or("stopped")?;
        Ok::<u32, &str>(value)
    }])
    .token(&token);
    assert_eq!(tasks.drive(outer), Err(GatherError::Cancelled));
}

#[test]
fn a_panic_after_the_cancel_is_still_a_panic() {
    let (tasks, _spawner) = Tasks::enter();
    let token = CancellationToken::new();
    let outside = token.clone();
    let outer = gather_settled([async move {
        outside.cancel();
        panic!("after the cancel");
    }])
    .token(&token);
    let outcomes: Vec<Result<(), _>> = tasks.drive(outer);
    assert!(outcomes[0].as_ref().unwrap_err().is_panic());
}

#[test]
fn a_child_that_finished_before_the_cancel_keeps_its_value() {
    let (tasks, _spawner) = Tasks::enter();
    let (drops, started) = (DropCounter::new(), DropCounter::new());
    let token = CancellationToken::new();
    let children: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = u8> + Send>>> = vec![
        Box::pin(async { 4 }),
        Box::pin({
            let pending = pending_with(drops.guard(), started.clone());
            async move {
                pending.await;
                0
            }
        }),
    ];
    let mut outer = gather_settled(children).token(&token);
    assert!(poll_noop(&mut outer).is_pending());
    assert_eq!(tasks.run_once(), 1, "the first child finished");
    token.cancel();
    let outcomes = tasks.drive(outer);
    assert_eq!(*outcomes[0].as_ref().unwrap(), 4);
    assert!(outcomes[1].as_ref().unwrap_err().is_cancelled());
    assert_eq!(drops.count(), 1);
}
