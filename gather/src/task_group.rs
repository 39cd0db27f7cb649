//! [`TaskGroup`]: an open-ended, structured set of tasks (asyncio's
//! `TaskGroup`, Trio's nursery).

mod abort;
mod owner;
mod seat;
mod slots;
mod state;

use std::fmt;
use std::future::{Future, poll_fn};
use std::panic;
use std::task::{Context, Poll};

use crate::child_future::Child;
use crate::current;
use crate::deferred::HoldLink;
use crate::spawn::try_current_spawner;
use crate::sync::{Arc, StdArc};
use crate::{AbortHandle, CancellationToken, ChildTask, Id, JoinError, Spawn, current_token};
use abort::ChildAbort;
use owner::Slots;
use seat::Seat;
use slots::Shared;

/// A set of tasks that grows as you spawn into it and is cancelled as a
/// whole: the asyncio `TaskGroup` / Trio nursery, for work that arrives over
/// time (a server's connections) where [`gather`](crate::gather()) needs its
/// futures up front.
///
/// - [`spawn`](Self::spawn) at any time starts a child as a task of its own,
///   through [`Spawn`] like a gather's children (so on braid, or on Tokio
///   with the `tokio` feature).
/// - [`join_next`](Self::join_next) gives outcomes in completion order,
///   [`join_all`](Self::join_all) gives values in spawn order.
/// - [`limit`](Self::limit) caps how many children run at once; the others
///   wait unstarted and start in spawn order.
/// - Each child runs with a child token of [`token`](Self::token) as its
///   [`current_token`](crate::current_token()), so gathers and groups
///   started inside it are cancelled with the group. A group made inside a
///   gather child or a group's child is itself nested in that child's token.
/// - Cancelling the token cancels every child: each is dropped at its next
///   wake and [`join_next`](Self::join_next) reports it as a cancelled
///   [`JoinError`]. [`shutdown`](Self::shutdown) cancels and waits until
///   every child is gone. Dropping the group cancels every child; as the
///   drop cannot wait, each is dropped at its next wake, which the cancel
///   triggers.
/// - `spawn` is O(1) and takes no lock (unless a limit is set); the
///   children hand their outcomes back without a lock either, and the
///   group's memory is the most children it held at once, whatever the
///   number spawned over its life.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// braid::Runtime::new().unwrap().block_on(async {
///     let mut group = braid::TaskGroup::new();
///     for delay in [30, 10, 20] {
///         group.spawn(async move {
///             braid::time::sleep(Duration::from_millis(delay)).await;
///             delay
///         });
///     }
///     let mut finished = Vec::new();
///     while let Some(outcome) = group.join_next().await {
///         finished.push(outcome.unwrap());
///     }
///     assert_eq!(finished.len(), 3); // in the order they finished
///
///     let mut group = braid::TaskGroup::new();
///     for n in 1..=3 {
///         group.spawn(async move { n * 10 });
///     }
///     assert_eq!(group.join_all().await, [10, 20, 30]); // in spawn order
/// });
/// ```
pub struct TaskGroup<T> {
    shared: Arc<Shared<T>>,
    slots: Slots<T>,
    /// Found on the first spawn, kept for the group's life.
    spawner: Option<StdArc<dyn Spawn>>,
    /// Children spawned and not yet joined.
    len: usize,
    /// Children ever spawned: the next one's place in spawn order.
    spawned: u64,
    /// The enclosing child's completion, held open by the group's children
    /// once the group is dropped (rule 10 of `slots.rs`).
    hold_link: Option<HoldLink>,
    /// The registration of the children waker on the token (rule 6 of
    /// `slots.rs`), while it may still be there.
    children_watch: Option<usize>,
}

