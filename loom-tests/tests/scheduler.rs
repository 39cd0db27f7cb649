//! The work-stealing scheduler's idle and park protocol
//! (`runtime/src/scheduler/{idle,park,worker,multi_thread}.rs`) with its
//! workers on modelled threads. A push that leaves work behind while every
//! worker sleeps shows up as a deadlock of the thread awaiting that work.
#![cfg(loom)]

use braid::loom_harness::MultiThread;
use braid_loom_tests::{Drops, block_on, check, check_bounded};
use loom::thread;

/// Starts the workers on their own modelled threads.
fn start(workers: usize) -> (MultiThread, Vec<thread::JoinHandle<()>>) {
    let (pool, workers) = MultiThread::new(workers);
    let threads = workers
        .into_iter()
        .map(|worker| thread::spawn(move || worker.run()))
        .collect();
    (pool, threads)
}

fn stop(pool: MultiThread, threads: Vec<thread::JoinHandle<()>>) {
    pool.signal_shutdown();
    for thread in threads {
        thread.join().unwrap();
    }
    pool.shutdown_tasks();
    assert_eq!(pool.alive(), 0, "a task outlived shutdown");
}

#[test]
fn a_push_racing_a_worker_going_to_sleep_is_run() {
    check("scheduler::push_racing_park", || {
        let (pool, threads) = start(1);
        let drops = Drops::new();
        let value = drops.track(5u32);
        let join = pool.spawn(async move {
            let value = value;
            value.value
        });
        assert_eq!(block_on(join).unwrap(), 5);
        stop(pool, threads);
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn the_last_searcher_hands_off() {
    // Two workers and a producer: bound 1 keeps it to seconds (bound 2 runs
    // for many minutes).
    check_bounded("scheduler::last_searcher_handoff", Some(1), || {
        let (pool, threads) = start(2);
        let first = pool.spawn(async { 1u32 });
        let second = pool.spawn(async { 2u32 });
        assert_eq!(block_on(second).unwrap(), 2);
        assert_eq!(block_on(first).unwrap(), 1);
        stop(pool, threads);
    });
}

#[test]
fn shutdown_racing_a_spawn_drops_the_task_once() {
    check("scheduler::shutdown_racing_spawn", || {
        let (pool, threads) = start(1);
        let drops = Drops::new();
        let spawner = {
            let pool = pool.clone();
            let value = drops.track(());
            thread::spawn(move || drop(pool.spawn(async move { drop(value) })))
        };
        pool.signal_shutdown();
        for thread in threads {
            thread.join().unwrap();
        }
        pool.shutdown_tasks();
        spawner.join().unwrap();
        pool.shutdown_tasks();
        assert_eq!(pool.alive(), 0, "a task outlived shutdown");
        assert_eq!(
            drops.count(),
            1,
            "the task's future was not dropped exactly once"
        );
    });
}

/// Spawns a batch of two tasks on `workers` workers and waits for both: a
/// task left behind with every worker asleep deadlocks the model.
fn batch_of_two_runs(workers: usize) {
    use loom::sync::{Arc, Mutex};
    use std::task::{Poll, Waker};

    /// Tasks finished so far, and the waker of whoever waits for them.
    type Done = Arc<Mutex<(usize, Option<Waker>)>>;

    let (pool, threads) = start(workers);
    let done: Done = Arc::new(Mutex::new((0, None)));
    pool.spawn_batch((0..2).map(|_| {
        let done = done.clone();
        async move {
            let mut done = done.lock().unwrap();
            done.0 += 1;
            if let Some(waker) = done.1.take() {
                waker.wake();
            }
        }
    }));
    block_on(std::future::poll_fn(|cx| {
        let mut done = done.lock().unwrap();
        if done.0 == 2 {
            return Poll::Ready(());
        }
        done.1 = Some(cx.waker().clone());
        Poll::Pending
    }));
    stop(pool, threads);
}

#[test]
fn a_batch_racing_workers_going_to_sleep_is_run() {
    // Both workers must be asleep when the batch lands for the case that
    // needs rule 5: that takes two preemptions of the producer.
    check("scheduler::batch_racing_park", || batch_of_two_runs(2));
}

#[test]
fn a_task_woken_by_a_worker_that_then_blocks_is_taken_by_the_other() {
    use loom::sync::{Arc, Condvar, Mutex};
    use std::task::{Poll, Waker};

    /// Whether the waker task has sent its wake, and the woken task's waker.
    type Go = Arc<Mutex<(bool, Option<Waker>)>>;
    /// Whether the woken task ran; the waker task blocks its thread on it.
    type Ran = Arc<(Mutex<bool>, Condvar)>;

    // The waker wakes its peer into its LIFO slot, then blocks its worker
    // thread until the peer has run: only the other worker can run it, by
    // stealing the entry once stale, while it searches or as the watcher
    // (rule 6 of idle.rs), or after being woken by the push. An entry
    // nobody looks at again deadlocks the model. Bound 2: at bound 1 the
    // other worker is never refused the search (rule 4) while the entry is
    // pushed, so it always parks as the last searcher.
    check("scheduler::lifo_stuck_owner", || {
        let (pool, threads) = start(2);
        let go: Go = Arc::new(Mutex::new((false, None)));
        let ran: Ran = Arc::new((Mutex::new(false), Condvar::new()));
        let woken = {
            let (go, ran) = (go.clone(), ran.clone());
            pool.spawn(async move {
                std::future::poll_fn(|cx| {
                    let mut go = go.lock().unwrap();
                    if go.0 {
                        return Poll::Ready(());
                    }
                    go.1 = Some(cx.waker().clone());
                    Poll::Pending
                })
                .await;
                *ran.0.lock().unwrap() = true;
                ran.1.notify_one();
            })
        };
        let waker = pool.spawn(async move {
            let peer = {
                let mut go = go.lock().unwrap();
                go.0 = true;
                go.1.take()
            };
            if let Some(peer) = peer {
                peer.wake();
            }
            // Blocking code in async: the thread waits for the peer.
            let mut ran_yet = ran.0.lock().unwrap();
            while !*ran_yet {
                ran_yet = ran.1.wait(ran_yet).unwrap();
            }
        });
        block_on(woken).unwrap();
        block_on(waker).unwrap();
        stop(pool, threads);
    });
}

#[test]
fn a_batch_racing_the_only_worker_going_to_sleep_is_run() {
    // The first task may wake the worker, which runs it and falls asleep
    // again before the second is queued: the look after the last push
    // must still wake it.
    check("scheduler::batch_racing_only_worker", || {
        batch_of_two_runs(1)
    });
}

#[test]
fn one_close_racing_a_spawn_and_a_completion_frees_each_task_once() {
    // The runtime closes the owned list once, after its workers exit,
    // while a thread outside spawns and a task completes on the worker: the
    // late spawn is refused (and shut down by its spawner) or bound in time
    // to be shut down by the close. Nothing stays in the list, every future
    // is dropped once and every task freed.
    check("scheduler::close_once_racing_spawn", || {
        let (pool, threads) = start(1);
        let drops = Drops::new();
        let completes = {
            let value = drops.track(());
            pool.spawn(async move { drop(value) })
        };
        let spawner = {
            let pool = pool.clone();
            let value = drops.track(());
            thread::spawn(move || drop(pool.spawn(async move { drop(value) })))
        };
        pool.signal_shutdown();
        for thread in threads {
            thread.join().unwrap();
        }
        pool.shutdown_tasks();
        spawner.join().unwrap();
        drop(completes);
        assert_eq!(pool.alive(), 0, "a task outlived shutdown");
        assert_eq!(drops.count(), 2, "a future not dropped exactly once");
        assert_eq!(pool.tasks_unfreed(), 0, "a task never freed");
    });
}

#[test]
fn the_last_searcher_hands_off_while_its_task_blocks() {
    use loom::sync::{Arc, Condvar, Mutex};

    /// Whether the second task ran; the first blocks its thread on it.
    type Ran = Arc<(Mutex<bool>, Condvar)>;

    // Both tasks are queued while a worker may be searching, so neither
    // push need wake anyone (rule 1 of idle.rs). The worker that takes the
    // first task blocks its thread until the second has run, so only the
    // other worker can run it: woken by a push, by the last searcher's
    // hand-off (rule 3), or by its own last look on the way to sleep (rule
    // 2, which every parking worker makes: the hand-off finds no sleeper
    // in a worker that has not yet recorded itself as parked). Without
    // either, the model deadlocks; bound 2, as the worker must be
    // interrupted on its way to sleep.
    check_bounded("scheduler::last_searcher_handoff_blocking", Some(2), || {
        let (pool, threads) = start(2);
        let ran: Ran = Arc::new((Mutex::new(false), Condvar::new()));
        let first = {
            let ran = ran.clone();
            pool.spawn(async move {
                // Blocking code in async: the thread waits for the second.
                let mut ran_yet = ran.0.lock().unwrap();
                while !*ran_yet {
                    ran_yet = ran.1.wait(ran_yet).unwrap();
                }
            })
        };
        let second = pool.spawn(async move {
            *ran.0.lock().unwrap() = true;
            ran.1.notify_one();
        });
        block_on(second).unwrap();
        block_on(first).unwrap();
        stop(pool, threads);
    });
}

#[test]
fn a_task_spawned_by_a_worker_that_then_blocks_is_taken_by_the_other() {
    use loom::sync::{Arc, Condvar, Mutex};

    /// Whether the child ran; the parent blocks its thread on it.
    type Ran = Arc<(Mutex<bool>, Condvar)>;

    // The parent spawns its child onto its own worker's deque, a push
    // published by a `Release` store, then blocks its thread until the
    // child has run: only the other worker can run it, woken by the push
    // (rule 1 of idle.rs) or finding it in its last look on the way to
    // sleep (rule 2). The producer's fence and the sleeper's make sure one
    // of the two happens; without either, the model deadlocks.
    check("scheduler::spawn_then_block", || {
        let (pool, threads) = start(2);
        let ran: Ran = Arc::new((Mutex::new(false), Condvar::new()));
        let parent = {
            let pool = pool.clone();
            pool.clone().spawn(async move {
                let child = {
                    let ran = ran.clone();
                    pool.spawn(async move {
                        *ran.0.lock().unwrap() = true;
                        ran.1.notify_one();
                    })
                };
                drop(child);
                // Blocking code in async: the thread waits for the child.
                let mut ran_yet = ran.0.lock().unwrap();
                while !*ran_yet {
                    ran_yet = ran.1.wait(ran_yet).unwrap();
                }
            })
        };
        block_on(parent).unwrap();
        stop(pool, threads);
    });
}
