//! Blocking a thread that is not a worker until a future completes: the
//! `block_on` of the multi-thread runtime, and of a thread waiting for
//! another's current-thread `block_on`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::{AtomicBool, Condvar, Mutex, Ordering, StdArc};

/// Wakes the blocked thread.
struct ThreadWaker {
    notified: AtomicBool,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl ThreadWaker {
    fn park(&self) {
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

thread_local! {
    /// One waker per thread, reused by every `block_on` on it.
    static WAKER: (StdArc<ThreadWaker>, Waker) = {
        let inner = StdArc::new(ThreadWaker {
            notified: AtomicBool::new(false),
            mutex: Mutex::new(()),
            condvar: Condvar::new(),
        });
        let waker = Waker::from(inner.clone());
        (inner, waker)
    };
}

/// Polls `future` on this thread until it is ready, sleeping in between.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|(inner, waker)| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) =
                braid_reactor::coop::budget(|| future.as_mut().poll(&mut cx))
            {
                return output;
            }
            inner.park();
        }
    })
}
