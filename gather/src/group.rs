//! The slot array: one allocation per gather group, shared by the collector
//! and every child.
//!
//! # Layout
//!
//! A [`Header`] followed by `len` [`Slot`]s, in one allocation made by
//! [`Group::new`]. Each `Group` value is one counted reference to it; the
//! children reach it through a [`Member`] each. The counters every child
//! writes sit on a cache line of their own, away from what every child
//! reads.
//!
//! # Protocol
//!
//! 1. Child `i` (the only holder of index `i`) writes slot `i` once, through
//!    [`Group::complete`], which consumes the child's reference. The slot's
//!    state (see [`state`]) hands the value to the collector.
//! 2. `remaining` starts at `len` and counts down once per child that has
//!    finished or been dropped, after its slot is written and its future is
//!    gone. The collector also counts down the children it will never spawn.
//!    When it reaches zero no child of the group exists any more.
//! 3. Only the child that brings `remaining` to zero wakes the collector,
//!    plus the first child to fail under fail-fast, plus every child when the
//!    group was made `wake_each` (`limit`, `as_completed`), so a group of N
//!    costs O(N) wakes at most and the collector never polls the children.
//! 4. The `k`-th child to finish stores `index + 1` in slot `k`'s
//!    `finish_order`, so the collector can walk completions in order.
//! 5. Whoever drops the last reference drops the values still `FULL` and
//!    frees the allocation, and only then releases the hold on the
//!    enclosing child's completion that the collector left in the header as
//!    it let go (`deferred.rs`), so that child's slot is completed after every
//!    trace of this group is gone.
//! 6. In a group that wakes its collector only at the end (not
//!    `wake_each`), the children share one reference, which the one that
//!    brings `remaining` to zero releases (or the collector, if it forgets
//!    the last ones): a child costs one write to shared state, not three.
//!    So a child may touch the group only before its countdown; a first
//!    failure wakes the collector before it. In a `wake_each` group each
//!    child holds a reference of its own, and wakes the collector after its
//!    countdown, which the collector's refill reads.
//! 7. A waiting child that has no token of its own (most never need one)
//!    leaves its waker in its slot rather than in the token tree, and then
//!    looks at the group's token again. Whoever cancels the group wakes
//!    every slot's waker after setting the token (`wake_children`): the
//!    child that fails first, the collector when it is dropped, and, for a
//!    cancellation from outside, a waker the collector registers on the
//!    group's token (`children_waker`). Each side's step is a read-modify-
//!    write of the slot's waker cell, so either the wake finds the waker or
//!    the child's second look finds the token set.

mod raw;
mod state;
mod waker_cell;

use std::fmt;
use std::marker::PhantomData;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ptr::NonNull;
use std::task::Waker;

use crossbeam_utils::CachePadded;

use crate::child_future::Parent;
use crate::deferred::HoldGuard;
use crate::sync::{AtomicUsize, Ordering, UnsafeCell};
use crate::{CancellationToken, JoinError};
use state::{FirstFailure, Record, SlotState, ToTaken, ToWriting};
pub(crate) use waker_cell::WakerCell;

/// What a child produced: its output, or why there is none.
pub(crate) type Outcome<T> = Result<T, JoinError>;

/// How a group is run.
#[derive(Debug)]
pub(crate) struct Config<T> {
    /// Whether an outcome fails the group (fail-fast: record it, cancel the
    /// siblings); a cancellation only counts while the group is not
    /// cancelled.
    pub(crate) fails: fn(&Outcome<T>) -> bool,
    /// Wake the collector on every completion, not only the last.
    pub(crate) wake_each: bool,
}

struct Header<T> {
    /// Written by every child: on a line of its own, so the countdowns do
    /// not keep evicting what the children read below.
    counts: CachePadded<Counts>,
    refs: AtomicUsize,
    len: usize,
    failure: FirstFailure,
    /// The first child to panic, failure or not: a panic is resumed even when
    /// an error value failed the group first.
    panicked: FirstFailure,
    config: Config<T>,
    waker: WakerCell,
    token: CancellationToken,
    /// The enclosing child's claim on its own completion, left here by the
    /// collector as it lets go (`deferred.rs`); written once, by the collector
    /// while it holds its reference, and read only by the last reference.
    hold: UnsafeCell<Option<HoldGuard>>,
}

struct Counts {
    remaining: AtomicUsize,
    /// Completions so far; the next one's position in `finish_order`.
    finished: AtomicUsize,
}

struct Slot<T> {
    state: SlotState,
    value: UnsafeCell<MaybeUninit<Outcome<T>>>,
    /// Rule 4: `index + 1` of the child that finished at this position.
    finish_order: AtomicUsize,
    /// Rule 7: the waker of child `index` while it waits.
    waker: WakerCell,
}

