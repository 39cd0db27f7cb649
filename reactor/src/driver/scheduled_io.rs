//! The driver-side state of one registered socket: its readiness word and
//! the wakers of the tasks waiting to read and to write.
//!
//! Two kinds of waiter, per direction:
//!
//! - **One slot** for the `poll_*` methods (`AsyncRead`, `AsyncWrite`,
//!   `poll_accept`). Those traits expect one task per direction, and a
//!   poll has nowhere to keep a registration between calls, so each poll
//!   stores its waker in the slot: the last task to register wins, and a
//!   task it displaced waits until it is polled again.
//! - **A list** ([`WaiterList`]) for the futures of the async-fn operations
//!   (`accept`, `recv_from`, `send_to`, `connect`, ...): each future is a
//!   [`Waiter`] with its own entry, registered on its first pending poll
//!   and removed when the future is dropped, so any number of tasks can
//!   wait on one socket and every one of them is woken.
//!
//! Readiness in a direction wakes its slot and every listed waiter of it.
//!
//! The handshake that keeps a wake from being lost, the same for both: the
//! driver publishes readiness *before* it takes the wakers (under the
//! waiter lock); a task stores its waker and then re-reads readiness *while
//! holding* that lock. Either the driver's take comes after the store (and
//! wakes the task), or the lock orders the driver's publish before the
//! task's re-read (and the task sees the readiness and does not sleep).
//! When readiness is already set, a task takes neither the lock nor an
//! entry: the first read is lock-free.

use super::readiness::{Clear, Direction, Readiness, Ready, ReadyEvent};
use super::waiters::WaiterList;
use crate::sync::Mutex;
use crate::wake::{Site, wake_all};
use std::io;
use std::task::{Context, Poll, Waker};

/// Readiness plus the waiters of each direction.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    readiness: Readiness,
    waiters: Mutex<Waiters>,
}

#[derive(Debug, Default)]
struct Waiters {
    /// The `poll_*` methods' slots.
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// The async-fn futures.
    list: WaiterList,
}

impl Waiters {
    fn slot(&mut self, direction: Direction) -> &mut Option<Waker> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// Wakes outside the lock: a waker may run arbitrary code, and may panic
/// (contained, see `wake.rs`: the other waiters are still woken).
///
/// The slots and the list go through separate calls: most events wake one
/// slot's waker and nobody listed, and a chain of the three costs an
/// iterator's bookkeeping on every event.
fn wake(slots: [Option<Waker>; 2], listed: Vec<Waker>) {
    let [reader, writer] = slots;
    wake_all(reader, Site::Io);
    wake_all(writer, Site::Io);
    if !listed.is_empty() {
        wake_all(listed, Site::Io);
    }
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: Readiness::new(),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Records an event from the OS and wakes the directions it unblocks.
    pub(crate) fn dispatch(&self, ready: Ready) {
        let _ = self.readiness.transition_to_ready(ready);
        let mut listed = Vec::new();
        let slots = {
            let mut waiters = self.waiters.lock();
            let mut take = |direction: Direction| {
                if (ready & direction.mask()).is_empty() {
                    None
                } else {
                    waiters.slot(direction).take()
                }
            };
            let slots = [take(Direction::Read), take(Direction::Write)];
            waiters.list.take_ready(ready, &mut listed);
            slots
        };
        wake(slots, listed);
    }

    /// Marks the registration dead and wakes every waiter so they observe
    /// the shutdown.
    pub(crate) fn shutdown(&self) {
        self.readiness.transition_to_shutdown();
        let mut listed = Vec::new();
        let slots = {
            let mut waiters = self.waiters.lock();
            waiters.list.take_all(&mut listed);
            [waiters.reader.take(), waiters.writer.take()]
        };
        wake(slots, listed);
    }

    /// Ready when the OS last reported readiness in `direction`; otherwise
    /// stores the task's waker in that direction's slot, displacing the
    /// waker of any other task (the `poll_*` methods' contract).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(result) = self.ready_now(direction) {
            return Poll::Ready(result);
        }
        let mut waiters = self.waiters.lock();
        let slot = waiters.slot(direction);
        let displaced = match slot {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => slot.replace(cx.waker().clone()),
        };
        // Re-read under the lock; see the module docs.
        let polled = self.poll_again(direction);
        drop(waiters);
        drop(displaced);
        polled
    }

    /// A listed waiter for `direction`, for one async-fn operation.
    pub(crate) fn waiter(&self, direction: Direction) -> Waiter<'_> {
        Waiter {
            io: self,
            direction,
            key: None,
        }
    }

    /// Async-fn waiters registered and not yet dropped.
    #[cfg(any(test, loom))]
    pub(crate) fn waiter_count(&self) -> usize {
        self.waiters.lock().list.len()
    }

    /// The re-read under the waiter lock.
    fn poll_again(&self, direction: Direction) -> Poll<io::Result<ReadyEvent>> {
        match self.ready_now(direction) {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
        }
    }

    fn ready_now(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let snapshot = self.readiness.load();
        if snapshot.is_shutdown() {
            return Some(Err(super::shutdown_error()));
        }
        let ready = snapshot.ready() & direction.mask();
        (!ready.is_empty()).then_some(Ok(ReadyEvent {
            tick: snapshot.tick(),
            ready,
        }))
    }

    /// Forgets readiness that an operation just found stale (`WouldBlock`).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        match self.readiness.transition_to_cleared(event) {
            // Either way the caller polls readiness again: after a clear it
            // parks until the next event, after a newer event it retries.
            Clear::Cleared | Clear::NewerEvent => {}
        }
    }
}

