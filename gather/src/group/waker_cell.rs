//! The collector's waker, shared with every child: one registrar (the
//! collector), many wakers (the children), no lock.
//!
//! # State
//!
//! | state         | bits   | meaning                                        |
//! |---------------|--------|------------------------------------------------|
//! | `WAITING`     | `0b00` | the cell is idle; the stored waker (if any) is current |
//! | `REGISTERING` | `0b01` | the collector is replacing the waker           |
//! | `WAKING`      | `0b10` | a child is taking the waker out to wake it     |
//!
//! Rules:
//! 1. Only the thread that moved the state off `WAITING` touches the waker.
//! 2. A wake that finds `REGISTERING` sets `WAKING` and leaves; the registrar
//!    sees the bit when it tries to return to `WAITING` and wakes the new
//!    waker itself, so no wake is lost.
//! 3. A register that finds `WAKING` wakes its own waker at once: the waker
//!    being woken may be the old one.

use std::fmt;
use std::task::Waker;

use crate::sync::{AtomicUsize, Ordering, UnsafeCell};

const WAITING: usize = 0b00;
const REGISTERING: usize = 0b01;
const WAKING: usize = 0b10;

pub(crate) struct WakerCell {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker is only touched by the one thread that moved `state` off
// `WAITING` (rule 1), so sharing the cell shares no unsynchronised access;
// `Waker` itself is `Send + Sync`.
unsafe impl Send for WakerCell {}
// SAFETY: as for `Send`.
unsafe impl Sync for WakerCell {}

impl WakerCell {
    pub(crate) fn new() -> WakerCell {
        WakerCell {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake). Called by
    /// one registrar at a time.
    pub(crate) fn register(&self, waker: &Waker) {
        // Acquire: see the waker the previous owner of the cell left behind.
        match self.state.compare_exchange(
            WAITING,
            REGISTERING,
            Ordering::Acquire,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // SAFETY: rule 1; we moved the state off WAITING.
                unsafe {
                    self.waker.with_mut(|slot| match &mut *slot {
                        Some(old) if old.will_wake(waker) => {}
                        other => *other = Some(waker.clone()),
                    });
                }
                // AcqRel: publish the waker to the next waker; on failure see
                // the WAKING bit set by a child (rule 2).
                let back = self.state.compare_exchange(
                    REGISTERING,
                    WAITING,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                if back.is_err() {
                    // SAFETY: rule 1 still holds: WAKING is set but the child
                    // that set it saw REGISTERING and left the waker to us.
                    let woken = unsafe { self.waker.with_mut(|slot| (*slot).take()) };
                    self.state.swap(WAITING, Ordering::AcqRel);
                    if let Some(woken) = woken {
                        woken.wake();
                    }
                }
            }
            Err(WAKING) => waker.wake_by_ref(),
            Err(_) => {
                // A second registrar: the collector is the only one, so this
                // is unreachable; waking keeps the caller from missing out.
                debug_assert!(false, "WakerCell registered from two places at once");
                waker.wake_by_ref();
            }
        }
    }

    /// Wakes the registered waker, if any.
    pub(crate) fn wake(&self) {
        if let Some(woken) = self.take() {
            woken.wake();
        }
    }

    /// Drops the registered waker, if any, without waking it: for a
    /// registrar that will not wait again.
    pub(crate) fn clear(&self) {
        drop(self.take());
    }

    /// Takes the registered waker out, as a wake does (rule 2).
    fn take(&self) -> Option<Waker> {
        // AcqRel: acquire the registrar's waker, and publish the wake to a
        // registrar in progress (rule 2).
        if self.state.fetch_or(WAKING, Ordering::AcqRel) != WAITING {
            return None;
        }
        // SAFETY: rule 1; we moved the state from WAITING to WAKING.
        let woken = unsafe { self.waker.with_mut(|slot| (*slot).take()) };
        // Release: hand the (now empty) waker slot back.
        self.state.fetch_and(!WAKING, Ordering::Release);
        woken
    }
}

impl fmt::Debug for WakerCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakerCell")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{Arc, AtomicUsize as Counter};
    use std::task::Wake;

    struct CountWakes(Counter);

    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wake_takes_the_registered_waker_once() {
        let count = Arc::new(CountWakes(Counter::new(0)));
        let waker = Waker::from(count.clone());
        let cell = WakerCell::new();
        cell.wake();
        cell.register(&waker);
        cell.register(&waker);
        cell.wake();
        cell.wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn wakes_from_other_threads_are_not_lost() {
        let count = Arc::new(CountWakes(Counter::new(0)));
        let waker = Waker::from(count.clone());
        let cell = Arc::new(WakerCell::new());
        for _ in 0..1000 {
            cell.register(&waker);
            let before = count.0.load(Ordering::SeqCst);
            let other = cell.clone();
            let thread = crate::sync::thread::spawn(move || other.wake());
            cell.register(&waker);
            thread.join().unwrap();
            assert!(count.0.load(Ordering::SeqCst) > before);
        }
    }
}
