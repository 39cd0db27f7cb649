//! How the runtime starts its threads (workers and the blocking pool's):
//! name, stack size, and the hooks run first and last on each.

use std::fmt;
use std::io;

use crate::Handle;
use crate::context;
use crate::sync::{StdArc, os_thread};

/// A hook from `Builder::on_thread_start` or `on_thread_stop`.
pub(crate) type Hook = StdArc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
pub(crate) struct ThreadConfig {
    pub(crate) name: String,
    /// `None`: std's default.
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<Hook>,
    pub(crate) on_stop: Option<Hook>,
}

impl ThreadConfig {
    pub(crate) fn new(name: String) -> ThreadConfig {
        ThreadConfig {
            name,
            stack_size: None,
            on_start: None,
            on_stop: None,
        }
    }

    /// Starts a thread that runs the start hook, then `body`, then the stop
    /// hook (also when `body` panics), all with `handle` as the current
    /// runtime when there is one, so that a hook finds it as a task would;
    /// then, last, `exited` (also when a hook panics), for whoever waits for
    /// the thread to be done with its hooks.
    pub(crate) fn spawn(
        &self,
        handle: Option<Handle>,
        body: impl FnOnce() + Send + 'static,
        exited: impl FnOnce() + Send + 'static,
    ) -> io::Result<os_thread::JoinHandle<()>> {
        let mut builder = os_thread::Builder::new().name(self.name.clone());
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        let on_start = self.on_start.clone();
        let on_stop = self.on_stop.clone();
        builder.spawn(move || {
            /// Calls its closure when dropped.
            struct Finally<F: FnOnce()>(Option<F>);
            impl<F: FnOnce()> Drop for Finally<F> {
                fn drop(&mut self) {
                    if let Some(f) = self.0.take() {
                        f();
                    }
                }
            }
            // Dropped in reverse: the stop hook, the runtime context, then
            // `exited`.
            let _exited = Finally(Some(exited));
            let _enter = handle.as_ref().map(context::enter);
            if let Some(hook) = &on_start {
                hook();
            }
            let _stop = Finally(on_stop.map(|hook| move || hook()));
            body();
        })
    }
}

impl fmt::Debug for ThreadConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadConfig")
            .field("name", &self.name)
            .field("stack_size", &self.stack_size)
            .field("on_start", &self.on_start.is_some())
            .field("on_stop", &self.on_stop.is_some())
            .finish()
    }
}
