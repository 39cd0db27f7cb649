//! `Timer`: hyper's timer, on braid's timer wheel.

use crate::time::{self, Instant};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Gives hyper its timeouts (HTTP/1 header reads, HTTP/2 keep-alive pings,
/// a client pool's idle expiry) on braid's timer wheel.
///
/// Without a timer hyper drops its timeouts silently: a client that sends
/// its headers slowly would hold a connection forever.
/// [`serve`](super::serve()) wires one in; hand one to your own builders.
/// `reset` moves a sleep in the wheel instead of making a new one, and
/// [`now`](hyper::rt::Timer::now) reads braid's clock, so a runtime
/// started paused drives hyper's timeouts too.
///
/// # Examples
///
/// ```
/// use hyper::rt::Timer as _;
/// use std::time::Duration;
///
/// braid::Runtime::new().unwrap().block_on(async {
///     let timer = braid::hyper::Timer::new();
///     let start = braid::time::Instant::now();
///     timer.sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer {
    _private: (),
}

impl Timer {
    /// A timer on the current braid runtime's wheel.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut builder = hyper_util::server::conn::auto::Builder::new(braid::hyper::Executor::new());
    /// builder.http1().timer(braid::hyper::Timer::new());
    /// builder.http2().timer(braid::hyper::Timer::new());
    /// ```
    pub fn new() -> Timer {
        Timer { _private: () }
    }
}

impl hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(BraidSleep(time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(BraidSleep(time::sleep_until(Instant::from_std(deadline))))
    }

    fn now(&self) -> std::time::Instant {
        Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: std::time::Instant) {
        match sleep.as_mut().downcast_mut_pin::<BraidSleep>() {
            Some(mut ours) => ours.0.reset(Instant::from_std(new_deadline)),
            // A sleep some other timer made: replace it, as hyper's default
            // `reset` does.
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A braid sleep as hyper's `Sleep`; a type of its own so that `reset` can
/// find it behind hyper's `dyn Sleep`.
struct BraidSleep(time::Sleep);

impl Future for BraidSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for BraidSleep {}
