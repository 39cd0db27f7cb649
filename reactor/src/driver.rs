//! The driver: one `mio::Poll`, the slab of registered sockets, and the
//! timers, turned by whichever runtime worker is idle.
//!
//! There is no reactor thread. The runtime owns one [`Driver`] and hands it
//! to the worker that parks first; that worker calls [`Driver::park`], which
//! blocks in the OS poller until a socket event, a due timer, its timeout, or
//! [`Handle::unpark`] from another thread. Busy workers call
//! `park(Some(Duration::ZERO), &|| false)` now and then so I/O cannot starve.
//!
//! Everything that is not the blocking poll itself lives behind a [`Handle`]:
//! sockets register through it, timers are inserted through it, and
//! `time::advance` fires timers through it from any thread.
//!
//! # What the runtime calls, and when
//!
//! 1. At build: `Driver::with_blocking(start_paused, pool)`, where `pool`
//!    is a [`BlockingSpawner`] onto the runtime's blocking pool (host-name
//!    lookups run there); keep the `Driver` where one
//!    worker at a time can take it (e.g. `Mutex<Option<Driver>>` or a
//!    try-lock), and a [`Handle`] clone in the runtime's handle.
//! 2. On every worker thread, for its whole life, and around `block_on`:
//!    hold `handle.enter()`, so the `net` and `time` types find the driver.
//! 3. A worker with nothing to run that manages to take the driver calls
//!    `driver.park(None, all_idle)`, where `all_idle` is true when every
//!    other worker is idle and no blocking task is running (this lets a
//!    paused clock jump to the next timer). Then it re-checks its queues.
//!    Other idle workers sleep on their condvar.
//! 4. After pushing work while a worker may be parked in the driver:
//!    `handle.unpark()` (cheap when nobody is parked: one flag swap).
//! 5. A busy worker, every ~61 ticks, if it can take the driver without
//!    waiting: `driver.park(Some(Duration::ZERO), &|| false)`.
//! 6. A current-thread runtime's `block_on` loops: poll; if pending,
//!    `driver.park(None, &|| true)`; its waker calls `handle.unpark()`
//!    (`block_on` here is that loop, for this crate's own examples).
//! 7. At shutdown, after the workers stop: `driver.shutdown()` (dropping the
//!    driver does it too).
//!
//! Rules the implementation keeps:
//!
//! 1. Wakers are collected under a lock and woken after releasing it.
//! 2. A mio token carries the slab slot's generation; an event whose
//!    generation is stale is dropped.
//! 3. `Handle::unpark` writes the mio waker at most once per park: a flag
//!    records that a wake is pending, and the park that consumes the waker
//!    event clears it.

mod block_on;
mod blocking;
mod context;
mod handle;
mod readiness;
mod registration;
mod scheduled_io;
mod slab;
#[cfg(not(loom))]
mod sys;
/// The scripted poller: loom can run neither `epoll` nor a clock.
#[cfg(loom)]
#[path = "driver/sys_scripted.rs"]
mod sys;
mod waiters;

pub use block_on::block_on;
pub use blocking::BlockingSpawner;
pub(crate) use blocking::run as run_blocking;
pub use context::EnterGuard;
pub(crate) use context::with_current;
use handle::Shared;
pub use handle::{Handle, NO_RUNTIME};
pub(crate) use readiness::Direction;
#[cfg(loom)]
pub(crate) use readiness::{Ready, ReadyEvent};
pub(crate) use registration::Registration;

use crate::sync::{Arc, Ordering};
use crate::time::Park;
pub(crate) use scheduled_io::ScheduledIo;
#[cfg(loom)]
pub(crate) use slab::Slab;
use std::fmt;
use std::io;
use std::time::Duration;

/// The message every operation reports once its driver has shut down.
const SHUTDOWN_MESSAGE: &str = "the braid runtime has shut down; its sockets no longer work";

pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(SHUTDOWN_MESSAGE)
}

/// The I/O and timer driver of one runtime; see the [module docs](self).
///
/// `Send` but not `Sync`: one worker at a time parks in it.
///
/// # Examples
///
/// ```
/// use braid_reactor::driver::Driver;
/// use std::time::Duration;
///
/// let mut driver = Driver::new(false)?;
/// driver.handle().unpark();
/// // Returns at once: the unpark came first.
/// driver.park(None, &|| false);
/// driver.park(Some(Duration::ZERO), &|| false);
/// driver.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Driver {
    shared: Arc<Shared>,
    poller: sys::Poller,
    is_shutdown: bool,
}

impl Driver {
    /// A new driver; `start_paused` starts the test clock paused at "now".
    ///
    /// # Errors
    ///
    /// When the OS poller cannot be opened.
    ///
    /// # Examples
    ///
    /// ```
    /// let driver = braid_reactor::driver::Driver::new(false)?;
    /// # drop(driver);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(start_paused: bool) -> io::Result<Driver> {
        Driver::with_blocking(start_paused, Box::new(blocking::ThreadPerCall))
    }

    /// A new driver that runs the blocking calls its sockets need (host-name
    /// lookups) through `blocking`: the runtime passes its blocking pool.
    /// [`Driver::new`] starts a thread per call instead.
    ///
    /// # Errors
    ///
    /// When the OS poller cannot be opened.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::driver::{BlockingSpawner, Driver};
    ///
    /// #[derive(Debug)]
    /// struct Inline;
    ///
    /// impl BlockingSpawner for Inline {
    ///     fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
    ///         work(); // only for a driver whose callers may block
    ///     }
    /// }
    ///
    /// let driver = Driver::with_blocking(false, Box::new(Inline))?;
    /// # drop(driver);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_blocking(
        start_paused: bool,
        blocking: Box<dyn BlockingSpawner>,
    ) -> io::Result<Driver> {
        let (poller, registry) = sys::open()?;
        let shared = Arc::new(Shared::new(registry, start_paused, blocking));
        Ok(Driver {
            shared,
            poller,
            is_shutdown: false,
        })
    }

    /// A handle to this driver.
    ///
    /// # Examples
    ///
    /// ```
    /// let driver = braid_reactor::driver::Driver::new(false)?;
    /// let _guard = driver.handle().enter();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.shared.clone(),
        }
    }

    /// Blocks until an I/O event, a due timer, `timeout` elapses (`None`:
    /// no limit), or [`Handle::unpark`] is called from any thread; then
    /// dispatches the readiness it saw to the waiting tasks and fires the
    /// due timers. The wait is the shorter of `timeout` and the time to the
    /// next timer. `Some(Duration::ZERO)` is a non-blocking turn.
    ///
    /// `auto_advance` says that every other worker is idle and no blocking
    /// work is running. Then, if the clock is paused and a non-blocking turn
    /// finds no I/O event and no unpark, the paused clock jumps to the next
    /// timer (never more than `timeout` ahead) and fires what is due,
    /// without blocking. With no timer pending it blocks as usual.
    ///
    /// # Panics
    ///
    /// If the OS poller fails for a reason other than an interrupted wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::driver::Driver;
    /// use braid_reactor::time::{Duration, Instant, sleep};
    /// use std::pin::pin;
    /// use std::task::{Context, Waker};
    ///
    /// let mut driver = Driver::new(true)?;
    /// let _guard = driver.handle().enter();
    /// let start = Instant::now();
    /// let mut nap = pin!(sleep(Duration::from_secs(10)));
    /// assert!(nap.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// driver.park(None, &|| true); // paused and idle: jumps to the timer
    /// assert_eq!(start.elapsed(), Duration::from_secs(10));
    /// assert!(nap.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn park(&mut self, timeout: Option<Duration>, auto_advance: &dyn Fn() -> bool) {
        let Driver { shared, poller, .. } = self;
        let timers = &shared.timers;
        let paused = timers.clock().is_paused();
        // The paused clock may only jump when nothing else is pending, so
        // look for events and unparks first.
        if !(paused && auto_advance() && turn(poller, shared, Some(Duration::ZERO))) {
            // Asked again under the timer lock, at the moment of the jump:
            // a thread that was busy when this park began may have
            // registered a timer since.
            let auto_advance = || paused && auto_advance();
            match timers.prepare_park(timeout, &auto_advance) {
                Park::Advanced => {}
                Park::Wait(wait) => {
                    turn(poller, shared, wait);
                    timers.finish_park();
                }
            }
        }
        timers.fire_due();
    }

    /// Runtime shutdown: every task waiting on a socket or a timer is woken.
    /// A socket operation then fails with an `io::Error` saying the runtime
    /// shut down, and so does registering a new socket; polling a sleep that
    /// had not completed panics with a message saying the same (a sleep
    /// cannot complete early, and waiting forever would hang). Called by
    /// `Drop` if the runtime did not call it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut driver = braid_reactor::driver::Driver::new(false)?;
    /// driver.shutdown();
    /// driver.shutdown(); // idempotent
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown(&mut self) {
        if self.is_shutdown {
            return;
        }
        self.is_shutdown = true;
        let registrations: Vec<Arc<ScheduledIo>> = {
            let mut io = self.shared.io.lock();
            io.is_shutdown = true;
            io.slab.iter().cloned().collect()
        };
        for scheduled in registrations {
            scheduled.shutdown();
        }
        self.shared.timers.shutdown();
        #[cfg(all(unix, not(loom)))]
        {
            // Rule 6 of signal.rs: listeners see the shutdown.
            drop(self.shared.signals.lock().take());
            crate::signal::registry::wake_all();
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("is_shutdown", &self.is_shutdown)
            .finish_non_exhaustive()
    }
}