/// One counted reference to a group's allocation.
pub(crate) struct Group<T> {
    header: NonNull<Header<T>>,
    _owns: PhantomData<Outcome<T>>,
}

/// A child's way to its group: a counted reference in a `wake_each` group,
/// a share of the children's one reference otherwise (rule 6). Consumed by
/// [`complete`](Member::complete).
pub(crate) struct Member<T> {
    header: NonNull<Header<T>>,
    /// The child's index: the slot it completes.
    index: usize,
    /// Whether this member holds a reference of its own.
    counted: bool,
    _owns: PhantomData<Outcome<T>>,
}

// SAFETY: a group moves `T`s from the children's threads to the collector's,
// so it may cross threads when `T: Send`; every shared field is atomic or
// guarded by a slot state (rule 1).
unsafe impl<T: Send> Send for Group<T> {}
// SAFETY: as for `Send`: `&Group` only allows `complete`/`take`, which
// synchronise through the slot states.
unsafe impl<T: Send> Sync for Group<T> {}
// SAFETY: as for `Group`: a member moves its child's `T` to the collector.
unsafe impl<T: Send> Send for Member<T> {}
// SAFETY: as for `Group`.
unsafe impl<T: Send> Sync for Member<T> {}

impl<T> Drop for Member<T> {
    fn drop(&mut self) {
        // A member is consumed by `complete`; one dropped otherwise (a test,
        // or a panic inside `complete`) gives its own reference back.
        if self.counted {
            drop(ManuallyDrop::into_inner(Group::view(self.header)));
        }
    }
}

impl<T> Group<T> {
    pub(crate) fn len(&self) -> usize {
        self.header().len
    }

    /// The group's cancellation token.
    pub(crate) fn token(&self) -> &CancellationToken {
        &self.header().token
    }

    /// Child `index`'s way to the group (rule 6).
    pub(crate) fn member(&self, index: usize) -> Member<T> {
        let counted = self.header().config.wake_each;
        if counted {
            // A reference of the member's own, made from this one (see
            // `Clone`).
            std::mem::forget(self.clone());
        }
        Member {
            header: self.header,
            index,
            counted,
            _owns: PhantomData,
        }
    }

    /// Rule 6: a view of the allocation that holds no reference of its own
    /// and must not be dropped (a member's, or the children's shared one).
    fn view(header: NonNull<Header<T>>) -> ManuallyDrop<Group<T>> {
        ManuallyDrop::new(Group {
            header,
            _owns: PhantomData,
        })
    }
}

impl<T: Send + 'static> Parent for Member<T> {
    type Output = T;

    fn token(&self) -> &CancellationToken {
        // SAFETY: a member keeps the group alive until it completes (rule 6).
        &unsafe { self.header.as_ref() }.token
    }

    fn is_aborted(&self) -> bool {
        false
    }

    /// Rule 7: the child, with no token of its own, waits for `waker` to be
    /// woken by its future or by a cancellation of the group.
    fn wait(&self, waker: &Waker) -> bool {
        let group = Group::view(self.header);
        group.slot(self.index).waker.register(waker);
        !group.header().token.is_cancelled()
    }

    fn wait_for_abort(&self, _waker: &Waker) -> bool {
        true
    }

    fn complete(self, outcome: Outcome<T>) {
        let index = self.index;
        self.complete_at(index, outcome);
    }
}

impl<T> Member<T> {
    /// Rules 1–3 and 6: child `index` hands over its outcome, and its
    /// reference or share.
    pub(crate) fn complete_at(self, index: usize, outcome: Outcome<T>) {
        let member = ManuallyDrop::new(self);
        let group = Group::view(member.header);
        let header = group.header();
        let slot = group.slot(index);
        match slot.state.transition_to_writing() {
            ToWriting::Ok => {}
            ToWriting::AlreadyWritten => panic!("gather slot {index} was completed twice"),
        }
        // A cancellation fails the group only when it is the child's own
        // (its `current_token()` cancelled, or its task dropped): when the
        // group was cancelled, every child is, and none is to blame.
        let fails = (header.config.fails)(&outcome)
            && !(matches!(&outcome, Err(error) if error.is_cancelled())
                && header.token.is_cancelled());
        let panicked = matches!(&outcome, Err(error) if error.is_panic());
        // SAFETY: WRITING gives this child the slot to itself (state.rs).
        unsafe { slot.value.with_mut(|value| (*value).write(outcome)) };
        slot.state.publish();
        if panicked {
            // Only the first is kept; later ones are dropped with their slots.
            let _ = header.panicked.record(index);
        }
        let first_failure = fails && header.failure.record(index) == Record::First;
        if first_failure {
            group.cancel();
        }
        if header.config.wake_each {
            // Relaxed: only the position is claimed here; the Release store
            // below publishes it.
            let position = header.counts.finished.fetch_add(1, Ordering::Relaxed);
            group
                .slot(position)
                .finish_order
                .store(index + 1, Ordering::Release);
        }
        if first_failure && !member.counted {
            // Rule 6: after our countdown the group may be gone.
            header.waker.wake();
        }
        // AcqRel: the collector that sees zero (Acquire) sees every slot
        // written and every child future dropped before its countdown.
        let last = header.counts.remaining.fetch_sub(1, Ordering::AcqRel) == 1;
        if last || (member.counted && (first_failure || header.config.wake_each)) {
            header.waker.wake();
        }
        if member.counted || last {
            // Our own reference, or (rule 6) the children's shared one.
            drop(ManuallyDrop::into_inner(group));
        }
    }
}

