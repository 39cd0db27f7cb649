//! The task that runs one gather child.
//!
//! A `Child` wraps the user's future. Each poll it checks the group's token
//! (and its own, a child of the group's, if it made one), polls the future
//! with its own token as [`current_token`](crate::current_token()) and with
//! panics caught, and leaves its waker where a cancellation will wake it:
//! with its own token, or, as most children never make one, in its slot
//! (rule 7 of `group.rs`). However it
//! ends — output, panic, cancellation, or being dropped unpolled by a runtime
//! that shuts down — it drops the future first and then completes its slot,
//! so once the group's count reaches zero no child future exists. When the
//! future started gathers of its own, the completion waits for them (see
//! `deferred.rs`), so no grandchild exists either.

use std::cell::OnceCell;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::current;
use crate::deferred::Hold;
use crate::group::Outcome;
use crate::token::Watch;
use crate::{CancellationToken, JoinError};

/// Where a child reports: its slot in a gather's group (`group::Member`)
/// or in a task group (`task_group::Seat`).
pub(crate) trait Parent: Send + 'static {
    type Output: Send + 'static;

    /// The group's token.
    fn token(&self) -> &CancellationToken;

    /// Whether this child alone was cancelled from outside (a task group's
    /// abort handle).
    fn is_aborted(&self) -> bool;

    /// Leaves `waker` where a cancellation of the group, or an abort, will
    /// wake it (rule 7 of `group.rs`); false if either happened already.
    #[must_use]
    fn wait(&self, waker: &Waker) -> bool;

    /// For a child that waits on a token of its own: leaves `waker` where an
    /// abort will wake it; false if aborted already.
    #[must_use]
    fn wait_for_abort(&self, waker: &Waker) -> bool;

    /// Hands over the child's outcome; the child's future is gone.
    fn complete(self, outcome: Outcome<Self::Output>);
}

pub(crate) struct Child<F: Future, P: Parent<Output = F::Output>>
where
    F::Output: Send + 'static,
{
    /// Structurally pinned: never moved, only dropped in place.
    future: Option<F>,
    /// `Some` until the slot is completed.
    group: Option<P>,
    /// The child's own token, a child of the group's: made lazily (see
    /// `current::ChildScope`), when the child asks for it or starts a gather.
    token: OnceCell<CancellationToken>,
    /// The waker registration with `token`.
    watch_key: Option<usize>,
    /// Made when a gather starts inside the future (see `current::ChildScope`).
    hold: OnceCell<Hold>,
}

impl<F: Future, P: Parent<Output = F::Output>> Child<F, P>
where
    F::Output: Send + 'static,
{
    pub(crate) fn new(future: F, group: P) -> Child<F, P> {
        Child {
            future: Some(future),
            group: Some(group),
            token: OnceCell::new(),
            watch_key: None,
            hold: OnceCell::new(),
        }
    }

    /// Drops the future in place, then hands `outcome` to the group — at
    /// once, or, when gathers started inside the future still have children,
    /// once the last of those is gone. A panic from the future's destructor
    /// replaces a cancellation; a value produced after the group was
    /// cancelled becomes one.
    fn finish(&mut self, outcome: Outcome<F::Output>) {
        let dropped = panic::catch_unwind(AssertUnwindSafe(|| self.future = None));
        let outcome = match (outcome, dropped) {
            (Err(cancelled), Err(payload)) if cancelled.is_cancelled() => {
                Err(JoinError::panic(payload))
            }
            (outcome, _) => outcome,
        };
        if let (Some(key), Some(token)) = (self.watch_key.take(), self.token.get()) {
            token.unwatch(key);
        }
        let Some(group) = self.group.take() else {
            return;
        };
        // Once the group is cancelled, whatever the child returned may be made
        // of that very cancellation (a nested gather's `Cancelled`, passed on
        // with `?`), so it counts as a cancellation, never as the child's
        // value or error (CPython's bpo-32684). A panic stays a panic.
        let outcome = match outcome {
            Ok(value) if group.token().is_cancelled() => discard(value),
            outcome => outcome,
        };
        match self.hold.take() {
            None => group.complete(outcome),
            Some(hold) => hold.finish(move || group.complete(outcome)),
        }
    }
}

/// Drops a value the group will not see, as a cancellation; a panic from its
/// destructor is reported instead.
fn discard<T>(value: T) -> Outcome<T> {
    match panic::catch_unwind(AssertUnwindSafe(|| drop(value))) {
        Ok(()) => Err(JoinError::cancelled()),
        Err(payload) => Err(JoinError::panic(payload)),
    }
}