/// One poll of the OS and dispatch of its events; says whether it saw
/// any event or unpark.
fn turn(poller: &mut sys::Poller, shared: &Shared, timeout: Option<Duration>) -> bool {
    if let Err(error) = poller.poll(timeout) {
        panic!("the braid I/O driver failed to poll the OS: {error}");
    }
    let mut woken = Vec::new();
    let mut saw_event = false;
    let mut saw_signal = false;
    {
        let mut io = shared.io.lock();
        for (token, ready) in poller.events() {
            saw_event = true;
            if token == sys::WAKER_TOKEN {
                // A swap, not a store: with the unparkers' swaps it forms
                // one chain of read-modify-writes, so an unpark after this
                // one always sees `false` and writes the waker (loom's
                // model of a plain store racing an earlier swap may let a
                // later swap read that earlier `true`).
                shared.notified.swap(false, Ordering::AcqRel);
            } else if is_signal_token(token) {
                saw_signal = true;
            } else if let Some(scheduled) = io.slab.get(token) {
                woken.push((scheduled.clone(), ready));
            }
        }
        io.ready_count += woken.len() as u64;
    }
    // Rule 1: dispatch (which wakes) outside the slab lock.
    for (scheduled, ready) in woken {
        scheduled.dispatch(ready);
    }
    if saw_signal {
        dispatch_signals(shared);
    }
    saw_event
}

#[cfg(all(unix, not(loom)))]
fn is_signal_token(token: usize) -> bool {
    token == sys::SIGNAL_TOKEN
}

#[cfg(not(all(unix, not(loom))))]
fn is_signal_token(_token: usize) -> bool {
    false
}

#[cfg(all(unix, not(loom)))]
fn dispatch_signals(shared: &Shared) {
    if let Some(receiver) = shared.signals.lock().as_ref() {
        crate::signal::registry::dispatch(receiver);
    }
}

#[cfg(not(all(unix, not(loom))))]
fn dispatch_signals(_shared: &Shared) {}
