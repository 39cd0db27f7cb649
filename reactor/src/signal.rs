//! Waiting for OS signals: [`ctrl_c`], and [`unix::signal`] for any kind.
//!
//! # How a signal reaches a task
//!
//! There is no signal thread. The process has one pipe (a Unix socket
//! pair) for all signals, and each runtime's I/O driver registers its own
//! duplicate of the reading end with its poller, the first time a listener
//! is made on that runtime. Then:
//!
//! 1. The handler of a kind is installed once per process, through
//!    `signal-hook-registry`, by the first listener of that kind; every
//!    later listener shares it, and it stays installed (like Tokio's, the
//!    signal's default action, such as ending the process on SIGINT, no
//!    longer happens once a listener was made).
//! 2. The handler does only what is safe in a signal handler: it sets the
//!    kind's `pending` flag, then writes one byte to the pipe (a full pipe
//!    already holds a wake-up, so a failed write loses nothing).
//! 3. The driver that sees the pipe readable reads it empty first, then
//!    takes every kind's `pending` flag. A signal arriving between the two
//!    is either seen now or leaves a byte that makes the next turn look
//!    again, so none is lost.
//! 4. For each kind taken, the driver bumps the kind's generation and wakes
//!    every listener waiting on it, holding no lock: neither the kind's nor
//!    the one that keeps its pipe from shutdown (a waker may make a new
//!    listener, which takes that lock).
//! 5. A listener remembers the generation it last reported; `recv` is
//!    ready whenever the kind's generation differs. So every listener sees
//!    every delivery made after it was created, and several deliveries
//!    between two `recv` calls are reported once (as Tokio does).
//! 6. When the listener's runtime shuts down, its driver wakes every
//!    listener, and `recv` returns `None` once no delivery is left to
//!    report.

pub mod unix;

pub(crate) mod registry;

use std::io;

/// Waits for the next Ctrl-C (SIGINT) delivered to the process after the
/// first poll of the returned future.
///
/// The handler is installed at that first poll and stays installed: from
/// then on Ctrl-C no longer ends the process, so a program that waits for
/// it should exit once it is received.
///
/// # Errors
///
/// When the handler cannot be installed, or the runtime shuts down before
/// a Ctrl-C arrives.
///
/// # Panics
///
/// When first polled outside a braid runtime.
///
/// # Examples
///
/// ```no_run
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     println!("serving; press Ctrl-C to stop");
///     braid::signal::ctrl_c().await?;
///     println!("stopping");
///     Ok(())
/// }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
    match interrupts.recv().await {
        Some(()) => Ok(()),
        None => Err(crate::driver::shutdown_error()),
    }
}
