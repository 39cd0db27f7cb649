//! The hang guard of the integration tests of `braid-reactor` and `braid`
//! (the runtime's tests include this file by `#[path]`): a regression that
//! loses a wake-up fails its test instead of hanging the whole suite.

use std::panic;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// Generous bound for "eventually". It is not a timing assertion: a test
/// that needs it has hung.
pub(crate) const EVENTUALLY: Duration = Duration::from_secs(30);

/// Runs `f` on another thread and returns its result, failing the test if
/// it does not finish within [`EVENTUALLY`]. A panic inside `f` is resumed
/// here unchanged, so `#[should_panic]` and assertion messages still work.
/// The hung thread is left behind; the test process ends it.
#[track_caller]
pub(crate) fn eventually<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    within(EVENTUALLY, f)
}

/// As [`eventually`], with the bound `limit`.
#[track_caller]
pub(crate) fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (sender, receiver) = mpsc::channel();
    let name = thread::current()
        .name()
        .map_or_else(|| "watchdog body".to_owned(), str::to_owned);
    let body = thread::Builder::new()
        .name(name)
        .spawn(move || {
            let _ = sender.send(f());
        })
        .expect("could not start the test body's thread");
    match receiver.recv_timeout(limit) {
        Ok(value) => value,
        Err(RecvTimeoutError::Disconnected) => match body.join() {
            Err(payload) => panic::resume_unwind(payload),
            Ok(()) => unreachable!("the body returned without sending its result"),
        },
        Err(RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?}: it hung (a lost wake-up?)")
        }
    }
}
