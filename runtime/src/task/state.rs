//! The task's state word: every bit, and every transition, in one place.
//!
//! | bit             | meaning                                   | set by                         | cleared by                     |
//! |-----------------|-------------------------------------------|--------------------------------|--------------------------------|
//! | `RUNNING`       | one thread owns the stage (poll/cancel)   | `transition_to_running`, `transition_to_shutdown` | `transition_to_idle`, `transition_to_complete` |
//! | `COMPLETE`      | the output (or error) is in the stage     | `transition_to_complete`       | never                          |
//! | `NOTIFIED`      | a queue entry exists, or must be made when the poll ends | the wake transitions | `transition_to_running`   |
//! | `CANCELLED`     | the task must be cancelled at its next run | `transition_to_notified_and_cancel`, `transition_to_shutdown` | never |
//! | `JOIN_INTEREST` | a `JoinHandle` exists and wants the output | spawn                          | `drop_join_interest`           |
//! | `JOIN_WAKER`    | the join waker field holds the handle's waker | `set_join_waker`             | `unset_join_waker`, `drop_join_interest` |
//! | refs (high bits)| number of `Task`/`Notified`/`JoinHandle`/`AbortHandle`/`Waker` values | `ref_inc`, wakes | `ref_dec` |
//!
//! A task starts as `NOTIFIED | JOIN_INTEREST` with three references: the
//! owned-task list's, the `JoinHandle`'s and the first queue entry's; a task
//! spawned detached (a gather child, whose output goes elsewhere) starts as
//! `NOTIFIED` with the first and the last.

use crate::sync::{AtomicUsize, Ordering};

const RUNNING: usize = 0b00_0001;
const COMPLETE: usize = 0b00_0010;
const NOTIFIED: usize = 0b00_0100;
const CANCELLED: usize = 0b00_1000;
const JOIN_INTEREST: usize = 0b01_0000;
const JOIN_WAKER: usize = 0b10_0000;
const LIFECYCLE: usize = RUNNING | COMPLETE;

const REF_SHIFT: u32 = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
const REF_MASK: usize = !(REF_ONE - 1);

/// The initial state: queued once, with a join handle, three references.
const INITIAL: usize = NOTIFIED | JOIN_INTEREST | (3 * REF_ONE);
/// The initial state of a detached task: queued once, no join handle.
const INITIAL_DETACHED: usize = NOTIFIED | (2 * REF_ONE);

/// The atomic state word of a task.
pub(crate) struct State {
    word: AtomicUsize,
}

/// One read of the state word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }

    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }

    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }

    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }

    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }

    pub(crate) fn is_idle(self) -> bool {
        self.0 & LIFECYCLE == 0
    }

    pub(crate) fn ref_count(self) -> usize {
        (self.0 & REF_MASK) >> REF_SHIFT
    }

    fn ref_inc(&mut self) {
        assert!(
            self.0 <= isize::MAX as usize,
            "task reference count overflow"
        );
        self.0 += REF_ONE;
    }

    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0, "task reference count underflow");
        self.0 -= REF_ONE;
    }

    fn set(&mut self, bits: usize) {
        self.0 |= bits;
    }

    fn unset(&mut self, bits: usize) {
        self.0 &= !bits;
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

/// What the runner must do after trying to take the task.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToRunning {
    /// The runner owns the stage: poll it.
    Success,
    /// The runner owns the stage and must cancel it.
    Cancelled,
    /// The task is complete already (shut down while queued): drop the
    /// queue entry's reference, and dealloc if it was the last.
    Failed,
    /// As `Failed`, and that was the last reference.
    Dealloc,
}

/// What the runner must do after a poll returned `Pending`.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToIdle {
    /// Nothing: a future wake will schedule the task. The runner's
    /// reference was dropped by the transition (the owned list still holds
    /// one, so it was never the last).
    Ok,
    /// Woken during the poll: the runner's reference becomes the new queue
    /// entry's; schedule it.
    OkNotified,
    /// Aborted during the poll: the runner still owns the stage; cancel it.
    Cancelled,
}