impl<T: Send + 'static> TaskGroup<T> {
    /// An empty group. Inside a gather child or a group's child, its token
    /// is a child of that child's token; elsewhere a new one.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = braid::TaskGroup::<u32>::new();
    /// assert!(group.is_empty());
    /// assert!(!group.token().is_cancelled());
    /// ```
    pub fn new() -> TaskGroup<T> {
        let token =
            current_token().map_or_else(CancellationToken::new, |outer| outer.child_token());
        let shared = Arc::new(Shared::new(token));
        // Rule 11 of `slots.rs`: the reference the abort handles and the
        // owner hold together, let go by the last of them.
        let _handles = Arc::into_raw(shared.clone());
        let waker = slots::children_waker(&shared);
        // Registered until the token's cancel takes it out, which the group
        // does at the latest when it is dropped (or until a group dropped
        // with no child left withdraws it, rule 6). A token cancelled
        // already needs no waker: children see it at once.
        let mut children_watch = None;
        let _ = shared
            .token()
            .watch(&mut children_watch, &Context::from_waker(&waker));
        TaskGroup {
            shared,
            slots: Slots::new(),
            spawner: None,
            len: 0,
            spawned: 0,
            hold_link: current::hold_link(),
            children_watch,
        }
    }

    /// At most `limit` children run at once; the children spawned beyond
    /// that wait, unstarted, and start in spawn order as running ones
    /// finish (even while nobody is joining).
    ///
    /// # Panics
    ///
    /// Panics if `limit` is zero, or if a child was spawned already.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new().limit(2);
    ///     for n in 0..10 {
    ///         group.spawn(async move { n });
    ///     }
    ///     assert_eq!(group.join_all().await, (0..10).collect::<Vec<_>>());
    /// });
    /// ```
    pub fn limit(self, limit: usize) -> TaskGroup<T> {
        assert!(limit > 0, "TaskGroup::limit(0) would never start a child");
        assert!(
            self.spawned == 0,
            "TaskGroup::limit must be set before the first spawn"
        );
        self.shared.set_limit(limit);
        self
    }

    /// Starts `future` as a child of the group (or queues it, under a
    /// [`limit`](Self::limit)), and returns a handle that aborts it. The
    /// child's id ([`AbortHandle::id`]) is given here, before it starts, and
    /// is the id of the task that runs it.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime (the first spawn looks for one, as a gather
    /// does).
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     group.spawn(async { braid::current_token().is_some() });
    ///     assert_eq!(group.len(), 1);
    ///     assert!(group.join_next().await.unwrap().unwrap(), "runs in the group's scope");
    /// });
    /// ```
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let spawner = self.spawner.get_or_insert_with(|| {
            try_current_spawner().unwrap_or_else(|| {
                panic!(
                    "TaskGroup::spawn must be called from the context of a braid runtime \
                     (or a Tokio runtime with the `tokio` feature)"
                )
            })
        });
        let seat: Seat<T> = self.slots.claim(&self.shared, self.spawned);
        let (slot, generation) = seat.place();
        self.spawned += 1;
        self.len += 1;
        let id = Id::next();
        self.shared.start(
            ChildTask::new(Child::new(future, seat)).with_id(id),
            spawner,
        );
        AbortHandle::new(id, ChildAbort::new(&self.shared, slot, generation))
    }

    /// The next child to finish: `Some(Ok(value))`, or `Some(Err(_))` for
    /// one that panicked or was cancelled; `None` once no child is left.
    /// Outcomes come in the order the children finished.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     group.spawn(async { panic!("boom") });
    ///     let outcome = group.join_next().await.unwrap();
    ///     assert!(outcome.unwrap_err().is_panic());
    ///     assert!(group.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_next(cx))
            .await
            .map(|(_, outcome)| outcome)
    }

    /// Waits for every child and returns their values in spawn order.
    ///
    /// # Panics
    ///
    /// If a child panics, the others are cancelled, waited for, and then the
    /// panic is resumed here. If a child was cancelled (the group's token,
    /// or its abort handle), the others are cancelled and waited for too,
    /// and this panics saying so: there is no value to put in its place;
    /// use [`join_next`](Self::join_next) to see cancellations as values.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     for delay in [20, 10, 0] {
    ///         group.spawn(async move {
    ///             braid::time::sleep(Duration::from_millis(delay)).await;
    ///             delay
    ///         });
    ///     }
    ///     assert_eq!(group.join_all().await, [20, 10, 0]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        // Woken by the last child or a failure, not by every child.
        self.shared.wake_at_end_only(self.slots.take_counts_ahead());
        let mut values = Vec::with_capacity(self.len);
        let mut failure: Option<JoinError> = None;
        while let Some((seq, outcome)) = poll_fn(|cx| self.poll_next(cx)).await {
            match outcome {
                Ok(value) => values.push((seq, value)),
                Err(error) => {
                    if failure.is_none() {
                        self.cancel_all();
                    }
                    // A panic is resumed even when a cancellation came first.
                    if failure
                        .as_ref()
                        .is_none_or(|first| !first.is_panic() && error.is_panic())
                    {
                        failure = Some(error);
                    }
                }
            }
        }
        if let Some(error) = failure {
            drop(values);
            match error.try_into_panic() {
                Ok(payload) => panic::resume_unwind(payload),
                Err(_) => panic!(
                    "a TaskGroup child was cancelled, so join_all has no value for it \
                     (join_next reports cancellations as values)"
                ),
            }
        }
        // Stable and adaptive: children mostly finish near spawn order.
        values.sort_by_key(|(seq, _)| *seq);
        values.into_iter().map(|(_, value)| value).collect()
    }

    /// Cancels every child and returns once all of them are gone (their
    /// futures dropped, their outcomes discarded).
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     for _ in 0..4 {
    ///         group.spawn(std::future::pending::<()>());
    ///     }
    ///     group.shutdown().await;
    ///     assert!(group.is_empty());
    ///     assert!(group.token().is_cancelled());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.cancel_all();
        while poll_fn(|cx| self.poll_next(cx)).await.is_some() {}
    }
}

