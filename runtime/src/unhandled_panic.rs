//! [`Builder::unhandled_panic`](crate::Builder::unhandled_panic): what a
//! task's panic that nobody observes does to its runtime.
//!
//! A task's panic is *observed* when its `JoinHandle` returns the
//! `JoinError` holding it. It is *unhandled* when that output is dropped
//! unread: the handle was dropped before the task ended (a detached task),
//! or after, without being awaited. The task harness hands every unhandled
//! panic to its scheduler, which hands it here. Under
//! [`UnhandledPanic::ShutdownRuntime`]:
//!
//! 1. The first unhandled panic's message is kept; later ones are dropped.
//! 2. The scheduler stops as at shutdown: its workers leave their loops and
//!    tasks woken or spawned from then on are dropped.
//! 3. Every `block_on` of the runtime in progress is woken, and every
//!    `block_on`, in progress or later, panics with that message. Dropping
//!    the runtime afterwards cancels the remaining tasks as usual.

use std::any::Any;
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::{Context, Waker};

use crate::sync::{AtomicBool, Mutex, Ordering};

/// What a runtime does when a task panics and nobody observes the panic
/// through the task's [`JoinHandle`](crate::JoinHandle): it was dropped
/// (the task runs detached) or never awaited. Set with
/// [`Builder::unhandled_panic`](crate::Builder::unhandled_panic).
///
/// # Examples
///
/// ```
/// use braid::UnhandledPanic;
///
/// let rt = braid::Builder::new_current_thread()
///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
///     .build()
///     .unwrap();
/// let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     rt.block_on(async {
///         drop(braid::spawn(async { panic!("boom") })); // detached
///         std::future::pending::<()>().await
///     })
/// }));
/// assert!(stopped.is_err(), "block_on panics with the task's message");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// The panic is dropped (the panic hook has already printed it) and
    /// the runtime goes on. The default.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread()
    ///     .unhandled_panic(braid::UnhandledPanic::Ignore)
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     drop(braid::spawn(async { panic!("ignored") }));
    ///     assert_eq!(braid::spawn(async { 1 }).await.unwrap(), 1);
    /// });
    /// ```
    #[default]
    Ignore,
    /// The runtime shuts down: its tasks stop running, and every
    /// `block_on` on it panics with the task's panic message.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread()
    ///     .unhandled_panic(braid::UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// // An observed panic is the awaiting code's to handle: no shutdown.
    /// let err = rt.block_on(rt.spawn(async { panic!("seen") })).unwrap_err();
    /// assert!(err.is_panic());
    /// assert_eq!(rt.block_on(async { 2 }), 2);
    /// ```
    ShutdownRuntime,
}

/// One runtime's policy and, once tripped, the message `block_on` panics
/// with (see the module docs).
pub(crate) struct PanicPolicy {
    shutdown_runtime: AtomicBool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The first unhandled panic's message (rule 1).
    message: Option<String>,
    /// The `block_on` calls in progress (rule 3).
    block_ons: Vec<Waker>,
}

impl PanicPolicy {
    pub(crate) fn new() -> PanicPolicy {
        PanicPolicy {
            shutdown_runtime: AtomicBool::new(false),
            state: Mutex::new(State::default()),
        }
    }

    /// Set once by the builder, before the runtime runs anything.
    pub(crate) fn set(&self, policy: UnhandledPanic) {
        let shutdown = policy == UnhandledPanic::ShutdownRuntime;
        self.shutdown_runtime.store(shutdown, Ordering::Relaxed);
    }

    pub(crate) fn shuts_down(&self) -> bool {
        // Relaxed: set before the runtime's threads start, which orders it.
        self.shutdown_runtime.load(Ordering::Relaxed)
    }

    /// A task's panic nobody observed. Returns whether the scheduler must
    /// stop (rule 2).
    pub(crate) fn report(&self, payload: Box<dyn Any + Send>) -> bool {
        if !self.shuts_down() {
            drop_payload(payload);
            return false;
        }
        let message = panic_message(&*payload);
        drop_payload(payload);
        let block_ons = {
            let mut state = self.state.lock();
            state.message.get_or_insert(message);
            std::mem::take(&mut state.block_ons)
        };
        for waker in block_ons {
            waker.wake();
        }
        true
    }

    /// Runs `future` for a `block_on`, panicking as soon as an unhandled
    /// panic shut the runtime down (rule 3). Only for `ShutdownRuntime`:
    /// under `Ignore` nothing can shut the runtime down this way.
    pub(crate) async fn guard<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        let mut watch = Watch {
            policy: self,
            waker: None,
        };
        poll_fn(|cx| {
            watch.check(cx);
            future.as_mut().poll(cx)
        })
        .await
    }
}

/// A `block_on`'s registration in `State::block_ons`, removed on drop.
struct Watch<'a> {
    policy: &'a PanicPolicy,
    waker: Option<Waker>,
}

impl Watch<'_> {
    /// Panics if the runtime was shut down by an unhandled panic; otherwise
    /// makes sure `cx`'s waker is woken if it is.
    fn check(&mut self, cx: &Context<'_>) {
        let mut state = self.policy.state.lock();
        if let Some(message) = &state.message {
            let message = message.clone();
            drop(state);
            panic!(
                "a braid task panicked and nobody observed it through its `JoinHandle`; the \
                 runtime was built with `UnhandledPanic::ShutdownRuntime`, so it shut down. \
                 The task's panic: {message}"
            );
        }
        if self.waker.as_ref().is_none_or(|w| !w.will_wake(cx.waker())) {
            if let Some(old) = self.waker.take() {
                state.block_ons.retain(|w| !w.will_wake(&old));
            }
            state.block_ons.push(cx.waker().clone());
            self.waker = Some(cx.waker().clone());
        }
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if let Some(waker) = self.waker.take() {
            self.policy
                .state
                .lock()
                .block_ons
                .retain(|w| !w.will_wake(&waker));
        }
    }
}

/// A panic payload's message, as the panic hook prints it.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "(a panic payload that is not a string)".to_owned()
    }
}

/// Drops a payload, whose destructor is user code that may panic too.
fn drop_payload(payload: Box<dyn Any + Send>) {
    let _ = catch_unwind(AssertUnwindSafe(|| drop(payload)));
}

impl fmt::Debug for PanicPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PanicPolicy")
            .field("shutdown_runtime", &self.shuts_down())
            .finish_non_exhaustive()
    }
}
