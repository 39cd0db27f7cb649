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
//! This is the whole of what the runtime (`braid`) uses from this module;
//! whatever it needs to know about the driver, it asks through these calls.
//!
//! 1. **Build.** `Driver::with_blocking(start_paused, pool)`, where `pool` is
//!    a [`BlockingSpawner`] onto the runtime's blocking pool (host-name
//!    lookups run there). The runtime keeps the [`Driver`] behind a
//!    try-lock, so that one worker at a time can take it, and a
//!    [`Driver::handle`] clone beside it.
//! 2. **Enter.** Every thread that polls the runtime's tasks or futures
//!    holds [`handle.enter()`](Handle::enter) while it does, so that the
//!    `net` and `time` types find the driver: a worker for its whole life,
//!    a `block_on` call, a blocking-pool thread running a call, a thread
//!    holding the runtime's own enter guard.
//! 3. **Turn with a timeout, when idle.** A worker with nothing to run that
//!    takes the driver calls [`driver.park(timeout, all_idle)`](Driver::park),
//!    where `timeout` is `None` or the worker's own re-check deadline, and
//!    `all_idle()` is true when no other worker, no blocking call and no
//!    `block_on` poll is running. The park returns on an I/O event, a due
//!    timer, the timeout or an unpark; with a paused clock and `all_idle()`
//!    true, it jumps the clock to the next timer instead of blocking (rule
//!    4 below). Then the worker re-checks its queues. An idle worker that
//!    finds the driver taken sleeps on its condvar instead.
//! 4. **Let a paused clock decide again.** The worker in step 3 asked
//!    `all_idle` when it parked. With a paused clock
//!    ([`handle.is_paused()`](Handle::is_paused)), a thread that falls idle
//!    after that calls [`handle.unpark()`](Handle::unpark), so the parked
//!    worker asks again and the clock can jump: an idle worker that could
//!    not take the driver, when every other thread is idle too and
//!    [`handle.has_timers()`](Handle::has_timers) (with no timer to jump
//!    to, the woken holder would release the driver, wake the workers
//!    waiting for it, and they would unpark it again, round and round); a
//!    `block_on` thread whose future is pending; the blocking pool when its
//!    last call returns.
//! 5. **Wake.** After queueing work for a worker that may be parked in the
//!    driver: `handle.unpark()` (cheap when nobody is parked: one flag
//!    swap, rule 3).
//! 6. **Turn without blocking, when busy.** Every 61 scheduler ticks (the
//!    runtime's maintenance interval), if it can take the driver without
//!    waiting, a worker calls `driver.park(Some(Duration::ZERO), &|| false)`,
//!    so that CPU-bound tasks cannot starve I/O and timers.
//! 7. **Metrics.** [`handle.io_ready_count()`](Handle::io_ready_count) is the
//!    runtime's `io_driver_ready_count`.
//! 8. **Shutdown.** After the workers have stopped and their tasks are
//!    cancelled: [`driver.shutdown()`](Driver::shutdown) (dropping the driver
//!    does it too).
//!
//! The runtime's own "outside a runtime" panics use [`NO_RUNTIME`], so every
//! such mistake reads the same. It never asks for the next timer's
//! deadline: `park` bounds its own wait by it. A current-thread runtime
//! follows the same steps with its one thread; [`block_on`] is the smallest
//! such loop (poll; if pending, `driver.park(None, &|| true)`; its waker
//! calls `handle.unpark()`), for this crate's examples and tests.
//!
//! # Rules the implementation keeps
//!
//! 1. Wakers are collected under a lock and woken after releasing it.
//! 2. A mio token carries the slab slot's generation; an event whose
//!    generation is stale is dropped.
//! 3. `Handle::unpark` writes the mio waker at most once per park: a flag
//!    records that a wake is pending, and the park that consumes the waker
//!    event clears it.
//! 4. A paused clock jumps only inside `Driver::park`, only to the next
//!    timer and never more than the park's timeout ahead, and only when
//!    `auto_advance` returns true asked under the timer lock at the moment
//!    of the jump, with no unpark pending. A park that finds `auto_advance`
//!    true as it begins first makes a non-blocking turn, and does not jump
//!    if that turn saw an I/O event or an unpark.
//! 5. A turn that may not block (a zero wait: step 6, or a timer already
//!    due) skips the OS poll while no socket and no signal pipe is
//!    registered: the poll could only report an unpark, which matters only
//!    to a park that blocks. The waker's event stays pending meanwhile, and
//!    so does rule 3's flag, so unparks in between write nothing and the
//!    next poll that would block returns at once, as after any unpark. A
//!    runtime busy with computation alone then makes no system call for
//!    its driver; a socket registered during the skipped turn is polled by
//!    the next turn, as it would be had it been registered just after.

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
pub(crate) use readiness::Ready;
#[cfg(loom)]
pub(crate) use readiness::ReadyEvent;
pub(crate) use registration::Registration;

