//! The collector: the part of every gather future that spawns the children
//! and waits on the slot array. `Gather`, `TryGather`, `GatherSettled` and
//! `AsCompleted` each wrap one and differ only in how they read the slots.
//!
//! Each poll does O(1) work plus the spawning it has to do: register the
//! waker, spawn (or, once the group has failed or been cancelled, forget)
//! the children not yet spawned, and read one counter.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic;
use std::task::{Context, Poll};

use crate::child::Child;
use crate::group::{Config, Group, Outcome};
use crate::spawn::{BoxedTask, Spawn, current_spawner};
use crate::sync::StdArc;
use crate::{CancellationToken, JoinError, current_token};

/// The futures of a group not yet spawned, type-erased so the gather types
/// only name the output type.
trait Unspawned<T>: Send {
    /// Wraps the next future as child `index` of `group`.
    fn next_child(&mut self, group: &Group<T>, index: usize) -> Option<BoxedTask>;
}

impl<F> Unspawned<F::Output> for std::vec::IntoIter<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn next_child(&mut self, group: &Group<F::Output>, index: usize) -> Option<BoxedTask> {
        let future = self.next()?;
        Some(Box::pin(Child::new(future, group.clone(), index)))
    }
}

/// Where a collector is in its life.
enum Stage<T> {
    /// Built, not yet polled: nothing spawned (gathers are lazy).
    Idle,
    Running(Running<T>),
    /// The group settled and was handed out.
    Done,
}

struct Running<T> {
    group: Group<T>,
    /// `None` for a group of no children, which needs no runtime.
    spawner: Option<StdArc<dyn Spawn>>,
    /// Children spawned so far; the next child's index.
    spawned: usize,
}

pub(crate) struct Collector<T> {
    len: usize,
    unspawned: Option<Box<dyn Unspawned<T>>>,
    /// Most children in flight at once.
    limit: usize,
    /// Set by `.token()`: the group's token is made a child of this one.
    parent: Option<CancellationToken>,
    config: Config<T>,
    stage: Stage<T>,
}

impl<T: Send + 'static> Collector<T> {
    pub(crate) fn new<I>(futures: I, fails: fn(&Outcome<T>) -> bool) -> Collector<T>
    where
        I: IntoIterator,
        I::Item: Future<Output = T> + Send + 'static,
    {
        let futures: Vec<I::Item> = futures.into_iter().collect();
        Collector {
            len: futures.len(),
            unspawned: Some(Box::new(futures.into_iter())),
            limit: usize::MAX,
            parent: None,
            config: Config {
                fails,
                wake_each: false,
            },
            stage: Stage::Idle,
        }
    }
}

impl<T> Collector<T> {
    #[track_caller]
    fn assert_idle(&self, builder: &str) {
        assert!(
            matches!(self.stage, Stage::Idle),
            "`{builder}` must be called before the gather is first polled"
        );
    }

    /// At most `limit` children in flight at once.
    #[track_caller]
    pub(crate) fn set_limit(&mut self, limit: usize) {
        assert!(
            limit > 0,
            "`limit(0)` would never run a child: the limit must be at least 1"
        );
        self.assert_idle("limit");
        self.limit = limit;
        // Refilling needs to hear of every completion.
        self.config.wake_each = true;
    }

    /// The group's token becomes a child of `parent`.
    #[track_caller]
    pub(crate) fn set_parent(&mut self, parent: &CancellationToken) {
        self.assert_idle("token");
        self.parent = Some(parent.clone());
    }

    /// Wake on every completion (for `as_completed`).
    pub(crate) fn wake_each(&mut self) {
        self.config.wake_each = true;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Spawns what may be spawned and registers for the next wake; returns
    /// the running group.
    ///
    /// # Panics
    ///
    /// Panics if polled after the group was handed out by `poll_settled`, or
    /// (on the first poll) if there is no runtime to spawn on.
    pub(crate) fn poll_progress(&mut self, cx: &Context<'_>) -> &Group<T> {
        if matches!(self.stage, Stage::Idle) {
            self.start();
        }
        let Stage::Running(running) = &mut self.stage else {
            panic!("a gather future was polled after it completed");
        };
        running.group.register(cx.waker());
        refill(running, &mut self.unspawned, self.len, self.limit);
        &running.group
    }

    /// Ready with the group once every child has finished or been dropped.
    pub(crate) fn poll_settled(&mut self, cx: &Context<'_>) -> Poll<Group<T>> {
        if self.poll_progress(cx).remaining() != 0 {
            return Poll::Pending;
        }
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Running(running) => Poll::Ready(running.group),
            Stage::Idle | Stage::Done => unreachable!("poll_progress leaves the collector running"),
        }
    }

    /// First poll: find the runtime and the parent scope, make the group,
    /// spawn the first children.
    fn start(&mut self) {
        let spawner = (self.len > 0).then(current_spawner);
        let token = match (&self.parent, current_token()) {
            (Some(parent), _) => parent.child_token(),
            (None, Some(scope)) => scope.child_token(),
            (None, None) => CancellationToken::new(),
        };
        let config = Config {
            fails: self.config.fails,
            wake_each: self.config.wake_each,
        };
        let group = Group::new(self.len, token, config);
        self.stage = Stage::Running(Running {
            group,
            spawner,
            spawned: 0,
        });
    }
}

