//! When a paused clock may jump: nothing in the runtime runs but the
//! thread asking.
//!
//! With [`Builder::start_paused`](crate::Builder::start_paused) time stands
//! still, and the thread that holds the I/O driver jumps the clock to the
//! next timer once nothing else could still set an earlier one or wake a
//! task. "Nothing else" is three things: every other worker is parked (the
//! scheduler's `Idle`), no blocking call is queued or running, and no
//! other thread inside `block_on` is awake. The runtime has one
//! `Quiescence` when its clock is paused and none otherwise, so a runtime
//! on the real clock counts nothing.
//!
//! 1. **One word.** The blocking calls and the awake `block_on` threads are
//!    counted in one word, whose high half is a generation that every
//!    change bumps.
//! 2. **Counted until the hand-off is done.** Whatever is counted stays
//!    counted until it has woken whoever it hands work to: a blocking call
//!    is uncounted after its task ran, which woke the task awaiting it; a
//!    `block_on` thread is uncounted just before it sleeps, after its poll.
//!    A waker of a sleeping `block_on` thread counts it before unparking
//!    it, so nobody sees it idle while it is about to poll.
//! 3. **A wake during the poll keeps the thread counted.** A `block_on`
//!    future that is woken while it is being polled (by itself, or by a
//!    thread racing the poll) is polled again without ever being
//!    uncounted. A waker that outlives its `block_on` counts nothing.
//! 4. **The decision reads the word, then the workers, then the word
//!    again** ([`may_advance`](Quiescence::may_advance)), all `SeqCst`, and
//!    says "jump" only if the count was zero and the word did not change.
//!    Work passed between a counted thing and a worker while the decider
//!    looks either changes the word (a `block_on` thread woken, a blocking
//!    call queued) or shows as a worker awake: a blocking call's task wakes
//!    its awaiter before the call is uncounted, and a worker counts the
//!    `block_on` thread it wakes before it can park.
//! 5. **Whoever falls idle lets the driver decide again.** The driver's
//!    holder decided "no" while something ran; nothing would make it look
//!    again. So a `block_on` thread about to sleep, and the blocking pool
//!    when its last call returns, unpark the driver's holder; so does an
//!    idle worker that could not take the driver (`scheduler/park.rs`).
//! 6. **The driver asks twice** (rule 4 of `braid_reactor::driver`): as its
//!    park begins and again under the timer lock at the moment of the jump,
//!    and it does not jump while an unpark of its own is pending, which
//!    covers a wake that reaches the holder itself between the two looks.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::park_thread::{self, ThreadWaker};
use crate::sync::{AtomicU64, AtomicUsize, Ordering, StdArc};

/// The low half of the word counts; the high half is the generation.
const COUNT_MASK: u64 = (1 << 32) - 1;
/// Added by every change (rule 1): one generation, and one to the count.
const ONE_MORE: u64 = (1 << 32) + 1;
/// Added to uncount: one generation, and one less in the count (which is
/// at least one, so the subtraction never borrows from the generation).
const ONE_LESS: u64 = (1 << 32) - 1;

/// What keeps a paused clock from jumping (the module docs).
#[derive(Debug, Default)]
pub(crate) struct Quiescence {
    word: AtomicU64,
}

impl Quiescence {
    pub(crate) fn new() -> Quiescence {
        Quiescence::default()
    }

    /// Rule 4: whether the clock may jump now, with `others_parked` saying
    /// whether every worker other than the asking one is parked (`|| true`
    /// for a current-thread runtime, whose tasks run on the asking thread).
    pub(crate) fn may_advance(&self, others_parked: impl FnOnce() -> bool) -> bool {
        let before = self.word.load(Ordering::SeqCst);
        before & COUNT_MASK == 0 && others_parked() && self.word.load(Ordering::SeqCst) == before
    }

    /// A blocking call was queued: the clock waits until it has returned.
    pub(crate) fn blocking_call_queued(&self) {
        self.count();
    }

    /// A blocking call returned (rule 2: after its task woke its awaiter),
    /// or was dropped unrun. True when nothing is counted any more: the
    /// caller then unparks the driver's holder (rule 5).
    #[must_use]
    pub(crate) fn blocking_call_done(&self) -> bool {
        self.uncount()
    }