use crate::sync::{Arc, Ordering};
use crate::time::Park;
pub(crate) use scheduled_io::ScheduledIo;
#[cfg(loom)]
pub(crate) use slab::Slab;
use std::fmt;
use std::io;
use std::task::Waker;
use std::time::Duration;

/// Wakers of fired timers whose room a driver keeps between parks: a
/// burst (a hundred thousand timeouts due in the same millisecond) would
/// otherwise hold its buffer's memory for the driver's life.
const FIRED_KEPT: usize = 1024;

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
    /// The registrations a turn wakes, kept between turns so that a turn
    /// allocates nothing.
    woken: Vec<(Arc<ScheduledIo>, Ready)>,
    /// The wakers of the timers a park fires, kept as `woken` is, up to
    /// [`FIRED_KEPT`] of them after a burst.
    fired: Vec<Waker>,
    is_shutdown: bool,
}

impl Driver {
    /// A new driver; `start_paused` starts the test clock paused at "now".
    /// Its sockets' blocking calls (host-name lookups) each start a thread;
    /// the runtime uses [`Driver::with_blocking`] instead (step 1 of the
    /// [module docs](self)).
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
    /// lookups) through `blocking`: the runtime passes its blocking pool
    /// when it builds (step 1 of the [module docs](self)). [`Driver::new`]
    /// starts a thread per call instead.
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
            woken: Vec::new(),
            fired: Vec::new(),
            is_shutdown: false,
        })
    }

    /// A handle to this driver, for everything but the park itself (see
    /// [`Handle`]); every handle refers to the same driver.
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
    /// without blocking. With no timer pending it blocks as usual. It is
    /// asked only with a paused clock, at most twice per park, the second
    /// time under the timer lock, and an unpark pending at that moment
    /// stops the jump too (rule 4 of the [module docs](self)).
    ///
    /// The runtime calls it from an idle worker (step 3) and, with
    /// `Some(Duration::ZERO)` and `&|| false`, from a busy one (step 6).
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
        let Driver {
            shared,
            poller,
            woken,
            fired,
            ..
        } = self;
        let timers = &shared.timers;
        let paused = timers.clock().is_paused();
        // The paused clock may only jump when nothing else is pending, so
        // look for events and unparks first.
        if !(paused && auto_advance() && turn(poller, shared, woken, Some(Duration::ZERO))) {
            // Asked again under the timer lock, at the moment of the jump:
            // a thread that was busy when this park began may have
            // registered a timer since, or queued work for this thread and
            // unparked it after the turn above. The flag is read after
            // `auto_advance`: whoever unparked and then fell idle made its
            // unpark visible to the look that saw it idle.
            let auto_advance =
                || paused && auto_advance() && !shared.notified.load(Ordering::Acquire);
            match timers.prepare_park(timeout, &auto_advance) {
                Park::Advanced => {}
                Park::Wait(wait) => {
                    // Rule 5: a turn that may not block polls the OS only
                    // if it has something to report.
                    if wait != Some(Duration::ZERO) || shared.has_sources() {
                        turn(poller, shared, woken, wait);
                    }
                    timers.finish_park();
                }
            }
        }
        timers.fire_due(fired);
        fired.shrink_to(FIRED_KEPT);
    }

    /// Runtime shutdown: every task waiting on a socket or a timer is woken.
    /// A socket operation then fails with an `io::Error` saying the runtime
    /// shut down, and so does registering a new socket; polling a sleep that
    /// had not completed panics with a message saying the same (a sleep
    /// cannot complete early, and waiting forever would hang). The runtime
    /// calls it once its workers have stopped (step 8 of the
    /// [module docs](self)); `Drop` calls it if the runtime did not.
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
///
/// `woken` is the driver's buffer of registrations to wake, empty before
/// and after; one poll returns at most `EVENTS_CAPACITY` events, which
/// bounds it.
fn turn(
    poller: &mut sys::Poller,
    shared: &Shared,
    woken: &mut Vec<(Arc<ScheduledIo>, Ready)>,
    timeout: Option<Duration>,
) -> bool {
    if let Err(error) = poller.poll(timeout) {
        panic!("the braid I/O driver failed to poll the OS: {error}");
    }
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
    for (scheduled, ready) in woken.drain(..) {
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
    use crate::signal::registry;
    // Rule 1: the pipe is read under the lock that keeps it from shutdown,
    // the listeners are woken once it is released.
    let drained = shared.signals.lock().as_ref().map(registry::drain);
    if drained.is_some() {
        registry::wake_delivered();
    }
}

#[cfg(not(all(unix, not(loom))))]
fn dispatch_signals(_shared: &Shared) {}

#[cfg(all(test, not(loom)))]
mod tests;
