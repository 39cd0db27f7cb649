//! The task state machine (`runtime/src/task/state.rs` and the harness)
//! on a hand-driven scheduler: wakes, abort, join-handle drop and the
//! reference count, each racing a poll or a completion.
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use braid::JoinHandle;
use braid::loom_harness::TaskScheduler;
use braid_loom_tests::{Drops, Tracked, check};
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// An event a task waits for: a flag and the waker of its last poll.
#[derive(Default)]
struct Signal {
    fired: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    fn fire(&self) {
        self.fired.store(true, Ordering::Release);
        let waker = self.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Completes with its output once the signal fired. Both the future and
/// its output are tracked: whatever happens, exactly two drops.
struct WaitFor {
    signal: Arc<Signal>,
    output: Option<Tracked<u32>>,
    _future: Tracked<()>,
}

impl WaitFor {
    fn new(signal: &Arc<Signal>, drops: &Drops) -> WaitFor {
        WaitFor {
            signal: signal.clone(),
            output: Some(drops.track(7)),
            _future: drops.track(()),
        }
    }
}

impl Future for WaitFor {
    type Output = Tracked<u32>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Tracked<u32>> {
        if !self.signal.fired.load(Ordering::Acquire) {
            *self.signal.waker.lock().unwrap() = Some(cx.waker().clone());
            if !self.signal.fired.load(Ordering::Acquire) {
                return Poll::Pending;
            }
        }
        Poll::Ready(self.output.take().expect("polled after completion"))
    }
}

fn poll_join<T>(join: &mut JoinHandle<T>) -> Poll<Result<T, braid::JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(Waker::noop()))
}

/// Checks the end state once every thread is joined and every value that
/// may hold a reference is gone.
fn assert_freed(scheduler: &TaskScheduler, drops: &Drops) {
    assert_eq!(scheduler.alive(), 0, "a completed task is still linked");
    assert_eq!(scheduler.queued(), 0);
    assert_eq!(scheduler.freed(), 1, "the task was not freed exactly once");
    assert_eq!(
        drops.count(),
        2,
        "future and output not dropped exactly once"
    );
}

#[test]
fn wake_during_poll_is_not_lost() {
    check("task::wake_during_poll", || {
        let scheduler = TaskScheduler::new();
        let drops = Drops::new();
        let signal = Arc::new(Signal::default());
        let mut join = scheduler.spawn(WaitFor::new(&signal, &drops));
        assert!(scheduler.tick(), "the first poll");
        // A spurious wake queues a second poll, which then runs while the
        // signal fires.
        let stored = signal
            .waker
            .lock()
            .unwrap()
            .clone()
            .expect("first poll stores its waker");
        stored.wake();

        let waker = {
            let signal = signal.clone();
            thread::spawn(move || signal.fire())
        };
        // The second poll runs while the signal may be firing: a wake that
        // lands during it must re-queue the task (rule 4).
        scheduler.run_until_idle();
        waker.join().unwrap();
        scheduler.run_until_idle();

        match poll_join(&mut join) {
            Poll::Ready(Ok(output)) => assert_eq!(output.value, 7),
            other => panic!(
                "task did not complete after its wake: {:?}",
                other.is_ready()
            ),
        }
        drop(join);
        drop(signal);
        assert_freed(&scheduler, &drops);
    });
}

#[test]
fn two_wakers_queue_the_task_once() {
    check("task::wake_from_two_threads", || {
        let scheduler = TaskScheduler::new();
        let drops = Drops::new();
        let signal = Arc::new(Signal::default());
        let mut join = scheduler.spawn(WaitFor::new(&signal, &drops));
        assert!(scheduler.tick());
        let stored = signal
            .waker
            .lock()
            .unwrap()
            .clone()
            .expect("first poll stores its waker");

        let by_val = {
            let waker = stored.clone();
            thread::spawn(move || waker.wake())
        };
        let by_ref = thread::spawn(move || {
            stored.wake_by_ref();
            drop(stored);
        });
        by_val.join().unwrap();
        by_ref.join().unwrap();
        assert_eq!(
            scheduler.queued(),
            1,
            "two wakes of an idle task make one queue entry"
        );

        signal.fire();
        scheduler.run_until_idle();
        assert!(matches!(poll_join(&mut join), Poll::Ready(Ok(_))));
        drop(join);
        drop(signal);
        assert_freed(&scheduler, &drops);
    });
}

