//! The vtable functions: polling, completing, cancelling and freeing a task
//! of a known future and scheduler type.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::header::{Cell, Header, Stage, Vtable};
use super::id::CurrentGuard;
use super::state::{TransitionToIdle, TransitionToRunning};
use super::waker::waker_ref;
use super::{Notified, Schedule};
use crate::context;
use crate::sync::os_thread;
use braid_gather::{JoinError, host};

/// The vtable of tasks running future `F` on scheduler `S`.
pub(crate) struct Harness<F, S>(std::marker::PhantomData<(F, S)>);

impl<F, S> Harness<F, S>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    pub(crate) const VTABLE: Vtable = Vtable {
        poll: Self::poll,
        schedule: Self::schedule,
        dealloc: Self::dealloc,
        free: Self::free,
        try_read_output: Self::try_read_output,
        drop_join_handle_slow: Self::drop_join_handle_slow,
        shutdown: Self::shutdown,
    };

    /// # Safety
    ///
    /// `ptr` must point to a live `Cell<F, S>`.
    unsafe fn cell<'a>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
        // SAFETY: the header is the first field of a `repr(C)` cell, and the
        // caller guarantees the cell is of this type and alive.
        unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
    }

    /// Runs a queue entry: polls the future, or cancels it.
    ///
    /// # Safety
    ///
    /// `ptr` is a live task of this type and the caller hands over the
    /// queue entry's reference.
    unsafe fn poll(ptr: NonNull<Header>, thread: &context::Context) {
        // SAFETY: the queue entry's reference keeps the task alive.
        let cell = unsafe { Self::cell(ptr) };
        match cell.header.state.transition_to_running() {
            TransitionToRunning::Success => {}
            TransitionToRunning::Cancelled => {
                // SAFETY: `RUNNING` is ours.
                let result = unsafe { Self::cancel_future(cell) };
                // SAFETY: `RUNNING` is ours and the future is gone.
                unsafe { Self::complete(ptr, result, None) };
                return;
            }
            TransitionToRunning::Failed => return,
            TransitionToRunning::Dealloc => {
                // SAFETY: that was the last reference.
                unsafe { Self::dealloc(ptr) };
                return;
            }
        }

        cell.meta.count_poll();
        let current = super::id::enter(thread, ptr);
        // SAFETY: the runner's reference outlives this borrowed waker.
        let waker = unsafe { waker_ref(ptr) };
        let mut cx = Context::from_waker(&waker);
        let polled = catch_unwind(AssertUnwindSafe(|| {
            // Entered for the poll only: the task may be freed before this
            // function returns.
            #[cfg(feature = "tracing")]
            let _span = cell.meta.span.enter();
            cell.stage.with_mut(|stage| {
                // SAFETY: `RUNNING` gives this thread the stage; the future
                // is never moved out of the heap cell, so pinning holds.
                match unsafe { &mut *stage } {
                    Stage::Running(future) => {
                        // SAFETY: the future lives in the task's heap cell
                        // until it is dropped in place: it never moves.
                        unsafe { std::pin::Pin::new_unchecked(future) }.poll(&mut cx)
                    }
                    _ => unreachable!("a running task's stage holds its future"),
                }
            })
        }));

        let woke_itself = current.woke_itself();
        let result = match polled {
            Ok(Poll::Pending) => match cell.header.state.transition_to_idle(woke_itself) {
                TransitionToIdle::Ok => return,
                TransitionToIdle::OkNotified => {
                    // Woken by itself or by a peer during the poll: to the
                    // back of the queue, so it cannot monopolise its worker.
                    // SAFETY: with `NOTIFIED` set, `transition_to_idle`
                    // kept the reference of the entry being run, which
                    // becomes the new entry's.
                    cell.scheduler
                        .yield_now(unsafe { Notified::from_raw(ptr) }, thread);
                    return;
                }
                // SAFETY: `RUNNING` is still ours.
                TransitionToIdle::Cancelled => unsafe { Self::cancel_future(cell) },
            },
            Ok(Poll::Ready(output)) => {
                // SAFETY: `RUNNING` is ours.
                match unsafe { Self::drop_stage(cell) } {
                    Ok(()) => Ok(output),
                    Err(payload) => Err(host::panicked(payload)),
                }
            }
            Err(payload) => {
                #[cfg(feature = "tracing")]
                tracing::error!(
                    target: "braid::task",
                    task_id = cell.meta.id.as_u64(),
                    spawned_at = %cell.meta.location,
                    "task panicked"
                );
                // SAFETY: `RUNNING` is ours. A second panic from the drop
                // is dropped: the first one is the one to report.
                let _ = unsafe { Self::drop_stage(cell) };
                Err(host::panicked(payload))
            }
        };
        // SAFETY: `RUNNING` is ours and the future is gone.
        unsafe { Self::complete(ptr, result, Some(current)) };
    }

    /// Drops whatever the stage holds, catching a panic from its destructor.
    ///
    /// # Safety
    ///
    /// The caller owns the stage (holds `RUNNING`, or is its sole owner
    /// after completion).
    unsafe fn drop_stage(cell: &Cell<F, S>) -> os_thread::Result<()> {
        catch_unwind(AssertUnwindSafe(|| {
            cell.stage.with_mut(|stage| {
                // SAFETY: the caller owns the stage.
                unsafe { *stage = Stage::Consumed };
            })
        }))
    }

    /// Drops an output that no join handle will read; a panic in it is
    /// unhandled, and goes to the scheduler.
    ///
    /// The stage is dropped in place: moving it out to drop it would copy
    /// all of it, as large as the future (a few hundred bytes for a gather
    /// child), for every task nobody joins.
    ///
    /// # Safety
    ///
    /// The caller owns the completed task's output.
    unsafe fn drop_unread_output(cell: &Cell<F, S>) {
        let panic = cell.stage.with_mut(|stage| {
            // SAFETY: the caller owns the stage.
            match unsafe { &mut *stage } {
                Stage::Finished(Err(error)) if error.is_panic() => {
                    Some(std::mem::replace(error, host::cancelled()))
                }
                _ => None,
            }
        });
        // SAFETY: forwarded from the caller. A panic while dropping the
        // output is contained there.
        let _ = unsafe { Self::drop_stage(cell) };
        if let Some(error) = panic {
            cell.scheduler.unhandled_panic(error.into_panic());
        }
    }

    /// Drops the future of a cancelled task and says how it ended.
    ///
    /// # Safety
    ///
    /// The caller holds `RUNNING`.
    unsafe fn cancel_future(cell: &Cell<F, S>) -> Result<F::Output, JoinError> {
        // SAFETY: forwarded from the caller.
        match unsafe { Self::drop_stage(cell) } {
            Ok(()) => Err(host::cancelled()),
            Err(payload) => Err(host::panicked(payload)),
        }
    }

    /// Stores the result, leaves the owned list, wakes the join handle and
    /// drops the runner's reference.
    ///
    /// The task leaves the owned list before its join handle is woken, so
    /// a runtime's alive count read by the woken joiner no longer includes
    /// the task. (Only a join handle polled for another reason in the few
    /// instructions between `COMPLETE` and the unlink can see the output
    /// while the task still counts.)
    ///
    /// `polled` is the poll's hold on this thread's current task, if the
    /// task completes in a poll: the output is dropped and the join handle
    /// woken under it (`task::id` still names the task), and it ends before
    /// the runner's reference, so the thread's context never points at a
    /// freed task.
    ///
    /// # Safety
    ///
    /// The caller holds `RUNNING` and the runner's reference, and the
    /// future has been dropped.
    unsafe fn complete(
        ptr: NonNull<Header>,
        result: Result<F::Output, JoinError>,
        polled: Option<CurrentGuard<'_>>,
    ) {
        // SAFETY: the runner's reference keeps the task alive.
        let cell = unsafe { Self::cell(ptr) };
        cell.stage.with_mut(|stage| {
            // SAFETY: `RUNNING` is ours; the stage is `Consumed`, so this
            // assignment runs no destructor.
            unsafe { *stage = Stage::Finished(result) };
        });
        let snapshot = cell.header.state.transition_to_complete();
        let released = cell.scheduler.release(ptr);
        if !snapshot.is_join_interested() {
            // Nobody will read the output: drop it here.
            // SAFETY: with no join handle, the completer owns the output.
            unsafe { Self::drop_unread_output(cell) };
        } else if snapshot.is_join_waker_set() {
            cell.join_waker.with(|waker| {
                // SAFETY: `JOIN_WAKER` was set when `COMPLETE` was, so the
                // join handle no longer writes the field (state rules).
                let waker =
                    unsafe { (*waker).as_ref() }.expect("join waker flag set without a waker");
                let _ = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref()));
            });
        }
        drop(polled);
        let last = if released {
            cell.header.state.ref_dec_twice()
        } else {
            cell.header.state.ref_dec()
        };
        if last {
            // SAFETY: that was the last reference.
            unsafe { Self::dealloc(ptr) };
        }
    }

    /// # Safety
    ///
    /// The caller holds a reference that it turns into a queue entry.
    unsafe fn schedule(ptr: NonNull<Header>) {
        // SAFETY: the caller's reference keeps the task alive.
        let cell = unsafe { Self::cell(ptr) };
        // SAFETY: the caller's reference becomes the entry's.
        cell.scheduler.schedule(unsafe { Notified::from_raw(ptr) });
    }

    /// Frees the task.
    ///
    /// # Safety
    ///
    /// The reference count has reached zero: no other pointer to the task
    /// will be used again.
    unsafe fn dealloc(ptr: NonNull<Header>) {
        // SAFETY: the last reference is ours, so the cell is alive and only
        // ours; the scheduler takes the task only to free it later.
        if unsafe { Self::cell(ptr) }.scheduler.defer_free(ptr) {
            return;
        }
        // SAFETY: as above.
        unsafe { Self::free(ptr) };
    }

    /// # Safety
    ///
    /// `ptr` is a task of this type whose last reference is gone.
    unsafe fn free(ptr: NonNull<Header>) {
        // SAFETY: allocated as a `Box<Cell<F, S>>` in `task::new`, and
        // nothing refers to it any more.
        drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
    }

    /// Moves the output into `*dst` (a `Poll<Result<F::Output, JoinError>>`)
    /// if the task is complete; otherwise stores `waker` to be woken.
    ///
    /// # Safety
    ///
    /// Called by the join handle (which holds join interest and a
    /// reference), with `dst` pointing to a valid `Poll<Result<..>>`.
    unsafe fn try_read_output(ptr: NonNull<Header>, dst: *mut (), waker: &Waker) {
        // SAFETY: the join handle's reference keeps the task alive.
        let cell = unsafe { Self::cell(ptr) };
        // SAFETY: we are the join handle.
        if unsafe { Self::can_read_output(cell, waker) } {
            let output = cell.stage.with_mut(|stage| {
                // SAFETY: the task is complete with join interest: the join
                // handle owns the stage.
                match std::mem::replace(unsafe { &mut *stage }, Stage::Consumed) {
                    Stage::Finished(output) => output,
                    _ => panic!("`JoinHandle` polled after it returned `Ready`"),
                }
            });
            let dst = dst.cast::<Poll<Result<F::Output, JoinError>>>();
            // SAFETY: the caller passes a valid, initialised destination.
            unsafe { *dst = Poll::Ready(output) };
        }
    }

    /// True once the output can be read; otherwise the join waker is
    /// stored and will be woken at completion.
    ///
    /// # Safety
    ///
    /// Only the join handle calls this.
    unsafe fn can_read_output(cell: &Cell<F, S>, waker: &Waker) -> bool {
        let state = &cell.header.state;
        let snapshot = state.load();
        if snapshot.is_complete() {
            return true;
        }
        if snapshot.is_join_waker_set() {
            let same = cell.join_waker.with(|stored| {
                // SAFETY: while `JOIN_WAKER` is set the field is only read,
                // by us and the completer.
                unsafe { (*stored).as_ref() }.is_some_and(|w| w.will_wake(waker))
            });
            if same {
                return false;
            }
            if state.unset_join_waker().is_err() {
                return true;
            }
        }
        cell.join_waker.with_mut(|stored| {
            // SAFETY: `JOIN_WAKER` is clear and the task is not complete:
            // the join handle owns the field.
            unsafe { *stored = Some(waker.clone()) };
        });
        state.set_join_waker().is_err()
    }

    /// The join handle is gone: give up join interest and drop the waker it
    /// stored, or drop the output if it is already there (rule 3).
    ///
    /// # Safety
    ///
    /// Called once, by the join handle, which hands over its reference.
    unsafe fn drop_join_handle_slow(ptr: NonNull<Header>) {
        // SAFETY: the join handle's reference keeps the task alive.
        let cell = unsafe { Self::cell(ptr) };
        if cell.header.state.drop_join_interest().is_err() {
            // SAFETY: complete with join interest: the output is ours.
            unsafe { Self::drop_unread_output(cell) };
        } else {
            let waker = cell.join_waker.with_mut(|stored| {
                // SAFETY: join interest (and `JOIN_WAKER` with it) went
                // before `COMPLETE`, so the completer never reads the field
                // (rule 3): it is the handle's.
                unsafe { (*stored).take() }
            });
            drop(waker);
        }
        if cell.header.state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { Self::dealloc(ptr) };
        }
    }

    /// Runtime shutdown: cancel the task if nobody is running it.
    ///
    /// # Safety
    ///
    /// The caller hands over one reference (the owned list's), and the
    /// task has been unlinked from that list.
    unsafe fn shutdown(ptr: NonNull<Header>) {
        // SAFETY: the list's reference keeps the task alive.
        let cell = unsafe { Self::cell(ptr) };
        if cell.header.state.transition_to_shutdown() {
            // SAFETY: `RUNNING` is now ours.
            let result = unsafe { Self::cancel_future(cell) };
            // SAFETY: `RUNNING` is ours, the future is gone, and the list's
            // reference serves as the runner's.
            unsafe { Self::complete(ptr, result, None) };
        } else if cell.header.state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { Self::dealloc(ptr) };
        }
    }
}
