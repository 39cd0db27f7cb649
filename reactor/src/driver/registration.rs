//! The owner's side of one registered socket.

use super::Handle;
use super::readiness::{Direction, ReadyEvent};
use super::scheduled_io::{ScheduledIo, Waiter};
use crate::coop;
use crate::sync::Arc;
use mio::Interest;
use mio::event::Source;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll, ready};

/// A socket's slab entry: its token, its readiness and wakers, and the
/// driver it belongs to. Dropping it frees the slab slot; the socket itself
/// must be deregistered first with [`Registration::deregister`].
#[derive(Debug)]
pub(crate) struct Registration {
    handle: Handle,
    token: usize,
    io: Arc<ScheduledIo>,
}

impl Registration {
    /// Registers `source` with the current driver.
    ///
    /// # Panics
    ///
    /// Outside a braid runtime.
    pub(crate) fn new(source: &mut impl Source, interest: Interest) -> io::Result<Registration> {
        let handle = Handle::current();
        let (token, io) = handle.shared.insert_registration()?;
        // From here on, dropping `registration` frees the slot again.
        let registration = Registration { handle, token, io };
        registration
            .handle
            .shared
            .registry
            .register(source, token, interest)?;
        Ok(registration)
    }

    /// Ready once the OS has reported readiness in `direction` since it was
    /// last cleared; on `Pending`, the task is woken through the
    /// direction's one slot, where the last task to poll wins (for the
    /// `poll_*` methods). Spends one unit of the cooperative budget.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        ready!(coop::poll_proceed(cx));
        self.io.poll_ready(cx, direction)
    }

    /// A waiter of its own for one async-fn operation in `direction`, so
    /// that any number of them can wait at once.
    pub(crate) fn waiter(&self, direction: Direction) -> Waiter<'_> {
        self.io.waiter(direction)
    }

    /// As [`poll_ready`](Registration::poll_ready), through `waiter`.
    pub(crate) fn poll_waiter(
        &self,
        cx: &mut Context<'_>,
        waiter: &mut Waiter<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        ready!(coop::poll_proceed(cx));
        waiter.poll_ready(cx)
    }

    /// Forgets readiness that an operation found stale.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.io.clear_readiness(event);
    }

    /// Runs the non-blocking `operation` once the socket is ready in
    /// `direction`; on `WouldBlock` clears the readiness and waits again.
    /// Waits in the direction's slot: for the `poll_*` methods.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        operation: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.retry(operation, |this| this.poll_ready(cx, direction))
    }

    /// [`poll_io`](Registration::poll_io) as a future with a waiter of its
    /// own, removed when the future completes or is dropped: for the
    /// async-fn operations.
    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        mut operation: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        let mut waiter = self.waiter(direction);
        poll_fn(|cx| self.retry(&mut operation, |this| this.poll_waiter(cx, &mut waiter))).await
    }

    /// The loop of `poll_io` and `io`: wait with `poll_ready`, try the
    /// operation, and on `WouldBlock` clear what was seen and wait again.
    fn retry<R>(
        &self,
        mut operation: impl FnMut() -> io::Result<R>,
        mut poll_ready: impl FnMut(&Self) -> Poll<io::Result<ReadyEvent>>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = ready!(poll_ready(self))?;
            match operation() {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_readiness(event);
                }
                result => return Poll::Ready(result),
            }
        }
    }

    /// Stops OS events for `source`; call before dropping the socket.
    pub(crate) fn deregister(&self, source: &mut impl Source) -> io::Result<()> {
        self.handle.shared.registry.deregister(source)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.handle.shared.remove_registration(self.token);
    }
}