impl<F: Future, P: Parent<Output = F::Output>> Future for Child<F, P>
where
    F::Output: Send + 'static,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `future` is structurally pinned: it is only reached through
        // `Pin::new_unchecked` below and only ever dropped in place (`finish`
        // assigns `None`); no other field is pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        let Some(group) = this.group.as_ref() else {
            return Poll::Ready(());
        };
        // The group's token covers a cancelled group; the child's own one
        // (if made) also covers the child cancelling its own scope; an
        // abort cancels the child's scope too, so that whatever it started
        // with its token stops with it.
        let aborted = group.is_aborted();
        if aborted && let Some(own) = this.token.get() {
            own.cancel_contained();
        }
        if aborted
            || group.token().is_cancelled()
            || this
                .token
                .get()
                .is_some_and(CancellationToken::is_cancelled)
        {
            this.finish(Err(JoinError::cancelled()));
            return Poll::Ready(());
        }
        // SAFETY: see above; `future` stays where it is until dropped.
        let future = unsafe { Pin::new_unchecked(future) };
        let scope = current::ChildScope {
            parent: group.token(),
            own: &this.token,
            hold: &this.hold,
        };
        let polled = {
            let _entered = current::enter(&scope);
            panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
        };
        let outcome = match polled {
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError::panic(payload)),
            // Waiting. A child with a token of its own (it asked for it, or
            // started a gather) watches it: the group's cancellation reaches
            // it, and so does its own. The others wait on their slot (rule
            // 7 of `group.rs`), which costs no token.
            Ok(Poll::Pending) => match this.token.get() {
                Some(own) => match own.watch(&mut this.watch_key, cx) {
                    Watch::Registered if group.wait_for_abort(cx.waker()) => {
                        return Poll::Pending;
                    }
                    Watch::Registered => {
                        own.cancel_contained();
                        Err(JoinError::cancelled())
                    }
                    Watch::Cancelled => Err(JoinError::cancelled()),
                },
                None if group.wait(cx.waker()) => return Poll::Pending,
                None => Err(JoinError::cancelled()),
            },
        };
        this.finish(outcome);
        Poll::Ready(())
    }
}

impl<F: Future, P: Parent<Output = F::Output>> Drop for Child<F, P>
where
    F::Output: Send + 'static,
{
    fn drop(&mut self) {
        if self.group.is_some() {
            // Dropped before finishing: by a runtime shutting down, or by a
            // spawner that discarded the task. The group still hears of it.
            self.finish(Err(JoinError::cancelled()));
        }
    }
}

impl<F: Future, P: Parent<Output = F::Output>> fmt::Debug for Child<F, P>
where
    F::Output: Send + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("finished", &self.group.is_none())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Config, Group};
    use std::task::Waker;

    /// A group whose members hold references of their own (`wake_each`),
    /// so a test may leave some children unfinished without leaking it.
    fn group<T>(len: usize) -> Group<T> {
        Group::new(
            len,
            CancellationToken::new(),
            Config {
                fails: |_| false,
                wake_each: true,
            },
        )
    }

    #[test]
    fn a_child_of_a_small_future_is_spawned_inline() {
        // The wrapper's own fields leave room for a future of 64 bytes (a
        // child that sleeps or times out is about that size).
        let group = group::<u64>(1);
        let padding = [3_u8; 64];
        let future = async move { u64::from(padding[63]) };
        let task = crate::ChildTask::new(Child::new(future, group.member(0)));
        assert!(
            task.is_inline(),
            "a Child is {} bytes",
            size_of::<Child<std::future::Ready<[u8; 64]>, crate::group::Member<[u8; 64]>>>()
        );
        drop(task);
        assert!(group.take(0).unwrap().unwrap_err().is_cancelled());
    }

    #[test]
    fn a_pinned_future_runs_with_the_group_token_as_current() {
        let group = group::<bool>(1);
        let mut cx = Context::from_waker(Waker::noop());
        // Holds a reference to its own local across an await: not Unpin.
        let future = async {
            let local = 5;
            let by_ref = &local;
            std::future::ready(()).await;
            *by_ref == 5 && crate::current_token().is_some()
        };
        let mut child = Box::pin(Child::new(future, group.member(0)));
        assert!(child.as_mut().poll(&mut cx).is_ready());
        assert!(group.take(0).unwrap().unwrap());
        assert!(crate::current_token().is_none());
    }

    #[test]
    fn a_cancelled_child_drops_its_future_and_reports_cancelled() {
        let group = group::<()>(2);
        let mut cx = Context::from_waker(Waker::noop());
        let mut pending = Box::pin(Child::new(std::future::pending(), group.member(0)));
        assert!(pending.as_mut().poll(&mut cx).is_pending());
        group.token().cancel();
        assert!(pending.as_mut().poll(&mut cx).is_ready());
        assert!(group.take(0).unwrap().unwrap_err().is_cancelled());
        assert_eq!(group.remaining(), 1);
    }

    #[test]
    fn a_panic_and_an_unpolled_drop_are_reported() {
        let group = group::<u8>(2);
        let mut cx = Context::from_waker(Waker::noop());
        let mut panics = Box::pin(Child::new(async { panic!("in child") }, group.member(0)));
        assert!(panics.as_mut().poll(&mut cx).is_ready());
        drop(Child::new(async { 1 }, group.member(1)));
        assert_eq!(group.remaining(), 0);
        assert!(group.take(0).unwrap().unwrap_err().is_panic());
        assert!(group.take(1).unwrap().unwrap_err().is_cancelled());
    }
}
