//! The process-wide part of signal handling: the pipe, one slot per signal
//! number, the handler, and the dispatch a driver runs when the pipe turns
//! readable (rules 1-5 of the [module docs](super)).

use std::io::{self, Read, Write};
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::task::{Context, Poll, Waker};

use crate::driver::Handle;
use crate::sync::{Mutex, OnceLock, Ordering, StdAtomicBool};

/// Signal numbers below this have a slot: every standard and real-time
/// signal on Linux (1 to 64) and the BSDs (1 to 31).
pub(super) const SLOTS: usize = 65;

struct Globals {
    /// Written by the handler (rule 2); non-blocking.
    sender: UnixStream,
    /// Each driver registers a duplicate of it; non-blocking.
    receiver: UnixStream,
    slots: [Slot; SLOTS],
}

struct Slot {
    /// Set by the handler, taken by a dispatch (rules 2, 3).
    pending: StdAtomicBool,
    /// Whether this number's handler is installed (rule 1).
    installed: Mutex<bool>,
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    /// Deliveries dispatched so far (rule 4).
    generation: u64,
    /// The id the next listener gets.
    next_id: u64,
    /// Listeners waiting for the next generation.
    wakers: Vec<(u64, Waker)>,
}

static GLOBALS: OnceLock<Globals> = OnceLock::new();

fn globals() -> io::Result<&'static Globals> {
    if let Some(globals) = GLOBALS.get() {
        return Ok(globals);
    }
    let (sender, receiver) = UnixStream::pair()?;
    sender.set_nonblocking(true)?;
    receiver.set_nonblocking(true)?;
    let made = Globals {
        sender,
        receiver,
        slots: std::array::from_fn(|_| Slot {
            pending: StdAtomicBool::new(false),
            installed: Mutex::new(false),
            waiters: Mutex::new(Waiters::default()),
        }),
    };
    // Two threads may race here; the loser's pipe is dropped unused.
    Ok(GLOBALS.get_or_init(|| made))
}

/// A duplicate of the pipe's reading end, for a driver to register.
pub(crate) fn receiver() -> io::Result<mio::net::UnixStream> {
    let receiver = globals()?.receiver.try_clone()?;
    // Non-blocking already: the flag belongs to the shared open file.
    Ok(mio::net::UnixStream::from_std(receiver))
}

/// The signal handler: runs on whatever thread the signal interrupts, so it
/// only stores to an atomic and writes to a non-blocking socket, both
/// async-signal-safe (rule 2).
fn on_signal(signum: usize) {
    let Some(globals) = GLOBALS.get() else { return };
    // Release: the dispatch that reads this byte sees the flag (rule 3).
    globals.slots[signum].pending.store(true, Ordering::Release);
    let _ = (&globals.sender).write(&[1]);
}

/// Reads `receiver` empty; the driver then calls [`wake_delivered`], after
/// releasing the lock that keeps `receiver` from its shutdown (rules 3, 4).
pub(crate) fn drain(receiver: &mio::net::UnixStream) {
    let mut buf = [0u8; 64];
    loop {
        match (&*receiver).read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            // `WouldBlock`: empty, and the edge-triggered registration is
            // armed again.
            Err(_) => break,
        }
    }
}

/// Wakes the listeners of every kind delivered since the last call, after a
/// [`drain`] of the pipe (rules 3, 4).
pub(crate) fn wake_delivered() {
    let Some(globals) = GLOBALS.get() else { return };
    for slot in &globals.slots {
        if slot.pending.swap(false, Ordering::AcqRel) {
            let woken = {
                let mut waiters = slot.waiters.lock();
                waiters.generation += 1;
                std::mem::take(&mut waiters.wakers)
            };
            for (_, waker) in woken {
                waker.wake();
            }
        }
    }
}

/// Wakes every listener of every kind, so that those of a driver that just
/// shut down see it (rule 6); the others find nothing new and wait again.
pub(crate) fn wake_all() {
    let Some(globals) = GLOBALS.get() else { return };
    for slot in &globals.slots {
        let woken = std::mem::take(&mut slot.waiters.lock().wakers);
        for (_, waker) in woken {
            waker.wake();
        }
    }
}

/// One listener's place in its kind's slot.
pub(super) struct Listener {
    slot: &'static Slot,
    id: u64,
    /// The generation last reported (rule 5).
    seen: u64,
    /// The driver that delivers to this listener.
    driver: Handle,
}

impl Listener {
    /// Installs the handler of `signum` if it is not yet (rule 1), makes
    /// sure `driver` watches the pipe, and starts listening from the
    /// current generation.
    pub(super) fn new(signum: c_int, driver: Handle) -> io::Result<Listener> {
        let index = usize::try_from(signum)
            .ok()
            .filter(|&index| index > 0 && index < SLOTS)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "signal number {signum} is out of range (1 to {})",
                        SLOTS - 1
                    ),
                )
            })?;
        if signal_hook_registry::FORBIDDEN.contains(&signum) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "signal {signum} cannot be listened for: the OS does not let a process \
                     catch it, or catching it would hide a crash"
                ),
            ));
        }
        let globals = globals()?;
        let slot = &globals.slots[index];
        driver.watch_signals()?;
        {
            let mut installed = slot.installed.lock();
            if !*installed {
                // SAFETY: `on_signal` is async-signal-safe (see there), and
                // `signum` is not one of the forbidden signals (checked
                // above).
                unsafe { signal_hook_registry::register(signum, move || on_signal(index)) }?;
                *installed = true;
            }
        }
        let mut waiters = slot.waiters.lock();
        let id = waiters.next_id;
        waiters.next_id += 1;
        Ok(Listener {
            slot,
            id,
            seen: waiters.generation,
            driver,
        })
    }

    /// Ready with `Some` when a delivery came since the last one reported,
    /// with `None` once the driver has shut down and none did.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let mut waiters = self.slot.waiters.lock();
        if waiters.generation != self.seen {
            self.seen = waiters.generation;
            return Poll::Ready(Some(()));
        }
        if self.driver.is_shutdown() {
            return Poll::Ready(None);
        }
        match waiters.wakers.iter_mut().find(|(id, _)| *id == self.id) {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => waiters.wakers.push((self.id, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let id = self.id;
        self.slot
            .waiters
            .lock()
            .wakers
            .retain(|(waiting, _)| *waiting != id);
    }
}
