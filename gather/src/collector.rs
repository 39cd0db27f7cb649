//! The collector: the part of every gather future that spawns the children
//! and waits on the slot array. `Gather`, `TryGather`, `GatherSettled` and
//! `AsCompleted` each wrap one and differ only in how they read the slots.
//!
//! Each poll does O(1) work plus the spawning it has to do: register the
//! waker, spawn at most one batch (or, once the group has failed or been
//! cancelled, forget) the children not yet spawned, and read one counter.

mod outcome;
mod spawning;

use std::fmt;
use std::future::Future;
use std::task::{Context, Poll};

use crate::current;
use crate::deferred::HoldLink;
use crate::group::{Config, Group, Outcome};
use crate::spawn::{Spawn, current_spawner};
use crate::sync::StdArc;
use crate::{CancellationToken, current_token};
pub(crate) use outcome::{
    fail, fails_on_error, fails_without_value, never_fails, resume_any_panic, settled_outcome,
};
pub use spawning::SPAWN_BATCH;
use spawning::{Unspawned, refill};

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
    /// The registration of the group's children waker on its token (rule 7
    /// of `group.rs`), withdrawn when the collector lets go.
    watch_key: Option<usize>,
    /// Set when the group started inside a gather child (`deferred.rs`).
    hold: Option<HoldLink>,
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
}

// The group's children waker crosses threads and may drop the group, so
// running a group needs `T: Send` (every gather's children have it).
impl<T: Send + 'static> Collector<T> {
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
        refill(
            running,
            &mut self.unspawned,
            self.len,
            self.limit,
            cx.waker(),
        );
        &running.group
    }

    /// Ready with the group once every child has finished or been dropped.
    pub(crate) fn poll_settled(&mut self, cx: &Context<'_>) -> Poll<Group<T>> {
        if self.poll_progress(cx).remaining() != 0 {
            return Poll::Pending;
        }
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Running(mut running) => {
                running.let_go();
                Poll::Ready(running.group)
            }
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
        // A cancellation from outside reaches the children waiting on their
        // slots through this waker (rule 7 of `group.rs`). A group already
        // cancelled needs none: its children see it at their first poll.
        let mut watch_key = None;
        if self.len > 0 {
            let waker = group.children_waker();
            let _ = group
                .token()
                .watch(&mut watch_key, &Context::from_waker(&waker));
        }
        // Started inside a gather child: when this collector lets go of the
        // group, that child's slot waits for the group's children too
        // (`deferred.rs`). A group of none has nothing to wait for.
        let hold = if self.len > 0 {
            current::hold_link()
        } else {
            None
        };
        self.stage = Stage::Running(Running {
            group,
            watch_key,
            hold,
            spawner,
            spawned: 0,
        });
    }
}

impl<T> Running<T> {
    /// The collector is about to drop its reference: the enclosing child's
    /// slot, if any, now waits for the group's last reference (`deferred.rs`).
    fn let_go(&mut self) {
        // The children waker holds a reference to the group, through the
        // group's own token: withdraw it, or the two would keep each other.
        if let Some(key) = self.watch_key.take() {
            self.group.token().unwatch(key);
        }
        if let Some(guard) = self.hold.take().and_then(|link| link.try_guard()) {
            self.group.hold_until_released(guard);
        }
    }
}

impl<T> Drop for Collector<T> {
    fn drop(&mut self) {
        if let Stage::Running(running) = &self.stage {
            // A pending gather dropped: its children are cancelled (they drop
            // their futures on their next poll, which the cancel triggers).
            if running.group.remaining() != 0 {
                running.group.cancel();
            }
        }
        // The futures never spawned go before the collector's reference to
        // the group, whose release may complete the enclosing child's slot.
        self.unspawned = None;
        if let Stage::Running(running) = &mut self.stage {
            // Rule 2 of the group: they are counted down, or the children's
            // reference would wait for them for good, and with it the
            // group and an enclosing child's slot.
            let never_spawned = self.len - running.spawned;
            running.spawned = self.len;
            running.group.forget_unspawned(never_spawned);
            running.let_go();
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

#[cfg(test)]
mod tests;