/// One async-fn operation's entry in a registration's waiter list: made by
/// [`ScheduledIo::waiter`], registered on its first pending poll, removed
/// when dropped (so a cancelled operation leaves nothing behind).
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    io: &'a ScheduledIo,
    direction: Direction,
    /// The list entry, from the first pending poll on.
    key: Option<usize>,
}

impl Waiter<'_> {
    /// Ready when the OS last reported readiness in the waiter's direction;
    /// otherwise stores the task's waker in the waiter's own entry.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        let io = self.io;
        if let Some(result) = io.ready_now(self.direction) {
            return Poll::Ready(result);
        }
        let mut waiters = io.waiters.lock();
        let replaced = match self.key {
            Some(key) => waiters.list.set_waker(key, cx.waker()),
            None => {
                self.key = Some(waiters.list.insert(self.direction, cx.waker().clone()));
                None
            }
        };
        // Re-read under the lock; see the module docs.
        let polled = io.poll_again(self.direction);
        drop(waiters);
        drop(replaced);
        polled
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let waker = self.io.waiters.lock().list.remove(key);
            // Dropped outside the lock, like a wake.
            drop(waker);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::StdArc as Arc;
    use crate::sync::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    #[test]
    fn readable_wakes_only_the_reader() {
        let io = ScheduledIo::new();
        let (reads, reader) = counting();
        let (writes, writer) = counting();
        assert!(
            io.poll_ready(&mut Context::from_waker(&reader), Direction::Read)
                .is_pending()
        );
        assert!(
            io.poll_ready(&mut Context::from_waker(&writer), Direction::Write)
                .is_pending()
        );
        io.dispatch(Ready::READABLE);
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
        assert_eq!(writes.0.load(Ordering::SeqCst), 0);
        let polled = io.poll_ready(&mut Context::from_waker(&reader), Direction::Read);
        assert!(matches!(polled, Poll::Ready(Ok(event)) if event.ready == Ready::READABLE));
    }

    #[test]
    fn cleared_readiness_parks_until_the_next_event() {
        let io = ScheduledIo::new();
        let (reads, reader) = counting();
        io.dispatch(Ready::READABLE);
        let Poll::Ready(Ok(event)) =
            io.poll_ready(&mut Context::from_waker(&reader), Direction::Read)
        else {
            panic!("dispatched readiness was not reported");
        };
        io.clear_readiness(event);
        assert!(
            io.poll_ready(&mut Context::from_waker(&reader), Direction::Read)
                .is_pending()
        );
        io.dispatch(Ready::READABLE);
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn shutdown_wakes_both_and_reports_an_error() {
        let io = ScheduledIo::new();
        let (reads, reader) = counting();
        let (writes, writer) = counting();
        assert!(
            io.poll_ready(&mut Context::from_waker(&reader), Direction::Read)
                .is_pending()
        );
        assert!(
            io.poll_ready(&mut Context::from_waker(&writer), Direction::Write)
                .is_pending()
        );
        io.shutdown();
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
        assert_eq!(writes.0.load(Ordering::SeqCst), 1);
        let polled = io.poll_ready(&mut Context::from_waker(&writer), Direction::Write);
        assert!(matches!(polled, Poll::Ready(Err(_))));
    }

    fn wakes(counter: &CountingWaker) -> usize {
        counter.0.load(Ordering::SeqCst)
    }

    #[test]
    fn every_listed_waiter_is_woken() {
        let io = ScheduledIo::new();
        let counted: Vec<_> = (0..3).map(|_| counting()).collect();
        let mut waiters: Vec<_> = (0..3).map(|_| io.waiter(Direction::Read)).collect();
        for (waiter, (_, waker)) in waiters.iter_mut().zip(&counted) {
            assert!(
                waiter
                    .poll_ready(&mut Context::from_waker(waker))
                    .is_pending()
            );
        }
        io.dispatch(Ready::READABLE);
        assert!(counted.iter().all(|(counter, _)| wakes(counter) == 1));
        for (waiter, (_, waker)) in waiters.iter_mut().zip(&counted) {
            let polled = waiter.poll_ready(&mut Context::from_waker(waker));
            assert!(matches!(polled, Poll::Ready(Ok(_))));
        }
    }

    #[test]
    fn the_slot_wakes_only_the_last_task_to_poll() {
        let io = ScheduledIo::new();
        let (first, first_waker) = counting();
        let (last, last_waker) = counting();
        for waker in [&first_waker, &last_waker] {
            assert!(
                io.poll_ready(&mut Context::from_waker(waker), Direction::Read)
                    .is_pending()
            );
        }
        io.dispatch(Ready::READABLE);
        assert_eq!((wakes(&first), wakes(&last)), (0, 1));
    }

    #[test]
    fn a_dropped_waiter_leaves_the_list_and_drops_its_waker() {
        let io = ScheduledIo::new();
        let (counter, waker) = counting();
        let mut waiter = io.waiter(Direction::Write);
        assert!(
            waiter
                .poll_ready(&mut Context::from_waker(&waker))
                .is_pending()
        );
        drop(waker);
        assert_eq!(Arc::strong_count(&counter), 2, "the entry holds a clone");
        drop(waiter);
        assert_eq!(Arc::strong_count(&counter), 1, "the entry's clone is gone");
        assert_eq!(io.waiter_count(), 0);
        io.dispatch(Ready::WRITABLE);
        assert_eq!(wakes(&counter), 0);
    }

    #[test]
    fn a_ready_waiter_takes_no_entry() {
        let io = ScheduledIo::new();
        io.dispatch(Ready::READABLE);
        let mut waiter = io.waiter(Direction::Read);
        let polled = waiter.poll_ready(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(polled, Poll::Ready(Ok(_))));
        assert_eq!(io.waiter_count(), 0);
    }

    #[test]
    fn shutdown_wakes_listed_waiters() {
        let io = ScheduledIo::new();
        let (counter, waker) = counting();
        let mut waiter = io.waiter(Direction::Read);
        assert!(
            waiter
                .poll_ready(&mut Context::from_waker(&waker))
                .is_pending()
        );
        io.shutdown();
        assert_eq!(wakes(&counter), 1);
        let polled = waiter.poll_ready(&mut Context::from_waker(&waker));
        assert!(matches!(polled, Poll::Ready(Err(_))));
    }
}
