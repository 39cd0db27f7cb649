//! Timers through the runtime: both flavours, real and paused clocks.

mod support;

use std::sync::Arc;
use std::time::Duration;

use braid::time::{Instant, interval, sleep, timeout};

/// A current-thread and a two-worker runtime, both on a paused clock.
fn paused_flavours() -> [(&'static str, braid::Runtime); 2] {
    let paused = |builder: &mut braid::Builder| builder.start_paused(true).build().unwrap();
    [
        (
            "current_thread",
            paused(&mut braid::Builder::new_current_thread()),
        ),
        (
            "multi_thread(2)",
            paused(braid::Builder::new_multi_thread().worker_threads(2)),
        ),
    ]
}

#[test]
fn sleep_is_never_early_and_eventually_ends() {
    support::eventually(|| {
        for (name, rt) in support::flavours() {
            let (asked, slept) = rt.block_on(async {
                let start = std::time::Instant::now();
                sleep(Duration::from_millis(30)).await;
                (Duration::from_millis(30), start.elapsed())
            });
            assert!(
                slept >= asked,
                "{name}: woke after {slept:?}, before {asked:?}"
            );
        }
    });
}

#[test]
fn paused_clock_jumps_to_the_next_timer_when_every_worker_is_idle() {
    support::eventually(|| {
        for flavour in ["multi_thread", "current_thread"] {
            let rt = match flavour {
                "multi_thread" => braid::Builder::new_multi_thread()
                    .worker_threads(3)
                    .start_paused(true)
                    .build(),
                _ => braid::Builder::new_current_thread()
                    .start_paused(true)
                    .build(),
            }
            .unwrap();
            let order = rt.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = [3u64, 1, 2]
                    .into_iter()
                    .map(|hours| {
                        braid::spawn(async move {
                            sleep(Duration::from_secs(hours * 3600)).await;
                            (hours, start.elapsed())
                        })
                    })
                    .collect();
                let mut done = Vec::new();
                for t in tasks {
                    done.push(t.await.unwrap());
                }
                done
            });
            for (hours, elapsed) in order {
                assert!(
                    elapsed >= Duration::from_secs(hours * 3600),
                    "{flavour}: early"
                );
                assert!(
                    elapsed < Duration::from_secs(hours * 3600 + 1),
                    "{flavour}: jumped too far"
                );
            }
        }
    });
}

#[test]
fn paused_clock_does_not_jump_while_blocking_work_runs() {
    support::eventually(|| {
        let rt = braid::Builder::new_current_thread()
            .start_paused(true)
            .build()
            .unwrap();
        let virtual_elapsed = rt.block_on(async {
            let start = Instant::now();
            let blocking = braid::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50)));
            let timer = braid::spawn(sleep(Duration::from_secs(10)));
            blocking.await.unwrap();
            // The blocking call is done; only now may the clock jump.
            let at_blocking_end = start.elapsed();
            timer.await.unwrap();
            at_blocking_end
        });
        assert!(
            virtual_elapsed < Duration::from_secs(10),
            "jumped while blocking work ran"
        );
    });
}

#[test]
fn timeout_both_ways_through_the_runtime() {
    support::eventually(|| {
        let rt = braid::Builder::new_multi_thread()
            .worker_threads(2)
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            assert_eq!(
                timeout(Duration::from_secs(5), async { 1 }).await.unwrap(),
                1
            );
            let drops = support::DropCounter::default();
            let token = drops.token();
            let slow = async move {
                let _token = token;
                sleep(Duration::from_secs(60)).await;
            };
            assert!(timeout(Duration::from_secs(5), slow).await.is_err());
            assert_eq!(drops.count(), 1, "the timed-out future is dropped");
        });
    });
}

#[test]
fn interval_first_tick_is_immediate_then_periodic() {
    support::eventually(|| {
        let rt = braid::Builder::new_current_thread()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let start = Instant::now();
            let mut ticks = interval(Duration::from_millis(100));
            ticks.tick().await;
            assert_eq!(start.elapsed(), Duration::ZERO);
            ticks.tick().await;
            ticks.tick().await;
            assert_eq!(start.elapsed(), Duration::from_millis(200));
        });
    });
}

#[test]
fn sleep_outside_a_runtime_names_the_mistake() {
    let caught = std::panic::catch_unwind(|| sleep(Duration::from_millis(1)));
    let payload = caught.expect_err("sleep outside a runtime must panic");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(
        msg.contains("must be called from the context of a braid runtime"),
        "{msg}"
    );
}

