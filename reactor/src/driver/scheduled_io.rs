//! The driver-side state of one registered socket: its readiness word and
//! the wakers of the tasks waiting to read and to write.
//!
//! The handshake that keeps a wake from being lost: the driver publishes
//! readiness *before* it takes the wakers (under the waiter lock); a task
//! stores its waker and then re-reads readiness *while holding* that lock.
//! Either the driver's take comes after the store (and wakes the task), or
//! the lock orders the driver's publish before the task's re-read (and the
//! task sees the readiness and does not sleep).

use super::readiness::{Clear, Direction, Readiness, Ready, ReadyEvent};
use crate::sync::Mutex;
use std::io;
use std::task::{Context, Poll, Waker};

/// Readiness plus one waker per direction.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    readiness: Readiness,
    waiters: Mutex<Waiters>,
}

#[derive(Debug, Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Waiters {
    fn slot(&mut self, direction: Direction) -> &mut Option<Waker> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
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
        let (reader, writer) = {
            let mut waiters = self.waiters.lock();
            let reader = if (ready & Direction::Read.mask()).is_empty() {
                None
            } else {
                waiters.reader.take()
            };
            let writer = if (ready & Direction::Write.mask()).is_empty() {
                None
            } else {
                waiters.writer.take()
            };
            (reader, writer)
        };
        // Woken outside the lock: a waker may run arbitrary code.
        reader.into_iter().chain(writer).for_each(Waker::wake);
    }

    /// Marks the registration dead and wakes both directions so their
    /// owners observe the shutdown.
    pub(crate) fn shutdown(&self) {
        self.readiness.transition_to_shutdown();
        let (reader, writer) = {
            let mut waiters = self.waiters.lock();
            (waiters.reader.take(), waiters.writer.take())
        };
        reader.into_iter().chain(writer).for_each(Waker::wake);
    }

    /// Ready when the OS last reported readiness in `direction`; otherwise
    /// stores the task's waker for that direction.
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
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Re-read under the lock; see the module docs.
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
}
