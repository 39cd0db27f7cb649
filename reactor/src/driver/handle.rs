//! The shareable half of the driver: the [`Handle`] that registers sockets
//! and timers and interrupts a park from any thread, and the state behind
//! it (see the [driver docs](super) for the rules it keeps).

use super::scheduled_io::ScheduledIo;
use super::slab::Slab;
use super::{BlockingSpawner, EnterGuard, context, shutdown_error, sys, with_current};
use crate::sync::{Arc, AtomicBool, Mutex, Ordering};
use crate::time::Timers;
use std::fmt;
use std::io;

/// A cheap, shareable reference to a [`Driver`](super::Driver): registers sockets and
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
    pub(super) shared: Arc<Shared>,
}

/// State reachable from every handle.
pub(super) struct Shared {
    pub(super) registry: sys::Registry,
    pub(super) io: Mutex<IoState>,
    /// A wake of the mio waker is pending (rule 3).
    pub(super) notified: AtomicBool,
    pub(super) timers: Timers,
    /// This driver's duplicate of the signal pipe, once a listener was made
    /// on it (see `signal.rs`); taken at shutdown.
    #[cfg(all(unix, not(loom)))]
    pub(super) signals: Mutex<Option<mio::net::UnixStream>>,
    /// Runs the blocking calls of the sockets (see `blocking.rs`).
    pub(super) blocking: Box<dyn BlockingSpawner>,
}

#[derive(Debug, Default)]
pub(super) struct IoState {
    pub(super) slab: Slab,
    /// Readiness events dispatched to sockets so far.
    pub(super) ready_count: u64,
    pub(super) is_shutdown: bool,
}

impl Handle {
    /// Interrupts a [`Driver::park`](super::Driver::park) in progress on any
    /// thread; if none is in progress, the next park returns at once. Cheap
    /// when nobody is parked: one flag swap (rule 3 of the
    /// [driver docs](super)). The runtime calls it after queueing work for a
    /// worker that may be parked in the driver, and to have a parked worker
    /// decide again whether a paused clock may jump (steps 4 and 5).
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
    /// one. The runtime holds one on every thread that polls its tasks or
    /// futures (step 2 of the [driver docs](super)).
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

    /// The driver made current on this thread by [`Handle::enter`], or
    /// `None` outside a runtime.
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

    /// Whether the driver's clock is the paused test clock; fixed when the
    /// driver is made. The runtime asks it to decide whether it must let a
    /// parked worker decide again when a thread falls idle (step 4 of the
    /// [driver docs](super)); with a real clock it need not.
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

    /// Sockets registered with this driver and not yet dropped: a gauge for
    /// diagnostics and for tests that a socket's registration goes with it.
    /// The runtime does not call it. The count is exact at the moment of the
    /// call; a socket being made or dropped on another thread may change it
    /// right after.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::driver::block_on;
    /// use braid_reactor::driver::Handle;
    /// use braid_reactor::net::TcpListener;
    ///
    /// block_on(false, async {
    ///     let handle = Handle::try_current().unwrap();
    ///     assert_eq!(handle.io_registration_count(), 0);
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert_eq!(handle.io_registration_count(), 1);
    ///     drop(listener);
    ///     assert_eq!(handle.io_registration_count(), 0);
    /// });
    /// ```
    pub fn io_registration_count(&self) -> usize {
        self.shared.io.lock().slab.len()
    }