/// Returned by a blocking call whose `JoinHandle` was dropped, so it is
/// dropped on the blocking thread just after the call completes: it wakes
/// the waiting task, then holds the thread in the gap before the pool counts
/// the call as finished.
struct WakeThenLinger(Option<futures::channel::oneshot::Sender<()>>);

impl Drop for WakeThenLinger {
    fn drop(&mut self) {
        if let Some(woke) = self.0.take() {
            let _ = woke.send(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn paused_clock_jumps_once_a_blocking_call_has_finished() {
    support::eventually(|| {
        for (name, rt) in paused_flavours() {
            let elapsed = rt.block_on(async {
                let start = Instant::now();
                let timer = braid::spawn(sleep(Duration::from_secs(1)));
                let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
                let (woke, on_wake) = futures::channel::oneshot::channel();
                drop(braid::spawn_blocking(move || {
                    wait_for_go.recv().unwrap();
                    WakeThenLinger(Some(woke))
                }));
                go.send(()).unwrap();
                on_wake.await.unwrap();
                // Every thread of the runtime now waits: only the clock
                // jumping can end the timer, once the pool counts itself idle.
                timer.await.unwrap();
                start.elapsed()
            });
            assert_eq!(elapsed, Duration::from_secs(1), "{name}");
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn paused_clock_does_not_jump_while_a_second_block_on_runs() {
    // Two threads in `block_on`: while the second polls its future, the
    // clock must not jump under it, and once it is done the first one's
    // timer must still fire. On the current-thread runtime the first one
    // drives the tasks and the second only polls its own future.
    support::eventually(|| {
        for (name, rt) in paused_flavours() {
            let rt = Arc::new(rt);
            let (inside, wait_inside) = std::sync::mpsc::channel();
            let (go, on_go) = futures::channel::oneshot::channel::<()>();
            let first = std::thread::spawn({
                let rt = rt.clone();
                move || {
                    rt.block_on(async move {
                        inside.send(()).unwrap();
                        on_go.await.unwrap();
                        // Pending, with every thread but the second asleep.
                        sleep(Duration::from_secs(10)).await;
                    })
                }
            });
            wait_inside.recv().unwrap();
            let seen = rt.block_on(async move {
                let start = Instant::now();
                go.send(()).unwrap();
                // Awake and running: nothing may move the clock meanwhile.
                std::thread::sleep(Duration::from_millis(100));
                start.elapsed()
            });
            assert_eq!(
                seen,
                Duration::ZERO,
                "{name}: the clock jumped during a poll"
            );
            first.join().unwrap();
        }
    });
}

#[test]
fn advancing_by_duration_max_saturates_and_the_clock_stays_usable() {
    for (name, rt) in paused_flavours() {
        rt.block_on(async {
            let start = Instant::now();
            let due = braid::spawn(sleep(Duration::from_secs(60)));
            braid::yield_now().await;
            braid::time::advance(Duration::MAX).await;
            let end = Instant::now();
            assert!(
                end - start >= Duration::from_secs(86_400 * 365 * 1_000),
                "{name}: the clock did not move far"
            );
            due.await.unwrap();
            // Again: no overflow, no move backwards.
            braid::time::advance(Duration::MAX).await;
            braid::time::advance(Duration::from_secs(1)).await;
            assert!(Instant::now() >= end, "{name}");
            // Timers still work: a sleep, a timeout, a task's sleep.
            sleep(Duration::from_millis(10)).await;
            let timed_out = timeout(Duration::from_secs(1), std::future::pending::<()>()).await;
            assert!(timed_out.is_err(), "{name}");
            let slept = braid::spawn(async {
                sleep(Duration::from_secs(5)).await;
                Instant::now()
            });
            assert!(slept.await.unwrap() >= end, "{name}");
        });
    }
}

/// A future that spends its task's whole budget in every poll (here a loop
/// over sleeps that are already due) still times out, on each flavour.
#[test]
fn a_timeout_ends_a_future_that_spends_every_budget() {
    for (name, rt) in support::flavours() {
        let outcome = support::eventually(move || {
            rt.block_on(async {
                let busy = async {
                    loop {
                        sleep(Duration::ZERO).await;
                    }
                };
                timeout(Duration::from_millis(20), busy).await
            })
        });
        assert!(outcome.is_err(), "{name}: the busy future never ends");
    }
}