impl<T> Group<T> {
    /// Rule 5: `guard` is released with the last reference. Called by the
    /// collector, once, before it drops its own reference.
    pub(crate) fn hold_until_released(&self, guard: HoldGuard) {
        // SAFETY: only the collector writes the field, once, while its
        // reference keeps the group alive; only the last reference reads it,
        // after the reference count's Acquire fence, which our later Release
        // of our reference pairs with.
        let previous = unsafe { self.header().hold.with_mut(|hold| (*hold).replace(guard)) };
        debug_assert!(previous.is_none(), "a group's hold is left once");
    }

    /// Cancels the group: its token, and (rule 7) the children waiting on
    /// their slots.
    pub(crate) fn cancel(&self) {
        self.header().token.cancel_contained();
        self.wake_children();
    }

    /// Rule 7: wakes every child waiting on its slot.
    fn wake_children(&self) {
        let slots = self.slots();
        for i in 0..self.header().len {
            // SAFETY: in range, initialised by `new`, alive while we are.
            unsafe { slots.add(i).as_ref() }.waker.wake();
        }
    }

    /// Rule 7: a waker that wakes the waiting children, for the collector to
    /// register on the group's token, so a cancellation from outside
    /// reaches them. It holds a reference to the group.
    pub(crate) fn children_waker(&self) -> Waker
    where
        T: Send + 'static,
    {
        struct Children<T>(Group<T>);
        impl<T: Send + 'static> std::task::Wake for Children<T> {
            fn wake(self: crate::sync::StdArc<Self>) {
                self.0.wake_children();
            }

            fn wake_by_ref(self: &crate::sync::StdArc<Self>) {
                self.0.wake_children();
            }
        }
        Waker::from(crate::sync::StdArc::new(Children(self.clone())))
    }

    /// Registers the collector's waker for the wakes of rule 3.
    pub(crate) fn register(&self, waker: &Waker) {
        self.header().waker.register(waker);
    }

    /// Children not yet finished or dropped, plus those never spawned.
    pub(crate) fn remaining(&self) -> usize {
        self.header().counts.remaining.load(Ordering::Acquire)
    }

    /// Rule 2: the collector will never spawn the last `count` children.
    pub(crate) fn forget_unspawned(&self, count: usize) {
        let before = self
            .header()
            .counts
            .remaining
            .fetch_sub(count, Ordering::AcqRel);
        if count > 0 && before == count && !self.header().config.wake_each {
            // Rule 6: no child is left to release the children's reference.
            drop(ManuallyDrop::into_inner(Group::view(self.header)));
        }
    }

    /// The index of the first child that failed the group, if any.
    pub(crate) fn failure(&self) -> Option<usize> {
        self.header().failure.get()
    }

    /// The index of the first child that panicked, if any.
    pub(crate) fn panicked(&self) -> Option<usize> {
        self.header().panicked.get()
    }

    /// Rule 4: the index of the child that finished `position`-th, once known.
    pub(crate) fn finished_at(&self, position: usize) -> Option<usize> {
        match self.slot(position).finish_order.load(Ordering::Acquire) {
            0 => None,
            index_plus_one => Some(index_plus_one - 1),
        }
    }

    /// Moves child `index`'s outcome out, if it has been published.
    ///
    /// # Panics
    ///
    /// Panics if the outcome was taken before.
    pub(crate) fn take(&self, index: usize) -> Option<Outcome<T>> {
        let slot = self.slot(index);
        match slot.state.transition_to_taken() {
            // SAFETY: FULL → TAKEN hands the initialised value to us alone;
            // nothing reads it again (state.rs).
            ToTaken::Ok => Some(unsafe { slot.value.with(|value| (*value).assume_init_read()) }),
            ToTaken::NotReady => None,
            ToTaken::AlreadyTaken => panic!("gather slot {index} was taken twice"),
        }
    }
}

// The values are never pinned: they are moved in and out by value.
impl<T> Unpin for Group<T> {}

impl<T> fmt::Debug for Group<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("len", &self.len())
            .field("remaining", &self.remaining())
            .field("failure", &self.failure())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
