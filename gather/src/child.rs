//! The task that runs one gather child.
//!
//! A `Child` wraps the user's future. Each poll it checks its token (a child
//! of the group's token), polls the future with that token as
//! [`current_token`](crate::current_token()) and with panics caught, and
//! registers its waker with the token so a cancellation wakes it. However it
//! ends — output, panic, cancellation, or being dropped unpolled by a runtime
//! that shuts down — it drops the future first and then completes its slot,
//! so once the group's count reaches zero no child future exists.

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::current;
use crate::group::{Group, Outcome};
use crate::token::Watch;
use crate::{CancellationToken, JoinError};

pub(crate) struct Child<F: Future> {
    /// Structurally pinned: never moved, only dropped in place.
    future: Option<F>,
    /// `Some` until the slot is completed.
    group: Option<Group<F::Output>>,
    index: usize,
    token: CancellationToken,
    /// The waker registration with `token`.
    watch_key: Option<usize>,
}

impl<F: Future> Child<F> {
    pub(crate) fn new(future: F, group: Group<F::Output>, index: usize) -> Child<F> {
        let token = group.token().child_token();
        Child {
            future: Some(future),
            group: Some(group),
            index,
            token,
            watch_key: None,
        }
    }

    /// Drops the future in place, then hands `outcome` to the group. A panic
    /// from the future's destructor replaces a cancellation.
    fn finish(&mut self, outcome: Outcome<F::Output>) {
        let dropped = panic::catch_unwind(AssertUnwindSafe(|| self.future = None));
        let outcome = match (outcome, dropped) {
            (Err(cancelled), Err(payload)) if cancelled.is_cancelled() => {
                Err(JoinError::panic(payload))
            }
            (outcome, _) => outcome,
        };
        if let Some(key) = self.watch_key.take() {
            self.token.unwatch(key);
        }
        if let Some(group) = self.group.take() {
            group.complete(self.index, outcome);
        }
    }
}

impl<F: Future> Future for Child<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `future` is structurally pinned: it is only reached through
        // `Pin::new_unchecked` below and only ever dropped in place (`finish`
        // assigns `None`); no other field is pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        if this.token.is_cancelled() {
            this.finish(Err(JoinError::cancelled()));
            return Poll::Ready(());
        }
        // SAFETY: see above; `future` stays where it is until dropped.
        let future = unsafe { Pin::new_unchecked(future) };
        let polled = {
            let _scope = current::enter(&this.token);
            panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
        };
        let outcome = match polled {
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError::panic(payload)),
            Ok(Poll::Pending) => match this.token.watch(&mut this.watch_key, cx) {
                Watch::Registered => return Poll::Pending,
                Watch::Cancelled => Err(JoinError::cancelled()),
            },
        };
        this.finish(outcome);
        Poll::Ready(())
    }
}

impl<F: Future> Drop for Child<F> {
    fn drop(&mut self) {
        if self.group.is_some() {
            // Dropped before finishing: by a runtime shutting down, or by a
            // spawner that discarded the task. The group still hears of it.
            self.finish(Err(JoinError::cancelled()));
        }
    }
}

impl<F: Future> fmt::Debug for Child<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("index", &self.index)
            .field("finished", &self.group.is_none())
            .finish_non_exhaustive()
    }
}