    /// Whether a timer waits in the wheel (not fired, not cancelled): the
    /// question the runtime asks before waking the worker parked in the
    /// driver to decide again whether a paused clock may jump. The clock
    /// jumps only to a timer, and only when every thread of the runtime is
    /// idle (step 4 and rule 4 of the [driver docs](super)); with no timer,
    /// waking the parked worker would gain nothing.
    ///
    /// The answer is exact at the moment of the call; a task on another
    /// thread may insert or cancel a timer right after.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::driver::Driver;
    /// use braid_reactor::time::{Duration, sleep};
    /// use std::pin::pin;
    /// use std::task::{Context, Waker};
    ///
    /// let driver = Driver::new(true)?;
    /// let handle = driver.handle();
    /// let _guard = handle.enter();
    /// assert!(!handle.has_timers());
    /// let mut nap = pin!(sleep(Duration::from_secs(1)));
    /// // A sleep enters the wheel when first polled.
    /// assert!(nap.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// assert!(handle.has_timers());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn has_timers(&self) -> bool {
        self.shared.timers.len() > 0
    }

    /// Timers waiting in the wheel (not fired, not cancelled): a gauge for
    /// diagnostics and for tests that a cancelled or fired timer leaves the
    /// wheel. The runtime asks [`has_timers`](Handle::has_timers) instead.
    /// Exact at the moment of the call, like `has_timers`.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::driver::Driver;
    /// use braid_reactor::time::{Duration, sleep};
    /// use std::task::{Context, Waker};
    ///
    /// let driver = Driver::new(true)?;
    /// let handle = driver.handle();
    /// let _guard = handle.enter();
    /// let mut nap = Box::pin(sleep(Duration::from_secs(1)));
    /// assert!(nap.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// assert_eq!(handle.timer_entry_count(), 1);
    /// drop(nap); // cancels the timer
    /// assert_eq!(handle.timer_entry_count(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn timer_entry_count(&self) -> usize {
        self.shared.timers.len()
    }

    /// Whether the driver has shut down.
    #[cfg(all(unix, not(loom)))]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shared.io.lock().is_shutdown
    }

    /// Registers the signal pipe with this driver, unless it already is.
    #[cfg(all(unix, not(loom)))]
    pub(crate) fn watch_signals(&self) -> io::Result<()> {
        let mut signals = self.shared.signals.lock();
        if signals.is_some() {
            return Ok(());
        }
        if self.is_shutdown() {
            return Err(shutdown_error());
        }
        let mut receiver = crate::signal::registry::receiver()?;
        self.shared
            .registry
            .register(&mut receiver, sys::SIGNAL_TOKEN, mio::Interest::READABLE)?;
        *signals = Some(receiver);
        Ok(())
    }

    /// Readiness events this driver has dispatched to sockets so far (the
    /// runtime's `io_driver_ready_count` metric, step 7 of the
    /// [driver docs](super)); never decreases.
    ///
    /// # Examples
    ///
    /// ```
    /// let driver = braid_reactor::driver::Driver::new(false)?;
    /// assert_eq!(driver.handle().io_ready_count(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn io_ready_count(&self) -> u64 {
        self.shared.io.lock().ready_count
    }

    /// Runs `f` where it may block (the runtime's blocking pool) and waits
    /// for its result without blocking this thread.
    ///
    /// # Errors
    ///
    /// When `f` was dropped unrun (the pool has shut down).
    pub(crate) async fn run_blocking<R, F>(&self, f: F) -> io::Result<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        super::run_blocking(&*self.shared.blocking, f).await
    }

    pub(crate) fn timers(&self) -> &Timers {
        &self.shared.timers
    }

    /// A registration in the slab, as `Registration::new` makes before it
    /// registers a socket with the OS (for `loom_harness.rs`).
    #[cfg(loom)]
    pub(crate) fn insert_registration(&self) -> io::Result<(usize, Arc<ScheduledIo>)> {
        self.shared.insert_registration()
    }

    /// Frees a slab slot, as dropping a `Registration` does.
    #[cfg(loom)]
    pub(crate) fn remove_registration(&self, token: usize) {
        self.shared.remove_registration(token);
    }

    /// The scripted OS reports `ready` for `token` (`sys_scripted.rs`).
    #[cfg(loom)]
    pub(crate) fn deliver(&self, token: usize, ready: super::Ready) {
        self.shared.registry.deliver(token, ready);
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// What a braid function called outside any runtime panics with: the
/// `net` and `time` constructors of this crate, and the runtime's own
/// functions (`spawn`, `Handle::current`), which put their name before it,
/// so every such mistake reads the same.
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
pub const NO_RUNTIME: &str = "must be called from the context of a braid runtime: \
     inside `Runtime::block_on`, a task spawned on a runtime, or a thread \
     holding the guard of `Runtime::enter` or `Handle::enter`";

/// The panic for net and time types used outside a runtime.
#[track_caller]
fn no_runtime() -> ! {
    panic!("{NO_RUNTIME}")
}

impl Shared {
    pub(super) fn new(
        registry: sys::Registry,
        start_paused: bool,
        blocking: Box<dyn BlockingSpawner>,
    ) -> Shared {
        Shared {
            registry,
            io: Mutex::new(IoState::default()),
            notified: AtomicBool::new(false),
            timers: Timers::new(start_paused),
            #[cfg(all(unix, not(loom)))]
            signals: Mutex::new(None),
            blocking,
        }
    }

    pub(super) fn unpark(&self) {
        // Rule 3: one waker write per park is enough.
        if !self.notified.swap(true, Ordering::AcqRel) {
            if let Err(error) = self.registry.wake() {
                panic!("the braid I/O driver failed to wake its poller: {error}");
            }
        }
    }

    pub(super) fn insert_registration(&self) -> io::Result<(usize, Arc<ScheduledIo>)> {
        let mut io = self.io.lock();
        if io.is_shutdown {
            return Err(shutdown_error());
        }
        io.slab
            .insert()
            .map_err(|_| io::Error::other("the braid I/O driver has no free registration slot"))
    }

    pub(super) fn remove_registration(&self, token: usize) {
        let _ = self.io.lock().slab.remove(token);
    }

    /// Whether the OS poller can report anything but an unpark: a socket or
    /// the signal pipe is registered (rule 5 of the [driver docs](super)).
    pub(super) fn has_sources(&self) -> bool {
        if self.io.lock().slab.len() > 0 {
            return true;
        }
        #[cfg(all(unix, not(loom)))]
        if self.signals.lock().is_some() {
            return true;
        }
        false
    }
}
