//! gather on braid: children are tasks on the runtime, structured as promised.

mod support;

#[path = "../examples/gather_demo.rs"]
#[allow(dead_code, reason = "the example's main is run by cargo run, not here")]
mod gather_demo;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use braid::time::sleep;
use braid::{GatherError, gather, try_gather};

#[test]
fn results_in_input_order_on_both_flavours() {
    for (name, rt) in support::flavours() {
        let out = rt.block_on(gather((0..50u64).map(|i| async move {
            sleep(Duration::from_millis(50 - i)).await;
            i
        })));
        assert_eq!(out, (0..50).collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn children_run_in_parallel_on_the_workers() {
    let rt = support::multi(2);
    let threads = rt.block_on(gather((0..64).map(|_| async {
        // Blocking briefly keeps each child on its thread long enough for
        // the other worker to take some.
        std::thread::sleep(Duration::from_millis(2));
        std::thread::current().id()
    })));
    let mut distinct = threads.clone();
    distinct.sort_by_key(|id| format!("{id:?}"));
    distinct.dedup();
    assert_eq!(distinct.len(), 2, "children ran on both workers");
}

#[test]
fn fail_fast_leaves_no_task_behind() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let result = rt.block_on(async {
            let children = (0..100u32).map(|i| {
                let token = drops.token();
                async move {
                    let _token = token;
                    if i == 37 {
                        return Err(format!("child {i} failed"));
                    }
                    sleep(Duration::from_secs(3600)).await;
                    Ok(i)
                }
            });
            try_gather(children).await
        });
        match result {
            Err(GatherError::Failed { index, error }) => {
                assert_eq!(index, 37, "{name}");
                assert_eq!(error, "child 37 failed");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(
            drops.count(),
            100,
            "{name}: every child gone when try_gather returns"
        );
    }
}

/// A sibling fails while a gather nested in a child is between two
/// batches of spawns: the child is dropped with it, and the outer
/// `try_gather` still returns once everything it started is gone.
#[test]
fn a_failure_while_a_nested_gather_is_still_spawning_ends_the_outer_one() {
    type Child =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), &'static str>> + Send>>;
    for (name, rt) in support::flavours() {
        let result = support::eventually(move || {
            rt.block_on(async {
                let spawning: Child = Box::pin(async {
                    let nested = gather(
                        (0..2 * braid_gather::SPAWN_BATCH).map(|_| std::future::pending::<()>()),
                    );
                    let mut nested = std::pin::pin!(nested);
                    // One poll spawns the first batch; the rest wait for the next.
                    assert!(futures::poll!(nested.as_mut()).is_pending());
                    std::future::pending().await
                });
                let failing: Child = Box::pin(async {
                    sleep(Duration::from_millis(10)).await;
                    Err("failed")
                });
                try_gather([spawning, failing]).await
            })
        });
        assert!(
            matches!(result, Err(GatherError::Failed { index: 1, .. })),
            "{name}: {result:?}"
        );
    }
}

/// Runs `start` in the child of a `try_gather` (it polls what it makes
/// once and gives back a future that awaits it), moves that future out of
/// the child, cancels the `try_gather`, then awaits it in a task of its
/// own, on each flavour: checks it panicked saying why.
fn awaited_out_of_its_cancelled_child_panics<S, W>(start: S)
where
    S: Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = W> + Send>>
        + Send
        + Clone
        + 'static,
    W: std::future::Future + Send + 'static,
    W::Output: Send,
{
    for (name, rt) in support::flavours() {
        let start = start.clone();
        let awaited = support::eventually(move || {
            rt.block_on(async move {
                let (moved_tx, moved_rx) = futures::channel::oneshot::channel();
                let token = braid::CancellationToken::new();
                let group = try_gather([async move {
                    moved_tx.send(start().await).ok();
                    std::future::pending::<Result<(), ()>>().await
                }])
                .token(&token);
                let group = braid::spawn(group);
                let waiter = moved_rx.await.unwrap();
                token.cancel();
                assert!(matches!(group.await, Ok(Err(GatherError::Cancelled))));
                braid::spawn(waiter).await.map(drop)
            })
        });
        let payload = awaited.expect_err(name).into_panic();
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted message");
        assert!(
            message.contains("polled outside that child"),
            "{name}: {message}"
        );
    }
}

/// A gather first polled in a gather child, then moved out of the child
/// and awaited elsewhere, is cancelled with the child's group: awaiting it
/// then panics, saying why, rather than waiting for good.
#[test]
#[allow(
    clippy::async_yields_async,
    reason = "the child hands over a future that awaits what it started"
)]
fn a_gather_moved_out_of_its_cancelled_child_panics_instead_of_waiting() {
    awaited_out_of_its_cancelled_child_panics(|| {
        Box::pin(async {
            let mut nested = Box::pin(gather([std::future::pending::<()>()]));
            assert!(futures::poll!(nested.as_mut()).is_pending());
            nested
        })
    });
}