/// Spawns children up to the limit, or forgets the unspawned ones once the
/// group has failed or been cancelled.
fn refill<T>(
    running: &mut Running<T>,
    unspawned: &mut Option<Box<dyn Unspawned<T>>>,
    len: usize,
    limit: usize,
) {
    let Some(source) = unspawned else { return };
    let group = &running.group;
    if group.failure().is_some() || group.token().is_cancelled() {
        *unspawned = None;
        group.forget_unspawned(len - running.spawned);
        return;
    }
    // `remaining` only falls, so this overestimates the children in flight
    // and never lets more than `limit` run.
    let gone = len - group.remaining();
    let in_flight = running.spawned - gone;
    let room = limit.saturating_sub(in_flight).min(len - running.spawned);
    if room > 0 {
        let spawner = running
            .spawner
            .as_ref()
            .expect("a group with children has a spawner");
        let end = running.spawned + room;
        let mut next = running.spawned;
        let mut batch = std::iter::from_fn(|| {
            if next == end {
                return None;
            }
            let child = source.next_child(group, next)?;
            next += 1;
            Some(child)
        });
        spawner.spawn_batch(&mut batch);
        // A spawner that stopped reading early still gets the whole batch.
        batch.for_each(|child| spawner.spawn(child));
        running.spawned = next;
    }
    if running.spawned == len {
        *unspawned = None;
    }
}

impl<T> Drop for Collector<T> {
    fn drop(&mut self) {
        if let Stage::Running(running) = &self.stage {
            // A pending gather dropped: its children are cancelled (they drop
            // their futures on their next poll, which the cancel triggers).
            if running.group.remaining() != 0 {
                running.group.token().cancel();
            }
        }
    }
}

impl<T> fmt::Debug for Collector<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Collector");
        s.field("len", &self.len);
        if self.limit != usize::MAX {
            s.field("limit", &self.limit);
        }
        match &self.stage {
            Stage::Idle => s.field("stage", &"idle"),
            Stage::Running(running) => s
                .field("spawned", &running.spawned)
                .field("group", &running.group),
            Stage::Done => s.field("stage", &"done"),
        };
        s.finish()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Mutex;
    use crate::{enter_spawner, gather, try_gather};
    use std::pin::Pin;
    use std::task::Waker;

    /// Queues spawned tasks; the test runs them by hand on its own thread.
    struct Queue(Mutex<Vec<BoxedTask>>);

    impl Default for Queue {
        fn default() -> Queue {
            Queue(Mutex::new(Vec::new()))
        }
    }

    impl Spawn for Queue {
        fn spawn(&self, task: BoxedTask) {
            self.0.lock().push(task);
        }
    }

    impl Queue {
        /// Polls every queued task once; returns how many were still pending.
        fn run_once(&self) -> usize {
            let tasks: Vec<_> = std::mem::take(&mut *self.0.lock());
            let mut cx = Context::from_waker(Waker::noop());
            let mut pending = 0;
            for mut task in tasks {
                if task.as_mut().poll(&mut cx).is_pending() {
                    pending += 1;
                    self.0.lock().push(task);
                }
            }
            pending
        }
    }

    fn drive<F: Future + Unpin>(queue: &Queue, mut future: F) -> F::Output {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..100 {
            if let Poll::Ready(output) = Pin::new(&mut future).poll(&mut cx) {
                return output;
            }
            queue.run_once();
        }
        panic!("the gather did not finish");
    }

    #[test]
    fn gather_through_a_hand_driven_spawner() {
        let queue = StdArc::new(Queue::default());
        let _spawner = enter_spawner(queue.clone());
        let squares = drive(&queue, gather((0..5_u32).map(|n| async move { n * n })));
        assert_eq!(squares, [0, 1, 4, 9, 16]);
    }

    #[test]
    fn limit_spawns_as_children_finish() {
        let queue = StdArc::new(Queue::default());
        let _spawner = enter_spawner(queue.clone());
        let mut cx = Context::from_waker(Waker::noop());
        let mut group = gather((0..5_u32).map(|n| async move { n })).limit(2);
        assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
        assert_eq!(queue.0.lock().len(), 2);
        assert_eq!(queue.run_once(), 0);
        assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
        assert_eq!(queue.0.lock().len(), 2);
        assert_eq!(drive(&queue, group), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_failure_forgets_the_unspawned_children() {
        let queue = StdArc::new(Queue::default());
        let _spawner = enter_spawner(queue.clone());
        let group =
            try_gather((0..4_u32).map(|n| async move { if n == 0 { Err(n) } else { Ok(n) } }));
        let result = drive(&queue, group.limit(1));
        assert_eq!(
            result,
            Err(crate::GatherError::Failed { index: 0, error: 0 })
        );
        assert!(queue.0.lock().is_empty());
    }

    #[test]
    fn dropping_a_running_gather_cancels_its_children() {
        let queue = StdArc::new(Queue::default());
        let _spawner = enter_spawner(queue.clone());
        let mut cx = Context::from_waker(Waker::noop());
        let mut group = gather((0..3).map(|_| std::future::pending::<()>()));
        assert!(Pin::new(&mut group).poll(&mut cx).is_pending());
        assert_eq!(queue.run_once(), 3);
        drop(group);
        assert_eq!(queue.run_once(), 0, "every child saw the cancellation");
    }
}
