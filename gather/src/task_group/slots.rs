//! A task group's shared part: its slots, in a list of segments that grows
//! with the group, the stack its children complete onto, and the queue of
//! children waiting for a place under a limit.
//!
//! # Parties
//!
//! The *owner* is the `TaskGroup` (every method takes `&mut self`, so one
//! thread at a time); it keeps the free list, the tail segment and the
//! queue of completed slots it has taken ([`Slots`]). Each *child* holds a
//! [`Seat`]: a counted reference to [`Shared`], its slot, and its
//! generation. Abort handles hold the same. Whoever holds a reference may
//! walk the segments.
//!
//! # Protocol
//!
//! 1. Segments are linked from `head` through each one's `next`. Only the
//!    owner appends one, fully built, with a Release store; anyone walks
//!    the list with Acquire loads. No segment moves or is freed before the
//!    last reference to `Shared` goes, so a slot pointer is valid for as
//!    long as its holder keeps a reference.
//! 2. Segment `k` holds `FIRST_SEGMENT << min(k, DOUBLINGS)` slots: few
//!    allocations for a large group, little memory for a small one. A spawn
//!    takes a free slot or the next one of the tail segment, appending a
//!    segment when that is full: O(1), amortised over the segment.
//! 3. A slot is free (on the owner's free list), held by one child (from
//!    its spawn until it completes), or completed (on the completed stack,
//!    then on the owner's ready queue). The owner hands the slot to the
//!    child by spawning it (the runtime's queue orders the two); the child
//!    hands it back by pushing it on the stack (Release); the owner takes
//!    it with `take_all` (Acquire). So the value cell has one user at a
//!    time, and no state word guards it.
//! 4. The child writes its outcome, marks its occupant word finished, and
//!    pushes the slot; after the push it touches the slot no more. It then
//!    wakes the owner and, under a limit, starts the next waiting child
//!    (rule 8), and only then lets go of its reference.
//! 5. The owner reuses a slot once it has moved the outcome out: it starts
//!    a new generation in the occupant word (`state.rs`), so the abort
//!    handles of the slot's earlier children no longer reach it.
//! 6. A child waiting without a token of its own leaves its waker in its
//!    slot's cell and then looks at the group's token and its abort bit
//!    again. A cancel of the group wakes every slot's cell (walking the
//!    segments by rule 1, from the waker the owner registered on the
//!    group's token); an abort wakes its own slot's. Both sides do a
//!    read-modify-write of the cell, so either the wake finds the waker or
//!    the child's second look finds the cancel. The walk must not miss a
//!    segment appended while the token is cancelled, so the append and the
//!    walk each begin with a read-modify-write of `appends`: if the walk's
//!    comes first, the cancel happens before the append and so before the
//!    spawn of every child in the new segment, which sees it; otherwise the
//!    walk sees the segment. An owner dropped with every child joined
//!    withdraws that waker before it cancels: each child it spawned has
//!    completed, and so waits in no slot, and it will spawn no more, so the
//!    walk (a read-modify-write per slot) would find nothing.
//! 7. The last reference to `Shared` drops the outcomes still on the stack
//!    (completed, never joined) and frees the segments. Outcomes the owner
//!    took onto its ready queue are its own to drop.
//! 8. Under a limit, the running count and the waiting children sit under
//!    one mutex: the group's only lock, taken only when a limit is set, by a
//!    spawn and by a completing child (which starts the first waiting child
//!    in its place, or gives its place back). Waiting children are tasks
//!    that hold a reference to `Shared`, so the owner drains the queue when
//!    it shuts down or is dropped (each counts as started, is dropped
//!    unstarted, and completes as cancelled).
//! 9. `remaining` counts the children spawned and not completed, plus one
//!    for the owner while it lives, plus the units the owner took ahead
//!    (rule 11): the owner counts each child before its spawn, each child
//!    takes one away after its push. A completion wakes the owner while
//!    `wake_each` holds (the default, for `join_next`), and otherwise only
//!    when it fails or is the last child (it leaves the owner's one):
//!    `join_all`, which takes no outcome before the end or a failure and
//!    spawns no more, clears `wake_each` and gives back the units it took
//!    ahead before it waits. The last child's count comes after every
//!    other child's push, so the owner it wakes takes every outcome.
//! 10. A group made inside a gather or group child holds that child's
//!     completion open until its own children are gone (`deferred.rs`): the
//!     owner, as it is dropped, leaves its guard in `hold` and then gives up
//!     its count. Whoever brings `remaining` to zero (the owner, or the last
//!     child after it) drops the outcomes nobody will join and then the
//!     guard, so the enclosing child completes after every trace of this
//!     group's children is gone. Abort handles, which may live on anywhere,
//!     keep the memory, never the hold.
//! 11. The owner and its children work on different threads, so a count
//!     both write moves between their caches at every write. So the owner
//!     takes its counts ahead, `AHEAD` at a time: references to `Shared`
//!     for its children's seats, and units of `remaining` for the children
//!     to come; a spawn spends one of each. Abort handles hold no
//!     reference each: they count in `handles`, on a line of its own, which
//!     starts at one for the owner; together they hold one reference, taken
//!     when the group is made and let go by whoever brings `handles` to
//!     zero. The owner makes the handles and most die where they are made,
//!     so that count seldom leaves its thread. The owner, as it is dropped,
//!     gives back what it holds ahead and its unit of `handles`.