/// As above, for an `as_completed` stream.
#[test]
#[allow(
    clippy::async_yields_async,
    reason = "the child hands over a future that awaits what it started"
)]
fn an_as_completed_moved_out_of_its_cancelled_child_panics_instead_of_waiting() {
    awaited_out_of_its_cancelled_child_panics(|| {
        Box::pin(async {
            let mut nested = braid::as_completed([std::future::pending::<()>()]);
            assert!(futures::poll!(std::pin::pin!(nested.next())).is_pending());
            async move { nested.next().await }
        })
    });
}

#[test]
fn cancelling_a_spawned_gather_cancels_nested_groups() {
    let rt = support::multi(2);
    let drops = support::DropCounter::default();
    let started = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let outer = braid::spawn({
            let drops = drops.clone();
            let started = started.clone();
            gather((0..4).map(move |_| {
                let drops = drops.clone();
                let started = started.clone();
                async move {
                    gather((0..4).map(|_| {
                        let token = drops.token();
                        let started = started.clone();
                        async move {
                            let _token = token;
                            started.fetch_add(1, Ordering::SeqCst);
                            std::future::pending::<()>().await
                        }
                    }))
                    .await
                }
            }))
        });
        while started.load(Ordering::SeqCst) < 16 {
            braid::yield_now().await;
        }
        outer.abort();
        assert!(outer.await.unwrap_err().is_cancelled());
        // Nested children are tasks of their own; they drop as soon as the
        // workers get to them.
        while drops.count() < 16 {
            braid::yield_now().await;
        }
    });
    assert_eq!(drops.count(), 16);
}

#[test]
fn groups_around_the_spawn_batch_complete_on_one_worker() {
    let rt = support::multi(1);
    let batch = braid_gather::SPAWN_BATCH;
    for n in [batch - 1, batch, batch + 1, 2 * batch + 1] {
        let out = rt.block_on(gather((0..n).map(|i| async move {
            for _ in 0..3 {
                braid::yield_now().await;
            }
            i
        })));
        assert_eq!(out.len(), n);
        assert!(out.iter().enumerate().all(|(i, v)| i == *v));
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_hundred_thousand_children() {
    let rt = support::multi(2);
    let out = rt.block_on(gather((0..100_000u64).map(|i| async move { i * 2 })));
    assert_eq!(out.len(), 100_000);
    assert_eq!(
        out.iter().sum::<u64>(),
        (0..100_000u64).map(|i| i * 2).sum()
    );
    // The child that completed the gather woke it from inside its own
    // poll, and leaves the list once that poll returns.
    support::wait_for("every child leaves the list", || {
        rt.handle().metrics().num_alive_tasks() == 0
    });
}

#[test]
fn child_panic_resumes_in_the_awaiting_task_after_siblings_are_gone() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(gather((0..10).map(|i| {
                let token = drops.token();
                async move {
                    let _token = token;
                    if i == 3 {
                        panic!("child three");
                    }
                    sleep(Duration::from_secs(3600)).await;
                }
            })))
        }));
        let payload = caught.expect_err("the panic must reach the gatherer");
        assert_eq!(
            *payload.downcast::<&str>().unwrap(),
            "child three",
            "{name}"
        );
        assert_eq!(drops.count(), 10, "{name}");
    }
}

#[test]
fn a_handle_spawns_the_children_of_a_gather_driven_elsewhere() {
    let rt = support::multi(2);
    // A plain thread, outside the runtime: the handle is the spawner.
    let _spawner = braid_gather::enter_spawner(Arc::new(rt.handle().clone()));
    let out = futures::executor::block_on(gather((0..10u32).map(|i| async move {
        assert!(
            braid::Handle::try_current().is_ok(),
            "a task of the runtime"
        );
        i * 3
    })));
    assert_eq!(out, (0..10).map(|i| i * 3).collect::<Vec<_>>());
}

