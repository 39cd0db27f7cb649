//! Waking the tasks a driver event unblocks, whatever their wakers do.
//!
//! A waker is user code (a hand-written `Wake`, a combinator's waker) and
//! may panic. The drivers wake in batches — every timer due in a tick,
//! every waiter of a socket's readiness, every socket of one poll of the
//! OS — and run on the runtime's worker threads. The policy for a waker
//! that panics:
//!
//! 1. Each wake runs under `catch_unwind`: the panic ends that wake only.
//! 2. Every other waker of the batch is still woken, and the driver goes
//!    on with the rest of its events: nobody else loses a wake-up.
//! 3. Nothing is re-raised: the thread that turned the driver (a worker,
//!    or a `block_on` caller) carries on, and so does the runtime.
//! 4. The panic is reported on standard error: the panic hook prints the
//!    payload and location as for any panic, then one line from braid
//!    (`braid: a waker panicked ...`) names the driver that woke it and
//!    says the panic was contained.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::Waker;

/// Which driver wakes, for the report.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Site {
    Timers,
    Io,
}

impl Site {
    fn name(self) -> &'static str {
        match self {
            Site::Timers => "the timer driver",
            Site::Io => "the I/O driver",
        }
    }
}

/// Wakes every waker in `wakers`, in order, containing and reporting any
/// panic (rules 1 to 4).
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>, site: Site) {
    for waker in wakers {
        // Unwind safety: a waker that panics is dropped by the unwind, and
        // the driver's state was settled before any wake (each caller takes
        // its wakers out from under its locks first).
        if catch_unwind(AssertUnwindSafe(|| waker.wake())).is_err() {
            report(site);
        }
    }
}

fn report(site: Site) {
    eprintln!(
        "braid: a waker panicked while {} woke it; the panic was contained \
         and every other waiter of the batch was woken",
        site.name()
    );
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::{AtomicUsize, Ordering, StdArc as Arc};
    use std::task::Wake;

    struct Counting(AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct Panicking;

    impl Wake for Panicking {
        fn wake(self: Arc<Self>) {
            panic!("a waker that panics");
        }
    }

    #[test]
    fn a_panicking_waker_costs_no_other_waker_its_wake() {
        let counter = Arc::new(Counting(AtomicUsize::new(0)));
        let mut wakers: Vec<Waker> = (0..16).map(|_| Waker::from(counter.clone())).collect();
        wakers.insert(0, Waker::from(Arc::new(Panicking)));
        wakers.insert(9, Waker::from(Arc::new(Panicking)));
        wake_all(wakers, Site::Timers);
        assert_eq!(counter.0.load(Ordering::SeqCst), 16);
        assert_eq!(Arc::strong_count(&counter), 1, "every waker consumed");
    }
}