use std::collections::VecDeque;
use std::fmt;
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};
use std::task::Waker;

use crossbeam_utils::CachePadded;

use super::state::{Completed, Occupant, ToAborted};
use crate::deferred::HoldGuard;
use crate::group::{Outcome, WakerCell};
use crate::sync::{Arc, AtomicBool, AtomicPtr, AtomicUsize, Mutex, Ordering, StdArc, UnsafeCell};
use crate::{CancellationToken, ChildTask, Spawn};

/// Slots in the first segment. Smaller under loom, so that a model crosses
/// a segment boundary with two children; the logic is the same.
#[cfg(not(loom))]
pub(super) const FIRST_SEGMENT: usize = 32;
#[cfg(loom)]
pub(super) const FIRST_SEGMENT: usize = 1;

/// Segments after the first double in size this many times, then stay.
pub(super) const DOUBLINGS: u32 = 7;

/// Rule 11: counts the owner takes ahead at a time. Smaller under loom, so
/// that a model both spends a batch and gives back what is left.
#[cfg(not(loom))]
pub(super) const AHEAD: usize = 64;
#[cfg(loom)]
pub(super) const AHEAD: usize = 3;

pub(crate) struct Slot<T> {
    pub(super) occupant: Occupant,
    pub(super) value: UnsafeCell<MaybeUninit<Outcome<T>>>,
    /// Rule 6: the waker of the waiting child.
    pub(super) waker: WakerCell,
    /// The link of the completed stack.
    pub(super) next: AtomicPtr<Slot<T>>,
    /// The child's place in spawn order; the owner's alone.
    pub(super) seq: UnsafeCell<u64>,
}

pub(super) struct Segment<T> {
    pub(super) slots: Box<[Slot<T>]>,
    pub(super) next: AtomicPtr<Segment<T>>,
}

/// What the owner and the children share.
pub(crate) struct Shared<T> {
    pub(super) token: CancellationToken,
    /// The owner's waker, woken by every completion. It and the stack are
    /// written by every child: each on a line of its own, away from the
    /// reference count and from what every child only reads.
    pub(super) waker: CachePadded<WakerCell>,
    pub(super) completed: CachePadded<Completed<Slot<T>>>,
    /// Rule 9: children spawned and not yet completed, plus the owner,
    /// plus the units it took ahead (rule 11).
    pub(super) remaining: CachePadded<AtomicUsize>,
    /// Rule 11: abort handles alive, plus one for the owner while it lives.
    handles: CachePadded<AtomicUsize>,
    /// Rule 10: written once by the owner as it is dropped, then read by
    /// whoever brings `remaining` to zero.
    hold: UnsafeCell<Option<HoldGuard>>,
    /// Rule 9: whether every completion wakes the owner, or only the last
    /// and the failures.
    pub(super) wake_each: AtomicBool,
    pub(super) head: AtomicPtr<Segment<T>>,
    /// Rule 6: segments appended so far.
    appends: AtomicUsize,
    /// The most children running at once; 0 for no limit. Written by the
    /// owner before its first spawn, which hands it to every child.
    pub(super) limit: AtomicUsize,
    waiting: Mutex<Waiting>,
}

/// Rule 8.
struct Waiting {
    running: usize,
    queue: VecDeque<ChildTask>,
    spawner: Option<StdArc<dyn Spawn>>,
}

// SAFETY: the shared part moves `T`s from the children's threads to the
// owner's, so it may cross threads when `T: Send`; every field shared is
// atomic, behind the mutex, or handed from one party to the next (rule 3).
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for Shared<T> {}
impl<T> Shared<T> {
    pub(crate) fn new(token: CancellationToken) -> Shared<T> {
        Shared {
            token,
            waker: CachePadded::new(WakerCell::new()),
            completed: CachePadded::new(Completed::new()),
            remaining: CachePadded::new(AtomicUsize::new(1)),
            handles: CachePadded::new(AtomicUsize::new(1)),
            hold: UnsafeCell::new(None),
            wake_each: AtomicBool::new(true),
            head: AtomicPtr::new(ptr::null_mut()),
            appends: AtomicUsize::new(0),
            limit: AtomicUsize::new(0),
            waiting: Mutex::new(Waiting {
                running: 0,
                queue: VecDeque::new(),
                spawner: None,
            }),
        }
    }

    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Sets the limit; by the owner, before its first spawn.
    pub(crate) fn set_limit(&self, limit: usize) {
        // Relaxed: published to the children by the spawns that follow.
        self.limit.store(limit, Ordering::Relaxed);
    }

