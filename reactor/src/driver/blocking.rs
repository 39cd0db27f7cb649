//! Where the driver runs the blocking calls its sockets need (host-name
//! lookups), so that no async worker ever blocks in one.
//!
//! The runtime hands its blocking pool to the driver when it creates it
//! ([`Driver::with_blocking`](super::Driver::with_blocking)); a driver made
//! with [`Driver::new`](super::Driver::new) starts one short-lived thread per
//! call instead.

use crate::sync::{Arc, Mutex, os_thread};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Poll, Waker};

/// Runs blocking closures on threads where blocking is allowed: the
/// runtime's blocking pool.
///
/// The driver calls it for work that may block (resolving a host name), and
/// awaits the result without blocking the calling task's thread. A closure
/// that the implementation drops without running (its pool has shut down)
/// makes the waiting operation fail with an `io::Error`.
///
/// # Examples
///
/// ```
/// use braid_reactor::driver::{BlockingSpawner, Driver};
///
/// #[derive(Debug)]
/// struct OwnThread;
///
/// impl BlockingSpawner for OwnThread {
///     fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
///         std::thread::spawn(work);
///     }
/// }
///
/// let driver = Driver::with_blocking(false, Box::new(OwnThread))?;
/// # drop(driver);
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait BlockingSpawner: Send + Sync + fmt::Debug + 'static {
    /// Runs `work` on a thread where it may block, or drops it unrun when
    /// that is no longer possible. Called from async code: it must not
    /// block itself, only hand `work` over.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_reactor::driver::BlockingSpawner;
    /// use std::sync::mpsc;
    ///
    /// #[derive(Debug)]
    /// struct OwnThread;
    ///
    /// impl BlockingSpawner for OwnThread {
    ///     fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
    ///         std::thread::spawn(work);
    ///     }
    /// }
    ///
    /// let (done, ran) = mpsc::channel();
    /// OwnThread.spawn_blocking(Box::new(move || done.send(()).unwrap()));
    /// ran.recv().unwrap();
    /// ```
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>);
}

/// The spawner of a driver made without one: a thread per call.
#[derive(Debug)]
pub(super) struct ThreadPerCall;

impl BlockingSpawner for ThreadPerCall {
    fn spawn_blocking(&self, work: Box<dyn FnOnce() + Send>) {
        // A thread that cannot start drops `work`, and its caller reports it.
        let _ = os_thread::Builder::new()
            .name("braid-blocking".into())
            .spawn(work);
    }
}

/// The result of one blocking call, handed from the thread that ran it to
/// the task that waits.
struct Slot<R> {
    /// `Some` once the call returned.
    result: Option<R>,
    /// The closure was dropped, run or not: no result will come after this.
    closed: bool,
    waker: Option<Waker>,
}

/// Sets `closed` and wakes the waiter when the closure is dropped, whether
/// it ran or its spawner discarded it.
struct Sender<R>(Arc<Mutex<Slot<R>>>);

impl<R> Drop for Sender<R> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.0.lock();
            slot.closed = true;
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Runs `f` through `spawner` and waits for its result.
///
/// # Errors
///
/// When the spawner dropped `f` without running it.
pub(crate) async fn run<R, F>(spawner: &dyn BlockingSpawner, f: F) -> io::Result<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let shared = Arc::new(Mutex::new(Slot {
        result: None,
        closed: false,
        waker: None,
    }));
    let sender = Sender(shared.clone());
    spawner.spawn_blocking(Box::new(move || {
        let result = f();
        sender.0.lock().result = Some(result);
        // Dropping `sender` here wakes the waiter.
    }));
    poll_fn(|cx| {
        let mut slot = shared.lock();
        if let Some(result) = slot.result.take() {
            return Poll::Ready(Ok(result));
        }
        if slot.closed {
            return Poll::Ready(Err(io::Error::other(
                "the blocking call was dropped unrun: the runtime's blocking pool has shut down",
            )));
        }
        if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            slot.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    })
    .await
}
