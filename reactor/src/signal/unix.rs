//! Unix signals of any kind: [`signal`] makes a [`Signal`] listener, whose
//! [`recv`](Signal::recv) waits for the next delivery.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::raw::c_int;
use std::task::{Context, Poll};

use super::registry::Listener;
use crate::driver::Handle;

/// A kind of signal, by its number.
///
/// # Examples
///
/// ```
/// use braid::signal::unix::SignalKind;
///
/// let hangup = SignalKind::hangup();
/// assert_eq!(SignalKind::from_raw(hangup.as_raw_value()), hangup);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(c_int);

impl SignalKind {
    /// The kind with signal number `signum`, for signals without a
    /// constructor of their own. [`signal`] refuses numbers the OS has no
    /// signal for, and those that cannot be caught.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::from_raw(libc::SIGWINCH), SignalKind::window_change());
    /// ```
    pub const fn from_raw(signum: c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn as_raw_value(&self) -> c_int {
        self.0
    }

    /// SIGINT: the terminal's interrupt key, usually Ctrl-C.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM: a request to terminate, sent by `kill` and service managers.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP: the terminal went away; daemons often reload on it.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGQUIT: the terminal's quit key, usually Ctrl-\\.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGUSR1, for the application's own use.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2, for the application's own use.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGCHLD: a child process exited or stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::child().as_raw_value(), libc::SIGCHLD);
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGALRM: a timer set by `alarm` or `setitimer` expired.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::alarm().as_raw_value(), libc::SIGALRM);
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGPIPE: a write to a pipe or socket with no reader.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::pipe().as_raw_value(), libc::SIGPIPE);
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGWINCH: the terminal's window changed size.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(braid::signal::unix::SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<c_int> for SignalKind {
    fn from(signum: c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for c_int {
    fn from(kind: SignalKind) -> c_int {
        kind.as_raw_value()
    }
}

/// Listens for one kind of signal; made by [`signal`].
///
/// Every listener sees every delivery of its kind made after it was
/// created, however many listen; deliveries that come between two calls of
/// [`recv`](Signal::recv) are reported once.
///
/// # Examples
///
/// ```
/// use braid::signal::unix::{SignalKind, signal};
///
/// braid::Runtime::new().unwrap().block_on(async {
///     let mut first = signal(SignalKind::user_defined2())?;
///     let mut second = signal(SignalKind::user_defined2())?;
///     // SAFETY: raising a signal whose handler is installed (above).
///     unsafe { libc::raise(libc::SIGUSR2) };
///     assert_eq!(first.recv().await, Some(()));
///     assert_eq!(second.recv().await, Some(()));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Signal {
    listener: Listener,
}

impl Signal {
    /// Waits for the next delivery: `Some(())` when one came since the last
    /// call, `None` once the runtime the listener was made on has shut down.
    ///
    /// Cancel safe: dropping the future loses no delivery.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::signal::unix::{SignalKind, signal};
    ///
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut reloads = signal(SignalKind::hangup())?;
    ///     // SAFETY: raising a signal whose handler is installed (above).
    ///     unsafe { libc::raise(libc::SIGHUP) };
    ///     assert_eq!(reloads.recv().await, Some(()));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// [`recv`](Signal::recv) as a poll, for hand-written futures: ready as
    /// `recv` would be, otherwise `cx`'s waker is woken at the next
    /// delivery (only the waker of the latest call).
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::signal::unix::{SignalKind, signal};
    /// use std::future::poll_fn;
    ///
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let mut alarms = signal(SignalKind::alarm())?;
    ///     // SAFETY: raising a signal whose handler is installed (above).
    ///     unsafe { libc::raise(libc::SIGALRM) };
    ///     assert_eq!(poll_fn(|cx| alarms.poll_recv(cx)).await, Some(()));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.listener.poll_recv(cx)
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").finish_non_exhaustive()
    }
}

/// Starts listening for `kind`; deliveries from now on are reported by the
/// returned [`Signal`].
///
/// The first listener of a kind installs the process's handler for it, and
/// it stays installed (see the [module docs](super)): the signal's default
/// action, such as ending the process, no longer happens.
///
/// # Errors
///
/// `InvalidInput` for a number that is not a signal braid can listen for
/// (out of range, or one that cannot be caught: SIGKILL, SIGSTOP, SIGILL,
/// SIGFPE, SIGSEGV); the OS's error when the handler cannot be installed or
/// the pipe cannot be made.
///
/// # Panics
///
/// Outside a braid runtime.
///
/// # Examples
///
/// ```
/// use braid::signal::unix::{SignalKind, signal};
///
/// braid::Runtime::new().unwrap().block_on(async {
///     assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
///     let mut user = signal(SignalKind::user_defined1())?;
///     // SAFETY: raising a signal whose handler is installed (above).
///     unsafe { libc::raise(libc::SIGUSR1) };
///     assert_eq!(user.recv().await, Some(()));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let driver = Handle::current();
    Ok(Signal {
        listener: Listener::new(kind.as_raw_value(), driver)?,
    })
}