    fn count(&self) {
        self.word.fetch_add(ONE_MORE, Ordering::SeqCst);
    }

    /// True when this made the count zero.
    fn uncount(&self) -> bool {
        let before = self.word.fetch_add(ONE_LESS, Ordering::SeqCst);
        debug_assert!(before & COUNT_MASK > 0, "uncounted more than counted");
        before & COUNT_MASK == 1
    }

    /// The things counted now (blocking calls and awake `block_on`
    /// threads).
    #[cfg(test)]
    fn counted(&self) -> u64 {
        self.word.load(Ordering::SeqCst) & COUNT_MASK
    }

    /// Polls `future` on this thread until it is ready, sleeping in between,
    /// and counted whenever it is not asleep (rules 2 and 3).
    /// `falling_asleep` runs each time the thread stops counting (about to
    /// sleep, or done, also by a panic), after uncounting: it unparks the
    /// driver's holder when that could let the clock jump (rule 5).
    pub(crate) fn block_on<F: Future>(
        self: &StdArc<Self>,
        future: F,
        falling_asleep: impl Fn(),
    ) -> F::Output {
        let mut future = pin!(future);
        park_thread::with_waker(|thread_waker, _, thread| {
            self.count();
            let counting = StdArc::new(CountingWaker {
                state: AtomicUsize::new(RUNNING),
                thread: thread_waker.clone(),
                quiescence: self.clone(),
            });
            // Leaving, even by a panic, is falling asleep too.
            struct Done<'a, A: Fn()>(&'a CountingWaker, &'a A);
            impl<A: Fn()> Drop for Done<'_, A> {
                fn drop(&mut self) {
                    if self.0.state.swap(DONE, Ordering::SeqCst) != ASLEEP {
                        let _ = self.0.quiescence.uncount();
                    }
                    (self.1)();
                }
            }
            let _done = Done(&counting, &falling_asleep);
            let waker = Waker::from(counting.clone());
            let mut cx = Context::from_waker(&waker);
            loop {
                // Counted here: by this thread, or by the waker that woke
                // it; a wake-up no counting waker made (a wake of an earlier
                // `block_on`'s waker on this thread) counts the thread now.
                // Clearing `WOKEN` first lets a wake during this poll be
                // seen after it.
                if counting.state.swap(RUNNING, Ordering::SeqCst) == ASLEEP {
                    self.count();
                }
                if let Poll::Ready(output) =
                    crate::context::poll_in_budget(thread, || future.as_mut().poll(&mut cx)).0
                {
                    return output;
                }
                if counting
                    .state
                    .compare_exchange(RUNNING, ASLEEP, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    // Rule 3: woken during the poll; poll again, counted.
                    continue;
                }
                let _ = self.uncount();
                falling_asleep();
                thread_waker.park();
            }
        })
    }
}

/// States of a [`CountingWaker`].
const ASLEEP: usize = 0;
const RUNNING: usize = 1;
/// Running, and woken since its poll began.
const WOKEN: usize = 2;
/// Its `block_on` returned: wakes count nothing.
const DONE: usize = 3;

/// The waker of a counted `block_on`: counts the thread before it wakes it.
struct CountingWaker {
    state: AtomicUsize,
    thread: StdArc<ThreadWaker>,
    quiescence: StdArc<Quiescence>,
}

