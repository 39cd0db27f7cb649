//! `Builder::unhandled_panic`: a task's panic that nobody observes through
//! its `JoinHandle` shuts the runtime down under `ShutdownRuntime`, and is
//! dropped under `Ignore`; an observed one never shuts anything down.

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use braid::UnhandledPanic;

fn runtimes(policy: UnhandledPanic) -> Vec<(&'static str, braid::Runtime)> {
    let multi = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .unhandled_panic(policy)
        .build()
        .unwrap();
    let current = braid::Builder::new_current_thread()
        .unhandled_panic(policy)
        .build()
        .unwrap();
    vec![("multi_thread(2)", multi), ("current_thread", current)]
}

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .expect("a panic with a message")
}

/// `block_on` of a future that never ends, which only the shutdown ends.
fn block_on_until_shut_down(rt: &braid::Runtime, spawn: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            spawn();
            std::future::pending::<()>().await
        })
    }))
    .expect_err("block_on must panic once the runtime shut down");
    message(payload)
}

#[test]
fn a_detached_tasks_panic_shuts_the_runtime_down_and_block_on_panics_with_its_message() {
    support::eventually(|| {
        for (name, rt) in runtimes(UnhandledPanic::ShutdownRuntime) {
            let msg = block_on_until_shut_down(&rt, || {
                drop(braid::spawn(async {
                    panic!("detached task failed: code 7")
                }));
            });
            assert!(
                msg.contains("detached task failed: code 7"),
                "{name}: {msg}"
            );
            assert!(
                msg.contains("UnhandledPanic::ShutdownRuntime"),
                "{name}: {msg}"
            );
            // Every later block_on panics the same way.
            let again = catch_unwind(AssertUnwindSafe(|| rt.block_on(async { 1 })));
            assert!(message(again.unwrap_err()).contains("code 7"), "{name}");
            // And dropping the runtime is an ordinary shutdown.
            drop(rt);
        }
    });
}

#[test]
fn a_join_handle_dropped_unread_after_the_panic_shuts_the_runtime_down() {
    support::eventually(|| {
        for (name, rt) in runtimes(UnhandledPanic::ShutdownRuntime) {
            let join = rt.spawn(async { panic!("nobody read me") });
            if name == "current_thread" {
                // Tasks of a current-thread runtime run inside block_on.
                rt.block_on(braid::yield_now());
            }
            while !join.is_finished() {
                std::thread::yield_now();
            }
            // Still fine: the panic can yet be observed.
            assert_eq!(rt.block_on(async { 3 }), 3, "{name}");
            drop(join);
            let msg =
                message(catch_unwind(AssertUnwindSafe(|| rt.block_on(async { 4 }))).unwrap_err());
            assert!(msg.contains("nobody read me"), "{name}: {msg}");
        }
    });
}

#[test]
fn an_observed_panic_does_not_shut_the_runtime_down() {
    support::eventually(|| {
        for (name, rt) in runtimes(UnhandledPanic::ShutdownRuntime) {
            let err = rt
                .block_on(async { braid::spawn(async { panic!("seen") }).await })
                .unwrap_err();
            assert!(err.is_panic(), "{name}");
            let later = rt.block_on(async { braid::spawn(async { 5 }).await.unwrap() });
            assert_eq!(later, 5, "{name}");
        }
    });
}

#[test]
fn under_ignore_a_detached_panic_leaves_the_runtime_running() {
    support::eventually(|| {
        for (name, rt) in runtimes(UnhandledPanic::Ignore) {
            let after = rt.block_on(async {
                let failing = braid::spawn(async { panic!("ignored") });
                drop(failing);
                for _ in 0..10 {
                    braid::yield_now().await;
                }
                braid::spawn(async { 6 }).await.unwrap()
            });
            assert_eq!(after, 6, "{name}");
        }
    });
}

#[test]
fn a_block_on_waiting_on_another_thread_panics_too() {
    support::eventually(|| {
        let rt = braid::Builder::new_multi_thread()
            .worker_threads(1)
            .unhandled_panic(UnhandledPanic::ShutdownRuntime)
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        let (inside_tx, inside_rx) = std::sync::mpsc::channel();
        let waiting = std::thread::spawn(move || {
            catch_unwind(AssertUnwindSafe(|| {
                handle.block_on(async {
                    inside_tx.send(()).unwrap();
                    std::future::pending::<()>().await
                })
            }))
            .map_err(message)
        });
        inside_rx.recv().unwrap();
        drop(rt.spawn(async { panic!("from a worker") }));
        let msg = waiting.join().unwrap().unwrap_err();
        assert!(msg.contains("from a worker"), "{msg}");
    });
}