impl<T> TaskGroup<T> {
    /// The group's token: cancelling it cancels every child.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     group.spawn(std::future::pending::<()>());
    ///     group.token().cancel();
    ///     assert!(group.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn token(&self) -> &CancellationToken {
        self.shared.token()
    }

    /// Children spawned and not yet joined (running, waiting under the
    /// limit, or finished with an outcome not yet taken).
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut group = braid::TaskGroup::new();
    ///     group.spawn(async {});
    ///     assert_eq!(group.len(), 1);
    ///     group.join_next().await;
    ///     assert_eq!(group.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no child is left to join.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(braid::TaskGroup::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The next completed child's place in spawn order and outcome.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(u64, Result<T, JoinError>)>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        if let Some(next) = self.slots.take_next(&self.shared) {
            self.len -= 1;
            return Poll::Ready(Some(next));
        }
        // Register, then look again: a child that completed in between
        // either is seen now or wakes the new waker.
        self.shared.register(cx.waker());
        match self.slots.take_next(&self.shared) {
            Some(next) => {
                self.len -= 1;
                Poll::Ready(Some(next))
            }
            None => Poll::Pending,
        }
    }

    /// Cancels every child: the running ones through the token, and the
    /// waiting ones dropped unstarted.
    fn cancel_all(&mut self) {
        self.shared.token().cancel_contained();
        drop(self.shared.drain_waiting());
    }
}

impl<T: Send + 'static> Default for TaskGroup<T> {
    fn default() -> TaskGroup<T> {
        TaskGroup::new()
    }
}

impl<T> Drop for TaskGroup<T> {
    fn drop(&mut self) {
        if self.len == 0 {
            // Rule 6 of `slots.rs`: with every child joined, none waits in
            // its slot, so the cancel need not walk them.
            if let Some(key) = self.children_watch.take() {
                self.shared.token().unwatch(key);
            }
        }
        self.cancel_all();
        self.slots.drop_ready();
        let hold = self.hold_link.take().and_then(|link| link.try_guard());
        self.shared.owner_gone(hold, self.slots.take_counts_ahead());
        self.slots.give_back_refs(&self.shared);
        // SAFETY: the handles' reference was taken in `new`, and the owner
        // gives up its unit of `handles`, using it no more.
        unsafe { Shared::handle_gone(slots::as_non_null(&self.shared)) };
    }
}

impl<T> fmt::Debug for TaskGroup<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("len", &self.len)
            .field("token", self.token())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