    /// Rule 6: wakes every child waiting on its slot.
    pub(crate) fn wake_children(&self) {
        // AcqRel, a read-modify-write: rule 6 orders it with every append.
        self.appends.fetch_add(0, Ordering::AcqRel);
        let mut segment = self.head.load(Ordering::Acquire);
        // SAFETY: rule 1: segments live as long as `self`, and each `next`
        // is published fully built.
        while let Some(current) = unsafe { segment.as_ref() } {
            for slot in &current.slots {
                slot.waker.wake();
            }
            segment = current.next.load(Ordering::Acquire);
        }
    }

    /// Rule 8: starts `task` now, or queues it behind the limit.
    pub(crate) fn start(&self, task: ChildTask, spawner: &StdArc<dyn Spawn>) {
        let limit = self.limit.load(Ordering::Relaxed);
        if limit == 0 {
            spawner.spawn(task);
            return;
        }
        let mut waiting = self.waiting.lock();
        if waiting.spawner.is_none() {
            waiting.spawner = Some(spawner.clone());
        }
        if waiting.running < limit {
            waiting.running += 1;
            drop(waiting);
            spawner.spawn(task);
        } else {
            waiting.queue.push_back(task);
        }
    }

    /// Rule 8: the children still waiting, counted as started, for the
    /// owner to drop.
    pub(crate) fn drain_waiting(&self) -> VecDeque<ChildTask> {
        let mut waiting = self.waiting.lock();
        waiting.running += waiting.queue.len();
        std::mem::take(&mut waiting.queue)
    }

    /// Rule 8: a running child finished; the first waiting one starts in
    /// its place.
    pub(super) fn release_place(&self) {
        let next = {
            let mut waiting = self.waiting.lock();
            match waiting.queue.pop_front() {
                Some(task) => Some((task, waiting.spawner.clone())),
                None => {
                    waiting.running -= 1;
                    None
                }
            }
        };
        if let Some((task, Some(spawner))) = next {
            spawner.spawn(task);
        }
    }

    /// Rule 6: aborts `generation`'s child of `slot`, one of this group's
    /// slots, unless it has finished or left.
    pub(crate) fn abort(&self, slot: NonNull<Slot<T>>, generation: usize) {
        // SAFETY: rule 1: the slot lives as long as `self`.
        let slot = unsafe { slot.as_ref() };
        match slot.occupant.transition_to_aborted(generation) {
            ToAborted::Ok => slot.waker.wake(),
            ToAborted::Gone => {}
        }
    }

    /// Whether `generation`'s child of `slot` has finished.
    pub(crate) fn is_finished(&self, slot: NonNull<Slot<T>>, generation: usize) -> bool {
        // SAFETY: rule 1: the slot lives as long as `self`.
        unsafe { slot.as_ref() }.occupant.is_finished(generation)
    }

    /// Rules 9 and 11: `n` children are to be spawned.
    pub(super) fn add_remaining(&self, n: usize) {
        // Relaxed: the spawns that follow hand the counts to the children.
        self.remaining.fetch_add(n, Ordering::Relaxed);
    }

    /// Rules 10 and 11: the owner is being dropped, with `ahead` units of
    /// `remaining` taken ahead and not spent; `hold` (if any) is released
    /// once its last child is gone.
    pub(crate) fn owner_gone(&self, hold: Option<HoldGuard>, ahead: usize) {
        // SAFETY: rule 10: only the owner writes the field, once, before it
        // gives up its count; nobody reads it before the count is zero.
        unsafe { self.hold.with_mut(|place| *place = hold) };
        // AcqRel: publish the hold to whoever reaches zero; see every
        // child's push if it is us.
        if self.remaining.fetch_sub(1 + ahead, Ordering::AcqRel) == 1 + ahead {
            self.let_go();
        }
    }

    /// Rule 11: one more abort handle, made by a holder of a reference or
    /// of a unit of `handles`.
    pub(super) fn add_handle(&self) {
        // Relaxed: as an `Arc`'s clone: the caller's count keeps `handles`
        // above zero meanwhile.
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    /// Rule 11: an abort handle, or the owner, gives up its unit of
    /// `handles`; the last lets go of the handles' reference.
    ///
    /// # Safety
    ///
    /// `shared` is a group whose handles' reference was taken (by
    /// `TaskGroup::new`), and the caller gives up a unit of `handles` it
    /// holds; it uses `shared` no more.
    pub(super) unsafe fn handle_gone(shared: NonNull<Shared<T>>) {
        // SAFETY: the caller's unit keeps the handles' reference, and so
        // `shared`, alive until this decrement.
        let handles = unsafe { &shared.as_ref().handles };
        // AcqRel: as an `Arc`'s drop: every unit's last use happens before
        // the reference goes.
        if handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: the last unit: the handles' reference is ours to let
            // go, once.
            unsafe { Arc::decrement_strong_count(shared.as_ptr().cast_const()) };
        }
    }

