//! A task that is always ready must not starve the others.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn spinner_does_not_starve(rt: &braid::Runtime, spinners: usize) {
    let stop = Arc::new(AtomicBool::new(false));
    for _ in 0..spinners {
        let stop = stop.clone();
        rt.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                braid::yield_now().await;
            }
        });
    }
    // Spawned after the spinners, from inside the runtime: it must still
    // get polled, and so must the block_on future that waits for it.
    let out = rt.block_on(async {
        let a = braid::spawn(async { 1 });
        let b = braid::spawn(async {
            braid::yield_now().await;
            2
        });
        a.await.unwrap() + b.await.unwrap()
    });
    stop.store(true, Ordering::Relaxed);
    assert_eq!(out, 3);
}

#[test]
fn yield_loop_does_not_starve_one_worker() {
    spinner_does_not_starve(&support::multi(1), 1);
}

#[test]
fn yield_loops_do_not_starve_two_workers() {
    spinner_does_not_starve(&support::multi(2), 4);
}

#[test]
fn yield_loop_does_not_starve_current_thread() {
    spinner_does_not_starve(&support::current(), 2);
}

#[test]
fn tasks_waking_each_other_do_not_starve_the_queue() {
    // Two tasks ping-pong through the LIFO slot forever; a third, spawned by
    // one of them, waits in the same worker's deque behind them (not in the
    // injector, which the periodic check would reach anyway). Only the cap
    // on LIFO polls in a row lets it run.
    use futures::StreamExt;
    let rt = support::multi(1);
    let stop = Arc::new(AtomicBool::new(false));
    let (third_tx, third_rx) = std::sync::mpsc::channel();
    let (a_tx, mut a_rx) = futures::channel::mpsc::unbounded::<()>();
    let (b_tx, mut b_rx) = futures::channel::mpsc::unbounded::<()>();
    {
        let (stop, b_tx) = (stop.clone(), b_tx.clone());
        rt.spawn(async move {
            let mut third = Some(third_tx);
            let mut rounds = 0;
            while a_rx.next().await.is_some() && !stop.load(Ordering::Relaxed) {
                let _ = b_tx.unbounded_send(());
                rounds += 1;
                // Once the two wake each other through the slot (both have
                // been polled, neither waits in the injector any more).
                if rounds == 10 {
                    let tx = third.take().unwrap();
                    drop(braid::spawn(async move { tx.send("third").unwrap() }));
                }
            }
        });
    }
    {
        let (stop, a_tx) = (stop.clone(), a_tx.clone());
        rt.spawn(async move {
            while b_rx.next().await.is_some() && !stop.load(Ordering::Relaxed) {
                let _ = a_tx.unbounded_send(());
            }
        });
    }
    a_tx.unbounded_send(()).unwrap();
    // A starved third task fails the test instead of hanging it.
    let out = support::eventually(move || third_rx.recv().unwrap());
    stop.store(true, Ordering::Relaxed);
    drop((a_tx, b_tx));
    assert_eq!(out, "third");
}

#[test]
fn a_task_whose_resource_is_always_ready_yields_to_its_queue() {
    for rt in [support::multi(1), support::current()] {
        // A runtime stuck in one endless poll fails the test instead of
        // hanging it.
        support::eventually(move || {
            rt.block_on(async {
                let stop = Arc::new(AtomicBool::new(false));
                let spinner = {
                    let stop = stop.clone();
                    braid::spawn(async move {
                        // Queued on this worker, behind the loop below.
                        let stopper = braid::spawn({
                            let stop = stop.clone();
                            async move { stop.store(true, Ordering::Relaxed) }
                        });
                        // An already-due sleep is ready at every poll, so
                        // this loop never returns `Pending` by itself: only
                        // the cooperative budget sends it to the back of
                        // the queue, where the stopper waits.
                        while !stop.load(Ordering::Relaxed) {
                            braid::time::sleep(std::time::Duration::ZERO).await;
                        }
                        stopper.await.unwrap();
                    })
                };
                spinner.await.unwrap();
            });
        });
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_task_blocked_in_its_poll_does_not_strand_the_task_it_woke() {
    // The waker runs on a worker, puts the woken task in its LIFO slot, then
    // blocks its thread. Another worker must pick the woken task up.
    let rt = support::multi(2);
    let (tx, rx) = std::sync::mpsc::channel::<&str>();
    let release = Arc::new(AtomicBool::new(false));
    let out = rt.block_on({
        let release = release.clone();
        async move {
            let (wake_tx, wake_rx) = futures::channel::oneshot::channel::<()>();
            let receiver = braid::spawn(async move {
                wake_rx.await.unwrap();
                tx.send("ran while the waker blocked").unwrap();
            });
            let blocker_release = release.clone();
            braid::spawn(async move {
                let release = blocker_release;
                // Let the receiver park on its channel first.
                for _ in 0..10 {
                    braid::yield_now().await;
                }
                wake_tx.send(()).unwrap();
                // Blocking code in async: hold this worker until released.
                while !release.load(Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            });
            let got =
                braid::spawn_blocking(move || rx.recv_timeout(std::time::Duration::from_secs(10)))
                    .await
                    .unwrap();
            release.store(true, Ordering::SeqCst);
            receiver.await.unwrap();
            got
        }
    });
    assert_eq!(out, Ok("ran while the waker blocked"));
}
