//! `Executor`: hyper's task spawner, on braid.

use std::future::Future;

/// Runs the background tasks hyper spawns (HTTP/2 streams, a client's
/// connection) as braid tasks, through [`braid::spawn`](crate::spawn).
///
/// Hand it to hyper's and hyper-util's builders wherever they take an
/// executor. Its tasks run on the runtime of the thread that spawns them,
/// which for hyper is the connection's own task.
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor as _;
///
/// braid::Runtime::new().unwrap().block_on(async {
///     let done = braid::CancellationToken::new();
///     let signal = done.clone();
///     braid::hyper::Executor::new().execute(async move { signal.cancel() });
///     // The spawned task ran.
///     done.cancelled().await;
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Executor {
    _private: (),
}

impl Executor {
    /// An executor spawning on the current braid runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut builder = hyper_util::server::conn::auto::Builder::new(braid::hyper::Executor::new());
    /// builder.http1().timer(braid::hyper::Timer::new());
    /// ```
    pub fn new() -> Executor {
        Executor { _private: () }
    }
}

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// # Panics
    ///
    /// Outside a braid runtime, as [`braid::spawn`](crate::spawn) does.
    fn execute(&self, future: F) {
        drop(crate::spawn(future));
    }
}
