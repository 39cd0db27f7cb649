//! Putting one worker to sleep and waking it: on its condvar, or inside the
//! I/O driver when it is the first idle worker.
//!
//! States of a worker's parker (one atomic word):
//!
//! | state            | meaning                                       |
//! |------------------|-----------------------------------------------|
//! | `EMPTY`          | awake, no pending notification                |
//! | `PARKED_CONDVAR` | asleep on the condvar                         |
//! | `PARKED_DRIVER`  | asleep inside the driver's poll               |
//! | `NOTIFIED`       | an unpark arrived; the next park returns at once |
//!
//! A worker that finds the driver taken sleeps on its condvar, and is
//! unparked when the driver is released so that it can take it over (see
//! `driver.rs`): the holder may be about to run a task that never yields.
//!
//! `unpark` swaps in `NOTIFIED` and then wakes the sleeper the way it sleeps:
//! through the condvar (taking the mutex first, so the notification cannot
//! fall between the sleeper's check and its wait) or through the driver's
//! waker.
//!
//! The parker takes a notification only with a read-modify-write (the
//! exchange that finds it, or a swap after a failed exchange saw it),
//! never with a store: notifications coalesce, so taking one must read the
//! latest, to see what every unparker that swapped it in did before.

use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

use super::driver::DriverCell;
use crate::sync::{Arc, AtomicUsize, Condvar, Mutex, Ordering};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The sleeping side, owned by one worker.
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking side, shared with everyone.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    driver: Option<Arc<DriverCell>>,
}

impl Parker {
    pub(crate) fn new(driver: Option<Arc<DriverCell>>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                driver,
            }),
        }
    }

    /// Another handle to the same sleeping side, for parking while the
    /// owner's state is borrowed elsewhere. Only the owning worker parks.
    pub(crate) fn clone_parker(&self) -> Parker {
        Parker {
            inner: self.inner.clone(),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// A waker that unparks this worker, for the driver cell's list of
    /// workers waiting for the driver. Two such wakers of one parker are
    /// `will_wake` of each other (the same `Arc`).
    fn waker(&self) -> Waker {
        Waker::from(self.inner.clone())
    }

    /// Sleeps until unparked, or until `timeout` has passed. `auto_advance`
    /// is passed to the driver (every other worker is asleep and no
    /// blocking work runs).
    pub(crate) fn park(&self, timeout: Option<Duration>, auto_advance: impl Fn() -> bool) {
        let inner = &*self.inner;
        // Acquire: what the unparker did before notifying is visible.
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Acquire)
            .is_ok()
        {
            return;
        }
        // Loom has no clock, and a timed sleep may end at any moment: under
        // loom it ends at once, after letting the other threads run, so the
        // models cover what the timeout is for.
        #[cfg(loom)]
        if timeout.is_some() {
            crate::sync::thread::yield_now();
            return;
        }
        if let Some(driver) = &inner.driver {
            // Taken, or this worker is handed it when it is released (see
            // "Handing the driver over" in `driver.rs`).
            if let Some(mut guard) = driver.try_lock_or_wait(&self.waker()) {
                match inner.state.compare_exchange(
                    EMPTY,
                    PARKED_DRIVER,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {}
                    Err(NOTIFIED) => {
                        take_notification(inner);
                        return;
                    }
                    Err(actual) => unreachable!("parker in state {actual} while parking"),
                }
                guard.park(timeout, &auto_advance);
                // An unpark may have landed (NOTIFIED) or not (an I/O event
                // or timer woke us): either way we are awake now.
                inner.state.swap(EMPTY, Ordering::AcqRel);
                return;
            }
            let clock = driver.handle();
            if clock.is_paused() && clock.has_timers() && auto_advance() {
                // The last worker to fall idle: the one inside the driver
                // decided before we were idle, so have it decide again (the
                // paused clock may now jump to the next timer). Only then:
                // an unpark makes the holder release the driver, which
                // wakes the workers waiting for it (`driver.rs`), and with
                // no timer to jump to they would fall idle, fail to take
                // the driver and unpark it again, round and round.
                driver.unpark();
            }
        }
        self.park_condvar(timeout.map(|timeout| Instant::now() + timeout));
    }

    fn park_condvar(&self, deadline: Option<Instant>) {
        let inner = &*self.inner;
        let mut guard = inner.mutex.lock();
        match inner.state.compare_exchange(
            EMPTY,
            PARKED_CONDVAR,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                take_notification(inner);
                return;
            }
            Err(actual) => unreachable!("parker in state {actual} while parking"),
        }
        loop {
            guard = match deadline {
                None => inner.condvar.wait(guard),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    inner.condvar.wait_timeout(guard, left)
                }
            };
            // A spurious wake-up goes back to sleep, unless it is time.
            if inner
                .state
                .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Acquire)
                .is_ok()
            {
                return;
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                // Timed out; an unpark racing this swap is consumed with it
                // (the caller is awake and looks at the queues anyway).
                inner.state.swap(EMPTY, Ordering::Acquire);
                return;
            }
        }
    }
}

/// A park that found `NOTIFIED` takes it with a swap, not a store: the
/// failed exchange that saw it is a plain load, which may have read an
/// earlier unpark's `NOTIFIED`, and another unpark may have swapped in its
/// own since. Only a read of the latest value synchronises with that one's
/// caller (its queued task, or the shutdown flag); a store would erase its
/// notification unseen, and the worker could sleep through it.
fn take_notification(inner: &Inner) {
    let state = inner.state.swap(EMPTY, Ordering::Acquire);
    debug_assert_eq!(state, NOTIFIED, "only the parker leaves NOTIFIED");
}

impl Unparker {
    /// Whether the worker is awake (not asleep in its park).
    pub(crate) fn is_awake(&self) -> bool {
        // Relaxed: a hint for `remote_free.rs` (rule 3); a worker that falls
        // asleep right after frees what it was handed when it wakes.
        matches!(self.inner.state.load(Ordering::Relaxed), EMPTY | NOTIFIED)
    }

    pub(crate) fn unpark(&self) {
        self.inner.unpark();
    }
}

impl Inner {
    fn unpark(&self) {
        let inner = self;
        // Release: publishes the work the caller queued before waking.
        match inner.state.swap(NOTIFIED, Ordering::AcqRel) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the lock orders this notify after the sleeper's
                // wait began (it holds the lock from its check to its wait).
                drop(inner.mutex.lock());
                inner.condvar.notify_one();
            }
            PARKED_DRIVER => {
                if let Some(driver) = &inner.driver {
                    driver.unpark();
                }
            }
            actual => unreachable!("parker in unknown state {actual}"),
        }
    }
}

/// The driver cell's waiters are wakers (`Parker::waker`).
impl Wake for Inner {
    fn wake(self: Arc<Self>) {
        self.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.unpark();
    }
}