#[test]
fn abort_racing_completion_ends_one_way() {
    check("task::abort_racing_completion", || {
        let scheduler = TaskScheduler::new();
        let drops = Drops::new();
        let signal = Arc::new(Signal::default());
        let mut join = scheduler.spawn(WaitFor::new(&signal, &drops));
        assert!(scheduler.tick());
        let abort = join.abort_handle();

        let firer = {
            let signal = signal.clone();
            thread::spawn(move || signal.fire())
        };
        let aborter = thread::spawn(move || abort.abort());
        scheduler.run_until_idle();
        firer.join().unwrap();
        aborter.join().unwrap();
        scheduler.run_until_idle();

        match poll_join(&mut join) {
            Poll::Ready(Ok(output)) => assert_eq!(output.value, 7),
            Poll::Ready(Err(error)) => assert!(error.is_cancelled()),
            Poll::Pending => panic!("neither completed nor cancelled"),
        }
        drop(join);
        drop(signal);
        assert_freed(&scheduler, &drops);
    });
}

/// A waker that raises a flag.
struct Flag(AtomicBool);

impl std::task::Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

#[test]
fn a_woken_join_handle_finds_the_task_no_longer_alive() {
    check("task::joined_is_unlinked", || {
        let scheduler = TaskScheduler::new();
        let drops = Drops::new();
        let signal = Arc::new(Signal::default());
        signal.fired.store(true, Ordering::Relaxed);
        let mut join = scheduler.spawn(WaitFor::new(&signal, &drops));
        // The join handle waits before the task runs; the completion wakes
        // it, and by then the task has left the owned list.
        let woken = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(woken.clone());
        assert!(
            Pin::new(&mut join)
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        let joiner = {
            let scheduler = scheduler.clone();
            thread::spawn(move || {
                while !woken.0.load(Ordering::Acquire) {
                    thread::yield_now();
                }
                assert_eq!(scheduler.alive(), 0, "woken while still alive");
                match poll_join(&mut join) {
                    Poll::Ready(Ok(output)) => assert_eq!(output.value, 7),
                    _ => panic!("woken before the output was there"),
                }
                join
            })
        };
        scheduler.run_until_idle();
        drop(joiner.join().unwrap());
        drop(waker);
        drop(signal);
        assert_freed(&scheduler, &drops);
    });
}

#[test]
fn join_handle_drop_racing_completion_drops_the_output_once() {
    check("task::join_drop_racing_completion", || {
        let scheduler = TaskScheduler::new();
        let drops = Drops::new();
        let signal = Arc::new(Signal::default());
        signal.fired.store(true, Ordering::Relaxed);
        let join = scheduler.spawn(WaitFor::new(&signal, &drops));

        let dropper = thread::spawn(move || drop(join));
        scheduler.run_until_idle();
        dropper.join().unwrap();

        drop(signal);
        assert_freed(&scheduler, &drops);
    });
}

#[test]
fn join_handle_drop_with_a_stored_waker_racing_completion_drops_the_waker_once() {
    check("task::join_waker_drop_racing_completion", || {
        let scheduler = TaskScheduler::new();
        let drops = Drops::new();
        let signal = Arc::new(Signal::default());
        signal.fired.store(true, Ordering::Relaxed);
        let mut join = scheduler.spawn(WaitFor::new(&signal, &drops));
        // The handle leaves a waker in the task, then is dropped while the
        // task completes: the completer wakes it, or the handle takes it.
        let joiner = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(joiner.clone());
        assert!(
            Pin::new(&mut join)
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        drop(waker);
        let dropper = thread::spawn(move || drop(join));
        scheduler.run_until_idle();
        dropper.join().unwrap();

        drop(signal);
        assert_freed(&scheduler, &drops);
        assert_eq!(
            std::sync::Arc::strong_count(&joiner),
            1,
            "the join waker outlived the task"
        );
    });
}

#[test]
fn waker_clones_and_shutdown_free_the_task_once() {
    check("task::waker_refcount", || {
        let scheduler = TaskScheduler::new();
        let drops = Drops::new();
        let signal = Arc::new(Signal::default());
        let join = scheduler.spawn(WaitFor::new(&signal, &drops));
        assert!(scheduler.tick());
        let stored = signal
            .waker
            .lock()
            .unwrap()
            .take()
            .expect("first poll stores its waker");

        let waker = thread::spawn(move || {
            let clone = stored.clone();
            stored.wake();
            clone.wake_by_ref();
            drop(clone);
        });
        // Shutdown claims the idle task while its wakers come and go.
        scheduler.shutdown();
        drop(join);
        waker.join().unwrap();
        scheduler.shutdown();

        drop(signal);
        assert_freed(&scheduler, &drops);
    });
}