#[test]
fn the_demo_takes_as_long_as_the_slowest_call_not_the_sum() {
    // The demo's second: calls of 1 and 2 units print "100 200" after 2
    // units, not 3. On the paused clock, so the durations are exact whatever
    // the machine's load (the demo reads braid's clock).
    let unit = Duration::from_secs(1);
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .start_paused(true)
        .build()
        .unwrap();
    let (results, took) = rt.block_on(gather_demo::two_calls(unit));
    assert_eq!(results, [100, 200]);
    assert!(took >= 2 * unit, "{took:?}: before the slowest call ended");
    assert!(
        took < 3 * unit,
        "{took:?}: as long as the calls one after another"
    );

    let (outcome, took) = rt.block_on(gather_demo::one_fails(unit));
    match outcome {
        Err(GatherError::Failed { index, error }) => {
            assert_eq!(index, 1);
            assert_eq!(error, "flaky call: service unavailable");
        }
        other => panic!("{other:?}"),
    }
    assert!(took < 5 * unit, "{took:?}: the 5-unit call was cancelled");

    let results = rt.block_on(gather_demo::errors_as_values(unit));
    assert_eq!(
        results,
        [Err(String::from("call D: service unavailable")), Ok(200)]
    );
}

/// The tuple macros' futures are `Send` for every combination of `Send`
/// outputs, borrowed `'static` data included, so they can be awaited inside
/// a spawned task or a multi-thread `block_on`.
#[test]
fn tuple_macros_are_send_with_static_str_outputs() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let spawned = rt.block_on(async {
        braid::spawn(async {
            braid::try_gather!(async { Ok::<_, String>("left") }, async { Ok(1_u8) }).await
        })
        .await
        .unwrap()
    });
    assert_eq!(spawned, Ok(("left", 1)));

    let inline = rt.block_on(async {
        let names = braid::gather!(async { "a" }, async { "b" }).await;
        let ok = braid::try_gather!(async { Ok::<_, &'static str>("c") }, async { Ok("d") }).await;
        (names, ok)
    });
    assert_eq!(inline, (("a", "b"), Ok(("c", "d"))));
}

/// Holds the children it is handed, to pass them on in one batch.
#[derive(Default)]
struct Held(std::sync::Mutex<Vec<braid_gather::ChildTask>>);

impl braid_gather::Spawn for Held {
    fn spawn(&self, task: braid_gather::ChildTask) {
        self.0.lock().unwrap().push(task);
    }
}

#[test]
fn one_batch_of_children_of_two_sizes_runs_every_child() {
    // A runtime stores a child that fits a small task in one, and the
    // rest in a full one (`SmallChildTask`); a batch that mixes them, in
    // either order, must run them all where they belong.
    for (name, rt) in support::flavours() {
        for large_first in [false, true] {
            let held = Arc::new(Held::default());
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let mut small = Box::pin(gather((0..4u64).map(|i| async move { i })));
            let mut large = Box::pin(gather((0..4u64).map(|i| async move {
                // Held across the yield: too large for a small task.
                let pad = [i as u8; 64];
                braid::yield_now().await;
                u64::from(pad[63]) * 10
            })));
            {
                let _spawner = braid_gather::enter_spawner(held.clone());
                if large_first {
                    assert!(large.as_mut().poll(&mut cx).is_pending());
                }
                assert!(small.as_mut().poll(&mut cx).is_pending());
                if !large_first {
                    assert!(large.as_mut().poll(&mut cx).is_pending());
                }
            }
            let tasks: Vec<_> = held.0.lock().unwrap().drain(..).collect();
            assert_eq!(tasks.len(), 8, "{name}");
            braid_gather::Spawn::spawn_batch(rt.handle(), &mut tasks.into_iter());
            let (small, large) = rt.block_on(async { (small.await, large.await) });
            assert_eq!(small, [0, 1, 2, 3], "{name}, large first: {large_first}");
            assert_eq!(large, [0, 10, 20, 30], "{name}, large first: {large_first}");
        }
    }
}
