//! Every call into `mio::Poll`, its `Registry` and its `Waker`.
//!
//! The rest of the driver speaks in plain tokens (`usize`) and [`Ready`]
//! sets; swapping the polling backend means rewriting this file only.

use super::readiness::Ready;
use mio::event::Source;
use mio::{Events, Interest, Poll, Token};
use std::io;
use std::time::Duration;

/// The token of the waker that interrupts a blocked poll.
pub(crate) const WAKER_TOKEN: usize = usize::MAX;

/// The token of the signal pipe (see `signal.rs`). Its index bits are all
/// ones, like the waker's, which the slab never hands out.
#[cfg(all(unix, not(loom)))]
pub(crate) const SIGNAL_TOKEN: usize = usize::MAX >> 1;

/// Events one poll can return at most; more simply wait for the next turn.
const EVENTS_CAPACITY: usize = 1024;

/// The blocking half, owned by whichever thread turns the driver.
#[derive(Debug)]
pub(crate) struct Poller {
    poll: Poll,
    events: Events,
}

/// The shared half: registration and wake-up, usable from any thread.
#[derive(Debug)]
pub(crate) struct Registry {
    registry: mio::Registry,
    waker: mio::Waker,
}

/// Opens the OS poller and its waker.
pub(crate) fn open() -> io::Result<(Poller, Registry)> {
    let poll = Poll::new()?;
    let registry = poll.registry().try_clone()?;
    let waker = mio::Waker::new(&registry, Token(WAKER_TOKEN))?;
    let poller = Poller {
        poll,
        events: Events::with_capacity(EVENTS_CAPACITY),
    };
    Ok((poller, Registry { registry, waker }))
}

impl Poller {
    /// Waits up to `timeout` (forever for `None`) for events; an interrupted
    /// wait returns no events rather than an error.
    pub(crate) fn poll(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        match self.poll.poll(&mut self.events, timeout) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {
                self.events.clear();
                Ok(())
            }
            other => other,
        }
    }

    /// The events of the last poll, as (token, readiness).
    pub(crate) fn events(&self) -> impl Iterator<Item = (usize, Ready)> + '_ {
        self.events.iter().map(|event| {
            let mut ready = Ready::EMPTY;
            if event.is_readable() {
                ready = ready | Ready::READABLE;
            }
            if event.is_writable() {
                ready = ready | Ready::WRITABLE;
            }
            if event.is_read_closed() {
                ready = ready | Ready::READ_CLOSED;
            }
            if event.is_write_closed() {
                ready = ready | Ready::WRITE_CLOSED;
            }
            // A socket error surfaces through the next read or write, so
            // both directions must try one.
            if event.is_error() {
                ready = ready | Ready::READABLE | Ready::WRITABLE;
            }
            (event.token().0, ready)
        })
    }
}

impl Registry {
    /// Registers `source` edge-triggered under `token`.
    pub(crate) fn register(
        &self,
        source: &mut impl Source,
        token: usize,
        interest: Interest,
    ) -> io::Result<()> {
        self.registry.register(source, Token(token), interest)
    }

    /// Stops events for `source`.
    pub(crate) fn deregister(&self, source: &mut impl Source) -> io::Result<()> {
        self.registry.deregister(source)
    }

    /// Interrupts a poll in progress, or makes the next one return at once.
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.waker.wake()
    }
}
