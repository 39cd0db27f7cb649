//! The raw task layout: a header every task starts with, and the cell that
//! holds the header, the task's metadata, the scheduler, the
//! future-or-output and the join waker.

use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use super::id::Id;
use super::state::State;
use crate::context::{Context, Stamp};
use crate::sync::{CounterU64, Ordering, UnsafeCell};
use braid_gather::JoinError;

/// The part of a task that does not depend on its future's type. Every
/// pointer to a task (`RawTask`, wakers, queue entries) points here.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    /// Links in the owned-task list; only touched under that list's shard
    /// lock, or, once the task is dead, by whoever frees it.
    pub(crate) owned: UnsafeCell<Links>,
}

/// Intrusive links of the owned-task list; `next` also links a dead task
/// into its home worker's list of tasks to free (`remote_free.rs`).
pub(crate) struct Links {
    pub(crate) prev: Option<NonNull<Header>>,
    pub(crate) next: Option<NonNull<Header>>,
    pub(crate) linked: bool,
    /// The worker that allocated the task, or [`NO_HOME`]: set before the
    /// task is published, read when it is freed. (It fits in the padding
    /// after `linked`.)
    pub(crate) home: u16,
}

/// The `home` of a task allocated off any worker.
pub(crate) const NO_HOME: u16 = u16::MAX;

/// The functions that need the future's and the scheduler's types, one
/// `const` table per monomorphisation.
pub(crate) struct Vtable {
    pub(crate) poll: unsafe fn(NonNull<Header>, &Context),
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// The last reference is gone: free the task, or hand it to its
    /// scheduler to free later (`Schedule::defer_free`).
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Frees the task now.
    pub(crate) free: unsafe fn(NonNull<Header>),
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    pub(crate) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

/// Who a task is and where it came from: read by `task::id()`, dumps and
/// stall reports, never on the scheduling path. It sits right after the
/// header in every cell, at [`META_OFFSET`], so it is found from an untyped
/// task pointer.
pub(crate) struct Meta {
    pub(crate) id: Id,
    /// Where the task was spawned (`#[track_caller]` on every spawn).
    pub(crate) location: &'static Location<'static>,
    pub(crate) spawned_at: Stamp,
    /// Polls so far: written only by the holder of `RUNNING` (a load and a
    /// store, no read-modify-write), read by dumps.
    polls: CounterU64,
    /// The task's span, entered on each poll.
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

impl Meta {
    /// The metadata of a new task: its id is `given`, else a fresh one.
    pub(crate) fn new(
        given: Option<Id>,
        location: &'static Location<'static>,
        spawned_at: Stamp,
    ) -> Meta {
        let id = given.unwrap_or_else(braid_gather::host::next_id);
        Meta {
            id,
            location,
            spawned_at,
            polls: CounterU64::new(0),
            #[cfg(feature = "tracing")]
            span: tracing::trace_span!(
                target: "braid::task",
                "task",
                task_id = id.as_u64(),
                spawned_at = %location,
            ),
        }
    }

    /// Counts a poll. Only the holder of `RUNNING` calls this.
    pub(crate) fn count_poll(&self) {
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls.store(polls + 1, Ordering::Relaxed);
    }

    pub(crate) fn polls(&self) -> u64 {
        self.polls.load(Ordering::Relaxed)
    }
}

/// Where [`Meta`] sits in every cell: right after the header (whose size is
/// a multiple of `Meta`'s alignment; the layout test checks it).
pub(crate) const META_OFFSET: usize = std::mem::size_of::<Header>();

impl Header {
    /// The metadata of the task at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` points at a live task, with the provenance of its whole
    /// allocation (a pointer from `task::allocate`, not from a `&Header`),
    /// and the task stays alive while the result is used.
    pub(crate) unsafe fn meta<'a>(ptr: NonNull<Header>) -> &'a Meta {
        // SAFETY: every cell is `repr(C)` with `meta` right after `header`
        // at `META_OFFSET`; the caller guarantees liveness and provenance.
        unsafe { ptr.cast::<u8>().add(META_OFFSET).cast::<Meta>().as_ref() }
    }
}

/// What the stage holds over the task's life.
pub(crate) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// The whole task, one allocation. `repr(C)` keeps the header first, so a
/// `NonNull<Header>` is also a `NonNull<Cell<F, S>>`.
#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    pub(crate) meta: Meta,
    pub(crate) scheduler: S,
    /// Owned by whoever holds `RUNNING`, then (after `COMPLETE`) by the
    /// join handle, or by the completer if there is none.
    pub(crate) stage: UnsafeCell<Stage<F>>,
    /// Written by the join handle while `JOIN_WAKER` is clear and the task
    /// is not complete; read by the completer once it set `COMPLETE` with
    /// `JOIN_WAKER` set; emptied by a join handle dropped before `COMPLETE`,
    /// else dropped with the task.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
}

impl Header {
    pub(crate) fn new(vtable: &'static Vtable, state: State) -> Header {
        Header {
            state,
            vtable,
            owned: UnsafeCell::new(Links {
                prev: None,
                next: None,
                linked: false,
                home: NO_HOME,
            }),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};
    use std::pin::Pin;

    type Boxed = Pin<Box<dyn Future<Output = u64> + Send>>;

    #[test]
    fn header_is_small_and_first() {
        assert_eq!(size_of::<Header>(), 40);
        assert!(
            size_of::<Header>() <= 64,
            "task header must fit one cache line"
        );
        assert_eq!(offset_of!(Cell<Boxed, usize>, header), 0);
    }

    #[test]
    fn meta_follows_the_header_in_every_cell() {
        assert_eq!(offset_of!(Cell<Boxed, usize>, meta), META_OFFSET);
        assert_eq!(offset_of!(Cell<Boxed, u8>, meta), META_OFFSET);
        assert_eq!(
            offset_of!(Cell<std::future::Ready<u128>, ()>, meta),
            META_OFFSET
        );
        #[repr(align(64))]
        struct Aligned;
        assert_eq!(
            offset_of!(Cell<std::future::Ready<Aligned>, u16>, meta),
            META_OFFSET
        );
        assert_eq!(
            offset_of!(Cell<Boxed, usize>, scheduler),
            META_OFFSET + size_of::<Meta>()
        );
        // Without the `tracing` feature, nothing of it: id, location, spawn
        // time and poll count only, 8 bytes each.
        #[cfg(not(feature = "tracing"))]
        assert_eq!(size_of::<Meta>(), 32);
    }

    #[test]
    #[cfg(not(feature = "tracing"))]
    fn a_small_task_fits_a_128_byte_allocation() {
        // A task whose future and output are a word or two (a `Ready<usize>`,
        // with an `Arc` for its scheduler): 120 bytes is glibc's largest
        // request served from a 128-byte chunk, and within mimalloc's and
        // jemalloc's 128-byte size class. The finished stage holds a
        // `Result<usize, JoinError>`, so this fails if `JoinError` widens.
        type Small = Cell<std::future::Ready<usize>, std::sync::Arc<()>>;
        assert!(size_of::<Small>() <= 120, "{} bytes", size_of::<Small>());
    }
}
