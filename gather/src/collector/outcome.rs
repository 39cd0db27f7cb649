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

/// What a gather does on meeting a child that did not produce a value.
#[derive(Debug)]
pub(crate) enum Missing {
    /// The group's scope was cancelled from outside: the enclosing gather
    /// child is being cancelled and will drop this future.
    OuterCancel,
}

/// Resumes a child's panic in the awaiting task, or reports why a child of a
/// group that is not fail-fast on cancellation has no value.
///
/// # Panics
///
/// Resumes `error`'s panic; panics naming the cause when a child was dropped
/// although nobody cancelled the group (its runtime shut down).
pub(crate) fn no_value<T>(group: &Group<T>, error: JoinError) -> Missing {
    match error.try_into_panic() {
        Ok(payload) => resume(payload),
        Err(_) if group.token().is_cancelled() => Missing::OuterCancel,
        Err(_) => panic!(
            "a gather child was dropped before it finished without the gather being \
             cancelled (was its runtime shut down?)"
        ),
    }
}

/// Resumes a child's panic in the task awaiting the gather.
pub(crate) fn resume(payload: Box<dyn Any + Send>) -> ! {
    panic::resume_unwind(payload)
}

/// Fail-fast on panics only (`gather`, `as_completed`).
pub(crate) fn fails_on_panic<T>(outcome: &Outcome<T>) -> bool {
    matches!(outcome, Err(error) if error.is_panic())
}

/// Fail-fast on panics and on errors (`try_gather`).
pub(crate) fn fails_on_error<T, E>(outcome: &Outcome<Result<T, E>>) -> bool {
    matches!(outcome, Ok(Err(_))) || fails_on_panic(outcome)
}

/// Never fail-fast (`gather_settled`).
pub(crate) fn never_fails<T>(_: &Outcome<T>) -> bool {
    false
}
