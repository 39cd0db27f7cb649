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
//! 1. At build: `Driver::new(start_paused)`; keep the `Driver` where one
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
mod context;
mod readiness;
mod registration;
mod scheduled_io;
mod slab;
mod sys;
mod waiters;

pub use block_on::block_on;
pub use context::EnterGuard;
pub(crate) use context::with_current;
pub(crate) use readiness::Direction;
#[cfg(loom)]
pub(crate) use readiness::{Ready, ReadyEvent};
pub(crate) use registration::Registration;

use crate::sync::{Arc, AtomicBool, Mutex, Ordering};
use crate::time::{Park, Timers};
pub(crate) use scheduled_io::ScheduledIo;
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

/// A cheap, shareable reference to a [`Driver`]: registers sockets and
/// timers and interrupts a park from any thread.
///
/// # Examples
///
/// ```
/// use braid_reactor::driver::{Driver, Handle};
///
/// let driver = Driver::new(false)?;
/// let handle = driver.handle();
/// std::thread::spawn(move || handle.unpark()).join().unwrap();
/// assert!(Handle::try_current().is_none());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

/// State reachable from every handle.
struct Shared {
    registry: sys::Registry,
    io: Mutex<IoState>,
    /// A wake of the mio waker is pending (rule 3).
    notified: AtomicBool,
    timers: Timers,
}

#[derive(Debug, Default)]
struct IoState {
    slab: Slab,
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
        let (poller, registry) = sys::open()?;
        let shared = Arc::new(Shared {
            registry,
            io: Mutex::new(IoState::default()),
            notified: AtomicBool::new(false),
            timers: Timers::new(start_paused),
        });
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

impl Handle {
    /// Interrupts a [`Driver::park`] in progress on any thread; if none is in
    /// progress, the next park returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut driver = braid_reactor::driver::Driver::new(false)?;
    /// driver.handle().unpark();
    /// driver.park(None, &|| false); // does not block
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn unpark(&self) {
        self.shared.unpark();
    }

    /// Makes this the current driver of the thread (for the `net` and `time`
    /// types) until the guard drops; guards nest and restore the previous
    /// one.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::driver::{Driver, Handle};
    ///
    /// let driver = Driver::new(false)?;
    /// let _guard = driver.handle().enter();
    /// assert!(Handle::try_current().is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn enter(&self) -> EnterGuard {
        context::enter(self.clone())
    }

    /// The current driver, or `None` outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(braid_reactor::driver::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        with_current(|current| current.cloned())
    }

    /// The current driver.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the mistake.
    #[track_caller]
    pub(crate) fn current() -> Handle {
        // A `match`, not `unwrap_or_else`: a closure would end the chain of
        // `#[track_caller]` frames, and the panic would point here instead
        // of at the user's call to `sleep`, `interval` or `timeout`.
        match Handle::try_current() {
            Some(handle) => handle,
            None => no_runtime(),
        }
    }

    /// Whether the driver's clock is the paused test clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let driver = braid_reactor::driver::Driver::new(true)?;
    /// assert!(driver.handle().is_paused());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_paused(&self) -> bool {
        self.shared.timers.clock().is_paused()
    }

    /// Sockets registered with this driver and not yet dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let driver = braid_reactor::driver::Driver::new(false)?;
    /// assert_eq!(driver.handle().io_registration_count(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(hidden)]
    pub fn io_registration_count(&self) -> usize {
        self.shared.io.lock().slab.len()
    }

    /// Timers waiting in the wheel (not fired, not cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// let driver = braid_reactor::driver::Driver::new(true)?;
    /// assert_eq!(driver.handle().timer_entry_count(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(hidden)]
    pub fn timer_entry_count(&self) -> usize {
        self.shared.timers.len()
    }

    pub(crate) fn timers(&self) -> &Timers {
        &self.shared.timers
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
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
    {
        let io = shared.io.lock();
        for (token, ready) in poller.events() {
            saw_event = true;
            if token == sys::WAKER_TOKEN {
                shared.notified.store(false, Ordering::Release);
            } else if let Some(scheduled) = io.slab.get(token) {
                woken.push((scheduled.clone(), ready));
            }
        }
    }
    // Rule 1: dispatch (which wakes) outside the slab lock.
    for (scheduled, ready) in woken {
        scheduled.dispatch(ready);
    }
    saw_event
}

/// What a braid function called outside any runtime panics with; the
/// runtime's own functions (`spawn`, `Handle::current`) say the same.
///
/// # Examples
///
/// ```
/// use braid_reactor::driver::NO_RUNTIME;
///
/// let panicked = std::panic::catch_unwind(|| braid_reactor::time::sleep(Default::default()));
/// let message = *panicked.unwrap_err().downcast::<String>().unwrap();
/// assert_eq!(message, NO_RUNTIME);
/// ```
#[doc(hidden)]
pub const NO_RUNTIME: &str = "must be called from the context of a braid runtime: \
     inside `Runtime::block_on`, a task spawned on a runtime, or a thread \
     that entered one";

/// The panic for net and time types used outside a runtime.
#[track_caller]
pub(crate) fn no_runtime() -> ! {
    panic!("{NO_RUNTIME}")
}

impl Shared {
    fn unpark(&self) {
        // Rule 3: one waker write per park is enough.
        if !self.notified.swap(true, Ordering::AcqRel) {
            if let Err(error) = self.registry.wake() {
                panic!("the braid I/O driver failed to wake its poller: {error}");
            }
        }
    }

    fn insert_registration(&self) -> io::Result<(usize, Arc<ScheduledIo>)> {
        let mut io = self.io.lock();
        if io.is_shutdown {
            return Err(shutdown_error());
        }
        io.slab
            .insert()
            .map_err(|_| io::Error::other("the braid I/O driver has no free registration slot"))
    }

    fn remove_registration(&self, token: usize) {
        let _ = self.io.lock().slab.remove(token);
    }
}