/// What a waker must do.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToNotified {
    /// Nothing to do.
    DoNothing,
    /// Push the task to a run queue; the caller holds a reference for it.
    Submit,
    /// The waker's reference was the last one: free the task.
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            word: AtomicUsize::new(INITIAL),
        }
    }

    /// As [`new`](State::new), for a task spawned without a join handle.
    pub(crate) fn new_detached() -> State {
        State {
            word: AtomicUsize::new(INITIAL_DETACHED),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Ordering::Acquire))
    }

    /// Applies `f` until the CAS succeeds. `f` returns the new state (or
    /// `None` to leave it unchanged) and a value for the caller. AcqRel:
    /// every transition publishes the stage to the next owner and acquires
    /// what the previous owner wrote.
    fn fetch_update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, R)) -> R {
        let mut current = self.load();
        loop {
            let (next, result) = f(current);
            let Some(next) = next else { return result };
            match self.word.compare_exchange_weak(
                current.0,
                next.0,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return result,
                Err(actual) => current = Snapshot(actual),
            }
        }
    }

    /// A queue entry is being run. Clears `NOTIFIED`, sets `RUNNING`.
    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.fetch_update(|mut s| {
            debug_assert!(
                s.is_notified(),
                "running a task that was not notified: {s:?}"
            );
            if !s.is_idle() {
                // Completed by shutdown while queued: consume the entry's ref.
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (Some(s), action);
            }
            s.set(RUNNING);
            s.unset(NOTIFIED);
            let action = if s.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            (Some(s), action)
        })
    }

    /// A poll returned `Pending`. Clears `RUNNING` unless the task was
    /// aborted meanwhile; keeps a wake that arrived during the poll, from
    /// another thread (`NOTIFIED`) or from the task itself (`woke_itself`,
    /// taken on the polling thread without touching the word).
    pub(crate) fn transition_to_idle(&self, woke_itself: bool) -> TransitionToIdle {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (None, TransitionToIdle::Cancelled);
            }
            s.unset(RUNNING);
            if woke_itself {
                s.set(NOTIFIED);
            }
            if s.is_notified() {
                (Some(s), TransitionToIdle::OkNotified)
            } else {
                s.ref_dec();
                debug_assert!(s.ref_count() > 0, "idle task with no owner: {s:?}");
                (Some(s), TransitionToIdle::Ok)
            }
        })
    }

    /// The output is stored. Clears `RUNNING`, sets `COMPLETE`; returns the
    /// state after the change, which tells whether a join handle waits.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        // Flipping both bits at once: RUNNING is set, COMPLETE is not.
        let prev = Snapshot(self.word.fetch_xor(RUNNING | COMPLETE, Ordering::AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// A waker is consumed by `wake`: its reference becomes the queue
    /// entry's, or is dropped.
    pub(crate) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.fetch_update(|mut s| {
            if s.is_running() {
                // The runner re-queues it when the poll ends and holds a
                // reference until then, so this cannot be the last.
                s.set(NOTIFIED);
                s.ref_dec();
                debug_assert!(s.ref_count() > 0);
                (Some(s), TransitionToNotified::DoNothing)
            } else if s.is_complete() || s.is_notified() {
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    TransitionToNotified::Dealloc
                } else {
                    TransitionToNotified::DoNothing
                };
                (Some(s), action)
            } else {
                s.set(NOTIFIED);
                (Some(s), TransitionToNotified::Submit)
            }
        })
    }

    /// `wake_by_ref`: adds a reference for the queue entry when one is needed.
    pub(crate) fn transition_to_notified_by_ref(&self) -> TransitionToNotified {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_notified() {
                (None, TransitionToNotified::DoNothing)
            } else if s.is_running() {
                s.set(NOTIFIED);
                (Some(s), TransitionToNotified::DoNothing)
            } else {
                s.set(NOTIFIED);
                s.ref_inc();
                (Some(s), TransitionToNotified::Submit)
            }
        })
    }

    /// `abort`: marks the task cancelled; if it is idle, also queues it (with
    /// a new reference) so a worker drops its future promptly.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> TransitionToNotified {
        self.fetch_update(|mut s| {
            if s.is_cancelled() || s.is_complete() {
                (None, TransitionToNotified::DoNothing)
            } else if s.is_running() || s.is_notified() {
                // The runner (now, or when the queue entry runs) cancels it.
                s.set(CANCELLED | NOTIFIED);
                (Some(s), TransitionToNotified::DoNothing)
            } else {
                s.set(CANCELLED | NOTIFIED);
                s.ref_inc();
                (Some(s), TransitionToNotified::Submit)
            }
        })
    }

    /// Runtime shutdown: if the task is idle, take ownership of the stage to
    /// cancel it (returns true); otherwise mark it cancelled for its runner.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|mut s| {
            if s.is_idle() {
                s.set(RUNNING | CANCELLED);
                (Some(s), true)
            } else {
                s.set(CANCELLED);
                (Some(s), false)
            }
        })
    }

    /// The join handle is dropped: clears `JOIN_INTEREST` and `JOIN_WAKER`,
    /// so the completer leaves the join waker field to the handle, which
    /// empties it. Fails (returns `Err`) once the task is complete: the
    /// handle then owns the output and must drop it.
    pub(crate) fn drop_join_interest(&self) -> Result<(), Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested());
            if s.is_complete() {
                return (None, Err(s));
            }
            s.unset(JOIN_INTEREST | JOIN_WAKER);
            (Some(s), Ok(()))
        })
    }

    /// The join handle has written its waker; publish it. Fails once the
    /// task is complete (the output is ready to read).
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (None, Err(s));
            }
            s.set(JOIN_WAKER);
            (Some(s), Ok(s))
        })
    }

    /// The join handle takes its waker field back to replace the waker.
    /// Fails once the task is complete.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                return (None, Err(s));
            }
            s.unset(JOIN_WAKER);
            (Some(s), Ok(s))
        })
    }

    pub(crate) fn ref_inc(&self) {
        // Relaxed: a new reference is made from an existing one, which
        // already orders every access to the task (as `Arc::clone` does).
        let prev = self.word.fetch_add(REF_ONE, Ordering::Relaxed);
        assert!(prev <= isize::MAX as usize, "task reference count overflow");
    }

    /// Drops one reference; true if it was the last (free the task).
    #[must_use]
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.word.fetch_sub(REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }

    /// Drops two references at once (runner + list at completion).
    #[must_use]
    pub(crate) fn ref_dec_twice(&self) -> bool {
        let prev = Snapshot(self.word.fetch_sub(2 * REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= 2, "task reference count underflow");
        prev.ref_count() == 2
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn wake_while_running_requeues_once() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(
            state.transition_to_idle(false),
            TransitionToIdle::OkNotified
        );
        assert_eq!(state.load().ref_count(), 3);
    }

    #[test]
    fn a_wake_of_itself_requeues_once_like_a_wake_from_elsewhere() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(true), TransitionToIdle::OkNotified);
        assert!(state.load().is_notified() && !state.load().is_running());
        // Queued: a wake from elsewhere now does nothing.
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        // Both at once: still one queue entry, the runner's reference.
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        let refs = state.load().ref_count();
        assert_eq!(state.transition_to_idle(true), TransitionToIdle::OkNotified);
        assert_eq!(state.load().ref_count(), refs);
    }

    #[test]
    fn wake_when_idle_submits_and_adds_a_ref() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(false), TransitionToIdle::Ok);
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotified::Submit
        );
        assert_eq!(
            state.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(state.load().ref_count(), 3);
    }

    #[test]
    fn abort_of_idle_task_submits_it_cancelled() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(false), TransitionToIdle::Ok);
        assert_eq!(
            state.transition_to_notified_and_cancel(),
            TransitionToNotified::Submit
        );
        assert_eq!(
            state.transition_to_running(),
            TransitionToRunning::Cancelled
        );
    }

    #[test]
    fn abort_during_poll_cancels_at_idle() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(
            state.transition_to_notified_and_cancel(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(state.transition_to_idle(false), TransitionToIdle::Cancelled);
    }

    #[test]
    fn join_handle_cannot_drop_interest_after_completion() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        let after = state.transition_to_complete();
        assert!(after.is_complete() && !after.is_running() && after.is_join_interested());
        assert!(state.drop_join_interest().is_err());
        assert!(state.set_join_waker().is_err());
    }

    #[test]
    fn last_ref_reports_dealloc() {
        let state = State::new();
        assert!(!state.ref_dec());
        assert!(!state.ref_dec());
        assert!(state.ref_dec());
    }

    #[test]
    fn shutdown_claims_only_idle_tasks() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert!(!state.transition_to_shutdown());
        assert_eq!(state.transition_to_idle(false), TransitionToIdle::Cancelled);
    }
}
