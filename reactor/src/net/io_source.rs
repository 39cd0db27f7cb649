//! A mio socket together with its registration.

use crate::driver::{Direction, Registration};
use mio::Interest;
use mio::event::Source;
use std::io;
use std::mem::ManuallyDrop;
use std::ptr;
use std::task::{Context, Poll};

/// Owns a mio socket registered with the current driver; dropping it
/// deregisters the socket, frees its slab slot, then closes it.
#[derive(Debug)]
pub(super) struct IoSource<S: Source> {
    registration: Registration,
    source: S,
}

impl<S: Source> IoSource<S> {
    /// Registers `source` with the current driver.
    ///
    /// # Panics
    ///
    /// Outside a braid runtime.
    pub(super) fn new(mut source: S, interest: Interest) -> io::Result<IoSource<S>> {
        let registration = Registration::new(&mut source, interest)?;
        Ok(IoSource {
            registration,
            source,
        })
    }

    /// The socket, for calls that never block.
    pub(super) fn get(&self) -> &S {
        &self.source
    }

    /// Runs `operation` on the socket once it is ready in `direction`,
    /// waiting again after each `WouldBlock`.
    pub(super) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut operation: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.registration
            .poll_io(cx, direction, || operation(&self.source))
    }

    /// [`poll_io`](IoSource::poll_io) as a future.
    pub(super) async fn io<R>(
        &self,
        direction: Direction,
        mut operation: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration
            .io(direction, || operation(&self.source))
            .await
    }

    /// Deregisters the socket and hands it back, for `into_std`.
    ///
    /// # Errors
    ///
    /// What the OS reports for the deregistration; the socket is closed
    /// then.
    pub(super) fn into_inner(self) -> io::Result<S> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again: each field is read
        // out exactly once, and `Drop for IoSource` does not run.
        let (registration, mut source) =
            unsafe { (ptr::read(&this.registration), ptr::read(&this.source)) };
        let result = registration.deregister(&mut source);
        // Frees the slab slot whatever the result.
        drop(registration);
        result.map(|()| source)
    }

    /// The registration, for protocols that wait on readiness without an
    /// operation (a connect in progress).
    pub(super) fn registration(&self) -> &Registration {
        &self.registration
    }
}

impl<S: Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        // A failed deregistration leaves nothing to undo: the socket closes
        // right after, which removes it from the OS poller anyway.
        let _ = self.registration.deregister(&mut self.source);
    }
}
