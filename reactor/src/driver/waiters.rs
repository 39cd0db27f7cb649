//! The waiter list of one registration: the futures of the async-fn socket
//! operations (`accept`, `recv_from`, `send_to`, `connect`, ...) that wait
//! for readiness, any number of them, each under its own key.
//!
//! The `poll_*` trait methods do not use it: `AsyncRead`/`AsyncWrite` expect
//! one task per direction, and keep one waker slot each (see
//! `scheduled_io.rs`). A future cannot say "one task per socket", so each
//! gets an entry here, and readiness in a direction wakes every entry
//! waiting on it: the ones that find nothing to do (another waiter took the
//! connection or the datagram) see `WouldBlock` and wait again.
//!
//! A key is the entry's index. It is owned by one future, which removes the
//! entry exactly once (when it is dropped), so a key is never stale.

use super::readiness::{Direction, Ready};
use std::task::Waker;

/// The entries, in a vector with a free list.
#[derive(Debug, Default)]
pub(crate) struct WaiterList {
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    /// Entries in use: a dispatch with none skips the walk.
    len: usize,
}

#[derive(Debug)]
struct Entry {
    direction: Direction,
    /// `None` once a dispatch has taken it, until the future polls again.
    waker: Option<Waker>,
}

impl WaiterList {
    /// Adds a waiter for `direction`; returns its key.
    pub(crate) fn insert(&mut self, direction: Direction, waker: Waker) -> usize {
        let entry = Some(Entry {
            direction,
            waker: Some(waker),
        });
        self.len += 1;
        match self.free.pop() {
            Some(key) => {
                self.entries[key] = entry;
                key
            }
            None => {
                self.entries.push(entry);
                self.entries.len() - 1
            }
        }
    }

    /// Stores `waker` for the waiter under `key`; returns the waker it
    /// replaces, for the caller to drop outside the lock.
    pub(crate) fn set_waker(&mut self, key: usize, waker: &Waker) -> Option<Waker> {
        let entry = self.entry(key);
        match &entry.waker {
            Some(stored) if stored.will_wake(waker) => None,
            _ => entry.waker.replace(waker.clone()),
        }
    }

    /// Removes the waiter under `key`; returns its waker, for the caller to
    /// drop outside the lock.
    pub(crate) fn remove(&mut self, key: usize) -> Option<Waker> {
        let entry = self.entries[key]
            .take()
            .expect("a waiter key is removed once, by its owner");
        self.free.push(key);
        self.len -= 1;
        entry.waker
    }

    /// Moves the wakers of every waiter that `ready` unblocks to `wakers`.
    /// The entries stay: their futures re-register when polled.
    pub(crate) fn take_ready(&mut self, ready: Ready, wakers: &mut Vec<Waker>) {
        if self.len == 0 {
            return;
        }
        let entries = self.entries.iter_mut().flatten();
        for entry in entries.filter(|entry| !(ready & entry.direction.mask()).is_empty()) {
            wakers.extend(entry.waker.take());
        }
    }

    /// Moves every waiter's waker to `wakers` (shutdown).
    pub(crate) fn take_all(&mut self, wakers: &mut Vec<Waker>) {
        wakers.extend(
            self.entries
                .iter_mut()
                .flatten()
                .filter_map(|entry| entry.waker.take()),
        );
    }

    /// Waiters registered.
    #[cfg(any(test, loom))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn entry(&mut self, key: usize) -> &mut Entry {
        self.entries[key]
            .as_mut()
            .expect("a waiter key is used only by its owner, before removal")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_takes_the_wakers_of_its_direction_only() {
        let mut list = WaiterList::default();
        let readers = [
            list.insert(Direction::Read, Waker::noop().clone()),
            list.insert(Direction::Read, Waker::noop().clone()),
        ];
        let writer = list.insert(Direction::Write, Waker::noop().clone());
        let mut wakers = Vec::new();
        list.take_ready(Ready::READABLE, &mut wakers);
        assert_eq!(wakers.len(), 2);
        // Taken once: a second event finds nothing until they re-register.
        wakers.clear();
        list.take_ready(Ready::READABLE, &mut wakers);
        assert!(wakers.is_empty());
        assert!(list.set_waker(readers[0], Waker::noop()).is_none());
        list.take_ready(Ready::READ_CLOSED | Ready::WRITABLE, &mut wakers);
        assert_eq!(wakers.len(), 2, "the re-registered reader and the writer");
        assert_eq!(list.len(), 3);
        for key in [readers[0], readers[1], writer] {
            let _ = list.remove(key);
        }
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn removed_keys_are_reused() {
        let mut list = WaiterList::default();
        let first = list.insert(Direction::Read, Waker::noop().clone());
        assert!(list.remove(first).is_some());
        let second = list.insert(Direction::Write, Waker::noop().clone());
        assert_eq!(first, second);
        let mut wakers = Vec::new();
        list.take_all(&mut wakers);
        assert_eq!(wakers.len(), 1);
    }
}
