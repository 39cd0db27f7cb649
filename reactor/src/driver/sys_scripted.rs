//! The OS poller under `--cfg loom`: the same interface as `sys.rs`, with
//! the readiness a model scripts instead of the OS's.
//!
//! Loom cannot run `epoll` (a blocked system call would stall every
//! modelled thread, which share one OS thread) and has no clock. So:
//!
//! 1. A model delivers readiness for a registered token with
//!    [`Registry::deliver`]; the next poll returns it, once, as the OS
//!    reports an edge.
//! 2. [`Registry::wake`] makes the next poll (or the one blocked now)
//!    return the waker's token, as `mio::Waker` does.
//! 3. A poll with a timeout returns at once with what is pending: a
//!    timeout may expire at any moment, and loom must replay each
//!    execution exactly. A poll without one blocks on a modelled condvar
//!    until an event or a wake is pending.

use super::readiness::Ready;
use crate::sync::{Arc, Condvar, Mutex};
use mio::Interest;
use mio::event::Source;
use std::io;
use std::time::Duration;

/// The token of the waker that interrupts a blocked poll.
pub(crate) const WAKER_TOKEN: usize = usize::MAX;

/// What the scripted OS has to report, and the condvar a blocked poll
/// sleeps on.
#[derive(Debug, Default)]
struct Script {
    pending: Mutex<Pending>,
    condvar: Condvar,
}

#[derive(Debug, Default)]
struct Pending {
    events: Vec<(usize, Ready)>,
    woken: bool,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.events.is_empty() && !self.woken
    }
}

/// The blocking half, owned by whichever thread turns the driver.
#[derive(Debug)]
pub(crate) struct Poller {
    script: Arc<Script>,
    events: Vec<(usize, Ready)>,
}

/// The shared half: registration, wake-up, and the script's input.
#[derive(Debug)]
pub(crate) struct Registry {
    script: Arc<Script>,
}

/// Opens the scripted poller.
pub(crate) fn open() -> io::Result<(Poller, Registry)> {
    let script = Arc::new(Script::default());
    let poller = Poller {
        script: script.clone(),
        events: Vec::new(),
    };
    Ok((poller, Registry { script }))
}

impl Poller {
    /// Takes what is pending; without a timeout, first waits until
    /// something is (rule 3).
    pub(crate) fn poll(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let script = &*self.script;
        let mut pending = script.pending.lock();
        if timeout.is_none() {
            while pending.is_empty() {
                pending = script.condvar.wait(pending);
            }
        }
        self.events = std::mem::take(&mut pending.events);
        if std::mem::take(&mut pending.woken) {
            self.events.push((WAKER_TOKEN, Ready::READABLE));
        }
        Ok(())
    }

    /// The events of the last poll, as (token, readiness).
    pub(crate) fn events(&self) -> impl Iterator<Item = (usize, Ready)> + '_ {
        self.events.iter().copied()
    }
}

impl Registry {
    /// Nothing to tell an OS: the script delivers the events of `token`.
    pub(crate) fn register(
        &self,
        _source: &mut impl Source,
        _token: usize,
        _interest: Interest,
    ) -> io::Result<()> {
        Ok(())
    }

    /// Nothing to tell an OS either.
    pub(crate) fn deregister(&self, _source: &mut impl Source) -> io::Result<()> {
        Ok(())
    }

    /// Interrupts a poll in progress, or makes the next one return at once
    /// (rule 2).
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.script.pending.lock().woken = true;
        self.script.condvar.notify_all();
        Ok(())
    }

    /// The scripted OS reports `ready` for `token` (rule 1).
    pub(crate) fn deliver(&self, token: usize, ready: Ready) {
        self.script.pending.lock().events.push((token, ready));
        self.script.condvar.notify_all();
    }
}
