//! JoinHandle: detaching, finishing, reading the output.

mod support;

use std::time::Duration;

#[test]
fn dropping_the_join_handle_detaches_the_task() {
    for (name, rt) in support::flavours() {
        let (tx, rx) = std::sync::mpsc::channel();
        rt.block_on(async move {
            let handle = braid::spawn(async move {
                braid::yield_now().await;
                tx.send("still ran").unwrap();
            });
            drop(handle);
            // Keep the runtime busy until the detached task reports.
            for _ in 0..1000 {
                braid::yield_now().await;
            }
        });
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)).unwrap(),
            "still ran",
            "{name}"
        );
    }
}

#[test]
fn is_finished_turns_true_and_output_is_dropped_once_when_unread() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let token = drops.token();
        let handle = rt.spawn(async move { token });
        rt.block_on(async {
            while !handle.is_finished() {
                braid::yield_now().await;
            }
        });
        assert_eq!(drops.count(), 0, "{name}: output kept for the handle");
        drop(handle);
        assert_eq!(drops.count(), 1, "{name}: output dropped with the handle");
    }
}

#[test]
fn output_of_a_detached_task_is_dropped_by_the_task() {
    for (name, rt) in support::flavours() {
        let drops = support::DropCounter::default();
        let token = drops.token();
        rt.block_on(async move {
            let (tx, rx) = std::sync::mpsc::channel();
            drop(braid::spawn(async move {
                tx.send(()).unwrap();
                token
            }));
            loop {
                if rx.try_recv().is_ok() {
                    break;
                }
                braid::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(drops.count(), 1, "{name}");
    }
}

#[test]
fn join_handle_is_send_and_awaitable_from_another_task() {
    for (name, rt) in support::flavours() {
        let out = rt.block_on(async {
            let inner = braid::spawn(async { 3 });
            braid::spawn(async move { inner.await.unwrap() * 2 })
                .await
                .unwrap()
        });
        assert_eq!(out, 6, "{name}");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_joined_task_no_longer_counts_as_alive() {
    // The join handle must not see the output before the task has left
    // the runtime's list of live tasks: each join below is followed at
    // once by a read of the count, from the joining task and from outside.
    for (name, rt) in support::flavours() {
        let handle = rt.handle().clone();
        let seen_alive = rt.block_on(async move {
            let mut seen_alive = 0;
            for i in 0..2_000u32 {
                let task = braid::spawn(async move {
                    if i % 2 == 0 {
                        braid::yield_now().await;
                    }
                    i
                });
                assert_eq!(task.await.unwrap(), i);
                // The block_on future is no task: nothing else is alive.
                seen_alive += handle.metrics().num_alive_tasks();
            }
            seen_alive
        });
        assert_eq!(seen_alive, 0, "{name}: joined tasks counted as alive");
        for i in 0..500u32 {
            let task = rt.spawn(async move { i });
            assert_eq!(rt.block_on(task).unwrap(), i);
            assert_eq!(
                rt.handle().metrics().num_alive_tasks(),
                0,
                "{name}: join {i}"
            );
        }
    }
}
