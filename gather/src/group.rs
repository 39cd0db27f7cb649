//! The slot array: one allocation per gather group, shared by the collector
//! and every child.
//!
//! # Layout
//!
//! A [`Header`] followed by `len` [`Slot`]s, in one allocation made by
//! [`Group::new`]. Each `Group` value is one counted reference to it.
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
//!    frees the allocation.

mod state;
mod waker_cell;

use std::alloc::{self, Layout};
use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::task::Waker;

use crate::sync::{AtomicUsize, Ordering, UnsafeCell, fence};
use crate::{CancellationToken, JoinError};
use state::{FirstFailure, Record, SlotState, ToTaken, ToWriting};
use waker_cell::WakerCell;

/// What a child produced: its output, or why there is none.
pub(crate) type Outcome<T> = Result<T, JoinError>;

/// How a group is run.
#[derive(Debug)]
pub(crate) struct Config<T> {
    /// Whether an outcome fails the group (fail-fast: record it, cancel the
    /// siblings).
    pub(crate) fails: fn(&Outcome<T>) -> bool,
    /// Wake the collector on every completion, not only the last.
    pub(crate) wake_each: bool,
}

struct Header<T> {
    refs: AtomicUsize,
    len: usize,
    remaining: AtomicUsize,
    failure: FirstFailure,
    /// Completions so far; the next one's position in `finish_order`.
    finished: AtomicUsize,
    config: Config<T>,
    waker: WakerCell,
    token: CancellationToken,
}

struct Slot<T> {
    state: SlotState,
    value: UnsafeCell<MaybeUninit<Outcome<T>>>,
    /// Rule 4: `index + 1` of the child that finished at this position.
    finish_order: AtomicUsize,
}

/// One counted reference to a group's allocation.
pub(crate) struct Group<T> {
    header: NonNull<Header<T>>,
    _owns: PhantomData<Outcome<T>>,
}

// SAFETY: a group moves `T`s from the children's threads to the collector's,
// so it may cross threads when `T: Send`; every shared field is atomic or
// guarded by a slot state (rule 1).
unsafe impl<T: Send> Send for Group<T> {}
// SAFETY: as for `Send`: `&Group` only allows `complete`/`take`, which
// synchronise through the slot states.
unsafe impl<T: Send> Sync for Group<T> {}

impl<T> Group<T> {
    /// The allocation's layout and the slots' offset in it.
    fn layout(len: usize) -> (Layout, usize) {
        let slots = Layout::array::<Slot<T>>(len).expect("gather group is too large to allocate");
        let (layout, offset) = Layout::new::<Header<T>>()
            .extend(slots)
            .expect("gather group is too large to allocate");
        (layout.pad_to_align(), offset)
    }

