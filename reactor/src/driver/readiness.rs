//! The readiness word of one registration.
//!
//! One `AtomicUsize` per registered socket records what the OS last said
//! about it. The driver sets bits when an event arrives; the socket's owner
//! clears them when an operation reports `WouldBlock` (readiness is
//! edge-triggered: after an edge the socket stays "ready" until the OS says
//! otherwise by refusing an operation).
//!
//! | bits     | name           | set by                     | cleared by                              |
//! |----------|----------------|----------------------------|-----------------------------------------|
//! | `0`      | `READABLE`     | the driver, on an event    | the owner on `WouldBlock`, same tick only |
//! | `1`      | `WRITABLE`     | the driver, on an event    | the owner on `WouldBlock`, same tick only |
//! | `2`      | `READ_CLOSED`  | the driver, on an event    | never (the peer cannot reopen)          |
//! | `3`      | `WRITE_CLOSED` | the driver, on an event    | never                                   |
//! | `4`      | `SHUTDOWN`     | `Driver::shutdown`         | never                                   |
//! | `16..32` | tick           | the driver, +1 per event   | never (wraps)                           |
//!
//! The tick closes the race between "the owner saw `WouldBlock`" and "a new
//! event arrived": the owner clears only the readiness it observed, and only
//! if no event has been dispatched since it observed it.

use crate::sync::{AtomicUsize, Ordering};
use std::ops::{BitAnd, BitOr};

const READABLE: usize = 0b0_0001;
const WRITABLE: usize = 0b0_0010;
const READ_CLOSED: usize = 0b0_0100;
const WRITE_CLOSED: usize = 0b0_1000;
const SHUTDOWN: usize = 0b1_0000;
const READY_MASK: usize = READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED;
const TICK_SHIFT: u32 = 16;
const TICK_MASK: usize = 0xFFFF << TICK_SHIFT;

/// A set of readiness bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ready(usize);

impl Ready {
    #[cfg_attr(
        loom,
        allow(dead_code, reason = "only the OS poller starts from an empty set")
    )]
    pub(crate) const EMPTY: Ready = Ready(0);
    pub(crate) const READABLE: Ready = Ready(READABLE);
    pub(crate) const WRITABLE: Ready = Ready(WRITABLE);
    pub(crate) const READ_CLOSED: Ready = Ready(READ_CLOSED);
    pub(crate) const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    const CLOSED: Ready = Ready(READ_CLOSED | WRITE_CLOSED);

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for Ready {
    type Output = Ready;
    fn bitor(self, rhs: Ready) -> Ready {
        Ready(self.0 | rhs.0)
    }
}

impl BitAnd for Ready {
    type Output = Ready;
    fn bitand(self, rhs: Ready) -> Ready {
        Ready(self.0 & rhs.0)
    }
}

/// Which half of a socket an operation uses; each has its own waker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness that lets an operation in this direction make progress
    /// (a closed half never blocks: the operation returns EOF or an error).
    pub(crate) fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready::READABLE | Ready::READ_CLOSED,
            Direction::Write => Ready::WRITABLE | Ready::WRITE_CLOSED,
        }
    }
}

/// A copy of the word at one moment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn ready(self) -> Ready {
        Ready(self.0 & READY_MASK)
    }

    pub(crate) fn tick(self) -> usize {
        (self.0 & TICK_MASK) >> TICK_SHIFT
    }

    pub(crate) fn is_shutdown(self) -> bool {
        self.0 & SHUTDOWN != 0
    }
}

/// Readiness an owner observed, to be handed back to `transition_to_cleared`
/// when the operation it allowed reports `WouldBlock`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    pub(crate) tick: usize,
    pub(crate) ready: Ready,
}

/// What `transition_to_cleared` did.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clear {
    /// The observed bits are gone; the owner waits for the next event.
    Cleared,
    /// An event arrived after the observation; the bits stay and the owner
    /// should simply retry.
    NewerEvent,
}

/// The atomic readiness word.
#[derive(Debug)]
pub(crate) struct Readiness(AtomicUsize);

impl Readiness {
    pub(crate) fn new() -> Readiness {
        Readiness(AtomicUsize::new(0))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Records an event: sets `ready` and bumps the tick.
    pub(crate) fn transition_to_ready(&self, ready: Ready) -> Snapshot {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let tick = (current & TICK_MASK).wrapping_add(1 << TICK_SHIFT) & TICK_MASK;
            let next = (current & !TICK_MASK) | tick | (ready.0 & READY_MASK);
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Snapshot(next),
                Err(actual) => current = actual,
            }
        }
    }

    /// Forgets readiness the owner observed, unless a newer event arrived.
    /// Closed bits are never cleared: a closed half stays closed.
    pub(crate) fn transition_to_cleared(&self, event: ReadyEvent) -> Clear {
        let clear = event.ready.0 & !Ready::CLOSED.0;
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            if Snapshot(current).tick() != event.tick {
                return Clear::NewerEvent;
            }
            let next = current & !clear;
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Clear::Cleared,
                Err(actual) => current = actual,
            }
        }
    }

    /// Marks the registration as belonging to a driver that shut down.
    pub(crate) fn transition_to_shutdown(&self) {
        self.0.fetch_or(SHUTDOWN, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_sets_bits_and_bumps_the_tick() {
        let word = Readiness::new();
        let first = word.transition_to_ready(Ready::READABLE);
        assert_eq!(first.ready(), Ready::READABLE);
        assert_eq!(first.tick(), 1);
        let second = word.transition_to_ready(Ready::WRITABLE);
        assert_eq!(second.ready(), Ready::READABLE | Ready::WRITABLE);
        assert_eq!(second.tick(), 2);
    }

    #[test]
    fn clear_with_a_stale_tick_keeps_the_bits() {
        let word = Readiness::new();
        let seen = word.transition_to_ready(Ready::READABLE);
        let event = ReadyEvent {
            tick: seen.tick(),
            ready: seen.ready(),
        };
        let _ = word.transition_to_ready(Ready::READABLE);
        assert_eq!(word.transition_to_cleared(event), Clear::NewerEvent);
        assert_eq!(word.load().ready(), Ready::READABLE);
    }

    #[test]
    fn clear_keeps_closed_bits() {
        let word = Readiness::new();
        let seen = word.transition_to_ready(Ready::READABLE | Ready::READ_CLOSED);
        let event = ReadyEvent {
            tick: seen.tick(),
            ready: seen.ready(),
        };
        assert_eq!(word.transition_to_cleared(event), Clear::Cleared);
        assert_eq!(word.load().ready(), Ready::READ_CLOSED);
    }

    #[test]
    fn the_tick_wraps_without_touching_other_bits() {
        let word = Readiness::new();
        for _ in 0..0x1_0000 {
            let _ = word.transition_to_ready(Ready::WRITABLE);
        }
        let snapshot = word.load();
        assert_eq!(snapshot.tick(), 0);
        assert_eq!(snapshot.ready(), Ready::WRITABLE);
        assert!(!snapshot.is_shutdown());
        word.transition_to_shutdown();
        assert!(word.load().is_shutdown());
    }
}
