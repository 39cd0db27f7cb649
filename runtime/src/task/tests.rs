//! The task system on a minimal scheduler (a locked queue, no owned list),
//! without any runtime or driver, so Miri can check every pointer it uses.

use std::future::{Future, poll_fn};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::{Notified, Schedule, new};
use crate::context::spawn_time;
use crate::sync::{Arc, AtomicUsize, Mutex, Ordering as StdOrdering};

#[derive(Default)]
struct Queue {
    entries: Mutex<Vec<Notified>>,
}

impl Schedule for Arc<Queue> {
    fn schedule(&self, task: Notified) {
        self.entries.lock().push(task);
    }

    fn release(&self, _task: std::ptr::NonNull<super::Header>) -> bool {
        // Not linked in any list: the test holds the list's reference.
        false
    }
}

impl Queue {
    fn run_all(&self) -> usize {
        let mut ran = 0;
        loop {
            let next = self.entries.lock().pop();
            match next {
                Some(task) => task.run(),
                None => return ran,
            }
            ran += 1;
        }
    }
}

/// Counts its drops.
struct Tracked<'a>(&'a AtomicUsize);

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, StdOrdering::SeqCst);
    }
}

fn poll_join<T>(join: &mut super::JoinHandle<T>) -> Poll<Result<T, braid_gather::JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn spawn_yield_complete_join_and_free() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let queue = Arc::new(Queue::default());
    let mut yielded = false;
    let tracked = Tracked(&DROPS);
    let future = poll_fn(move |cx| {
        let _keep = &tracked;
        if yielded {
            return Poll::Ready(5);
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    });
    let (task, notified, mut join) = new(future, queue.clone(), Location::caller(), spawn_time());
    queue.schedule(notified);
    assert!(poll_join(&mut join).is_pending());
    assert_eq!(queue.run_all(), 2, "the self-wake re-queued the task once");
    assert_eq!(
        DROPS.load(StdOrdering::SeqCst),
        1,
        "the future is dropped at completion"
    );
    assert!(matches!(poll_join(&mut join), Poll::Ready(Ok(5))));
    drop(join);
    drop(task);
}

/// A future that calls `first` with its waker on its first poll and stays
/// pending, then is ready with `value`.
fn pending_once<T: Send>(
    value: T,
    first: impl FnOnce(&Waker) + Send,
) -> impl Future<Output = T> + Send {
    let mut first = Some(first);
    let mut value = Some(value);
    poll_fn(move |cx| match first.take() {
        Some(first) => {
            first(cx.waker());
            Poll::Pending
        }
        None => Poll::Ready(value.take().expect("polled after it completed")),
    })
}

#[test]
fn a_wake_of_another_task_during_a_poll_queues_that_task() {
    let queue = Arc::new(Queue::default());
    let stash: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    // The sleeper leaves its waker and waits to be woken by the other task.
    let sleeper_stash = stash.clone();
    let sleeper = pending_once(1, move |waker| {
        *sleeper_stash.lock() = Some(waker.clone());
    });
    let (sleeper_task, notified, mut sleeper_join) =
        new(sleeper, queue.clone(), Location::caller(), spawn_time());
    queue.schedule(notified);
    assert_eq!(queue.run_all(), 1);
    // The waker wakes both the sleeper (by reference) and itself, in one poll.
    let waker_stash = stash.clone();
    let waker = pending_once(2, move |waker| {
        let sleeper = waker_stash.lock().clone().expect("the sleeper parked");
        sleeper.wake_by_ref();
        waker.wake_by_ref();
        waker.wake_by_ref();
    });
    let (waker_task, notified, mut waker_join) =
        new(waker, queue.clone(), Location::caller(), spawn_time());
    queue.schedule(notified);
    assert_eq!(
        queue.run_all(),
        3,
        "the waker's poll, the sleeper woken by it, and the waker again, once"
    );
    assert!(matches!(poll_join(&mut sleeper_join), Poll::Ready(Ok(1))));
    assert!(matches!(poll_join(&mut waker_join), Poll::Ready(Ok(2))));
    drop(stash);
    drop((sleeper_join, waker_join, sleeper_task, waker_task));
}

#[test]
fn abort_cancels_an_idle_task_and_a_stored_waker_is_released() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let queue = Arc::new(Queue::default());
    let tracked = Tracked(&DROPS);
    let stash: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    let stored = stash.clone();
    let future = poll_fn(move |cx| {
        let _keep = &tracked;
        *stored.lock() = Some(cx.waker().clone());
        Poll::<()>::Pending
    });
    let (task, notified, mut join) = new(future, queue.clone(), Location::caller(), spawn_time());
    queue.schedule(notified);
    assert_eq!(queue.run_all(), 1);
    join.abort();
    assert_eq!(queue.run_all(), 1, "abort queues the idle task once");
    assert_eq!(DROPS.load(StdOrdering::SeqCst), 1);
    assert!(matches!(poll_join(&mut join), Poll::Ready(Err(e)) if e.is_cancelled()));
    // A late wake of a completed task queues nothing.
    stash
        .lock()
        .take()
        .expect("the poll stored its waker")
        .wake();
    assert_eq!(queue.run_all(), 0);
    drop(join);
    drop(task);
}