    /// A group of `len` empty slots, with one reference (the collector's).
    pub(crate) fn new(len: usize, token: CancellationToken, config: Config<T>) -> Group<T> {
        let (layout, offset) = Self::layout(len);
        // SAFETY: the layout is not zero-sized: it holds a `Header`.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        let header = Header {
            refs: AtomicUsize::new(1),
            len,
            remaining: AtomicUsize::new(len),
            failure: FirstFailure::new(),
            finished: AtomicUsize::new(0),
            config,
            waker: WakerCell::new(),
            token,
        };
        // SAFETY: `base` is a fresh allocation of `layout`, which places a
        // `Header<T>` at offset 0 and `len` `Slot<T>`s at `offset`; nothing in
        // the loop can panic, so no half-written allocation escapes.
        unsafe {
            base.cast::<Header<T>>().write(header);
            let slots = base.add(offset).cast::<Slot<T>>();
            for i in 0..len {
                slots.add(i).write(Slot {
                    state: SlotState::new(),
                    value: UnsafeCell::new(MaybeUninit::uninit()),
                    finish_order: AtomicUsize::new(0),
                });
            }
        }
        Group {
            header: base.cast(),
            _owns: PhantomData,
        }
    }

    fn header(&self) -> &Header<T> {
        // SAFETY: the allocation lives while any reference does; this is one.
        unsafe { self.header.as_ref() }
    }

    fn slots(&self) -> NonNull<Slot<T>> {
        let (_, offset) = Self::layout(self.header().len);
        // SAFETY: `offset` is within the allocation (see `new`).
        unsafe { self.header.cast::<u8>().add(offset).cast() }
    }

    fn slot(&self, index: usize) -> &Slot<T> {
        let len = self.header().len;
        assert!(
            index < len,
            "gather slot {index} out of range for a group of {len}"
        );
        // SAFETY: in range, initialised by `new`, alive while we are.
        unsafe { self.slots().add(index).as_ref() }
    }

    pub(crate) fn len(&self) -> usize {
        self.header().len
    }

    /// The group's cancellation token.
    pub(crate) fn token(&self) -> &CancellationToken {
        &self.header().token
    }

    /// Rule 1–3: child `index` hands over its outcome and its reference.
    pub(crate) fn complete(self, index: usize, outcome: Outcome<T>) {
        let header = self.header();
        let slot = self.slot(index);
        match slot.state.transition_to_writing() {
            ToWriting::Ok => {}
            ToWriting::AlreadyWritten => panic!("gather slot {index} was completed twice"),
        }
        let fails = (header.config.fails)(&outcome);
        // SAFETY: WRITING gives this child the slot to itself (state.rs).
        unsafe { slot.value.with_mut(|value| (*value).write(outcome)) };
        slot.state.publish();
        let first_failure = fails && header.failure.record(index) == Record::First;
        if first_failure {
            header.token.cancel();
        }
        if header.config.wake_each {
            // Relaxed: only the position is claimed here; the Release store
            // below publishes it.
            let position = header.finished.fetch_add(1, Ordering::Relaxed);
            self.slot(position)
                .finish_order
                .store(index + 1, Ordering::Release);
        }
        // AcqRel: the collector that sees zero (Acquire) sees every slot
        // written and every child future dropped before its countdown.
        let last = header.remaining.fetch_sub(1, Ordering::AcqRel) == 1;
        if last || first_failure || header.config.wake_each {
            header.waker.wake();
        }
    }

    /// Registers the collector's waker for the wakes of rule 3.
    pub(crate) fn register(&self, waker: &Waker) {
        self.header().waker.register(waker);
    }

    /// Children not yet finished or dropped, plus those never spawned.
    pub(crate) fn remaining(&self) -> usize {
        self.header().remaining.load(Ordering::Acquire)
    }

    /// Rule 2: the collector will never spawn the last `count` children.
    pub(crate) fn forget_unspawned(&self, count: usize) {
        self.header().remaining.fetch_sub(count, Ordering::AcqRel);
    }

    /// The index of the first child that failed the group, if any.
    pub(crate) fn failure(&self) -> Option<usize> {
        self.header().failure.get()
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

impl<T> Clone for Group<T> {
    fn clone(&self) -> Group<T> {
        // Relaxed: the new reference is made from an existing one, which keeps
        // the allocation alive meanwhile.
        self.header().refs.fetch_add(1, Ordering::Relaxed);
        Group {
            header: self.header,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for Group<T> {
    fn drop(&mut self) {
        // Release: our uses of the group happen before its destruction.
        if self.header().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Acquire: see every other reference's writes (values, states).
        fence(Ordering::Acquire);
        let len = self.header().len;
        let slots = self.slots();
        let mut first_panic: Option<Box<dyn Any + Send>> = None;
        for i in 0..len {
            // SAFETY: rule 5: we hold the last reference, so nothing else
            // touches the slots; each slot is dropped once, and its value only
            // when FULL (initialised and not taken).
            let dropped = panic::catch_unwind(AssertUnwindSafe(|| unsafe {
                let slot = slots.add(i).as_ptr();
                if (*slot).state.load_exclusive().is_full() {
                    (*slot).value.with_mut(|value| (*value).assume_init_drop());
                }
                ptr::drop_in_place(slot);
            }));
            if let Err(payload) = dropped {
                first_panic.get_or_insert(payload);
            }
        }
        let (layout, _) = Self::layout(len);
        // SAFETY: last reference: the header is dropped once, then the
        // allocation made with this very layout is freed.
        unsafe {
            ptr::drop_in_place(self.header.as_ptr());
            alloc::dealloc(self.header.as_ptr().cast(), layout);
        }
        // A value's destructor panicked: report it now that the memory is
        // back, rather than leaking the rest of the group.
        if let Some(payload) = first_panic {
            panic::resume_unwind(payload);
        }
    }
}

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
mod tests {
    use super::*;
    use crate::sync::Arc;

    fn never_fails<T>(_: &Outcome<T>) -> bool {
        false
    }

    fn config<T>(wake_each: bool) -> Config<T> {
        Config {
            fails: never_fails,
            wake_each,
        }
    }

    /// Counts its drops in a shared counter.
    struct Tracked(Arc<AtomicUsize>);

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn values_come_back_by_index_and_leftovers_are_dropped_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let group = Group::new(4, CancellationToken::new(), config(true));
        for index in [3, 1, 0, 2] {
            group.clone().complete(index, Ok(Tracked(drops.clone())));
        }
        assert_eq!(group.remaining(), 0);
        let order: Vec<_> = (0..4).map(|k| group.finished_at(k).unwrap()).collect();
        assert_eq!(order, [3, 1, 0, 2]);
        let taken = group.take(1).unwrap().unwrap();
        drop(taken);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(group);
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn unfinished_slots_are_not_dropped() {
        let drops = Arc::new(AtomicUsize::new(0));
        let group = Group::new(3, CancellationToken::new(), config(false));
        let child = group.clone();
        assert!(group.take(0).is_none());
        child.complete(0, Ok(Tracked(drops.clone())));
        assert_eq!(group.remaining(), 2);
        drop(group);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn first_failure_cancels_the_token() {
        let token = CancellationToken::new();
        let fails: fn(&Outcome<u8>) -> bool = |outcome| outcome.is_err();
        let group = Group::new(
            3,
            token.child_token(),
            Config {
                fails,
                wake_each: false,
            },
        );
        group.clone().complete(2, Ok(1));
        assert!(!group.token().is_cancelled());
        group.clone().complete(1, Err(JoinError::cancelled()));
        group.clone().complete(0, Err(JoinError::cancelled()));
        assert_eq!(group.failure(), Some(1));
        assert!(group.token().is_cancelled());
        assert!(!token.is_cancelled());
    }

    #[test]
    #[should_panic(expected = "completed twice")]
    fn completing_twice_names_the_mistake() {
        let group = Group::new(1, CancellationToken::new(), config::<u8>(false));
        group.clone().complete(0, Ok(1));
        group.clone().complete(0, Ok(2));
    }

    #[test]
    #[should_panic(expected = "taken twice")]
    fn taking_twice_names_the_mistake() {
        let group = Group::new(1, CancellationToken::new(), config::<u8>(false));
        group.clone().complete(0, Ok(1));
        let _ = group.take(0);
        let _ = group.take(0);
    }

    #[test]
    fn zero_slots_allocate_and_free() {
        let group = Group::<String>::new(0, CancellationToken::new(), config(false));
        assert_eq!(group.remaining(), 0);
        drop(group.clone());
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn children_on_many_threads() {
        let drops = Arc::new(AtomicUsize::new(0));
        let group = Group::new(64, CancellationToken::new(), config(true));
        let threads: Vec<_> = (0..64)
            .map(|index| {
                let child = group.clone();
                let drops = drops.clone();
                crate::sync::thread::spawn(move || child.complete(index, Ok(Tracked(drops))))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let mut seen: Vec<_> = (0..64).map(|k| group.finished_at(k).unwrap()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..64).collect::<Vec<_>>());
        drop(group);
        assert_eq!(drops.load(Ordering::SeqCst), 64);
    }
}
