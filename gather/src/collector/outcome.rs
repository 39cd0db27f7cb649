//! How the gather futures read a settled group: outcomes, missing values,
//! resumed panics, and which outcomes fail a group.

use std::any::Any;
use std::panic;

use crate::JoinError;
use crate::group::{Group, Outcome};

/// The outcome of child `index` of a settled group; a child never spawned
/// (the group failed or was cancelled first) counts as cancelled.
pub(crate) fn settled_outcome<T>(group: &Group<T>, index: usize) -> Outcome<T> {
    group
        .take(index)
        .unwrap_or_else(|| Err(JoinError::cancelled()))
}

/// Ends a plain `gather` or `as_completed` whose child `index` failed it:
/// resumes that child's panic, or, for a child cancelled on its own, panics
/// saying so — a plain gather has no value to give for it.
///
/// # Panics
///
/// Always: that is what a failed plain gather does.
pub(crate) fn fail<T>(group: &Group<T>, index: usize) -> ! {
    resume_any_panic(group);
    match settled_outcome(group, index) {
        Err(error) if error.is_panic() => resume(error.into_panic()),
        Err(_) => panic!(
            "gather child {index} was cancelled although its gather was not: it \
             cancelled its own `current_token()`, or its runtime dropped the task \
             (shutting down?). A plain `gather` or `as_completed` has no value to give \
             for it; `gather_settled` returns cancellations as values"
        ),
        Ok(_) => unreachable!("a child fails a plain gather only without a value"),
    }
}

/// Resumes the first child panic of a settled group, if there was one: a
/// panic is not an error value, so it wins over an error or a cancellation
/// that failed the group first.
pub(crate) fn resume_any_panic<T>(group: &Group<T>) {
    if let Some(index) = group.panicked() {
        match settled_outcome(group, index) {
            Err(error) if error.is_panic() => resume(error.into_panic()),
            _ => unreachable!("child {index} was recorded as panicking"),
        }
    }
}

/// Resumes a child's panic in the task awaiting the gather.
pub(crate) fn resume(payload: Box<dyn Any + Send>) -> ! {
    panic::resume_unwind(payload)
}

/// Fail-fast on a child without a value (`gather`, `as_completed`): one that
/// panicked, or was cancelled on its own (a cancellation is not a failure
/// when the group itself was cancelled; `Group::complete` checks that).
pub(crate) fn fails_without_value<T>(outcome: &Outcome<T>) -> bool {
    outcome.is_err()
}

/// Fail-fast on errors too (`try_gather`).
pub(crate) fn fails_on_error<T, E>(outcome: &Outcome<Result<T, E>>) -> bool {
    matches!(outcome, Ok(Err(_))) || fails_without_value(outcome)
}

/// Never fail-fast (`gather_settled`).
pub(crate) fn never_fails<T>(_: &Outcome<T>) -> bool {
    false
}
