//! A hand-driven spawner: spawned tasks wait in a queue until the test polls
//! them, one at a time or all at once, on the test's own thread. No runtime,
//! so these tests run without the `tokio` feature, and the test chooses every
//! interleaving.
#![allow(dead_code, unreachable_pub, reason = "each test file uses a subset")]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use braid_gather::{BoxedTask, ChildTask, Spawn, SpawnerGuard, enter_spawner};

/// The queue of spawned, not yet finished tasks.
#[derive(Default)]
pub struct Tasks(Mutex<Vec<BoxedTask>>);

impl Spawn for Tasks {
    fn spawn(&self, task: ChildTask) {
        self.0.lock().unwrap().push(Box::pin(task));
    }
}

impl Tasks {
    /// A queue, this thread's ambient spawner while the guard lives.
    pub fn enter() -> (Arc<Tasks>, SpawnerGuard) {
        let tasks = Arc::new(Tasks::default());
        let guard = enter_spawner(tasks.clone());
        (tasks, guard)
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Takes every queued task out, in spawn order.
    pub fn take(&self) -> Vec<BoxedTask> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// Polls `task` once; queues it again if it is still pending. Returns
    /// whether it finished.
    pub fn poll(&self, mut task: BoxedTask) -> bool {
        let finished = poll_task(&mut task);
        if !finished {
            self.0.lock().unwrap().push(task);
        }
        finished
    }

    /// Polls every queued task once (not those they spawn meanwhile).
    /// Returns how many finished.
    pub fn run_once(&self) -> usize {
        self.take()
            .into_iter()
            .map(|task| usize::from(self.poll(task)))
            .sum()
    }

    /// Polls `future` and runs the queued tasks in turn until it is ready;
    /// panics after ten rounds instead of spinning.
    pub fn drive<F: Future + Unpin>(&self, mut future: F) -> F::Output {
        for _ in 0..10 {
            if let Poll::Ready(output) = poll_noop(&mut future) {
                return output;
            }
            self.run_once();
        }
        panic!("the gather did not finish");
    }
}

/// Polls a task once, with a waker that does nothing; whether it finished.
pub fn poll_task(task: &mut BoxedTask) -> bool {
    task.as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

/// Polls `future` once with `waker`.
pub fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Polls `future` once with a waker that does nothing.
pub fn poll_noop<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll(future, Waker::noop())
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker::default());
        (counter.clone(), Waker::from(counter))
    }

    /// Wakes so far, and starts counting again from zero.
    pub fn take(&self) -> usize {
        self.0.swap(0, Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
