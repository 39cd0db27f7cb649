//! A one-thread executor that turns its own driver; for this crate's
//! examples and tests (applications use the braid runtime).

use super::Driver;
use super::Handle;
use crate::sync::StdArc;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

/// Wakes the executor by interrupting its park.
struct Unparker(Handle);

impl Wake for Unparker {
    fn wake(self: StdArc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread with a fresh driver
/// (`start_paused` as in [`Driver::new`]), parking in the driver whenever the
/// future is pending. The thread is the only worker, so a paused clock
/// auto-advances whenever the future waits.
///
/// The smallest runtime that keeps the [driver's contract](super), for this
/// crate's examples and tests: it spawns nothing, and the driver is shut
/// down when it returns. Applications use the braid runtime.
///
/// # Panics
///
/// If the driver cannot be created.
///
/// # Examples
///
/// ```
/// use braid_reactor::time::{Duration, Instant, sleep};
///
/// braid_reactor::driver::block_on(true, async {
///     let start = Instant::now();
///     sleep(Duration::from_secs(3600)).await;
///     assert!(start.elapsed() >= Duration::from_secs(3600));
/// });
/// ```
pub fn block_on<F: Future>(start_paused: bool, future: F) -> F::Output {
    let mut driver = match Driver::new(start_paused) {
        Ok(driver) => driver,
        Err(error) => panic!("could not create a braid driver: {error}"),
    };
    let handle = driver.handle();
    let _guard = handle.enter();
    let waker = Waker::from(StdArc::new(Unparker(handle.clone())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        driver.park(None, &|| true);
    }
}