    /// Rule 10: the owner and every child are gone: drops the outcomes left
    /// on the stack, then releases the hold.
    pub(super) fn let_go(&self) {
        // SAFETY: every child has pushed and the owner is gone.
        unsafe { self.drop_unjoined() };
        // SAFETY: rule 10: the owner wrote it before its count, which our
        // reaching zero has acquired; nobody else reads it.
        let hold = unsafe { self.hold.with_mut(|place| (*place).take()) };
        drop(hold);
    }

    /// Rules 7 and 10: drops the outcomes on the stack.
    ///
    /// # Safety
    ///
    /// The owner is gone (nobody will join them) and no child will push
    /// again, so the nodes taken are the caller's alone.
    unsafe fn drop_unjoined(&self) {
        let mut node = self.completed.take_all();
        // SAFETY: per the contract, each node is a live slot holding an
        // outcome nobody took, and ours.
        while let Some(slot) = unsafe { node.as_ref() } {
            // SAFETY: as above; dropped once, as the node leaves the stack.
            unsafe { slot.value.with_mut(|value| (*value).assume_init_drop()) };
            node = slot.next.load(Ordering::Relaxed);
        }
    }

    /// Rules 9 and 11: from now on only the last completion and the
    /// failures wake the owner, which gives back the `ahead` units of
    /// `remaining` it took ahead and will spawn no more.
    pub(crate) fn wake_at_end_only(&self, ahead: usize) {
        // Relaxed: a child that still sees `true` wakes the owner once more.
        self.wake_each.store(false, Ordering::Relaxed);
        if ahead > 0 {
            // AcqRel: the child that then leaves the owner's one alone sees
            // it is the last; never zero, as the owner's unit stays.
            self.remaining.fetch_sub(ahead, Ordering::AcqRel);
        }
    }

    /// Rule 6: a segment was linked in; by the owner, before it spawns a
    /// child into it.
    pub(super) fn appended(&self) {
        // AcqRel, a read-modify-write: see `wake_children`.
        self.appends.fetch_add(1, Ordering::AcqRel);
    }

    /// Registers the owner's waker for the next completion.
    pub(crate) fn register(&self, waker: &Waker) {
        self.waker.register(waker);
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        // Rule 7. SAFETY: the last reference: nobody is left to push.
        unsafe { self.drop_unjoined() };
        let mut segment = self.head.load(Ordering::Relaxed);
        while !segment.is_null() {
            // SAFETY: rule 1: every segment was made by `Box::into_raw` in
            // `Slots::claim` and is freed here once.
            let owned = unsafe { Box::from_raw(segment) };
            segment = owned.next.load(Ordering::Relaxed);
        }
    }
}

impl<T> Slot<T> {
    pub(super) fn new() -> Slot<T> {
        Slot {
            occupant: Occupant::new(),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            waker: WakerCell::new(),
            next: AtomicPtr::new(ptr::null_mut()),
            seq: UnsafeCell::new(0),
        }
    }
}

/// Rule 11: a pointer to the group that may stand for the handles'
/// reference: taken from the `Arc`, so that it reaches the whole allocation
/// the last unit of `handles` frees (a pointer made from `&Shared` reaches
/// only the `Shared` inside it).
pub(super) fn as_non_null<T>(shared: &Arc<Shared<T>>) -> NonNull<Shared<T>> {
    NonNull::new(Arc::as_ptr(shared).cast_mut()).expect("an Arc is never null")
}

/// Rule 6: a waker that wakes every waiting child, for the owner to
/// register on the group's token, so a cancel from outside reaches them.
/// It holds a reference to the group until the token is cancelled (which
/// the owner does at the latest when it is dropped).
pub(crate) fn children_waker<T: Send + 'static>(shared: &Arc<Shared<T>>) -> Waker {
    struct Children<T>(Arc<Shared<T>>);
    impl<T: Send + 'static> std::task::Wake for Children<T> {
        fn wake(self: StdArc<Self>) {
            self.0.wake_children();
        }

        fn wake_by_ref(self: &StdArc<Self>) {
            self.0.wake_children();
        }
    }
    Waker::from(StdArc::new(Children(shared.clone())))
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("token", &self.token)
            .field("limit", &self.limit.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}
