//! Blocking a thread that is not a worker until a future completes: the
//! `block_on` of the multi-thread runtime, and of a thread waiting for
//! another's current-thread `block_on`.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::{AtomicBool, AtomicUsize, Condvar, Mutex, Ordering, StdArc};

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
fn with_waker<R>(f: impl FnOnce(&StdArc<ThreadWaker>, &Waker, &crate::context::Context) -> R) -> R {
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

/// A waker that also keeps `busy` counting this thread as running from
/// the moment it is woken until it goes back to sleep.
struct CountingWaker {
    thread: StdArc<ThreadWaker>,
    counted: AtomicBool,
    busy: StdArc<AtomicUsize>,
}

impl CountingWaker {
    fn count(&self) {
        if !self.counted.swap(true, Ordering::SeqCst) {
            self.busy.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn uncount(&self) {
        if self.counted.swap(false, Ordering::SeqCst) {
            self.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Wake for CountingWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        // Counted before the thread can run, so nobody sees it idle while
        // it is about to poll.
        self.count();
        self.thread.wake_by_ref();
    }
}

/// As [`block_on`], counting this thread in `busy` whenever it is not
/// asleep; `idle` runs each time it stops counting (about to sleep, or
/// done, also by a panic), after uncounting. For paused clocks, which may
/// only jump while nothing runs.
pub(crate) fn block_on_counted<F: Future>(
    future: F,
    busy: &StdArc<AtomicUsize>,
    idle: impl Fn(),
) -> F::Output {
    let mut future = pin!(future);
    with_waker(|inner, _, thread| {
        let counting = StdArc::new(CountingWaker {
            thread: inner.clone(),
            counted: AtomicBool::new(false),
            busy: busy.clone(),
        });
        counting.count();
        // Leaving, even by a panic, is falling idle too: a driver that
        // decided not to jump while this thread ran must decide again.
        struct Uncount<'a, I: Fn()>(&'a CountingWaker, &'a I);
        impl<I: Fn()> Drop for Uncount<'_, I> {
            fn drop(&mut self) {
                self.0.uncount();
                (self.1)();
            }
        }
        let _uncount = Uncount(&counting, &idle);
        let waker = Waker::from(counting.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(output) =
                crate::context::poll_in_budget(thread, || future.as_mut().poll(&mut cx)).0
            {
                return output;
            }
            counting.uncount();
            idle();
            inner.park();
        }
    })
}
