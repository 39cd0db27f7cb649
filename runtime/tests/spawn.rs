//! Spawning and joining tasks.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn spawn_and_join() {
    for (name, rt) in support::flavours() {
        let out = rt.block_on(async { braid::spawn(async { 40 + 2 }).await.unwrap() });
        assert_eq!(out, 42, "{name}");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn hundred_thousand_tasks_all_complete() {
    for (name, rt) in support::flavours() {
        let done = Arc::new(AtomicUsize::new(0));
        let sum = rt.block_on({
            let done = done.clone();
            async move {
                let handles: Vec<_> = (0..100_000u64)
                    .map(|i| {
                        let done = done.clone();
                        braid::spawn(async move {
                            done.fetch_add(1, Ordering::Relaxed);
                            i
                        })
                    })
                    .collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                sum
            }
        });
        assert_eq!(sum, (0..100_000u64).sum::<u64>(), "{name}");
        assert_eq!(done.load(Ordering::Relaxed), 100_000, "{name}");
        // A join handle polled right after the previous one resolved may
        // see its task complete before the task has left the list.
        support::wait_for(&format!("{name}: every task released"), || {
            rt.handle().metrics().num_alive_tasks() == 0
        });
    }
}

#[test]
fn nested_spawns() {
    fn depth(n: u32) -> std::pin::Pin<Box<dyn std::future::Future<Output = u32> + Send>> {
        Box::pin(async move {
            if n == 0 {
                0
            } else {
                braid::spawn(depth(n - 1)).await.unwrap() + 1
            }
        })
    }
    for (name, rt) in support::flavours() {
        assert_eq!(rt.block_on(depth(200)), 200, "{name}");
    }
}

#[test]
fn spawn_from_a_plain_thread_through_a_handle() {
    for (name, rt) in support::flavours() {
        let handle = rt.handle().clone();
        let join = std::thread::spawn(move || handle.spawn(async { 7 }))
            .join()
            .unwrap();
        assert_eq!(rt.block_on(join).unwrap(), 7, "{name}");
    }
}

#[test]
fn runtime_spawn_runs_without_block_on_on_multi_thread() {
    let rt = support::multi(2);
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move { tx.send(5).unwrap() });
    assert_eq!(rx.recv().unwrap(), 5);
}

#[test]
fn handle_current_inside_a_task_is_the_runtime() {
    for (name, rt) in support::flavours() {
        let inner = rt.block_on(async {
            braid::spawn(async { braid::Handle::current() })
                .await
                .unwrap()
        });
        assert_eq!(&inner, rt.handle(), "{name}");
    }
}

#[test]
fn block_on_accepts_a_non_send_future() {
    for (name, rt) in support::flavours() {
        let local = std::rc::Rc::new(std::cell::Cell::new(1));
        let out = rt.block_on(async {
            local.set(local.get() + 1);
            braid::yield_now().await;
            local.get()
        });
        assert_eq!(out, 2, "{name}");
    }
}

#[test]
fn current_thread_runs_tasks_on_the_block_on_thread() {
    let rt = support::current();
    let here = std::thread::current().id();
    let ids = rt.block_on(async {
        let hs: Vec<_> = (0..10)
            .map(|_| braid::spawn(async { std::thread::current().id() }))
            .collect();
        let mut ids = Vec::new();
        for h in hs {
            ids.push(h.await.unwrap());
        }
        ids
    });
    assert!(ids.iter().all(|&id| id == here));
}

#[test]
fn thread_names_follow_the_builder() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("braid-test-w")
        .build()
        .unwrap();
    let (task_name, blocking_name) = rt.block_on(async {
        let t = braid::spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap();
        let b = braid::spawn_blocking(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        (t, b)
    });
    assert_eq!(task_name.as_deref(), Some("braid-test-w"));
    assert_eq!(blocking_name.as_deref(), Some("braid-test-w"));
}
