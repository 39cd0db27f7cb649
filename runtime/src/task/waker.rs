//! Wakers that point straight at the task: cloning adds a reference, waking
//! schedules it. No allocation.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::header::Header;
use super::state::TransitionToNotified;
use crate::context;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for the task at `ptr` that does not own a reference: valid only
/// while the caller's reference lives.
///
/// # Safety
///
/// The caller holds a reference to the task for as long as the returned
/// waker (or anything borrowing it) is used.
pub(crate) unsafe fn waker_ref(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(ptr.as_ptr() as *const (), &VTABLE);
    // SAFETY: `VTABLE`'s functions uphold the `RawWaker` contract for task
    // pointers; `ManuallyDrop` keeps the borrowed reference from being
    // released.
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

/// # Safety
///
/// `ptr` is the data pointer of a task waker.
unsafe fn header<'a>(ptr: *const ()) -> &'a Header {
    // SAFETY: task wakers are made from a live `NonNull<Header>` and own (or
    // borrow) a reference that keeps it alive.
    unsafe { &*(ptr as *const Header) }
}

/// The task pointer to hand to the vtable's `schedule` and `dealloc`: the
/// waker's own, which has the provenance of the whole task allocation
/// (a pointer made from a `&Header` would reach the header only, and the
/// scheduler reads the whole cell through it).
///
/// # Safety
///
/// `ptr` is the data pointer of a task waker.
unsafe fn task(ptr: *const ()) -> NonNull<Header> {
    // SAFETY: task wakers are made from a `NonNull<Header>`.
    unsafe { NonNull::new_unchecked(ptr.cast::<Header>().cast_mut()) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: called on a live task waker.
    unsafe { header(ptr) }.state.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: called on a live task waker.
    let header = unsafe { header(ptr) };
    // SAFETY: as above.
    let nn = unsafe { task(ptr) };
    match header.state.transition_to_notified_by_val() {
        // SAFETY: the waker's reference becomes the queue entry's.
        TransitionToNotified::Submit => unsafe { (header.vtable.schedule)(nn) },
        TransitionToNotified::DoNothing => {}
        // SAFETY: the waker's reference was the last.
        TransitionToNotified::Dealloc => unsafe { (header.vtable.dealloc)(nn) },
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    if context::with(|cx| cx.is_some_and(|cx| cx.task.take_wake_of(ptr))) {
        // The task woke itself during its poll, on its polling thread
        // (`CurrentTask`): the end of the poll queues it.
        return;
    }
    // SAFETY: called on a live task waker.
    let header = unsafe { header(ptr) };
    match header.state.transition_to_notified_by_ref() {
        // SAFETY: `ptr` is a task waker's; the transition added a reference
        // for the queue entry.
        TransitionToNotified::Submit => unsafe { (header.vtable.schedule)(task(ptr)) },
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Dealloc => unreachable!("wake_by_ref never drops a reference"),
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: called on a live task waker that owns a reference.
    let header = unsafe { header(ptr) };
    if header.state.ref_dec() {
        // SAFETY: `ptr` is a task waker's, and that was the last reference.
        unsafe { (header.vtable.dealloc)(task(ptr)) };
    }
}