impl Wake for CountingWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        let mut state = self.state.load(Ordering::SeqCst);
        loop {
            let next = match state {
                ASLEEP => RUNNING,
                RUNNING => WOKEN,
                _ => return,
            };
            match self
                .state
                .compare_exchange(state, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        if state == ASLEEP {
            // Counted before the thread can run (rule 2); a running thread
            // needs no unpark, it sees `WOKEN` after its poll.
            self.quiescence.count();
            Wake::wake_by_ref(&self.thread);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::future::poll_fn;
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn the_decision_needs_a_zero_count_and_an_unchanged_word() {
        let quiescence = Quiescence::new();
        assert!(quiescence.may_advance(|| true));
        assert!(!quiescence.may_advance(|| false), "a worker is awake");
        quiescence.blocking_call_queued();
        assert!(
            !quiescence.may_advance(|| true),
            "a blocking call is queued"
        );
        assert!(quiescence.blocking_call_done(), "the last call returned");
        assert!(quiescence.may_advance(|| true));
        // A call queued and returned while the workers are looked at: the
        // count is zero at both looks, but the word moved.
        let moved = quiescence.may_advance(|| {
            quiescence.blocking_call_queued();
            let _ = quiescence.blocking_call_done();
            true
        });
        assert!(!moved);
    }

    #[test]
    fn only_the_last_call_reports_the_count_at_zero() {
        let quiescence = Quiescence::new();
        quiescence.blocking_call_queued();
        quiescence.blocking_call_queued();
        assert!(!quiescence.blocking_call_done());
        assert!(quiescence.blocking_call_done());
    }

    #[test]
    fn a_block_on_is_counted_while_it_polls_and_not_after() {
        let quiescence = StdArc::new(Quiescence::new());
        let seen = quiescence.block_on(poll_fn(|_| Poll::Ready(quiescence.counted())), || {});
        assert_eq!(seen, 1);
        assert_eq!(quiescence.counted(), 0);
    }

    #[test]
    fn a_wake_during_the_poll_keeps_the_thread_counted() {
        let quiescence = StdArc::new(Quiescence::new());
        let fell_asleep = std::sync::atomic::AtomicUsize::new(0);
        let mut polls = Vec::new();
        quiescence.block_on(
            poll_fn(|cx| {
                polls.push(quiescence.counted());
                if polls.len() < 3 {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            }),
            || {
                fell_asleep.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(polls, [1, 1, 1], "every poll ran counted");
        assert_eq!(
            fell_asleep.load(Ordering::SeqCst),
            1,
            "only when it returned"
        );
    }

    #[test]
    fn a_wake_from_another_thread_counts_the_sleeper_before_it_runs() {
        let quiescence = StdArc::new(Quiescence::new());
        let waker = Mutex::new(None::<Waker>);
        let mut polls = Vec::new();
        std::thread::scope(|scope| {
            quiescence.block_on(
                poll_fn(|cx| {
                    polls.push(quiescence.counted());
                    if polls.len() == 1 {
                        *waker.lock().unwrap() = Some(cx.waker().clone());
                        let waker = &waker;
                        scope.spawn(move || {
                            // During the poll or after it: either way
                            // the next poll runs counted.
                            waker.lock().unwrap().take().unwrap().wake();
                        });
                        Poll::Pending
                    } else {
                        Poll::Ready(())
                    }
                }),
                || {},
            );
        });
        assert_eq!(polls, [1, 1]);
        assert_eq!(quiescence.counted(), 0);
    }

    #[test]
    fn a_waker_kept_past_its_block_on_counts_nothing() {
        let quiescence = StdArc::new(Quiescence::new());
        let kept = quiescence.block_on(poll_fn(|cx| Poll::Ready(cx.waker().clone())), || {});
        kept.wake();
        assert_eq!(quiescence.counted(), 0);
        assert!(quiescence.may_advance(|| true));
    }

    #[test]
    fn a_stale_wake_of_the_thread_is_polled_counted() {
        let quiescence = StdArc::new(Quiescence::new());
        // An earlier `block_on` on this thread left its waker with a future;
        // woken now, it leaves a notification for the thread's next sleep,
        // which then ends at once although no counting waker woke it.
        let kept = park_thread::block_on(poll_fn(|cx| Poll::Ready(cx.waker().clone())));
        kept.wake();
        let mut polls = Vec::new();
        quiescence.block_on(
            poll_fn(|_| {
                polls.push(quiescence.counted());
                if polls.len() < 2 {
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            }),
            || {},
        );
        assert_eq!(polls, [1, 1]);
        assert_eq!(quiescence.counted(), 0);
    }

    #[test]
    fn a_panicking_block_on_is_uncounted() {
        let quiescence = StdArc::new(Quiescence::new());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            quiescence.block_on(
                poll_fn(|_| -> Poll<()> { panic!("the future failed") }),
                || {},
            )
        }));
        assert!(result.is_err());
        assert_eq!(quiescence.counted(), 0);
    }
}
