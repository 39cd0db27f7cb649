//! The gather slot array (`gather/src/group*`), its children
//! (`gather/src/child_future.rs`), deferred completion (`gather/src/deferred.rs`) and
//! the collector, through the public `gather` API with a spawner whose
//! children the model runs on its own threads.
#![cfg(loom)]

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc as StdArc, Mutex as StdMutex};
use std::task::{Context, Waker};

use braid_gather::{BoxedTask, CancellationToken, ChildTask, GatherError, Spawn, enter_spawner};
use braid_loom_tests::{Drops, Tracked, Witness, block_on, check};
use loom::thread;

/// Keeps the spawned children for the model to run.
#[derive(Default)]
struct Children(StdMutex<Vec<BoxedTask>>);

impl Spawn for Children {
    fn spawn(&self, task: ChildTask) {
        self.0.lock().unwrap().push(Box::pin(task));
    }
}

/// Polls the gather future once (spawning its children) and returns them.
fn start<F: Future + Unpin>(gather: &mut F) -> Vec<BoxedTask> {
    let children = StdArc::new(Children::default());
    let _guard = enter_spawner(children.clone());
    let polled = Pin::new(gather).poll(&mut Context::from_waker(Waker::noop()));
    assert!(polled.is_pending(), "no child has run yet");
    std::mem::take(&mut *children.0.lock().unwrap())
}

/// Runs each child on its own modelled thread.
fn run_children(children: Vec<BoxedTask>) -> Vec<thread::JoinHandle<()>> {
    children
        .into_iter()
        .map(|mut child| {
            thread::spawn(move || {
                let polled = child.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                assert!(polled.is_ready(), "a ready child completes in one poll");
            })
        })
        .collect()
}

/// Polls `future` to completion, yielding to the other modelled threads
/// between polls. Unlike `block_on` it never parks: a wake landing after the
/// panic resumed would otherwise unpark this thread while it waits in
/// `join`, which loom cannot tell from a join completing.
fn spin_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    loop {
        let polled = future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        if let std::task::Poll::Ready(output) = polled {
            return output;
        }
        thread::yield_now();
    }
}

fn values(drops: &Drops, n: u32) -> Vec<std::future::Ready<Tracked<u32>>> {
    (0..n).map(|i| std::future::ready(drops.track(i))).collect()
}

#[test]
fn children_completing_while_the_gatherer_polls() {
    check("gather::children_racing_gatherer", || {
        let drops = Drops::new();
        let mut gather = Box::pin(braid_gather::gather(values(&drops, 2)));
        let children = start(&mut gather);
        let threads = run_children(children);
        // Deadlock (a lost wake-up of the gatherer) fails the model.
        let out = block_on(gather);
        for thread in threads {
            thread.join().unwrap();
        }
        let got: Vec<u32> = out.iter().map(|v| v.value).collect();
        assert_eq!(got, [0, 1], "results in input order");
        drop(out);
        assert_eq!(drops.count(), 2, "each value dropped exactly once");
    });
}

#[test]
fn gatherer_dropped_mid_flight_drops_each_value_once() {
    check("gather::gatherer_dropped", || {
        let drops = Drops::new();
        let mut gather = Box::pin(braid_gather::gather(values(&drops, 2)));
        let children = start(&mut gather);
        let threads = run_children(children);
        drop(gather);
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(drops.count(), 2, "each value dropped exactly once");
    });
}

