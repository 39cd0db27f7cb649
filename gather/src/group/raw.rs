//! The group's one allocation: its layout, construction, slot access, and
//! the reference count that frees it (rule 5 of the protocol in `group.rs`).

use std::alloc::{self, Layout};
use std::any::Any;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};

use super::state::{FirstFailure, SlotState};
use super::waker_cell::WakerCell;
use super::{Config, Counts, Group, Header, Slot};
use crate::CancellationToken;
use crate::sync::{AtomicUsize, Ordering, UnsafeCell};
use crossbeam_utils::CachePadded;

impl<T> Group<T> {
    /// The allocation's layout and the slots' offset in it.
    pub(super) fn layout(len: usize) -> (Layout, usize) {
        let slots = Layout::array::<Slot<T>>(len).expect("gather group is too large to allocate");
        let (layout, offset) = Layout::new::<Header<T>>()
            .extend(slots)
            .expect("gather group is too large to allocate");
        (layout.pad_to_align(), offset)
    }

    /// A group of `len` empty slots; the returned reference is the
    /// collector's.
    pub(crate) fn new(len: usize, token: CancellationToken, config: Config<T>) -> Group<T> {
        let (layout, offset) = Self::layout(len);
        // SAFETY: the layout is not zero-sized: it holds a `Header`.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        // The collector's reference, and (rule 6) the children's shared one.
        let refs = if len > 0 && !config.wake_each { 2 } else { 1 };
        let header = Header {
            counts: CachePadded::new(Counts {
                remaining: AtomicUsize::new(len),
                finished: AtomicUsize::new(0),
            }),
            refs: AtomicUsize::new(refs),
            len,
            failure: FirstFailure::new(),
            panicked: FirstFailure::new(),
            config,
            waker: WakerCell::new(),
            token,
            hold: UnsafeCell::new(None),
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
                    waker: WakerCell::new(),
                });
            }
        }
        Group {
            header: base.cast(),
            _owns: PhantomData,
        }
    }

    pub(super) fn header(&self) -> &Header<T> {
        // SAFETY: the allocation lives while any reference does; this is one.
        unsafe { self.header.as_ref() }
    }

    pub(super) fn slots(&self) -> NonNull<Slot<T>> {
        let (_, offset) = Self::layout(self.header().len);
        // SAFETY: `offset` is within the allocation (see `new`).
        unsafe { self.header.cast::<u8>().add(offset).cast() }
    }

    pub(super) fn slot(&self, index: usize) -> &Slot<T> {
        let len = self.header().len;
        assert!(
            index < len,
            "gather slot {index} out of range for a group of {len}"
        );
        // SAFETY: in range, initialised by `new`, alive while we are.
        unsafe { self.slots().add(index).as_ref() }
    }
}

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
        // Acquire: see every other reference's writes (values, states). A
        // load rather than `fence(Acquire)`: the same ordering (it reads our
        // own last decrement, at the end of the release sequence), and one
        // that ThreadSanitizer, which does not model fences, understands.
        self.header().refs.load(Ordering::Acquire);
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
        // SAFETY: last reference: nothing else reads the header; the hold is
        // moved out, the rest of the header dropped once, then the
        // allocation made with this very layout is freed.
        let hold = unsafe {
            let hold = (*self.header.as_ptr()).hold.with_mut(|hold| (*hold).take());
            ptr::drop_in_place(self.header.as_ptr());
            alloc::dealloc(self.header.as_ptr().cast(), layout);
            hold
        };
        // Rule 5, last: the enclosing child's slot may be completed now (on
        // this thread), and nothing of this group is left. A local, so an
        // unwinding header drop above still releases it.
        drop(hold);
        // A value's destructor panicked: report it now that the memory is
        // back, rather than leaking the rest of the group.
        if let Some(payload) = first_panic {
            panic::resume_unwind(payload);
        }
    }
}
