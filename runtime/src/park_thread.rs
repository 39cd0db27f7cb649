//! Blocking a thread that is not a worker until a future completes: the
//! `block_on` of the multi-thread runtime, and of a thread waiting for
//! another's current-thread `block_on`. With a paused clock the thread is
//! also counted while awake (`quiescence.rs`), with this thread's waker.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::{AtomicBool, Condvar, Mutex, Ordering, StdArc};

/// Wakes the blocked thread.
pub(crate) struct ThreadWaker {
    notified: AtomicBool,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl ThreadWaker {
    /// Sleeps until woken; returns at once if woken since the last sleep.
    pub(crate) fn park(&self) {
        // Acquire: the waker's writes happen before our next poll.
        if self.notified.swap(false, Ordering::Acquire) {
            return;
        }
        let mut guard = self.mutex.lock();
        while !self.notified.swap(false, Ordering::Acquire) {
            guard = self.condvar.wait(guard);
        }
    }
}

impl Wake for ThreadWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        if !self.notified.swap(true, Ordering::Release) {
            // Taking the lock orders the notify after a sleeper's check.
            drop(self.mutex.lock());
            self.condvar.notify_one();
        }
    }
}

/// One waker per thread, made on its first `block_on` and reused by every
/// later one: the `parker` field of the thread's
/// [`Context`](crate::context::Context).
pub(crate) struct ThreadParker(OnceCell<(StdArc<ThreadWaker>, Waker)>);

impl ThreadParker {
    pub(crate) const fn new() -> ThreadParker {
        ThreadParker(OnceCell::new())
    }

    fn get(&self) -> &(StdArc<ThreadWaker>, Waker) {
        self.0.get_or_init(thread_waker)
    }
}

fn thread_waker() -> (StdArc<ThreadWaker>, Waker) {
    let inner = StdArc::new(ThreadWaker {
        notified: AtomicBool::new(false),
        mutex: Mutex::new(()),
        condvar: Condvar::new(),
    });
    let waker = Waker::from(inner.clone());
    (inner, waker)
}

/// Calls `f` with this thread's waker, and with the context that keeps it,
/// for the polls `f` runs (rule 3 of `context`); once the thread's context
/// is destroyed (teardown), with a fresh one.
pub(crate) fn with_waker<R>(
    f: impl FnOnce(&StdArc<ThreadWaker>, &Waker, &crate::context::Context) -> R,
) -> R {
    crate::context::with_or_fresh(|thread| {
        let (inner, waker) = thread.parker.get();
        f(inner, waker, thread)
    })
}

/// Polls `future` on this thread until it is ready, sleeping in between.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    with_waker(|inner, waker, thread| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) =
                crate::context::poll_in_budget(thread, || future.as_mut().poll(&mut cx)).0
            {
                return output;
            }
            inner.park();
        }
    })
}