#[test]
fn cancellation_racing_a_child_completion() {
    check("gather::cancel_racing_completion", || {
        let drops = Drops::new();
        let token = CancellationToken::new();
        let futures = (0..2u32).map(|i| std::future::ready(Ok::<_, ()>(drops.track(i))));
        let mut gather = Box::pin(braid_gather::try_gather(futures).token(&token));
        let children = start(&mut gather);
        let canceller = {
            let token = token.clone();
            thread::spawn(move || token.cancel())
        };
        let threads = run_children(children);
        match block_on(gather) {
            Ok(out) => assert_eq!(out.iter().map(|v| v.value).collect::<Vec<_>>(), [0, 1]),
            Err(GatherError::Cancelled) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
        canceller.join().unwrap();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(drops.count(), 2, "each value dropped exactly once");
    });
}

#[test]
fn grandchild_finishing_while_its_cancelled_parent_finishes() {
    check("gather::hold_handoff", || {
        let token = CancellationToken::new();
        // The grandchild's value, dropped on whichever thread lets go of
        // the nested group last: the outer gather may return only once
        // that drop happened before it (rule 4 of `deferred.rs`, through the
        // count's ordering on either side of the finish).
        let (witness, value) = Witness::new(0u32);
        let leaf = std::future::ready(value);
        let mut outer = Box::pin(
            braid_gather::gather_settled([async move {
                braid_gather::gather([leaf]).await;
            }])
            .token(&token),
        );
        let mut child = start(&mut outer).pop().expect("one child");
        let spawned = StdArc::new(Children::default());
        let grandchild = {
            let _guard = enter_spawner(spawned.clone());
            let polled = child.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            assert!(polled.is_pending(), "the child waits for its nested gather");
            std::mem::take(&mut *spawned.0.lock().unwrap())
        };
        // The grandchild completes (or sees the cancel) on its own thread
        // while the cancelled child drops its nested gather and finishes.
        let thread = run_children(grandchild);
        token.cancel();
        let polled = child.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(polled.is_ready(), "a cancelled child finishes at once");
        // Deadlock (the deferred completion never run, or its wake lost)
        // fails the model.
        let outcomes = block_on(outer);
        // A drop not ordered before this read fails the model.
        assert!(
            witness.dropped(),
            "the grandchild's value was not dropped before the outer gather returned"
        );
        assert!(outcomes[0].as_ref().unwrap_err().is_cancelled());
        for thread in thread {
            thread.join().unwrap();
        }
    });
}

#[test]
fn as_completed_resumes_a_panic_only_after_its_sibling_stopped() {
    // Only this model's own panic is kept quiet; loom's failures still print.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"child panicked") {
            default_hook(info);
        }
    }));
    check("gather::as_completed_panic", || {
        let drops = Drops::new();
        let (first, second) = (drops.track(0), drops.track(1));
        let futures: Vec<Pin<Box<dyn Future<Output = u32> + Send>>> = vec![
            Box::pin(async move {
                let _first = first;
                panic!("child panicked");
            }),
            Box::pin(async move {
                let second = second;
                second.value
            }),
        ];
        let mut stream = braid_gather::as_completed(futures);
        let children = start(&mut Box::pin(stream.next()));
        let threads = run_children(children);
        let caught = std::panic::catch_unwind(AssertUnwindSafe(|| {
            spin_on(async { while stream.next().await.is_some() {} })
        }));
        assert!(caught.is_err(), "the child's panic reaches the reader");
        assert_eq!(
            drops.count(),
            2,
            "both children's futures were dropped before the panic resumed"
        );
        for thread in threads {
            thread.join().unwrap();
        }
    });
}

#[test]
fn a_child_waiting_on_its_slot_is_woken_by_a_cancel_from_outside() {
    // Rule 7 of `group.rs`: the child has no token of its own, so its waker
    // waits in its slot; the cancel reaches it through the children waker
    // the collector left on the group's token. A lost wake leaves the
    // child's thread parked for good: a deadlock.
    check("gather::slot_wait_racing_cancel", || {
        let drops = Drops::new();
        let token = CancellationToken::new();
        let held = drops.track(());
        let waits = async move {
            let _held = held;
            std::future::pending::<Result<(), ()>>().await
        };
        let mut gather = Box::pin(braid_gather::try_gather([waits]).token(&token));
        let child = start(&mut gather).pop().expect("one child");
        let runner = thread::spawn(move || block_on(child));
        token.cancel();
        runner.join().unwrap();
        assert_eq!(drops.count(), 1, "the child's future was dropped");
        let polled = gather
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(
            polled,
            std::task::Poll::Ready(Err(GatherError::Cancelled))
        ));
    });
}