#[test]
fn dropping_the_join_handle_before_completion_drops_the_output_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let queue = Arc::new(Queue::default());
    let (task, notified, join) = new(
        async { Tracked(&DROPS) },
        queue.clone(),
        Location::caller(),
        spawn_time(),
    );
    drop(join);
    queue.schedule(notified);
    assert_eq!(queue.run_all(), 1);
    assert_eq!(
        DROPS.load(StdOrdering::SeqCst),
        1,
        "the completer dropped the output"
    );
    drop(task);
}

#[test]
fn a_detached_task_runs_drops_its_future_once_and_is_freed() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let queue = Arc::new(Queue::default());
    let tracked = Tracked(&DROPS);
    let mut yielded = false;
    let future = poll_fn(move |cx| {
        let _keep = &tracked;
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    });
    let (task, notified) = super::new_detached(
        future,
        None,
        queue.clone(),
        Location::caller(),
        spawn_time(),
    );
    queue.schedule(notified);
    assert_eq!(queue.run_all(), 2, "the self-wake re-queued the task once");
    assert_eq!(DROPS.load(StdOrdering::SeqCst), 1);
    drop(task);
    // No join handle held a reference: the list's was the last.
    assert_eq!(Arc::strong_count(&queue), 1, "the task was freed");
}

#[test]
fn a_detached_task_shut_down_before_it_runs_is_freed() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let queue = Arc::new(Queue::default());
    let tracked = Tracked(&DROPS);
    let (task, notified) = super::new_detached(
        async move { drop(tracked) },
        None,
        queue.clone(),
        Location::caller(),
        spawn_time(),
    );
    drop(notified);
    task.shutdown();
    assert_eq!(DROPS.load(StdOrdering::SeqCst), 1);
    assert_eq!(Arc::strong_count(&queue), 1, "the task was freed");
}

#[test]
fn the_current_task_is_the_one_polled_until_its_last_reference_goes() {
    /// Which task each destructor below saw as current.
    type Seen = Arc<Mutex<Vec<(&'static str, Option<super::Id>)>>>;
    let seen = Seen::default();

    /// Records the current task when dropped.
    struct Ask(&'static str, Seen);
    impl Drop for Ask {
        fn drop(&mut self) {
            self.1.lock().push((self.0, crate::task::try_id()));
        }
    }
    impl std::task::Wake for Ask {
        fn wake(self: std::sync::Arc<Self>) {}
    }

    /// The test's queue, with a marker that goes with the task's memory.
    struct Marked(Arc<Queue>, #[allow(dead_code)] Ask);
    impl Schedule for Marked {
        fn schedule(&self, task: Notified) {
            self.0.schedule(task);
        }
        fn release(&self, task: std::ptr::NonNull<super::Header>) -> bool {
            self.0.release(task)
        }
    }

    let queue = Arc::new(Queue::default());
    let output = Ask("output", seen.clone());
    let future = pending_once(output, |waker| waker.wake_by_ref());
    let scheduler = Marked(queue.clone(), Ask("task memory", seen.clone()));
    let (task, notified, mut join) = new(future, scheduler, Location::caller(), spawn_time());
    let id = join.id();
    queue.schedule(notified);
    // The join handle leaves a waker, which goes with the handle, before
    // the task runs; so the output is dropped where the task completes.
    let waker = Waker::from(std::sync::Arc::new(Ask("join waker", seen.clone())));
    assert!(
        Pin::new(&mut join)
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    drop((waker, join, task));
    assert_eq!(queue.run_all(), 2);
    assert_eq!(
        *seen.lock(),
        [
            ("join waker", None),
            ("output", Some(id)),
            ("task memory", None)
        ],
        "the output is dropped in its task's poll, the task's memory after it"
    );
}

#[test]
fn two_tasks_that_stopped_awaiting_each_other_free_each_other() {
    type Handles = Arc<Mutex<Vec<Option<super::JoinHandle<()>>>>>;
    let queue = Arc::new(Queue::default());
    let handles = Handles::default();
    // Each task polls the other's join handle (leaving its own waker in
    // the other), yields, then drops that handle and finishes.
    let task_of = |other: usize| {
        let handles = handles.clone();
        async move {
            let mut handle = handles.lock()[other].take().expect("the other's handle");
            let waiting = poll_fn(|cx| Poll::Ready(Pin::new(&mut handle).poll(cx).is_pending()));
            assert!(waiting.await, "the other task is still running");
            pending_once((), Waker::wake_by_ref).await;
            drop(handle);
        }
    };
    let (first, first_queued, first_join) =
        new(task_of(1), queue.clone(), Location::caller(), spawn_time());
    let (second, second_queued, second_join) =
        new(task_of(0), queue.clone(), Location::caller(), spawn_time());
    handles.lock().extend([Some(first_join), Some(second_join)]);
    queue.schedule(second_queued);
    queue.schedule(first_queued);
    drop((first, second));
    // In queue order, so that each polls the other's handle before either
    // finishes.
    let mut polls = 0;
    loop {
        let queued = std::mem::take(&mut *queue.entries.lock());
        if queued.is_empty() {
            break;
        }
        for task in queued {
            task.run();
            polls += 1;
        }
    }
    assert_eq!(polls, 4, "each task polled twice");
    assert!(handles.lock().iter().all(Option::is_none));
    assert_eq!(
        Arc::strong_count(&queue),
        1,
        "a completed task is still held by the other's join waker"
    );
}
